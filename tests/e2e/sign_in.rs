//! Signing in under attack and granting with care: a guesser is locked out of an account and out of
//! the node from one address, the right password works again once the lock has run out, an admin can
//! lift a lock, twenty guesses leave a couple of audit entries rather than twenty; the auditor role
//! and clearances take two system admins; and what admins type is normalised.

use crate::support::{Backend, Persona, TestApp, expect_error, on_both};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, RETRY_AFTER, SET_COOKIE};
use sarabun::demo::DEMO_PASSWORD;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both!(
    guessing_locks_the_account_until_the_lock_runs_out,
    one_address_is_locked_across_user_names,
    an_admin_lifts_a_lock,
    granting_the_auditor_role_and_clearances_takes_two_admins,
    admin_input_is_normalised,
);

async fn attempt(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// A wrong guess at `username` by a request that claims to come from `forwarded_for`.
async fn guess_claiming(app: &TestApp, forwarded_for: &str, username: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"username": username, "password": "guess-1234"}))
        .send()
        .await
        .unwrap()
}

/// The audit entries whose action is like `pattern` (SQL `LIKE`), oldest first.
async fn entries_like(app: &TestApp, pattern: &str) -> Vec<Value> {
    app.integrate_audit().await;
    let db = app.db();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT entry FROM audit_entries WHERE action LIKE '{pattern}' ORDER BY idx"),
        ))
        .await
        .unwrap();
    rows.iter().map(|r| serde_json::from_str::<Value>(&r.try_get::<String>("", "entry").unwrap()).unwrap()).collect()
}

/// Audit entries about `subject` whose action starts with `session.sign_in`.
async fn sign_in_entries(app: &TestApp, subject: &str) -> Vec<Value> {
    entries_like(app, "session.%")
        .await
        .into_iter()
        .filter(|e| e["subject"] == subject && e["action"].as_str().is_some_and(|a| a.starts_with("session.sign_in")))
        .collect()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers().get(RETRY_AFTER).expect("a Retry-After header").to_str().unwrap().parse().unwrap()
}

async fn guessing_locks_the_account_until_the_lock_runs_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Five wrong guesses are each told "wrong".
    for _ in 0..5 {
        expect_error(attempt(&app, "clerk.ops", "guess-1234").await, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    // The sixth is refused before its password is looked at, with how long to wait.
    let res = attempt(&app, "clerk.ops", "guess-1234").await;
    let wait = retry_after(&res);
    assert!((1..=30).contains(&wait), "the first lock is thirty seconds: {wait}");
    let body = expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    assert!(body["message_th"].as_str().unwrap().contains("ลองใหม่"), "{body}");
    // So is the right password while the lock holds, and so is the name typed in capitals.
    expect_error(attempt(&app, "clerk.ops", DEMO_PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
        .await;
    expect_error(attempt(&app, "CLERK.OPS", DEMO_PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
        .await;
    // Fourteen more guesses (twenty in all): every one refused, none checked.
    let mut checked = 5;
    for _ in 0..14 {
        if attempt(&app, "clerk.ops", "guess-1234").await.status() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert_eq!(checked, 5, "of twenty guesses within the lock only five reached a password check");
    let entries = sign_in_entries(&app, "user/clerk.ops").await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["session.sign_in_failed", "session.sign_in_locked"], "twenty guesses, two entries");
    assert_eq!(entries[1]["detail"]["failures"], 5);

    // The web form is locked alike, with the same wait.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = client.get(app.url("/signin")).send().await.unwrap();
    let nonce = form.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = form.text().await.unwrap();
    let at = page.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    let csrf = page[at..].split('"').next().unwrap().to_owned();
    let res = client
        .post(app.url("/signin"))
        .header(COOKIE, nonce)
        .form(&[("username", "clerk.ops"), ("password", DEMO_PASSWORD), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res) >= 1);
    assert!(res.text().await.unwrap().contains("ลองใหม่"));

    // Once the lock has run out, the right password works and clears the count.
    app.clock.advance(chrono::Duration::seconds(wait as i64 + 1));
    app.clerk("clerk.ops").await;
    expect_error(attempt(&app, "clerk.ops", "guess-1234").await, StatusCode::UNAUTHORIZED, "bad_credentials").await;
}

async fn one_address_is_locked_across_user_names(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Twenty wrong guesses, each at another name (known or not), from one address; a forged
    // X-Forwarded-For changes nothing, since no proxy is trusted.
    for i in 0..20 {
        let res = guess_claiming(&app, &format!("198.51.100.{i}"), &format!("someone.{i}")).await;
        expect_error(res, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    // Now every name is refused from there, the right password of a real person included.
    let res = attempt(&app, "clerk.cgd", DEMO_PASSWORD).await;
    assert!(retry_after(&res) >= 1);
    expect_error(res, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;

    // Behind a trusted proxy, the clients it names are counted apart.
    let proxied = TestApp::spawn_with(backend, |s| s.server.trusted_proxies = vec!["127.0.0.1".into()]).await;
    for i in 0..20 {
        let res = guess_claiming(&proxied, &format!("198.51.100.{i}"), &format!("someone.{i}")).await;
        expect_error(res, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    let res = proxied
        .http
        .post(proxied.url("/api/v1/session"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"username": "clerk.cgd", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "another client behind the same proxy signs in");
}

async fn an_admin_lifts_a_lock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin("admin").await;
    let clerk = app.clerk("clerk.ops").await;
    for _ in 0..5 {
        attempt(&app, "clerk.cgd", "guess-1234").await;
    }
    expect_error(attempt(&app, "clerk.cgd", DEMO_PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
        .await;
    // A clerk may not lift it; a system admin may, and it is in the log.
    expect_error(clerk.post("/api/v1/users/clerk.cgd/unlock", json!({})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    let res = admin.post("/api/v1/users/Clerk.CGD/unlock", json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let lifted: Value = res.json().await.unwrap();
    assert_eq!((lifted["username"].as_str(), lifted["failures"].as_i64()), (Some("clerk.cgd"), Some(5)));
    assert!(lifted["locked_until"].is_string());
    app.clerk("clerk.cgd").await;
    let entries = sign_in_entries(&app, "user/clerk.cgd").await;
    assert_eq!(entries.len(), 2, "the first failure and the lock: {entries:?}");
    app.integrate_audit().await;
    let db = app.db();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT entry FROM audit_entries WHERE action = 'session.unlocked'".to_owned(),
        ))
        .await
        .unwrap()
        .expect("the unlock is audited");
    let entry: Value = serde_json::from_str(&row.try_get::<String>("", "entry").unwrap()).unwrap();
    assert_eq!((entry["actor"].as_str(), entry["subject"].as_str()), (Some("admin"), Some("user/clerk.cgd")));
    assert_eq!(entry["detail"]["failures"], 5);
}

async fn me(user: &Persona<'_>) -> Value {
    user.get("/api/v1/me").await.json().await.unwrap()
}

async fn granting_the_auditor_role_and_clearances_takes_two_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin("admin").await;
    let second = app.admin("admin.security").await;
    // The admin creates an auditor cleared for secret letters: the person exists, without either.
    let res = admin.post("/api/v1/users", json!({"office": "กค 0100", "username": "auditor2", "full_name": "นายสมชาย ตรวจสอบ", "position": "ผู้ตรวจสอบภายใน", "email": "somchai.t@ops.mof.example.go.th", "password": DEMO_PASSWORD, "roles": ["auditor"], "clearance": "secret"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let grant = created["pending_grant"]["id"].as_str().expect("a pending grant").to_owned();
    assert_eq!(created["pending_grant"]["roles"], json!(["auditor"]));
    let auditor2 = app.sign_in("auditor2").await;
    assert_eq!(
        (me(&auditor2).await["roles"].clone(), me(&auditor2).await["clearance"].clone()),
        (json!([]), json!("none"))
    );
    expect_error(auditor2.get("/api/v1/letters").await, StatusCode::FORBIDDEN, "forbidden").await;

    // Both admins see it waiting; the one who proposed it cannot approve it.
    let waiting: Vec<Value> = second.get("/api/v1/grants").await.json().await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["proposed_by"], "admin");
    expect_error(
        admin.post(&format!("/api/v1/grants/{grant}/approve"), json!({})).await,
        StatusCode::FORBIDDEN,
        "own_proposal",
    )
    .await;
    assert_eq!(me(&auditor2).await["clearance"], "none");
    // A clerk cannot either.
    let clerk = app.clerk("clerk.ops").await;
    expect_error(
        clerk.post(&format!("/api/v1/grants/{grant}/approve"), json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // The second admin approves: now it holds.
    let res = second.post(&format!("/api/v1/grants/{grant}/approve"), json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let now = me(&auditor2).await;
    assert_eq!((now["roles"].clone(), now["clearance"].clone()), (json!(["auditor"]), json!("secret")));
    assert_eq!(auditor2.get("/api/v1/letters").await.status(), StatusCode::OK);
    expect_error(
        second.post(&format!("/api/v1/grants/{grant}/approve"), json!({})).await,
        StatusCode::CONFLICT,
        "grant_decided",
    )
    .await;

    // A system admin is a grant too, or one admin could make a second and approve with it; a refused
    // grant leaves the person as they were.
    let res = admin.post("/api/v1/users", json!({"office": "กค 0100", "username": "admin3", "full_name": "ผู้ดูแลสาม", "position": "", "email": "admin3@ops.mof.example.go.th", "password": DEMO_PASSWORD, "roles": ["system_admin"], "clearance": "none"}))
        .await;
    let created: Value = res.json().await.unwrap();
    let grant3 = created["pending_grant"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("system admin takes two: {created}"))
        .to_owned();
    let res = second.post(&format!("/api/v1/grants/{grant3}/refuse"), json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let admin3 = app.sign_in("admin3").await;
    assert_eq!(me(&admin3).await["roles"], json!([]));
    // An office admin without clearance needs nobody's approval.
    let created = admin.create_user(json!({"office": "กค 0400", "username": "admin.cgd", "full_name": "ผู้ดูแล", "position": "ผู้ดูแลระบบ", "email": "admin@cgd.example.go.th", "password": DEMO_PASSWORD, "roles": ["office_admin"], "clearance": "none"}))
        .await;
    assert!(created.get("pending_grant").is_none());

    // Proposal, approval and refusal are in the log, each by who did it.
    let entries: Vec<(String, String, String)> = entries_like(&app, "grant.%")
        .await
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["actor"].as_str().unwrap().into(),
                e["subject"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expect = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        entries,
        [
            expect("grant.proposed", "admin", "user/auditor2"),
            expect("grant.approved", "admin.security", "user/auditor2"),
            expect("grant.proposed", "admin", "user/admin3"),
            expect("grant.refused", "admin.security", "user/admin3"),
        ]
    );
}

async fn admin_input_is_normalised(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin("admin").await;
    let person = |username: &str, full_name: &str, email: &str| {
        json!({"office": "กค 0400", "username": username, "full_name": full_name, "position": " เจ้าพนักงานธุรการ ",
            "email": email, "password": DEMO_PASSWORD, "roles": ["clerk"], "clearance": "none"})
    };
    // Trimmed, NFC (ดู่ typed tone mark first is stored vowel first), the user name lower-cased.
    let created =
        admin.create_user(person("  Clerk2.CGD ", " นายดู\u{0E48}\u{0E39} ใจดี ", " clerk2@cgd.example.go.th ")).await;
    assert_eq!(created["username"], "clerk2.cgd");
    let db = app.db();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT full_name, position, email FROM users WHERE username = 'clerk2.cgd'".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "full_name").unwrap(), "นายดู\u{0E39}\u{0E48} ใจดี");
    assert_eq!(row.try_get::<String>("", "position").unwrap(), "เจ้าพนักงานธุรการ");
    assert_eq!(row.try_get::<String>("", "email").unwrap(), "clerk2@cgd.example.go.th");
    // One person whatever the case: signing in as CLERK2.cgd works, creating clerk2.CGD does not.
    let res = attempt(&app, "CLERK2.cgd", DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = admin.post("/api/v1/users", person("clerk2.CGD", "อีกคน", "x@cgd.example.go.th")).await;
    expect_error(res, StatusCode::CONFLICT, "duplicate").await;

    // A header smuggled into an e-mail address, hidden characters in a name, a space in a user name.
    for (body, field) in [
        (person("clerk3.cgd", "ทดสอบ", "a@cgd.example.go.th\r\nBcc: all@evil.example"), "email"),
        (person("clerk3.cgd", "ทดสอบ", "not an address"), "email"),
        (person("clerk3.cgd", "ทด\u{202E}สอบ", "a@cgd.example.go.th"), "full_name"),
        (person("clerk3.cgd", "ทดสอบ\u{7}", "a@cgd.example.go.th"), "full_name"),
        (person("clerk 3", "ทดสอบ", "a@cgd.example.go.th"), "username"),
        (person("เสมียน", "ทดสอบ", "a@cgd.example.go.th"), "username"),
    ] {
        let res = admin.post("/api/v1/users", body).await;
        let error = expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await;
        assert_eq!(error["field"], field, "{error}");
    }
    // Offices' names and inbox addresses go through the same rules.
    let res = admin.post("/api/v1/offices", json!({"code": "กค 0901", "name_th": " กองทดสอบ ", "name_en": "Test\u{200B} Division", "inbox_email": "test@x.example"}))
        .await;
    assert_eq!(expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"], "name_en");
    let res = admin.post("/api/v1/offices", json!({"code": "กค 0901", "name_th": " กองทดสอบ ", "name_en": "Test Division", "inbox_email": "test@x.example\nBcc: y@evil.example"}))
        .await;
    assert_eq!(expect_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field").await["field"], "inbox_email");
    let res = admin.post("/api/v1/offices", json!({"code": "กค 0901", "name_th": " กองทดสอบ ", "name_en": "Test Division", "inbox_email": " test@x.example "}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let office: Value = res.json().await.unwrap();
    assert_eq!(
        (office["name_th"].as_str(), office["inbox_email"].as_str()),
        (Some("กองทดสอบ"), Some("test@x.example"))
    );
}
