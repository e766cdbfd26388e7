//! The `email_outbox` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Stable Message-ID: a resend after a crash carries the same one, so duplicates show.
    #[sea_orm(unique)]
    pub message_id: String,
    /// The office the e-mail concerns, for the status view of that office's admins.
    pub office_id: Option<String>,
    pub letter_id: Option<String>,
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds the e-mail until then; after a crash another worker takes it.
    pub lease_until: Option<DateTimeUtc>,
    /// The SMTP answer or error of the last attempt.
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// The letter to an outside recipient this e-mail carries (its sealed PDF and envelope are
    /// attached when it is sent, and its outcome moves that delivery).
    pub outside_delivery_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
