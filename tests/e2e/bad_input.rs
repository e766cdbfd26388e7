//! Bad input gets a clear 4xx with a stable code, and the database is left exactly as it was.

use crate::support::{Backend, TestApp, expect_error, on_both};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both!(refused_letters_change_nothing, uploads_are_checked, double_decisions_conflict);

async fn refused_letters_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let pdf = ops.upload_pdf(crate::support::invitation_pdf()).await;
    let text = ops.upload("notes.txt", b"not a pdf at all".to_vec(), "application/pdf").await;
    assert_eq!(text.status(), StatusCode::CREATED);
    let text: Value = text.json().await.unwrap();
    assert_eq!(text["media_type"], "application/octet-stream", "a file claiming to be a PDF is sniffed");
    let before = app.row_counts().await;

    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (json!({"body_sha256": text["sha256"]}), StatusCode::UNPROCESSABLE_ENTITY, "body_not_pdf"),
        (json!({"recipients": ["กค 9999"]}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_recipient"),
        (json!({"recipients": ["Revenue"]}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_recipient"),
        (json!({"recipients": ["กค 0400", "กค 9999"]}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_recipient"),
        (json!({"recipients": []}), StatusCode::UNPROCESSABLE_ENTITY, "no_recipients"),
        (json!({"recipients": ["กค 0100"]}), StatusCode::UNPROCESSABLE_ENTITY, "self_recipient"),
        (json!({"subject": "ก".repeat(501)}), StatusCode::UNPROCESSABLE_ENTITY, "subject_too_long"),
        (json!({"subject": "   "}), StatusCode::UNPROCESSABLE_ENTITY, "subject_empty"),
        (json!({"subject": "a\u{7}b"}), StatusCode::UNPROCESSABLE_ENTITY, "subject_invalid"),
        (json!({"body_sha256": "ab".repeat(32)}), StatusCode::UNPROCESSABLE_ENTITY, "unknown_document"),
        (json!({"urgency": "whenever"}), StatusCode::BAD_REQUEST, "invalid_json"),
        (json!({"kind": null}), StatusCode::BAD_REQUEST, "invalid_json"),
        (json!({"deadline": "2020-01-01T00:00:00Z"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
        (json!({"addressee": ""}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field"),
    ];
    for (change, status, code) in cases {
        let res = ops.post("/api/v1/letters", crate::support::letter_body_with(&pdf, &["กค 0400"], change)).await;
        expect_error(res, status, code).await;
    }

    // Invalid UTF-8 and not-JSON bodies.
    let mut raw = br#"{"kind":"external","subject":""#.to_vec();
    raw.extend_from_slice(&[0xff, 0xfe]);
    raw.extend_from_slice(br#""}"#);
    let res = app
        .http
        .post(app.url("/api/v1/letters"))
        .bearer_auth(&ops.token)
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    expect_error(res, StatusCode::BAD_REQUEST, "invalid_json").await;
    let res = app.http.post(app.url("/api/v1/letters")).bearer_auth(&ops.token).body("hello").send().await.unwrap();
    expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;

    assert_eq!(app.row_counts().await, before, "no refused request wrote anything");

    // And the next good letter still gets number 1: nothing was burnt.
    let letter = ops.send(&["กค 0400"]).await;
    assert_eq!(letter.number, "กค 0100/1");
}

async fn uploads_are_checked(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.uploads.max_bytes = 64 * 1024).await;
    let ops = app.clerk("clerk.ops").await;
    // Just over the limit: the node answers as soon as the limit is passed and then closes, and a
    // body many times the limit could still be in the client's send buffer then (a broken pipe
    // instead of the answer). One that fits the loopback buffers is always answered.
    let res = ops.upload("big.pdf", sarabun::bench::synthetic_pdf(80 * 1024, 1), "application/pdf").await;
    expect_error(res, StatusCode::PAYLOAD_TOO_LARGE, "upload_too_large").await;
    let small = ops.upload("small.pdf", sarabun::bench::synthetic_pdf(30 * 1024, 2), "application/pdf").await;
    assert_eq!(small.status(), StatusCode::CREATED);
    let staging = app.settings.storage.data_dir.join("blobs").join("staging");
    assert_eq!(std::fs::read_dir(staging).unwrap().count(), 0, "the refused upload left nothing behind");

    // A multipart request without a `file` part, and a truncated PDF as body.
    let form = reqwest::multipart::Form::new().text("other", "x");
    let res = app.http.post(app.url("/api/v1/documents")).bearer_auth(&ops.token).multipart(form).send().await.unwrap();
    expect_error(res, StatusCode::BAD_REQUEST, "missing_file").await;
    let mut truncated = crate::support::invitation_pdf();
    truncated.truncate(truncated.len() / 2);
    let res = ops.upload("cut.pdf", truncated, "application/pdf").await;
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["media_type"], "application/octet-stream");
    let res =
        ops.post("/api/v1/letters", crate::support::letter_body(doc["sha256"].as_str().unwrap(), &["กค 0400"])).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "body_not_pdf").await;
}

async fn double_decisions_conflict(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400", "กค 0700"]).await;
    let delivery = letter.delivery_to("กค 0400");
    cgd.receive(&delivery).await;
    let before = app.row_counts().await;
    expect_error(cgd.try_receive(&delivery).await, StatusCode::CONFLICT, "already_registered").await;
    expect_error(cgd.try_reject(&delivery, "ผิด").await, StatusCode::CONFLICT, "already_registered").await;
    expect_error(cgd.try_reject(&delivery, "   ").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    assert_eq!(app.row_counts().await, before);

    // Receive after recall.
    let rd = app.clerk("clerk.rd").await;
    let letter = ops.send(&["กค 0700"]).await;
    ops.recall(letter.id.as_str()).await;
    let before = app.row_counts().await;
    expect_error(rd.try_receive(&letter.delivery_to("กค 0700")).await, StatusCode::CONFLICT, "letter_recalled").await;
    assert_eq!(app.row_counts().await, before);
    expect_error(rd.try_receive("no-such-delivery").await, StatusCode::NOT_FOUND, "not_found").await;
}
