//! The audit log as the offices and auditors use it: recording one entry per state change (inside
//! the transaction that makes the change), integrating the recorded entries into the tree in
//! batches, signing checkpoints with the node's log key, serving RFC 6962 proofs, and re-verifying
//! the whole stored log; the readable trail of one letter and the bundle an auditor takes away are
//! in `trail`. The tree arithmetic is `sarabun-audit`'s; the SQL is `sarabun-registry`'s.
//!
//! One file per use: `record` (an entry queued with its change), `sequencer` (the queue
//! integrated into the log), `checkpoint` (the log key, signed checkpoints and proofs), `verify`
//! (`audit verify`).

mod checkpoint;
mod record;
mod sequencer;
mod verify;

pub(crate) use sequencer::Sequencer;

use crate::{Actor, RoutingError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sarabun_domain::EventKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
