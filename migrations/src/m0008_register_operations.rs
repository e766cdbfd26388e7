//! Register operations: a cancelled register line keeps who cancelled it, when and why; and
//! numbers reserved for letters issued on paper (จองเลข) are lines of their own, taken from the same
//! counter as letters, holding the number until they are filled in with the paper letter's details,
//! cancelled, or shown as expired. Reservations are their own table because a register entry
//! names the Sarabun letter it records (`register_entries.letter_id`, not null), which a paper
//! letter does not have; the listing merges the two.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in
            [text_null("cancelled_reason"), string_null("cancelled_by"), timestamp_with_time_zone_null("cancelled_at")]
        {
            m.alter_table(Table::alter().table("register_entries").add_column(column).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("register_reservations")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string("register"))
                .col(string("series"))
                .col(integer("year_be"))
                .col(big_integer("seq"))
                // `reserved`, `filled` or `cancelled` (domain::ReservationState); expired is
                // `reserved` past `expires_at`, shown, never stored.
                .col(string("state"))
                .col(text("note"))
                .col(string("reserved_by"))
                .col(timestamp_with_time_zone("reserved_at"))
                .col(timestamp_with_time_zone("expires_at"))
                // The paper letter, once filled in.
                .col(string_null("letter_number"))
                .col(string_null("letter_date"))
                .col(text_null("to_text"))
                .col(text_null("subject"))
                .col(string_null("filled_by"))
                .col(timestamp_with_time_zone_null("filled_at"))
                .col(text_null("cancelled_reason"))
                .col(string_null("cancelled_by"))
                .col(timestamp_with_time_zone_null("cancelled_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_register_reservations_office")
                        .from("register_reservations", "office_id")
                        .to("offices", "id"),
                )
                .to_owned(),
        )
        .await?;
        // As for register entries: a number reserved twice is refused even if the counter were wrong.
        m.create_index(
            Index::create()
                .name("ux_register_reservations_number")
                .table("register_reservations")
                .col("office_id")
                .col("register")
                .col("series")
                .col("year_be")
                .col("seq")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("register_reservations").to_owned()).await?;
        for column in ["cancelled_at", "cancelled_by", "cancelled_reason"] {
            m.alter_table(Table::alter().table("register_entries").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
