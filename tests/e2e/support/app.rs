//! `TestApp`: a node started for one test on a fresh SQLite file or a PostgreSQL database of its own
//! (a copy of the migrated template), with the demo directory seeded and a clock the test moves.

use chrono::{DateTime, TimeZone, Utc};
use sarabun::demo::{DEMO_PASSWORD, Directory, seed};
use sarabun_domain::FixedClock;
use sarabun_registry::db::PostgresTemplate;
use sarabun_server::{AppState, Settings};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::Value;
use std::sync::Arc;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The instant tests start at: 25 November 2569 B.E., 10:00 in Bangkok.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()
}

fn postgres_server() -> String {
    std::env::var("SARABUN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The migrated database every PostgreSQL test copies, prepared by the first test that asks.
async fn postgres_template(server: &str) -> &'static PostgresTemplate {
    static TEMPLATE: tokio::sync::OnceCell<PostgresTemplate> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            PostgresTemplate::prepare(server).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL tests need a server at {server} (set SARABUN_TEST_POSTGRES, or start one: \
                     pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): {e}"
                )
            })
        })
        .await
}

/// Drops the test's PostgreSQL database when the test ends, pass or fail.
struct DropDatabase {
    server: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on; use a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(sarabun_registry::db::drop_postgres_database(&server, &name))
        })
        .join();
    }
}

/// A running node.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub clock: FixedClock,
    pub state: AppState,
    pub settings: Settings,
    /// A connection of the test's own to the node's database, for looking at rows and for tampering
    /// as someone with database access would; the node's service keeps its connection to itself.
    db: DatabaseConnection,
    _data: tempfile::TempDir,
    _drop_db: Option<Arc<DropDatabase>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    /// A node on a fresh database with the demo directory, the clock at [`start_time`].
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], adjusting the settings first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_at(backend, start_time(), adjust).await
    }

    /// A node whose clock (and so its offices' keys) starts at `at`.
    pub async fn spawn_at(backend: Backend, at: DateTime<Utc>, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let data = tempfile::tempdir().unwrap();
        let mut settings = Settings::load(None).unwrap();
        settings.storage.data_dir = data.path().to_path_buf();
        settings.keys.master_key = sarabun_signing::MasterKey::generate().unwrap().to_base64();
        settings.storage.max_connections = 8;
        let mut drop_db = None;
        if backend == Backend::Postgres {
            let server = postgres_server();
            let name = format!("sarabun_test_{}", uuid::Uuid::new_v4().simple());
            // SARABUN_TEST_MIGRATE_EACH=1 gives each test an empty database that the node migrates,
            // as before the template existed: for measuring what the template saves.
            let url = if std::env::var_os("SARABUN_TEST_MIGRATE_EACH").is_some() {
                sarabun_registry::db::create_postgres_database(&server, &name).await.unwrap()
            } else {
                postgres_template(&server).await.create_database(&name).await.unwrap()
            };
            drop_db = Some(Arc::new(DropDatabase { server, name }));
            settings.storage.database_url = url;
        }
        adjust(&mut settings);
        let clock = FixedClock::new(at);
        let state = sarabun_server::start(settings.clone(), Arc::new(clock.clone())).await.unwrap();
        seed(&state.correspondence, &Directory::demo(), DEMO_PASSWORD).await.unwrap();
        let mut app = Self::serve(state, settings, clock, data).await;
        app._drop_db = drop_db;
        app
    }

    async fn serve(state: AppState, settings: Settings, clock: FixedClock, data: tempfile::TempDir) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(sarabun_server::serve(listener, state.clone(), async move {
            let _ = rx.await;
        }));
        let db = sarabun_registry::connect(&settings.database_url(), 2).await.unwrap();
        TestApp {
            base,
            http: reqwest::Client::new(),
            clock,
            state,
            db,
            settings,
            _data: data,
            _drop_db: None,
            shutdown: Some(tx),
        }
    }

    /// A second node on the same database and master key, with its own connection pool: what a
    /// second `sarabun serve` behind the load balancer would be.
    pub async fn second_node(&self) -> TestApp {
        let data = tempfile::tempdir().unwrap();
        let mut settings = self.settings.clone();
        settings.storage.data_dir = self._data.path().to_path_buf();
        let state = sarabun_server::start(settings.clone(), Arc::new(self.clock.clone())).await.unwrap();
        let mut app = Self::serve(state, settings, self.clock.clone(), data).await;
        app._drop_db = self._drop_db.clone();
        app
    }

    /// What the node's clock says.
    pub fn now(&self) -> DateTime<Utc> {
        sarabun_domain::Clock::now(&self.clock)
    }

    /// The test's own connection to the node's database.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The node's notification worker, sending to `smtp` (plain SMTP on loopback).
    pub fn notifier(
        &self,
        smtp: &sarabun_notification::testing::TestSmtpServer,
    ) -> sarabun_notification::worker::Notifier {
        let mut settings = self.settings.notification.clone();
        settings.smtp.host = "127.0.0.1".into();
        settings.smtp.port = smtp.port();
        settings.smtp.security = sarabun_notification::smtp::TlsMode::None;
        settings.smtp.timeout = std::time::Duration::from_secs(5);
        sarabun_notification::worker::Notifier::new(
            self.state.correspondence.clone(),
            settings,
            &self.settings.server.public_url,
        )
        .unwrap()
    }

    pub async fn jwks(&self) -> Value {
        self.http.get(self.url("/.well-known/jwks.json")).send().await.unwrap().json().await.unwrap()
    }

    /// Rows in each table that an action may write, to show that a refused request changed nothing.
    pub async fn row_counts(&self) -> Vec<(String, i64)> {
        self.count_rows(&[
            "letters",
            "letter_documents",
            "deliveries",
            "register_entries",
            "register_counters",
            "idempotency_keys",
        ])
        .await
    }

    /// Integrates the audit entries requests have queued, as every read of the log through the node
    /// does: requests answer before their entries are integrated (by the node's sequencer task,
    /// soon after), so a test reading `audit_entries` itself integrates first.
    pub async fn integrate_audit(&self) {
        self.state.correspondence.integrate().await.unwrap();
    }

    /// Rows in each of `tables` (the audit log's once integrated).
    pub async fn count_rows(&self, tables: &[&str]) -> Vec<(String, i64)> {
        self.integrate_audit().await;
        let mut counts = Vec::new();
        for table in tables {
            let row = self
                .db()
                .query_one_raw(sea_orm::Statement::from_string(
                    self.db().get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM {table}"),
                ))
                .await
                .unwrap()
                .unwrap();
            counts.push(((*table).to_owned(), row.try_get::<i64>("", "n").unwrap()));
        }
        counts
    }
}
