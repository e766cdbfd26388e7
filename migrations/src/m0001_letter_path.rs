//! Offices, people, sessions, keys, documents, letters, deliveries, registers and idempotency keys:
//! everything the letter path from sending to a signed receipt needs.

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
        m.create_table(
            Table::create()
                .table("offices")
                .col(string("id").primary_key())
                .col(string_uniq("code"))
                .col(string("name_th"))
                .col(string("name_en"))
                .col(string_null("parent_id"))
                .col(string("inbox_email"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_offices_parent", ("offices", "parent_id"), ("offices", "id")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string_uniq("username"))
                .col(string("full_name"))
                .col(string("position"))
                .col(string("email"))
                .col(string("password_hash"))
                .col(string("roles"))
                .col(string("clearance"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_users_office", ("users", "office_id"), ("offices", "id")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(string("token_sha256").primary_key())
                .col(string("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(&mut fk("fk_sessions_user", ("sessions", "user_id"), ("users", "id")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("office_keys")
                .col(string("kid").primary_key())
                .col(string("office_id"))
                .col(string("public_key"))
                .col(text("sealed_private_key"))
                .col(timestamp_with_time_zone("valid_from"))
                .col(timestamp_with_time_zone_null("valid_until"))
                .foreign_key(&mut fk("fk_office_keys_office", ("office_keys", "office_id"), ("offices", "id")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("documents")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string("sha256"))
                .col(big_integer("size"))
                .col(string("media_type"))
                .col(string("filename"))
                .col(string("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .foreign_key(&mut fk("fk_documents_office", ("documents", "office_id"), ("offices", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_documents_office_sha")
                .table("documents")
                .col("office_id")
                .col("sha256")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("letters")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string("kind"))
                .col(string("series"))
                .col(integer("year_be"))
                .col(big_integer("seq"))
                .col(string("number"))
                .col(string("letter_date"))
                .col(text("subject"))
                .col(text("addressee"))
                .col(string("urgency"))
                .col(string("secrecy"))
                .col(timestamp_with_time_zone_null("deadline"))
                .col(string("signer_name"))
                .col(string("signer_position"))
                .col(text("references_json"))
                .col(text_null("enclosures_note"))
                .col(text("envelope"))
                .col(string("envelope_sha256"))
                .col(string("state"))
                .col(string("sent_by"))
                .col(timestamp_with_time_zone("sent_at"))
                .col(timestamp_with_time_zone_null("recalled_at"))
                .col(text_null("recall_reason"))
                .foreign_key(&mut fk("fk_letters_office", ("letters", "office_id"), ("offices", "id")))
                .foreign_key(&mut fk("fk_letters_sent_by", ("letters", "sent_by"), ("users", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_letters_office_sent").table("letters").col("office_id").col("sent_at").to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("letter_documents")
                .col(string("letter_id"))
                .col(integer("position"))
                .col(string("sha256"))
                .col(string("name"))
                .col(string("media_type"))
                .col(big_integer("size"))
                .col(string("role"))
                .primary_key(Index::create().col("letter_id").col("position"))
                .foreign_key(&mut fk(
                    "fk_letter_documents_letter",
                    ("letter_documents", "letter_id"),
                    ("letters", "id"),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("deliveries")
                .col(string("id").primary_key())
                .col(string("letter_id"))
                .col(string("recipient_office_id"))
                .col(string("state"))
                .col(timestamp_with_time_zone("delivered_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(string_null("decided_by"))
                .col(integer_null("receive_year_be"))
                .col(big_integer_null("receive_seq"))
                .col(text_null("reason"))
                .col(text_null("receipt"))
                .col(string_null("stamped_sha256"))
                .col(text_null("stamp_error"))
                .col(timestamp_with_time_zone_null("recalled_at"))
                .foreign_key(&mut fk("fk_deliveries_letter", ("deliveries", "letter_id"), ("letters", "id")))
                .foreign_key(&mut fk("fk_deliveries_office", ("deliveries", "recipient_office_id"), ("offices", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_deliveries_letter_office")
                .table("deliveries")
                .col("letter_id")
                .col("recipient_office_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_deliveries_inbox")
                .table("deliveries")
                .col("recipient_office_id")
                .col("delivered_at")
                .to_owned(),
        )
        .await?;

        // One row per office, register, series and B.E. year holding the last number issued. Taking a
        // number is an UPDATE of this row inside the caller's transaction: the row lock serialises
        // concurrent takers, and a rollback returns the number, so numbers are gapless and unique.
        m.create_table(
            Table::create()
                .table("register_counters")
                .col(string("office_id"))
                .col(string("register"))
                .col(string("series"))
                .col(integer("year_be"))
                .col(big_integer("last_seq"))
                .primary_key(Index::create().col("office_id").col("register").col("series").col("year_be"))
                .foreign_key(&mut fk(
                    "fk_register_counters_office",
                    ("register_counters", "office_id"),
                    ("offices", "id"),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("register_entries")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string("register"))
                .col(string("series"))
                .col(integer("year_be"))
                .col(big_integer("seq"))
                .col(string("letter_id"))
                .col(string_null("delivery_id"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(string("letter_number"))
                .col(string("letter_date"))
                .col(text("from_text"))
                .col(text("to_text"))
                .col(text("subject"))
                .col(text_null("action"))
                .col(text_null("remarks"))
                .col(boolean("cancelled"))
                .foreign_key(&mut fk(
                    "fk_register_entries_office",
                    ("register_entries", "office_id"),
                    ("offices", "id"),
                ))
                .foreign_key(&mut fk(
                    "fk_register_entries_letter",
                    ("register_entries", "letter_id"),
                    ("letters", "id"),
                ))
                .to_owned(),
        )
        .await?;
        // The last line of defence for "never reused": even a bug in the counter cannot write a
        // number twice.
        m.create_index(
            Index::create()
                .name("ux_register_entries_number")
                .table("register_entries")
                .col("office_id")
                .col("register")
                .col("series")
                .col("year_be")
                .col("seq")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("idempotency_keys")
                .col(string("user_id"))
                .col(string("key"))
                .col(string("request_sha256"))
                .col(string("letter_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("user_id").col("key"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "idempotency_keys",
            "register_entries",
            "register_counters",
            "deliveries",
            "letter_documents",
            "letters",
            "documents",
            "office_keys",
            "sessions",
            "users",
            "offices",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
