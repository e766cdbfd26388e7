//! The `route_tasks` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::TaskPurpose;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "route_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub delivery_id: String,
    pub office_id: String,
    pub holder_user_id: String,
    /// The unit the task was given to, held by its head.
    pub unit_id: Option<String>,
    pub purpose: Stored<TaskPurpose>,
    pub lead: bool,
    pub given_by_user_id: String,
    pub due_at: Option<DateTimeUtc>,
    pub opened_by_step: String,
    pub opened_at: DateTimeUtc,
    pub closed_by_step: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
