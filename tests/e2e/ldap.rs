//! Signing in with the ministry's directory, against a real OpenLDAP (`support::slapd`): a clerk who
//! exists only in the directory signs in over LDAPS and over StartTLS, lands in the Comptroller
//! General's Department by the directory's office code and receives the letter the OPS sent there; a
//! wrong directory password is answered and counted exactly as a local one; people in no mapped
//! group or in an office the node does not have are refused; a directory that is down is a 503 and
//! never a local fall-back; local accounts keep working beside it; and a group changed in the
//! directory changes the person's roles at their next sign-in. Groups are read from the person's
//! `memberOf` (a directory with OpenLDAP's memberof overlay, as Active Directory keeps it) and, for
//! a person whose entry lists none, searched for as `groupOfNames` naming them a member.

use crate::support::slapd::{CLERKS, EXECUTIVES, SUFFIX, Slapd};
use crate::support::{Backend, Persona, TestApp, expect_error, on_both};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both!(
    a_directory_clerk_signs_in_over_ldaps_and_starttls_and_receives,
    a_wrong_directory_password_is_a_wrong_password,
    people_the_directory_cannot_place_are_refused,
    a_directory_that_is_down_is_unavailable_not_a_fallback,
    a_changed_group_changes_the_roles_at_next_sign_in,
    groups_come_from_member_of_and_are_searched_only_without_it,
    the_sign_in_page_takes_directory_passwords_and_says_when_the_directory_is_down,
);

const SOMCHAI: &str = "somchai.j";
const SOMCHAI_PW: &str = "Somchai-dir-2569";

async fn attempt(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Signs in with the directory's password and acts as that person.
async fn directory_person<'a>(app: &'a TestApp, username: &str, password: &str) -> (Persona<'a>, Value) {
    let res = attempt(app, username, password).await;
    assert_eq!(res.status(), StatusCode::CREATED, "directory sign-in of {username}");
    let body: Value = res.json().await.unwrap();
    (app.stranger(body["token"].as_str().unwrap()), body["user"].clone())
}

/// One column of the person's row, as text (`NULL` as `None`).
async fn user_column(app: &TestApp, username: &str, column: &str) -> Option<Option<String>> {
    let db = app.db();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT {column} FROM users WHERE username = '{username}'"),
        ))
        .await
        .unwrap()?;
    Some(row.try_get::<Option<String>>("", column).unwrap())
}

/// The audit entries with `action` about `user/<username>`.
async fn entries(app: &TestApp, action: &str, username: &str) -> Vec<Value> {
    app.integrate_audit().await;
    let db = app.db();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT entry FROM audit_entries WHERE action = '{action}' ORDER BY idx"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| serde_json::from_str::<Value>(&r.try_get::<String>("", "entry").unwrap()).unwrap())
        .filter(|e| e["subject"] == format!("user/{username}"))
        .collect()
}

async fn a_directory_clerk_signs_in_over_ldaps_and_starttls_and_receives(backend: Backend) {
    let slapd = Slapd::start().await;
    let app = TestApp::spawn_with(backend, |s| slapd.configure(s)).await;
    // A local account signs in as before, the directory configured.
    let ops = app.clerk("clerk.ops").await;
    let letter = ops.send(&["กค 0400"]).await;

    let (somchai, me) = directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["office"]["code"], "กค 0400", "{me}");
    assert_eq!(me["roles"], json!(["clerk"]), "{me}");
    assert_eq!(me["full_name"], "สมชาย ใจดี");
    let inbox = somchai.inbox("").await;
    assert_eq!(inbox.total, 1);
    let received = somchai.receive(&letter.delivery_to("กค 0400")).await;
    assert_eq!(received.delivery.decided_by.as_deref(), Some(SOMCHAI));

    // The row is the directory's: its DN, and a password hash that no password matches.
    let dn = user_column(&app, SOMCHAI, "directory_dn").await.unwrap();
    assert_eq!(dn.as_deref(), Some(format!("uid={SOMCHAI},ou=people,{SUFFIX}").as_str()));
    assert_eq!(user_column(&app, SOMCHAI, "password_hash").await.unwrap().as_deref(), Some("!directory-account"));
    let created = entries(&app, "user.created", SOMCHAI).await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["detail"]["source"], "directory");
    assert_eq!(created[0]["detail"]["office"], "กค 0400");
    // A second sign-in finds the same row and writes no new entry.
    directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(entries(&app, "user.created", SOMCHAI).await.len(), 1);
    assert!(entries(&app, "user.updated", SOMCHAI).await.is_empty());

    // The same person through plain LDAP upgraded with StartTLS, found by the service account.
    let starttls = TestApp::spawn_with(backend, |s| slapd.configure_starttls_search(s)).await;
    let ops = starttls.clerk("clerk.ops").await;
    ops.send(&["กค 0400"]).await;
    let (somchai, me) = directory_person(&starttls, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["office"]["code"], "กค 0400", "{me}");
    assert_eq!(somchai.inbox("").await.total, 1);
}

async fn a_wrong_directory_password_is_a_wrong_password(backend: Backend) {
    let slapd = Slapd::start().await;
    let app = TestApp::spawn_with(backend, |s| slapd.configure(s)).await;
    let local = attempt(&app, "clerk.cgd", "not-the-password").await;
    let local_status = local.status();
    let local_body: Value = local.json().await.unwrap();
    let directory = attempt(&app, SOMCHAI, "not-the-password").await;
    assert_eq!((directory.status(), directory.json::<Value>().await.unwrap()), (local_status, local_body.clone()));
    // Someone the directory does not know gets the same answer too.
    let nobody = attempt(&app, "no.such.person", "whatever-1234").await;
    assert_eq!((nobody.status(), nobody.json::<Value>().await.unwrap()), (local_status, local_body));
    // An empty password is no anonymous bind.
    expect_error(attempt(&app, SOMCHAI, "").await, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    let failed = entries(&app, "session.sign_in_failed", SOMCHAI).await;
    assert_eq!(failed.len(), 1, "{failed:?}");

    // Counted by the throttle: the fifth failure locks, and then even the right password is refused
    // before the directory is asked.
    for _ in 0..3 {
        expect_error(attempt(&app, SOMCHAI, "guess-1234").await, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    expect_error(attempt(&app, SOMCHAI, SOMCHAI_PW).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert_eq!(entries(&app, "session.sign_in_locked", SOMCHAI).await.len(), 1);
    assert_eq!(user_column(&app, SOMCHAI, "username").await, None, "nobody was created");
    // Once the lock has run out, the right password works.
    app.clock.advance(chrono::Duration::minutes(1));
    directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
}

async fn people_the_directory_cannot_place_are_refused(backend: Backend) {
    let slapd = Slapd::start().await;
    let app = TestApp::spawn_with(backend, |s| slapd.configure(s)).await;
    // Every answer of the sign-in path is in the served OpenAPI document.
    let doc: Value = app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let answers = doc["paths"]["/api/v1/session"]["post"]["responses"].as_object().unwrap();
    for status in ["201", "400", "401", "403", "413", "415", "429", "503"] {
        assert!(answers.contains_key(status), "POST /session documents {status}: {answers:?}");
    }
    for code in ["directory_no_role", "directory_unknown_office"] {
        assert!(answers["403"]["description"].as_str().unwrap().contains(code), "{answers:?}");
    }
    assert!(answers["503"]["description"].as_str().unwrap().contains("directory_unavailable"));
    let body =
        expect_error(attempt(&app, "nipa.k", "Nipa-dir-2569").await, StatusCode::FORBIDDEN, "directory_no_role").await;
    assert!(body["message_th"].as_str().unwrap().contains("กลุ่ม"), "{body}");
    let body = expect_error(
        attempt(&app, "wichai.s", "Wichai-dir-2569").await,
        StatusCode::FORBIDDEN,
        "directory_unknown_office",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("กค 9999"), "{body}");
    assert_eq!(user_column(&app, "nipa.k", "username").await, None);
    assert_eq!(user_column(&app, "wichai.s", "username").await, None);
}

async fn a_directory_that_is_down_is_unavailable_not_a_fallback(backend: Backend) {
    let mut slapd = Slapd::start().await;
    // A directory whose certificate the node was not told to trust is as good as down.
    let other = Slapd::start().await;
    let untrusting = TestApp::spawn_with(backend, |s| {
        slapd.configure(s);
        s.directory_sign_in.ca_file = other.ca_file().display().to_string();
    })
    .await;
    expect_error(
        attempt(&untrusting, SOMCHAI, SOMCHAI_PW).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "directory_unavailable",
    )
    .await;
    drop((untrusting, other));

    let app = TestApp::spawn_with(backend, |s| slapd.configure(s)).await;
    directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
    slapd.stop();
    let started = std::time::Instant::now();
    let body = expect_error(
        attempt(&app, SOMCHAI, SOMCHAI_PW).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "directory_unavailable",
    )
    .await;
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(!body["message_th"].as_str().unwrap().is_empty());
    // Not counted as a failure: it says nothing about the password.
    assert!(entries(&app, "session.sign_in_failed", SOMCHAI).await.is_empty());
    // Local accounts do not need the directory.
    app.clerk("clerk.cgd").await;
}

async fn a_changed_group_changes_the_roles_at_next_sign_in(backend: Backend) {
    let slapd = Slapd::start().await;
    let app = TestApp::spawn_with(backend, |s| slapd.configure(s)).await;
    let (_, me) = directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["roles"], json!(["clerk"]));

    let somchai_dn = format!("uid={SOMCHAI},ou=people,{SUFFIX}");
    slapd.modify(&format!(
        "dn: {CLERKS}\nchangetype: modify\ndelete: member\nmember: {somchai_dn}\n\n\
         dn: {EXECUTIVES}\nchangetype: modify\nadd: member\nmember: {somchai_dn}\n"
    ));
    let (somchai, me) = directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["roles"], json!(["executive"]), "{me}");
    let updated = entries(&app, "user.updated", SOMCHAI).await;
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["detail"]["previous_roles"], json!(["clerk"]));
    assert_eq!(updated[0]["detail"]["roles"], json!(["executive"]));
    // An executive still reads the office's letters.
    assert_eq!(somchai.inbox("").await.total, 0);

    // Out of every mapped group: refused at the next sign-in.
    slapd.modify(&format!("dn: {EXECUTIVES}\nchangetype: modify\ndelete: member\nmember: {somchai_dn}\n"));
    expect_error(attempt(&app, SOMCHAI, SOMCHAI_PW).await, StatusCode::FORBIDDEN, "directory_no_role").await;
}

async fn groups_come_from_member_of_and_are_searched_only_without_it(backend: Backend) {
    let slapd = Slapd::start_with_member_of().await;
    // As with Active Directory's direct groups: no group search at all, only the entry's memberOf.
    let app = TestApp::spawn_with(backend, |s| {
        slapd.configure(s);
        s.directory_sign_in.group_base = String::new();
    })
    .await;
    let (_, me) = directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["roles"], json!(["clerk"]), "from memberOf alone: {me}");
    // A group changed by the directory's administrator: the overlay updates memberOf, and the next
    // sign-in follows it.
    let somchai_dn = format!("uid={SOMCHAI},ou=people,{SUFFIX}");
    slapd.modify(&format!("dn: {EXECUTIVES}\nchangetype: modify\nadd: member\nmember: {somchai_dn}\n"));
    let (_, me) = directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["roles"], json!(["clerk", "executive"]), "{me}");
    slapd.modify(&format!("dn: {CLERKS}\nchangetype: modify\ndelete: member\nmember: {somchai_dn}\n"));
    let (_, me) = directory_person(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["roles"], json!(["executive"]), "{me}");
    // In no group: no memberOf, nothing to search, refused.
    expect_error(attempt(&app, "nipa.k", "Nipa-dir-2569").await, StatusCode::FORBIDDEN, "directory_no_role").await;
    let off = TestApp::spawn_with(backend, |s| {
        slapd.configure(s);
        s.directory_sign_in.group_base = String::new();
        s.directory_sign_in.member_of_attribute = String::new();
    })
    .await;
    expect_error(attempt(&off, SOMCHAI, SOMCHAI_PW).await, StatusCode::FORBIDDEN, "directory_no_role").await;

    // Both configured. The group filter here also matches the executives' group for everyone, so
    // the answer shows which source was used: a person whose entry lists groups gets those alone
    // (no search), a person whose entry lists none is searched for.
    let both = TestApp::spawn_with(backend, |s| {
        slapd.configure(s);
        s.directory_sign_in.group_filter = "(|(member={dn})(cn=saraban-executives))".into();
    })
    .await;
    slapd.modify(&format!("dn: {CLERKS}\nchangetype: modify\nadd: member\nmember: {somchai_dn}\n"));
    let (_, me) = directory_person(&both, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["roles"], json!(["clerk", "executive"]), "memberOf, not the search: {me}");
    slapd.modify(&format!("dn: {EXECUTIVES}\nchangetype: modify\ndelete: member\nmember: {somchai_dn}\n"));
    let (_, me) = directory_person(&both, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(me["roles"], json!(["clerk"]), "memberOf lists clerks only, the search is not made: {me}");
    let (_, me) = directory_person(&both, "nipa.k", "Nipa-dir-2569").await;
    assert_eq!(me["roles"], json!(["executive"]), "no memberOf: the search answers: {me}");
}

/// Posts the sign-in form as a browser would (its nonce cookie and CSRF token).
async fn sign_in_form(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = browser.get(app.url("/signin")).send().await.unwrap();
    let nonce = form.headers()[reqwest::header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = form.text().await.unwrap();
    let at = page.find("name=\"csrf-token\" content=\"").expect("the form carries its token") + 27;
    let csrf = page[at..].split('"').next().unwrap().to_owned();
    browser
        .post(app.url("/signin"))
        .header(reqwest::header::COOKIE, nonce)
        .form(&[("username", username), ("password", password), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
}

async fn the_sign_in_page_takes_directory_passwords_and_says_when_the_directory_is_down(backend: Backend) {
    let mut slapd = Slapd::start().await;
    let app = TestApp::spawn_with(backend, |s| slapd.configure(s)).await;
    let res = sign_in_form(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<&str> =
        res.headers().get_all(reqwest::header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("sarabun_session=")), "{cookies:?}");

    // Down: the form again, in Thai, with the API's status, not an error page.
    slapd.stop();
    let res = sign_in_form(&app, SOMCHAI, SOMCHAI_PW).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = res.text().await.unwrap();
    assert!(page.contains("ไม่สามารถติดต่อระบบบัญชีผู้ใช้ของกระทรวง"), "{page}");
    assert!(page.contains("name=\"password\""), "the form is shown again");
}
