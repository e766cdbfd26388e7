//! The `federation_outbox` table: messages to peer nodes, queued with the send, decision or recall they carry.

use crate::Stored;
use sarabun_domain::{MessageKind, OutboundState};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "federation_outbox")]
pub struct Model {
    /// The message id, the same on every attempt.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The receiving peer's fingerprint.
    pub peer: String,
    pub kind: Stored<MessageKind>,
    pub letter_id: String,
    /// The delivery it concerns on this node (to the remote office, or from it).
    pub delivery_id: String,
    /// The message as posted, JSON, fixed when queued.
    pub body: String,
    pub state: Stored<OutboundState>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
    /// The peer's signed answer, compact JWS.
    pub answer: Option<String>,
    /// Why the peer refused it, or why it was given up.
    pub reason: Option<String>,
    pub queued_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    /// When an operator last had it tried again at once; the retry deadline counts from here.
    pub retry_from: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
