//! The pages for letters from outside and for receiving many letters at once, over plain HTTP as a
//! browser without JavaScript posts them: the CGD clerk registers a company's paper letter from its
//! JPEG scan through `/arrivals/new` (picked from the address book's suggestions), is stopped from
//! registering it twice until she ticks that it is another letter, adds a new sender from the form;
//! then ticks two letters from OPS and a stale line on the inbox and receives them with one button,
//! seeing the receive numbers of the two and the reason for the third.

use crate::support::{Backend, Persona, TestApp, on_both};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use std::io::Cursor;

on_both!(an_arrival_registered_from_a_jpeg_through_the_form, two_letters_received_at_once_from_the_inbox);

const CGD: &str = "กค 0400";
const COMPANY: &str = "บริษัท ตัวอย่าง จำกัด";

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

/// A signed-in browser: its cookie and the CSRF token its pages carry.
struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

impl<'a> Browser<'a> {
    async fn open(app: &'a TestApp, clerk: &Persona<'_>) -> Browser<'a> {
        let cookie = format!("sarabun_session={}", clerk.token);
        let mut b = Browser { app, cookie, csrf: String::new() };
        let page = b.get("/inbox").await.1;
        let at = page.find("name=\"csrf-token\" content=\"").expect("pages carry the CSRF token") + 27;
        b.csrf = page[at..].split('"').next().unwrap().to_owned();
        b
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let res = client().get(self.app.url(path)).header(COOKIE, &self.cookie).send().await.unwrap();
        (res.status(), decoded(res).await)
    }

    /// Posts the arrival form with `fields` (the CSRF token first) and the scan's files.
    async fn post_arrival(&self, fields: &[(&str, &str)], scan: &[(&str, Vec<u8>)]) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().text("csrf", self.csrf.clone());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (name, bytes) in scan {
            let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string());
            form = form.part("scan", part.mime_str("image/jpeg").unwrap());
        }
        client().post(self.app.url("/arrivals/new")).header(COOKIE, &self.cookie).multipart(form).send().await.unwrap()
    }
}

/// The page's HTML with the entities the templates escape turned back into characters.
async fn decoded(res: reqwest::Response) -> String {
    res.text().await.unwrap().replace("&#x2f;", "/").replace("&amp;", "&").replace("&quot;", "\"")
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// A scanned page as a JPEG.
fn jpeg() -> Vec<u8> {
    let img = RgbImage::from_fn(210, 297, |x, y| {
        if (40..60).contains(&y) && x > 20 { Rgb([20, 20, 80]) } else { Rgb([250, 250, 245]) }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img).write_to(&mut out, ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

async fn receive_register(clerk: &Persona<'_>) -> Vec<Value> {
    clerk.get("/api/v1/registers/receive/2569").await.json().await.unwrap()
}

async fn an_arrival_registered_from_a_jpeg_through_the_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clerk = app.clerk("clerk.cgd").await;
    let res = clerk.post("/api/v1/outside/bodies", json!({"kind": "organisation", "name": COMPANY})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let browser = Browser::open(&app, &clerk).await;

    // The inbox leads clerks to the form; the form suggests the address book's bodies.
    let (_, inbox) = browser.get("/inbox").await;
    assert!(inbox.contains("href=\"/arrivals/new\""), "the inbox links the arrival form");
    let (status, form) = browser.get("/arrivals/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains(&format!("<option value=\"{COMPANY}\">")), "the datalist offers the company");
    assert!(form.contains("ลงรับหนังสือจากภายนอก"));

    let fields = [
        ("sender", COMPANY),
        ("sender_number", "ตย 123/2569"),
        ("sender_date", "2026-11-20"),
        ("subject", "ขอความอนุเคราะห์ตรวจสอบการเบิกจ่ายเงินตามสัญญา"),
        ("urgency", "urgent"),
        ("secrecy", "none"),
        ("channel", "paper"),
        ("enclosures_note", "สำเนาสัญญา 1 ชุด"),
    ];
    let res = browser.post_arrival(&fields, &[("page1.jpg", jpeg())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", decoded(res).await);
    let to = location(&res);
    assert!(to.starts_with("/letters/") && to.ends_with("?done=received"), "{to}");
    let (status, letter) = browser.get(&to).await;
    assert_eq!(status, StatusCode::OK);
    assert!(letter.contains("ขอความอนุเคราะห์ตรวจสอบการเบิกจ่ายเงินตามสัญญา") && letter.contains("1/2569"));
    let register = receive_register(&clerk).await;
    assert_eq!(register.len(), 1);
    assert_eq!(register[0]["subject"], "ขอความอนุเคราะห์ตรวจสอบการเบิกจ่ายเงินตามสัญญา");
    assert_eq!(register[0]["from"], COMPANY);

    // The same letter again: a clear message naming the earlier number, and the box to confirm.
    let res = browser.post_arrival(&fields, &[("page1.jpg", jpeg())]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let page = decoded(res).await;
    assert!(page.contains("id=\"already-registered\"") && page.contains("ลงรับไว้แล้ว เลขทะเบียนรับ 1/2569"), "{page}");
    assert!(page.contains("name=\"confirm_different\""));
    assert!(page.contains("value=\"ตย 123/2569\""), "what was typed is kept");
    assert_eq!(receive_register(&clerk).await.len(), 1, "nothing registered");
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm_different", "yes"));
    let res = browser.post_arrival(&confirmed, &[("page1.jpg", jpeg())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Not an image: refused with the reason, nothing registered.
    let res = browser.post_arrival(&confirmed, &[("page1.jpg", b"not a picture".to_vec())]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(decoded(res).await.contains("id=\"arrival-errors\""));

    // A sender not in the book: asked first, added when the clerk ticks it.
    let mut stranger = fields.to_vec();
    stranger[0] = ("sender", "นายสมชาย ใจดี");
    let res = browser.post_arrival(&stranger, &[("page1.jpg", jpeg())]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(decoded(res).await.contains("name=\"add_sender\""));
    assert_eq!(receive_register(&clerk).await.len(), 2);
    stranger.push(("add_sender", "yes"));
    let res = browser.post_arrival(&stranger, &[("page1.jpg", jpeg())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let register = receive_register(&clerk).await;
    assert_eq!(register.iter().map(|l| l["seq"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2, 3]);

    // Without the session's token the form changes nothing.
    let res = client()
        .post(app.url("/arrivals/new"))
        .header(COOKIE, &browser.cookie)
        .multipart(reqwest::multipart::Form::new().text("csrf", "wrong").text("sender", COMPANY))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Someone who may not receive gets no form.
    let exec = app.executive("exec.ops").await;
    let (status, _) = Browser::open(&app, &exec).await.get("/arrivals/new").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn two_letters_received_at_once_from_the_inbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let first = ops.send(&[CGD]).await.delivery_to(CGD);
    let second = ops.send(&[CGD]).await.delivery_to(CGD);
    let browser = Browser::open(&app, &cgd).await;

    let (_, inbox) = browser.get("/inbox").await;
    for d in [&first, &second] {
        assert!(inbox.contains(&format!("name=\"delivery\" value=\"{d}\"")), "a box for {d}");
    }
    assert!(inbox.contains("ลงรับที่เลือก"));
    let about = |d: &str| {
        let at = inbox.find(&format!("name=\"about:{d}\" value=\"")).unwrap() + d.len() + 21;
        inbox[at..].split('"').next().unwrap().to_owned()
    };
    let (about_first, about_second) = (about(&first), about(&second));
    let (k_first, k_second) = (format!("about:{first}"), format!("about:{second}"));
    // In the order shown: the second letter first; a stale line in between.
    let form = [
        ("csrf", browser.csrf.as_str()),
        ("delivery", second.as_str()),
        (k_second.as_str(), about_second.as_str()),
        ("delivery", "no-such-delivery"),
        ("delivery", first.as_str()),
        (k_first.as_str(), about_first.as_str()),
        ("action", "เสนออธิบดี"),
    ];
    let post = |form: Vec<(&str, &str)>| {
        client().post(app.url("/inbox/receive")).header(COOKIE, &browser.cookie).form(&form).send()
    };
    let res = post(form.to_vec()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = decoded(res).await;
    let line = |d: &str| {
        let at = page.find(&format!("data-delivery=\"{d}\"")).unwrap_or_else(|| panic!("a line for {d}: {page}"));
        page[at..].split("</tr>").next().unwrap().to_owned()
    };
    assert!(line(&second).contains("<span class=\"receive-number\">1/2569</span>"), "{}", line(&second));
    assert!(line(&first).contains("<span class=\"receive-number\">2/2569</span>"), "{}", line(&first));
    assert!(line("no-such-delivery").contains("class=\"reason\""));
    assert!(line(&second).contains("href=\"/letters/"), "the line links the letter");
    assert!(page.contains("ลงรับแล้ว 2") && page.contains("ลงรับไม่ได้ 1"), "{page}");

    let register = receive_register(&cgd).await;
    assert_eq!(register.iter().map(|l| l["seq"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2]);
    assert!(register.iter().all(|l| l["action"] == "เสนออธิบดี"));
    // Received ones are no longer offered; a form without the token receives nothing.
    let (_, inbox) = browser.get("/inbox").await;
    assert!(!inbox.contains("name=\"delivery\""));
    let third = ops.send(&[CGD]).await.delivery_to(CGD);
    let res = post(vec![("csrf", "wrong"), ("delivery", third.as_str())]).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Nothing ticked: said so, nothing received.
    let res = post(vec![("csrf", browser.csrf.as_str())]).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(receive_register(&cgd).await.len(), 2);
}
