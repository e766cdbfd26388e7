//! The document store: every uploaded file is kept once, named by its SHA-256, so a document referred
//! to by digest in a sealed envelope can always be found and checked. `LocalBlobStore` keeps files
//! under a directory (the embedded default); the `BlobStore` trait is the seam where an S3-compatible
//! store (`object_store`) plugs in for production.

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// How many leading bytes of a blob are kept for sniffing its type.
pub const HEAD_LEN: usize = 1024;

/// What was stored.
#[derive(Debug, Clone)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// The first bytes, for recognising the file type.
    pub head: Vec<u8>,
    /// The last bytes, for checking a PDF ends like one.
    pub tail: Vec<u8>,
}

/// Why a blob could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    #[error("the upload is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("reading the upload failed: {0}")]
    Source(String),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
}

/// A content-addressed store of documents.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores a stream of bytes, refusing (and keeping nothing of) more than `limit` bytes.
    async fn put_stream(
        &self,
        stream: BoxStream<'_, Result<Bytes, String>>,
        limit: u64,
    ) -> Result<StoredBlob, PutError>;

    /// Stores bytes already in memory.
    async fn put_bytes(&self, bytes: Bytes) -> Result<StoredBlob, PutError> {
        let limit = bytes.len() as u64;
        self.put_stream(futures_util::stream::once(async move { Ok(bytes) }).boxed(), limit).await
    }

    /// Reads a whole blob; `None` when absent.
    async fn read(&self, sha256: &str) -> Result<Option<Bytes>, std::io::Error>;

    /// Whether a blob is present.
    async fn exists(&self, sha256: &str) -> Result<bool, std::io::Error>;

    /// Checks the store can take and give back a file now (for the readiness probe): writes a small
    /// probe object outside the digest namespace, reads it back, compares and removes it.
    async fn probe(&self) -> Result<(), std::io::Error>;
}

/// Creates `dir` and its missing parents readable by the node's user alone (0700): letters are
/// confidential to other accounts on the machine too.
async fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).await
}

/// Creates a new file readable and writable by the node's user alone (0600).
async fn private_file(path: &Path) -> std::io::Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).await
}

/// Blobs as files under a directory: `root/ab/cd/abcd…` (two levels keep directories small).
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// A store rooted at `root`, created if missing.
    pub async fn open(root: impl AsRef<Path>) -> Result<Self, std::io::Error> {
        let root = root.as_ref().to_path_buf();
        private_dir(&root.join("staging")).await?;
        Ok(Self { root })
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.root.join(&sha256[..2]).join(&sha256[2..4]).join(sha256))
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put_stream(
        &self,
        mut stream: BoxStream<'_, Result<Bytes, String>>,
        limit: u64,
    ) -> Result<StoredBlob, PutError> {
        let staging = self.root.join("staging").join(uuid::Uuid::new_v4().to_string());
        let mut file = private_file(&staging).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut head = Vec::with_capacity(HEAD_LEN);
        let mut tail: Vec<u8> = Vec::with_capacity(2 * HEAD_LEN);
        let outcome: Result<(), PutError> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(PutError::Source)?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(PutError::TooLarge { limit });
                }
                hasher.update(&chunk);
                if head.len() < HEAD_LEN {
                    let take = (HEAD_LEN - head.len()).min(chunk.len());
                    head.extend_from_slice(&chunk[..take]);
                }
                tail.extend_from_slice(&chunk[chunk.len().saturating_sub(HEAD_LEN)..]);
                if tail.len() > HEAD_LEN {
                    tail.drain(..tail.len() - HEAD_LEN);
                }
                file.write_all(&chunk).await?;
            }
            file.sync_all().await?;
            Ok(())
        }
        .await;
        drop(file);
        if let Err(e) = outcome {
            let _ = tokio::fs::remove_file(&staging).await;
            return Err(e);
        }
        let sha256 = hex::encode(hasher.finalize());
        let target = self.path_of(&sha256).expect("a hex digest is a valid name");
        if let Some(dir) = target.parent() {
            private_dir(dir).await?;
        }
        // Rename is atomic: a reader sees the whole blob or none, and a crash leaves only staging
        // litter, never a half-written blob under a digest name.
        tokio::fs::rename(&staging, &target).await?;
        Ok(StoredBlob { sha256, size, head, tail })
    }

    async fn read(&self, sha256: &str) -> Result<Option<Bytes>, std::io::Error> {
        let Some(path) = self.path_of(sha256) else { return Ok(None) };
        match tokio::fs::read(path).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn probe(&self) -> Result<(), std::io::Error> {
        // In staging, where a crash's litter is expected anyway, and never under a digest name.
        let path = self.root.join("staging").join(format!("probe-{}", uuid::Uuid::new_v4()));
        let written = format!("sarabun readiness probe {}", uuid::Uuid::new_v4());
        let outcome = async {
            let mut file = private_file(&path).await?;
            file.write_all(written.as_bytes()).await?;
            file.sync_all().await?;
            drop(file);
            let read = tokio::fs::read(&path).await?;
            if read != written.as_bytes() {
                return Err(std::io::Error::other("the probe read back differs from what was written"));
            }
            Ok(())
        }
        .await;
        let removed = tokio::fs::remove_file(&path).await;
        outcome?;
        removed
    }

    async fn exists(&self, sha256: &str) -> Result<bool, std::io::Error> {
        match self.path_of(sha256) {
            Some(path) => tokio::fs::try_exists(path).await,
            None => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_by_digest_and_refuses_oversize() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).await.unwrap();
        let blob = store.put_bytes(Bytes::from_static(b"%PDF-1.7 hello")).await.unwrap();
        assert_eq!(blob.sha256, hex::encode(Sha256::digest(b"%PDF-1.7 hello")));
        assert_eq!(store.read(&blob.sha256).await.unwrap().unwrap(), &b"%PDF-1.7 hello"[..]);
        assert!(store.read("../../etc/passwd").await.unwrap().is_none());

        let chunks = futures_util::stream::iter(vec![Ok(Bytes::from(vec![1u8; 600])), Ok(Bytes::from(vec![2u8; 600]))]);
        let err = store.put_stream(chunks.boxed(), 1000).await.unwrap_err();
        assert!(matches!(err, PutError::TooLarge { limit: 1000 }));
        let staging: Vec<_> = std::fs::read_dir(dir.path().join("staging")).unwrap().collect();
        assert!(staging.is_empty(), "a refused upload leaves nothing behind");
    }
}
