//! The reminder job, every five minutes: a delivery still waiting once it is due by the one
//! due/overdue rule (`sarabun_domain::DueRule`, the same as tracking and the inbox mark) is
//! reminded to the recipient office's inbox address and cleared clerks, once; once overdue by as
//! long again, the office's admins and the sending clerk get one escalation. Each delivery's
//! e-mails and its reminded/escalated marks are written in one transaction.

use crate::mail::notice::{Notice, ReminderNotice};
use crate::mailroom::{About, Mailroom};
use crate::worker::WorkerError;
use chrono::{DateTime, Utc};
use sarabun_domain::Role;
use sarabun_routing::jobs::{JobFuture, ScheduledJob};
use sarabun_routing::{Addressee, NoticeDelivery, NoticeLetter, NoticeOffice};
use std::sync::Arc;

/// Reminds and escalates overdue letters ([`remind_overdue`]).
pub struct Reminders {
    mailroom: Arc<Mailroom>,
}

impl Reminders {
    /// Its name in `job_runs`.
    pub const NAME: &'static str = "notification.reminders";

    pub(crate) fn new(mailroom: Arc<Mailroom>) -> Self {
        Self { mailroom }
    }
}

impl ScheduledJob for Reminders {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn schedule(&self) -> &str {
        "30 */5 * * * *"
    }

    fn run(&self) -> JobFuture<'_> {
        Box::pin(async move {
            remind_overdue(&self.mailroom).await?;
            Ok(())
        })
    }
}

/// Reminds recipient offices of overdue letters, and escalates to the sender and the recipient
/// office's admins once a letter is overdue by as long again. Returns the e-mails queued.
pub(crate) async fn remind_overdue(mailroom: &Mailroom) -> Result<usize, WorkerError> {
    let corr = &mailroom.corr;
    let now = corr.clock().now();
    let mut queued = 0;
    for (l, d) in corr.waiting_deliveries(now).await? {
        let due = corr.due_rule().due_at(l.urgency, l.deadline, d.delivered_at);
        if now < due {
            continue;
        }
        let escalate = d.escalated_at.is_none() && now >= corr.due_rule().escalate_at(due, d.delivered_at);
        if d.reminded_at.is_some() && !escalate {
            continue;
        }
        let Some(office) = &d.office else { continue };
        queued += remind(mailroom, &l, &d, office, now - due, escalate, now).await?;
    }
    Ok(queued)
}

/// Queues the reminder (unless sent before) and the escalation (when due) of one delivery and marks
/// it, in one transaction; returns the e-mails queued.
async fn remind(
    mailroom: &Mailroom,
    l: &NoticeLetter,
    d: &NoticeDelivery,
    office: &NoticeOffice,
    overdue_by: chrono::Duration,
    escalate: bool,
    now: DateTime<Utc>,
) -> Result<usize, WorkerError> {
    let batch = mailroom.corr.notice_batch().await?;
    let reminder = ReminderNotice {
        letter: mailroom.letter_notice(l, d),
        overdue_by: overdue_by.to_std().unwrap_or_default(),
        escalation: false,
    };
    let mut told: Vec<(&'static str, &'static str, Vec<Addressee>, Notice)> = Vec::new();
    if d.reminded_at.is_none() {
        let to = batch.office_and_clerks(office, l.secrecy).await?;
        told.push(("remind", "reminder", to, Notice::Reminder(reminder.clone())));
    }
    if escalate {
        let mut to = batch.people(&office.id, Role::OfficeAdmin, l.secrecy).await?;
        to.extend(batch.sender(l).await?);
        told.push(("escalate", "escalation", to, Notice::Reminder(ReminderNotice { escalation: true, ..reminder })));
    }
    let mut queued = 0;
    for (key, kind, to, notice) in &told {
        for (n, r) in to.iter().enumerate() {
            let about =
                About { key: format!("{key}.{}.{n}", d.id), kind, office_id: Some(&office.id), letter_id: Some(&l.id) };
            mailroom.queue(&batch, about, r, notice).await?;
            queued += 1;
        }
    }
    batch.mark_reminded(&d.id, now, escalate).await?;
    batch.commit().await?;
    Ok(queued)
}
