//! Command-line interface: the subcommands an operator, a demo user or an auditor types.

use crate::demo::{DEMO_PASSWORD, Directory, seed};
use anyhow::Context;
use clap::{Parser, Subcommand};
use sarabun_domain::SystemClock;
use sarabun_server::Settings;
use std::path::PathBuf;
use std::sync::Arc;

/// Sarabun — paperless official correspondence (สารบรรณอิเล็กทรอนิกส์).
#[derive(Debug, Parser)]
#[command(name = "sarabun", version, about)]
pub struct Cli {
    /// A configuration file layered over the built-in defaults (env SARABUN_CONFIG).
    #[arg(long, global = true, env = "SARABUN_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// Where to listen and keep data, overriding the configuration.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    pub listen: Option<String>,
    /// Data directory for the SQLite database, documents and the master key.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the node (migrates the database first).
    Serve(ServeArgs),
    /// Serve a demo node with the Ministry of Finance offices and demo people.
    Demo(ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Verify a receipt or rejection (compact JWS) against a JWK Set, offline.
    VerifyReceipt {
        /// File with the compact JWS, or - for standard input.
        receipt: PathBuf,
        /// File with the JWK Set (as served at /.well-known/jwks.json).
        #[arg(long)]
        jwks: PathBuf,
    },
    /// Verify a letter's sealed envelope (`.jws`, as e-mailed to an outside recipient) against a
    /// JWK Set, offline, and that the attached PDF is the document it seals.
    VerifyEnvelope {
        /// File with the compact JWS, or - for standard input.
        envelope: PathBuf,
        /// File with the JWK Set (as served at /.well-known/jwks.json).
        #[arg(long)]
        jwks: PathBuf,
        /// The letter's PDF, checked against the envelope's SHA-256 of its body.
        #[arg(long)]
        document: Option<PathBuf>,
    },
    /// Apply the receiving stamp to a PDF, as receiving does (for operators and testing).
    Stamp {
        /// The PDF to stamp.
        input: PathBuf,
        /// Where to write the stamped PDF.
        output: PathBuf,
        /// The receiving office's name, e.g. "กรมบัญชีกลาง".
        #[arg(long)]
        office: String,
        /// The receive number (เลขรับ).
        #[arg(long)]
        number: u32,
        /// When it was received (RFC 3339); now when absent.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// Write the trail bundle of a letter to a file (reads the node's database directly).
    ExportTrail {
        /// The letter's id.
        #[arg(long)]
        letter: String,
        /// Where to write the bundle (JSON).
        output: PathBuf,
        /// Carry the documents too.
        #[arg(long)]
        documents: bool,
    },
    /// Verify a trail bundle offline; exits non-zero if anything fails.
    Verify {
        /// The bundle file.
        bundle: PathBuf,
        /// Pin the log's verifier key instead of trusting the bundle's.
        #[arg(long)]
        log_key: Option<String>,
        /// Pin a JWK Set file instead of trusting the bundle's.
        #[arg(long)]
        jwks: Option<PathBuf>,
        /// Pin the node's certificate authority root (PEM, from `/.well-known/sarabun-ca.pem`)
        /// instead of trusting the bundle's, for the signers' PDF signatures.
        #[arg(long)]
        ca: Option<PathBuf>,
        /// A witness's verifier key (C2SP vkey, `name+keyid+base64`, type 0x04, as in its node's
        /// description `witness_key`); repeat for each witness the auditor trusts.
        #[arg(long = "witness")]
        witnesses: Vec<String>,
        /// How many of the `--witness` keys must have cosigned the bundle's checkpoint.
        #[arg(long, default_value_t = 0)]
        require_witnesses: usize,
        /// A peer node's log verifier key (`<name>+<hash>+<key>`, as in its signed node description
        /// `log_key`, obtained from the peer's operator); repeat for each peer. A peer part of the
        /// bundle is checked with the key given here that it names.
        #[arg(long = "peer-log-key")]
        peer_log_keys: Vec<String>,
    },
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// This node as the witness of its peers' logs.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Key management.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Back up the node's database and documents into a new or empty directory, while it serves.
    /// The master key is not included: back it up separately.
    Backup {
        /// The directory to write.
        dir: PathBuf,
        /// The node's data directory, overriding the configuration.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Restore a backup into an empty data directory, after checking every file against its manifest.
    Restore {
        /// The backup directory.
        dir: PathBuf,
        /// The data directory to restore into, overriding the configuration.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Drive the HTTP API with concurrent clients and print throughput and latency.
    Bench(crate::bench::BenchArgs),
    /// The document store.
    #[command(subcommand)]
    Blobs(BlobsCommand),
}

/// Document-store subcommands.
#[derive(Debug, Subcommand)]
pub enum BlobsCommand {
    /// Copy every document of the local blob directory (<data_dir>/blobs) into an object store,
    /// checking each digest on both sides; re-running copies only what is still missing.
    Copy {
        /// The object store, e.g. s3://bucket/prefix (credentials from AWS_* variables).
        #[arg(long)]
        to: String,
    },
}

/// `sarabun blobs copy`: prints the counts; exit 1 when a local document is damaged.
async fn copy_blobs(settings: &Settings, to: &str) -> anyhow::Result<i32> {
    let target = settings.blobs_at(to).map_err(anyhow::Error::msg)?;
    let from = settings.storage.data_dir.join("blobs");
    let report = sarabun_routing::storage::copy_blobs(&from, &target).await?;
    println!("copied {}, already present {}, damaged {}", report.copied, report.present, report.damaged.len());
    for sha256 in &report.damaged {
        println!("DAMAGED {sha256}: not copied");
    }
    Ok(if report.damaged.is_empty() { 0 } else { 1 })
}

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-read the whole stored log, recompute the tree and check every signed checkpoint.
    Verify {
        /// Pin the log's verifier key instead of reading it from the database.
        #[arg(long)]
        log_key: Option<String>,
    },
    /// Sign a checkpoint now (when the log has grown) and print it.
    Checkpoint,
}

/// Witness subcommands.
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// After a split view, once the operator has settled it with the peer's operator: forget what
    /// this node cosigned of the log with this origin and its alarm, so that the log's next
    /// checkpoint is cosigned as a first one. Recorded in the audit log.
    Clear {
        /// The log's origin, as in `GET /api/v1/federation/peers` (`witnessed_log.origin`).
        origin: String,
        /// Who decided it (recorded as the audit entry's actor).
        #[arg(long)]
        operator: String,
    },
}

/// Key subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new random master key (base64) for keys.master_key.
    NewMaster,
}

fn settings(cli_config: Option<&PathBuf>, args: Option<&ServeArgs>) -> anyhow::Result<Settings> {
    let mut settings = Settings::load(cli_config.map(PathBuf::as_path)).context("loading configuration")?;
    if let Some(args) = args {
        if let Some(listen) = &args.listen {
            settings.server.listen = listen.clone();
            if settings.server.public_url == "http://127.0.0.1:8080" {
                settings.server.public_url = format!("http://{listen}");
            }
        }
        if let Some(data) = &args.data {
            settings.storage.data_dir = data.clone();
        }
    }
    Ok(settings)
}

/// The settings with the data directory `data`, when given.
fn with_data(cli_config: Option<&PathBuf>, data: Option<PathBuf>) -> anyhow::Result<Settings> {
    let args = ServeArgs { listen: None, data };
    settings(cli_config, Some(&args))
}

fn init_tracing(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log.filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if settings.log.format == "json" { builder.json().try_init() } else { builder.try_init() };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: no new requests; finishing those in flight and the current jobs");
}

/// Starts a node (loading the demo directory first for `demo`), its checkpoint schedule, and serves
/// until a shutdown signal.
async fn run_node(settings: Settings, demo: bool) -> anyhow::Result<i32> {
    init_tracing(&settings);
    let listen = settings.server.listen.clone();
    let public_url = settings.server.public_url.clone();
    let notification = settings.notification.clone();
    let checkpoint_cron = settings.audit.checkpoint_cron.clone();
    let state = sarabun_server::start(settings, Arc::new(SystemClock)).await?;
    let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listening on {listen}"))?;
    if demo {
        let directory = Directory::demo();
        let (offices, users) = seed(&state.correspondence, &directory, DEMO_PASSWORD).await?;
        println!("\nSarabun demo — สารบรรณอิเล็กทรอนิกส์ (created {offices} offices, {users} people)");
        println!("  Open:     {public_url}/  (the web interface; Thai, with an English switch)");
        println!("  API:      {public_url}/api/v1  (OpenAPI: {public_url}/api/v1/openapi.json)");
        println!("  Keys:     {public_url}/.well-known/jwks.json");
        println!("  Sign in with password {DEMO_PASSWORD:?} as:");
        for u in &directory.user {
            let office = directory.office.iter().find(|o| o.code == u.office).map_or("", |o| o.name_th.as_str());
            println!("    {:<16} {:<14} {} ({})", u.username, u.roles.join(","), office, u.office);
        }
        println!();
    }
    let notifier =
        sarabun_notification::worker::Notifier::new(state.correspondence.clone(), notification, &public_url)?;
    if notification_disabled(&state) {
        tracing::warn!("notification.smtp.host is empty: e-mails are queued but not sent");
    }
    let notifier = Arc::new(notifier);
    let scheduler = notifier.clone().start(&checkpoint_cron).await?;
    let fingerprint = state.correspondence.node_fingerprint().await?;
    tracing::info!(%fingerprint, endpoint = %state.settings.federation_endpoint(), "node key");
    let exchange = sarabun_server::api::federation::start_exchange(state.clone());
    let witnessing = sarabun_server::api::witness::start_witnessing(state.clone());
    tracing::info!(address = %listener.local_addr()?, "serving");
    // The listener stops accepting at the signal and returns once the requests in flight are
    // answered; then the jobs in progress finish and no new one starts.
    sarabun_server::serve(listener, state, shutdown_signal()).await?;
    if let Some(exchange) = exchange {
        exchange.abort();
    }
    if let Some(witnessing) = witnessing {
        witnessing.abort();
    }
    notifier.stop(scheduler).await;
    tracing::info!("stopped");
    Ok(0)
}

fn notification_disabled(state: &sarabun_server::AppState) -> bool {
    state.settings.notification.smtp.host.trim().is_empty()
}

/// Opens the configured node's storage without serving (for commands that read or check it).
async fn open_node(config: Option<&PathBuf>) -> anyhow::Result<sarabun_server::AppState> {
    let settings = settings(config, None)?;
    init_tracing(&settings);
    Ok(sarabun_server::start(settings, Arc::new(SystemClock)).await?)
}

/// Runs the parsed command; the exit code is the returned number.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Serve(args) => {
            let settings = settings(cli.config.as_ref(), Some(&args))?;
            run_node(settings, false).await
        }
        Command::Demo(args) => {
            let settings = settings(cli.config.as_ref(), Some(&args))?;
            run_node(settings, true).await
        }
        Command::Migrate => {
            let settings = settings(cli.config.as_ref(), None)?;
            init_tracing(&settings);
            std::fs::create_dir_all(&settings.storage.data_dir)?;
            sarabun_routing::storage::migrate(&settings.database_url()).await?;
            println!("database is up to date");
            Ok(0)
        }
        Command::VerifyReceipt { receipt, jwks } => {
            let receipt = if receipt.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&receipt).with_context(|| format!("reading {}", receipt.display()))?
            };
            let jwks = std::fs::read_to_string(&jwks).with_context(|| format!("reading {}", jwks.display()))?;
            let (lines, ok) = crate::verify::verify_receipt(&receipt, &jwks);
            for line in lines {
                println!("{line}");
            }
            Ok(if ok { 0 } else { 1 })
        }
        Command::VerifyEnvelope { envelope, jwks, document } => {
            let envelope = if envelope.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&envelope).with_context(|| format!("reading {}", envelope.display()))?
            };
            let jwks = std::fs::read_to_string(&jwks).with_context(|| format!("reading {}", jwks.display()))?;
            let document =
                document.map(|p| std::fs::read(&p).with_context(|| format!("reading {}", p.display()))).transpose()?;
            let (lines, ok) = crate::verify::verify_envelope(envelope.trim(), &jwks, document.as_deref());
            for line in lines {
                println!("{line}");
            }
            Ok(if ok { 0 } else { 1 })
        }
        Command::Stamp { input, output, office, number, at } => {
            use sarabun_domain::Clock;
            let original = std::fs::read(&input).with_context(|| format!("reading {}", input.display()))?;
            let received_at =
                at.unwrap_or_else(|| SystemClock.now().fixed_offset()).with_timezone(&sarabun_domain::bangkok());
            let text = sarabun_stamp::StampText { office_name: office, receive_number: number, received_at };
            match sarabun_stamp::stamp_pdf(&original, &text) {
                Ok(stamped) => {
                    std::fs::write(&output, &stamped).with_context(|| format!("writing {}", output.display()))?;
                    println!(
                        "stamped {} -> {} ({} bytes added)",
                        input.display(),
                        output.display(),
                        stamped.len() - original.len()
                    );
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("sarabun: cannot stamp {}: {e} ({})", input.display(), e.code());
                    Ok(1)
                }
            }
        }
        Command::ExportTrail { letter, output, documents } => {
            let state = open_node(cli.config.as_ref()).await?;
            let system = sarabun_routing::Actor::system(sarabun_routing::SystemTask::ExportTrail)?;
            let mut bundle = state.correspondence.trail_bundle(&system, &letter, documents).await?;
            sarabun_server::api::federation::attach_peer_parts(&state, &mut bundle).await?;
            // As the API does: the peers' witnesses cosign the bundle's fresh checkpoint first.
            sarabun_server::api::witness::witness_now(&state).await;
            bundle.checkpoint = state.correspondence.cosigned(&bundle.checkpoint).await?;
            std::fs::write(&output, serde_json::to_vec_pretty(&bundle)?)
                .with_context(|| format!("writing {}", output.display()))?;
            println!("wrote the trail of letter {letter} ({} entries) to {}", bundle.entries.len(), output.display());
            Ok(0)
        }
        Command::Verify { bundle, log_key, jwks, ca, witnesses, require_witnesses, peer_log_keys } => {
            let text = std::fs::read_to_string(&bundle).with_context(|| format!("reading {}", bundle.display()))?;
            let read = |p: PathBuf| std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()));
            let jwks = jwks.map(read).transpose()?;
            let ca = ca.map(read).transpose()?;
            let pins = crate::verify::Pins {
                log_key: log_key.as_deref(),
                jwks: jwks.as_deref(),
                ca: ca.as_deref(),
                witnesses: &witnesses,
                require_witnesses,
                peer_log_keys: &peer_log_keys,
            };
            let (lines, ok) = crate::verify::verify_bundle_with(&text, pins);
            for line in lines {
                println!("{line}");
            }
            println!("{}", if ok { "the trail holds" } else { "THE TRAIL DOES NOT HOLD" });
            Ok(if ok { 0 } else { 1 })
        }
        Command::Witness(WitnessCommand::Clear { origin, operator }) => {
            let state = open_node(cli.config.as_ref()).await?;
            let operator = format!("operator:{}", operator.trim());
            if state.correspondence.clear_witnessed_log(&operator, origin.trim()).await? {
                println!("cleared the witnessed log {origin}: its next checkpoint is cosigned as a first one");
                Ok(0)
            } else {
                println!("this node witnesses no log with origin {origin}");
                Ok(1)
            }
        }
        Command::Audit(AuditCommand::Verify { log_key }) => {
            let state = open_node(cli.config.as_ref()).await?;
            let report = state.correspondence.verify_log(log_key.as_deref()).await?;
            for line in &report.lines {
                println!("{line}");
            }
            Ok(if report.ok { 0 } else { 1 })
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let state = open_node(cli.config.as_ref()).await?;
            print!("{}", state.correspondence.checkpoint().await?.note);
            Ok(0)
        }
        Command::Keys(KeysCommand::NewMaster) => {
            println!("{}", sarabun_signing::MasterKey::generate()?.to_base64());
            Ok(0)
        }
        Command::Backup { dir, data } => crate::backup::backup(with_data(cli.config.as_ref(), data)?, &dir).await,
        Command::Restore { dir, data } => crate::backup::restore(with_data(cli.config.as_ref(), data)?, &dir).await,
        Command::Bench(args) => crate::bench::run(args).await.map(|()| 0),
        Command::Blobs(BlobsCommand::Copy { to }) => {
            let settings = settings(cli.config.as_ref(), None)?;
            init_tracing(&settings);
            copy_blobs(&settings, &to).await
        }
    }
}
