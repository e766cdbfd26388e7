//! Inside the office: the Comptroller General's Department receives a letter from the OPS; its clerk
//! proposes it to the Director-General, who orders the legal division to act; the division's head —
//! away, with a colleague acting for him — assigns it to an officer, who acts, links the answer letter,
//! reports it done and files it. The routed PDF carries every order as a minute after the letter's
//! pages, the original and the stamped copy stay byte-exact prefixes, and the trail bundle verifies.
//! Then the refusals: steps by the wrong people, on closed matters, with bad input.

use crate::support::{Backend, Persona, TestApp, expect_error, on_both};
use chrono::Duration;
use reqwest::StatusCode;
use sarabun_domain::Clock;
use serde_json::{Value, json};

on_both!(
    a_letter_routed_from_the_clerk_to_the_file,
    wrong_people_and_closed_matters_are_refused,
    bad_route_input_is_refused,
    the_next_person_is_told_and_reminded,
    work_lists_backlog_and_handover,
);

/// Takes a step and answers with the matter.
async fn step(who: &Persona<'_>, delivery: &str, verb: &str, body: Value) -> Value {
    let res = who.post(&format!("/api/v1/deliveries/{delivery}/{verb}"), body).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{} {verb}: {body}", who.username);
    body
}

async fn work(who: &Persona<'_>) -> Vec<Value> {
    let res = who.get("/api/v1/work").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// A letter the OPS sent to the CGD, received by the CGD's clerk: its delivery id.
async fn received_at_cgd(app: &TestApp, change: Value) -> String {
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let letter = ops.send_with(&["กค 0400"], change).await;
    let delivery = letter.delivery_to("กค 0400");
    cgd.receive(&delivery).await;
    delivery
}

/// Rows that a refused step must not have written.
async fn route_rows(app: &TestApp) -> Vec<(String, i64)> {
    app.count_rows(&["matters", "route_steps", "route_tasks", "events", "audit_entries"]).await
}

async fn a_letter_routed_from_the_clerk_to_the_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let delivery = received_at_cgd(&app, json!({})).await;
    let clerk = app.clerk("clerk.cgd").await;
    let dg = app.executive("dg.cgd").await;
    let head = app.executive("head.legal.cgd").await;
    let acting = app.sign_in("acting.legal.cgd").await;
    let officer = app.sign_in("officer.legal.cgd").await;
    let admin = app.admin("officeadmin.cgd").await;
    let stamped = clerk.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await.bytes().await.unwrap();

    // Before any step the matter is open, nobody holds it, and the clerk may only propose.
    let matter: Value = clerk.get(&format!("/api/v1/deliveries/{delivery}/route")).await.json().await.unwrap();
    assert_eq!(matter["state"], "open");
    assert_eq!(matter["may_take"], json!(["propose"]));

    // The clerk proposes it to the Director-General.
    let due = (app.clock.now() + Duration::days(3)).to_rfc3339();
    let m =
        step(&clerk, &delivery, "propose", json!({"to": "dg.cgd", "note": "เรียน อธิบดี เพื่อโปรดพิจารณา", "due_at": due}))
            .await;
    assert_eq!(m["holders"][0]["person"]["username"], "dg.cgd");
    assert_eq!(m["holders"][0]["purpose"], "consider");
    let dg_work = work(&dg).await;
    assert_eq!(dg_work.len(), 1);
    assert_eq!(dg_work[0]["delivery_id"], delivery);
    assert_eq!(dg_work[0]["given_by"]["username"], "clerk.cgd");
    assert!(work(&clerk).await.is_empty());

    // The Director-General orders the legal division to act.
    let m =
        step(&dg, &delivery, "order", json!({"text": "มอบ กองกฎหมาย ดำเนินการ", "assign": [{"unit": "legal"}]})).await;
    assert_eq!(m["holders"].as_array().unwrap().len(), 1);
    assert_eq!(m["holders"][0]["person"]["username"], "head.legal.cgd");
    assert_eq!(m["holders"][0]["unit"], "กองกฎหมาย");
    assert_eq!(m["holders"][0]["lead"], true);
    assert!(work(&dg).await.is_empty());
    assert_eq!(work(&head).await.len(), 1);

    // The head is away this week: the acting head sees his queue and assigns it, in his name.
    let starts = app.clock.now() - Duration::hours(1);
    let res = admin
        .post(
            "/api/v1/office/stand-ins",
            json!({"absent": "head.legal.cgd", "stand_in": "acting.legal.cgd", "kind": "acting",
                "starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::days(7)).to_rfc3339()}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let acting_work = work(&acting).await;
    assert_eq!(acting_work.len(), 1);
    assert_eq!(acting_work[0]["for_person"]["username"], "head.legal.cgd");
    let m =
        step(&acting, &delivery, "assign", json!({"to": [{"person": "officer.legal.cgd"}], "note": "ดำเนินการตามคำสั่ง"}))
            .await;
    let assign = m["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(assign["by"]["username"], "acting.legal.cgd");
    assert_eq!(assign["for_person"]["username"], "head.legal.cgd");
    assert_eq!(assign["stand_in"], "acting");
    assert!(work(&head).await.is_empty());

    // The officer reads the letter, acts, links the answer the clerk sent, reports it done, files it.
    let letter_id = m["letter_id"].as_str().unwrap().to_owned();
    assert_eq!(officer.get(&format!("/api/v1/letters/{letter_id}")).await.status(), StatusCode::OK);
    let answer = clerk.send(&["กค 0100"]).await;
    step(&officer, &delivery, "act", json!({"note": "ตรวจร่างสัญญาแล้ว เห็นควรแจ้งตอบ", "answer_letter_id": answer.id}))
        .await;
    step(&officer, &delivery, "done", json!({})).await;
    let m = step(&officer, &delivery, "file", json!({"folder": "2.1"})).await;
    assert_eq!(m["state"], "filed");
    assert_eq!(m["folder"], "2.1 แฟ้มงานนิติกรรมและสัญญา");
    let kinds: Vec<&str> = m["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["propose", "order", "assign", "act", "done", "file"]);
    assert!(m["holders"].as_array().unwrap().is_empty());
    assert!(work(&officer).await.is_empty());

    // The routed copy: the stamped copy is a prefix, each minute's copy a prefix of the next, and
    // pdftotext reads every order with its name and date.
    let routed = clerk.get(&format!("/api/v1/deliveries/{delivery}/routed")).await.bytes().await.unwrap();
    assert!(routed.starts_with(&stamped), "the stamped copy is a prefix of the routed one");
    let digests: Vec<String> =
        m["steps"].as_array().unwrap().iter().filter_map(|s| s["routed_sha256"].as_str()).map(str::to_owned).collect();
    assert_eq!(digests.len(), 5, "every step but filing wrote a minute");
    assert_eq!(digests.last().unwrap(), &m["routed_sha256"].as_str().unwrap().to_owned());
    let text = pdftotext(&routed);
    for expected in [
        "บันทึกเกษียน",
        "เรียน อธิบดี เพื่อโปรดพิจารณา",
        "มอบ กองกฎหมาย ดำเนินการ",
        "นางปิยรัตน์ เจริญผล",
        "อธิบดีกรมบัญชีกลาง",
        "รักษาการแทน ผู้อำนวยการกองกฎหมาย",
        "นางสาวรัชนี บุญมา",
        "ตรวจร่างสัญญาแล้ว",
        "2569",
    ] {
        assert!(text.contains(expected), "{expected:?} in the routed PDF:\n{text}");
    }

    // The trail bundle carries the steps and verifies; without a step it fails.
    let auditor = app.auditor("auditor").await;
    let bundle =
        auditor.get(&format!("/api/v1/letters/{letter_id}/trail-bundle?documents=true")).await.text().await.unwrap();
    let key = app.http.get(app.url("/audit/key")).send().await.unwrap().text().await.unwrap();
    let (lines, ok) = sarabun::verify::verify_bundle(&bundle, Some(&key), None);
    assert!(ok, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok") && l.contains("the stamped copy and 5 steps' copies are its prefixes")),
        "{lines:#?}"
    );
    // A routed copy that is not the last step's fails, as does one whose history was rewritten.
    let mut swapped: Value = serde_json::from_str(&bundle).unwrap();
    let routed_doc = swapped["documents"].as_array().unwrap().iter().position(|d| d["role"] == "routed").unwrap();
    let stamped_b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &stamped);
    swapped["documents"][routed_doc]["content_base64"] = json!(stamped_b64);
    swapped["documents"][routed_doc]["sha256"] = json!(sarabun_signing::sha256_hex(&stamped));
    let (_, ok) = sarabun::verify::verify_bundle(&swapped.to_string(), Some(&key), None);
    assert!(!ok, "the stamped copy passed off as the routed one must fail");
    let mut parsed: Value = serde_json::from_str(&bundle).unwrap();
    let entries = parsed["entries"].as_array_mut().unwrap();
    let ordered = entries.iter().position(|e| e["entry"].as_str().unwrap().contains("route.ordered")).unwrap();
    entries.remove(ordered);
    let (_, ok) = sarabun::verify::verify_bundle(&parsed.to_string(), Some(&key), None);
    assert!(!ok, "a bundle without the order must fail");

    // The sending office sees its letter received, but nothing of the CGD's deliberations.
    let ops = app.clerk("clerk.ops").await;
    let trail: Vec<Value> = ops.get(&format!("/api/v1/letters/{letter_id}/trail")).await.json().await.unwrap();
    assert!(trail.iter().all(|e| !e["action"].as_str().unwrap_or_default().starts_with("route.")), "{trail:?}");
    assert_eq!(ops.get(&format!("/api/v1/deliveries/{delivery}/route")).await.status(), StatusCode::NOT_FOUND);
}

/// The text of a PDF as pdftotext reads it.
fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("routed.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

async fn wrong_people_and_closed_matters_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let delivery = received_at_cgd(&app, json!({"secrecy": "confidential"})).await;
    let clerk = app.clerk("clerk.cgd").await;
    let dg = app.executive("dg.cgd").await;
    let officer = app.sign_in("officer.legal.cgd").await;
    let uncleared = app.sign_in("officer.plain.cgd").await;
    let rd = app.clerk("clerk.rd").await;

    let before = route_rows(&app).await;
    // Nobody holds it yet: the DG cannot order on it, nor an officer propose it.
    let res = dg.post(&format!("/api/v1/deliveries/{delivery}/order"), json!({"text": "ทราบ"})).await;
    expect_error(res, StatusCode::FORBIDDEN, "not_your_step").await;
    let res = officer.post(&format!("/api/v1/deliveries/{delivery}/propose"), json!({"to": "dg.cgd"})).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    // Another office does not see it at all; nor someone not cleared for a confidential letter.
    let res = rd.post(&format!("/api/v1/deliveries/{delivery}/propose"), json!({"to": "dg.cgd"})).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = uncleared.get(&format!("/api/v1/deliveries/{delivery}/route")).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    // It cannot be given to someone not cleared for it.
    let res = clerk.post(&format!("/api/v1/deliveries/{delivery}/propose"), json!({"to": "officer.plain.cgd"})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "target_not_cleared").await;
    assert_eq!(route_rows(&app).await, before, "no refused step wrote anything");

    step(&clerk, &delivery, "propose", json!({"to": "dg.cgd"})).await;
    // The clerk handed it on; it no longer waits for them.
    let res = clerk.post(&format!("/api/v1/deliveries/{delivery}/propose"), json!({"to": "deputy.cgd"})).await;
    expect_error(res, StatusCode::FORBIDDEN, "not_your_step").await;
    // Only the lead officer reports done; an order by someone who may not order is refused.
    let res = dg.post(&format!("/api/v1/deliveries/{delivery}/done"), json!({})).await;
    expect_error(res, StatusCode::FORBIDDEN, "not_your_step").await;
    step(&dg, &delivery, "acknowledge", json!({"note": "ทราบ"})).await;
    let before = route_rows(&app).await;
    let res = dg.post(&format!("/api/v1/deliveries/{delivery}/order"), json!({"text": "ทราบ แจ้งเวียน"})).await;
    expect_error(res, StatusCode::CONFLICT, "matter_closed").await;
    step(&clerk, &delivery, "file", json!({"folder": "1.1"})).await;
    let before_filed = route_rows(&app).await;
    let res = clerk.post(&format!("/api/v1/deliveries/{delivery}/file"), json!({"folder": "1.1"})).await;
    expect_error(res, StatusCode::CONFLICT, "matter_closed").await;
    assert_eq!(route_rows(&app).await, before_filed);
    assert_ne!(before, before_filed);

    // A letter not yet received cannot be routed.
    let ops = app.clerk("clerk.ops").await;
    let waiting = ops.send(&["กค 0400"]).await.delivery_to("กค 0400");
    let res = clerk.post(&format!("/api/v1/deliveries/{waiting}/propose"), json!({"to": "dg.cgd"})).await;
    expect_error(res, StatusCode::CONFLICT, "not_received").await;
    // Only the office admin sets up the office.
    let res = clerk.post("/api/v1/office/units", json!({"code": "x", "name_th": "กองใหม่", "kind": "division"})).await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn bad_route_input_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let delivery = received_at_cgd(&app, json!({})).await;
    let clerk = app.clerk("clerk.cgd").await;
    let dg = app.executive("dg.cgd").await;
    let path = |verb: &str| format!("/api/v1/deliveries/{delivery}/{verb}");
    let before = route_rows(&app).await;

    let res = clerk.post(&path("propose"), json!({"to": "nobody.cgd"})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let res = clerk.post(&path("propose"), json!({"to": "clerk.rd"})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let past = (app.clock.now() - Duration::days(1)).to_rfc3339();
    let res = clerk.post(&path("propose"), json!({"to": "dg.cgd", "due_at": past})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let res = clerk.post(&path("propose"), json!({"to": 7})).await;
    expect_error(res, StatusCode::BAD_REQUEST, "invalid_json").await;
    assert_eq!(route_rows(&app).await, before);

    step(&clerk, &delivery, "propose", json!({"to": "dg.cgd"})).await;
    let before = route_rows(&app).await;
    let res = dg.post(&path("order"), json!({"text": "   "})).await;
    let body = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    assert_eq!(body["field"], "text");
    let res = dg.post(&path("order"), json!({"text": "มอบ ดำเนินการ", "assign": [{"unit": "no-such-unit"}]})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let res = dg
        .post(&path("order"), json!({"text": "มอบ", "assign": [{"unit": "legal", "person": "officer.legal.cgd"}]}))
        .await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let res = dg.post(&path("assign"), json!({"to": []})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let two_leads = json!({"to": [{"unit": "legal", "lead": true}, {"unit": "payments", "lead": true}]});
    expect_error(dg.post(&path("assign"), two_leads).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    assert_eq!(route_rows(&app).await, before);

    // Signature images: a PNG is accepted; a PDF posing as one, and one over 1 MiB, are refused.
    let png = tiny_png();
    assert_eq!(dg.put_file("/api/v1/me/signature-image", png, "image/png").await.status(), StatusCode::NO_CONTENT);
    let res = dg.put_file("/api/v1/me/signature-image", crate::support::invitation_pdf(), "image/png").await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let mut big = tiny_png();
    big.resize(1024 * 1024 + 10, 0);
    let res = dg.put_file("/api/v1/me/signature-image", big, "image/png").await;
    expect_error(res, StatusCode::PAYLOAD_TOO_LARGE, "upload_too_large").await;
    // The registered signature is drawn with the DG's next order.
    let m = step(&dg, &delivery, "order", json!({"text": "ทราบ แจ้งเวียน"})).await;
    assert!(m["routed_sha256"].is_string());
}

/// A small valid PNG (a 2×2 black square).
fn tiny_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 2, 2);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header().unwrap().write_image_data(&[0, 0, 0, 0]).unwrap();
    }
    out
}

async fn the_next_person_is_told_and_reminded(backend: Backend) {
    use sarabun_notification::testing::TestSmtpServer;
    use sarabun_notification::worker::Job;
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let delivery = received_at_cgd(&app, json!({"urgency": "very_urgent", "subject": "ขอหารือข้อกฎหมาย"})).await;
    worker.run_once().await.unwrap();
    let before = smtp.messages().len();
    let clerk = app.clerk("clerk.cgd").await;
    let due = (app.clock.now() + Duration::hours(2)).to_rfc3339();
    step(&clerk, &delivery, "propose", json!({"to": "dg.cgd", "note": "เพื่อโปรดพิจารณา", "due_at": due})).await;
    worker.run_once().await.unwrap();
    let mails = smtp.messages();
    let to_dg: Vec<_> =
        mails[before..].iter().filter(|m| m.to.iter().any(|t| t == "piyarat.c@cgd.example.go.th")).collect();
    assert_eq!(to_dg.len(), 1, "a very urgent letter is mailed to the DG at once");
    let msg = mail_parser::MessageParser::default().parse(&to_dg[0].raw).unwrap();
    let (subject, text) = (msg.subject().unwrap_or_default().to_owned(), msg.body_text(0).unwrap().into_owned());
    assert!(subject.contains("เรื่องเสนอเพื่อพิจารณา") && subject.contains("ขอหารือข้อกฎหมาย"), "{subject}");
    assert!(text.contains("นางวันดี ศรีสุข") && text.contains("เพื่อโปรดพิจารณา") && text.contains("/letters/"), "{text}");

    // Past the due time the DG is reminded once, and not again.
    app.clock.advance(Duration::hours(3));
    let before = smtp.messages().len();
    worker.run_job(Job::Reminders, app.now()).await.unwrap();
    worker.run_once().await.unwrap();
    let reminded =
        smtp.messages()[before..].iter().filter(|m| m.to.iter().any(|t| t == "piyarat.c@cgd.example.go.th")).count();
    assert_eq!(reminded, 1, "the DG is reminded of the overdue task");
    app.clock.advance(Duration::minutes(10));
    let before = smtp.messages().len();
    worker.run_job(Job::Reminders, app.now()).await.unwrap();
    worker.run_once().await.unwrap();
    let again =
        smtp.messages()[before..].iter().filter(|m| m.to.iter().any(|t| t == "piyarat.c@cgd.example.go.th")).count();
    assert_eq!(again, 0, "once");
}

async fn work_lists_backlog_and_handover(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let normal = received_at_cgd(&app, json!({"urgency": "normal", "subject": "ขอความอนุเคราะห์ข้อมูล"})).await;
    let urgent = received_at_cgd(&app, json!({"urgency": "most_urgent", "subject": "ขอหารือด่วนที่สุด"})).await;
    let clerk = app.clerk("clerk.cgd").await;
    let dg = app.executive("dg.cgd").await;
    let officer = app.sign_in("officer.legal.cgd").await;
    let acting = app.sign_in("acting.legal.cgd").await;
    let admin = app.admin("officeadmin.cgd").await;
    for delivery in [&normal, &urgent] {
        step(&clerk, delivery, "propose", json!({"to": "dg.cgd"})).await;
        step(&dg, delivery, "order", json!({"text": "มอบ นิติกร ดำเนินการ", "assign": [{"person": "officer.legal.cgd"}]}))
            .await;
    }
    // The most urgent first, though it came later.
    let mine = work(&officer).await;
    assert_eq!(
        mine.iter().map(|w| w["delivery_id"].as_str().unwrap()).collect::<Vec<_>>(),
        [urgent.as_str(), normal.as_str()]
    );
    assert_eq!(mine[0]["urgency"], "most_urgent");
    assert_eq!(mine[0]["purpose"], "act");

    // The office's backlog counts both under the officer's unit; the clerk and the admin see it.
    let backlog: Value = admin.get("/api/v1/office/backlog").await.json().await.unwrap();
    assert_eq!(backlog["open_matters"], 2);
    let unit = backlog["units"].as_array().unwrap().iter().find(|u| u["unit"] == "legal-contracts").unwrap();
    assert_eq!(unit["by_age"][0], 2);
    assert_eq!(clerk.get("/api/v1/office/backlog").await.status(), StatusCode::OK);
    expect_error(officer.get("/api/v1/office/backlog").await, StatusCode::FORBIDDEN, "forbidden").await;

    // The officer moves to another department: the admin hands his waiting work over, recorded.
    let res = admin
        .post(
            "/api/v1/office/handover",
            json!({"from": "officer.legal.cgd", "to": "acting.legal.cgd", "note": "ย้ายไปกองอื่น"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(moved["matters"].as_array().unwrap().len(), 2);
    assert!(work(&officer).await.is_empty());
    assert_eq!(work(&acting).await.len(), 2);
    let matter: Value = acting.get(&format!("/api/v1/deliveries/{urgent}/route")).await.json().await.unwrap();
    assert_eq!(matter["steps"].as_array().unwrap().last().unwrap()["kind"], "handover");
    assert_eq!(matter["holders"][0]["person"]["username"], "acting.legal.cgd");
    expect_error(
        clerk.post("/api/v1/office/handover", json!({"from": "acting.legal.cgd", "to": "dg.cgd"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
