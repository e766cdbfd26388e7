//! What an attacker and a fuzzer tried at the edge of the node: absurd page numbers, redirects to
//! other sites, an OpenAPI document that generators must be able to load, ids that would tell
//! "exists" from "not yours", slow clients holding connections, and files other accounts could read.

use crate::support::{Backend, TestApp, expect_error, on_both};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CGD: &str = "กค 0400";
const RD: &str = "กค 0700";

on_both!(
    absurd_page_numbers_are_a_clear_400,
    one_not_found_for_missing_and_not_yours,
    reading_audit_entries_writes_none
);

/// Reading the log by index is not opening the letter: a scan of every entry must reach the end,
/// which it could not if each read of a secret letter's entry appended another.
async fn reading_audit_entries_writes_none(backend: Backend) {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let sha = ops.upload_pdf(crate::support::invitation_pdf()).await;
    let body = crate::support::letter_body_with(&sha, &[CGD], serde_json::json!({"secrecy": "confidential"}));
    assert_eq!(ops.post("/api/v1/letters", body).await.status(), StatusCode::CREATED);
    let entries = || async {
        app.integrate_audit().await;
        let sql = "SELECT COUNT(*) AS n FROM audit_entries";
        let row = app.db().query_one_raw(Statement::from_string(app.db().get_database_backend(), sql)).await;
        row.unwrap().unwrap().try_get::<i64>("", "n").unwrap()
    };
    let auditor = app.auditor("auditor").await;
    let before = entries().await;
    for index in 0..before {
        auditor.get(&format!("/audit/entries/{index}")).await;
    }
    assert_eq!(entries().await, before, "reading entries appended entries");
}

async fn absurd_page_numbers_are_a_clear_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clerk = app.clerk("clerk.ops").await;
    let auditor = app.auditor("auditor").await;
    for (user, path) in [
        (&clerk, "/api/v1/inbox?page=18446744073709551615"),
        (&clerk, "/api/v1/sent?page=18446744073709551615"),
        (&auditor, "/api/v1/letters?page=18446744073709551615"),
        (&clerk, "/api/v1/inbox?page=1000001"),
        (&clerk, "/api/v1/inbox?page=0"),
        (&clerk, "/api/v1/sent?per_page=0"),
        (&clerk, "/api/v1/inbox?per_page=201"),
        (&clerk, "/api/v1/inbox?per_page=18446744073709551615"),
    ] {
        let body = expect_error(user.get(path).await, StatusCode::BAD_REQUEST, "invalid_query").await;
        assert!(body["message_th"].as_str().is_some_and(|m| !m.is_empty()), "{path}: {body}");
    }
    // Too large for a u64 at all is the same answer, from the query parser.
    expect_error(
        clerk.get("/api/v1/inbox?page=99999999999999999999999").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    // A search is a few words, not a megabyte, and has no invisible characters.
    let long = "ก".repeat(201);
    let body = expect_error(
        clerk.get(&format!("/api/v1/inbox?q={long}")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
    )
    .await;
    assert_eq!(body["field"], "q");
    expect_error(auditor.get("/api/v1/letters?q=a%E2%80%AEb").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
        .await;
    // The deepest page allowed answers, empty.
    let res = clerk.get("/api/v1/inbox?page=1000000&per_page=200").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["items"].as_array().map(Vec::len), Some(0));
    // The inbox page in the browser: an error page, not a dropped connection.
    let res = app
        .http
        .get(app.url("/inbox?page=18446744073709551615"))
        .header("cookie", format!("sarabun_session={}", clerk.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

async fn one_not_found_for_missing_and_not_yours(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let letter = ops.send(&[CGD, RD]).await;
    let cgd_delivery = letter.delivery_to(CGD);
    let rd = app.clerk("clerk.rd").await;
    let id = letter.id.as_str();
    let customs = app.clerk("clerk.customs").await;
    let mut answers = Vec::new();
    for (user, path) in [
        (&rd, format!("/api/v1/deliveries/{cgd_delivery}/receipt")),
        (&rd, "/api/v1/deliveries/0000000000/receipt".to_owned()),
        (&rd, format!("/api/v1/deliveries/{cgd_delivery}/stamped")),
        (&customs, format!("/api/v1/letters/{id}")),
        (&customs, "/api/v1/letters/no-such-letter".to_owned()),
        (&customs, format!("/api/v1/letters/{id}/documents/0")),
        (&ops, format!("/api/v1/letters/{id}/documents/99")),
    ] {
        let body = expect_error(user.get(&path).await, StatusCode::NOT_FOUND, "not_found").await;
        answers.push((body["message"].clone(), body["message_th"].clone()));
    }
    answers.dedup();
    assert_eq!(answers.len(), 1, "one wording for every 404: {answers:?}");
}

#[tokio::test]
async fn redirects_never_leave_the_node() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for back in ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example", "/%2F/evil.example"]
    {
        let res = client.get(app.url(&format!("/lang/en?back={back}"))).send().await.unwrap();
        assert_eq!(res.headers()[LOCATION], "/", "back={back}");
    }
    let res = client.get(app.url("/lang/en?back=/inbox%3Fpage%3D2")).send().await.unwrap();
    assert_eq!(res.headers()[LOCATION], "/inbox?page=2");
    // The sign-in form carries only a local `next`.
    let html = client.get(app.url("/signin?next=/%09/evil.example")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("evil.example"), "{html}");
}

#[tokio::test]
async fn an_upload_without_a_multipart_boundary_is_a_json_400() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let clerk = app.clerk("clerk.ops").await;
    for content_type in ["multipart/form-data", "text/plain", "application/json"] {
        let res = app
            .http
            .post(app.url("/api/v1/documents"))
            .bearer_auth(&clerk.token)
            .header("content-type", content_type)
            .body("%PDF-1.4")
            .send()
            .await
            .unwrap();
        expect_error(res, StatusCode::BAD_REQUEST, "invalid_multipart").await;
    }
}

#[tokio::test]
async fn a_forged_request_id_is_replaced() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let get = |id: &'static str| app.http.get(app.url("/healthz")).header("x-request-id", id).send();
    let kept = get("3f2a-client_7").await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "3f2a-client_7");
    for forged in ["x user=\"admin\" detail=\"forged\"", "a b"] {
        let res = get(forged).await.unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{forged:?} replaced by a fresh id, got {id:?}");
    }
    let long: &'static str = Box::leak("a".repeat(20_000).into_boxed_str());
    let res = get(long).await.unwrap();
    assert!(res.headers()["x-request-id"].len() <= 64);
}

#[tokio::test]
async fn every_reference_in_the_openapi_document_resolves() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc: Value = app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 20, "the document references its schemas: {}", refs.len());
    for r in &refs {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("only local references: {r}"));
        assert!(doc.pointer(pointer).is_some(), "dangling reference {r}");
    }
    assert!(refs.iter().any(|r| r == "#/components/schemas/RegisterKind"));
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn slow_clients_cannot_hold_connections() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.server.header_timeout_secs = 1;
        s.server.body_idle_timeout_secs = 1;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Headers sent a little at a time, never finished: the node closes the connection.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the node closed a connection whose headers never ended");
    // A body that stops arriving: the request fails and the connection ends.
    let user = app.clerk("clerk.ops").await;
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/deliveries/x/reject HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"reason\"",
        user.token
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), stalled.read_to_end(&mut buf)).await;
    assert!(ended.is_ok(), "the node gave up on a body that stopped arriving");
    // A connection that sends nothing at all is closed too.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), silent.read_to_end(&mut buf)).await;
    assert!(closed.is_ok(), "the node closed a connection that never said anything");
    // The node still answers everyone else.
    assert_eq!(app.http.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn one_address_cannot_hold_every_connection() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.server.max_connections_per_address = 4).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    // The fifth from the same address is closed at once, without an answer.
    let mut fifth = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let _ = fifth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), fifth.read_to_end(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "refused without an answer: {:?}", String::from_utf8_lossy(&buf));
    // Closing one frees its place.
    drop(idle.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = tokio::net::TcpStream::connect(&addr).await.unwrap();
    again.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), again.read_to_end(&mut answer)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_is_the_nodes_alone() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    ops.send(&[CGD]).await;
    let data = &app.settings.storage.data_dir;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(data), 0o700);
    assert_eq!(mode(&data.join("sarabun.db")), 0o600);
    let mut blobs = 0;
    let mut stack = vec![data.join("blobs")];
    while let Some(dir) = stack.pop() {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
                blobs += 1;
            }
        }
    }
    assert!(blobs > 0, "the letter's body is stored");
}
