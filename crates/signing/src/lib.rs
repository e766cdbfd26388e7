//! Trust between offices: each office's Ed25519 key (generated, sealed at rest under the node's
//! master key, published in a JWK Set), the compact JWS that seals a letter's envelope and signs each
//! receipt or rejection, and the verification an auditor or another office runs with public keys alone.
//! No database and no clock: callers pass keys and times in. Formats follow
//! `shared/design/FORMATS.md` byte for byte (RFC 7515, RFC 8037, RFC 7517, RFC 8785 for our subset).

pub mod canonical;
pub mod jwks;
pub mod jws;
pub mod keys;
pub mod payload;

pub use jwks::{Jwk, Jwks};
pub use jws::{JwsKind, Verified};
pub use keys::{MasterKey, OfficeKey, kid_of};
pub use payload::{Decision, DocumentRef, EnvelopePayload, LetterReference, ReceiptPayload};

/// Everything that can go wrong while sealing, signing or verifying.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("the master key must be 32 bytes in base64: {0}")]
    MasterKey(String),
    #[error("a sealed private key could not be opened: wrong master key or damaged data")]
    Unseal,
    #[error("malformed JWS: {0}")]
    Malformed(String),
    #[error("JWS type is {found:?}, expected {expected:?}")]
    WrongType { expected: &'static str, found: String },
    #[error("no published key has kid {0:?}")]
    UnknownKey(String),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("{0}")]
    Claim(String),
    #[error("value cannot be written as canonical JSON: {0}")]
    Canonical(String),
    #[error("randomness unavailable: {0}")]
    Random(String),
}

impl SigningError {
    /// A stable snake_case code for APIs and CLI output.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MasterKey(_) => "bad_master_key",
            Self::Unseal => "unseal_failed",
            Self::Malformed(_) => "malformed_jws",
            Self::WrongType { .. } => "wrong_jws_type",
            Self::UnknownKey(_) => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Claim(_) => "claim_mismatch",
            Self::Canonical(_) => "not_canonical",
            Self::Random(_) => "no_randomness",
        }
    }
}

/// SHA-256 of `bytes` as 64 lowercase hex characters, the digest form used on the wire.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
