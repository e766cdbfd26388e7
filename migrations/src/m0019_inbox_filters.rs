//! The inbox filtered by status, by urgency or by both, read from an index that starts with the
//! filter: with only `ix_deliveries_inbox` (office, time, …) a filter that few deliveries match
//! walked the whole inbox to fill one page and to count, a million index entries for an office
//! whose inbox holds a million letters. Each index below keeps the inbox order (time, then id)
//! after the filter's columns and carries the other columns the inbox reads while paging, so a
//! filtered page reads only entries that match.
//!
//! The auditor's listing of every office's letters gets the same: `ix_letters_listing` (time, id,
//! secrecy) is its order, so a page, the count and a page continuing after a letter (`(sent_at,
//! id) < (…)`) read it in order. It replaces `ix_letters_sent_at` (time only: a page continuing
//! after a letter was planned as a scan of every office's letters and a sort) and
//! `ix_letters_secrecy`, which SQLite chose for the auditor's clearance and then sorted every
//! letter to show 25.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Name and columns of each index.
const INDEXES: [(&str, [&str; 6]); 3] = [
    ("ix_deliveries_inbox_state", ["recipient_office_id", "state", "delivered_at", "id", "secrecy", "urgency"]),
    ("ix_deliveries_inbox_urgency", ["recipient_office_id", "urgency", "delivered_at", "id", "secrecy", "state"]),
    ("ix_deliveries_inbox_state_urgency", ["recipient_office_id", "state", "urgency", "delivered_at", "id", "secrecy"]),
];

/// The indexes of `letters` this migration replaces, with their one column.
const REPLACED: [(&str, &str); 2] = [("ix_letters_sent_at", "sent_at"), ("ix_letters_secrecy", "secrecy")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table("deliveries");
            for column in columns {
                index.col(column);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name("ix_letters_listing")
                .table("letters")
                .col("sent_at")
                .col("id")
                .col("secrecy")
                .to_owned(),
        )
        .await?;
        for (name, _) in REPLACED {
            m.drop_index(Index::drop().name(name).table("letters").to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in REPLACED {
            m.create_index(Index::create().name(name).table("letters").col(column).to_owned()).await?;
        }
        m.drop_index(Index::drop().name("ix_letters_listing").table("letters").to_owned()).await?;
        for (name, _) in INDEXES.iter().rev() {
            m.drop_index(Index::drop().name(*name).table("deliveries").to_owned()).await?;
        }
        Ok(())
    }
}
