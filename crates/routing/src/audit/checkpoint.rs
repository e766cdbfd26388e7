//! The log's signed head and its proofs: the node's log key (made and sealed on first use),
//! checkpoints signed as C2SP signed notes, and RFC 6962 inclusion and consistency proofs read
//! from the stored hashes.

use super::{LOG_KEY_NAME, ProofView, audit_error, b64, corrupt};
use crate::{Correspondence, RoutingError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sarabun_audit::{Checkpoint, HashPlan, NoteSigner};
use sarabun_registry::audit_log;
use sarabun_registry::entity::{audit_checkpoint, node_key};
use sarabun_signing::OfficeKey;

impl Correspondence {
    /// The node's log signer, creating and sealing the log key on first use.
    pub(crate) async fn log_signer(&self) -> Result<NoteSigner, RoutingError> {
        let key = match audit_log::node_key(&self.db, LOG_KEY_NAME).await? {
            Some(row) => self.keys.master().open(&row.kid, &row.sealed_private_key)?,
            None => {
                let key = OfficeKey::generate()?;
                let row = node_key::Model {
                    name: LOG_KEY_NAME.into(),
                    kid: key.kid().to_owned(),
                    public_key: STANDARD.encode(key.public().as_bytes()),
                    sealed_private_key: self.keys.master().seal(&key)?,
                    created_at: self.clock.now(),
                };
                audit_log::insert_node_key(&self.db, row).await?;
                // Another node may have won the race; use whichever key is stored.
                let row =
                    audit_log::node_key(&self.db, LOG_KEY_NAME).await?.ok_or_else(|| corrupt("log key vanished"))?;
                self.keys.master().open(&row.kid, &row.sealed_private_key)?
            }
        };
        NoteSigner::new(self.audit_origin.clone(), key.signing_key().clone()).map_err(audit_error)
    }

    /// The log's verifier key string, as published at `/audit/key`.
    pub async fn log_verifier_key(&self) -> Result<String, RoutingError> {
        Ok(self.log_signer().await?.verifier_key_string())
    }

    /// The latest signed checkpoint, signing a new one first when the log has grown since.
    pub async fn checkpoint(&self) -> Result<audit_checkpoint::Model, RoutingError> {
        self.integrate().await?;
        let size = audit_log::size(&self.db).await?;
        if let Some(latest) = audit_log::latest_checkpoint(&self.db).await?
            && latest.size as u64 == size
        {
            return Ok(latest);
        }
        let root = self.tree_hash(size).await?;
        let note = self
            .log_signer()
            .await?
            .sign_checkpoint(&Checkpoint::new(self.audit_origin.clone(), size, root))
            .map_err(audit_error)?;
        audit_log::insert_checkpoint(
            &self.db,
            audit_checkpoint::Model { size: size as i64, root: hex_of(&root), note, signed_at: self.clock.now() },
        )
        .await?;
        tracing::info!(size, "audit checkpoint signed");
        audit_log::latest_checkpoint(&self.db).await?.ok_or_else(|| corrupt("checkpoint vanished"))
    }

    pub(crate) async fn run_plan(&self, plan: HashPlan) -> Result<Vec<[u8; 32]>, RoutingError> {
        let read = audit_log::read_hashes(&self.db, plan.indexes()).await?;
        plan.finish(&read).map_err(audit_error)
    }

    pub(super) async fn tree_hash(&self, size: u64) -> Result<[u8; 32], RoutingError> {
        let hashes = self.run_plan(HashPlan::tree_hash(size).map_err(audit_error)?).await?;
        hashes.first().copied().ok_or_else(|| corrupt("tree hash plan gave nothing"))
    }

    fn check_sizes(&self, first: u64, second: u64, size: u64, what: &'static str) -> Result<(), RoutingError> {
        if first > second || second > size || (what == "index" && first >= second) {
            return Err(RoutingError::Field {
                field: what,
                message: format!("out of range for a log of {size} entries"),
            });
        }
        Ok(())
    }

    /// The inclusion proof of entry `index` in the tree of `tree_size` entries.
    pub async fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<ProofView, RoutingError> {
        self.integrate().await?;
        self.check_sizes(index, tree_size, audit_log::size(&self.db).await?, "index")?;
        let hashes = self.run_plan(HashPlan::inclusion_proof(index, tree_size).map_err(audit_error)?).await?;
        Ok(ProofView { tree_size, hashes: b64(&hashes) })
    }

    /// The consistency proof between two tree sizes.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<ProofView, RoutingError> {
        self.integrate().await?;
        self.check_sizes(from, to, audit_log::size(&self.db).await?, "from")?;
        let hashes = self.run_plan(HashPlan::consistency_proof(from, to).map_err(audit_error)?).await?;
        Ok(ProofView { tree_size: to, hashes: b64(&hashes) })
    }
}

/// Hexadecimal digits of a hash, as `audit_checkpoints.root` keeps it.
fn hex_of(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
