//! Storage of exchange between nodes: pinned peers and the offices they serve, the queue of
//! messages to peers, and the messages taken from them (unique on the message id).

use crate::entity::{
    delivery, federation_office, federation_outbox, federation_peer, federation_received, letter, letter_document, user,
};
use crate::{RegistryError, Stored};
use chrono::{DateTime, Utc};
use sarabun_domain::{Notify, OutboundState, Roles, Secrecy};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};

/// A peer by fingerprint.
pub async fn peer(
    conn: &impl ConnectionTrait,
    fingerprint: &str,
) -> Result<Option<federation_peer::Model>, RegistryError> {
    Ok(federation_peer::Entity::find_by_id(fingerprint.to_owned()).one(conn).await?)
}

/// Every peer whose description was verified, by fingerprint.
pub async fn peers(conn: &impl ConnectionTrait) -> Result<Vec<federation_peer::Model>, RegistryError> {
    Ok(federation_peer::Entity::find().order_by_asc(federation_peer::Column::Fingerprint).all(conn).await?)
}

/// Writes a peer's verified description, replacing the one before.
pub async fn save_peer(conn: &impl ConnectionTrait, model: federation_peer::Model) -> Result<(), RegistryError> {
    if peer(conn, &model.fingerprint).await?.is_some() {
        model.into_active_model().reset_all().update(conn).await?;
    } else {
        federation_peer::Entity::insert(federation_peer::ActiveModel::from(model)).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// The peer serving office `office_id`, when the office is remote.
pub async fn remote_office(
    conn: &impl ConnectionTrait,
    office_id: &str,
) -> Result<Option<federation_office::Model>, RegistryError> {
    Ok(federation_office::Entity::find_by_id(office_id.to_owned()).one(conn).await?)
}

/// Every remote office.
pub async fn remote_offices(conn: &impl ConnectionTrait) -> Result<Vec<federation_office::Model>, RegistryError> {
    Ok(federation_office::Entity::find().order_by_asc(federation_office::Column::OfficeId).all(conn).await?)
}

/// Marks an office remote (served by `model.peer`) with its keys, replacing what was there.
pub async fn save_remote_office(
    conn: &impl ConnectionTrait,
    model: federation_office::Model,
) -> Result<(), RegistryError> {
    if remote_office(conn, &model.office_id).await?.is_some() {
        model.into_active_model().reset_all().update(conn).await?;
    } else {
        federation_office::Entity::insert(federation_office::ActiveModel::from(model))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Queues a message to a peer.
pub async fn insert_outbound(
    conn: &impl ConnectionTrait,
    model: federation_outbox::Model,
) -> Result<(), RegistryError> {
    federation_outbox::Entity::insert(federation_outbox::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// Queued messages whose next attempt is due at `now`, oldest first.
pub async fn due_outbound(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<federation_outbox::Model>, RegistryError> {
    Ok(federation_outbox::Entity::find()
        .filter(federation_outbox::Column::State.eq(OutboundState::Queued.as_str()))
        .filter(federation_outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(federation_outbox::Column::NextAttemptAt)
        .limit(limit)
        .all(conn)
        .await?)
}

/// A queued or answered message by id.
pub async fn outbound(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<federation_outbox::Model>, RegistryError> {
    Ok(federation_outbox::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// Every message about a letter, oldest first.
pub async fn outbound_of_letter(
    conn: &impl ConnectionTrait,
    letter_id: &str,
) -> Result<Vec<federation_outbox::Model>, RegistryError> {
    Ok(federation_outbox::Entity::find()
        .filter(federation_outbox::Column::LetterId.eq(letter_id))
        .order_by_asc(federation_outbox::Column::QueuedAt)
        .all(conn)
        .await?)
}

/// Every message about a delivery of this node, oldest first.
pub async fn outbound_of_delivery(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
) -> Result<Vec<federation_outbox::Model>, RegistryError> {
    Ok(federation_outbox::Entity::find()
        .filter(federation_outbox::Column::DeliveryId.eq(delivery_id))
        .order_by_asc(federation_outbox::Column::QueuedAt)
        .all(conn)
        .await?)
}

/// Writes a message's state after an attempt, an answer or an operator's step — only while it is
/// still in state `was`, and never its body (fixed when queued). Returns whether it was: a message
/// that changed meanwhile (an operator cancelled it while an attempt was on the wire) keeps the
/// change that came first.
pub async fn update_outbound(
    conn: &impl ConnectionTrait,
    model: federation_outbox::Model,
    was: OutboundState,
) -> Result<bool, RegistryError> {
    use federation_outbox::Column as C;
    use sea_orm::sea_query::Expr;
    let result = federation_outbox::Entity::update_many()
        .col_expr(C::State, Expr::value(model.state.get().as_str()))
        .col_expr(C::Attempts, Expr::value(model.attempts))
        .col_expr(C::NextAttemptAt, Expr::value(model.next_attempt_at))
        .col_expr(C::LastError, Expr::value(model.last_error))
        .col_expr(C::Answer, Expr::value(model.answer))
        .col_expr(C::Reason, Expr::value(model.reason))
        .col_expr(C::AnsweredAt, Expr::value(model.answered_at))
        .col_expr(C::RetryFrom, Expr::value(model.retry_from))
        .filter(C::Id.eq(model.id))
        .filter(C::State.eq(was.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// A message taken from a peer, by its id.
pub async fn received(
    conn: &impl ConnectionTrait,
    message_id: &str,
) -> Result<Option<federation_received::Model>, RegistryError> {
    Ok(federation_received::Entity::find_by_id(message_id.to_owned()).one(conn).await?)
}

/// Records a message taken from a peer; a second one with the same id is a unique violation.
pub async fn insert_received(
    conn: &impl ConnectionTrait,
    model: federation_received::Model,
) -> Result<(), RegistryError> {
    federation_received::Entity::insert(federation_received::ActiveModel::from(model))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The delivery of letter `letter_id` to office `office_id`.
pub async fn delivery_to(
    conn: &impl ConnectionTrait,
    letter_id: &str,
    office_id: &str,
) -> Result<Option<delivery::Model>, RegistryError> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::LetterId.eq(letter_id))
        .filter(delivery::Column::RecipientOfficeId.eq(office_id))
        .one(conn)
        .await?)
}

/// Adds the stand-in sender of a remote office: inactive, with no usable password, so it never signs
/// in; the letters from the office are filed under it.
pub async fn insert_stand_in(
    conn: &impl ConnectionTrait,
    office_id: &str,
    username: &str,
    full_name: &str,
    at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    let model = user::Model {
        id: crate::new_id(),
        office_id: office_id.to_owned(),
        username: username.to_owned(),
        full_name: full_name.to_owned(),
        position: String::new(),
        email: String::new(),
        password_hash: "!remote".into(),
        roles: Stored(Roles::new(&[])),
        clearance: Stored(Secrecy::None),
        active: false,
        notify: Stored(Notify::Immediate),
        created_at: at,
        directory_dn: None,
    };
    user::Entity::insert(user::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// The stand-in sender of a remote office.
pub async fn stand_in(conn: &impl ConnectionTrait, username: &str) -> Result<Option<user::Model>, RegistryError> {
    Ok(user::Entity::find().filter(user::Column::Username.eq(username)).one(conn).await?)
}

/// The message a delivery came in by, when it came from a peer.
pub async fn received_of_delivery(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
) -> Result<Option<federation_received::Model>, RegistryError> {
    Ok(federation_received::Entity::find()
        .filter(federation_received::Column::DeliveryId.eq(delivery_id))
        .one(conn)
        .await?)
}

/// Every message taken about a letter.
pub async fn received_of_letter(
    conn: &impl ConnectionTrait,
    letter_id: &str,
) -> Result<Vec<federation_received::Model>, RegistryError> {
    Ok(federation_received::Entity::find()
        .filter(federation_received::Column::LetterId.eq(letter_id))
        .all(conn)
        .await?)
}

/// The remote offices a peer serves.
pub async fn offices_of_peer(
    conn: &impl ConnectionTrait,
    peer: &str,
) -> Result<Vec<federation_office::Model>, RegistryError> {
    Ok(federation_office::Entity::find().filter(federation_office::Column::Peer.eq(peer)).all(conn).await?)
}

/// Writes a letter that arrived from a peer with its documents (no register line: the sending
/// office's register is the peer's).
pub async fn insert_arrived_letter(
    conn: &impl ConnectionTrait,
    letter: letter::Model,
    documents: Vec<letter_document::Model>,
) -> Result<(), RegistryError> {
    letter::Entity::insert(letter::ActiveModel::from(letter)).exec_without_returning(conn).await?;
    if !documents.is_empty() {
        letter_document::Entity::insert_many(documents.into_iter().map(letter_document::ActiveModel::from))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Writes one delivery (of a letter that arrived from a peer).
pub async fn insert_delivery(conn: &impl ConnectionTrait, model: delivery::Model) -> Result<(), RegistryError> {
    delivery::Entity::insert(delivery::ActiveModel::from(model)).exec_without_returning(conn).await?;
    Ok(())
}

/// How many messages to one peer stand in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerQueueCounts {
    pub peer: String,
    pub queued: u64,
    pub failed: u64,
    pub invalid: u64,
    pub cancelled: u64,
    /// When the oldest message still queued was queued.
    pub oldest_queued_at: Option<DateTime<Utc>>,
}

/// The queue of messages per peer that has any: counts by state and the oldest queued message, by
/// fingerprint; one grouped read over the `(peer, state, queued_at)` index.
pub async fn outbox_by_peer(conn: &impl ConnectionTrait) -> Result<Vec<PeerQueueCounts>, RegistryError> {
    let rows: Vec<(String, String, i64, Option<DateTime<Utc>>)> = federation_outbox::Entity::find()
        .select_only()
        .column(federation_outbox::Column::Peer)
        .column(federation_outbox::Column::State)
        .column_as(federation_outbox::Column::Id.count(), "n")
        .column_as(federation_outbox::Column::QueuedAt.min(), "oldest")
        .group_by(federation_outbox::Column::Peer)
        .group_by(federation_outbox::Column::State)
        .into_tuple()
        .all(conn)
        .await?;
    let mut peers: Vec<PeerQueueCounts> = Vec::new();
    for (peer, state, n, oldest) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        let at = match peers.iter().position(|p| p.peer == peer) {
            Some(i) => i,
            None => {
                peers.push(PeerQueueCounts { peer: peer.clone(), ..Default::default() });
                peers.len() - 1
            }
        };
        let counts = &mut peers[at];
        match OutboundState::parse(&state) {
            Ok(OutboundState::Queued) => {
                counts.queued += n;
                counts.oldest_queued_at = oldest;
            }
            Ok(OutboundState::Failed) => counts.failed += n,
            Ok(OutboundState::Invalid) => counts.invalid += n,
            Ok(OutboundState::Cancelled) => counts.cancelled += n,
            _ => {}
        }
    }
    peers.sort_by(|a, b| a.peer.cmp(&b.peer));
    Ok(peers)
}

/// One page of the queue of messages to peers, newest first, optionally in one state; with the
/// total count. `page` counts from 1.
pub async fn outbox_page(
    conn: &impl ConnectionTrait,
    state: Option<OutboundState>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<federation_outbox::Model>, u64), RegistryError> {
    use sea_orm::PaginatorTrait;
    let mut select = federation_outbox::Entity::find();
    if let Some(state) = state {
        select = select.filter(federation_outbox::Column::State.eq(state.as_str()));
    }
    let total = select.clone().count(conn).await?;
    let items = select
        .order_by_desc(federation_outbox::Column::QueuedAt)
        .order_by_asc(federation_outbox::Column::Id)
        .offset(page.saturating_sub(1).saturating_mul(per_page))
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((items, total))
}

/// Withdraws a delivery that is still waiting in its office's inbox (a recall from the sending
/// peer). Returns whether it was waiting.
pub async fn withdraw_delivery(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    use sarabun_domain::DeliveryState;
    use sea_orm::sea_query::Expr;
    let result = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(DeliveryState::Recalled.as_str()))
        .col_expr(delivery::Column::RecalledAt, Expr::value(at))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::State.eq(DeliveryState::Delivered.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
