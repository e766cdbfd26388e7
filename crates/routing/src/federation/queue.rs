//! The operator's view of and hold on the queue of messages to peer nodes: per peer how many wait
//! (depth), how long the oldest has waited, how many failed for good or were refused as invalid;
//! a paged list of the messages; **retry now** (a queued or failed message becomes due at once — a
//! failed one goes back to queued with a fresh span of retry days — always with the same id and
//! body, so the receiver's duplicate rule still holds) and **cancel** (a queued or failed message is
//! stopped for good with the operator's reason; the sender's clerk sees it cancelled on the letter's
//! exchange). Both are audit entries. Only those the access rule lets operate the exchange
//! ([`Permission::OperateExchange`]) see or touch the queue; it names letters by id only, never
//! their contents.

use crate::compose::{LINES, check_text};
use crate::views::Page;
use crate::{Actor, AuditEvent, Correspondence, Gauged, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::{EventKind, OutboundState, Permission};
use sarabun_registry::entity::federation_outbox;
use sarabun_registry::{Stored, federation as store};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// The queue to one peer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerQueueView {
    /// The peer's fingerprint.
    pub peer: String,
    /// Where it is pinned (its URL), when it still is.
    pub url: Option<String>,
    /// Messages waiting to be delivered (first try or a retry).
    pub depth: u64,
    /// When the oldest waiting message was queued.
    pub oldest_queued_at: Option<DateTime<Utc>>,
    /// Seconds the oldest waiting message has waited (0 when none waits).
    pub oldest_age_secs: u64,
    /// Messages given up after their last retry.
    pub failed: u64,
    /// Messages the peer refused as invalid.
    pub invalid: u64,
    /// Messages cancelled by an operator or a recall.
    pub cancelled: u64,
}

/// One message of the queue, as the operator sees it: no letter content, only ids and states.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueuedMessageView {
    /// The message id (the same on every attempt).
    pub id: String,
    pub peer: String,
    /// `letter`, `decision` or `recall`.
    pub kind: String,
    /// `queued`, `at_peer`, `recorded`, `invalid`, `failed` or `cancelled`.
    pub state: String,
    pub letter_id: String,
    pub delivery_id: String,
    pub attempts: i32,
    /// When the next attempt is due (queued messages).
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// The peer's reason (invalid), the last error (failed) or the operator's reason (cancelled).
    pub reason: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Whether an operator may retry it now (queued or failed).
    pub retriable: bool,
    /// Whether an operator may cancel it (queued or failed).
    pub cancellable: bool,
}

fn message_view(row: federation_outbox::Model) -> QueuedMessageView {
    let state = row.state.get();
    let open = matches!(state, OutboundState::Queued | OutboundState::Failed);
    QueuedMessageView {
        id: row.id,
        peer: row.peer,
        kind: row.kind.get().as_str().to_owned(),
        state: state.as_str().to_owned(),
        letter_id: row.letter_id,
        delivery_id: row.delivery_id,
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
        last_error: row.last_error,
        reason: row.reason,
        queued_at: row.queued_at,
        answered_at: row.answered_at,
        retriable: open,
        cancellable: open,
    }
}

impl Correspondence {
    /// The queue per peer: every pinned peer, and any other peer that still has messages.
    pub async fn outbox(&self, actor: &Actor) -> Result<Vec<PeerQueueView>, RoutingError> {
        actor.require(Permission::OperateExchange)?;
        self.outbox_views().await
    }

    async fn outbox_views(&self) -> Result<Vec<PeerQueueView>, RoutingError> {
        let now = self.clock.now();
        let counts = store::outbox_by_peer(&self.db).await?;
        let mut views: Vec<PeerQueueView> = Vec::new();
        let mut peers: Vec<String> = self.exchange.peers.iter().map(|p| p.fingerprint.clone()).collect();
        peers.extend(
            counts.iter().map(|c| c.peer.clone()).filter(|p| !self.exchange.peers.iter().any(|q| &q.fingerprint == p)),
        );
        for peer in peers {
            let c = counts.iter().find(|c| c.peer == peer).cloned().unwrap_or_default();
            views.push(PeerQueueView {
                url: self.exchange.pin(&peer).map(|p| p.url.clone()),
                depth: c.queued,
                oldest_queued_at: c.oldest_queued_at,
                oldest_age_secs: c
                    .oldest_queued_at
                    .map_or(0, |at| u64::try_from((now - at).num_seconds()).unwrap_or(0)),
                failed: c.failed,
                invalid: c.invalid,
                cancelled: c.cancelled,
                peer,
            });
        }
        Ok(views)
    }

    /// One page of the queue's messages, newest first, optionally in one `state`.
    pub async fn outbox_messages(
        &self,
        actor: &Actor,
        state: Option<&str>,
        page: Option<u64>,
        per_page: Option<u64>,
    ) -> Result<Page<QueuedMessageView>, RoutingError> {
        actor.require(Permission::OperateExchange)?;
        let (page, per_page) = crate::read::paging(page, per_page)?;
        let state = state
            .filter(|s| !s.is_empty())
            .map(|s| {
                OutboundState::parse(s).map_err(|_| {
                    let names: Vec<&str> = OutboundState::ALL.iter().map(|s| s.as_str()).collect();
                    RoutingError::InvalidQuery(format!("state must be one of {}", names.join(", ")))
                })
            })
            .transpose()?;
        let (rows, total) = store::outbox_page(&self.db, state, page, per_page).await?;
        Ok(Page::counted(rows.into_iter().map(message_view).collect(), total, page, per_page))
    }

    /// Has a queued or failed message tried again at once (see the module documentation).
    pub async fn retry_message(&self, actor: &Actor, id: &str) -> Result<QueuedMessageView, RoutingError> {
        actor.require(Permission::OperateExchange)?;
        let row = store::outbound(&self.db, id).await?.ok_or(RoutingError::NotFound("queued message"))?;
        let was = row.state.get();
        if !matches!(was, OutboundState::Queued | OutboundState::Failed) {
            return Err(RoutingError::MessageSettled(was));
        }
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let retry_from = if was == OutboundState::Failed { Some(now) } else { row.retry_from };
        let updated = federation_outbox::Model {
            state: Stored(OutboundState::Queued),
            next_attempt_at: now,
            retry_from,
            reason: None,
            ..row.clone()
        };
        if !store::update_outbound(&txn, updated.clone(), was).await? {
            txn.rollback().await?;
            return Err(RoutingError::MessageSettled(self.current_state(id).await?));
        }
        let event = AuditEvent::by(
            actor,
            EventKind::MessageRetried,
            format!("delivery/{}", row.delivery_id),
            json!({"message_id": id, "peer": row.peer, "kind": row.kind.get().as_str(), "was": was.as_str()}),
        )
        .letter(&row.letter_id)
        .delivery(&row.delivery_id);
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(message_id = id, peer = %row.peer, was = was.as_str(), "message to a peer retried now");
        Ok(message_view(updated))
    }

    /// Stops a queued or failed message for good, with the operator's reason.
    pub async fn cancel_message(
        &self,
        actor: &Actor,
        id: &str,
        reason: Option<String>,
    ) -> Result<QueuedMessageView, RoutingError> {
        actor.require(Permission::OperateExchange)?;
        let reason = reason.as_deref().map(|r| check_text("reason", r, LINES.optional())).transpose()?;
        let row = store::outbound(&self.db, id).await?.ok_or(RoutingError::NotFound("queued message"))?;
        let was = row.state.get();
        if !matches!(was, OutboundState::Queued | OutboundState::Failed) {
            return Err(RoutingError::MessageSettled(was));
        }
        let reason = match reason.filter(|r| !r.trim().is_empty()) {
            Some(r) => format!("cancelled by the node's operator: {r}"),
            None => "cancelled by the node's operator".to_owned(),
        };
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let cancelled = self.cancel_in(&txn, row, &reason).await?;
        let event = AuditEvent::by(
            actor,
            EventKind::MessageCancelled,
            format!("delivery/{}", cancelled.delivery_id),
            json!({"message_id": id, "peer": cancelled.peer, "kind": cancelled.kind.get().as_str(), "was": was.as_str(), "reason": reason}),
        )
        .letter(&cancelled.letter_id)
        .delivery(&cancelled.delivery_id);
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(message_id = id, peer = %cancelled.peer, "message to a peer cancelled");
        Ok(message_view(cancelled))
    }

    /// Marks a message cancelled with `reason` inside `txn` (an operator's cancel, or a recall of a
    /// letter whose message had not gone yet); the caller writes the audit entry.
    pub(crate) async fn cancel_in(
        &self,
        txn: &DatabaseTransaction,
        row: federation_outbox::Model,
        reason: &str,
    ) -> Result<federation_outbox::Model, RoutingError> {
        let was = row.state.get();
        let cancelled = federation_outbox::Model {
            state: Stored(OutboundState::Cancelled),
            reason: Some(reason.to_owned()),
            ..row
        };
        if !store::update_outbound(txn, cancelled.clone(), was).await? {
            return Err(RoutingError::MessageSettled(self.current_state(&cancelled.id).await?));
        }
        Ok(cancelled)
    }

    /// Sets the per-peer gauges of the queue (depth and oldest age) on the meter.
    pub(crate) async fn read_exchange_gauges(&self) -> Result<(), RoutingError> {
        if !self.meter.is_on() {
            return Ok(());
        }
        for view in self.outbox_views().await? {
            self.meter.set_for_peer(Gauged::ExchangeQueueDepth, &view.peer, view.depth as f64);
            self.meter.set_for_peer(Gauged::ExchangeQueueOldestAge, &view.peer, view.oldest_age_secs as f64);
        }
        Ok(())
    }
}
