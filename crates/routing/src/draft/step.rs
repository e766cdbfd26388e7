//! Moving a draft along its chain: sending it up, commenting, returning it for revision,
//! initialling it (ลงนามย่อ) and giving it up. Outside any transaction: the seat, the domain's table
//! (`draft::may_act`), every input checked — the chain's people of the office, cleared for the
//! draft's secrecy, its signer one whose position may sign this kind of letter. Then one
//! transaction: the draft moves by a conditional update of its revision (a racing step loses with
//! `draft_changed`), the step is written to the routing record, the audit entry and the event that
//! tells the next person are appended.

use super::seat::DraftSeatRows;
use super::write::draft_step;
use super::{ChainInput, DraftStepInput};
use crate::compose::{LINES, check_text};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use sarabun_domain::draft::{check_chain, may_act, may_sign};
use sarabun_domain::{ChainRole, DraftState, DraftStepKind, Permission, Role};
use sarabun_registry::drafts::{self, DraftMove};
use sarabun_registry::entity::{draft_chain, user};
use sarabun_registry::route as routes;
use sarabun_registry::{Stored, letters as store};
use sea_orm::TransactionTrait;
use serde_json::json;

impl Correspondence {
    /// Takes a step on a draft's chain (see the module documentation).
    pub async fn draft_step(
        &self,
        actor: &Actor,
        draft_id: &str,
        input: DraftStepInput,
    ) -> Result<super::DraftView, RoutingError> {
        let seat = self.draft_seat(&self.db, actor, draft_id).await?;
        let kind = match &input {
            DraftStepInput::Submit { .. } => DraftStepKind::Submit,
            DraftStepInput::Comment { .. } => DraftStepKind::Comment,
            DraftStepInput::Return { .. } => DraftStepKind::Return,
            DraftStepInput::Initial { .. } => DraftStepKind::Initial,
            DraftStepInput::Withdraw { .. } => DraftStepKind::Withdraw,
        };
        may_act(kind, seat.draft.state.get(), seat.seat).map_err(RoutingError::DraftRefused)?;
        let (comment, chain) = match input {
            DraftStepInput::Submit { chain, note } => {
                (optional_text(note)?, Some(self.check_chain(&seat, chain).await?))
            }
            DraftStepInput::Comment { text } => (Some(check_text("text", &text, LINES)?), None),
            DraftStepInput::Return { reason } => (Some(check_text("reason", &reason, LINES)?), None),
            DraftStepInput::Initial { note } | DraftStepInput::Withdraw { reason: note } => {
                (optional_text(note)?, None)
            }
        };
        let now = self.clock.now();
        let d = &seat.draft;
        let places: &[draft_chain::Model] = chain.as_deref().unwrap_or(&seat.chain);
        let at = |position: i32| places.iter().find(|c| c.position == position);
        let on_chain = |position: i32| match at(position).map(|c| c.role.get()) {
            Some(ChainRole::Signer) => DraftState::AwaitingSignature,
            _ => DraftState::InReview,
        };
        let to = |state: DraftState, position: i32| DraftMove {
            state,
            position,
            latest_version: d.latest_version,
            letter_id: None,
            fields: None,
        };
        let to = match kind {
            DraftStepKind::Submit => to(on_chain(0), 0),
            DraftStepKind::Initial => to(on_chain(d.position + 1), d.position + 1),
            DraftStepKind::Return => to(DraftState::Returned, 0),
            DraftStepKind::Withdraw => to(DraftState::Withdrawn, d.position),
            _ => to(d.state.get(), d.position),
        };
        let for_user = seat.for_whom.as_ref().map(|s| s.absent_user_id.clone());
        let next_holder = matches!(to.state, DraftState::InReview | DraftState::AwaitingSignature)
            .then(|| at(to.position).map(|c| c.user_id.clone()))
            .flatten()
            .filter(|_| kind != DraftStepKind::Comment);
        let step = draft_step(draft_id, kind, &seat.me, for_user.as_deref(), d.latest_version, comment.clone(), now);
        let step_id = step.id.clone();
        let detail = crate::audit::detail(json!({
            "step": kind.as_str(),
            "version": d.latest_version,
            "state": to.state.as_str(),
            "text": comment,
            "for": for_user,
            "next": next_holder,
            "chain": chain.as_ref().map(|c| c.iter().map(|p| json!({"user_id": p.user_id, "role": p.role.get().as_str()})).collect::<Vec<_>>()),
        }));
        let txn = self.db.begin().await?;
        if !drafts::move_draft(&txn, draft_id, d.revision, to, now).await? {
            txn.rollback().await?;
            return Err(RoutingError::DraftChanged);
        }
        if let Some(chain) = chain {
            drafts::replace_chain(&txn, draft_id, chain).await?;
        }
        drafts::insert_step(&txn, step).await?;
        self.record(&txn, now, AuditEvent::by(actor, kind.event(), format!("draft/{draft_id}"), detail)).await?;
        if kind.event().is_draft_step() {
            store::insert_draft_event(&txn, kind.event(), draft_id, &step_id, now).await?;
        }
        txn.commit().await?;
        tracing::info!(draft_id, step = kind.as_str(), "draft step taken");
        self.draft(actor, draft_id).await
    }

    /// Checks the chain the drafter names: people of the office who may draft, active, cleared for
    /// the draft's secrecy, the domain's rule of one signer last, and a signer whose position may
    /// sign the draft's kind of letter.
    async fn check_chain(
        &self,
        seat: &DraftSeatRows,
        chain: Vec<ChainInput>,
    ) -> Result<Vec<draft_chain::Model>, RoutingError> {
        if chain.len() > sarabun_domain::draft::MAX_CHAIN {
            return Err(RoutingError::Chain(sarabun_domain::draft::ChainError::TooLong(
                sarabun_domain::draft::MAX_CHAIN,
            )));
        }
        let mut people: Vec<(user::Model, ChainRole)> = Vec::with_capacity(chain.len());
        for place in &chain {
            let person = sarabun_registry::directory::user_by_username(&self.db, place.username.trim())
                .await?
                .filter(|u| u.active && u.office_id == seat.draft.office_id)
                .filter(|u| sarabun_domain::access::allows(&u.roles.0, Permission::Draft))
                .ok_or_else(|| RoutingError::NotOfOffice(crate::compose::echo(place.username.trim())))?;
            if !person.clearance.get().clears(seat.fields.secrecy) {
                return Err(RoutingError::TargetNotCleared(person.username.clone()));
            }
            people.push((person, place.role));
        }
        let ids: Vec<(&str, ChainRole)> = people.iter().map(|(u, r)| (u.id.as_str(), *r)).collect();
        check_chain(&seat.draft.drafter_user_id, &ids).map_err(RoutingError::Chain)?;
        let (signer, _) = people.last().ok_or(RoutingError::Chain(sarabun_domain::draft::ChainError::NoSigner))?;
        let authority = routes::authority_of(&self.db, signer.id.as_str()).await?;
        if !may_sign(seat.fields.kind, authority) || signer.roles.0.contains(&Role::SystemAdmin) {
            return Err(RoutingError::MayNotSign(signer.username.clone()));
        }
        Ok(people
            .into_iter()
            .enumerate()
            .map(|(i, (u, role))| draft_chain::Model {
                draft_id: seat.draft.id.clone(),
                position: i as i32,
                user_id: u.id,
                role: Stored(role),
            })
            .collect())
    }
}

fn optional_text(text: Option<String>) -> Result<Option<String>, RoutingError> {
    match text {
        Some(t) if !t.trim().is_empty() => Ok(Some(check_text("note", &t, LINES)?)),
        _ => Ok(None),
    }
}
