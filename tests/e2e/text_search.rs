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
