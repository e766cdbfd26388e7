//! The `federation_offices` table: which offices of the directory a peer node serves, with their keys.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "federation_offices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub office_id: String,
    /// The fingerprint of the peer that serves it.
    pub peer: String,
    /// The office's keys from the peer's description, a JWK Set (JSON).
    pub keys_json: String,
    pub refreshed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
