//! The register kept by hand, as a clerk's day: numbers reserved for paper letters (จองเลข) hold
//! their place in the gapless send register, are filled in, cancelled or expire visibly; a sent
//! letter's number is cancelled once it was recalled (ยกเลิกเลข); a received letter's never; and the
//! office admin starts a series from the paper register, forward only. Every change is audited and
//! every refusal a clear 4xx that changes nothing.

use crate::support::{Backend, Persona, TestApp, expect_error, on_both};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

on_both!(
    a_clerks_day_with_the_register,
    racing_reservations_are_distinct_and_gapless,
    bad_register_operations_change_nothing
);

async fn reserve(clerk: &Persona<'_>, count: u32, note: &str) -> Vec<Value> {
    let res = clerk.post("/api/v1/registers/send/reservations", json!({"count": count, "note": note})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Vec<Value>>().await.unwrap()
}

async fn lines(reader: &Persona<'_>, which: &str) -> Vec<Value> {
    let res = reader.get(&format!("/api/v1/registers/{which}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// `(seq, mark)` of every line of a register, in the register's order.
async fn marks(reader: &Persona<'_>, which: &str) -> Vec<(i64, String)> {
    lines(reader, which)
        .await
        .iter()
        .map(|l| (l["seq"].as_i64().unwrap(), l["mark"].as_str().unwrap().to_owned()))
        .collect()
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    use sarabun_registry::entity::audit_entry;
    app.integrate_audit().await;
    audit_entry::Entity::find().filter(audit_entry::Column::Action.eq(action)).count(app.db()).await.unwrap()
}

async fn office_admin<'a>(app: &'a TestApp, username: &str) -> Persona<'a> {
    let admin = app.admin("admin").await;
    admin
        .create_user(json!({"office": "กค 0100", "username": username, "full_name": "ผู้ดูแลหน่วยงาน",
            "position": "เจ้าพนักงานธุรการ", "email": format!("{username}@ops.example.go.th"),
            "password": "sarabun-demo", "roles": ["office_admin"], "clearance": "none"}))
        .await;
    app.sign_in(username).await
}

fn cancel(reason: &str) -> Value {
    json!({"reason": reason})
}

async fn a_clerks_day_with_the_register(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;

    // Morning: two letters will go out on paper today; the clerk reserves their numbers first.
    let reserved = reserve(&ops, 2, "หนังสือเชิญประชุมฉบับกระดาษ").await;
    let numbers: Vec<&str> = reserved.iter().map(|r| r["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["1/2569", "2/2569"]);
    assert!(reserved.iter().all(|r| r["mark"] == "reserved"));

    // A letter sent through Sarabun takes the number after them.
    let letter = ops.send(&["กค 0400"]).await;
    assert_eq!(letter.number, "กค 0100/3");

    // The first paper letter is signed and goes out: its details are filled in.
    let first = reserved[0]["id"].as_str().unwrap();
    let res = ops
        .post(
            &format!("/api/v1/registers/send/reservations/{first}/fill"),
            json!({"subject": "เชิญประชุมคณะทำงาน", "to": "บริษัท ตัวอย่าง จำกัด", "date": "2026-11-25"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let filled: Value = res.json().await.unwrap();
    assert_eq!((filled["mark"].as_str(), filled["letter_number"].as_str()), (Some("filled"), Some("กค 0100/1")));
    assert_eq!(filled["to"], "บริษัท ตัวอย่าง จำกัด");

    // The second is not needed after all: its number is cancelled, and stays cancelled.
    let res = ops.post("/api/v1/registers/send/2569/2/cancel", cancel("ไม่ได้ออกหนังสือ")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cancelled: Value = res.json().await.unwrap();
    assert_eq!((cancelled["mark"].as_str(), cancelled["cancelled"].as_bool()), (Some("cancelled"), Some(true)));
    assert_eq!(cancelled["cancelled_reason"], "ไม่ได้ออกหนังสือ");
    let again = ops.post("/api/v1/registers/send/2569/2/cancel", cancel("ซ้ำ")).await;
    expect_error(again, StatusCode::CONFLICT, "already_cancelled").await;

    // One more reservation nobody fills: after seven days it shows as expired, never reused.
    let late = reserve(&ops, 1, "หนังสือที่ยังไม่ได้ลงนาม").await;
    assert_eq!(late[0]["number"], "4/2569");
    app.clock.advance(chrono::Duration::days(8));
    let ops = ops.sign_in_again().await;
    let cgd = cgd.sign_in_again().await;
    let late_id = late[0]["id"].as_str().unwrap();
    let res = ops
        .post(
            &format!("/api/v1/registers/send/reservations/{late_id}/fill"),
            json!({"subject": "ช้าไป", "to": "ใครก็ได้", "date": "2026-12-03"}),
        )
        .await;
    expect_error(res, StatusCode::CONFLICT, "reservation_expired").await;

    // The sent letter's number: cancelled only after the letter is recalled.
    let res = ops.post("/api/v1/registers/send/2569/3/cancel", cancel("ส่งผิดเรื่อง")).await;
    expect_error(res, StatusCode::CONFLICT, "recall_first").await;
    ops.recall(&letter.id).await;
    let res = ops.post("/api/v1/registers/send/2569/3/cancel", cancel("ส่งผิดเรื่อง")).await;
    assert_eq!(res.status(), StatusCode::OK);

    // A received letter's receive number records a signed receipt: it stays.
    let other = ops.send(&["กค 0400"]).await;
    assert_eq!(other.number, "กค 0100/5");
    cgd.receive(&other.delivery_to("กค 0400")).await;
    let res = cgd.post("/api/v1/registers/receive/2569/1/cancel", cancel("ไม่ต้องการ")).await;
    expect_error(res, StatusCode::CONFLICT, "received_number_kept").await;

    // Go-live from the paper register: the admin moves the send series on to 57, never back.
    let admin = office_admin(&app, "admin.ops").await;
    let res = admin.put("/api/v1/registers/send/next", json!({"next": 57})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let set: Value = res.json().await.unwrap();
    assert_eq!(
        (set["next"].as_i64(), set["year"].as_i64(), set["series"].as_str()),
        (Some(57), Some(2569), Some("normal"))
    );
    let res = admin.put("/api/v1/registers/send/next", json!({"next": 12})).await;
    expect_error(res, StatusCode::CONFLICT, "next_number_not_forward").await;
    let res = admin.put("/api/v1/registers/send/next", json!({"next": 57})).await;
    expect_error(res, StatusCode::CONFLICT, "next_number_not_forward").await;
    let res = ops.put("/api/v1/registers/send/next", json!({"next": 90})).await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(ops.send(&["กค 0400"]).await.number, "กค 0100/57");

    // Evening: the register shows every number with its mark, in the JSON and the CSV.
    let expected: Vec<(i64, String)> =
        [(1, "filled"), (2, "cancelled"), (3, "cancelled"), (4, "expired"), (5, "letter"), (57, "letter")]
            .iter()
            .map(|(s, m)| (*s, (*m).to_owned()))
            .collect();
    assert_eq!(marks(&ops, "send/2569").await, expected);
    let csv = ops.get("/api/v1/registers/send/2569?format=csv").await.text().await.unwrap();
    assert!(csv.contains("ยกเลิก ไม่ได้ออกหนังสือ"), "{csv}");
    assert!(csv.contains("ยกเลิก ส่งผิดเรื่อง"), "{csv}");
    assert!(csv.contains("จองเลขหมดอายุ"), "{csv}");
    assert!(csv.contains("เชิญประชุมคณะทำงาน"), "{csv}");

    // Each change left its audit entry.
    assert_eq!(audited(&app, "register.numbers_reserved").await, 2);
    assert_eq!(audited(&app, "register.reservation_filled").await, 1);
    assert_eq!(audited(&app, "register.number_cancelled").await, 2);
    assert_eq!(audited(&app, "register.next_set").await, 1);
}

async fn racing_reservations_are_distinct_and_gapless(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let clients: Vec<Persona<'_>> = {
        let mut v = Vec::new();
        for _ in 0..8 {
            v.push(ops.sign_in_again().await);
        }
        v
    };
    let sha = ops.upload_pdf(crate::support::invitation_pdf()).await;
    // Eight clients at once, each reserving 1..3 numbers and sending a letter.
    let work = clients.iter().enumerate().map(|(i, clerk)| {
        let body = crate::support::letter_body(&sha, &["กค 0400"]);
        async move {
            let reserved = reserve(clerk, (i % 3 + 1) as u32, "จองพร้อมกัน").await;
            let sent = clerk.try_send(body).await;
            assert_eq!(sent.status(), StatusCode::CREATED);
            reserved.len() + 1
        }
    });
    let total: usize = futures_util::future::join_all(work).await.into_iter().sum();
    let mut seqs: Vec<i64> = marks(&ops, "send/2569").await.into_iter().map(|(s, _)| s).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=total as i64).collect::<Vec<_>>(), "reserved and sent numbers are exactly 1..N");
}

async fn bad_register_operations_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let reserved = reserve(&ops, 1, "หนังสือกระดาษ").await;
    let id = reserved[0]["id"].as_str().unwrap();
    let before =
        (lines(&ops, "send/2569").await, app.row_counts().await, audited(&app, "register.number_cancelled").await);

    let res = ops.post("/api/v1/registers/send/2569/1/cancel", cancel("   ")).await;
    assert_eq!(expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"], "reason");
    for count in [0, 21] {
        let res = ops.post("/api/v1/registers/send/reservations", json!({"count": count, "note": "x"})).await;
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_count").await;
    }
    let res = ops.post("/api/v1/registers/send/reservations", json!({"note": "ปีที่แล้ว", "year": 2568})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "not_this_year").await;
    let res = ops.post("/api/v1/registers/send/reservations", json!({"note": ""})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let res = ops.post("/api/v1/registers/send/2569/999/cancel", cancel("ไม่มีเลขนี้")).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    // Another office's clerk sees neither the number nor the reservation.
    let res = cgd.post("/api/v1/registers/send/2569/1/cancel", cancel("ไม่ใช่ของเรา")).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    let fill = json!({"subject": "เรื่อง", "to": "ผู้รับ", "date": "2026-11-25"});
    let res = cgd.post(&format!("/api/v1/registers/send/reservations/{id}/fill"), fill.clone()).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = ops.post("/api/v1/registers/send/reservations/no-such-id/fill", fill).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = ops
        .post(
            &format!("/api/v1/registers/send/reservations/{id}/fill"),
            json!({"subject": "เรื่อง", "to": "ผู้รับ", "date": "25/11/2569"}),
        )
        .await;
    assert_eq!(expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"], "date");
    let res = ops.put("/api/v1/registers/send/next", json!({"next": 0})).await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;

    let after =
        (lines(&ops, "send/2569").await, app.row_counts().await, audited(&app, "register.number_cancelled").await);
    assert_eq!(before, after, "nothing changed");
    assert_eq!(marks(&ops, "send/2569").await, [(1, "reserved".to_owned())]);
}
