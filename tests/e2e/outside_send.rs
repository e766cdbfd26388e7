//! Letters to recipients outside Sarabun, as the Office of the Permanent Secretary's clerk sends
//! them: one letter to the Comptroller General's Department (on Sarabun), to a company by e-mail
//! and to a citizen by post. The company's e-mail arrives at a real SMTP server with the sealed PDF
//! (byte for byte the sealed body) and its `.jws` envelope (which verifies with the office key the
//! node publishes); the citizen's cover sheet is a real PDF that reads back the number and address,
//! and the clerk records when it was posted. A relay that refuses with 550 bounces the e-mail, a
//! bounce that came back later is recorded by hand, a recall stops what has not gone, and every bad
//! input is a clear 4xx with a stable code. Another office's clerk cannot act.

use crate::support::{Backend, Persona, TestApp, expect_error, on_both};
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::StatusCode;
use sarabun_notification::testing::TestSmtpServer;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

on_both!(
    one_letter_to_an_office_a_company_by_email_and_a_citizen_by_post,
    a_refused_email_bounces_and_a_late_bounce_is_recorded,
    a_recall_stops_what_has_not_gone,
    bad_outside_recipients_are_refused_and_change_nothing,
    only_the_sending_office_acts_on_its_outside_deliveries,
);

const COMPANY_EMAIL: &str = "saraban@example.co.th";
const CITIZEN_ADDRESS: &str = "88/8 หมู่ 3 ตำบลบางกระสอ\nอำเภอเมืองนนทบุรี จังหวัดนนทบุรี 11000";

/// Runs `pdftotext` on `pdf`.
fn pdftotext(pdf: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(file.path())
        .arg("-")
        .output()
        .expect("pdftotext is needed by this test (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext reads the cover sheet");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn add_company(clerk: &Persona<'_>) -> String {
    let res = clerk
        .post(
            "/api/v1/outside/bodies",
            json!({"kind": "organisation", "name": "บริษัท ตัวอย่างการค้า จำกัด", "email": COMPANY_EMAIL}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

/// Sends a letter with `outside` recipients beside the offices `recipients`; the raw response.
async fn try_send(clerk: &Persona<'_>, recipients: &[&str], outside: Value) -> reqwest::Response {
    let sha = clerk.upload_pdf(crate::support::invitation_pdf()).await;
    let body = crate::support::letter_body_with(
        &sha,
        recipients,
        json!({"urgency": "normal", "outside_recipients": outside, "enclosures_note": "กำหนดการประชุม ๑ ชุด"}),
    );
    clerk.try_send(body).await
}

async fn send(clerk: &Persona<'_>, recipients: &[&str], outside: Value) -> Value {
    let res = try_send(clerk, recipients, outside).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn letter(clerk: &Persona<'_>, id: &str) -> Value {
    let res = clerk.get(&format!("/api/v1/letters/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn outside<'v>(letter: &'v Value, name_part: &str) -> &'v Value {
    letter["outside_recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"].as_str().unwrap().contains(name_part))
        .unwrap_or_else(|| panic!("no outside recipient {name_part} in {letter}"))
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    use sarabun_registry::entity::audit_entry;
    app.integrate_audit().await;
    audit_entry::Entity::find().filter(audit_entry::Column::Action.eq(action)).count(app.db()).await.unwrap()
}

fn today(app: &TestApp) -> chrono::NaiveDate {
    app.now().with_timezone(&sarabun_domain::bangkok()).date_naive()
}

async fn one_letter_to_an_office_a_company_by_email_and_a_citizen_by_post(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let company = add_company(&ops).await;

    let sent = send(
        &ops,
        &["กค 0400"],
        json!([
            {"body_id": company},
            {"kind": "person", "name": "นางสาวมาลี ใจงาม", "postal_address": CITIZEN_ADDRESS},
        ]),
    )
    .await;
    let id = sent["id"].as_str().unwrap();
    let number = sent["number"].as_str().unwrap().to_owned();
    assert_eq!(sent["recipients"].as_array().unwrap().len(), 1, "one directory office");
    let by_mail = outside(&sent, "ตัวอย่างการค้า");
    assert_eq!((by_mail["channel"].as_str(), by_mail["state"].as_str()), (Some("email"), Some("queued")));
    assert_eq!(by_mail["email"], COMPANY_EMAIL, "the address book's address");
    let by_post = outside(&sent, "มาลี");
    assert_eq!((by_post["channel"].as_str(), by_post["state"].as_str()), (Some("post"), Some("awaiting_post")));
    assert_eq!(by_post["kind"], "person");

    // The send register names every recipient, inside and outside.
    let register: Vec<Value> = ops.get("/api/v1/registers/send/2569").await.json().await.unwrap();
    let line = register.iter().find(|l| l["letter_id"] == id).unwrap();
    let to = line["to"].as_str().unwrap();
    assert!(to.contains("กรมบัญชีกลาง") && to.contains("ตัวอย่างการค้า") && to.contains("มาลี"), "{to}");
    assert_eq!(line["outside_recipients"], "ส่งภายนอกทางอีเมลและทางไปรษณีย์", "the register marks both ways out");

    // The worker e-mails the company: the sealed PDF and the envelope attached.
    worker.run_once().await.unwrap();
    let mails = smtp.messages();
    let mail = mails.iter().find(|m| m.to.iter().any(|t| t == COMPANY_EMAIL)).expect("the company's e-mail");
    let msg = MessageParser::default().parse(&mail.raw).unwrap();
    let subject = msg.subject().unwrap_or_default();
    assert!(subject.contains(&number), "{subject}");
    let text = msg.body_text(0).unwrap().into_owned();
    assert!(text.contains("วิธีตรวจสอบตรา") && text.contains("To check the seal"), "Thai with English: {text}");
    assert!(text.contains("/.well-known/jwks.json") && text.contains("sarabun verify-envelope"), "{text}");
    let attachments: Vec<_> = msg.attachments().collect();
    assert_eq!(attachments.len(), 2, "the PDF and the envelope");
    let pdf = attachments.iter().find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".pdf"))).unwrap();
    let jws = attachments.iter().find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".jws"))).unwrap();
    let body = ops.get(&format!("/api/v1/letters/{id}/documents/0")).await.bytes().await.unwrap();
    assert_eq!(pdf.contents(), &body[..], "the attached PDF is the sealed document, byte for byte");
    let envelope = ops.get(&format!("/api/v1/letters/{id}/envelope")).await.text().await.unwrap();
    let jws_text = std::str::from_utf8(jws.contents()).unwrap();
    assert_eq!(jws_text.trim(), envelope.trim());
    let jwks = app.jwks().await.to_string();
    let (lines, ok) = sarabun::verify::verify_envelope(jws_text.trim(), &jwks, Some(pdf.contents()));
    assert!(ok, "the seal verifies with the published office key and covers the PDF: {lines:?}");
    let (_, tampered) = sarabun::verify::verify_envelope(jws_text.trim(), &jwks, Some(b"%PDF-1.7 another letter"));
    assert!(!tampered, "another PDF is not the sealed one");

    let now = letter(&ops, id).await;
    let by_mail = outside(&now, "ตัวอย่างการค้า");
    assert_eq!(by_mail["state"], "sent");
    assert_eq!(by_mail["changed_by"], "system:outbox");
    assert_eq!(audited(&app, "outside.letter_emailed").await, 1);
    worker.run_once().await.unwrap();
    assert_eq!(smtp.messages().iter().filter(|m| m.to.iter().any(|t| t == COMPANY_EMAIL)).count(), 1, "sent once");

    // The citizen's cover sheet is a real A4 PDF with the number and the address.
    let by_post = outside(&now, "มาลี");
    let sheet_path = by_post["cover_sheet"].as_str().unwrap().to_owned();
    let res = ops.get(&sheet_path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let sheet = res.bytes().await.unwrap();
    assert!(sheet.starts_with(b"%PDF-"));
    if let Ok(out) = std::env::var("SARABUN_COVER_SHEET_OUT") {
        std::fs::write(out, &sheet).unwrap(); // to look at it: pdftoppm -png -r 60
    }
    let read = pdftotext(&sheet);
    let squeezed: String = read.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(squeezed.contains("ใบนำส่ง"), "{read}");
    assert!(squeezed.contains(&number), "the letter number: {read}");
    assert!(squeezed.contains("นางสาวมาลี ใจงาม") && squeezed.contains("จังหวัดนนทบุรี 11000"), "the address: {read}");

    // The clerk posts it today and records so.
    let posted_on = today(&app).to_string();
    let res = ops
        .post(
            &format!("/api/v1/outside/deliveries/{}/posted", by_post["id"].as_str().unwrap()),
            json!({"posted_on": posted_on}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let row: Value = res.json().await.unwrap();
    assert_eq!((row["state"].as_str(), row["posted_on"].as_str()), (Some("posted"), Some(posted_on.as_str())));
    assert_eq!(audited(&app, "outside.letter_posted").await, 1);
    // Twice is a conflict, nothing changes.
    let again = ops
        .post(
            &format!("/api/v1/outside/deliveries/{}/posted", by_post["id"].as_str().unwrap()),
            json!({"posted_on": posted_on}),
        )
        .await;
    expect_error(again, StatusCode::CONFLICT, "outside_delivery_state").await;

    // The recipient office sees only its own delivery, not the outside recipients.
    let cgd = app.clerk("clerk.cgd").await;
    let theirs = letter(&cgd, id).await;
    assert!(theirs["outside_recipients"].as_array().unwrap().is_empty());

    // The letter page shows every recipient with its state and the cover sheet link.
    let page = app
        .http
        .get(app.url(&format!("/letters/{id}")))
        .header(reqwest::header::COOKIE, format!("sarabun_session={}", ops.token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("&#x2f;", "/");
    assert!(page.contains("id=\"outside-tracking\"") && page.contains(&sheet_path), "tracking table");
    assert!(page.contains("ส่งอีเมลแล้ว") && page.contains("ส่งทางไปรษณีย์แล้ว"), "states in Thai");
}

async fn a_refused_email_bounces_and_a_late_bounce_is_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;

    // The relay refuses the first address for good: bounced, never retried.
    smtp.fail_next(550, "5.1.1 no such user", 1);
    let first = send(&ops, &[], json!([{"name": "บริษัท ไม่มีจริง จำกัด", "email": "nobody@example.co.th"}])).await;
    worker.run_once().await.unwrap();
    let now = letter(&ops, first["id"].as_str().unwrap()).await;
    let row = outside(&now, "ไม่มีจริง");
    assert_eq!(row["state"], "bounced");
    assert!(row["reason"].as_str().unwrap().contains("550"), "{row}");
    assert_eq!(audited(&app, "outside.letter_bounced").await, 1);
    worker.run_once().await.unwrap();
    assert!(smtp.messages().is_empty(), "a 5xx is not tried again");

    // Accepted by the relay, the bounce came back the next day: the clerk records it.
    let second = send(&ops, &[], json!([{"name": "สมาคมตัวอย่าง", "email": "info@example.or.th"}])).await;
    worker.run_once().await.unwrap();
    let now = letter(&ops, second["id"].as_str().unwrap()).await;
    let row = outside(&now, "สมาคม");
    assert_eq!(row["state"], "sent");
    let path = format!("/api/v1/outside/deliveries/{}/bounce", row["id"].as_str().unwrap());
    let res = ops.post(&path, json!({"reason": "550 5.2.2 mailbox full (ตีกลับ 26 พ.ย.)"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let row: Value = res.json().await.unwrap();
    assert_eq!(row["state"], "bounced");
    assert_eq!(row["changed_by"], "clerk.ops");
    assert_eq!(audited(&app, "outside.letter_bounced").await, 2);
    expect_error(ops.post(&path, json!({"reason": "again"})).await, StatusCode::CONFLICT, "outside_delivery_state")
        .await;
    expect_error(ops.post(&path, json!({"reason": "  "})).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
        .await;
}

async fn a_recall_stops_what_has_not_gone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let sent = send(
        &ops,
        &["กค 0400"],
        json!([
            {"name": "บริษัท ตัวอย่างการค้า จำกัด", "email": COMPANY_EMAIL},
            {"name": "นางสาวมาลี ใจงาม", "postal_address": CITIZEN_ADDRESS},
        ]),
    )
    .await;
    let id = sent["id"].as_str().unwrap();
    // Recalled before the worker ran: the e-mail never goes, the post is not needed.
    let recalled = ops.recall(id).await;
    assert_eq!(recalled.state, "recalled");
    let now = letter(&ops, id).await;
    assert_eq!(outside(&now, "ตัวอย่างการค้า")["state"], "recalled");
    assert_eq!(outside(&now, "มาลี")["state"], "recalled");
    worker.run_once().await.unwrap();
    assert!(
        !smtp.messages().iter().any(|m| m.to.iter().any(|t| t == COMPANY_EMAIL)),
        "a recalled letter is not e-mailed"
    );

    // One already e-mailed and posted stays as it went; the rest is recalled.
    let sent = send(
        &ops,
        &["กค 0400"],
        json!([
            {"name": "บริษัท ตัวอย่างการค้า จำกัด", "email": COMPANY_EMAIL},
            {"name": "นางสาวมาลี ใจงาม", "postal_address": CITIZEN_ADDRESS},
        ]),
    )
    .await;
    let id = sent["id"].as_str().unwrap();
    worker.run_once().await.unwrap();
    ops.recall(id).await;
    let now = letter(&ops, id).await;
    assert_eq!(outside(&now, "ตัวอย่างการค้า")["state"], "sent", "what went stays as it went");
    assert_eq!(outside(&now, "มาลี")["state"], "recalled");
}

async fn bad_outside_recipients_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let before = app.count_rows(&["letters", "outside_deliveries", "register_entries"]).await;
    let cases = [
        (json!([{"name": "บริษัท ก", "email": "not an address"}]), "invalid_field"),
        (json!([{"name": "บริษัท ก"}]), "outside_recipient_no_address"),
        (json!([{"email": "a@example.co.th"}]), "invalid_field"),
        (json!([{"body_id": "01J0000000000000000000000", "email": "a@example.co.th"}]), "unknown_outside_body"),
        (
            json!(
                (0..51)
                    .map(|i| json!({"name": format!("ผู้รับ {i}"), "email": format!("r{i}@example.co.th")}))
                    .collect::<Vec<_>>()
            ),
            "too_many_outside_recipients",
        ),
        (
            json!([{"name": "บริษัท ก", "email": "a@example.co.th"}, {"name": "บริษัท ข", "email": "a@example.co.th"}]),
            "outside_recipient_twice",
        ),
    ];
    for (outside, code) in cases {
        let res = try_send(&ops, &["กค 0400"], outside.clone()).await;
        let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, code).await;
        assert!(body["message_th"].is_string() || body["message"].is_string(), "{body}");
    }
    // A secret letter goes to outside recipients by post only.
    let sha = ops.upload_pdf(crate::support::invitation_pdf()).await;
    let secret = crate::support::letter_body_with(
        &sha,
        &["กค 0400"],
        json!({"secrecy": "confidential", "outside_recipients": [{"name": "บริษัท ก", "email": "a@example.co.th"}]}),
    );
    expect_error(ops.try_send(secret).await, StatusCode::UNPROCESSABLE_ENTITY, "outside_secret_by_email").await;
    // No recipient at all is still refused.
    expect_error(try_send(&ops, &[], json!([])).await, StatusCode::UNPROCESSABLE_ENTITY, "no_recipients").await;
    assert_eq!(app.count_rows(&["letters", "outside_deliveries", "register_entries"]).await, before, "nothing changed");

    // A posted date in the future, or before the letter's date, is refused.
    let sent = send(&ops, &[], json!([{"name": "นางสาวมาลี ใจงาม", "postal_address": CITIZEN_ADDRESS}])).await;
    let row = outside(&sent, "มาลี");
    let path = format!("/api/v1/outside/deliveries/{}/posted", row["id"].as_str().unwrap());
    let tomorrow = (today(&app) + chrono::Duration::days(1)).to_string();
    expect_error(
        ops.post(&path, json!({"posted_on": tomorrow})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "posted_date_invalid",
    )
    .await;
    let before_letter = (today(&app) - chrono::Duration::days(1)).to_string();
    expect_error(
        ops.post(&path, json!({"posted_on": before_letter})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "posted_date_invalid",
    )
    .await;
    assert_eq!(audited(&app, "outside.letter_posted").await, 0);
    assert_eq!(letter(&ops, sent["id"].as_str().unwrap()).await["outside_recipients"][0]["state"], "awaiting_post");
}

async fn only_the_sending_office_acts_on_its_outside_deliveries(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let sent = send(&ops, &["กค 0400"], json!([{"name": "นางสาวมาลี ใจงาม", "postal_address": CITIZEN_ADDRESS}])).await;
    let row = outside(&sent, "มาลี");
    let id = row["id"].as_str().unwrap();
    let cgd = app.clerk("clerk.cgd").await;
    let posted_on = today(&app).to_string();
    for res in [
        cgd.post(&format!("/api/v1/outside/deliveries/{id}/posted"), json!({"posted_on": posted_on})).await,
        cgd.post(&format!("/api/v1/outside/deliveries/{id}/bounce"), json!({"reason": "x"})).await,
        cgd.get(&format!("/api/v1/outside/deliveries/{id}/cover-sheet")).await,
    ] {
        expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    }
    // An auditor reads the tracking but does not act.
    let auditor = app.auditor("auditor").await;
    let seen = letter(&auditor, sent["id"].as_str().unwrap()).await;
    assert_eq!(seen["outside_recipients"].as_array().unwrap().len(), 1);
    let res = auditor.post(&format!("/api/v1/outside/deliveries/{id}/posted"), json!({"posted_on": posted_on})).await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(audited(&app, "outside.letter_posted").await, 0);
}
