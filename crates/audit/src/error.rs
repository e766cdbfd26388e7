//! The one error type of this crate. Callers (the HTTP layer, `sarabun verify`) match on
//! [`AuditError::code`] rather than on messages, so codes are part of the public contract and
//! must not change once released; messages may be reworded freely.

/// Everything that can go wrong while building, proving, verifying or signing the audit log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The node store could not deliver hashes (database error, missing row, short answer).
    #[error("audit hash storage: {0}")]
    Storage(String),

    /// A leaf index was not inside the tree it was asked about.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size it was asked against.
        size: u64,
    },

    /// Two tree sizes that must be ordered (old ≤ new, or size ≤ stored size) are not.
    #[error("tree size {old} cannot precede tree size {new}")]
    InvalidTreeSizes {
        /// The size that should be the smaller one.
        old: u64,
        /// The size that should be the larger one.
        new: u64,
    },

    /// A tree size beyond what the storage layout can index (2^62 leaves).
    #[error("tree size {0} is too large")]
    TreeTooLarge(u64),

    /// An inclusion proof does not lead from the leaf to the given root.
    #[error("inclusion proof does not verify")]
    InclusionProofInvalid,

    /// A consistency proof does not show the old tree to be a prefix of the new one.
    #[error("consistency proof does not verify")]
    ConsistencyProofInvalid,

    /// A signed note does not follow the C2SP signed-note syntax.
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),

    /// A note's text is not a C2SP tlog-checkpoint body.
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),

    /// A key name is empty or contains a space or a plus sign.
    #[error("invalid key name")]
    InvalidKeyName,

    /// A verifier key string (`name+hash+key`) could not be parsed or does not hash to its id.
    #[error("malformed verifier key: {0}")]
    MalformedVerifierKey(&'static str),

    /// Several configured verifiers share one key name and key id, so a signature is ambiguous.
    #[error("ambiguous verifier key {0}")]
    AmbiguousKey(String),

    /// A signature by a known key failed to verify: the whole note is rejected.
    #[error("invalid signature for key {0}")]
    InvalidSignature(String),

    /// A cosignature (C2SP tlog-cosignature) or a witness's answer is not well formed.
    #[error("malformed cosignature: {0}")]
    MalformedCosignature(&'static str),

    /// An `add-checkpoint` request body (C2SP tlog-witness) is not well formed.
    #[error("malformed add-checkpoint request: {0}")]
    MalformedWitnessRequest(&'static str),

    /// The note parsed, but none of its signatures is by a known key.
    #[error("note has no signature by a known key")]
    NoKnownSignature,
}

impl AuditError {
    /// A stable, machine-readable code for this error, e.g. for an API error body.
    pub fn code(&self) -> &'static str {
        match self {
            AuditError::Storage(_) => "audit.storage",
            AuditError::IndexOutOfRange { .. } => "audit.index_out_of_range",
            AuditError::InvalidTreeSizes { .. } => "audit.invalid_tree_sizes",
            AuditError::TreeTooLarge(_) => "audit.tree_too_large",
            AuditError::InclusionProofInvalid => "audit.inclusion_proof_invalid",
            AuditError::ConsistencyProofInvalid => "audit.consistency_proof_invalid",
            AuditError::MalformedNote(_) => "audit.malformed_note",
            AuditError::MalformedCheckpoint(_) => "audit.malformed_checkpoint",
            AuditError::InvalidKeyName => "audit.invalid_key_name",
            AuditError::MalformedVerifierKey(_) => "audit.malformed_verifier_key",
            AuditError::AmbiguousKey(_) => "audit.ambiguous_key",
            AuditError::InvalidSignature(_) => "audit.invalid_signature",
            AuditError::MalformedCosignature(_) => "audit.malformed_cosignature",
            AuditError::MalformedWitnessRequest(_) => "audit.malformed_witness_request",
            AuditError::NoKnownSignature => "audit.no_known_signature",
        }
    }
}
