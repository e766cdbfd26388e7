//! Text search by index: a letter's subject and number are found by any substring of three
//! characters or more without reading every letter, also in Thai, which has no spaces between
//! words. Both databases index trigrams (runs of three characters), so no word breaking is needed.
//!
//! - SQLite: an FTS5 table `letters_text` with the trigram tokenizer (case folded), holding each
//!   letter's id, subject and number; triggers on `letters` keep it in step in the same
//!   transaction as the change, and the existing letters are copied in here.
//! - PostgreSQL: GIN indexes with `gin_trgm_ops` (extension `pg_trgm`, part of the standard contrib
//!   package) on `letters.subject` and `letters.number`, which serve `ILIKE '%…%'`. A server
//!   without the extension stops the migration with a message saying what to install.
//!
//! The B-tree `ix_letters_text`, which a search used to scan from end to end, goes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE letters_text USING fts5(letter_id UNINDEXED, subject, number, tokenize = 'trigram')",
    "INSERT INTO letters_text (letter_id, subject, number) SELECT id, subject, number FROM letters",
    "CREATE TRIGGER letters_text_insert AFTER INSERT ON letters BEGIN \
       INSERT INTO letters_text (letter_id, subject, number) VALUES (new.id, new.subject, new.number); END",
    "CREATE TRIGGER letters_text_update AFTER UPDATE OF id, subject, number ON letters BEGIN \
       DELETE FROM letters_text WHERE letter_id = old.id; \
       INSERT INTO letters_text (letter_id, subject, number) VALUES (new.id, new.subject, new.number); END",
    "CREATE TRIGGER letters_text_delete AFTER DELETE ON letters BEGIN \
       DELETE FROM letters_text WHERE letter_id = old.id; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS letters_text_delete",
    "DROP TRIGGER IF EXISTS letters_text_update",
    "DROP TRIGGER IF EXISTS letters_text_insert",
    "DROP TABLE IF EXISTS letters_text",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_letters_subject_trgm ON letters USING gin (subject gin_trgm_ops)",
    "CREATE INDEX ix_letters_number_trgm ON letters USING gin (number gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] =
    &["DROP INDEX IF EXISTS ix_letters_number_trgm", "DROP INDEX IF EXISTS ix_letters_subject_trgm"];

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
            DatabaseBackend::Postgres => {
                let db = m.get_connection();
                let available = db
                    .query_one_raw(Statement::from_string(
                        DatabaseBackend::Postgres,
                        "SELECT 1 AS present FROM pg_available_extensions WHERE name = 'pg_trgm'",
                    ))
                    .await?;
                if available.is_none() {
                    return Err(DbErr::Migration(
                        "PostgreSQL's pg_trgm extension is not available on this server; Sarabun's text \
                         search needs it. Install the server's contrib package (Debian and Ubuntu: \
                         postgresql-contrib; RHEL: postgresql-contrib), then start Sarabun again."
                            .into(),
                    ));
                }
                run(m, POSTGRES_UP).await?;
            }
            _ => run(m, SQLITE_UP).await?,
        }
        m.drop_index(Index::drop().name("ix_letters_text").table("letters").to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Postgres => run(m, POSTGRES_DOWN).await?,
            _ => run(m, SQLITE_DOWN).await?,
        }
        m.create_index(
            Index::create()
                .name("ix_letters_text")
                .table("letters")
                .col("subject")
                .col("number")
                .col("id")
                .col("secrecy")
                .col("office_id")
                .col("sent_at")
                .to_owned(),
        )
        .await
    }
}
