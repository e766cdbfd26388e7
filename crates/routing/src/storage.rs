//! Opening a node's storage: the database named by one URL (`sqlite://…` for the embedded default,
//! `postgres://…` for several nodes), migrated to this binary's schema, and the content-addressed
//! blob store in a directory or an S3-compatible object store. The edges open storage only through
//! here, so none of them needs the registry crate.

use sarabun_registry::blob::{CopyError, S3OpenError};
use sarabun_registry::{Backend, BlobStore, LocalBlobStore, RegistryError, S3BlobStore};
use sea_orm::DatabaseConnection;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use sarabun_registry::S3Location;
pub use sarabun_registry::blob::CopyReport;

/// Where a node keeps its documents.
#[derive(Clone)]
pub enum BlobLocation {
    /// A directory on this machine (the embedded default).
    Directory(PathBuf),
    /// An S3-compatible object store, configured by the `AWS_*` pairs of `env` (later pairs win).
    ObjectStore { location: S3Location, env: Vec<(String, String)> },
}

impl std::fmt::Debug for BlobLocation {
    // `env` holds the secret access key: only the place is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Directory(path) => write!(f, "Directory({})", path.display()),
            Self::ObjectStore { location, .. } => write!(f, "ObjectStore({location})"),
        }
    }
}

/// Why storage could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database could not be reached, or its schema not brought up to date.
    #[error("database: {0}")]
    Database(#[from] RegistryError),
    /// The blob directory could not be created or opened.
    #[error("data directory {}: {source}", path.display())]
    Blobs { path: PathBuf, source: std::io::Error },
    /// The object store's settings are incomplete or wrong.
    #[error(transparent)]
    ObjectStore(#[from] S3OpenError),
    /// Copying blobs between stores stopped.
    #[error(transparent)]
    Copy(#[from] CopyError),
}

/// A node's open storage, ready to be handed to [`crate::Correspondence::new`].
#[derive(Debug, Clone)]
pub struct Storage {
    pub(crate) db: DatabaseConnection,
    pub(crate) blobs: Arc<dyn BlobStore>,
}

impl Storage {
    /// Connects to `database_url` (a pool of at most `max_connections` on PostgreSQL), applies every
    /// pending migration, and opens the blob store at `blobs`.
    pub async fn open(database_url: &str, max_connections: u32, blobs: &BlobLocation) -> Result<Self, StorageError> {
        let db = sarabun_registry::connect(database_url, max_connections).await?;
        sarabun_registry::migrate(&db).await?;
        Ok(Self { db, blobs: open_blobs(blobs).await? })
    }
}

async fn open_local(dir: &Path) -> Result<LocalBlobStore, StorageError> {
    LocalBlobStore::open(dir).await.map_err(|source| StorageError::Blobs { path: dir.to_owned(), source })
}

/// Opens the blob store at `at`.
pub(crate) async fn open_blobs(at: &BlobLocation) -> Result<Arc<dyn BlobStore>, StorageError> {
    Ok(match at {
        BlobLocation::Directory(dir) => Arc::new(open_local(dir).await?),
        BlobLocation::ObjectStore { location, env } => Arc::new(S3BlobStore::open(location, env.iter().cloned())?),
    })
}

/// Copies every document of the blob directory `from` into `to`, checking each digest on both
/// sides (`sarabun blobs copy`); blobs `to` already holds intact are left as they are.
pub async fn copy_blobs(from: &Path, to: &BlobLocation) -> Result<CopyReport, StorageError> {
    let source = open_local(from).await?;
    let target = open_blobs(to).await?;
    Ok(sarabun_registry::blob::copy_all(&source, target.as_ref()).await?)
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
