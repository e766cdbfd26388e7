//! `sarabun bench` proper: the OPS clerk sends letters with a PDF body to three departments over
//! HTTP, then the departments' clerks receive every delivery; prints throughput and latency. With
//! `--metrics-overhead` the same runs on fresh nodes with the metrics layer off and on, in turns,
//! so that the two are measured on one machine in one sitting.

use super::pgbench::Pgbench;
use super::{Client, Scratch, cores, percentile, report, synthetic_pdf};
use crate::demo::{DEMO_PASSWORD, Directory, seed};
use anyhow::bail;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sends and receives through a node serving on loopback; on PostgreSQL with pgbench around it.
pub async fn run(backend: &str, args: &super::BenchArgs, state: sarabun_server::AppState) -> anyhow::Result<()> {
    let pgbench = match &args.postgres {
        Some(server) => Pgbench::prepare(server).await?,
        None => None,
    };
    let Some(pgbench) = pgbench else {
        return send_and_receive(backend, args, state).await.map(|_| ());
    };
    let outcome = async {
        let before = pgbench.run()?;
        println!("{:<22} {before:>9.1} tx/s (scale 10, -c 8 -j 2 -T 15), before", "pgbench");
        let received = send_and_receive(backend, args, state).await?.rate;
        let after = pgbench.run()?;
        println!("{:<22} {after:>9.1} tx/s, after", "pgbench");
        let mean = (before + after) / 2.0;
        println!(
            "{:<22} {:>9.3} (receive {received:.1} deliveries/s ÷ pgbench {mean:.1} tx/s, mean of before and after)",
            "receive / pgbench",
            received / mean
        );
        anyhow::Ok(())
    }
    .await;
    pgbench.drop().await?;
    outcome
}

/// What one run's receive phase measured.
#[derive(Debug, Clone, Copy)]
struct Receiving {
    /// Deliveries received per second, wall clock.
    rate: f64,
    p50: Duration,
    p99: Duration,
}

/// `--metrics-overhead ROUNDS`: each round runs the benchmark on a fresh node with metrics off and
/// on a fresh node with metrics on (the order alternating from round to round, so that neither is
/// always the one on a warmer machine), then prints the figures side by side.
pub async fn metrics_overhead(args: &super::BenchArgs, rounds: usize) -> anyhow::Result<()> {
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        let order = if round % 2 == 0 { [false, true] } else { [true, false] };
        for metrics in order {
            println!("-- round {} of {}, metrics {}", round + 1, rounds.max(1), if metrics { "on" } else { "off" });
            let scratch = Scratch::new(args).await?;
            let mut settings = scratch.settings.clone();
            settings.metrics.enabled = metrics;
            let outcome = async {
                let state = sarabun_server::start(settings, Arc::new(sarabun_domain::SystemClock)).await?;
                send_and_receive(backend, args, state).await
            }
            .await;
            scratch.finish().await?;
            if metrics { on.push(outcome?) } else { off.push(outcome?) }
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "\nmetrics overhead on the receive benchmark ({backend}, {} letters x 3, {} clients):",
        args.letters, args.concurrency
    );
    for (i, (a, b)) in off.iter().zip(&on).enumerate() {
        println!(
            "  round {}: off {:>7.1} deliveries/s (p50 {:>7.1} ms, p99 {:>7.1} ms)   on {:>7.1} deliveries/s (p50 {:>7.1} ms, p99 {:>7.1} ms)   on/off {:.3}",
            i + 1,
            a.rate,
            ms(a.p50),
            ms(a.p99),
            b.rate,
            ms(b.p50),
            ms(b.p99),
            b.rate / a.rate
        );
    }
    let mean = |v: &[Receiving]| v.iter().map(|r| r.rate).sum::<f64>() / v.len() as f64;
    let (off_rate, on_rate) = (mean(&off), mean(&on));
    println!(
        "  mean:    off {off_rate:>7.1} deliveries/s   on {on_rate:>7.1} deliveries/s   on/off {:.3} (overhead {:+.1} %)",
        on_rate / off_rate,
        (1.0 - on_rate / off_rate) * 100.0
    );
    Ok(())
}

/// The benchmark proper; returns what the receive phase measured.
async fn send_and_receive(
    backend: &str,
    args: &super::BenchArgs,
    state: sarabun_server::AppState,
) -> anyhow::Result<Receiving> {
    seed(&state.correspondence, &Directory::demo(), DEMO_PASSWORD).await?;
    let metrics = if state.settings.metrics.enabled { "on" } else { "off" };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(sarabun_server::serve(listener, state, std::future::pending()));
    let client =
        Arc::new(Client { http: reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).build()?, base });
    let sender = client.sign_in("clerk.ops").await?;
    let recipients = ["clerk.cgd", "clerk.rd", "clerk.customs"];
    let mut tokens = Vec::new();
    for r in recipients {
        tokens.push(client.sign_in(r).await?);
    }
    println!(
        "sarabun bench on {backend}: {} letters x 3 recipients, {} KiB PDF bodies, {} concurrent clients, {} cores, metrics {metrics}",
        args.letters,
        args.pdf_kib,
        args.concurrency,
        cores()
    );

    // Phase 1: upload a body and send the letter.
    let send_cpu_before = super::cpu::CpuTime::now();
    let started = Instant::now();
    let results: Vec<anyhow::Result<(Duration, Duration)>> = futures_util::stream::iter(0..args.letters)
        .map(|i| {
            let client = client.clone();
            let sender = sender.clone();
            let pdf = synthetic_pdf(args.pdf_kib * 1024, i as u64);
            async move {
                let t = Instant::now();
                let doc = client.upload_pdf(&sender, pdf, &format!("letter-{i}.pdf")).await?;
                let upload = t.elapsed();
                let t = Instant::now();
                let body = json!({
                    "kind": "external", "subject": format!("ขอเชิญประชุม ครั้งที่ {i}"), "addressee": "อธิบดี",
                    "recipients": ["กค 0400", "กค 0700", "กค 0500"], "body_sha256": doc["sha256"],
                    "signer_name": "นายประเสริฐ มั่นคง", "signer_position": "รองปลัดกระทรวงการคลัง",
                });
                let res = client
                    .http
                    .post(format!("{}/api/v1/letters", client.base))
                    .bearer_auth(&sender)
                    .header("Idempotency-Key", format!("bench-{i}"))
                    .json(&body)
                    .send()
                    .await?;
                res.error_for_status()?;
                Ok((upload, t.elapsed()))
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let send_wall = started.elapsed();
    let send_cpu_after = super::cpu::CpuTime::now();
    let (mut uploads, mut sends) = (Vec::new(), Vec::new());
    for r in results {
        let (u, s) = r?;
        uploads.push(u);
        sends.push(s);
    }

    // Phase 2: every department receives every delivery in its inbox.
    let mut work = Vec::new();
    for token in &tokens {
        let mut page = 1;
        loop {
            let res = client
                .http
                .get(format!("{}/api/v1/inbox?state=delivered&per_page=200&page={page}", client.base))
                .bearer_auth(token)
                .send()
                .await?;
            let body: Value = res.error_for_status()?.json().await?;
            let items = body["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                break;
            }
            for item in items {
                work.push((token.clone(), item["delivery_id"].as_str().unwrap_or_default().to_owned()));
            }
            page += 1;
        }
    }
    if work.len() != args.letters * 3 {
        bail!("expected {} deliveries, found {}", args.letters * 3, work.len());
    }
    let cpu_before = super::cpu::CpuTime::now();
    let started = Instant::now();
    let receives: Vec<anyhow::Result<Duration>> = futures_util::stream::iter(work)
        .map(|(token, delivery)| {
            let client = client.clone();
            async move {
                let t = Instant::now();
                let res = client
                    .http
                    .post(format!("{}/api/v1/deliveries/{delivery}/receive", client.base))
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await?;
                res.error_for_status()?;
                Ok(t.elapsed())
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let receive_wall = started.elapsed();
    let cpu_after = super::cpu::CpuTime::now();
    let receives = receives.into_iter().collect::<anyhow::Result<Vec<_>>>()?;

    report("upload (100 KiB PDF)", uploads, send_wall);
    report("send (3 recipients)", sends, send_wall);
    println!(
        "{:<22} {:>9.1} letters/s ({:.1} deliveries/s) end to end",
        "sending",
        args.letters as f64 / send_wall.as_secs_f64(),
        (args.letters * 3) as f64 / send_wall.as_secs_f64()
    );
    if let (Some(before), Some(after)) = (send_cpu_before, send_cpu_after) {
        println!("{:<22} {}", "send CPU", after.per_request(&before, args.letters));
    }
    let rate = receives.len() as f64 / receive_wall.as_secs_f64();
    let mut sorted = receives.clone();
    sorted.sort();
    let (p50, p99) = (percentile(&sorted, 50.0), percentile(&sorted, 99.0));
    let count = receives.len();
    report("receive", receives, receive_wall);
    if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
        println!("{:<22} {}", "receive CPU", after.per_request(&before, count));
    }
    server.abort();
    Ok(Receiving { rate, p50, p99 })
}
