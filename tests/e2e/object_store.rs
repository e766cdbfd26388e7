//! Documents in an S3-compatible object store (moto, started per test): the store itself — names by
//! digest, the upload limit and a broken upload storing nothing, a damaged or lost object read as an
//! error naming its digest; a letter sent, received with its stamp and downloaded on a node whose
//! `storage.blobs` is `s3://…`; two nodes on one PostgreSQL sharing their documents through the
//! bucket; and `sarabun blobs copy` moving a node's local documents into the bucket.

use crate::support::s3::{S3Server, blob_key};
use crate::support::{Backend, TestApp, expect_error, on_both};
use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::StatusCode;
use sarabun_registry::blob::{BlobStore, PutError, ReadError, S3BlobStore};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::process::Command;

on_both!(a_letter_travels_through_the_object_store);

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn store_at(s3: &S3Server, bucket: &str, prefix: &str) -> S3BlobStore {
    let url = s3.bucket(bucket, prefix).await;
    S3BlobStore::open(&url.parse().unwrap(), s3.env()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_store_names_by_digest_and_checks_every_read() {
    let s3 = S3Server::start().await;
    let store = store_at(&s3, "docs", "node/blobs").await;
    store.probe().await.expect("the probe writes, reads and removes an object");

    let blob = store.put_bytes(Bytes::from_static(b"%PDF-1.7 hello")).await.unwrap();
    assert_eq!(blob.sha256, sha(b"%PDF-1.7 hello"));
    assert_eq!(&blob.head[..], b"%PDF-1.7 hello");
    let key = blob_key("node/blobs", &blob.sha256);
    assert_eq!(s3.keys("docs").await, vec![key.clone()], "one object, under the digest, no staging or probe left");
    assert_eq!(s3.object("docs", &key).await.unwrap(), b"%PDF-1.7 hello");
    assert_eq!(store.read(&blob.sha256).await.unwrap(), &b"%PDF-1.7 hello"[..]);
    assert!(store.exists(&blob.sha256).await.unwrap());
    // The same content again is the same object.
    assert_eq!(store.put_bytes(Bytes::from_static(b"%PDF-1.7 hello")).await.unwrap().sha256, blob.sha256);
    assert_eq!(s3.keys("docs").await.len(), 1);
    let empty = store.put_bytes(Bytes::new()).await.unwrap();
    assert_eq!(store.read(&empty.sha256).await.unwrap().len(), 0);
    s3.delete("docs", &blob_key("node/blobs", &empty.sha256)).await;

    // Larger than one multipart part (5 MiB), streamed in pieces.
    let big: Vec<u8> = (0..7 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let chunks: Vec<Result<Bytes, String>> = big.chunks(64 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let stored = store.put_stream(futures_util::stream::iter(chunks).boxed(), 8 * 1024 * 1024).await.unwrap();
    assert_eq!((stored.sha256.clone(), stored.size), (sha(&big), big.len() as u64));
    assert_eq!(store.read(&stored.sha256).await.unwrap(), &big[..]);

    // Over the limit, and a stream that breaks after a whole part was sent: nothing is kept.
    let before = s3.keys("docs").await;
    let over = futures_util::stream::iter(vec![Ok(Bytes::from(vec![1u8; 600])), Ok(Bytes::from(vec![2u8; 600]))]);
    assert!(matches!(store.put_stream(over.boxed(), 1000).await, Err(PutError::TooLarge { limit: 1000 })));
    let broken = futures_util::stream::iter(vec![Ok(Bytes::from(vec![3u8; 6 * 1024 * 1024])), Err("reset".to_owned())]);
    assert!(matches!(store.put_stream(broken.boxed(), 8 * 1024 * 1024).await, Err(PutError::Source(_))));
    assert_eq!(s3.keys("docs").await, before, "a refused or broken upload stores nothing");

    // Someone changes the object behind the node's back, then deletes it.
    s3.overwrite("docs", &key, b"%PDF-1.7 forged").await;
    let err = store.read(&blob.sha256).await.unwrap_err();
    assert!(matches!(err, ReadError::Damaged { ref sha256, .. } if *sha256 == blob.sha256), "{err}");
    assert!(err.to_string().contains(&blob.sha256) && err.to_string().contains(&sha(b"%PDF-1.7 forged")), "{err}");
    s3.delete("docs", &key).await;
    let err = store.read(&blob.sha256).await.unwrap_err();
    assert!(matches!(err, ReadError::Missing { .. }) && err.to_string().contains(&blob.sha256), "{err}");
    assert!(!store.exists(&blob.sha256).await.unwrap());
    assert!(matches!(store.read("../../etc/passwd").await, Err(ReadError::Missing { .. })));

    drop(s3);
    assert!(store.probe().await.is_err(), "with the server gone the probe fails");
}

async fn a_letter_travels_through_the_object_store(backend: Backend) {
    let s3 = S3Server::start().await;
    let url = s3.bucket("letters", "sarabun").await;
    let app = TestApp::spawn_with(backend, |s| s3.configure(s, &url)).await;
    assert_eq!(app.http.get(app.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);

    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400"]).await;
    let delivery = letter.delivery_to("กค 0400");
    let decided: Value = cgd.try_receive(&delivery).await.json().await.unwrap();
    let stamped_sha = decided["delivery"]["stamped_sha256"].as_str().expect("stamped").to_owned();
    let res = cgd.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let stamped = res.bytes().await.unwrap();
    assert_eq!(sha(&stamped), stamped_sha);
    assert!(stamped.starts_with(&crate::support::invitation_pdf()));

    let body_sha = sha(&crate::support::invitation_pdf());
    let keys = s3.keys("letters").await;
    for digest in [&body_sha, &stamped_sha] {
        assert!(keys.contains(&blob_key("sarabun", digest)), "{digest} not in {keys:?}");
    }
    assert!(!app.settings.storage.data_dir.join("blobs").exists(), "no local blob directory is used");

    // The body object is damaged: the download is refused with the digest named, never served.
    s3.overwrite("letters", &blob_key("sarabun", &body_sha), b"%PDF-1.7 not the letter").await;
    let res = cgd.get(&format!("/api/v1/letters/{}/documents/0", letter.id)).await;
    let body = expect_error(res, StatusCode::INTERNAL_SERVER_ERROR, "document_damaged").await;
    assert!(body["message"].as_str().unwrap().contains(&body_sha), "{body}");

    drop(s3);
    let res = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("blobs"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_documents_through_the_bucket() {
    let s3 = S3Server::start().await;
    let url = s3.bucket("shared", "ministry").await;
    let first = TestApp::spawn_with(Backend::Postgres, |s| s3.configure(s, &url)).await;
    let second = first.second_node().await;

    // Uploaded and sent on the first node, received (stamped) and downloaded on the second.
    let ops = first.clerk("clerk.ops").await;
    let letter = ops.send(&["กค 0400"]).await;
    let cgd = second.clerk("clerk.cgd").await;
    let delivery = letter.delivery_to("กค 0400");
    let decided: Value = cgd.try_receive(&delivery).await.json().await.unwrap();
    let stamped_sha = decided["delivery"]["stamped_sha256"].as_str().expect("stamped").to_owned();
    let res = cgd.get(&format!("/api/v1/letters/{}/documents/0", letter.id)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().to_vec(), crate::support::invitation_pdf());
    // And the stamped copy the second node made is served by the first.
    let res = ops.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(sha(&res.bytes().await.unwrap()), stamped_sha);
    assert!(!first.settings.storage.data_dir.join("blobs").exists(), "the documents are only in the bucket");
}

fn copy_command(app: &TestApp, s3: &S3Server, to: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sarabun"))
        .args(["blobs", "copy", "--to", to])
        .env("SARABUN_STORAGE__DATA_DIR", &app.settings.storage.data_dir)
        .env("SARABUN_LOG__FILTER", "warn")
        .envs(s3.env())
        .output()
        .unwrap();
    (out.status.code(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_copy_moves_local_documents_into_the_bucket() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400"]).await;
    cgd.receive(&letter.delivery_to("กค 0400")).await;
    let local = sarabun_registry::LocalBlobStore::open(app.settings.storage.data_dir.join("blobs")).await.unwrap();
    let digests = local.digests().await.unwrap();
    assert_eq!(digests.len(), 2, "the body and its stamped copy");

    let s3 = S3Server::start().await;
    let url = s3.bucket("moved", "docs").await;
    let (code, out) = copy_command(&app, &s3, &url);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("copied 2, already present 0, damaged 0"), "{out}");
    let store = S3BlobStore::open(&url.parse().unwrap(), s3.env()).unwrap();
    for digest in &digests {
        assert_eq!(sha(&store.read(digest).await.unwrap()), *digest);
    }
    let mut keys = s3.keys("moved").await;
    keys.sort();
    assert_eq!(keys, digests.iter().map(|d| blob_key("docs", d)).collect::<Vec<_>>());

    // Run again: nothing to do. A damaged object in the bucket is replaced from the intact local copy.
    let (code, out) = copy_command(&app, &s3, &url);
    assert!(code == Some(0) && out.contains("copied 0, already present 2, damaged 0"), "{out}");
    s3.overwrite("moved", &blob_key("docs", &digests[0]), b"bit rot").await;
    let (code, out) = copy_command(&app, &s3, &url);
    assert!(code == Some(0) && out.contains("copied 1, already present 1, damaged 0"), "{out}");
    assert_eq!(sha(&store.read(&digests[0]).await.unwrap()), digests[0]);

    // A damaged local file is reported by digest and not copied; the command fails.
    let other = s3.bucket("fresh", "").await;
    let path =
        app.settings.storage.data_dir.join("blobs").join(&digests[1][..2]).join(&digests[1][2..4]).join(&digests[1]);
    std::fs::write(&path, b"damaged on disk").unwrap();
    let (code, out) = copy_command(&app, &s3, &other);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("copied 1, already present 0, damaged 1") && out.contains(&format!("DAMAGED {}", digests[1])),
        "{out}"
    );
}
