//! The `audit_cosignatures` table: the cosignature a peer's witness gave one of this node's
//! checkpoints, by checkpoint size and witness name.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_cosignatures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub size: i64,
    /// The witness's key name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub witness: String,
    /// The fingerprint of the peer node whose witness it is.
    pub peer: String,
    /// The signature line (`— <name> <base64>` and a newline).
    pub line: String,
    pub cosigned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
