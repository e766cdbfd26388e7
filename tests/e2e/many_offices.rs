//! A directory of thousands of offices: `GET /offices` pages it (with `X-Total-Count`), an office
//! created on the node shows at once, a page past the end is empty, and the pages and the inbox
//! that name offices still answer; a clerk filters the inbox by a sender typed as part of its
//! name, writes to offices found by typing rather than ticked in a list of the whole directory,
//! and no page lists the directory. The extra offices are inserted straight into the
//! database, as a ministry's directory would have grown.

use crate::support::{Backend, TestApp, expect_error, on_both};
use reqwest::StatusCode;
use sarabun_registry::entity::{letter, office};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

on_both!(a_directory_of_thousands_of_offices_is_paged);
on_both!(a_clerk_filters_the_inbox_by_typing_part_of_a_senders_name);
on_both!(a_clerk_writes_to_offices_of_a_large_directory_by_typing_their_codes);
on_both!(letters_delivered_before_the_upgrade_are_found_by_their_sender);

const EXTRA: usize = 3_000;

async fn a_directory_of_thousands_of_offices_is_paged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin("admin").await;
    let ops = app.clerk("clerk.ops").await;
    let demo = ops.get("/api/v1/offices").await.json::<Vec<Value>>().await.unwrap().len();
    grow_directory(&app).await;
    // Created on this node: listed at once, not after the directory's moment in memory.
    let res = admin
        .post(
            "/api/v1/offices",
            json!({"code": "กค 0901", "name_th": "กองทดสอบ", "name_en": "Test Division", "inbox_email": "t@x.example"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let total = demo + EXTRA + 1;

    let all = ops.get("/api/v1/offices").await.json::<Vec<Value>>().await.unwrap();
    assert_eq!(all.len(), total);
    assert!(all.iter().any(|o| o["code"] == "กค 0901"));
    let res = ops.get("/api/v1/offices?page=2&per_page=200").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-total-count"].to_str().unwrap(), total.to_string());
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 200);
    assert_eq!(page[0]["code"], all[200]["code"], "pages follow the code order of the whole list");
    let last = ops.get(&format!("/api/v1/offices?page={}&per_page=200", total.div_ceil(200))).await;
    assert_eq!(last.json::<Vec<Value>>().await.unwrap().len(), (total - 1) % 200 + 1);
    let past = ops.get("/api/v1/offices?page=1000000&per_page=200").await;
    assert_eq!(past.status(), StatusCode::OK);
    assert!(past.json::<Vec<Value>>().await.unwrap().is_empty());
    let bad = ops.get("/api/v1/offices?page=0").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Sending to one of them and reading the inbox still work with the directory this size.
    let letter = ops.send(&["กค 0400"]).await;
    let cgd = app.clerk("clerk.cgd").await;
    assert_eq!(cgd.inbox("").await.total, 1);
    assert_eq!(cgd.letter(&letter.id).await.id, letter.id);
}

/// Adds [`EXTRA`] offices (`ทด 000000` on, "สำนักงานทดสอบ ที่ …") under the top office.
async fn grow_directory(app: &TestApp) {
    let parent = office::Entity::find().all(app.db()).await.unwrap().into_iter().find(|o| o.parent_id.is_none());
    let rows: Vec<office::ActiveModel> = (0..EXTRA)
        .map(|i| {
            office::ActiveModel::from(office::Model {
                id: uuid::Uuid::now_v7().to_string(),
                code: format!("ทด {i:06}"),
                name_th: format!("สำนักงานทดสอบ ที่ {i}"),
                name_en: format!("Test office {i}"),
                parent_id: parent.as_ref().map(|p| p.id.clone()),
                inbox_email: format!("office{i}@example.go.th"),
                created_at: app.now(),
            })
        })
        .collect();
    for chunk in rows.chunks(500) {
        office::Entity::insert_many(chunk.to_vec()).exec_without_returning(app.db()).await.unwrap();
    }
}

/// The web inbox as `user` sees it with `query`: its status and HTML.
async fn inbox_page(app: &TestApp, token: &str, query: &str) -> (StatusCode, String) {
    let res = app
        .http
        .get(app.url(&format!("/inbox{query}")))
        .header(reqwest::header::COOKIE, format!("sarabun_session={token}"))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

async fn a_clerk_filters_the_inbox_by_typing_part_of_a_senders_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    grow_directory(&app).await;
    let ops = app.clerk("clerk.ops").await;
    let rd = app.clerk("clerk.rd").await;
    let excise = app.clerk("clerk.excise").await;
    let from_ops = ops.send_with(&["กค 0400"], json!({"subject": "จากสำนักงานปลัด"})).await;
    rd.send_with(&["กค 0400"], json!({"subject": "จากกรมสรรพากร"})).await;
    excise.send_with(&["กค 0400"], json!({"subject": "จากกรมสรรพสามิต"})).await;
    let cgd = app.clerk("clerk.cgd").await;
    let from = |text: &str| format!("?from={}", encoded(text));

    // A piece of the Thai name, of the English name in any case, or the code.
    let found = cgd.inbox(&from("สรรพากร")).await;
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].from.code, "กค 0700");
    assert_eq!(cgd.inbox(&from("กรมสรรพ")).await.total, 2, "both กรมสรรพากร and กรมสรรพสามิต");
    assert_eq!(cgd.inbox(&from("excise DEPARTMENT")).await.total, 1);
    assert_eq!(cgd.inbox(&from("กค 0100")).await.items[0].from.code, "กค 0100");
    assert_eq!(cgd.inbox(&from("  กค 0100 ")).await.total, 1, "spaces around are not part of it");
    // A sender that names nothing has sent nothing; `%` and `_` are plain characters.
    assert_eq!(cgd.inbox(&from("ไม่มีหน่วยงานนี้")).await.total, 0);
    assert_eq!(cgd.inbox(&from("%")).await.total, 0);
    assert_eq!(cgd.inbox(&from("กค 9999")).await.total, 0);
    // Half the directory, a novel or invisible characters: a clear 400, never a 500.
    let res = cgd.get(&format!("/api/v1/inbox{}", from("ทดสอบ"))).await;
    let body = expect_error(res, StatusCode::BAD_REQUEST, "invalid_query").await;
    assert!(body["message"].as_str().unwrap().contains("type more"), "{body}");
    for absurd in ["ก".repeat(101), "x".repeat(5_000), "กรม\u{202e}สรรพากร".to_owned(), "\u{0}".to_owned()]
    {
        let res = cgd.get(&format!("/api/v1/inbox{}", from(&absurd))).await;
        expect_error(res, StatusCode::BAD_REQUEST, "invalid_query").await;
    }

    // The page: a text field with a few likely senders, the letters of the one typed, and no
    // list of the directory; a refused filter is shown with the form to correct it.
    let (status, html) = inbox_page(&app, &cgd.token, &from("ปลัด")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("/letters/{}", from_ops.id)), "the OPS letter is listed");
    assert!(!html.contains("จากกรมสรรพากร"), "only the typed sender's letters");
    assert!(html.contains(r#"<input id="from" name="from""#), "the sender is typed");
    assert!(html.contains(r#"<option value="กค 0700">"#), "a recent sender is suggested");
    assert!(!html.contains("ทด 000001"), "the directory is not listed");
    let (status, html) = inbox_page(&app, &cgd.token, &from("ทดสอบ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains(r#"<input id="from" name="from""#) && html.contains("ทดสอบ"), "the form again");
    let (status, _) = inbox_page(&app, &cgd.token, &from(&"ก".repeat(101))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The suggestions a field may ask for as the clerk types: a few, never the directory.
    let found: Vec<Value> =
        cgd.get(&format!("/api/v1/offices?q={}", encoded("ทดสอบ ที่ 12"))).await.json().await.unwrap();
    assert!(!found.is_empty() && found.len() <= 20, "{}", found.len());
    assert!(found.iter().all(|o| o["name_th"].as_str().unwrap().contains("ทดสอบ ที่ 12")));
    assert_eq!(found[0]["parent_code"], "กค 0100");
    let found: Vec<Value> = cgd.get("/api/v1/offices?q=revenue&per_page=5").await.json().await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["code"], "กค 0700");
    expect_error(cgd.get("/api/v1/offices?q=a&per_page=21").await, StatusCode::BAD_REQUEST, "invalid_query").await;
    let long = format!("/api/v1/offices?q={}", "a".repeat(101));
    expect_error(cgd.get(&long).await, StatusCode::BAD_REQUEST, "invalid_query").await;
}

async fn a_clerk_writes_to_offices_of_a_large_directory_by_typing_their_codes(backend: Backend) {
    use crate::web::{compose_form, location, page, post_compose, session};
    let app = TestApp::spawn(backend).await;
    grow_directory(&app).await;
    app.clerk("clerk.ops").await.send(&["กค 0700"]).await;
    let ops = session(&app, "clerk.ops").await;

    // The form lists the offices written to lately, and a field to type others: not the directory.
    let html = page(&app, &ops, "/compose").await.text().await.unwrap();
    assert!(html.contains("value=\"กค 0700\""), "a recent recipient is listed");
    assert!(!html.contains("ทด 000001") && !html.contains("value=\"กค 0400\""), "the directory is not listed");
    assert!(html.contains("name=\"recipient_codes\"") && html.contains("data-lookup=\"/api/v1/offices\""));
    assert!(html.len() < 100_000, "the form stays small: {} bytes", html.len());
    // What the form's script asks while the clerk types.
    let found: Vec<Value> =
        app.clerk("clerk.ops").await.get("/api/v1/offices?q=ทดสอบ ที่ 42").await.json().await.unwrap();
    assert!(found.iter().any(|o| o["code"] == "ทด 000042"), "{found:?}");

    // Typed codes go with the ticked one (กค 0400), each once; spaces and separators are not codes.
    let typed = compose_form(&ops.csrf, "typed-1", ("เชิญ.pdf", crate::support::invitation_pdf(), "application/pdf"))
        .text("recipient_codes", " ทด 000042, ทด 002999 ;\nกค 0400, ");
    let res = post_compose(&app, &ops, typed).await;
    assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
    let letter_id = location(&res).trim_start_matches("/letters/").trim_end_matches("?done=sent").to_owned();
    let mut to: Vec<String> = sarabun_registry::entity::delivery::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.letter_id == letter_id)
        .map(|d| d.recipient_office_id)
        .collect();
    to.sort();
    let offices = office::Entity::find().all(app.db()).await.unwrap();
    let mut expected: Vec<String> = ["ทด 000042", "ทด 002999", "กค 0400"]
        .iter()
        .map(|code| offices.iter().find(|o| o.code == *code).unwrap().id.clone())
        .collect();
    expected.sort();
    assert_eq!(to, expected);

    // An unknown code comes back as the form, saying which, with the codes that were typed chosen.
    let unknown = compose_form(&ops.csrf, "typed-2", ("เชิญ.pdf", crate::support::invitation_pdf(), "application/pdf"))
        .text("recipient_codes", "ทด 000042, ทด 999999");
    let res = post_compose(&app, &ops, unknown).await;
    assert_eq!(res.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("ทด 999999"), "the unknown code is named");
    assert!(html.contains("value=\"ทด 000042\" checked"), "a typed code that exists stays chosen");
}

/// A ministry upgrading with letters already in its inboxes: m0021 copies each letter's office onto
/// its deliveries, and the inbox filtered by sender reads only that copy, so a letter delivered
/// before the upgrade must still be found by who sent it.
async fn letters_delivered_before_the_upgrade_are_found_by_their_sender(backend: Backend) {
    use sarabun_migrations::{Migrator, MigratorTrait};
    use sarabun_registry::entity::delivery;
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let rd = app.clerk("clerk.rd").await;
    let from_ops = ops.send_with(&["กค 0400", "กค 0700"], json!({"subject": "จากสำนักงานปลัด"})).await;
    let from_rd = rd.send_with(&["กค 0400"], json!({"subject": "จากกรมสรรพากร"})).await;
    // Back to the schema before m0021 (and whatever came after it), then forward with the letters in place.
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let at = names.iter().position(|n| n == "m0021_inbox_sender").expect("m0021 is a migration");
    Migrator::down(app.db(), Some((names.len() - at) as u32)).await.unwrap();
    Migrator::up(app.db(), None).await.unwrap();

    let deliveries = delivery::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(deliveries.len(), 3);
    let letters = letter::Entity::find().all(app.db()).await.unwrap();
    for d in &deliveries {
        let sent_by = &letters.iter().find(|l| l.id == d.letter_id).unwrap().office_id;
        assert_eq!(&d.sender_office_id, sent_by, "each delivery names its letter's office");
    }
    assert!(
        deliveries.iter().any(|d| d.letter_id == from_ops.id) && deliveries.iter().any(|d| d.letter_id == from_rd.id)
    );
    let cgd = app.clerk("clerk.cgd").await;
    let found = cgd.inbox(&format!("?from={}", encoded("กค 0100"))).await;
    assert_eq!(found.total, 1, "กค 0100 sent one letter to กค 0400");
    assert_eq!(found.items[0].from.code, "กค 0100");
    let found = cgd.inbox(&format!("?from={}", encoded("สรรพากร"))).await;
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].from.code, "กค 0700");
    // A letter sent after the upgrade carries its sender from the start.
    rd.send_with(&["กค 0400"], json!({"subject": "หลังปรับรุ่น"})).await;
    assert_eq!(cgd.inbox(&format!("?from={}", encoded("กค 0700"))).await.total, 2);
    assert_eq!(cgd.inbox("").await.total, 3);
}
