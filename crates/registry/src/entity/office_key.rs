//! The `office_keys` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "office_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    pub office_id: String,
    /// Raw public key, base64url.
    pub public_key: String,
    /// Private key sealed under the master key; never leaves the node unsealed.
    pub sealed_private_key: String,
    pub valid_from: DateTimeUtc,
    pub valid_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
