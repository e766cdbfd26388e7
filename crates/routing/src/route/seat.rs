//! Where the asking person sits on a matter: the received letter of their office, the matter and its
//! tasks, the open task they hold (themselves, or for someone they stand in for today), and from that
//! the domain's [`Standing`]. Every step and every view of a route starts here, so office scoping,
//! clearance and standing in are decided in one place.

use crate::{Actor, Correspondence, RoutingError};
use sarabun_domain::route::Standing;
use sarabun_domain::{DeliveryState, MatterState, Permission, Role, Secrecy, StandInKind};
use sarabun_registry::entity::{delivery, letter, matter, route_step, route_task, stand_in, user};
use sarabun_registry::letters as store;
use sarabun_registry::route as routes;
use sea_orm::ConnectionTrait;

/// The asking person on one matter (see the module documentation).
pub(crate) struct Seat {
    pub delivery: delivery::Model,
    pub letter: letter::Model,
    pub matter: Option<matter::Model>,
    pub tasks: Vec<route_task::Model>,
    pub steps: Vec<route_step::Model>,
    pub me: user::Model,
    /// The open task the person holds, and for whom when they stand in for its holder.
    pub held: Option<route_task::Model>,
    pub for_whom: Option<(user::Model, StandInKind)>,
    /// The people the person stands in for today.
    pub absent: Vec<stand_in::Model>,
    pub standing: Standing,
}

impl Seat {
    /// The matter's state (a matter nobody has routed yet is open).
    pub fn state(&self) -> MatterState {
        self.matter.as_ref().map(|m| m.state.get()).unwrap_or(MatterState::Open)
    }

    /// Whether the person, or someone they stand in for, is or was on the route.
    pub fn on_route(&self) -> bool {
        let mine = |id: &str| id == self.me.id || self.absent.iter().any(|s| s.absent_user_id == id);
        self.tasks.iter().any(|t| mine(&t.holder_user_id))
            || self.steps.iter().any(|s| mine(&s.actor_user_id) || s.for_user_id.as_deref().is_some_and(mine))
    }
}

impl Correspondence {
    /// Loads the actor's seat on the matter of `delivery_id` (a delivery to their office).
    /// Another office's delivery, one the actor is not cleared for, or a secret one they are neither
    /// on the route of nor a clerk for, is `not found`.
    pub(crate) async fn seat(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        delivery_id: &str,
    ) -> Result<Seat, RoutingError> {
        if !(actor.may(Permission::TakeRouteSteps)
            || actor.may(Permission::ReadOfficeWork)
            || actor.may(Permission::ManageOfficeStructure))
        {
            return Err(RoutingError::Forbidden);
        }
        let delivery = store::delivery_by_id(conn, delivery_id).await?.ok_or(RoutingError::NotFound("matter"))?;
        if delivery.recipient_office_id != actor.office_id {
            return Err(RoutingError::NotFound("matter"));
        }
        let letter = store::letter_by_id(conn, &delivery.letter_id).await?.ok_or(RoutingError::NotFound("matter"))?;
        if !actor.clearance.clears(letter.secrecy.get()) {
            return Err(RoutingError::NotFound("matter"));
        }
        let me = sarabun_registry::directory::user_by_id(conn, &actor.user_id).await?.ok_or(RoutingError::NoSession)?;
        let now = self.clock.now();
        let matter = routes::matter_of(conn, delivery_id).await?;
        let tasks = routes::tasks_of(conn, delivery_id).await?;
        let steps = routes::steps_of(conn, delivery_id).await?;
        let absent = routes::standing_in_for(conn, &me.id, now).await?;
        let open = || tasks.iter().filter(|t| t.closed_at.is_none());
        let direct = open().find(|t| t.holder_user_id == me.id).cloned();
        let (held, stand_in) = match direct {
            Some(task) => (Some(task), None),
            None => open()
                .find_map(|t| absent.iter().find(|s| s.absent_user_id == t.holder_user_id).map(|s| (t.clone(), s)))
                .map(|(t, s)| (Some(t), Some(s.clone())))
                .unwrap_or((None, None)),
        };
        let for_whom = match &stand_in {
            Some(s) => {
                sarabun_registry::directory::user_by_id(conn, &s.absent_user_id).await?.map(|u| (u, s.kind.get()))
            }
            None => None,
        };
        let whose_power = for_whom.as_ref().map(|(u, _)| u.id.as_str()).unwrap_or(&me.id);
        let authority = routes::authority_of(conn, whose_power).await?;
        let finished_it = matter
            .as_ref()
            .and_then(|m| m.finished_by.as_deref())
            .is_some_and(|by| by == me.id || absent.iter().any(|s| s.absent_user_id == by));
        let standing = Standing {
            holds: held.as_ref().map(|t| t.purpose.get()),
            lead: held.as_ref().is_some_and(|t| t.lead),
            may_order: authority.may_order() && actor.may(Permission::TakeRouteSteps),
            office_clerk: actor.may(Permission::ReceiveOrReject),
            office_admin: actor.roles.contains(&Role::OfficeAdmin),
            started: matter.is_some(),
            finished_it,
        };
        let seat = Seat { delivery, letter, matter, tasks, steps, me, held, for_whom, absent, standing };
        let reader = actor.may(Permission::ReadOfficeLetters) || actor.may(Permission::ReadOfficeWork);
        let secret = !Secrecy::Confidential.clears(seat.letter.secrecy.get());
        let visible = if secret { seat.on_route() || seat.standing.office_clerk } else { reader || seat.on_route() };
        if !visible {
            return Err(RoutingError::NotFound("matter"));
        }
        Ok(seat)
    }

    /// Loads the seat of a step: the delivery must have been received.
    pub(crate) async fn seat_for_step(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        delivery_id: &str,
    ) -> Result<Seat, RoutingError> {
        actor.require(Permission::TakeRouteSteps).or_else(|_| actor.require(Permission::ManageOfficeStructure))?;
        let seat = self.seat(conn, actor, delivery_id).await?;
        if seat.delivery.state.get() != DeliveryState::Received {
            return Err(RoutingError::NotReceived);
        }
        Ok(seat)
    }
}
