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

/// The log's tables on SQLite, rebuilt around `idx` as the row key, the hashes as bytes.
const SQLITE_UP: &[&str] = &[
    "CREATE TABLE audit_entries_m0018 ( \
       \"idx\" integer NOT NULL PRIMARY KEY, \
       \"at\" timestamp_with_timezone_text NOT NULL, \
       \"action\" varchar NOT NULL, \
       \"letter_id\" varchar NULL, \
       \"delivery_id\" varchar NULL, \
       \"entry\" text NOT NULL )",
    "INSERT INTO audit_entries_m0018 (idx, at, action, letter_id, delivery_id, entry) \
       SELECT idx, at, action, letter_id, delivery_id, entry FROM audit_entries ORDER BY idx",
    "DROP TABLE audit_entries",
    "ALTER TABLE audit_entries_m0018 RENAME TO audit_entries",
    "CREATE INDEX ix_audit_entries_letter ON audit_entries (letter_id, idx)",
    "CREATE TABLE audit_hashes_m0018 (\"idx\" integer NOT NULL PRIMARY KEY, \"hash\" blob NOT NULL)",
    "INSERT INTO audit_hashes_m0018 (idx, hash) SELECT idx, unhex(hash) FROM audit_hashes ORDER BY idx",
    "DROP TABLE audit_hashes",
    "ALTER TABLE audit_hashes_m0018 RENAME TO audit_hashes",
];

const SQLITE_DOWN: &[&str] = &[
    "CREATE TABLE audit_entries_m0018 ( \
       \"idx\" bigint NOT NULL PRIMARY KEY, \
       \"at\" timestamp_with_timezone_text NOT NULL, \
       \"action\" varchar NOT NULL, \
       \"letter_id\" varchar NULL, \
       \"delivery_id\" varchar NULL, \
       \"entry\" text NOT NULL )",
    "INSERT INTO audit_entries_m0018 (idx, at, action, letter_id, delivery_id, entry) \
       SELECT idx, at, action, letter_id, delivery_id, entry FROM audit_entries ORDER BY idx",
    "DROP TABLE audit_entries",
    "ALTER TABLE audit_entries_m0018 RENAME TO audit_entries",
    "CREATE INDEX ix_audit_entries_letter ON audit_entries (letter_id, idx)",
    "CREATE TABLE audit_hashes_m0018 (\"idx\" bigint NOT NULL PRIMARY KEY, \"hash\" varchar NOT NULL)",
    "INSERT INTO audit_hashes_m0018 (idx, hash) SELECT idx, lower(hex(hash)) FROM audit_hashes ORDER BY idx",
    "DROP TABLE audit_hashes",
    "ALTER TABLE audit_hashes_m0018 RENAME TO audit_hashes",
];

const POSTGRES_UP: &[&str] = &["ALTER TABLE audit_hashes ALTER COLUMN hash TYPE bytea USING decode(hash, 'hex')"];

const POSTGRES_DOWN: &[&str] = &["ALTER TABLE audit_hashes ALTER COLUMN hash TYPE varchar USING encode(hash, 'hex')"];

async fn run(m: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = m.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Postgres => run(m, POSTGRES_UP).await,
            _ => run(m, SQLITE_UP).await,
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Postgres => run(m, POSTGRES_DOWN).await,
            _ => run(m, SQLITE_DOWN).await,
        }
    }
}
