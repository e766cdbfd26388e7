//! The `units` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::UnitKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub office_id: String,
    /// The unit it sits in; None for a unit directly under the office.
    pub parent_id: Option<String>,
    /// Unique in the office, e.g. `legal`.
    pub code: String,
    pub name_th: String,
    pub kind: Stored<UnitKind>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
