//! The offices a request names, kept for a moment by id, and whether each is served by another
//! node (and which), so that the letter path (a send names its recipients, a receive its own
//! office and the sender's) reads no office rows on a warm node, however large the directory.
//! Offices are only ever added, never changed in place, and an office is remote from the
//! transaction that adds it; the short life ([`DIRECTORY_CACHE_FOR`], as for the whole directory)
//! bounds what a restore or a hand edit of the database could leave stale.

use crate::directory::DIRECTORY_CACHE_FOR;
use crate::kept::Kept;
use crate::{Correspondence, RoutingError};
use sarabun_registry::entity::office;
use sarabun_registry::{directory, federation};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;

/// The most offices kept; past it the cache starts afresh (a listing naming many offices must not
/// grow it without bound).
const MOST_KEPT: usize = 4096;

/// Offices by id, and the peer serving each remote office (`None`: served here).
#[derive(Debug, Clone)]
pub(crate) struct OfficeCache {
    offices: Kept<office::Model>,
    peers: Kept<Option<String>>,
}

impl Default for OfficeCache {
    fn default() -> Self {
        Self { offices: Kept::new(DIRECTORY_CACHE_FOR, MOST_KEPT), peers: Kept::new(DIRECTORY_CACHE_FOR, MOST_KEPT) }
    }
}

impl OfficeCache {
    /// Forgets every office kept (after this node added or changed one).
    pub(crate) fn forget(&self) {
        self.offices.forget();
        self.peers.forget();
    }
}

impl Correspondence {
    /// The offices with these ids, by id: only those a view names, so that a request costs the same
    /// with ten offices in the directory as with ten thousand; those read within
    /// [`DIRECTORY_CACHE_FOR`] are not read again.
    pub(crate) async fn offices_named<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, office::Model>, RoutingError> {
        let mut found = HashMap::new();
        let mut missing: Vec<&str> = Vec::new();
        for id in ids {
            match self.office_cache.offices.fresh(id) {
                Some(office) => {
                    found.insert(id.to_owned(), office);
                }
                None => missing.push(id),
            }
        }
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(found);
        }
        let read = directory::offices_by_ids(&self.db, &missing).await?;
        self.office_cache.offices.keep(read.iter().map(|o| (o.id.clone(), o.clone())));
        found.extend(read.into_iter().map(|o| (o.id.clone(), o)));
        Ok(found)
    }

    /// The fingerprint of the peer that serves `office_id` when it is an office of another node,
    /// `None` when it is this node's: as read within [`DIRECTORY_CACHE_FOR`], else read through
    /// `conn` (the caller's transaction, so that SQLite's one connection is not asked twice).
    pub(crate) async fn remote_peer(
        &self,
        conn: &impl ConnectionTrait,
        office_id: &str,
    ) -> Result<Option<String>, RoutingError> {
        if let Some(peer) = self.office_cache.peers.fresh(office_id) {
            return Ok(peer);
        }
        let peer = federation::remote_office(conn, office_id).await?.map(|remote| remote.peer);
        self.office_cache.peers.keep([(office_id.to_owned(), peer.clone())]);
        Ok(peer)
    }
}
