//! Peers: a pinned peer's signed description, fetched by the edge, is verified against the pin and
//! taken into the directory. Its offices become offices here marked remote (`federation_offices`,
//! with their keys), so clerks address them like local ones; each gets a sender stand-in that cannot
//! sign in, under whose name the letters from it are filed. A code that is a local office's is never
//! taken over. A changed description is an audit entry.

use super::PeerPin;
use crate::{Correspondence, RoutingError};
use sarabun_domain::{EventKind, OfficeCode};
use sarabun_federation::description::verify_pinned;
use sarabun_registry::directory::{self, NewOffice};
use sarabun_registry::entity::{federation_office, federation_peer};
use sarabun_registry::federation as store;
use sea_orm::TransactionTrait;
use serde_json::json;

/// The user name of the stand-in sender of a remote office (never signs in: inactive, no password).
pub(crate) fn stand_in_username(code: &str) -> String {
    format!("remote:{code}")
}

impl Correspondence {
    /// Verifies `compact` as the description of the pinned `pin` and takes it into the directory.
    /// Returns the codes of the peer's offices taken.
    pub async fn accept_peer_description(&self, pin: &PeerPin, compact: &str) -> Result<Vec<String>, RoutingError> {
        let description = verify_pinned(compact, &pin.fingerprint).map_err(|e| match e {
            sarabun_federation::FederationError::NotPinned { found, .. } => RoutingError::PeerNotPinned(found),
            other => RoutingError::PeerSignature(other.to_string()),
        })?;
        let now = self.clock.now();
        let before = store::peer(&self.db, &pin.fingerprint).await?;
        let changed = before.as_ref().is_none_or(|b| {
            serde_json::from_slice::<serde_json::Value>(&payload_of(&b.description)).ok().map(|mut v| {
                v["issued_at"] = json!("");
                v
            }) != serde_json::to_value(&description).ok().map(|mut v| {
                v["issued_at"] = json!("");
                v
            })
        });
        let txn = self.db.begin().await?;
        store::save_peer(
            &txn,
            federation_peer::Model {
                fingerprint: pin.fingerprint.clone(),
                url: pin.url.clone(),
                endpoint: description.endpoint.clone(),
                node_key: description.node_key.clone(),
                log_key: description.log_key.clone(),
                description: compact.trim().to_owned(),
                refreshed_at: now,
            },
        )
        .await?;
        let mut taken = Vec::new();
        for office in &description.offices {
            let Ok(code) = OfficeCode::parse(&office.code) else { continue };
            let id = match directory::office_by_code(&txn, &code).await? {
                Some(existing) => match store::remote_office(&txn, &existing.id).await? {
                    Some(remote) if remote.peer == pin.fingerprint => existing.id,
                    _ => {
                        tracing::warn!(code = %code, peer = %pin.fingerprint, "a peer describes an office this node has already; not taken");
                        continue;
                    }
                },
                None => {
                    let new = NewOffice {
                        code: code.clone(),
                        name_th: office.name_th.clone(),
                        name_en: office.name_en.clone(),
                        parent_id: None,
                        inbox_email: String::new(),
                    };
                    let made = directory::insert_office(&txn, new, now).await?;
                    store::insert_stand_in(&txn, &made.id, &stand_in_username(code.as_str()), &office.name_th, now)
                        .await?;
                    made.id
                }
            };
            let keys = sarabun_signing::Jwks { keys: office.keys.clone() };
            store::save_remote_office(
                &txn,
                federation_office::Model {
                    office_id: id,
                    peer: pin.fingerprint.clone(),
                    keys_json: serde_json::to_string(&keys).unwrap_or_default(),
                    refreshed_at: now,
                },
            )
            .await?;
            taken.push(office.code.clone());
        }
        if changed {
            let event = super::node_event(
                EventKind::PeerRefreshed,
                format!("node/{}", pin.fingerprint),
                json!({"peer": pin.fingerprint, "endpoint": description.endpoint, "offices": taken, "log_key": description.log_key}),
            );
            self.record(&txn, now, event).await?;
        }
        txn.commit().await?;
        if changed {
            tracing::info!(peer = %pin.fingerprint, offices = taken.len(), "peer description taken");
        }
        Ok(taken)
    }
}

/// The payload bytes of a compact JWS (already verified when stored).
pub(crate) fn payload_of(compact: &str) -> Vec<u8> {
    sarabun_federation::jws::open(compact).map(|o| o.payload).unwrap_or_default()
}
