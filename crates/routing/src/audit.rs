//! The audit log as the offices and auditors use it: recording one entry per state change (inside
//! the transaction that makes the change), signing checkpoints with the node's log key, serving
//! entries and RFC 6962 proofs, the readable trail of one letter, the trail bundle an auditor takes
//! away, and re-verifying the whole stored log. The tree arithmetic is `sarabun-audit`'s; the SQL is
//! `sarabun-registry`'s.

use crate::manifest::{ManifestScope, RecipientState, TrailManifest};
use crate::{Actor, Correspondence, RoutingError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use sarabun_audit::{
    AppendPlan, Checkpoint, HashPlan, NoteSigner, RootBuilder, leaf_hash, open_note, parse_verifier_key,
};
use sarabun_domain::EventKind;
use sarabun_domain::Permission;
use sarabun_registry::audit_log;
use sarabun_registry::entity::{audit_checkpoint, audit_entry, delivery, node_key};
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

/// An entry as readers see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrailEntry {
    pub index: u64,
    pub at: String,
    pub actor: String,
    pub office: String,
    pub action: String,
    pub subject: String,
    #[schema(value_type = Object)]
    pub detail: Value,
}

/// A proof answered as in FORMATS.md: hashes in standard base64.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProofView {
    pub tree_size: u64,
    pub hashes: Vec<String>,
}

/// One entry inside a trail bundle: the exact bytes and the inclusion proof into the bundle's
/// checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleEntry {
    pub index: u64,
    /// The entry's canonical JSON, exactly as hashed into the log.
    pub entry: String,
    /// Inclusion proof hashes, standard base64.
    pub inclusion_proof: Vec<String>,
}

/// A document carried in a bundle.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BundleDocument {
    pub name: String,
    pub sha256: String,
    pub role: String,
    /// The bytes, standard base64.
    pub content_base64: String,
}

/// The format of the bundles this node makes.
pub const BUNDLE_FORMAT: &str = "sarabun-trail-bundle/2";

/// Everything an auditor needs to check a letter's trail offline, and that nothing of it was
/// left out.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrailBundle {
    /// `sarabun-trail-bundle/2` (`/1`, made before the manifest, carries none).
    pub format: String,
    pub letter_id: String,
    /// The sealed envelope, compact JWS.
    pub envelope: String,
    /// Every receipt and rejection, compact JWS.
    pub receipts: Vec<String>,
    pub entries: Vec<BundleEntry>,
    /// The signed checkpoint the proofs lead to.
    pub checkpoint: String,
    /// The log's verifier key, `<name>+<hash>+<key>`.
    pub log_key: String,
    #[schema(value_type = Object)]
    pub jwks: sarabun_signing::Jwks,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<BundleDocument>,
    /// The manifest ([`crate::manifest::TrailManifest`]) as a note signed with the log key: the
    /// letter's entry indexes and every recipient's decision at the checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
}

/// What `audit verify` found.
#[derive(Debug, Clone)]
pub struct LogReport {
    pub lines: Vec<String>,
    pub ok: bool,
}

fn b64(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(|h| STANDARD.encode(h)).collect()
}

fn corrupt(message: impl Into<String>) -> RoutingError {
    RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(message.into()))
}

fn audit_error(e: sarabun_audit::AuditError) -> RoutingError {
    corrupt(e.to_string())
}

/// Parses a stored entry for readers.
pub fn trail_entry(model: &audit_entry::Model) -> Result<TrailEntry, RoutingError> {
    let value: Value =
        serde_json::from_str(&model.entry).map_err(|e| corrupt(format!("audit entry {}: {e}", model.idx)))?;
    let text = |k: &str| value[k].as_str().unwrap_or_default().to_owned();
    Ok(TrailEntry {
        index: value["index"].as_u64().unwrap_or(model.idx as u64),
        at: text("at"),
        actor: text("actor"),
        office: text("office"),
        action: text("action"),
        subject: text("subject"),
        detail: value["detail"].clone(),
    })
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
    async fn log_signer(&self) -> Result<NoteSigner, RoutingError> {
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

    async fn run_plan(&self, plan: HashPlan) -> Result<Vec<[u8; 32]>, RoutingError> {
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

    /// One entry by its index, under the one visibility rule of entries ([`EntryScope`]): an
    /// entry of a letter to whoever would see it in that letter's trail (office scoping and
    /// clearance, auditors included); an entry of no letter (directory changes, failed sign-ins) to
    /// auditors only. Anything else is the same `not found` as an index past the end of the log.
    pub async fn audit_entry(&self, actor: &Actor, index: u64) -> Result<(TrailEntry, String), RoutingError> {
        let hidden = || RoutingError::NotFound("audit entry");
        let model = audit_log::entry(&self.db, index).await?.ok_or_else(hidden)?;
        let visible = match &model.letter_id {
            Some(letter_id) => match self.letter_access(actor, letter_id).await {
                Ok((_, deliveries, full)) => EntryScope::new(actor, &deliveries, full).admits(&model),
                Err(RoutingError::NotFound(_)) => false,
                Err(e) => return Err(e),
            },
            None => actor.may(Permission::ReadAllOffices),
        };
        if !visible {
            return Err(hidden());
        }
        Ok((trail_entry(&model)?, model.entry))
    }

    /// The entries of a letter the actor may see (see [`EntryScope`]).
    async fn visible_entries(&self, actor: &Actor, letter_id: &str) -> Result<Vec<audit_entry::Model>, RoutingError> {
        let (_, deliveries, full) = self.readable_letter(actor, letter_id).await?;
        self.entries_visible_to(actor, letter_id, &deliveries, full).await
    }

    /// The entries of a letter already found readable (with its `deliveries`) that `actor` may see.
    pub(crate) async fn entries_visible_to(
        &self,
        actor: &Actor,
        letter_id: &str,
        deliveries: &[delivery::Model],
        full: bool,
    ) -> Result<Vec<audit_entry::Model>, RoutingError> {
        let scope = EntryScope::new(actor, deliveries, full);
        Ok(audit_log::letter_entries(&self.db, letter_id).await?.into_iter().filter(|e| scope.admits(e)).collect())
    }

    /// The trail of one letter in log order, for auditors and the offices involved.
    pub async fn trail(&self, actor: &Actor, letter_id: &str) -> Result<Vec<TrailEntry>, RoutingError> {
        self.visible_entries(actor, letter_id).await?.iter().map(trail_entry).collect()
    }

    /// The trail bundle of a letter, with documents when asked, and its signed manifest. Recorded
    /// as an export. The bundle holds exactly what [`EntryScope`] lets the actor see up to the
    /// checkpoint: those entries, the receipts and rejections of the decisions among them, and a
    /// manifest that lists them all, so that leaving any of them out is found offline.
    pub async fn trail_bundle(
        &self,
        actor: &Actor,
        letter_id: &str,
        with_documents: bool,
    ) -> Result<TrailBundle, RoutingError> {
        let view = self.letter(actor, letter_id).await?;
        self.record_alone(
            AuditEvent::by(
                actor,
                EventKind::LetterTrailExported,
                format!("letter/{letter_id}"),
                json!({"documents": with_documents}),
            )
            .letter(letter_id),
        )
        .await?;
        let checkpoint = self.checkpoint().await?;
        let tree_size = checkpoint.size as u64;
        let (letter, deliveries, full) = self.readable_letter(actor, letter_id).await?;
        let visible: Vec<audit_entry::Model> = self
            .entries_visible_to(actor, letter_id, &deliveries, full)
            .await?
            .into_iter()
            .filter(|e| (e.idx as u64) < tree_size)
            .collect();
        let mut entries = Vec::new();
        for model in &visible {
            let index = model.idx as u64;
            let proof = self.run_plan(HashPlan::inclusion_proof(index, tree_size).map_err(audit_error)?).await?;
            entries.push(BundleEntry { index, entry: model.entry.clone(), inclusion_proof: b64(&proof) });
        }
        // Each recipient as of the checkpoint: decided when its decision entry is inside it.
        let offices = self.office_map().await?;
        let scope = EntryScope::new(actor, &deliveries, full);
        let mut receipts = Vec::new();
        let mut recipients = Vec::new();
        for d in &deliveries {
            let code = offices.get(&d.recipient_office_id).map(|o| o.code.clone()).unwrap_or_default();
            if !scope.shows_delivery(d) {
                recipients.push((code, RecipientState::Withheld));
                continue;
            }
            let decision =
                visible.iter().find(|e| e.delivery_id.as_deref() == Some(d.id.as_str()) && e.action.is_decision());
            let state = match (decision, &d.receipt) {
                (Some(e), Some(receipt)) => {
                    receipts.push(receipt.clone());
                    if e.action.get() == EventKind::DeliveryReceived {
                        RecipientState::Received(e.idx as u64)
                    } else {
                        RecipientState::Rejected(e.idx as u64)
                    }
                }
                _ => RecipientState::Undecided,
            };
            recipients.push((code, state));
        }
        let root: [u8; 32] = hex::decode(&checkpoint.root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| corrupt("stored checkpoint root is not 32 bytes of hex"))?;
        let manifest = TrailManifest {
            letter_id: letter_id.to_owned(),
            tree_size,
            root,
            scope: if full { ManifestScope::All } else { ManifestScope::Office(actor.office_code.to_string()) },
            entries: entries.iter().map(|e| e.index).collect(),
            recipients,
        };
        let manifest = self.log_signer().await?.sign_note(&manifest.to_note_text()).map_err(audit_error)?;
        let mut documents = Vec::new();
        if with_documents {
            for d in &view.documents {
                if let Some(bytes) = self.blobs.read(&d.sha256).await.map_err(|e| RoutingError::Blob(e.to_string()))? {
                    documents.push(BundleDocument {
                        name: d.name.clone(),
                        sha256: d.sha256.clone(),
                        role: if d.position == 0 { "body".into() } else { "enclosure".into() },
                        content_base64: STANDARD.encode(bytes),
                    });
                }
            }
        }
        Ok(TrailBundle {
            format: BUNDLE_FORMAT.into(),
            letter_id: letter_id.to_owned(),
            envelope: letter.envelope,
            receipts,
            entries,
            checkpoint: checkpoint.note,
            log_key: self.log_verifier_key().await?,
            jwks: self.jwks().await?,
            documents,
            manifest: Some(manifest),
        })
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

/// The one visibility rule for the audit entries of a letter the reader may read (found so by
/// `readable_letter`: office scoping and clearance). The sending office and auditors (`full`) see
/// every entry; a recipient office sees the letter's sending and recall, what concerns its own
/// delivery and what its own people did — never what another recipient did. The trail, the trail
/// bundle and entries read by index all ask this one type.
pub(crate) struct EntryScope {
    full: bool,
    own_deliveries: Vec<String>,
    own_office: String,
}

impl EntryScope {
    /// The scope of `actor` on a letter with `deliveries`.
    pub(crate) fn new(actor: &Actor, deliveries: &[delivery::Model], full: bool) -> Self {
        let own_deliveries =
            deliveries.iter().filter(|d| d.recipient_office_id == actor.office_id).map(|d| d.id.clone()).collect();
        Self { full, own_deliveries, own_office: actor.office_code.to_string() }
    }

    /// Whether the reader may see this delivery's decision.
    pub(crate) fn shows_delivery(&self, delivery: &delivery::Model) -> bool {
        self.full || self.own_deliveries.contains(&delivery.id)
    }

    /// Whether the reader may see `entry` (an entry of the letter).
    pub(crate) fn admits(&self, entry: &audit_entry::Model) -> bool {
        self.full
            || matches!(entry.action.get(), EventKind::LetterSent | EventKind::LetterRecalled)
            || entry.delivery_id.as_deref().is_some_and(|d| self.own_deliveries.iter().any(|o| o == d))
            || serde_json::from_str::<Value>(&entry.entry).is_ok_and(|v| v["office"] == self.own_office.as_str())
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
