//! Blobs as files under a directory, the embedded default: `root/ab/cd/abcd…`, written in
//! `root/staging` first and renamed into place, so a reader sees a whole blob or none.

use super::{BlobStore, Digester, PutError, ReadError, StoredBlob, layout, verified};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

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

/// Stores `bytes` under their digest in one blocking call: a staging file (0600) written and synced,
/// its directories (0700) made, and the rename into place. Bytes already in memory need no stream,
/// and one hand-over to the blocking pool instead of one per file operation matters on the receive
/// path, which stores a stamped rendition for every letter.
fn put_whole(root: &Path, settled: &Settled, bytes: &[u8]) -> Result<StoredBlob, PutError> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let mut digest = Digester::new(bytes.len() as u64);
    digest.take(bytes)?;
    let blob = digest.finish();
    let staging = root.join("staging").join(uuid::Uuid::new_v4().to_string());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let written = options.open(&staging).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&staging);
        return Err(e.into());
    }
    let [a, b, name] = layout(&blob.sha256).expect("a hex digest is a valid name");
    let dir = root.join(a).join(b);
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(&dir)?;
    std::fs::rename(&staging, dir.join(name))?;
    settled.sync(root, &dir)?;
    Ok(blob)
}

/// The blob directories whose own names this process has synced into their parents. A renamed
/// file's new name is on disk only once the directory holding it is synced, and a directory just
/// made only once its parents are: without both, a power loss (a kill is harmless) could lose a
/// blob's name after the database committed the receipt or letter that names its digest. Whether
/// a directory was "just made" cannot be told safely (another put may have made it and not yet
/// synced its parents, or been killed before it did), so each directory's parents are synced on
/// its first use by this process: at most 65,536 times, then one sync per blob.
#[derive(Debug, Default)]
struct Settled(std::sync::Mutex<std::collections::HashSet<PathBuf>>);

impl Settled {
    /// Makes a rename into `dir` (under `root`) durable.
    fn sync(&self, root: &Path, dir: &Path) -> std::io::Result<()> {
        // Opening a directory to sync it is how POSIX systems do it; elsewhere the rename stands alone.
        if !cfg!(unix) {
            return Ok(());
        }
        let sync = |d: &Path| std::fs::File::open(d)?.sync_all();
        sync(dir)?;
        if self.0.lock().unwrap_or_else(|e| e.into_inner()).contains(dir) {
            return Ok(());
        }
        for parent in dir.ancestors().skip(1).take_while(|p| p.starts_with(root)) {
            sync(parent)?;
        }
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(dir.to_path_buf());
        Ok(())
    }
}

/// The names in `dir` (none when it does not exist).
async fn names_in(dir: &Path) -> Result<Vec<String>, std::io::Error> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        if let Some(name) = entry.file_name().to_str() {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// Blobs as files under a directory: `root/ab/cd/abcd…` (two levels keep directories small).
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
    settled: std::sync::Arc<Settled>,
}

impl LocalBlobStore {
    /// A store rooted at `root`, created if missing.
    pub async fn open(root: impl AsRef<Path>) -> Result<Self, std::io::Error> {
        let root = root.as_ref().to_path_buf();
        private_dir(&root.join("staging")).await?;
        Ok(Self { root, settled: Default::default() })
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        layout(sha256).map(|[a, b, name]| self.root.join(a).join(b).join(name))
    }

    /// The digests of every blob in the store (staging litter aside), sorted.
    pub async fn digests(&self) -> Result<Vec<String>, std::io::Error> {
        let mut found = Vec::new();
        for a in names_in(&self.root).await? {
            for b in names_in(&self.root.join(&a)).await? {
                for name in names_in(&self.root.join(&a).join(&b)).await? {
                    if layout(&name).is_some_and(|[x, y, _]| x == a && y == b) {
                        found.push(name);
                    }
                }
            }
        }
        found.sort();
        Ok(found)
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
        let mut digest = Digester::new(limit);
        let outcome: Result<(), PutError> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(PutError::Source)?;
                digest.take(&chunk)?;
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
        let blob = digest.finish();
        let target = self.path_of(&blob.sha256).expect("a hex digest is a valid name");
        let dir = target.parent().expect("a blob's path has its directories").to_path_buf();
        private_dir(&dir).await?;
        // Rename is atomic: a reader sees the whole blob or none, and a crash leaves only staging
        // litter, never a half-written blob under a digest name.
        tokio::fs::rename(&staging, &target).await?;
        let (root, settled) = (self.root.clone(), self.settled.clone());
        tokio::task::spawn_blocking(move || settled.sync(&root, &dir))
            .await
            .map_err(|e| PutError::Io(std::io::Error::other(e.to_string())))??;
        Ok(blob)
    }

    async fn put_bytes(&self, bytes: Bytes) -> Result<StoredBlob, PutError> {
        let (root, settled) = (self.root.clone(), self.settled.clone());
        tokio::task::spawn_blocking(move || put_whole(&root, &settled, &bytes))
            .await
            .map_err(|e| PutError::Io(std::io::Error::other(e.to_string())))?
    }

    async fn read(&self, sha256: &str) -> Result<Bytes, ReadError> {
        let missing = || ReadError::Missing { sha256: sha256.to_owned() };
        let path = self.path_of(sha256).ok_or_else(missing)?;
        match tokio::fs::read(path).await {
            Ok(bytes) => verified(sha256, Bytes::from(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing()),
            Err(e) => Err(ReadError::Store(e.to_string())),
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
    use sha2::{Digest, Sha256};

    #[tokio::test]
    async fn stores_by_digest_and_refuses_oversize() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).await.unwrap();
        let blob = store.put_bytes(Bytes::from_static(b"%PDF-1.7 hello")).await.unwrap();
        assert_eq!(blob.sha256, hex::encode(Sha256::digest(b"%PDF-1.7 hello")));
        assert_eq!(store.read(&blob.sha256).await.unwrap(), &b"%PDF-1.7 hello"[..]);
        assert!(matches!(store.read("../../etc/passwd").await, Err(ReadError::Missing { .. })));

        let chunks = futures_util::stream::iter(vec![Ok(Bytes::from(vec![1u8; 600])), Ok(Bytes::from(vec![2u8; 600]))]);
        let err = store.put_stream(chunks.boxed(), 1000).await.unwrap_err();
        assert!(matches!(err, PutError::TooLarge { limit: 1000 }));
        let staging: Vec<_> = std::fs::read_dir(dir.path().join("staging")).unwrap().collect();
        assert!(staging.is_empty(), "a refused upload leaves nothing behind");
    }

    #[tokio::test]
    async fn a_changed_or_lost_file_is_an_error_naming_its_digest() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).await.unwrap();
        let blob = store.put_bytes(Bytes::from_static(b"%PDF-1.7 original")).await.unwrap();
        let path = store.path_of(&blob.sha256).unwrap();
        assert_eq!(store.digests().await.unwrap(), vec![blob.sha256.clone()]);

        std::fs::write(&path, b"%PDF-1.7 tampered").unwrap();
        let err = store.read(&blob.sha256).await.unwrap_err();
        assert!(matches!(err, ReadError::Damaged { ref sha256, .. } if *sha256 == blob.sha256), "{err}");
        assert!(err.to_string().contains(&blob.sha256), "{err}");

        std::fs::remove_file(&path).unwrap();
        let err = store.read(&blob.sha256).await.unwrap_err();
        assert!(matches!(err, ReadError::Missing { .. }) && err.to_string().contains(&blob.sha256), "{err}");
    }
}
