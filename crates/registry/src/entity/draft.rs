//! The `drafts` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::DraftState;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drafts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub office_id: String,
    pub drafter_user_id: String,
    pub state: Stored<DraftState>,
    /// The letter's fields as composed, JSON (`routing::DraftFields`).
    pub fields_json: String,
    pub subject: String,
    /// Where on the chain the draft is (0-based).
    pub position: i32,
    pub latest_version: i32,
    /// Bumped by every step (the optimistic lock).
    pub revision: i64,
    pub letter_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
