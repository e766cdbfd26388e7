//! The node's scheduled jobs, each behind routing's [`ScheduledJob`] trait (name, schedule, run),
//! one file per job: digests ([`digest`]) and overdue reminders ([`reminders`]) are notification's
//! own; the audit checkpoint and the yearly retention lists are routing's records duties and live
//! there ([`sarabun_routing::jobs`]). [`Job`] names them all for the scheduler and for tests.

pub(crate) mod digest;
pub(crate) mod reminders;

pub use digest::Digests;
pub use reminders::Reminders;

use crate::worker::Notifier;
use sarabun_routing::jobs::{AuditCheckpoint, RetentionLists, ScheduledJob};

/// The jobs the scheduler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// [`Digests`].
    Digest,
    /// [`Reminders`].
    Reminders,
    /// [`AuditCheckpoint`].
    Checkpoint,
    /// [`RetentionLists`].
    Retention,
}

impl Job {
    /// Every job, in the order the scheduler adds them.
    pub const ALL: [Job; 4] = [Job::Checkpoint, Job::Reminders, Job::Digest, Job::Retention];

    /// The job's name in `job_runs`.
    pub fn name(self) -> &'static str {
        match self {
            Job::Digest => Digests::NAME,
            Job::Reminders => Reminders::NAME,
            Job::Checkpoint => AuditCheckpoint::NAME,
            Job::Retention => RetentionLists::NAME,
        }
    }
}

impl Notifier {
    /// The job `which` of this node; the audit checkpoint runs at `checkpoint_cron`.
    pub(crate) fn job(&self, which: Job, checkpoint_cron: &str) -> Box<dyn ScheduledJob> {
        match which {
            Job::Digest => Box::new(Digests::new(self.mailroom.clone(), self.settings.digest_cron.clone())),
            Job::Reminders => Box::new(Reminders::new(self.mailroom.clone())),
            Job::Checkpoint => Box::new(AuditCheckpoint::new(self.corr.clone(), checkpoint_cron)),
            Job::Retention => Box::new(RetentionLists::new(self.corr.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_job_is_named_once() {
        let mut names: Vec<_> = Job::ALL.iter().map(|j| j.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Job::ALL.len());
    }
}
