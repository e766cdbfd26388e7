//! The whole life of a letter: the OPS sends to two departments, one receives, one rejects, and the
//! OPS sees both outcomes with receipts that verify with our verifier and with a JOSE library.

use crate::support::answers::Letter;
use crate::support::{Backend, TestApp, expect_error, invitation_pdf, letter_body, on_both};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both!(send_receive_reject_track, idempotent_send, registers_and_csv, recall_before_receipt, documents_and_envelope);

async fn send_receive_reject_track(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let rd = app.clerk("clerk.rd").await;

    let letter = ops.send(&["กค 0400", "กค 0700"]).await;
    assert_eq!(letter.number, "กค 0100/1");
    assert_eq!(letter.letter_date_th, "25 พฤศจิกายน 2569");
    assert_eq!(letter.recipients.len(), 2);
    let letter_id = letter.id.as_str();

    // Each department sees the letter in its inbox, delivered.
    let inbox = cgd.inbox("").await;
    assert_eq!(inbox.total, 1);
    assert_eq!(inbox.items[0].state, "delivered");
    assert_eq!(inbox.items[0].urgency, "very_urgent");
    assert_eq!(inbox.items[0].from.code, "กค 0100");

    let to_cgd = letter.delivery_to("กค 0400");
    let to_rd = letter.delivery_to("กค 0700");
    let received = cgd.receive(&to_cgd).await;
    assert_eq!(received.delivery.receive_number.as_deref(), Some("1/2569"));
    assert_eq!(received.delivery.decided_by.as_deref(), Some("clerk.cgd"));

    let rejected = rd.reject(&to_rd, "ส่งผิดหน่วยงาน เรื่องนี้เป็นของกรมบัญชีกลาง").await;
    assert_eq!(rejected.delivery.state, "rejected");

    // The sender's tracking view shows both outcomes.
    let tracked = ops.letter(letter_id).await;
    assert_eq!(tracked.recipient("กค 0400").state, "received");
    assert_eq!(tracked.recipient("กค 0700").state, "rejected");
    assert_eq!(tracked.recipient("กค 0700").reason.as_deref(), Some("ส่งผิดหน่วยงาน เรื่องนี้เป็นของกรมบัญชีกลาง"));

    // A recipient sees only its own delivery.
    assert_eq!(cgd.letter(letter_id).await.recipients.len(), 1);

    // The sender downloads both receipts; they verify with the published keys.
    let jwks = app.jwks().await;
    let receipt = ops.get(&format!("/api/v1/deliveries/{to_cgd}/receipt")).await;
    assert_eq!(receipt.headers()["content-type"], "application/jose");
    let receipt = receipt.text().await.unwrap();
    assert_eq!(receipt, received.receipt);
    let jwks_text = jwks.to_string();
    let (lines, ok) = sarabun::verify::verify_receipt(&receipt, &jwks_text);
    assert!(ok, "{lines:?}");
    let rejection = ops.get(&format!("/api/v1/deliveries/{to_rd}/receipt")).await.text().await.unwrap();
    let (_, ok) = sarabun::verify::verify_receipt(&rejection, &jwks_text);
    assert!(ok);

    // And with an independent JOSE library given only the JWK Set.
    let claims = jose_verify(&receipt, &jwks, "sarabun-receipt+jws");
    assert_eq!(claims["decision"], "received");
    assert_eq!(claims["receive_number"], "1/2569");
    assert_eq!(claims["recipient"], "กค 0400");
    assert_eq!(claims["letter_id"], letter_id);
    assert_eq!(claims["envelope_sha256"], tracked.envelope_sha256);
    let claims = jose_verify(&rejection, &jwks, "sarabun-rejection+jws");
    assert_eq!(claims["decision"], "rejected");
    let envelope = cgd.get(&format!("/api/v1/letters/{letter_id}/envelope")).await.text().await.unwrap();
    let claims = jose_verify(&envelope, &jwks, "sarabun-envelope+jws");
    assert_eq!(claims["number"], "กค 0100/1");
    assert_eq!(claims["to"], json!(["กค 0400", "กค 0700"]));
    assert_eq!(claims["documents"][0]["role"], "body");
}

/// Verifies a compact JWS with the `jsonwebtoken` crate, knowing nothing of Sarabun but the JWK Set.
pub fn jose_verify(compact: &str, jwks: &Value, typ: &str) -> Value {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
    let set: JwkSet = serde_json::from_value(jwks.clone()).expect("the JWK Set parses as RFC 7517");
    let header = decode_header(compact).unwrap();
    assert_eq!(header.typ.as_deref(), Some(typ));
    let jwk = set.find(header.kid.as_deref().unwrap()).expect("kid is published");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    decode::<Value>(compact, &key, &validation).expect("signature verifies").claims
}

async fn idempotent_send(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let sha = ops.upload_pdf(invitation_pdf()).await;
    let body = letter_body(&sha, &["กค 0400"]);
    let send = |key: &'static str, body: Value| {
        let (app, ops) = (&app, &ops);
        async move {
            app.http
                .post(app.url("/api/v1/letters"))
                .bearer_auth(&ops.token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send("send-1", body.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send("send-1", body.clone()).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["number"], again["number"]);

    // Racing retries with one key still create one letter.
    let racers: Vec<_> = (0..6).map(|_| send("send-2", body.clone())).collect();
    let results = futures_util::future::join_all(racers).await;
    let mut ids = std::collections::HashSet::new();
    for res in results {
        assert_eq!(res.status(), StatusCode::CREATED);
        ids.insert(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1);

    // The same key with a different body is refused.
    let mut other = body.clone();
    other["subject"] = json!("เรื่องอื่น");
    expect_error(send("send-1", other).await, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;

    let cgd = app.clerk("clerk.cgd").await;
    assert_eq!(cgd.inbox("").await.total, 2, "two keys, two letters");
}

async fn registers_and_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let mut circular = letter_body(&ops.upload_pdf(invitation_pdf()).await, &["กค 0400", "กค 0700"]);
    circular["series"] = json!("circular");
    let res = ops.post("/api/v1/letters", circular).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let circular: Value = res.json().await.unwrap();
    assert_eq!(circular["number"], "กค 0100/ว 1");
    let normal = ops.send(&["กค 0400"]).await;
    assert_eq!(normal.number, "กค 0100/1", "each series counts on its own");
    cgd.receive(&normal.delivery_to("กค 0400")).await;

    let send_register = ops.register("send/2569").await;
    let numbers: Vec<&str> = send_register.iter().map(|e| e.letter_number.as_str()).collect();
    assert_eq!(numbers, ["กค 0100/1", "กค 0100/ว 1"]);

    let csv = cgd.get("/api/v1/registers/receive/2569?format=csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM so Excel reads Thai");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("เลขทะเบียนรับ,วันที่รับ,เวลา,ที่"));
    let row = lines.next().unwrap();
    assert!(row.starts_with("1,25 พฤศจิกายน 2569,10.00 น.,กค 0100/1,"), "{row}");
    assert!(row.contains("สำนักงานปลัดกระทรวงการคลัง"));
    assert!(lines.next().is_none());

    // Another office's register is not for a clerk; the auditor may read it.
    expect_error(cgd.get("/api/v1/registers/send/2569?office=กค%200100").await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    let auditor = app.auditor("auditor").await;
    let res = auditor.get("/api/v1/registers/receive/2569?office=กค%200400").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap().as_array().unwrap().len(), 1);
}

async fn recall_before_receipt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400", "กค 0700"]).await;
    let recalled = ops.recall(&letter.id).await;
    assert_eq!(recalled.state, "recalled");
    assert!(recalled.recipients.iter().all(|r| r.state == "recalled"));
    assert_eq!(cgd.inbox("?state=recalled").await.total, 1);
    expect_error(ops.try_recall(&letter.id).await, StatusCode::CONFLICT, "letter_recalled").await;

    // After a receipt, recall is refused and nothing changes.
    let letter = ops.send(&["กค 0400", "กค 0700"]).await;
    cgd.receive(&letter.delivery_to("กค 0400")).await;
    expect_error(ops.try_recall(&letter.id).await, StatusCode::CONFLICT, "already_received").await;
    let after = ops.letter(&letter.id).await;
    assert_eq!(after.state, "sent");
    assert_eq!(after.recipient("กค 0700").state, "delivered");
}

async fn documents_and_envelope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let body_sha = ops.upload_pdf(invitation_pdf()).await;
    let res = ops.upload("งบประมาณ.csv", "รายการ,จำนวน\n".as_bytes().to_vec(), "text/csv").await;
    let enclosure: Value = res.json().await.unwrap();
    // Sniffed, not declared: a CSV is bytes to download.
    assert_eq!(enclosure["media_type"], "application/octet-stream");
    let mut body = letter_body(&body_sha, &["กค 0400"]);
    body["enclosure_sha256"] = json!([enclosure["sha256"]]);
    body["enclosures_note"] = json!("ตารางงบประมาณ 1 ชุด");
    body["deadline"] = json!("2026-11-26T03:00:00Z");
    let letter: Letter = ops.try_send(body).await.json().await.unwrap();
    let id = letter.id.as_str();
    assert_eq!(letter.documents.len(), 2);

    let pdf = cgd.get(&format!("/api/v1/letters/{id}/documents/0")).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.bytes().await.unwrap().as_ref(), invitation_pdf().as_slice());
    let csv = cgd.get(&format!("/api/v1/letters/{id}/documents/1")).await;
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(csv.text().await.unwrap(), "รายการ,จำนวน\n");

    // Past the deadline and still unhandled: overdue for sender and recipient.
    app.clock.advance(chrono::Duration::days(2));
    let (ops, cgd) = (ops.sign_in_again().await, cgd.sign_in_again().await);
    assert!(cgd.inbox("").await.items[0].overdue);
    assert!(ops.letter(id).await.recipients[0].overdue);

    // Inbox filters.
    assert_eq!(cgd.inbox("?urgency=most_urgent").await.total, 0);
    assert_eq!(cgd.inbox("?urgency=very_urgent").await.total, 1);
    assert_eq!(
        cgd.inbox("?q=%E0%B8%9B%E0%B8%A3%E0%B8%B0%E0%B8%8A%E0%B8%B8%E0%B8%A1").await.total,
        1,
        "ประชุม in the subject"
    );
    assert_eq!(cgd.inbox("?q=0100/1").await.total, 1, "letter number");
    assert_eq!(cgd.inbox("?from=%E0%B8%81%E0%B8%84%200100").await.total, 1);
    assert_eq!(cgd.inbox("?since=2026-11-26T00:00:00Z").await.total, 0);
    assert_eq!(cgd.inbox("?state=received").await.total, 0);
    assert_eq!(cgd.inbox("?from=%E0%B8%81%E0%B8%84%209999").await.total, 0, "no office, no letters from it");
}
