//! Who may see and do what: no session, another office, an auditor, an uncleared clerk, and forged
//! signatures.

use crate::support::{Backend, TestApp, User, expect_error, on_both};
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
    let forged = User { username: "nobody".into(), token: "not-a-session".into() };
    expect_error(app.get(&forged, "/api/v1/inbox").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
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
    let ops = app.sign_in("clerk.ops").await;
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
    expect_error(app.get(&ops, "/api/v1/me").await, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // The public endpoints stay public.
    assert_eq!(app.http.get(app.url("/.well-known/jwks.json")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().status(), StatusCode::OK);
}

async fn offices_see_only_their_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let cgd = app.sign_in("clerk.cgd").await;
    let customs = app.sign_in("clerk.customs").await;
    let letter = app.send_letter(&ops, &["กค 0400"]).await;
    let id = letter["id"].as_str().unwrap();
    let delivery = TestApp::delivery_to(&letter, "กค 0400");

    assert_eq!(app.inbox(&customs, "").await["total"], 0, "another office's inbox stays closed");
    expect_error(app.get(&customs, &format!("/api/v1/letters/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(
        app.get(&customs, &format!("/api/v1/letters/{id}/documents/0")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        app.get(&customs, &format!("/api/v1/letters/{id}/envelope")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(app.receive(&customs, &delivery).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(app.reject(&customs, &delivery, "ไม่ใช่").await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(app.recall(&cgd, id).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.inbox(&cgd, "?state=delivered").await["total"], 1, "nothing happened to it");

    // An executive reads the office's letters but cannot receive them.
    let exec = app.sign_in("exec.ops").await;
    assert_eq!(app.get(&exec, &format!("/api/v1/letters/{id}")).await.status(), StatusCode::OK);
    let letter2 = app.send_letter(&cgd, &["กค 0100"]).await;
    expect_error(
        app.receive(&exec, &TestApp::delivery_to(&letter2, "กค 0100")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(
        app.post(&exec, "/api/v1/letters", app.letter("00", &["กค 0400"])).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

async fn auditor_reads_but_never_acts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let auditor = app.sign_in("auditor").await;
    let letter = app.send_letter(&ops, &["กค 0400", "กค 0700"]).await;
    let id = letter["id"].as_str().unwrap();
    let seen: Value = app.get(&auditor, &format!("/api/v1/letters/{id}")).await.json().await.unwrap();
    assert_eq!(seen["recipients"].as_array().unwrap().len(), 2, "auditors see every recipient");
    let delivery = TestApp::delivery_to(&letter, "กค 0400");
    expect_error(app.receive(&auditor, &delivery).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(app.reject(&auditor, &delivery, "x").await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(app.recall(&auditor, id).await, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(
        app.post(&auditor, "/api/v1/letters", app.letter("00", &["กค 0400"])).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let res = app.upload(&auditor, "x.pdf", crate::support::invitation_pdf(), "application/pdf").await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .post(
            &auditor,
            "/api/v1/offices",
            json!({"code": "กค 0999", "name_th": "x", "name_en": "x", "inbox_email": "x@x"}),
        )
        .await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;

    // The system admin manages the directory, and a new office's key is published at once.
    let admin = app.sign_in("admin").await;
    let res = app.post(&admin, "/api/v1/offices", json!({"code": "กค 0900", "name_th": "สำนักงานคณะกรรมการนโยบายรัฐวิสาหกิจ", "name_en": "State Enterprise Policy Office", "parent": "กค 0100", "inbox_email": "saraban@sepo.example.go.th"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(app.jwks().await["keys"].as_array().unwrap().iter().any(|k| k["office"] == "กค 0900"));
    let res = app
        .post(
            &admin,
            "/api/v1/offices",
            json!({"code": "กค 0900", "name_th": "ซ้ำ", "name_en": "dup", "inbox_email": "x@x"}),
        )
        .await;
    expect_error(res, StatusCode::CONFLICT, "duplicate").await;
    expect_error(app.get(&admin, "/api/v1/inbox").await, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn secret_letters_reach_only_the_cleared(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let admin = app.sign_in("admin").await;
    // A department with one uncleared clerk and one cleared for secret letters.
    for (username, clearance) in [("clerk2.cgd", "none"), ("secret.cgd", "secret")] {
        app.create_user(&admin, json!({"office": "กค 0400", "username": username, "full_name": "ทดสอบ", "position": "เจ้าพนักงานธุรการ", "email": "t@x.example", "password": "sarabun-demo", "roles": ["clerk"], "clearance": clearance}))
            .await;
    }
    let uncleared = app.sign_in("clerk2.cgd").await;
    let cleared = app.sign_in("secret.cgd").await;

    let sha = app.upload_pdf(&ops, crate::support::invitation_pdf()).await;
    let mut body = app.letter(&sha, &["กค 0400"]);
    body["secrecy"] = json!("confidential");
    let letter: Value = app.post(&ops, "/api/v1/letters", body).await.json().await.unwrap();
    let id = letter["id"].as_str().unwrap();
    let delivery = TestApp::delivery_to(&letter, "กค 0400");

    assert_eq!(app.inbox(&uncleared, "").await["total"], 0, "the uncleared clerk does not see it");
    expect_error(app.get(&uncleared, &format!("/api/v1/letters/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(
        app.get(&uncleared, &format!("/api/v1/letters/{id}/documents/0")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(app.receive(&uncleared, &delivery).await, StatusCode::NOT_FOUND, "not_found").await;

    assert_eq!(app.inbox(&cleared, "").await["total"], 1);
    assert_eq!(app.receive(&cleared, &delivery).await.status(), StatusCode::OK);

    // The receive register keeps the line, but only the cleared see the subject.
    let lines: Value = app.get(&uncleared, "/api/v1/registers/receive/2569").await.json().await.unwrap();
    assert_eq!(lines[0]["subject"], "(ลับ)");
    let lines: Value = app.get(&cleared, "/api/v1/registers/receive/2569").await.json().await.unwrap();
    assert_eq!(lines[0]["subject"], letter["subject"]);

    // Nobody sends a letter above their own clearance: they could not read it back.
    let mut body = app.letter(&sha, &["กค 0400"]);
    body["secrecy"] = json!("top_secret");
    let before = app.row_counts().await;
    expect_error(app.post(&ops, "/api/v1/letters", body).await, StatusCode::FORBIDDEN, "insufficient_clearance").await;
    assert_eq!(app.row_counts().await, before);
}

async fn forged_signatures_fail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let cgd = app.sign_in("clerk.cgd").await;
    let letter = app.send_letter(&ops, &["กค 0400"]).await;
    let res: Value = app.receive(&cgd, &TestApp::delivery_to(&letter, "กค 0400")).await.json().await.unwrap();
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
    let envelope = app
        .get(&ops, &format!("/api/v1/letters/{}/envelope", letter["id"].as_str().unwrap()))
        .await
        .text()
        .await
        .unwrap();
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
