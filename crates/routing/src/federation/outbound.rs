//! Messages to peers. A send to a remote office queues a letter message, a decision on a letter
//! that came from a peer queues a decision message, and a recall of a letter already at a peer queues
//! a recall message (one still queued is cancelled instead), each in the transaction that makes the
//! send, the decision or the recall, so a committed change always has its message and a rolled-back
//! one never does. The
//! edge asks for the due messages, each signed afresh (RFC 9421) but always with the same id and
//! body, posts them, and reports back the peer's signed answer or why the attempt failed; a failed
//! attempt is tried again on the schedule, and given up (failed, with the reason) after its end.

use super::{DOCUMENTS_PATH, MESSAGES_PATH, node_event};
use crate::{Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::{EventKind, MessageKind, OutboundState};
use sarabun_federation::httpsig::{SignedHeaders, sign_request, sign_request_with_range};
use sarabun_federation::{Answer, AnswerStatus, FEDERATION_VERSION, ListedDocument, Message, MessageBody};
use sarabun_registry::entity::{delivery, federation_outbox, letter, letter_document};
use sarabun_registry::{Stored, directory, federation as store, new_id};
use sarabun_signing::payload::wire_time;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde_json::json;

/// A message ready to post: where, the exact body, and its signature fields.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    /// The receiving peer's fingerprint.
    pub peer: String,
    /// `{endpoint}/federation/v1/messages` of the peer.
    pub url: String,
    pub body: Vec<u8>,
    pub headers: SignedHeaders,
    /// The documents to upload before posting (letter messages only).
    pub documents: Vec<DocumentToPush>,
    /// The delivery the message is about: messages about one delivery (a letter, then its recall)
    /// are posted one after the other, in the order they were queued.
    pub delivery_id: String,
    /// When the message was taken from the queue for this attempt.
    pub picked_at: DateTime<Utc>,
}

/// A document the peer must hold before a letter message is posted.
#[derive(Debug, Clone)]
pub struct DocumentToPush {
    pub sha256: String,
    pub size: u64,
    /// `{endpoint}/federation/v1/documents/{sha256}` of the peer.
    pub url: String,
}

/// What a sent letter needs to queue its messages, taken before its rows are written.
pub(crate) struct RemoteLetter {
    letter_id: String,
    envelope: String,
    deliveries: Vec<(String, String)>,
    documents: Vec<(String, u64)>,
}

impl RemoteLetter {
    /// The letter's id, envelope, deliveries (id, office) and document digests.
    pub(crate) fn of(
        letter: &letter::Model,
        deliveries: &[delivery::Model],
        documents: &[letter_document::Model],
    ) -> Self {
        Self {
            letter_id: letter.id.clone(),
            envelope: letter.envelope.clone(),
            deliveries: deliveries.iter().map(|d| (d.id.clone(), d.recipient_office_id.clone())).collect(),
            documents: documents.iter().map(|d| (d.sha256.clone(), u64::try_from(d.size).unwrap_or(0))).collect(),
        }
    }
}

impl Correspondence {
    /// Queues one letter message per remote recipient of a letter being sent, inside its
    /// transaction. Returns how many were queued.
    pub(crate) async fn queue_remote_letters(
        &self,
        txn: &DatabaseTransaction,
        sent: RemoteLetter,
        now: DateTime<Utc>,
    ) -> Result<usize, RoutingError> {
        let mut queued = 0;
        for (delivery_id, office_id) in &sent.deliveries {
            let Some(peer) = self.remote_peer(txn, office_id).await? else { continue };
            let office = directory::office_by_id(txn, office_id).await?.ok_or(RoutingError::NotFound("office"))?;
            let body = MessageBody::Letter {
                recipient: office.code,
                envelope: sent.envelope.clone(),
                documents: sent
                    .documents
                    .iter()
                    .map(|(sha256, size)| ListedDocument { sha256: sha256.clone(), size: *size })
                    .collect(),
            };
            self.queue(txn, MessageKind::Letter, &peer, &sent.letter_id, delivery_id, body, now).await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// Queues the decision on a delivery of a letter that came from a peer (nothing for a local
    /// letter), inside the deciding transaction.
    pub(crate) async fn queue_remote_decision(
        &self,
        txn: &DatabaseTransaction,
        letter: &letter::Model,
        delivery_id: &str,
        receipt: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, RoutingError> {
        let Some(peer) = self.remote_peer(txn, &letter.office_id).await? else { return Ok(false) };
        let Some(arrival) = store::received_of_delivery(txn, delivery_id).await? else { return Ok(false) };
        let body = MessageBody::Decision { letter_message: arrival.message_id, receipt: receipt.to_owned() };
        self.queue(txn, MessageKind::Decision, &peer, &letter.id, delivery_id, body, now).await?;
        Ok(true)
    }

    /// Tells the exchange task that a committed change queued messages to peers.
    pub(crate) fn ring_outbox(&self) {
        self.outbox_bell.notify_one();
    }

    /// Resolves when a committed change queued messages to peers since the last call (a ring while
    /// nobody waits is kept for the next wait, so none is lost).
    pub async fn outbox_rung(&self) {
        self.outbox_bell.notified().await;
    }

    /// Inside a recall's transaction, for every remote recipient of the letter whose delivery the
    /// recall withdrew here: a letter message not yet attempted is cancelled (it never left); one the
    /// peer may hold (answered `arrived`, or attempted without a verifying answer, which may have
    /// arrived all the same) gets a recall message. Returns the ids cancelled and the recall
    /// messages queued.
    pub(crate) async fn queue_remote_recalls(
        &self,
        txn: &DatabaseTransaction,
        letter_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(Vec<String>, Vec<String>), RoutingError> {
        let (mut cancelled, mut recalls) = (Vec::new(), Vec::new());
        for row in store::outbound_of_letter(txn, letter_id).await? {
            if row.kind.get() != MessageKind::Letter {
                continue;
            }
            let withdrawn = sarabun_registry::letters::delivery_by_id(txn, &row.delivery_id)
                .await?
                .is_some_and(|d| d.state.get() == sarabun_domain::DeliveryState::Recalled);
            if !withdrawn {
                continue;
            }
            let state = row.state.get();
            let may_be_at_peer = match state {
                OutboundState::AtPeer => true,
                OutboundState::Queued | OutboundState::Failed => {
                    let tried = row.attempts > 0;
                    let id = row.id.clone();
                    self.cancel_in(txn, row.clone(), "recalled by the sender").await?;
                    cancelled.push(id);
                    tried
                }
                OutboundState::Recorded | OutboundState::Invalid | OutboundState::Cancelled => false,
            };
            if may_be_at_peer {
                recalls.push(self.queue_recall(txn, &row, reason, now).await?);
            }
        }
        Ok((cancelled, recalls))
    }

    /// Queues the recall of letter message `letter_message` (a row of this queue); its id.
    async fn queue_recall(
        &self,
        txn: &DatabaseTransaction,
        letter_message: &federation_outbox::Model,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<String, RoutingError> {
        let body = MessageBody::Recall { letter_message: letter_message.id.clone(), reason: reason.to_owned() };
        let id = self
            .queue(
                txn,
                MessageKind::Recall,
                &letter_message.peer,
                &letter_message.letter_id,
                &letter_message.delivery_id,
                body,
                now,
            )
            .await?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn queue(
        &self,
        txn: &DatabaseTransaction,
        kind: MessageKind,
        peer: &str,
        letter_id: &str,
        delivery_id: &str,
        body: MessageBody,
        now: DateTime<Utc>,
    ) -> Result<String, RoutingError> {
        let from = sarabun_federation::fingerprint(&self.node_key(txn).await?.verifying_key());
        let message =
            Message { v: FEDERATION_VERSION, id: new_id(), from, to: peer.to_owned(), queued_at: wire_time(now), body };
        let model = federation_outbox::Model {
            id: message.id.clone(),
            peer: peer.to_owned(),
            kind: Stored(kind),
            letter_id: letter_id.to_owned(),
            delivery_id: delivery_id.to_owned(),
            body: serde_json::to_string(&message).map_err(|e| RoutingError::Internal(e.to_string()))?,
            state: Stored(OutboundState::Queued),
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            answer: None,
            reason: None,
            queued_at: now,
            answered_at: None,
            retry_from: None,
        };
        store::insert_outbound(txn, model).await?;
        tracing::info!(message_id = %message.id, peer, kind = %kind, letter_id, "message to a peer queued");
        Ok(message.id)
    }

    /// The messages due now (at most `limit`), each with its body and a fresh signature, and for a
    /// letter the documents to upload first.
    pub async fn due_messages(&self, limit: u64) -> Result<Vec<Outgoing>, RoutingError> {
        let now = self.clock.now();
        let rows = store::due_outbound(&self.db, now, limit).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.node_key(&self.db).await?;
        let mut out = Vec::new();
        for row in rows {
            let Some(peer) = store::peer(&self.db, &row.peer).await? else {
                self.message_attempt_failed(&row.id, "the peer's description is not known yet").await?;
                continue;
            };
            let message: Message =
                serde_json::from_str(&row.body).map_err(|e| RoutingError::Internal(format!("queued message: {e}")))?;
            let endpoint = peer.endpoint.trim_end_matches('/');
            let documents = match &message.body {
                MessageBody::Letter { documents, .. } => documents
                    .iter()
                    .map(|d| DocumentToPush {
                        sha256: d.sha256.clone(),
                        size: d.size,
                        url: format!("{endpoint}{DOCUMENTS_PATH}{}", d.sha256),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            // The body as queued, byte for byte.
            let body = row.body.into_bytes();
            let url = format!("{endpoint}{MESSAGES_PATH}");
            let headers = sign_request("POST", &url, &body, now, &key);
            out.push(Outgoing {
                id: row.id,
                peer: row.peer,
                url,
                body,
                headers,
                documents,
                delivery_id: row.delivery_id,
                picked_at: now,
            });
        }
        Ok(out)
    }

    /// Signs a request about a document upload to a peer: a `HEAD` (no body, no range) or a chunk's
    /// `PUT` (its bytes and `Content-Range`).
    pub async fn sign_document_request(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
        content_range: Option<&str>,
    ) -> Result<SignedHeaders, RoutingError> {
        let key = self.node_key(&self.db).await?;
        Ok(sign_request_with_range(method, url, body, content_range, self.clock.now(), &key))
    }

    /// Records the peer's answer to message `id`: checked against the peer's node key, it moves the
    /// message to at-peer, recorded or invalid. An answer that does not verify counts as a failed
    /// attempt; an answer to a message already answered changes nothing. A letter message cancelled
    /// while its attempt was on the wire, that the peer answers `arrived`, is at the peer after all:
    /// it is recorded so, and when the cancel was a recall, the recall message follows it.
    pub async fn message_answered(&self, id: &str, answer: &str) -> Result<OutboundState, RoutingError> {
        let row = store::outbound(&self.db, id).await?.ok_or(RoutingError::NotFound("queued message"))?;
        let was = row.state.get();
        let crossed_cancel = was == OutboundState::Cancelled && row.kind.get() == MessageKind::Letter;
        if row.state.get().is_final() && !crossed_cancel {
            return Ok(row.state.get());
        }
        let peer =
            store::peer(&self.db, &row.peer).await?.ok_or_else(|| RoutingError::PeerUnknown(row.peer.clone()))?;
        let public = sarabun_federation::description::decode_key(&peer.node_key).map_err(super::protocol)?;
        let checked = match Answer::verify(answer, &public, id) {
            Ok(a) if a.node == row.peer => a,
            Ok(_) | Err(_) if crossed_cancel => return Ok(OutboundState::Cancelled),
            Ok(_) | Err(_) => {
                return self.message_attempt_failed(id, "the peer's answer does not verify").await;
            }
        };
        let state = match checked.status {
            AnswerStatus::Arrived => OutboundState::AtPeer,
            AnswerStatus::Recorded => OutboundState::Recorded,
            AnswerStatus::Invalid => OutboundState::Invalid,
        };
        if crossed_cancel && state != OutboundState::AtPeer {
            return Ok(OutboundState::Cancelled);
        }
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let event = node_event(
            EventKind::MessageAnswered,
            format!("delivery/{}", row.delivery_id),
            json!({
                "message_id": id,
                "peer": row.peer,
                "kind": row.kind.get().as_str(),
                "status": checked.status.as_str(),
                "reason": checked.reason,
                "answer_sha256": sarabun_signing::sha256_hex(answer.as_bytes()),
                "after_cancel": crossed_cancel,
            }),
        );
        let event = crate::AuditEvent {
            letter_id: Some(row.letter_id.clone()),
            delivery_id: Some(row.delivery_id.clone()),
            ..event
        };
        let answered = federation_outbox::Model {
            state: Stored(state),
            attempts: row.attempts + 1,
            answer: Some(answer.to_owned()),
            reason: checked.reason.clone(),
            answered_at: Some(now),
            last_error: None,
            ..row
        };
        if !store::update_outbound(&txn, answered.clone(), was).await? {
            txn.rollback().await?;
            return self.current_state(id).await;
        }
        self.record(&txn, now, event).await?;
        if crossed_cancel
            && let Some(letter) = sarabun_registry::letters::letter_by_id(&txn, &answered.letter_id)
                .await?
                .filter(|l| l.state.get() == sarabun_domain::LetterState::Recalled)
        {
            self.queue_recall(&txn, &answered, letter.recall_reason.as_deref().unwrap_or(""), now).await?;
        }
        txn.commit().await?;
        tracing::info!(message_id = id, status = checked.status.as_str(), "peer answered");
        Ok(state)
    }

    /// Records a failed attempt at message `id` (the peer unreachable, an error status, no valid
    /// answer): it is tried again on the schedule, or given up once the schedule ends.
    pub async fn message_attempt_failed(&self, id: &str, error: &str) -> Result<OutboundState, RoutingError> {
        self.attempt_failed(id, error, None).await
    }

    /// Records that the attempt at `out` failed. An operator's "retry now" that came while the
    /// attempt was on the wire stands: the message stays due at once instead of waiting for the
    /// schedule's next step.
    pub async fn outgoing_failed(&self, out: &Outgoing, error: &str) -> Result<OutboundState, RoutingError> {
        self.attempt_failed(&out.id, error, Some(out.picked_at)).await
    }

    async fn attempt_failed(
        &self,
        id: &str,
        error: &str,
        picked_at: Option<DateTime<Utc>>,
    ) -> Result<OutboundState, RoutingError> {
        let row = store::outbound(&self.db, id).await?.ok_or(RoutingError::NotFound("queued message"))?;
        if row.state.get().is_final() {
            return Ok(row.state.get());
        }
        let now = self.clock.now();
        let attempts = row.attempts + 1;
        let error: String = error.chars().take(500).collect();
        self.meter.exchange_attempt_failed(&row.peer);
        // An operator's retry of a failed message gives it a fresh span of days from then.
        let from = row.retry_from.unwrap_or(row.queued_at);
        let next = self.exchange.schedule.next_attempt(u32::try_from(attempts).unwrap_or(u32::MAX), from, now);
        // Rescheduled after this attempt was picked (only "retry now" does that): keep it due.
        let retried_meanwhile = picked_at.is_some_and(|picked| row.next_attempt_at > picked);
        let next = if retried_meanwhile { Some(row.next_attempt_at) } else { next };
        let (state, event) = match next {
            Some(_) => (OutboundState::Queued, None),
            None => {
                let event = node_event(
                    EventKind::MessageFailed,
                    format!("delivery/{}", row.delivery_id),
                    json!({"message_id": id, "peer": row.peer, "attempts": attempts, "reason": error}),
                );
                let event = crate::AuditEvent {
                    letter_id: Some(row.letter_id.clone()),
                    delivery_id: Some(row.delivery_id.clone()),
                    ..event
                };
                (OutboundState::Failed, Some(event))
            }
        };
        let updated = federation_outbox::Model {
            state: Stored(state),
            attempts,
            next_attempt_at: next.unwrap_or(row.next_attempt_at),
            reason: event.as_ref().map(|_| error.clone()),
            last_error: Some(error.clone()),
            ..row
        };
        let txn = self.db.begin().await?;
        if !store::update_outbound(&txn, updated, OutboundState::Queued).await? {
            // Cancelled or retried by an operator meanwhile: their step stands.
            txn.rollback().await?;
            return self.current_state(id).await;
        }
        match (next, event) {
            (_, Some(event)) => {
                self.record(&txn, now, event).await?;
                tracing::error!(message_id = id, attempts, "message to a peer given up");
            }
            (Some(at), None) => {
                tracing::warn!(message_id = id, attempts, error = %error, retry_at = %at, "message to a peer not delivered");
            }
            (None, None) => {}
        }
        txn.commit().await?;
        Ok(state)
    }

    /// The state message `id` is in now.
    pub(crate) async fn current_state(&self, id: &str) -> Result<OutboundState, RoutingError> {
        let row = store::outbound(&self.db, id).await?.ok_or(RoutingError::NotFound("queued message"))?;
        Ok(row.state.get())
    }
}
