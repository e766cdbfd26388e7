//! Operating the exchange between two nodes, as separate processes (node A on SQLite at 127.0.0.2,
//! node B on PostgreSQL at 127.0.0.3, as in `federation.rs`). The operator of A sees the queue to B
//! grow while B is down (depth, oldest, the failed attempts, in the API, the page and the metrics),
//! retries one letter now, cancels another (the clerk sees it cancelled with the reason), and puts a
//! given-up one back in the queue; a clerk is refused all of it. A recall crosses to B and takes the
//! letter out of B's inbox; a recall that reaches B after its office received the letter is refused
//! there, the sender sees the refusal, and the receipt still arrives. Numbers stay 1..N and both
//! logs verify.

use crate::support::nodes::{Node, Person, drop_postgres, two_nodes};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::time::Duration;

/// Polls `check` on the letter's first remote recipient until it holds.
async fn wait_for(person: &Person, letter_id: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..600 {
        last = person.get(&format!("/api/v1/letters/{letter_id}/exchange")).await[0].clone();
        if check(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("letter {letter_id} never reached {what}: {last}");
}

async fn verify_logs(a: &mut Node, b: &mut Node) {
    a.stop();
    b.stop();
    for node in [&*a, &*b] {
        let out = node.command().args(["audit", "verify"]).output().unwrap();
        assert!(out.status.success(), "{}: {}", node.url, String::from_utf8_lossy(&out.stdout));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_sees_the_queue_retries_now_and_cancels() {
    let (mut a, mut b, _dir, a_url, (pg_server, pg_name)) = two_nodes().await;
    // A waits an hour between attempts, so only the operator's "retry now" brings a letter over.
    a.set("SARABUN_FEDERATION__RETRY_STEPS_SECS", "3600,3600,3600");
    a.set("SARABUN_FEDERATION__RETRY_EVERY_SECS", "3600");
    a.set("SARABUN_METRICS__ENABLED", "true");
    a.start().await;
    b.start().await;
    let operator = Person::sign_in(&a, "admin").await;
    let ops = Person::sign_in(&a, "clerk.ops").await;
    let moi = Person::sign_in(&b, "clerk.moi").await;
    operator.wait_peer_offices().await;
    Person::sign_in(&b, "admin.moi").await.wait_peer_offices().await;

    // B goes down; the clerk sends three letters, whose first attempts fail.
    b.stop();
    let first = ops.send("มท 0200", "หนังสือที่ผู้ดูแลส่งใหม่ทันที").await;
    let second = ops.send("มท 0200", "หนังสือที่ผู้ดูแลยกเลิก").await;
    let third = ops.send("มท 0200", "หนังสือที่ส่งไม่สำเร็จแล้วส่งใหม่").await;
    let mut ids = Vec::new();
    for letter in [&first, &second, &third] {
        let view = wait_for(&ops, letter, "a failed attempt", |v| v["attempts"].as_i64() >= Some(1)).await;
        assert_eq!(view["state"], "queued", "{view}");
        assert!(view["last_error"].as_str().is_some(), "{view}");
        ids.push(view["message_id"].as_str().unwrap().to_owned());
    }

    // The operator sees the queue to B: three waiting, the oldest since the first send.
    let queue = operator.get("/api/v1/federation/outbox").await;
    let to_b = queue.as_array().unwrap().iter().find(|p| p["peer"] == b.fingerprint.as_str()).unwrap().clone();
    assert_eq!(to_b["depth"], 3, "{queue}");
    assert_eq!(to_b["url"], b.url.as_str());
    assert!(to_b["oldest_queued_at"].as_str().is_some(), "{to_b}");
    let waiting = operator.get("/api/v1/federation/outbox/messages?state=queued").await;
    assert_eq!(waiting["total"], 3, "{waiting}");
    assert!(waiting["items"].as_array().unwrap().iter().all(|m| m["kind"] == "letter" && m["retriable"] == true));
    // Bounded like every list.
    assert_eq!(
        operator.get_status("/api/v1/federation/outbox/messages?per_page=100000").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(operator.get_status("/api/v1/federation/outbox/messages?state=lost").await, StatusCode::BAD_REQUEST);

    // The metrics show the depth and the failed attempts by peer.
    let metrics = reqwest::get(format!("{}/metrics", a.url)).await.unwrap().text().await.unwrap();
    let depth_line = format!("sarabun_exchange_queue_depth{{peer=\"{}\"}} 3", b.fingerprint);
    assert!(metrics.contains(&depth_line), "{metrics}");
    assert!(metrics.contains(&format!("sarabun_exchange_queue_oldest_age_seconds{{peer=\"{}\"}}", b.fingerprint)));
    assert!(metrics.contains(&format!("sarabun_exchange_failed_attempts_total{{peer=\"{}\"}}", b.fingerprint)));

    // A clerk operates nothing of the exchange.
    for path in [
        "/api/v1/federation/outbox",
        "/api/v1/federation/outbox/messages",
        "/api/v1/federation/peers",
        "/api/v1/federation/node",
    ] {
        assert_eq!(ops.get_status(path).await, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, refused) = ops.post(&format!("/api/v1/federation/outbox/{}/retry", ids[0]), json!({})).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{refused}");
    let (status, _) = ops.post(&format!("/api/v1/federation/outbox/{}/cancel", ids[1]), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The operator cancels the second letter's message; the clerk sees it cancelled with the reason.
    let (status, cancelled) =
        operator.post(&format!("/api/v1/federation/outbox/{}/cancel", ids[1]), json!({"reason": "ส่งซ้ำทางอื่นแล้ว"})).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["state"], "cancelled");
    let seen = ops.get(&format!("/api/v1/letters/{second}/exchange")).await;
    assert_eq!(seen[0]["state"], "cancelled", "{seen}");
    assert!(seen[0]["reason"].as_str().unwrap().contains("ส่งซ้ำทางอื่นแล้ว"), "{seen}");
    let (status, settled) = operator.post(&format!("/api/v1/federation/outbox/{}/retry", ids[1]), json!({})).await;
    assert_eq!((status, settled["code"].as_str()), (StatusCode::CONFLICT, Some("message_settled")), "{settled}");

    // The third one's retries ran out while B was down (as if three days had passed).
    let a_db = Database::connect(&a_url).await.unwrap();
    a_db.execute_unprepared(&format!(
        "UPDATE federation_outbox SET state = 'failed', reason = 'not delivered' WHERE id = '{}'",
        ids[2]
    ))
    .await
    .unwrap();
    drop(a_db);
    let queue = operator.get("/api/v1/federation/outbox").await;
    assert_eq!(
        (queue[0]["depth"].as_u64(), queue[0]["failed"].as_u64(), queue[0]["cancelled"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "{queue}"
    );

    // The page shows the same queue with its buttons; a clerk is refused it.
    let cookie = format!("sarabun_session={}", operator.token);
    let page = reqwest::Client::new().get(format!("{}/exchange", a.url)).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("การแลกเปลี่ยนกับโหนดอื่น") && html.contains(&b.fingerprint), "the page names the peer");
    assert!(html.contains(&format!("action=\"/exchange/{}/retry\"", ids[0])), "a retry button for the waiting letter");
    assert!(!html.contains(&format!("action=\"/exchange/{}/retry\"", ids[1])), "none for the cancelled one");
    let clerk_page = reqwest::Client::new()
        .get(format!("{}/exchange", a.url))
        .header(COOKIE, format!("sarabun_session={}", ops.token))
        .send()
        .await
        .unwrap();
    assert_eq!(clerk_page.status(), StatusCode::FORBIDDEN);

    // B is back. The operator retries the first letter now from the page (with its CSRF token) and
    // the failed third through the API: both arrive, once, with the ids they were queued with.
    b.start().await;
    let csrf = {
        let at = html.find("name=\"csrf-token\" content=\"").unwrap() + 27;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let forged = no_redirect
        .post(format!("{}/exchange/{}/retry", a.url, ids[0]))
        .header(COOKIE, &cookie)
        .form(&[("csrf", "0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "a form without the session's token is refused");
    let retried = no_redirect
        .post(format!("{}/exchange/{}/retry", a.url, ids[0]))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), StatusCode::SEE_OTHER);
    let (status, requeued) = operator.post(&format!("/api/v1/federation/outbox/{}/retry", ids[2]), json!({})).await;
    assert_eq!((status, requeued["state"].as_str()), (StatusCode::OK, Some("queued")), "{requeued}");
    let arrived = ops.wait_exchange(&first, "at_peer").await;
    assert_eq!(arrived["message_id"], ids[0].as_str());
    assert_eq!(ops.wait_exchange(&third, "at_peer").await["message_id"], ids[2].as_str());
    let inbox = moi.get("/api/v1/inbox").await;
    assert_eq!(inbox["total"], 2, "the cancelled letter never arrived: {inbox}");

    // The operator's steps are on the letters' trails.
    let trail = ops.get(&format!("/api/v1/letters/{second}/trail")).await;
    assert!(
        trail.as_array().unwrap().iter().any(|e| e["action"] == "exchange.message_cancelled" && e["actor"] == "admin"),
        "{trail}"
    );
    let trail = ops.get(&format!("/api/v1/letters/{first}/trail")).await;
    assert!(trail.as_array().unwrap().iter().any(|e| e["action"] == "exchange.message_retried"), "{trail}");

    // B receives both: numbers 1 and 2.
    for item in inbox["items"].as_array().unwrap() {
        let (status, _) =
            moi.post(&format!("/api/v1/deliveries/{}/receive", item["delivery_id"].as_str().unwrap()), json!({})).await;
        assert_eq!(status, StatusCode::OK);
    }
    let register = moi.get("/api/v1/registers/receive/2569").await;
    let numbers: Vec<&str> = register.as_array().unwrap().iter().map(|l| l["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["1/2569", "2/2569"]);

    verify_logs(&mut a, &mut b).await;
    drop_postgres(&pg_server, &pg_name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recall_crosses_to_the_peer_or_is_refused_there() {
    let (mut a, mut b, _dir, _a_url, (pg_server, pg_name)) = two_nodes().await;
    // B waits an hour before trying a message again, so its receipt stays behind the recall below.
    b.set("SARABUN_FEDERATION__RETRY_STEPS_SECS", "3600,3600,3600");
    b.set("SARABUN_FEDERATION__RETRY_EVERY_SECS", "3600");
    a.start().await;
    b.start().await;
    let ops = Person::sign_in(&a, "clerk.ops").await;
    let moi = Person::sign_in(&b, "clerk.moi").await;
    let moi_operator = Person::sign_in(&b, "admin.moi").await;
    Person::sign_in(&a, "admin").await.wait_peer_offices().await;
    moi_operator.wait_peer_offices().await;

    // A letter at B is recalled before B's office handles it: B withdraws it from the inbox.
    let first = ops.send("มท 0200", "หนังสือที่เรียกคืนก่อนลงรับ").await;
    ops.wait_exchange(&first, "at_peer").await;
    assert_eq!(moi.get("/api/v1/inbox?state=delivered").await["total"], 1);
    let (status, recalled) =
        ops.post(&format!("/api/v1/letters/{first}/recall"), json!({"reason": "ส่งผิดหน่วยงาน"})).await;
    assert_eq!(status, StatusCode::OK, "{recalled}");
    let view = wait_for(&ops, &first, "withdrawn", |v| v["recall"]["state"] == "withdrawn").await;
    assert_eq!(view["state"], "recalled", "{view}");
    assert_eq!(moi.get("/api/v1/inbox?state=delivered").await["total"], 0, "no longer waiting in B's inbox");
    assert_eq!(moi.get("/api/v1/inbox?state=recalled").await["total"], 1);
    let (status, refused) = moi
        .post(
            &format!(
                "/api/v1/deliveries/{}/receive",
                moi.get("/api/v1/inbox").await["items"][0]["delivery_id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a withdrawn letter cannot be received: {refused}");

    // A second letter is received at B while A is down; its receipt waits at B (an hour).
    let second = ops.send("มท 0200", "หนังสือที่ลงรับก่อนการเรียกคืนมาถึง").await;
    ops.wait_exchange(&second, "at_peer").await;
    a.stop();
    let delivery =
        moi.get("/api/v1/inbox?state=delivered").await["items"][0]["delivery_id"].as_str().unwrap().to_owned();
    let (status, received) = moi.post(&format!("/api/v1/deliveries/{delivery}/receive"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{received}");
    assert_eq!(received["delivery"]["receive_number"], "1/2569");
    for _ in 0..300 {
        let queued = moi_operator.get("/api/v1/federation/outbox/messages?state=queued").await;
        if queued["items"][0]["attempts"].as_i64() >= Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A is back and its clerk, not knowing yet, recalls: B refuses, and A's clerk sees why.
    a.start().await;
    let (status, _) = ops.post(&format!("/api/v1/letters/{second}/recall"), json!({"reason": "ขอแก้ไข"})).await;
    assert_eq!(status, StatusCode::OK);
    let view = wait_for(&ops, &second, "a refused recall", |v| v["recall"]["state"] == "refused").await;
    assert!(view["recall"]["reason"].as_str().unwrap().contains("1/2569"), "{view}");
    assert_eq!(moi.get(&format!("/api/v1/letters/{second}")).await["recipients"][0]["state"], "received");

    // B's operator sends the waiting receipt now: A records what B's office did.
    let queued = moi_operator.get("/api/v1/federation/outbox/messages?state=queued").await;
    let decision = queued["items"].as_array().unwrap().iter().find(|m| m["kind"] == "decision").unwrap().clone();
    let (status, _) = moi_operator
        .post(&format!("/api/v1/federation/outbox/{}/retry", decision["id"].as_str().unwrap()), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let done = ops.wait_exchange(&second, "received").await;
    assert_eq!(done["receive_number"], "1/2569", "{done}");
    assert_eq!(done["recall"]["state"], "refused");

    // A letter queued while B is down and then recalled is cancelled at A and never reaches B.
    b.stop();
    let third = ops.send("มท 0200", "หนังสือที่เรียกคืนขณะยังไม่ได้ส่ง").await;
    let (status, _) = ops.post(&format!("/api/v1/letters/{third}/recall"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let view = ops.get(&format!("/api/v1/letters/{third}/exchange")).await;
    assert_eq!(view[0]["state"], "cancelled", "{view}");
    assert!(view[0]["reason"].as_str().unwrap().contains("recalled"), "{view}");
    b.start().await;
    // Whatever of it might have reached B is recalled there too; B's inbox never shows it waiting.
    if view[0]["recall"].is_object() {
        wait_for(&ops, &third, "the recall answered", |v| v["recall"]["state"] == "withdrawn").await;
    }
    assert_eq!(moi.get("/api/v1/inbox?state=delivered").await["total"], 0);
    let register = moi.get("/api/v1/registers/receive/2569").await;
    let numbers: Vec<&str> = register.as_array().unwrap().iter().map(|l| l["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["1/2569"]);

    verify_logs(&mut a, &mut b).await;
    drop_postgres(&pg_server, &pg_name).await;
}
