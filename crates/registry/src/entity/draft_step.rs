//! The `draft_steps` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::DraftStepKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "draft_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub draft_id: String,
    pub kind: Stored<DraftStepKind>,
    pub actor_user_id: String,
    pub actor_name: String,
    pub actor_position: String,
    pub for_user_id: Option<String>,
    pub version_number: i32,
    pub comment: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
