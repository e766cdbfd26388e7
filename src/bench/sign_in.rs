//! `sarabun bench --sign-ins N` and `--guesses N`: what password guessing costs the node.
//!
//! `--sign-ins N` sends N failed sign-ins at once (each at its own unknown user name, so that the
//! decoy hash is checked and no account lock cuts the work short; the per-address limit is lifted
//! for the run) and prints the node's resident memory (`VmRSS` of `/proc/self/status`, the node
//! running in this process) before, at its peak (`VmHWM`) and after, with how the requests were
//! answered. `--guesses N` makes N wrong guesses in a row at one account and prints how many reached
//! a password check, per second. To see the node without its defences, run with
//! `SARABUN_SIGN_IN__HASHING_SLOTS=512 SARABUN_SIGN_IN__HASHING_WAIT_MS=600000` (unbounded, as
//! tokio's blocking pool) or `SARABUN_SIGN_IN__ACCOUNT_FAILURES=1000000` (no lock).

use crate::demo::{DEMO_PASSWORD, Directory, seed};
use futures_util::StreamExt;
use sarabun_domain::SystemClock;
use sarabun_server::Settings;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A `kB` line of `/proc/self/status`, in MiB (0 where there is no such file).
fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn node(backend: &str, mut settings: Settings, lift_address_limit: bool) -> anyhow::Result<String> {
    if lift_address_limit {
        settings.sign_in.address_failures = u32::MAX;
    }
    let state = sarabun_server::start(settings, Arc::new(SystemClock)).await?;
    seed(&state.correspondence, &Directory::demo(), DEMO_PASSWORD).await?;
    let gate = state.correspondence.hashing();
    println!(
        "sarabun bench on {backend}: password hashing {} at once (argon2id {} MiB each, at most {} MiB), {} cores",
        gate.slots(),
        sarabun_routing::password::MEMORY_KIB / 1024,
        gate.memory_bound() / (1024 * 1024),
        super::cores()
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(sarabun_server::serve(listener, state, std::future::pending()));
    Ok(base)
}

/// N concurrent failed sign-ins; resident memory before, at the peak and after.
pub async fn concurrent(backend: &str, settings: Settings, n: usize) -> anyhow::Result<()> {
    let base = node(backend, settings, true).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(n).timeout(Duration::from_secs(600)).build()?;
    // Warm up: one sign-in so that the decoy hash, the pools and the allocator are in place.
    http.post(format!("{base}/api/v1/session")).json(&json!({"username": "warm.up", "password": "x"})).send().await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = status_mib("VmRSS:");
    let started = Instant::now();
    let answers: Vec<anyhow::Result<(u16, String)>> = futures_util::stream::iter(0..n)
        .map(|i| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                let res = http
                    .post(format!("{base}/api/v1/session"))
                    .json(&json!({"username": format!("nobody.{i}"), "password": "wrong password"}))
                    .send()
                    .await?;
                let status = res.status().as_u16();
                let body: serde_json::Value = res.json().await.unwrap_or_default();
                Ok((status, body["code"].as_str().unwrap_or("-").to_owned()))
            }
        })
        .buffer_unordered(n)
        .collect()
        .await;
    let wall = started.elapsed();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for answer in answers {
        let (status, code) = answer?;
        *counts.entry(format!("{status} {code}")).or_default() += 1;
    }
    let peak = status_mib("VmHWM:");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = status_mib("VmRSS:");
    println!("{n} concurrent failed sign-ins in {:.2} s: {counts:?}", wall.as_secs_f64());
    println!(
        "resident memory: before {before:.0} MiB, peak {peak:.0} MiB, after {after:.0} MiB (growth {:.0} MiB)",
        after - before
    );
    Ok(())
}

/// N wrong guesses in a row at one account: how many reach a password check, per second.
pub async fn guesses(backend: &str, settings: Settings, n: usize) -> anyhow::Result<()> {
    let base = node(backend, settings, false).await?;
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
    for _ in 0..n {
        let res = http
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"username": "clerk.ops", "password": "wrong password"}))
            .send()
            .await?;
        *counts.entry(res.status().as_u16()).or_default() += 1;
    }
    let wall = started.elapsed().as_secs_f64();
    let checked = counts.get(&401).copied().unwrap_or(0);
    println!(
        "{n} guesses at clerk.ops in {wall:.2} s: {:.1} answered/s, {checked} reached a password check ({:.1}/s); by status {counts:?}",
        n as f64 / wall,
        checked as f64 / wall
    );
    Ok(())
}
