//! An operator's day with the node: the load balancer asks `/readyz` and the supervisor `/healthz`;
//! the documents disk goes away and comes back; systemd stops the node with SIGTERM while a clerk's
//! upload is still arriving, and the upload is answered before the process exits; the node stops
//! while an e-mail is being handed to the relay, and that e-mail is sent and recorded first.

use crate::support::{Backend, TestApp, on_both};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both!(ready_until_the_documents_disk_goes_away);

async fn ready_until_the_documents_disk_goes_away(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let res = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"], serde_json::json!(["database", "migrations", "blobs"]));

    // The documents disk is unmounted: where the blob directory was there is now something else
    // (a plain file, which no permission bit can make writable, even for root).
    let blobs = app.settings.storage.data_dir.join("blobs");
    let away = app.settings.storage.data_dir.join("blobs.away");
    std::fs::rename(&blobs, &away).unwrap();
    std::fs::write(&blobs, b"not a directory").unwrap();

    let res = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_ready");
    assert!(body["message"].as_str().unwrap().contains("blobs"), "{body}");
    assert!(!body["message"].as_str().unwrap().contains("database"), "{body}");
    assert!(!body["message_th"].as_str().unwrap().is_empty());
    assert!(!body.to_string().contains(&*app.settings.storage.data_dir.to_string_lossy()), "no paths: {body}");

    // Still alive: the supervisor must not restart a node that only waits for its disk.
    let res = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok");

    // The disk is back: ready again, and the probe left nothing behind.
    std::fs::remove_file(&blobs).unwrap();
    std::fs::rename(&away, &blobs).unwrap();
    let res = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let litter: Vec<_> = std::fs::read_dir(blobs.join("staging")).unwrap().collect();
    assert!(litter.is_empty(), "probe files left in staging: {litter:?}");
}

/// What the readiness check asks of the schema: a database this binary has not migrated has
/// pending migrations, one it has migrated has none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_current_only_after_migrating() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("fresh.db").display());
    let db = sarabun_registry::connect(&url, 1).await.unwrap();
    let pending = sarabun_registry::db::pending_migrations(&db).await.unwrap();
    assert!(!pending.is_empty());
    sarabun_registry::migrate(&db).await.unwrap();
    assert_eq!(sarabun_registry::db::pending_migrations(&db).await.unwrap(), Vec::<String>::new());
}

/// The node's log lines (JSON), read on a thread of their own.
fn log_lines(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for the log line whose message contains `message`, returning it; panics with the log so
/// far if the node exits first.
fn wait_for_log(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, message: &str) -> Value {
    loop {
        let line =
            lines.recv().unwrap_or_else(|_| panic!("the node ended before logging {message:?}:\n{}", seen.join("\n")));
        seen.push(line.clone());
        if let Ok(json) = serde_json::from_str::<Value>(&line)
            && json["fields"]["message"].as_str().is_some_and(|m| m.contains(message))
        {
            return json;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_answers_the_upload_in_flight_then_exits() {
    let data = tempfile::tempdir().unwrap();
    let mut node = Command::new(env!("CARGO_BIN_EXE_sarabun"))
        .args(["demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(data.path().join("data"))
        .env("SARABUN_LOG__FORMAT", "json")
        .env("SARABUN_LOG__FILTER", "info")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let lines = log_lines(&mut node);
    let mut seen = Vec::new();
    let serving = wait_for_log(&lines, &mut seen, "serving");
    let address = serving["fields"]["address"].as_str().unwrap().to_owned();
    let base = format!("http://{address}");

    let http = reqwest::Client::new();
    let res = http
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": "clerk.ops", "password": sarabun::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();

    // The clerk's upload of the invitation begins: headers and the first half of the PDF.
    let pdf = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/letters/invitation.pdf")).unwrap();
    let preamble = "--sarabun-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"invitation.pdf\"\r\n\
                    Content-Type: application/pdf\r\n\r\n";
    let epilogue = "\r\n--sarabun-boundary--\r\n";
    let length = preamble.len() + pdf.len() + epilogue.len();
    let mut upload = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/documents HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=sarabun-boundary\r\nContent-Length: {length}\r\n\r\n{preamble}"
    );
    let (first, rest) = pdf.split_at(pdf.len() / 2);
    upload.write_all(head.as_bytes()).await.unwrap();
    upload.write_all(first).await.unwrap();

    // The node is storing it: its staging file exists.
    let staging = data.path().join("data/blobs/staging");
    while std::fs::read_dir(&staging).unwrap().next().is_none() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // systemd stops the node.
    let status = Command::new("kill").args(["-TERM", &node.id().to_string()]).status().unwrap();
    assert!(status.success());
    wait_for_log(&lines, &mut seen, "shutting down");

    // The rest of the upload arrives after the signal; the clerk still gets the answer.
    upload.write_all(rest).await.unwrap();
    upload.write_all(epilogue.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    upload.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let sha = hex::encode(Sha256::digest(&pdf));
    assert!(answer.contains(&sha), "{answer}");

    // Then the node exits cleanly, with the document kept.
    let exit = node.wait().unwrap();
    wait_for_log(&lines, &mut seen, "stopped");
    assert!(exit.success(), "exit {exit:?}:\n{}", seen.join("\n"));
    let stored = data.path().join("data/blobs").join(&sha[..2]).join(&sha[2..4]).join(&sha);
    assert_eq!(std::fs::read(stored).unwrap(), pdf);
}

/// A relay the test plays by hand: holds the first connection until told to go on, then speaks
/// just enough SMTP. Returns how many messages it accepted and whether every conversation ended.
async fn held_relay(
    listener: tokio::net::TcpListener,
    connected: tokio::sync::oneshot::Sender<()>,
    go: tokio::sync::oneshot::Receiver<()>,
    done: tokio::sync::watch::Receiver<bool>,
) -> (usize, bool) {
    use tokio::io::AsyncBufReadExt;
    let (mut connected, mut go) = (Some(connected), Some(go));
    let (mut accepted, mut all_ended) = (0, true);
    let mut done = done;
    loop {
        let (stream, _) = tokio::select! {
            conn = listener.accept() => conn.unwrap(),
            _ = done.changed() => return (accepted, all_ended),
        };
        if let (Some(connected), Some(go)) = (connected.take(), go.take()) {
            connected.send(()).unwrap();
            go.await.unwrap();
        }
        let (read, mut write) = stream.into_split();
        let mut lines = tokio::io::BufReader::new(read).lines();
        write.write_all(b"220 relay.example.go.th ESMTP\r\n").await.unwrap();
        let mut in_data = false;
        let mut ended = false;
        while let Ok(Some(line)) = lines.next_line().await {
            let reply: &[u8] = if in_data {
                if line != "." {
                    continue;
                }
                in_data = false;
                accepted += 1;
                b"250 queued\r\n"
            } else {
                match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                    Some("EHLO" | "HELO") => b"250 relay.example.go.th\r\n",
                    Some("DATA") => {
                        in_data = true;
                        b"354 go ahead\r\n"
                    }
                    Some("QUIT") => {
                        ended = true;
                        b"221 bye\r\n"
                    }
                    _ => b"250 ok\r\n",
                }
            };
            write.write_all(reply).await.unwrap();
            if ended {
                break;
            }
        }
        all_ended &= ended;
    }
}

/// The node stops while an urgent e-mail is being handed to the relay: `Notifier::stop` returns only
/// after that e-mail is sent and recorded as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_finishes_the_email_being_sent() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let relay = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut settings = app.settings.notification.clone();
    settings.smtp.host = "127.0.0.1".into();
    settings.smtp.port = relay.local_addr().unwrap().port();
    settings.smtp.security = sarabun_notification::smtp::TlsMode::None;
    settings.smtp.timeout = Duration::from_secs(60);
    settings.dispatch_interval_ms = 50;
    let (connected_tx, connected_rx) = tokio::sync::oneshot::channel();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel();
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    let relay = tokio::spawn(held_relay(relay, connected_tx, go_rx, done_rx));

    let ops = app.clerk("clerk.ops").await;
    ops.send(&["กค 0400"]).await; // very urgent: mailed at once
    let notifier = std::sync::Arc::new(
        sarabun_notification::worker::Notifier::new(
            app.state.correspondence.clone(),
            settings,
            &app.settings.server.public_url,
        )
        .unwrap(),
    );
    // Checkpoints on 1 January only: the dispatch loop is the only thing running.
    let scheduler = notifier.clone().start("0 0 0 1 1 *").await.unwrap();
    connected_rx.await.unwrap();

    // SIGTERM arrives while the relay holds the first e-mail; then the relay answers.
    let stopping = tokio::spawn({
        let notifier = notifier.clone();
        async move { notifier.stop(scheduler).await }
    });
    go_tx.send(()).unwrap();
    stopping.await.unwrap();

    let db = app.db();
    let sent = sarabun_registry::outbox::office_emails(db, None, Some("sent"), 100).await.unwrap();
    done_tx.send(true).unwrap();
    let (accepted, all_ended) = relay.await.unwrap();
    assert!(accepted >= 1);
    assert!(all_ended, "a conversation with the relay was cut off by the stop");
    assert_eq!(sent.len(), accepted, "every e-mail the relay took is recorded as sent");
}
