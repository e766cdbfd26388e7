//! Receiving stamps the body PDF (ตรารับหนังสือ) as an incremental update; a body that cannot be
//! stamped is received all the same and the reason shown.

use crate::support::{Backend, TestApp, on_both};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::process::Command;

on_both!(receiving_stamps_the_body, unstampable_bodies_are_received_unstamped);

fn receipt_payload(receipt: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(receipt.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

/// Runs a PDF tool of poppler-utils or qpdf on `pdf`, failing with an install hint when missing.
fn tool(name: &str, args: &[&str], pdf: &[u8]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(name)
        .args(args)
        .arg(&path)
        .args(if name == "pdftotext" { vec!["-"] } else { vec![] })
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed by this test (apt-get install qpdf poppler-utils): {e}"));
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn receiving_stamps_the_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400"]).await;
    let delivery = letter.delivery_to("กค 0400");
    let decided: Value = cgd.try_receive(&delivery).await.json().await.unwrap();
    let stamped_sha = decided["delivery"]["stamped_sha256"].as_str().expect("stamped").to_owned();
    assert!(decided["delivery"]["stamp_error"].is_null());
    assert_eq!(receipt_payload(decided["receipt"].as_str().unwrap())["stamped_sha256"], stamped_sha.as_str());

    let res = cgd.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let stamped = res.bytes().await.unwrap().to_vec();
    assert_eq!(hex::encode(Sha256::digest(&stamped)), stamped_sha);
    let original = crate::support::invitation_pdf();
    assert!(stamped.starts_with(&original), "the original is a byte-exact prefix");
    assert!(stamped.len() > original.len());
    let (ok, _) = tool("qpdf", &["--check"], &stamped);
    assert!(ok, "qpdf --check");
    let (_, text) = tool("pdftotext", &["-f", "1", "-l", "1"], &stamped);
    for line in ["กรมบัญชีกลาง", "เลขรับ 1", "วันที่ 25 พฤศจิกายน 2569", "เวลา 10.00 น."]
    {
        assert!(text.contains(line), "{line:?} not in {text}");
    }
    // The sender may fetch the stamped copy too; the original is unchanged.
    assert_eq!(ops.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await.status(), StatusCode::OK);
    let id = letter.id.as_str();
    assert_eq!(cgd.get(&format!("/api/v1/letters/{id}/documents/0")).await.bytes().await.unwrap().to_vec(), original);
}

async fn unstampable_bodies_are_received_unstamped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let encrypted =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/crates/stamp/tests/fixtures/encrypted-user-password.pdf"))
            .unwrap();
    let sha = ops.upload_pdf(encrypted.clone()).await;
    let letter: Value =
        ops.post("/api/v1/letters", crate::support::letter_body(&sha, &["กค 0400"])).await.json().await.unwrap();
    let delivery = crate::support::delivery_to(&letter, "กค 0400");
    let res = cgd.try_receive(&delivery).await;
    assert_eq!(res.status(), StatusCode::OK, "an encrypted body never blocks receiving");
    let decided: Value = res.json().await.unwrap();
    assert_eq!(decided["delivery"]["receive_number"], "1/2569");
    assert!(decided["delivery"]["stamped_sha256"].is_null());
    assert!(decided["delivery"]["stamp_error"].as_str().unwrap().starts_with("encrypted"), "{decided}");
    assert!(receipt_payload(decided["receipt"].as_str().unwrap()).get("stamped_sha256").is_none());
    let res = cgd.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let id = letter["id"].as_str().unwrap();
    assert_eq!(
        cgd.get(&format!("/api/v1/letters/{id}/documents/0")).await.bytes().await.unwrap().to_vec(),
        encrypted,
        "kept"
    );
}

#[test]
fn stamp_command() {
    let dir = tempfile::tempdir().unwrap();
    let out_pdf = dir.path().join("stamped.pdf");
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/letters/invitation.pdf");
    let out = Command::new(env!("CARGO_BIN_EXE_sarabun"))
        .args(["stamp", input])
        .arg(&out_pdf)
        .args(["--office", "กรมบัญชีกลาง", "--number", "1234", "--at", "2026-11-25T14:05:00+07:00"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stamped = std::fs::read(&out_pdf).unwrap();
    assert!(stamped.starts_with(&std::fs::read(input).unwrap()));
    let (_, text) = tool("pdftotext", &[], &stamped);
    assert!(text.contains("เลขรับ 1234") && text.contains("เวลา 14.05 น."), "{text}");

    let not_pdf = dir.path().join("notes.txt");
    std::fs::write(&not_pdf, "hello").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sarabun"))
        .args(["stamp"])
        .arg(&not_pdf)
        .arg(dir.path().join("x.pdf"))
        .args(["--office", "x", "--number", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not_pdf"));
    assert!(!dir.path().join("x.pdf").exists());
}
