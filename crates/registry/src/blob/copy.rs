//! Moving a node's documents from its local blob directory into another store (`sarabun blobs copy`):
//! every blob is read with its digest checked, written to the target unless the target already holds
//! it intact, and read back from the target with its digest checked again. Re-running it copies only
//! what is still missing, so an interrupted copy is finished by running it again.

use super::{BlobStore, LocalBlobStore, ReadError};

/// What a copy did, blob by blob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Blobs written to the target (and read back intact).
    pub copied: usize,
    /// Blobs the target already held intact.
    pub present: usize,
    /// Digests whose local file is damaged or unreadable: not copied.
    pub damaged: Vec<String>,
}

/// Why a copy stopped before the end.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("listing the local blobs: {0}")]
    List(std::io::Error),
    #[error("writing {sha256} to the target: {message}")]
    Write { sha256: String, message: String },
    /// The target gave back something else than was written, or nothing.
    #[error("the target does not give {sha256} back intact: {source}")]
    Verify { sha256: String, source: ReadError },
}

/// Copies every blob of `from` into `to`, checking every digest on both sides.
pub async fn copy_all(from: &LocalBlobStore, to: &dyn BlobStore) -> Result<CopyReport, CopyError> {
    let mut report = CopyReport::default();
    for sha256 in from.digests().await.map_err(CopyError::List)? {
        if to.read(&sha256).await.is_ok() {
            report.present += 1;
            continue;
        }
        let bytes = match from.read(&sha256).await {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!(error = %e, "blobs copy: a local blob is damaged; not copied");
                report.damaged.push(sha256);
                continue;
            }
        };
        let stored = to
            .put_bytes(bytes)
            .await
            .map_err(|e| CopyError::Write { sha256: sha256.clone(), message: e.to_string() })?;
        debug_assert_eq!(stored.sha256, sha256, "a verified read hashes to its name");
        to.read(&sha256).await.map_err(|source| CopyError::Verify { sha256: sha256.clone(), source })?;
        report.copied += 1;
    }
    Ok(report)
}
