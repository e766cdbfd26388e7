//! The audit log's queue: an entry is written here by the transaction that makes the change it
//! records (so it commits or vanishes with it), without an index; the sequencer
//! (`routing::audit::Correspondence::integrate`) then gives queued entries their indexes in queue
//! order, in batches, appends them to `audit_entries` with their tree hashes and removes them from
//! the queue, in one transaction holding the log head. Writers thus no longer wait on the head row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("audit_queue")
                .col(big_integer("id").auto_increment().primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(string("action"))
                .col(string_null("letter_id"))
                .col(string_null("delivery_id"))
                // The entry as canonical JSON without its index, which integration adds.
                .col(text("body"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("audit_queue").to_owned()).await
    }
}
