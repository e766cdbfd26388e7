//! Bringing a backup back: every file is checked against the manifest before anything is written
//! (a damaged or incomplete backup is refused, naming the file, and so is one holding a file the
//! manifest does not list, or anything but plain files and directories), then the database and the blobs
//! are written into an empty data directory with the node's private modes (directories 0700,
//! files 0600). The blobs go in through the blob store itself, which names each by the digest of
//! what it was given, so a blob can only land under its own name.

use super::manifest::{BACKUP_FORMAT, BackupManifest, DATABASE_FILE, MANIFEST_FILE};
use super::{BackupError, blocking, digest_file, io_at, is_empty_dir, private_dir, private_file, within};
use futures_util::{StreamExt, TryStreamExt};
use sarabun_registry::{BlobStore, LocalBlobStore};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// How many blobs are written at once (each is synced, so a few in flight hide the waits).
const PUTS_IN_FLIGHT: usize = 8;

/// What a restore wrote.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The manifest of the backup restored.
    pub manifest: BackupManifest,
    /// The data directory written.
    pub data_dir: PathBuf,
    /// Whether a database file was restored (not for a PostgreSQL node's backup).
    pub database: bool,
    /// How many blobs were restored.
    pub blobs: usize,
}

/// Checks the backup in `source` against its manifest: every listed file present, of its size and
/// SHA-256, each under a name it may have, and nothing else in it (but directories and the
/// manifest). Returns the manifest.
pub async fn verify(source: &Path) -> Result<BackupManifest, BackupError> {
    let manifest = read_manifest(source)?;
    if let Some(database) = &manifest.database
        && (database != DATABASE_FILE || !manifest.files.iter().any(|f| &f.path == database))
    {
        return Err(bad(source, format!("the manifest names the database {database:?} but does not list it")));
    }
    for file in &manifest.files {
        if file.path != DATABASE_FILE && file.blob().is_none() {
            return Err(bad(source, format!("the manifest lists {:?}, which is no file a backup holds", file.path)));
        }
    }
    let source = source.to_owned();
    let files = manifest.files.clone();
    blocking(move || {
        let listed: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        refuse_unlisted(&source, &source, &listed)?;
        for file in &files {
            let path = source.join(&file.path);
            let (sha256, size) = match digest_file(&path) {
                Ok(found) => found,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(BackupError::MissingFile { path: file.path.clone() });
                }
                Err(e) => return Err(io_at(&path)(e)),
            };
            if size != file.size {
                let what = format!("has {size} bytes, the manifest says {}", file.size);
                return Err(BackupError::DamagedFile { path: file.path.clone(), what });
            }
            if sha256 != file.sha256 {
                let what = format!("has SHA-256 {sha256}, the manifest says {}", file.sha256);
                return Err(BackupError::DamagedFile { path: file.path.clone(), what });
            }
        }
        Ok(())
    })
    .await?;
    Ok(manifest)
}

/// Verifies the backup in `source`, then restores it into `data_dir`, which must be empty or new.
pub async fn restore(source: &Path, data_dir: &Path) -> Result<RestoreReport, BackupError> {
    if within(data_dir, source)? {
        return Err(BackupError::DataDirInsideBackup { data_dir: data_dir.to_owned(), backup: source.to_owned() });
    }
    let manifest = verify(source).await?;
    if !is_empty_dir(data_dir)? {
        return Err(BackupError::DataDirNotEmpty { path: data_dir.to_owned() });
    }
    private_dir(data_dir)?;
    if manifest.database.is_some() {
        let (from, to) = (source.join(DATABASE_FILE), data_dir.join(DATABASE_FILE));
        blocking(move || copy_private(&from, &to)).await?;
    }
    let blob_dir = data_dir.join("blobs");
    private_dir(&blob_dir)?;
    let store = LocalBlobStore::open(&blob_dir).await.map_err(io_at(&blob_dir))?;
    let wanted: Vec<(&str, &str)> =
        manifest.files.iter().filter_map(|f| f.blob().map(|sha256| (f.path.as_str(), sha256))).collect();
    let blobs = wanted.len();
    futures_util::stream::iter(wanted)
        .map(|(path, sha256)| put_blob(&store, source, path, sha256))
        .buffer_unordered(PUTS_IN_FLIGHT)
        .try_collect::<()>()
        .await?;
    Ok(RestoreReport { database: manifest.database.is_some(), manifest, data_dir: data_dir.to_owned(), blobs })
}

/// Puts the backup's file `path` into the blob store, checking it lands under `sha256`.
async fn put_blob(store: &LocalBlobStore, source: &Path, path: &str, sha256: &str) -> Result<(), BackupError> {
    let file = source.join(path);
    let bytes = tokio::fs::read(&file).await.map_err(io_at(&file))?;
    let stored = store
        .put_bytes(bytes.into())
        .await
        .map_err(|e| BackupError::Io { path: file.clone(), source: std::io::Error::other(e.to_string()) })?;
    // Checked a moment ago; a file changed since would land under another name, so refuse it.
    if stored.sha256 != sha256 {
        let what = "changed while being restored".to_owned();
        return Err(BackupError::DamagedFile { path: path.to_owned(), what });
    }
    Ok(())
}

/// Walks `dir` (inside the backup `root`) and refuses the first entry that is neither a directory,
/// the manifest, nor a file `listed`. Symbolic links are refused too: `sarabun backup` writes none,
/// and one could point a restore at any file of the machine.
fn refuse_unlisted(root: &Path, dir: &Path, listed: &HashSet<&str>) -> Result<(), BackupError> {
    let entries = std::fs::read_dir(dir).map_err(io_at(dir))?;
    for entry in entries {
        let path = entry.map_err(io_at(dir))?.path();
        let kind = std::fs::symlink_metadata(&path).map_err(io_at(&path))?.file_type();
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if kind.is_dir() {
            refuse_unlisted(root, &path, listed)?;
        } else if !kind.is_file() {
            return Err(BackupError::UnexpectedFile { path: relative, what: "which is not a plain file" });
        } else if relative != MANIFEST_FILE && !listed.contains(relative.as_str()) {
            return Err(BackupError::UnexpectedFile { path: relative, what: "which its manifest does not list" });
        }
    }
    Ok(())
}

fn bad(source: &Path, reason: String) -> BackupError {
    BackupError::BadManifest { path: source.join(MANIFEST_FILE), reason }
}

fn read_manifest(source: &Path) -> Result<BackupManifest, BackupError> {
    let path = source.join(MANIFEST_FILE);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::NoManifest { path: source.to_owned() });
        }
        Err(e) => return Err(io_at(&path)(e)),
    };
    let manifest: BackupManifest =
        serde_json::from_slice(&text).map_err(|e| bad(source, format!("not a backup manifest: {e}")))?;
    if manifest.format != BACKUP_FORMAT {
        return Err(bad(source, format!("format {:?}, this binary reads {BACKUP_FORMAT:?}", manifest.format)));
    }
    Ok(manifest)
}

/// Copies `from` to a new private (0600) file `to` and syncs it.
fn copy_private(from: &Path, to: &Path) -> Result<(), BackupError> {
    let mut reader = std::fs::File::open(from).map_err(io_at(from))?;
    let mut writer = private_file(to)?;
    std::io::copy(&mut reader, &mut writer).map_err(io_at(to))?;
    writer.sync_all().map_err(io_at(to))
}
