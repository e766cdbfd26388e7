//! Proof across nodes: node A (the Ministry of Finance) on SQLite at 127.0.0.8 and node B (Interior)
//! on PostgreSQL at 127.0.0.9, as separate processes pinned to each other. A letter from A is
//! received at B; A's trail bundle shows the decision that came back and carries B's own part of
//! the trail (B's entries, proofs, checkpoint and log key); `sarabun verify` passes with B's log
//! key, also requiring one witness of every part (B's for A's log, A's for B's); a bundle whose B
//! part was changed — an entry, the receive number — or that names another log key fails; and B
//! answers its trail endpoint only to a pinned peer, and only for a letter that crossed to it; with B
//! down, A's bundle is still made and says B's part is missing.

use crate::support::nodes::{MOI_DIRECTORY, Node, Person, drop_postgres, one_string, postgres_database};
use reqwest::StatusCode;
use sarabun_federation::httpsig::sign_request;
use sea_orm::Database;
use serde_json::{Value, json};
use std::time::Duration;

/// `sarabun verify` on `bundle` written to `path`, with `args`; whether it held, and its output.
fn verify(node: &Node, bundle: &Value, path: &std::path::Path, args: &[&str]) -> (bool, String) {
    std::fs::write(path, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
    let out = node.command().arg("verify").arg(path).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The key a node publishes under `field` (`log_key`, `witness_key`) in its signed description.
async fn described_key(node: &Node, field: &str) -> String {
    let jws = reqwest::get(format!("{}/.well-known/sarabun-node", node.url)).await.unwrap().text().await.unwrap();
    let description = sarabun_federation::description::verify_pinned(&jws, &node.fingerprint).unwrap();
    serde_json::to_value(&description).unwrap()[field].as_str().unwrap().to_owned()
}

/// Whether a node's current checkpoint is cosigned by `witness`.
async fn cosigned_by(node: &Node, witness: &str) -> bool {
    let log_key = reqwest::get(format!("{}/audit/key", node.url)).await.unwrap().text().await.unwrap();
    let log = sarabun_audit::parse_verifier_key(log_key.trim()).unwrap();
    let key = sarabun_audit::parse_cosigner_key(witness).unwrap();
    let note = reqwest::get(format!("{}/audit/checkpoint", node.url)).await.unwrap().text().await.unwrap();
    let opened = sarabun_audit::note::open(&note, std::slice::from_ref(&log)).unwrap();
    sarabun_audit::verify_cosignatures(&opened.text, &opened.unverified, &[key]).is_ok_and(|f| f.len() == 1)
}

/// A `GET` of `url` signed per RFC 9421 with `key`, as a node asks a peer.
async fn signed_get(url: &str, key: &ed25519_dalek::SigningKey) -> reqwest::Response {
    let now = sarabun_domain::Clock::now(&sarabun_domain::SystemClock);
    let h = sign_request("GET", url, b"", now, key);
    reqwest::Client::new()
        .get(url)
        .header("content-digest", h.content_digest)
        .header("date", h.date)
        .header("signature-input", h.signature_input)
        .header("signature", h.signature)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_letter_that_crossed_has_one_bundle_that_proves_both_sides() {
    let (pg_server, pg_name) = postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let a_url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
    let mut a = Node::prepare("127.0.0.8", &a_url, &sarabun::demo::Directory::demo()).await;
    let b_directory = sarabun::demo::Directory::parse(MOI_DIRECTORY).unwrap();
    let mut b = Node::prepare("127.0.0.9", &format!("{pg_server}/{pg_name}"), &b_directory).await;
    a.pin(&b);
    b.pin(&a);
    a.start().await;
    b.start().await;
    let ops = Person::sign_in(&a, "clerk.ops").await;
    let moi = Person::sign_in(&b, "clerk.moi").await;
    let auditor = Person::sign_in(&a, "auditor").await;
    Person::sign_in(&a, "admin").await.wait_peer_offices().await;
    Person::sign_in(&b, "admin.moi").await.wait_peer_offices().await;

    // A letter from กค 0100 on A to มท 0200 on B, received there as number 1.
    let letter = ops.send("มท 0200", "หนังสือขอข้อมูลประกอบการตรวจสอบ").await;
    ops.wait_exchange(&letter, "at_peer").await;
    let delivery = moi.get("/api/v1/inbox").await["items"][0]["delivery_id"].as_str().unwrap().to_owned();
    let (status, received) = moi.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{received}");
    assert_eq!(received["delivery"]["receive_number"], "1/2569");
    ops.wait_exchange(&letter, "received").await;

    // Each node's checkpoint cosigned by the other's witness, within a bounded wait.
    let (a_witness, b_witness) = (described_key(&a, "witness_key").await, described_key(&b, "witness_key").await);
    let mut witnessed = false;
    for _ in 0..150 {
        if cosigned_by(&a, &b_witness).await && cosigned_by(&b, &a_witness).await {
            witnessed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(witnessed, "the two nodes never cosigned each other's checkpoints");

    // A's bundle shows B's decision and carries B's own part with its receipt.
    let bundle = auditor.trail_bundle(&letter).await;
    let b_log_key = described_key(&b, "log_key").await;
    let peers = bundle["peers"].as_array().unwrap_or_else(|| panic!("no peer parts: {bundle}"));
    assert_eq!(peers.len(), 1, "{bundle}");
    assert_eq!(peers[0]["peer"], b.fingerprint.as_str());
    assert_eq!(peers[0]["recipients"], json!(["มท 0200"]));
    let part = &peers[0]["bundle"];
    assert_eq!(part["log_key"], b_log_key.as_str());
    assert_eq!(part["envelope"], bundle["envelope"]);
    assert_eq!(part["receipts"], bundle["receipts"], "the receipt A holds is the one B's part accounts for");

    let path = dir.path().join("trail.json");
    let (ok, out) = verify(&a, &bundle, &path, &["--peer-log-key", &b_log_key]);
    assert!(ok, "{out}");
    assert!(out.contains("มท 0200: receipt present and matching entry"), "the remote decision shows: {out}");
    assert!(!out.contains("undecided"), "{out}");
    assert!(out.contains("accounts for the receipt the sender holds (receive number 1/2569)"), "{out}");
    let (ok, out) = verify(
        &a,
        &bundle,
        &path,
        &["--peer-log-key", &b_log_key, "--witness", &a_witness, "--witness", &b_witness, "--require-witnesses", "1"],
    );
    assert!(ok, "{out}");
    assert_eq!(out.matches("checkpoint cosigned by 1 of the 2 witnesses given").count(), 2, "{out}");

    // Another node's log key given for B: B's part is not taken on its own word.
    let other = sarabun_audit::NoteSigner::new("other.example/audit", ed25519_dalek::SigningKey::from_bytes(&[3; 32]))
        .unwrap()
        .verifier()
        .to_key_string();
    let (ok, out) = verify(&a, &bundle, &path, &["--peer-log-key", &other]);
    assert!(!ok && out.contains("is none of those given with --peer-log-key"), "{out}");

    // B's part changed: one of its entries, or the receive number of its decision.
    let mut changed = bundle.clone();
    let entries = changed["peers"][0]["bundle"]["entries"].as_array_mut().unwrap();
    let first = entries[0]["entry"].as_str().unwrap().replacen("\"at\":\"", "\"at\":\"1", 1);
    entries[0]["entry"] = json!(first);
    let (ok, out) = verify(&a, &changed, &path, &["--peer-log-key", &b_log_key]);
    assert!(!ok, "{out}");
    assert!(out.lines().any(|l| l.starts_with("FAIL") && l.contains("peer ") && l.contains("entry ")), "{out}");
    let mut renumbered = bundle.clone();
    let entries = renumbered["peers"][0]["bundle"]["entries"].as_array_mut().unwrap();
    let decision = entries.iter_mut().find(|e| e["entry"].as_str().unwrap().contains("\"delivery.received\"")).unwrap();
    let text = decision["entry"].as_str().unwrap().replace("\"1/2569\"", "\"2/2569\"");
    decision["entry"] = json!(text);
    let (ok, out) = verify(&a, &renumbered, &path, &["--peer-log-key", &b_log_key]);
    assert!(!ok, "{out}");
    assert!(out.lines().any(|l| l.starts_with("FAIL") && l.contains("peer ")), "{out}");

    // B's trail endpoint: a node nobody pinned is refused, an unsigned request too, and A is
    // answered only about a letter that crossed between them.
    let http = reqwest::Client::new();
    let url = format!("{}/federation/v1/trail/{letter}", b.url);
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let res = signed_get(&url, &stranger).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "peer_not_pinned");
    let res = http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let a_db = Database::connect(&a_url).await.unwrap();
    let node_key = {
        let kid = one_string(&a_db, "SELECT kid FROM node_keys WHERE name = 'federation-node'").await;
        let sealed = one_string(&a_db, "SELECT sealed_private_key FROM node_keys WHERE name = 'federation-node'").await;
        a.master_key().open(&kid, &sealed).unwrap()
    };
    let local = ops.send("กค 0400", "หนังสือภายในกระทรวง").await;
    let url = format!("{}/federation/v1/trail/{local}", b.url);
    let res = signed_get(&url, node_key.signing_key()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "a letter that never crossed is not B's to show");

    // B down: A's bundle is still handed out, and says plainly that B's part is missing.
    b.stop();
    let bundle = auditor.trail_bundle(&letter).await;
    assert!(bundle["peers"][0]["bundle"].is_null(), "{bundle}");
    assert!(bundle["peers"][0]["missing"].as_str().unwrap().starts_with("the peer did not answer"), "{bundle}");
    let (ok, out) = verify(&a, &bundle, &path, &["--peer-log-key", &b_log_key]);
    assert!(!ok && out.contains("its part of the trail is missing from the bundle"), "{out}");

    drop(a_db);
    a.stop();
    drop_postgres(&pg_server, &pg_name).await;
}
