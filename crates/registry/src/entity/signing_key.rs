//! The `signing_keys` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// The private key sealed under the signing PIN (`sarabun_pades::keyseal`), base64.
    pub sealed_key: String,
    /// The certificate chain, leaf first, PEM.
    pub chain_pem: String,
    pub subject: String,
    pub fingerprint_sha256: String,
    /// `node_ca` or `pkcs12`.
    pub source: String,
    pub not_after: DateTimeUtc,
    pub enrolled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
