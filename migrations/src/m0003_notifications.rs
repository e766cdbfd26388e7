//! Notifications and schedules: the events a state change leaves for the notification worker, the
//! e-mail outbox, digest items, per-tick job claims (so a scheduled job runs on one node per tick),
//! reminder bookkeeping on deliveries, each person's notification preference, retention periods and
//! legal holds on letters, and the yearly retention lists.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("events")
                .col(string("id").primary_key())
                .col(string("kind"))
                .col(string("letter_id"))
                .col(string_null("delivery_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("processed_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_events_pending").table("events").col("processed_at").col("id").to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("email_outbox")
                .col(string("id").primary_key())
                .col(string_uniq("message_id"))
                .col(string_null("office_id"))
                .col(string_null("letter_id"))
                .col(string("kind"))
                .col(string("to_address"))
                .col(string("to_name"))
                .col(text("subject"))
                .col(text("text_body"))
                .col(text("html_body"))
                .col(string("state"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_email_outbox_due")
                .table("email_outbox")
                .col("state")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("digest_items")
                .col(string("id").primary_key())
                .col(string("to_address"))
                .col(string("to_name"))
                .col(string("language"))
                .col(string_null("office_id"))
                .col(string("letter_id"))
                .col(string("delivery_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("digested_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("job_runs")
                .col(string("job"))
                .col(timestamp_with_time_zone("tick"))
                .col(string("node"))
                .col(timestamp_with_time_zone("started_at"))
                .primary_key(Index::create().col("job").col("tick"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("retention_lists")
                .col(string("office_id"))
                .col(integer("year_be"))
                .col(integer("letters"))
                .col(string("csv_sha256"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("office_id").col("year_be"))
                .to_owned(),
        )
        .await?;

        m.alter_table(Table::alter().table("users").add_column(string("notify").default("immediate")).to_owned())
            .await?;
        m.alter_table(
            Table::alter().table("deliveries").add_column(timestamp_with_time_zone_null("reminded_at")).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("deliveries").add_column(timestamp_with_time_zone_null("escalated_at")).to_owned(),
        )
        .await?;
        // Years to keep the letter; 0 means keep permanently (ห้ามทำลาย).
        m.alter_table(Table::alter().table("letters").add_column(integer("retention_years").default(10)).to_owned())
            .await?;
        m.alter_table(Table::alter().table("letters").add_column(boolean("legal_hold").default(false)).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["retention_lists", "job_runs", "digest_items", "email_outbox", "events"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
