//! Witnessed checkpoints (C2SP tlog-witness and tlog-cosignature). `witness_logs` is what this node,
//! as a witness, remembers of each pinned peer's audit log: the last checkpoint it cosigned (size,
//! root and the note) and, once a checkpoint inconsistent with it was presented, the alarm and that
//! checkpoint as evidence (the log is then refused until an operator clears the alarm).
//! `audit_cosignatures` holds the cosignature lines the peers' witnesses gave this node's own
//! checkpoints, one per checkpoint size and witness, appended to the note when it is served.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("witness_logs")
                // The log's origin (its checkpoints' first line).
                .col(string("origin").primary_key())
                // The fingerprint of the peer whose log it is.
                .col(string("peer"))
                // The last cosigned checkpoint: size, root (hex) and the note as presented.
                .col(big_integer("size"))
                .col(string("root"))
                .col(text("note"))
                .col(timestamp_with_time_zone("cosigned_at"))
                // A split view: what was wrong, when, and the checkpoint presented (evidence).
                .col(text_null("alarm"))
                .col(timestamp_with_time_zone_null("alarm_at"))
                .col(text_null("evidence"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_cosignatures")
                .col(big_integer("size"))
                // The witness's key name.
                .col(string("witness"))
                // The peer node whose witness it is.
                .col(string("peer"))
                // The signature line as the witness gave it, with its newline.
                .col(text("line"))
                .col(timestamp_with_time_zone("cosigned_at"))
                .primary_key(Index::create().col("size").col("witness"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("audit_cosignatures").to_owned()).await?;
        m.drop_table(Table::drop().table("witness_logs").to_owned()).await
    }
}
