//! Composing a letter: what a clerk fills in, and the checks it passes before anything is numbered —
//! the one text rule on every free-text field, bounds on lists, recipients that exist (none twice,
//! never the sender), documents this office uploaded with a PDF body, and the sender's clearance.

use crate::{Actor, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::text::{TextRule, clean};
use sarabun_domain::{LetterKind, OfficeCode, Secrecy, Series, Subject, Urgency};
use sarabun_registry::directory;
use sarabun_registry::entity::{document, office};
use sarabun_registry::letters as store;
use sarabun_signing::payload::{DocumentRole, LetterReference};
use std::collections::HashMap;

/// Free text that may span lines (addressee, reasons, action, remarks, the enclosures note).
pub(crate) const LINES: TextRule = TextRule::lines(2000);
/// One-line text: the signer's name and position, a reference's number and subject.
pub(crate) const LINE: TextRule = TextRule::line(500);
/// The longest file name accepted, in characters.
const MAX_FILENAME: usize = 255;
/// The most enclosures and references one letter may carry; bounds the lookups a request causes.
const MAX_ENCLOSURES: usize = 50;
const MAX_REFERENCES: usize = 50;
/// A reference to an earlier letter, as given by the composer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReferenceInput {
    /// Its letter number, e.g. `กค 0302/1234`.
    pub number: String,
    /// Its date, `YYYY-MM-DD`.
    pub date: chrono::NaiveDate,
    pub subject: Option<String>,
}

/// A recipient outside Sarabun (an organisation or a person), as given by the composer: picked from
/// the office's address book (`body_id`, whose entry fills what is left out) or typed, with an
/// e-mail address (the letter goes by e-mail) or else a postal address (it goes by post).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct OutsideRecipientInput {
    pub body_id: Option<String>,
    /// `organisation` or `person`; the address book's, else `organisation`.
    pub kind: Option<sarabun_domain::BodyKind>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub postal_address: Option<String>,
}

/// A letter to compose and send.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Compose {
    pub kind: LetterKind,
    pub series: Series,
    pub subject: String,
    /// เรียน: to whom the letter is addressed, e.g. `อธิบดีกรมบัญชีกลาง`.
    pub addressee: String,
    /// Recipient office codes, e.g. `["กค 0409", "กค 0702"]`.
    pub recipients: Vec<String>,
    pub urgency: Urgency,
    pub secrecy: Secrecy,
    pub deadline: Option<DateTime<Utc>>,
    /// SHA-256 of the uploaded body PDF.
    pub body_sha256: String,
    /// SHA-256 of uploaded enclosures, in order.
    pub enclosure_sha256: Vec<String>,
    /// สิ่งที่ส่งมาด้วย, as written in the letter.
    pub enclosures_note: Option<String>,
    pub references: Vec<ReferenceInput>,
    pub signer_name: String,
    pub signer_position: String,
    /// Years to keep the letter: 0 to keep it permanently (ห้ามทำลาย), otherwise at least 1;
    /// 10 when absent, as the Regulation sets.
    pub retention_years: Option<i32>,
    /// Recipients outside Sarabun, beside the offices of `recipients`. Left out of the request's
    /// digest when empty, so a repeated request of an older client keeps its idempotency key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outside_recipients: Vec<OutsideRecipientInput>,
}

/// Cleans a free-text field by the one text rule ([`sarabun_domain::text::clean`]: NFC, trimmed,
/// bounded, no control or invisible format characters), naming the field when it is refused.
pub(crate) fn check_text(field: &'static str, value: &str, rule: TextRule) -> Result<String, RoutingError> {
    clean(value, rule).map_err(|error| RoutingError::Text { field, error })
}

/// An uploaded file's name: the text rule, at most 255 characters, and no path separators, so a name
/// shown in a list or offered for download is exactly the name and nothing else.
pub(crate) fn check_filename(value: &str) -> Result<String, RoutingError> {
    let name = check_text("filename", value, TextRule::line(MAX_FILENAME))?;
    // Look-alike slashes (division slash, fraction slash, fullwidth solidus and reverse solidus, big
    // solidus) would show a path where there is none.
    if name.contains(['/', '\\', '\u{2215}', '\u{2044}', '\u{FF0F}', '\u{FF3C}', '\u{29F8}', '\u{29F9}']) {
        return Err(RoutingError::Field {
            field: "filename",
            message: "must not contain / or \\ or a look-alike".into(),
        });
    }
    if name.trim_matches('.').is_empty() {
        return Err(RoutingError::Field { field: "filename", message: "must name a file, not . or ..".into() });
    }
    Ok(name)
}

/// A value the client sent, shortened for an error message: a refusal never sends megabytes back.
pub(crate) fn echo(value: &str) -> String {
    const SHOWN: usize = 80;
    match value.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_owned(),
    }
}

/// A composed letter that passed every check, with the rows it refers to.
pub(crate) struct Composed {
    pub subject: Subject,
    pub addressee: String,
    pub signer_name: String,
    pub signer_position: String,
    pub enclosures_note: Option<String>,
    pub references: Vec<LetterReference>,
    pub recipients: Vec<office::Model>,
    pub documents: Vec<(document::Model, DocumentRole)>,
    pub sender: office::Model,
    pub outside: Vec<crate::outside_send::OutsideRecipient>,
}

impl Correspondence {
    /// Checks a composed letter from `actor` at `now` (see the module documentation).
    pub(crate) async fn check_compose(
        &self,
        actor: &Actor,
        compose: &Compose,
        now: DateTime<Utc>,
    ) -> Result<Composed, RoutingError> {
        if !actor.clearance.clears(compose.secrecy) {
            return Err(RoutingError::ClearanceTooLow);
        }
        compose.series.fits(compose.kind)?;
        self.check_series_kept(actor, compose.series).await?;
        let subject = Subject::parse(&compose.subject)?;
        let addressee = check_text("addressee", &compose.addressee, LINES)?;
        let signer_name = check_text("signer_name", &compose.signer_name, LINE)?;
        let signer_position = check_text("signer_position", &compose.signer_position, LINE)?;
        let enclosures_note = compose
            .enclosures_note
            .as_deref()
            .map(|n| check_text("enclosures_note", n, LINES.optional()))
            .transpose()?;
        if compose.retention_years.is_some_and(|y| !(0..=100).contains(&y)) {
            return Err(RoutingError::Field {
                field: "retention_years",
                message: "0 (keep permanently) or 1 to 100".into(),
            });
        }
        if compose.deadline.is_some_and(|deadline| deadline <= now) {
            return Err(RoutingError::Field { field: "deadline", message: "must be in the future".into() });
        }
        if compose.references.len() > MAX_REFERENCES {
            return Err(RoutingError::Field {
                field: "references",
                message: format!("at most {MAX_REFERENCES} references"),
            });
        }
        if compose.enclosure_sha256.len() > MAX_ENCLOSURES {
            return Err(RoutingError::Field {
                field: "enclosure_sha256",
                message: format!("at most {MAX_ENCLOSURES} enclosures"),
            });
        }
        let mut references = Vec::with_capacity(compose.references.len());
        for r in &compose.references {
            references.push(LetterReference {
                number: check_text("references.number", &r.number, LINE)?,
                date: r.date.to_string(),
                subject: r
                    .subject
                    .as_deref()
                    .map(|s| check_text("references.subject", s, LINE.optional()))
                    .transpose()?,
            });
        }

        // Recipients: each a known office, none twice, never the sender.
        if compose.recipients.is_empty() && compose.outside_recipients.is_empty() {
            return Err(RoutingError::NoRecipients);
        }
        if compose.recipients.len() > self.limits.max_recipients {
            return Err(RoutingError::Field {
                field: "recipients",
                message: format!("at most {} recipients", self.limits.max_recipients),
            });
        }
        let codes = compose
            .recipients
            .iter()
            .map(|raw| OfficeCode::parse(raw).map_err(|_| RoutingError::UnknownRecipient(echo(raw))))
            .collect::<Result<Vec<_>, _>>()?;
        let known: HashMap<String, office::Model> =
            directory::offices_by_codes(&self.db, &codes.iter().collect::<Vec<_>>())
                .await?
                .into_iter()
                .map(|o| (o.code.clone(), o))
                .collect();
        let mut recipients: Vec<office::Model> = Vec::new();
        for code in &codes {
            let office =
                known.get(code.as_str()).cloned().ok_or_else(|| RoutingError::UnknownRecipient(code.to_string()))?;
            if office.id == actor.office_id {
                return Err(RoutingError::SelfRecipient);
            }
            if !recipients.iter().any(|o| o.id == office.id) {
                recipients.push(office);
            }
        }

        // Documents: uploaded by this office; the body a PDF.
        let body = store::office_document(&self.db, &actor.office_id, &compose.body_sha256)
            .await?
            .ok_or_else(|| RoutingError::UnknownDocument(echo(&compose.body_sha256)))?;
        if body.media_type != "application/pdf" {
            return Err(RoutingError::BodyNotPdf);
        }
        let mut documents = vec![(body, DocumentRole::Body)];
        for sha in &compose.enclosure_sha256 {
            let doc = store::office_document(&self.db, &actor.office_id, sha)
                .await?
                .ok_or_else(|| RoutingError::UnknownDocument(echo(sha)))?;
            documents.push((doc, DocumentRole::Enclosure));
        }
        let sender = self
            .offices_named([actor.office_id.as_str()])
            .await?
            .remove(&actor.office_id)
            .ok_or(RoutingError::NotFound("office"))?;
        let outside = self.check_outside_recipients(actor, &compose.outside_recipients, compose.secrecy).await?;

        Ok(Composed {
            subject,
            addressee,
            signer_name,
            signer_position,
            enclosures_note,
            references,
            recipients,
            documents,
            sender,
            outside,
        })
    }
}
