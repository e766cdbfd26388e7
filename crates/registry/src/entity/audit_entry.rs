//! The `audit_entries` table: one canonical-JSON entry per index, never updated or deleted.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::EventKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub idx: i64,
    pub at: DateTimeUtc,
    pub action: Stored<EventKind>,
    /// The letter the entry concerns, for the trail query.
    pub letter_id: Option<String>,
    pub delivery_id: Option<String>,
    /// The exact bytes that are hashed into the tree.
    pub entry: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
