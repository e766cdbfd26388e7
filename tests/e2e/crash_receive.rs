//! The node killed mid-batch: the real `sarabun demo` process serves concurrent receives over
//! HTTP, is killed with SIGKILL while they run, and is started again on the same database; the
//! rest of the letters are then received. The receive register must read exactly 1..N with no gap
//! or repeat, every received delivery must carry its number, and `sarabun audit verify` must pass
//! with one `delivery.received` entry per received delivery, each after its letter's `letter.sent`
//! — on SQLite and on PostgreSQL.

use crate::support::invitation_pdf;
use futures_util::StreamExt;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How many letters are sent (each to one office) and then received.
const LETTERS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    killed_mid_batch(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let server = std::env::var("SARABUN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let name = format!("sarabun_crash_{}", uuid::Uuid::new_v4().simple());
    let url = sarabun_registry::db::create_postgres_database(&server, &name)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {server} is needed for this test: {e}"));
    killed_mid_batch(Some(url)).await;
    sarabun_registry::db::drop_postgres_database(&server, &name).await.unwrap();
}

/// One node process on `data` (and `database`, else SQLite in `data`).
struct Node {
    child: Child,
    base: String,
}

fn environment(command: &mut Command, data: &std::path::Path, database: Option<&str>, master_key: &str) {
    command
        .env("SARABUN_STORAGE__DATA_DIR", data)
        .env("SARABUN_KEYS__MASTER_KEY", master_key)
        // The demo takes its public URL, and so the log's origin, from the port it listens on, which
        // differs at each start: the checkpoints of the first run must verify after the restart.
        .env("SARABUN_AUDIT__ORIGIN", "crash.test.sarabun/audit")
        .env("SARABUN_LOG__FORMAT", "json")
        .env("SARABUN_LOG__FILTER", "info")
        .env_remove("RUST_LOG");
    match database {
        Some(url) => command.env("SARABUN_STORAGE__DATABASE_URL", url),
        None => command.env_remove("SARABUN_STORAGE__DATABASE_URL"),
    };
}

impl Node {
    fn start(data: &std::path::Path, database: Option<&str>, master_key: &str) -> Node {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sarabun"));
        command.args(["demo", "--listen", "127.0.0.1:0", "--data"]).arg(data);
        environment(&mut command, data, database, master_key);
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let address = loop {
            let line = rx.recv_timeout(Duration::from_secs(120)).expect("the node did not start serving");
            if let Ok(json) = serde_json::from_str::<Value>(&line)
                && json["fields"]["message"] == "serving"
            {
                break json["fields"]["address"].as_str().unwrap().to_owned();
            }
        };
        Node { child, base: format!("http://{address}") }
    }

    fn kill(mut self) {
        let status = Command::new("kill").args(["-KILL", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        self.child.wait().unwrap();
    }
}

async fn sign_in(http: &reqwest::Client, base: &str, username: &str) -> String {
    let res = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": username, "password": sarabun::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// The deliveries still waiting in the office's inbox.
async fn waiting(http: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let res =
        http.get(format!("{base}/api/v1/inbox?state=delivered&per_page=200")).bearer_auth(token).send().await.unwrap();
    let body: Value = res.error_for_status().unwrap().json().await.unwrap();
    body["items"].as_array().unwrap().iter().map(|i| i["delivery_id"].as_str().unwrap().to_owned()).collect()
}

async fn killed_mid_batch(database: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let master_key = sarabun_signing::MasterKey::generate().unwrap().to_base64();
    let http = reqwest::Client::new();

    // The OPS clerk sends the letters to the Comptroller General's Department.
    let node = Node::start(&data, database.as_deref(), &master_key);
    let ops = sign_in(&http, &node.base, "clerk.ops").await;
    let cgd = sign_in(&http, &node.base, "clerk.cgd").await;
    for i in 0..LETTERS {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(invitation_pdf())
                .file_name(format!("letter-{i}.pdf"))
                .mime_str("application/pdf")
                .unwrap(),
        );
        let res = http.post(format!("{}/api/v1/documents", node.base)).bearer_auth(&ops).multipart(form).send().await;
        let doc: Value = res.unwrap().error_for_status().unwrap().json().await.unwrap();
        let body = json!({
            "kind": "external", "subject": format!("ขอเชิญประชุม ครั้งที่ {i}"), "addressee": "อธิบดีกรมบัญชีกลาง",
            "recipients": ["กค 0400"], "body_sha256": doc["sha256"],
            "signer_name": "นายประเสริฐ มั่นคง", "signer_position": "รองปลัดกระทรวงการคลัง",
        });
        let res = http.post(format!("{}/api/v1/letters", node.base)).bearer_auth(&ops).json(&body).send().await;
        assert_eq!(res.unwrap().status(), StatusCode::CREATED);
    }
    let deliveries = waiting(&http, &node.base, &cgd).await;
    assert_eq!(deliveries.len(), LETTERS);

    // The department's clerks receive them eight at a time; the node is killed once a few are in.
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let base = node.base.clone();
    let batch = {
        let (http, cgd, received) = (http.clone(), cgd.clone(), received.clone());
        tokio::spawn(async move {
            futures_util::stream::iter(deliveries)
                .map(|d| {
                    let (http, cgd, base, received) = (http.clone(), cgd.clone(), base.clone(), received.clone());
                    async move {
                        let res = http
                            .post(format!("{base}/api/v1/deliveries/{d}/receive"))
                            .bearer_auth(&cgd)
                            .json(&json!({}))
                            .send()
                            .await;
                        if res.is_ok_and(|r| r.status() == StatusCode::OK) {
                            received.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                })
                .buffer_unordered(8)
                .collect::<Vec<()>>()
                .await
        })
    };
    while received.load(std::sync::atomic::Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    node.kill();
    batch.await.unwrap();
    let before_kill = received.load(std::sync::atomic::Ordering::SeqCst);
    assert!(before_kill < LETTERS, "the node was killed after every receive had answered");

    // Started again on the same database, the node takes the rest.
    let node = Node::start(&data, database.as_deref(), &master_key);
    let rest = waiting(&http, &node.base, &cgd).await;
    assert!(rest.len() <= LETTERS - before_kill, "{} waiting after {before_kill} answered", rest.len());
    for d in rest {
        let res = http
            .post(format!("{}/api/v1/deliveries/{d}/receive", node.base))
            .bearer_auth(&cgd)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    }
    assert!(waiting(&http, &node.base, &cgd).await.is_empty());
    node.kill();

    // The receive register is exactly 1..N, each number on the delivery it was given to.
    let url = database.clone().unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data.join("sarabun.db").display()));
    let db = sarabun_registry::connect(&url, 2).await.unwrap();
    let rows = |sql: &str| {
        let db = &db;
        let sql = sql.to_owned();
        async move { db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap() }
    };
    let register = rows(
        "SELECT r.seq AS seq, d.receive_seq AS dseq, d.state AS state FROM register_entries r \
         JOIN deliveries d ON d.id = r.delivery_id WHERE r.register = 'receive' ORDER BY r.seq",
    )
    .await;
    let seqs: Vec<i64> = register.iter().map(|r| r.try_get::<i64>("", "seq").unwrap()).collect();
    assert_eq!(seqs, (1..=LETTERS as i64).collect::<Vec<_>>());
    for r in &register {
        assert_eq!(r.try_get::<Option<i64>>("", "dseq").unwrap(), Some(r.try_get::<i64>("", "seq").unwrap()));
        assert_eq!(r.try_get::<String>("", "state").unwrap(), "received");
    }
    let unnumbered =
        rows("SELECT COUNT(*) AS n FROM deliveries WHERE state = 'received' AND receive_seq IS NULL").await;
    assert_eq!(unnumbered[0].try_get::<i64>("", "n").unwrap(), 0);
    db.close().await.unwrap();

    // The log verifies, with one entry per receive, each after its letter's sending.
    let mut command = Command::new(env!("CARGO_BIN_EXE_sarabun"));
    command.args(["audit", "verify"]);
    environment(&mut command, &data, database.as_deref(), &master_key);
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let db = sarabun_registry::connect(&url, 2).await.unwrap();
    let entries = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT r.delivery_id AS d, r.idx AS received, s.idx AS sent FROM audit_entries r \
             JOIN audit_entries s ON s.letter_id = r.letter_id AND s.action = 'letter.sent' \
             WHERE r.action = 'delivery.received'"
                .to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(entries.len(), LETTERS);
    let mut named: Vec<String> = entries.iter().map(|e| e.try_get::<String>("", "d").unwrap()).collect();
    named.sort();
    named.dedup();
    assert_eq!(named.len(), LETTERS);
    for e in &entries {
        assert!(e.try_get::<i64>("", "received").unwrap() > e.try_get::<i64>("", "sent").unwrap());
    }
    let queued = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_queue".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(queued[0].try_get::<i64>("", "n").unwrap(), 0);
    db.close().await.unwrap();
}
