//! The operator's hold on the queue of messages to peer nodes. `retry_from` is when an operator last
//! had a message tried again at once: the retry schedule's deadline counts from it instead of from
//! the queueing, so a message given up as failed and retried gets a fresh span of days (its id and
//! body never change). The index serves the per-peer view of the queue (depth, oldest, failures).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("federation_outbox")
                .add_column(timestamp_with_time_zone_null("retry_from"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_federation_outbox_peer_state")
                .table("federation_outbox")
                .col("peer")
                .col("state")
                .col("queued_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_federation_outbox_peer_state").table("federation_outbox").to_owned())
            .await?;
        m.alter_table(Table::alter().table("federation_outbox").drop_column("retry_from").to_owned()).await
    }
}
