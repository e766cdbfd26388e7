//! The core of Sarabun's tamper-evident audit log: a transparency log whose entries (one per state
//! change or read of a secret letter) are leaves of an RFC 6962 Merkle tree, whose tree heads are
//! published as C2SP checkpoints signed with the node's log key, and whose inclusion and
//! consistency proofs let an auditor check, offline, that an entry is in the log and that the log
//! was only ever appended to.
//!
//! The crate is pure: no I/O, no database, no clock. Storage is reached through the synchronous
//! [`tree::HashReader`], or, for an async database, through plans ([`tree::HashPlan`],
//! [`tree::AppendPlan`]) that name the stored hashes to fetch and then assemble the result; the
//! server writes what an append yields in the same transaction as the entry.
//!
//! - [`merkle`]: hashing, streaming roots, proof verification (no storage needed).
//! - [`tree`]: the stored-hash layout, tree heads and proofs from storage, [`MemoryStore`].
//! - [`note`]: C2SP signed notes with Ed25519 keys.
//! - [`checkpoint`]: C2SP tlog-checkpoint bodies inside signed notes.
//! - [`cosignature`]: C2SP tlog-cosignature (`cosignature/v1`), witnesses' cosignatures.
//! - [`witness`]: the request body of C2SP tlog-witness's `add-checkpoint`.
//!
//! ```
//! use sarabun_audit::*;
//!
//! let mut log = MemoryStore::new();
//! for entry in [&b"{\"index\":0}"[..], b"{\"index\":1}", b"{\"index\":2}"] {
//!     log.append(entry);
//! }
//! let root = tree_hash(3, &log)?;
//!
//! // The node signs a checkpoint; an auditor holding the verifier key opens it ...
//! let signer = NoteSigner::new("sarabun.example/audit", ed25519_dalek::SigningKey::from_bytes(&[7; 32]))?;
//! let note = signer.sign_checkpoint(&Checkpoint::new("sarabun.example/audit", 3, root))?;
//! let verifier = parse_verifier_key(&signer.verifier_key_string())?;
//! let checkpoint = open_note(&note, &[verifier])?;
//!
//! // ... and checks an entry against it with an inclusion proof.
//! let proof = inclusion_proof(1, checkpoint.size, &log)?;
//! verify_inclusion(&leaf_hash(b"{\"index\":1}"), 1, checkpoint.size, &proof, &checkpoint.root)?;
//! # Ok::<(), AuditError>(())
//! ```

pub mod checkpoint;
pub mod cosignature;
mod error;
pub mod merkle;
pub mod note;
pub mod tree;
pub mod witness;

pub use checkpoint::{Checkpoint, open_note};
pub use cosignature::{
    CosignatureVerifier, Cosigned, Cosigner, parse_cosigner_key, parse_signature_lines, verify_cosignatures,
};
pub use error::AuditError;
pub use merkle::{
    EMPTY_ROOT, Hash, RootBuilder, empty_root, leaf_hash, node_hash, root_from_inclusion_proof, root_of_leaves,
    verify_consistency, verify_inclusion,
};
pub use note::{NoteSigner, Verifier, parse_verifier_key};
pub use tree::{
    AppendPlan, HashPlan, HashReader, MAX_TREE_SIZE, MemoryStore, consistency_proof, inclusion_proof,
    stored_hash_count, stored_hash_index, stored_hashes_for_append, tree_hash,
};
pub use witness::AddCheckpoint;
