//! The `stand_ins` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::StandInKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stand_ins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub office_id: String,
    pub absent_user_id: String,
    pub stand_in_user_id: String,
    pub kind: Stored<StandInKind>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// The user name of whoever set it (the absent person or the office admin).
    pub set_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
