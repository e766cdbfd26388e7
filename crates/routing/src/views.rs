//! What the delivery engine answers with: plain serialisable views of letters, deliveries, inbox pages
//! and register entries. They carry wire names and RFC 3339 instants and hold no secrets (no private
//! key, no password hash ever reaches a view).

use crate::schema;
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, LetterKind, LetterState, LineMark, RegisterKind, Role, Secrecy, Series, Urgency};
use sarabun_signing::payload::{DocumentRole, LetterReference};
use serde::Serialize;
use utoipa::ToSchema;

/// An office as shown next to a letter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeRef {
    pub code: String,
    pub name_th: String,
    pub name_en: String,
}

/// An office in the directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeView {
    pub id: String,
    pub code: String,
    pub name_th: String,
    pub name_en: String,
    pub parent_code: Option<String>,
    pub inbox_email: String,
}

/// The signed-in person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeView {
    pub username: String,
    pub full_name: String,
    pub office: OfficeRef,
    #[schema(value_type = Vec<schema::Role>)]
    pub roles: Vec<Role>,
    #[schema(value_type = schema::Secrecy)]
    pub clearance: Secrecy,
}

/// A stored upload, to be named in a letter by its digest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadedDocument {
    pub id: String,
    pub sha256: String,
    pub filename: String,
    pub media_type: String,
    pub size: u64,
}

/// A document of a letter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LetterDocumentView {
    pub position: i32,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub role: DocumentRole,
}

/// One recipient's progress with a letter, as the sender tracks it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackingRow {
    pub delivery_id: String,
    pub office: OfficeRef,
    #[schema(value_type = schema::DeliveryState)]
    pub state: DeliveryState,
    pub delivered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The user name of the clerk who received or rejected it.
    pub decided_by: Option<String>,
    /// `{seq}/{year B.E.}` when received.
    pub receive_number: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub recalled_at: Option<DateTime<Utc>>,
    /// Not yet handled and past the letter's deadline.
    pub overdue: bool,
    /// Whether a signed receipt or rejection can be downloaded.
    pub has_receipt: bool,
    /// SHA-256 of the body with the receiving stamp, when received and stampable.
    pub stamped_sha256: Option<String>,
    /// Why the body could not be stamped; the letter was received all the same.
    pub stamp_error: Option<String>,
    /// When someone of the recipient office first opened the letter.
    pub opened_at: Option<DateTime<Utc>>,
}

/// A letter as its sender, its recipients or an auditor sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LetterView {
    pub id: String,
    pub number: String,
    #[schema(value_type = schema::Series)]
    pub series: Series,
    #[schema(value_type = schema::LetterKind)]
    pub kind: LetterKind,
    pub subject: String,
    pub addressee: String,
    #[schema(value_type = schema::Urgency)]
    pub urgency: Urgency,
    #[schema(value_type = schema::Secrecy)]
    pub secrecy: Secrecy,
    /// ลงวันที่, `YYYY-MM-DD`.
    pub letter_date: String,
    /// The same date as officials write it, e.g. `25 พฤศจิกายน 2569`.
    pub letter_date_th: String,
    pub deadline: Option<DateTime<Utc>>,
    pub from: OfficeRef,
    pub signer_name: String,
    pub signer_position: String,
    pub references: Vec<LetterReference>,
    pub enclosures_note: Option<String>,
    pub documents: Vec<LetterDocumentView>,
    pub envelope_sha256: String,
    #[schema(value_type = schema::LetterState)]
    pub state: LetterState,
    pub sent_at: DateTime<Utc>,
    pub recalled_at: Option<DateTime<Utc>>,
    pub recall_reason: Option<String>,
    /// Every recipient for the sender and auditors; only the reader's own office for a recipient.
    pub recipients: Vec<TrackingRow>,
    /// The recipients outside Sarabun, by e-mail or by post, for the sender and auditors (empty
    /// for a recipient office).
    pub outside_recipients: Vec<crate::OutsideTrackingRow>,
}

/// One line of an inbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxItem {
    pub delivery_id: String,
    pub letter_id: String,
    pub number: String,
    pub subject: String,
    #[schema(value_type = schema::LetterKind)]
    pub kind: LetterKind,
    #[schema(value_type = schema::Urgency)]
    pub urgency: Urgency,
    #[schema(value_type = schema::Secrecy)]
    pub secrecy: Secrecy,
    pub from: OfficeRef,
    pub letter_date: String,
    pub deadline: Option<DateTime<Utc>>,
    #[schema(value_type = schema::DeliveryState)]
    pub state: DeliveryState,
    pub delivered_at: DateTime<Utc>,
    pub receive_number: Option<String>,
    pub overdue: bool,
    /// Whether someone of this office has opened the letter (unread when false).
    pub opened: bool,
    /// For a letter from outside Sarabun, its sender's name from the address book (`from` is then
    /// the office that registered it).
    pub outside_sender: Option<String>,
}

/// One line of the sent-letters list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SentItem {
    pub letter_id: String,
    pub number: String,
    pub subject: String,
    #[schema(value_type = schema::Urgency)]
    pub urgency: Urgency,
    #[schema(value_type = schema::Secrecy)]
    pub secrecy: Secrecy,
    #[schema(value_type = schema::LetterState)]
    pub state: LetterState,
    pub sent_at: DateTime<Utc>,
}

/// A letter found by an auditor's search.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FoundLetter {
    pub from: OfficeRef,
    /// The same fields as a line of the sent list, at the same level.
    #[serde(flatten)]
    pub letter: SentItem,
}

/// A page of results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match. The inbox, the sent list and the auditor's search count up to 10,000 (and
    /// a text search only as far as it looked), so that a page costs the same in a node of a
    /// million letters: see `total_exact`.
    pub total: u64,
    /// Whether `total` is all of them; when false, more than `total` match.
    pub total_exact: bool,
    pub page: u64,
    pub per_page: u64,
    /// Whether more items follow this page.
    pub more: bool,
    /// The inbox only, when more items follow: pass it as `after` for the next page, which is
    /// found directly however deep it is (numbered pages stop where the count stops).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl<T> Page<T> {
    /// A page of a listing counted exactly.
    pub fn counted(items: Vec<T>, total: u64, page: u64, per_page: u64) -> Self {
        let more = page.saturating_mul(per_page) < total;
        Page { items, total, total_exact: true, page, per_page, more, after: None }
    }
}

/// The outcome of receiving or rejecting one delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Decided {
    pub delivery: TrackingRow,
    /// The signed receipt or rejection, compact JWS.
    pub receipt: String,
}

/// One line of a send or receive register.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterEntryView {
    /// `{seq}/{year B.E.}`.
    pub number: String,
    #[schema(value_type = schema::Series)]
    pub series: Series,
    pub seq: i64,
    pub recorded_at: DateTime<Utc>,
    pub letter_id: String,
    pub delivery_id: Option<String>,
    pub letter_number: String,
    pub letter_date: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub action: Option<String>,
    pub remarks: Option<String>,
    pub cancelled: bool,
    /// What the line is: a letter, or a number reserved (filled, expired) or cancelled by hand.
    #[schema(value_type = schema::LineMark)]
    pub mark: LineMark,
    /// Why, by whom and when the number was cancelled.
    pub cancelled_reason: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The reservation of a number reserved for a paper letter (its `letter_id` is empty).
    pub reservation_id: Option<String>,
    /// The clerk's note on the reservation.
    pub note: Option<String>,
    /// When an unfilled reservation shows as expired.
    pub expires_at: Option<DateTime<Utc>>,
    /// How the letter went to recipients outside Sarabun ("by post", "by e-mail"), for the
    /// register's mark; empty until sending outside is recorded on the line.
    pub outside_recipients: Option<String>,
}

/// Numbers just reserved for letters issued on paper.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReservationView {
    pub id: String,
    /// `{seq}/{year B.E.}`.
    pub number: String,
    #[schema(value_type = schema::Series)]
    pub series: Series,
    pub seq: i64,
    #[schema(value_type = schema::LineMark)]
    pub mark: LineMark,
    pub note: String,
    pub reserved_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Where a series continues from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NextNumberView {
    #[schema(value_type = schema::RegisterKind)]
    pub register: RegisterKind,
    #[schema(value_type = schema::Series)]
    pub series: Series,
    /// The B.E. year.
    pub year: i32,
    /// The number the series gives next.
    pub next: i64,
}

/// One e-mail as its office's admins see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmailStatus {
    pub id: String,
    pub message_id: String,
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i32,
    /// The SMTP answer or error of the last attempt.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The series an office keeps (normal and circular always, the others by its admin's choice).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeSeriesView {
    /// Every series the office numbers letters in, in register order.
    #[schema(value_type = Vec<schema::Series>)]
    pub kept: Vec<Series>,
    /// The series an office admin may choose to keep or give up.
    #[schema(value_type = Vec<schema::Series>)]
    pub choosable: Vec<Series>,
}
