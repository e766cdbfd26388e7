//! Receiving many delivered letters in one action (ลงรับหลายฉบับ): the clerk selects letters of the
//! inbox and receives them at once. Each is an ordinary receive of its own — its own receive
//! number, in the order given, its own stamp, receipt, register line, event and audit entry, in its
//! own transaction — so one that fails (recalled meanwhile, received by a colleague, not the
//! office's) leaves the others received, and the answer says for each what happened.

use crate::{Actor, Correspondence, Decided, RoutingError};
use sarabun_domain::Permission;
use sarabun_domain::arrival::check_bulk;

/// What happened to one delivery of a bulk receive.
#[derive(Debug)]
pub struct BulkReceived {
    pub delivery_id: String,
    pub outcome: Result<Decided, RoutingError>,
}

impl Correspondence {
    /// Receives `delivery_ids` in the order given, each with the same action and remarks (see the
    /// module documentation). Refused as a whole only when the list is empty or longer than
    /// `arrival::MAX_BULK_RECEIVE`, or the actor may not receive at all.
    pub async fn receive_many(
        &self,
        actor: &Actor,
        delivery_ids: &[String],
        action: Option<String>,
        remarks: Option<String>,
    ) -> Result<Vec<BulkReceived>, RoutingError> {
        actor.require(Permission::ReceiveOrReject)?;
        check_bulk(delivery_ids.len())?;
        let mut results = Vec::with_capacity(delivery_ids.len());
        for id in delivery_ids {
            let outcome = self.receive(actor, id, action.clone(), remarks.clone()).await;
            if let Err(e) = &outcome {
                tracing::info!(delivery_id = %id, error = %e, "bulk receive: one letter not received");
            }
            results.push(BulkReceived { delivery_id: id.clone(), outcome });
        }
        Ok(results)
    }
}
