//! The mailroom: turns routing's notice views into the notices of [`crate::mail`], renders them in
//! Thai and queues the e-mails in the outbox within the caller's [`NoticeBatch`]. It knows the
//! node's public address, so every link opens the letter's web page (`/letters/{id}`) or the
//! office's inbox page (`/inbox`) that a clerk uses, and the host that ends each Message-ID.

use crate::mail::message::message_id;
use crate::mail::notice::{LetterNotice, Notice, OutsideLetterNotice, RouteNotice, Subject};
use crate::mail::templates::{Language, render};
use crate::worker::WorkerError;
use sarabun_routing::{
    Addressee, Correspondence, NewEmail, NoticeBatch, NoticeDelivery, NoticeLetter, OutsideMail, StepToTell, TaskToTell,
};

/// What an e-mail is about, besides its words: the key its Message-ID is made from, its kind in
/// the outbox, and the office and letter it concerns (for admins' listing).
pub(crate) struct About<'a> {
    /// Derived from the event, delivery or digest that caused it; the same cause gives the same key.
    pub key: String,
    /// The outbox kind (`new_letter`, `decided`, `reminder`, `escalation`, `digest`, `recalled`).
    pub kind: &'static str,
    /// The office it concerns.
    pub office_id: Option<&'a str>,
    /// The letter it concerns.
    pub letter_id: Option<&'a str>,
}

/// Where an e-mail points: the node's web pages, and the host that ends each Message-ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Links {
    public_url: String,
    domain: String,
}

impl Links {
    /// The links of a node whose pages are under `public_url` (`server.public_url`).
    pub fn new(public_url: &str) -> Self {
        let public_url = public_url.trim_end_matches('/').to_owned();
        let domain = public_url
            .split_once("://")
            .map_or(public_url.as_str(), |(_, r)| r)
            .split(['/', ':'])
            .next()
            .unwrap_or("sarabun")
            .to_owned();
        Self { public_url, domain }
    }

    /// The letter's web page, the one a clerk opens (not the JSON API).
    pub fn letter(&self, letter_id: &str) -> String {
        format!("{}/letters/{letter_id}", self.public_url)
    }

    /// A draft's page.
    pub fn draft(&self, draft_id: &str) -> String {
        format!("{}/drafts/{draft_id}", self.public_url)
    }

    /// The office's inbox page.
    pub fn inbox(&self) -> String {
        format!("{}/inbox", self.public_url)
    }

    /// Where the node publishes its offices' public keys, for checking a seal.
    pub fn jwks(&self) -> String {
        format!("{}/.well-known/jwks.json", self.public_url)
    }
}

/// Words and queues the e-mails of one node.
pub(crate) struct Mailroom {
    pub corr: Correspondence,
    links: Links,
}

impl Mailroom {
    /// A mailroom for `corr`'s node, whose pages are under `public_url`.
    pub fn new(corr: Correspondence, public_url: &str) -> Self {
        Self { corr, links: Links::new(public_url) }
    }

    /// The letter's web page.
    pub fn link(&self, letter_id: &str) -> String {
        self.links.letter(letter_id)
    }

    /// A draft's page.
    pub fn draft_link(&self, draft_id: &str) -> String {
        self.links.draft(draft_id)
    }

    /// The office's inbox page.
    pub fn inbox_link(&self) -> String {
        self.links.inbox()
    }

    /// The subject a notice may show: withheld for a secret letter.
    pub fn subject(l: &NoticeLetter) -> Subject {
        Subject::for_letter(l.subject.clone(), l.secrecy)
    }

    /// The notice of one delivery of a letter.
    pub fn letter_notice(&self, l: &NoticeLetter, d: &NoticeDelivery) -> LetterNotice {
        LetterNotice {
            letter_number: l.number.clone(),
            subject: Self::subject(l),
            urgency: l.urgency,
            from_office: l.from_office.clone(),
            to_office: d.office.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            link: self.link(&l.id),
            delivered_at: d.delivered_at,
            deadline: l.deadline,
        }
    }

    /// The notice of a task a route step gave (or, `overdue`, of that task past its due time).
    pub fn route_notice(&self, l: &NoticeLetter, step: &StepToTell, task: &TaskToTell, overdue: bool) -> Notice {
        let subject = Self::subject(l);
        Notice::Routed(RouteNotice {
            letter_number: l.number.clone(),
            subject: subject.clone(),
            urgency: l.urgency,
            from_office: l.from_office.clone(),
            step: step.heading.clone(),
            by: step.by.clone(),
            text: subject.free_text(step.text.as_deref()),
            purpose: task.purpose.clone(),
            lead: task.lead,
            due_at: task.due_at,
            overdue,
            link: self.link(&l.id),
        })
    }

    /// Words and queues the e-mail of a letter to an outside recipient (the sealed PDF and envelope
    /// are attached when it is sent), keyed by its outside delivery.
    pub async fn queue_outside(&self, batch: &NoticeBatch, mail: &OutsideMail) -> Result<(), WorkerError> {
        let stem: String =
            mail.letter_number.chars().filter(|c| !c.is_whitespace()).map(|c| if c == '/' { '-' } else { c }).collect();
        let notice = Notice::OutsideLetter(OutsideLetterNotice {
            to_name: mail.to_name.clone(),
            letter_number: mail.letter_number.clone(),
            letter_date: mail.letter_date_th.clone(),
            subject: mail.subject.clone(),
            from_office: mail.from_office.clone(),
            from_office_code: mail.from_office_code.clone(),
            signer_name: mail.signer_name.clone(),
            signer_position: mail.signer_position.clone(),
            pdf_name: format!("{stem}.pdf"),
            jws_name: format!("{stem}.jws"),
            envelope_sha256: mail.envelope_sha256.clone(),
            jwks_url: self.links.jwks(),
        });
        let rendered = render(&notice, Language::Thai)?;
        let email = NewEmail {
            message_id: message_id(format!("outside.{}", mail.outside_delivery_id), &self.links.domain),
            office_id: Some(mail.office_id.clone()),
            letter_id: Some(mail.letter_id.clone()),
            kind: "outside_letter".into(),
            to_address: mail.to_address.clone(),
            to_name: mail.to_name.clone(),
            subject: rendered.subject,
            text_body: rendered.text,
            html_body: rendered.html,
            outside_delivery_id: Some(mail.outside_delivery_id.clone()),
        };
        batch.queue_email(email, self.corr.clock().now()).await?;
        Ok(())
    }

    /// Renders `notice` in Thai and queues it for `to` in `batch`; nothing when `to` has no address.
    pub async fn queue(
        &self,
        batch: &NoticeBatch,
        about: About<'_>,
        to: &Addressee,
        notice: &Notice,
    ) -> Result<(), WorkerError> {
        if to.address.trim().is_empty() {
            tracing::warn!(kind = about.kind, office = ?about.office_id, "no e-mail address; nothing queued");
            return Ok(());
        }
        let rendered = render(notice, Language::Thai)?;
        let mail = NewEmail {
            message_id: message_id(&about.key, &self.links.domain),
            office_id: about.office_id.map(str::to_owned),
            letter_id: about.letter_id.map(str::to_owned),
            kind: about.kind.to_owned(),
            to_address: to.address.clone(),
            to_name: to.name.clone(),
            subject: rendered.subject,
            text_body: rendered.text,
            html_body: rendered.html,
            outside_delivery_id: None,
        };
        batch.queue_email(mail, self.corr.clock().now()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Links;

    #[test]
    fn links_open_the_pages_a_clerk_uses() {
        let links = Links::new("https://sarabun.mof.go.th:8443/");
        assert_eq!(links.letter("42"), "https://sarabun.mof.go.th:8443/letters/42");
        assert_eq!(links.inbox(), "https://sarabun.mof.go.th:8443/inbox");
        assert!(!links.letter("42").contains("/api/"), "not the JSON API");
        assert_eq!(links.domain, "sarabun.mof.go.th");
    }
}
