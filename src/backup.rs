//! `sarabun backup DIR` and `sarabun restore DIR`: find the node's database and data directory in
//! the settings, call `routing::backup`, and tell the operator what was written and what was not
//! (the master key, and on PostgreSQL the database), and how to keep those.

use sarabun_domain::{Clock, SystemClock};
use sarabun_routing::backup::{self, BackupError};
use sarabun_routing::storage;
use sarabun_server::Settings;
use std::path::Path;

/// Backs up the node of `settings` into `dir`; exit code 1 when refused.
pub async fn backup(settings: Settings, dir: &Path) -> anyhow::Result<i32> {
    let url = settings.database_url();
    let data_dir = &settings.storage.data_dir;
    let embedded = storage::is_sqlite(&url);
    if embedded && settings.storage.database_url.trim().is_empty() && !data_dir.join(backup::DATABASE_FILE).is_file() {
        eprintln!("sarabun: backup refused: there is no node database at {}", data_dir.join("sarabun.db").display());
        return Ok(1);
    }
    let blobs = match settings.blob_location() {
        Ok(blobs) => blobs,
        Err(e) => {
            eprintln!("sarabun: backup refused: storage.blobs: {e}");
            return Ok(1);
        }
    };
    let source = backup::BackupSource { database_url: &url, blobs: &blobs, data_dir };
    let report = match backup::backup(&source, dir, SystemClock.now()).await {
        Ok(report) => report,
        Err(e) => return refused("backup", &e),
    };
    let m = &report.manifest;
    let what = if m.database.is_some() { "the database and " } else { "" };
    println!(
        "backed up {what}{} documents ({} bytes in all) into {}",
        report.blobs(),
        report.bytes(),
        report.dir.display()
    );
    println!("  schema: {} migrations, the last {}", m.migrations.len(), m.migrations.last().map_or("-", |s| s));
    println!("  audit log at the snapshot: {} entries, root {}", m.audit.size, m.audit.root);
    if m.database.is_none() {
        println!(
            "  the database is PostgreSQL and NOT in this backup: take it with pg_dump (README, Backup and restore)"
        );
    }
    println!("  the master key is NOT in this backup; {}", master_key_advice(&settings));
    Ok(0)
}

/// Restores the backup in `dir` into the data directory of `settings`; exit code 1 when refused.
pub async fn restore(settings: Settings, dir: &Path) -> anyhow::Result<i32> {
    let data_dir = &settings.storage.data_dir;
    let report = match backup::restore(dir, data_dir).await {
        Ok(report) => report,
        Err(e) => return refused("restore", &e),
    };
    let m = &report.manifest;
    let what = if report.database { "the database and " } else { "" };
    println!(
        "restored {what}{} documents from {} (taken {}) into {}",
        report.blobs,
        dir.display(),
        m.created_at.to_rfc3339(),
        report.data_dir.display()
    );
    println!("  audit log as backed up: {} entries, root {}", m.audit.size, m.audit.root);
    if !report.database {
        println!("  the database was PostgreSQL: restore it with pg_restore (README, Backup and restore)");
    }
    println!(
        "  before starting the node, put its master key back: the backed-up master.key into {} (mode 0600), \
         or the same keys.master_key; a node started without it makes a new key and cannot open the office keys",
        data_dir.display()
    );
    Ok(0)
}

fn refused(what: &str, e: &BackupError) -> anyhow::Result<i32> {
    eprintln!("sarabun: {what} refused: {e}");
    Ok(1)
}

fn master_key_advice(settings: &Settings) -> String {
    if settings.keys.master_key.trim().is_empty() {
        let key = settings.storage.data_dir.join("master.key");
        format!(
            "it is the file {0}: copy it to a safe place of its own, e.g. `install -m 0600 {0} /secure/sarabun-master.key`",
            key.display()
        )
    } else {
        "it is configured (keys.master_key, SARABUN_KEYS__MASTER_KEY): keep a copy in your secret store, apart from \
         the backup"
            .into()
    }
}
