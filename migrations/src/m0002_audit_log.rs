//! The audit log: entries (canonical JSON, never updated or deleted), the stored hashes of the
//! RFC 6962 tree over them, the head that serialises appends, signed checkpoints, and the node's
//! own keys (the log key that signs checkpoints).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One row; appending is `UPDATE … SET size = size + 1 RETURNING size` inside the transaction
        // that records the change, so entries get consecutive indexes in commit order.
        m.create_table(
            Table::create().table("audit_head").col(integer("id").primary_key()).col(big_integer("size")).to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table("audit_head")
                .columns(["id", "size"])
                .values_panic([1.into(), 0i64.into()])
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_entries")
                .col(big_integer("idx").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(string("action"))
                .col(string_null("letter_id"))
                .col(string_null("delivery_id"))
                .col(text("entry"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_entries_letter")
                .table("audit_entries")
                .col("letter_id")
                .col("idx")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create().table("audit_hashes").col(big_integer("idx").primary_key()).col(string("hash")).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_checkpoints")
                .col(big_integer("size").primary_key())
                .col(string("root"))
                .col(text("note"))
                .col(timestamp_with_time_zone("signed_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("node_keys")
                .col(string("name").primary_key())
                .col(string("kid"))
                .col(string("public_key"))
                .col(text("sealed_private_key"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["node_keys", "audit_checkpoints", "audit_hashes", "audit_entries", "audit_head"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
