//! Reads the web pages need beside the route's own views: the letters the office sent that a person
//! acting on a matter may link as its answer (ตอบหนังสือ). An officer cannot read the office's sent
//! list, yet must pick the answer the clerk sent; the choice is offered only to someone who may
//! take the `act` step on that matter, and only letters they are cleared for.

use crate::present::sent_item;
use crate::{Actor, Correspondence, RoutingError, SentItem};
use sarabun_domain::route::may_take;
use sarabun_domain::{Permission, StepKind};
use sarabun_registry::letters as store;

/// How many of the office's latest sent letters are offered as the answer.
pub const ANSWER_CHOICES: u64 = 30;

impl Correspondence {
    /// The office's latest sent letters, newest first, for the viewer to link as the answer to the
    /// matter of `delivery_id`; empty when the viewer may not act on it now.
    pub async fn answer_choices(&self, actor: &Actor, delivery_id: &str) -> Result<Vec<SentItem>, RoutingError> {
        actor.require(Permission::TakeRouteSteps)?;
        let seat = self.seat(&self.db, actor, delivery_id).await?;
        if may_take(StepKind::Act, seat.state(), &seat.standing).is_err() {
            return Ok(Vec::new());
        }
        let (rows, _) =
            store::sent_letters(&self.db, &actor.office_id, &actor.cleared_levels(), 1, ANSWER_CHOICES).await?;
        rows.into_iter().map(sent_item).collect()
    }
}
