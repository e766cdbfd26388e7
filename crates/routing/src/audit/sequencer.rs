//! The audit sequencer, in the manner of Trillian's and Tessera's integrate step: entries are
//! committed with their change into a queue, and one task at a time (on this node, and across
//! nodes through the log head) gives them consecutive indexes and writes the tree hashes their
//! appends produce, in batches, so that no request waits on the log head.

use super::{audit_error, corrupt};
use crate::{Correspondence, RoutingError};
use sarabun_audit::{AppendPlan, leaf_hash, stored_hash_count};
use sarabun_registry::audit_log;
use sarabun_registry::entity::audit_entry;
use sarabun_signing::canonical;
use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// The least time from the start of one integration the background task runs to the start of the
/// next. Nobody waits for it: a request's entries are committed with its change, and every read of
/// the log integrates first. A request arriving on an idle node is integrated at once.
const INTEGRATION_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);

/// How many queued entries one integration transaction takes at most.
const INTEGRATION_BATCH: u64 = 4096;

tokio::task_local! {
    /// Set when the request running in this task recorded an audit entry
    /// ([`Correspondence::integrating`]).
    pub(super) static RECORDED: std::cell::Cell<bool>;
}

/// Runs `work` and tells whether it recorded audit entries ([`Correspondence::record`]).
async fn recording<F: std::future::Future>(work: F) -> (F::Output, bool) {
    RECORDED
        .scope(std::cell::Cell::new(false), async {
            let out = work.await;
            (out, RECORDED.with(|r| r.get()))
        })
        .await
}

/// The audit sequencer's state on this node.
#[derive(Debug, Default)]
pub(crate) struct Sequencer {
    /// Integration runs started.
    pub(super) started: AtomicU64,
    /// The number of the last run completed; held while a run integrates.
    pub(super) completed: tokio::sync::Mutex<u64>,
    /// Entries this node queued since the last run started (a hint for the background task).
    pub(super) queued: AtomicU64,
    /// Wakes the background task at once: a request committed entries and has answered.
    pub(super) wake: tokio::sync::Notify,
}

impl Correspondence {
    /// Runs `work` (one request) and, when it recorded audit entries, wakes the background task to
    /// integrate them, without waiting for it: the request's change and its entries are committed
    /// already, and every read of the log integrates first, so whoever made a change still finds its
    /// entry at once. Concurrent requests thus share one integration, and a request costs one
    /// transaction, not two (on SQLite's one connection, two commits and two syncs).
    pub async fn answering_then_integrating<F: std::future::Future>(&self, work: F) -> F::Output {
        let (out, recorded) = recording(work).await;
        if recorded {
            self.sequencer.wake.notify_one();
        }
        out
    }

    /// Runs `work` (a pass of the worker, a job) and, when it recorded audit entries, integrates
    /// them before returning, so that they are in the log when it returns.
    pub async fn integrating<F: std::future::Future>(&self, work: F) -> F::Output {
        let (out, recorded) = recording(work).await;
        if recorded && let Err(e) = self.integrate().await {
            // The entries stay queued, committed; the next integration takes them.
            tracing::warn!(error = %e, "audit integration failed; entries stay queued");
        }
        out
    }

    /// Integrates every queued audit entry committed before this call into the log: one task at a
    /// time on this node (callers arriving meanwhile are served by the next run, so concurrent
    /// writers share one), and one at a time across nodes (each run holds the log head). Each
    /// batch gives queued entries consecutive indexes in queue order, writes them with the hashes
    /// their appends produce, removes them from the queue and moves the head, in one transaction:
    /// a crash leaves every entry either queued or integrated, never lost or renumbered.
    pub async fn integrate(&self) -> Result<(), RoutingError> {
        let asked = self.sequencer.started.load(Ordering::SeqCst);
        let mut completed = self.sequencer.completed.lock().await;
        if *completed > asked {
            return Ok(());
        }
        let run = self.sequencer.started.fetch_add(1, Ordering::SeqCst) + 1;
        self.sequencer.queued.store(0, Ordering::Relaxed);
        while self.integrate_batch().await? == INTEGRATION_BATCH {}
        *completed = run;
        Ok(())
    }

    /// Runs [`Correspondence::integrate`] for as long as the node serves: at once when a request
    /// that recorded entries has answered ([`Correspondence::answering_then_integrating`]; requests
    /// answered during a run are integrated by the next, together), soon after this node queued
    /// entries otherwise (the worker, jobs), and every few seconds for entries another node or an
    /// earlier run of this one left queued.
    pub async fn integrate_forever(self) {
        let mut idle = 0u32;
        let mut last_run: Option<tokio::time::Instant> = None;
        loop {
            tokio::select! {
                _ = self.sequencer.wake.notified() => {}
                _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => {
                    idle += 1;
                    if self.sequencer.queued.load(Ordering::Relaxed) == 0 && idle < 30 {
                        continue;
                    }
                }
            }
            idle = 0;
            // Under load the entries committed during the pause are integrated together: one
            // integration's round trips and commit shared by many requests.
            if let Some(last) = last_run {
                tokio::time::sleep_until(last + INTEGRATION_PAUSE).await;
            }
            last_run = Some(tokio::time::Instant::now());
            if let Err(e) = self.integrate().await {
                tracing::warn!(error = %e, "audit integration failed; entries stay queued");
            }
        }
    }

    /// One batch of [`Correspondence::integrate`]; returns how many entries it integrated.
    async fn integrate_batch(&self) -> Result<u64, RoutingError> {
        // Most calls (a read, a request that found its entries integrated) find nothing: one
        // query, no lock and no write.
        if audit_log::queued(&self.db, 1).await?.is_empty() {
            return Ok(0);
        }
        let txn = self.db.begin().await?;
        let size = audit_log::lock_head(&txn).await?;
        let queued = audit_log::queued(&txn, INTEGRATION_BATCH).await?;
        if queued.is_empty() {
            txn.rollback().await?;
            return Ok(0);
        }
        // The siblings every append of the batch needs: those stored before the batch are read in
        // one query, those the batch itself writes are taken from what it computed.
        let first_new = stored_hash_count(size);
        let plans = (0..queued.len() as u64)
            .map(|k| AppendPlan::new(size + k).map_err(audit_error))
            .collect::<Result<Vec<_>, _>>()?;
        let mut older: Vec<u64> = plans.iter().flat_map(|p| p.indexes()).copied().filter(|i| *i < first_new).collect();
        older.sort_unstable();
        older.dedup();
        let mut known: HashMap<u64, [u8; 32]> =
            older.iter().copied().zip(audit_log::read_hashes(&txn, &older).await?).collect();
        let (mut entries, mut hashes, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for ((k, row), plan) in queued.into_iter().enumerate().zip(&plans) {
            let index = size + k as u64;
            let mut body: Value =
                serde_json::from_str(&row.body).map_err(|e| corrupt(format!("queued entry {}: {e}", row.id)))?;
            body.as_object_mut()
                .ok_or_else(|| corrupt(format!("queued entry {} is not an object", row.id)))?
                .insert("index".into(), json!(index));
            let bytes = canonical::to_vec(&body)?;
            let read = plan
                .indexes()
                .iter()
                .map(|i| known.get(i).copied().ok_or_else(|| corrupt(format!("stored hash {i} is missing"))))
                .collect::<Result<Vec<_>, _>>()?;
            let appended = plan.finish(leaf_hash(&bytes), &read).map_err(audit_error)?;
            known.extend(appended.iter().copied());
            hashes.extend(appended);
            ids.push(row.id);
            entries.push(audit_entry::Model {
                idx: index as i64,
                at: row.at,
                action: row.action,
                letter_id: row.letter_id,
                delivery_id: row.delivery_id,
                entry: String::from_utf8(bytes).map_err(|e| corrupt(e.to_string()))?,
            });
        }
        let count = entries.len() as u64;
        audit_log::integrate_batch(&txn, entries, &hashes, &ids, size + count).await?;
        txn.commit().await?;
        Ok(count)
    }
}
