//! Documents uploaded by a peer before the letter message that lists them: content-addressed and
//! resumable. A peer asks how much of a document this node holds (`HEAD`), then sends the rest in
//! chunks (`PUT` with `Content-Range`), each request signed like a message (the signature also
//! covers `Content-Range`). Partial uploads wait in a staging area of the data directory, one file per
//! peer and digest, so a peer only ever resumes its own; a chunk must start exactly where the
//! staging stands. When the last byte arrives the whole document's size and SHA-256 are checked: a
//! wrong digest discards the staging and is answered with a stable error; a right one goes into the
//! blob store, and a marker records that this peer delivered it, which the letter message's check
//! needs. Bounded: the largest document, the largest chunk, and the staging per peer.

use super::{DOCUMENTS_PATH, IncomingRequest};
use crate::{Correspondence, RoutingError};
use sarabun_federation::upload::{ContentRange, Held};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Why a chunk was not taken, beyond a bad signature.
#[derive(Debug, thiserror::Error)]
pub enum UploadRefusal {
    /// The chunk does not start where the staging stands; the peer should ask again and resume.
    #[error("the chunk starts at {given} but {held} bytes are held")]
    WrongOffset { given: u64, held: u64 },
    /// The whole document did not hash to the digest it was sent under; the staging is discarded.
    #[error("the document's bytes hash to {found}, not to the digest it was sent under")]
    DigestMismatch { found: String },
    /// Too large: the document, the chunk, or this peer's staging.
    #[error("{0}")]
    TooLarge(String),
    /// The chunk's total differs from the one the upload started with.
    #[error("the chunk names a total of {given} bytes, the upload started with {started}")]
    TotalChanged { given: u64, started: u64 },
}

/// One serialiser for staging writes of this process: a chunk is appended and checked whole before
/// the next one of any upload is looked at, so two copies of a chunk cannot both append.
fn staging_lock() -> &'static tokio::sync::Mutex<()> {
    static LOCK: std::sync::OnceLock<tokio::sync::Mutex<()>> = std::sync::OnceLock::new();
    LOCK.get_or_init(|| tokio::sync::Mutex::new(()))
}

fn io(e: std::io::Error) -> RoutingError {
    RoutingError::Blob(format!("staging: {e}"))
}

impl Correspondence {
    fn staging_of(&self, peer: &str) -> PathBuf {
        self.exchange.staging_dir.join(peer)
    }

    /// Verifies a document request's signature and pin; the peer's fingerprint and the digest.
    async fn document_request(&self, req: &IncomingRequest, sha256: &str) -> Result<String, RoutingError> {
        if !sarabun_federation::is_fingerprint(sha256) {
            return Err(RoutingError::NotFound("document"));
        }
        let path = format!("{DOCUMENTS_PATH}{sha256}");
        Ok(self.signed_by_peer(req, &path).await?.fingerprint)
    }

    /// How much of document `sha256` the signing peer has uploaded here (`HEAD`).
    pub async fn document_held(&self, req: IncomingRequest, sha256: &str) -> Result<Held, RoutingError> {
        let peer = self.document_request(&req, sha256).await?;
        held(&self.staging_of(&peer), sha256).await
    }

    /// Takes one chunk of document `sha256` from the signing peer (`PUT` with `Content-Range`).
    pub async fn document_chunk(
        &self,
        req: IncomingRequest,
        sha256: &str,
    ) -> Result<Result<Held, UploadRefusal>, RoutingError> {
        let peer = self.document_request(&req, sha256).await?;
        let range = req
            .content_range
            .as_deref()
            .map(ContentRange::parse)
            .transpose()
            .map_err(|e| RoutingError::Field { field: "content-range", message: e.to_string() })?
            .ok_or(RoutingError::Field { field: "content-range", message: "a chunk needs a Content-Range".into() })?;
        if range.len() != req.body.len() as u64 {
            return Err(RoutingError::Field {
                field: "content-range",
                message: format!("the range has {} bytes, the body {}", range.len(), req.body.len()),
            });
        }
        if range.total > self.exchange.max_document_bytes {
            return Ok(Err(UploadRefusal::TooLarge(format!(
                "the document is larger than {} bytes",
                self.exchange.max_document_bytes
            ))));
        }
        if range.len() > self.exchange.chunk_bytes {
            return Ok(Err(UploadRefusal::TooLarge(format!(
                "a chunk is larger than {} bytes",
                self.exchange.chunk_bytes
            ))));
        }
        let dir = self.staging_of(&peer);
        let _guard = staging_lock().lock().await;
        let now = held(&dir, sha256).await?;
        if now.complete {
            return Ok(Ok(now));
        }
        if range.first != now.held {
            return Ok(Err(UploadRefusal::WrongOffset { given: range.first, held: now.held }));
        }
        let started = read_total(&dir, sha256).await?;
        if let Some(started) = started.filter(|t| *t != range.total) {
            return Ok(Err(UploadRefusal::TotalChanged { given: range.total, started }));
        }
        if staged_bytes(&dir).await? + range.len() > self.exchange.max_staging_bytes {
            return Ok(Err(UploadRefusal::TooLarge(format!(
                "this peer's unfinished uploads would exceed {} bytes",
                self.exchange.max_staging_bytes
            ))));
        }
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        if started.is_none() {
            tokio::fs::write(dir.join(format!("{sha256}.total")), range.total.to_string()).await.map_err(io)?;
        }
        let part = dir.join(format!("{sha256}.part"));
        let mut file = tokio::fs::OpenOptions::new().create(true).append(true).open(&part).await.map_err(io)?;
        file.write_all(&req.body).await.map_err(io)?;
        file.sync_all().await.map_err(io)?;
        drop(file);
        if range.first > 0 {
            tracing::info!(peer = %peer, sha256, offset = range.first, "document upload resumed");
        }
        if range.last + 1 < range.total {
            return Ok(Ok(Held { held: range.last + 1, complete: false }));
        }
        // The last byte: the whole document is checked before it is taken.
        let bytes = tokio::fs::read(&part).await.map_err(io)?;
        let found = hex::encode(Sha256::digest(&bytes));
        if found != sha256 || bytes.len() as u64 != range.total {
            discard(&dir, sha256).await;
            tracing::warn!(peer = %peer, sha256, found = %found, "document upload discarded: wrong digest");
            return Ok(Err(UploadRefusal::DigestMismatch { found }));
        }
        self.blobs.put_bytes(bytes::Bytes::from(bytes)).await.map_err(|e| RoutingError::Blob(e.to_string()))?;
        tokio::fs::write(dir.join(format!("{sha256}.done")), range.total.to_string()).await.map_err(io)?;
        discard(&dir, sha256).await;
        tracing::info!(peer = %peer, sha256, size = range.total, "document from a peer complete");
        Ok(Ok(Held { held: range.total, complete: true }))
    }

    /// Whether `peer` uploaded document `sha256` whole (of `size` bytes), as a letter message needs.
    pub(crate) async fn peer_uploaded(&self, peer: &str, sha256: &str, size: u64) -> Result<bool, RoutingError> {
        if !sarabun_federation::is_fingerprint(sha256) {
            return Ok(false);
        }
        let held = held(&self.staging_of(peer), sha256).await?;
        Ok(held.complete && held.held == size)
    }
}

/// What the staging directory of one peer holds of `sha256`.
async fn held(dir: &Path, sha256: &str) -> Result<Held, RoutingError> {
    if let Some(size) = read_number(&dir.join(format!("{sha256}.done"))).await? {
        return Ok(Held { held: size, complete: true });
    }
    let held = match tokio::fs::metadata(dir.join(format!("{sha256}.part"))).await {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(io(e)),
    };
    Ok(Held { held, complete: false })
}

async fn read_total(dir: &Path, sha256: &str) -> Result<Option<u64>, RoutingError> {
    read_number(&dir.join(format!("{sha256}.total"))).await
}

async fn read_number(path: &Path) -> Result<Option<u64>, RoutingError> {
    match tokio::fs::File::open(path).await {
        Ok(mut f) => {
            let mut text = String::new();
            f.read_to_string(&mut text).await.map_err(io)?;
            Ok(text.trim().parse::<u64>().ok())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(e)),
    }
}

/// The bytes of one peer's unfinished uploads.
async fn staged_bytes(dir: &Path) -> Result<u64, RoutingError> {
    let mut total = 0;
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(e)),
    };
    while let Some(entry) = entries.next_entry().await.map_err(io)? {
        if entry.file_name().to_string_lossy().ends_with(".part") {
            total += entry.metadata().await.map_err(io)?.len();
        }
    }
    Ok(total)
}

/// Removes an unfinished upload (its bytes and its total).
async fn discard(dir: &Path, sha256: &str) {
    for suffix in ["part", "total"] {
        let _ = tokio::fs::remove_file(dir.join(format!("{sha256}.{suffix}"))).await;
    }
}
