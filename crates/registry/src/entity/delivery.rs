//! The `deliveries` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::{DeliveryState, Secrecy, Urgency};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub letter_id: String,
    pub recipient_office_id: String,
    pub state: Stored<DeliveryState>,
    pub delivered_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    /// User name of the clerk who received or rejected it.
    pub decided_by: Option<String>,
    pub receive_year_be: Option<i32>,
    pub receive_seq: Option<i64>,
    pub reason: Option<String>,
    /// The signed receipt or rejection, compact JWS.
    pub receipt: Option<String>,
    /// SHA-256 of the body PDF with the receiving stamp, when it could be stamped.
    pub stamped_sha256: Option<String>,
    /// Why the body could not be stamped (`code: message`); the letter was received all the same.
    pub stamp_error: Option<String>,
    pub recalled_at: Option<DateTimeUtc>,
    /// When the recipient office was last reminded that it is overdue.
    pub reminded_at: Option<DateTimeUtc>,
    /// When the sender and the admins of the recipient office were told it is overdue.
    pub escalated_at: Option<DateTimeUtc>,
    /// When someone of the recipient office first opened the letter (the inbox's unread mark).
    pub opened_at: Option<DateTimeUtc>,
    /// User name of that first reader.
    pub opened_by: Option<String>,
    /// The letter's secrecy, copied so that the inbox is counted and paged from one index.
    pub secrecy: Stored<Secrecy>,
    /// The letter's urgency, copied for the same reason.
    pub urgency: Stored<Urgency>,
    /// The office that sent the letter (the letter's `office_id`), copied so that the inbox
    /// filtered by sender is read from one index (m0021).
    pub sender_office_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::letter::Entity", from = "Column::LetterId", to = "super::letter::Column::Id")]
    Letter,
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// A delivery just made: in the recipient office's inbox, untouched. It copies the letter's
    /// sender office, secrecy and urgency so that the inbox is counted and paged from one index.
    pub fn delivered(
        letter_id: &str,
        sender_office_id: &str,
        recipient_office_id: &str,
        at: DateTimeUtc,
        secrecy: Secrecy,
        urgency: Urgency,
    ) -> Self {
        Self {
            id: crate::new_id(),
            letter_id: letter_id.to_owned(),
            recipient_office_id: recipient_office_id.to_owned(),
            state: Stored(DeliveryState::Delivered),
            delivered_at: at,
            decided_at: None,
            decided_by: None,
            receive_year_be: None,
            receive_seq: None,
            reason: None,
            receipt: None,
            stamped_sha256: None,
            stamp_error: None,
            recalled_at: None,
            reminded_at: None,
            escalated_at: None,
            opened_at: None,
            opened_by: None,
            secrecy: Stored(secrecy),
            urgency: Stored(urgency),
            sender_office_id: sender_office_id.to_owned(),
        }
    }
}

impl Related<super::letter::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Letter.def()
    }
}
