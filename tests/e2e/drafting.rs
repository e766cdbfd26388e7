//! Drafting and signing inside the Comptroller General's Department: an officer of the contracts
//! section drafts a letter to the OPS as a DOCX; the section head returns it once with a comment;
//! the officer uploads a new version and sends it up again; the section head and the legal
//! division's director initial it; the Director-General sets her signing PIN and signs. The letter
//! is numbered from the send register with the number and Thai date written on page 1, sent, and
//! received and stamped by the OPS — and poppler's `pdfsig` still calls the signature valid, by a
//! certificate that chains to the node's CA. Then the refusals: who may not sign, a wrong PIN (and
//! its throttle), an administrator, a second signature, and bad drafts and chains.

use crate::support::{Backend, Persona, TestApp, expect_error, on_both};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;

on_both!(
    a_letter_drafted_checked_signed_numbered_and_sent,
    who_may_not_sign_and_how_signing_is_refused,
    bad_drafts_and_chains_are_refused,
    each_step_tells_the_next_person,
);

const PIN: &str = "580214";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/letters/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn fields() -> Value {
    json!({
        "kind": "external",
        "subject": "ขอความร่วมมือจัดส่งข้อมูลการเบิกจ่ายงบประมาณ",
        "addressee": "ปลัดกระทรวงการคลัง",
        "recipients": ["กค 0100"],
        "urgency": "urgent",
    })
}

impl Persona<'_> {
    /// Starts a draft with `fields` and the file `name` of `bytes`; the raw response.
    async fn try_start_draft(&self, fields: &Value, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .part("fields", reqwest::multipart::Part::text(fields.to_string()))
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        self.post_multipart("/api/v1/drafts", form).await
    }

    async fn start_draft(&self, name: &str, bytes: Vec<u8>) -> Value {
        let res = self.try_start_draft(&fields(), name, bytes).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "start draft: {body}");
        body
    }

    async fn revise_draft(&self, id: &str, name: &str, bytes: Vec<u8>, fields: Option<Value>) -> Value {
        let mut form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        if let Some(fields) = fields {
            form = form.part("fields", reqwest::multipart::Part::text(fields.to_string()));
        }
        let res = self.post_multipart(&format!("/api/v1/drafts/{id}/versions"), form).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "revise: {body}");
        body
    }

    /// Takes a step on a draft; the draft after it.
    async fn draft_step(&self, id: &str, verb: &str, body: Value) -> Value {
        let res = self.post(&format!("/api/v1/drafts/{id}/{verb}"), body).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{} {verb}: {body}", self.username);
        body
    }

    async fn enrol(&self, pin: &str) -> Value {
        let res =
            self.put("/api/v1/me/signing-key", json!({"password": sarabun::demo::DEMO_PASSWORD, "pin": pin})).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "enrol: {body}");
        body
    }
}

fn chain() -> Value {
    json!({"chain": [
        {"username": "head.contracts.cgd", "role": "reviewer"},
        {"username": "head.legal.cgd", "role": "reviewer"},
        {"username": "dg.cgd", "role": "signer"},
    ], "note": "เสนอร่างหนังสือเพื่อโปรดพิจารณา"})
}

/// Runs a command on a PDF file; its success and standard output.
fn run(program: &str, args: &[&str], pdf: &[u8]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(program)
        .args(args)
        .arg(&path)
        .args(if program == "pdftotext" { vec!["-"] } else { vec![] })
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed (apt-get install poppler-utils qpdf): {e}"));
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// `pdfsig`'s report on `pdf`, with the node's CA root trusted in a fresh NSS database.
fn pdfsig(ca_pem: &str, pdf: &[u8]) -> String {
    let nss = tempfile::tempdir().unwrap();
    let db = format!("sql:{}", nss.path().display());
    let root = nss.path().join("root.pem");
    std::fs::write(&root, ca_pem).unwrap();
    let ok = |out: std::process::Output| assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    ok(Command::new("certutil")
        .args(["-N", "-d", &db, "--empty-password"])
        .output()
        .expect("certutil (libnss3-tools)"));
    ok(Command::new("certutil")
        .args(["-A", "-d", &db, "-n", "sarabun-root", "-t", "CT,C,C", "-i"])
        .arg(&root)
        .output()
        .unwrap());
    run("pdfsig", &["-nssdir", &db], pdf).1
}

/// A draft taken from start to the signer: returned once, revised, initialled twice.
async fn draft_up_to_the_signer(app: &TestApp) -> String {
    let officer = app.sign_in("officer.legal.cgd").await;
    let section = app.sign_in("head.contracts.cgd").await;
    let director = app.sign_in("head.legal.cgd").await;

    let d = officer.start_draft("หนังสือขอข้อมูล.docx", fixture("draft-letter.docx")).await;
    let id = d["id"].as_str().unwrap().to_owned();
    assert_eq!(d["state"], "drafting");
    assert_eq!(
        d["versions"][0]["source_media_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let d = officer.draft_step(&id, "submit", chain()).await;
    assert_eq!(d["state"], "in_review");
    assert_eq!(d["chain"][0]["current"], true);

    // The section head sees it waiting, and returns it with a comment.
    let waiting: Value = section.get("/api/v1/drafts").await.json().await.unwrap();
    assert_eq!(waiting["waiting"][0]["id"], id.as_str());
    assert_eq!(d["may"], json!(["withdraw"]), "up the chain, the drafter may only withdraw it: {d}");
    let d = section.draft_step(&id, "return", json!({"text": "ขอให้แก้กำหนดส่งข้อมูลเป็นวันที่ ๒๐ ธันวาคม"})).await;
    assert_eq!(d["state"], "returned");

    // The officer uploads a new version and sends it up again.
    let mut revised = fields();
    revised["subject"] = json!("ขอความร่วมมือจัดส่งข้อมูลการเบิกจ่ายงบประมาณ ภายในวันที่ 20 ธันวาคม");
    let d = officer.revise_draft(&id, "หนังสือขอข้อมูล-แก้ไข.docx", fixture("draft-letter-v2.docx"), Some(revised)).await;
    assert_eq!(d["subject"], "ขอความร่วมมือจัดส่งข้อมูลการเบิกจ่ายงบประมาณ ภายในวันที่ 20 ธันวาคม");
    assert_eq!(d["versions"].as_array().unwrap().len(), 2);
    let v1 = officer.get(&format!("/api/v1/drafts/{id}/versions/1")).await;
    assert_eq!(v1.status(), StatusCode::OK);
    assert_eq!(v1.headers()["content-type"], "application/pdf");
    let original = officer.get(&format!("/api/v1/drafts/{id}/versions/1?original=true")).await.bytes().await.unwrap();
    assert_eq!(original.as_ref(), fixture("draft-letter.docx").as_slice(), "the uploaded DOCX is kept as it was");
    officer.draft_step(&id, "submit", chain()).await;

    // Both heads initial it (ลงนามย่อ), and it waits for the Director-General.
    section.draft_step(&id, "initial", json!({})).await;
    let d = director.draft_step(&id, "initial", json!({"note": "เห็นควรลงนาม"})).await;
    assert_eq!(d["state"], "awaiting_signature");
    let steps: Vec<&str> = d["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(steps, ["start", "submit", "return", "revise", "submit", "initial", "initial"]);
    let initials: Vec<&Value> = d["steps"].as_array().unwrap().iter().filter(|s| s["kind"] == "initial").collect();
    assert_eq!(initials[0]["actor_name"], "นางสาวกนกวรรณ ศรีสวัสดิ์");
    assert_eq!(initials[1]["actor_position"], "ผู้อำนวยการกองกฎหมาย");
    id
}

async fn a_letter_drafted_checked_signed_numbered_and_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = draft_up_to_the_signer(&app).await;
    let dg = app.sign_in("dg.cgd").await;
    let key = dg.enrol(PIN).await;
    assert_eq!(key["source"], "node_ca");

    let d = dg.draft_step(&id, "sign", json!({"version": 2, "pin": PIN})).await;
    assert_eq!(d["state"], "sent");
    let letter_id = d["letter_id"].as_str().unwrap().to_owned();
    let letter = dg.letter(&letter_id).await;
    assert!(letter.number.starts_with("กค 0400/"), "{}", letter.number);
    let sent = app.clerk("clerk.cgd").await.register("send/2569").await;
    assert_eq!(sent.len(), 1, "the letter is the send register's first line");

    // The OPS receives it; its receiving stamp is a later revision of the signed letter.
    let ops = app.clerk("clerk.ops").await;
    let delivery = letter.delivery_to("กค 0100");
    ops.receive(&delivery).await;
    let stamped = ops.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await.bytes().await.unwrap().to_vec();
    let body = dg.get(&format!("/api/v1/letters/{letter_id}/documents/0")).await.bytes().await.unwrap().to_vec();
    assert!(stamped.starts_with(&body), "the stamped copy extends the numbered letter");

    // Kept where a person can look at it (`pdftoppm -r 60 -png`), as a clerk would print it.
    let _ = std::fs::write(std::env::temp_dir().join(format!("sarabun-signed-letter-{backend:?}.pdf")), &stamped);
    let ca = app.http.get(app.url("/.well-known/sarabun-ca.pem")).send().await.unwrap().text().await.unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    for pdf in [&body, &stamped] {
        let report = pdfsig(&ca, pdf);
        assert!(report.contains("Signature Validation: Signature is Valid."), "{report}");
        assert!(report.contains("Certificate Validation: Certificate is Trusted."), "{report}");
        assert!(report.contains("นางปิยรัตน์ เจริญผล"), "pdfsig names the signer: {report}");
        let (ok, out) = run("qpdf", &["--check"], pdf);
        assert!(ok, "qpdf --check: {out}");
    }
    let (_, text) = run("pdftotext", &["-f", "1", "-l", "1"], &body);
    assert!(text.contains(&format!("ที่ {}", letter.number)), "page 1 shows the number: {text}");
    assert!(text.contains(&letter.letter_date_th), "page 1 shows the Thai date {}: {text}", letter.letter_date_th);

    let checks: Value = dg.get(&format!("/api/v1/letters/{letter_id}/signatures")).await.json().await.unwrap();
    assert_eq!(checks[0]["intact"], true, "{checks}");
    assert_eq!(checks[0]["chain_trusted"], true);
    assert_eq!(checks[0]["signer_name"], "นางปิยรัตน์ เจริญผล");
    assert!(checks[0]["later_revisions"].as_u64().unwrap() >= 1);

    // Any signed byte changed, and the signature is no longer valid.
    let marker = b"/Type /Page";
    let at = body
        .windows(marker.len())
        .position(|w| w == marker)
        .or_else(|| body.windows(b"/Type/Page".len()).position(|w| w == b"/Type/Page"));
    let mut tampered = body.clone();
    let at = at.expect("a page object in the signed revision");
    tampered[at + 1] = b'X';
    let report = pdfsig(&ca, &tampered);
    assert!(!report.contains("Signature is Valid"), "{report}");
    let checks = sarabun_pades::verify(&tampered, &[]).unwrap();
    assert!(!checks[0].intact);

    // The signature is in the audit trail of the letter.
    let trail = dg.trail(&letter_id).await;
    assert!(
        trail.iter().any(|e| e.action == "draft.signed"),
        "{:?}",
        trail.iter().map(|e| &e.action).collect::<Vec<_>>()
    );
    // `sarabun verify` checks the PDF signature offline, against the CA root an auditor pins.
    let auditor = app.auditor("auditor").await;
    let bundle =
        auditor.get(&format!("/api/v1/letters/{letter_id}/trail-bundle?documents=true")).await.text().await.unwrap();
    let key = app.http.get(app.url("/audit/key")).send().await.unwrap().text().await.unwrap();
    let pins = sarabun::verify::Pins { log_key: Some(&key), jwks: None, ca: Some(&ca), ..Default::default() };
    let (lines, ok) = sarabun::verify::verify_bundle_with(&bundle, pins);
    assert!(ok, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("ok") && l.contains("PDF signature") && l.contains("node's CA")),
        "{lines:#?}"
    );
    // A bundle whose body had one signed byte changed fails on the signature (and the digest).
    let mut forged: Value = serde_json::from_str(&bundle).unwrap();
    {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let doc = forged["documents"].as_array_mut().unwrap().iter_mut().find(|d| d["role"] == "body").unwrap();
        doc["content_base64"] = json!(b64.encode(&tampered));
    }
    let (lines, ok) = sarabun::verify::verify_bundle_with(&forged.to_string(), pins);
    assert!(
        !ok && lines.iter().any(|l| l.starts_with("FAIL") && l.contains("PDF signature") && l.contains("changed")),
        "{lines:#?}"
    );
    let stranger = sarabun_pades::ca::NodeCa::generate("Another CA", app.now()).unwrap().cert_pem().unwrap();
    let pins = sarabun::verify::Pins { ca: Some(&stranger), ..pins };
    let (lines, ok) = sarabun::verify::verify_bundle_with(&bundle, pins);
    assert!(!ok && lines.iter().any(|l| l.starts_with("FAIL") && l.contains("NOT of the node's CA")), "{lines:#?}");
}

async fn who_may_not_sign_and_how_signing_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let officer = app.sign_in("officer.legal.cgd").await;
    // A division director may not sign an external letter for the department.
    let d = officer.start_draft("letter.docx", fixture("draft-letter.docx")).await;
    let other = d["id"].as_str().unwrap().to_owned();
    let res = officer
        .post(
            &format!("/api/v1/drafts/{other}/submit"),
            json!({"chain": [{"username": "head.payments.cgd", "role": "signer"}]}),
        )
        .await;
    expect_error(res, StatusCode::FORBIDDEN, "may_not_sign").await;

    let id = draft_up_to_the_signer(&app).await;
    let dg = app.sign_in("dg.cgd").await;
    let director = app.sign_in("head.legal.cgd").await;
    let admin = app.sign_in("officeadmin.cgd").await;
    let untouched = ["letters", "register_entries", "deliveries", "signing_keys"];
    let before = app.count_rows(&untouched).await;

    // Without a key, then with a wrong PIN, the DG is refused; nothing is sent.
    let sign = |pin: &str| json!({"version": 2, "pin": pin});
    expect_error(
        dg.post(&format!("/api/v1/drafts/{id}/sign"), sign(PIN)).await,
        StatusCode::CONFLICT,
        "no_signing_key",
    )
    .await;
    let res = dg.put("/api/v1/me/signing-key", json!({"password": "not the password", "pin": PIN})).await;
    expect_error(res, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    let res =
        dg.put("/api/v1/me/signing-key", json!({"password": sarabun::demo::DEMO_PASSWORD, "pin": "123456"})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "pin_rejected").await;
    dg.enrol(PIN).await;
    let before = {
        let mut b = before;
        b.iter_mut().find(|(t, _)| t == "signing_keys").unwrap().1 += 1;
        b
    };
    for _ in 0..5 {
        let res = dg.post(&format!("/api/v1/drafts/{id}/sign"), sign("999990")).await;
        expect_error(res, StatusCode::FORBIDDEN, "wrong_pin").await;
    }
    // Throttled like sign-in: now even the right PIN waits.
    let res = dg.post(&format!("/api/v1/drafts/{id}/sign"), sign(PIN)).await;
    expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert_eq!(app.count_rows(&untouched).await, before);

    // Someone else on the chain, an administrator, or a stale version: refused.
    let res = director.post(&format!("/api/v1/drafts/{id}/sign"), sign(PIN)).await;
    expect_error(res, StatusCode::FORBIDDEN, "not_your_draft").await;
    let res = admin.post(&format!("/api/v1/drafts/{id}/sign"), sign(PIN)).await;
    assert!(matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", res.status());
    assert_eq!(app.count_rows(&untouched).await, before);

    // Once the lock is over the DG signs; a second signature is refused.
    app.clock.advance(chrono::Duration::minutes(20));
    let dg = dg.sign_in_again().await;
    let res = dg.post(&format!("/api/v1/drafts/{id}/sign"), json!({"version": 1, "pin": PIN})).await;
    expect_error(res, StatusCode::CONFLICT, "draft_changed").await;
    dg.draft_step(&id, "sign", sign(PIN)).await;
    let after = app.count_rows(&["letters", "register_entries"]).await;
    let res = dg.post(&format!("/api/v1/drafts/{id}/sign"), sign(PIN)).await;
    expect_error(res, StatusCode::CONFLICT, "draft_state").await;
    assert_eq!(app.count_rows(&["letters", "register_entries"]).await, after);
}

async fn bad_drafts_and_chains_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let officer = app.sign_in("officer.legal.cgd").await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let res = officer.try_start_draft(&fields(), "letter.docx", png).await;
    expect_error(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "draft_format").await;
    // Looks like a Word document to the sniffer, but LibreOffice cannot read it.
    let broken = b"PK\x03\x04\x14\0\0\0[Content_Types].xml<not xml PK\x03\x04word/document.xml\x00\x01".to_vec();
    let res = officer.try_start_draft(&fields(), "letter.docx", broken).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "conversion_failed").await;
    let mut bad_fields = fields();
    bad_fields["recipients"] = json!(["กค 9999"]);
    let res = officer.try_start_draft(&bad_fields, "letter.pdf", crate::support::invitation_pdf()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count_rows(&["drafts"]).await[0].1, 0, "no draft was written");

    let d = officer.start_draft("letter.pdf", crate::support::invitation_pdf()).await;
    let id = d["id"].as_str().unwrap();
    let path = format!("/api/v1/drafts/{id}/submit");
    let submit = |chain: Value| officer.post(&path, json!({"chain": chain}));
    let res =
        submit(json!([{"username": "clerk.ops", "role": "reviewer"}, {"username": "dg.cgd", "role": "signer"}])).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "not_of_office").await;
    let res = submit(json!([{"username": "head.legal.cgd", "role": "reviewer"}])).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "chain_invalid").await;
    let res = submit(json!([])).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "chain_invalid").await;
    let res = submit(json!([{"username": "officer.legal.cgd", "role": "signer"}])).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "chain_invalid").await;
    let res = officer.post(&format!("/api/v1/drafts/{id}/submit"), json!({"chain": "dg.cgd"})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a chain that is not a list");
    // Someone of another office does not see the draft at all.
    let ops = app.sign_in("officer.ops").await;
    expect_error(ops.get(&format!("/api/v1/drafts/{id}")).await, StatusCode::NOT_FOUND, "not_found").await;
    let d: Value = officer.get(&format!("/api/v1/drafts/{id}")).await.json().await.unwrap();
    assert_eq!(d["state"], "drafting", "nothing moved: {d}");
}

async fn each_step_tells_the_next_person(backend: Backend) {
    use sarabun_notification::testing::TestSmtpServer;
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let officer = app.sign_in("officer.legal.cgd").await;
    let section = app.sign_in("head.contracts.cgd").await;
    let d = officer.start_draft("letter.pdf", crate::support::invitation_pdf()).await;
    let id = d["id"].as_str().unwrap().to_owned();
    let chain = json!({"chain": [
        {"username": "head.contracts.cgd", "role": "reviewer"},
        {"username": "dg.cgd", "role": "signer"},
    ]});
    worker.run_once().await.unwrap();
    let mails_to = |address: &str, from: usize| -> Vec<(String, String)> {
        smtp.messages()[from..]
            .iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .map(|m| {
                let msg = mail_parser::MessageParser::default().parse(&m.raw).unwrap();
                (msg.subject().unwrap_or_default().to_owned(), msg.body_text(0).unwrap().into_owned())
            })
            .collect()
    };
    let before = smtp.messages().len();
    officer.draft_step(&id, "submit", chain.clone()).await;
    worker.run_once().await.unwrap();
    let told = mails_to("kanokwan.s@cgd.example.go.th", before);
    assert_eq!(told.len(), 1, "the section head is told to check it");
    assert!(told[0].0.contains("ร่างหนังสือรอท่านตรวจ") && told[0].0.contains("ขอความร่วมมือ"), "{}", told[0].0);
    assert!(told[0].1.contains(&format!("/drafts/{id}")), "{}", told[0].1);

    let before = smtp.messages().len();
    section.draft_step(&id, "return", json!({"text": "แก้ย่อหน้าที่สอง"})).await;
    worker.run_once().await.unwrap();
    let told = mails_to("thanakorn.k@cgd.example.go.th", before);
    assert_eq!(told.len(), 1, "the drafter is told it came back");
    assert!(told[0].0.contains("ส่งคืนแก้ไข") && told[0].1.contains("แก้ย่อหน้าที่สอง"), "{:?}", told[0]);

    officer.draft_step(&id, "submit", chain).await;
    worker.run_once().await.unwrap();
    let before = smtp.messages().len();
    section.draft_step(&id, "initial", json!({})).await;
    worker.run_once().await.unwrap();
    let told = mails_to("piyarat.c@cgd.example.go.th", before);
    assert_eq!(told.len(), 1, "the DG is told it waits for her signature");
    assert!(told[0].0.contains("รอท่านลงนาม"), "{}", told[0].0);

    let dg = app.sign_in("dg.cgd").await;
    dg.enrol(PIN).await;
    let before = smtp.messages().len();
    let d = dg.draft_step(&id, "sign", json!({"version": 1, "pin": PIN})).await;
    worker.run_once().await.unwrap();
    let letter = dg.letter(d["letter_id"].as_str().unwrap()).await;
    let told = mails_to("thanakorn.k@cgd.example.go.th", before);
    assert_eq!(told.len(), 1, "the drafter is told it was signed and sent");
    assert!(told[0].0.contains(&letter.number), "{}", told[0].0);
}
