//! `sarabun bench`: drives a real node over HTTP with concurrent clients — the OPS clerk sends letters
//! with a PDF body to three departments, then the departments' clerks receive every delivery — and
//! prints throughput and latency percentiles. It runs against a throw-away SQLite file, or a
//! throw-away database on a PostgreSQL server (`--postgres`), so it never touches real data. The audit
//! log (`--audit-entries`), e-mail (`--emails`), the web pages (`--inbox-letters`) and signing in
//! (`--sign-ins`, `--guesses`) and backup and restore (`--backup`) have benchmarks of their own.

mod backup;
mod pages;
mod sign_in;

use crate::demo::{DEMO_PASSWORD, Directory, seed};
use anyhow::{Context, bail};
use futures_util::StreamExt;
use sarabun_domain::EventKind;
use sarabun_domain::SystemClock;
use sarabun_routing::AuditEvent;
use sarabun_server::Settings;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Benchmark options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// PostgreSQL server URL (e.g. postgres://postgres@127.0.0.1:5432); a fresh database is created
    /// and dropped. Without it the bench uses a temporary SQLite file.
    #[arg(long)]
    pub postgres: Option<String>,
    /// How many letters to send (each to 3 departments).
    #[arg(long, default_value_t = 300)]
    pub letters: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Size of each letter's PDF body in KiB.
    #[arg(long, default_value_t = 100)]
    pub pdf_kib: usize,
    /// Benchmark the audit log instead: fill it to this many entries through the real database
    /// path, then measure appends, inclusion proofs and full-log verification.
    #[arg(long)]
    pub audit_entries: Option<u64>,
    /// Benchmark e-mail instead: send this many most-urgent letters (two e-mails each) through the
    /// outbox to an SMTP server on loopback, then time single sends to the e-mail's arrival.
    #[arg(long)]
    pub emails: Option<usize>,
    /// Benchmark the web pages instead: fill one office's inbox to this many letters, then time the
    /// inbox (first page, a middle page, search, filters), a letter, the register, the auditor's
    /// search and the compose form over HTTP.
    #[arg(long)]
    pub inbox_letters: Option<usize>,
    /// Benchmark backup and restore instead: fill the node to this many letters, each with a
    /// document of its own of `--pdf-kib` KiB, then time `backup` (while serving) and `restore`.
    #[arg(long)]
    pub backup: Option<usize>,
    /// Benchmark sign-in instead: this many concurrent failed sign-ins, with the node's resident
    /// memory before, at the peak and after.
    #[arg(long)]
    pub sign_ins: Option<usize>,
    /// Benchmark guessing instead: this many wrong passwords in a row at one account, and how many
    /// reached a password check per second.
    #[arg(long)]
    pub guesses: Option<usize>,
}

/// How many cores the benchmark shares with the node.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A well-formed PDF of about `size` bytes whose content depends on `seed`, so that every letter has
/// its own document.
pub fn synthetic_pdf(size: usize, seed: u64) -> Vec<u8> {
    let mut filler = Vec::with_capacity(size);
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    while filler.len() < size.saturating_sub(600) {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        filler.extend_from_slice(format!("% {x:016x}\n").as_bytes());
    }
    let content = format!("BT /F1 18 Tf 72 720 Td (Sarabun test letter {seed}) Tj ET\n");
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    pdf.extend_from_slice(&filler);
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn sign_in(&self, username: &str) -> anyhow::Result<String> {
        let res = self
            .http
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"username": username, "password": DEMO_PASSWORD}))
            .send()
            .await?;
        let body: Value = res.error_for_status()?.json().await?;
        body["token"].as_str().map(str::to_owned).context("no token")
    }

    /// Uploads a synthetic 20 KiB PDF as `token`'s office; returns the upload's JSON.
    async fn upload_small_pdf(&self, token: &str, seed: u64) -> anyhow::Result<Value> {
        let pdf = synthetic_pdf(20 * 1024, seed);
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(pdf).file_name("letter.pdf").mime_str("application/pdf")?);
        let res =
            self.http.post(format!("{}/api/v1/documents", self.base)).bearer_auth(token).multipart(form).send().await?;
        Ok(res.error_for_status()?.json().await?)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(name: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<22} {:>7} requests {:>9.1}/s   p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
        samples.len(),
        samples.len() as f64 / wall.as_secs_f64(),
        ms(percentile(&samples, 50.0)),
        ms(percentile(&samples, 99.0)),
        ms(samples.last().copied().unwrap_or_default()),
    );
}

/// Runs the benchmark and prints its figures.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut settings = Settings::load(None)?;
    settings.storage.data_dir = tmp.path().to_path_buf();
    // To look at the loaded database afterwards (query plans, sizes), keep it.
    let _tmp = if std::env::var_os("SARABUN_BENCH_KEEP").is_some() {
        let kept = tmp.keep();
        println!("keeping the bench's data in {}", kept.display());
        None
    } else {
        Some(tmp)
    };
    settings.keys.master_key = sarabun_signing::MasterKey::generate()?.to_base64();
    settings.storage.max_connections = (args.concurrency as u32 + 4).max(8);
    let pg_name = format!("sarabun_bench_{}", uuid::Uuid::new_v4().simple());
    if let Some(server) = &args.postgres {
        settings.storage.database_url = sarabun_registry::db::create_postgres_database(server, &pg_name).await?;
    }
    let outcome = run_against(&args, settings).await;
    if let Some(server) = &args.postgres {
        sarabun_registry::db::drop_postgres_database(server, &pg_name).await?;
    }
    outcome
}

async fn run_against(args: &BenchArgs, settings: Settings) -> anyhow::Result<()> {
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    if let Some(n) = args.sign_ins {
        return sign_in::concurrent(backend, settings, n).await;
    }
    if let Some(n) = args.guesses {
        return sign_in::guesses(backend, settings, n).await;
    }
    let state = sarabun_server::start(settings, Arc::new(SystemClock)).await?;
    // The bench's own shortcuts (bulk loads, raw reads) use a connection of their own: the node's
    // service lends none.
    let db = sarabun_registry::connect(&state.settings.database_url(), 4).await?;
    if let Some(entries) = args.audit_entries {
        return audit_bench(backend, &state.correspondence, &db, entries, args.concurrency).await;
    }
    if let Some(letters) = args.emails {
        return email_bench(backend, state, letters, args.concurrency).await;
    }
    if let Some(letters) = args.inbox_letters {
        return pages::run(backend, state, &db, letters, args.concurrency).await;
    }
    if let Some(letters) = args.backup {
        return backup::run(backend, state, &db, letters, args.pdf_kib).await;
    }
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
    let started = Instant::now();
    let results: Vec<anyhow::Result<(Duration, Duration)>> = futures_util::stream::iter(0..args.letters)
        .map(|i| {
            let client = client.clone();
            let sender = sender.clone();
            let pdf = synthetic_pdf(args.pdf_kib * 1024, i as u64);
            async move {
                let t = Instant::now();
                let form = reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(pdf)
                        .file_name(format!("letter-{i}.pdf"))
                        .mime_str("application/pdf")?,
                );
                let res = client
                    .http
                    .post(format!("{}/api/v1/documents", client.base))
                    .bearer_auth(&sender)
                    .multipart(form)
                    .send()
                    .await?;
                let doc: Value = res.error_for_status()?.json().await?;
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
    let receives = receives.into_iter().collect::<anyhow::Result<Vec<_>>>()?;

    report("upload (100 KiB PDF)", uploads, send_wall);
    report("send (3 recipients)", sends, send_wall);
    println!(
        "{:<22} {:>9.1} letters/s ({:.1} deliveries/s) end to end",
        "sending",
        args.letters as f64 / send_wall.as_secs_f64(),
        (args.letters * 3) as f64 / send_wall.as_secs_f64()
    );
    report("receive", receives, receive_wall);
    server.abort();
    Ok(())
}

fn bench_event(i: u64) -> AuditEvent {
    AuditEvent {
        actor: "clerk.cgd".into(),
        office: "กค 0400".into(),
        action: EventKind::DeliveryReceived,
        subject: format!("delivery/01938f6e-0000-7000-8000-{i:012}"),
        letter_id: Some(format!("01938f6e-0000-7000-9000-{i:012}")),
        delivery_id: None,
        detail: json!({"letter_id": format!("01938f6e-0000-7000-9000-{i:012}"), "recipient": "กค 0400", "receive_number": format!("{}/2569", i + 1), "receipt_sha256": "9f".repeat(32)}),
    }
}

/// The audit log through the real database path: appends (one transaction each, and concurrent),
/// bulk filling, inclusion-proof latency at the filled size, and full-log verification speed
/// compared with raw SHA-256 over the same bytes.
async fn audit_bench(
    backend: &str,
    corr: &sarabun_routing::Correspondence,
    db: &sea_orm::DatabaseConnection,
    entries: u64,
    concurrency: usize,
) -> anyhow::Result<()> {
    use sha2::Digest;
    println!("sarabun bench --audit-entries {entries} on {backend}");
    // Fill the log to `entries` quickly: the same canonical entries and stored hashes that `record`
    // writes, computed in memory and inserted in bulk (the benchmark's own shortcut; the node never
    // writes the log this way).
    let t = Instant::now();
    let fill = entries.saturating_sub(2 * 2000);
    bulk_fill(corr, db, fill).await?;
    if fill > 0 {
        println!(
            "{:<34} {:>10.0} entries/s (bulk load to {fill} entries; not the node's path)",
            "fill",
            fill as f64 / t.elapsed().as_secs_f64()
        );
    }
    // Appends, each in its own transaction, as a state change records them.
    let single = 2000u64;
    let t = Instant::now();
    for i in 0..single {
        corr.record_alone(bench_event(fill + i)).await?;
    }
    let wall = t.elapsed();
    println!(
        "{:<34} {:>10.0} entries/s ({single} sequential transactions)",
        "append, one per transaction",
        single as f64 / wall.as_secs_f64()
    );
    let t = Instant::now();
    let results: Vec<anyhow::Result<u64>> = futures_util::stream::iter(0..single)
        .map(|i| async move { Ok(corr.record_alone(bench_event(fill + single + i)).await?) })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let wall = t.elapsed();
    println!(
        "{:<34} {:>10.0} entries/s ({concurrency} concurrent clients)",
        "append, concurrent transactions",
        single as f64 / wall.as_secs_f64()
    );
    let done = fill + 2 * single;
    let size = done;

    // Inclusion proofs at this size.
    let mut samples = Vec::new();
    let proofs_started = Instant::now();
    let mut x = 0x9E3779B97F4A7C15u64;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let t = Instant::now();
        corr.inclusion_proof(x % size, size).await?;
        samples.push(t.elapsed());
    }
    report(&format!("inclusion proof at {size}"), samples, proofs_started.elapsed());

    // Full-log verification against raw SHA-256 of the same bytes.
    corr.checkpoint().await?;
    let t = Instant::now();
    let report_ = corr.verify_log(None).await?;
    let verify_wall = t.elapsed();
    anyhow::ensure!(report_.ok, "verify failed: {:?}", report_.lines);
    let mut bytes = 0usize;
    let mut raw = Duration::ZERO;
    let mut next = 0;
    while next < size {
        let batch = sarabun_registry::audit_log::entry_texts_from(db, next, 20_000).await?;
        let t = Instant::now();
        for (_, entry) in &batch {
            bytes += entry.len();
            std::hint::black_box(sha2::Sha256::digest(entry.as_bytes()));
        }
        raw += t.elapsed();
        next += batch.len() as u64;
    }
    println!(
        "{:<34} {:>10.0} entries/s, {:.1} MB/s (reading the database included)",
        "audit verify (whole log)",
        size as f64 / verify_wall.as_secs_f64(),
        bytes as f64 / 1e6 / verify_wall.as_secs_f64()
    );
    println!(
        "{:<34} {:>10.0} entries/s, {:.1} MB/s (SHA-256 of each entry, in memory)",
        "raw SHA-256 of the same bytes",
        size as f64 / raw.as_secs_f64(),
        bytes as f64 / 1e6 / raw.as_secs_f64()
    );
    Ok(())
}

/// E-mail through the real path: HTTP send → event → worker → outbox → SMTP over loopback.
async fn email_bench(
    backend: &str,
    state: sarabun_server::AppState,
    letters: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    use sarabun_notification::testing::TestSmtpServer;
    use sarabun_notification::worker::Notifier;
    let smtp = TestSmtpServer::start().await;
    let mut settings = state.settings.notification.clone();
    settings.smtp.host = "127.0.0.1".into();
    settings.smtp.port = smtp.port();
    settings.smtp.security = sarabun_notification::TlsMode::None;
    let interval = settings.dispatch_interval_ms;
    let notifier = Arc::new(Notifier::new(state.correspondence.clone(), settings, &state.settings.server.public_url)?);
    let scheduler = notifier.clone().start(&state.settings.audit.checkpoint_cron).await?;
    seed(&state.correspondence, &Directory::demo(), DEMO_PASSWORD).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(sarabun_server::serve(listener, state, std::future::pending()));
    let client = Arc::new(Client { http: reqwest::Client::new(), base });
    let ops = client.sign_in("clerk.ops").await?;
    let doc = client.upload_small_pdf(&ops, 7).await?;
    let body = |i: usize| {
        json!({"kind": "external", "subject": format!("ด่วนที่สุด ครั้งที่ {i}"), "addressee": "อธิบดี", "urgency": "most_urgent",
               "recipients": ["กค 0400"], "body_sha256": doc["sha256"], "signer_name": "ก", "signer_position": "ข"})
    };
    println!("sarabun bench --emails {letters} on {backend}: worker polls every {interval} ms, SMTP on loopback");

    // Throughput: many letters at once, until every e-mail has arrived.
    let started = Instant::now();
    let sends: Vec<anyhow::Result<()>> = futures_util::stream::iter(0..letters)
        .map(|i| {
            let (client, ops, body) = (client.clone(), ops.clone(), body(i));
            async move {
                client
                    .http
                    .post(format!("{}/api/v1/letters", client.base))
                    .bearer_auth(&ops)
                    .json(&body)
                    .send()
                    .await?
                    .error_for_status()?;
                Ok(())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    sends.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let expected = letters * 2;
    anyhow::ensure!(smtp.wait_for(expected, Duration::from_secs(600)).await.is_some(), "not every e-mail arrived");
    let wall = started.elapsed();
    println!(
        "{:<34} {:>8.1} e-mails/s ({expected} e-mails, sending included)",
        "outbox to SMTP",
        expected as f64 / wall.as_secs_f64()
    );

    // Latency: one most-urgent letter at a time, from the send's commit to the e-mail's arrival.
    let mut samples = Vec::new();
    for i in 0..100 {
        let before = smtp.messages().len();
        client
            .http
            .post(format!("{}/api/v1/letters", client.base))
            .bearer_auth(&ops)
            .json(&body(letters + i))
            .send()
            .await?
            .error_for_status()?;
        let t = Instant::now();
        anyhow::ensure!(smtp.wait_for(before + 1, Duration::from_secs(30)).await.is_some(), "e-mail did not arrive");
        samples.push(t.elapsed());
        let _ = smtp.wait_for(before + 2, Duration::from_secs(30)).await;
    }
    let total: Duration = samples.iter().sum();
    report("most urgent: commit to inbox", samples, total);
    server.abort();
    let mut scheduler = scheduler;
    let _ = scheduler.shutdown().await;
    Ok(())
}

/// Loads `n` entries into an empty log in bulk, with exactly the bytes and stored hashes that
/// `Correspondence::record` would have written.
async fn bulk_fill(
    corr: &sarabun_routing::Correspondence,
    db: &sea_orm::DatabaseConnection,
    n: u64,
) -> anyhow::Result<()> {
    use sarabun_registry::entity::{audit_entry, audit_hash};
    use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
    anyhow::ensure!(sarabun_registry::audit_log::size(db).await? == 0, "bulk fill needs an empty log");
    let at = corr.clock().now();
    let mut tree = sarabun_audit::MemoryStore::with_capacity(n);
    let mut written_hashes = 0usize;
    let mut next = 0u64;
    while next < n {
        let end = (next + 20_000).min(n);
        let mut entries = Vec::with_capacity((end - next) as usize);
        for i in next..end {
            let e = bench_event(i);
            let value = json!({"index": i, "at": sarabun_signing::payload::wire_time(at), "actor": e.actor, "office": e.office,
                               "action": e.action, "subject": e.subject, "detail": e.detail});
            let bytes = sarabun_signing::canonical::to_vec(&value)?;
            tree.append(&bytes);
            entries.push(audit_entry::ActiveModel::from(audit_entry::Model {
                idx: i as i64,
                at,
                action: e.action.into(),
                letter_id: e.letter_id,
                delivery_id: None,
                entry: String::from_utf8(bytes)?,
            }));
        }
        let hashes: Vec<audit_hash::ActiveModel> = tree.stored_hashes()[written_hashes..]
            .iter()
            .enumerate()
            .map(|(k, h)| {
                audit_hash::ActiveModel::from(audit_hash::Model {
                    idx: (written_hashes + k) as i64,
                    hash: h.iter().map(|b| format!("{b:02x}")).collect(),
                })
            })
            .collect();
        written_hashes = tree.stored_hashes().len();
        let txn = db.begin().await?;
        for chunk in entries.chunks(500) {
            audit_entry::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
        }
        for chunk in hashes.chunks(1000) {
            audit_hash::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
        }
        txn.execute_unprepared(&format!("UPDATE audit_head SET size = {end} WHERE id = 1")).await?;
        txn.commit().await?;
        next = end;
    }
    Ok(())
}
