//! The `audit_queue` table: audit entries committed with their change and not yet given an index
//! (see `audit_log::queue_entry` and `audit_log::integrate_batch`).

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::EventKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_queue")]
pub struct Model {
    /// Queue order, which is the order integration gives indexes in.
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub action: Stored<EventKind>,
    pub letter_id: Option<String>,
    pub delivery_id: Option<String>,
    /// The entry as canonical JSON without its `index`.
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
