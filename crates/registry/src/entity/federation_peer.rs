//! The `federation_peers` table: each pinned peer node's last verified description.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "federation_peers")]
pub struct Model {
    /// SHA-256 of the peer's node key, hex: the pin its operator configured.
    #[sea_orm(primary_key, auto_increment = false)]
    pub fingerprint: String,
    /// Where the description is fetched (the configured URL).
    pub url: String,
    /// Where messages are posted, as the description says.
    pub endpoint: String,
    /// The node key, raw base64url.
    pub node_key: String,
    /// The peer's audit log verifier key.
    pub log_key: String,
    /// The signed description as fetched, compact JWS.
    pub description: String,
    pub refreshed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
