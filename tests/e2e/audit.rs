//! The audit log: every state change appended in its transaction, trails, signed checkpoints,
//! RFC 6962 proofs served over HTTP, trail bundles verified offline, and tampering in the database
//! found by `audit verify`.

use crate::support::answers::Letter;
use crate::support::{Backend, TestApp, on_both};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::process::Command;

on_both!(trail_checkpoints_and_proofs, bundles_verify_offline_and_forgeries_fail, tampering_in_the_database_is_found);

fn hashes(proof: &Value) -> Vec<[u8; 32]> {
    proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| STANDARD.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}

async fn checkpoint(app: &TestApp) -> sarabun_audit::Checkpoint {
    let note = app.http.get(app.url("/audit/checkpoint")).send().await.unwrap().text().await.unwrap();
    let key = app.http.get(app.url("/audit/key")).send().await.unwrap().text().await.unwrap();
    let verifier = sarabun_audit::parse_verifier_key(key.trim()).unwrap();
    sarabun_audit::open_note(&note, &[verifier]).expect("the checkpoint verifies with the published key")
}

/// Sends a letter to CGD and RD; CGD receives, RD rejects. Returns the letter.
async fn a_full_trail(app: &TestApp) -> Letter {
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let rd = app.clerk("clerk.rd").await;
    let letter = ops.send(&["กค 0400", "กค 0700"]).await;
    cgd.receive(&letter.delivery_to("กค 0400")).await;
    rd.reject(&letter.delivery_to("กค 0700"), "ส่งผิดหน่วยงาน").await;
    letter
}

async fn trail_checkpoints_and_proofs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = checkpoint(&app).await;
    assert_eq!(first.origin, "127.0.0.1:8080/audit");
    assert!(first.size >= 17, "offices, keys and people created by the demo are logged: {}", first.size);

    let letter = a_full_trail(&app).await;
    let id = letter.id.as_str();
    let ops = app.clerk("clerk.ops").await;
    let trail = ops.trail(id).await;
    let actions: Vec<(&str, &str, &str)> =
        trail.iter().map(|e| (e.action.as_str(), e.actor.as_str(), e.office.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("letter.sent", "clerk.ops", "กค 0100"),
            ("delivery.received", "clerk.cgd", "กค 0400"),
            ("delivery.rejected", "clerk.rd", "กค 0700")
        ]
    );
    assert_eq!(trail[1].detail["receive_number"], "1/2569");
    assert_eq!(trail[2].detail["reason"], "ส่งผิดหน่วยงาน");
    let customs = app.clerk("clerk.customs").await;
    assert_eq!(customs.get(&format!("/api/v1/letters/{id}/trail")).await.status(), StatusCode::NOT_FOUND);
    // A recipient sees the sending and its own handling, not what the other recipient did.
    let cgd = app.clerk("clerk.cgd").await;
    let seen = cgd.trail(id).await;
    let seen: Vec<&str> = seen.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(seen, ["letter.sent", "delivery.received"]);
    let bundle: Value = cgd.get(&format!("/api/v1/letters/{id}/trail-bundle")).await.json().await.unwrap();
    assert_eq!(bundle["receipts"].as_array().unwrap().len(), 1, "only its own receipt");

    // A new checkpoint covers the new entries; it is consistent with the first.
    let second = checkpoint(&app).await;
    assert_eq!(second.size, first.size + 4, "sent, received, rejected, and the department's export");
    let proof: Value = app
        .http
        .get(app.url(&format!("/audit/proof/consistency?from={}&to={}", first.size, second.size)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    sarabun_audit::verify_consistency(first.size, second.size, &first.root, &second.root, &hashes(&proof)).unwrap();

    // Each trail entry is included in the checkpoint, proven from what the API serves.
    let auditor = app.auditor("auditor").await;
    for e in &trail {
        let index = e.index;
        let raw = auditor.get(&format!("/audit/entries/{index}")).await.text().await.unwrap();
        let proof: Value = app
            .http
            .get(app.url(&format!("/audit/proof/inclusion?index={index}&tree_size={}", second.size)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let leaf = sarabun_audit::leaf_hash(raw.as_bytes());
        sarabun_audit::verify_inclusion(&leaf, index, second.size, &hashes(&proof), &second.root).unwrap();
    }
    // Asking for a proof past the end of the log is a clear error.
    let res = app
        .http
        .get(app.url(&format!("/audit/proof/inclusion?index=0&tree_size={}", second.size + 100)))
        .send()
        .await
        .unwrap();
    crate::support::expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    // No path of the API changes or removes an entry.
    let res = app.http.delete(app.url("/audit/entries/0")).bearer_auth(&auditor.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Signing in with a wrong password, and opening a secret letter, are logged.
    let res = app
        .http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "clerk.ops", "password": "guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let sha = ops.upload_pdf(crate::support::invitation_pdf()).await;
    let mut body = crate::support::letter_body(&sha, &["กค 0400"]);
    body["secrecy"] = json!("confidential");
    let secret: Letter = ops.try_send(body).await.json().await.unwrap();
    auditor.letter(&secret.id).await;
    let trail = auditor.trail(&secret.id).await;
    let opened: Vec<&str> =
        trail.iter().filter(|e| e.action == "letter.secret_opened").map(|e| e.actor.as_str()).collect();
    assert!(opened.contains(&"auditor") && opened.contains(&"clerk.ops"), "{trail:?}");
    let head = checkpoint(&app).await;
    let mut failed = false;
    for index in second.size..head.size {
        let raw = auditor.get(&format!("/audit/entries/{index}")).await.text().await.unwrap();
        failed |= raw.contains("session.sign_in_failed") && raw.contains("user/clerk.ops");
    }
    assert!(failed, "the failed sign-in is in the log");
}

fn sarabun() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sarabun"))
}

async fn bundles_verify_offline_and_forgeries_fail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let letter = a_full_trail(&app).await;
    let id = letter.id.as_str();
    let auditor = app.auditor("auditor").await;
    let res = auditor.get(&format!("/api/v1/letters/{id}/trail-bundle?documents=true")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let bundle: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(bundle["receipts"].as_array().unwrap().len(), 2);
    assert_eq!(bundle["entries"].as_array().unwrap().len(), 4, "sent, received, rejected, and this export");
    assert_eq!(bundle["documents"].as_array().unwrap().len(), 1);

    let key = app.http.get(app.url("/audit/key")).send().await.unwrap().text().await.unwrap();
    let (lines, ok) = sarabun::verify::verify_bundle(&text, Some(&key), None);
    assert!(ok, "{lines:#?}");
    assert!(lines.iter().filter(|l| l.starts_with("ok")).count() >= 7, "{lines:#?}");

    // The same from the command line, on a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, &text).unwrap();
    let out = sarabun().arg("verify").arg(&file).args(["--log-key", key.trim()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("the trail holds"));

    // Forgeries, each of which must fail.
    let forge = |change: &dyn Fn(&mut Value)| {
        let mut forged = bundle.clone();
        change(&mut forged);
        forged.to_string()
    };
    let forgeries: Vec<(&str, String)> = vec![
        (
            "altered entry",
            forge(&|b| {
                let e = b["entries"][1]["entry"].as_str().unwrap().replace("1/2569", "9/2569");
                b["entries"][1]["entry"] = json!(e);
            }),
        ),
        (
            "dropped proof hash",
            forge(&|b| {
                b["entries"][0]["inclusion_proof"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "altered receipt",
            forge(&|b| {
                let r = b["receipts"][0].as_str().unwrap();
                let (head, sig) = r.rsplit_once('.').unwrap();
                let flipped = match sig.strip_prefix('A') {
                    Some(rest) => format!("B{rest}"),
                    None => format!("A{}", &sig[1..]),
                };
                b["receipts"][0] = json!(format!("{head}.{flipped}"));
            }),
        ),
        (
            "altered checkpoint",
            forge(&|b| {
                let c = b["checkpoint"].as_str().unwrap();
                let mut lines: Vec<String> = c.lines().map(str::to_owned).collect();
                lines[1] = (lines[1].parse::<u64>().unwrap() + 1).to_string();
                b["checkpoint"] = json!(lines.join("\n") + "\n");
            }),
        ),
        (
            "swapped document",
            forge(&|b| {
                b["documents"][0]["content_base64"] = json!(STANDARD.encode(b"%PDF-1.7 another letter %%EOF"));
            }),
        ),
        (
            "entry of another letter",
            forge(&|b| {
                b["letter_id"] = json!("01900000-0000-7000-8000-000000000000");
            }),
        ),
    ];
    for (what, forged) in forgeries {
        let (lines, ok) = sarabun::verify::verify_bundle(&forged, Some(&key), None);
        assert!(!ok, "{what} should fail: {lines:#?}");
    }
    // A bundle signed by a log key other than the one pinned fails too.
    let other = sarabun_audit::NoteSigner::new("127.0.0.1:8080/audit", ed25519_dalek::SigningKey::from_bytes(&[9; 32]))
        .unwrap();
    let (_, ok) = sarabun::verify::verify_bundle(&text, Some(&other.verifier_key_string()), None);
    assert!(!ok);
    let mut forged_file = bundle.clone();
    forged_file["entries"][2]["entry"] =
        json!(bundle["entries"][2]["entry"].as_str().unwrap().replace("rejected", "received"));
    std::fs::write(&file, forged_file.to_string()).unwrap();
    let out = sarabun().arg("verify").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL"));
}

async fn execute(app: &TestApp, sql: &str) {
    app.db().execute_unprepared(sql).await.unwrap();
}

/// A hash as an SQL literal of its bytes, as `audit_hashes` keeps it.
fn bytes_literal(app: &TestApp, bytes: &[u8]) -> String {
    match app.db().get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => format!("'\\x{}'::bytea", hex::encode(bytes)),
        _ => format!("X'{}'", hex::encode(bytes)),
    }
}

async fn verify_log(app: &TestApp) -> (bool, String) {
    let report = app.state.correspondence.verify_log(None).await.unwrap();
    (report.ok, report.lines.join("\n"))
}

async fn tampering_in_the_database_is_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    a_full_trail(&app).await;
    checkpoint(&app).await;
    a_full_trail(&app).await;
    let (ok, text) = verify_log(&app).await;
    assert!(ok, "{text}");

    // The command-line `audit verify` agrees, reading the same database.
    let run_cli = || {
        sarabun()
            .args(["audit", "verify"])
            .env("SARABUN_STORAGE__DATABASE_URL", app.settings.database_url())
            .env("SARABUN_STORAGE__DATA_DIR", &app.settings.storage.data_dir)
            .env("SARABUN_KEYS__MASTER_KEY", &app.settings.keys.master_key)
            .env("SARABUN_LOG__FILTER", "error")
            .output()
            .unwrap()
    };
    assert!(run_cli().status.success());

    // The first letter's sending: an entry inside the first checkpoint.
    let target: i64 = {
        let row = app
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                app.db().get_database_backend(),
                "SELECT MIN(idx) AS idx FROM audit_entries WHERE action = 'letter.sent'".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "idx").unwrap()
    };
    let original: String = {
        let row = app
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                app.db().get_database_backend(),
                format!("SELECT entry FROM audit_entries WHERE idx = {target}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "entry").unwrap()
    };

    // 1. Altering an entry.
    let altered = original.replace("clerk.", "clerk-x.");
    assert_ne!(altered, original);
    execute(&app, &format!("UPDATE audit_entries SET entry = '{}' WHERE idx = {target}", altered.replace('\'', "''")))
        .await;
    let (ok, text) = verify_log(&app).await;
    assert!(!ok && text.contains(&format!("entry {target} ")), "{text}");
    let out = run_cli();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("entry {target} ")));

    // 2. Altering it and its leaf hash (what a careful forger would do): the signed checkpoint catches it.
    let leaf = bytes_literal(&app, &sarabun_audit::leaf_hash(altered.as_bytes()));
    let slot = sarabun_audit::stored_hash_index(0, target as u64);
    execute(&app, &format!("UPDATE audit_hashes SET hash = {leaf} WHERE idx = {slot}")).await;
    let (ok, text) = verify_log(&app).await;
    assert!(!ok && text.contains("checkpoint"), "{text}");
    let original_leaf = bytes_literal(&app, &sarabun_audit::leaf_hash(original.as_bytes()));
    execute(&app, &format!("UPDATE audit_hashes SET hash = {original_leaf} WHERE idx = {slot}")).await;
    execute(&app, &format!("UPDATE audit_entries SET entry = '{}' WHERE idx = {target}", original.replace('\'', "''")))
        .await;
    assert!(verify_log(&app).await.0, "restored");

    // 3. Deleting an entry.
    execute(&app, &format!("DELETE FROM audit_entries WHERE idx = {target}")).await;
    let (ok, text) = verify_log(&app).await;
    assert!(!ok && text.contains(&format!("entry {target} is missing")), "{text}");
    execute(
        &app,
        &format!(
            "INSERT INTO audit_entries (idx, at, action, entry) VALUES ({target}, '2026-11-25T03:00:00Z', 'x', '{}')",
            original.replace('\'', "''")
        ),
    )
    .await;
    assert!(verify_log(&app).await.0, "restored");

    // 4. Reordering two entries.
    let other: String = {
        let row = app
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                app.db().get_database_backend(),
                format!("SELECT entry FROM audit_entries WHERE idx = {}", target + 1),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "entry").unwrap()
    };
    execute(&app, &format!("UPDATE audit_entries SET entry = '{}' WHERE idx = {target}", other.replace('\'', "''")))
        .await;
    execute(
        &app,
        &format!("UPDATE audit_entries SET entry = '{}' WHERE idx = {}", original.replace('\'', "''"), target + 1),
    )
    .await;
    let (ok, text) = verify_log(&app).await;
    assert!(!ok && text.contains(&format!("entry {target} ")), "{text}");
    execute(&app, &format!("UPDATE audit_entries SET entry = '{}' WHERE idx = {target}", original.replace('\'', "''")))
        .await;
    execute(
        &app,
        &format!("UPDATE audit_entries SET entry = '{}' WHERE idx = {}", other.replace('\'', "''"), target + 1),
    )
    .await;
    assert!(verify_log(&app).await.0, "restored");

    // 5. Altering an entry to hold a line break (entries are read a page at a time, joined by
    // line breaks, which canonical JSON never holds): still that entry is named.
    let broken = original.replacen(',', ",\n", 1);
    execute(&app, &format!("UPDATE audit_entries SET entry = '{}' WHERE idx = {target}", broken.replace('\'', "''")))
        .await;
    let (ok, text) = verify_log(&app).await;
    assert!(!ok && text.contains(&format!("entry {target} ")), "{text}");
    execute(&app, &format!("UPDATE audit_entries SET entry = '{}' WHERE idx = {target}", original.replace('\'', "''")))
        .await;

    // 6. Altering a stored hash of the tree (the subtree of the first two entries) around intact
    // entries.
    let slot = sarabun_audit::stored_hash_index(1, 0);
    execute(&app, &format!("UPDATE audit_hashes SET hash = {} WHERE idx = {slot}", bytes_literal(&app, &[7; 32])))
        .await;
    let (ok, text) = verify_log(&app).await;
    assert!(!ok && text.contains("tree"), "{text}");
}

on_both!(the_log_stays_verifiable_across_the_storage_migration);

/// A node upgraded with a log already written (hashes as hex text, `idx` not the row key on
/// SQLite): m0018 converts it in place, and the log still verifies, entry by entry and against its
/// signed checkpoint, and still proves inclusion.
async fn the_log_stays_verifiable_across_the_storage_migration(backend: Backend) {
    use sarabun_migrations::{Migrator, MigratorTrait};
    let app = TestApp::spawn(backend).await;
    a_full_trail(&app).await;
    let signed = checkpoint(&app).await;
    // Back to the log as m0002 stored it (m0018 and every later migration undone), then forward
    // again with the log in place.
    let all = Migrator::migrations();
    let m0018 = all.iter().position(|m| m.name() == "m0018_audit_storage").expect("m0018 is a migration");
    Migrator::down(app.db(), Some((all.len() - m0018) as u32)).await.unwrap();
    let row = app
        .db()
        .query_one_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT hash FROM audit_hashes WHERE idx = 0".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let hex_text: String = row.try_get("", "hash").unwrap();
    assert_eq!(hex_text.len(), 64, "before m0018 a hash is 64 hex characters: {hex_text}");
    Migrator::up(app.db(), None).await.unwrap();

    let (ok, text) = verify_log(&app).await;
    assert!(ok, "{text}");
    let proof: Value = app
        .http
        .get(app.url(&format!("/audit/proof/inclusion?index=3&tree_size={}", signed.size)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored = sarabun_registry::audit_log::entry(app.db(), 3).await.unwrap().unwrap();
    sarabun_audit::verify_inclusion(
        &sarabun_audit::leaf_hash(stored.entry.as_bytes()),
        3,
        signed.size,
        &hashes(&proof),
        &signed.root,
    )
    .expect("an entry written before the migration is proved in the checkpoint signed before it");
}
