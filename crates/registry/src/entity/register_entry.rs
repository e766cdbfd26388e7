//! The `register_entries` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::{RegisterKind, Series};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "register_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub office_id: String,
    pub register: Stored<RegisterKind>,
    pub series: Stored<Series>,
    pub year_be: i32,
    pub seq: i64,
    pub letter_id: String,
    pub delivery_id: Option<String>,
    pub recorded_at: DateTimeUtc,
    pub letter_number: String,
    pub letter_date: String,
    pub from_text: String,
    pub to_text: String,
    pub subject: String,
    pub action: Option<String>,
    pub remarks: Option<String>,
    pub cancelled: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
