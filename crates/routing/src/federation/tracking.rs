//! What people see of the exchange: per remote recipient of a letter, where it stands — queued, at
//! the peer, received (with the receive number and the signed receipt) or rejected, invalid (with the
//! peer's reason), failed (with the last error) or cancelled (by an operator, with the reason), and
//! after a recall whether the peer withdrew it or refused the recall — and the pinned peers with the
//! offices they serve.

use crate::{Actor, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, MessageKind, OutboundState, Permission};
use sarabun_registry::{directory, federation as store, letters as letters_store};
use serde::Serialize;
use utoipa::ToSchema;

/// Where a letter to an office of a peer node stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemoteState {
    /// Waiting to be delivered to the peer (first try or a retry).
    Queued,
    /// In the remote office's inbox; the peer acknowledged its arrival.
    AtPeer,
    /// The remote office received it, with a receive number.
    Received,
    /// The remote office rejected it, with a reason.
    Rejected,
    /// The peer refused it as invalid, with a reason.
    Invalid,
    /// Every retry failed.
    Failed,
    /// Stopped before delivery, by an operator or by the recall; `reason` says which.
    Cancelled,
    /// The sender recalled it and the peer withdrew it from the remote office's inbox.
    Recalled,
}

/// What became of the recall of a letter at a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecallState {
    /// The recall message waits to be delivered.
    Queued,
    /// The peer withdrew the letter from the office's inbox.
    Withdrawn,
    /// The peer refused the recall: the office had already received or rejected it (`reason`).
    Refused,
    /// Every retry of the recall message failed.
    Failed,
    /// An operator cancelled the recall message.
    Cancelled,
}

/// The recall of a letter sent to a remote office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RemoteRecallView {
    /// The id of the recall message.
    pub message_id: String,
    pub state: RecallState,
    /// The peer's reason for refusing, or the last error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The peer's signed answer to the recall message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

/// One remote recipient of a letter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RemoteRecipientView {
    /// The remote office's code.
    pub office: String,
    /// The fingerprint of the node serving it.
    pub peer: String,
    /// The id of the letter message (the same on every attempt).
    pub message_id: String,
    pub state: RemoteState,
    /// The remote office's receive number, e.g. `1/2569`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receive_number: Option<String>,
    /// The remote office's reason for a rejection, or the peer's for an invalid letter, or the last
    /// error of a failed one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The remote office's signed receipt or rejection (verifies with the peer's published keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// The peer's signed answer to the letter message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    pub attempts: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub queued_at: DateTime<Utc>,
    /// The recall, when the sender recalled the letter after it had reached the peer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recall: Option<RemoteRecallView>,
}

/// A pinned peer as last verified.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeerView {
    pub fingerprint: String,
    pub url: String,
    pub endpoint: String,
    pub log_key: String,
    pub refreshed_at: DateTime<Utc>,
    /// The codes of the offices it serves (remote offices of this directory).
    pub offices: Vec<String>,
}

impl Correspondence {
    /// The remote recipients of a letter the actor may read, with where each stands.
    pub async fn exchange_of_letter(
        &self,
        actor: &Actor,
        letter_id: &str,
    ) -> Result<Vec<RemoteRecipientView>, RoutingError> {
        self.letter(actor, letter_id).await?;
        let mut views = Vec::new();
        let rows = store::outbound_of_letter(&self.db, letter_id).await?;
        for row in rows.iter().filter(|r| r.kind.get() == MessageKind::Letter).cloned() {
            let recall = rows
                .iter()
                .rfind(|r| r.kind.get() == MessageKind::Recall && r.delivery_id == row.delivery_id)
                .map(|r| RemoteRecallView {
                    message_id: r.id.clone(),
                    state: match r.state.get() {
                        OutboundState::Queued => RecallState::Queued,
                        OutboundState::AtPeer | OutboundState::Recorded => RecallState::Withdrawn,
                        OutboundState::Invalid => RecallState::Refused,
                        OutboundState::Failed => RecallState::Failed,
                        OutboundState::Cancelled => RecallState::Cancelled,
                    },
                    reason: r.reason.clone().or_else(|| r.last_error.clone()),
                    answer: r.answer.clone(),
                });
            let delivery = letters_store::delivery_by_id(&self.db, &row.delivery_id)
                .await?
                .ok_or(RoutingError::NotFound("delivery"))?;
            let office = directory::office_by_id(&self.db, &delivery.recipient_office_id)
                .await?
                .ok_or(RoutingError::NotFound("office"))?;
            let withdrawn = recall.as_ref().is_some_and(|r| r.state == RecallState::Withdrawn);
            let state = match (delivery.state.get(), row.state.get()) {
                (DeliveryState::Received, _) => RemoteState::Received,
                (DeliveryState::Rejected, _) => RemoteState::Rejected,
                (_, OutboundState::Cancelled) => RemoteState::Cancelled,
                _ if withdrawn => RemoteState::Recalled,
                (_, OutboundState::Queued) => RemoteState::Queued,
                (_, OutboundState::AtPeer | OutboundState::Recorded) => RemoteState::AtPeer,
                (_, OutboundState::Invalid) => RemoteState::Invalid,
                (_, OutboundState::Failed) => RemoteState::Failed,
            };
            let receive_number = match (delivery.receive_year_be, delivery.receive_seq) {
                (Some(year), Some(seq)) => Some(format!("{seq}/{year}")),
                _ => None,
            };
            views.push(RemoteRecipientView {
                office: office.code,
                peer: row.peer,
                message_id: row.id,
                state,
                receive_number,
                reason: delivery.reason.or(row.reason),
                receipt: delivery.receipt,
                answer: row.answer,
                attempts: row.attempts,
                last_error: row.last_error,
                queued_at: row.queued_at,
                recall,
            });
        }
        Ok(views)
    }

    /// This node's fingerprint, for an operator to give the operators of its peers.
    pub async fn node_identity(&self, actor: &Actor) -> Result<String, RoutingError> {
        actor.require(Permission::OperateExchange)?;
        self.node_fingerprint().await
    }

    /// The pinned peers whose descriptions were verified, with their offices (for operators).
    pub async fn peers(&self, actor: &Actor) -> Result<Vec<PeerView>, RoutingError> {
        actor.require(Permission::OperateExchange)?;
        let mut views = Vec::new();
        for peer in store::peers(&self.db).await? {
            let mut offices = Vec::new();
            for remote in store::offices_of_peer(&self.db, &peer.fingerprint).await? {
                if let Some(o) = directory::office_by_id(&self.db, &remote.office_id).await? {
                    offices.push(o.code);
                }
            }
            offices.sort();
            views.push(PeerView {
                fingerprint: peer.fingerprint,
                url: peer.url,
                endpoint: peer.endpoint,
                log_key: peer.log_key,
                refreshed_at: peer.refreshed_at,
                offices,
            });
        }
        Ok(views)
    }

    /// The configured pins (the edge fetches their descriptions).
    pub fn peer_pins(&self) -> &[super::PeerPin] {
        &self.exchange.peers
    }

    /// Whether any peer is configured.
    pub fn exchanges(&self) -> bool {
        !self.exchange.peers.is_empty()
    }
}
