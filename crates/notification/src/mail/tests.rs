//! Unit tests of the notices and their rendering: every template renders in both languages, the
//! subject line, escaping, and that nothing of a secret letter reaches an e-mail.

use super::notice::*;
use super::templates::{Language, TEMPLATES, render};
use chrono::{TimeZone, Utc};
use sarabun_domain::{Secrecy, Urgency};
use std::time::Duration;

fn letter(subject: Subject, urgency: Urgency) -> LetterNotice {
    LetterNotice {
        letter_number: "กค 0100/12".into(),
        subject,
        urgency,
        from_office: "สำนักงานปลัดกระทรวงการคลัง".into(),
        to_office: "กรมบัญชีกลาง".into(),
        link: "https://sarabun.example.go.th/letters/42?tab=body&x=1".into(),
        delivered_at: Utc.with_ymd_and_hms(2026, 11, 25, 7, 5, 0).unwrap(),
        deadline: Some(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()),
    }
}

fn all_notices(subject: Subject) -> Vec<Notice> {
    let l = letter(subject.clone(), Urgency::MostUrgent);
    let at = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    vec![
        Notice::NewLetter(l.clone()),
        Notice::Decision(DecisionNotice {
            letter_number: l.letter_number.clone(),
            subject: subject.clone(),
            from_office: l.from_office.clone(),
            to_office: l.to_office.clone(),
            decision: Decision::Received { receive_number: "1234".into() },
            decided_at: at,
            link: l.link.clone(),
        }),
        Notice::Decision(DecisionNotice {
            letter_number: l.letter_number.clone(),
            subject: subject.clone(),
            from_office: l.from_office.clone(),
            to_office: l.to_office.clone(),
            decision: Decision::Rejected {
                reason: subject.free_text(Some("ส่งผิดหน่วยงาน"))
            },
            decided_at: at,
            link: l.link.clone(),
        }),
        Notice::Reminder(ReminderNotice {
            letter: l.clone(),
            overdue_by: Duration::from_secs(2 * 86400 + 3600),
            escalation: false,
        }),
        Notice::Recalled(RecallNotice {
            letter_number: l.letter_number.clone(),
            subject: subject.clone(),
            from_office: l.from_office.clone(),
            to_office: l.to_office.clone(),
            reason: subject.free_text(Some("ส่งผิดที่ ขอเรียกคืน")),
            recalled_at: at,
            link: l.link.clone(),
        }),
        Notice::Reminder(ReminderNotice {
            letter: l.clone(),
            overdue_by: Duration::from_secs(3 * 86400),
            escalation: true,
        }),
        Notice::Routed(RouteNotice {
            letter_number: l.letter_number.clone(),
            subject: subject.clone(),
            urgency: Urgency::VeryUrgent,
            from_office: l.from_office.clone(),
            step: "สั่งการ".into(),
            by: "นางปิยรัตน์ เจริญผล อธิบดีกรมบัญชีกลาง".into(),
            text: subject.free_text(Some("มอบ กองกฎหมาย ดำเนินการ")),
            purpose: "ปฏิบัติ".into(),
            lead: true,
            due_at: Some(at),
            overdue: false,
            link: l.link.clone(),
        }),
        Notice::Digest(Digest {
            office: "กรมบัญชีกลาง".into(),
            inbox_link: "https://sarabun.example.go.th/inbox".into(),
            generated_at: at,
            items: vec![l.clone(), letter(subject, Urgency::Normal)],
        }),
    ]
}

#[test]
fn every_template_renders_in_both_languages() {
    for subject in [Subject::Shown("ขอเชิญประชุม".into()), Subject::Withheld { secrecy: Secrecy::Secret }]
    {
        for notice in all_notices(subject) {
            for lang in [Language::Thai, Language::English] {
                let r = render(&notice, lang).unwrap_or_else(|e| panic!("{:?} {lang:?}: {e}", notice.kind()));
                assert!(!r.subject.is_empty());
                assert!(!r.subject.contains('\n'));
                assert!(!r.text.starts_with("Subject:"));
                assert!(r.text.contains("กค 0100/12"), "{}", r.text);
                assert!(r.html.contains("กค 0100/12"), "{}", r.html);
                assert!(r.html.contains("<html lang=\""));
            }
        }
    }
}

#[test]
fn thai_subject_of_a_new_letter() {
    let n = Notice::from(letter(Subject::Shown("ขอเชิญประชุม".into()), Urgency::MostUrgent));
    let r = render(&n, Language::Thai).unwrap();
    assert_eq!(r.subject, "ด่วนที่สุด หนังสือ กค 0100/12 เรื่อง ขอเชิญประชุม");
    assert!(r.text.contains("25 พฤศจิกายน 2569 เวลา 14.05 น."), "{}", r.text);
    let n = Notice::from(letter(Subject::Shown("ขอเชิญประชุม".into()), Urgency::Normal));
    let r = render(&n, Language::Thai).unwrap();
    assert_eq!(r.subject, "หนังสือ กค 0100/12 เรื่อง ขอเชิญประชุม");
}

#[test]
fn html_is_escaped_and_link_is_kept() {
    let mut l = letter(Subject::Shown("<script>alert(1)</script> & co".into()), Urgency::Urgent);
    l.from_office = "Office <b>".into();
    let r = render(&Notice::from(l), Language::English).unwrap();
    assert!(!r.html.contains("<script>"));
    assert!(r.html.contains("&lt;script&gt;"));
    assert!(!r.html.contains("Office <b>"));
    assert!(r.html.contains("https://sarabun.example.go.th/letters/42?tab=body&amp;x=1"));
    assert!(r.text.contains("https://sarabun.example.go.th/letters/42?tab=body&x=1"));
    // The text part is not escaped.
    assert!(r.text.contains("<script>alert(1)</script> & co"));
}

#[test]
fn line_breaks_cannot_break_the_subject_line() {
    let l = letter(Subject::Shown("a\r\nBcc: evil@example.com".into()), Urgency::Normal);
    let r = render(&Notice::from(l), Language::English).unwrap();
    assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
    assert!(r.subject.contains("a Bcc: evil@example.com"));
}

#[test]
fn secret_subject_is_withheld_everywhere() {
    let subject = Subject::for_letter("แผนการตรวจสอบพิเศษ", Secrecy::TopSecret);
    assert!(subject.is_withheld());
    assert_eq!(Subject::for_letter("x", Secrecy::None), Subject::Shown("x".to_owned()));
    for notice in all_notices(subject) {
        for lang in [Language::Thai, Language::English] {
            let r = render(&notice, lang).unwrap();
            for part in [&r.subject, &r.text, &r.html] {
                assert!(!part.contains("แผนการ"), "{part}");
                assert!(!part.contains("ส่งผิด"), "no reason of a secret letter: {part}");
            }
            assert!(r.text.contains("ลับที่สุด"), "{}", r.text);
            assert!(r.html.contains("ลับที่สุด"), "{}", r.html);
        }
    }
    let l = letter(Subject::Withheld { secrecy: Secrecy::Confidential }, Urgency::Normal);
    assert_eq!(Notice::from(l).kind(), TemplateKind::NewSecretLetter);
}

#[test]
fn reasons_are_shown_for_normal_letters_only() {
    let shown = Subject::Shown("ขอเชิญประชุม".into());
    assert_eq!(shown.free_text(Some(" ส่งผิดหน่วยงาน ")).shown(), Some("ส่งผิดหน่วยงาน"));
    assert_eq!(shown.free_text(Some("  ")), FreeText::default());
    let withheld = Subject::Withheld { secrecy: Secrecy::Confidential };
    let reason = withheld.free_text(Some("ส่งผิดหน่วยงาน"));
    assert_eq!((reason.shown(), reason.is_withheld()), (None, true));
    assert!(!withheld.free_text(None).is_withheld());
    for notice in all_notices(shown) {
        for lang in [Language::Thai, Language::English] {
            let r = render(&notice, lang).unwrap();
            if matches!(
                notice,
                Notice::Recalled(_) | Notice::Decision(DecisionNotice { decision: Decision::Rejected { .. }, .. })
            ) {
                assert!(r.text.contains("ส่งผิด") && r.html.contains("ส่งผิด"), "{}", r.text);
            }
        }
    }
}

#[test]
fn every_kind_has_all_files() {
    let names: Vec<&str> = TEMPLATES.iter().map(|(n, _)| *n).collect();
    for kind in TemplateKind::ALL {
        for lang in ["th", "en"] {
            for ext in ["txt", "html"] {
                let name = format!("{}.{lang}.{ext}", kind.name());
                assert!(names.contains(&name.as_str()), "{name} missing");
            }
        }
    }
}

#[test]
fn every_letter_table_comes_from_the_one_macro() {
    for subject in [Subject::Shown("ขอเชิญประชุม".into()), Subject::Withheld { secrecy: Secrecy::Secret }]
    {
        for notice in all_notices(subject) {
            for lang in [Language::Thai, Language::English] {
                let r = render(&notice, lang).unwrap();
                let tables = r.html.matches("<table cellpadding=\"4\"").count();
                let expected = usize::from(!matches!(notice, Notice::Digest(_)));
                assert_eq!(tables, expected, "{:?} {lang:?}: {}", notice.kind(), r.html);
                assert!(!r.html.contains("\n\n"), "no stray blank lines: {}", r.html);
            }
        }
    }
}
