//! Exchange between two nodes as separate processes: the real `sarabun serve` started twice, node A
//! on SQLite at 127.0.0.2 and node B on PostgreSQL at 127.0.0.3, each with its own data directory and
//! database, pinned to each other. A letter from A's office crosses to B's office and its receipt
//! back; the same message posted again gives one delivery and the same answer; B down for a while,
//! then back, gets the letter by retry; a node nobody pinned is refused; a tampered envelope is
//! refused with a signed invalid answer, which A shows; and both nodes' logs verify.

use crate::support::nodes::{MOI_DIRECTORY, Node, Person, drop_postgres, one_string, postgres_database};
use base64::Engine;
use reqwest::StatusCode;
use sarabun_federation::httpsig::sign_request;
use sarabun_federation::{Answer, AnswerStatus, Message, MessageBody, PushedDocument};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_exchange_a_letter_and_its_receipt() {
    let (pg_server, pg_name) = postgres_database().await;
    let sqlite_dir = tempfile::tempdir().unwrap();
    let a_db_path: PathBuf = sqlite_dir.path().join("a.db");
    let a_url = format!("sqlite://{}?mode=rwc", a_db_path.display());
    let mut a = Node::prepare("127.0.0.2", &a_url, &sarabun::demo::Directory::demo()).await;
    let b_directory = sarabun::demo::Directory::parse(MOI_DIRECTORY).unwrap();
    let mut b = Node::prepare("127.0.0.3", &format!("{pg_server}/{pg_name}"), &b_directory).await;
    a.pin(&b);
    b.pin(&a);
    a.start().await;
    b.start().await;

    let ops = Person::sign_in(&a, "clerk.ops").await;
    let moi = Person::sign_in(&b, "clerk.moi").await;
    Person::sign_in(&a, "admin").await.wait_peer_offices().await;
    Person::sign_in(&b, "admin.moi").await.wait_peer_offices().await;

    // A letter from กค 0100 on A to มท 0200 on B arrives, is received as number 1, and A's tracking
    // shows it with a receipt that verifies with B's published key.
    let first = ops.send("มท 0200", "หนังสือข้ามโหนดฉบับแรก").await;
    let at_peer = ops.wait_exchange(&first, "at_peer").await;
    let inbox = moi.get("/api/v1/inbox").await;
    assert_eq!(inbox["total"], 1, "{inbox}");
    let delivery = inbox["items"][0]["delivery_id"].as_str().unwrap().to_owned();
    let (status, received) = moi.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{received}");
    assert_eq!(received["delivery"]["receive_number"], "1/2569");
    let done = ops.wait_exchange(&first, "received").await;
    assert_eq!(done["receive_number"], "1/2569", "{done}");
    let jwks: sarabun_signing::Jwks =
        reqwest::get(format!("{}/.well-known/jwks.json", b.url)).await.unwrap().json().await.unwrap();
    let (receipt, _) = sarabun_signing::jws::verify_receipt(done["receipt"].as_str().unwrap(), &jwks).unwrap();
    assert_eq!(receipt.receive_number.as_deref(), Some("1/2569"));
    assert_eq!(receipt.letter_id, first);
    let tracking = ops.get(&format!("/api/v1/letters/{first}")).await;
    assert_eq!(tracking["recipients"][0]["state"], "received", "{tracking}");

    // The same message posted again: the same answer, and still one delivery.
    let a_db = Database::connect(&a_url).await.unwrap();
    let message_id = at_peer["message_id"].as_str().unwrap();
    let body = one_string(&a_db, &format!("SELECT body FROM federation_outbox WHERE id = '{message_id}'")).await;
    let mut message: Message = serde_json::from_str(&body).unwrap();
    let pdf = crate::support::invitation_pdf();
    if let MessageBody::Letter { documents, .. } = &mut message.body {
        for d in documents.iter_mut() {
            *d = PushedDocument::of(&pdf);
        }
    }
    let node_key = {
        let kid = one_string(&a_db, "SELECT kid FROM node_keys WHERE name = 'federation-node'").await;
        let sealed = one_string(&a_db, "SELECT sealed_private_key FROM node_keys WHERE name = 'federation-node'").await;
        let master = a.env.iter().find(|(k, _)| k == "SARABUN_KEYS__MASTER_KEY").unwrap().1.clone();
        sarabun_signing::MasterKey::from_base64(&master).unwrap().open(&kid, &sealed).unwrap()
    };
    let b_messages = format!("{}/federation/v1/messages", b.url);
    let replay_body = serde_json::to_vec(&message).unwrap();
    let post = |body: Vec<u8>, key: ed25519_dalek::SigningKey| {
        let url = b_messages.clone();
        async move {
            let h = sign_request("POST", &url, &body, sarabun_domain::Clock::now(&sarabun_domain::SystemClock), &key);
            reqwest::Client::new()
                .post(&url)
                .header("content-type", "application/json")
                .header("content-digest", h.content_digest)
                .header("date", h.date)
                .header("signature-input", h.signature_input)
                .header("signature", h.signature)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let original = at_peer["answer"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let res = post(replay_body.clone(), node_key.signing_key().clone()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["answer"], original, "a duplicate gets the original answer");
    }
    assert_eq!(moi.get("/api/v1/inbox").await["total"], 1, "no second delivery");

    // A node nobody pinned is refused.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let res = post(replay_body.clone(), stranger).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "peer_not_pinned");

    // B down for a while: the letter waits, retried, and arrives once B is back.
    b.stop();
    let second = ops.send("มท 0200", "หนังสือระหว่างโหนดปลายทางปิด").await;
    for _ in 0..100 {
        let view = ops.get(&format!("/api/v1/letters/{second}/exchange")).await;
        if view[0]["attempts"].as_i64().unwrap_or(0) >= 2 {
            assert_eq!(view[0]["state"], "queued");
            assert!(view[0]["last_error"].as_str().is_some());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // While B is down, a third letter's queued envelope is tampered with at rest on A.
    let third = ops.send("มท 0200", "หนังสือที่ถูกแก้ไขระหว่างทาง").await;
    let third_id = loop {
        let view = ops.get(&format!("/api/v1/letters/{third}/exchange")).await;
        if let Some(id) = view[0]["message_id"].as_str() {
            break id.to_owned();
        }
    };
    let body = one_string(&a_db, &format!("SELECT body FROM federation_outbox WHERE id = '{third_id}'")).await;
    let mut tampered: Message = serde_json::from_str(&body).unwrap();
    if let MessageBody::Letter { envelope, .. } = &mut tampered.body {
        let parts: Vec<&str> = envelope.split('.').collect();
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = String::from_utf8(url.decode(parts[1]).unwrap()).unwrap();
        // The canonical payload may escape Thai; change the parsed subject, whatever its spelling.
        let mut parsed: Value = serde_json::from_str(&payload).unwrap();
        parsed["subject"] = json!("หนังสือปลอม");
        let forged = serde_json::to_string(&parsed).unwrap();
        *envelope = format!("{}.{}.{}", parts[0], url.encode(forged), parts[2]);
    }
    let forged_body = serde_json::to_string(&tampered).unwrap().replace('\'', "''");
    a_db.execute_unprepared(&format!("UPDATE federation_outbox SET body = '{forged_body}' WHERE id = '{third_id}'"))
        .await
        .unwrap();
    b.start().await;
    ops.wait_exchange(&second, "at_peer").await;
    let refused = ops.wait_exchange(&third, "invalid").await;
    assert!(refused["reason"].as_str().unwrap().contains("seal"), "{refused}");
    let description = reqwest::get(format!("{}/.well-known/sarabun-node", b.url)).await.unwrap().text().await.unwrap();
    let b_key =
        sarabun_federation::description::verify_pinned(&description, &b.fingerprint).unwrap().verifying_key().unwrap();
    let answer = Answer::verify(refused["answer"].as_str().unwrap(), &b_key, &third_id).unwrap();
    assert_eq!(answer.status, AnswerStatus::Invalid);
    assert_eq!(moi.get("/api/v1/inbox").await["total"], 2, "the retried letter arrived, the tampered one not");

    // Both logs verify.
    a.stop();
    b.stop();
    for node in [&a, &b] {
        let out = node.command().args(["audit", "verify"]).output().unwrap();
        assert!(out.status.success(), "{}: {}", node.url, String::from_utf8_lossy(&out.stdout));
    }
    drop(a_db);
    drop_postgres(&pg_server, &pg_name).await;
}
