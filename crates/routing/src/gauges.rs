//! The gauges `/metrics` reads at scrape time: how many e-mails wait and for how long,
//! how many messages wait for each peer node and for how long, the audit
//! log's size and its last checkpoint, and the database pool's use. A handful of reads over indexes
//! and single rows, so a scrape stays cheap.

use crate::{Correspondence, Gauged, RoutingError};
use sarabun_registry::{audit_log, db, outbox};

impl Correspondence {
    /// Sets the gauges that need the database on this node's meter.
    pub async fn read_gauges(&self) -> Result<(), RoutingError> {
        let meter = &self.meter;
        let now = self.clock.now();
        let seconds_since = |at: chrono::DateTime<chrono::Utc>| (now - at).num_milliseconds().max(0) as f64 / 1000.0;
        let conn = &self.db;
        let (depth, oldest) = outbox::pending_summary(conn).await?;
        meter.set(Gauged::OutboxDepth, depth as f64);
        meter.set(Gauged::OutboxOldestAge, oldest.map_or(0.0, seconds_since));
        self.read_exchange_gauges().await?;
        meter.set(Gauged::AuditLogSize, audit_log::size(conn).await? as f64);
        if let Some(checkpoint) = audit_log::latest_checkpoint(conn).await? {
            meter.set(Gauged::AuditCheckpointSize, checkpoint.size as f64);
            meter.set(Gauged::AuditCheckpointAge, seconds_since(checkpoint.signed_at));
        }
        if let Some(pool) = db::pool_use(conn) {
            meter.set(Gauged::DbConnections, f64::from(pool.open));
            if let Some(idle) = pool.idle {
                meter.set(Gauged::DbConnectionsIdle, f64::from(idle));
            }
            meter.set(Gauged::DbConnectionsMax, f64::from(pool.max));
        }
        Ok(())
    }
}
