//! The `register_entries` table seen by cancelling a number: only the line's key and its
//! cancellation columns (from m0008). Kept apart from `register_entry` so that code writing whole
//! register lines (send, receive) need not know about cancelling.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "register_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub office_id: String,
    pub register: String,
    pub series: String,
    pub year_be: i32,
    pub seq: i64,
    pub cancelled: bool,
    pub cancelled_reason: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
