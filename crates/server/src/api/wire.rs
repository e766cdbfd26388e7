//! The request bodies and query strings of `/api/v1` that carry the core's commands, with their
//! OpenAPI schemas. Routing's commands know nothing of HTTP or OpenAPI; each type here has the same
//! fields, names and defaults as the command it becomes, and converts into it.

use chrono::{DateTime, NaiveDate, Utc};
use sarabun_domain::{DeliveryState, LetterKind, Secrecy, Series, Urgency};
use sarabun_routing::schema;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// A reference to an earlier letter, as given by the composer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReferenceInput {
    /// Its letter number, e.g. `กค 0302/1234`.
    pub number: String,
    /// Its date, `YYYY-MM-DD`.
    pub date: NaiveDate,
    pub subject: Option<String>,
}

/// A recipient outside Sarabun: an organisation or a person, picked from the office's address book
/// (`body_id`; its entry fills what is left out) or typed. With an e-mail address the letter goes
/// by e-mail (the sealed PDF and its `.jws` envelope attached); with only a postal address it goes
/// by post, with a cover sheet to print. At least one of the two.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutsideRecipient {
    /// A body of the office's address book (`/api/v1/outside/bodies`).
    pub body_id: Option<String>,
    /// `organisation` or `person`; the address book's, else `organisation`.
    #[schema(value_type = Option<schema::BodyKind>)]
    pub kind: Option<sarabun_domain::BodyKind>,
    /// The name as the letter addresses it (at most 300 characters); the address book's when absent.
    pub name: Option<String>,
    pub email: Option<String>,
    /// The postal address, lines separated by line breaks (at most 2,000 characters).
    pub postal_address: Option<String>,
}

impl From<OutsideRecipient> for sarabun_routing::OutsideRecipientInput {
    fn from(r: OutsideRecipient) -> Self {
        Self { body_id: r.body_id, kind: r.kind, name: r.name, email: r.email, postal_address: r.postal_address }
    }
}

/// A letter to compose and send.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Compose {
    #[schema(value_type = schema::LetterKind)]
    pub kind: LetterKind,
    #[serde(default = "normal_series")]
    #[schema(value_type = schema::Series)]
    pub series: Series,
    pub subject: String,
    /// เรียน: to whom the letter is addressed, e.g. `อธิบดีกรมบัญชีกลาง`.
    pub addressee: String,
    /// Recipient office codes, e.g. `["กค 0409", "กค 0702"]` (may be empty when there are outside
    /// recipients).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Recipients outside Sarabun (at most 50), beside the offices.
    #[serde(default)]
    pub outside_recipients: Vec<OutsideRecipient>,
    #[serde(default = "normal_urgency")]
    #[schema(value_type = schema::Urgency)]
    pub urgency: Urgency,
    #[serde(default = "no_secrecy")]
    #[schema(value_type = schema::Secrecy)]
    pub secrecy: Secrecy,
    pub deadline: Option<DateTime<Utc>>,
    /// SHA-256 of the uploaded body PDF.
    pub body_sha256: String,
    /// SHA-256 of uploaded enclosures, in order.
    #[serde(default)]
    pub enclosure_sha256: Vec<String>,
    /// สิ่งที่ส่งมาด้วย, as written in the letter.
    pub enclosures_note: Option<String>,
    #[serde(default)]
    pub references: Vec<ReferenceInput>,
    pub signer_name: String,
    pub signer_position: String,
    /// Years to keep the letter: 0 to keep it permanently (ห้ามทำลาย), otherwise at least 1;
    /// 10 when absent, as the Regulation sets.
    pub retention_years: Option<i32>,
}

fn normal_series() -> Series {
    Series::Normal
}
fn normal_urgency() -> Urgency {
    Urgency::Normal
}
fn no_secrecy() -> Secrecy {
    Secrecy::None
}

/// Inbox filters from the query string.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxFilter {
    #[param(value_type = Option<schema::DeliveryState>)]
    pub state: Option<DeliveryState>,
    #[param(value_type = Option<schema::Urgency>)]
    pub urgency: Option<Urgency>,
    /// Sender office code.
    pub from: Option<String>,
    /// Delivered at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Delivered before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Text to find in the subject or the letter number.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    /// Continue after this delivery: the `after` of the page before, for the page that follows it
    /// (instead of `page`).
    pub after: Option<String>,
}

impl From<ReferenceInput> for sarabun_routing::ReferenceInput {
    fn from(r: ReferenceInput) -> Self {
        Self { number: r.number, date: r.date, subject: r.subject }
    }
}

impl From<Compose> for sarabun_routing::Compose {
    fn from(c: Compose) -> Self {
        Self {
            kind: c.kind,
            series: c.series,
            subject: c.subject,
            addressee: c.addressee,
            recipients: c.recipients,
            urgency: c.urgency,
            secrecy: c.secrecy,
            deadline: c.deadline,
            body_sha256: c.body_sha256,
            enclosure_sha256: c.enclosure_sha256,
            enclosures_note: c.enclosures_note,
            references: c.references.into_iter().map(Into::into).collect(),
            signer_name: c.signer_name,
            signer_position: c.signer_position,
            retention_years: c.retention_years,
            outside_recipients: c.outside_recipients.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<InboxFilter> for sarabun_routing::InboxFilter {
    fn from(f: InboxFilter) -> Self {
        Self {
            state: f.state,
            urgency: f.urgency,
            from: f.from,
            since: f.since,
            until: f.until,
            q: f.q,
            page: f.page,
            per_page: f.per_page,
            after: f.after,
        }
    }
}

/// A draft letter's fields: the letter as it will be sent, without its body (the draft's latest
/// version) and signer (whoever signs it).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftFields {
    #[schema(value_type = schema::LetterKind)]
    pub kind: LetterKind,
    #[serde(default = "normal_series")]
    #[schema(value_type = schema::Series)]
    pub series: Series,
    pub subject: String,
    /// เรียน: to whom the letter is addressed.
    pub addressee: String,
    /// Recipient office codes.
    pub recipients: Vec<String>,
    #[serde(default = "normal_urgency")]
    #[schema(value_type = schema::Urgency)]
    pub urgency: Urgency,
    #[serde(default = "no_secrecy")]
    #[schema(value_type = schema::Secrecy)]
    pub secrecy: Secrecy,
    pub deadline: Option<DateTime<Utc>>,
    /// SHA-256 of enclosures uploaded by the office (`POST /documents`), in order.
    #[serde(default)]
    pub enclosure_sha256: Vec<String>,
    pub enclosures_note: Option<String>,
    #[serde(default)]
    pub references: Vec<ReferenceInput>,
    pub retention_years: Option<i32>,
}

impl From<DraftFields> for sarabun_routing::DraftFields {
    fn from(d: DraftFields) -> Self {
        Self {
            kind: d.kind,
            series: d.series,
            subject: d.subject,
            addressee: d.addressee,
            recipients: d.recipients,
            urgency: d.urgency,
            secrecy: d.secrecy,
            deadline: d.deadline,
            enclosure_sha256: d.enclosure_sha256,
            enclosures_note: d.enclosures_note,
            references: d
                .references
                .into_iter()
                .map(|r| sarabun_routing::draft::ReferenceInputStored {
                    number: r.number,
                    date: r.date,
                    subject: r.subject,
                })
                .collect(),
            retention_years: d.retention_years,
        }
    }
}
