//! The signed payloads of FORMATS.md: the envelope that seals a letter and the receipt or rejection
//! that answers one delivery. Field names are part of the wire format; optional fields are left out
//! rather than written as `null`, because canonical JSON has no `null`.

use chrono::{DateTime, SecondsFormat, Utc};
use sarabun_domain::{LetterKind, Secrecy, Series, Urgency};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The payload version written into every envelope and receipt.
pub const PAYLOAD_VERSION: u32 = 1;

/// Instants on the wire: RFC 3339 in UTC with millisecond precision, e.g. `2026-11-25T08:00:00.000Z`.
pub fn wire_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads an instant written by [`wire_time`] (or any RFC 3339 instant).
pub fn parse_wire_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

/// What a document is to its letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentRole {
    /// The letter itself, a PDF.
    Body,
    /// สิ่งที่ส่งมาด้วย
    Enclosure,
}

impl DocumentRole {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Body => "body",
            Self::Enclosure => "enclosure",
        }
    }
}

/// One document named in an envelope; the digest binds the envelope to the exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentRef {
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub role: DocumentRole,
}

/// An earlier letter this one refers to (อ้างถึง).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LetterReference {
    /// Its letter number, e.g. `กค 0302/1234`.
    pub number: String,
    /// Its date, `YYYY-MM-DD`.
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// The sealed envelope of a letter, signed by the sending office (`typ` = `sarabun-envelope+jws`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopePayload {
    pub v: u32,
    pub letter_id: String,
    /// The letter number as printed, e.g. `กค 0302/1234` or `กค 0302/ว 45`.
    pub number: String,
    pub series: Series,
    /// The letter's date (ลงวันที่), `YYYY-MM-DD`, the Bangkok date of sending.
    pub date: String,
    pub kind: LetterKind,
    pub subject: String,
    pub urgency: Urgency,
    pub secrecy: Secrecy,
    /// The sending office's code.
    pub from: String,
    /// The recipient offices' codes.
    pub to: Vec<String>,
    pub references: Vec<LetterReference>,
    pub documents: Vec<DocumentRef>,
    pub sealed_at: String,
}

/// What the recipient decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Received,
    Rejected,
}

/// A receipt or a rejection, signed by the recipient office (`sarabun-receipt+jws` or
/// `sarabun-rejection+jws`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptPayload {
    pub v: u32,
    pub delivery_id: String,
    pub letter_id: String,
    /// SHA-256 of the envelope's compact JWS bytes: which sealed letter this answers.
    pub envelope_sha256: String,
    /// The recipient office's code.
    pub recipient: String,
    pub decision: Decision,
    /// The receive-register number, `{seq}/{year B.E.}`, when received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive_number: Option<String>,
    /// SHA-256 of the stamped body PDF, when received and the body could be stamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamped_sha256: Option<String>,
    /// Why the letter was rejected, when rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub decided_at: String,
    /// The user name of the clerk who decided.
    pub clerk: String,
}
