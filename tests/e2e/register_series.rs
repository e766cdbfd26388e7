//! Series beyond normal and circular (คำสั่ง, ประกาศ, ระเบียบ, ข้อบังคับ), as an office lives them: the
//! office admin chooses the series the office keeps and starts one from the paper register; orders
//! go out numbered as the Regulation writes them (`คำสั่ง กรมบัญชีกลาง ที่ 57/2569`), reserved and
//! cancelled like any number; racing clerks across two series leave each exactly 1..N; and the
//! register downloads as an `.xlsx` workbook, one sheet per series, read back with a spreadsheet
//! library. A series the office does not keep, an unknown series and a start moved back are
//! refused with stable codes, changing nothing.

use crate::support::{Backend, Persona, TestApp, expect_error, invitation_pdf, on_both};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

on_both!(
    an_office_keeps_orders_from_the_paper_register,
    racing_clerks_across_two_series_leave_each_gapless,
    the_register_workbook_has_a_sheet_per_series
);

const CGD: &str = "กค 0400";
const OPS: &str = "กค 0100";

async fn office_admin<'a>(app: &'a TestApp, office: &str, username: &str) -> Persona<'a> {
    let admin = app.admin("admin").await;
    admin
        .create_user(json!({"office": office, "username": username, "full_name": "ผู้ดูแลหน่วยงาน",
            "position": "เจ้าพนักงานธุรการ", "email": format!("{username}@cgd.example.go.th"),
            "password": "sarabun-demo", "roles": ["office_admin"], "clearance": "none"}))
        .await;
    app.sign_in(username).await
}

async fn keep(admin: &Persona<'_>, series: &[&str]) -> Value {
    let res = admin.put("/api/v1/registers/series", json!({"series": series})).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn order() -> Value {
    json!({"kind": "directive", "series": "order", "subject": "แต่งตั้งคณะทำงานพัฒนาระบบสารบรรณ"})
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    use sarabun_registry::entity::audit_entry;
    app.integrate_audit().await;
    audit_entry::Entity::find().filter(audit_entry::Column::Action.eq(action)).count(app.db()).await.unwrap()
}

async fn lines(reader: &Persona<'_>, which: &str) -> Vec<Value> {
    let res = reader.get(&format!("/api/v1/registers/{which}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn an_office_keeps_orders_from_the_paper_register(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clerk = app.clerk("clerk.cgd").await;
    let admin = office_admin(&app, CGD, "admin.cgd").await;

    // Before the office keeps orders, an order is refused, and nothing is numbered.
    let sha = clerk.upload_pdf(invitation_pdf()).await;
    let body = crate::support::letter_body_with(&sha, &[OPS], order());
    expect_error(clerk.try_send(body.clone()).await, StatusCode::UNPROCESSABLE_ENTITY, "series_not_kept").await;
    let res = admin.put("/api/v1/registers/send/next", json!({"series": "order", "next": 57})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "series_not_kept").await;
    let res = clerk.post("/api/v1/registers/send/reservations", json!({"series": "order", "note": "คำสั่งกระดาษ"})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "series_not_kept").await;
    assert!(lines(&clerk, "send/2569").await.is_empty());

    // The office admin chooses orders and announcements; a clerk may not.
    expect_error(
        clerk.put("/api/v1/registers/series", json!({"series": ["order"]})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let kept = keep(&admin, &["announcement", "order", "order"]).await;
    assert_eq!(kept["kept"], json!(["normal", "circular", "order", "announcement"]));
    let read: Value = clerk.get("/api/v1/registers/series").await.json().await.unwrap();
    assert_eq!(read["kept"], kept["kept"]);
    // The compose and new-draft pages offer exactly the series the office keeps.
    for path in ["/compose", "/drafts/new"] {
        let html = app
            .http
            .get(app.url(path))
            .header(reqwest::header::COOKIE, format!("sarabun_session={}", clerk.token))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for offered in ["normal", "circular", "order", "announcement"] {
            assert!(html.contains(&format!("<option value=\"{offered}\"")), "{path} offers {offered}");
        }
        assert!(!html.contains("<option value=\"regulation\""), "{path} offers only what the office keeps");
    }

    // Go-live: the paper book of orders reached 56, so the admin starts the series at 57.
    let res = admin.put("/api/v1/registers/send/next", json!({"series": "order", "next": 57})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let set: Value = res.json().await.unwrap();
    assert_eq!((set["series"].as_str(), set["next"].as_i64()), (Some("order"), Some(57)));

    // The next order is 57 of this year, written as the Regulation writes it, on its own counter.
    let first = clerk.send_with(&[OPS], order()).await;
    assert_eq!(first.number, "คำสั่ง กรมบัญชีกลาง ที่ 57/2569");
    let normal = clerk.send(&[OPS]).await;
    assert_eq!(normal.number, "กค 0400/1", "the normal series counts on its own");
    let announcement = clerk
        .send_with(&[OPS], json!({"kind": "public_relations", "series": "announcement", "subject": "ประกาศรับสมัคร"}))
        .await;
    assert_eq!(announcement.number, "ประกาศ กรมบัญชีกลาง ที่ 1/2569");

    // A คำสั่ง is a directive letter, a ประกาศ a public-relations one.
    let body = crate::support::letter_body_with(&sha, &[OPS], json!({"series": "order"}));
    expect_error(clerk.try_send(body).await, StatusCode::UNPROCESSABLE_ENTITY, "series_kind_mismatch").await;
    let body = crate::support::letter_body_with(&sha, &[OPS], json!({"series": "announcement", "kind": "directive"}));
    expect_error(clerk.try_send(body).await, StatusCode::UNPROCESSABLE_ENTITY, "series_kind_mismatch").await;

    // An order to be signed on paper: its number is reserved, then not needed and cancelled.
    let res = clerk.post("/api/v1/registers/send/reservations", json!({"series": "order", "note": "คำสั่งกระดาษ"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let reserved: Vec<Value> = res.json().await.unwrap();
    assert_eq!((reserved[0]["number"].as_str(), reserved[0]["series"].as_str()), (Some("58/2569"), Some("order")));
    let res = clerk.post("/api/v1/registers/send/reservations", json!({"series": "order", "note": "คำสั่งกระดาษ"})).await;
    let kept_reservation: Vec<Value> = res.json().await.unwrap();
    assert_eq!(kept_reservation[0]["number"], "59/2569");
    let res =
        clerk.post("/api/v1/registers/send/2569/58/cancel", json!({"series": "order", "reason": "ไม่ได้ออกคำสั่ง"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cancelled: Value = res.json().await.unwrap();
    assert_eq!((cancelled["mark"].as_str(), cancelled["series"].as_str()), (Some("cancelled"), Some("order")));
    // The normal series' 58 does not exist: the series is part of the number.
    let res = clerk.post("/api/v1/registers/send/2569/58/cancel", json!({"reason": "ผิด"})).await;
    expect_error(res, StatusCode::NOT_FOUND, "not_found").await;
    let second = clerk.send_with(&[OPS], order()).await;
    assert_eq!(second.number, "คำสั่ง กรมบัญชีกลาง ที่ 60/2569");

    // The register: the normal series first, then orders and announcements, each with its marks.
    let register: Vec<(String, i64, String)> = lines(&clerk, "send/2569")
        .await
        .iter()
        .map(|l| {
            (
                l["series"].as_str().unwrap().to_owned(),
                l["seq"].as_i64().unwrap(),
                l["mark"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, i64, String)> = [
        ("normal", 1, "letter"),
        ("order", 57, "letter"),
        ("order", 58, "cancelled"),
        ("order", 59, "reserved"),
        ("order", 60, "letter"),
        ("announcement", 1, "letter"),
    ]
    .iter()
    .map(|(s, n, m)| ((*s).to_owned(), *n, (*m).to_owned()))
    .collect();
    assert_eq!(register, expected);
    let csv = clerk.get("/api/v1/registers/send/2569?format=csv").await.text().await.unwrap();
    for shown in ["คำสั่ง 57,คำสั่ง กรมบัญชีกลาง ที่ 57/2569", "คำสั่ง 58,", "ยกเลิก ไม่ได้ออกคำสั่ง", "ประกาศ 1,"]
    {
        assert!(csv.contains(shown), "{shown} in {csv}");
    }

    // Bad input changes nothing: an unknown series, a start moved back, a second series for the
    // receive register, normal chosen as if it were optional.
    let before = app.row_counts().await;
    let res = admin.put("/api/v1/registers/series", json!({"series": ["decree"]})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "unknown_value").await;
    let res = admin.put("/api/v1/registers/series", json!({"series": ["normal"]})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
    let res = admin.put("/api/v1/registers/send/next", json!({"series": "order", "next": 12})).await;
    expect_error(res, StatusCode::CONFLICT, "next_number_not_forward").await;
    let res = admin.put("/api/v1/registers/send/next", json!({"series": "decree", "next": 99})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "unknown_value").await;
    let res = admin.put("/api/v1/registers/receive/next", json!({"series": "order", "next": 99})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "receive_register_one_series").await;
    let res = clerk.post("/api/v1/registers/send/reservations", json!({"series": "regulation", "note": "x"})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "series_not_kept").await;
    assert_eq!(app.row_counts().await, before, "refusals change nothing");

    // Giving a series up keeps its lines; only new numbers in it are refused.
    keep(&admin, &["announcement"]).await;
    let body = crate::support::letter_body_with(&sha, &[OPS], order());
    expect_error(clerk.try_send(body).await, StatusCode::UNPROCESSABLE_ENTITY, "series_not_kept").await;
    assert_eq!(lines(&clerk, "send/2569").await.len(), 6);
    assert_eq!(audited(&app, "register.series_set").await, 2);
    assert_eq!(audited(&app, "register.next_set").await, 1);
}

async fn racing_clerks_across_two_series_leave_each_gapless(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = office_admin(&app, CGD, "admin.cgd").await;
    keep(&admin, &["order"]).await;
    let clerk = app.clerk("clerk.cgd").await;
    // Two numbers of each series reserved beforehand, one of each to be cancelled in the race.
    for series in ["normal", "order"] {
        let res = clerk
            .post("/api/v1/registers/send/reservations", json!({"series": series, "count": 2, "note": "กระดาษ"}))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let mut clerks = Vec::new();
    for _ in 0..16 {
        clerks.push(clerk.sign_in_again().await);
    }
    // 16 at once: 5 sends and 2 reservations in each series, and one cancel in each.
    let jobs = clerks.iter().enumerate().map(|(i, c)| async move {
        let series = if i % 2 == 0 { "normal" } else { "order" };
        match i / 2 {
            0..=4 => {
                let change = if series == "order" { order() } else { json!({}) };
                let letter = c.send_with(&[OPS], change).await;
                assert!(!letter.number.is_empty());
            }
            5 | 6 => {
                let res =
                    c.post("/api/v1/registers/send/reservations", json!({"series": series, "note": "แข่งกัน"})).await;
                assert_eq!(res.status(), StatusCode::CREATED);
            }
            _ => {
                let res =
                    c.post("/api/v1/registers/send/2569/1/cancel", json!({"series": series, "reason": "ไม่ใช้"})).await;
                assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
            }
        }
    });
    futures_util::future::join_all(jobs).await;

    let register = lines(&clerk, "send/2569").await;
    for series in ["normal", "order"] {
        let of: Vec<&Value> = register.iter().filter(|l| l["series"] == series).collect();
        let numbers: Vec<i64> = of.iter().map(|l| l["seq"].as_i64().unwrap()).collect();
        assert_eq!(numbers, (1..=9).collect::<Vec<_>>(), "{series}: exactly 1..9, none twice, none missing");
        let marks = |m: &str| of.iter().filter(|l| l["mark"] == m).count();
        assert_eq!((marks("letter"), marks("reserved"), marks("cancelled")), (5, 3, 1), "{series}");
        assert_eq!(of[0]["mark"], "cancelled");
    }
}

/// The cells of a sheet as text, row by row.
fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("the workbook opens");
    let range = book.worksheet_range(sheet).unwrap_or_else(|e| panic!("sheet {sheet}: {e}"));
    range.rows().map(|row| row.iter().map(|c| c.to_string()).collect()).collect()
}

fn sheet_names(bytes: &[u8]) -> Vec<String> {
    use calamine::{Reader, Xlsx};
    let book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("the workbook opens");
    book.sheet_names()
}

/// The CSV's rows (no field of these holds a comma, a quote or a line break).
fn csv_rows(csv: &str) -> Vec<Vec<String>> {
    csv.trim_start_matches('\u{feff}').lines().map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

async fn xlsx(reader: &Persona<'_>, path: &str) -> Vec<u8> {
    let res = reader.get(path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    res.bytes().await.unwrap().to_vec()
}

async fn the_register_workbook_has_a_sheet_per_series(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = office_admin(&app, CGD, "admin.cgd").await;
    keep(&admin, &["order"]).await;
    let clerk = app.clerk("clerk.cgd").await;
    clerk.send(&[OPS]).await;
    clerk.send_with(&[OPS], order()).await;
    let res = clerk.post("/api/v1/registers/send/reservations", json!({"series": "order", "note": "คำสั่งกระดาษ"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = clerk.post("/api/v1/registers/send/2569/2/cancel", json!({"series": "order", "reason": "ไม่ได้ออก"})).await;
    assert_eq!(res.status(), StatusCode::OK);

    // One sheet per series the office keeps, named in Thai, the same rows as the CSV.
    let book = xlsx(&clerk, "/api/v1/registers/send/2569?format=xlsx").await;
    assert_eq!(sheet_names(&book), ["หนังสือทั่วไป", "หนังสือเวียน", "คำสั่ง"]);
    let csv = csv_rows(&clerk.get("/api/v1/registers/send/2569?format=csv").await.text().await.unwrap());
    let orders = sheet_rows(&book, "คำสั่ง");
    assert_eq!(orders[0], csv[0], "the header row: {:?}", orders[0]);
    assert_eq!(orders[0][0], "เลขทะเบียนส่ง");
    let csv_orders: Vec<Vec<String>> = csv.iter().filter(|r| r[0].starts_with("คำสั่ง ")).cloned().collect();
    assert_eq!(orders[1..], csv_orders[..]);
    assert_eq!(orders[1][1], "คำสั่ง กรมบัญชีกลาง ที่ 1/2569");
    assert!(orders[1][2].ends_with(" 2569"), "a B.E. date: {}", orders[1][2]);
    assert!(orders[2][7].starts_with("ยกเลิก"), "the mark: {:?}", orders[2]);
    let normal = sheet_rows(&book, "หนังสือทั่วไป");
    assert_eq!(normal.len(), 2);
    assert_eq!(normal[1][1], "กค 0400/1");
    assert_eq!(sheet_rows(&book, "หนังสือเวียน").len(), 1, "a kept series without lines has its header");

    // The receive register has one series; a letter from outside carries its mark.
    let body = json!({"kind": "organisation", "name": "บริษัท ตัวอย่าง จำกัด"});
    let sender: Value = clerk.post("/api/v1/outside/bodies", body).await.json().await.unwrap();
    let details = json!({"sender_id": sender["id"], "sender_number": "ตย 1/2569", "sender_date": "2026-11-20",
        "subject": "ขอความอนุเคราะห์ข้อมูล", "urgency": "normal", "channel": "paper"});
    let form = reqwest::multipart::Form::new().text("details", details.to_string()).part(
        "file",
        reqwest::multipart::Part::bytes(invitation_pdf()).file_name("scan.pdf").mime_str("application/pdf").unwrap(),
    );
    let res = app.http.post(app.url("/api/v1/outside/arrivals")).bearer_auth(&clerk.token).multipart(form).send().await;
    assert_eq!(res.unwrap().status(), StatusCode::CREATED);
    let book = xlsx(&clerk, "/api/v1/registers/receive/2569?format=xlsx").await;
    assert_eq!(sheet_names(&book), ["หนังสือทั่วไป"]);
    let received = sheet_rows(&book, "หนังสือทั่วไป");
    assert_eq!(received[0][0], "เลขทะเบียนรับ");
    assert_eq!(received[1][1], "25 พฤศจิกายน 2569", "received on a B.E. date");
    assert!(received[1][9].starts_with("หนังสือภายนอกระบบ"), "{:?}", received[1]);

    // Access is the CSV's: another office's clerk may not, the auditor may.
    let ops = app.clerk("clerk.ops").await;
    let res = ops.get("/api/v1/registers/send/2569?format=xlsx&office=%E0%B8%81%E0%B8%84%200400").await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    let auditor = app.auditor("auditor").await;
    let book = xlsx(&auditor, "/api/v1/registers/send/2569?format=xlsx&office=%E0%B8%81%E0%B8%84%200400").await;
    assert_eq!(sheet_names(&book).len(), 3);

    let res = clerk.get("/api/v1/registers/send/2569?format=ods").await;
    expect_error(res, StatusCode::BAD_REQUEST, "invalid_query").await;
}
