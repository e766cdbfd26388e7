//! The audit log stored for reading it whole: `audit verify` reads every entry and every stored
//! hash in index order, and that read, not hashing, had set its pace.
//!
//! - `audit_hashes.hash` holds the 32 bytes of each hash (`bytea` on PostgreSQL, `BLOB` on
//!   SQLite) instead of 64 hex characters: half the bytes to read and nothing to decode. Existing
//!   hashes are converted in place (`decode(hash, 'hex')`, `unhex(hash)`).
//! - On SQLite, `audit_entries.idx` and `audit_hashes.idx` become `INTEGER PRIMARY KEY`, the
//!   table's own row key: a `bigint PRIMARY KEY` is a separate index beside a hidden row id, so a
//!   range of indexes was a walk of that index plus one table lookup per row. Both tables are
//!   rebuilt with their rows (SQLite cannot change a primary key in place). PostgreSQL's primary
//!   key was already the index range scans use.
//!
//! `down` converts back to the hex text and the former keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The log's tables on SQLite rebuilt with their rows: `idx` declared `key` (`integer` makes it
/// the row key), the hashes of type `hash` converted by `convert` (an SQL function of `hash`).
fn sqlite_rebuild(key: &str, hash: &str, convert: &str) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE audit_entries_m0018 (\"idx\" {key} NOT NULL PRIMARY KEY, \
               \"at\" timestamp_with_timezone_text NOT NULL, \"action\" varchar NOT NULL, \
               \"letter_id\" varchar NULL, \"delivery_id\" varchar NULL, \"entry\" text NOT NULL)"
        ),
        "INSERT INTO audit_entries_m0018 (idx, at, action, letter_id, delivery_id, entry) \
           SELECT idx, at, action, letter_id, delivery_id, entry FROM audit_entries ORDER BY idx"
            .into(),
        "DROP TABLE audit_entries".into(),
        "ALTER TABLE audit_entries_m0018 RENAME TO audit_entries".into(),
        "CREATE INDEX ix_audit_entries_letter ON audit_entries (letter_id, idx)".into(),
        format!("CREATE TABLE audit_hashes_m0018 (\"idx\" {key} NOT NULL PRIMARY KEY, \"hash\" {hash} NOT NULL)"),
        format!("INSERT INTO audit_hashes_m0018 (idx, hash) SELECT idx, {convert} FROM audit_hashes ORDER BY idx"),
        "DROP TABLE audit_hashes".into(),
        "ALTER TABLE audit_hashes_m0018 RENAME TO audit_hashes".into(),
    ]
}

const POSTGRES_UP: &[&str] = &["ALTER TABLE audit_hashes ALTER COLUMN hash TYPE bytea USING decode(hash, 'hex')"];

const POSTGRES_DOWN: &[&str] = &["ALTER TABLE audit_hashes ALTER COLUMN hash TYPE varchar USING encode(hash, 'hex')"];

async fn run(m: &SchemaManager<'_>, statements: &[impl AsRef<str>]) -> Result<(), DbErr> {
    let db = m.get_connection();
    for sql in statements {
        db.execute_unprepared(sql.as_ref()).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Postgres => run(m, POSTGRES_UP).await,
            _ => run(m, &sqlite_rebuild("integer", "blob", "unhex(hash)")).await,
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Postgres => run(m, POSTGRES_DOWN).await,
            _ => run(m, &sqlite_rebuild("bigint", "varchar", "lower(hex(hash))")).await,
        }
    }
}
