//! Expanding events into e-mails: each pending event is claimed, worded and queued in one
//! transaction, which also marks it processed, so an e-mail exists exactly when its event is
//! processed. A new letter goes to each recipient office's inbox address and cleared clerks (most
//! and very urgent ones at once; others to the inbox address and clerks who chose digests in the
//! next digest), a decision to the sending clerk, a recall to the offices that had not handled it.
//! A new letter's recipients outside Sarabun with an e-mail address get the letter itself (the
//! sealed PDF and its envelope are attached when it is sent).

use super::{Notifier, WorkerError};
use crate::mail::notice::{Decision, DecisionNotice, DraftNotice, Notice, RecallNotice, Subject};
use crate::mail::templates::Language;
use crate::mailroom::{About, Mailroom};
use sarabun_domain::{DeliveryState, EventKind};
use sarabun_routing::{DraftAsk, LetterToTell, NewDigestItem, NoticeBatch, PendingEvent};
use std::collections::HashSet;

impl Notifier {
    /// Turns pending events into e-mails and digest items; returns how many events it handled.
    pub async fn expand_events(&self) -> Result<usize, WorkerError> {
        let mut handled = 0;
        let mut failing: HashSet<String> = HashSet::new();
        loop {
            let events = self.corr.pending_events(100 + failing.len() as u64).await?;
            let fresh: Vec<_> = events.into_iter().filter(|e| !failing.contains(&e.id)).collect();
            if fresh.is_empty() {
                return Ok(handled);
            }
            for ev in fresh {
                let batch = self.corr.notice_batch().await?;
                if !batch.claim_event(&ev.id, self.corr.clock().now()).await? {
                    batch.rollback().await?;
                    continue;
                }
                // One event that cannot be expanded must not hold back the mail of all later ones;
                // it stays pending and is tried again next round.
                match expand(&self.mailroom, &batch, &ev).await {
                    Ok(()) => {
                        batch.commit().await?;
                        handled += 1;
                    }
                    Err(e) => {
                        batch.rollback().await?;
                        tracing::error!(event = %ev.id, kind = %ev.kind, error = %e, "event could not be turned into e-mail");
                        failing.insert(ev.id.clone());
                    }
                }
            }
        }
    }
}

/// Words and queues the e-mails of one claimed event.
async fn expand(mailroom: &Mailroom, batch: &NoticeBatch, ev: &PendingEvent) -> Result<(), WorkerError> {
    if ev.kind.is_draft_step() {
        return drafted(mailroom, batch, ev).await;
    }
    let Some(letter) = batch.letter(&ev.letter_id).await? else { return Ok(()) };
    match ev.kind {
        EventKind::LetterSent => sent(mailroom, batch, ev, &letter).await,
        EventKind::DeliveryReceived | EventKind::DeliveryRejected => {
            decided(mailroom, batch, ev, &letter, ev.kind).await
        }
        EventKind::LetterRecalled => recalled(mailroom, batch, ev, &letter).await,
        kind if kind.opens_tasks() => routed(mailroom, batch, ev, &letter).await,
        // Only the letter path leaves events; anything else in the queue is a corrupt row.
        other => Err(sarabun_routing::RoutingError::Internal(format!("event kind {other} is not announced")).into()),
    }
}

/// A new letter: each recipient office's inbox address and cleared clerks, at once or by digest.
async fn sent(
    mailroom: &Mailroom,
    batch: &NoticeBatch,
    ev: &PendingEvent,
    t: &LetterToTell,
) -> Result<(), WorkerError> {
    let l = &t.letter;
    for d in &t.deliveries {
        let Some(office) = &d.office else { continue };
        let notice = Notice::NewLetter(mailroom.letter_notice(l, d));
        for (n, r) in batch.office_and_clerks(office, l.secrecy).await?.iter().enumerate() {
            if r.notify.told_at_once(l.urgency) {
                let about = About {
                    key: format!("{}.{}.{n}", ev.id, d.id),
                    kind: "new_letter",
                    office_id: Some(&office.id),
                    letter_id: Some(&l.id),
                };
                mailroom.queue(batch, about, r, &notice).await?;
            } else {
                let item = NewDigestItem {
                    to_address: r.address.clone(),
                    to_name: r.name.clone(),
                    language: Language::Thai.code().into(),
                    office_id: Some(office.id.clone()),
                    letter_id: l.id.clone(),
                    delivery_id: d.id.clone(),
                    created_at: ev.created_at,
                };
                batch.queue_digest_item(item).await?;
            }
        }
    }
    // Recipients outside Sarabun with an e-mail address: the letter itself, sealed, at once.
    for mail in batch.outside_mails(&l.id).await? {
        mailroom.queue_outside(batch, &mail).await?;
    }
    Ok(())
}

/// A delivery received or rejected: the clerk who sent the letter, with the number or the reason.
async fn decided(
    mailroom: &Mailroom,
    batch: &NoticeBatch,
    ev: &PendingEvent,
    t: &LetterToTell,
    happened: EventKind,
) -> Result<(), WorkerError> {
    let l = &t.letter;
    let Some(d) = t.deliveries.iter().find(|d| Some(&d.id) == ev.delivery_id.as_ref()) else { return Ok(()) };
    let Some(sender) = batch.sender(l).await? else { return Ok(()) };
    let subject = Mailroom::subject(l);
    let decision = if happened == EventKind::DeliveryReceived {
        Decision::Received { receive_number: d.receive_number.clone().unwrap_or_default() }
    } else {
        Decision::Rejected { reason: subject.free_text(d.reason.as_deref()) }
    };
    let notice = Notice::Decision(DecisionNotice {
        letter_number: l.number.clone(),
        subject,
        from_office: l.from_office.clone(),
        to_office: d.office.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        decision,
        decided_at: d.decided_at.unwrap_or(ev.created_at),
        link: mailroom.link(&l.id),
    });
    let about = About { key: ev.id.clone(), kind: "decided", office_id: Some(&l.office_id), letter_id: Some(&l.id) };
    mailroom.queue(batch, about, &sender, &notice).await
}

/// A route step: each person it gave a task to, and whoever stands in for them today — at once for
/// the most and very urgent letters or people who want every letter at once, otherwise in their digest.
async fn routed(
    mailroom: &Mailroom,
    batch: &NoticeBatch,
    ev: &PendingEvent,
    t: &LetterToTell,
) -> Result<(), WorkerError> {
    let Some(step_id) = &ev.step_id else { return Ok(()) };
    let Some(step) = batch.step(step_id, ev.created_at).await? else { return Ok(()) };
    let l = &t.letter;
    for task in &step.tasks {
        let notice = mailroom.route_notice(l, &step, task, false);
        for (n, r) in task.told.iter().enumerate() {
            if r.notify.told_at_once(l.urgency) {
                let about = About {
                    key: format!("{}.{}.{n}", ev.id, task.id),
                    kind: "routed",
                    office_id: Some(&step.office.id),
                    letter_id: Some(&l.id),
                };
                mailroom.queue(batch, about, r, &notice).await?;
            } else if let Some(delivery_id) = &ev.delivery_id {
                let item = NewDigestItem {
                    to_address: r.address.clone(),
                    to_name: r.name.clone(),
                    language: Language::Thai.code().into(),
                    office_id: Some(step.office.id.clone()),
                    letter_id: l.id.clone(),
                    delivery_id: delivery_id.clone(),
                    created_at: ev.created_at,
                };
                batch.queue_digest_item(item).await?;
            }
        }
    }
    Ok(())
}

/// A step on a draft's chain: the person it now waits for (and who stands in for them today), or
/// its drafter when it was returned or signed — always at once: a draft waits on one person.
async fn drafted(mailroom: &Mailroom, batch: &NoticeBatch, ev: &PendingEvent) -> Result<(), WorkerError> {
    let Some(step_id) = &ev.step_id else { return Ok(()) };
    let Some(d) = batch.draft_step(step_id, ev.created_at).await? else { return Ok(()) };
    let subject = Subject::for_letter(d.subject.clone(), d.secrecy);
    let (asked, letter_number, link) = match &d.asked {
        DraftAsk::Check => ("check", None, mailroom.draft_link(&d.draft_id)),
        DraftAsk::Sign => ("sign", None, mailroom.draft_link(&d.draft_id)),
        DraftAsk::Revise => ("revise", None, mailroom.draft_link(&d.draft_id)),
        DraftAsk::Sent { number, letter_id } => ("sent", Some(number.clone()), mailroom.link(letter_id)),
    };
    let notice = Notice::Drafted(DraftNotice {
        text: subject.free_text(d.text.as_deref()),
        subject,
        urgency: d.urgency,
        office: d.office.name.clone(),
        step: d.heading.clone(),
        by: d.by.clone(),
        asked: asked.into(),
        letter_number,
        link,
    });
    for (n, r) in d.told.iter().enumerate() {
        let about =
            About { key: format!("{}.{n}", ev.id), kind: "drafted", office_id: Some(&d.office.id), letter_id: None };
        mailroom.queue(batch, about, r, &notice).await?;
    }
    Ok(())
}

/// A recall: every office that had not handled it; those that rejected it already know.
async fn recalled(
    mailroom: &Mailroom,
    batch: &NoticeBatch,
    ev: &PendingEvent,
    t: &LetterToTell,
) -> Result<(), WorkerError> {
    let l = &t.letter;
    for d in t.deliveries.iter().filter(|d| d.state == DeliveryState::Recalled) {
        let Some(office) = &d.office else { continue };
        let subject = Mailroom::subject(l);
        let notice = Notice::Recalled(RecallNotice {
            letter_number: l.number.clone(),
            reason: subject.free_text(l.recall_reason.as_deref()),
            subject,
            from_office: l.from_office.clone(),
            to_office: office.name.clone(),
            recalled_at: l.recalled_at.unwrap_or(ev.created_at),
            link: mailroom.link(&l.id),
        });
        for (n, r) in batch.office_and_clerks(office, l.secrecy).await?.iter().enumerate() {
            let about = About {
                key: format!("{}.{}.{n}", ev.id, d.id),
                kind: "recalled",
                office_id: Some(&office.id),
                letter_id: Some(&l.id),
            };
            mailroom.queue(batch, about, r, &notice).await?;
        }
    }
    Ok(())
}
