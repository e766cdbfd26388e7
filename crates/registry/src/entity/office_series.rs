//! The `office_series` table (m0012): the series beyond normal and circular an office keeps.

use crate::Stored;
use sarabun_domain::Series;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "office_series")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub office_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub series: Stored<Series>,
    pub chosen_by: String,
    pub chosen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
