//! E-mail that is never lost: new letters, decisions, digests, reminders and escalation delivered
//! through a real SMTP server over TCP; faults of the server; a crash between commit and send;
//! scheduled jobs claimed by one node per tick; the yearly retention list.

use crate::support::{Backend, TestApp, on_both};
use chrono::{Duration, TimeZone, Utc};
use mail_parser::MessageParser;
use reqwest::StatusCode;
use sarabun_notification::testing::{ReceivedMail, TestSmtpServer};
use sarabun_notification::worker::Job;
use serde_json::{Value, json};

on_both!(
    urgent_letters_and_decisions_are_mailed,
    secret_letters_leak_nothing,
    normal_letters_wait_for_the_digest,
    smtp_faults_are_retried_or_recorded,
    mails_survive_a_crash,
    overdue_letters_are_reminded_then_escalated,
    one_node_runs_each_tick,
    retention_lists_leave_out_holds_and_permanent_letters,
    recalls_are_mailed_and_people_choose_digests,
);

struct Mail {
    to: Vec<String>,
    subject: String,
    text: String,
    html: String,
    message_id: String,
    raw: Vec<u8>,
}

fn parse(m: &ReceivedMail) -> Mail {
    let msg = MessageParser::default().parse(&m.raw).expect("a parseable message");
    Mail {
        to: m.to.clone(),
        subject: msg.subject().unwrap_or_default().to_owned(),
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        message_id: msg.message_id().unwrap_or_default().to_owned(),
        raw: m.raw.clone(),
    }
}

fn to(mails: &[Mail], address: &str) -> Vec<usize> {
    mails.iter().enumerate().filter(|(_, m)| m.to.iter().any(|t| t == address)).map(|(i, _)| i).collect()
}

async fn urgent_letters_and_decisions_are_mailed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send_with(&["กค 0400"], json!({"urgency": "most_urgent", "subject": "ขอเชิญประชุมด่วน"})).await;
    let id = letter.id.as_str();
    let done = worker.run_once().await.unwrap();
    assert_eq!(done.sent, 2, "the department's inbox address and its clerk");
    let mails: Vec<Mail> = smtp.messages().iter().map(parse).collect();
    for address in ["saraban@cgd.example.go.th", "wandee.s@cgd.example.go.th"] {
        let m = &mails[to(&mails, address)[0]];
        assert!(
            m.subject.contains("ด่วนที่สุด") && m.subject.contains("กค 0100/1") && m.subject.contains("ขอเชิญประชุมด่วน"),
            "{}",
            m.subject
        );
        let page = format!("{}/letters/{id}", app.settings.server.public_url.trim_end_matches('/'));
        assert!(m.text.contains(&page) && m.html.contains(&page), "link to the letter's web page");
        assert!(!m.text.contains("/api/") && !m.html.contains("/api/"), "no link into the JSON API");
        assert!(m.message_id.contains('@'));
        assert!(
            !String::from_utf8_lossy(&m.raw).contains("ขอเชิญประชุมด่วน"),
            "Thai headers are RFC 2047-encoded, not raw"
        );
    }

    // Received: the sending clerk hears of it, with the receive number.
    cgd.receive(&letter.delivery_to("กค 0400")).await;
    worker.run_once().await.unwrap();
    let mails: Vec<Mail> = smtp.messages().iter().map(parse).collect();
    let decided = &mails[to(&mails, "somjai.r@ops.mof.example.go.th")[0]];
    assert!(decided.text.contains("1/2569"), "{}", decided.text);

    // Admins of the office see the e-mails' status; clerks may not.
    let admin = app.admin("admin").await;
    let res = admin.post("/api/v1/users", json!({"office": "กค 0400", "username": "admin.cgd", "full_name": "ผู้ดูแล", "position": "ผู้ดูแลระบบ", "email": "admin@cgd.example.go.th", "password": "sarabun-demo", "roles": ["office_admin"], "clearance": "none"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let cgd_admin = app.admin("admin.cgd").await;
    let status: Vec<Value> = cgd_admin.get("/api/v1/emails").await.json().await.unwrap();
    assert_eq!(status.len(), 2);
    assert!(status.iter().all(|e| e["state"] == "sent"));
    crate::support::expect_error(cgd.get("/api/v1/emails").await, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn secret_letters_leak_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let secret_subject = "แผนการตรวจสอบภาษีบริษัทลับเฉพาะ";
    let letter = ops
        .send_with(
            &["กค 0400"],
            json!({"urgency": "most_urgent", "secrecy": "confidential", "subject": secret_subject}),
        )
        .await;
    worker.run_once().await.unwrap();
    let mails: Vec<Mail> = smtp.messages().iter().map(parse).collect();
    assert!(!mails.is_empty());
    for m in &mails {
        for text in [&m.subject, &m.text, &m.html] {
            assert!(!text.contains(secret_subject) && !text.contains("ตรวจสอบภาษี"), "leaked: {text}");
        }
        assert!(m.text.contains("ลับ"), "says a secret letter waits: {}", m.text);
        assert!(m.text.contains(letter.id.as_str()));
    }
}

async fn normal_letters_wait_for_the_digest(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    ops.send_with(&["กค 0400"], json!({"urgency": "normal", "subject": "รายงานประจำเดือน"})).await;
    ops.send_with(&["กค 0400"], json!({"urgency": "urgent", "subject": "ขอข้อมูลเพิ่มเติม"})).await;
    worker.run_once().await.unwrap();
    let mails: Vec<Mail> = smtp.messages().iter().map(parse).collect();
    assert!(to(&mails, "saraban@cgd.example.go.th").is_empty(), "the inbox address waits for the digest");
    assert_eq!(to(&mails, "wandee.s@cgd.example.go.th").len(), 2, "a clerk who chose immediate is told at once");

    assert!(worker.run_job(Job::Digest, app.now()).await.unwrap());
    worker.run_once().await.unwrap();
    let mails: Vec<Mail> = smtp.messages().iter().map(parse).collect();
    let digests = to(&mails, "saraban@cgd.example.go.th");
    assert_eq!(digests.len(), 1, "one digest for both letters");
    let digest = &mails[digests[0]];
    assert!(digest.text.contains("รายงานประจำเดือน") && digest.text.contains("ขอข้อมูลเพิ่มเติม"), "{}", digest.text);
    // The next digest has nothing new to say.
    assert!(worker.run_job(Job::Digest, app.now() + Duration::hours(5)).await.unwrap());
    worker.run_once().await.unwrap();
    assert_eq!(to(&smtp.messages().iter().map(parse).collect::<Vec<_>>(), "saraban@cgd.example.go.th").len(), 1);
}

async fn smtp_faults_are_retried_or_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;

    // The server is down: nothing is lost, the mails wait.
    smtp.stop().await;
    ops.send_with(&["กค 0400"], json!({"urgency": "most_urgent"})).await;
    let done = worker.run_once().await.unwrap();
    assert_eq!((done.sent, done.retried), (0, 2));
    let db = app.db();
    let pending = sarabun_registry::outbox::office_emails(db, None, Some("pending"), 10).await.unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|m| m.attempts == 1 && m.last_error.is_some()));
    // Back up, but the retry is not due yet; then it is.
    smtp.restart().await;
    assert_eq!(worker.run_once().await.unwrap().sent, 0, "backoff is respected");
    app.clock.advance(Duration::minutes(5));
    assert_eq!(worker.run_once().await.unwrap().sent, 2);
    assert_eq!(smtp.messages().len(), 2);

    // A permanent refusal: failed with the server's answer, never retried.
    smtp.fail_next(550, "5.1.1 mailbox unavailable", 10);
    ops.send_with(&["กค 0700"], json!({"urgency": "most_urgent"})).await;
    let done = worker.run_once().await.unwrap();
    assert_eq!(done.failed, 2);
    let failed = sarabun_registry::outbox::office_emails(db, None, Some("failed"), 10).await.unwrap();
    assert!(failed.iter().all(|m| m.last_error.as_deref().unwrap_or_default().contains("550")), "{failed:?}");
    let transactions = smtp.transactions();
    app.clock.advance(Duration::hours(3));
    worker.run_once().await.unwrap();
    assert_eq!(smtp.transactions(), transactions, "no retry storm after a 5xx");
}

async fn mails_survive_a_crash(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let ops = app.clerk("clerk.ops").await;
    // The letter is committed, and the node dies before its worker ran.
    ops.send_with(&["กค 0400"], json!({"urgency": "most_urgent"})).await;
    let second = app.second_node().await;
    let worker = second.notifier(&smtp);
    assert_eq!(worker.run_once().await.unwrap().sent, 2, "the restarted node sends what the dead one left");

    // A worker that claimed e-mails and died before sending: after its lease they go out once.
    ops.send_with(&["กค 0700"], json!({"urgency": "most_urgent"})).await;
    worker.expand_events().await.unwrap();
    let now = app.now();
    let taken =
        sarabun_registry::outbox::claim_due_emails(app.db(), now, now + Duration::minutes(2), 10).await.unwrap();
    assert_eq!(taken.len(), 2);
    assert_eq!(worker.run_once().await.unwrap().sent, 0, "held by the dead worker's lease");
    app.clock.advance(Duration::minutes(3));
    assert_eq!(worker.run_once().await.unwrap().sent, 2);
    let ids: Vec<String> = smtp.messages().iter().map(|m| parse(m).message_id).collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(unique.len(), 4);
}

async fn overdue_letters_are_reminded_then_escalated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let admin = app.admin("admin").await;
    admin.post("/api/v1/users", json!({"office": "กค 0400", "username": "admin.cgd", "full_name": "ผู้ดูแล", "position": "ผู้ดูแลระบบ", "email": "admin@cgd.example.go.th", "password": "sarabun-demo", "roles": ["office_admin"], "clearance": "none"})).await;
    ops.send_with(&["กค 0400"], json!({"urgency": "most_urgent"})).await;
    worker.run_once().await.unwrap();
    let before = smtp.messages().len();

    app.clock.advance(Duration::minutes(30));
    worker.run_job(Job::Reminders, app.now()).await.unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(smtp.messages().len(), before, "not overdue yet");

    app.clock.advance(Duration::minutes(31));
    worker.run_job(Job::Reminders, app.now()).await.unwrap();
    worker.run_once().await.unwrap();
    let mails: Vec<Mail> = smtp.messages().iter().map(parse).collect();
    assert_eq!(mails.len(), before + 2, "a reminder to the inbox address and the clerk");
    assert!(to(&mails, "admin@cgd.example.go.th").is_empty());

    app.clock.advance(Duration::minutes(61));
    worker.run_job(Job::Reminders, app.now()).await.unwrap();
    worker.run_once().await.unwrap();
    let mails: Vec<Mail> = smtp.messages().iter().map(parse).collect();
    assert_eq!(to(&mails, "admin@cgd.example.go.th").len(), 1, "escalated to the recipient office's admin");
    assert_eq!(to(&mails, "somjai.r@ops.mof.example.go.th").len(), 1, "and to the sender");
    let count = mails.len();
    app.clock.advance(Duration::hours(5));
    worker.run_job(Job::Reminders, app.now()).await.unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(smtp.messages().len(), count, "each reminder and escalation once");
}

async fn one_node_runs_each_tick(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let second = app.second_node().await;
    let smtp = TestSmtpServer::start().await;
    let (a, b) = (app.notifier(&smtp), second.notifier(&smtp));
    let tick = Utc.with_ymd_and_hms(2026, 11, 25, 3, 5, 0).unwrap();
    for job in [Job::Reminders, Job::Digest, Job::Checkpoint, Job::Retention] {
        let (x, y) = tokio::join!(a.run_job(job, tick), b.run_job(job, tick));
        assert_eq!([x.unwrap(), y.unwrap()].iter().filter(|ran| **ran).count(), 1, "{job:?} ran on exactly one node");
        assert!(a.run_job(job, tick + Duration::minutes(1)).await.unwrap(), "the next tick is free again");
    }
}

async fn retention_lists_leave_out_holds_and_permanent_letters(backend: Backend) {
    // The node has run since 2557 B.E. (2014), when it sent letters kept 10 years, kept permanently,
    // and under a legal hold; and one in 2562 (2019).
    let app = TestApp::spawn_at(backend, Utc.with_ymd_and_hms(2014, 6, 2, 3, 0, 0).unwrap(), |_| {}).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let expired = ops.send_with(&["กค 0400"], json!({"subject": "หนังสือที่หมดอายุการเก็บ"})).await;
    let kept = ops.send_with(&["กค 0400"], json!({"subject": "หนังสือห้ามทำลาย", "retention_years": 0})).await;
    let held = ops.send_with(&["กค 0400"], json!({"subject": "หนังสือที่อยู่ระหว่างคดี"})).await;
    sarabun_registry::outbox::set_legal_hold(app.db(), held.id.as_str(), true).await.unwrap();
    app.clock.set(Utc.with_ymd_and_hms(2019, 6, 3, 3, 0, 0).unwrap());
    let ops = app.clerk("clerk.ops").await;
    let recent = ops.send_with(&["กค 0400"], json!({"subject": "หนังสือที่ยังต้องเก็บ"})).await;

    // Outside the first 60 days of the year nothing is made.
    app.clock.set(Utc.with_ymd_and_hms(2025, 6, 1, 3, 0, 0).unwrap());
    assert_eq!(worker.retention_lists().await.unwrap(), 0);
    // 15 January 2569 B.E.: the lists of 2569 are made, once.
    app.clock.set(Utc.with_ymd_and_hms(2026, 1, 15, 3, 0, 0).unwrap());
    assert!(worker.run_job(Job::Retention, app.now()).await.unwrap());
    assert_eq!(worker.retention_lists().await.unwrap(), 0, "already made this year");
    let ops_admin = {
        let admin = app.admin("admin").await;
        admin.create_user(json!({"office": "กค 0100", "username": "records.ops", "full_name": "งานเก็บรักษา", "position": "เจ้าพนักงานธุรการ", "email": "records@ops.mof.example.go.th", "password": "sarabun-demo", "roles": ["office_admin"], "clearance": "secret"})).await;
        app.admin("records.ops").await
    };
    let res = ops_admin.get("/api/v1/retention/2569").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = String::from_utf8(res.bytes().await.unwrap().to_vec()).unwrap();
    assert!(csv.contains(expired.number.as_str()) && csv.contains("หนังสือที่หมดอายุการเก็บ"), "{csv}");
    assert_eq!(csv.lines().count(), 2, "a header and the one expired letter: {csv}");
    for other in [&kept, &held, &recent] {
        assert!(!csv.contains(other.subject.as_str()), "{} must not be listed: {csv}", other.subject);
    }
}

async fn recalls_are_mailed_and_people_choose_digests(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let letter =
        ops.send_with(&["กค 0400", "กค 0700"], json!({"urgency": "most_urgent", "subject": "ขอเชิญประชุม"})).await;
    let rd = app.clerk("clerk.rd").await;
    rd.reject(&letter.delivery_to("กค 0700"), "ส่งผิดหน่วยงาน").await;
    worker.run_once().await.unwrap();
    let before = smtp.messages().len();
    ops.recall(&letter.id).await;
    worker.run_once().await.unwrap();
    let mails: Vec<Mail> = smtp.messages()[before..].iter().map(parse).collect();
    assert_eq!(mails.len(), 2, "the Comptroller General's inbox and clerk; the Revenue Department had rejected it");
    assert!(
        mails.iter().all(|m| m.subject.starts_with("ยกเลิกหนังสือ กค 0100/1")),
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(!to(&mails, "saraban@cgd.example.go.th").is_empty());

    // A clerk who prefers digests gets normal letters in the digest only.
    let cgd = app.clerk("clerk.cgd").await;
    let res = cgd.put("/api/v1/me/notifications", json!({"digest": true})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let before = smtp.messages().len();
    ops.send_with(&["กค 0400"], json!({"urgency": "normal", "subject": "รายงานประจำเดือน"})).await;
    worker.run_once().await.unwrap();
    assert_eq!(smtp.messages().len(), before, "nobody is told at once");
    worker.run_job(Job::Digest, app.now()).await.unwrap();
    worker.run_once().await.unwrap();
    let mails: Vec<Mail> = smtp.messages()[before..].iter().map(parse).collect();
    assert_eq!(to(&mails, "wandee.s@cgd.example.go.th").len(), 1);
    assert_eq!(to(&mails, "saraban@cgd.example.go.th").len(), 1);
}
