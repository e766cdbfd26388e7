//! The `digest_items` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "digest_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub to_address: String,
    pub to_name: String,
    pub language: String,
    pub office_id: Option<String>,
    pub letter_id: String,
    pub delivery_id: String,
    pub created_at: DateTimeUtc,
    pub digested_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
