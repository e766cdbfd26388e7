//! A peer's message, taken exactly once. The request must come from a pinned peer (its `keyid`),
//! carry a valid HTTP signature over this node's own target URI, a matching `Content-Digest` and a
//! fresh `created`, and name this node. A message id seen before gets the answer it got then, and
//! nothing else happens. A new letter message is checked — the envelope's seal against the sending
//! office's key from the peer's description, the recipient one of this node's offices, every
//! document uploaded before by the same peer (`documents`) with its digest and size — and either becomes one inbox delivery, with
//! the signed answer `arrived`, in one transaction with the record of the message id (unique, so a
//! racing duplicate loses), or is refused with the signed answer `invalid` and its reason. A decision
//! message records the remote office's signed receipt or rejection on the sender's delivery (also on
//! one the sender recalled meanwhile: the office decided before the recall reached it). A recall
//! message withdraws the letter from the office's inbox while it still waits there, answered
//! `recorded`, or is refused (`invalid`, with the reason) once the office has received or rejected it.

use super::peers::stand_in_username;
use super::{MESSAGES_PATH, node_event};
use crate::{Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, EventKind, LetterState, MessageKind, RegisterNumber};
use sarabun_federation::httpsig::{ReceivedRequest, keyid_of, verify_request};
use sarabun_federation::{Answer, AnswerStatus, ListedDocument, Message, MessageBody};
use sarabun_registry::entity::{delivery, federation_peer, federation_received, letter, letter_document, office};
use sarabun_registry::letters::{self as letters_store, ReceiptRecord};
use sarabun_registry::{Stored, directory, federation as store};
use sarabun_signing::payload::{Decision, EnvelopePayload, parse_wire_time, wire_time};
use sarabun_signing::{Jwks, sha256_hex};
use sea_orm::TransactionTrait;
use serde_json::json;

/// A message request as the edge received it.
#[derive(Debug, Clone)]
pub struct IncomingRequest {
    pub method: String,
    pub content_digest: Option<String>,
    pub date: Option<String>,
    pub signature_input: Option<String>,
    pub signature: Option<String>,
    /// The `Content-Range` of a document chunk (none for a message).
    pub content_range: Option<String>,
    pub body: bytes::Bytes,
}

/// The answer given to a message (the first time, or again for a duplicate).
#[derive(Debug, Clone)]
pub struct Taken {
    pub status: AnswerStatus,
    /// The signed answer, compact JWS.
    pub answer: String,
    /// Whether this message id had been taken before (the answer is the one given then).
    pub duplicate: bool,
}

/// A letter that passed every check.
struct Checked {
    payload: EnvelopePayload,
    sender: office::Model,
    recipient: office::Model,
}

fn not_a_message(why: impl Into<String>) -> RoutingError {
    RoutingError::Field { field: "message", message: why.into() }
}

impl Correspondence {
    /// The pinned peer that signed a request to `path` (below this node's endpoint): its `keyid` is a
    /// pin, its description is known, and the RFC 9421 signature verifies over this node's own target
    /// URI with a matching `Content-Digest` and a fresh `created` (also over `Content-Range`, when the
    /// request carries one).
    pub(crate) async fn signed_by_peer(
        &self,
        req: &IncomingRequest,
        path: &str,
    ) -> Result<federation_peer::Model, RoutingError> {
        let input =
            req.signature_input.as_deref().ok_or_else(|| RoutingError::PeerSignature("no Signature-Input".into()))?;
        let keyid = keyid_of(input).map_err(|e| RoutingError::PeerSignature(e.to_string()))?;
        if self.exchange.pin(&keyid).is_none() {
            return Err(RoutingError::PeerNotPinned(keyid));
        }
        let peer = store::peer(&self.db, &keyid).await?.ok_or_else(|| RoutingError::PeerUnknown(keyid.clone()))?;
        let public = sarabun_federation::description::decode_key(&peer.node_key).map_err(super::protocol)?;
        let target_uri = format!("{}{path}", self.exchange.endpoint.trim_end_matches('/'));
        let received = ReceivedRequest {
            method: &req.method,
            target_uri: &target_uri,
            content_digest: req.content_digest.as_deref(),
            date: req.date.as_deref(),
            signature_input: Some(input),
            signature: req.signature.as_deref(),
            content_range: req.content_range.as_deref(),
            body: &req.body,
        };
        verify_request(&received, self.clock.now(), &public).map_err(|e| RoutingError::PeerSignature(e.to_string()))?;
        Ok(peer)
    }

    /// Takes a peer's message (see the module documentation).
    pub async fn take_message(&self, req: IncomingRequest) -> Result<Taken, RoutingError> {
        let peer = self.signed_by_peer(&req, MESSAGES_PATH).await?;
        let keyid = peer.fingerprint.clone();
        let message: Message =
            serde_json::from_slice(&req.body).map_err(|e| not_a_message(format!("not a message: {e}")))?;
        let own = self.node_fingerprint().await?;
        if message.from != keyid || message.to != own {
            return Err(not_a_message("the message names other nodes than the signer and this node"));
        }
        if let Some(done) = store::received(&self.db, &message.id).await? {
            return again(done, &keyid);
        }
        let body_sha256 = sha256_hex(&req.body);
        match &message.body {
            MessageBody::Letter { recipient, envelope, documents } => {
                match self.check_letter(&peer, recipient, envelope, documents).await? {
                    Ok(checked) => self.take_letter(&peer, &message, envelope, checked, &body_sha256, &own).await,
                    Err(reason) => self.refuse(&peer, &message, MessageKind::Letter, &body_sha256, &own, reason).await,
                }
            }
            MessageBody::Decision { letter_message, receipt } => {
                self.take_decision(&peer, &message, letter_message, receipt, &body_sha256, &own).await
            }
            MessageBody::Recall { letter_message, reason } => {
                self.take_recall(&peer, &message, letter_message, reason, &body_sha256, &own).await
            }
        }
    }

    /// The keys of the peer's offices, from its description as taken into the directory.
    async fn peer_jwks(&self, peer: &str) -> Result<Jwks, RoutingError> {
        let mut jwks = Jwks::default();
        for office in store::offices_of_peer(&self.db, peer).await? {
            if let Ok(keys) = serde_json::from_str::<Jwks>(&office.keys_json) {
                jwks.keys.extend(keys.keys);
            }
        }
        Ok(jwks)
    }

    /// Every check of a letter message; `Err(reason)` for a letter to refuse as invalid.
    async fn check_letter(
        &self,
        peer: &federation_peer::Model,
        recipient: &str,
        envelope: &str,
        pushed: &[ListedDocument],
    ) -> Result<Result<Checked, String>, RoutingError> {
        let jwks = self.peer_jwks(&peer.fingerprint).await?;
        let (payload, _key) = match sarabun_signing::jws::verify_envelope(envelope, &jwks) {
            Ok(verified) => verified,
            Err(e) => return Ok(Err(format!("the envelope's seal does not verify: {e}"))),
        };
        let Some(sender) = self.office_of_code(&payload.from).await? else {
            return Ok(Err(format!("the sending office {} is not known here", payload.from)));
        };
        if store::remote_office(&self.db, &sender.id).await?.is_none_or(|r| r.peer != peer.fingerprint) {
            return Ok(Err(format!("the sending office {} is not served by the sending node", payload.from)));
        }
        let Some(office) = self.office_of_code(recipient).await? else {
            return Ok(Err(format!("no office {recipient} on this node")));
        };
        if store::remote_office(&self.db, &office.id).await?.is_some() || !payload.to.iter().any(|t| t == recipient) {
            return Ok(Err(format!("the letter is not for an office of this node ({recipient})")));
        }
        if pushed.len() != payload.documents.len() {
            return Ok(Err("the documents sent are not those the envelope lists".into()));
        }
        for listed in &payload.documents {
            let Some(doc) = pushed.iter().find(|d| d.sha256 == listed.sha256) else {
                return Ok(Err(format!("document {} is missing", listed.sha256)));
            };
            if doc.size != listed.size {
                return Ok(Err(format!("document {} has another size than listed", listed.sha256)));
            }
            if !self.peer_uploaded(&peer.fingerprint, &doc.sha256, doc.size).await? {
                return Ok(Err(format!("document {} was not uploaded before the letter", listed.sha256)));
            }
        }
        if let Some(existing) = letters_store::letter_by_id(&self.db, &payload.letter_id).await?
            && (existing.office_id != sender.id || existing.envelope_sha256 != sha256_hex(envelope.trim().as_bytes()))
        {
            return Ok(Err(format!("letter {} is known here with another envelope", payload.letter_id)));
        }
        Ok(Ok(Checked { payload, sender, recipient: office }))
    }

    async fn office_of_code(&self, code: &str) -> Result<Option<office::Model>, RoutingError> {
        let Ok(code) = sarabun_domain::OfficeCode::parse(code) else { return Ok(None) };
        Ok(directory::office_by_code(&self.db, &code).await?)
    }

    /// Puts a checked letter in the recipient office's inbox and answers `arrived`.
    async fn take_letter(
        &self,
        peer: &federation_peer::Model,
        message: &Message,
        envelope: &str,
        checked: Checked,
        body_sha256: &str,
        own: &str,
    ) -> Result<Taken, RoutingError> {
        let Checked { payload, sender, recipient } = checked;
        let stand_in = store::stand_in(&self.db, &stand_in_username(&payload.from))
            .await?
            .ok_or(RoutingError::NotFound("stand-in sender of the remote office"))?;
        let now = self.clock.now();
        let key = self.node_key(&self.db).await?;
        let answer = Answer::new(&message.id, own, AnswerStatus::Arrived, None, wire_time(now))
            .sign(&key)
            .map_err(super::protocol)?;
        let delivery = delivery::Model::delivered(
            &payload.letter_id,
            &sender.id,
            &recipient.id,
            now,
            payload.secrecy,
            payload.urgency,
        );
        let delivery_id = delivery.id.clone();
        let txn = self.db.begin().await?;
        if letters_store::letter_by_id(&txn, &payload.letter_id).await?.is_none() {
            let (letter, documents) = arrived_letter(&payload, envelope, &sender, &stand_in.id, now);
            store::insert_arrived_letter(&txn, letter, documents).await?;
        }
        store::insert_delivery(&txn, delivery).await?;
        let record = received_row(
            message,
            &peer.fingerprint,
            MessageKind::Letter,
            body_sha256,
            AnswerStatus::Arrived,
            &answer,
            now,
        );
        let record = federation_received::Model {
            letter_id: Some(payload.letter_id.clone()),
            delivery_id: Some(delivery_id.clone()),
            ..record
        };
        if let Err(e) = store::insert_received(&txn, record).await {
            txn.rollback().await?;
            return self.lost_to_duplicate(e, &message.id, &peer.fingerprint).await;
        }
        letters_store::insert_event(&txn, EventKind::LetterSent, &payload.letter_id, Some(&delivery_id), now).await?;
        let event = node_event(
            EventKind::LetterArrived,
            format!("delivery/{delivery_id}"),
            json!({
                "message_id": message.id,
                "peer": peer.fingerprint,
                "number": payload.number,
                "from": payload.from,
                "to": recipient.code,
                "envelope_sha256": sha256_hex(envelope.trim().as_bytes()),
                "answer_sha256": sha256_hex(answer.as_bytes()),
            }),
        );
        let event = crate::AuditEvent {
            letter_id: Some(payload.letter_id.clone()),
            delivery_id: Some(delivery_id.clone()),
            ..event
        };
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(message_id = %message.id, letter_id = %payload.letter_id, to = %recipient.code, "letter from a peer arrived");
        Ok(Taken { status: AnswerStatus::Arrived, answer, duplicate: false })
    }

    /// Records a decision of a remote office on a letter this node sent, and answers `recorded`.
    async fn take_decision(
        &self,
        peer: &federation_peer::Model,
        message: &Message,
        letter_message: &str,
        receipt: &str,
        body_sha256: &str,
        own: &str,
    ) -> Result<Taken, RoutingError> {
        let refuse = |reason: String| self.refuse(peer, message, MessageKind::Decision, body_sha256, own, reason);
        let Some(sent) = store::outbound(&self.db, letter_message)
            .await?
            .filter(|o| o.peer == peer.fingerprint && o.kind.get() == MessageKind::Letter)
        else {
            return refuse(format!("no letter message {letter_message} was sent to this node")).await;
        };
        let delivery = letters_store::delivery_by_id(&self.db, &sent.delivery_id)
            .await?
            .ok_or(RoutingError::NotFound("delivery"))?;
        let letter =
            letters_store::letter_by_id(&self.db, &sent.letter_id).await?.ok_or(RoutingError::NotFound("letter"))?;
        let office = directory::office_by_id(&self.db, &delivery.recipient_office_id)
            .await?
            .ok_or(RoutingError::NotFound("office"))?;
        let jwks = self.peer_jwks(&peer.fingerprint).await?;
        let payload = match sarabun_signing::jws::verify_receipt(receipt, &jwks) {
            Ok((payload, _)) => payload,
            Err(e) => return refuse(format!("the receipt does not verify: {e}")).await,
        };
        if payload.letter_id != letter.id
            || payload.envelope_sha256 != letter.envelope_sha256
            || payload.recipient != office.code
        {
            return refuse("the receipt is for another letter or office".into()).await;
        }
        let number = match payload.receive_number.as_deref().map(RegisterNumber::parse).transpose() {
            Ok(n) => n,
            Err(e) => return refuse(format!("the receive number: {e}")).await,
        };
        let (state, kind) = match payload.decision {
            Decision::Received if number.is_some() => (DeliveryState::Received, EventKind::DeliveryReceived),
            Decision::Rejected => (DeliveryState::Rejected, EventKind::DeliveryRejected),
            Decision::Received => return refuse("a receipt without a receive number".into()).await,
        };
        let decided_at: DateTime<Utc> = parse_wire_time(&payload.decided_at).unwrap_or_else(|| self.clock.now());
        let now = self.clock.now();
        let key = self.node_key(&self.db).await?;
        let answer = Answer::new(&message.id, own, AnswerStatus::Recorded, None, wire_time(now))
            .sign(&key)
            .map_err(super::protocol)?;
        let txn = self.db.begin().await?;
        let by = format!("{}@{}", payload.clerk, office.code);
        let decided = letters_store::decide_delivery(&txn, &delivery.id, state, &by, decided_at, payload.reason.clone())
            .await?
            // The office decided before this node's recall reached it: the recall was (or will be)
            // refused there, and the record must say what the office did.
            || (recall_sent(&txn, &delivery.id).await?
                && letters_store::decide_delivery_from(
                    &txn,
                    &delivery.id,
                    DeliveryState::Recalled,
                    state,
                    &by,
                    decided_at,
                    payload.reason.clone(),
                )
                .await?);
        if !decided {
            txn.rollback().await?;
            let current = letters_store::delivery_by_id(&self.db, &delivery.id).await?.map(|d| d.state.get());
            let current = current.map_or("unknown", |s| s.as_str());
            return refuse(format!("the letter is no longer waiting at the sender (it is {current})")).await;
        }
        let record = ReceiptRecord {
            receive_number: number.map(|n| (n.year, i64::from(n.seq.get()))),
            receipt: receipt.trim().to_owned(),
            stamped_sha256: payload.stamped_sha256.clone(),
            stamp_error: None,
        };
        letters_store::record_receipt(&txn, &delivery.id, record).await?;
        let row = received_row(
            message,
            &peer.fingerprint,
            MessageKind::Decision,
            body_sha256,
            AnswerStatus::Recorded,
            &answer,
            now,
        );
        let row = federation_received::Model {
            letter_id: Some(letter.id.clone()),
            delivery_id: Some(delivery.id.clone()),
            ..row
        };
        if let Err(e) = store::insert_received(&txn, row).await {
            txn.rollback().await?;
            return self.lost_to_duplicate(e, &message.id, &peer.fingerprint).await;
        }
        letters_store::insert_event(&txn, kind, &letter.id, Some(&delivery.id), now).await?;
        let event = node_event(
            EventKind::DecisionArrived,
            format!("delivery/{}", delivery.id),
            json!({
                "message_id": message.id,
                "peer": peer.fingerprint,
                "recipient": office.code,
                "decision": state.as_str(),
                "receive_number": payload.receive_number,
                "reason": payload.reason,
                "receipt_sha256": sha256_hex(receipt.trim().as_bytes()),
            }),
        );
        let event =
            crate::AuditEvent { letter_id: Some(letter.id.clone()), delivery_id: Some(delivery.id.clone()), ..event };
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(message_id = %message.id, letter_id = %letter.id, decision = state.as_str(), "decision from a peer recorded");
        Ok(Taken { status: AnswerStatus::Recorded, answer, duplicate: false })
    }

    /// The sender recalls a letter it sent here: withdrawn while the office has not decided on it
    /// (answered `recorded`), refused once it has (answered `invalid` with what the office did).
    async fn take_recall(
        &self,
        peer: &federation_peer::Model,
        message: &Message,
        letter_message: &str,
        reason: &str,
        body_sha256: &str,
        own: &str,
    ) -> Result<Taken, RoutingError> {
        let arrival = store::received(&self.db, letter_message)
            .await?
            .filter(|r| r.peer == peer.fingerprint && r.kind.get() == MessageKind::Letter);
        let delivery = match arrival.as_ref().and_then(|a| a.delivery_id.clone()) {
            Some(id) => letters_store::delivery_by_id(&self.db, &id).await?,
            None => None,
        };
        let refusal = match delivery.as_ref().map(|d| d.state.get()) {
            Some(DeliveryState::Received) => {
                let number = delivery
                    .as_ref()
                    .and_then(|d| d.receive_year_be.zip(d.receive_seq))
                    .map(|(year, seq)| format!(" as number {seq}/{year}"))
                    .unwrap_or_default();
                Some(format!("the office already received the letter{number}; the recall is refused"))
            }
            Some(DeliveryState::Rejected) => {
                Some("the office already rejected the letter; the recall is refused".into())
            }
            _ => None,
        };
        if let Some(reason) = refusal {
            return self.refuse(peer, message, MessageKind::Recall, body_sha256, own, reason).await;
        }
        let now = self.clock.now();
        let key = self.node_key(&self.db).await?;
        let answer = Answer::new(&message.id, own, AnswerStatus::Recorded, None, wire_time(now))
            .sign(&key)
            .map_err(super::protocol)?;
        let reason = reason.trim().chars().take(2000).collect::<String>();
        let txn = self.db.begin().await?;
        // A letter message never taken here (it was lost on the way): nothing to withdraw.
        let withdrawn = match &delivery {
            Some(d) => store::withdraw_delivery(&txn, &d.id, now).await?,
            None => false,
        };
        if let Some(d) = delivery.as_ref().filter(|_| withdrawn) {
            let decided = letters_store::letter_deliveries(&txn, &d.letter_id)
                .await?
                .iter()
                .any(|o| matches!(o.state.get(), DeliveryState::Received | DeliveryState::Rejected));
            if !decided {
                letters_store::mark_letter_recalled(
                    &txn,
                    &d.letter_id,
                    now,
                    Some(reason.clone()).filter(|r| !r.is_empty()),
                )
                .await?;
            }
            letters_store::insert_event(&txn, EventKind::LetterRecalled, &d.letter_id, Some(&d.id), now).await?;
        }
        let row = received_row(
            message,
            &peer.fingerprint,
            MessageKind::Recall,
            body_sha256,
            AnswerStatus::Recorded,
            &answer,
            now,
        );
        let row = federation_received::Model {
            letter_id: delivery.as_ref().map(|d| d.letter_id.clone()),
            delivery_id: delivery.as_ref().map(|d| d.id.clone()),
            ..row
        };
        if let Err(e) = store::insert_received(&txn, row).await {
            txn.rollback().await?;
            return self.lost_to_duplicate(e, &message.id, &peer.fingerprint).await;
        }
        let subject =
            delivery.as_ref().map_or_else(|| format!("node/{}", peer.fingerprint), |d| format!("delivery/{}", d.id));
        let event = node_event(
            EventKind::RecallArrived,
            subject,
            json!({
                "message_id": message.id,
                "peer": peer.fingerprint,
                "letter_message": letter_message,
                "withdrawn": withdrawn,
                "reason": reason,
            }),
        );
        let event = crate::AuditEvent {
            letter_id: delivery.as_ref().map(|d| d.letter_id.clone()),
            delivery_id: delivery.as_ref().map(|d| d.id.clone()),
            ..event
        };
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(message_id = %message.id, letter_message, withdrawn, "recall from a peer taken");
        Ok(Taken { status: AnswerStatus::Recorded, answer, duplicate: false })
    }

    /// Refuses a message as invalid with a signed answer, recorded so that a repeat gets it again.
    async fn refuse(
        &self,
        peer: &federation_peer::Model,
        message: &Message,
        kind: MessageKind,
        body_sha256: &str,
        own: &str,
        reason: String,
    ) -> Result<Taken, RoutingError> {
        let now = self.clock.now();
        let key = self.node_key(&self.db).await?;
        let answer = Answer::new(&message.id, own, AnswerStatus::Invalid, Some(reason.clone()), wire_time(now))
            .sign(&key)
            .map_err(super::protocol)?;
        let txn = self.db.begin().await?;
        let row = received_row(message, &peer.fingerprint, kind, body_sha256, AnswerStatus::Invalid, &answer, now);
        if let Err(e) = store::insert_received(&txn, row).await {
            txn.rollback().await?;
            return self.lost_to_duplicate(e, &message.id, &peer.fingerprint).await;
        }
        let event = node_event(
            EventKind::MessageRefused,
            format!("node/{}", peer.fingerprint),
            json!({"message_id": message.id, "peer": peer.fingerprint, "kind": kind.as_str(), "reason": reason}),
        );
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::warn!(message_id = %message.id, peer = %peer.fingerprint, reason = %reason, "message from a peer refused");
        Ok(Taken { status: AnswerStatus::Invalid, answer, duplicate: false })
    }

    /// After a racing duplicate recorded the message id first: its answer.
    async fn lost_to_duplicate(
        &self,
        e: sarabun_registry::RegistryError,
        message_id: &str,
        peer: &str,
    ) -> Result<Taken, RoutingError> {
        if !e.is_unique_violation() {
            return Err(e.into());
        }
        let done = store::received(&self.db, message_id).await?.ok_or(RoutingError::NotFound("message"))?;
        again(done, peer)
    }
}

/// The answer a message id got the first time.
fn again(done: federation_received::Model, peer: &str) -> Result<Taken, RoutingError> {
    if done.peer != peer {
        return Err(not_a_message("this message id was used by another node"));
    }
    let status = match done.status.as_str() {
        "arrived" => AnswerStatus::Arrived,
        "recorded" => AnswerStatus::Recorded,
        _ => AnswerStatus::Invalid,
    };
    Ok(Taken { status, answer: done.answer, duplicate: true })
}

fn received_row(
    message: &Message,
    peer: &str,
    kind: MessageKind,
    body_sha256: &str,
    status: AnswerStatus,
    answer: &str,
    now: DateTime<Utc>,
) -> federation_received::Model {
    federation_received::Model {
        message_id: message.id.clone(),
        peer: peer.to_owned(),
        kind: Stored(kind),
        body_sha256: body_sha256.to_owned(),
        status: status.as_str().to_owned(),
        answer: answer.to_owned(),
        letter_id: None,
        delivery_id: None,
        received_at: now,
    }
}

/// The rows of a letter that arrived from a peer, as its sealed envelope says.
fn arrived_letter(
    payload: &EnvelopePayload,
    envelope: &str,
    sender: &office::Model,
    sent_by: &str,
    now: DateTime<Utc>,
) -> (letter::Model, Vec<letter_document::Model>) {
    let seq = payload.number.rsplit('/').next().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let year_be = payload.date.get(..4).and_then(|y| y.parse::<i32>().ok()).map_or(0, |y| y + 543);
    let letter = letter::Model {
        id: payload.letter_id.clone(),
        office_id: sender.id.clone(),
        kind: Stored(payload.kind),
        series: Stored(payload.series),
        year_be,
        seq,
        number: payload.number.clone(),
        letter_date: payload.date.clone(),
        subject: payload.subject.clone(),
        addressee: String::new(),
        urgency: Stored(payload.urgency),
        secrecy: Stored(payload.secrecy),
        deadline: None,
        signer_name: String::new(),
        signer_position: String::new(),
        references_json: serde_json::to_string(&payload.references).unwrap_or_else(|_| "[]".into()),
        enclosures_note: None,
        envelope: envelope.trim().to_owned(),
        envelope_sha256: sha256_hex(envelope.trim().as_bytes()),
        state: Stored(LetterState::Sent),
        sent_by: sent_by.to_owned(),
        sent_at: parse_wire_time(&payload.sealed_at).unwrap_or(now),
        recalled_at: None,
        recall_reason: None,
        retention_years: 10,
        legal_hold: false,
        origin: Stored(sarabun_domain::LetterOrigin::Sarabun),
    };
    let documents = payload
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| letter_document::Model {
            letter_id: payload.letter_id.clone(),
            position: i32::try_from(i).unwrap_or(i32::MAX),
            sha256: d.sha256.clone(),
            name: d.name.clone(),
            media_type: d.media_type.clone(),
            size: i64::try_from(d.size).unwrap_or(i64::MAX),
            role: d.role.as_str().into(),
        })
        .collect();
    (letter, documents)
}

/// Whether this node sent the peer a recall of the letter on `delivery_id`.
async fn recall_sent(conn: &impl sea_orm::ConnectionTrait, delivery_id: &str) -> Result<bool, RoutingError> {
    Ok(store::outbound_of_delivery(conn, delivery_id).await?.iter().any(|o| o.kind.get() == MessageKind::Recall))
}
