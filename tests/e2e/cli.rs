//! The `sarabun` binary as an operator or auditor runs it.

use crate::support::{Backend, TestApp};
use std::process::Command;

fn sarabun() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sarabun"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_receipt_command() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send(&["กค 0400"]).await;
    let res: serde_json::Value = cgd.try_receive(&letter.delivery_to("กค 0400")).await.json().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let receipt = dir.path().join("receipt.jws");
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&receipt, res["receipt"].as_str().unwrap()).unwrap();
    std::fs::write(&jwks, app.jwks().await.to_string()).unwrap();

    let out = sarabun().arg("verify-receipt").arg(&receipt).arg("--jwks").arg(&jwks).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("received as number 1/2569 by clerk.cgd of กค 0400"), "{stdout}");

    let mut forged = res["receipt"].as_str().unwrap().to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    std::fs::write(&receipt, forged).unwrap();
    let out = sarabun().arg("verify-receipt").arg(&receipt).arg("--jwks").arg(&jwks).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL"));
}

#[test]
fn new_master_key_is_32_bytes() {
    let out = sarabun().args(["keys", "new-master"]).output().unwrap();
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap();
    assert!(sarabun_signing::MasterKey::from_base64(key.trim()).is_ok());
}
