//! Backup and restore as an operator runs them: `sarabun backup` while the node serves and clerks
//! keep working, `sarabun restore` into a new data directory, and a node started on it that holds
//! exactly what the snapshot held — registers, stamped documents and an audit log that verifies.
//! A backup with one byte of one document changed, with a file missing, or with a file its manifest
//! does not list, is refused by name; a backup is never written inside the node's data; and a backup
//! that fails leaves nothing behind that could pass for one.

use crate::support::answers::RegisterEntry;
use crate::support::{Backend, Persona, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn sarabun(app: &TestApp) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sarabun"));
    command
        .env("SARABUN_STORAGE__DATABASE_URL", &app.settings.storage.database_url)
        .env("SARABUN_KEYS__MASTER_KEY", &app.settings.keys.master_key)
        .env("SARABUN_LOG__FILTER", "error")
        .env_remove("SARABUN_CONFIG")
        .env_remove("RUST_LOG");
    command
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn restore(app: &TestApp, backup: &Path, data: &Path) -> Output {
    sarabun(app).arg("restore").arg(backup).arg("--data").arg(data).output().unwrap()
}

fn manifest(backup: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The SHA-256 of the stamped body of `delivery`, as downloaded by `who`.
async fn stamped_digest(who: &Persona<'_>, delivery: &str) -> String {
    let res = who.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await;
    assert_eq!(res.status(), StatusCode::OK);
    hex::encode(Sha256::digest(res.bytes().await.unwrap()))
}

fn numbers(register: &[RegisterEntry]) -> Vec<String> {
    register.iter().map(|e| e.letter_number.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_as_of_its_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let rd = app.clerk("clerk.rd").await;

    // Mid-work: letters sent, one received with its stamp, one rejected, one still waiting.
    let received = ops.send(&["กค 0400", "กค 0700"]).await;
    let received_delivery = received.delivery_to("กค 0400");
    cgd.receive(&received_delivery).await;
    rd.reject(&received.delivery_to("กค 0700"), "ส่งผิดหน่วยงาน").await;
    let waiting = ops.send(&["กค 0400"]).await;
    let stamped = stamped_digest(&cgd, &received_delivery).await;
    let sent_before = numbers(&ops.register("send/2569").await);

    // The backup runs while the node serves and the clerk keeps sending.
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup");
    let running = sarabun(&app)
        .arg("backup")
        .arg(&backup)
        .arg("--data")
        .arg(&app.settings.storage.data_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    ops.send(&["กค 0700"]).await;
    let out = running.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("the master key is NOT in this backup"), "{said}");
    assert!(said.contains("SARABUN_KEYS__MASTER_KEY"), "the key is configured here: {said}");
    assert_eq!(mode(&backup), 0o700);
    assert_eq!(mode(&backup.join("sarabun.db")), 0o600);
    let m = manifest(&backup);
    assert_eq!(m["format"], "sarabun-backup/1");
    assert_eq!(m["database"], "sarabun.db");
    assert!(m["migrations"].as_array().unwrap().iter().any(|n| n == "m0005_sign_in"), "{m}");
    assert!(m["master_key"].as_str().unwrap().starts_with("not included"));
    let files = m["files"].as_array().unwrap();
    let listed = |sha: &str| files.iter().any(|f| f["sha256"] == sha && f["path"].as_str().unwrap().ends_with(sha));
    assert!(listed(&stamped), "the stamped copy is in the backup: {m}");
    assert!(!backup.join("master.key").exists());

    // After the backup: more work, which the backup must not hold.
    let after = ops.send(&["กค 0400"]).await;
    cgd.receive(&after.delivery_to("กค 0400")).await;
    cgd.receive(&waiting.delivery_to("กค 0400")).await;
    let sent_after = numbers(&ops.register("send/2569").await);

    // A backup is not written over another.
    let again = sarabun(&app).arg("backup").arg(&backup).arg("--data").arg(&app.settings.storage.data_dir).output();
    let again = again.unwrap();
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(text(&again).contains("is not empty"), "{}", text(&again));

    // Restore into a new data directory, with the node's private modes.
    let data = dir.path().join("restored");
    let out = restore(&app, &backup, &data);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("put its master key back"), "{}", text(&out));
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("sarabun.db")), 0o600);
    let blob = data.join("blobs").join(&stamped[..2]).join(&stamped[2..4]).join(&stamped);
    assert_eq!(mode(&blob), 0o600);
    assert_eq!(mode(blob.parent().unwrap()), 0o700);
    // Never over a node's data.
    let out = restore(&app, &backup, &data);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is not empty"), "{}", text(&out));

    // A node on the restored data holds what the snapshot held.
    let key = app.settings.keys.master_key.clone();
    let restored = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.storage.data_dir = data.clone();
        s.keys.master_key = key;
    })
    .await;
    // Entries committed but not yet integrated at the snapshot are integrated by the restored node.
    let checkpoint = restored.state.correspondence.checkpoint().await.unwrap();
    let (size, queued) = (m["audit"]["size"].as_u64().unwrap(), m["audit"]["queued"].as_u64().unwrap());
    assert_eq!(checkpoint.size as u64, size + queued, "the log as of the snapshot");
    if queued == 0 {
        assert_eq!(checkpoint.root, m["audit"]["root"].as_str().unwrap());
    }
    let report = restored.state.correspondence.verify_log(None).await.unwrap();
    assert!(report.ok, "{}", report.lines.join("\n"));
    let out = sarabun(&app).args(["audit", "verify"]).env("SARABUN_STORAGE__DATA_DIR", &data).output().unwrap();
    assert!(out.status.success(), "`audit verify` on the restored node: {}", text(&out));

    let (ops2, cgd2) = (restored.clerk("clerk.ops").await, restored.clerk("clerk.cgd").await);
    let sent = numbers(&ops2.register("send/2569").await);
    assert!(sent.starts_with(&sent_before) && sent_after.starts_with(&sent), "{sent_before:?} {sent:?} {sent_after:?}");
    assert!(!sent.contains(&after.number), "the letter sent after the backup is not in it");
    assert_eq!(ops2.get(&format!("/api/v1/letters/{}", after.id)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(cgd2.register("receive/2569").await.len(), 1, "one letter was received at the snapshot");
    assert_eq!(stamped_digest(&cgd2, &received_delivery).await, stamped);
    let letter = cgd2.letter(&waiting.id).await;
    assert_eq!(letter.recipient("กค 0400").state, "delivered", "received only after the backup");
    // Every document the restored letters refer to is there, the one sent during the backup included.
    let list: Value = ops2.get("/api/v1/sent").await.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), sent.len(), "{list}");
    for item in items {
        let id = item["letter_id"].as_str().unwrap();
        assert_eq!(ops2.get(&format!("/api/v1/letters/{id}/documents/0")).await.status(), StatusCode::OK, "{item}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_or_incomplete_backup_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400"]).await;
    cgd.receive(&letter.delivery_to("กค 0400")).await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup");
    let out = sarabun(&app).arg("backup").arg(&backup).arg("--data").arg(&app.settings.storage.data_dir).output();
    assert!(out.unwrap().status.success());
    let m = manifest(&backup);
    let blob = m["files"].as_array().unwrap().iter().find(|f| f["path"] != "sarabun.db").unwrap()["path"]
        .as_str()
        .unwrap()
        .to_owned();

    // A document the database refers to is gone from the node's blob store: no backup.
    let stored = app.settings.storage.data_dir.join(&blob);
    let kept = std::fs::read(&stored).unwrap();
    std::fs::remove_file(&stored).unwrap();
    let (second, data_dir) = (dir.path().join("second"), &app.settings.storage.data_dir);
    let out = sarabun(&app).arg("backup").arg(&second).arg("--data").arg(data_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let sha = blob.rsplit('/').next().unwrap();
    assert!(
        text(&out).contains(&format!("refers to blob {sha}, which the blob store does not have")),
        "{}",
        text(&out)
    );
    // It failed after copying the database: nothing of it is left, neither the target nor its
    // staging directory.
    assert!(!second.exists(), "a failed backup leaves no directory");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from("backup")], "only the good backup is there");
    // Into an empty directory made for it: still there, still empty.
    let made = dir.path().join("made");
    std::fs::create_dir(&made).unwrap();
    let out = sarabun(&app).arg("backup").arg(&made).arg("--data").arg(data_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(std::fs::read_dir(&made).unwrap().count(), 0, "the empty target is left empty");
    std::fs::remove_dir(&made).unwrap();
    std::fs::write(&stored, kept).unwrap();

    // A file the manifest does not list, beside the documents or among them: refused by name.
    let data = dir.path().join("data");
    for extra in ["notes.txt", &format!("blobs/00/00/{}", "0".repeat(64))] {
        let path = backup.join(extra);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"not from sarabun backup").unwrap();
        let out = restore(&app, &backup, &data);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let said = format!("the backup holds {extra}, which its manifest does not list");
        assert!(text(&out).contains(&said), "{}", text(&out));
        assert!(!data.exists(), "nothing is written from a backup with unlisted files");
        std::fs::remove_file(&path).unwrap();
    }
    // A symbolic link, even under a listed name's directory.
    let link = backup.join("blobs/link");
    std::os::unix::fs::symlink("/etc/passwd", &link).unwrap();
    let out = restore(&app, &backup, &data);
    assert!(text(&out).contains("the backup holds blobs/link, which is not a plain file"), "{}", text(&out));
    std::fs::remove_file(&link).unwrap();
    std::fs::remove_dir_all(backup.join("blobs/00")).unwrap();
    // A data directory inside the backup itself.
    let out = restore(&app, &backup, &backup.join("data"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is inside the backup"), "{}", text(&out));

    // One byte of one document changed.
    let path = backup.join(&blob);
    let original = std::fs::read(&path).unwrap();
    let mut changed = original.clone();
    changed[original.len() / 2] ^= 1;
    std::fs::write(&path, &changed).unwrap();
    let out = restore(&app, &backup, &data);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("the backup is damaged: {blob} has SHA-256")), "{}", text(&out));
    assert!(!data.exists(), "nothing is written from a damaged backup");

    // One file missing.
    std::fs::remove_file(&path).unwrap();
    let out = restore(&app, &backup, &data);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("the backup is incomplete: {blob} is missing")), "{}", text(&out));
    assert!(!data.exists());

    // The database changed.
    std::fs::write(&path, &original).unwrap();
    let db = backup.join("sarabun.db");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.push(0);
    std::fs::write(&db, bytes).unwrap();
    let out = restore(&app, &backup, &data);
    assert!(text(&out).contains("the backup is damaged: sarabun.db has"), "{}", text(&out));

    // No manifest: a backup that never finished.
    std::fs::remove_file(backup.join("manifest.json")).unwrap();
    let out = restore(&app, &backup, &data);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("has no manifest.json"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_inside_the_node_data_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.clerk("clerk.ops").await.send(&["กค 0400"]).await;
    let data_dir = app.settings.storage.data_dir.clone();
    let backup = |target: &Path| sarabun(&app).arg("backup").arg(target).arg("--data").arg(&data_dir).output().unwrap();
    // Inside the data directory, under the blobs, or spelt through `..` or a symbolic link.
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("data-link");
    std::os::unix::fs::symlink(&data_dir, &link).unwrap();
    let spelt = dir.path().join("x").join("..").join("data-link").join("b");
    for target in [data_dir.join("backup"), data_dir.join("blobs").join("b"), data_dir.clone(), link.join("b"), spelt] {
        let out = backup(&target);
        assert_eq!(out.status.code(), Some(1), "{}: {}", target.display(), text(&out));
        assert!(text(&out).contains("is inside the node's data"), "{}: {}", target.display(), text(&out));
    }
    assert!(!data_dir.join("backup").exists() && !data_dir.join("blobs").join("b").exists());
    // Beside it is fine.
    let out = backup(&dir.path().join("b"));
    assert!(out.status.success(), "{}", text(&out));
}

/// On PostgreSQL the database is `pg_dump`'s; `sarabun backup` copies the documents and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_the_backup_holds_the_documents_only() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400"]).await;
    let delivery = letter.delivery_to("กค 0400");
    cgd.receive(&delivery).await;
    let stamped = stamped_digest(&cgd, &delivery).await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup");
    let out = sarabun(&app).arg("backup").arg(&backup).arg("--data").arg(&app.settings.storage.data_dir).output();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("NOT in this backup: take it with pg_dump"), "{}", text(&out));
    let m = manifest(&backup);
    assert_eq!(m["backend"], "postgres");
    assert!(m["database"].is_null());
    assert!(!backup.join("sarabun.db").exists());
    assert_eq!(m["files"].as_array().unwrap().len(), 2, "the body and its stamped copy: {m}");

    let data = dir.path().join("data");
    let out = restore(&app, &backup, &data);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("pg_restore"), "{}", text(&out));
    assert!(!data.join("sarabun.db").exists());
    assert!(data.join("blobs").join(&stamped[..2]).join(&stamped[2..4]).join(&stamped).is_file());
}
