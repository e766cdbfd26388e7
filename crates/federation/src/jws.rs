//! Compact JWS (RFC 7515, `EdDSA`) signed by a node key, as `sarabun-signing` signs envelopes and
//! receipts, but with the node's own types (`sarabun-node+jws`, `sarabun-answer+jws`) and verified
//! against one given public key (a pinned node key) instead of a JWK Set. The header is
//! `{"alg":"EdDSA","kid":<fingerprint>,"typ":<typ>}` and the payload canonical JSON.

use crate::{FederationError, fingerprint};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sarabun_signing::canonical;
use serde::Deserialize;
use serde_json::json;

/// The `typ` of a node description.
pub const NODE_TYP: &str = "sarabun-node+jws";
/// The `typ` of an answer to a message.
pub const ANSWER_TYP: &str = "sarabun-answer+jws";

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

/// Signs `payload` (canonically) as a compact JWS of type `typ` with the node key.
pub fn sign<T: serde::Serialize>(typ: &str, payload: &T, key: &SigningKey) -> Result<String, FederationError> {
    let header = canonical::to_vec(&json!({"alg": "EdDSA", "kid": fingerprint(&key.verifying_key()), "typ": typ}))?;
    let payload = canonical::to_canonical(payload)?;
    let mut compact = URL_SAFE_NO_PAD.encode(header);
    compact.push('.');
    compact.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = key.sign(compact.as_bytes());
    compact.push('.');
    compact.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    Ok(compact)
}

/// The parts of a compact JWS before its signature is checked: the `kid` and the payload bytes.
pub struct Unverified<'a> {
    pub kid: String,
    pub typ: String,
    pub payload: Vec<u8>,
    signing_input: &'a str,
    signature: [u8; 64],
}

fn part(text: &str, what: &str) -> Result<Vec<u8>, FederationError> {
    URL_SAFE_NO_PAD.decode(text).map_err(|_| FederationError::Malformed(format!("{what} is not base64url")))
}

/// Splits and decodes `compact` without checking its signature.
pub fn open(compact: &str) -> Result<Unverified<'_>, FederationError> {
    let compact = compact.trim();
    let mut parts = compact.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(FederationError::Malformed("a compact JWS has exactly three parts".into()));
    };
    let header: Header =
        serde_json::from_slice(&part(h, "header")?).map_err(|e| FederationError::Malformed(format!("header: {e}")))?;
    if header.alg != "EdDSA" {
        return Err(FederationError::Malformed(format!("alg {:?} is not EdDSA", header.alg)));
    }
    let signature: [u8; 64] =
        part(s, "signature")?.try_into().map_err(|_| FederationError::Malformed("signature is not 64 bytes".into()))?;
    Ok(Unverified {
        kid: header.kid,
        typ: header.typ,
        payload: part(p, "payload")?,
        signing_input: &compact[..h.len() + 1 + p.len()],
        signature,
    })
}

impl Unverified<'_> {
    /// Checks type, `kid` and signature against `public`, returning the payload.
    pub fn verify(self, typ: &str, public: &VerifyingKey) -> Result<Vec<u8>, FederationError> {
        if self.typ != typ {
            return Err(FederationError::Malformed(format!("typ {:?}, expected {typ:?}", self.typ)));
        }
        if self.kid != fingerprint(public) {
            return Err(FederationError::NotPinned { pinned: fingerprint(public), found: self.kid });
        }
        public
            .verify_strict(self.signing_input.as_bytes(), &Signature::from_bytes(&self.signature))
            .map_err(|_| FederationError::BadSignature)?;
        Ok(self.payload)
    }
}

/// Verifies `compact` of type `typ` against `public` and parses its payload.
pub fn verify<T: serde::de::DeserializeOwned>(
    compact: &str,
    typ: &str,
    public: &VerifyingKey,
) -> Result<T, FederationError> {
    let payload = open(compact)?.verify(typ, public)?;
    serde_json::from_slice(&payload).map_err(|e| FederationError::Malformed(format!("payload: {e}")))
}
