//! Exchange between independent Sarabun nodes, as bytes on the wire and nothing else: the node's
//! signed description (`/.well-known/sarabun-node`), the messages one node posts to another
//! (`/federation/v1/messages`: a letter for a recipient office, an office's decision on one, or a
//! recall), the resumable upload of documents (`/federation/v1/documents/{sha256}`, `Content-Range`
//! chunks), and
//! the signed answers, and the HTTP Message Signature (RFC 9421, `ed25519`) with the Content-Digest
//! (RFC 9530) that every message carries. No database, no clock and no HTTP client: callers pass keys,
//! times and bytes in. The protocol is written down in `docs/federation.md`.

pub mod description;
pub mod httpsig;
pub mod jws;
pub mod message;
pub mod upload;

pub use description::{NodeDescription, NodeOffice};
pub use message::{Answer, AnswerStatus, ListedDocument, Message, MessageBody};

use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};

/// The version of every federation payload.
pub const FEDERATION_VERSION: u32 = 1;

/// A node's fingerprint: SHA-256 of the node key's 32 raw bytes, lower-case hex (64 characters).
/// Operators pin peers by it; it is the `keyid` of the node's HTTP signatures and JWS.
pub fn fingerprint(public: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(public.as_bytes()))
}

/// Whether `text` has the shape of a fingerprint (64 lower-case hex characters).
pub fn is_fingerprint(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What can be wrong with a description, a message, an answer or a request signature.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("the signature does not verify")]
    BadSignature,
    #[error("node key {found} is not the pinned {pinned}")]
    NotPinned { pinned: String, found: String },
    #[error("signature: {0}")]
    Signature(String),
    #[error(transparent)]
    Signing(#[from] sarabun_signing::SigningError),
}
