//! Whole nodes as separate processes, for the tests of the exchange between nodes: a node's storage,
//! directory and keys prepared in-process (so its fingerprint is known before it starts), then the
//! real `sarabun serve` started with its own environment on its own loopback address; and a person
//! signed in on a node, acting through its HTTP API.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The directory of a second ministry's node: one office of the Ministry of Interior, its clerk and
/// the node's system administrator (who operates its exchange).
pub const MOI_DIRECTORY: &str = sarabun::demo::PEER_DIRECTORY;

/// The directory of a third ministry's node: one office of the Ministry of Education, its clerk and
/// the node's system administrator.
pub const MOE_DIRECTORY: &str = r#"
[[office]]
code = "ศธ 0100"
name_th = "สำนักงานปลัดกระทรวงศึกษาธิการ"
name_en = "Office of the Permanent Secretary, Ministry of Education"
inbox_email = "saraban@moe.example.go.th"

[[user]]
office = "ศธ 0100"
username = "clerk.moe"
full_name = "นางสาวมาลี รักเรียน"
position = "เจ้าพนักงานธุรการ"
email = "malee@moe.example.go.th"
roles = ["clerk"]
clearance = "confidential"

[[user]]
office = "ศธ 0100"
username = "admin.moe"
full_name = "นายวิชัย ดูแลระบบ"
position = "นักวิชาการคอมพิวเตอร์"
email = "admin@moe.example.go.th"
roles = ["system_admin"]
clearance = "none"
"#;

/// One node: its environment, and its process while it runs.
pub struct Node {
    pub env: Vec<(String, String)>,
    pub url: String,
    child: Option<Child>,
    pub fingerprint: String,
    _data: tempfile::TempDir,
}

pub fn free_port(ip: &str) -> u16 {
    std::net::TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap().port()
}

impl Node {
    /// Prepares a node's storage and directory in-process (which also makes its node key), so that
    /// its fingerprint is known before either node starts.
    pub async fn prepare(ip: &str, database_url: &str, directory: &sarabun::demo::Directory) -> Node {
        let data = tempfile::tempdir().unwrap();
        let port = free_port(ip);
        let url = format!("http://{ip}:{port}");
        let master = sarabun_signing::MasterKey::generate().unwrap().to_base64();
        let env: Vec<(String, String)> = [
            ("SARABUN_SERVER__LISTEN", format!("{ip}:{port}")),
            ("SARABUN_SERVER__PUBLIC_URL", url.clone()),
            ("SARABUN_STORAGE__DATA_DIR", data.path().display().to_string()),
            ("SARABUN_STORAGE__DATABASE_URL", database_url.to_owned()),
            ("SARABUN_KEYS__MASTER_KEY", master),
            ("SARABUN_FEDERATION__RETRY_STEPS_SECS", "1,1,1".into()),
            ("SARABUN_FEDERATION__RETRY_EVERY_SECS", "1".into()),
            ("SARABUN_FEDERATION__REFRESH_SECS", "2".into()),
            ("SARABUN_FEDERATION__POLL_MS", "100".into()),
            ("SARABUN_METRICS__ENABLED", "false".into()),
            ("SARABUN_LOG__FILTER", "warn,sarabun_routing=info".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let settings = {
            let mut s = sarabun_server::Settings::load(None).unwrap();
            s.storage.data_dir = data.path().to_path_buf();
            s.storage.database_url = database_url.to_owned();
            s.keys.master_key = env.iter().find(|(k, _)| k == "SARABUN_KEYS__MASTER_KEY").unwrap().1.clone();
            s.server.public_url = url.clone();
            s
        };
        let state = sarabun_server::start(settings, std::sync::Arc::new(sarabun_domain::SystemClock)).await.unwrap();
        sarabun::demo::seed(&state.correspondence, directory, sarabun::demo::DEMO_PASSWORD).await.unwrap();
        let fingerprint = state.correspondence.node_fingerprint().await.unwrap();
        Node { env, url, child: None, fingerprint, _data: data }
    }

    /// Sets one setting of the node's environment (taking effect at its next start).
    pub fn set(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Pins `other`: this node takes messages from it and sends to its offices.
    pub fn pin(&mut self, other: &Node) {
        let (fingerprint, url) = (other.fingerprint.clone(), other.url.clone());
        self.pin_at(&fingerprint, &url);
    }

    /// Pins the node with this fingerprint at this URL (another node, or a proxy in front of it).
    pub fn pin_at(&mut self, fingerprint: &str, url: &str) {
        let pin = format!("{fingerprint}@{url}");
        match self.env.iter_mut().find(|(k, _)| k == "SARABUN_FEDERATION__PEER_LIST") {
            Some((_, list)) => {
                list.push(',');
                list.push_str(&pin);
            }
            None => self.env.push(("SARABUN_FEDERATION__PEER_LIST".into(), pin)),
        }
    }

    /// Pins every one of `others` (one peer list, replacing any pinned before).
    pub fn pin_all(&mut self, others: &[&Node]) {
        let list: Vec<String> = others.iter().map(|o| format!("{}@{}", o.fingerprint, o.url)).collect();
        self.env.retain(|(k, _)| k != "SARABUN_FEDERATION__PEER_LIST");
        self.env.push(("SARABUN_FEDERATION__PEER_LIST".into(), list.join(",")));
    }

    /// The master key the node's keys are sealed under.
    pub fn master_key(&self) -> sarabun_signing::MasterKey {
        let master = &self.env.iter().find(|(k, _)| k == "SARABUN_KEYS__MASTER_KEY").unwrap().1;
        sarabun_signing::MasterKey::from_base64(master).unwrap()
    }

    pub async fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_sarabun"))
            .arg("serve")
            .envs(self.env.iter().cloned())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(res) = http.get(format!("{}/healthz", self.url)).send().await
                && res.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("node {} did not start", self.url);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sarabun"));
        c.envs(self.env.iter().cloned());
        c
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A signed-in person on a node.
pub struct Person {
    pub url: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Person {
    pub async fn sign_in(node: &Node, username: &str) -> Person {
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{}/api/v1/session", node.url))
            .json(&json!({"username": username, "password": sarabun::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "sign-in of {username}");
        let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
        Person { url: node.url.clone(), token, http }
    }

    pub async fn get(&self, path: &str) -> Value {
        let res = self.http.get(format!("{}{path}", self.url)).bearer_auth(&self.token).send().await.unwrap();
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        res.json().await.unwrap()
    }

    /// The status of a GET, for what the person may not see.
    pub async fn get_status(&self, path: &str) -> StatusCode {
        self.http.get(format!("{}{path}", self.url)).bearer_auth(&self.token).send().await.unwrap().status()
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let res =
            self.http.post(format!("{}{path}", self.url)).bearer_auth(&self.token).json(&body).send().await.unwrap();
        (res.status(), res.json().await.unwrap_or(Value::Null))
    }

    /// Uploads the invitation PDF and sends it to `to`; the letter's id.
    pub async fn send(&self, to: &str, subject: &str) -> String {
        self.send_pdf(to, subject, crate::support::invitation_pdf()).await
    }

    /// Uploads `pdf` and sends it to `to`; the letter's id.
    pub async fn send_pdf(&self, to: &str, subject: &str, pdf: Vec<u8>) -> String {
        let part = reqwest::multipart::Part::bytes(pdf).file_name("letter.pdf").mime_str("application/pdf").unwrap();
        let res = self
            .http
            .post(format!("{}/api/v1/documents", self.url))
            .bearer_auth(&self.token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let sha = res.json::<Value>().await.unwrap()["sha256"].as_str().unwrap().to_owned();
        let body = crate::support::letter_body_with(&sha, &[to], json!({"subject": subject}));
        let (status, letter) = self.post("/api/v1/letters", body).await;
        assert_eq!(status, StatusCode::CREATED, "{letter}");
        letter["id"].as_str().unwrap().to_owned()
    }

    /// Receives every letter waiting in the office's inbox; the receive numbers given.
    pub async fn receive_waiting(&self) -> Vec<String> {
        let inbox = self.get("/api/v1/inbox?state=delivered&per_page=100").await;
        let mut numbers = Vec::new();
        for item in inbox["items"].as_array().unwrap() {
            let delivery = item["delivery_id"].as_str().unwrap();
            let (status, received) = self.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({})).await;
            assert_eq!(status, StatusCode::OK, "receiving {delivery}: {received}");
            numbers.push(received["delivery"]["receive_number"].as_str().unwrap().to_owned());
        }
        numbers
    }

    /// The numbers of this year's `register` (`send` or `receive`) of the person's office, sorted.
    pub async fn register_numbers(&self, register: &str) -> Vec<i64> {
        let year = sarabun_domain::YearBe::of(sarabun_domain::Clock::now(&sarabun_domain::SystemClock));
        let lines = self.get(&format!("/api/v1/registers/{register}/{year}")).await;
        let mut seqs: Vec<i64> = lines.as_array().unwrap().iter().map(|l| l["seq"].as_i64().unwrap()).collect();
        seqs.sort();
        seqs
    }

    /// Downloads the trail bundle of `letter`.
    pub async fn trail_bundle(&self, letter: &str) -> Value {
        let res = self
            .http
            .get(format!("{}/api/v1/letters/{letter}/trail-bundle", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "the trail bundle of {letter}");
        res.json().await.unwrap()
    }

    /// Polls the letter's remote recipients until the first is in `state`.
    pub async fn wait_exchange(&self, letter_id: &str, state: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..600 {
            last = self.get(&format!("/api/v1/letters/{letter_id}/exchange")).await;
            if last[0]["state"] == state {
                return last[0].clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("letter {letter_id} never became {state}: {last}");
    }

    /// Waits until every one of `codes` is a remote office this node took from a peer; `self`
    /// operates the exchange (only operators see the peers).
    pub async fn wait_remote_offices(&self, codes: &[&str]) {
        let mut peers = Value::Null;
        for _ in 0..300 {
            peers = self.get("/api/v1/federation/peers").await;
            let known: Vec<&str> = peers
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|p| p["offices"].as_array().into_iter().flatten().filter_map(Value::as_str))
                .collect();
            if codes.iter().all(|c| known.contains(c)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the offices {codes:?} never arrived at {}: {peers}", self.url);
    }

    /// Waits until the node took its peer's offices into its directory; `self` operates the
    /// exchange (only operators see the peers).
    pub async fn wait_peer_offices(&self) {
        for _ in 0..300 {
            let peers = self.get("/api/v1/federation/peers").await;
            if peers[0]["offices"].as_array().is_some_and(|o| !o.is_empty()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the peer's offices never arrived at {}", self.url);
    }
}

pub async fn postgres_database() -> (String, String) {
    let server = std::env::var("SARABUN_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let name = format!("sarabun_federation_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(format!("{server}/postgres")).await.unwrap();
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    (server, name)
}

pub async fn drop_postgres(server: &str, name: &str) {
    let admin = Database::connect(format!("{server}/postgres")).await.unwrap();
    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
}

pub async fn one_string(db: &DatabaseConnection, sql: &str) -> String {
    let row =
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap().unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

/// The invitation PDF grown to at least `size` bytes: after its end, lines of a comment and the same
/// `startxref` again, so it stays the same valid PDF to every reader (and to the node's upload check).
pub fn padded_pdf(size: usize) -> Vec<u8> {
    let mut pdf = crate::support::invitation_pdf();
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let at = text.rfind("startxref").unwrap();
    let offset: String = text[at + 9..].trim_start().chars().take_while(char::is_ascii_digit).collect();
    let mut n = 0u64;
    while pdf.len() < size {
        // A comment line of varied text, so nothing on the way can compress it to nothing.
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        pdf.extend_from_slice(format!("% padding {n:020} {}\n", "ก".repeat(30)).as_bytes());
    }
    pdf.extend_from_slice(format!("startxref\n{offset}\n%%EOF\n").as_bytes());
    pdf
}

/// A TCP proxy in front of a node that cuts one connection once more than `cut_after` bytes have
/// gone through it towards the node, and counts every byte it forwarded that way.
pub struct CuttingProxy {
    pub url: String,
    pub forwarded: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl CuttingProxy {
    pub async fn start(upstream: &str, cut_after: u64) -> CuttingProxy {
        use std::sync::atomic::Ordering::SeqCst;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let forwarded = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (f, c) = (forwarded.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (f, c, upstream) = (f.clone(), c.clone(), upstream.clone());
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    let (mut cr, mut cw) = client.split();
                    let (mut sr, mut sw) = server.split();
                    let up = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            let n = cr.read(&mut buf).await.unwrap_or(0);
                            if n == 0 {
                                return;
                            }
                            let before = f.fetch_add(n as u64, SeqCst);
                            if before + n as u64 > cut_after && !c.swap(true, SeqCst) {
                                // Cut here: these bytes never reach the node.
                                f.fetch_sub(n as u64, SeqCst);
                                return;
                            }
                            if sw.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    };
                    let down = tokio::io::copy(&mut sr, &mut cw);
                    tokio::select! {
                        _ = up => {}
                        _ = down => {}
                    }
                });
            }
        });
        CuttingProxy { url, forwarded, cut }
    }
}

/// Two prepared nodes, A (the demo ministry) on SQLite at 127.0.0.2 and B (the second ministry) on
/// PostgreSQL at 127.0.0.3, pinned to each other, not started; with A's database URL, the directory
/// holding A's SQLite file, and B's PostgreSQL server and database (to drop at the end).
pub async fn two_nodes() -> (Node, Node, tempfile::TempDir, String, (String, String)) {
    let (pg_server, pg_name) = postgres_database().await;
    let sqlite_dir = tempfile::tempdir().unwrap();
    let a_db_path: std::path::PathBuf = sqlite_dir.path().join("a.db");
    let a_url = format!("sqlite://{}?mode=rwc", a_db_path.display());
    let mut a = Node::prepare("127.0.0.2", &a_url, &sarabun::demo::Directory::demo()).await;
    let b_directory = sarabun::demo::Directory::parse(MOI_DIRECTORY).unwrap();
    let mut b = Node::prepare("127.0.0.3", &format!("{pg_server}/{pg_name}"), &b_directory).await;
    a.pin(&b);
    b.pin(&a);
    (a, b, sqlite_dir, a_url, (pg_server, pg_name))
}
