//! The `federation_received` table: every message taken from a peer, with the answer given.

use crate::Stored;
use sarabun_domain::MessageKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "federation_received")]
pub struct Model {
    /// The peer's message id; unique, so a message takes effect once.
    #[sea_orm(primary_key, auto_increment = false)]
    pub message_id: String,
    pub peer: String,
    pub kind: Stored<MessageKind>,
    /// SHA-256 of the body first taken.
    pub body_sha256: String,
    /// `arrived`, `recorded` or `invalid`.
    pub status: String,
    /// The signed answer given, compact JWS; a duplicate gets it again.
    pub answer: String,
    pub letter_id: Option<String>,
    pub delivery_id: Option<String>,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
