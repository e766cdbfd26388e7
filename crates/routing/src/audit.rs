//! The audit log as the offices and auditors use it: recording one entry per state change (inside
//! the transaction that makes the change), signing checkpoints with the node's log key, serving
//! entries and RFC 6962 proofs, the readable trail of one letter, the trail bundle an auditor takes
//! away, and re-verifying the whole stored log. The tree arithmetic is `sarabun-audit`'s; the SQL is
//! `sarabun-registry`'s.

use crate::{Actor, Correspondence, RoutingError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use sarabun_audit::{
    AppendPlan, Checkpoint, HashPlan, NoteSigner, RootBuilder, leaf_hash, open_note, parse_verifier_key,
    stored_hash_count,
};
use sarabun_domain::EventKind;
use sarabun_registry::audit_log;
use sarabun_registry::entity::{audit_checkpoint, audit_entry, audit_queue, node_key};
use sarabun_signing::payload::wire_time;
use sarabun_signing::{OfficeKey, canonical};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use utoipa::ToSchema;

/// The least time from the start of one integration the background task runs to the start of the
/// next. Nobody waits for it: a request's entries are committed with its change, and every read of
/// the log integrates first. A request arriving on an idle node is integrated at once.
const INTEGRATION_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);

/// How many queued entries one integration transaction takes at most.
const INTEGRATION_BATCH: u64 = 4096;

tokio::task_local! {
    /// Set when the request running in this task recorded an audit entry
    /// ([`Correspondence::integrating`]).
    static RECORDED: std::cell::Cell<bool>;
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
    started: AtomicU64,
    /// The number of the last run completed; held while a run integrates.
    completed: tokio::sync::Mutex<u64>,
    /// Entries this node queued since the last run started (a hint for the background task).
    queued: AtomicU64,
    /// Wakes the background task at once: a request committed entries and has answered.
    wake: tokio::sync::Notify,
}

/// The name under which the log key is kept in `node_keys`.
const LOG_KEY_NAME: &str = "audit-log";

/// One state change to record.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// User name of who acted (`-` when nobody is signed in).
    pub actor: String,
    /// Office code of who acted (empty when none).
    pub office: String,
    /// What happened.
    pub action: EventKind,
    /// What it concerns: `letter/<id>`, `delivery/<id>`, `key/<kid>`, `user/<name>`, `office/<code>`.
    pub subject: String,
    pub letter_id: Option<String>,
    pub delivery_id: Option<String>,
    pub detail: Value,
}

/// An audit detail without its absent fields, at every depth: entries are canonical JSON, which
/// has no `null`. The one rule for every detail that carries optional values.
pub(crate) fn detail(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, detail(v))).collect())
        }
        other => other,
    }
}

impl AuditEvent {
    /// An event by `actor` about `subject`.
    pub fn by(actor: &Actor, action: EventKind, subject: String, detail: Value) -> Self {
        Self {
            actor: actor.username.clone(),
            office: actor.audit_office(),
            action,
            subject,
            letter_id: None,
            delivery_id: None,
            detail,
        }
    }
    /// The same event, filed under a letter's trail.
    pub fn letter(mut self, letter_id: &str) -> Self {
        self.letter_id = Some(letter_id.to_owned());
        self
    }
    /// The same event, naming a delivery.
    pub fn delivery(mut self, delivery_id: &str) -> Self {
        self.delivery_id = Some(delivery_id.to_owned());
        self
    }
}

/// A proof answered as in FORMATS.md: hashes in standard base64.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProofView {
    pub tree_size: u64,
    pub hashes: Vec<String>,
}

/// What `audit verify` found.
#[derive(Debug, Clone)]
pub struct LogReport {
    pub lines: Vec<String>,
    pub ok: bool,
}

pub(crate) fn b64(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(|h| STANDARD.encode(h)).collect()
}

pub(crate) fn corrupt(message: impl Into<String>) -> RoutingError {
    RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(message.into()))
}

pub(crate) fn audit_error(e: sarabun_audit::AuditError) -> RoutingError {
    corrupt(e.to_string())
}

impl Correspondence {
    /// Records `event` inside `conn`'s transaction: the entry is queued (`audit_queue`) and so
    /// commits or vanishes with the change, taking no lock; [`Correspondence::integrate`] then gives
    /// it its index. Call it last in the transaction.
    pub async fn record(
        &self,
        conn: &impl ConnectionTrait,
        at: DateTime<Utc>,
        event: AuditEvent,
    ) -> Result<(), RoutingError> {
        let body = json!({
            "at": wire_time(at),
            "actor": event.actor,
            "office": event.office,
            "action": event.action.as_str(),
            "subject": event.subject,
            "detail": event.detail,
        });
        let model = audit_queue::Model {
            id: 0,
            at,
            action: sarabun_registry::Stored(event.action),
            letter_id: event.letter_id,
            delivery_id: event.delivery_id,
            body: String::from_utf8(canonical::to_vec(&body)?).map_err(|e| corrupt(e.to_string()))?,
        };
        audit_log::queue_entry(conn, model).await?;
        self.sequencer.queued.fetch_add(1, Ordering::Relaxed);
        let _ = RECORDED.try_with(|recorded| recorded.set(true));
        Ok(())
    }

    /// Records `event` in a transaction of its own (for reads and failures, which change nothing
    /// else), and integrates it.
    pub async fn record_alone(&self, event: AuditEvent) -> Result<(), RoutingError> {
        let txn = self.db.begin().await?;
        self.record(&txn, self.clock.now(), event).await?;
        txn.commit().await?;
        self.integrate().await
    }

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

    /// The node's log signer, creating and sealing the log key on first use.
    pub(crate) async fn log_signer(&self) -> Result<NoteSigner, RoutingError> {
        let key = match audit_log::node_key(&self.db, LOG_KEY_NAME).await? {
            Some(row) => self.keys.master().open(&row.kid, &row.sealed_private_key)?,
            None => {
                let key = OfficeKey::generate()?;
                let row = node_key::Model {
                    name: LOG_KEY_NAME.into(),
                    kid: key.kid().to_owned(),
                    public_key: STANDARD.encode(key.public().as_bytes()),
                    sealed_private_key: self.keys.master().seal(&key)?,
                    created_at: self.clock.now(),
                };
                audit_log::insert_node_key(&self.db, row).await?;
                // Another node may have won the race; use whichever key is stored.
                let row =
                    audit_log::node_key(&self.db, LOG_KEY_NAME).await?.ok_or_else(|| corrupt("log key vanished"))?;
                self.keys.master().open(&row.kid, &row.sealed_private_key)?
            }
        };
        NoteSigner::new(self.audit_origin.clone(), key.signing_key().clone()).map_err(audit_error)
    }

    /// The log's verifier key string, as published at `/audit/key`.
    pub async fn log_verifier_key(&self) -> Result<String, RoutingError> {
        Ok(self.log_signer().await?.verifier_key_string())
    }

    /// The latest signed checkpoint, signing a new one first when the log has grown since.
    pub async fn checkpoint(&self) -> Result<audit_checkpoint::Model, RoutingError> {
        self.integrate().await?;
        let size = audit_log::size(&self.db).await?;
        if let Some(latest) = audit_log::latest_checkpoint(&self.db).await?
            && latest.size as u64 == size
        {
            return Ok(latest);
        }
        let root = self.tree_hash(size).await?;
        let note = self
            .log_signer()
            .await?
            .sign_checkpoint(&Checkpoint::new(self.audit_origin.clone(), size, root))
            .map_err(audit_error)?;
        audit_log::insert_checkpoint(
            &self.db,
            audit_checkpoint::Model { size: size as i64, root: hex_of(&root), note, signed_at: self.clock.now() },
        )
        .await?;
        tracing::info!(size, "audit checkpoint signed");
        audit_log::latest_checkpoint(&self.db).await?.ok_or_else(|| corrupt("checkpoint vanished"))
    }

    pub(crate) async fn run_plan(&self, plan: HashPlan) -> Result<Vec<[u8; 32]>, RoutingError> {
        let read = audit_log::read_hashes(&self.db, plan.indexes()).await?;
        plan.finish(&read).map_err(audit_error)
    }

    async fn tree_hash(&self, size: u64) -> Result<[u8; 32], RoutingError> {
        let hashes = self.run_plan(HashPlan::tree_hash(size).map_err(audit_error)?).await?;
        hashes.first().copied().ok_or_else(|| corrupt("tree hash plan gave nothing"))
    }

    fn check_sizes(&self, first: u64, second: u64, size: u64, what: &'static str) -> Result<(), RoutingError> {
        if first > second || second > size || (what == "index" && first >= second) {
            return Err(RoutingError::Field {
                field: what,
                message: format!("out of range for a log of {size} entries"),
            });
        }
        Ok(())
    }

    /// The inclusion proof of entry `index` in the tree of `tree_size` entries.
    pub async fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<ProofView, RoutingError> {
        self.integrate().await?;
        self.check_sizes(index, tree_size, audit_log::size(&self.db).await?, "index")?;
        let hashes = self.run_plan(HashPlan::inclusion_proof(index, tree_size).map_err(audit_error)?).await?;
        Ok(ProofView { tree_size, hashes: b64(&hashes) })
    }

    /// The consistency proof between two tree sizes.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<ProofView, RoutingError> {
        self.integrate().await?;
        self.check_sizes(from, to, audit_log::size(&self.db).await?, "from")?;
        let hashes = self.run_plan(HashPlan::consistency_proof(from, to).map_err(audit_error)?).await?;
        Ok(ProofView { tree_size: to, hashes: b64(&hashes) })
    }

    /// Re-reads the whole stored log, recomputes every leaf and the tree, and checks them against the
    /// stored hashes and every signed checkpoint kept. Stops at, and names, the first entry that does
    /// not match.
    pub async fn verify_log(&self, pinned_log_key: Option<&str>) -> Result<LogReport, RoutingError> {
        self.integrate().await?;
        let mut lines = Vec::new();
        let key_text = match pinned_log_key {
            Some(k) => k.to_owned(),
            None => self.log_verifier_key().await?,
        };
        let verifier = parse_verifier_key(&key_text).map_err(audit_error)?;
        let checkpoints = audit_log::checkpoints(&self.db).await?;
        let mut expected_roots = std::collections::BTreeMap::new();
        for c in &checkpoints {
            match open_note(&c.note, std::slice::from_ref(&verifier)) {
                Ok(cp) if cp.size == c.size as u64 && cp.origin == self.audit_origin => {
                    expected_roots.insert(cp.size, cp.root);
                }
                Ok(_) => {
                    lines.push(format!("FAIL  checkpoint of size {} does not say what its row says", c.size));
                    return Ok(LogReport { lines, ok: false });
                }
                Err(e) => {
                    lines.push(format!("FAIL  checkpoint of size {}: {e}", c.size));
                    return Ok(LogReport { lines, ok: false });
                }
            }
        }
        lines.push(format!("ok    {} signed checkpoints verify with {}", checkpoints.len(), verifier.name()));
        let size = audit_log::size(&self.db).await?;
        // The pages are read on a thread of their own, ahead of the hashing on this one.
        let inbox = sarabun_registry::log_pages::read_log(&self.db, size);
        let last_signed = expected_roots.keys().next_back().copied();
        let checked = tokio::task::spawn_blocking(move || check_entries(size, &expected_roots, inbox))
            .await
            .map_err(|e| corrupt(format!("log verification stopped: {e}")));
        let checked = checked??;
        let root = match checked {
            Ok(root) => root,
            Err(fail) => {
                lines.push(fail);
                return Ok(LogReport { lines, ok: false });
            }
        };
        if let Some(last) = last_signed
            && last > size
        {
            lines.push(format!(
                "FAIL  a checkpoint of size {last} was signed but the log has only {size} entries: entries were removed"
            ));
            return Ok(LogReport { lines, ok: false });
        }
        let stored_root = self.tree_hash(size).await?;
        if stored_root != root {
            lines.push("FAIL  the stored tree hashes disagree with the entries".into());
            return Ok(LogReport { lines, ok: false });
        }
        lines.push(format!("ok    {size} entries re-hashed; every checkpoint's root matches; log is consistent"));
        Ok(LogReport { lines, ok: true })
    }
}

/// Recomputes every leaf and every stored hash of the tree from the entries, page after page,
/// checking each entry's claimed index, its stored leaf hash and the roots of the signed
/// checkpoints. Returns the root, or the first failure as the line to print.
///
/// A stored interior hash that disagrees with its recomputation (the tree altered around intact
/// entries) is told only when nothing more precise is found: an altered entry is named, and an
/// entry altered together with its leaf hash is told by the checkpoint it breaks.
fn check_entries(
    size: u64,
    expected_roots: &std::collections::BTreeMap<u64, [u8; 32]>,
    mut inbox: sarabun_registry::log_pages::LogPages,
) -> Result<Result<[u8; 32], String>, RoutingError> {
    let mut builder = RootBuilder::new();
    let mut next = 0u64;
    let mut interior_mismatch: Option<u64> = None;
    let mut roots = expected_roots.iter().peekable();
    while next < size {
        let Some(page) = inbox.blocking_recv() else {
            return Err(corrupt("the log reader stopped early"));
        };
        let page = page?;
        let base = sarabun_audit::stored_hash_count(page.first);
        for (k, &index) in page.entries.indexes.iter().enumerate() {
            if index != next {
                return Ok(Err(format!("FAIL  entry {next} is missing (found {index} next)")));
            }
            let entry = page.entries.entry(k);
            let claimed = claimed_index(entry);
            if claimed != Some(index) {
                return Ok(Err(format!("FAIL  entry {index} claims index {claimed:?}: entries were moved")));
            }
            let leaf = leaf_hash(entry);
            let at = (sarabun_audit::stored_hash_count(index) - base) as usize;
            if page.hashes.get(at).copied().flatten() != Some(leaf) {
                return Ok(Err(format!(
                    "FAIL  entry {index} does not match its leaf hash in the tree: it was altered"
                )));
            }
            builder.push_completing(leaf, |level, h| {
                if interior_mismatch.is_none() && page.hashes.get(at + level as usize).copied().flatten() != Some(*h) {
                    interior_mismatch = Some(index);
                }
            });
            next += 1;
            while roots.next_if(|(s, _)| **s < next).is_some() {}
            if let Some((_, root)) = roots.next_if(|(s, _)| **s == next)
                && *root != builder.root()
            {
                return Ok(Err(format!(
                    "FAIL  the first {next} entries do not hash to the signed checkpoint of that size: an entry before {next} was altered, with its tree hashes"
                )));
            }
        }
        if next < page.first + page.count {
            return Ok(Err(format!("FAIL  entry {next} is missing (the log head says {size} entries)")));
        }
    }
    if let Some(index) = interior_mismatch {
        return Ok(Err(format!(
            "FAIL  the stored tree hashes completed by entry {index} disagree with the entries: the tree was altered"
        )));
    }
    Ok(Ok(builder.root()))
}

/// The `index` an entry claims. Entries are canonical JSON, whose members are sorted, so the object
/// ends `,"index":N,"office":"…","subject":"…"}`: read backwards over those two strings, which is
/// a few dozen bytes instead of the whole entry. Anything else is parsed in full.
fn claimed_index(entry: &[u8]) -> Option<u64> {
    fn index_from_tail(b: &[u8]) -> Option<u64> {
        // Position of the opening quote of the string whose closing quote is at `close`.
        let opening = |close: usize| -> Option<usize> {
            let mut i = close;
            loop {
                i = b[..i].iter().rposition(|c| *c == b'"')?;
                let backslashes = b[..i].iter().rev().take_while(|c| **c == b'\\').count();
                if backslashes % 2 == 0 {
                    return Some(i);
                }
            }
        };
        let mut end = b.len().checked_sub(1)?;
        if b[end] != b'}' {
            return None;
        }
        for key in [&b",\"subject\":"[..], b",\"office\":"] {
            end = end.checked_sub(1)?;
            if b[end] != b'"' {
                return None;
            }
            let open = opening(end)?;
            end = open.checked_sub(key.len())?;
            if &b[end..open] != key {
                return None;
            }
        }
        let start = b[..end].iter().rposition(|c| !c.is_ascii_digit())? + 1;
        if start == end || !b[..start].ends_with(b",\"index\":") {
            return None;
        }
        std::str::from_utf8(&b[start..end]).ok()?.parse().ok()
    }
    index_from_tail(entry).or_else(|| serde_json::from_slice::<ClaimedIndex>(entry).ok().map(|c| c.index))
}

/// Only the `index` member of an entry; the rest is skipped without being built.
#[derive(Deserialize)]
struct ClaimedIndex {
    index: u64,
}

fn hex_of(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::claimed_index;
    use serde_json::json;

    #[test]
    fn the_claimed_index_is_read_from_the_tail_as_a_full_parse_reads_it() {
        let odd = ["กค 0400", "a\"b", "a\\", "\\\"", "x\\\\\"y", "", "\"index\":9,"];
        for (i, office) in odd.iter().enumerate() {
            for subject in odd {
                let entry = json!({"index": 1000 + i, "at": "t", "actor": "a", "office": office,
                                   "action": "x", "subject": subject, "detail": {"index": 7, "office": "q"}});
                let text = String::from_utf8(sarabun_signing::canonical::to_vec(&entry).unwrap()).unwrap();
                assert_eq!(claimed_index(text.as_bytes()), Some(1000 + i as u64), "{text}");
            }
        }
        assert_eq!(claimed_index(br#"{"detail":{},"index":5}"#), Some(5), "other shapes are parsed in full");
        assert_eq!(claimed_index(br#"{"index":"5","office":"a","subject":"b"}"#), None);
        assert_eq!(claimed_index(b"not json"), None);
    }
}
