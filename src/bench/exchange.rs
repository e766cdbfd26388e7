//! `sarabun bench --exchange N`: the exchange between two nodes, as an operator would run it between
//! two ministries. Node A (the demo Ministry of Finance, SQLite) and node B (one office of the
//! Ministry of Interior; SQLite, or PostgreSQL with `--postgres`) run in this process, each with its
//! own database, data directory, node key and HTTP listener on its own loopback address, pinned to
//! each other, with the real exchange task posting signed messages over HTTP. A's clerk sends N
//! letters with a PDF body to B's office with `--concurrency` clients; the figures are letters/s
//! from the first send to the last arrival, and per letter the time from its send request to its
//! delivery in B's inbox (B's `delivered_at`, on the same machine's clock).

use super::{Client, Scratch, cores, percentile, synthetic_pdf};
use crate::demo::{DEMO_PASSWORD, Directory, PEER_DIRECTORY, seed};
use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sarabun_domain::{Clock, SystemClock};
use sarabun_registry::entity::delivery;
use sarabun_server::settings::PeerSetting;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often each node's exchange task looks at its outbound queue in this benchmark.
const POLL_MS: u64 = 20;

/// One node of the pair before it serves: its scratch storage, its listener and its fingerprint.
struct Prepared {
    scratch: Scratch,
    listener: tokio::net::TcpListener,
    url: String,
    fingerprint: String,
}

/// Makes a node's storage, directory and node key (a first start, in this process), so that both
/// fingerprints are known before either node pins the other.
async fn prepare(ip: &str, postgres: Option<&str>, concurrency: usize, directory: &str) -> anyhow::Result<Prepared> {
    let mut scratch = Scratch::on(postgres, concurrency).await?;
    let listener =
        tokio::net::TcpListener::bind((ip, 0)).await.with_context(|| format!("listening on {ip} (loopback)"))?;
    let url = format!("http://{}", listener.local_addr()?);
    scratch.settings.server.public_url = url.clone();
    scratch.settings.metrics.enabled = false;
    scratch.settings.federation.poll_ms = POLL_MS;
    let state = sarabun_server::start(scratch.settings.clone(), Arc::new(SystemClock)).await?;
    seed(&state.correspondence, &Directory::parse(directory)?, DEMO_PASSWORD).await?;
    let fingerprint = state.correspondence.node_fingerprint().await?;
    Ok(Prepared { scratch, listener, url, fingerprint })
}

/// A node serving, pinned to its peer, with its exchange task running.
struct Serving {
    state: sarabun_server::AppState,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    exchange: Option<tokio::task::JoinHandle<()>>,
    scratch: Scratch,
}

impl Prepared {
    /// How its peer pins it.
    fn pin(&self) -> PeerSetting {
        PeerSetting { url: self.url.clone(), fingerprint: self.fingerprint.clone() }
    }
}

async fn serve(mut node: Prepared, peer: PeerSetting) -> anyhow::Result<Serving> {
    node.scratch.settings.federation.peers = vec![peer];
    let state = sarabun_server::start(node.scratch.settings.clone(), Arc::new(SystemClock)).await?;
    let exchange = sarabun_server::api::federation::start_exchange(state.clone());
    let server = tokio::spawn(sarabun_server::serve(node.listener, state.clone(), std::future::pending()));
    Ok(Serving { state, server, exchange, scratch: node.scratch })
}

impl Serving {
    async fn stop(self) -> anyhow::Result<()> {
        if let Some(exchange) = self.exchange {
            exchange.abort();
        }
        self.server.abort();
        self.scratch.finish().await
    }
}

/// Runs the exchange benchmark and prints its figures.
pub async fn run(args: &super::BenchArgs, letters: usize) -> anyhow::Result<()> {
    let b_backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let a = prepare("127.0.0.2", None, args.concurrency, crate::demo::DEMO_DIRECTORY).await?;
    let b = prepare("127.0.0.3", args.postgres.as_deref(), args.concurrency, PEER_DIRECTORY).await?;
    let (a_pin, b_pin) = (a.pin(), b.pin());
    let a_serving = serve(a, b_pin).await?;
    let b_serving = serve(b, a_pin).await?;
    let outcome = measure(args, letters, b_backend, &a_serving, &b_serving).await;
    a_serving.stop().await?;
    b_serving.stop().await?;
    outcome
}

async fn measure(
    args: &super::BenchArgs,
    letters: usize,
    b_backend: &str,
    a: &Serving,
    b: &Serving,
) -> anyhow::Result<()> {
    let client = Arc::new(Client {
        http: reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).build()?,
        base: a.state.settings.server.public_url.clone(),
    });
    // A's directory knows B's office once B's signed description is taken; A's operator sees it.
    let operator = client.sign_in("admin").await?;
    let waited = Instant::now();
    loop {
        let res =
            client.http.get(format!("{}/api/v1/federation/peers", client.base)).bearer_auth(&operator).send().await?;
        let peers: Value = res.error_for_status()?.json().await?;
        let offices =
            peers.as_array().into_iter().flatten().flat_map(|p| p["offices"].as_array().into_iter().flatten());
        if offices.filter_map(Value::as_str).any(|o| o == "มท 0200") {
            break;
        }
        if waited.elapsed() > Duration::from_secs(30) {
            bail!("node A never took node B's description");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sender = client.sign_in("clerk.ops").await?;
    println!(
        "sarabun bench --exchange: {letters} letters from node A (SQLite, {}) to node B ({b_backend}, {}), {} KiB PDF bodies, {} concurrent clients, {} cores, queue looked at every {POLL_MS} ms",
        a.state.settings.server.public_url,
        b.state.settings.server.public_url,
        args.pdf_kib,
        args.concurrency,
        cores()
    );

    let started = Clock::now(&SystemClock);
    let clock = Instant::now();
    let sent: Vec<anyhow::Result<(String, DateTime<Utc>)>> = futures_util::stream::iter(0..letters)
        .map(|i| {
            let client = client.clone();
            let sender = sender.clone();
            let pdf = synthetic_pdf(args.pdf_kib * 1024, i as u64);
            async move {
                let doc = client.upload_pdf(&sender, pdf, &format!("letter-{i}.pdf")).await?;
                let body = json!({
                    "kind": "external", "subject": format!("ขอความร่วมมือข้ามกระทรวง ครั้งที่ {i}"), "addressee": "ปลัดกระทรวงมหาดไทย",
                    "recipients": ["มท 0200"], "body_sha256": doc["sha256"],
                    "signer_name": "นายประเสริฐ มั่นคง", "signer_position": "รองปลัดกระทรวงการคลัง",
                });
                let at = Clock::now(&SystemClock);
                let res = client
                    .http
                    .post(format!("{}/api/v1/letters", client.base))
                    .bearer_auth(&sender)
                    .header("Idempotency-Key", format!("bench-exchange-{i}"))
                    .json(&body)
                    .send()
                    .await?;
                let letter: Value = res.error_for_status()?.json().await?;
                let id = letter["id"].as_str().context("the send answered no letter id")?.to_owned();
                Ok((id, at))
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let send_wall = clock.elapsed();
    let sent: HashMap<String, DateTime<Utc>> = sent.into_iter().collect::<anyhow::Result<_>>()?;

    // Every letter must arrive in B's inbox, once: B's deliveries are counted until all are there.
    let b_db = &sarabun_registry::connect(&b.state.settings.database_url(), 2).await?;
    let deadline = Instant::now() + Duration::from_secs(60 + letters as u64 / 5);
    loop {
        let arrived = delivery::Entity::find().count(b_db).await? as usize;
        if arrived >= letters {
            if arrived > letters {
                bail!("node B holds {arrived} deliveries for {letters} letters: a letter arrived twice");
            }
            break;
        }
        if Instant::now() > deadline {
            bail!("only {arrived} of {letters} letters arrived at node B");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrivals = delivery::Entity::find().all(b_db).await?;
    let mut latencies = Vec::with_capacity(letters);
    let mut last = started;
    for d in &arrivals {
        let at =
            sent.get(&d.letter_id).with_context(|| format!("node B holds a letter A did not send: {}", d.letter_id))?;
        latencies.push((d.delivered_at - *at).to_std().unwrap_or_default());
        last = last.max(d.delivered_at);
    }
    latencies.sort();
    let wall = (last - started).to_std().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{:<22} {:>9.1} letters/s sent at A ({} letters in {:.2} s)",
        "send at A",
        letters as f64 / send_wall.as_secs_f64(),
        letters,
        send_wall.as_secs_f64()
    );
    println!(
        "{:<22} {:>9.1} letters/s from the first send to the last arrival at B ({:.2} s)",
        "A → B end to end",
        letters as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    println!(
        "{:<22} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
        "send → B's inbox",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    Ok(())
}
