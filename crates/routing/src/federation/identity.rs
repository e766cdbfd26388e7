//! The node's identity: its Ed25519 node key, created on first use and sealed under the master key
//! in `node_keys` like the audit log key, and the description it signs with it — endpoint, node key,
//! the offices it serves (not the remote ones) with their keys, and its log key.

use crate::{Correspondence, RoutingError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;
use sarabun_federation::{FEDERATION_VERSION, NodeDescription, NodeOffice, fingerprint};
use sarabun_registry::entity::node_key;
use sarabun_registry::{audit_log, directory, federation as store};
use sarabun_signing::OfficeKey;
use sarabun_signing::payload::wire_time;
use sea_orm::ConnectionTrait;
use std::collections::HashSet;

/// The name under which the node key is kept in `node_keys`.
const NODE_KEY_NAME: &str = "federation-node";

impl Correspondence {
    /// The node key, creating and sealing it on first use.
    pub(crate) async fn node_key(&self, conn: &impl ConnectionTrait) -> Result<SigningKey, RoutingError> {
        self.sealed_node_key(conn, NODE_KEY_NAME).await
    }

    /// The node's Ed25519 key kept in `node_keys` under `name`, sealed under the master key: created
    /// on first use; when several processes of the node race, whichever key was stored first wins.
    pub(crate) async fn sealed_node_key(
        &self,
        conn: &impl ConnectionTrait,
        name: &str,
    ) -> Result<SigningKey, RoutingError> {
        if let Some(row) = audit_log::node_key(conn, name).await? {
            return Ok(self.keys.master().open(&row.kid, &row.sealed_private_key)?.signing_key().clone());
        }
        let key = OfficeKey::generate()?;
        let row = node_key::Model {
            name: name.into(),
            kid: key.kid().to_owned(),
            public_key: STANDARD.encode(key.public().as_bytes()),
            sealed_private_key: self.keys.master().seal(&key)?,
            created_at: self.clock.now(),
        };
        audit_log::insert_node_key(conn, row).await?;
        // Another process of the node may have won the race; use whichever key is stored.
        let row = audit_log::node_key(conn, name)
            .await?
            .ok_or(RoutingError::Internal(format!("node key {name} vanished")))?;
        tracing::info!(key = name, fingerprint = %fingerprint(&key.public()), "created a node key");
        Ok(self.keys.master().open(&row.kid, &row.sealed_private_key)?.signing_key().clone())
    }

    /// This node's fingerprint (SHA-256 of its node key, hex), which peers pin.
    pub async fn node_fingerprint(&self) -> Result<String, RoutingError> {
        Ok(fingerprint(&self.node_key(&self.db).await?.verifying_key()))
    }

    /// The node's description, signed with the node key (compact JWS, `sarabun-node+jws`).
    pub async fn node_description(&self) -> Result<String, RoutingError> {
        let key = self.node_key(&self.db).await?;
        let remote: HashSet<String> = store::remote_offices(&self.db).await?.into_iter().map(|o| o.office_id).collect();
        let jwks = self.jwks().await?;
        let offices = directory::offices(&self.db)
            .await?
            .into_iter()
            .filter(|o| !remote.contains(&o.id))
            .map(|o| NodeOffice {
                keys: jwks.keys.iter().filter(|k| k.office == o.code).cloned().collect(),
                code: o.code,
                name_th: o.name_th,
                name_en: o.name_en,
            })
            .collect();
        let description = NodeDescription {
            v: FEDERATION_VERSION,
            node: fingerprint(&key.verifying_key()),
            node_key: NodeDescription::encode_key(&key.verifying_key()),
            endpoint: self.exchange.endpoint.trim_end_matches('/').to_owned(),
            log_key: self.log_verifier_key().await?,
            witness_key: self.witness_key().await?,
            offices,
            issued_at: wire_time(self.clock.now()),
        };
        description.sign(&key).map_err(super::protocol)
    }
}
