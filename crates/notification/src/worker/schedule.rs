//! The scheduler of a node: every [`Job`] on tokio-cron-scheduler at its schedule (cron with
//! seconds, in UTC), each run for the scheduled minute through routing's one-node-per-tick runner,
//! and the worker's dispatch loop; [`Notifier::stop`] ends both gracefully.

use super::{Job, Notifier, WorkerError};
use chrono::{Duration, Timelike};
use std::sync::Arc;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

impl Notifier {
    /// Starts the scheduler (tokio-cron-scheduler) with every job, the audit checkpoint at
    /// `checkpoint_cron`, and the dispatch loop. Dropping the returned scheduler does not stop it;
    /// call [`Notifier::stop`].
    pub async fn start(self: Arc<Self>, checkpoint_cron: &str) -> Result<JobScheduler, WorkerError> {
        let scheduler = JobScheduler::new().await.map_err(|e| WorkerError::Scheduler(e.to_string()))?;
        for which in Job::ALL {
            let job: Arc<dyn sarabun_routing::jobs::ScheduledJob> = self.job(which, checkpoint_cron).into();
            let me = self.clone();
            let cron = job.schedule().to_owned();
            let cron_job = CronJob::new_async(cron.as_str(), move |_id, _sched| {
                let (me, job) = (me.clone(), job.clone());
                Box::pin(async move {
                    let stopping = me.stopping.clone();
                    let stopping = stopping.read().await;
                    if *stopping {
                        return;
                    }
                    // The tick is the scheduled minute, the same on every node: rounded, not cut, so
                    // a node whose clock runs a little ahead still names the same minute.
                    let now = me.corr.clock().now() + Duration::seconds(30);
                    let tick = now.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(now);
                    if let Err(e) = me.corr.run_scheduled(job.as_ref(), tick, &me.node).await {
                        tracing::error!(job = job.name(), error = %e, "scheduled job failed");
                    }
                })
            })
            .map_err(|e| WorkerError::Scheduler(format!("{}: {e}", which.name())))?;
            scheduler.add(cron_job).await.map_err(|e| WorkerError::Scheduler(e.to_string()))?;
        }
        scheduler.start().await.map_err(|e| WorkerError::Scheduler(e.to_string()))?;
        self.clone().spawn_dispatch_loop();
        Ok(scheduler)
    }

    /// The worker's loop: every `dispatch_interval_ms`, expand events and send due e-mails, until
    /// [`Notifier::stop`].
    fn spawn_dispatch_loop(self: Arc<Self>) {
        tokio::spawn(async move {
            let interval = std::time::Duration::from_millis(self.settings.dispatch_interval_ms.max(50));
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let stopping = self.stopping.read().await;
                if *stopping {
                    break;
                }
                if let Err(e) = self.run_once().await {
                    tracing::error!(error = %e, "notification worker round failed");
                }
            }
        });
    }

    /// Stops the scheduled jobs and the dispatch loop started by [`Notifier::start`] for a graceful
    /// shutdown: stops `scheduler`, waits for the job runs and the dispatch round in progress to
    /// finish, and lets no new one start. An e-mail being handed to the relay is sent; the rest wait
    /// in the database for the next start (or another node).
    pub async fn stop(&self, mut scheduler: JobScheduler) {
        if let Err(e) = scheduler.shutdown().await {
            tracing::warn!(error = %e, "stopping the job scheduler failed");
        }
        *self.stopping.write().await = true;
        tracing::info!("scheduled jobs and e-mail dispatch stopped");
    }
}
