//! Handing over waiting work: when someone leaves or moves, the office admin gives every task they
//! still hold to another person of the office — a handover step on each matter, with its audit
//! entry, and an event so that the new holder is told. Refused as a whole when the new holder is not
//! cleared for one of the letters.

use super::person_ref;
use super::view::HandedOver;
use crate::compose::{LINES, check_text};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use sarabun_domain::{EventKind, MatterState, Permission, StepKind};
use sarabun_registry::entity::route_step;
use sarabun_registry::route::{self as routes, Advance};
use sarabun_registry::{Stored, directory, new_id};
use sea_orm::TransactionTrait;
use serde_json::json;

impl Correspondence {
    /// Hands every waiting task of `from` to `to` (both of the admin's office): a step on each matter,
    /// with its audit entry, and an event so that `to` is told.
    pub async fn hand_over(
        &self,
        actor: &Actor,
        from: &str,
        to: &str,
        note: Option<String>,
    ) -> Result<HandedOver, RoutingError> {
        actor.require(Permission::ManageOfficeStructure)?;
        let from = self.office_person_of(actor, "from", from, false).await?;
        let to = self.office_person(actor, "to", to).await?;
        if from.id == to.id {
            return Err(RoutingError::Field { field: "to", message: "hand over to someone else".into() });
        }
        let note = note.as_deref().map(|n| check_text("note", n, LINES.optional())).transpose()?;
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let moved = routes::hand_over_tasks(&txn, &from.id, &to.id).await?;
        let mut matters: Vec<String> = moved.iter().map(|t| t.delivery_id.clone()).collect();
        matters.sort();
        matters.dedup();
        for delivery_id in &matters {
            let matter = routes::matter_of(&txn, delivery_id).await?.ok_or(RoutingError::NotFound("matter"))?;
            let secrecy = sarabun_registry::letters::letter_by_id(&txn, &matter.letter_id)
                .await?
                .map(|l| l.secrecy.get())
                .unwrap_or(sarabun_domain::Secrecy::None);
            if !to.clearance.get().clears(secrecy) {
                return Err(RoutingError::TargetNotCleared(to.username.clone()));
            }
            let advance = Advance {
                state: MatterState::Open,
                routed_sha256: matter.routed_sha256.clone(),
                folder_id: None,
                finished_by: None,
            };
            if !routes::advance_matter(&txn, delivery_id, matter.version, advance, now).await? {
                return Err(RoutingError::RouteChanged);
            }
            let seq = matter.version + 1;
            let step_id = new_id();
            let me = directory::user_by_id(&txn, &actor.user_id).await?.ok_or(RoutingError::NoSession)?;
            routes::insert_step(
                &txn,
                route_step::Model {
                    id: step_id.clone(),
                    delivery_id: delivery_id.clone(),
                    office_id: actor.office_id.clone(),
                    seq,
                    kind: Stored(StepKind::Handover),
                    actor_user_id: me.id.clone(),
                    actor_name: me.full_name.clone(),
                    actor_position: me.position.clone(),
                    for_user_id: None,
                    for_name: None,
                    for_position: None,
                    stand_in_kind: None,
                    text: note.clone().filter(|n| !n.is_empty()),
                    to_text: Some(format!("จาก {} ถึง {}", from.full_name, to.full_name)),
                    due_at: None,
                    created_at: now,
                    routed_sha256: None,
                    answer_letter_id: None,
                    folder_id: None,
                    documents: None,
                },
            )
            .await?;
            let event = AuditEvent::by(
                actor,
                EventKind::RouteHandedOver,
                format!("route/{delivery_id}/{seq}"),
                crate::audit::detail(
                    json!({"letter_id": matter.letter_id, "office": actor.office_code.to_string(), "seq": seq,
                    "step": "handover", "from": from.username, "to": [to.username], "text": note}),
                ),
            )
            .letter(&matter.letter_id)
            .delivery(delivery_id);
            routes::insert_step_event(&txn, EventKind::RouteHandedOver, &matter.letter_id, delivery_id, &step_id, now)
                .await?;
            // The moved tasks name the new holder; the event tells them of this step's tasks.
            let here: Vec<String> =
                moved.iter().filter(|t| &t.delivery_id == delivery_id).map(|t| t.id.clone()).collect();
            routes::retag_tasks(&txn, &here, &step_id).await?;
            self.record(&txn, now, event).await?;
        }
        txn.commit().await?;
        Ok(HandedOver { from: person_ref(&from), to: person_ref(&to), matters })
    }
}
