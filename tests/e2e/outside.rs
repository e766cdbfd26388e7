//! Letters from outside Sarabun, as a clerk's day at the Comptroller General's Department: the
//! clerk keeps an address book of outside bodies that suggests as one types, registers a paper
//! letter from a company from its JPEG, PNG and TIFF scans (one PDF page each, stamped, in the
//! receive register and the inbox, then routed like any received letter), is stopped from
//! registering the same letter twice unless she confirms it is another one, and receives a morning's
//! letters from other offices in one go, one bad id among them. Every bad input is a clear 4xx with a
//! stable code that changes nothing.

use crate::support::{Backend, Persona, TestApp, expect_error, on_both};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::io::Cursor;

on_both!(
    a_paper_letter_from_a_company_from_scan_to_route,
    the_address_book_suggests_as_one_types,
    bad_arrivals_are_refused_and_change_nothing,
    bulk_receive_with_one_bad_id_in_the_middle
);

/// A scanned page: a pale page with a dark band, so every format has something to encode.
fn page(format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(210, 297, |x, y| {
        if (40..60).contains(&y) && x > 20 { Rgb([20, 20, 80]) } else { Rgb([250, 250, 245]) }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img).write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// Runs a tool of poppler-utils or qpdf on `pdf`: (success, standard output).
fn tool(name: &str, args: &[&str], pdf: &[u8]) -> (bool, String) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let out = std::process::Command::new(name)
        .args(args)
        .arg(file.path())
        .args(if name == "pdftotext" { vec!["-"] } else { vec![] })
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed by this test (apt-get install qpdf poppler-utils): {e}"));
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn add_body(clerk: &Persona<'_>, body: Value) -> Value {
    let res = clerk.post("/api/v1/outside/bodies", body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn company(clerk: &Persona<'_>) -> String {
    let body = add_body(
        clerk,
        json!({"kind": "organisation", "name": "บริษัท ตัวอย่าง จำกัด", "email": "saraban@example.co.th",
            "postal_address": "99 ถนนพระราม 6 แขวงพญาไท เขตพญาไท กรุงเทพฯ 10400"}),
    )
    .await;
    body["id"].as_str().unwrap().to_owned()
}

/// The details of the company's letter, with the fields of `change` set over them.
fn details(sender_id: &str, change: Value) -> Value {
    let mut d = json!({
        "sender_id": sender_id,
        "sender_number": "ตย 123/2569",
        "sender_date": "2026-11-20",
        "subject": "ขอความอนุเคราะห์ตรวจสอบการเบิกจ่ายเงินตามสัญญา",
        "urgency": "urgent",
        "channel": "paper",
        "enclosures_note": "สำเนาสัญญา 1 ชุด",
        "action": "เสนอผู้อำนวยการกองกฎหมาย",
    });
    for (k, v) in change.as_object().unwrap() {
        d[k] = v.clone();
    }
    d
}

/// Posts an arrival: `details` and the scan's files as parts `file`.
async fn try_register(
    app: &TestApp,
    clerk: &Persona<'_>,
    details: &Value,
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("details", details.to_string());
    for (name, bytes) in files {
        // The declared type is a lie on purpose: the server reads the bytes.
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str("image/jpeg").unwrap();
        form = form.part("file", part);
    }
    app.http.post(app.url("/api/v1/outside/arrivals")).bearer_auth(&clerk.token).multipart(form).send().await.unwrap()
}

async fn register(app: &TestApp, clerk: &Persona<'_>, details: &Value, files: Vec<(&str, Vec<u8>)>) -> Value {
    let res = try_register(app, clerk, details, files).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    use sarabun_registry::entity::audit_entry;
    app.integrate_audit().await;
    audit_entry::Entity::find().filter(audit_entry::Column::Action.eq(action)).count(app.db()).await.unwrap()
}

async fn a_paper_letter_from_a_company_from_scan_to_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clerk = app.clerk("clerk.cgd").await;
    let sender = company(&clerk).await;

    // The post brings a letter from the company; the clerk scans its three pages with whatever
    // the office has: the copier gives JPEG, the phone PNG, the old scanner TIFF.
    let scans = vec![
        ("page1.jpg", page(ImageFormat::Jpeg)),
        ("page2.png", page(ImageFormat::Png)),
        ("page3.tif", page(ImageFormat::Tiff)),
    ];
    let arrival = register(&app, &clerk, &details(&sender, json!({})), scans).await;
    assert_eq!(arrival["receive_number"], "1/2569");
    assert_eq!(arrival["pages_from_images"], 3);
    assert_eq!(arrival["sender"]["name"], "บริษัท ตัวอย่าง จำกัด");
    assert_eq!(arrival["channel"], "paper");
    assert!(arrival["stamp_error"].is_null(), "{arrival}");
    let delivery = arrival["delivery_id"].as_str().unwrap().to_owned();

    // The stamped copy is a sound PDF of three pages with the receiving stamp on the first.
    let res = clerk.get(&format!("/api/v1/deliveries/{delivery}/stamped")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let stamped = res.bytes().await.unwrap().to_vec();
    let (ok, _) = tool("qpdf", &["--check"], &stamped);
    assert!(ok, "qpdf --check");
    let (_, info) = tool("pdfinfo", &[], &stamped);
    assert!(info.lines().any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 3")), "{info}");
    let (_, text) = tool("pdftotext", &["-f", "1", "-l", "1"], &stamped);
    for line in ["กรมบัญชีกลาง", "เลขรับ 1", "วันที่ 25 พฤศจิกายน 2569"]
    {
        assert!(text.contains(line), "{line:?} not in {text}");
    }

    // The receive register has its line: the sender's number and date, the company, how it came.
    let lines: Vec<Value> = clerk.get("/api/v1/registers/receive/2569").await.json().await.unwrap();
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!((line["seq"].as_i64(), line["letter_number"].as_str()), (Some(1), Some("ตย 123/2569")));
    assert_eq!((line["from"].as_str(), line["letter_date"].as_str()), (Some("บริษัท ตัวอย่าง จำกัด"), Some("2026-11-20")));
    assert!(line["remarks"].as_str().unwrap().contains("หนังสือกระดาษ"), "{line}");
    assert_eq!(line["mark"], "outside");
    assert_eq!(line["delivery_id"], delivery.as_str());

    // It is in the inbox, received, like any other letter; it is not among the letters sent.
    let inbox = clerk.inbox("").await;
    assert_eq!(inbox.total, 1);
    assert_eq!(inbox.items[0].state, "received");
    let raw: Value = clerk.get("/api/v1/inbox").await.json().await.unwrap();
    assert_eq!(raw["items"][0]["outside_sender"], "บริษัท ตัวอย่าง จำกัด");
    let sent: Value = clerk.get("/api/v1/sent").await.json().await.unwrap();
    assert_eq!(sent["total"], 0, "{sent}");

    // The same letter again — the number typed without its space — is refused, naming the first.
    let again = details(&sender, json!({"sender_number": "ตย123/2569"}));
    let res = try_register(&app, &clerk, &again, vec![("again.png", page(ImageFormat::Png))]).await;
    let body = expect_error(res, StatusCode::CONFLICT, "already_registered").await;
    assert!(body["message"].as_str().unwrap().contains("1/2569"), "{body}");
    assert!(body["message_th"].as_str().unwrap().contains("1/2569"), "{body}");
    // The clerk looks: the company really sent a second letter with the same number. She confirms.
    let confirmed = details(&sender, json!({"sender_number": "ตย123/2569", "confirm_different": true}));
    let second = register(&app, &clerk, &confirmed, vec![("second.png", page(ImageFormat::Png))]).await;
    assert_eq!(
        (second["receive_number"].as_str(), second["confirmed_different"].as_bool()),
        (Some("2/2569"), Some(true))
    );
    assert_eq!(audited(&app, "outside.arrival_registered").await, 2);
    let trail: Vec<Value> = clerk
        .get(&format!("/api/v1/letters/{}/trail", second["letter_id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    let entry = trail.iter().find(|e| e["action"] == "outside.arrival_registered").expect("the arrival's entry");
    assert_eq!(entry["detail"]["confirmed_different"], true);
    assert_eq!(entry["detail"]["earlier_receive_number"], "1/2569");

    // Inside the office it is routed like any received letter: proposed to the Director-General.
    let matter: Value = clerk.get(&format!("/api/v1/deliveries/{delivery}/route")).await.json().await.unwrap();
    assert_eq!(matter["may_take"], json!(["propose"]), "{matter}");
    let res = clerk
        .post(
            &format!("/api/v1/deliveries/{delivery}/propose"),
            json!({"to": "dg.cgd", "note": "เรียน อธิบดี เพื่อโปรดพิจารณา"}),
        )
        .await;
    let status = res.status();
    let m: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["holders"][0]["person"]["username"], "dg.cgd");
    let dg = app.executive("dg.cgd").await;
    let work: Value = dg.get("/api/v1/work").await.json().await.unwrap();
    assert!(work.to_string().contains(&delivery), "{work}");

    // An outside letter cannot be recalled or rejected: nobody in Sarabun sent it.
    let letter_id = arrival["letter_id"].as_str().unwrap();
    assert!(clerk.try_recall(letter_id).await.status().is_client_error());
    assert!(clerk.try_reject(&delivery, "ไม่ใช่ของเรา").await.status().is_client_error());
}

async fn the_address_book_suggests_as_one_types(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clerk = app.clerk("clerk.cgd").await;
    let other = app.clerk("clerk.rd").await;
    for (kind, name) in [
        ("organisation", "บริษัท ตัวอย่าง จำกัด"),
        ("organisation", "บริษัท ทดสอบการค้า จำกัด (มหาชน)"),
        ("organisation", "สมาคมผู้ประกอบการตัวอย่างไทย"),
        ("person", "นายสมชาย ใจดี"),
        ("organisation", "ACME Trading Co., Ltd."),
    ] {
        add_body(&clerk, json!({"kind": kind, "name": name})).await;
    }
    let names =
        |v: Value| v.as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let suggest = |q: &str| format!("/api/v1/outside/bodies/suggest?q={}", urlencode(q));

    // Names beginning with what was typed come first, then names containing it.
    let got = names(clerk.get(&suggest("บริษัท")).await.json().await.unwrap());
    assert_eq!(got, ["บริษัท ตัวอย่าง จำกัด", "บริษัท ทดสอบการค้า จำกัด (มหาชน)"]);
    let got = names(clerk.get(&suggest("ตัวอย่าง")).await.json().await.unwrap());
    assert_eq!(got, ["บริษัท ตัวอย่าง จำกัด", "สมาคมผู้ประกอบการตัวอย่างไทย"]);
    let got = names(clerk.get(&suggest("acme")).await.json().await.unwrap());
    assert_eq!(got, ["ACME Trading Co., Ltd."], "case does not matter");
    let got = names(clerk.get(&format!("{}&limit=1", suggest("บริษัท"))).await.json().await.unwrap());
    assert_eq!(got.len(), 1);
    // A wildcard is only a character; another office's book is its own.
    assert!(names(clerk.get(&suggest("%")).await.json().await.unwrap()).is_empty());
    assert!(names(other.get(&suggest("บริษัท")).await.json().await.unwrap()).is_empty());
    expect_error(clerk.get(&format!("{}&limit=500", suggest("บ"))).await, StatusCode::BAD_REQUEST, "invalid_query")
        .await;

    // The clerk corrects an entry; the other office cannot touch it. Both are audited.
    let book: Vec<Value> = clerk.get("/api/v1/outside/bodies").await.json().await.unwrap();
    // A page past any book is a clear 400, never an overflow (found by schemathesis).
    for page in ["0", "1000001", "9223372036854775808"] {
        let res = clerk.get(&format!("/api/v1/outside/bodies?page={page}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "page {page}");
    }
    assert_eq!(book.len(), 5);
    let person = book.iter().find(|b| b["kind"] == "person").unwrap()["id"].as_str().unwrap().to_owned();
    let change = json!({"kind": "person", "name": "นายสมชาย ใจดีมาก", "postal_address": "1 หมู่ 2 ตำบลในเมือง"});
    let res = clerk.put(&format!("/api/v1/outside/bodies/{person}"), change.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(
        (changed["name"].as_str(), changed["postal_address"].as_str()),
        (Some("นายสมชาย ใจดีมาก"), Some("1 หมู่ 2 ตำบลในเมือง"))
    );
    expect_error(
        other.put(&format!("/api/v1/outside/bodies/{person}"), change).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(audited(&app, "outside.body_created").await, 5);
    assert_eq!(audited(&app, "outside.body_updated").await, 1);

    // Bad entries are refused with the field named.
    let res = clerk.post("/api/v1/outside/bodies", json!({"kind": "organisation", "name": "  "})).await;
    assert_eq!(expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"], "name");
    let res = clerk
        .post("/api/v1/outside/bodies", json!({"kind": "organisation", "name": "x", "email": "not an address"}))
        .await;
    assert_eq!(expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"], "email");
    let exec = app.executive("exec.ops").await;
    expect_error(
        exec.post("/api/v1/outside/bodies", json!({"kind": "person", "name": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A refused arrival: what it is, its details, its files, and the answer expected.
type BadCase = (&'static str, Value, Vec<(&'static str, Vec<u8>)>, StatusCode, &'static str);

/// A PNG whose header claims 30000 × 30000 pixels (and holds none).
fn bomb_header() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 30_000, 30_000);
        encoder.set_color(png::ColorType::Rgb);
        let _writer = encoder.write_header().unwrap();
    }
    out
}

async fn bad_arrivals_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clerk = app.clerk("clerk.cgd").await;
    let sender = company(&clerk).await;
    let good = details(&sender, json!({}));
    let png = page(ImageFormat::Png);
    let mut corrupt = png.clone();
    corrupt.truncate(png.len() / 2);
    let exe = {
        let mut b = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
        b.extend_from_slice(&[0u8; 200]);
        b
    };
    let before = app.count_rows(&["letters", "deliveries", "register_entries", "outside_arrivals"]).await;

    let cases: Vec<BadCase> = vec![
        (
            "a program renamed .jpg",
            good.clone(),
            vec![("scan.jpg", exe)],
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_an_image",
        ),
        (
            "a PNG cut in half",
            good.clone(),
            vec![("scan.png", corrupt)],
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_damaged",
        ),
        (
            "a 30000 × 30000 header",
            good.clone(),
            vec![("bomb.png", bomb_header())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_too_large",
        ),
        (
            "31 pages",
            good.clone(),
            (0..31).map(|_| ("p.png", png.clone())).collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_files",
        ),
        ("no scan", good.clone(), vec![], StatusCode::UNPROCESSABLE_ENTITY, "scan_missing"),
        (
            "a B.E. year given as A.D.",
            details(&sender, json!({"sender_date": "2569-11-20"})),
            vec![("p.png", png.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "sender_date_invalid",
        ),
        (
            "a date of last century",
            details(&sender, json!({"sender_date": "1999-01-01"})),
            vec![("p.png", png.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "sender_date_invalid",
        ),
        (
            "a date that is none",
            details(&sender, json!({"sender_date": "2026-02-30"})),
            vec![("p.png", png.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "a sender not in the book",
            details("no-such-body", json!({})),
            vec![("p.png", png.clone())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            "an unknown channel",
            details(&sender, json!({"channel": "pigeon"})),
            vec![("p.png", png.clone())],
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
    ];
    for (what, details, files, status, code) in cases {
        let res = try_register(&app, &clerk, &details, files).await;
        assert_eq!(res.status(), status, "{what}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], code, "{what}: {body}");
        assert!(!body["message_th"].as_str().unwrap_or_default().is_empty(), "{what}");
    }
    assert_eq!(app.count_rows(&["letters", "deliveries", "register_entries", "outside_arrivals"]).await, before);

    // A PDF and an image together are refused; a PDF alone is registered as it is, and the next
    // receive number is still the first: nothing refused took one.
    let pdf = crate::support::invitation_pdf();
    let res = try_register(&app, &clerk, &good, vec![("a.pdf", pdf.clone()), ("b.png", png.clone())]).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "scan_mixed").await;
    let arrival = register(&app, &clerk, &good, vec![("scan.pdf", pdf)]).await;
    assert_eq!(arrival["receive_number"], "1/2569");
    assert!(arrival["pages_from_images"].is_null());

    // Someone who may not receive may not register either.
    let exec = app.executive("exec.ops").await;
    let res = try_register(&app, &exec, &good, vec![("p.png", png)]).await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn bulk_receive_with_one_bad_id_in_the_middle(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let mut deliveries = Vec::new();
    for _ in 0..3 {
        deliveries.push(ops.send(&["กค 0400"]).await.delivery_to("กค 0400"));
    }
    // The clerk ticks the morning's letters; one id in the middle is not a letter of hers.
    let ids = json!([deliveries[0], "no-such-delivery", deliveries[1], deliveries[2], deliveries[0]]);
    let res = cgd.post("/api/v1/deliveries/receive", json!({"delivery_ids": ids, "action": "เสนออธิบดี"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let answer: Value = res.json().await.unwrap();
    assert_eq!((answer["received"].as_u64(), answer["failed"].as_u64()), (Some(3), Some(2)), "{answer}");
    let lines = answer["results"].as_array().unwrap();
    let outcome: Vec<(bool, Value, Value)> = lines
        .iter()
        .map(|l| (l["received"].as_bool().unwrap(), l["receive_number"].clone(), l["code"].clone()))
        .collect();
    assert_eq!(
        outcome,
        [
            (true, json!("1/2569"), Value::Null),
            (false, Value::Null, json!("not_found")),
            (true, json!("2/2569"), Value::Null),
            (true, json!("3/2569"), Value::Null),
            (false, Value::Null, json!("already_registered")),
        ]
    );
    assert!(lines[0]["receipt"].as_str().unwrap().split('.').count() == 3, "a compact JWS receipt");

    // Each is received with its own stamp and register line; the sender sees them received.
    let register: Vec<Value> = cgd.get("/api/v1/registers/receive/2569").await.json().await.unwrap();
    assert_eq!(register.iter().map(|l| l["seq"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2, 3]);
    for d in &deliveries {
        assert_eq!(cgd.get(&format!("/api/v1/deliveries/{d}/stamped")).await.status(), StatusCode::OK);
    }
    assert_eq!(audited(&app, "delivery.received").await, 3);

    // A list too long, or empty, is refused as a whole and receives nothing.
    let many: Vec<String> = (0..101).map(|i| format!("d{i}")).collect();
    let res = cgd.post("/api/v1/deliveries/receive", json!({"delivery_ids": many})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "bulk_size").await;
    let res = cgd.post("/api/v1/deliveries/receive", json!({"delivery_ids": []})).await;
    expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "bulk_size").await;
    let exec = app.executive("exec.ops").await;
    let res = exec.post("/api/v1/deliveries/receive", json!({"delivery_ids": [deliveries[0]]})).await;
    expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
}
