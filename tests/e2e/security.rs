//! Who may see and do what: no session, another office, an auditor, an uncleared clerk, and forged
//! signatures.

use crate::support::{Backend, TestApp, expect_error, on_both};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both!(
    unauthenticated_requests_get_401,
    offices_see_only_their_own,
    auditor_reads_but_never_acts,
    secret_letters_reach_only_the_cleared,
    forged_signatures_fail
);

async fn unauthenticated_requests_get_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (method, path) in [
        ("GET", "/api/v1/inbox"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/sent"),
        ("GET", "/api/v1/offices"),
        ("POST", "/api/v1/letters"),
        ("POST", "/api/v1/documents"),
        ("POST", "/api/v1/deliveries/x/receive"),
        ("GET", "/api/v1/registers/receive/2569"),
    ] {
        let req = app.http.request(method.parse().unwrap(), app.url(path));
        expect_error(req.send().await.unwrap(), StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let forged = app.stranger("not-a-session");
    expect_error(forged.get("/api/v1/inbox").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let res = app
        .http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "clerk.ops", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    let res = app
        .http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "no.such.user", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::UNAUTHORIZED, "bad_credentials").await;

    // Signing out ends the session; the cookie works like the bearer token.
    let ops = app.clerk("clerk.ops").await;
    let res = app
        .http
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("sarabun_session={}", ops.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.http.delete(app.url("/api/v1/session")).bearer_auth(&ops.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_error(ops.get("/api/v1/me").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // The public endpoints stay public.
    assert_eq!(app.http.get(app.url("/.well-known/jwks.json")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().status(), StatusCode::OK);
}

async fn offices_see_only_their_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let customs = app.clerk("clerk.customs").await;
    let letter = ops.send(&["กค 0400"]).await;
    let id = letter.id.as_str();
    let delivery = letter.delivery_to("กค 0400");

    assert_eq!(customs.inbox("").await.total, 0, "another office's inbox stays closed");
    expect_error(customs.get(&format!("/api/v1/letters/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(customs.get(&format!("/api/v1/letters/{id}/documents/0")).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    expect_error(customs.get(&format!("/api/v1/letters/{id}/envelope")).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    expect_error(customs.try_receive(&delivery).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(customs.try_reject(&delivery, "ไม่ใช่").await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(cgd.try_recall(id).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(cgd.inbox("?state=delivered").await.total, 1, "nothing happened to it");

    // An executive reads the office's letters but cannot receive them.
    let exec = app.executive("exec.ops").await;
    assert_eq!(exec.get(&format!("/api/v1/letters/{id}")).await.status(), StatusCode::OK);
    let letter2 = cgd.send(&["กค 0100"]).await;
    expect_error(exec.try_receive(&letter2.delivery_to("กค 0100")).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(
        exec.post("/api/v1/letters", crate::support::letter_body("00", &["กค 0400"])).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

async fn auditor_reads_but_never_acts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let auditor = app.auditor("auditor").await;
    let letter = ops.send(&["กค 0400", "กค 0700"]).await;
    let id = letter.id.as_str();
    let seen: Value = auditor.get(&format!("/api/v1/letters/{id}")).await.json().await.unwrap();
    assert_eq!(seen["recipients"].as_array().unwrap().len(), 2, "auditors see every recipient");
    let delivery = letter.delivery_to("กค 0400");
    expect_error(auditor.try_receive(&delivery).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(auditor.try_reject(&delivery, "x").await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(auditor.try_recall(id).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(
        auditor.post("/api/v1/letters", crate::support::letter_body("00", &["กค 0400"])).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let res = auditor.upload("x.pdf", crate::support::invitation_pdf(), "application/pdf").await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = auditor
        .post("/api/v1/offices", json!({"code": "กค 0999", "name_th": "x", "name_en": "x", "inbox_email": "x@x"}))
        .await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;

    // The system admin manages the directory, and a new office's key is published at once.
    let admin = app.admin("admin").await;
    let res = admin.post("/api/v1/offices", json!({"code": "กค 0900", "name_th": "สำนักงานคณะกรรมการนโยบายรัฐวิสาหกิจ", "name_en": "State Enterprise Policy Office", "parent": "กค 0100", "inbox_email": "saraban@sepo.example.go.th"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(app.jwks().await["keys"].as_array().unwrap().iter().any(|k| k["office"] == "กค 0900"));
    let res = admin
        .post("/api/v1/offices", json!({"code": "กค 0900", "name_th": "ซ้ำ", "name_en": "dup", "inbox_email": "x@x"}))
        .await;
    expect_error(res, StatusCode::CONFLICT, "duplicate").await;
    expect_error(admin.get("/api/v1/inbox").await, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn secret_letters_reach_only_the_cleared(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let admin = app.admin("admin").await;
    // A department with one uncleared clerk and one cleared for secret letters.
    for (username, clearance) in [("clerk2.cgd", "none"), ("secret.cgd", "secret")] {
        admin.create_user(json!({"office": "กค 0400", "username": username, "full_name": "ทดสอบ", "position": "เจ้าพนักงานธุรการ", "email": "t@x.example", "password": "sarabun-demo", "roles": ["clerk"], "clearance": clearance}))
            .await;
    }
    let uncleared = app.sign_in("clerk2.cgd").await;
    let cleared = app.clerk("secret.cgd").await;

    let sha = ops.upload_pdf(crate::support::invitation_pdf()).await;
    let mut body = crate::support::letter_body(&sha, &["กค 0400"]);
    body["secrecy"] = json!("confidential");
    let letter: Value = ops.post("/api/v1/letters", body).await.json().await.unwrap();
    let id = letter["id"].as_str().unwrap();
    let delivery = crate::support::delivery_to(&letter, "กค 0400");

    assert_eq!(uncleared.inbox("").await.total, 0, "the uncleared clerk does not see it");
    expect_error(uncleared.get(&format!("/api/v1/letters/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(uncleared.get(&format!("/api/v1/letters/{id}/documents/0")).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    expect_error(uncleared.try_receive(&delivery).await, StatusCode::NOT_FOUND, "not_found").await;

    assert_eq!(cleared.inbox("").await.total, 1);
    cleared.receive(&delivery).await;

    // The receive register keeps the line, but only the cleared see the subject.
    let lines: Value = uncleared.get("/api/v1/registers/receive/2569").await.json().await.unwrap();
    assert_eq!(lines[0]["subject"], "(ลับ)");
    let lines: Value = cleared.get("/api/v1/registers/receive/2569").await.json().await.unwrap();
    assert_eq!(lines[0]["subject"], letter["subject"]);

    // Nobody sends a letter above their own clearance: they could not read it back.
    let mut body = crate::support::letter_body(&sha, &["กค 0400"]);
    body["secrecy"] = json!("top_secret");
    let before = app.row_counts().await;
    expect_error(ops.post("/api/v1/letters", body).await, StatusCode::FORBIDDEN, "insufficient_clearance").await;
    assert_eq!(app.row_counts().await, before);
}

async fn forged_signatures_fail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400"]).await;
    let res: Value = cgd.try_receive(&letter.delivery_to("กค 0400")).await.json().await.unwrap();
    let receipt = res["receipt"].as_str().unwrap();
    let jwks = app.jwks().await.to_string();
    let set: sarabun_signing::Jwks = serde_json::from_str(&jwks).unwrap();

    // Change the receive number in the payload, keep the signature.
    let parts: Vec<&str> = receipt.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["receive_number"] = json!("2/2569");
    let tampered =
        format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap()), parts[2]);
    let (lines, ok) = sarabun::verify::verify_receipt(&tampered, &jwks);
    assert!(!ok, "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("FAIL")));

    // Flip one bit of the envelope's signature.
    let envelope = ops.get(&format!("/api/v1/letters/{}/envelope", letter.id.as_str())).await.text().await.unwrap();
    assert!(sarabun_signing::jws::verify_envelope(&envelope, &set).is_ok());
    let mut sig = URL_SAFE_NO_PAD.decode(envelope.rsplit('.').next().unwrap()).unwrap();
    sig[10] ^= 1;
    let head = &envelope[..envelope.rfind('.').unwrap()];
    let forged = format!("{head}.{}", URL_SAFE_NO_PAD.encode(sig));
    assert!(sarabun_signing::jws::verify_envelope(&forged, &set).is_err());

    // A receipt signed by the wrong office's key: the recipient claims กค 0400, the key is the OPS's.
    let mut wrong = set.clone();
    let cgd_key = wrong.keys.iter().position(|k| k.office == "กค 0400").unwrap();
    let ops_key = wrong.keys.iter().find(|k| k.office == "กค 0100").unwrap().clone();
    wrong.keys[cgd_key].office = "กค 9999".into();
    assert!(sarabun_signing::jws::verify_receipt(receipt, &wrong).is_err(), "the key must belong to the recipient");
    assert_ne!(ops_key.kid, set.keys[cgd_key].kid);
}
