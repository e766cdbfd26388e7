//! The notification worker of a node. State changes leave events in their own transactions; the
//! worker's loop turns each event into e-mails or digest items ([`expand`]), in one transaction that
//! also marks the event processed, then delivers due e-mails over SMTP with leases, retries and
//! backoff ([`dispatch`]). Beside the loop it drives the node's scheduled jobs ([`crate::jobs`])
//! from tokio-cron-scheduler ([`schedule`]); each job claims its tick first, so with several nodes
//! each tick runs on exactly one of them. All reads and writes go through routing's use cases.

mod dispatch;
mod expand;
mod schedule;

pub use crate::jobs::Job;
pub use dispatch::Dispatched;

use crate::mail::smtp::{SendError, SmtpSender, SmtpSettings};
use crate::mailroom::Mailroom;
use chrono::{DateTime, Utc};
use sarabun_routing::jobs::{JobError, node_id};
use sarabun_routing::{Correspondence, RoutingError};
use serde::Deserialize;
use std::sync::Arc;

/// Errors of the worker and jobs (logged; a failed run is retried at the next tick).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Reading or writing the notices failed (or a stored value is corrupt).
    #[error("routing: {0}")]
    Routing(#[from] RoutingError),
    /// A notice could not be rendered or its message built.
    #[error("notification: {0}")]
    Notify(#[from] crate::NotifyError),
    /// The SMTP relay could not be set up.
    #[error("SMTP: {0}")]
    Send(#[from] SendError),
    /// The job scheduler refused a job or would not start.
    #[error("scheduler: {0}")]
    Scheduler(String),
    /// A scheduled job failed.
    #[error("job: {0}")]
    Job(JobError),
}

/// Settings of the `[notification]` section.
#[derive(Debug, Clone, Deserialize)]
pub struct NotificationSettings {
    /// The SMTP relay; an empty host keeps e-mails queued (visible to admins) without sending.
    pub smtp: SmtpSettings,
    /// How often the worker looks for new events and due e-mails, in milliseconds.
    pub dispatch_interval_ms: u64,
    /// Temporary failures after which an e-mail is given up as failed.
    pub max_attempts: i32,
    /// When digests go out (cron with seconds, in UTC: "0 0 1,6 * * Mon-Fri" is 08:00 and 13:00
    /// in Bangkok on working days).
    pub digest_cron: String,
    /// When a waiting letter is overdue: reminders follow the same rule as tracking.
    pub reminders: sarabun_domain::DueRule,
}

/// The worker of one node.
#[derive(Clone)]
pub struct Notifier {
    pub(crate) corr: Correspondence,
    pub(crate) settings: NotificationSettings,
    sender: Option<Arc<SmtpSender>>,
    pub(crate) mailroom: Arc<Mailroom>,
    node: String,
    /// Held shared by every scheduled job and dispatch round while it runs; `stop` takes it
    /// exclusively, so it waits for those in progress, and sets it so no new one starts.
    stopping: Arc<tokio::sync::RwLock<bool>>,
}

impl Notifier {
    /// A worker for `corr`'s node, whose pages are under `public_url`; without an SMTP host it
    /// queues but never sends.
    pub fn new(corr: Correspondence, settings: NotificationSettings, public_url: &str) -> Result<Self, WorkerError> {
        let sender = if settings.smtp.host.trim().is_empty() {
            None
        } else {
            Some(Arc::new(SmtpSender::new(settings.smtp.clone())?))
        };
        let mailroom = Arc::new(Mailroom::new(corr.clone(), public_url));
        Ok(Self { corr, settings, sender, mailroom, node: node_id(), stopping: Default::default() })
    }

    /// Expands events and dispatches due e-mails until nothing is left (the worker's one round).
    pub async fn run_once(&self) -> Result<Dispatched, WorkerError> {
        // What a pass records (an e-mail sent, bounced or failed) is in the log when it returns.
        self.corr
            .integrating(async {
                self.expand_events().await?;
                self.dispatch().await
            })
            .await
    }

    /// Sends one digest per address with everything queued for it since the last digest.
    pub async fn send_digests(&self) -> Result<usize, WorkerError> {
        crate::jobs::digest::send_digests(&self.mailroom).await
    }

    /// Reminds recipient offices of overdue letters, and escalates once a letter is overdue by as
    /// long again. Returns the e-mails queued.
    pub async fn remind_overdue(&self) -> Result<usize, WorkerError> {
        crate::jobs::reminders::remind_overdue(&self.mailroom).await
    }

    /// Makes the yearly retention lists (routing's records duty; see
    /// [`sarabun_routing::jobs::RetentionLists`]). Returns how many lists were made.
    pub async fn retention_lists(&self) -> Result<usize, WorkerError> {
        Ok(self.corr.retention_lists().await?)
    }

    /// Runs `job` for `tick` if no node ran it for that tick yet; true when this node ran it.
    pub async fn run_job(&self, job: Job, tick: DateTime<Utc>) -> Result<bool, WorkerError> {
        // A run for a given tick does not consult the job's schedule.
        let job = self.job(job, "");
        self.corr.run_scheduled(job.as_ref(), tick, &self.node).await.map_err(WorkerError::Job)
    }
}
