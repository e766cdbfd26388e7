//! The notification worker and the scheduled jobs of a node. State changes leave events in their own
//! transactions; the worker turns each event into e-mails (or digest items) in one transaction that
//! also marks the event processed, then delivers due e-mails over SMTP with leases, retries and
//! backoff. Scheduled jobs — digests, overdue reminders, audit checkpoints, yearly retention lists —
//! claim their tick in the database first, so with several nodes each runs on exactly one of them.

use crate::message::{build, message_id, parse_mailbox};
use crate::smtp::{SendError, SmtpSender, SmtpSettings, backoff};
use crate::templates::{
    Decision, DecisionNotice, Digest, Language, LetterNotice, Notice, RecallNotice, ReminderNotice,
    Secrecy as MailSecrecy, Subject, Urgency as MailUrgency, render,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use futures_util::StreamExt;
use sarabun_domain::{DeliveryState, EventKind, Role, Secrecy, Urgency, bangkok};
use sarabun_registry::entity::{delivery, digest_item, email, letter, office, retention_list, user};
use sarabun_registry::{directory, letters as store, new_id, outbox};
use sarabun_routing::{Correspondence, Counted, CsvSheet};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Errors of the worker and jobs (logged; a failed run is retried at the next tick).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("storage: {0}")]
    Registry(#[from] sarabun_registry::RegistryError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("notification: {0}")]
    Notify(#[from] crate::NotifyError),
    #[error("SMTP: {0}")]
    Send(#[from] SendError),
    #[error("scheduler: {0}")]
    Scheduler(String),
    #[error("{0}")]
    Other(String),
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

/// The jobs the scheduler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Digest,
    Reminders,
    Checkpoint,
    Retention,
}

impl Job {
    /// The job's name in `job_runs`.
    pub fn name(self) -> &'static str {
        match self {
            Job::Digest => "notification.digest",
            Job::Reminders => "notification.reminders",
            Job::Checkpoint => "audit.checkpoint",
            Job::Retention => "records.retention",
        }
    }
}

/// What one dispatch round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// E-mails sent at the same time by one worker.
const IN_FLIGHT: usize = 8;

/// What became of one e-mail.
enum Outcome {
    Sent,
    Retried,
    Failed,
}

/// The worker of one node.
#[derive(Clone)]
pub struct Notifier {
    corr: Correspondence,
    settings: NotificationSettings,
    sender: Option<Arc<SmtpSender>>,
    public_url: String,
    domain: String,
    node: String,
    /// Held shared by every scheduled job and dispatch round while it runs; `stop` takes it
    /// exclusively, so it waits for those in progress, and sets it so no new one starts.
    stopping: Arc<tokio::sync::RwLock<bool>>,
}

fn urgency_of(l: &letter::Model) -> Urgency {
    l.urgency.get()
}

fn mail_urgency(u: Urgency) -> MailUrgency {
    match u {
        Urgency::MostUrgent => MailUrgency::MostUrgent,
        Urgency::VeryUrgent => MailUrgency::VeryUrgent,
        Urgency::Urgent => MailUrgency::Urgent,
        Urgency::Normal => MailUrgency::Normal,
    }
}

fn subject_of(l: &letter::Model) -> Subject {
    let secrecy = match l.secrecy.get() {
        Secrecy::None => None,
        Secrecy::Confidential => Some(MailSecrecy::Confidential),
        Secrecy::Secret => Some(MailSecrecy::Secret),
        Secrecy::TopSecret => Some(MailSecrecy::TopSecret),
    };
    Subject::for_letter(l.subject.clone(), secrecy)
}

fn cleared(u: &user::Model, l: &letter::Model) -> bool {
    u.clearance.clears(l.secrecy.get())
}

/// One recipient of an e-mail.
struct Recipient {
    address: String,
    name: String,
    /// A person who asked for digests (an office inbox address follows the urgency only).
    wants_digest: bool,
}

impl Notifier {
    /// A worker for `corr`'s node; without an SMTP host it queues but never sends.
    pub fn new(corr: Correspondence, settings: NotificationSettings, public_url: &str) -> Result<Self, WorkerError> {
        let sender = if settings.smtp.host.trim().is_empty() {
            None
        } else {
            Some(Arc::new(SmtpSender::new(settings.smtp.clone())?))
        };
        let public_url = public_url.trim_end_matches('/').to_owned();
        let domain = public_url
            .split_once("://")
            .map_or(public_url.as_str(), |(_, r)| r)
            .split(['/', ':'])
            .next()
            .unwrap_or("sarabun")
            .to_owned();
        Ok(Self { corr, settings, sender, public_url, domain, node: new_id(), stopping: Default::default() })
    }

    fn link(&self, letter_id: &str) -> String {
        format!("{}/api/v1/letters/{letter_id}", self.public_url)
    }

    fn letter_notice(
        &self,
        l: &letter::Model,
        d: &delivery::Model,
        offices: &HashMap<String, office::Model>,
    ) -> LetterNotice {
        let name = |id: &str| offices.get(id).map(|o| o.name_th.clone()).unwrap_or_default();
        LetterNotice {
            letter_number: l.number.clone(),
            subject: subject_of(l),
            urgency: mail_urgency(urgency_of(l)),
            from_office: name(&l.office_id),
            to_office: name(&d.recipient_office_id),
            link: self.link(&l.id),
            delivered_at: d.delivered_at,
            deadline: l.deadline,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn queue(
        &self,
        conn: &impl ConnectionTrait,
        key: &str,
        kind: &str,
        to: &Recipient,
        office_id: Option<&str>,
        letter_id: Option<&str>,
        notice: &Notice,
    ) -> Result<(), WorkerError> {
        if to.address.trim().is_empty() {
            tracing::warn!(kind, office = ?office_id, "no e-mail address; nothing queued");
            return Ok(());
        }
        let rendered = render(notice, Language::Thai)?;
        let now = self.corr.clock().now();
        outbox::queue_email(
            conn,
            email::Model {
                id: new_id(),
                message_id: message_id(key, &self.domain),
                office_id: office_id.map(str::to_owned),
                letter_id: letter_id.map(str::to_owned),
                kind: kind.to_owned(),
                to_address: to.address.clone(),
                to_name: to.name.clone(),
                subject: rendered.subject,
                text_body: rendered.text,
                html_body: rendered.html,
                state: "pending".into(),
                attempts: 0,
                next_attempt_at: now,
                lease_until: None,
                last_error: None,
                created_at: now,
                sent_at: None,
            },
        )
        .await?;
        Ok(())
    }

    async fn office_people(
        &self,
        conn: &impl ConnectionTrait,
        office: &office::Model,
        l: &letter::Model,
        role: Role,
    ) -> Result<Vec<Recipient>, WorkerError> {
        Ok(outbox::people_with_role(conn, &office.id, role)
            .await?
            .into_iter()
            .filter(|u| cleared(u, l) && !u.email.is_empty())
            .map(|u| Recipient {
                address: u.email,
                name: u.full_name,
                wants_digest: u.notify.get() == sarabun_domain::Notify::Digest,
            })
            .collect())
    }

    /// Turns pending events into e-mails and digest items; returns how many events it handled.
    pub async fn expand_events(&self) -> Result<usize, WorkerError> {
        let db = self.corr.db();
        let mut handled = 0;
        let mut failing: std::collections::HashSet<String> = Default::default();
        loop {
            let events = outbox::pending_events(db, 100 + failing.len() as u64).await?;
            let fresh: Vec<_> = events.into_iter().filter(|e| !failing.contains(&e.id)).collect();
            if fresh.is_empty() {
                return Ok(handled);
            }
            for ev in fresh {
                let txn = db.begin().await?;
                if !outbox::claim_event(&txn, &ev.id, self.corr.clock().now()).await? {
                    txn.rollback().await?;
                    continue;
                }
                // One event that cannot be expanded must not hold back the mail of all later ones;
                // it stays pending and is tried again next round.
                match self.expand(&txn, &ev).await {
                    Ok(()) => {
                        txn.commit().await?;
                        handled += 1;
                    }
                    Err(e) => {
                        txn.rollback().await?;
                        tracing::error!(event = %ev.id, kind = %ev.kind, error = %e, "event could not be turned into e-mail");
                        failing.insert(ev.id.clone());
                    }
                }
            }
        }
    }

    async fn expand(
        &self,
        conn: &impl ConnectionTrait,
        ev: &sarabun_registry::entity::event::Model,
    ) -> Result<(), WorkerError> {
        let Some(l) = store::letter_by_id(conn, &ev.letter_id).await? else { return Ok(()) };
        let offices: HashMap<String, office::Model> =
            directory::offices(conn).await?.into_iter().map(|o| (o.id.clone(), o)).collect();
        let deliveries = store::letter_deliveries(conn, &l.id).await?;
        match ev.kind.get() {
            EventKind::LetterSent => {
                let at_once = urgency_of(&l).announced_at_once();
                for d in &deliveries {
                    let Some(office) = offices.get(&d.recipient_office_id) else { continue };
                    let notice = Notice::NewLetter(self.letter_notice(&l, d, &offices));
                    let mut recipients = vec![Recipient {
                        address: office.inbox_email.clone(),
                        name: office.name_th.clone(),
                        wants_digest: false,
                    }];
                    recipients.extend(self.office_people(conn, office, &l, Role::Clerk).await?);
                    for (n, r) in recipients.iter().enumerate() {
                        if at_once || !r.wants_digest && n > 0 {
                            self.queue(
                                conn,
                                &format!("{}.{}.{n}", ev.id, d.id),
                                "new_letter",
                                r,
                                Some(&office.id),
                                Some(&l.id),
                                &notice,
                            )
                            .await?;
                        } else {
                            outbox::queue_digest_item(
                                conn,
                                digest_item::Model {
                                    id: new_id(),
                                    to_address: r.address.clone(),
                                    to_name: r.name.clone(),
                                    language: Language::Thai.code().into(),
                                    office_id: Some(office.id.clone()),
                                    letter_id: l.id.clone(),
                                    delivery_id: d.id.clone(),
                                    created_at: ev.created_at,
                                    digested_at: None,
                                },
                            )
                            .await?;
                        }
                    }
                }
            }
            EventKind::DeliveryReceived | EventKind::DeliveryRejected => {
                let Some(d) = deliveries.iter().find(|d| Some(&d.id) == ev.delivery_id.as_ref()) else { return Ok(()) };
                let Some(sender) = directory::user_by_id(conn, &l.sent_by).await? else { return Ok(()) };
                let subject = subject_of(&l);
                let decision = if ev.kind.get() == EventKind::DeliveryReceived {
                    let number = match (d.receive_seq, d.receive_year_be) {
                        (Some(s), Some(y)) => format!("{s}/{y}"),
                        _ => String::new(),
                    };
                    Decision::Received { receive_number: number }
                } else {
                    Decision::Rejected { reason: subject.free_text(d.reason.as_deref()) }
                };
                let name = |id: &str| offices.get(id).map(|o| o.name_th.clone()).unwrap_or_default();
                let notice = Notice::Decision(DecisionNotice {
                    letter_number: l.number.clone(),
                    subject,
                    from_office: name(&l.office_id),
                    to_office: name(&d.recipient_office_id),
                    decision,
                    decided_at: d.decided_at.unwrap_or(ev.created_at),
                    link: self.link(&l.id),
                });
                let to = Recipient { address: sender.email, name: sender.full_name, wants_digest: false };
                self.queue(conn, &ev.id, "decided", &to, Some(&l.office_id), Some(&l.id), &notice).await?;
            }
            EventKind::LetterRecalled => {
                // Tell every office that had not handled it; those that rejected it already know.
                for d in deliveries.iter().filter(|d| d.state.get() == DeliveryState::Recalled) {
                    let Some(office) = offices.get(&d.recipient_office_id) else { continue };
                    let name = |id: &str| offices.get(id).map(|o| o.name_th.clone()).unwrap_or_default();
                    let subject = subject_of(&l);
                    let notice = Notice::Recalled(RecallNotice {
                        letter_number: l.number.clone(),
                        reason: subject.free_text(l.recall_reason.as_deref()),
                        subject,
                        from_office: name(&l.office_id),
                        to_office: office.name_th.clone(),
                        recalled_at: l.recalled_at.unwrap_or(ev.created_at),
                        link: self.link(&l.id),
                    });
                    let mut to = vec![Recipient {
                        address: office.inbox_email.clone(),
                        name: office.name_th.clone(),
                        wants_digest: false,
                    }];
                    to.extend(self.office_people(conn, office, &l, Role::Clerk).await?);
                    for (n, r) in to.iter().enumerate() {
                        self.queue(
                            conn,
                            &format!("{}.{}.{n}", ev.id, d.id),
                            "recalled",
                            r,
                            Some(&office.id),
                            Some(&l.id),
                            &notice,
                        )
                        .await?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Sends due e-mails until none is due; returns what happened. Does nothing without SMTP.
    pub async fn dispatch(&self) -> Result<Dispatched, WorkerError> {
        let mut done = Dispatched::default();
        let Some(sender) = &self.sender else { return Ok(done) };
        let from = self.settings.smtp.from_mailbox()?;
        loop {
            let now = self.corr.clock().now();
            let lease = now + Duration::seconds(self.settings.smtp.timeout.as_secs() as i64 * 2 + 30);
            // Claim only what is sent at once, so every claimed e-mail is tried well within its lease.
            let batch = outbox::claim_due_emails(self.corr.db(), now, lease, IN_FLIGHT as u64).await?;
            if batch.is_empty() {
                return Ok(done);
            }
            // SMTP round trips dominate; several in flight keep the relay busy.
            let outcomes: Vec<Result<Outcome, WorkerError>> = futures_util::stream::iter(batch)
                .map(|mail| self.deliver(sender, &from, mail))
                .buffer_unordered(IN_FLIGHT)
                .collect()
                .await;
            for outcome in outcomes {
                match outcome? {
                    Outcome::Sent => done.sent += 1,
                    Outcome::Retried => done.retried += 1,
                    Outcome::Failed => done.failed += 1,
                }
            }
        }
    }

    /// Sends one claimed e-mail and records what happened.
    async fn deliver(
        &self,
        sender: &SmtpSender,
        from: &crate::Mailbox,
        mail: email::Model,
    ) -> Result<Outcome, WorkerError> {
        let attempts = mail.attempts + 1;
        let to = parse_mailbox(&format!("{} <{}>", mail.to_name.replace(['<', '>', '"'], ""), mail.to_address))
            .or_else(|_| parse_mailbox(&mail.to_address));
        let result = match to {
            Ok(to) => {
                let rendered = crate::templates::Rendered {
                    subject: mail.subject.clone(),
                    text: mail.text_body.clone(),
                    html: mail.html_body.clone(),
                };
                match build(from.clone(), to, &rendered, &mail.message_id) {
                    Ok(message) => sender.send(&message).await,
                    Err(e) => Err(SendError::Rejected(e.to_string())),
                }
            }
            Err(e) => Err(SendError::Rejected(e.to_string())),
        };
        let now = self.corr.clock().now();
        let db = self.corr.db();
        Ok(match result {
            Ok(()) => {
                outbox::mark_sent(db, &mail.id, attempts, now).await?;
                self.corr.meter().count(Counted::EmailSent);
                Outcome::Sent
            }
            Err(e) if e.is_transient() && attempts < self.settings.max_attempts => {
                let wait = Duration::from_std(backoff(attempts as u32)).unwrap_or(Duration::hours(1));
                outbox::mark_retry(db, &mail.id, attempts, now + wait, &e.to_string()).await?;
                self.corr.meter().count(Counted::EmailRetried);
                tracing::warn!(email = %mail.id, attempts, error = %e, "e-mail will be retried");
                Outcome::Retried
            }
            Err(e) => {
                outbox::mark_failed(db, &mail.id, attempts, &e.to_string()).await?;
                self.corr.meter().count(Counted::EmailFailed);
                tracing::error!(email = %mail.id, attempts, error = %e, "e-mail failed");
                Outcome::Failed
            }
        })
    }

    /// Expands events and dispatches due e-mails until nothing is left (the worker's one round).
    pub async fn run_once(&self) -> Result<Dispatched, WorkerError> {
        self.expand_events().await?;
        self.dispatch().await
    }

    /// Sends one digest per address with everything queued for it since the last digest.
    pub async fn send_digests(&self) -> Result<usize, WorkerError> {
        let db = self.corr.db();
        let txn = db.begin().await?;
        let items = outbox::undigested(&txn).await?;
        let offices: HashMap<String, office::Model> =
            directory::offices(&txn).await?.into_iter().map(|o| (o.id.clone(), o)).collect();
        let mut by_address: BTreeMap<String, Vec<digest_item::Model>> = BTreeMap::new();
        for item in items {
            by_address.entry(item.to_address.clone()).or_default().push(item);
        }
        let now = self.corr.clock().now();
        let mut sent = 0;
        for (address, items) in by_address {
            let mut notices = Vec::new();
            for item in &items {
                let (Some(l), Some(d)) = (
                    store::letter_by_id(&txn, &item.letter_id).await?,
                    store::delivery_by_id(&txn, &item.delivery_id).await?,
                ) else {
                    continue;
                };
                // A letter handled or recalled since is no longer news.
                if d.state.get() == DeliveryState::Delivered {
                    notices.push(self.letter_notice(&l, &d, &offices));
                }
            }
            let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
            outbox::mark_digested(&txn, &ids, now).await?;
            if notices.is_empty() {
                continue;
            }
            let office = items[0].office_id.as_deref().and_then(|o| offices.get(o));
            let notice = Notice::Digest(Digest {
                office: office.map(|o| o.name_th.clone()).unwrap_or_default(),
                inbox_link: format!("{}/api/v1/inbox", self.public_url),
                generated_at: now,
                items: notices,
            });
            let to = Recipient { address: address.clone(), name: items[0].to_name.clone(), wants_digest: true };
            self.queue(
                &txn,
                &format!("digest.{}.{}", now.timestamp(), items[0].id),
                "digest",
                &to,
                office.map(|o| o.id.as_str()),
                None,
                &notice,
            )
            .await?;
            sent += 1;
        }
        txn.commit().await?;
        Ok(sent)
    }

    /// When a delivery of `l` becomes overdue.
    fn due_at(&self, l: &letter::Model, d: &delivery::Model) -> DateTime<Utc> {
        self.corr.due_rule().due_at(urgency_of(l), l.deadline, d.delivered_at)
    }

    /// Reminds recipient offices of overdue letters, and escalates to the sender and the recipient
    /// office's admins once a letter is overdue by as long again. Returns the e-mails queued.
    pub async fn remind_overdue(&self) -> Result<usize, WorkerError> {
        let db = self.corr.db();
        let now = self.corr.clock().now();
        let waiting = outbox::waiting_deliveries(db, now).await?;
        let offices: HashMap<String, office::Model> =
            directory::offices(db).await?.into_iter().map(|o| (o.id.clone(), o)).collect();
        let mut queued = 0;
        for (d, l) in waiting {
            let due = self.due_at(&l, &d);
            if now < due {
                continue;
            }
            let escalate = d.escalated_at.is_none() && now >= self.corr.due_rule().escalate_at(due, d.delivered_at);
            if d.reminded_at.is_some() && !escalate {
                continue;
            }
            let Some(office) = offices.get(&d.recipient_office_id) else { continue };
            let txn = db.begin().await?;
            let reminder = Notice::Reminder(ReminderNotice {
                letter: self.letter_notice(&l, &d, &offices),
                overdue_by: (now - due).to_std().unwrap_or_default(),
                escalation: false,
            });
            if d.reminded_at.is_none() {
                let mut to = vec![Recipient {
                    address: office.inbox_email.clone(),
                    name: office.name_th.clone(),
                    wants_digest: false,
                }];
                to.extend(self.office_people(&txn, office, &l, Role::Clerk).await?);
                for (n, r) in to.iter().enumerate() {
                    self.queue(
                        &txn,
                        &format!("remind.{}.{n}", d.id),
                        "reminder",
                        r,
                        Some(&office.id),
                        Some(&l.id),
                        &reminder,
                    )
                    .await?;
                    queued += 1;
                }
            }
            if escalate {
                let escalation = match &reminder {
                    Notice::Reminder(r) => Notice::Reminder(ReminderNotice { escalation: true, ..r.clone() }),
                    other => other.clone(),
                };
                let mut to = self.office_people(&txn, office, &l, Role::OfficeAdmin).await?;
                if let Some(sender) = directory::user_by_id(&txn, &l.sent_by).await? {
                    to.push(Recipient { address: sender.email, name: sender.full_name, wants_digest: false });
                }
                for (n, r) in to.iter().enumerate() {
                    self.queue(
                        &txn,
                        &format!("escalate.{}.{n}", d.id),
                        "escalation",
                        r,
                        Some(&office.id),
                        Some(&l.id),
                        &escalation,
                    )
                    .await?;
                    queued += 1;
                }
            }
            outbox::mark_reminded(&txn, &d.id, now, escalate).await?;
            txn.commit().await?;
        }
        Ok(queued)
    }

    /// In the first 60 days of a year, makes each office's list of letters whose retention ended
    /// by the end of the previous year (บัญชีหนังสือขอทำลาย), as CSV in the blob store. Letters kept
    /// permanently or under a legal hold are never listed. Returns how many lists were made.
    pub async fn retention_lists(&self) -> Result<usize, WorkerError> {
        let now = self.corr.clock().now();
        let local = now.with_timezone(&bangkok());
        if local.ordinal() > 60 {
            return Ok(0);
        }
        let year_start = bangkok()
            .from_local_datetime(
                &NaiveDate::from_ymd_opt(local.year(), 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default(),
            )
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        let year_be = local.year() + sarabun_domain::date::BE_OFFSET;
        let mut made = 0;
        for office in directory::offices(self.corr.db()).await? {
            if outbox::retention_list(self.corr.db(), &office.id, year_be).await?.is_some() {
                continue;
            }
            let expired: Vec<letter::Model> = outbox::retention_candidates(self.corr.db(), &office.id, year_start)
                .await?
                .into_iter()
                .filter(|l| l.sent_at.with_timezone(&bangkok()).year() + l.retention_years < local.year())
                .collect();
            let csv = retention_csv(&expired);
            let blob = self.corr.store_bytes(csv).await.map_err(|e| WorkerError::Other(e.to_string()))?;
            outbox::record_retention_list(
                self.corr.db(),
                retention_list::Model {
                    office_id: office.id.clone(),
                    year_be,
                    letters: expired.len() as i32,
                    csv_sha256: blob,
                    created_at: now,
                },
            )
            .await?;
            made += 1;
        }
        Ok(made)
    }

    /// Runs `job` for `tick` if no node ran it for that tick yet; true when this node ran it.
    pub async fn run_job(&self, job: Job, tick: DateTime<Utc>) -> Result<bool, WorkerError> {
        let now = self.corr.clock().now();
        if !outbox::claim_job_run(self.corr.db(), job.name(), tick, &self.node, now).await? {
            return Ok(false);
        }
        let span = tracing::info_span!("job", name = job.name(), tick = %tick);
        let _enter = span.enter();
        let result = self.run_claimed(job).await;
        self.corr.meter().job_ran(job.name(), result.is_ok());
        result.map(|()| true)
    }

    /// The body of a job run this node has claimed.
    async fn run_claimed(&self, job: Job) -> Result<(), WorkerError> {
        match job {
            Job::Digest => {
                self.send_digests().await?;
            }
            Job::Reminders => {
                self.remind_overdue().await?;
            }
            Job::Checkpoint => {
                self.corr.checkpoint().await.map_err(|e| WorkerError::Other(e.to_string()))?;
            }
            Job::Retention => {
                self.retention_lists().await?;
            }
        }
        Ok(())
    }

    /// Starts the scheduler (tokio-cron-scheduler) with every job, and the dispatch loop. Dropping
    /// the returned scheduler does not stop it; call `shutdown` on it.
    pub async fn start(
        self: Arc<Self>,
        checkpoint_cron: &str,
    ) -> Result<tokio_cron_scheduler::JobScheduler, WorkerError> {
        use tokio_cron_scheduler::{Job as CronJob, JobScheduler};
        let scheduler = JobScheduler::new().await.map_err(|e| WorkerError::Scheduler(e.to_string()))?;
        for (job, cron) in [
            (Job::Checkpoint, checkpoint_cron.to_owned()),
            (Job::Reminders, "30 */5 * * * *".to_owned()),
            (Job::Digest, self.settings.digest_cron.clone()),
            (Job::Retention, "0 0 1 * * *".to_owned()),
        ] {
            let me = self.clone();
            let cron_job = CronJob::new_async(cron.as_str(), move |_id, _sched| {
                let me = me.clone();
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
                    if let Err(e) = me.run_job(job, tick).await {
                        tracing::error!(job = job.name(), error = %e, "scheduled job failed");
                    }
                })
            })
            .map_err(|e| WorkerError::Scheduler(format!("{}: {e}", job.name())))?;
            scheduler.add(cron_job).await.map_err(|e| WorkerError::Scheduler(e.to_string()))?;
        }
        scheduler.start().await.map_err(|e| WorkerError::Scheduler(e.to_string()))?;
        let me = self.clone();
        tokio::spawn(async move {
            let mut ticks =
                tokio::time::interval(std::time::Duration::from_millis(me.settings.dispatch_interval_ms.max(50)));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let stopping = me.stopping.read().await;
                if *stopping {
                    break;
                }
                if let Err(e) = me.run_once().await {
                    tracing::error!(error = %e, "notification worker round failed");
                }
            }
        });
        Ok(scheduler)
    }

    /// Stops the scheduled jobs and the dispatch loop started by [`Notifier::start`] for a graceful
    /// shutdown: stops `scheduler`, waits for the job runs and the dispatch round in progress to
    /// finish, and lets no new one start. An e-mail being handed to the relay is sent; the rest wait
    /// in the database for the next start (or another node).
    pub async fn stop(&self, mut scheduler: tokio_cron_scheduler::JobScheduler) {
        if let Err(e) = scheduler.shutdown().await {
            tracing::warn!(error = %e, "stopping the job scheduler failed");
        }
        *self.stopping.write().await = true;
        tracing::info!("scheduled jobs and e-mail dispatch stopped");
    }
}

/// The retention list as CSV, written by the node's one CSV writer (BOM, CRLF, formulas
/// neutralised); a secret letter's subject is never written.
fn retention_csv(letters: &[letter::Model]) -> Vec<u8> {
    let mut sheet = CsvSheet::new(&["ลำดับ", "ที่", "ลงวันที่", "เรื่อง", "อายุการเก็บ (ปี)", "หมายเหตุ"]);
    for (i, l) in letters.iter().enumerate() {
        let subject = match l.secrecy.get() {
            Secrecy::None => l.subject.clone(),
            _ => "(หนังสือลับ)".to_owned(),
        };
        sheet.row([
            (i + 1).to_string(),
            l.number.clone(),
            sarabun_domain::thai_letter_date(&l.letter_date),
            subject,
            l.retention_years.to_string(),
            String::new(),
        ]);
    }
    sheet.finish()
}
