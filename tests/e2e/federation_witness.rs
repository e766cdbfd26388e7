//! Witnessed checkpoints between three nodes as separate processes: A (the Ministry of Finance) on
//! SQLite at 127.0.0.2, B (Interior) on PostgreSQL at 127.0.0.3 and C (Education) on SQLite at
//! 127.0.0.4, each with its own data directory and database, each pinning the two others. Letters
//! cross both ways; every node's checkpoint ends cosigned by the two others' witnesses; a trail
//! bundle passes `sarabun verify --require-witnesses 2` with B's and C's witness keys and fails
//! with a witness nobody used. Then A's log key (unsealed here with A's master key) signs a
//! checkpoint inconsistent with the one B cosigned: B refuses it with 422, raises the alarm (the
//! audit entry, the peers' view) and refuses A's log again; C, shown the same size with another
//! root, answers 409 and raises its alarm, which its operator clears with `sarabun witness clear`,
//! after which C cosigns A's log again. Letters still cross and are numbered on; the registers stay
//! 1..N and every node's log verifies.

use crate::support::nodes::{MOE_DIRECTORY, MOI_DIRECTORY, Node, Person, drop_postgres, one_string, postgres_database};
use base64::Engine;
use reqwest::StatusCode;
use sea_orm::Database;
use serde_json::{Value, json};
use std::time::Duration;

/// The witnessing paths under a node's endpoint.
const ADD_CHECKPOINT: &str = "/federation/v1/witness/add-checkpoint";

/// Polls `person`'s peers until every one has offices and a witness key.
async fn wait_peers(person: &Person, count: usize) -> Vec<Value> {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = person.get("/api/v1/federation/peers").await;
        let peers = last.as_array().cloned().unwrap_or_default();
        if peers.len() == count
            && peers
                .iter()
                .all(|p| p["offices"].as_array().is_some_and(|o| !o.is_empty()) && p["witness_key"].as_str().is_some())
        {
            return peers;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the peers of {} never all arrived: {last}", person.url);
}

/// The witness key a node publishes in its description.
async fn witness_key(node: &Node) -> String {
    let jws = reqwest::get(format!("{}/.well-known/sarabun-node", node.url)).await.unwrap().text().await.unwrap();
    let description = sarabun_federation::description::verify_pinned(&jws, &node.fingerprint).unwrap();
    assert!(description.witness_key.contains("/witness+"), "{}", description.witness_key);
    description.witness_key
}

/// Polls a node's `GET /audit/checkpoint` until it carries cosignatures by every one of `witnesses`
/// that verify; the note.
async fn wait_cosigned(node: &Node, witnesses: &[String]) -> String {
    let log_key = reqwest::get(format!("{}/audit/key", node.url)).await.unwrap().text().await.unwrap();
    let log = sarabun_audit::parse_verifier_key(log_key.trim()).unwrap();
    let keys: Vec<_> = witnesses.iter().map(|w| sarabun_audit::parse_cosigner_key(w).unwrap()).collect();
    let mut note = String::new();
    for _ in 0..300 {
        note = reqwest::get(format!("{}/audit/checkpoint", node.url)).await.unwrap().text().await.unwrap();
        let opened = sarabun_audit::note::open(&note, std::slice::from_ref(&log)).unwrap();
        let found = sarabun_audit::verify_cosignatures(&opened.text, &opened.unverified, &keys).unwrap();
        if found.len() == keys.len() {
            return note;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the checkpoint of {} was never cosigned by all of {witnesses:?}: {note}", node.url);
}

/// The receive numbers an office gave: `first..last, count numbers`, so that gaps and repeats show.
async fn receive_register(db: &sea_orm::DatabaseConnection, office: &str) -> String {
    one_string(
        db,
        &format!(
            "SELECT CAST(MIN(d.receive_seq) AS TEXT) || '..' || CAST(MAX(d.receive_seq) AS TEXT) || ', ' \
             || CAST(COUNT(DISTINCT d.receive_seq) AS TEXT) || ' numbers' FROM deliveries d \
             JOIN offices o ON o.id = d.recipient_office_id WHERE o.code = '{office}' AND d.receive_seq IS NOT NULL"
        ),
    )
    .await
}

/// Downloads the trail bundle of `letter` as `person` into `path`.
async fn save_bundle(person: &Person, letter: &str, path: &std::path::Path) {
    std::fs::write(path, serde_json::to_vec(&person.trail_bundle(letter).await).unwrap()).unwrap();
}

/// `sarabun verify` on a bundle file with the witness arguments; its exit status and output.
fn verify(node: &Node, bundle: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = node.command().arg("verify").arg(bundle).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_witness_each_other_and_a_split_view_raises_the_alarm() {
    let (pg_server, pg_name) = postgres_database().await;
    let sqlite_dir = tempfile::tempdir().unwrap();
    let a_url = format!("sqlite://{}?mode=rwc", sqlite_dir.path().join("a.db").display());
    let c_url = format!("sqlite://{}?mode=rwc", sqlite_dir.path().join("c.db").display());
    let mut a = Node::prepare("127.0.0.2", &a_url, &sarabun::demo::Directory::demo()).await;
    let mut b = Node::prepare(
        "127.0.0.3",
        &format!("{pg_server}/{pg_name}"),
        &sarabun::demo::Directory::parse(MOI_DIRECTORY).unwrap(),
    )
    .await;
    let mut c = Node::prepare("127.0.0.4", &c_url, &sarabun::demo::Directory::parse(MOE_DIRECTORY).unwrap()).await;
    a.pin_all(&[&b, &c]);
    b.pin_all(&[&a, &c]);
    c.pin_all(&[&a, &b]);
    a.start().await;
    b.start().await;
    c.start().await;

    let ops = Person::sign_in(&a, "clerk.ops").await;
    let moi = Person::sign_in(&b, "clerk.moi").await;
    let moe = Person::sign_in(&c, "clerk.moe").await;
    // Each node's system administrator operates its exchange, and only operators see the peers.
    let ops_operator = Person::sign_in(&a, "admin").await;
    let moi_operator = Person::sign_in(&b, "admin.moi").await;
    let moe_operator = Person::sign_in(&c, "admin.moe").await;
    wait_peers(&ops_operator, 2).await;
    wait_peers(&moi_operator, 2).await;
    wait_peers(&moe_operator, 2).await;
    let (a_witness, b_witness, c_witness) = (witness_key(&a).await, witness_key(&b).await, witness_key(&c).await);

    // A letter from A to B, received there as number 1; one from B to A, received as number 1; one
    // from C to A, received as number 2.
    let to_b = ops.send("มท 0200", "หนังสือเชิญประชุมข้ามกระทรวง").await;
    ops.wait_exchange(&to_b, "at_peer").await;
    let delivery = moi.get("/api/v1/inbox").await["items"][0]["delivery_id"].as_str().unwrap().to_owned();
    let (status, received) = moi.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{received}");
    assert_eq!(received["delivery"]["receive_number"], "1/2569");
    ops.wait_exchange(&to_b, "received").await;
    let to_a = moi.send("กค 0100", "หนังสือตอบรับการประชุม").await;
    moi.wait_exchange(&to_a, "at_peer").await;
    let from_c = moe.send("กค 0100", "หนังสือแจ้งผู้เข้าร่วมประชุม").await;
    moe.wait_exchange(&from_c, "at_peer").await;
    let mut numbers = Vec::new();
    for letter in [&to_a, &from_c] {
        let inbox = ops.get("/api/v1/inbox").await;
        let item = inbox["items"].as_array().unwrap().iter().find(|i| i["letter_id"] == letter.as_str()).cloned();
        let delivery = item.unwrap_or_else(|| panic!("{letter} not in A's inbox: {inbox}"))["delivery_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, received) = ops.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{received}");
        numbers.push(received["delivery"]["receive_number"].as_str().unwrap().to_owned());
    }
    assert_eq!(numbers, ["1/2569", "2/2569"]);
    moi.wait_exchange(&to_a, "received").await;

    // Every node's checkpoint ends cosigned by the two others' witnesses.
    wait_cosigned(&a, &[b_witness.clone(), c_witness.clone()]).await;
    wait_cosigned(&b, &[a_witness.clone(), c_witness.clone()]).await;
    wait_cosigned(&c, &[a_witness.clone(), b_witness.clone()]).await;

    // The trail bundle of the letter to B carries its checkpoint's cosignatures, and B's part
    // B's: an auditor who trusts the three witnesses and requires two of every part is satisfied
    // (B's and C's for A's log, A's and C's for B's); one who trusts only a witness nobody used is not.
    let bundle_path = sqlite_dir.path().join("trail.json");
    save_bundle(&ops, &to_b, &bundle_path).await;
    let all = ["--witness", &a_witness, "--witness", &b_witness, "--witness", &c_witness, "--require-witnesses", "2"];
    let (ok, out) = verify(&a, &bundle_path, &all);
    assert!(ok, "{out}");
    assert_eq!(out.matches("checkpoint cosigned by 2 of the 3 witnesses given").count(), 2, "{out}");
    let nobody =
        sarabun_audit::Cosigner::new("nobody.example/witness", ed25519_dalek::SigningKey::from_bytes(&[5; 32]))
            .unwrap()
            .verifier()
            .to_key_string();
    let (ok, out) = verify(&a, &bundle_path, &["--witness", &nobody, "--require-witnesses", "1"]);
    assert!(!ok, "{out}");
    assert!(out.contains("too few witnesses cosigned the checkpoint"), "{out}");

    // The witness protocol's other answers: an old size that is not the one last cosigned gets 409
    // with that size; a log no pinned peer keeps gets 404.
    let http = reqwest::Client::new();
    let a_note = reqwest::get(format!("{}/audit/checkpoint", a.url)).await.unwrap().text().await.unwrap();
    let res = http.post(format!("{}{ADD_CHECKPOINT}", b.url)).body(format!("old 0\n\n{a_note}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(res.headers()["content-type"], "text/x.tlog.size");
    let cosigned_size: u64 = res.text().await.unwrap().trim_end().parse().unwrap();
    assert!(cosigned_size > 0);
    let stranger =
        sarabun_audit::NoteSigner::new("stranger.example/audit", ed25519_dalek::SigningKey::from_bytes(&[6; 32]))
            .unwrap()
            .sign_checkpoint(&sarabun_audit::Checkpoint::new("stranger.example/audit", 0, sarabun_audit::EMPTY_ROOT))
            .unwrap();
    let res =
        http.post(format!("{}{ADD_CHECKPOINT}", b.url)).body(format!("old 0\n\n{stranger}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // A split view: A's log key signs a checkpoint larger than the one B cosigned, with a root that
    // no honest log of A's can have; B refuses it and raises the alarm.
    let a_db = Database::connect(&a_url).await.unwrap();
    let log_key = {
        let kid = one_string(&a_db, "SELECT kid FROM node_keys WHERE name = 'audit-log'").await;
        let sealed = one_string(&a_db, "SELECT sealed_private_key FROM node_keys WHERE name = 'audit-log'").await;
        a.master_key().open(&kid, &sealed).unwrap()
    };
    let origin = a_note.split('\n').next().unwrap().to_owned();
    let signer = sarabun_audit::NoteSigner::new(origin.clone(), log_key.signing_key().clone()).unwrap();
    let forked =
        signer.sign_checkpoint(&sarabun_audit::Checkpoint::new(origin.clone(), cosigned_size + 3, [7; 32])).unwrap();
    let proof = [[1u8; 32], [2; 32]].map(|h| base64::engine::general_purpose::STANDARD.encode(h)).join("\n");
    let body = format!("old {cosigned_size}\n{proof}\n\n{forked}");
    let res = http.post(format!("{}{ADD_CHECKPOINT}", b.url)).body(body.clone()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "witness_split_view");
    let peers = moi_operator.get("/api/v1/federation/peers").await;
    let a_view = peers.as_array().unwrap().iter().find(|p| p["fingerprint"] == a.fingerprint.as_str()).unwrap();
    assert_eq!(a_view["witnessed_log"]["origin"], origin.as_str(), "{a_view}");
    assert_eq!(a_view["witnessed_log"]["cosigned_size"], cosigned_size, "the cosigned state did not move");
    assert!(a_view["witnessed_log"]["alarm"].as_str().unwrap().contains("no consistency"), "{a_view}");
    let b_db = Database::connect(format!("{pg_server}/{pg_name}")).await.unwrap();
    let entry = one_string(&b_db, "SELECT entry FROM audit_entries WHERE action = 'exchange.split_view'").await;
    assert!(entry.contains(&a.fingerprint) && entry.contains("\"actor\":\"system:exchange\""), "{entry}");

    // The log stays refused: the same checkpoint again, and A's genuine one, until an operator acts.
    let res = http.post(format!("{}{ADD_CHECKPOINT}", b.url)).body(body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "witness_log_alarmed");
    let genuine = format!("old {cosigned_size}\n\n{a_note}");
    let res = http.post(format!("{}{ADD_CHECKPOINT}", b.url)).body(genuine).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "witness_log_alarmed");
    assert_eq!(
        one_string(&b_db, "SELECT CAST(COUNT(*) AS TEXT) FROM audit_entries WHERE action = 'exchange.split_view'")
            .await,
        "1",
        "one alarm, however often the log is presented"
    );

    // A checkpoint of A's origin that A's log key did not sign changes nothing: 403.
    let impostor = sarabun_audit::NoteSigner::new(origin.clone(), ed25519_dalek::SigningKey::from_bytes(&[9; 32]))
        .unwrap()
        .sign_checkpoint(&sarabun_audit::Checkpoint::new(origin.clone(), cosigned_size + 9, [9; 32]))
        .unwrap();
    let res =
        http.post(format!("{}{ADD_CHECKPOINT}", c.url)).body(format!("old 0\n\n{impostor}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "witness_checkpoint_unsigned");

    // At C, the same size as C cosigned with another root: 409 with the size, and C's alarm too.
    let c_size = moe_operator
        .get("/api/v1/federation/peers")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["fingerprint"] == a.fingerprint.as_str())
        .unwrap()["witnessed_log"]["cosigned_size"]
        .as_u64()
        .unwrap();
    let same_size = signer.sign_checkpoint(&sarabun_audit::Checkpoint::new(origin.clone(), c_size, [8; 32])).unwrap();
    let res = http
        .post(format!("{}{ADD_CHECKPOINT}", c.url))
        .body(format!("old {c_size}\n\n{same_size}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(res.text().await.unwrap(), format!("{c_size}\n"));
    let peers = moe_operator.get("/api/v1/federation/peers").await;
    let a_at_c = peers.as_array().unwrap().iter().find(|p| p["fingerprint"] == a.fingerprint.as_str()).unwrap();
    assert!(a_at_c["witnessed_log"]["alarm"].as_str().unwrap().contains("now presented with root"), "{a_at_c}");

    // C's operator, having settled it with A's, clears the alarm: A's next checkpoint is cosigned
    // by C again (B still refuses A's log).
    let out = c.command().args(["witness", "clear", &origin, "--operator", "ops.moe"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    save_bundle(&ops, &to_b, &bundle_path).await;
    let (ok, out) = verify(&a, &bundle_path, &["--witness", &c_witness, "--require-witnesses", "1"]);
    assert!(ok, "{out}");
    let (ok, out) =
        verify(&a, &bundle_path, &["--witness", &b_witness, "--witness", &c_witness, "--require-witnesses", "2"]);
    assert!(!ok && out.contains("cosigned by 1 of the 2 witnesses given"), "{out}");

    // Nothing is lost or duplicated: letters still cross and are numbered on.
    let after = ops.send("มท 0200", "หนังสือหลังการแจ้งเตือน").await;
    ops.wait_exchange(&after, "at_peer").await;
    let inbox = moi.get("/api/v1/inbox").await;
    let item = inbox["items"].as_array().unwrap().iter().find(|i| i["letter_id"] == after.as_str()).cloned().unwrap();
    let (status, received) =
        moi.post(&format!("/api/v1/deliveries/{}/receive", item["delivery_id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{received}");
    assert_eq!(received["delivery"]["receive_number"], "2/2569");
    assert_eq!(receive_register(&b_db, "มท 0200").await, "1..2, 2 numbers");
    assert_eq!(receive_register(&a_db, "กค 0100").await, "1..2, 2 numbers");

    // Every node's log verifies.
    drop(a_db);
    drop(b_db);
    for node in [&mut a, &mut b, &mut c] {
        node.stop();
    }
    for node in [&a, &b, &c] {
        let out = node.command().args(["audit", "verify"]).output().unwrap();
        assert!(out.status.success(), "{}: {}", node.url, String::from_utf8_lossy(&out.stdout));
    }
    drop_postgres(&pg_server, &pg_name).await;
}
