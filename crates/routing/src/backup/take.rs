//! Taking a backup while the node serves: snapshot the database (SQLite's `VACUUM INTO`, one read
//! transaction that never blocks the node's writer), read from the snapshot what it refers to, copy
//! those blobs, and write the manifest last. On PostgreSQL the rows are read in one repeatable-read
//! transaction and the database itself is left to `pg_dump`, taken before (so the blobs cover what
//! it refers to).
//!
//! The backup is written into a staging directory beside the target (`<target>.incomplete-<pid>`)
//! and renamed onto the target only when the manifest is in it, so the target is either absent (or
//! still empty) or a whole backup; a backup that fails removes its staging directory, and one that
//! is killed leaves a directory whose name says it is incomplete. The one exception is a target that
//! is an empty mount point (a backup disk): a directory beside it would be on another disk, so the
//! backup is written into it directly and, when it fails, everything written is removed again.

use super::manifest::{
    AuditAtBackup, BACKUP_FORMAT, BackupFile, BackupManifest, DATABASE_FILE, MANIFEST_FILE, MASTER_KEY_NOTE, blob_path,
};
use super::{
    BackupError, blocking, digest_file, io_at, is_empty_dir, private_dir, private_file, within, write_private,
};
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

/// The node to back up: where its database, blobs and data directory are.
#[derive(Debug, Clone, Copy)]
pub struct BackupSource<'a> {
    /// The node's database URL.
    pub database_url: &'a str,
    /// The node's blob store.
    pub blobs: &'a crate::storage::BlobLocation,
    /// The node's data directory (`storage.data_dir`).
    pub data_dir: &'a Path,
}

impl BackupSource<'_> {
    /// The directories that hold the node's data: its data directory, the SQLite file's directory
    /// and a local blob directory. A backup may be in none of them.
    fn data_places(&self) -> Vec<PathBuf> {
        let mut places = vec![self.data_dir.to_owned()];
        if let Some(dir) = sqlite_file(self.database_url).as_deref().and_then(Path::parent) {
            places.push(dir.to_owned());
        }
        if let crate::storage::BlobLocation::Directory(dir) = self.blobs {
            places.push(dir.clone());
        }
        places
    }
}

/// The file of an SQLite URL (`sqlite://PATH?mode=rwc`, `sqlite:PATH`); `None` for other URLs and
/// for an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.trim().strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Where a backup is written before it is whole.
#[derive(Debug)]
enum Staging {
    /// A new directory beside the target, renamed onto it at the end.
    Beside { dir: PathBuf, target: PathBuf },
    /// The target itself (an empty mount point), emptied again if the backup fails.
    InPlace { target: PathBuf },
}

impl Staging {
    /// Chooses and makes the staging directory for `target`, which must be empty or new.
    fn prepare(target: &Path) -> Result<Self, BackupError> {
        if !is_empty_dir(target)? {
            return Err(BackupError::TargetNotEmpty { path: target.to_owned() });
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let Some(name) = target.file_name() else {
            // `.` or `/`: nothing to stage beside, write in place.
            private_dir(target)?;
            return Ok(Self::InPlace { target: target.to_owned() });
        };
        if is_mount_point(target, &parent) {
            private_dir(target)?;
            return Ok(Self::InPlace { target: target.to_owned() });
        }
        private_dir(&parent)?;
        let dir = parent.join(format!("{}.incomplete-{}", name.to_string_lossy(), std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(io_at(&dir))?;
        Ok(Self::Beside { dir, target: target.to_owned() })
    }

    /// Where files are written.
    fn dir(&self) -> &Path {
        match self {
            Self::Beside { dir, .. } => dir,
            Self::InPlace { target } => target,
        }
    }

    /// Puts the whole backup in place.
    fn finish(self) -> Result<(), BackupError> {
        match self {
            // rename(2) replaces an empty directory, and fails if something appeared in it meanwhile.
            Self::Beside { dir, target } => {
                std::fs::rename(&dir, &target).map_err(|e| {
                    let _ = std::fs::remove_dir_all(&dir);
                    io_at(&target)(e)
                })?;
                sync_dir(target.parent().unwrap_or(Path::new(".")));
                Ok(())
            }
            Self::InPlace { .. } => Ok(()),
        }
    }

    /// Removes what a failed backup wrote; the target is left as it was found (absent or empty).
    fn abandon(self) {
        let outcome = match &self {
            Self::Beside { dir, .. } => std::fs::remove_dir_all(dir),
            Self::InPlace { target } => std::fs::read_dir(target).and_then(|entries| {
                for entry in entries {
                    let path = entry?.path();
                    if path.is_dir() { std::fs::remove_dir_all(&path)? } else { std::fs::remove_file(&path)? }
                }
                Ok(())
            }),
        };
        if let Err(e) = outcome {
            tracing::warn!(dir = %self.dir().display(), error = %e, "could not remove what a failed backup wrote");
        }
    }
}

/// Whether `dir` exists and is on another device than `parent` (something is mounted there).
fn is_mount_point(dir: &Path, parent: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(dir), std::fs::metadata(parent)) {
            (Ok(d), Ok(p)) => d.is_dir() && d.dev() != p.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, parent);
        false
    }
}

/// Makes a rename in `dir` durable; a failure only weakens that, so it is not an error.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// What the snapshot says, read in one consistent view.
struct Snapshot {
    migrations: Vec<String>,
    audit: AuditAtBackup,
    digests: Vec<String>,
}

/// Backs up the node of `source` into `target` (new or empty, outside the node's data), stamping
/// the manifest with `now`.
pub async fn backup(source: &BackupSource<'_>, target: &Path, now: DateTime<Utc>) -> Result<BackupReport, BackupError> {
    let backend = Backend::of(source.database_url)
        .ok_or_else(|| BackupError::UnsupportedUrl(crate::storage::redact(source.database_url)))?;
    for data in source.data_places() {
        if within(target, &data)? {
            return Err(BackupError::TargetInsideData { target: target.to_owned(), data });
        }
    }
    let staging = Staging::prepare(target)?;
    match write(source, backend, staging.dir(), now).await {
        Ok(manifest) => {
            staging.finish()?;
            Ok(BackupReport { manifest, dir: target.to_owned() })
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

/// Writes the whole backup into `dir`, the manifest last; answers with the manifest.
async fn write(
    source: &BackupSource<'_>,
    backend: Backend,
    dir: &Path,
    now: DateTime<Utc>,
) -> Result<BackupManifest, BackupError> {
    let db = sarabun_registry::connect(source.database_url, 2).await?;
    let mut files = Vec::new();
    let (snapshot, database) = match backend {
        Backend::Sqlite => {
            let (snapshot, file) = snapshot_sqlite(db, dir).await?;
            files.push(file);
            (snapshot, Some(DATABASE_FILE.to_owned()))
        }
        Backend::Postgres => (snapshot_postgres(db).await?, None),
    };
    let store: Arc<dyn BlobStore> = crate::storage::open_blobs(source.blobs).await?;
    let copied: Vec<BackupFile> = futures_util::stream::iter(snapshot.digests)
        .map(|sha256| copy_blob(store.clone(), sha256, dir.to_owned()))
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
    let staged = dir.join(format!("{MANIFEST_FILE}.partial"));
    let done = dir.join(MANIFEST_FILE);
    write_private(&staged, &text)?;
    std::fs::rename(&staged, &done).map_err(io_at(&done))?;
    sync_dir(dir);
    Ok(manifest)
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
    let queued = audit_log::queue_length(conn).await?;
    Ok(Snapshot { migrations, audit: AuditAtBackup { size, root, queued }, digests })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_file_is_found_in_its_url() {
        assert_eq!(
            sqlite_file("sqlite:///var/lib/sarabun/sarabun.db?mode=rwc").unwrap(),
            Path::new("/var/lib/sarabun/sarabun.db")
        );
        assert_eq!(sqlite_file("sqlite:data/s.db").unwrap(), Path::new("data/s.db"));
        assert!(sqlite_file("sqlite::memory:").is_none());
        assert!(sqlite_file("postgres://u@h/db").is_none());
    }

    #[test]
    fn a_backup_written_in_place_is_emptied_when_abandoned() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("disk");
        std::fs::create_dir(&target).unwrap();
        write_private(&target.join("blobs/ab/cd/x"), b"half").unwrap();
        write_private(&target.join(DATABASE_FILE), b"half").unwrap();
        Staging::InPlace { target: target.clone() }.abandon();
        assert!(target.is_dir() && is_empty_dir(&target).unwrap());
    }

    #[test]
    fn a_staged_backup_leaves_nothing_when_abandoned() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("backup");
        let staging = Staging::prepare(&target).unwrap();
        assert!(matches!(staging, Staging::Beside { .. }));
        write_private(&staging.dir().join(DATABASE_FILE), b"half").unwrap();
        staging.abandon();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
