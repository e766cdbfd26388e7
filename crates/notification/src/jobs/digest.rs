//! The digest job: at `notification.digest_cron`, one e-mail per address listing the urgent and
//! normal letters queued for it since its last digest, leaving out deliveries handled or recalled
//! since; the items are marked digested in the same transaction as the digest is queued.

use crate::mail::notice::{Digest, Notice};
use crate::mailroom::{About, Mailroom};
use crate::worker::WorkerError;
use sarabun_domain::DeliveryState;
use sarabun_routing::DigestEntry;
use sarabun_routing::jobs::{JobFuture, ScheduledJob};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Sends the digests ([`send_digests`]).
pub struct Digests {
    mailroom: Arc<Mailroom>,
    cron: String,
}

impl Digests {
    /// Its name in `job_runs`.
    pub const NAME: &'static str = "notification.digest";

    pub(crate) fn new(mailroom: Arc<Mailroom>, cron: String) -> Self {
        Self { mailroom, cron }
    }
}

impl ScheduledJob for Digests {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn schedule(&self) -> &str {
        &self.cron
    }

    fn run(&self) -> JobFuture<'_> {
        Box::pin(async move {
            send_digests(&self.mailroom).await?;
            Ok(())
        })
    }
}

/// Sends one digest per address with everything queued for it since the last digest; returns how
/// many digests were queued.
pub(crate) async fn send_digests(mailroom: &Mailroom) -> Result<usize, WorkerError> {
    let batch = mailroom.corr.notice_batch().await?;
    let mut by_address: BTreeMap<String, Vec<DigestEntry>> = BTreeMap::new();
    for entry in batch.undigested().await? {
        by_address.entry(entry.to.address.clone()).or_default().push(entry);
    }
    let now = mailroom.corr.clock().now();
    let mut sent = 0;
    for entries in by_address.into_values() {
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        batch.mark_digested(&ids, now).await?;
        // A letter handled or recalled since is no longer news; a task on a received letter's route
        // stays news while the letter stays received.
        let items: Vec<_> = entries
            .iter()
            .filter_map(|e| e.letter.as_ref().map(|l| (l, e.routed)))
            .filter(|((_, d), routed)| {
                d.state == DeliveryState::Delivered || (*routed && d.state == DeliveryState::Received)
            })
            .map(|((l, d), _)| mailroom.letter_notice(l, d))
            .collect();
        if items.is_empty() {
            continue;
        }
        let first = &entries[0];
        let office = first.office.as_ref();
        let notice = Notice::Digest(Digest {
            office: office.map(|o| o.name.clone()).unwrap_or_default(),
            inbox_link: mailroom.inbox_link(),
            generated_at: now,
            items,
        });
        let about = About {
            key: format!("digest.{}.{}", now.timestamp(), first.id),
            kind: "digest",
            office_id: office.map(|o| o.id.as_str()),
            letter_id: None,
        };
        mailroom.queue(&batch, about, &first.to, &notice).await?;
        sent += 1;
    }
    batch.commit().await?;
    Ok(sent)
}
