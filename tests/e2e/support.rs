//! `TestApp`: a node started for one test, with helpers named after what clerks do.

use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Response, StatusCode};
use sarabun::demo::{DEMO_PASSWORD, Directory, seed};
use sarabun_domain::FixedClock;
use sarabun_registry::db::PostgresTemplate;
use sarabun_server::{AppState, Settings};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use std::sync::Arc;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(backend: Backend)` on SQLite and on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::support::Backend::Postgres).await
            }
        }
    )*};
}
pub(crate) use on_both;

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
    _data: tempfile::TempDir,
    _drop_db: Option<Arc<DropDatabase>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A signed-in person.
#[derive(Clone)]
pub struct User {
    pub username: String,
    pub token: String,
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
            let url = postgres_template(&server).await.create_database(&name).await.unwrap();
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
        TestApp {
            base,
            http: reqwest::Client::new(),
            clock,
            state,
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

    pub fn db(&self) -> &DatabaseConnection {
        self.state.correspondence.db()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in with the demo password.
    pub async fn sign_in(&self, username: &str) -> User {
        let res = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "sign-in of {username}");
        let body: Value = res.json().await.unwrap();
        User { username: username.into(), token: body["token"].as_str().unwrap().into() }
    }

    pub async fn get(&self, user: &User, path: &str) -> Response {
        self.http.get(self.url(path)).bearer_auth(&user.token).send().await.unwrap()
    }

    pub async fn post(&self, user: &User, path: &str, body: Value) -> Response {
        self.http.post(self.url(path)).bearer_auth(&user.token).json(&body).send().await.unwrap()
    }

    /// Uploads a document.
    pub async fn upload(&self, user: &User, name: &str, bytes: Vec<u8>, mime: &str) -> Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        self.http.post(self.url("/api/v1/documents")).bearer_auth(&user.token).multipart(form).send().await.unwrap()
    }

    /// Uploads a PDF body and returns its digest.
    pub async fn upload_pdf(&self, user: &User, bytes: Vec<u8>) -> String {
        let res = self.upload(user, "letter.pdf", bytes, "application/pdf").await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["media_type"], "application/pdf");
        body["sha256"].as_str().unwrap().to_owned()
    }

    /// The body of a typical letter to `recipients` with the uploaded body `sha256`.
    pub fn letter(&self, sha256: &str, recipients: &[&str]) -> Value {
        json!({
            "kind": "external",
            "subject": "ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์",
            "addressee": "อธิบดีกรมบัญชีกลาง",
            "recipients": recipients,
            "urgency": "very_urgent",
            "body_sha256": sha256,
            "references": [{"number": "กค 0100/ว 12", "date": "2026-10-01", "subject": "แนวทางการใช้ระบบสารบรรณ"}],
            "signer_name": "นายประเสริฐ มั่นคง",
            "signer_position": "รองปลัดกระทรวงการคลัง",
        })
    }

    /// [`TestApp::letter`] with the fields of `change` (a JSON object) set over it.
    pub fn letter_with(&self, sha256: &str, recipients: &[&str], change: Value) -> Value {
        let mut body = self.letter(sha256, recipients);
        for (k, v) in change.as_object().expect("changes are a JSON object") {
            body[k] = v.clone();
        }
        body
    }

    /// Uploads the sample invitation and sends it; returns the letter view.
    pub async fn send_letter(&self, user: &User, recipients: &[&str]) -> Value {
        let sha = self.upload_pdf(user, invitation_pdf()).await;
        let res = self.post(user, "/api/v1/letters", self.letter(&sha, recipients)).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }

    /// The delivery id of `letter` addressed to `office_code`.
    pub fn delivery_to(letter: &Value, office_code: &str) -> String {
        letter["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["office"]["code"] == office_code)
            .unwrap_or_else(|| panic!("no delivery to {office_code}"))["delivery_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn receive(&self, user: &User, delivery: &str) -> Response {
        self.post(user, &format!("/api/v1/deliveries/{delivery}/receive"), json!({"action": "เสนออธิบดี"})).await
    }

    pub async fn reject(&self, user: &User, delivery: &str, reason: &str) -> Response {
        self.post(user, &format!("/api/v1/deliveries/{delivery}/reject"), json!({"reason": reason})).await
    }

    pub async fn recall(&self, user: &User, letter: &str) -> Response {
        self.post(user, &format!("/api/v1/letters/{letter}/recall"), json!({"reason": "ส่งผิด"})).await
    }

    pub async fn inbox(&self, user: &User, query: &str) -> Value {
        let res = self.get(user, &format!("/api/v1/inbox{query}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// `admin` creates a person (`body` as for `POST /api/v1/users`); a role or clearance that
    /// takes two admins is then approved by the second demo admin, `admin.security`.
    pub async fn create_user(&self, admin: &User, body: Value) -> Value {
        let res = self.post(admin, "/api/v1/users", body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "creating a person");
        let created: Value = res.json().await.unwrap();
        if let Some(grant) = created["pending_grant"]["id"].as_str() {
            let second = self.sign_in("admin.security").await;
            let res = self.post(&second, &format!("/api/v1/grants/{grant}/approve"), json!({})).await;
            assert_eq!(res.status(), StatusCode::OK, "the second admin approves");
        }
        created
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
        let mut counts = Vec::new();
        for table in
            ["letters", "letter_documents", "deliveries", "register_entries", "register_counters", "idempotency_keys"]
        {
            let row = self
                .db()
                .query_one_raw(sea_orm::Statement::from_string(
                    self.db().get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM {table}"),
                ))
                .await
                .unwrap()
                .unwrap();
            counts.push((table.to_owned(), row.try_get::<i64>("", "n").unwrap()));
        }
        counts
    }
}

/// The sample external letter from `fixtures/letters/`.
pub fn invitation_pdf() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/letters/invitation.pdf")).unwrap()
}

/// Asserts an error response's status and stable code, returning its body.
pub async fn expect_error(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "expected {code}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(!body["message"].as_str().unwrap_or_default().is_empty());
    assert!(!body["message_th"].as_str().unwrap_or_default().is_empty());
    body
}
