//! What people see of the exchange: per remote recipient of a letter, where it stands — queued, at
//! the peer, received (with the receive number and the signed receipt) or rejected, invalid (with the
//! peer's reason) or failed (with the last error) — and the pinned peers with the offices they serve.

use crate::{Actor, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, MessageKind, OutboundState};
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
        for row in store::outbound_of_letter(&self.db, letter_id).await? {
            if row.kind.get() != MessageKind::Letter {
                continue;
            }
            let delivery = letters_store::delivery_by_id(&self.db, &row.delivery_id)
                .await?
                .ok_or(RoutingError::NotFound("delivery"))?;
            let office = directory::office_by_id(&self.db, &delivery.recipient_office_id)
                .await?
                .ok_or(RoutingError::NotFound("office"))?;
            let state = match (delivery.state.get(), row.state.get()) {
                (DeliveryState::Received, _) => RemoteState::Received,
                (DeliveryState::Rejected, _) => RemoteState::Rejected,
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
            });
        }
        Ok(views)
    }

    /// The pinned peers whose descriptions were verified, with their offices.
    pub async fn peers(&self) -> Result<Vec<PeerView>, RoutingError> {
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
