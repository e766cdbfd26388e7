//! The `letter_documents` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub letter_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub sha256: String,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub role: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
