//! An office found by typing part of its code or name (the inbox's sender filter, the register's
//! office, `GET /offices?q=`) rather than by listing the directory. On PostgreSQL, trigram GIN
//! indexes on the office's code and names serve the `ILIKE '%…%'` of
//! `registry::directory::offices_matching`, so a lookup reads the few matching offices of a
//! directory of ten thousand. SQLite has no such index for `LIKE '%…%'`; there the lookup scans
//! the offices table, stopping at its limit, which at ten thousand rows is a millisecond or two.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `pg_trgm` is there since m0013.
const POSTGRES_UP: &[&str] = &[
    "CREATE INDEX ix_offices_code_trgm ON offices USING gin (code gin_trgm_ops)",
    "CREATE INDEX ix_offices_name_th_trgm ON offices USING gin (name_th gin_trgm_ops)",
    "CREATE INDEX ix_offices_name_en_trgm ON offices USING gin (name_en gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_offices_name_en_trgm",
    "DROP INDEX IF EXISTS ix_offices_name_th_trgm",
    "DROP INDEX IF EXISTS ix_offices_code_trgm",
];

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
            _ => Ok(()),
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Postgres => run(m, POSTGRES_DOWN).await,
            _ => Ok(()),
        }
    }
}
