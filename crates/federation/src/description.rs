//! The node description a node publishes at `/.well-known/sarabun-node`: who it is (its node key and
//! fingerprint), where it takes messages (its endpoint), the offices it serves with their public keys,
//! and its audit log key. It is a compact JWS of type `sarabun-node+jws` signed by the node key
//! itself; a peer trusts it only when the key's fingerprint is the one its operator pinned.

use crate::jws::{self, NODE_TYP};
use crate::{FEDERATION_VERSION, FederationError, fingerprint};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use sarabun_signing::{Jwk, Jwks};
use serde::{Deserialize, Serialize};

/// One office the node serves, with every key it signs or signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeOffice {
    /// The office's letter code, e.g. `กค 0400`.
    pub code: String,
    pub name_th: String,
    pub name_en: String,
    /// Its keys, as in the node's JWK Set (each names this office).
    pub keys: Vec<Jwk>,
}

/// The signed payload of a node description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDescription {
    /// Always [`FEDERATION_VERSION`].
    pub v: u32,
    /// The node's fingerprint (SHA-256 of `node_key`, hex).
    pub node: String,
    /// The node key: raw 32-byte Ed25519 public key, base64url without padding.
    pub node_key: String,
    /// The base URL peers post to (`{endpoint}/federation/v1/messages`), without a trailing slash.
    pub endpoint: String,
    /// The audit log's C2SP verifier key (`origin+keyhash+base64`), as at `/audit/key`.
    pub log_key: String,
    /// The node's witness key, a C2SP tlog-cosignature verifier key (`name+keyid+base64(0x04 ‖ key)`):
    /// it cosigns the checkpoints of the node's peers' logs. Absent from descriptions of nodes that
    /// do not witness.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub witness_key: String,
    /// The offices this node serves.
    pub offices: Vec<NodeOffice>,
    /// When the description was signed, RFC 3339 UTC.
    pub issued_at: String,
}

impl NodeDescription {
    /// Signs the description with the node key.
    pub fn sign(&self, key: &SigningKey) -> Result<String, FederationError> {
        jws::sign(NODE_TYP, self, key)
    }

    /// The node key as a verifying key.
    pub fn verifying_key(&self) -> Result<VerifyingKey, FederationError> {
        decode_key(&self.node_key)
    }

    /// The offices' keys as one JWK Set.
    pub fn jwks(&self) -> Jwks {
        Jwks { keys: self.offices.iter().flat_map(|o| o.keys.iter().cloned()).collect() }
    }

    /// The public node key in the description's encoding.
    pub fn encode_key(public: &VerifyingKey) -> String {
        URL_SAFE_NO_PAD.encode(public.as_bytes())
    }
}

/// Decodes a raw base64url Ed25519 public key.
pub fn decode_key(text: &str) -> Result<VerifyingKey, FederationError> {
    let raw =
        URL_SAFE_NO_PAD.decode(text).map_err(|_| FederationError::Malformed("node_key is not base64url".into()))?;
    let raw: [u8; 32] = raw.try_into().map_err(|_| FederationError::Malformed("node_key is not 32 bytes".into()))?;
    VerifyingKey::from_bytes(&raw).map_err(|_| FederationError::Malformed("node_key is not a valid point".into()))
}

/// Verifies a description against the pinned fingerprint: the key it carries must hash to `pinned`,
/// sign it, and every office key must name its office.
pub fn verify_pinned(compact: &str, pinned: &str) -> Result<NodeDescription, FederationError> {
    let opened = jws::open(compact)?;
    let claimed: NodeDescription =
        serde_json::from_slice(&opened.payload).map_err(|e| FederationError::Malformed(format!("description: {e}")))?;
    let public = claimed.verifying_key()?;
    let found = fingerprint(&public);
    if found != pinned {
        return Err(FederationError::NotPinned { pinned: pinned.to_owned(), found });
    }
    opened.verify(NODE_TYP, &public)?;
    if claimed.v != FEDERATION_VERSION || claimed.node != found {
        return Err(FederationError::Malformed("version or node does not match the key".into()));
    }
    for office in &claimed.offices {
        if let Some(key) = office.keys.iter().find(|k| k.office != office.code) {
            return Err(FederationError::Malformed(format!("key {} of {} names {}", key.kid, office.code, key.office)));
        }
    }
    Ok(claimed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn description(key: &SigningKey) -> NodeDescription {
        NodeDescription {
            v: FEDERATION_VERSION,
            node: fingerprint(&key.verifying_key()),
            node_key: NodeDescription::encode_key(&key.verifying_key()),
            endpoint: "http://127.0.0.2:8080".into(),
            log_key: "a.example/audit+01234567+AAAA".into(),
            witness_key: String::new(),
            offices: vec![],
            issued_at: "2026-12-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_description_verifies_only_against_its_pin() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let signed = description(&key).sign(&key).unwrap();
        let pin = fingerprint(&key.verifying_key());
        assert_eq!(verify_pinned(&signed, &pin).unwrap(), description(&key));
        let other = fingerprint(&SigningKey::from_bytes(&[8; 32]).verifying_key());
        assert!(matches!(verify_pinned(&signed, &other), Err(FederationError::NotPinned { .. })));
        // A description naming another key than the one that signed it fails.
        let mut forged = description(&key);
        forged.endpoint = "http://evil".into();
        let forged = jws::sign(NODE_TYP, &forged, &SigningKey::from_bytes(&[8; 32])).unwrap();
        assert!(verify_pinned(&forged, &pin).is_err());
    }
}
