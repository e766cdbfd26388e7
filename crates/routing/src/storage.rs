//! Opening a node's storage: the database named by one URL (`sqlite://…` for the embedded default,
//! `postgres://…` for several nodes), migrated to this binary's schema, and the content-addressed
//! blob store in a directory. The edges open storage only through here, so none of them needs the
//! registry crate.

use sarabun_registry::{Backend, BlobStore, LocalBlobStore, RegistryError};
use sea_orm::DatabaseConnection;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why storage could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database could not be reached, or its schema not brought up to date.
    #[error("database: {0}")]
    Database(#[from] RegistryError),
    /// The blob directory could not be created or opened.
    #[error("data directory {}: {source}", path.display())]
    Blobs { path: PathBuf, source: std::io::Error },
}

/// A node's open storage, ready to be handed to [`crate::Correspondence::new`].
#[derive(Debug, Clone)]
pub struct Storage {
    pub(crate) db: DatabaseConnection,
    pub(crate) blobs: Arc<dyn BlobStore>,
}

impl Storage {
    /// Connects to `database_url` (a pool of at most `max_connections` on PostgreSQL), applies every
    /// pending migration, and opens the blob store under `blob_dir`.
    pub async fn open(database_url: &str, max_connections: u32, blob_dir: &Path) -> Result<Self, StorageError> {
        let db = sarabun_registry::connect(database_url, max_connections).await?;
        sarabun_registry::migrate(&db).await?;
        let blobs = LocalBlobStore::open(blob_dir)
            .await
            .map_err(|source| StorageError::Blobs { path: blob_dir.to_owned(), source })?;
        Ok(Self { db, blobs: Arc::new(blobs) })
    }
}

/// Brings the schema of the database at `database_url` up to date, and nothing else (`sarabun migrate`).
pub async fn migrate(database_url: &str) -> Result<(), StorageError> {
    let db = sarabun_registry::connect(database_url, 2).await?;
    sarabun_registry::migrate(&db).await?;
    Ok(())
}

/// Whether `database_url` names the embedded SQLite database.
pub fn is_sqlite(database_url: &str) -> bool {
    Backend::of(database_url) == Some(Backend::Sqlite)
}

/// `database_url` with any password replaced, for logs and error messages.
pub fn redact(database_url: &str) -> String {
    sarabun_registry::db::redact(database_url)
}
