//! Exchange between nodes. `federation_peers` holds each pinned peer's last verified description;
//! `federation_offices` marks the offices of the directory that a peer serves (their rows in
//! `offices` let clerks address them like local ones; their keys come from the peer's description,
//! and nobody signs in to them here); `federation_outbox` is the queue of messages to peers, written
//! in the transaction of the send or decision they carry, and `federation_received` every message
//! taken from a peer, unique on its id, with the signed answer that a duplicate gets again.

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
                .table("federation_peers")
                // SHA-256 of the peer's node key, hex: the pin.
                .col(string("fingerprint").primary_key())
                .col(text("url"))
                .col(text("endpoint"))
                .col(string("node_key"))
                .col(text("log_key"))
                // The signed description as fetched (compact JWS).
                .col(text("description"))
                .col(timestamp_with_time_zone("refreshed_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("federation_offices")
                .col(string("office_id").primary_key())
                .col(string("peer"))
                // The office's keys from the description, a JWK Set.
                .col(text("keys_json"))
                .col(timestamp_with_time_zone("refreshed_at"))
                .foreign_key(&mut fk(
                    "fk_federation_offices_office",
                    ("federation_offices", "office_id"),
                    ("offices", "id"),
                ))
                .foreign_key(&mut fk(
                    "fk_federation_offices_peer",
                    ("federation_offices", "peer"),
                    ("federation_peers", "fingerprint"),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("federation_outbox")
                // The message id, the same on every attempt.
                .col(string("id").primary_key())
                .col(string("peer"))
                // letter | decision (domain::MessageKind)
                .col(string("kind"))
                .col(string("letter_id"))
                // The delivery it concerns on this node.
                .col(string("delivery_id"))
                // The message as posted (JSON), fixed when queued.
                .col(text("body"))
                // queued | at_peer | recorded | invalid | failed (domain::OutboundState)
                .col(string("state"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(text_null("last_error"))
                // The peer's signed answer (compact JWS) and the reason of an invalid one.
                .col(text_null("answer"))
                .col(text_null("reason"))
                .col(timestamp_with_time_zone("queued_at"))
                .col(timestamp_with_time_zone_null("answered_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_federation_outbox_due")
                .table("federation_outbox")
                .col("state")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_federation_outbox_delivery")
                .table("federation_outbox")
                .col("delivery_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("federation_received")
                // The peer's message id: a second arrival finds this row and gets its answer.
                .col(string("message_id").primary_key())
                .col(string("peer"))
                .col(string("kind"))
                // SHA-256 of the body first taken.
                .col(string("body_sha256"))
                // arrived | recorded | invalid, and the signed answer given.
                .col(string("status"))
                .col(text("answer"))
                .col(string_null("letter_id"))
                .col(string_null("delivery_id"))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
