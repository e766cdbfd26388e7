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
};
use sarabun_domain::EventKind;
use sarabun_registry::audit_log;
use sarabun_registry::entity::{audit_checkpoint, audit_entry, node_key};
use sarabun_signing::payload::wire_time;
use sarabun_signing::{OfficeKey, canonical};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

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
    /// Appends `event` to the log inside `conn`'s transaction. Call it last in the transaction: from
    /// here to commit the log head is locked for every other writer.
    pub async fn record(
        &self,
        conn: &impl ConnectionTrait,
        at: DateTime<Utc>,
        event: AuditEvent,
    ) -> Result<u64, RoutingError> {
        let index = audit_log::reserve_index(conn).await?;
        let entry = json!({
            "index": index,
            "at": wire_time(at),
            "actor": event.actor,
            "office": event.office,
            "action": event.action.as_str(),
            "subject": event.subject,
            "detail": event.detail,
        });
        let bytes = canonical::to_vec(&entry)?;
        let plan = AppendPlan::new(index).map_err(audit_error)?;
        let read = audit_log::read_hashes(conn, plan.indexes()).await?;
        let hashes = plan.finish(leaf_hash(&bytes), &read).map_err(audit_error)?;
        let model = audit_entry::Model {
            idx: index as i64,
            at,
            action: sarabun_registry::Stored(event.action),
            letter_id: event.letter_id,
            delivery_id: event.delivery_id,
            entry: String::from_utf8(bytes).map_err(|e| corrupt(e.to_string()))?,
        };
        audit_log::insert_entry(conn, model, &hashes).await?;
        Ok(index)
    }

    /// Records `event` in a transaction of its own (for reads and failures, which change nothing else).
    pub async fn record_alone(&self, event: AuditEvent) -> Result<u64, RoutingError> {
        let txn = self.db.begin().await?;
        let index = self.record(&txn, self.clock.now(), event).await?;
        txn.commit().await?;
        Ok(index)
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
        self.check_sizes(index, tree_size, audit_log::size(&self.db).await?, "index")?;
        let hashes = self.run_plan(HashPlan::inclusion_proof(index, tree_size).map_err(audit_error)?).await?;
        Ok(ProofView { tree_size, hashes: b64(&hashes) })
    }

    /// The consistency proof between two tree sizes.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<ProofView, RoutingError> {
        self.check_sizes(from, to, audit_log::size(&self.db).await?, "from")?;
        let hashes = self.run_plan(HashPlan::consistency_proof(from, to).map_err(audit_error)?).await?;
        Ok(ProofView { tree_size: to, hashes: b64(&hashes) })
    }

    /// Re-reads the whole stored log, recomputes every leaf and the tree, and checks them against the
    /// stored hashes and every signed checkpoint kept. Stops at, and names, the first entry that does
    /// not match.
    pub async fn verify_log(&self, pinned_log_key: Option<&str>) -> Result<LogReport, RoutingError> {
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
        let mut builder = RootBuilder::new();
        let mut next = 0u64;
        const BATCH: u64 = 5000;
        while next < size {
            let batch = audit_log::entry_texts_from(&self.db, next, BATCH).await?;
            if batch.is_empty() {
                lines.push(format!("FAIL  entry {next} is missing (the log head says {size} entries)"));
                return Ok(LogReport { lines, ok: false });
            }
            let last = next + batch.len() as u64 - 1;
            let stored = audit_log::hashes_between(
                &self.db,
                sarabun_audit::stored_hash_index(0, next),
                sarabun_audit::stored_hash_index(0, last),
            )
            .await?;
            for (idx, entry) in &batch {
                let index = *idx as u64;
                if index != next {
                    lines.push(format!("FAIL  entry {next} is missing (found {index} next)"));
                    return Ok(LogReport { lines, ok: false });
                }
                let claimed = serde_json::from_str::<ClaimedIndex>(entry).ok().map(|c| c.index);
                if claimed != Some(index) {
                    lines.push(format!("FAIL  entry {index} claims index {claimed:?}: entries were moved"));
                    return Ok(LogReport { lines, ok: false });
                }
                let leaf = leaf_hash(entry.as_bytes());
                if stored.get(&sarabun_audit::stored_hash_index(0, index)) != Some(&leaf) {
                    lines.push(format!("FAIL  entry {index} does not match its leaf hash in the tree: it was altered"));
                    return Ok(LogReport { lines, ok: false });
                }
                builder.push(leaf);
                next += 1;
                if let Some(root) = expected_roots.get(&next)
                    && *root != builder.root()
                {
                    lines.push(format!(
                        "FAIL  the first {next} entries do not hash to the signed checkpoint of that size: an entry before {next} was altered, with its tree hashes"
                    ));
                    return Ok(LogReport { lines, ok: false });
                }
            }
        }
        if let Some((last, _)) = expected_roots.iter().next_back()
            && *last > size
        {
            lines.push(format!(
                "FAIL  a checkpoint of size {last} was signed but the log has only {size} entries: entries were removed"
            ));
            return Ok(LogReport { lines, ok: false });
        }
        let stored_root = self.tree_hash(size).await?;
        if stored_root != builder.root() {
            lines.push("FAIL  the stored tree hashes disagree with the entries".into());
            return Ok(LogReport { lines, ok: false });
        }
        lines.push(format!("ok    {size} entries re-hashed; every checkpoint's root matches; log is consistent"));
        Ok(LogReport { lines, ok: true })
    }
}

/// Only the `index` member of an entry; the rest is skipped without being built.
#[derive(Deserialize)]
struct ClaimedIndex {
    index: u64,
}

fn hex_of(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
