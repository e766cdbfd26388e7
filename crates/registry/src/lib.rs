//! Persistence for Sarabun: the sea-orm entities, connecting and migrating (SQLite or PostgreSQL from
//! one URL), gapless register numbering, the office directory with its people and keys, and the
//! content-addressed blob store for documents. Only this crate writes SQL; callers pass a connection
//! or a transaction (`&impl ConnectionTrait`) so that one user action is one transaction.

pub mod audit_log;
pub mod backup;
pub mod blob;
pub mod db;
pub mod directory;
pub mod directory_accounts;
pub mod drafts;
pub mod entity;
pub mod federation;
pub mod grants;
pub mod ldap;
pub mod letter_listings;
pub mod letters;
pub mod listing;
pub mod log_pages;
pub mod numbering;
pub mod outbox;
pub mod outside;
pub mod outside_send;
pub mod register_ops;
pub mod route;
pub mod series;
pub mod sign_in;
pub mod stored;
pub mod text_search;
pub mod witness;

pub use blob::{BlobStore, LocalBlobStore, ReadError, S3BlobStore, S3Location, StoredBlob};
pub use db::{Backend, connect, migrate};
pub use stored::Stored;

/// Errors of the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("blob store: {0}")]
    Blob(#[from] std::io::Error),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    #[error("{what} {key:?} already exists")]
    Duplicate { what: &'static str, key: String },
}

impl RegistryError {
    /// Whether the database refused a write because a unique key already exists (a lost race).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Db(e) if is_unique_violation(e))
    }
}

/// Whether `err` is a unique-constraint violation, on either backend.
pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// A fresh identifier: a UUIDv7, so that ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
