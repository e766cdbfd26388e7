//! Where the asking person sits on a draft: the draft of their office, its chain, whether they
//! wrote it or hold it now (themselves, or standing in today for the person whose turn it is), and
//! from that the domain's [`DraftSeat`]. Every step and view of a draft starts here, so office
//! scoping, clearance and standing in are decided in one place.

use super::DraftFields;
use crate::{Actor, Correspondence, RoutingError};
use sarabun_domain::{ChainRole, DraftSeat, DraftState, Permission, Secrecy, StandInKind};
use sarabun_registry::drafts;
use sarabun_registry::entity::{draft, draft_chain, stand_in, user};
use sarabun_registry::route as routes;
use sea_orm::ConnectionTrait;

/// The asking person on one draft (see the module documentation).
pub(crate) struct DraftSeatRows {
    pub draft: draft::Model,
    pub fields: DraftFields,
    pub chain: Vec<draft_chain::Model>,
    pub me: user::Model,
    /// When the draft is with someone the person stands in for: that stand-in.
    pub for_whom: Option<stand_in::Model>,
    pub seat: DraftSeat,
}

impl DraftSeatRows {
    /// The chain place the draft is at, while it is on the chain.
    pub fn holder(&self) -> Option<&draft_chain::Model> {
        matches!(self.draft.state.get(), DraftState::InReview | DraftState::AwaitingSignature)
            .then(|| self.chain.iter().find(|c| c.position == self.draft.position))
            .flatten()
    }

    /// The kind of standing in, when the person acts for the holder.
    pub fn standing_in(&self) -> Option<StandInKind> {
        self.for_whom.as_ref().map(|s| s.kind.get())
    }
}

impl Correspondence {
    /// Loads the actor's seat on draft `draft_id`. Another office's draft, one above the actor's
    /// clearance, or one they neither wrote, nor are or were on the chain of, nor may read as a
    /// reader of the office (never for a secret draft), is `not found`.
    pub(crate) async fn draft_seat(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        draft_id: &str,
    ) -> Result<DraftSeatRows, RoutingError> {
        actor.require(Permission::Draft)?;
        let draft = drafts::draft_by_id(conn, draft_id).await?.ok_or(RoutingError::NotFound("draft"))?;
        if draft.office_id != actor.office_id {
            return Err(RoutingError::NotFound("draft"));
        }
        let fields: DraftFields = serde_json::from_str(&draft.fields_json)
            .map_err(|e| RoutingError::Internal(format!("draft {draft_id} fields: {e}")))?;
        if !actor.clearance.clears(fields.secrecy) {
            return Err(RoutingError::NotFound("draft"));
        }
        let me = sarabun_registry::directory::user_by_id(conn, &actor.user_id).await?.ok_or(RoutingError::NoSession)?;
        let chain = drafts::chain_of(conn, draft_id).await?;
        let absent = routes::standing_in_for(conn, &me.id, self.clock.now()).await?;
        let holding = matches!(draft.state.get(), DraftState::InReview | DraftState::AwaitingSignature);
        let holder = chain.iter().find(|c| holding && c.position == draft.position);
        let (holds, for_whom) = match holder {
            Some(c) if c.user_id == me.id => (Some(c.role.get()), None),
            Some(c) => match absent.iter().find(|s| s.absent_user_id == c.user_id) {
                Some(s) => (Some(c.role.get()), Some(s.clone())),
                None => (None, None),
            },
            None => (None, None),
        };
        let seat = if draft.drafter_user_id == me.id {
            DraftSeat::Drafter
        } else {
            match (holds, draft.state.get()) {
                (Some(ChainRole::Signer), DraftState::AwaitingSignature) => DraftSeat::Signing,
                (Some(ChainRole::Reviewer), _) => DraftSeat::Reviewing,
                _ => DraftSeat::Other,
            }
        };
        let mine = |id: &str| id == me.id || absent.iter().any(|s| s.absent_user_id == id);
        let on_chain = chain.iter().any(|c| mine(&c.user_id));
        let secret = !Secrecy::Confidential.clears(fields.secrecy);
        let reader = actor.may(Permission::ReadOfficeLetters) && !secret;
        if seat == DraftSeat::Other && !on_chain && !reader {
            return Err(RoutingError::NotFound("draft"));
        }
        Ok(DraftSeatRows { draft, fields, chain, me, for_whom, seat })
    }
}
