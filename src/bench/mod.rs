//! `sarabun bench`: drives a real node over HTTP with concurrent clients — the OPS clerk sends letters
//! with a PDF body to three departments, then the departments' clerks receive every delivery — and
//! prints throughput and latency percentiles. It runs against a throw-away SQLite file, or a
//! throw-away database on a PostgreSQL server (`--postgres`), so it never touches real data. The audit
//! log (`--audit-entries`, `--audit-verify`), e-mail (`--emails`), the web pages (`--inbox-letters`) and signing in
//! (`--sign-ins`, `--guesses`), backup and restore (`--backup`) and the exchange between two nodes
//! (`--exchange`) have benchmarks of their own;
//! `--metrics-overhead` runs the receive benchmark on fresh nodes with the metrics layer off and on,
//! in turns, and prints what the layer costs.

mod audit;
mod audit_verify;
mod backup;
mod cpu;
mod email;
mod exchange;
mod offices;
mod pages;
mod pgbench;
mod receive;
mod route;
mod sign;
mod sign_in;

use crate::demo::DEMO_PASSWORD;
use anyhow::Context;
use sarabun_domain::SystemClock;
use sarabun_server::Settings;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

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
    /// Benchmark `audit verify` instead: bulk-load the log to this many entries, then time
    /// verifying it end to end (reading the database) against raw SHA-256 of the same entry bytes.
    #[arg(long)]
    pub audit_verify: Option<u64>,
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
    /// Benchmark steps on the route inside an office instead: this many received letters, each
    /// proposed to the Director-General and then ordered on, with `--concurrency` clients.
    #[arg(long)]
    pub route_steps: Option<usize>,
    /// Benchmark signing drafts instead: this many one-page and this many hundred-page letters,
    /// each drafted, sent up to the Director-General and signed with her PIN over HTTP.
    #[arg(long)]
    pub sign_drafts: Option<usize>,
    /// Measure the metrics layer instead: this many rounds of the send-and-receive benchmark, each
    /// on two fresh nodes, one with `metrics.enabled` off and one with it on (which goes first
    /// alternates), then the receive rates and p50/p99 side by side and their ratio.
    #[arg(long)]
    pub metrics_overhead: Option<usize>,
    /// Benchmark the exchange between nodes instead: two nodes in this process on their own
    /// loopback addresses (A on SQLite; B on SQLite, or PostgreSQL with `--postgres`), pinned to
    /// each other; A's clerk sends this many letters to B's office with `--concurrency` clients,
    /// and the time from each send to the delivery in B's inbox is measured.
    #[arg(long)]
    pub exchange: Option<usize>,
    /// Fill the directory to this many offices (bulk-inserted, under the OPS) before the chosen
    /// benchmark runs, e.g. `--offices 10000 --inbox-letters 100000` or `--offices 10000` for
    /// send and receive.
    #[arg(long)]
    pub offices: Option<u64>,
}

/// A throw-away node's settings: a temporary data directory, a fresh master key, and with
/// `--postgres` a database of its own, dropped by [`Scratch::finish`].
struct Scratch {
    settings: Settings,
    _tmp: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl Scratch {
    async fn new(args: &BenchArgs) -> anyhow::Result<Self> {
        Self::on(args.postgres.as_deref(), args.concurrency).await
    }

    /// A throw-away node on a database of its own on `postgres`, or on SQLite without it.
    async fn on(postgres_server: Option<&str>, concurrency: usize) -> anyhow::Result<Self> {
        let tmp = tempfile::tempdir()?;
        let mut settings = Settings::load(None)?;
        settings.storage.data_dir = tmp.path().to_path_buf();
        // To look at the loaded database afterwards (query plans, sizes), keep it.
        let tmp = if std::env::var_os("SARABUN_BENCH_KEEP").is_some() {
            let kept = tmp.keep();
            println!("keeping the bench's data in {}", kept.display());
            None
        } else {
            Some(tmp)
        };
        settings.keys.master_key = sarabun_signing::MasterKey::generate()?.to_base64();
        settings.storage.max_connections = (concurrency as u32 + 4).max(8);
        let mut postgres = None;
        if let Some(server) = postgres_server {
            let name = format!("sarabun_bench_{}", uuid::Uuid::new_v4().simple());
            settings.storage.database_url = sarabun_registry::db::create_postgres_database(server, &name).await?;
            postgres = Some((server.to_owned(), name));
        }
        Ok(Self { settings, _tmp: tmp, postgres })
    }

    async fn finish(self) -> anyhow::Result<()> {
        if let Some((server, name)) = &self.postgres {
            // Kept like the data directory, to look at the loaded database's query plans afterwards.
            if std::env::var_os("SARABUN_BENCH_KEEP").is_some() {
                println!("keeping the bench's PostgreSQL database {name}");
                return Ok(());
            }
            sarabun_registry::db::drop_postgres_database(server, name).await?;
        }
        Ok(())
    }
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
        self.upload_pdf(token, synthetic_pdf(20 * 1024, seed), "letter.pdf").await
    }

    /// Uploads `pdf` as `token`'s office under the file name `name`; returns the upload's JSON.
    async fn upload_pdf(&self, token: &str, pdf: Vec<u8>, name: &str) -> anyhow::Result<Value> {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(pdf).file_name(name.to_owned()).mime_str("application/pdf")?);
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
    if let Some(rounds) = args.metrics_overhead {
        return receive::metrics_overhead(&args, rounds).await;
    }
    if let Some(letters) = args.exchange {
        return exchange::run(&args, letters).await;
    }
    let scratch = Scratch::new(&args).await?;
    let outcome = run_against(&args, scratch.settings.clone()).await;
    scratch.finish().await?;
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
    if let Some(total) = args.offices {
        crate::demo::seed(&state.correspondence, &crate::demo::Directory::demo(), DEMO_PASSWORD).await?;
        offices::fill(&db, total).await?;
    }
    if let Some(entries) = args.audit_entries {
        return audit::run(backend, &state.correspondence, &db, entries, args.concurrency).await;
    }
    if let Some(entries) = args.audit_verify {
        return audit_verify::run(backend, &state.correspondence, &db, entries).await;
    }
    if let Some(letters) = args.emails {
        return email::run(backend, state, letters, args.concurrency).await;
    }
    if let Some(letters) = args.inbox_letters {
        return pages::run(backend, state, &db, letters).await;
    }
    if let Some(letters) = args.backup {
        return backup::run(backend, state, &db, letters, args.pdf_kib).await;
    }
    if let Some(rounds) = args.sign_drafts {
        return sign::run(backend, state, rounds).await;
    }
    if let Some(letters) = args.route_steps {
        return route::run(backend, state, letters, args.concurrency, args.pdf_kib).await;
    }
    receive::run(backend, args, state).await
}
