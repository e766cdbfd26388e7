//! What the web interface needs: when a recipient office first opened each delivery (the inbox's
//! unread mark, and the sender's "opened" column); the letter's secrecy and urgency copied onto each
//! delivery (a sent letter never changes them) with a covering index, so that counting and paging an
//! inbox of 100,000 letters reads one index instead of joining every letter; and indexes for the
//! auditor's search across offices.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter().table("deliveries").add_column(timestamp_with_time_zone_null("opened_at")).to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table("deliveries").add_column(string_null("opened_by")).to_owned()).await?;
        m.alter_table(Table::alter().table("deliveries").add_column(string("secrecy").default("none")).to_owned())
            .await?;
        m.alter_table(Table::alter().table("deliveries").add_column(string("urgency").default("normal")).to_owned())
            .await?;
        // Deliveries made before this migration take their letter's values.
        for column in ["secrecy", "urgency"] {
            m.get_connection()
                .execute_unprepared(&format!(
                    "UPDATE deliveries SET {column} = (SELECT letters.{column} FROM letters WHERE letters.id = deliveries.letter_id)"
                ))
                .await?;
        }
        m.drop_index(Index::drop().name("ix_deliveries_inbox").table("deliveries").to_owned()).await?;
        m.create_index(
            Index::create()
                .name("ix_deliveries_inbox")
                .table("deliveries")
                .col("recipient_office_id")
                .col("delivered_at")
                .col("id")
                .col("secrecy")
                .col("state")
                .col("urgency")
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_letters_sent_at").table("letters").col("sent_at").to_owned()).await?;
        m.create_index(Index::create().name("ix_letters_secrecy").table("letters").col("secrecy").to_owned()).await?;
        // Text search scans this narrow index instead of the letters with their envelopes (subjects
        // are at most 500 characters, well inside PostgreSQL's B-tree entry limit).
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
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_letters_text").table("letters").to_owned()).await?;
        m.drop_index(Index::drop().name("ix_letters_secrecy").table("letters").to_owned()).await?;
        m.drop_index(Index::drop().name("ix_letters_sent_at").table("letters").to_owned()).await?;
        m.drop_index(Index::drop().name("ix_deliveries_inbox").table("deliveries").to_owned()).await?;
        m.create_index(
            Index::create()
                .name("ix_deliveries_inbox")
                .table("deliveries")
                .col("recipient_office_id")
                .col("delivered_at")
                .to_owned(),
        )
        .await?;
        for column in ["urgency", "secrecy", "opened_by", "opened_at"] {
            m.alter_table(Table::alter().table("deliveries").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
