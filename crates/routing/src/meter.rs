//! The node's metrics: every name, label and description in one place, recorded through a
//! `metrics::Recorder` that belongs to this node (not the process-wide global one, so two nodes in
//! one process, as in the tests, keep their own figures). `Correspondence` counts the actions it
//! commits, the notification worker its e-mails and jobs, the HTTP edge its requests; the edge also
//! sets the gauges at scrape time and renders them. With metrics off the `Meter` holds no recorder
//! and every call returns at once.

use metrics::{Key, Label, Level, Metadata, Recorder, Unit};
use std::sync::Arc;

const METADATA: Metadata<'static> = Metadata::new("sarabun", Level::INFO, Some(module_path!()));

/// The HTTP request latency histogram's name (the edge gives it buckets).
pub const HTTP_DURATION: &str = "sarabun_http_request_duration_seconds";

/// Something that happened once and was committed (or, for e-mail, recorded in the outbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// A letter was sent (its transaction committed; an idempotent replay does not count).
    LetterSent,
    /// A delivery was received (committed).
    DeliveryReceived,
    /// A delivery was rejected (committed).
    DeliveryRejected,
    /// A letter was recalled (committed).
    LetterRecalled,
    /// An e-mail was accepted by the SMTP server and marked sent.
    EmailSent,
    /// An e-mail failed for now and will be retried.
    EmailRetried,
    /// An e-mail was marked failed for good.
    EmailFailed,
    /// A step was taken on a letter's route inside an office (committed).
    RouteStep,
    /// A peer presented this node's witness a checkpoint inconsistent with the last one cosigned.
    SplitView,
}

impl Counted {
    const ALL: [Counted; 9] = [
        Self::LetterSent,
        Self::DeliveryReceived,
        Self::DeliveryRejected,
        Self::LetterRecalled,
        Self::EmailSent,
        Self::EmailRetried,
        Self::EmailFailed,
        Self::RouteStep,
        Self::SplitView,
    ];

    /// The counter's name in the Prometheus text format.
    pub fn name(self) -> &'static str {
        match self {
            Self::LetterSent => "sarabun_letters_sent_total",
            Self::DeliveryReceived => "sarabun_deliveries_received_total",
            Self::DeliveryRejected => "sarabun_deliveries_rejected_total",
            Self::LetterRecalled => "sarabun_letters_recalled_total",
            Self::EmailSent => "sarabun_emails_sent_total",
            Self::EmailRetried => "sarabun_email_retries_total",
            Self::EmailFailed => "sarabun_emails_failed_total",
            Self::RouteStep => "sarabun_route_steps_total",
            Self::SplitView => "sarabun_witness_split_views_total",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Self::LetterSent => "Letters sent (committed; idempotent replays not counted).",
            Self::DeliveryReceived => "Deliveries received (committed).",
            Self::DeliveryRejected => "Deliveries rejected (committed).",
            Self::LetterRecalled => "Letters recalled (committed).",
            Self::EmailSent => "E-mails accepted by the SMTP server.",
            Self::EmailRetried => "E-mail attempts that failed temporarily and will be retried.",
            Self::EmailFailed => "E-mails marked failed for good.",
            Self::RouteStep => "Steps taken on letters' routes inside offices (committed).",
            Self::SplitView => {
                "Checkpoints of a peer's log refused as a split view (inconsistent with the last cosigned)."
            }
        }
    }
}

/// A value read at scrape time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gauged {
    /// E-mails waiting in the outbox (state `pending`).
    OutboxDepth,
    /// Seconds since the oldest pending e-mail was queued (0 when none).
    OutboxOldestAge,
    /// Entries in the audit log.
    AuditLogSize,
    /// Entries covered by the latest signed checkpoint.
    AuditCheckpointSize,
    /// Seconds since the latest checkpoint was signed (absent before the first).
    AuditCheckpointAge,
    /// Database connections open in this node's pool.
    DbConnections,
    /// Of those, connections idle (left out when the pool cannot count them, see `registry::db::pool_use`).
    DbConnectionsIdle,
    /// The pool's maximum size.
    DbConnectionsMax,
    /// Messages to a peer node waiting to be delivered, per peer (label `peer`, its fingerprint).
    ExchangeQueueDepth,
    /// Seconds the oldest message waiting for a peer node has waited, per peer (0 when none).
    ExchangeQueueOldestAge,
}

impl Gauged {
    const ALL: [Gauged; 10] = [
        Self::ExchangeQueueDepth,
        Self::ExchangeQueueOldestAge,
        Self::OutboxDepth,
        Self::OutboxOldestAge,
        Self::AuditLogSize,
        Self::AuditCheckpointSize,
        Self::AuditCheckpointAge,
        Self::DbConnections,
        Self::DbConnectionsIdle,
        Self::DbConnectionsMax,
    ];

    /// The gauge's name in the Prometheus text format.
    pub fn name(self) -> &'static str {
        match self {
            Self::OutboxDepth => "sarabun_outbox_pending",
            Self::OutboxOldestAge => "sarabun_outbox_oldest_pending_age_seconds",
            Self::AuditLogSize => "sarabun_audit_log_entries",
            Self::AuditCheckpointSize => "sarabun_audit_checkpoint_entries",
            Self::AuditCheckpointAge => "sarabun_audit_checkpoint_age_seconds",
            Self::DbConnections => "sarabun_db_pool_connections",
            Self::DbConnectionsIdle => "sarabun_db_pool_idle_connections",
            Self::DbConnectionsMax => "sarabun_db_pool_max_connections",
            Self::ExchangeQueueDepth => "sarabun_exchange_queue_depth",
            Self::ExchangeQueueOldestAge => "sarabun_exchange_queue_oldest_age_seconds",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Self::OutboxDepth => "E-mails waiting in the outbox.",
            Self::OutboxOldestAge => "Seconds since the oldest pending e-mail was queued (0 when none).",
            Self::AuditLogSize => "Entries in the audit log.",
            Self::AuditCheckpointSize => "Entries covered by the latest signed checkpoint.",
            Self::AuditCheckpointAge => "Seconds since the latest checkpoint was signed.",
            Self::DbConnections => "Database connections open in this node's pool.",
            Self::DbConnectionsIdle => "Idle database connections in this node's pool.",
            Self::DbConnectionsMax => "Largest size of this node's database pool.",
            Self::ExchangeQueueDepth => "Messages waiting to be delivered to a peer node, by peer.",
            Self::ExchangeQueueOldestAge => "Seconds the oldest message waiting for a peer node has waited, by peer.",
        }
    }
}

const JOB_RUNS: &str = "sarabun_job_runs_total";
const JOB_FAILURES: &str = "sarabun_job_failures_total";
const HTTP_REQUESTS: &str = "sarabun_http_requests_total";
const EXCHANGE_FAILED_ATTEMPTS: &str = "sarabun_exchange_failed_attempts_total";

/// Where this node's metrics go: a recorder, or nowhere.
#[derive(Clone, Default)]
pub struct Meter {
    recorder: Option<Arc<dyn Recorder + Send + Sync>>,
}

impl std::fmt::Debug for Meter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.recorder.is_some() { "Meter(on)" } else { "Meter(off)" })
    }
}

impl Meter {
    /// Metrics off: nothing is recorded.
    pub fn off() -> Self {
        Self { recorder: None }
    }

    /// Records into `recorder`, describing every metric first.
    pub fn new(recorder: Arc<dyn Recorder + Send + Sync>) -> Self {
        for c in Counted::ALL {
            recorder.describe_counter(c.name().into(), None, c.help().into());
        }
        for g in Gauged::ALL {
            let unit = g.name().ends_with("_seconds").then_some(Unit::Seconds);
            recorder.describe_gauge(g.name().into(), unit, g.help().into());
        }
        recorder.describe_counter(JOB_RUNS.into(), None, "Scheduled job runs this node won and ran.".into());
        recorder.describe_counter(JOB_FAILURES.into(), None, "Scheduled job runs that ended in an error.".into());
        recorder.describe_counter(
            EXCHANGE_FAILED_ATTEMPTS.into(),
            None,
            "Attempts to deliver a message to a peer node that failed, by peer.".into(),
        );
        recorder.describe_counter(
            HTTP_REQUESTS.into(),
            None,
            "HTTP requests by method, matched route template and status.".into(),
        );
        recorder.describe_histogram(
            HTTP_DURATION.into(),
            Some(Unit::Seconds),
            "HTTP request latency by method and matched route template.".into(),
        );
        Self { recorder: Some(recorder) }
    }

    /// Whether anything is recorded.
    pub fn is_on(&self) -> bool {
        self.recorder.is_some()
    }

    /// Counts one `what`.
    pub fn count(&self, what: Counted) {
        if let Some(r) = &self.recorder {
            r.register_counter(&Key::from_static_name(what.name()), &METADATA).increment(1);
        }
    }

    /// Sets a gauge.
    pub fn set(&self, what: Gauged, value: f64) {
        if let Some(r) = &self.recorder {
            r.register_gauge(&Key::from_static_name(what.name()), &METADATA).set(value);
        }
    }

    /// Sets a gauge of one peer node (label `peer`, its fingerprint).
    pub fn set_for_peer(&self, what: Gauged, peer: &str, value: f64) {
        if let Some(r) = &self.recorder {
            let labels = vec![Label::new("peer", peer.to_owned())];
            r.register_gauge(&Key::from_parts(what.name(), labels), &METADATA).set(value);
        }
    }

    /// Counts one failed attempt to deliver a message to `peer` (a fingerprint).
    pub fn exchange_attempt_failed(&self, peer: &str) {
        if let Some(r) = &self.recorder {
            let labels = vec![Label::new("peer", peer.to_owned())];
            r.register_counter(&Key::from_parts(EXCHANGE_FAILED_ATTEMPTS, labels), &METADATA).increment(1);
        }
    }

    /// Counts one run of the scheduled job named `job`, and a failure if it failed.
    pub fn job_ran(&self, job: &'static str, ok: bool) {
        if let Some(r) = &self.recorder {
            let labels = vec![Label::from_static_parts("job", job)];
            r.register_counter(&Key::from_parts(JOB_RUNS, labels.clone()), &METADATA).increment(1);
            // The failure series exists from the first run, so a rate over it is 0, not absent.
            r.register_counter(&Key::from_parts(JOB_FAILURES, labels), &METADATA).increment(u64::from(!ok));
        }
    }

    /// Records one HTTP request. `route` is the matched route template (`/api/v1/deliveries/{id}/receive`),
    /// never the raw path, so ids never become label values.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Some(r) = &self.recorder {
            let method = Label::new("method", method.to_owned());
            let route = Label::new("route", route.to_owned());
            let status = Label::new("status", status.to_string());
            r.register_counter(&Key::from_parts(HTTP_REQUESTS, vec![method.clone(), route.clone(), status]), &METADATA)
                .increment(1);
            r.register_histogram(&Key::from_parts(HTTP_DURATION, vec![method, route]), &METADATA).record(seconds);
        }
    }
}
