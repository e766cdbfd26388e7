//! MIME messages for rendered notifications.
//!
//! [`build`] makes a `multipart/alternative` message (UTF-8 text part first, then
//! HTML) whose subject lettre encodes per RFC 2047 when it is not ASCII, and whose
//! `Message-ID` is the stable id the caller gives — typically derived from the
//! outbox row with [`message_id`]. Because the same outbox entry always yields
//! the same Message-ID, a message sent again after a crash (at-least-once
//! delivery) can be recognised as a duplicate by the receiving side. The message
//! also carries `Auto-Submitted: auto-generated` (RFC 3834) so that
//! out-of-office responders do not answer it.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart};

use crate::NotifyError;
use crate::mail::notice::Rendered;

/// Builds the e-mail for `rendered` from `from` to `to` with the given
/// Message-ID (`<unique@host>`, angle brackets included).
pub fn build(from: Mailbox, to: Mailbox, rendered: &Rendered, message_id: &str) -> Result<Message, NotifyError> {
    check_message_id(message_id)?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject.as_str())
        .message_id(Some(message_id.to_owned()))
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()))?;
    Ok(message)
}

/// A file attached to an e-mail: its name, media type and bytes.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Builds the e-mail as [`build`] does, with `attachments` after the text and HTML parts
/// (`multipart/mixed`, each attachment base64 with its file name).
pub fn build_with_attachments(
    from: Mailbox,
    to: Mailbox,
    rendered: &Rendered,
    message_id: &str,
    attachments: Vec<Attachment>,
) -> Result<Message, NotifyError> {
    check_message_id(message_id)?;
    let mut mixed =
        MultiPart::mixed().multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()));
    for a in attachments {
        let content_type = ContentType::parse(&a.content_type)
            .map_err(|e| NotifyError::InvalidMailbox { mailbox: a.content_type.clone(), reason: e.to_string() })?;
        mixed = mixed.singlepart(LettreAttachment::new(a.name).body(a.bytes, content_type));
    }
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject.as_str())
        .message_id(Some(message_id.to_owned()))
        .header(AutoSubmitted)
        .multipart(mixed)?;
    Ok(message)
}

/// A Message-ID for `key` (e.g. the outbox entry's UUID) at `domain`:
/// `<key@domain>`. The same inputs always give the same id.
pub fn message_id(key: impl std::fmt::Display, domain: &str) -> String {
    format!("<{key}@{domain}>")
}

/// Parses a mailbox such as `กรมบัญชีกลาง <saraban@cgd.example.go.th>` or a bare address.
pub fn parse_mailbox(text: &str) -> Result<Mailbox, NotifyError> {
    text.parse().map_err(|e: lettre::address::AddressError| NotifyError::InvalidMailbox {
        mailbox: text.to_owned(),
        reason: e.to_string(),
    })
}

fn check_message_id(id: &str) -> Result<(), NotifyError> {
    let ok = id.len() <= 250
        && id.strip_prefix('<').and_then(|s| s.strip_suffix('>')).and_then(|s| s.split_once('@')).is_some_and(
            |(left, right)| {
                let valid = |part: &str| {
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_graphic() && !"<>@\"\\()[],;:".contains(c))
                };
                valid(left) && valid(right)
            },
        );
    if ok { Ok(()) } else { Err(NotifyError::InvalidMessageId(id.to_owned())) }
}

/// The `Auto-Submitted: auto-generated` header (RFC 3834).
#[derive(Clone, Copy, Debug)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered() -> Rendered {
        Rendered {
            subject: "ด่วนที่สุด หนังสือ กค 0100/12 เรื่อง ขอเชิญประชุม".into(),
            text: "ข้อความ\n".into(),
            html: "<p>ข้อความ</p>".into(),
        }
    }

    #[test]
    fn message_id_must_look_like_one() {
        for good in ["<a@b>", "<0190a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b@sarabun.example.go.th>"] {
            check_message_id(good).unwrap();
        }
        for bad in ["a@b", "<a b@c>", "<@b>", "<a@>", "<a@b>\r\nBcc: x@y", "<ab>", "<a@b@c>"] {
            assert!(check_message_id(bad).is_err(), "{bad}");
        }
        assert_eq!(message_id("abc", "sarabun.host"), "<abc@sarabun.host>");
    }

    #[test]
    fn builds_alternative_with_headers() {
        let from = parse_mailbox("สารบรรณ <sarabun@example.go.th>").unwrap();
        let to = parse_mailbox("clerk@cgd.example.go.th").unwrap();
        let m = build(from, to, &rendered(), "<x1@sarabun.host>").unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("Message-ID: <x1@sarabun.host>"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
        assert!(parse_mailbox("not an address").is_err());
    }
}
