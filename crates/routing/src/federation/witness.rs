//! Witnessed checkpoints (issue #18): every node witnesses its pinned peers' audit logs, and has its
//! own log witnessed by them, per C2SP tlog-witness and tlog-cosignature.
//!
//! As a **witness**, a node takes a peer's `add-checkpoint` request, checks the checkpoint's
//! signature with the log key of the pinned peer's verified description, and cosigns it with its
//! witness key (sealed in `node_keys` like the other node keys) only when it is consistent with the
//! last checkpoint of that log it cosigned, which it remembers (`witness_logs`). A checkpoint that is
//! not — a consistency proof that does not verify, or the same size with another root — is a
//! **split view**: refused, and the alarm is raised (an audit entry `exchange.split_view`, an error
//! log line, the counter `sarabun_witness_split_views_total`, the alarm in the peers' view); the log
//! is then refused until an operator clears it ([`Correspondence::clear_witnessed_log`]).
//!
//! As a **log**, a node offers its latest checkpoint to every pinned peer's witness with a
//! consistency proof from the size that witness last cosigned, keeps the cosignatures that verify
//! with the witness key of the peer's description (`audit_cosignatures`), and serves its checkpoint
//! with them appended. The HTTP client is the edge's: this module only sees bytes.

use super::tracking::PeerView;
use crate::audit::{audit_error, corrupt};
use crate::{Actor, Correspondence, Counted, RoutingError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sarabun_audit::witness::AddCheckpoint;
use sarabun_audit::{
    Cosigner, EMPTY_ROOT, HashPlan, open_note, parse_cosigner_key, parse_signature_lines, parse_verifier_key,
    verify_consistency, verify_cosignatures,
};
use sarabun_domain::EventKind;
use sarabun_federation::NodeDescription;
use sarabun_registry::entity::{audit_checkpoint, audit_cosignature, witness_log};
use sarabun_registry::{audit_log, federation as store, witness as witness_store};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// The name under which the witness key is kept in `node_keys`.
const WITNESS_KEY_NAME: &str = "federation-witness";

/// The path of the witness's `add-checkpoint`, below the node's endpoint.
pub const ADD_CHECKPOINT_PATH: &str = "/federation/v1/witness/add-checkpoint";

/// Why a witness refuses an `add-checkpoint` request (each is an HTTP status of tlog-witness).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessRefusal {
    /// The body is not an `add-checkpoint` request, or `old` is beyond the checkpoint (400).
    #[error("malformed add-checkpoint request: {0}")]
    Malformed(String),
    /// The checkpoint's origin is no pinned peer's log (404).
    #[error("no pinned peer's log has origin {0}")]
    UnknownLog(String),
    /// No signature verifies with the peer's log key (403).
    #[error("the checkpoint is not signed by the log key of {0}")]
    NotSigned(String),
    /// The consistency proof does not verify: a split view, the alarm is raised (422).
    #[error("the checkpoint of {0} is not consistent with the last one cosigned: {1}")]
    Inconsistent(String, String),
    /// The log's alarm is raised: nothing of it is cosigned until an operator clears it (422).
    #[error("the log {0} is refused since a split view: {1}")]
    Alarmed(String, String),
}

/// A witness's answer to an `add-checkpoint` it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessAnswer {
    /// `200`: the cosignature line(s), each ending in a newline.
    Cosigned(String),
    /// `409`: `old` is not the size last cosigned, which is this (or, with an alarm raised since,
    /// the same size with another root).
    Conflict(u64),
}

/// One peer's witness to offer this node's latest checkpoint to.
#[derive(Debug, Clone)]
pub struct WitnessRequest {
    /// The peer's fingerprint.
    pub peer: String,
    /// `{endpoint}/federation/v1/witness/add-checkpoint`.
    pub url: String,
    /// The size of the checkpoint offered.
    pub size: u64,
    /// The size the peer's witness last cosigned, as this node knows it.
    pub old_size: u64,
}

/// What this node, as a witness, holds of a peer's log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WitnessedLogView {
    /// The log's origin.
    pub origin: String,
    /// The size and root (hex) of the last checkpoint cosigned.
    pub cosigned_size: u64,
    pub cosigned_root: String,
    pub cosigned_at: chrono::DateTime<chrono::Utc>,
    /// The split-view alarm, when raised: what was inconsistent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A pinned peer, and what this node witnessed of its log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WitnessedPeerView {
    #[serde(flatten)]
    pub peer: PeerView,
    /// The peer's witness key, from its description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub witness_key: String,
    /// Its log as this node witnesses it; absent before the first checkpoint cosigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnessed_log: Option<WitnessedLogView>,
}

fn refuse(r: WitnessRefusal) -> RoutingError {
    RoutingError::Witness(r)
}

fn hex32(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The witness name of a node whose log has origin `origin`: `<host>/witness` for `<host>/audit`.
fn witness_name(origin: &str) -> String {
    format!("{}/witness", origin.strip_suffix("/audit").unwrap_or(origin))
}

/// The witness key a peer's stored description publishes (empty when none).
fn peer_witness_key(peer: &sarabun_registry::entity::federation_peer::Model) -> String {
    serde_json::from_slice::<NodeDescription>(&super::peers::payload_of(&peer.description))
        .map(|d| d.witness_key)
        .unwrap_or_default()
}

impl Correspondence {
    /// The witness key, creating and sealing it on first use, under the node's witness name.
    pub(crate) async fn witness_cosigner(&self) -> Result<Cosigner, RoutingError> {
        let key = self.sealed_node_key(&self.db, WITNESS_KEY_NAME).await?;
        Cosigner::new(witness_name(&self.audit_origin), key).map_err(audit_error)
    }

    /// The witness's verifier key (C2SP vkey, type 0x04), as published in the node description.
    pub async fn witness_key(&self) -> Result<String, RoutingError> {
        Ok(self.witness_cosigner().await?.verifier().to_key_string())
    }

    /// Takes a peer's `add-checkpoint` request (C2SP tlog-witness) and answers it: the cosignature,
    /// or the size last cosigned. The check of `old` and the move to the new checkpoint are one
    /// conditional write, so racing requests cannot roll the witness back.
    pub async fn witness_add_checkpoint(&self, body: &[u8]) -> Result<WitnessAnswer, RoutingError> {
        let request = AddCheckpoint::parse(body).map_err(|e| refuse(WitnessRefusal::Malformed(e.to_string())))?;
        let origin = request.checkpoint.split('\n').next().unwrap_or_default().to_owned();
        // The pinned peers whose log has this origin (one, unless a peer claims another's name: then
        // the one whose key signed it).
        let mut candidates = Vec::new();
        for peer in store::peers(&self.db).await? {
            if self.exchange.pin(&peer.fingerprint).is_none() {
                continue;
            }
            if let Ok(key) = parse_verifier_key(&peer.log_key)
                && key.name() == origin
            {
                candidates.push((peer.fingerprint, key));
            }
        }
        if candidates.is_empty() {
            return Err(refuse(WitnessRefusal::UnknownLog(origin)));
        }
        let Some((peer, checkpoint)) = candidates
            .into_iter()
            .find_map(|(peer, key)| open_note(&request.checkpoint, std::slice::from_ref(&key)).ok().map(|c| (peer, c)))
        else {
            return Err(refuse(WitnessRefusal::NotSigned(origin)));
        };
        if checkpoint.origin != origin {
            return Err(refuse(WitnessRefusal::NotSigned(origin)));
        }
        if request.old_size > checkpoint.size {
            return Err(refuse(WitnessRefusal::Malformed(format!(
                "old size {} is beyond the checkpoint's {}",
                request.old_size, checkpoint.size
            ))));
        }
        let now = self.clock.now();
        let state = witness_store::witness_log(&self.db, &origin).await?;
        if let Some(s) = &state
            && let Some(alarm) = &s.alarm
        {
            tracing::warn!(peer = %peer, origin = %origin, "a checkpoint of a log under a split-view alarm refused");
            return Err(refuse(WitnessRefusal::Alarmed(origin, alarm.clone())));
        }
        let (last_size, last_root) =
            state.as_ref().map_or((0, hex32(&EMPTY_ROOT)), |s| (s.size as u64, s.root.clone()));
        if request.old_size != last_size {
            return Ok(WitnessAnswer::Conflict(last_size));
        }
        let root = hex32(&checkpoint.root);
        let next = witness_log::Model {
            origin: origin.clone(),
            peer: peer.clone(),
            size: checkpoint.size as i64,
            root: root.clone(),
            note: request.checkpoint.clone(),
            cosigned_at: now,
            alarm: None,
            alarm_at: None,
            evidence: None,
        };
        let moved = match &state {
            None => witness_store::first_cosigned(&self.db, next).await?,
            Some(_) => {
                let last: [u8; 32] = hex::decode(&last_root)
                    .ok()
                    .and_then(|r| r.try_into().ok())
                    .ok_or_else(|| corrupt(format!("witnessed root of {origin} is not hex")))?;
                let consistent = if checkpoint.size == last_size {
                    (checkpoint.root == last).then_some(()).ok_or_else(|| {
                        format!("size {last_size} was cosigned with root {last_root}, now presented with root {root}")
                    })
                } else {
                    verify_consistency(last_size, checkpoint.size, &last, &checkpoint.root, &request.proof)
                        .map_err(|e| format!("no consistency from size {last_size} to size {}: {e}", checkpoint.size))
                };
                if let Err(reason) = consistent {
                    self.raise_split_view(&peer, &origin, &reason, &request.checkpoint).await?;
                    if checkpoint.size == last_size {
                        return Ok(WitnessAnswer::Conflict(last_size));
                    }
                    return Err(refuse(WitnessRefusal::Inconsistent(origin, reason)));
                }
                witness_store::advance(&self.db, last_size as i64, &last_root, &next).await?
            }
        };
        if !moved {
            // Another request moved the log (or raised its alarm) since it was read.
            let now_at = witness_store::witness_log(&self.db, &origin).await?;
            return match now_at {
                Some(s) if s.alarm.is_some() => {
                    Err(refuse(WitnessRefusal::Alarmed(origin, s.alarm.unwrap_or_default())))
                }
                other => Ok(WitnessAnswer::Conflict(other.map_or(0, |s| s.size as u64))),
            };
        }
        let text = checkpoint.to_note_text().map_err(audit_error)?;
        let line = self.witness_cosigner().await?.cosign(&text, now.timestamp().max(0) as u64).map_err(audit_error)?;
        tracing::debug!(peer = %peer, origin = %origin, size = checkpoint.size, "cosigned a peer's checkpoint");
        Ok(WitnessAnswer::Cosigned(line))
    }

    /// Raises the split-view alarm on a peer's log: the audit entry, the error line and the counter,
    /// once (a log already under alarm keeps the first evidence).
    async fn raise_split_view(
        &self,
        peer: &str,
        origin: &str,
        reason: &str,
        evidence: &str,
    ) -> Result<(), RoutingError> {
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !witness_store::raise_alarm(&txn, origin, reason, evidence, now).await? {
            txn.rollback().await?;
            return Ok(());
        }
        let event = super::node_event(
            EventKind::SplitView,
            format!("node/{peer}"),
            json!({"peer": peer, "origin": origin, "reason": reason, "checkpoint": evidence}),
        );
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        self.integrate().await?;
        self.meter.count(Counted::SplitView);
        tracing::error!(peer = %peer, origin = %origin, reason = %reason,
            "SPLIT VIEW: a peer presented a checkpoint inconsistent with the one this node cosigned; its log is refused until an operator clears it");
        Ok(())
    }

    /// Clears a witnessed log after a split view, on an operator's decision: the alarm, the evidence
    /// and the last cosigned checkpoint are forgotten, so the log's next checkpoint is cosigned as a
    /// first one. An audit entry by `operator`. Returns whether the log was known.
    pub async fn clear_witnessed_log(&self, operator: &str, origin: &str) -> Result<bool, RoutingError> {
        let Some(state) = witness_store::witness_log(&self.db, origin).await? else {
            return Ok(false);
        };
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        witness_store::forget(&txn, origin).await?;
        let mut event = super::node_event(
            EventKind::WitnessCleared,
            format!("node/{}", state.peer),
            json!({"peer": state.peer, "origin": origin, "size": state.size, "root": state.root, "alarm": state.alarm}),
        );
        event.actor = operator.to_owned();
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        self.integrate().await?;
        tracing::warn!(origin = %origin, operator = %operator, "witnessed log cleared by an operator");
        Ok(true)
    }

    /// The pinned peers, each with its witness key and what this node witnessed of its log.
    pub async fn peers_witnessed(&self, actor: &Actor) -> Result<Vec<WitnessedPeerView>, RoutingError> {
        let logs = witness_store::witness_logs(&self.db).await?;
        let stored = store::peers(&self.db).await?;
        let mut out = Vec::new();
        for peer in self.peers(actor).await? {
            let witness_key =
                stored.iter().find(|p| p.fingerprint == peer.fingerprint).map(peer_witness_key).unwrap_or_default();
            let witnessed_log = logs.iter().find(|l| l.peer == peer.fingerprint).map(|l| WitnessedLogView {
                origin: l.origin.clone(),
                cosigned_size: l.size as u64,
                cosigned_root: l.root.clone(),
                cosigned_at: l.cosigned_at,
                alarm: l.alarm.clone(),
                alarm_at: l.alarm_at,
            });
            out.push(WitnessedPeerView { peer, witness_key, witnessed_log });
        }
        Ok(out)
    }

    /// The witnesses that have not cosigned this node's latest checkpoint yet: every pinned peer
    /// whose description publishes a witness key.
    pub async fn witness_requests(&self) -> Result<Vec<WitnessRequest>, RoutingError> {
        let Some(latest) = audit_log::latest_checkpoint(&self.db).await? else {
            return Ok(Vec::new());
        };
        let have = witness_store::cosignatures(&self.db, latest.size).await?;
        let mut out = Vec::new();
        for peer in store::peers(&self.db).await? {
            if self.exchange.pin(&peer.fingerprint).is_none() {
                continue;
            }
            let Ok(witness) = parse_cosigner_key(&peer_witness_key(&peer)) else { continue };
            if have.iter().any(|c| c.witness == witness.name()) {
                continue;
            }
            let old_size = witness_store::last_cosigned_by(&self.db, witness.name()).await?.unwrap_or(0) as u64;
            out.push(WitnessRequest {
                url: format!("{}{ADD_CHECKPOINT_PATH}", peer.endpoint.trim_end_matches('/')),
                peer: peer.fingerprint,
                size: latest.size as u64,
                old_size: old_size.min(latest.size as u64),
            });
        }
        Ok(out)
    }

    /// The `add-checkpoint` body offering checkpoint `size` to a witness that last cosigned
    /// `old_size`: the consistency proof between them and the signed note.
    pub async fn add_checkpoint_body(&self, size: u64, old_size: u64) -> Result<String, RoutingError> {
        let checkpoint = self.checkpoint_of_size(size).await?;
        if old_size > size {
            return Err(corrupt(format!("a witness cosigned size {old_size}, beyond this log's checkpoint {size}")));
        }
        let proof = if old_size == 0 || old_size == size {
            Vec::new()
        } else {
            self.run_plan(HashPlan::consistency_proof(old_size, size).map_err(audit_error)?).await?
        };
        Ok(AddCheckpoint { old_size, proof, checkpoint: checkpoint.note }.to_body())
    }

    async fn checkpoint_of_size(&self, size: u64) -> Result<audit_checkpoint::Model, RoutingError> {
        witness_store::checkpoint_of_size(&self.db, size as i64)
            .await?
            .ok_or_else(|| corrupt(format!("no checkpoint of size {size}")))
    }

    /// Keeps the cosignature a peer's witness answered for checkpoint `size`: the lines that verify
    /// with the witness key of the peer's description. Returns how many were kept.
    pub async fn cosignature_received(&self, peer: &str, size: u64, answer: &str) -> Result<usize, RoutingError> {
        let stored = store::peer(&self.db, peer).await?.ok_or_else(|| RoutingError::PeerUnknown(peer.to_owned()))?;
        let witness = parse_cosigner_key(&peer_witness_key(&stored))
            .map_err(|e| RoutingError::PeerSignature(format!("the peer's witness key: {e}")))?;
        let checkpoint = self.checkpoint_of_size(size).await?;
        let text =
            open_note(&checkpoint.note, &[parse_verifier_key(&self.log_verifier_key().await?).map_err(audit_error)?])
                .and_then(|c| c.to_note_text())
                .map_err(audit_error)?;
        let lines = parse_signature_lines(answer).map_err(|e| RoutingError::PeerSignature(e.to_string()))?;
        let good = verify_cosignatures(&text, &lines, std::slice::from_ref(&witness))
            .map_err(|e| RoutingError::PeerSignature(e.to_string()))?;
        let Some(found) = good.first() else {
            return Err(RoutingError::PeerSignature("no cosignature by the peer's witness key".into()));
        };
        // Keep the verified line exactly as signed-note writes it.
        let sig = lines.iter().find(|s| witness.matches(s)).ok_or_else(|| corrupt("verified line vanished"))?;
        let mut raw = sig.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.signature);
        let line = format!("\u{2014} {} {}\n", sig.name, STANDARD.encode(raw));
        witness_store::save_cosignature(
            &self.db,
            audit_cosignature::Model {
                size: size as i64,
                witness: found.witness.clone(),
                peer: peer.to_owned(),
                line,
                cosigned_at: self.clock.now(),
            },
        )
        .await?;
        Ok(good.len())
    }

    /// A checkpoint note with the cosignatures it got appended (signed-note: readers that do not
    /// know the witness keys ignore the extra lines).
    pub async fn with_cosignatures(&self, checkpoint: &audit_checkpoint::Model) -> Result<String, RoutingError> {
        let mut note = checkpoint.note.clone();
        for c in witness_store::cosignatures(&self.db, checkpoint.size).await? {
            note.push_str(&c.line);
        }
        Ok(note)
    }

    /// `note` (a checkpoint of this node's log) with the cosignatures of its size it does not carry yet.
    pub async fn cosigned(&self, note: &str) -> Result<String, RoutingError> {
        let size = note.split('\n').nth(1).and_then(|s| s.parse::<i64>().ok()).unwrap_or(-1);
        let mut out = note.to_owned();
        for c in witness_store::cosignatures(&self.db, size).await? {
            if !out.contains(&c.line) {
                out.push_str(&c.line);
            }
        }
        Ok(out)
    }

    /// The latest checkpoint (signing a new one when the log has grown) with its cosignatures, as
    /// served at `GET /audit/checkpoint`.
    pub async fn cosigned_checkpoint(&self) -> Result<String, RoutingError> {
        let checkpoint = self.checkpoint().await?;
        self.with_cosignatures(&checkpoint).await
    }
}
