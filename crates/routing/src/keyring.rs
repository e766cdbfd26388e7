//! Office private keys in use: loaded from the database, opened with the master key, and kept open in
//! memory so that signing a receipt costs microseconds, not a decryption per request. Which keys an
//! office has is kept for a moment too ([`KEY_ROWS_FOR`]), so a receive does not read them again.

use crate::RoutingError;
use crate::kept::Kept;
use chrono::{DateTime, Utc};
use sarabun_registry::directory;
use sarabun_registry::entity::office_key;
use sarabun_signing::{MasterKey, OfficeKey};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How long an office's key rows, once read, answer which key it signs with. Keys are only ever
/// added (a new office's first key), never changed in place, and a key's end (`valid_until`) is
/// part of the row kept, so what a short cache can miss is only a key added meanwhile by another
/// node: it is used after this long.
pub const KEY_ROWS_FOR: Duration = Duration::from_secs(2);

/// The most offices whose key rows are kept (more than sign at once on any node).
const MOST_KEPT: usize = 4096;

/// The master key, a cache of opened office keys by kid, and each office's key rows for a moment.
#[derive(Debug, Clone)]
pub struct KeyRing {
    master: MasterKey,
    open: Arc<RwLock<HashMap<String, OfficeKey>>>,
    /// Each office's key rows, the newest first.
    rows: Kept<Arc<Vec<office_key::Model>>>,
}

impl KeyRing {
    /// A key ring sealing and opening with `master`.
    pub fn new(master: MasterKey) -> Self {
        Self { master, open: Arc::default(), rows: Kept::new(KEY_ROWS_FOR, MOST_KEPT) }
    }

    /// The master key, for sealing new office keys.
    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    /// The key `office_id` signs with at `at`.
    pub async fn signing_key(
        &self,
        conn: &impl ConnectionTrait,
        office_id: &str,
        at: DateTime<Utc>,
    ) -> Result<OfficeKey, RoutingError> {
        Ok(self.signing_key_until(conn, office_id, at).await?.0)
    }

    /// The key `office_id` signs with at `at`, and until when it may (`None`: until revoked), so a
    /// caller can read it before a transaction and use it at a later instant while still in force.
    pub async fn signing_key_until(
        &self,
        conn: &impl ConnectionTrait,
        office_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(OfficeKey, Option<DateTime<Utc>>), RoutingError> {
        let rows = self.key_rows(conn, office_id).await?;
        let row = directory::key_in_force(&rows, at).ok_or(RoutingError::NotFound("signing key of the office"))?;
        if let Some(key) = self.open.read().unwrap_or_else(|e| e.into_inner()).get(&row.kid) {
            return Ok((key.clone(), row.valid_until));
        }
        let key = self.master.open(&row.kid, &row.sealed_private_key)?;
        self.open.write().unwrap_or_else(|e| e.into_inner()).insert(row.kid.clone(), key.clone());
        Ok((key, row.valid_until))
    }

    /// `office_id`'s key rows, newest first: as read within [`KEY_ROWS_FOR`], else read now. Never
    /// called inside a transaction that adds keys (only creating an office does, and it signs
    /// nothing), so what is kept was committed.
    async fn key_rows(
        &self,
        conn: &impl ConnectionTrait,
        office_id: &str,
    ) -> Result<Arc<Vec<office_key::Model>>, RoutingError> {
        if let Some(rows) = self.rows.fresh(office_id) {
            return Ok(rows);
        }
        let rows = Arc::new(directory::office_key_rows(conn, office_id).await?);
        self.rows.keep([(office_id.to_owned(), rows.clone())]);
        Ok(rows)
    }
}
