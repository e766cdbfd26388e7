//! Compact JWS (RFC 7515) with `alg` = `EdDSA` (RFC 8037): how a letter's envelope is sealed and how a
//! receipt or rejection is signed. The protected header is `{"alg","kid","typ"}` in canonical JSON; the
//! payload is canonical JSON too, so the same payload always gives the same bytes. Verification needs
//! only a JWK Set, and checks not just the signature but that the key belongs to the office that the
//! payload names and was in force at the time the payload claims.

use crate::canonical;
use crate::payload::{Decision, EnvelopePayload, ReceiptPayload, parse_wire_time};
use crate::{Jwk, Jwks, OfficeKey, SigningError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer};
use serde::Deserialize;
use serde_json::json;

/// The three kinds of signed object, told apart by the header's `typ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwsKind {
    Envelope,
    Receipt,
    Rejection,
}

impl JwsKind {
    /// The `typ` header value.
    pub fn typ(self) -> &'static str {
        match self {
            Self::Envelope => "sarabun-envelope+jws",
            Self::Receipt => "sarabun-receipt+jws",
            Self::Rejection => "sarabun-rejection+jws",
        }
    }

    fn from_typ(typ: &str) -> Option<Self> {
        [Self::Envelope, Self::Receipt, Self::Rejection].into_iter().find(|k| k.typ() == typ)
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

/// Signs `payload` (serialised canonically) as a compact JWS of `kind` with `key`.
pub fn sign<T: serde::Serialize>(kind: JwsKind, payload: &T, key: &OfficeKey) -> Result<String, SigningError> {
    let header = canonical::to_vec(&json!({"alg": "EdDSA", "kid": key.kid(), "typ": kind.typ()}))?;
    let payload = canonical::to_canonical(payload)?;
    let mut compact = URL_SAFE_NO_PAD.encode(header);
    compact.push('.');
    compact.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = key.signing_key().sign(compact.as_bytes());
    compact.push('.');
    compact.push_str(&URL_SAFE_NO_PAD.encode(signature.to_bytes()));
    Ok(compact)
}

/// A JWS whose signature verified against a published key.
#[derive(Debug, Clone)]
pub struct Verified {
    pub kind: JwsKind,
    /// The key that signed it.
    pub key: Jwk,
    /// The payload bytes exactly as signed.
    pub payload: Vec<u8>,
}

fn decode_part(part: &str, what: &str) -> Result<Vec<u8>, SigningError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| SigningError::Malformed(format!("{what} is not base64url without padding")))
}

/// Checks the structure and signature of `compact` against `jwks`.
pub fn verify(compact: &str, jwks: &Jwks) -> Result<Verified, SigningError> {
    let compact = compact.trim();
    let mut parts = compact.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(SigningError::Malformed("a compact JWS has exactly three parts".into()));
    };
    let header: Header = serde_json::from_slice(&decode_part(h, "header")?)
        .map_err(|e| SigningError::Malformed(format!("header: {e}")))?;
    if header.alg != "EdDSA" {
        return Err(SigningError::Malformed(format!("alg {:?} is not EdDSA", header.alg)));
    }
    let kind = JwsKind::from_typ(&header.typ)
        .ok_or(SigningError::WrongType { expected: "sarabun-*+jws", found: header.typ.clone() })?;
    let payload = decode_part(p, "payload")?;
    let signature: [u8; 64] = decode_part(s, "signature")?
        .try_into()
        .map_err(|_| SigningError::Malformed("signature is not 64 bytes".into()))?;
    let jwk = jwks.find(&header.kid).ok_or_else(|| SigningError::UnknownKey(header.kid.clone()))?;
    let public = jwk.verifying_key()?;
    let signing_input = &compact[..h.len() + 1 + p.len()];
    public
        .verify_strict(signing_input.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| SigningError::BadSignature)?;
    Ok(Verified { kind, key: jwk.clone(), payload })
}

fn check_key_in_force(key: &Jwk, office: &str, at: &str) -> Result<(), SigningError> {
    if key.office != office {
        return Err(SigningError::Claim(format!(
            "signed with key {} of office {}, but the payload speaks for {office}",
            key.kid, key.office
        )));
    }
    let at_time = parse_wire_time(at).ok_or_else(|| SigningError::Claim(format!("time {at:?} is not RFC 3339")))?;
    if !key.valid_at(at_time) {
        return Err(SigningError::Claim(format!("key {} was not in force at {at}", key.kid)));
    }
    Ok(())
}

/// Verifies a sealed envelope: signature, type, and that the sending office's key was in force.
pub fn verify_envelope(compact: &str, jwks: &Jwks) -> Result<(EnvelopePayload, Jwk), SigningError> {
    let verified = verify(compact, jwks)?;
    if verified.kind != JwsKind::Envelope {
        return Err(SigningError::WrongType { expected: JwsKind::Envelope.typ(), found: verified.kind.typ().into() });
    }
    let payload: EnvelopePayload = serde_json::from_slice(&verified.payload)
        .map_err(|e| SigningError::Malformed(format!("envelope payload: {e}")))?;
    check_key_in_force(&verified.key, &payload.from, &payload.sealed_at)?;
    Ok((payload, verified.key))
}

/// Verifies a receipt or rejection: signature, that `typ` and `decision` agree, and that the
/// recipient office's key was in force when it decided.
pub fn verify_receipt(compact: &str, jwks: &Jwks) -> Result<(ReceiptPayload, Jwk), SigningError> {
    let verified = verify(compact, jwks)?;
    let payload: ReceiptPayload = serde_json::from_slice(&verified.payload)
        .map_err(|e| SigningError::Malformed(format!("receipt payload: {e}")))?;
    let expected = match payload.decision {
        Decision::Received => JwsKind::Receipt,
        Decision::Rejected => JwsKind::Rejection,
    };
    if verified.kind != expected {
        return Err(SigningError::WrongType { expected: expected.typ(), found: verified.kind.typ().into() });
    }
    check_key_in_force(&verified.key, &payload.recipient, &payload.decided_at)?;
    Ok((payload, verified.key))
}
