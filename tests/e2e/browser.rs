//! The web interface in a real browser: Debian's headless Chromium driven through its ChromeDriver
//! (WebDriver, via fantoccini), against the real node. `.ci/run` installs both; without them these
//! tests fail and say how to get them. The scenario test also takes the screenshots in
//! docs/screenshots/ that the README shows.

use crate::support::browser::Browser;
use crate::support::{Backend, Persona, TestApp};
use sarabun_domain::Clock;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

const CGD: &str = "กค 0400";
const RD: &str = "กค 0700";

/// A few letters from other departments, so the inbox looks like a working day.
async fn fill_inbox(app: &TestApp, to: &str) {
    let letters = [
        ("clerk.customs", "ขอส่งรายงานผลการจัดเก็บรายได้ประจำเดือนตุลาคม 2569", "urgent", "none"),
        ("clerk.excise", "ขอความอนุเคราะห์ข้อมูลประกอบการจัดทำงบประมาณ", "normal", "none"),
        ("clerk.treasury", "แจ้งกำหนดการตรวจนับเหรียญกษาปณ์ประจำปี", "most_urgent", "none"),
        ("clerk.fpo", "ขอหารือแนวทางการเบิกจ่ายเงินโครงการ", "normal", "confidential"),
    ];
    for (clerk, subject, urgency, secrecy) in letters {
        let user = app.sign_in(clerk).await;
        let sha = user.upload_pdf(crate::support::invitation_pdf()).await;
        let body = crate::support::letter_body_with(
            &sha,
            &[to],
            json!({"subject": subject, "urgency": urgency, "secrecy": secrecy}),
        );
        let res = user.post("/api/v1/letters", body).await;
        assert_eq!(res.status(), reqwest::StatusCode::CREATED, "{}", res.text().await.unwrap());
        app.clock.advance(chrono::Duration::minutes(17));
    }
}

async fn api_letter(user: &Persona<'_>, id: &str) -> Value {
    user.get(&format!("/api/v1/letters/{id}")).await.json().await.unwrap()
}

/// The OPS clerk sends a letter with a PDF to two departments through the compose page; one
/// department's clerk receives it, the other's rejects it; the OPS clerk sees both outcomes.
#[tokio::test]
async fn clerks_send_receive_and_reject_in_the_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    fill_inbox(&app, CGD).await;
    let browser = Browser::start(&app).await;

    // The OPS clerk composes and sends.
    browser.sign_in("clerk.ops").await;
    assert_eq!(browser.path().await, "/inbox");
    browser.goto("/compose").await;
    let subject = "ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์ ครั้งที่ 1/2570";
    browser.fill("#subject", subject).await;
    browser.fill("#addressee", "อธิบดีกรมบัญชีกลาง และอธิบดีกรมสรรพากร").await;
    browser.find("#urgency").await.select_by_value("very_urgent").await.unwrap();
    // The office filter narrows the list; the boxes stay in the form.
    browser.fill("#office-filter", "0400").await;
    assert!(!browser.find(&format!("input[name=recipients][value='{RD}']")).await.is_displayed().await.unwrap());
    browser.click(&format!("input[name=recipients][value='{CGD}']")).await;
    browser.fill("#office-filter", "สรรพากร").await;
    browser.click(&format!("input[name=recipients][value='{RD}']")).await;
    let pdf = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/letters/invitation.pdf");
    browser.find("#body").await.send_keys(pdf.to_str().unwrap()).await.unwrap();
    browser.fill("#ref_number_0", "กค 0100/ว 12").await;
    browser.fill("#signer_name", "นายประเสริฐ มั่นคง").await;
    browser.fill("#signer_position", "รองปลัดกระทรวงการคลัง").await;
    let chosen = browser.text("#chosen").await;
    assert!(chosen.contains(CGD) && chosen.contains(RD), "{chosen}");
    browser
        .client
        .execute(
            "const f = document.getElementById('office-filter'); f.value = ''; f.dispatchEvent(new Event('input'))",
            vec![],
        )
        .await
        .unwrap();
    browser.screenshot("compose").await;
    // A reference without its date is refused with the form kept, then corrected.
    browser.click("#send").await;
    let errors = browser.find("#compose-errors:not([hidden])").await;
    assert!(errors.text().await.unwrap().contains("อ้างถึง"), "{}", errors.text().await.unwrap());
    assert_eq!(browser.find("#subject").await.prop("value").await.unwrap().as_deref(), Some(subject));
    browser.client.execute("document.getElementById('ref_date_0').value = '2026-10-01'", vec![]).await.unwrap();
    browser.click("#send").await;
    let path = browser.wait_for_path("/letters/").await;
    assert!(path.ends_with("?done=sent"), "{path}");
    let letter_id = path.trim_start_matches("/letters/").trim_end_matches("?done=sent").to_owned();
    assert!(browser.text("#notice").await.contains("ส่งหนังสือแล้ว"));
    let number = browser.text("#letter-number").await;
    assert!(number.contains("กค 0100/"), "{number}");
    assert_eq!(browser.find_all_count("#tracking tbody tr").await, 2);
    browser.sign_out().await;

    // The Comptroller General's clerk finds it unread in the inbox and receives it.
    browser.sign_in("clerk.cgd").await;
    let row = format!("#inbox tr.unread a[href='/letters/{letter_id}']");
    browser.find(&row).await;
    assert_eq!(browser.text("#inbox-total").await, "5");
    browser.screenshot("inbox").await;
    browser.screenshot_at("inbox-phone", 390).await;
    browser.fill("#q", "ครั้งที่ 1/2570").await;
    browser.find("#q").await.send_keys("\u{E007}").await.unwrap(); // Enter
    browser.wait_for_path("/inbox?q=").await;
    assert_eq!(browser.text("#inbox-total").await, "1");
    browser.click(&format!("a[href='/letters/{letter_id}']")).await;
    browser.wait_for_path(&format!("/letters/{letter_id}")).await;
    browser.fill("#receive-action", "เสนออธิบดีเพื่อโปรดทราบ").await;
    browser.click("#receive").await;
    browser.wait_for_path(&format!("/letters/{letter_id}?done=received")).await;
    assert!(browser.text("#notice").await.contains("ลงรับหนังสือแล้ว"));
    let mine = browser.text(&format!("#tracking tr[data-office='{CGD}'][data-state='received'] .outcome")).await;
    assert!(mine.starts_with("1/2569"), "{mine}");
    assert!(browser.exists("#show-stamped").await, "the stamped copy is offered");
    assert!(!browser.exists("#receive-form").await, "nothing left to do");
    browser.screenshot("letter").await;
    // Back in the inbox the letter is read.
    browser.goto("/inbox").await;
    assert!(!browser.exists(&row).await);
    browser.sign_out().await;

    // The Revenue Department's clerk rejects it with a reason; a reasonless reject is refused first.
    browser.sign_in("clerk.rd").await;
    browser.goto(&format!("/letters/{letter_id}")).await;
    browser
        .client
        .execute("document.getElementById('reject-reason').removeAttribute('required')", vec![])
        .await
        .unwrap();
    browser.click("#reject").await;
    assert!(browser.text("#notice").await.len() > 3, "an empty reason is refused with a message");
    browser.fill("#reject-reason", "ไม่ใช่ภารกิจของกรมสรรพากร").await;
    browser.click("#reject").await;
    browser.wait_for_path(&format!("/letters/{letter_id}?done=rejected")).await;
    browser.sign_out().await;

    // The OPS clerk sees one received with its number and one rejected with the reason.
    browser.sign_in("clerk.ops").await;
    browser.goto("/sent").await;
    browser.click(&format!("#sent a[href='/letters/{letter_id}']")).await;
    browser.wait_for_path(&format!("/letters/{letter_id}")).await;
    let received = browser.text(&format!("#tracking tr[data-office='{CGD}'][data-state='received']")).await;
    assert!(received.contains("1/2569"), "{received}");
    let rejected = browser.text(&format!("#tracking tr[data-office='{RD}'][data-state='rejected']")).await;
    assert!(rejected.contains("ไม่ใช่ภารกิจของกรมสรรพากร"), "{rejected}");
    assert!(!browser.exists("#recall-form").await, "no recall after a receipt");
    browser.close().await;

    // What the pages did is what the API records.
    let ops = app.clerk("clerk.ops").await;
    let letter = api_letter(&ops, &letter_id).await;
    let states: Vec<(&str, &str)> = letter["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["office"]["code"].as_str().unwrap(), r["state"].as_str().unwrap()))
        .collect();
    assert!(states.contains(&(CGD, "received")) && states.contains(&(RD, "rejected")), "{states:?}");
    assert_eq!(letter["references"][0]["number"], "กค 0100/ว 12");
}

/// An auditor finds any letter and reads it with its trail, but has no action to take, and a forged
/// action is refused.
#[tokio::test]
async fn an_auditor_reads_but_cannot_act() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let letter = ops.send(&[CGD]).await;
    let letter_id = letter.id.as_str().to_owned();
    let delivery = letter.delivery_to(CGD);
    let browser = Browser::start(&app).await;

    browser.sign_in("auditor").await;
    assert_eq!(browser.path().await, "/auditor");
    assert!(!browser.exists("a[href='/compose']").await, "no compose in the auditor's menu");
    assert!(browser.find("#checkpoint-size").await.text().await.unwrap().parse::<u64>().unwrap() > 0);
    browser.fill("#q", "ขอเชิญประชุม").await;
    browser.find("#q").await.send_keys("\u{E007}").await.unwrap();
    browser.wait_for_path("/auditor?q=").await;
    browser.click(&format!("#found a[href='/letters/{letter_id}']")).await;
    browser.wait_for_path(&format!("/letters/{letter_id}")).await;
    assert!(browser.exists("#no-actions").await);
    for form in ["#receive-form", "#reject-form", "#recall-form"] {
        assert!(!browser.exists(form).await, "{form} shown to an auditor");
    }
    let trail = browser.text("#trail").await;
    assert!(trail.contains("letter.sent"), "{trail}");
    assert!(browser.exists("#trail-bundle").await);

    // A receive forged from the auditor's own page, with the right CSRF token, is still refused.
    let status = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const body = new URLSearchParams({csrf: document.querySelector('meta[name=csrf-token]').content,
                                               letter_id: arguments[1]});
             fetch('/deliveries/' + arguments[0] + '/receive', {method: 'POST', body})
               .then(r => done(r.status), e => done(String(e)));",
            vec![json!(delivery), json!(letter_id)],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403), "the auditor's receive is forbidden");
    browser.goto("/compose").await;
    assert_eq!(browser.text("#error-code").await, "forbidden");
    browser.close().await;

    let letter = api_letter(&ops, &letter_id).await;
    assert_eq!(letter["recipients"][0]["state"], "delivered", "nothing changed");
}

/// An HTML and an SVG enclosure whose scripts would reject the delivery from the recipient clerk's
/// session: opened from the letter page, in a tab of their own and even forced into a frame of the
/// page, neither runs. The same script run in the page itself does reject it, so the test would see
/// an attack that worked.
#[tokio::test]
async fn a_hostile_enclosure_does_not_run_when_the_recipient_opens_it() {
    use crate::hostile_input::{HOSTILE_HTML, HOSTILE_SVG, send_with_enclosures};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let enclosures: [(&str, &[u8], &str); 2] = [
        ("ใบแจ้งหนี้.html", HOSTILE_HTML.as_bytes(), "text/html"),
        ("แผนภูมิ.svg", HOSTILE_SVG.as_bytes(), "image/svg+xml"),
    ];
    let (letter, _) = send_with_enclosures(&ops, &enclosures).await;
    let letter_id = letter["id"].as_str().unwrap().to_owned();
    let browser = Browser::start(&app).await;
    browser.sign_in("clerk.cgd").await;
    let page = format!("/letters/{letter_id}");
    browser.goto(&page).await;
    let title = browser.client.title().await.unwrap();

    for position in [1, 2] {
        let url = format!("/api/v1/letters/{letter_id}/documents/{position}");
        // The link on the page, as a clerk clicks it.
        browser.click(&format!("a[href='{url}']")).await;
        // In a tab of its own (the address typed or the link opened in a new tab): a download.
        let _ = browser.client.goto(&format!("{}{url}", browser.base)).await;
        // Forced into a frame of the letter page, where a same-origin script could reach the page.
        browser.goto(&page).await;
        browser
            .client
            .execute(
                "const f = document.createElement('iframe'); f.id = 'forced'; f.src = arguments[0];
                 document.body.appendChild(f);",
                vec![json!(url)],
            )
            .await
            .unwrap();
    }
    // Give any script that did start the time to finish its requests.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let shot = std::env::temp_dir().join("sarabun-hostile-enclosure.png");
    std::fs::write(&shot, browser.client.screenshot().await.unwrap()).unwrap();

    browser.goto(&page).await;
    assert_eq!(browser.client.title().await.unwrap(), title, "no script retitled the page");
    let marker = browser.client.execute("return localStorage.getItem('pwned')", vec![]).await.unwrap();
    assert_eq!(marker, Value::Null, "no script wrote to the node's storage");
    let cgd = app.clerk("clerk.cgd").await;
    assert_eq!(api_letter(&cgd, &letter_id).await["recipients"][0]["state"], "delivered");
    assert!(browser.exists("#receive-form").await, "the delivery still waits for the clerk");

    // The control: the same script run in the page's own origin is a working attack.
    let script = HOSTILE_HTML.split("<script>").nth(1).unwrap().split("</script>").next().unwrap();
    browser.client.execute(script, vec![]).await.unwrap();
    let mut state = Value::Null;
    for _ in 0..100 {
        state = api_letter(&cgd, &letter_id).await["recipients"][0]["state"].clone();
        if state == "rejected" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, "rejected", "the script would have rejected the delivery, had it run");
    browser.close().await;
}

/// A few matters already waiting for the Director-General, of different ages (one overdue), so
/// the work list and the office's backlog look like a working week.
async fn matters_waiting_at_cgd(app: &TestApp) {
    fill_inbox(app, CGD).await;
    let clerk = app.clerk("clerk.cgd").await;
    let inbox: Value = clerk.get("/api/v1/inbox").await.json().await.unwrap();
    let deliveries: Vec<String> =
        inbox["items"].as_array().unwrap().iter().map(|i| i["delivery_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(deliveries.len(), 4);
    for (i, delivery) in deliveries.iter().enumerate() {
        // Sessions last hours, the clock moves days: sign in afresh each time.
        let clerk = app.clerk("clerk.cgd").await;
        clerk.receive(delivery).await;
        let due = (app.clock.now() + chrono::Duration::days(2)).to_rfc3339();
        let to = if i == 3 { "deputy.cgd" } else { "dg.cgd" };
        let res = clerk
            .post(
                &format!("/api/v1/deliveries/{delivery}/propose"),
                json!({"to": to, "note": "เพื่อโปรดพิจารณา", "due_at": due}),
            )
            .await;
        assert_eq!(res.status(), reqwest::StatusCode::OK, "{}", res.text().await.unwrap());
        app.clock.advance(chrono::Duration::days([9, 3, 1, 0][i]));
    }
}

/// The acceptance scenario of "inside the office", in the browser: the Comptroller General's clerk
/// receives a letter from the OPS and proposes it to the Director-General; the DG, on a phone,
/// orders the legal division with a one-tap phrase; the division's acting head (the head is away)
/// assigns it to an officer; the clerk composes the answer from the letter; the officer records
/// what was done, links the answer, reports it done and files it. The routed PDF carries every
/// minute with its name.
#[tokio::test]
async fn a_letter_routed_inside_the_office_in_the_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    matters_waiting_at_cgd(&app).await;
    let ops = app.clerk("clerk.ops").await;
    let subject = "ขอให้ตรวจร่างสัญญาจ้างพัฒนาระบบบัญชีภาครัฐ";
    let letter = ops.send_with(&[CGD], json!({"subject": subject, "urgency": "urgent"})).await;
    let letter_id = letter.id.clone();
    let delivery = letter.delivery_to(CGD);
    let page = format!("/letters/{letter_id}");
    let browser = Browser::start(&app).await;

    // The clerk receives it and proposes it to the Director-General, due in three days.
    browser.sign_in("clerk.cgd").await;
    assert_eq!(browser.path().await, "/inbox", "a clerk still starts at the inbox");
    browser.goto(&page).await;
    browser.click("#receive").await;
    browser.wait_for_path(&format!("{page}?done=received")).await;
    assert!(browser.exists("#step-propose[open]").await, "proposing is what the clerk came for");
    assert_eq!(browser.find_all_count("#step-forms details.step-form").await, 1, "the clerk may only propose");
    assert!(browser.exists("#timeline-empty").await);
    browser.find("#propose-to").await.select_by_value("dg.cgd").await.unwrap();
    browser.fill("#propose-note", "เรียน อธิบดี เพื่อโปรดพิจารณา").await;
    let due = (app.clock.now() + chrono::Duration::days(3)).with_timezone(&sarabun_domain::bangkok()).date_naive();
    browser
        .client
        .execute("document.getElementById('propose-due').value = arguments[0]", vec![json!(due.to_string())])
        .await
        .unwrap();
    browser.click("#propose").await;
    browser.wait_for_path(&format!("{page}?done=route_propose")).await;
    assert!(browser.text("#notice").await.contains("เสนอเรื่องแล้ว"));
    let holders = browser.text("#holders").await;
    assert!(holders.contains("นางปิยรัตน์ เจริญผล") && holders.contains("พิจารณา"), "{holders}");
    assert!(!browser.exists("#step-forms").await, "it no longer waits for the clerk");
    let timeline = browser.text("#timeline").await;
    assert!(timeline.contains("เสนอ") && timeline.contains("นางวันดี ศรีสุข"), "{timeline}");
    assert!(timeline.contains("2569") || timeline.contains("2570"), "B.E. dates: {timeline}");

    // The clerk starts the answer from the letter: the reference and the recipient are filled in.
    browser.click("#compose-answer").await;
    browser.wait_for_path(&format!("/compose?reply_to={delivery}")).await;
    let value = |css: &'static str| {
        let browser = &browser;
        async move { browser.find(css).await.prop("value").await.unwrap().unwrap_or_default() }
    };
    assert_eq!(value("#ref_number_0").await, letter.number);
    assert_eq!(value("#ref_subject_0").await, subject);
    assert!(!value("#ref_date_0").await.is_empty());
    assert!(browser.find(&format!("input[name=recipients][value='{}']", "กค 0100")).await.is_selected().await.unwrap());
    browser.fill("#subject", "แจ้งผลการตรวจร่างสัญญาจ้างพัฒนาระบบบัญชีภาครัฐ").await;
    let pdf = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/letters/invitation.pdf");
    browser.find("#body").await.send_keys(pdf.to_str().unwrap()).await.unwrap();
    browser.fill("#signer_name", "นางปิยรัตน์ เจริญผล").await;
    browser.fill("#signer_position", "อธิบดีกรมบัญชีกลาง").await;
    browser.click("#send").await;
    let sent = browser.wait_for_path("/letters/").await;
    assert!(sent.ends_with("?done=sent"), "{sent}");
    let answer_id = sent.trim_start_matches("/letters/").trim_end_matches("?done=sent").to_owned();
    let references: Value = ops.get(&format!("/api/v1/letters/{answer_id}")).await.json().await.unwrap();
    assert_eq!(references["references"][0]["number"], letter.number.as_str(), "{references}");
    assert_eq!(references["references"][0]["subject"], subject);
    browser.sign_out().await;

    // The Director-General, on a phone, lands on her work list: the most urgent first, with the
    // new letter due and the oldest one overdue.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.sign_in("dg.cgd").await;
    assert_eq!(browser.path().await, "/work", "an executive starts at her work list");
    assert_eq!(browser.text("#work-total").await, "4");
    assert!(browser.exists("#work .work-item.overdue").await, "the oldest is overdue");
    assert!(browser.exists("#nav-work[aria-current=page]").await);
    browser.screenshot_at("work-phone", 390).await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.click(&format!("#work a[href='{page}']")).await;
    browser.wait_for_path(&page).await;
    assert!(browser.exists("#step-order[open]").await, "ordering is what she came for");
    for step in ["order", "assign", "return", "acknowledge", "propose"] {
        assert!(browser.exists(&format!("#step-{step}")).await, "{step} offered to the DG");
    }
    assert!(!browser.exists("#step-act").await && !browser.exists("#step-file").await);
    // Past the letter in one tap, then one on the usual phrase and one on the division: the order
    // writes itself.
    browser.tap("#jump-to-steps").await;
    browser.tap("button.chip[data-text='มอบ … ดำเนินการ']").await;
    browser.tap("#order-form input[name=unit][value=legal]").await;
    assert_eq!(value("#order-text").await, "มอบ กองกฎหมาย ดำเนินการ");
    // Big enough for a thumb, and the button stays at the bottom of the screen while she writes.
    let sizes = browser
        .client
        .execute(
            "const chip = document.querySelector('button.chip').getBoundingClientRect();
             const box = document.querySelector('#order-form label.choice').getBoundingClientRect();
             document.getElementById('order-text').scrollIntoView({block: 'center'});
             const button = document.getElementById('order').getBoundingClientRect();
             return [chip.height, box.height, button.height, button.width, button.bottom, window.innerHeight,
                     document.documentElement.scrollWidth];",
            vec![],
        )
        .await
        .unwrap();
    let n = |i: usize| sizes[i].as_f64().unwrap();
    assert!(n(0) >= 44.0 && n(1) >= 44.0 && n(2) >= 44.0, "touch targets: {sizes}");
    assert!(n(3) >= 300.0, "the button spans the phone: {sizes}");
    assert!(n(4) <= n(5), "the button is on screen: {sizes}");
    assert!(n(6) <= 390.0, "nothing sticks out sideways: {sizes}");
    let shot = browser.client.screenshot().await.unwrap();
    std::fs::write(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots/order-phone.png"), shot).unwrap();
    browser.screenshot_at("letter-route-phone", 390).await;
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.tap("#order").await;
    browser.wait_for_path(&format!("{page}?done=route_order")).await;
    assert!(browser.text("#holders").await.contains("นายวีระพล สุขเกษม"));
    // Her dashboard: five matters open, one now with the legal division.
    browser.client.set_window_size(1280, 900).await.unwrap();
    browser.goto("/office/backlog").await;
    assert_eq!(browser.text("#open-matters").await, "5");
    assert!(browser.find_all_count("#backlog-chart .seg").await >= 3, "the ages and the division show");
    browser.screenshot("backlog").await;
    browser.screenshot_at("backlog-phone", 390).await;
    browser.sign_out().await;

    // The division's head is away this week and has his colleague act for him (through the API).
    let head = app.executive("head.legal.cgd").await;
    let starts = app.clock.now() - chrono::Duration::hours(1);
    let res = head
        .post(
            "/api/v1/office/stand-ins",
            json!({"absent": "head.legal.cgd", "stand_in": "acting.legal.cgd", "kind": "acting",
                "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::days(7)).to_rfc3339()}),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED, "{}", res.text().await.unwrap());

    // The acting head finds it in her work list, marked as his, and assigns it to the officer.
    browser.sign_in("acting.legal.cgd").await;
    assert_eq!(browser.path().await, "/work");
    let item = browser.text(&format!("#work li[data-delivery='{delivery}']")).await;
    assert!(item.contains("แทน นายวีระพล สุขเกษม"), "{item}");
    browser.click(&format!("#work a[href='{page}']")).await;
    browser.wait_for_path(&page).await;
    assert!(browser.text("#acting-for").await.contains("นายวีระพล สุขเกษม"));
    assert!(browser.exists("#step-assign[open]").await);
    browser.click("#assign-assignees details.more-people summary").await;
    browser.click("#assign-form input[name=person][value='officer.legal.cgd']").await;
    browser.fill("#assign-note", "ดำเนินการตามคำสั่ง").await;
    browser.click("#assign").await;
    browser.wait_for_path(&format!("{page}?done=route_assign")).await;
    let assigned = browser.text("#timeline li[data-kind=assign]").await;
    assert!(assigned.contains("รักษาการแทน ผู้อำนวยการกองกฎหมาย") && assigned.contains("นางสาวรัชนี บุญมา"), "{assigned}");
    browser.sign_out().await;

    // The officer, who has no inbox, reads the letter from his work list, acts and links the answer,
    // reports it done and files it.
    browser.sign_in("officer.legal.cgd").await;
    assert_eq!(browser.path().await, "/work");
    assert!(!browser.exists("a[href='/inbox']").await, "no inbox for an officer");
    browser.click(&format!("#work a[href='{page}']")).await;
    browser.wait_for_path(&page).await;
    assert!(browser.exists("#step-act[open]").await);
    browser.fill("#act-note", "ตรวจร่างสัญญาแล้ว เห็นควรแจ้งตอบ").await;
    browser.find("#act-answer").await.select_by_value(&answer_id).await.unwrap();
    browser.click("#act").await;
    browser.wait_for_path(&format!("{page}?done=route_act")).await;
    assert!(browser.exists("#step-done[open]").await, "after acting, reporting done comes next");
    browser.click("#done").await;
    browser.wait_for_path(&format!("{page}?done=route_done")).await;
    assert!(browser.exists("#step-file[open]").await);
    // Filing without a file chosen is refused with the reason in Thai, and nothing moves.
    browser.client.execute("document.getElementById('file-folder').removeAttribute('required')", vec![]).await.unwrap();
    browser.click("#file").await;
    let refused = browser.text("#notice").await;
    assert!(
        browser.exists("#notice.error").await && refused.chars().any(|c| ('\u{0E01}'..='\u{0E5B}').contains(&c)),
        "{refused}"
    );
    // A step posted without the session's CSRF token is refused, whoever's browser sends it.
    let status = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const body = new URLSearchParams({csrf: 'forged', letter_id: arguments[1], folder: '2.1'});
             fetch('/deliveries/' + arguments[0] + '/route/file', {method: 'POST', body})
               .then(r => done(r.status), e => done(String(e)));",
            vec![json!(delivery), json!(letter_id)],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403), "a forged step is refused");
    assert!(browser.exists("#step-file[open]").await);
    browser.find("#file-folder").await.select_by_value("2.1").await.unwrap();
    browser.click("#file").await;
    browser.wait_for_path(&format!("{page}?done=route_file")).await;
    assert_eq!(browser.text("#route-state").await, "เก็บเข้าแฟ้มแล้ว");
    assert!(browser.text("#route-folder").await.contains("2.1"));
    let kinds: Vec<String> = browser
        .client
        .execute("return [...document.querySelectorAll('#timeline li')].map(li => li.dataset.kind)", vec![])
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["propose", "order", "assign", "act", "done", "file"]);
    assert!(browser.exists(&format!("#timeline a[href='/letters/{answer_id}']")).await, "the answer is linked");
    // The routed copy downloads from the page, as a PDF.
    let status = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.getElementById('routed-pdf').href).then(r => done([r.status, r.headers.get('content-type')]), e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!([200, "application/pdf"]));
    browser.screenshot("letter-route").await;
    // In English the same page reads in English, the minutes' Thai words kept as written.
    browser.goto(&format!("/lang/en?back={page}")).await;
    browser.wait_for_path(&page).await;
    assert_eq!(browser.text("#route-state").await, "Filed");
    assert!(browser.text("#timeline").await.contains("Acting for"), "{}", browser.text("#timeline").await);
    browser.goto(&format!("/lang/th?back={page}")).await;
    browser.wait_for_path(&page).await;
    browser.sign_out().await;

    // The clerk's dashboard: what is still open, by unit and age.
    browser.sign_in("clerk.cgd").await;
    browser.goto("/office/backlog").await;
    assert_eq!(browser.text("#open-matters").await, "4");
    assert!(browser.text("#backlog").await.contains("กองกฎหมาย"));
    browser.close().await;

    // The routed PDF has every order with its name; its last page, the minutes, is kept as a picture.
    let clerk = app.clerk("clerk.cgd").await;
    let routed = clerk.get(&format!("/api/v1/deliveries/{delivery}/routed")).await.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("routed.pdf");
    std::fs::write(&file, &routed).unwrap();
    let text = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext is installed");
    let text = String::from_utf8(text.stdout).unwrap();
    for expected in [
        "บันทึกเกษียน",
        "เรียน อธิบดี เพื่อโปรดพิจารณา",
        "นางวันดี ศรีสุข",
        "มอบ กองกฎหมาย ดำเนินการ",
        "นางปิยรัตน์ เจริญผล",
        "รักษาการแทน ผู้อำนวยการกองกฎหมาย",
        "นางสาวรัชนี บุญมา",
        "ตรวจร่างสัญญาแล้ว",
        "นายธนกร แก้วประเสริฐ",
    ] {
        assert!(text.contains(expected), "{expected:?} in the routed PDF:\n{text}");
    }
    let info = std::process::Command::new("pdfinfo").arg(&file).output().expect("pdfinfo is installed");
    let pages = String::from_utf8(info.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse::<u32>().unwrap()))
        .unwrap();
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots/routed-minutes");
    let status = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-singlefile", "-f", &pages.to_string()])
        .arg(&file)
        .arg(&out)
        .status()
        .expect("pdftoppm is installed");
    assert!(status.success());
}
