//! Storage of letters sent to recipients outside Sarabun: the `outside_deliveries` rows written in
//! the sending transaction, read back for the tracking and the worker, moved between states by
//! conditional updates (`… WHERE state = <from>`, so a racing worker, clerk or recall loses
//! cleanly), and the outbox e-mails that carry them cancelled on a recall.

use crate::RegistryError;
use crate::entity::{email, outside_delivery};
use chrono::{DateTime, Utc};
use sarabun_domain::{OutsideChannel, OutsideDeliveryState};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// Writes the outside recipients of a letter being sent.
pub async fn insert_deliveries(
    conn: &impl ConnectionTrait,
    rows: Vec<outside_delivery::Model>,
) -> Result<(), RegistryError> {
    if rows.is_empty() {
        return Ok(());
    }
    outside_delivery::Entity::insert_many(rows.into_iter().map(outside_delivery::ActiveModel::from))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A letter's outside recipients, in the order the letter lists them.
pub async fn deliveries_of(
    conn: &impl ConnectionTrait,
    letter_id: &str,
) -> Result<Vec<outside_delivery::Model>, RegistryError> {
    Ok(outside_delivery::Entity::find()
        .filter(outside_delivery::Column::LetterId.eq(letter_id))
        .order_by_asc(outside_delivery::Column::Position)
        .all(conn)
        .await?)
}

/// One outside delivery by id.
pub async fn delivery_by_id(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<outside_delivery::Model>, RegistryError> {
    Ok(outside_delivery::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// What a move of an outside delivery writes besides its state.
#[derive(Debug, Clone, Default)]
pub struct Move {
    pub reason: Option<String>,
    pub posted_on: Option<String>,
}

/// Moves an outside delivery from `from` to `to`; `false` when it was no longer in `from` (another
/// move won).
pub async fn move_delivery(
    conn: &impl ConnectionTrait,
    id: &str,
    from: OutsideDeliveryState,
    to: OutsideDeliveryState,
    change: Move,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let mut update = outside_delivery::Entity::update_many()
        .col_expr(outside_delivery::Column::State, Expr::value(to.as_str()))
        .col_expr(outside_delivery::Column::ChangedAt, Expr::value(at))
        .col_expr(outside_delivery::Column::ChangedBy, Expr::value(by));
    if let Some(reason) = change.reason {
        update = update.col_expr(outside_delivery::Column::Reason, Expr::value(reason));
    }
    if let Some(posted_on) = change.posted_on {
        update = update.col_expr(outside_delivery::Column::PostedOn, Expr::value(posted_on));
    }
    let result = update
        .filter(outside_delivery::Column::Id.eq(id))
        .filter(outside_delivery::Column::State.eq(from.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Recalls what of a letter's outside deliveries has not gone yet (queued e-mails, letters awaiting
/// post), and cancels their e-mails still waiting in the outbox and held by no worker (marked
/// `failed`, "recalled"). An e-mail a worker holds at this moment is on its way: its delivery stays
/// queued and ends as the relay answers. Returns the ids recalled.
pub async fn recall_deliveries(
    conn: &impl ConnectionTrait,
    letter_id: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Vec<String>, RegistryError> {
    let waiting = outside_delivery::Entity::find()
        .filter(outside_delivery::Column::LetterId.eq(letter_id))
        .filter(
            outside_delivery::Column::State
                .is_in([OutsideDeliveryState::Queued.as_str(), OutsideDeliveryState::AwaitingPost.as_str()]),
        )
        .all(conn)
        .await?;
    let mut recalled = Vec::new();
    for d in waiting {
        let state = d.state.get();
        if state == OutsideDeliveryState::Queued {
            let in_flight = email::Entity::find()
                .filter(email::Column::OutsideDeliveryId.eq(d.id.as_str()))
                .filter(email::Column::State.eq("pending"))
                .filter(email::Column::LeaseUntil.gte(at))
                .count(conn)
                .await?;
            if in_flight > 0 {
                continue;
            }
        }
        if move_delivery(conn, &d.id, state, state.recall(), Move::default(), by, at).await? {
            email::Entity::update_many()
                .col_expr(email::Column::State, Expr::value("failed"))
                .col_expr(email::Column::LastError, Expr::value("recalled by the sender before it was sent"))
                .filter(email::Column::OutsideDeliveryId.eq(d.id.as_str()))
                .filter(email::Column::State.eq("pending"))
                .filter(Condition::any().add(email::Column::LeaseUntil.is_null()).add(email::Column::LeaseUntil.lt(at)))
                .exec(conn)
                .await?;
            recalled.push(d.id);
        }
    }
    Ok(recalled)
}

/// How each of `letter_ids` went to outside recipients: whether any went (or goes) by e-mail and
/// whether any by post. Letters without outside recipients are absent. For the registers' marks.
pub async fn channels_of(
    conn: &impl ConnectionTrait,
    letter_ids: &[String],
) -> Result<HashMap<String, OutsideChannels>, RegistryError> {
    if letter_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = outside_delivery::Entity::find()
        .select_only()
        .column(outside_delivery::Column::LetterId)
        .column(outside_delivery::Column::Channel)
        .filter(outside_delivery::Column::LetterId.is_in(letter_ids.iter().map(String::as_str)))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<String, OutsideChannels> = HashMap::new();
    for (letter_id, channel) in rows {
        let channel = OutsideChannel::parse(&channel).map_err(|e| RegistryError::Corrupt(e.to_string()))?;
        let entry = out.entry(letter_id).or_default();
        match channel {
            OutsideChannel::Email => entry.email = true,
            OutsideChannel::Post => entry.post = true,
        }
    }
    Ok(out)
}

/// The channels a letter's outside recipients have, as [`channels_of`] answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutsideChannels {
    /// Some outside recipient gets it by e-mail.
    pub email: bool,
    /// Some outside recipient gets it by post.
    pub post: bool,
}
