//! The offices a request names, kept for a moment by id, so that the letter path (a receive names
//! its own office and the sender's) reads no office rows on a warm node, however large the
//! directory. Offices are only ever added, never changed in place; the short life
//! ([`DIRECTORY_CACHE_FOR`], as for the whole directory) bounds what a restore or a hand edit of
//! the database could leave stale.

use crate::directory::DIRECTORY_CACHE_FOR;
use crate::{Correspondence, RoutingError};
use sarabun_registry::directory;
use sarabun_registry::entity::office;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The most offices kept; past it the cache starts afresh (a listing naming many offices must not
/// grow it without bound).
const MOST_KEPT: usize = 4096;

/// Offices by id, each with when it was read.
#[derive(Debug, Clone, Default)]
pub(crate) struct OfficeCache(Arc<Mutex<HashMap<String, (Instant, office::Model)>>>);

impl OfficeCache {
    /// Forgets every office kept (after this node added or changed one).
    pub(crate) fn forget(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
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
        {
            let kept = self.office_cache.0.lock().unwrap_or_else(|e| e.into_inner());
            for id in ids {
                match kept.get(id).filter(|(at, _)| at.elapsed() < DIRECTORY_CACHE_FOR) {
                    Some((_, office)) => {
                        found.insert(id.to_owned(), office.clone());
                    }
                    None => missing.push(id),
                }
            }
        }
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(found);
        }
        let read = directory::offices_by_ids(&self.db, &missing).await?;
        let mut kept = self.office_cache.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() + read.len() > MOST_KEPT {
            kept.clear();
        }
        let now = Instant::now();
        for office in read {
            kept.insert(office.id.clone(), (now, office.clone()));
            found.insert(office.id.clone(), office);
        }
        Ok(found)
    }
}
