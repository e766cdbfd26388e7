//! The trail of a letter across nodes. A pinned peer asks this node for its own part of the trail
//! of a letter that crossed between them (`GET /federation/v1/trail/{letter_id}`, signed per RFC
//! 9421 by the peer's node key exactly as messages are): this node's bundle of the letter — its
//! entries with inclusion proofs into its latest checkpoint, its log key and its signed manifest.
//! Only a peer the letter went to or came from gets it; anyone else gets `not found`, as for a
//! letter that does not exist. The sending node asks each peer its letter went to when it makes a
//! bundle, and carries the answers beside its own part (`docs/formats.md`, "Peer parts").

use super::IncomingRequest;
use crate::{Actor, Correspondence, RoutingError, SystemTask, TrailBundle};
use sarabun_domain::MessageKind;
use sarabun_federation::httpsig::{SignedHeaders, sign_request};
use sarabun_registry::federation as store;
use sarabun_registry::letters as letters_store;

/// The path of a letter's trail part, below a node's endpoint: `/federation/v1/trail/{letter_id}`.
pub const TRAIL_PATH: &str = "/federation/v1/trail/";

/// A signed request for one peer's part of a letter's trail, for the edge to send.
#[derive(Debug, Clone)]
pub struct PeerTrailRequest {
    /// The peer's fingerprint.
    pub peer: String,
    /// The letter's recipient offices (codes) the peer serves.
    pub recipients: Vec<String>,
    pub url: String,
    pub headers: SignedHeaders,
}

impl Correspondence {
    /// This node's part of the trail of `letter_id` for the pinned peer that signed `req` (see the
    /// module documentation). Recorded as an export by `system:peer-trail`.
    pub async fn peer_trail(&self, req: IncomingRequest, letter_id: &str) -> Result<TrailBundle, RoutingError> {
        let peer = self.signed_by_peer(&req, &format!("{TRAIL_PATH}{letter_id}")).await?;
        let keyid = peer.fingerprint;
        let sent_to_peer = store::outbound_of_letter(&self.db, letter_id)
            .await?
            .iter()
            .any(|o| o.peer == keyid && o.kind.get() == MessageKind::Letter);
        let came_from_peer = store::received_of_letter(&self.db, letter_id)
            .await?
            .iter()
            .any(|r| r.peer == keyid && r.kind.get() == MessageKind::Letter);
        if !(sent_to_peer || came_from_peer) {
            return Err(RoutingError::NotFound("letter"));
        }
        let system = Actor::system(SystemTask::PeerTrail)?;
        self.trail_bundle(&system, letter_id, false).await
    }

    /// The signed requests for the trail parts of every peer `letter_id` went to, one per peer.
    /// Empty for a letter that stayed on this node.
    pub async fn peer_trail_requests(&self, letter_id: &str) -> Result<Vec<PeerTrailRequest>, RoutingError> {
        let mut out: Vec<PeerTrailRequest> = Vec::new();
        let sent = store::outbound_of_letter(&self.db, letter_id).await?;
        if sent.is_empty() {
            return Ok(out);
        }
        let key = self.node_key(&self.db).await?;
        let now = self.clock.now();
        for message in sent.iter().filter(|o| o.kind.get() == MessageKind::Letter) {
            let code = match letters_store::delivery_by_id(&self.db, &message.delivery_id).await? {
                Some(d) => sarabun_registry::directory::office_by_id(&self.db, &d.recipient_office_id)
                    .await?
                    .map(|o| o.code)
                    .unwrap_or_default(),
                None => String::new(),
            };
            if let Some(known) = out.iter_mut().find(|r| r.peer == message.peer) {
                if !known.recipients.contains(&code) {
                    known.recipients.push(code);
                }
                continue;
            }
            let Some(peer) = store::peer(&self.db, &message.peer).await? else { continue };
            let url = format!("{}{TRAIL_PATH}{letter_id}", peer.endpoint.trim_end_matches('/'));
            let headers = sign_request("GET", &url, b"", now, &key);
            out.push(PeerTrailRequest { peer: message.peer.clone(), recipients: vec![code], url, headers });
        }
        Ok(out)
    }
}
