//! End-to-end: render → build → send through `SmtpSender` over TCP to the
//! in-process `TestSmtpServer`, then parse what arrived with `mail-parser`.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use mail_parser::MessageParser;
use sarabun_notification::message::{message_id, parse_mailbox};
use sarabun_notification::testing::{ReceivedMail, TestSmtpServer};
use sarabun_notification::{
    Decision, DecisionNotice, Language, LetterNotice, Notice, Rendered, Secrecy, SendError, SmtpSender, SmtpSettings,
    Subject, Urgency, build, render,
};

const LINK: &str = "https://sarabun.example.go.th/letters/0190a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b";
const SECRET_SUBJECT: &str = "แผนตรวจสอบการจัดซื้อจัดจ้างกรณีพิเศษ";

fn letter(subject: Subject, urgency: Urgency) -> LetterNotice {
    LetterNotice {
        letter_number: "กค 0100/12".into(),
        subject,
        urgency,
        from_office: "สำนักงานปลัดกระทรวงการคลัง".into(),
        to_office: "กรมบัญชีกลาง".into(),
        link: LINK.into(),
        delivered_at: Utc.with_ymd_and_hms(2026, 11, 25, 7, 5, 0).unwrap(),
        deadline: None,
    }
}

fn sender_for(server: &TestSmtpServer) -> SmtpSender {
    let mut settings = SmtpSettings::plain("127.0.0.1", server.port(), "ระบบสารบรรณ <sarabun@example.go.th>");
    settings.timeout = Duration::from_secs(5);
    SmtpSender::new(settings).unwrap()
}

fn message(rendered: &Rendered, id: &str) -> sarabun_notification::lettre::Message {
    build(
        parse_mailbox("ระบบสารบรรณ <sarabun@example.go.th>").unwrap(),
        parse_mailbox("งานสารบรรณ กรมบัญชีกลาง <saraban@cgd.example.go.th>").unwrap(),
        rendered,
        id,
    )
    .unwrap()
}

async fn deliver_one(notice: &Notice, lang: Language, id: &str) -> ReceivedMail {
    let server = TestSmtpServer::start().await;
    let rendered = render(notice, lang).unwrap();
    sender_for(&server).send(&message(&rendered, id)).await.unwrap();
    let mut got = server.wait_for(1, Duration::from_secs(10)).await.expect("message arrives");
    assert_eq!(got.len(), 1);
    got.remove(0)
}

#[tokio::test]
async fn thai_notice_arrives_intact() {
    let notice = Notice::from(letter(Subject::Shown("ขอเชิญประชุม".into()), Urgency::MostUrgent));
    let id = message_id("0190a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", "sarabun.example.go.th");
    let mail = deliver_one(&notice, Language::Thai, &id).await;

    assert_eq!(mail.from, "sarabun@example.go.th");
    assert_eq!(mail.to, ["saraban@cgd.example.go.th"]);
    let raw = String::from_utf8_lossy(&mail.raw);
    // RFC 2047 on the wire, no raw Thai in the header.
    assert!(raw.contains("Subject: =?utf-8?"), "{raw}");

    let parsed = MessageParser::default().parse(&mail.raw).unwrap();
    assert_eq!(parsed.subject(), Some("ด่วนที่สุด หนังสือ กค 0100/12 เรื่อง ขอเชิญประชุม"));
    assert_eq!(parsed.message_id(), Some("0190a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b@sarabun.example.go.th"));
    assert_eq!(parsed.text_body_count(), 1);
    assert_eq!(parsed.html_body_count(), 1);
    let text = parsed.body_text(0).unwrap();
    let html = parsed.body_html(0).unwrap();
    assert!(text.contains(LINK), "{text}");
    assert!(text.contains("25 พฤศจิกายน 2569 เวลา 14.05 น."), "{text}");
    assert!(text.contains("สำนักงานปลัดกระทรวงการคลัง"), "{text}");
    assert!(html.contains(&format!("href=\"{LINK}\"")), "{html}");
    assert!(html.contains("ขอเชิญประชุม"), "{html}");
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("ระบบสารบรรณ"));
}

#[tokio::test]
async fn english_notice_arrives_intact() {
    let notice = Notice::from(letter(Subject::Shown("Invitation to a meeting".into()), Urgency::VeryUrgent));
    let mail = deliver_one(&notice, Language::English, "<en-1@sarabun.host>").await;
    let parsed = MessageParser::default().parse(&mail.raw).unwrap();
    assert_eq!(parsed.subject(), Some("[Very urgent] Letter กค 0100/12: Invitation to a meeting"));
    assert!(parsed.body_text(0).unwrap().contains("25 November 2569 B.E., 14:05"));
    assert!(parsed.body_html(0).unwrap().contains(LINK));
}

/// Every substring of the secret subject of at least four characters (Thai
/// syllables are short, and runs like "การ" are common words in any notice).
fn secret_fragments() -> Vec<String> {
    let chars: Vec<char> = SECRET_SUBJECT.chars().collect();
    let mut out = Vec::new();
    for start in 0..chars.len() {
        for end in start + 4..=chars.len() {
            out.push(chars[start..end].iter().collect());
        }
    }
    out
}

fn assert_leaks_nothing(mail: &ReceivedMail) {
    let parsed = MessageParser::default().parse(&mail.raw).unwrap();
    let subject = parsed.subject().unwrap().to_owned();
    let text = parsed.body_text(0).unwrap().into_owned();
    let html = parsed.body_html(0).unwrap().into_owned();
    let raw = String::from_utf8_lossy(&mail.raw).into_owned();
    for fragment in secret_fragments() {
        for (name, part) in [("subject", &subject), ("text", &text), ("html", &html), ("raw", &raw)] {
            assert!(!part.contains(&fragment), "{name} leaks {fragment:?} of the secret subject:\n{part}");
        }
    }
    assert!(text.contains(LINK), "{text}");
    assert!(html.contains(LINK), "{html}");
}

#[tokio::test]
async fn secret_letter_notice_leaks_nothing() {
    for lang in [Language::Thai, Language::English] {
        let subject = Subject::for_letter(SECRET_SUBJECT, Secrecy::Secret);
        let notice = Notice::from(letter(subject.clone(), Urgency::MostUrgent));
        let mail = deliver_one(&notice, lang, "<secret-1@sarabun.host>").await;
        assert_leaks_nothing(&mail);
        let parsed = MessageParser::default().parse(&mail.raw).unwrap();
        assert!(parsed.subject().unwrap().contains("ลับมาก"));
        assert!(parsed.subject().unwrap().contains("กค 0100/12"));

        let decided = Notice::Decision(DecisionNotice {
            letter_number: "กค 0100/12".into(),
            subject,
            from_office: "สำนักงานปลัดกระทรวงการคลัง".into(),
            to_office: "กรมบัญชีกลาง".into(),
            decision: Decision::Received { receive_number: "1234".into() },
            decided_at: Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap(),
            link: LINK.into(),
        });
        let mail = deliver_one(&decided, lang, "<secret-2@sarabun.host>").await;
        assert_leaks_nothing(&mail);
    }
}

#[tokio::test]
async fn permanent_refusal_is_reported_with_code_and_text() {
    let server = TestSmtpServer::start().await;
    server.fail_next(550, "5.1.1 mailbox unavailable", 1);
    let sender = sender_for(&server);
    let rendered = render(&Notice::from(letter(Subject::Shown("x".into()), Urgency::Normal)), Language::Thai).unwrap();
    let err = sender.send(&message(&rendered, "<p-1@sarabun.host>")).await.unwrap_err();
    match &err {
        SendError::Permanent { code, message } => {
            assert_eq!(*code, 550);
            assert!(message.contains("mailbox unavailable"), "{message}");
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
    assert!(!err.is_transient());
    assert_eq!(server.transactions(), 1);
    assert!(server.messages().is_empty());

    // The rule is used up: the next message is accepted.
    sender.send(&message(&rendered, "<p-2@sarabun.host>")).await.unwrap();
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn temporary_refusal_is_transient() {
    let server = TestSmtpServer::start().await;
    server.fail_next(451, "4.3.0 try again later", 2);
    let sender = sender_for(&server);
    let rendered =
        render(&Notice::from(letter(Subject::Shown("x".into()), Urgency::Normal)), Language::English).unwrap();
    let m = message(&rendered, "<t-1@sarabun.host>");
    for _ in 0..2 {
        let err = sender.send(&m).await.unwrap_err();
        assert!(
            matches!(&err, SendError::Transient(text) if text.contains("451") && text.contains("try again")),
            "{err:?}"
        );
    }
    sender.send(&m).await.unwrap();
    let got = server.wait_for(1, Duration::from_secs(5)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(server.transactions(), 3);
}

#[tokio::test]
async fn server_down_is_transient_and_mail_waits_for_restart() {
    let server = TestSmtpServer::start().await;
    let sender = sender_for(&server);
    let rendered = render(&Notice::from(letter(Subject::Shown("x".into()), Urgency::Urgent)), Language::Thai).unwrap();
    let m = message(&rendered, "<down-1@sarabun.host>");

    server.stop().await;
    let err = sender.send(&m).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");

    server.restart().await;
    sender.send(&m).await.unwrap();
    let got = server.wait_for(1, Duration::from_secs(5)).await.unwrap();
    let parsed = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(parsed.message_id(), Some("down-1@sarabun.host"));
}

#[tokio::test]
async fn silent_server_times_out_as_transient() {
    // Accepts the connection but never greets.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut settings = SmtpSettings::plain("127.0.0.1", port, "sarabun@example.go.th");
    settings.timeout = Duration::from_millis(500);
    let sender = SmtpSender::new(settings).unwrap();
    let rendered = render(&Notice::from(letter(Subject::Shown("x".into()), Urgency::Normal)), Language::Thai).unwrap();
    let started = Instant::now();
    let err = sender.send(&message(&rendered, "<slow-1@sarabun.host>")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    hold.abort();
}

#[tokio::test]
async fn resend_keeps_the_message_id() {
    // At-least-once: the same outbox entry sent twice carries the same id.
    let server = TestSmtpServer::start().await;
    let sender = sender_for(&server);
    let rendered = render(&Notice::from(letter(Subject::Shown("x".into()), Urgency::Normal)), Language::Thai).unwrap();
    for _ in 0..2 {
        sender.send(&message(&rendered, "<same@sarabun.host>")).await.unwrap();
    }
    let got = server.wait_for(2, Duration::from_secs(5)).await.unwrap();
    let ids: Vec<String> =
        got.iter().map(|m| MessageParser::default().parse(&m.raw).unwrap().message_id().unwrap().to_owned()).collect();
    assert_eq!(ids, ["same@sarabun.host", "same@sarabun.host"]);
}
