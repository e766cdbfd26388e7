//! Taking a backup while the node serves: snapshot the database (SQLite's `VACUUM INTO`, one read
//! transaction that never blocks the node's writer), read from the snapshot what it refers to, copy
//! those blobs, and write the manifest last, so a backup that stopped half-way has no manifest and
//! no restore accepts it. On PostgreSQL the rows are read in one repeatable-read transaction and the
//! database itself is left to `pg_dump`, taken before (so the blobs cover what it refers to).

use super::manifest::{
    AuditAtBackup, BACKUP_FORMAT, BackupFile, BackupManifest, DATABASE_FILE, MANIFEST_FILE, MASTER_KEY_NOTE, blob_path,
};
use super::{BackupError, blocking, digest_file, io_at, is_empty_dir, private_dir, private_file, write_private};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use sarabun_audit::HashPlan;
use sarabun_registry::blob::ReadError;
use sarabun_registry::{Backend, BlobStore, RegistryError, audit_log, backup as rows};
use sea_orm::{AccessMode, ConnectionTrait, DatabaseConnection, IsolationLevel, TransactionTrait};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How many blobs are copied at once.
const COPIES_IN_FLIGHT: usize = 8;

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// The manifest, as written to the backup.
    pub manifest: BackupManifest,
    /// The backup directory.
    pub dir: PathBuf,
}

impl BackupReport {
    /// How many blobs the backup holds.
    pub fn blobs(&self) -> usize {
        self.manifest.files.iter().filter(|f| f.blob().is_some()).count()
    }

    /// The bytes of all files in the backup.
    pub fn bytes(&self) -> u64 {
        self.manifest.files.iter().map(|f| f.size).sum()
    }
}

/// What the snapshot says, read in one consistent view.
struct Snapshot {
    migrations: Vec<String>,
    audit: AuditAtBackup,
    digests: Vec<String>,
}

/// Backs up the node whose database is `database_url` and whose blobs are at `blobs` (a directory
/// or an object store) into `target` (new or empty), stamping the manifest with `now`.
pub async fn backup(
    database_url: &str,
    blobs: &crate::storage::BlobLocation,
    target: &Path,
    now: DateTime<Utc>,
) -> Result<BackupReport, BackupError> {
    let backend =
        Backend::of(database_url).ok_or_else(|| BackupError::UnsupportedUrl(crate::storage::redact(database_url)))?;
    if !is_empty_dir(target)? {
        return Err(BackupError::TargetNotEmpty { path: target.to_owned() });
    }
    private_dir(target)?;
    let db = sarabun_registry::connect(database_url, 2).await?;
    let mut files = Vec::new();
    let (snapshot, database) = match backend {
        Backend::Sqlite => {
            let (snapshot, file) = snapshot_sqlite(db, target).await?;
            files.push(file);
            (snapshot, Some(DATABASE_FILE.to_owned()))
        }
        Backend::Postgres => (snapshot_postgres(db).await?, None),
    };
    let store: Arc<dyn BlobStore> = crate::storage::open_blobs(blobs).await?;
    let copied: Vec<BackupFile> = futures_util::stream::iter(snapshot.digests)
        .map(|sha256| copy_blob(store.clone(), sha256, target.to_owned()))
        .buffered(COPIES_IN_FLIGHT)
        .try_collect()
        .await?;
    files.extend(copied);
    let manifest = BackupManifest {
        format: BACKUP_FORMAT.into(),
        created_at: now,
        backend: match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
        .into(),
        database,
        migrations: snapshot.migrations,
        audit: snapshot.audit,
        master_key: MASTER_KEY_NOTE.into(),
        files,
    };
    let text = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    // Written under another name and renamed, so `manifest.json` exists only once it is whole.
    let staged = target.join(format!("{MANIFEST_FILE}.partial"));
    let done = target.join(MANIFEST_FILE);
    write_private(&staged, &text)?;
    std::fs::rename(&staged, &done).map_err(io_at(&done))?;
    Ok(BackupReport { manifest, dir: target.to_owned() })
}

/// Copies the SQLite database into `target` and reads the copy; answers with the copy's file.
async fn snapshot_sqlite(db: DatabaseConnection, target: &Path) -> Result<(Snapshot, BackupFile), BackupError> {
    let copy = target.join(DATABASE_FILE);
    // Made first so that the copy is the node's user's alone from its first byte.
    drop(private_file(&copy)?);
    rows::vacuum_into(&db, &copy).await?;
    db.close().await.map_err(RegistryError::from)?;
    let snapshot_db = rows::open_snapshot(&copy).await?;
    let snapshot = read_snapshot(&snapshot_db).await?;
    snapshot_db.close().await.map_err(RegistryError::from)?;
    let (sha256, size) = blocking(move || digest_file(&copy).map_err(io_at(&copy))).await?;
    Ok((snapshot, BackupFile { path: DATABASE_FILE.into(), sha256, size }))
}

/// Reads the PostgreSQL database in one repeatable-read transaction; the rows are `pg_dump`'s.
async fn snapshot_postgres(db: DatabaseConnection) -> Result<Snapshot, BackupError> {
    let txn = db
        .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
        .await
        .map_err(RegistryError::from)?;
    let snapshot = read_snapshot(&txn).await?;
    txn.commit().await.map_err(RegistryError::from)?;
    db.close().await.map_err(RegistryError::from)?;
    Ok(snapshot)
}

/// Reads the migrations, the audit log's size and root, and the referenced digests through `conn`.
async fn read_snapshot(conn: &impl ConnectionTrait) -> Result<Snapshot, BackupError> {
    let migrations = rows::applied_migrations(conn).await?;
    let size = audit_log::size(conn).await?;
    let plan = HashPlan::tree_hash(size).map_err(|e| BackupError::Audit(e.to_string()))?;
    let hashes = audit_log::read_hashes(conn, plan.indexes()).await?;
    let root = plan.finish(&hashes).map_err(|e| BackupError::Audit(e.to_string()))?;
    let root = root.first().map(hex::encode).ok_or_else(|| BackupError::Audit("no tree hash".into()))?;
    let digests = rows::referenced_blobs(conn).await?;
    Ok(Snapshot { migrations, audit: AuditAtBackup { size, root }, digests })
}

/// Copies one blob into the backup, checking on the way that it is what its name says.
async fn copy_blob(store: Arc<dyn BlobStore>, sha256: String, target: PathBuf) -> Result<BackupFile, BackupError> {
    let path = blob_path(&sha256);
    // The store checks the digest on every read.
    let bytes = store.read(&sha256).await.map_err(|e| match e {
        ReadError::Missing { sha256 } => BackupError::MissingBlob { sha256 },
        ReadError::Damaged { sha256, .. } => BackupError::DamagedBlob { sha256 },
        ReadError::Store(cause) => io_at(&target.join(&path))(std::io::Error::other(cause)),
    })?;
    let size = bytes.len() as u64;
    let file = target.join(&path);
    blocking(move || write_private(&file, &bytes)).await?;
    Ok(BackupFile { path, sha256, size })
}
