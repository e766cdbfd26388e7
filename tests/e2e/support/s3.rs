//! A real S3-compatible server for the object-store tests: moto (`pip install 'moto[server]'`, which
//! scripts/test does) started per test on a free loopback port and stopped when the guard drops.
//! A test that needs it fails loudly when it cannot start — it never skips. A client of its own lets
//! a test look at or damage what the node stored, as an operator with bucket access could.

use object_store::ObjectStoreExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use sarabun_server::Settings;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server; dropping it stops the process.
pub struct S3Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    http: reqwest::Client,
    log: tempfile::NamedTempFile,
}

impl S3Server {
    /// Starts moto on a free port and waits until it answers (at most 30 s).
    pub async fn start() -> S3Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("python3 is needed to run moto for the object-store tests: {e}"));
        let mut server =
            S3Server { child, endpoint: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new(), log };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "moto exited ({status}) before answering; install it with pip install 'moto[server]' \
                     (scripts/test does): {}",
                    server.log_text()
                );
            }
            if server.http.get(&server.endpoint).send().await.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "moto did not answer on {} in 30 s: {}",
                server.endpoint,
                server.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Creates a bucket, returning its `s3://bucket/prefix` URL with the given prefix.
    pub async fn bucket(&self, bucket: &str, prefix: &str) -> String {
        let res = self.http.put(format!("{}/{bucket}", self.endpoint)).send().await.unwrap();
        assert!(res.status().is_success(), "creating bucket {bucket}: {}", res.text().await.unwrap());
        format!("s3://{bucket}/{prefix}")
    }

    /// The `AWS_*` variables a client of this server needs.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "sarabun-test"),
            ("AWS_SECRET_ACCESS_KEY", "sarabun-test-secret"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Points a node's settings at `url` on this server.
    pub fn configure(&self, settings: &mut Settings, url: &str) {
        settings.storage.blobs = url.to_owned();
        settings.storage.object_store_env = self.env();
    }

    /// A signed client of `bucket` (moto refuses anonymous reads).
    fn client(&self, bucket: &str) -> AmazonS3 {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::new().with_bucket_name(bucket);
        for (key, value) in self.env() {
            builder = builder.with_config(key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>().unwrap(), value);
        }
        builder.build().unwrap()
    }

    /// The object `key` of `bucket`, if present.
    pub async fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        match self.client(bucket).get(&Path::from(key)).await {
            Ok(got) => Some(got.bytes().await.unwrap().to_vec()),
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => panic!("reading {key}: {e}"),
        }
    }

    /// Overwrites the object `key` of `bucket`.
    pub async fn overwrite(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let payload = object_store::PutPayload::from(bytes.to_vec());
        self.client(bucket).put(&Path::from(key), payload).await.unwrap_or_else(|e| panic!("overwriting {key}: {e}"));
    }

    /// Deletes the object `key` of `bucket`.
    pub async fn delete(&self, bucket: &str, key: &str) {
        self.client(bucket).delete(&Path::from(key)).await.unwrap_or_else(|e| panic!("deleting {key}: {e}"));
    }

    /// Every object key in `bucket` (moto answers one page for the few a test makes).
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let xml = self.http.get(format!("{}/{bucket}?list-type=2", self.endpoint)).send().await.unwrap();
        let xml = xml.text().await.unwrap();
        xml.split("<Key>").skip(1).filter_map(|s| s.split_once("</Key>")).map(|(k, _)| k.to_owned()).collect()
    }
}

/// The object key of a blob under `prefix`, in the layout both stores share.
pub fn blob_key(prefix: &str, sha256: &str) -> String {
    format!("{prefix}/{}/{}/{sha256}", &sha256[..2], &sha256[2..4])
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
