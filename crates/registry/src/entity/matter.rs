//! The `matters` table.

use sea_orm::entity::prelude::*;

use crate::Stored;
use sarabun_domain::MatterState;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matters")]
pub struct Model {
    /// The delivery the office received: one matter per received letter.
    #[sea_orm(primary_key, auto_increment = false)]
    pub delivery_id: String,
    pub office_id: String,
    pub letter_id: String,
    pub state: Stored<MatterState>,
    /// Steps taken so far.
    pub version: i32,
    /// The latest routed copy of the letter.
    pub routed_sha256: String,
    pub folder_id: Option<String>,
    /// Who reported it done or took note of it (the user id of the holder).
    pub finished_by: Option<String>,
    pub opened_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
