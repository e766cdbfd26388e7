//! Deciding on a delivered letter: the recipient office receives it (the next receive number, the
//! receiving stamp, the receive register) or rejects it as not its own, with a reason. Both follow one
//! skeleton, so they cannot drift apart: the text and the delivery are checked before any
//! transaction, the delivery moves by a conditional update inside it (a racing clerk loses cleanly),
//! the receipt or rejection is signed with the office key, and it, the audit entry and the event for
//! the notification worker are written in the same transaction.

use crate::compose::{LINES, check_text};
use crate::present::tracking_row;
use crate::stamping::{Registered, Stamped};
use crate::views::*;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, EventKind, RegisterKind, RegisterNumber, Series, TransitionError};
use sarabun_registry::entity::{delivery, letter, office, register_entry};
use sarabun_registry::letters::{self as store, ReceiptRecord};
use sarabun_registry::{Stored, new_id};
use sarabun_signing::jws::{self, JwsKind};
use sarabun_signing::payload::{Decision, PAYLOAD_VERSION, ReceiptPayload, wire_time};
use sarabun_signing::sha256_hex;
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use serde_json::json;
use std::collections::HashMap;

/// What the recipient office decided, with what it wrote.
enum Choice {
    /// Register it, with the receive register's action and remarks columns.
    Receive { action: Option<String>, remarks: Option<String> },
    /// Refuse it as not this office's, saying why.
    Reject { reason: String },
}

impl Correspondence {
    /// Registers a delivered letter: takes the next receive number, stamps the body PDF with the
    /// receiving stamp, signs the receipt and writes the receive register, in one transaction. A
    /// body that cannot be stamped (encrypted, damaged) never blocks receiving: the original is
    /// kept and the reason recorded on the delivery.
    pub async fn receive(
        &self,
        actor: &Actor,
        delivery_id: &str,
        action: Option<String>,
        remarks: Option<String>,
    ) -> Result<Decided, RoutingError> {
        let action = action.as_deref().map(|a| check_text("action", a, LINES.optional())).transpose()?;
        let remarks = remarks.as_deref().map(|r| check_text("remarks", r, LINES.optional())).transpose()?;
        self.decide(actor, delivery_id, Choice::Receive { action, remarks }).await
    }

    /// Refuses a delivered letter as not for this office, with a reason, and signs the rejection.
    pub async fn reject(&self, actor: &Actor, delivery_id: &str, reason: &str) -> Result<Decided, RoutingError> {
        let reason = check_text("reason", reason, LINES)?;
        self.decide(actor, delivery_id, Choice::Reject { reason }).await
    }

    /// The one skeleton of both decisions (see the module documentation). Everything that needs
    /// no lock is read first (the delivery with its letter, the two offices, the office key); the
    /// transaction then writes rows built here rather than reading them back.
    async fn decide(&self, actor: &Actor, delivery_id: &str, choice: Choice) -> Result<Decided, RoutingError> {
        let (delivery, letter) = self.own_delivery(&self.db, actor, delivery_id).await?;
        match &choice {
            Choice::Receive { .. } => delivery.state.get().receive()?,
            Choice::Reject { .. } => delivery.state.get().reject()?,
        };
        let offices = self.offices_named([actor.office_id.as_str(), letter.office_id.as_str()]).await?;
        let own_name = offices.get(&actor.office_id).map(|o| o.name_th.clone()).unwrap_or_default();
        let (key, key_until) = self.keys.signing_key_until(&self.db, &actor.office_id, self.clock.now()).await?;
        let reason = match &choice {
            Choice::Reject { reason } => Some(reason.clone()),
            Choice::Receive { .. } => None,
        };
        let seal = |number: Option<RegisterNumber>, stamped_sha256: Option<&String>, now: DateTime<Utc>| {
            if key_until.is_some_and(|until| until <= now) {
                // The key read before the transaction ran out meanwhile: sign with none rather
                // than a key no longer in force (the clerk tries again and gets the new one).
                return Err(RoutingError::NotFound("signing key of the office"));
            }
            let payload = ReceiptPayload {
                v: PAYLOAD_VERSION,
                delivery_id: delivery.id.clone(),
                letter_id: letter.id.clone(),
                envelope_sha256: letter.envelope_sha256.clone(),
                recipient: actor.office_code.to_string(),
                decision: if number.is_some() { Decision::Received } else { Decision::Rejected },
                receive_number: number.map(|n| n.to_string()),
                stamped_sha256: stamped_sha256.cloned(),
                reason: reason.clone(),
                decided_at: wire_time(now),
                clerk: actor.username.clone(),
            };
            let kind = if number.is_some() { JwsKind::Receipt } else { JwsKind::Rejection };
            Ok(jws::sign(kind, &payload, &key)?)
        };
        let mut decided = delivery.clone();
        decided.decided_by = Some(actor.username.clone());
        let (txn, number, receipt, row, remote_queued, _turn) = match choice {
            Choice::Receive { action, remarks } => {
                // Every row but the register's line is written before the number is taken, so
                // that the office's counter row is held from the take to the commit alone.
                let body = self.body_of(&letter.id).await?;
                let mut tries = 0;
                let (registered, (row, remote_queued)) = loop {
                    tries += 1;
                    let seal = |n, sha: Option<&String>, at| seal(Some(n), sha, at);
                    let Some(begun) = self.stamp_and_begin(actor, delivery_id, &body, &own_name, tries, seal).await?
                    else {
                        continue;
                    };
                    let s = &begun.stamped;
                    let mut decided = decided.clone();
                    decided.state = Stored(DeliveryState::Received);
                    decided.receive_year_be = Some(s.number.year.get());
                    decided.receive_seq = Some(i64::from(s.number.seq.get()));
                    decided.stamped_sha256 = s.stamped_sha256.clone();
                    decided.stamp_error = s.stamp_error.clone();
                    decided.decided_at = Some(s.now);
                    decided.receipt = Some(s.receipt.clone());
                    let written = self
                        .write_decision(
                            &begun.txn,
                            actor,
                            &letter,
                            &offices,
                            &decided,
                            Some(s.number),
                            &s.receipt,
                            s.now,
                        )
                        .await?;
                    if let Some(registered) = self.take_stamped_number(actor, delivery_id, begun).await? {
                        break (registered, written);
                    }
                };
                let Registered { txn, stamped: Stamped { now, number, receipt, .. }, turn, .. } = registered;
                let sender_name = offices.get(&letter.office_id).map(|o| o.name_th.clone()).unwrap_or_default();
                let entry = receive_register_entry(actor, &letter, delivery_id, number, now, sender_name, own_name);
                store::insert_register_entry(&txn, register_entry::Model { action, remarks, ..entry }).await?;
                (txn, Some(number), receipt, row, remote_queued, Some(turn))
            }
            Choice::Reject { reason } => {
                let txn = self.db.begin().await?;
                let now = self.clock.now();
                let receipt = seal(None, None, now)?;
                let moved = store::decide_delivery(
                    &txn,
                    delivery_id,
                    DeliveryState::Rejected,
                    &actor.username,
                    now,
                    Some(reason.clone()),
                )
                .await?;
                if !moved {
                    return Err(self.lost_race(&txn, delivery_id, DeliveryState::reject).await);
                }
                let record = ReceiptRecord { receipt: receipt.clone(), ..Default::default() };
                store::record_receipt(&txn, delivery_id, record).await?;
                decided.state = Stored(DeliveryState::Rejected);
                decided.reason = Some(reason);
                decided.decided_at = Some(now);
                decided.receipt = Some(receipt.clone());
                let (row, remote_queued) =
                    self.write_decision(&txn, actor, &letter, &offices, &decided, None, &receipt, now).await?;
                (txn, None, receipt, row, remote_queued, None)
            }
        };
        txn.commit().await?;
        if remote_queued {
            self.ring_outbox();
        }
        self.count_decision(delivery_id, &letter.id, number, row.stamped_sha256.is_some());
        Ok(Decided { delivery: row, receipt })
    }

    /// What both decisions write beside the delivery's own update, in its transaction: the event
    /// for the notification worker, the decision message to a sender on another node and the
    /// audit entry. Returns the tracking row of the decided delivery and whether a message to a
    /// peer was queued.
    #[allow(clippy::too_many_arguments)]
    async fn write_decision(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        letter: &letter::Model,
        offices: &HashMap<String, office::Model>,
        decided: &delivery::Model,
        number: Option<RegisterNumber>,
        receipt: &str,
        now: DateTime<Utc>,
    ) -> Result<(TrackingRow, bool), RoutingError> {
        let delivery_id = decided.id.as_str();
        let row = tracking_row(&self.due, decided, letter, offices, now)?;
        let receipt_sha256 = sha256_hex(receipt.as_bytes());
        let (kind, detail) = decision_detail(actor, letter, number, receipt_sha256, &row);
        let event = AuditEvent::by(actor, kind, format!("delivery/{delivery_id}"), detail)
            .letter(&letter.id)
            .delivery(delivery_id);
        store::insert_event(txn, kind, &letter.id, Some(delivery_id), now).await?;
        let remote_queued = self.queue_remote_decision(txn, letter, delivery_id, receipt, now).await?;
        self.record(txn, now, event).await?;
        Ok((row, remote_queued))
    }

    /// Counts and logs a committed decision.
    fn count_decision(&self, delivery_id: &str, letter_id: &str, number: Option<RegisterNumber>, stamped: bool) {
        match number {
            Some(number) => {
                self.meter.count(crate::Counted::DeliveryReceived);
                tracing::info!(delivery_id, letter_id, receive_number = %number, stamped, "letter received");
            }
            None => {
                self.meter.count(crate::Counted::DeliveryRejected);
                tracing::info!(delivery_id, letter_id, "letter rejected");
            }
        }
    }

    /// After a conditional update found the delivery no longer `delivered`: explain why.
    pub(crate) async fn lost_race(
        &self,
        conn: &impl ConnectionTrait,
        delivery_id: &str,
        attempt: fn(DeliveryState) -> Result<DeliveryState, TransitionError>,
    ) -> RoutingError {
        match store::delivery_by_id(conn, delivery_id).await {
            Ok(Some(d)) => match attempt(d.state.get()) {
                Err(conflict) => RoutingError::Conflict(conflict),
                Ok(_) => RoutingError::Conflict(TransitionError::AlreadyRegistered),
            },
            Ok(None) => RoutingError::NotFound("delivery"),
            Err(e) => e.into(),
        }
    }
}

/// The audit entry's kind and detail of a decision.
fn decision_detail(
    actor: &Actor,
    letter: &letter::Model,
    number: Option<RegisterNumber>,
    receipt_sha256: String,
    row: &TrackingRow,
) -> (EventKind, serde_json::Value) {
    match number {
        Some(number) => (
            EventKind::DeliveryReceived,
            json!({
                "letter_id": letter.id,
                "recipient": actor.office_code.to_string(),
                "receive_number": number.to_string(),
                "receipt_sha256": receipt_sha256,
                "stamped_sha256": row.stamped_sha256.clone().unwrap_or_default(),
                "stamp_error": row.stamp_error.clone().unwrap_or_default(),
            }),
        ),
        None => (
            EventKind::DeliveryRejected,
            json!({
                "letter_id": letter.id,
                "recipient": actor.office_code.to_string(),
                "reason": row.reason.clone().unwrap_or_default(),
                "receipt_sha256": receipt_sha256,
            }),
        ),
    }
}

/// The receive register's line for a received letter (its action and remarks are the clerk's).
fn receive_register_entry(
    actor: &Actor,
    letter: &letter::Model,
    delivery_id: &str,
    number: RegisterNumber,
    now: DateTime<Utc>,
    from_text: String,
    to_text: String,
) -> register_entry::Model {
    register_entry::Model {
        id: new_id(),
        office_id: actor.office_id.clone(),
        register: Stored(RegisterKind::Receive),
        series: Stored(Series::Normal),
        year_be: number.year.get(),
        seq: i64::from(number.seq.get()),
        letter_id: letter.id.clone(),
        delivery_id: Some(delivery_id.to_owned()),
        recorded_at: now,
        letter_number: letter.number.clone(),
        letter_date: letter.letter_date.clone(),
        from_text,
        to_text,
        subject: letter.subject.clone(),
        action: None,
        remarks: None,
        cancelled: false,
    }
}
