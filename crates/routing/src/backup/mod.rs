//! Backup and restore of a node's data (`sarabun backup DIR`, `sarabun restore DIR`). A backup is a
//! directory: the SQLite database as one consistent snapshot taken while the node serves, every
//! document blob that snapshot refers to, and a manifest ([`BackupManifest`]) listing each file with
//! its SHA-256 and size. The database is copied first and the blobs after, from what the copy refers
//! to: a document uploaded after the snapshot is simply not in it, and a blob the snapshot needs that
//! is missing fails the backup. On PostgreSQL the database is left to `pg_dump` and only the blobs
//! and the manifest are written. The master key is never in a backup.
//!
//! These are operator tasks run beside the node (the database is opened, never migrated, and no
//! master key is read), so they are free functions over a database URL and directories rather than
//! methods of [`crate::Correspondence`].
//!
//! Three refusals keep a backup apart from what it protects and from other files: a backup is never
//! written inside the node's data (the data directory, the SQLite file's directory, the blob
//! directory), where it would be copied into the next backup and lost with the disk it guards; a
//! backup that fails leaves nothing that looks like a backup (it is written beside the target and
//! renamed into place only when whole); and a restore refuses a backup holding any file its
//! manifest does not list, since such a file was put there by someone other than `sarabun backup`.

mod manifest;
mod restore;
mod take;

pub use manifest::{
    AuditAtBackup, BACKUP_FORMAT, BackupFile, BackupManifest, DATABASE_FILE, MANIFEST_FILE, MASTER_KEY_NOTE, blob_path,
    is_digest,
};
pub use restore::{RestoreReport, restore, verify};
pub use take::{BackupReport, BackupSource, backup};

use sarabun_registry::RegistryError;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Why a backup or a restore stopped. Every variant names the file or blob concerned.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A backup goes into a new or empty directory only, so two backups are never mixed.
    #[error("{} is not empty: a backup is written into a new or empty directory", path.display())]
    TargetNotEmpty { path: PathBuf },
    /// A backup written inside the node's own data would be copied into the next backup and lost
    /// with the disk it is meant to outlive.
    #[error(
        "{} is inside the node's data ({}): write the backup outside the data directory, \
         preferably on another disk",
        target.display(), data.display()
    )]
    TargetInsideData { target: PathBuf, data: PathBuf },
    /// The data directory to restore into is inside the backup itself.
    #[error("{} is inside the backup {}: restore into a data directory outside the backup", data_dir.display(), backup.display())]
    DataDirInsideBackup { data_dir: PathBuf, backup: PathBuf },
    /// The backup holds a file its manifest does not list (or one that is not a plain file):
    /// `sarabun backup` did not write it, so the backup is not restored as if it had.
    #[error("the backup holds {path}, {what}: refused (a backup holds only the files its manifest lists)")]
    UnexpectedFile { path: String, what: &'static str },
    /// A restore goes into an empty data directory only, so no node's data is overwritten.
    #[error("{} is not empty: restore into an empty (or new) data directory", path.display())]
    DataDirNotEmpty { path: PathBuf },
    /// The database snapshot refers to a document the blob store does not have.
    #[error("the database refers to blob {sha256}, which the blob store does not have")]
    MissingBlob { sha256: String },
    /// A blob in the store is not what its name says.
    #[error("blob {sha256} in the blob store does not match its digest (it is damaged)")]
    DamagedBlob { sha256: String },
    /// The backup has no manifest: not a backup, or one that did not finish.
    #[error("{} has no {MANIFEST_FILE}: not a backup, or an incomplete one", path.display())]
    NoManifest { path: PathBuf },
    /// The manifest cannot be read as one.
    #[error("{}: {reason}", path.display())]
    BadManifest { path: PathBuf, reason: String },
    /// A file the manifest lists is not in the backup.
    #[error("the backup is incomplete: {path} is missing")]
    MissingFile { path: String },
    /// A file of the backup differs from what the manifest says of it.
    #[error("the backup is damaged: {path} {what}")]
    DamagedFile { path: String, what: String },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The database could not be read.
    #[error("database: {0}")]
    Database(#[from] RegistryError),
    /// The database URL names no database Sarabun runs on.
    #[error("unsupported database URL {0}")]
    UnsupportedUrl(String),
    /// A file task stopped before it answered (it panicked or the runtime is shutting down).
    #[error("a file task failed: {0}")]
    Task(String),
    /// The node's blob store could not be opened.
    #[error("blob store: {0}")]
    Blobs(#[from] crate::storage::StorageError),
    /// The audit log's root could not be computed from the snapshot.
    #[error("audit log: {0}")]
    Audit(String),
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.to_owned(), source }
}

/// Whether `dir` is missing or has nothing in it.
fn is_empty_dir(dir: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io_at(dir)(e)),
    }
}

/// `path` made absolute with every symbolic link of its existing part resolved, so that two
/// spellings of one place compare equal. Walked one component at a time, as the kernel does: a
/// `..` steps back from where the path has really got to, and the part that does not exist yet
/// (and so holds no link) is appended as written.
fn resolved(path: &Path) -> Result<PathBuf, BackupError> {
    use std::path::Component;
    let absolute =
        if path.is_absolute() { path.to_owned() } else { std::env::current_dir().map_err(io_at(path))?.join(path) };
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::Prefix(_) | Component::RootDir => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => {
                out.push(name);
                match out.canonicalize() {
                    Ok(real) => out = real,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_at(&out)(e)),
                }
            }
        }
    }
    Ok(out)
}

/// Whether `path` is `dir` or somewhere under it, after [`resolved`].
fn within(path: &Path, dir: &Path) -> Result<bool, BackupError> {
    Ok(resolved(path)?.starts_with(resolved(dir)?))
}

/// Creates `dir` and its missing parents for the node's user alone (0700), and tightens `dir`
/// itself to 0700 if it existed: a backup holds every letter of the node.
fn private_dir(dir: &Path) -> Result<(), BackupError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_at(dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_at(dir))?;
    }
    Ok(())
}

/// Creates a new file for the node's user alone (0600); an existing one is an error.
fn private_file(path: &Path) -> Result<std::fs::File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(io_at(path))
}

/// Writes `bytes` to a new private file at `path` (parents made private too) and syncs it.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        private_dir(parent)?;
    }
    let mut file = private_file(path)?;
    file.write_all(bytes).map_err(io_at(path))?;
    file.sync_all().map_err(io_at(path))
}

/// The SHA-256 (hex) and size of the file at `path`, read in pieces.
fn digest_file(path: &Path) -> Result<(String, u64), std::io::Error> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BackupError> + Send + 'static,
) -> Result<T, BackupError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| Err(BackupError::Task(e.to_string())))
}
