//! The `route_steps` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::{StandInKind, StepKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "route_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub delivery_id: String,
    pub office_id: String,
    /// 1, 2, … along the matter.
    pub seq: i32,
    pub kind: Stored<StepKind>,
    pub actor_user_id: String,
    pub actor_name: String,
    pub actor_position: String,
    /// The person the actor stood in for.
    pub for_user_id: Option<String>,
    pub for_name: Option<String>,
    pub for_position: Option<String>,
    pub stand_in_kind: Option<Stored<StandInKind>>,
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub to_text: Option<String>,
    pub due_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The routed copy with this step's minute, when it wrote one.
    pub routed_sha256: Option<String>,
    pub answer_letter_id: Option<String>,
    pub folder_id: Option<String>,
    /// Comma-separated document ids attached to the step.
    #[sea_orm(column_type = "Text", nullable)]
    pub documents: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
