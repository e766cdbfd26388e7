//! The audit trail of one letter as its readers see it: the entries the reader may see (the one
//! rule is [`crate::access::EntryScope`]), one entry by index, and the trail bundle an auditor takes
//! away — envelope, receipts, entries with inclusion proofs, a signed checkpoint, the keys and a
//! manifest signed with the log key that says what the bundle holds and what was left out.

use crate::access::EntryScope;
use crate::audit::{audit_error, b64, corrupt};
use crate::manifest::{ManifestScope, RecipientState, TrailManifest};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sarabun_audit::HashPlan;
use sarabun_domain::{EventKind, Permission};
use sarabun_registry::audit_log;
use sarabun_registry::entity::{audit_entry, delivery};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

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

/// The role of a bundle document that is a matter's latest routed copy (named `routed-<delivery>.pdf`).
pub const ROUTED_ROLE: &str = "routed";

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
    /// The node's certificate authority root (PEM), which signers' PDF signatures chain to; carried
    /// when the node has one. An auditor pins their own copy with `sarabun verify --ca`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// The manifest ([`crate::manifest::TrailManifest`]) as a note signed with the log key: the
    /// letter's entry indexes and every recipient's decision at the checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    /// For a letter that crossed to other nodes: each peer's own part of the trail, fetched from
    /// the peer when the bundle was made (`docs/formats.md`, "Peer parts"). Outside the manifest,
    /// so a tool that ignores it still verifies the rest as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<PeerPart>,
}

/// A peer node's part of a letter's trail, carried in the sender's bundle: the peer's own bundle
/// of the letter (its entries, proofs, checkpoint, log key and manifest), or why it is missing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PeerPart {
    /// The peer's node fingerprint (SHA-256 of its node key, hex).
    pub peer: String,
    /// The recipient offices (codes) of the letter that the peer serves.
    pub recipients: Vec<String>,
    /// The peer's bundle of the letter, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub bundle: Option<Box<TrailBundle>>,
    /// Why the peer's part is missing, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
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
    /// One entry by its index, under the one visibility rule of entries ([`EntryScope`]): an
    /// entry of a letter to whoever would see it in that letter's trail (office scoping and
    /// clearance, auditors included); an entry of no letter (directory changes, failed sign-ins) to
    /// auditors only. Anything else is the same `not found` as an index past the end of the log.
    pub async fn audit_entry(&self, actor: &Actor, index: u64) -> Result<(TrailEntry, String), RoutingError> {
        let hidden = || RoutingError::NotFound("audit entry");
        self.integrate().await?;
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
        self.integrate().await?;
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
        let offices = self.offices_named(deliveries.iter().map(|d| d.recipient_office_id.as_str())).await?;
        let scope = EntryScope::new(actor, &deliveries, full);
        let mut receipts = Vec::new();
        let mut recipients = Vec::new();
        for d in &deliveries {
            let code = offices.get(&d.recipient_office_id).map(|o| o.code.clone()).unwrap_or_default();
            if !scope.shows_delivery(d) {
                recipients.push((code, RecipientState::Withheld));
                continue;
            }
            // A remote recipient's decision is the `exchange.decision_arrived` entry that recorded it.
            let decision = visible.iter().find(|e| {
                e.delivery_id.as_deref() == Some(d.id.as_str())
                    && (e.action.is_decision() || e.action.get() == EventKind::DecisionArrived)
            });
            let state = match (decision, &d.receipt) {
                (Some(e), Some(receipt)) => {
                    receipts.push(receipt.clone());
                    if e.action.get() == EventKind::DeliveryReceived
                        || (e.action.get() == EventKind::DecisionArrived && arrived_decision(e) == Some("received"))
                    {
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
                let bytes = self.blobs.read(&d.sha256).await?;
                documents.push(BundleDocument {
                    name: d.name.clone(),
                    sha256: d.sha256.clone(),
                    role: if d.position == 0 { "body".into() } else { "enclosure".into() },
                    content_base64: STANDARD.encode(bytes),
                });
            }
            // The latest routed copy of each matter whose steps the bundle carries: every earlier
            // copy, the stamped one included, is a prefix of it, which `sarabun verify` checks.
            for d in deliveries.iter().filter(|d| scope.shows_delivery(d)) {
                let routed = visible
                    .iter()
                    .any(|e| e.action.get().is_route_step() && e.delivery_id.as_deref() == Some(d.id.as_str()));
                let Some(matter) = sarabun_registry::route::matter_of(&self.db, &d.id).await? else { continue };
                if !routed {
                    continue;
                }
                let bytes = self.blobs.read(&matter.routed_sha256).await?;
                documents.push(BundleDocument {
                    name: format!("routed-{}.pdf", d.id),
                    sha256: matter.routed_sha256.clone(),
                    role: ROUTED_ROLE.into(),
                    content_base64: STANDARD.encode(bytes),
                });
            }
        }
        Ok(TrailBundle {
            format: BUNDLE_FORMAT.into(),
            letter_id: letter_id.to_owned(),
            envelope: letter.envelope,
            receipts,
            entries,
            checkpoint: self.with_cosignatures(&checkpoint).await?,
            log_key: self.log_verifier_key().await?,
            jwks: self.letter_jwks(&letter.office_id, &deliveries).await?,
            documents,
            ca_pem: sarabun_registry::drafts::node_ca(&self.db).await?.map(|ca| ca.cert_pem),
            manifest: Some(manifest),
            peers: Vec::new(),
        })
    }

    /// The node's published keys, and for a letter that crossed nodes the keys of its remote
    /// offices (the sender's or the recipients') as their node's description gave them, so that
    /// envelopes and receipts signed at another node verify with the bundle's JWK Set.
    async fn letter_jwks(
        &self,
        sender_office: &str,
        deliveries: &[delivery::Model],
    ) -> Result<sarabun_signing::Jwks, RoutingError> {
        let mut jwks = self.jwks().await?;
        let offices = std::iter::once(sender_office).chain(deliveries.iter().map(|d| d.recipient_office_id.as_str()));
        let mut seen = std::collections::HashSet::new();
        for office in offices.filter(|o| seen.insert(*o)) {
            let Some(remote) = sarabun_registry::federation::remote_office(&self.db, office).await? else { continue };
            if let Ok(keys) = serde_json::from_str::<sarabun_signing::Jwks>(&remote.keys_json) {
                let new: Vec<_> = keys.keys.into_iter().filter(|k| !jwks.keys.iter().any(|j| j.kid == k.kid)).collect();
                jwks.keys.extend(new);
            }
        }
        Ok(jwks)
    }
}

/// The decision (`received` or `rejected`) an `exchange.decision_arrived` entry records.
fn arrived_decision(model: &audit_entry::Model) -> Option<&'static str> {
    let value: Value = serde_json::from_str(&model.entry).ok()?;
    ["received", "rejected"].into_iter().find(|d| value["detail"]["decision"] == *d)
}
