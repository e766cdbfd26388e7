//! Blobs as objects in an S3-compatible object store, for nodes that share their documents:
//! `s3://bucket/prefix` holds `prefix/ab/cd/abcd…`, the same layout as the local directory.
//! Credentials, region and endpoint come from the `AWS_*` variables object_store knows
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`…).
//!
//! An upload streams into a multipart upload of a temporary object `prefix/staging/<uuid>` while its
//! digest is computed, then is copied (inside the store) to its digest name and the temporary object
//! removed. Multipart rather than buffering keeps a node's memory at about one part (5 MiB) per upload
//! however large the limit, and a refused or broken upload is aborted, so it stores nothing under any
//! name; a crash in between leaves only staging litter, never a wrong object under a digest name.

use super::{BlobStore, Digester, PutError, ReadError, StoredBlob, layout, verified};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart};
use std::sync::Arc;
use std::time::Duration;

/// Parts of a multipart upload sent at once.
const PARTS_IN_FLIGHT: usize = 2;

/// Where in an object store the blobs live: `s3://bucket` or `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Without leading or trailing slashes; empty for the bucket's root.
    pub prefix: String,
}

impl std::str::FromStr for S3Location {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, String> {
        let rest =
            url.trim().strip_prefix("s3://").ok_or_else(|| format!("{url:?} is not an s3://bucket/prefix URL"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{url:?} names no bucket"));
        }
        Ok(Self { bucket: bucket.to_owned(), prefix: prefix.trim_matches('/').to_owned() })
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// Why an object store could not be configured.
#[derive(Debug, thiserror::Error)]
#[error("object store {location}: {source}")]
pub struct S3OpenError {
    location: String,
    source: object_store::Error,
}

/// Blobs in an S3-compatible object store.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<AmazonS3>,
    prefix: Path,
}

impl S3BlobStore {
    /// A store at `location`, configured by the `AWS_*` pairs of `env` (pass `std::env::vars()`);
    /// nothing is sent until the first request.
    pub fn open(location: &S3Location, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, S3OpenError> {
        // object_store's HTTPS goes through rustls, built here without its own crypto provider;
        // ring is the one the rest of the node already uses. A second call finds it installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::new().with_bucket_name(&location.bucket);
        for (key, value) in env {
            if key.starts_with("AWS_")
                && let Ok(config) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>()
            {
                builder = builder.with_config(config, value);
            }
        }
        // A store that is down should fail a request (and the readiness probe) in seconds, not
        // after the default three minutes of retries.
        let retry = RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(15), ..RetryConfig::default() };
        let store = builder
            .with_retry(retry)
            .build()
            .map_err(|source| S3OpenError { location: location.to_string(), source })?;
        let prefix = Path::from_iter(location.prefix.split('/').filter(|p| !p.is_empty()));
        Ok(Self { store: Arc::new(store), prefix })
    }

    fn object_of(&self, sha256: &str) -> Option<Path> {
        layout(sha256).map(|[a, b, name]| self.prefix.clone().join(a).join(b).join(name))
    }

    /// Copies the finished temporary object to its digest name, unless an object is already there
    /// (names are content: an intact one holds the same bytes).
    async fn settle(&self, staging: &Path, blob: &StoredBlob) -> Result<(), PutError> {
        let target = self.object_of(&blob.sha256).expect("a hex digest is a valid name");
        let present = match self.store.head(&target).await {
            Ok(meta) => meta.size == blob.size,
            Err(object_store::Error::NotFound { .. }) => false,
            Err(e) => return Err(store_error(e)),
        };
        if !present {
            self.store.copy(staging, &target).await.map_err(store_error)?;
        }
        Ok(())
    }
}

fn store_error(e: object_store::Error) -> PutError {
    PutError::Io(std::io::Error::other(e))
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put_stream(
        &self,
        mut stream: BoxStream<'_, Result<Bytes, String>>,
        limit: u64,
    ) -> Result<StoredBlob, PutError> {
        let staging = self.prefix.clone().join("staging").join(uuid::Uuid::new_v4().to_string());
        let upload = self.store.put_multipart(&staging).await.map_err(store_error)?;
        let mut writer = WriteMultipart::new(upload);
        let mut digest = Digester::new(limit);
        let outcome: Result<(), PutError> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(PutError::Source)?;
                digest.take(&chunk)?;
                writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(store_error)?;
                writer.put(chunk);
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            // Aborting discards the parts sent so far: nothing of the upload remains.
            if let Err(abort) = writer.abort().await {
                tracing::warn!(error = %abort, "aborting a refused upload failed; its parts stay until the bucket expires them");
            }
            return Err(e);
        }
        writer.finish().await.map_err(store_error)?;
        let blob = digest.finish();
        let settled = self.settle(&staging, &blob).await;
        if let Err(e) = self.store.delete(&staging).await {
            tracing::warn!(error = %e, object = %staging, "removing a staged upload failed");
        }
        settled.map(|()| blob)
    }

    async fn read(&self, sha256: &str) -> Result<Bytes, ReadError> {
        let missing = || ReadError::Missing { sha256: sha256.to_owned() };
        let object = self.object_of(sha256).ok_or_else(missing)?;
        let bytes = match self.store.get(&object).await {
            Ok(got) => got.bytes().await.map_err(|e| ReadError::Store(e.to_string()))?,
            Err(object_store::Error::NotFound { .. }) => return Err(missing()),
            Err(e) => return Err(ReadError::Store(e.to_string())),
        };
        verified(sha256, bytes)
    }

    async fn exists(&self, sha256: &str) -> Result<bool, std::io::Error> {
        let Some(object) = self.object_of(sha256) else { return Ok(false) };
        match self.store.head(&object).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    async fn probe(&self) -> Result<(), std::io::Error> {
        // Under `probe/`, which no digest name (`ab/cd/…`) can be.
        let object = self.prefix.clone().join("probe").join(uuid::Uuid::new_v4().to_string());
        let written = Bytes::from(format!("sarabun readiness probe {}", uuid::Uuid::new_v4()));
        let outcome = async {
            self.store.put(&object, PutPayload::from_bytes(written.clone())).await?;
            self.store.get(&object).await?.bytes().await
        }
        .await;
        let removed = self.store.delete(&object).await;
        let read = outcome.map_err(std::io::Error::other)?;
        if read != written {
            return Err(std::io::Error::other("the probe read back differs from what was written"));
        }
        removed.map_err(std::io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        let at: S3Location = "s3://docs/sarabun/prod/".parse().unwrap();
        assert_eq!(at, S3Location { bucket: "docs".into(), prefix: "sarabun/prod".into() });
        assert_eq!("s3://docs".parse::<S3Location>().unwrap().prefix, "");
        assert!("s3:///x".parse::<S3Location>().is_err());
        assert!("/var/lib/blobs".parse::<S3Location>().is_err());
    }
}
