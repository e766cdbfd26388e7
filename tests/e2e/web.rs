//! The web interface over plain HTTP, for what a browser test would only cover slowly: sessions and
//! redirects, CSRF refusals, security headers, language, the compose form without JavaScript, bad
//! uploads, registers and who may see which page.

use crate::support::{Backend, TestApp, invitation_pdf};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};

const CGD: &str = "กค 0400";

/// A browser-like client that does not follow redirects, so the tests see them.
fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

/// A signed-in browser session: its cookie and the CSRF token its pages carry.
pub(crate) struct Session {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) async fn session(app: &TestApp, username: &str) -> Session {
    let user = app.sign_in(username).await;
    let cookie = format!("sarabun_session={}", user.token);
    let page = client().get(app.url("/inbox")).header(COOKIE, &cookie).send().await.unwrap().text().await.unwrap();
    let csrf = meta_csrf(&page);
    Session { cookie, csrf }
}

fn meta_csrf(page: &str) -> String {
    let at = page.find("name=\"csrf-token\" content=\"").expect("pages carry the CSRF token") + 27;
    page[at..].split('"').next().unwrap().to_owned()
}

pub(crate) async fn page(app: &TestApp, s: &Session, path: &str) -> Response {
    client().get(app.url(path)).header(COOKIE, &s.cookie).send().await.unwrap()
}

async fn post_form(app: &TestApp, s: &Session, path: &str, form: &[(&str, &str)]) -> Response {
    client().post(app.url(path)).header(COOKIE, &s.cookie).form(form).send().await.unwrap()
}

/// The page's HTML with the entities the templates escape turned back into characters.
async fn decoded(res: Response) -> String {
    res.text().await.unwrap().replace("&#x2f;", "/").replace("&amp;", "&").replace("&quot;", "\"")
}

pub(crate) fn location(res: &Response) -> String {
    res.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn pages_send_strangers_to_the_sign_in_form_and_back() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = client().get(app.url("/inbox?q=x")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/signin?next=/inbox%3Fq%3Dx");
    // A bearer token is for API clients: pages want the cookie.
    let user = app.clerk("clerk.ops").await;
    let res = client().get(app.url("/inbox")).bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let form = client().get(app.url("/signin?next=/sent")).send().await.unwrap();
    let nonce_cookie = form.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert!(form.headers()[SET_COOKIE].to_str().unwrap().contains("HttpOnly; SameSite=Strict"));
    let csrf = meta_csrf(&form.text().await.unwrap());
    let sign_in = |password: &'static str, next: &'static str, cookie: Option<String>, csrf: String| {
        let mut req = client().post(app.url("/signin")).form(&[
            ("username", "clerk.ops"),
            ("password", password),
            ("csrf", csrf.as_str()),
            ("next", next),
        ]);
        if let Some(cookie) = cookie {
            req = req.header(COOKIE, cookie);
        }
        req.send()
    };
    // Without the form's cookie (another site posting it) the form is refused.
    let res = sign_in("sarabun-demo", "/sent", None, csrf.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("csrf_token_invalid"));
    // A wrong password shows the form again with the message, in Thai.
    let res = sign_in("wrong", "/sent", Some(nonce_cookie.clone()), csrf.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"));
    // The right one opens a session and returns to the page asked for.
    let res = sign_in("sarabun-demo", "/sent", Some(nonce_cookie.clone()), csrf.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/sent");
    let cookies: Vec<&str> = res.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
    let session = cookies.iter().find(|c| c.starts_with("sarabun_session=")).expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/"));
    // Never onward to another site.
    let res = sign_in("sarabun-demo", "//evil.example/", Some(nonce_cookie), csrf).await.unwrap();
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_configured() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.server.cookie_secure = true).await;
    let form = client().get(app.url("/signin")).send().await.unwrap();
    let nonce = form.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(nonce.contains("; Secure"), "{nonce}");
    let csrf = meta_csrf(&form.text().await.unwrap());
    let res = client()
        .post(app.url("/signin"))
        .header(COOKIE, nonce.split(';').next().unwrap())
        .form(&[("username", "clerk.ops"), ("password", "sarabun-demo"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let cookies: Vec<&str> = res.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("sarabun_session=") && c.ends_with("; Secure")), "{cookies:?}");
}

#[tokio::test]
async fn forms_without_the_sessions_token_change_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let letter = ops.send(&[CGD]).await;
    let delivery = letter.delivery_to(CGD);
    let letter_id = letter.id.as_str();
    let cgd = session(&app, "clerk.cgd").await;
    let path = format!("/deliveries/{delivery}/receive");

    for token in ["", "0123456789abcdef0123456789abcdef", "wrong"] {
        let res = post_form(&app, &cgd, &path, &[("csrf", token), ("letter_id", letter_id)]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.text().await.unwrap().contains("csrf_token_invalid"));
    }
    // The right token from another site (the browser says so) is refused too.
    let res = client()
        .post(app.url(&path))
        .header(COOKIE, &cgd.cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", cgd.csrf.as_str()), ("letter_id", letter_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Another session's token does not fit this one.
    let other = session(&app, "clerk.cgd").await;
    let res = post_form(&app, &cgd, &path, &[("csrf", other.csrf.as_str()), ("letter_id", letter_id)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The API does not take the cookie for changes either.
    let res = client()
        .post(app.url(&format!("/api/v1/deliveries/{delivery}/receive")))
        .header(COOKIE, &cgd.cookie)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    crate::support::expect_error(res, StatusCode::FORBIDDEN, "bearer_token_required").await;
    let inbox = app.clerk("clerk.cgd").await.inbox("").await;
    assert_eq!(inbox.items[0].state, "delivered", "nothing was received");

    // With its token the form works, and a second receive says it was already done.
    let res = post_form(&app, &cgd, &path, &[("csrf", cgd.csrf.as_str()), ("letter_id", letter_id)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/letters/{letter_id}?done=received"));
    let res = post_form(&app, &cgd, &path, &[("csrf", cgd.csrf.as_str()), ("letter_id", letter_id)]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("หนังสือฉบับนี้ลงทะเบียนรับแล้ว"));
    // Signing out needs the token too; afterwards the cookie opens nothing.
    let res = post_form(&app, &cgd, "/signout", &[("csrf", "nope")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post_form(&app, &cgd, "/signout", &[("csrf", cgd.csrf.as_str())]).await;
    assert_eq!(location(&res), "/signin");
    assert_eq!(page(&app, &cgd, "/inbox").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = session(&app, "clerk.ops").await;
    for path in ["/inbox", "/signin", "/api/v1/me", "/static/app.css", "/no/such/page"] {
        let res = page(&app, &ops, path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "SAMEORIGIN", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
    assert_eq!(page(&app, &ops, "/inbox").await.headers()["cache-control"], "no-store");
    let missing = page(&app, &ops, "/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.text().await.unwrap().contains("ไม่พบหน้าที่ต้องการ"));
    crate::support::expect_error(page(&app, &ops, "/api/v1/nothing").await, StatusCode::NOT_FOUND, "no_such_endpoint")
        .await;
    let font = page(&app, &ops, "/static/sarabun-thai-400.woff2").await;
    assert_eq!(font.headers()["content-type"], "font/woff2");
    assert!(font.bytes().await.unwrap().starts_with(b"wOF2"));
}

#[tokio::test]
async fn thai_by_default_english_on_request() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = session(&app, "clerk.ops").await;
    let thai = page(&app, &ops, "/inbox").await.text().await.unwrap();
    assert!(thai.contains("<html lang=\"th\">") && thai.contains("หนังสือเข้า"));
    let res = client().get(app.url("/lang/en?back=/inbox")).send().await.unwrap();
    assert_eq!(location(&res), "/inbox");
    let set = res.headers()[SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("sarabun_lang=en;"), "{set}");
    let english = client()
        .get(app.url("/inbox"))
        .header(COOKIE, format!("{}; sarabun_lang=en", ops.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">") && english.contains(">Inbox<"), "{english}");
    let res = client().get(app.url("/lang/en?back=https://evil.example/")).send().await.unwrap();
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn an_office_never_sees_another_offices_letters() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let letter = ops.send(&[CGD]).await;
    let id = letter.id.as_str();
    let customs = session(&app, "clerk.customs").await;
    let res = page(&app, &customs, &format!("/letters/{id}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.unwrap();
    assert!(html.contains("ไม่พบข้อมูลที่ต้องการ") && html.contains("Not found"), "both languages: {html}");
    let inbox = page(&app, &customs, "/inbox").await.text().await.unwrap();
    assert!(!inbox.contains(id) && inbox.contains("inbox-empty"));
    // A clerk is not an auditor; an auditor does not compose.
    let res = page(&app, &customs, "/auditor").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let auditor = session(&app, "auditor").await;
    assert_eq!(page(&app, &auditor, "/compose").await.status(), StatusCode::FORBIDDEN);
    let form = compose_form(&auditor.csrf, "a1", ("a.pdf", invitation_pdf(), "application/pdf"));
    assert_eq!(post_compose(&app, &auditor, form).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(page(&app, &auditor, &format!("/letters/{id}")).await.status(), StatusCode::OK);
    // The same search through the API: auditors only.
    let found: serde_json::Value = page(&app, &auditor, "/api/v1/letters?q=ขอเชิญ").await.json().await.unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["letter_id"], id);
    let res = page(&app, &customs, "/api/v1/letters").await;
    crate::support::expect_error(res, StatusCode::FORBIDDEN, "forbidden").await;
}

pub(crate) fn compose_form(csrf: &str, key: &str, file: (&str, Vec<u8>, &str)) -> reqwest::multipart::Form {
    let (name, bytes, mime) = file;
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("idempotency_key", key.to_owned())
        .text("kind", "external")
        .text("series", "normal")
        .text("subject", "ขอเชิญประชุมหารือการใช้ระบบสารบรรณ")
        .text("addressee", "อธิบดีกรมบัญชีกลาง")
        .text("recipients", CGD)
        .text("urgency", "urgent")
        .text("secrecy", "none")
        .text("deadline", "2026-12-01T16:30")
        .text("ref_number", "")
        .text("ref_date", "")
        .text("retention_years", "10")
        .text("signer_name", "นายประเสริฐ มั่นคง")
        .text("signer_position", "รองปลัดกระทรวงการคลัง")
        .part("body", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).unwrap())
        .part("enclosures", reqwest::multipart::Part::bytes(Vec::new()).file_name(""))
}

pub(crate) async fn post_compose(app: &TestApp, s: &Session, form: reqwest::multipart::Form) -> Response {
    client().post(app.url("/compose")).header(COOKIE, &s.cookie).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn the_compose_form_works_without_javascript_and_sends_once() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = session(&app, "clerk.ops").await;
    let form = || compose_form(&ops.csrf, "form-1", ("หนังสือเชิญ.pdf", invitation_pdf(), "application/pdf"));
    let res = post_compose(&app, &ops, form()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", res.text().await.unwrap());
    let first = location(&res);
    assert!(first.starts_with("/letters/") && first.ends_with("?done=sent"), "{first}");
    // The same form sent again (a double click, a retried upload) sends nothing more.
    let again = post_compose(&app, &ops, form()).await;
    assert_eq!(location(&again), first);
    let cgd = app.clerk("clerk.cgd").await;
    let inbox = cgd.inbox("").await;
    assert_eq!(inbox.total, 1);
    // The deadline was read as Bangkok time.
    assert_eq!(inbox.items[0].deadline.as_deref(), Some("2026-12-01T09:30:00Z"));
    assert_eq!(inbox.items[0].urgency, "urgent");
    // The letter page shows the document under its Thai name.
    let html = page(&app, &ops, first.trim_end_matches("?done=sent")).await.text().await.unwrap();
    assert!(html.contains("หนังสือเชิญ.pdf"));
}

#[tokio::test]
async fn bad_files_are_refused_with_the_form_kept() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.uploads.max_bytes = 8 * 1024).await;
    let ops = session(&app, "clerk.ops").await;
    // Larger than the limit.
    let res =
        post_compose(&app, &ops, compose_form(&ops.csrf, "k1", ("big.pdf", invitation_pdf(), "application/pdf"))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("big.pdf: ไฟล์มีขนาดเกิน"), "{html}");
    assert!(html.contains("value=\"ขอเชิญประชุมหารือการใช้ระบบสารบรรณ\""), "what was typed is kept");
    // Not a PDF: stored as what it is, and refused as the letter's body.
    let res = post_compose(
        &app,
        &ops,
        compose_form(&ops.csrf, "k2", ("letter.pdf", b"not a pdf at all".to_vec(), "application/pdf")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("ตัวหนังสือต้องเป็นไฟล์ PDF"), "{html}");
    // Kept by digest for the corrected form.
    assert!(html.contains("name=\"body_kept\""));
    // Without the token nothing is stored at all.
    let before = app.row_counts().await;
    let res =
        post_compose(&app, &ops, compose_form("", "k3", ("a.pdf", b"%PDF-1.4 x %%EOF".to_vec(), "application/pdf")))
            .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.row_counts().await, before);
    let cgd = app.clerk("clerk.cgd").await;
    assert_eq!(cgd.inbox("").await.total, 0, "nothing was sent");
}

#[tokio::test]
async fn registers_as_tables_csv_and_the_paper_layout() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let letter = ops.send(&[CGD]).await;
    let cgd_api = app.clerk("clerk.cgd").await;
    cgd_api.receive(&letter.delivery_to(CGD)).await;
    let cgd = session(&app, "clerk.cgd").await;
    let html = decoded(page(&app, &cgd, "/registers?register=receive&year=2569").await).await;
    assert!(html.contains("ทะเบียนหนังสือรับ") && html.contains("1/2569") && html.contains("register-table"), "{html}");
    assert!(html.contains("/api/v1/registers/receive/2569?format=csv"));
    let csv = page(&app, &cgd, "/api/v1/registers/receive/2569?format=csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let print = decoded(page(&app, &cgd, "/registers/receive/2569/print").await).await;
    assert!(print.contains("paper-register") && print.contains("วันที่ 25 พ.ย. 2569") && print.contains("1/2569"));
    // Another office's register is not a clerk's to read; the auditor reads any.
    assert_eq!(page(&app, &cgd, "/registers?office=กค 0100").await.status(), StatusCode::FORBIDDEN);
    let auditor = session(&app, "auditor").await;
    let html = decoded(page(&app, &auditor, "/registers?register=send&office=กค 0100").await).await;
    assert!(html.contains("กค 0100/1"), "{html}");
    // The auditor may type a piece of the office's name that only it contains; several is a 400.
    let html = decoded(page(&app, &auditor, "/registers?register=send&office=ปลัดกระทรวงการคลัง").await).await;
    assert!(html.contains("กค 0100/1") && html.contains(r#"value="กค 0100""#), "{html}");
    assert_eq!(page(&app, &auditor, "/registers?office=กรม").await.status(), StatusCode::BAD_REQUEST);
    assert!(!html.contains("กค 0700"), "the directory is not listed");
}

crate::support::on_both!(the_web_migration_backfills_letters_already_delivered);

/// A ministry upgrading with letters already in its inboxes: m0004 copies each letter's secrecy and
/// urgency onto its deliveries, so the inbox filters and clearance checks read the right values.
async fn the_web_migration_backfills_letters_already_delivered(backend: Backend) {
    use sarabun_migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let sha = ops.upload_pdf(invitation_pdf()).await;
    let body = crate::support::letter_body_with(
        &sha,
        &[CGD],
        serde_json::json!({"secrecy": "confidential", "urgency": "most_urgent"}),
    );
    assert_eq!(ops.post("/api/v1/letters", body).await.status(), StatusCode::CREATED);
    // m0004 itself cannot be replayed (later migrations have no `down`): the newest migration is
    // undone and made again with the letter in place, and the copied values must survive it.
    Migrator::down(app.db(), Some(1)).await.unwrap();
    Migrator::up(app.db(), None).await.unwrap();
    let backend_kind = app.db().get_database_backend();
    let row = app
        .db()
        .query_one_raw(Statement::from_string(backend_kind, "SELECT secrecy, urgency, opened_at FROM deliveries"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "secrecy").unwrap(), "confidential");
    assert_eq!(row.try_get::<String>("", "urgency").unwrap(), "most_urgent");
    assert!(row.try_get::<Option<chrono::DateTime<chrono::Utc>>>("", "opened_at").unwrap().is_none());
    let cgd = app.clerk("clerk.cgd").await;
    assert_eq!(cgd.inbox("?urgency=most_urgent").await.total, 1);
}

async fn count_entries(app: &TestApp, action: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    app.integrate_audit().await;
    let sql = format!("SELECT COUNT(*) AS n FROM audit_entries WHERE action = '{action}'");
    let row =
        app.db().query_one_raw(Statement::from_string(app.db().get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// Showing a secret letter's page (the letter and its trail) records its opening once, not once for
/// each thing the page shows.
#[tokio::test]
async fn a_secret_letters_page_records_one_opening() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ops = app.clerk("clerk.ops").await;
    let sha = ops.upload_pdf(invitation_pdf()).await;
    let body = crate::support::letter_body_with(&sha, &[CGD], serde_json::json!({"secrecy": "confidential"}));
    let letter: serde_json::Value = ops.post("/api/v1/letters", body).await.json().await.unwrap();
    let cgd = session(&app, "clerk.cgd").await;
    let before = count_entries(&app, "letter.secret_opened").await;
    let res = page(&app, &cgd, &format!("/letters/{}", letter["id"].as_str().unwrap())).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(decoded(res).await.contains("letter.sent"), "the page shows the trail");
    assert_eq!(count_entries(&app, "letter.secret_opened").await, before + 1);
}
