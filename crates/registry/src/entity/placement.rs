//! The `placements` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::Authority;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "placements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub office_id: String,
    /// None: at the office itself (its head and deputies).
    pub unit_id: Option<String>,
    pub authority: Stored<Authority>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
