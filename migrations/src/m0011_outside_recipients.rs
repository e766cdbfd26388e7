//! Letters sent to recipients outside Sarabun: one `outside_deliveries` row per outside recipient
//! of a sent letter (an organisation or person, from the office's address book or typed, with an
//! e-mail or a postal address), written in the sending transaction, with its channel (`email` or
//! `post`, domain::OutsideChannel), its state (domain::OutsideDeliveryState), the bounce or failure
//! reason and the day it was posted. An e-mail to such a recipient names its row in the outbox's
//! new `outside_delivery_id`, so the worker attaches the sealed letter and records the outcome.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("outside_deliveries")
                .col(string("id").primary_key())
                .col(string("letter_id"))
                // The sending office.
                .col(string("office_id"))
                // The recipient's place in the letter's list, from 0.
                .col(integer("position"))
                // The address-book entry it was picked from, if any.
                .col(string_null("body_id"))
                // `organisation` or `person` (domain::BodyKind).
                .col(string("kind"))
                .col(text("name"))
                .col(string_null("email"))
                .col(text_null("postal_address"))
                // `email` or `post` (domain::OutsideChannel).
                .col(string("channel"))
                // domain::OutsideDeliveryState.
                .col(string("state"))
                // The relay's answer or the clerk's reason of a bounce or failure.
                .col(text_null("reason"))
                // `YYYY-MM-DD`, when posted.
                .col(string_null("posted_on"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("changed_at"))
                .col(string_null("changed_by"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_outside_deliveries_letter")
                        .from("outside_deliveries", "letter_id")
                        .to("letters", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outside_deliveries_letter")
                .table("outside_deliveries")
                .col("letter_id")
                .col("position")
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table("email_outbox").add_column(string_null("outside_delivery_id")).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("email_outbox").drop_column("outside_delivery_id").to_owned()).await?;
        m.drop_table(Table::drop().table("outside_deliveries").to_owned()).await?;
        Ok(())
    }
}
