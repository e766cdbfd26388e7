//! Letters from outside Sarabun: each office's address book of outside bodies (organisations and
//! people it corresponds with), and the letters from them that a clerk registers from a scan. Such a
//! letter is a `letters` row like any other, so that its delivery to the office, the receive
//! register, the inbox and the route inside the office work on it unchanged; its new `origin`
//! column (`domain::LetterOrigin`) says it came from outside and so has no sealed envelope and no
//! sending Sarabun office (the row's `office_id` is then the office that registered it). What only
//! an outside letter has — the sender from the address book, the sender's own number and date, how
//! it came — is in `outside_arrivals`, keyed by the letter.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(name: &str, from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("letters").add_column(string("origin").default("sarabun")).to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table("outside_bodies")
                .col(string("id").primary_key())
                .col(string("office_id"))
                // `organisation` or `person` (domain::BodyKind).
                .col(string("kind"))
                .col(text("name"))
                // The name as searched (domain::arrival::name_key): trimmed, single spaces, lower case.
                .col(text("name_key"))
                .col(string_null("email"))
                .col(text_null("postal_address"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_null("updated_by"))
                .col(timestamp_with_time_zone_null("updated_at"))
                .foreign_key(&mut fk("fk_outside_bodies_office", ("outside_bodies", "office_id"), ("offices", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outside_bodies_office_name")
                .table("outside_bodies")
                .col("office_id")
                .col("name_key")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("outside_arrivals")
                .col(string("letter_id").primary_key())
                .col(string("delivery_id"))
                .col(string("office_id"))
                .col(string("body_id"))
                // The sender's own number as written, and as compared (domain::arrival::number_key).
                .col(string("sender_number"))
                .col(string("number_key"))
                // `YYYY-MM-DD`.
                .col(string("sender_date"))
                // `paper`, `email`, `fax` or `other_system` (domain::Channel).
                .col(string("channel"))
                // The clerk said it is a different letter from one registered with the same sender,
                // number and date.
                .col(boolean("confirmed_different"))
                .col(string("registered_by"))
                .col(timestamp_with_time_zone("registered_at"))
                .foreign_key(&mut fk(
                    "fk_outside_arrivals_letter",
                    ("outside_arrivals", "letter_id"),
                    ("letters", "id"),
                ))
                .foreign_key(&mut fk(
                    "fk_outside_arrivals_delivery",
                    ("outside_arrivals", "delivery_id"),
                    ("deliveries", "id"),
                ))
                .foreign_key(&mut fk(
                    "fk_outside_arrivals_body",
                    ("outside_arrivals", "body_id"),
                    ("outside_bodies", "id"),
                ))
                .to_owned(),
        )
        .await?;
        // Not unique: a clerk may confirm that a second letter with the same number and date is
        // another letter. The index finds the earlier one.
        m.create_index(
            Index::create()
                .name("ix_outside_arrivals_sender")
                .table("outside_arrivals")
                .col("office_id")
                .col("body_id")
                .col("number_key")
                .col("sender_date")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("outside_arrivals").to_owned()).await?;
        m.drop_table(Table::drop().table("outside_bodies").to_owned()).await?;
        m.alter_table(Table::alter().table("letters").drop_column("origin").to_owned()).await?;
        Ok(())
    }
}
