//! The JWK Set every node publishes at `/.well-known/jwks.json` (RFC 7517 with the OKP key type of
//! RFC 8037). Besides the standard members each key carries the office it belongs to and its validity
//! period, so that a receipt signed years ago still verifies after the office rotated its key, and a
//! key cannot vouch for another office or for a time outside its period.

use crate::SigningError;
use crate::payload::{parse_wire_time, wire_time};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One published public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The raw 32-byte public key, base64url without padding.
    pub x: String,
    /// First 16 hex characters of SHA-256 of the raw public key.
    pub kid: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub key_use: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// The office letter code the key signs for, e.g. `กค 0302`.
    pub office: String,
    /// Start of the validity period, RFC 3339 UTC.
    pub valid_from: String,
    /// End of the validity period (exclusive), when the key was retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// A JWK Set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwk {
    /// The JWK for `public`, signing for `office` from `valid_from` (until `valid_until`).
    pub fn new(
        office: &str,
        public: &VerifyingKey,
        valid_from: DateTime<Utc>,
        valid_until: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: URL_SAFE_NO_PAD.encode(public.as_bytes()),
            kid: crate::kid_of(public),
            key_use: "sig".into(),
            alg: "EdDSA".into(),
            office: office.into(),
            valid_from: wire_time(valid_from),
            valid_until: valid_until.map(wire_time),
        }
    }

    /// The public key, checked to be a well-formed Ed25519 key whose kid matches.
    pub fn verifying_key(&self) -> Result<VerifyingKey, SigningError> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(SigningError::Claim(format!("key {} is not an Ed25519 OKP key", self.kid)));
        }
        let raw = URL_SAFE_NO_PAD
            .decode(&self.x)
            .map_err(|_| SigningError::Claim(format!("key {} has a malformed x", self.kid)))?;
        let raw: [u8; 32] =
            raw.try_into().map_err(|_| SigningError::Claim(format!("key {} is not 32 bytes", self.kid)))?;
        let key = VerifyingKey::from_bytes(&raw)
            .map_err(|_| SigningError::Claim(format!("key {} is not a valid point", self.kid)))?;
        if crate::kid_of(&key) != self.kid {
            return Err(SigningError::Claim(format!("key {} does not match its kid", self.kid)));
        }
        Ok(key)
    }

    /// Whether the key was in force at `at`.
    pub fn valid_at(&self, at: DateTime<Utc>) -> bool {
        let from = parse_wire_time(&self.valid_from);
        let until = self.valid_until.as_deref().map(parse_wire_time);
        match (from, until) {
            (Some(from), None) => at >= from,
            (Some(from), Some(Some(until))) => at >= from && at < until,
            _ => false,
        }
    }
}

impl Jwks {
    /// The key with `kid`, if published.
    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}
