//! Drafting and signing in a real browser, through the web pages only: an officer of the
//! Comptroller General's Department drafts a letter to the OPS as a DOCX; the section head returns
//! it once with a comment; the officer uploads a new version and sends it up again; the section
//! head and the division director initial it (ลงนามย่อ); the Director-General sets her signing PIN
//! and signs. The letter is numbered and sent; the OPS clerk receives it (stamped) and proposes it
//! to the Permanent Secretary, which writes the minute — and the letter page still shows the
//! signature valid. Takes the screenshots of the draft, the sign form and the signature panel.

use crate::support::browser::Browser;
use crate::support::{Backend, TestApp};
use serde_json::json;
use std::path::PathBuf;

const PIN: &str = "580214";

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/letters").join(name).display().to_string()
}

/// Opens a step's form (a closed `<details>`) by its summary.
async fn open_step(browser: &Browser, step: &str) {
    if !browser.exists(&format!("#step-{step}[open]")).await {
        browser.click(&format!("#step-{step} > summary")).await;
    }
}

#[tokio::test]
async fn a_letter_drafted_returned_initialled_and_signed_in_the_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let browser = Browser::start(&app).await;
    let subject = "ขอความร่วมมือจัดส่งข้อมูลการเบิกจ่ายงบประมาณ";

    // The officer drafts the letter with its DOCX.
    browser.sign_in("officer.legal.cgd").await;
    browser.click("#nav-drafts").await;
    browser.wait_for_path("/drafts").await;
    assert!(browser.exists("#waiting-empty").await);
    browser.click("#new-draft").await;
    browser.wait_for_path("/drafts/new").await;
    browser.fill("#subject", subject).await;
    browser.fill("#addressee", "ปลัดกระทรวงการคลัง").await;
    browser.find("#urgency").await.select_by_value("urgent").await.unwrap();
    browser.fill("#office-filter", "0100").await;
    browser.click("input[name=recipients][value='กค 0100']").await;
    // Without the file the form comes back saying so, in Thai, with what was typed kept.
    browser.client.execute("document.getElementById('file').removeAttribute('required')", vec![]).await.unwrap();
    browser.click("#start-draft").await;
    let errors = browser.text("#draft-errors").await;
    assert!(errors.contains("ไฟล์ร่างหนังสือ"), "{errors}");
    assert_eq!(browser.find("#subject").await.prop("value").await.unwrap().as_deref(), Some(subject));
    browser.find("#file").await.send_keys(&fixture("draft-letter.docx")).await.unwrap();
    browser.click("#start-draft").await;
    // `/drafts/new` is under `/drafts/` too: wait for the draft's own page.
    let mut path = browser.wait_for_path("/drafts/").await;
    for _ in 0..200 {
        if path.ends_with("?done=started") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        path = browser.wait_for_path("/drafts/").await;
    }
    assert!(path.ends_with("?done=started"), "{path}");
    let draft_id = path.trim_start_matches("/drafts/").trim_end_matches("?done=started").to_owned();
    let page = format!("/drafts/{draft_id}");
    assert!(browser.text("#notice").await.contains("บันทึกร่างแล้ว"));
    assert_eq!(browser.text("#draft-state").await, "กำลังร่าง");
    assert!(browser.exists("#versions li[data-version='1'] a.version-original").await, "the DOCX is offered");

    // It goes up: the section head, then the division director, to the Director-General.
    assert!(browser.exists("#step-submit[open]").await);
    browser.find("#reviewer-1").await.select_by_value("head.contracts.cgd").await.unwrap();
    browser.find("#reviewer-2").await.select_by_value("head.legal.cgd").await.unwrap();
    browser.find("#signer").await.select_by_value("dg.cgd").await.unwrap();
    browser.fill("#submit-note", "เสนอร่างหนังสือเพื่อโปรดพิจารณา").await;
    browser.click("#submit").await;
    browser.wait_for_path(&format!("{page}?done=submit")).await;
    assert_eq!(browser.text("#draft-state").await, "อยู่ระหว่างตรวจร่าง");
    assert!(browser.exists("#chain li.current[data-user='head.contracts.cgd']").await);
    assert!(browser.text("#holder").await.contains("นางสาวกนกวรรณ ศรีสวัสดิ์"));
    assert!(!browser.exists("#step-submit").await && browser.exists("#step-withdraw").await);
    browser.sign_out().await;

    // The section head finds it waiting and returns it with a comment.
    app.clock.advance(chrono::Duration::minutes(47));
    browser.sign_in("head.contracts.cgd").await;
    browser.goto("/drafts").await;
    browser.click(&format!("#drafts-waiting a[href='{page}']")).await;
    browser.wait_for_path(&page).await;
    assert!(browser.exists("#step-initial[open]").await, "initialling is what she most likely came for");
    open_step(&browser, "return").await;
    browser.fill("#return-reason", "ขอให้แก้กำหนดส่งข้อมูลเป็นวันที่ ๒๐ ธันวาคม").await;
    browser.click("#return").await;
    browser.wait_for_path(&format!("{page}?done=return")).await;
    assert_eq!(browser.text("#draft-state").await, "ส่งคืนแก้ไข");
    browser.sign_out().await;

    // The officer reads why, uploads the new version and sends it up again along the same chain.
    app.clock.advance(chrono::Duration::minutes(95));
    browser.sign_in("officer.legal.cgd").await;
    browser.goto("/drafts").await;
    browser.click(&format!("#drafts-mine a[href='{page}']")).await;
    browser.wait_for_path(&page).await;
    assert!(browser.text("#draft-record li[data-kind=return]").await.contains("๒๐ ธันวาคม"));
    assert!(browser.exists("#step-revise[open]").await);
    browser.find("#revise-file").await.send_keys(&fixture("draft-letter-v2.docx")).await.unwrap();
    browser.click("#revise").await;
    browser.wait_for_path(&format!("{page}?done=revise")).await;
    assert_eq!(browser.find_all_count("#versions li").await, 2);
    assert_eq!(
        browser.find("#reviewer-2").await.prop("value").await.unwrap().as_deref(),
        Some("head.legal.cgd"),
        "the chain is offered as it was"
    );
    browser.click("#submit").await;
    browser.wait_for_path(&format!("{page}?done=submit")).await;
    browser.sign_out().await;

    // The section head and the division director initial it.
    app.clock.advance(chrono::Duration::minutes(38));
    browser.sign_in("head.contracts.cgd").await;
    browser.goto(&page).await;
    browser.click("#initial").await;
    browser.wait_for_path(&format!("{page}?done=initial")).await;
    browser.sign_out().await;
    app.clock.advance(chrono::Duration::minutes(26));
    browser.sign_in("head.legal.cgd").await;
    browser.goto("/drafts").await;
    browser.click(&format!("#drafts-waiting a[href='{page}']")).await;
    browser.wait_for_path(&page).await;
    browser.fill("#initial-note", "เห็นควรลงนาม").await;
    browser.click("#initial").await;
    browser.wait_for_path(&format!("{page}?done=initial")).await;
    assert_eq!(browser.text("#draft-state").await, "รอลงนาม");
    browser.sign_out().await;

    // The Director-General has no signing key yet: she sets her PIN, a mistyped one first.
    app.clock.advance(chrono::Duration::minutes(64));
    browser.sign_in("dg.cgd").await;
    browser.goto("/drafts").await;
    browser.click(&format!("#drafts-waiting a[href='{page}']")).await;
    browser.wait_for_path(&page).await;
    assert!(browser.exists("#chain li.passed[data-user='head.contracts.cgd']").await);
    assert!(browser.exists("#chain li.current[data-user='dg.cgd']").await);
    let record = browser.text("#draft-record").await;
    for expected in ["ลงนามย่อ", "นางสาวกนกวรรณ ศรีสวัสดิ์", "ผู้อำนวยการกองกฎหมาย", "เห็นควรลงนาม", "2569"]
    {
        assert!(record.contains(expected), "{expected} in the record: {record}");
    }
    let kinds = browser
        .client
        .execute("return [...document.querySelectorAll('#draft-record li')].map(li => li.dataset.kind)", vec![])
        .await
        .unwrap();
    assert_eq!(kinds, json!(["start", "submit", "return", "revise", "submit", "initial", "initial"]));
    assert!(browser.exists("#sign-no-key").await);
    browser.screenshot("draft-chain").await;
    browser.click("#sign-no-key a").await;
    browser.wait_for_path("/me/signing-key").await;
    assert!(browser.exists("#no-key").await);
    browser.fill("#pin-password", sarabun::demo::DEMO_PASSWORD).await;
    browser.fill("#pin", PIN).await;
    browser.fill("#pin-again", "580215").await;
    browser.click("#set-pin").await;
    assert!(browser.text("#pin-errors").await.contains("ไม่ตรงกัน"));
    browser.fill("#pin-password", sarabun::demo::DEMO_PASSWORD).await;
    browser.fill("#pin", PIN).await;
    browser.fill("#pin-again", PIN).await;
    browser.click("#set-pin").await;
    browser.wait_for_path("/me/signing-key?done=pin").await;
    assert!(browser.text("#key-subject").await.contains("นางปิยรัตน์ เจริญผล"));
    assert_eq!(browser.text("#key-fingerprint").await.len(), 64);
    browser.screenshot("signing-key").await;

    // She signs: a wrong PIN is refused with the reason, the right one signs, numbers and sends.
    browser.goto(&page).await;
    let pin = browser.find("#sign-pin").await;
    assert_eq!(pin.attr("type").await.unwrap().as_deref(), Some("password"));
    assert_eq!(pin.attr("inputmode").await.unwrap().as_deref(), Some("numeric"));
    assert_eq!(pin.attr("autocomplete").await.unwrap().as_deref(), Some("off"));
    // On a phone the sign form is one tap away, past the letter.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.tap("#jump-to-steps").await;
    let shot = browser.client.screenshot().await.unwrap();
    std::fs::write(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots/draft-sign-phone.png"), shot)
        .unwrap();
    browser.client.set_window_size(1280, 900).await.unwrap();
    browser.fill("#sign-pin", "999990").await;
    browser.click("#sign").await;
    let refused = browser.text("#notice.error").await;
    assert!(refused.chars().any(|c| ('\u{0E01}'..='\u{0E5B}').contains(&c)), "{refused}");
    assert_eq!(browser.text("#draft-state").await, "รอลงนาม", "nothing moved");
    browser.fill("#sign-pin", PIN).await;
    browser.screenshot("draft-sign").await;
    browser.click("#sign").await;
    browser.wait_for_path(&format!("{page}?done=sign")).await;
    assert_eq!(browser.text("#draft-state").await, "ลงนามและส่งแล้ว");
    assert!(browser.exists("#chain li.passed[data-user='dg.cgd']").await);
    browser.click("#to-letter").await;
    let letter_path = browser.wait_for_path("/letters/").await;
    let letter_id = letter_path.trim_start_matches("/letters/").to_owned();
    let number = browser.text("#letter-number").await;
    assert!(number.starts_with("กค 0400/"), "{number}");
    let signature = browser.text("#signatures li.signature").await;
    assert!(signature.contains("นางปิยรัตน์ เจริญผล") && signature.contains("✓ ลายมือชื่อถูกต้อง"), "{signature}");
    browser.sign_out().await;

    // The OPS clerk receives it from the web inbox (stamped) and proposes it to the Permanent
    // Secretary, which writes the minute; the signature still holds on what she reads.
    app.clock.advance(chrono::Duration::minutes(120));
    browser.sign_in("clerk.ops").await;
    browser.find(&format!("#inbox tr.unread a[href='/letters/{letter_id}']")).await;
    browser.click(&format!("#inbox a[href='/letters/{letter_id}']")).await;
    browser.wait_for_path(&format!("/letters/{letter_id}")).await;
    browser.click("#receive").await;
    browser.wait_for_path(&format!("/letters/{letter_id}?done=received")).await;
    assert!(browser.exists("#show-stamped").await, "the stamped copy is offered");
    browser.find("#propose-to").await.select_by_value("ps.ops").await.unwrap();
    browser.fill("#propose-note", "เรียน ปลัดกระทรวงการคลัง เพื่อโปรดพิจารณา").await;
    browser.click("#propose").await;
    browser.wait_for_path(&format!("/letters/{letter_id}?done=route_propose")).await;
    assert!(browser.text("#holders").await.contains("ปลัดกระทรวงการคลัง"));
    let panel = browser.text("#signatures").await;
    assert!(panel.contains("✓ ลายมือชื่อถูกต้อง"), "{panel}");
    browser.screenshot("letter-signature").await;
    // In English the panel reads in English.
    browser.goto(&format!("/lang/en?back=/letters/{letter_id}")).await;
    browser.wait_for_path(&format!("/letters/{letter_id}")).await;
    assert!(browser.text("#signatures").await.contains("✓ Signature valid"));
    browser.goto(&format!("/lang/th?back=/letters/{letter_id}")).await;
    browser.wait_for_path(&format!("/letters/{letter_id}")).await;
    browser.close().await;

    // What the pages did is what the records hold: received with its number, the stamp and the
    // minute later revisions of the signed letter, the signature intact under both.
    let ops = app.clerk("clerk.ops").await;
    let letter = ops.letter(&letter_id).await;
    let delivery = letter.delivery_to("กค 0100");
    let stamped = ops.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await.bytes().await.unwrap();
    let routed = ops.get(&format!("/api/v1/deliveries/{delivery}/routed")).await.bytes().await.unwrap();
    for pdf in [&stamped, &routed] {
        let checks = sarabun_pades::verify(pdf, &[]).unwrap();
        assert_eq!(checks.len(), 1);
        assert!(checks[0].intact, "the signature holds over the stamp and the minute");
        assert!(checks[0].later_revisions >= 2, "{}", checks[0].later_revisions);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("routed.pdf");
    std::fs::write(&file, &routed).unwrap();
    let text = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext is installed");
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("เรียน ปลัดกระทรวงการคลัง เพื่อโปรดพิจารณา"), "the minute in the routed PDF:\n{text}");
    assert!(text.contains(&format!("ที่ {number}")), "the number on page 1:\n{text}");
}
