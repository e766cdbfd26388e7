//! What an outsider or a careless client sends, and what the node makes of it: enclosures that are
//! web pages in disguise, bodies cut off mid-upload, invisible characters in names, form fields of
//! megabytes, and PDFs built to be expensive. Each is refused or defused, and nothing is stored
//! that should not be.

use crate::support::{Backend, Persona, TestApp, expect_error, invitation_pdf, on_both};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both!(
    enclosures_are_never_pages,
    broken_multipart_bodies_store_nothing,
    invisible_characters_are_refused_by_field,
    a_hostile_pdf_does_not_stall_other_offices
);

const CGD: &str = "กค 0400";

/// A page whose script, if it ever ran in the node's origin, would reject the delivery it came
/// with and leave marks (title, local storage).
pub const HOSTILE_HTML: &str = r#"<!doctype html><html><head><title>ใบแจ้งหนี้</title></head><body>
<script>
document.title = 'pwned';
try { localStorage.setItem('pwned', 'html'); } catch (e) {}
fetch('/api/v1/inbox').then(r => r.json()).then(async inbox => {
  const d = inbox.items[0];
  const page = await (await fetch('/letters/' + d.letter_id)).text();
  const csrf = page.match(/name="csrf-token" content="([^"]+)"/)[1];
  await fetch('/deliveries/' + d.delivery_id + '/reject', {method: 'POST',
    body: new URLSearchParams({csrf, letter_id: d.letter_id, reason: 'pwned by html'})});
});
</script></body></html>"#;

/// The same attack as an SVG image.
pub const HOSTILE_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"><script>
document.title = 'pwned';
try { localStorage.setItem('pwned', 'svg'); } catch (e) {}
fetch('/api/v1/inbox').then(r => r.json()).then(async inbox => {
  const d = inbox.items[0];
  const page = await (await fetch('/letters/' + d.letter_id)).text();
  const csrf = page.match(/name="csrf-token" content="([^"]+)"/)[1];
  await fetch('/deliveries/' + d.delivery_id + '/reject', {method: 'POST',
    body: new URLSearchParams({csrf, letter_id: d.letter_id, reason: 'pwned by svg'})});
});
</script><circle cx="100" cy="100" r="80"/></svg>"#;

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99\x3d\x1d\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

async fn uploaded(user: &Persona<'_>, name: &str, bytes: &[u8], declared: &str) -> Value {
    let res = user.upload(name, bytes.to_vec(), declared).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{name}");
    res.json().await.unwrap()
}

/// Sends a letter with the invitation as body and `enclosures` (name, bytes, declared type) to the
/// Comptroller General's Department; returns the letter and the stored media types.
pub async fn send_with_enclosures(ops: &Persona<'_>, enclosures: &[(&str, &[u8], &str)]) -> (Value, Vec<String>) {
    let body = ops.upload_pdf(invitation_pdf()).await;
    let mut digests = Vec::new();
    let mut types = Vec::new();
    for (name, bytes, declared) in enclosures {
        let doc = uploaded(ops, name, bytes, declared).await;
        digests.push(doc["sha256"].clone());
        types.push(doc["media_type"].as_str().unwrap().to_owned());
    }
    let letter = crate::support::letter_body_with(&body, &[CGD], json!({"enclosure_sha256": digests}));
    let res = ops.post("/api/v1/letters", letter).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    (res.json().await.unwrap(), types)
}

/// The headers a document response must carry whatever it is: a sandboxing policy and nosniff.
fn assert_sandboxed(res: &reqwest::Response, what: &str) {
    let policies: Vec<&str> =
        res.headers().get_all("content-security-policy").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(policies.contains(&"sandbox"), "{what}: {policies:?}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{what}");
}

/// The content type and disposition kind (`inline` or `attachment`) of a response.
fn served_as(res: &reqwest::Response) -> (String, String) {
    let h = res.headers();
    let disposition = h["content-disposition"].to_str().unwrap();
    (h["content-type"].to_str().unwrap().to_owned(), disposition.split(';').next().unwrap().to_owned())
}

async fn enclosures_are_never_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    // The declared types are the attacker's; the bytes decide.
    let (letter, stored) = send_with_enclosures(
        &ops,
        &[
            ("ใบแจ้งหนี้.html", HOSTILE_HTML.as_bytes(), "text/html"),
            ("แผนภูมิ.svg", HOSTILE_SVG.as_bytes(), "image/svg+xml"),
            ("scan.png", PNG, "text/html"),
            ("photo.png", HOSTILE_HTML.as_bytes(), "image/png"),
        ],
    )
    .await;
    assert_eq!(
        stored,
        ["application/octet-stream", "application/octet-stream", "image/png", "application/octet-stream"]
    );
    let id = letter["id"].as_str().unwrap();

    let expected = [
        (0, "application/pdf", "inline"),
        (1, "application/octet-stream", "attachment"),
        (2, "application/octet-stream", "attachment"),
        (3, "image/png", "inline"),
        (4, "application/octet-stream", "attachment"),
    ];
    for (position, content_type, disposition) in expected {
        let res = cgd.get(&format!("/api/v1/letters/{id}/documents/{position}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_sandboxed(&res, &format!("document {position}"));
        assert_eq!(served_as(&res), (content_type.to_owned(), disposition.to_owned()), "document {position}");
    }
    // The file name still reaches the download, encoded.
    let res = cgd.get(&format!("/api/v1/letters/{id}/documents/1")).await;
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("filename*=UTF-8''%E0%B9%83"), "{disposition}");

    // A document stored before types were sniffed, with the type its uploader declared: the
    // stored type is not trusted either.
    let db = app.db();
    db.execute_unprepared(&format!(
        "UPDATE letter_documents SET media_type = 'text/html' WHERE letter_id = '{id}' AND position = 1"
    ))
    .await
    .unwrap();
    let res = cgd.get(&format!("/api/v1/letters/{id}/documents/1")).await;
    assert_sandboxed(&res, "a stored text/html");
    assert_eq!(served_as(&res), ("application/octet-stream".to_owned(), "attachment".to_owned()));

    // The stamped copy is a PDF of the node's own making, sandboxed all the same.
    let delivery = crate::support::delivery_to(&letter, CGD);
    cgd.receive(&delivery).await;
    let res = cgd.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_sandboxed(&res, "stamped copy");
    assert_eq!(served_as(&res), ("application/pdf".to_owned(), "inline".to_owned()));
}

/// Documents rows: `row_counts` does not count uploads that were never sent.
async fn documents(app: &TestApp) -> i64 {
    let db = app.db();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM documents",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

fn staged_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.settings.storage.data_dir.join("blobs").join("staging")).unwrap().count()
}

/// Sends `head` and `body` over a raw connection and reads what comes back: the status and the
/// body. With `hang_up` the client closes its side after sending, as a client that gives up does;
/// the server then has no one to answer (status 0).
async fn raw_request(app: &TestApp, head: &str, body: &[u8], hang_up: bool) -> (u16, String) {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    if hang_up {
        stream.shutdown().await.unwrap();
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

const BOUNDARY: &str = "sarabun-test-boundary";

/// A multipart body with the CSRF token (for the compose form) and one file part, complete.
fn multipart_body(csrf: Option<&str>, field: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(csrf) = csrf {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"letter.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn head(path: &str, auth: &str, length: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n"
    )
}

async fn broken_multipart_bodies_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let bearer = format!("Authorization: Bearer {}", ops.token);
    let cookie = format!("Cookie: sarabun_session={}", ops.token);
    let page = reqwest::Client::new()
        .get(app.url("/compose"))
        .header(COOKIE, format!("sarabun_session={}", ops.token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    let csrf = page[at..].split('"').next().unwrap().to_owned();
    let before = (app.row_counts().await, documents(&app).await);

    let pdf = invitation_pdf();
    let api = multipart_body(None, "file", &pdf);
    let form = multipart_body(Some(&csrf), "body", &pdf);
    let cut = |body: &[u8]| body[..body.len() / 2].to_vec();
    // A whole body file, then an enclosure cut off: the body that did arrive is not kept either.
    let mut two_files = multipart_body(Some(&csrf), "body", &pdf);
    two_files.truncate(two_files.len() - format!("--{BOUNDARY}--\r\n").len());
    two_files.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"enclosures\"; filename=\"annex.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    two_files.extend_from_slice(&pdf[..pdf.len() / 2]);
    let cases: Vec<(&str, String, Vec<u8>, bool)> = vec![
        // The body ends (as its length says) in the middle of the file: no closing boundary.
        ("API, truncated", head("/api/v1/documents", &bearer, api.len() / 2), cut(&api), false),
        // Not multipart at all behind the header.
        ("API, garbage", head("/api/v1/documents", &bearer, 5), b"hello".to_vec(), false),
        ("compose, truncated", head("/compose", &cookie, form.len() / 2), cut(&form), false),
        ("compose, second file cut", head("/compose", &cookie, two_files.len()), two_files.clone(), false),
        // The client promised the whole body and hung up halfway: nobody is left to answer.
        ("API, hung up", head("/api/v1/documents", &bearer, api.len()), cut(&api), true),
        ("compose, hung up", head("/compose", &cookie, form.len()), cut(&form), true),
    ];
    for (what, head, body, hang_up) in cases {
        let (status, answer) = raw_request(&app, &head, &body, hang_up).await;
        if !hang_up {
            assert_eq!(status, 400, "{what}: {answer}");
            assert!(answer.contains("invalid_multipart"), "{what}: {answer}");
        }
        if what.starts_with("API") && !hang_up {
            let error: Value = serde_json::from_str(answer.trim()).unwrap_or_else(|e| panic!("{what}: {e}: {answer}"));
            assert_eq!(error["code"], "invalid_multipart");
            assert!(!error["message_th"].as_str().unwrap().is_empty());
        }
        // The server notices the hang-up a moment later; its health answer comes after.
        assert_eq!(app.http.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
        assert_eq!((app.row_counts().await, documents(&app).await), before, "{what}: nothing stored");
        assert_eq!(staged_files(&app), 0, "{what}: no staged blob left");
    }

    // The same bodies, whole, are taken.
    let (status, answer) = raw_request(&app, &head("/api/v1/documents", &bearer, api.len()), &api, false).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(documents(&app).await, before.1 + 1);
}

async fn invisible_characters_are_refused_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let pdf = ops.upload_pdf(invitation_pdf()).await;
    let before = app.row_counts().await;

    // A subject whose right-to-left override makes it read otherwise than it is.
    let res = ops
        .post(
            "/api/v1/letters",
            crate::support::letter_body_with(&pdf, &[CGD], json!({"subject": "ใบแจ้งหนี้ \u{202E}fdp.exe"})),
        )
        .await;
    let error = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "subject_invalid").await;
    assert_eq!(error["field"], "subject");
    // A line separator breaks a one-line subject as surely as a line feed; a tower of tone marks
    // draws over the lines around it.
    for subject in ["ขอเชิญ\u{2028}ประชุม".to_owned(), format!("ก{}", "\u{0E48}".repeat(480))]
    {
        let res = ops
            .post("/api/v1/letters", crate::support::letter_body_with(&pdf, &[CGD], json!({"subject": subject})))
            .await;
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "subject_invalid").await;
    }
    // Each free-text field of a letter follows the same rule, and names itself when refused.
    let cases = [
        ("signer_name", json!("นายประเสริฐ\u{200B} มั่นคง")),
        ("addressee", json!("อธิบดี\u{2066}กรมบัญชีกลาง")),
        ("signer_position", json!("รองปลัด\u{FEFF}กระทรวง")),
        ("enclosures_note", json!("ตาราง\u{202D} 1 ชุด")),
        ("addressee", json!("ก".repeat(2001))),
    ];
    for (field, value) in cases {
        let res =
            ops.post("/api/v1/letters", crate::support::letter_body_with(&pdf, &[CGD], json!({field: value}))).await;
        let error = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert_eq!(error["field"], field, "{error}");
    }
    let references = json!([{"number": "กค 0100/ว\u{200F}12", "date": "2026-10-01"}]);
    let res = ops
        .post("/api/v1/letters", crate::support::letter_body_with(&pdf, &[CGD], json!({"references": references})))
        .await;
    assert_eq!(
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"],
        "references.number"
    );
    // JSON strings far past any rule are refused without being sent back.
    for (change, code) in [
        (json!({"recipients": ["ก".repeat(300_000)]}), "unknown_recipient"),
        (json!({"subject": "ก".repeat(300_000)}), "subject_too_long"),
        (json!({"body_sha256": "0".repeat(900_000)}), "unknown_document"),
    ] {
        let res = ops.post("/api/v1/letters", crate::support::letter_body_with(&pdf, &[CGD], change)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let answer = res.text().await.unwrap();
        assert!(answer.len() < 2048 && answer.contains(code), "{code}: {} bytes", answer.len());
    }
    assert_eq!(app.row_counts().await, before, "nothing refused was written");

    // File names: the override that turns `exe.pdf` into what looks like a PDF, path separators,
    // and names longer than any file system keeps.
    for name in [
        "invoice\u{202E}fdp.exe",
        "../../etc/passwd",
        "ก".repeat(256).as_str(),
        "..",
        ".",
        "a\u{2215}b.pdf",
        "\u{FF41}\u{FF0F}b.pdf",
        "soft\u{00AD}hyphen.pdf",
    ] {
        let res = ops.upload(name, invitation_pdf(), "application/pdf").await;
        let error = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert_eq!(error["field"], "filename", "{name:?}: {error}");
    }
    // A file name is stored as typed, in NFC: the tone mark typed before the vowel below is put
    // after it (ดู่).
    let doc = uploaded(&ops, "\u{0E14}\u{0E48}\u{0E39}.pdf", &invitation_pdf(), "application/pdf").await;
    assert_eq!(doc["filename"], "\u{0E14}\u{0E39}\u{0E48}.pdf");

    // A recipient's reason and remarks.
    let letter = ops.send(&[CGD]).await;
    let delivery = letter.delivery_to(CGD);
    let res = cgd.try_reject(&delivery, "ไม่ใช่\u{200B}ภารกิจ").await;
    assert_eq!(expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"], "reason");
    let res = cgd.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({"remarks": "ด่วน\u{202E}"})).await;
    assert_eq!(expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"], "remarks");
    let state: Value = cgd.get(&format!("/api/v1/letters/{}", letter.id.as_str())).await.json().await.unwrap();
    assert_eq!(state["recipients"][0]["state"], "delivered", "the refused decisions changed nothing");
}

/// A valid one-page PDF padded with `objects` small objects, each in the cross-reference table.
pub fn many_objects_pdf(objects: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let content = "BT /F1 18 Tf 72 720 Td (A letter of many objects) Tj ET\n";
    let mut bodies = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    bodies.extend((0..objects).map(|i| format!("<< /N {i} >>")));
    let mut offsets = Vec::with_capacity(bodies.len());
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", bodies.len() + 1).as_bytes(),
    );
    pdf
}

async fn a_hostile_pdf_does_not_stall_other_offices(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let rd = app.clerk("clerk.rd").await;
    let send = |bytes: Vec<u8>| {
        let ops = &ops;
        async move {
            let sha = ops.upload_pdf(bytes).await;
            let res = ops.post("/api/v1/letters", crate::support::letter_body(&sha, &[CGD, "กค 0700"])).await;
            assert_eq!(res.status(), StatusCode::CREATED);
            res.json::<Value>().await.unwrap()
        }
    };
    // 650,000 objects, as the attack had: refused by the stamp before it is parsed, and the
    // letter is received all the same, unstamped, with the reason.
    let hostile = send(many_objects_pdf(650_000)).await;
    let res = cgd.try_receive(&crate::support::delivery_to(&hostile, CGD)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let decided: Value = res.json().await.unwrap();
    assert!(decided["delivery"]["stamped_sha256"].is_null());
    let reason = decided["delivery"]["stamp_error"].as_str().unwrap();
    assert!(reason.starts_with("too_complex"), "{reason}");
    assert_eq!(decided["delivery"]["receive_number"], "1/2569");

    // Just under the limit: stamped, and meanwhile the Revenue Department reads its inbox. On
    // SQLite there is one connection: the stamp must not be holding it.
    let heavy = send(many_objects_pdf(sarabun_stamp::MAX_OBJECTS - 10)).await;
    let delivery = crate::support::delivery_to(&heavy, CGD);
    let receiving = {
        let (http, url, token) =
            (app.http.clone(), app.url(&format!("/api/v1/deliveries/{delivery}/receive")), cgd.token.clone());
        tokio::spawn(async move { http.post(url).bearer_auth(token).json(&json!({})).send().await.unwrap() })
    };
    let mut answered = 0;
    while !receiving.is_finished() {
        assert_eq!(rd.inbox("").await.total, 2);
        answered += 1;
    }
    let res = receiving.await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let decided: Value = res.json().await.unwrap();
    assert!(decided["delivery"]["stamped_sha256"].is_string(), "{decided}");
    assert_eq!(decided["delivery"]["receive_number"], "2/2569", "numbers stay gapless");
    assert!(answered >= 3, "the other office was answered {answered} times while the PDF was stamped");
}

/// A compose form whose subject is 5 MB: refused with a short message, the field not shown back,
/// and the answer small.
#[tokio::test]
async fn a_huge_form_field_is_refused_without_being_echoed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let cookie = format!("sarabun_session={}", ops.token);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(app.url("/compose")).header(COOKIE, &cookie).send().await.unwrap().text().await.unwrap();
    let at = page.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    let csrf = page[at..].split('"').next().unwrap().to_owned();
    let huge = "ขอเชิญประชุม".repeat(5 * 1024 * 1024 / 36);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("idempotency_key", "huge-1")
        .text("kind", "external")
        .text("series", "normal")
        .text("subject", huge)
        .text("addressee", "อธิบดีกรมบัญชีกลาง")
        .text("recipients", CGD)
        .text("urgency", "normal")
        .text("secrecy", "none")
        .text("signer_name", "นายประเสริฐ มั่นคง")
        .text("signer_position", "รองปลัดกระทรวงการคลัง")
        .part(
            "body",
            reqwest::multipart::Part::bytes(invitation_pdf())
                .file_name("letter.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let res = client.post(app.url("/compose")).header(COOKIE, &cookie).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.len() < 64 * 1024, "the answer is {} bytes", html.len());
    assert!(html.contains("ยาวเกิน 8 KiB"), "{html}");
    assert!(!html.contains("ขอเชิญประชุมขอเชิญประชุม"), "the oversized subject is not echoed");
    assert!(html.contains("value=\"อธิบดีกรมบัญชีกลาง\""), "what fits is kept");
    let cgd = app.clerk("clerk.cgd").await;
    assert_eq!(cgd.inbox("").await.total, 0, "nothing was sent");
}
