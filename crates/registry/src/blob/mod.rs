//! The document store: every uploaded file is kept once, named by its SHA-256, so a document referred
//! to by digest in a sealed envelope can always be found and checked. Two stores share one layout
//! (`ab/cd/abcd…` under a root) and one rule — a read hands back bytes only after their digest has
//! been checked against the name: [`LocalBlobStore`] keeps files under a directory (the embedded
//! default), [`S3BlobStore`] keeps objects in an S3-compatible object store (several nodes share it).

mod copy;
mod local;
mod s3;

pub use copy::{CopyError, CopyReport, copy_all};
pub use local::LocalBlobStore;
pub use s3::{S3BlobStore, S3Location, S3OpenError};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};

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

/// Why a blob could not be read back. `Missing` and `Damaged` name the digest: the database says the
/// document exists, so either is damage to the store, never a reason to answer something else.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("document {sha256} is missing from the blob store")]
    Missing { sha256: String },
    #[error("document {sha256} is damaged: the stored bytes have SHA-256 {actual}")]
    Damaged { sha256: String, actual: String },
    /// The store could not be reached or answered with an error.
    #[error("blob store: {0}")]
    Store(String),
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

    /// Reads a whole blob whose content has been checked against `sha256`.
    async fn read(&self, sha256: &str) -> Result<Bytes, ReadError>;

    /// Whether a blob is present (its content is not checked).
    async fn exists(&self, sha256: &str) -> Result<bool, std::io::Error>;

    /// Checks the store can take and give back a file now (for the readiness probe): writes a small
    /// probe object outside the digest namespace, reads it back, compares and removes it.
    async fn probe(&self) -> Result<(), std::io::Error>;
}

/// The three parts of a blob's name, `["ab", "cd", "abcd…"]`, or `None` when `sha256` is not a
/// lowercase hex SHA-256 (so no caller-given name can reach outside the store).
pub(crate) fn layout(sha256: &str) -> Option<[&str; 3]> {
    let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    valid.then(|| [&sha256[..2], &sha256[2..4], sha256])
}

/// `bytes` if they hash to `sha256`; otherwise the damage, naming both digests.
pub(crate) fn verified(sha256: &str, bytes: Bytes) -> Result<Bytes, ReadError> {
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual == sha256 { Ok(bytes) } else { Err(ReadError::Damaged { sha256: sha256.to_owned(), actual }) }
}

/// What a store learns about an upload while it streams by: its digest, size, head and tail, and
/// whether it went over the limit. Both stores use it, so both name and bound a blob alike.
pub(crate) struct Digester {
    hasher: Sha256,
    limit: u64,
    size: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Digester {
    pub(crate) fn new(limit: u64) -> Self {
        Self {
            hasher: Sha256::new(),
            limit,
            size: 0,
            head: Vec::with_capacity(HEAD_LEN),
            tail: Vec::with_capacity(2 * HEAD_LEN),
        }
    }

    /// Takes the next chunk, refusing it when the upload would pass the limit.
    pub(crate) fn take(&mut self, chunk: &[u8]) -> Result<(), PutError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(PutError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        if self.head.len() < HEAD_LEN {
            let take = (HEAD_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.tail.extend_from_slice(&chunk[chunk.len().saturating_sub(HEAD_LEN)..]);
        if self.tail.len() > HEAD_LEN {
            self.tail.drain(..self.tail.len() - HEAD_LEN);
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> StoredBlob {
        StoredBlob { sha256: hex::encode(self.hasher.finalize()), size: self.size, head: self.head, tail: self.tail }
    }
}
