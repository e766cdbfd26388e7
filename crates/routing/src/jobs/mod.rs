//! The node's scheduled jobs as one small trait, in the manner of crates.io's background worker: a
//! job has a name (its key in `job_runs`), a schedule (cron with seconds, in UTC) and a `run`, one
//! file per job, and the runner ([`Correspondence::run_scheduled`]) knows nothing of what a job does.
//! It claims the job's tick in the database first, so with several nodes each tick runs on exactly
//! one of them, and counts the run. The jobs that are routing's own records duties live here (the
//! audit checkpoint, the yearly retention lists); the notification crate implements the same trait
//! for digests and reminders and drives them all from its scheduler.

mod checkpoint;
mod retention;

pub use checkpoint::AuditCheckpoint;
pub use retention::RetentionLists;

use crate::{Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use tracing::Instrument;

/// Why a job run failed (logged; the next tick tries again).
pub type JobError = Box<dyn std::error::Error + Send + Sync>;

/// What [`ScheduledJob::run`] returns: a boxed future, so jobs can be held as `dyn ScheduledJob`.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send + 'a>>;

/// A job the node runs on a schedule.
pub trait ScheduledJob: Send + Sync {
    /// The job's name, unique on the node, e.g. `audit.checkpoint`; the key of its runs in `job_runs`.
    fn name(&self) -> &'static str;
    /// When it runs: cron with seconds, in UTC (e.g. `0 0 1 * * *` is 08:00 in Bangkok).
    fn schedule(&self) -> &str;
    /// One run; what is left when it fails is picked up by the next tick.
    fn run(&self) -> JobFuture<'_>;
}

/// A fresh id naming this node in `job_runs` (which node ran a tick).
pub fn node_id() -> String {
    sarabun_registry::new_id()
}

impl Correspondence {
    /// Runs `job` for `tick` (the scheduled minute) unless a node ran it for that tick already;
    /// true when this node (`node`) ran it. A tick whose node dies mid-run is not run again.
    pub async fn run_scheduled(
        &self,
        job: &dyn ScheduledJob,
        tick: DateTime<Utc>,
        node: &str,
    ) -> Result<bool, JobError> {
        let now = self.clock.now();
        let claimed = sarabun_registry::outbox::claim_job_run(&self.db, job.name(), tick, node, now)
            .await
            .map_err(RoutingError::from)?;
        if !claimed {
            return Ok(false);
        }
        let span = tracing::info_span!("job", name = job.name(), tick = %tick);
        let result = job.run().instrument(span).await;
        self.meter.job_ran(job.name(), result.is_ok());
        result.map(|()| true)
    }
}
