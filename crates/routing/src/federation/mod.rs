//! Exchange with other Sarabun nodes (issue #18, first slice), one file per job: `identity` (the
//! node key and the signed description at `/.well-known/sarabun-node`), `peers` (the pinned peers'
//! descriptions taken into the directory as remote offices), `outbound` (messages queued in the
//! transaction of a send or a decision, signed and handed to the edge to post, and the answers they
//! get), `inbound` (a peer's message verified and taken exactly once, answered at once with a signed
//! answer), `tracking` (what the sender sees per remote recipient), `queue` (the operator's view of
//! the queue of messages to peers, with retry-now and cancel), `trail` (a letter's trail across
//! nodes: each node's own part, asked for by its peer) and `witness` (cosigning the peers'
//! checkpoints and having this node's own cosigned by them). The protocol is in
//! `docs/federation.md`; its bytes are `sarabun-federation`'s. The HTTP client is the edge's: this
//! module only ever sees bytes. `documents` takes the resumable uploads of a letter's documents that
//! precede its message.

mod documents;
mod identity;
mod inbound;
mod outbound;
mod peers;
mod queue;
mod tracking;
mod trail;
mod witness;

pub use documents::UploadRefusal;
pub use inbound::{IncomingRequest, Taken};
pub(crate) use outbound::RemoteLetter;
pub use outbound::{DocumentToPush, Outgoing};
pub use queue::{PeerQueueView, QueuedMessageView};
pub use tracking::{PeerView, RecallState, RemoteRecallView, RemoteRecipientView, RemoteState};
pub use trail::{PeerTrailRequest, TRAIL_PATH};
pub use witness::{
    ADD_CHECKPOINT_PATH, WitnessAnswer, WitnessRefusal, WitnessRequest, WitnessedLogView, WitnessedPeerView,
};

use sarabun_domain::RetrySchedule;

/// The path peers post messages to, below their endpoint.
pub const MESSAGES_PATH: &str = "/federation/v1/messages";
/// The path below which peers upload documents, followed by the document's SHA-256 (hex).
pub const DOCUMENTS_PATH: &str = "/federation/v1/documents/";
/// The path of the node's signed description.
pub const DESCRIPTION_PATH: &str = "/.well-known/sarabun-node";

/// A peer an operator pinned: where its description is, and the fingerprint its key must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerPin {
    pub url: String,
    pub fingerprint: String,
}

/// How this node exchanges with others.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    /// This node's base URL as peers reach it (the description's `endpoint`).
    pub endpoint: String,
    /// The pinned peers; nothing is accepted from any other node.
    pub peers: Vec<PeerPin>,
    /// When undelivered messages are tried again.
    pub schedule: RetrySchedule,
    /// Where peers' unfinished document uploads wait (one directory per peer).
    pub staging_dir: std::path::PathBuf,
    /// The largest document taken from a peer, in bytes.
    pub max_document_bytes: u64,
    /// The largest chunk of a document upload, sent and taken, in bytes.
    pub chunk_bytes: u64,
    /// The most bytes of unfinished uploads kept for one peer.
    pub max_staging_bytes: u64,
}

impl Exchange {
    /// The pin of `fingerprint`, when it is a configured peer.
    pub fn pin(&self, fingerprint: &str) -> Option<&PeerPin> {
        self.peers.iter().find(|p| p.fingerprint == fingerprint)
    }
}

/// A protocol failure as the module reports it: `FederationError` in routing's terms.
pub(crate) fn protocol(e: sarabun_federation::FederationError) -> crate::RoutingError {
    crate::RoutingError::Internal(format!("federation: {e}"))
}

/// An audit entry of the exchange itself (no person acts): the actor is `system:exchange`.
pub(crate) fn node_event(
    action: sarabun_domain::EventKind,
    subject: String,
    detail: serde_json::Value,
) -> crate::AuditEvent {
    crate::AuditEvent {
        actor: "system:exchange".into(),
        office: String::new(),
        action,
        subject,
        letter_id: None,
        delivery_id: None,
        detail: crate::audit::detail(detail),
    }
}
