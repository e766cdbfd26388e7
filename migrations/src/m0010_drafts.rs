//! Drafting and signing: a draft letter (ร่าง) with its fields, its versions (every upload kept),
//! the chain of reviewers and the signer it goes up, its routing record (every step with who, when
//! and what they wrote — the initials of ลงนามย่อ among them); the signers' own signing keys, sealed
//! under their signing PIN; and the node's certificate authority, its key sealed with the master key.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("drafts")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string("drafter_user_id"))
                // domain::DraftState
                .col(string("state"))
                // The letter's fields as composed (kind, subject, recipients, …), JSON.
                .col(text("fields_json"))
                .col(string("subject"))
                // Where on the chain the draft is (0-based); meaningful while in review or signing.
                .col(integer("position"))
                // The newest version's number (versions count from 1).
                .col(integer("latest_version"))
                // Bumped by every step: a step that read an older one lost a race and starts again.
                .col(big_integer("revision"))
                .col(string_null("letter_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create().name("fk_drafts_office").from("drafts", "office_id").to("offices", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_drafts_office_state").table("drafts").col("office_id").col("state").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("draft_chain")
                .col(string("draft_id"))
                .col(integer("position"))
                .col(string("user_id"))
                // domain::ChainRole
                .col(string("role"))
                .primary_key(Index::create().col("draft_id").col("position"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_draft_chain_draft")
                        .from("draft_chain", "draft_id")
                        .to("drafts", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_draft_chain_user").table("draft_chain").col("user_id").to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table("draft_versions")
                .col(string("draft_id"))
                .col(integer("number"))
                // The version as PDF (converted from DOCX/ODT when that was uploaded).
                .col(string("pdf_sha256"))
                .col(big_integer("pdf_size"))
                // What was uploaded, when it was not the PDF itself.
                .col(string_null("source_sha256"))
                .col(string_null("source_media_type"))
                .col(string("filename"))
                .col(string("uploaded_by"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .primary_key(Index::create().col("draft_id").col("number"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_draft_versions_draft")
                        .from("draft_versions", "draft_id")
                        .to("drafts", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("draft_steps")
                .col(string("id").primary_key())
                .col(string("draft_id"))
                // domain::DraftStepKind
                .col(string("kind"))
                .col(string("actor_user_id"))
                .col(string("actor_name"))
                .col(string("actor_position"))
                // Standing in: for whom the step was taken.
                .col(string_null("for_user_id"))
                .col(integer("version_number"))
                .col(text_null("comment"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_draft_steps_draft")
                        .from("draft_steps", "draft_id")
                        .to("drafts", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_draft_steps_draft").table("draft_steps").col("draft_id").to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table("signing_keys")
                .col(string("user_id").primary_key())
                // The private key sealed under a key derived from the signing PIN (argon2id).
                .col(text("sealed_key"))
                // The certificate chain, leaf first, PEM.
                .col(text("chain_pem"))
                .col(string("subject"))
                .col(string("fingerprint_sha256"))
                // `node_ca` or `pkcs12`.
                .col(string("source"))
                .col(timestamp_with_time_zone("not_after"))
                .col(timestamp_with_time_zone("enrolled_at"))
                .foreign_key(
                    ForeignKey::create().name("fk_signing_keys_user").from("signing_keys", "user_id").to("users", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("node_ca")
                .col(string("id").primary_key())
                .col(text("cert_pem"))
                // The CA's private key sealed with the master key.
                .col(text("sealed_key"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["node_ca", "signing_keys", "draft_steps", "draft_versions", "draft_chain", "drafts"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
