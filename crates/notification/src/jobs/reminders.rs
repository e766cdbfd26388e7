//! The reminder job, every five minutes: a delivery still waiting once it is due by the one
//! due/overdue rule (`sarabun_domain::DueRule`, the same as tracking and the inbox mark) is
//! reminded to the recipient office's inbox address and cleared clerks, once; once overdue by as
//! long again, the office's admins and the sending clerk get one escalation. A task on a letter's
//! route inside an office that is past its due date is reminded, once, to whoever holds it and
//! whoever stands in for them. Each delivery's or task's e-mails and its reminded mark are written
//! in one transaction.

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
    for task in corr.overdue_tasks(now, 500).await? {
        queued += remind_task(mailroom, &task, now).await?;
    }
    Ok(queued)
}

/// Reminds the holder of one overdue route task (and their stand-ins) and marks it, in one
/// transaction; returns the e-mails queued.
async fn remind_task(
    mailroom: &Mailroom,
    task: &sarabun_routing::OverdueTask,
    now: DateTime<Utc>,
) -> Result<usize, WorkerError> {
    let batch = mailroom.corr.notice_batch().await?;
    if !batch.claim_task_reminder(&task.task_id, now).await? {
        batch.rollback().await?;
        return Ok(0);
    }
    let (Some(t), Some(step)) = (batch.letter(&task.letter_id).await?, batch.step(&task.step_id, now).await?) else {
        batch.commit().await?;
        return Ok(0);
    };
    let Some(held) = step.tasks.iter().find(|x| x.id == task.task_id) else {
        batch.commit().await?;
        return Ok(0);
    };
    let l = &t.letter;
    let notice = mailroom.route_notice(l, &step, held, true);
    let mut queued = 0;
    for (n, r) in held.told.iter().enumerate() {
        let about = About {
            key: format!("remind-task.{}.{n}", task.task_id),
            kind: "reminder",
            office_id: Some(&step.office.id),
            letter_id: Some(&l.id),
        };
        mailroom.queue(&batch, about, r, &notice).await?;
        queued += 1;
    }
    batch.commit().await?;
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
