//! Who may see or act on a letter, a delivery or (through the letter) an audit entry — the one place
//! that decides it. A letter is readable by the sending office, the recipient offices and auditors,
//! each only when cleared for its secrecy; anyone else is answered `not found`, never `forbidden`, so
//! that a letter's existence does not leak. A secret letter's opening is recorded.

use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use sarabun_domain::EventKind;
use sarabun_domain::{Permission, Secrecy};
use sarabun_registry::entity::{delivery, letter};
use sarabun_registry::letters as store;
use sea_orm::ConnectionTrait;
use serde_json::json;

impl Correspondence {
    /// Loads a letter and its deliveries if the actor may read it; `full` when they may see every
    /// recipient (sender office or auditor).
    pub(crate) async fn readable_letter(
        &self,
        actor: &Actor,
        letter_id: &str,
    ) -> Result<(letter::Model, Vec<delivery::Model>, bool), RoutingError> {
        let (letter, deliveries, full) = self.letter_access(actor, letter_id).await?;
        let secrecy = letter.secrecy.get();
        if secrecy != Secrecy::None {
            let event = AuditEvent::by(
                actor,
                EventKind::LetterSecretOpened,
                format!("letter/{letter_id}"),
                json!({"secrecy": secrecy.as_str()}),
            )
            .letter(letter_id);
            self.record_alone(event).await?;
        }
        Ok((letter, deliveries, full))
    }

    /// Whether `actor` may read the letter, without recording an opening: for deciding who may see
    /// an audit entry, which is not opening the letter (recording it there would make every read
    /// of an entry append another entry, and a scan of the log would never reach its end).
    pub(crate) async fn letter_access(
        &self,
        actor: &Actor,
        letter_id: &str,
    ) -> Result<(letter::Model, Vec<delivery::Model>, bool), RoutingError> {
        let letter = store::letter_by_id(&self.db, letter_id).await?.ok_or(RoutingError::NotFound("letter"))?;
        let secrecy = letter.secrecy.get();
        if !actor.clearance.clears(secrecy) {
            return Err(RoutingError::NotFound("letter"));
        }
        let deliveries = store::letter_deliveries(&self.db, letter_id).await?;
        let auditor = actor.may(Permission::ReadAllOffices);
        let reader = actor.may(Permission::ReadOfficeLetters);
        let sender = reader && letter.office_id == actor.office_id;
        let recipient = reader && deliveries.iter().any(|d| d.recipient_office_id == actor.office_id);
        if !(auditor || sender || recipient) {
            return Err(RoutingError::NotFound("letter"));
        }
        Ok((letter, deliveries, auditor || sender))
    }

    /// A delivery the actor may see: the sender's office and auditors see every delivery of a letter
    /// they may read; a recipient office only its own.
    pub(crate) async fn readable_delivery(
        &self,
        actor: &Actor,
        delivery_id: &str,
    ) -> Result<delivery::Model, RoutingError> {
        let delivery = store::delivery_by_id(&self.db, delivery_id).await?.ok_or(RoutingError::NotFound("delivery"))?;
        let (_, _, full) = self.readable_letter(actor, &delivery.letter_id).await?;
        if !full && delivery.recipient_office_id != actor.office_id {
            return Err(RoutingError::NotFound("delivery"));
        }
        Ok(delivery)
    }

    /// Loads a delivery addressed to the actor's office that the actor is cleared to handle.
    pub(crate) async fn own_delivery(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        delivery_id: &str,
    ) -> Result<(delivery::Model, letter::Model), RoutingError> {
        actor.require(Permission::ReceiveOrReject)?;
        let delivery = store::delivery_by_id(conn, delivery_id).await?.ok_or(RoutingError::NotFound("delivery"))?;
        if delivery.recipient_office_id != actor.office_id {
            return Err(RoutingError::NotFound("delivery"));
        }
        let letter = store::letter_by_id(conn, &delivery.letter_id).await?.ok_or(RoutingError::NotFound("letter"))?;
        if !actor.clearance.clears(letter.secrecy.get()) {
            return Err(RoutingError::NotFound("delivery"));
        }
        Ok((delivery, letter))
    }
}
