//! The manifest of a backup (`manifest.json`): every file in it with its SHA-256 and size, and what
//! the database held at the snapshot (schema migrations, the audit log's size and root), so that a
//! restore can refuse a damaged or incomplete copy before writing anything and an operator can
//! compare the restored log with what was backed up.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The format line of a manifest this binary writes and reads.
pub const BACKUP_FORMAT: &str = "sarabun-backup/1";

/// The file name of the manifest inside a backup directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The file name of the SQLite database, in a backup and in a data directory alike.
pub const DATABASE_FILE: &str = "sarabun.db";

/// What the master key line of every manifest says: the key is never in a backup.
pub const MASTER_KEY_NOTE: &str = "not included: back up the master key separately (keys.master_key, or \
     <data_dir>/master.key on the embedded default) and keep it apart from this backup";

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupManifest {
    /// [`BACKUP_FORMAT`].
    pub format: String,
    /// When the backup was taken (the node's clock).
    pub created_at: DateTime<Utc>,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The database file in the backup ([`DATABASE_FILE`]), or `None` when the database is
    /// PostgreSQL and was left to `pg_dump`.
    pub database: Option<String>,
    /// The schema migrations applied to the database at the snapshot, oldest first.
    pub migrations: Vec<String>,
    /// The audit log at the snapshot.
    pub audit: AuditAtBackup,
    /// Always [`MASTER_KEY_NOTE`].
    pub master_key: String,
    /// Every file of the backup but the manifest itself.
    pub files: Vec<BackupFile>,
}

/// The audit log's size and tree root (hex) at the snapshot, and how many entries were committed
/// but not yet integrated then (`audit_queue`): a node on the restored data integrates those first,
/// after the `size` entries, so its log starts at `size + queued` with this tree as its prefix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditAtBackup {
    pub size: u64,
    pub root: String,
    #[serde(default)]
    pub queued: u64,
}

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BackupFile {
    /// Relative to the backup directory, `/`-separated: [`DATABASE_FILE`] or a [`blob_path`].
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// Where a blob lives inside a backup: `blobs/ab/cd/abcd…`, as in the blob store.
pub fn blob_path(sha256: &str) -> String {
    format!("blobs/{}/{}/{sha256}", &sha256[..2], &sha256[2..4])
}

/// Whether `text` is a lower-case hex SHA-256, the only name a blob may have.
pub fn is_digest(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl BackupFile {
    /// The blob digest this file holds, when it is a blob ([`blob_path`] of its own digest).
    pub fn blob(&self) -> Option<&str> {
        (is_digest(&self.sha256) && self.path == blob_path(&self.sha256)).then_some(self.sha256.as_str())
    }
}
