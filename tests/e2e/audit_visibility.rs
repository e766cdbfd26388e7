//! What the audit log, the registers, CSV files and e-mail let people see of other offices' and
//! of secret letters (issue 11, items 5, 6, 7 and 11 and the e-mail weak spot): formulas in CSV
//! are neutralised, audit entries read by index follow the letter's trail, register lines above
//! the reader's clearance keep no free text, a trail bundle shows what was left out of it, and
//! e-mail about a secret letter carries no reason.

use crate::support::{Backend, Persona, TestApp, expect_error, on_both};
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use sarabun_notification::testing::TestSmtpServer;
use sarabun_notification::worker::Notifier;
use serde_json::{Value, json};
use std::process::Command;

on_both!(
    csv_fields_never_start_a_formula,
    entries_by_index_follow_the_trail,
    register_lines_above_clearance_keep_no_free_text,
    bundles_show_what_was_left_out,
    secret_letters_mail_no_reasons,
);

const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";

async fn send(user: &Persona<'_>, recipients: &[&str], change: Value) -> Value {
    let sha = user.upload_pdf(crate::support::invitation_pdf()).await;
    let res = user.post("/api/v1/letters", crate::support::letter_body_with(&sha, recipients, change)).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn text(res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::OK);
    String::from_utf8(res.bytes().await.unwrap().to_vec()).unwrap()
}

/// The fields of one CSV line, unquoted.
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Every field of `csv`.
fn all_fields(csv: &str) -> Vec<String> {
    csv.split("\r\n").flat_map(fields).collect()
}

/// No field of `csv` starts with a character that makes a spreadsheet read a formula.
fn assert_no_formula(csv: &str) {
    for line in csv.split("\r\n") {
        for field in fields(line) {
            assert!(!field.starts_with(['=', '+', '-', '@', '\t', '\r']), "{field:?} starts a formula in {line}");
        }
    }
}

async fn create_user<'a>(
    app: &'a TestApp,
    office: &str,
    username: &str,
    roles: &[&str],
    clearance: &str,
) -> Persona<'a> {
    let admin = app.admin("admin").await;
    // The auditor role is a two-person grant: `create_user` has the second admin approve it.
    admin
        .create_user(json!({"office": office, "username": username, "full_name": "ผู้ทดสอบ", "position": "นักวิชาการ",
               "email": format!("{username}@example.go.th"), "password": "sarabun-demo", "roles": roles,
               "clearance": clearance}))
        .await;
    app.sign_in(username).await
}

async fn csv_fields_never_start_a_formula(backend: Backend) {
    // A letter of 2557 B.E. whose ten years of keeping have run out by 2569.
    let app = TestApp::spawn_at(backend, Utc.with_ymd_and_hms(2014, 6, 2, 3, 0, 0).unwrap(), |_| {}).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = send(&ops, &["กค 0400"], json!({"subject": FORMULA})).await;
    let res = cgd
        .post(
            &format!("/api/v1/deliveries/{}/receive", crate::support::delivery_to(&letter, "กค 0400")),
            json!({"action": "+cmd|' /C calc'!A0", "remarks": "@SUM(1+1)*cmd|' /C calc'!A0"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());

    // The sender's send register: the subject is text, not a link.
    let sent = text(ops.get("/api/v1/registers/send/2557?format=csv").await).await;
    assert!(sent.starts_with('\u{feff}') && sent.contains("\r\n"), "Excel's BOM and CRLF are kept: {sent}");
    assert!(sent.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""), "{sent}");
    assert!(all_fields(&sent).contains(&format!("'{FORMULA}")), "{sent}");
    assert_no_formula(&sent);

    // The recipient's receive register: subject, action and remarks all neutralised.
    let received = text(cgd.get("/api/v1/registers/receive/2557?format=csv").await).await;
    let cells = all_fields(&received);
    for neutralised in [format!("'{FORMULA}"), "'+cmd|' /C calc'!A0".into(), "'@SUM(1+1)*cmd|' /C calc'!A0".into()] {
        assert!(cells.contains(&neutralised), "{neutralised} in {received}");
    }
    assert_no_formula(&received);
    // JSON keeps the text as typed: only spreadsheets need the quote.
    let json: Value = cgd.get("/api/v1/registers/receive/2557").await.json().await.unwrap();
    assert_eq!(json[0]["subject"], FORMULA);

    // The retention list of 2569 lists it, neutralised too.
    app.clock.set(Utc.with_ymd_and_hms(2026, 1, 15, 3, 0, 0).unwrap());
    let worker = Notifier::new(
        app.state.correspondence.clone(),
        app.settings.notification.clone(),
        &app.settings.server.public_url,
    )
    .unwrap();
    assert_eq!(worker.retention_lists().await.unwrap(), app.state.correspondence.offices().await.unwrap().len());
    let auditor = app.auditor("auditor").await;
    let list = text(auditor.get("/api/v1/retention/2569?office=กค 0100").await).await;
    assert!(list.starts_with('\u{feff}') && all_fields(&list).contains(&format!("'{FORMULA}")), "{list}");
    assert_no_formula(&list);
}

/// Sends a letter to CGD and RD; CGD receives, RD rejects. Returns the letter.
async fn received_and_rejected(app: &TestApp, change: Value) -> Value {
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let rd = app.clerk("clerk.rd").await;
    let letter = send(&ops, &["กค 0400", "กค 0700"], change).await;
    cgd.receive(&crate::support::delivery_to(&letter, "กค 0400")).await;
    let res = rd.try_reject(&crate::support::delivery_to(&letter, "กค 0700"), "ส่งผิดหน่วยงาน เหตุผลภายใน").await;
    assert_eq!(res.status(), StatusCode::OK);
    letter
}

async fn index_of(reader: &Persona<'_>, letter: &Value, action: &str) -> u64 {
    let trail: Vec<Value> =
        reader.get(&format!("/api/v1/letters/{}/trail", letter["id"].as_str().unwrap())).await.json().await.unwrap();
    trail.iter().find(|e| e["action"] == action).unwrap_or_else(|| panic!("no {action}"))["index"].as_u64().unwrap()
}

async fn entries_by_index_follow_the_trail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let rd = app.clerk("clerk.rd").await;
    let auditor = app.auditor("auditor").await;
    let letter = received_and_rejected(&app, json!({})).await;
    let received = index_of(&ops, &letter, "delivery.received").await;
    let rejected = index_of(&ops, &letter, "delivery.rejected").await;
    let missing = ops.get("/audit/entries/999999").await;
    let missing = expect_error(missing, StatusCode::NOT_FOUND, "not_found").await;

    // The sender and the auditor read both decisions; each recipient only its own.
    for (reader, index, seen) in [
        (&ops, received, true),
        (&ops, rejected, true),
        (&auditor, rejected, true),
        (&cgd, received, true),
        (&cgd, rejected, false),
        (&rd, rejected, true),
        (&rd, received, false),
    ] {
        let res = reader.get(&format!("/audit/entries/{index}")).await;
        if seen {
            assert_eq!(res.status(), StatusCode::OK, "{} reads entry {index}", reader.username);
        } else {
            let body = expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
            assert_eq!(body, missing, "refused like an index that does not exist");
        }
    }

    // A confidential letter: an auditor cleared only for normal letters reads none of its entries,
    // as it could not read its trail.
    let secret = received_and_rejected(&app, json!({"secrecy": "confidential"})).await;
    let reason = index_of(&ops, &secret, "delivery.rejected").await;
    let sent = index_of(&ops, &secret, "letter.sent").await;
    let uncleared = create_user(&app, "กค 0100", "auditor.uncleared", &["auditor"], "none").await;
    assert_eq!(auditor.get(&format!("/audit/entries/{reason}")).await.status(), StatusCode::OK);
    let id = secret["id"].as_str().unwrap();
    expect_error(uncleared.get(&format!("/api/v1/letters/{id}/trail")).await, StatusCode::NOT_FOUND, "not_found").await;
    for index in [reason, sent] {
        let body =
            expect_error(uncleared.get(&format!("/audit/entries/{index}")).await, StatusCode::NOT_FOUND, "not_found")
                .await;
        assert_eq!(body, missing);
    }
    // The uncleared auditor still reads the entries of normal letters.
    assert_eq!(uncleared.get(&format!("/audit/entries/{received}")).await.status(), StatusCode::OK);

    // Entries of no letter (a failed sign-in) are for auditors only.
    let res = app
        .http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "clerk.cgd", "password": "guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let note = app.http.get(app.url("/audit/checkpoint")).send().await.unwrap().text().await.unwrap();
    let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
    let mut failed = None;
    for index in (0..size).rev() {
        let raw = auditor.get(&format!("/audit/entries/{index}")).await.text().await.unwrap();
        if raw.contains("session.sign_in_failed") {
            failed = Some(index);
            break;
        }
    }
    let failed = failed.expect("the failed sign-in is in the log");
    for clerk in [&cgd, &ops] {
        let body =
            expect_error(clerk.get(&format!("/audit/entries/{failed}")).await, StatusCode::NOT_FOUND, "not_found")
                .await;
        assert_eq!(body, missing);
    }
}

async fn page(app: &TestApp, user: &Persona<'_>, path: &str) -> String {
    let res =
        app.http.get(app.url(path)).header(COOKIE, format!("sarabun_session={}", user.token)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

async fn register_lines_above_clearance_keep_no_free_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = send(&ops, &["กค 0400"], json!({"secrecy": "confidential", "subject": "แผนตรวจสอบภาษีลับเฉพาะ"})).await;
    let res = cgd
        .post(
            &format!("/api/v1/deliveries/{}/receive", crate::support::delivery_to(&letter, "กค 0400")),
            json!({"action": "เสนออธิบดีเพื่อสั่งการตรวจค้น", "remarks": "ห้ามเปิดเผยชื่อผู้แจ้ง"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let secrets = ["แผนตรวจสอบ", "ตรวจค้น", "ผู้แจ้ง"];

    // The cleared clerk sees the whole line.
    let lines: Vec<Value> = cgd.get("/api/v1/registers/receive/2569").await.json().await.unwrap();
    assert_eq!(lines[0]["action"], "เสนออธิบดีเพื่อสั่งการตรวจค้น");
    assert_eq!(lines[0]["remarks"], "ห้ามเปิดเผยชื่อผู้แจ้ง");

    // An executive of the office without clearance: the line stays, its free text does not.
    let exec = create_user(&app, "กค 0400", "exec.cgd", &["executive"], "none").await;
    let lines: Vec<Value> = exec.get("/api/v1/registers/receive/2569").await.json().await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["number"], "1/2569");
    assert_eq!(lines[0]["subject"], "(ลับ)");
    assert!(lines[0]["action"].is_null() && lines[0]["remarks"].is_null(), "{}", lines[0]);
    let csv = text(exec.get("/api/v1/registers/receive/2569?format=csv").await).await;
    let table = page(&app, &exec, "/registers?register=receive&year=2569").await;
    let print = page(&app, &exec, "/registers/receive/2569/print").await;
    for shown in [&csv, &table, &print] {
        assert!(shown.contains("(ลับ)"), "{shown}");
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} shown above clearance: {shown}");
        }
    }
    // The page and print view do show them to the cleared clerk: the test looks where they would be.
    let print = page(&app, &cgd, "/registers/receive/2569/print").await;
    assert!(secrets.iter().all(|s| print.contains(s)), "{print}");
}

fn sarabun() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sarabun"))
}

/// Runs `sarabun verify` on `bundle` with the pinned log key; returns whether it held and its output.
fn verify(dir: &std::path::Path, bundle: &Value, key: &str) -> (bool, String) {
    let file = dir.join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let out = sarabun().arg("verify").arg(&file).args(["--log-key", key.trim()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let held = out.status.success();
    assert_eq!(held, stdout.contains("the trail holds"), "{stdout}");
    (held, stdout)
}

fn entry_index(bundle: &Value, action: &str) -> usize {
    bundle["entries"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["entry"].as_str().unwrap().contains(&format!("\"action\":\"{action}\"")))
        .unwrap_or_else(|| panic!("no {action} in the bundle"))
}

fn receipt_of(bundle: &Value, office: &str) -> usize {
    bundle["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| {
            let payload = r.as_str().unwrap().split('.').nth(1).unwrap();
            let payload = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
            serde_json::from_slice::<Value>(&payload).unwrap()["recipient"] == office
        })
        .unwrap_or_else(|| panic!("no receipt of {office}"))
}

async fn bundles_show_what_was_left_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let rd = app.clerk("clerk.rd").await;
    // To the Comptroller General (receives), Revenue (rejects) and Customs (does nothing yet).
    let letter = send(&ops, &["กค 0400", "กค 0700", "กค 0500"], json!({})).await;
    cgd.receive(&crate::support::delivery_to(&letter, "กค 0400")).await;
    rd.reject(&crate::support::delivery_to(&letter, "กค 0700"), "ส่งผิดหน่วยงาน").await;
    let id = letter["id"].as_str().unwrap();
    let auditor = app.auditor("auditor").await;
    let bundle: Value = auditor.get(&format!("/api/v1/letters/{id}/trail-bundle")).await.json().await.unwrap();
    assert_eq!(bundle["format"], "sarabun-trail-bundle/2");
    let key = app.http.get(app.url("/audit/key")).send().await.unwrap().text().await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    // The complete bundle holds, and says what it vouches for.
    let (held, out) = verify(dir.path(), &bundle, &key);
    assert!(held, "{out}");
    assert!(out.contains("กค 0400: receipt present and matching entry"), "{out}");
    assert!(out.contains("กค 0700: rejection present and matching entry"), "{out}");
    assert!(out.contains("กค 0500: undecided at the checkpoint"), "{out}");
    assert!(out.contains("all 4 entries the manifest lists are present, and no other"), "{out}");

    // Leaving out any one kind of item is found.
    let rejected = entry_index(&bundle, "delivery.rejected");
    let rejection = receipt_of(&bundle, "กค 0700");
    let forge = |change: &dyn Fn(&mut Value)| {
        let mut b = bundle.clone();
        change(&mut b);
        b
    };
    let omissions: Vec<(&str, Value, &str)> = vec![
        (
            "an entry",
            forge(&|b| {
                b["entries"].as_array_mut().unwrap().remove(rejected);
            }),
            "is listed in the manifest but missing from the bundle",
        ),
        (
            "a rejection",
            forge(&|b| {
                b["receipts"].as_array_mut().unwrap().remove(rejection);
            }),
            "กค 0700: the rejection of entry",
        ),
        (
            "an inclusion proof",
            forge(&|b| {
                b["entries"][0]["inclusion_proof"] = json!([]);
            }),
            "FAIL",
        ),
        (
            "a recipient's decision (its entry and its rejection)",
            forge(&|b| {
                b["entries"].as_array_mut().unwrap().remove(rejected);
                b["receipts"].as_array_mut().unwrap().remove(rejection);
            }),
            "กค 0700: its decision",
        ),
        (
            "the manifest",
            forge(&|b| {
                b.as_object_mut().unwrap().remove("manifest");
            }),
            "the bundle has no manifest",
        ),
        (
            "the manifest, passed off as an old bundle",
            forge(&|b| {
                b.as_object_mut().unwrap().remove("manifest");
                b["format"] = json!("sarabun-trail-bundle/1");
            }),
            "completeness cannot be shown",
        ),
        (
            "a recipient's decision, with the manifest rewritten to say undecided",
            forge(&|b| {
                b["entries"].as_array_mut().unwrap().remove(rejected);
                b["receipts"].as_array_mut().unwrap().remove(rejection);
                let m = b["manifest"].as_str().unwrap();
                let line = m.lines().find(|l| l.starts_with("recipient rejected")).unwrap().to_owned();
                let m = m.replace(&line, "recipient undecided - กค 0700");
                b["manifest"] = json!(m);
            }),
            "manifest: ",
        ),
    ];
    for (what, forged, says) in omissions {
        let (held, out) = verify(dir.path(), &forged, &key);
        assert!(!held, "leaving out {what} must be found: {out}");
        assert!(out.contains(says), "leaving out {what}: expected {says:?} in {out}");
    }

    // A recipient's own bundle is complete for what it may see; the others are withheld.
    let own: Value = cgd.get(&format!("/api/v1/letters/{id}/trail-bundle")).await.json().await.unwrap();
    let (held, out) = verify(dir.path(), &own, &key);
    assert!(held, "{out}");
    assert!(out.contains("กค 0700: not shown in this office's bundle"), "{out}");
    assert!(!out.contains("ส่งผิดหน่วยงาน"), "another recipient's reason is not in it: {out}");
}

async fn secret_letters_mail_no_reasons(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let rd = app.clerk("clerk.rd").await;

    // A normal letter, for comparison: its reasons are mailed.
    let reasons = |kind: &str| (format!("เหตุผลปฏิเสธ{kind}"), format!("เหตุผลเรียกคืน{kind}"));
    for (secrecy, kind) in [("none", "ทั่วไป"), ("confidential", "ลับ")] {
        let letter = send(&ops, &["กค 0400", "กค 0700"], json!({"urgency": "most_urgent", "secrecy": secrecy})).await;
        let (reject, recall) = reasons(kind);
        rd.reject(&crate::support::delivery_to(&letter, "กค 0700"), &reject).await;
        let id = letter["id"].as_str().unwrap();
        let res = ops.post(&format!("/api/v1/letters/{id}/recall"), json!({"reason": recall})).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    worker.run_once().await.unwrap();
    let mails: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| {
            let msg = mail_parser::MessageParser::default().parse(&m.raw).unwrap();
            format!(
                "{}\n{}\n{}",
                msg.subject().unwrap_or_default(),
                msg.body_text(0).unwrap_or_default(),
                msg.body_html(0).unwrap_or_default()
            )
        })
        .collect();
    let (reject, recall) = reasons("ทั่วไป");
    assert!(mails.iter().any(|m| m.contains(&reject)), "the sender hears why a normal letter was rejected");
    assert!(mails.iter().any(|m| m.contains(&recall)), "recipients hear why a normal letter was recalled");
    let (reject, recall) = reasons("ลับ");
    let told: Vec<&String> = mails.iter().filter(|m| m.contains("ไม่แสดงในอีเมลของหนังสือลับ")).collect();
    assert!(told.len() >= 2, "the secret letter's rejection and recall are mailed, without their reasons: {mails:#?}");
    for m in &mails {
        assert!(!m.contains(&reject) && !m.contains(&recall), "a secret letter's reason was mailed: {m}");
    }
}
