//! The `pending_grants` table: a privileged role or a clearance proposed by one system admin and
//! waiting for another's approval.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub username: String,
    /// Comma-separated role names to add; empty when only the clearance is granted.
    pub roles: String,
    pub clearance: Option<String>,
    pub proposed_by: String,
    pub proposed_at: DateTimeUtc,
    /// `pending`, `approved` or `refused`.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
