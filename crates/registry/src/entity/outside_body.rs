//! The `outside_bodies` table: an office's address book of bodies outside Sarabun.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::BodyKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outside_bodies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub office_id: String,
    pub kind: Stored<BodyKind>,
    pub name: String,
    /// The name as searched (`domain::arrival::name_key`).
    pub name_key: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
