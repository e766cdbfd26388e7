//! Whether the node can do its work now (`GET /readyz`): the database answers, its schema has every
//! migration this binary knows and none it does not, and the blob store takes a file and gives it
//! back. Why a check failed goes to the log; the caller learns only which checks failed.

use crate::Correspondence;

/// The checks of [`Correspondence::failed_checks`], in the order they are made.
pub const READINESS_CHECKS: [&str; 3] = ["database", "migrations", "blobs"];

impl Correspondence {
    /// The names of the readiness checks that fail now (empty when the node is ready).
    pub async fn failed_checks(&self) -> Vec<&'static str> {
        let mut failed = Vec::new();
        if let Err(e) = self.db.ping().await {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            failed.push("database");
        } else {
            match sarabun_registry::db::pending_migrations(&self.db).await {
                Ok(pending) if pending.is_empty() => {}
                Ok(pending) => {
                    tracing::warn!(pending = ?pending, "readiness: migrations pending (run `sarabun migrate`)");
                    failed.push("migrations");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "readiness: the schema does not match this binary's migrations");
                    failed.push("migrations");
                }
            }
        }
        if let Err(e) = self.probe_blobs().await {
            tracing::warn!(error = %e, "readiness: the blob store cannot be written and read");
            failed.push("blobs");
        }
        failed
    }
}
