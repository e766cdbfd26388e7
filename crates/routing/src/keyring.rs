//! Office private keys in use: loaded from the database, opened with the master key, and kept open in
//! memory so that signing a receipt costs microseconds, not a decryption per request.

use crate::RoutingError;
use chrono::{DateTime, Utc};
use sarabun_registry::directory;
use sarabun_signing::{MasterKey, OfficeKey};
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The master key and a cache of opened office keys by kid.
#[derive(Debug, Clone)]
pub struct KeyRing {
    master: MasterKey,
    open: Arc<RwLock<HashMap<String, OfficeKey>>>,
}

impl KeyRing {
    /// A key ring sealing and opening with `master`.
    pub fn new(master: MasterKey) -> Self {
        Self { master, open: Arc::default() }
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
        let row = directory::signing_key_row(conn, office_id, at)
            .await?
            .ok_or(RoutingError::NotFound("signing key of the office"))?;
        if let Some(key) = self.open.read().unwrap_or_else(|e| e.into_inner()).get(&row.kid) {
            return Ok((key.clone(), row.valid_until));
        }
        let key = self.master.open(&row.kid, &row.sealed_private_key)?;
        self.open.write().unwrap_or_else(|e| e.into_inner()).insert(row.kid.clone(), key.clone());
        Ok((key, row.valid_until))
    }
}
