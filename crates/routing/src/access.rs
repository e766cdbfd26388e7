//! Who may see or act on a letter, a delivery or (through the letter) an audit entry — the one place
//! that decides it. A letter is readable by the sending office, the recipient offices and auditors,
//! each only when cleared for its secrecy; anyone else is answered `not found`, never `forbidden`, so
//! that a letter's existence does not leak. A secret letter's opening is recorded.

use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use sarabun_domain::{EventKind, Permission, Secrecy};
use sarabun_registry::entity::{audit_entry, delivery, letter, outside_delivery};
use sarabun_registry::letters as store;
use sea_orm::ConnectionTrait;
use serde_json::Value;
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
        let own = deliveries.iter().find(|d| d.recipient_office_id == actor.office_id);
        let recipient = match own {
            Some(_) if reader => true,
            // Someone the letter was routed to inside the office (an officer) reads it too.
            Some(d) if actor.may(Permission::TakeRouteSteps) => self.routed_to(actor, &d.id).await?,
            _ => false,
        };
        if !(auditor || sender || recipient) {
            return Err(RoutingError::NotFound("letter"));
        }
        Ok((letter, deliveries, auditor || sender))
    }

    /// Whether the actor, or someone they stand in for today, is on the route of `delivery_id`.
    pub(crate) async fn routed_to(&self, actor: &Actor, delivery_id: &str) -> Result<bool, RoutingError> {
        let absent = sarabun_registry::route::standing_in_for(&self.db, &actor.user_id, self.clock.now()).await?;
        let mut people: Vec<&str> = vec![actor.user_id.as_str()];
        people.extend(absent.iter().map(|s| s.absent_user_id.as_str()));
        Ok(sarabun_registry::route::on_route(&self.db, delivery_id, &people).await?)
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
        let (delivery, letter) =
            store::delivery_with_letter(conn, delivery_id).await?.ok_or(RoutingError::NotFound("delivery"))?;
        if delivery.recipient_office_id != actor.office_id {
            return Err(RoutingError::NotFound("delivery"));
        }
        let letter = letter.ok_or(RoutingError::NotFound("letter"))?;
        if !actor.clearance.clears(letter.secrecy.get()) {
            return Err(RoutingError::NotFound("delivery"));
        }
        Ok((delivery, letter))
    }
}

impl Correspondence {
    /// An outside recipient's delivery of a letter the actor's office sent, for a clerk who may send
    /// and is cleared for the letter: only the sending office's clerks act on its outside
    /// deliveries (record a posting or a bounce, print the cover sheet); anyone else is `not found`.
    pub(crate) async fn own_outside_delivery(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<(outside_delivery::Model, letter::Model), RoutingError> {
        actor.require(Permission::Send)?;
        let delivery = sarabun_registry::outside_send::delivery_by_id(&self.db, id)
            .await?
            .ok_or(RoutingError::NotFound("outside delivery"))?;
        if delivery.office_id != actor.office_id {
            return Err(RoutingError::NotFound("outside delivery"));
        }
        let letter =
            store::letter_by_id(&self.db, &delivery.letter_id).await?.ok_or(RoutingError::NotFound("letter"))?;
        if letter.office_id != actor.office_id || !actor.clearance.clears(letter.secrecy.get()) {
            return Err(RoutingError::NotFound("outside delivery"));
        }
        Ok((delivery, letter))
    }

    /// The office whose registers `actor` asks to read, if they may: clerks, executives and office
    /// admins read their own office's (`ReadOfficeRegisters`), auditors any office's. The JSON, the
    /// CSV, the workbook, the page and the print view all ask here.
    pub(crate) async fn readable_register(
        &self,
        actor: &Actor,
        office: &sarabun_domain::OfficeCode,
    ) -> Result<sarabun_registry::entity::office::Model, RoutingError> {
        let target = sarabun_registry::directory::office_by_code(&self.db, office)
            .await?
            .ok_or(RoutingError::NotFound("office"))?;
        let own = target.id == actor.office_id && actor.may(Permission::ReadOfficeRegisters);
        if !(own || actor.may(Permission::ReadAllOffices)) {
            return Err(RoutingError::Forbidden);
        }
        Ok(target)
    }
}

/// The one visibility rule for the audit entries of a letter the reader may read (found so by
/// `readable_letter`: office scoping and clearance). The sending office and auditors (`full`) see
/// every entry; a recipient office sees the letter's sending and recall, what concerns its own
/// delivery and what its own people did — never what another recipient did. What happens on a
/// letter's route inside a recipient office is that office's (and auditors') alone: the sending
/// office does not see it. The trail, the trail bundle and entries read by index all ask this one type.
pub(crate) struct EntryScope {
    full: bool,
    auditor: bool,
    own_deliveries: Vec<String>,
    own_office: String,
}

impl EntryScope {
    /// The scope of `actor` on a letter with `deliveries`.
    pub(crate) fn new(actor: &Actor, deliveries: &[delivery::Model], full: bool) -> Self {
        let own_deliveries =
            deliveries.iter().filter(|d| d.recipient_office_id == actor.office_id).map(|d| d.id.clone()).collect();
        Self {
            full,
            auditor: actor.may(Permission::ReadAllOffices),
            own_deliveries,
            own_office: actor.office_code.to_string(),
        }
    }

    /// Whether the reader may see this delivery's decision.
    pub(crate) fn shows_delivery(&self, delivery: &delivery::Model) -> bool {
        self.full || self.own_deliveries.contains(&delivery.id)
    }

    /// Whether the reader may see `entry` (an entry of the letter).
    pub(crate) fn admits(&self, entry: &audit_entry::Model) -> bool {
        let own_delivery = entry.delivery_id.as_deref().is_some_and(|d| self.own_deliveries.iter().any(|o| o == d));
        if entry.action.get().is_route_step() {
            return self.auditor || own_delivery;
        }
        self.full
            || matches!(entry.action.get(), EventKind::LetterSent | EventKind::LetterRecalled)
            || entry.delivery_id.as_deref().is_some_and(|d| self.own_deliveries.iter().any(|o| o == d))
            || serde_json::from_str::<Value>(&entry.entry).is_ok_and(|v| v["office"] == self.own_office.as_str())
    }
}
