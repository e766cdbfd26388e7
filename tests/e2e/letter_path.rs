//! The whole life of a letter: the OPS sends to two departments, one receives, one rejects, and the
//! OPS sees both outcomes with receipts that verify with our verifier and with a JOSE library.

use crate::support::{Backend, TestApp, on_both};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both!(send_receive_reject_track, idempotent_send, registers_and_csv, recall_before_receipt, documents_and_envelope);

async fn send_receive_reject_track(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let cgd = app.sign_in("clerk.cgd").await;
    let rd = app.sign_in("clerk.rd").await;

    let letter = app.send_letter(&ops, &["กค 0400", "กค 0700"]).await;
    assert_eq!(letter["number"], "กค 0100/1");
    assert_eq!(letter["letter_date_th"], "25 พฤศจิกายน 2569");
    assert_eq!(letter["recipients"].as_array().unwrap().len(), 2);
    let letter_id = letter["id"].as_str().unwrap();

    // Each department sees the letter in its inbox, delivered.
    let inbox = app.inbox(&cgd, "").await;
    assert_eq!(inbox["total"], 1);
    assert_eq!(inbox["items"][0]["state"], "delivered");
    assert_eq!(inbox["items"][0]["urgency"], "very_urgent");
    assert_eq!(inbox["items"][0]["from"]["code"], "กค 0100");

    let to_cgd = TestApp::delivery_to(&letter, "กค 0400");
    let to_rd = TestApp::delivery_to(&letter, "กค 0700");
    let res = app.receive(&cgd, &to_cgd).await;
    assert_eq!(res.status(), StatusCode::OK);
    let received: Value = res.json().await.unwrap();
    assert_eq!(received["delivery"]["receive_number"], "1/2569");
    assert_eq!(received["delivery"]["decided_by"], "clerk.cgd");

    let res = app.reject(&rd, &to_rd, "ส่งผิดหน่วยงาน เรื่องนี้เป็นของกรมบัญชีกลาง").await;
    assert_eq!(res.status(), StatusCode::OK);
    let rejected: Value = res.json().await.unwrap();
    assert_eq!(rejected["delivery"]["state"], "rejected");

    // The sender's tracking view shows both outcomes.
    let tracked: Value = app.get(&ops, &format!("/api/v1/letters/{letter_id}")).await.json().await.unwrap();
    let states: Vec<(String, String)> = tracked["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["office"]["code"].as_str().unwrap().to_owned(), r["state"].as_str().unwrap().to_owned()))
        .collect();
    assert!(states.contains(&("กค 0400".into(), "received".into())));
    assert!(states.contains(&("กค 0700".into(), "rejected".into())));
    let rd_row = tracked["recipients"].as_array().unwrap().iter().find(|r| r["office"]["code"] == "กค 0700").unwrap();
    assert_eq!(rd_row["reason"], "ส่งผิดหน่วยงาน เรื่องนี้เป็นของกรมบัญชีกลาง");

    // A recipient sees only its own delivery.
    let seen_by_cgd: Value = app.get(&cgd, &format!("/api/v1/letters/{letter_id}")).await.json().await.unwrap();
    assert_eq!(seen_by_cgd["recipients"].as_array().unwrap().len(), 1);

    // The sender downloads both receipts; they verify with the published keys.
    let jwks = app.jwks().await;
    let receipt = app.get(&ops, &format!("/api/v1/deliveries/{to_cgd}/receipt")).await;
    assert_eq!(receipt.headers()["content-type"], "application/jose");
    let receipt = receipt.text().await.unwrap();
    assert_eq!(receipt, received["receipt"].as_str().unwrap());
    let jwks_text = jwks.to_string();
    let (lines, ok) = sarabun::verify::verify_receipt(&receipt, &jwks_text);
    assert!(ok, "{lines:?}");
    let rejection = app.get(&ops, &format!("/api/v1/deliveries/{to_rd}/receipt")).await.text().await.unwrap();
    let (_, ok) = sarabun::verify::verify_receipt(&rejection, &jwks_text);
    assert!(ok);

    // And with an independent JOSE library given only the JWK Set.
    let claims = jose_verify(&receipt, &jwks, "sarabun-receipt+jws");
    assert_eq!(claims["decision"], "received");
    assert_eq!(claims["receive_number"], "1/2569");
    assert_eq!(claims["recipient"], "กค 0400");
    assert_eq!(claims["letter_id"], letter_id);
    assert_eq!(claims["envelope_sha256"], tracked["envelope_sha256"]);
    let claims = jose_verify(&rejection, &jwks, "sarabun-rejection+jws");
    assert_eq!(claims["decision"], "rejected");
    let envelope = app.get(&cgd, &format!("/api/v1/letters/{letter_id}/envelope")).await.text().await.unwrap();
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
    let ops = app.sign_in("clerk.ops").await;
    let sha = app.upload_pdf(&ops, crate::support::invitation_pdf()).await;
    let body = app.letter(&sha, &["กค 0400"]);
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
    crate::support::expect_error(
        send("send-1", other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;

    let cgd = app.sign_in("clerk.cgd").await;
    assert_eq!(app.inbox(&cgd, "").await["total"], 2, "two keys, two letters");
}

async fn registers_and_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let cgd = app.sign_in("clerk.cgd").await;
    let mut circular =
        app.letter(&app.upload_pdf(&ops, crate::support::invitation_pdf()).await, &["กค 0400", "กค 0700"]);
    circular["series"] = json!("circular");
    let res = app.post(&ops, "/api/v1/letters", circular).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let circular: Value = res.json().await.unwrap();
    assert_eq!(circular["number"], "กค 0100/ว 1");
    let normal = app.send_letter(&ops, &["กค 0400"]).await;
    assert_eq!(normal["number"], "กค 0100/1", "each series counts on its own");
    app.receive(&cgd, &TestApp::delivery_to(&normal, "กค 0400")).await;

    let send_register: Value = app.get(&ops, "/api/v1/registers/send/2569").await.json().await.unwrap();
    let numbers: Vec<&str> =
        send_register.as_array().unwrap().iter().map(|e| e["letter_number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["กค 0100/1", "กค 0100/ว 1"]);

    let csv = app.get(&cgd, "/api/v1/registers/receive/2569?format=csv").await;
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
    crate::support::expect_error(
        app.get(&cgd, "/api/v1/registers/send/2569?office=กค%200100").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let auditor = app.sign_in("auditor").await;
    let res = app.get(&auditor, "/api/v1/registers/receive/2569?office=กค%200400").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap().as_array().unwrap().len(), 1);
}

async fn recall_before_receipt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let cgd = app.sign_in("clerk.cgd").await;
    let letter = app.send_letter(&ops, &["กค 0400", "กค 0700"]).await;
    let id = letter["id"].as_str().unwrap();
    let res = app.recall(&ops, id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let recalled: Value = res.json().await.unwrap();
    assert_eq!(recalled["state"], "recalled");
    assert!(recalled["recipients"].as_array().unwrap().iter().all(|r| r["state"] == "recalled"));
    let inbox = app.inbox(&cgd, "?state=recalled").await;
    assert_eq!(inbox["total"], 1);
    crate::support::expect_error(app.recall(&ops, id).await, StatusCode::CONFLICT, "letter_recalled").await;

    // After a receipt, recall is refused and nothing changes.
    let letter = app.send_letter(&ops, &["กค 0400", "กค 0700"]).await;
    app.receive(&cgd, &TestApp::delivery_to(&letter, "กค 0400")).await;
    crate::support::expect_error(
        app.recall(&ops, letter["id"].as_str().unwrap()).await,
        StatusCode::CONFLICT,
        "already_received",
    )
    .await;
    let after: Value =
        app.get(&ops, &format!("/api/v1/letters/{}", letter["id"].as_str().unwrap())).await.json().await.unwrap();
    assert_eq!(after["state"], "sent");
    let rd_row = after["recipients"].as_array().unwrap().iter().find(|r| r["office"]["code"] == "กค 0700").unwrap();
    assert_eq!(rd_row["state"], "delivered");
}

async fn documents_and_envelope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let cgd = app.sign_in("clerk.cgd").await;
    let body_sha = app.upload_pdf(&ops, crate::support::invitation_pdf()).await;
    let res = app.upload(&ops, "งบประมาณ.csv", "รายการ,จำนวน\n".as_bytes().to_vec(), "text/csv").await;
    let enclosure: Value = res.json().await.unwrap();
    // Sniffed, not declared: a CSV is bytes to download.
    assert_eq!(enclosure["media_type"], "application/octet-stream");
    let mut body = app.letter(&body_sha, &["กค 0400"]);
    body["enclosure_sha256"] = json!([enclosure["sha256"]]);
    body["enclosures_note"] = json!("ตารางงบประมาณ 1 ชุด");
    body["deadline"] = json!("2026-11-26T03:00:00Z");
    let letter: Value = app.post(&ops, "/api/v1/letters", body).await.json().await.unwrap();
    let id = letter["id"].as_str().unwrap();
    assert_eq!(letter["documents"].as_array().unwrap().len(), 2);

    let pdf = app.get(&cgd, &format!("/api/v1/letters/{id}/documents/0")).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.bytes().await.unwrap().as_ref(), crate::support::invitation_pdf().as_slice());
    let csv = app.get(&cgd, &format!("/api/v1/letters/{id}/documents/1")).await;
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(csv.text().await.unwrap(), "รายการ,จำนวน\n");

    // Past the deadline and still unhandled: overdue for sender and recipient.
    app.clock.advance(chrono::Duration::days(2));
    let (ops, cgd) = (app.sign_in("clerk.ops").await, app.sign_in("clerk.cgd").await);
    let inbox = app.inbox(&cgd, "").await;
    assert_eq!(inbox["items"][0]["overdue"], true);
    let tracked: Value = app.get(&ops, &format!("/api/v1/letters/{id}")).await.json().await.unwrap();
    assert_eq!(tracked["recipients"][0]["overdue"], true);

    // Inbox filters.
    assert_eq!(app.inbox(&cgd, "?urgency=most_urgent").await["total"], 0);
    assert_eq!(app.inbox(&cgd, "?urgency=very_urgent").await["total"], 1);
    assert_eq!(
        app.inbox(&cgd, "?q=%E0%B8%9B%E0%B8%A3%E0%B8%B0%E0%B8%8A%E0%B8%B8%E0%B8%A1").await["total"],
        1,
        "ประชุม in the subject"
    );
    assert_eq!(app.inbox(&cgd, "?q=0100/1").await["total"], 1, "letter number");
    assert_eq!(app.inbox(&cgd, "?from=%E0%B8%81%E0%B8%84%200100").await["total"], 1);
    assert_eq!(app.inbox(&cgd, "?since=2026-11-26T00:00:00Z").await["total"], 0);
    assert_eq!(app.inbox(&cgd, "?state=received").await["total"], 0);
    let res = app.get(&cgd, "/api/v1/inbox?from=%E0%B8%81%E0%B8%84%209999").await;
    crate::support::expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
}
