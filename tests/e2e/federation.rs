//! Exchange between two nodes as separate processes: the real `sarabun serve` started twice, node A
//! on SQLite at 127.0.0.2 and node B on PostgreSQL at 127.0.0.3, each with its own data directory and
//! database, pinned to each other. A letter from A's office crosses to B's office and its receipt
//! back; the same message posted again gives one delivery and the same answer; B down for a while,
//! then back, gets the letter by retry; a node nobody pinned is refused; a tampered envelope is
//! refused with a signed invalid answer, which A shows; and both nodes' logs verify.

use crate::support::nodes::{MOI_DIRECTORY, Node, Person, drop_postgres, one_string, postgres_database, two_nodes};
use base64::Engine;
use reqwest::StatusCode;
use sarabun_federation::httpsig::sign_request;
use sarabun_federation::{Answer, AnswerStatus, Message, MessageBody};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::time::Duration;

/// A request with a node's signature fields.
fn signed(req: reqwest::RequestBuilder, h: sarabun_federation::httpsig::SignedHeaders) -> reqwest::RequestBuilder {
    req.header("content-digest", h.content_digest)
        .header("date", h.date)
        .header("signature-input", h.signature_input)
        .header("signature", h.signature)
}

/// A node's own key, unsealed from its database with its master key (to forge its requests).
async fn node_key(node: &Node, db: &sea_orm::DatabaseConnection) -> sarabun_signing::OfficeKey {
    let kid = one_string(db, "SELECT kid FROM node_keys WHERE name = 'federation-node'").await;
    let sealed = one_string(db, "SELECT sealed_private_key FROM node_keys WHERE name = 'federation-node'").await;
    let master = node.env.iter().find(|(k, _)| k == "SARABUN_KEYS__MASTER_KEY").unwrap().1.clone();
    sarabun_signing::MasterKey::from_base64(&master).unwrap().open(&kid, &sealed).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_exchange_a_letter_and_its_receipt() {
    let (mut a, mut b, _dir, a_url, (pg_server, pg_name)) = two_nodes().await;
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
    let message: Message = serde_json::from_str(&body).unwrap();
    assert!(matches!(&message.body, MessageBody::Letter { documents, .. } if documents.len() == 1), "{body}");
    let node_key = node_key(&a, &a_db).await;
    let b_messages = format!("{}/federation/v1/messages", b.url);
    let replay_body = body.clone().into_bytes();
    let post = |body: Vec<u8>, key: ed25519_dalek::SigningKey| {
        let url = b_messages.clone();
        async move {
            let h = sign_request("POST", &url, &body, sarabun_domain::Clock::now(&sarabun_domain::SystemClock), &key);
            signed(reqwest::Client::new().post(&url).header("content-type", "application/json"), h)
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

/// The connection cut mid-document: A reaches B only through a proxy that cuts the first upload
/// after 800 KiB. The next attempt asks B how much it holds and sends only the rest; the letter
/// arrives once, is received as number 1, and both logs verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_cut_mid_upload_resumes_where_it_stood() {
    use crate::support::nodes::{CuttingProxy, padded_pdf};
    use std::sync::atomic::Ordering::SeqCst;
    const CHUNK: u64 = 256 * 1024;
    const CUT_AFTER: u64 = 800 * 1024;
    let (pg_server, pg_name) = postgres_database().await;
    let sqlite_dir = tempfile::tempdir().unwrap();
    let a_url = format!("sqlite://{}?mode=rwc", sqlite_dir.path().join("a.db").display());
    let mut a = Node::prepare("127.0.0.2", &a_url, &sarabun::demo::Directory::demo()).await;
    let b_directory = sarabun::demo::Directory::parse(MOI_DIRECTORY).unwrap();
    let mut b = Node::prepare("127.0.0.3", &format!("{pg_server}/{pg_name}"), &b_directory).await;
    // B is reached at the proxy: its description names the proxy as its endpoint, and A pins it there.
    let proxy = CuttingProxy::start(&b.url, CUT_AFTER).await;
    b.set("SARABUN_FEDERATION__ENDPOINT", &proxy.url);
    a.set("SARABUN_FEDERATION__PEER_LIST", &format!("{}@{}", b.fingerprint, proxy.url));
    a.set("SARABUN_FEDERATION__CHUNK_BYTES", &CHUNK.to_string());
    b.pin(&a);
    a.start().await;
    b.start().await;
    let ops = Person::sign_in(&a, "clerk.ops").await;
    let moi = Person::sign_in(&b, "clerk.moi").await;
    Person::sign_in(&a, "admin").await.wait_peer_offices().await;
    Person::sign_in(&b, "admin.moi").await.wait_peer_offices().await;

    let pdf = padded_pdf(3 * 1024 * 1024);
    let size = pdf.len() as u64;
    let before = proxy.forwarded.load(SeqCst);
    let letter = ops.send_pdf("มท 0200", "หนังสือพร้อมเอกสารขนาดใหญ่", pdf.clone()).await;
    let arrived = ops.wait_exchange(&letter, "at_peer").await;
    assert!(proxy.cut.load(SeqCst), "the proxy cut the upload");
    assert!(arrived["attempts"].as_i64().unwrap() >= 2, "the first attempt failed: {arrived}");
    // Resumed, not restarted: what went through is the document, at most the one chunk that was on
    // the wire when the connection was cut, and the requests' headers — not the 800 KiB again.
    let sent = proxy.forwarded.load(SeqCst) - before;
    eprintln!("through the proxy: {sent} bytes for a document of {size} (cut after {CUT_AFTER})");
    assert!(sent < size + CHUNK + 192 * 1024, "{sent} bytes forwarded for a document of {size}");

    // Exactly once in B's inbox, with the very bytes; received as number 1.
    let inbox = moi.get("/api/v1/inbox").await;
    assert_eq!(inbox["total"], 1, "{inbox}");
    let delivery = inbox["items"][0]["delivery_id"].as_str().unwrap().to_owned();
    let document = moi
        .http
        .get(format!("{}/api/v1/letters/{letter}/documents/0", b.url))
        .bearer_auth(&moi.token)
        .send()
        .await
        .unwrap();
    assert_eq!(document.bytes().await.unwrap().as_ref(), pdf.as_slice());
    let (status, received) = moi.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{received}");
    assert_eq!(ops.wait_exchange(&letter, "received").await["receive_number"], "1/2569");
    let register = moi.get("/api/v1/registers/receive/2569").await;
    let numbers: Vec<&str> = register.as_array().unwrap().iter().map(|l| l["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["1/2569"]);

    // Signed as A, straight to B: a chunk that does not start where B stands is refused with where
    // it stands; a document whose bytes are not its digest is discarded.
    let a_db = Database::connect(&a_url).await.unwrap();
    let key = node_key(&a, &a_db).await.signing_key().clone();
    drop(a_db);
    let put = |sha: String, range: &'static str, body: &'static [u8]| {
        let (key, target, direct) = (
            key.clone(),
            format!("{}/federation/v1/documents/{sha}", proxy.url),
            format!("{}/federation/v1/documents/{sha}", b.url),
        );
        async move {
            let now = sarabun_domain::Clock::now(&sarabun_domain::SystemClock);
            let h = sarabun_federation::httpsig::sign_request_with_range("PUT", &target, body, Some(range), now, &key);
            signed(reqwest::Client::new().put(direct).header("content-range", range), h)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let forged = sarabun_signing::sha256_hex(b"another document");
    let res = put(forged.clone(), "bytes 4-7/10", b"-1.7").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(res.headers()["upload-offset"], "0");
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "upload_offset_mismatch");
    assert_eq!(
        put(forged.clone(), "bytes 0-3/10", b"%PDF").await.json::<Value>().await.unwrap(),
        json!({"held": 4, "complete": false})
    );
    let res = put(forged.clone(), "bytes 4-9/10", b"-1.7 x").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "document_digest_mismatch");
    let res = put(forged, "bytes 4-9/10", b"-1.7 x").await;
    assert_eq!(res.headers()["upload-offset"], "0", "the staging was discarded");

    a.stop();
    b.stop();
    for node in [&a, &b] {
        let out = node.command().args(["audit", "verify"]).output().unwrap();
        assert!(out.status.success(), "{}: {}", node.url, String::from_utf8_lossy(&out.stdout));
    }
    drop_postgres(&pg_server, &pg_name).await;
}
