//! Recalling: the sender withdraws a letter from every recipient that has not handled it yet; once
//! any recipient office has received it, a recall is refused (the receipt is on record). Outside
//! recipients whose e-mail has not gone or whose letter is not yet posted are recalled with it; one
//! already e-mailed or posted stays as it is (the recall cannot reach it), and the tracking says so.
//! Recipients on peer nodes: a letter message that has not left is cancelled; one the peer may hold
//! gets a recall message, queued in this transaction; the peer withdraws the letter if its office
//! has not decided on it yet, or refuses the recall, and the letter's exchange view shows which.

use crate::compose::{LINES, check_text};
use crate::views::*;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use sarabun_domain::{EventKind, LetterState, Permission, TransitionError};
use sarabun_registry::letters as store;
use sea_orm::TransactionTrait;
use serde_json::json;

impl Correspondence {
    /// Withdraws a letter from every recipient that has not yet handled it; refused once any
    /// recipient has received it.
    pub async fn recall(
        &self,
        actor: &Actor,
        letter_id: &str,
        reason: Option<String>,
    ) -> Result<LetterView, RoutingError> {
        actor.require(Permission::Recall)?;
        let reason = reason.as_deref().map(|r| check_text("reason", r, LINES.optional())).transpose()?;
        let letter = store::letter_by_id(&self.db, letter_id).await?.ok_or(RoutingError::NotFound("letter"))?;
        if letter.office_id != actor.office_id || !actor.clearance.clears(letter.secrecy.get()) {
            return Err(RoutingError::NotFound("letter"));
        }
        if letter.state.get() == LetterState::Recalled {
            return Err(TransitionError::Recalled.into());
        }
        let txn = self.db.begin().await?;
        let now = self.clock.now();
        let received = store::recall_letter(&txn, letter_id, now, reason.clone()).await?;
        if received > 0 {
            txn.rollback().await?;
            return Err(TransitionError::AlreadyReceived.into());
        }
        // Outside recipients: what has not gone yet is recalled; what went stays (no recall reaches a
        // mailbox or a post box), and the tracking shows it.
        let outside = sarabun_registry::outside_send::recall_deliveries(&txn, letter_id, &actor.username, now).await?;
        let (remote_cancelled, remote_recalled) =
            self.queue_remote_recalls(&txn, letter_id, reason.as_deref().unwrap_or(""), now).await?;
        let mut detail = json!({"reason": reason.unwrap_or_default()});
        if !outside.is_empty() {
            detail["outside_recalled"] = json!(outside);
        }
        if !remote_cancelled.is_empty() {
            detail["remote_cancelled"] = json!(remote_cancelled);
        }
        if !remote_recalled.is_empty() {
            detail["remote_recall_messages"] = json!(remote_recalled);
        }
        let event =
            AuditEvent::by(actor, EventKind::LetterRecalled, format!("letter/{letter_id}"), detail).letter(letter_id);
        store::insert_event(&txn, EventKind::LetterRecalled, letter_id, None, now).await?;
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        if !remote_recalled.is_empty() {
            self.ring_outbox();
        }
        self.meter.count(crate::Counted::LetterRecalled);
        tracing::info!(letter_id, "letter recalled");
        self.letter(actor, letter_id).await
    }
}
