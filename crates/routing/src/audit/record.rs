//! Recording: one audit entry per state change, queued inside the transaction that makes the
//! change, so that it commits or vanishes with it; the sequencer gives it its index later.

use super::sequencer::RECORDED;
use super::{AuditEvent, corrupt};
use crate::{Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_registry::audit_log;
use sarabun_registry::entity::audit_queue;
use sarabun_signing::canonical;
use sarabun_signing::payload::wire_time;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use std::sync::atomic::Ordering;

impl Correspondence {
    /// Records `event` inside `conn`'s transaction: the entry is queued (`audit_queue`) and so
    /// commits or vanishes with the change, taking no lock; [`Correspondence::integrate`] then gives
    /// it its index. Call it last in the transaction.
    pub async fn record(
        &self,
        conn: &impl ConnectionTrait,
        at: DateTime<Utc>,
        event: AuditEvent,
    ) -> Result<(), RoutingError> {
        let body = json!({
            "at": wire_time(at),
            "actor": event.actor,
            "office": event.office,
            "action": event.action.as_str(),
            "subject": event.subject,
            "detail": event.detail,
        });
        let model = audit_queue::Model {
            id: 0,
            at,
            action: sarabun_registry::Stored(event.action),
            letter_id: event.letter_id,
            delivery_id: event.delivery_id,
            body: String::from_utf8(canonical::to_vec(&body)?).map_err(|e| corrupt(e.to_string()))?,
        };
        audit_log::queue_entry(conn, model).await?;
        self.sequencer.queued.fetch_add(1, Ordering::Relaxed);
        let _ = RECORDED.try_with(|recorded| recorded.set(true));
        Ok(())
    }

    /// Records `event` in a transaction of its own (for reads and failures, which change nothing
    /// else), and integrates it.
    pub async fn record_alone(&self, event: AuditEvent) -> Result<(), RoutingError> {
        let txn = self.db.begin().await?;
        self.record(&txn, self.clock.now(), event).await?;
        txn.commit().await?;
        self.integrate().await
    }
}
