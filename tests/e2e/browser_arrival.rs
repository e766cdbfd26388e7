//! A clerk registers a letter that came on paper, in a real browser: the arrival form with a
//! photographed page (a JPEG), then the letter in the receive register's page, marked as from outside.

use crate::support::browser::Browser;
use crate::support::{Backend, TestApp};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::StatusCode;
use serde_json::json;

const COMPANY: &str = "บริษัท ไทยพัฒนาการค้า จำกัด";

#[tokio::test]
async fn a_paper_letter_registered_from_a_photo_shows_in_the_register() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let clerk = app.clerk("clerk.cgd").await;
    let res = clerk.post("/api/v1/outside/bodies", json!({"kind": "organisation", "name": COMPANY})).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // A photo of the letter's one page, as a phone takes it.
    let scan = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
    let img = RgbImage::from_fn(420, 594, |x, y| {
        if (60..80).contains(&y) && x > 40 && x < 380 { Rgb([20, 20, 80]) } else { Rgb([250, 250, 245]) }
    });
    DynamicImage::ImageRgb8(img).save_with_format(scan.path(), ImageFormat::Jpeg).unwrap();

    let browser = Browser::start(&app).await;
    browser.sign_in("clerk.cgd").await;
    browser.click("a[href='/arrivals/new']").await;
    browser.wait_for_path("/arrivals/new").await;
    browser.fill("#sender", COMPANY).await;
    browser.fill("#sender_number", "ทพค 045/2569").await;
    browser.client.execute("document.getElementById('sender_date').value = '2026-11-25'", vec![]).await.unwrap();
    browser.find("#channel").await.select_by_value("paper").await.unwrap();
    let subject = "ขอเสนอราคาครุภัณฑ์คอมพิวเตอร์ ประจำปีงบประมาณ พ.ศ. 2570";
    browser.fill("#subject", subject).await;
    browser.find("#scan").await.send_keys(scan.path().to_str().unwrap()).await.unwrap();
    browser.screenshot("arrival").await;
    browser.click("#register-arrival").await;
    let path = browser.wait_for_path("/letters/").await;
    assert!(path.contains("done=received"), "{path}");
    let letter = browser.text("main").await;
    assert!(letter.contains(subject) && letter.contains("1/2569"), "received as number 1: {letter}");

    // The receive register's page lists it with its number and the outside mark.
    browser.goto("/registers?register=receive&year=2569").await;
    let table = browser.text("main").await;
    assert!(table.contains(subject), "{table}");
    assert!(table.contains(COMPANY), "{table}");
    assert!(table.contains("หนังสือภายนอกระบบ"), "the line is marked as from outside: {table}");
    browser.screenshot("register-outside").await;
    browser.close().await;
}
