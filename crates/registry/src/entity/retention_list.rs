//! The `retention_lists` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retention_lists")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub office_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year_be: i32,
    pub letters: i32,
    /// The CSV in the blob store.
    pub csv_sha256: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
