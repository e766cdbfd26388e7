//! Text search through the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL): a piece of a
//! Thai word is found though Thai has no spaces, Latin letters in either case, the index follows
//! every send and recall at once, a search of one or two characters still answers, and LIKE's
//! wildcards are only characters.

use crate::support::{Backend, TestApp, on_both};
use serde_json::{Value, json};

on_both!(thai_substrings_are_found_through_the_index);

/// `text` percent-encoded for a query string.
fn q(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

async fn thai_substrings_are_found_through_the_index(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let auditor = app.auditor("auditor").await;
    let meeting = ops.send_with(&["กค 0400"], json!({"subject": "ขอเชิญประชุมคณะทำงานด้านระบบ Sarabun"})).await;
    let report = ops.send_with(&["กค 0400"], json!({"subject": "ขอส่งรายงานผลการจัดเก็บรายได้ 100%"})).await;
    let inbox_total = |text: &str, more: &str| {
        let path = format!("?q={}{more}", q(text));
        let cgd = &cgd;
        async move { cgd.inbox(&path).await.total }
    };
    let auditor_found = |text: &str| {
        let path = format!("/api/v1/letters?q={}", q(text));
        let auditor = &auditor;
        async move {
            let found: Value = auditor.get(&path).await.json().await.unwrap();
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["letter_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };

    // The middle of a Thai word, a Latin word in other case, a number.
    assert_eq!(inbox_total("ชุมคณะ", "").await, 1);
    assert_eq!(auditor_found("ชุมคณะ").await, vec![meeting.id.clone()]);
    assert_eq!(inbox_total("sarabun", "").await, 1, "Latin letters in either case");
    assert_eq!(auditor_found("เก็บรายได้").await, vec![report.id.clone()]);
    assert_eq!(inbox_total(&report.number, "").await, 1, "the letter number {}", report.number);
    assert_eq!(inbox_total("ไม่มีเรื่องนี้", "").await, 0);
    // LIKE's wildcards are characters like any other.
    assert_eq!(inbox_total("0%", "").await, 1, "only the subject with 100%");
    assert_eq!(inbox_total("%", "").await, 1);
    assert_eq!(inbox_total("_", "").await, 0);
    // One or two characters: too short for trigrams, matched among the newest letters instead.
    assert_eq!(inbox_total("ขอ", "").await, 2);
    assert_eq!(auditor_found("ขอ").await.len(), 2);
    assert_eq!(inbox_total("SA", "").await, 1);
    // A page past the end is empty, not an error.
    let far = cgd.inbox(&format!("?q={}&page=999999", q("ชุมคณะ"))).await;
    assert_eq!((far.total, far.items.len()), (1, 0));

    // The index follows a recall and the next send at once.
    ops.recall(&meeting.id).await;
    assert_eq!(inbox_total("ชุมคณะ", "&state=recalled").await, 1);
    assert_eq!(inbox_total("ชุมคณะ", "&state=delivered").await, 0);
    let again = ops.send_with(&["กค 0400"], json!({"subject": "ขอเชิญประชุมคณะทำงาน ครั้งที่ 2"})).await;
    assert_eq!(inbox_total("ประชุมคณะ", "").await, 2);
    assert_eq!(auditor_found("ครั้งที่ 2").await, vec![again.id.clone()]);
}

on_both!(the_index_finds_what_the_walk_finds_and_pages_continue_after_a_letter);

/// A text is first looked for by walking the inbox, newest first; when the newest deliveries hold
/// too few matches the trigram index answers instead. Both give the same letters in the same
/// order (here the index is asked at once, as for a rare text in a large inbox). A page continues
/// after the last letter of the page before (`after`), with the filters kept, however deep.
async fn the_index_finds_what_the_walk_finds_and_pages_continue_after_a_letter(backend: Backend) {
    use sarabun_registry::letters::{InboxQuery, inbox};
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    for subject in ["ขอเชิญประชุม ครั้งที่ 1", "ขอส่งรายงาน", "ขอเชิญประชุม ครั้งที่ 2", "ขอเชิญประชุม ครั้งที่ 3"]
    {
        ops.send_with(&["กค 0400"], json!({"subject": subject})).await;
    }
    let office =
        sarabun_registry::directory::office_by_code(app.db(), &sarabun_domain::OfficeCode::parse("กค 0400").unwrap())
            .await
            .unwrap()
            .unwrap()
            .id;
    for text in ["ประชุม", "ครั้งที่ 2", "รายงาน", "ไม่มีเรื่องนี้", "ขอเชิญ"]
    {
        let query = |walk_budget| InboxQuery {
            text: Some(text.to_owned()),
            cleared: sarabun_domain::Secrecy::ALL.to_vec(),
            page: 1,
            per_page: 2,
            walk_budget,
            ..Default::default()
        };
        let subjects = |page: sarabun_registry::letters::InboxPage| {
            (page.rows.into_iter().map(|(_, l)| l.subject).collect::<Vec<_>>(), page.total.n, page.total.exact)
        };
        let walked = subjects(inbox(app.db(), &office, &query(sarabun_registry::listing::WALK_BUDGET)).await.unwrap());
        let indexed = subjects(inbox(app.db(), &office, &query(0)).await.unwrap());
        assert_eq!(walked.0, indexed.0, "{text}");
        // The walk stops when the page is full, so it says "more than"; the index counts.
        if walked.2 {
            assert_eq!(walked.1, indexed.1, "{text}");
        } else {
            assert!(walked.1 < indexed.1 && indexed.2, "{text}: {walked:?} {indexed:?}");
        }
    }

    // Two a page: the first says more follow and where they continue.
    let first: Value = cgd.get(&format!("/api/v1/inbox?q={}&per_page=2", q("ประชุม"))).await.json().await.unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["more"], true);
    let after = first["after"].as_str().unwrap().to_owned();
    assert_eq!(after, first["items"][1]["delivery_id"].as_str().unwrap());
    let next: Value =
        cgd.get(&format!("/api/v1/inbox?q={}&per_page=2&after={after}", q("ประชุม"))).await.json().await.unwrap();
    let items = next["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{next}");
    assert_eq!(items[0]["subject"], "ขอเชิญประชุม ครั้งที่ 1");
    assert_eq!((next["more"].as_bool(), next.get("after")), (Some(false), None));
    // Without text, the count counts exactly up to its bound.
    let all: Value = cgd.get("/api/v1/inbox?per_page=3").await.json().await.unwrap();
    assert_eq!(
        (all["total"].as_u64(), all["total_exact"].as_bool(), all["more"].as_bool()),
        (Some(4), Some(true), Some(true))
    );
    let rest: Value = cgd
        .get(&format!("/api/v1/inbox?per_page=3&after={}", all["after"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"][0]["subject"], "ขอเชิญประชุม ครั้งที่ 1");
    assert_eq!(rest["total"], 1, "with after, the count counts from there");
    // A delivery of another office, or no delivery, is no place to continue from.
    let ops_own: Value = ops.get("/api/v1/sent").await.json().await.unwrap();
    let not_a_delivery = ops_own["items"][0]["letter_id"].as_str().unwrap();
    assert_eq!(cgd.get(&format!("/api/v1/inbox?after={not_a_delivery}")).await.status(), 400);
}

on_both!(a_word_driving_the_index_finds_the_same_letters);

/// On PostgreSQL a text of a common word and a rare one is looked up by the rare word alone, the
/// whole text checked on what it finds (`text_search::driving_word`): the letters found must be
/// exactly those the whole text finds, a wildcard in the word staying a character. SQLite asks its
/// index for the whole text either way.
async fn a_word_driving_the_index_finds_the_same_letters(backend: Backend) {
    use sarabun_registry::text_search::matching_letters;
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::Condition;
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    for subject in [
        "ขอเชิญประชุม ครั้งที่ 4242",
        "ขอเชิญประชุม ครั้งที่ 42",
        "รายงาน 4242 ฉบับย่อ",
        "ขอเชิญประชุม ครั้งที่ 14242/ก",
        "ประชุม ครั้งที่ 4_42",
    ] {
        ops.send_with(&["กค 0400"], json!({"subject": subject})).await;
    }
    let found = |text: &'static str, driver: Option<&'static str>| {
        let app = &app;
        async move {
            let query = matching_letters(app.db().get_database_backend(), text, Condition::all(), driver);
            let mut ids: Vec<String> = app
                .db()
                .query_all(&query)
                .await
                .unwrap()
                .into_iter()
                .map(|row| row.try_get::<String>("", "id").unwrap())
                .collect();
            ids.sort();
            ids
        }
    };
    let whole = found("ครั้งที่ 4242", None).await;
    assert_eq!(whole.len(), 1, "not ครั้งที่ 14242/ก nor รายงาน 4242, which hold the word but not the text");
    assert_eq!(found("ครั้งที่ 4242", Some("4242")).await, whole);
    assert_eq!(found("ครั้งที่ 4242", Some("ครั้งที่")).await, whole);
    assert_eq!(found("ครั้งที่ 4_42", Some("4_42")).await.len(), 1, "`_` is a character, not a wildcard");
}
