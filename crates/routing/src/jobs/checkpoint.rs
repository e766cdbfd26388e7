//! The audit checkpoint job: signs the audit log's current tree head at the configured schedule
//! (`audit.checkpoint_cron`), so an auditor can later prove what the log held by then.

use super::{JobFuture, ScheduledJob};
use crate::Correspondence;

/// Signs a checkpoint of the audit log ([`Correspondence::checkpoint`]).
#[derive(Debug, Clone)]
pub struct AuditCheckpoint {
    corr: Correspondence,
    cron: String,
}

impl AuditCheckpoint {
    /// Its name in `job_runs`.
    pub const NAME: &'static str = "audit.checkpoint";

    /// The job for `corr`'s node, run at `cron`.
    pub fn new(corr: Correspondence, cron: impl Into<String>) -> Self {
        Self { corr, cron: cron.into() }
    }
}

impl ScheduledJob for AuditCheckpoint {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn schedule(&self) -> &str {
        &self.cron
    }

    fn run(&self) -> JobFuture<'_> {
        Box::pin(async move {
            self.corr.checkpoint().await?;
            Ok(())
        })
    }
}
