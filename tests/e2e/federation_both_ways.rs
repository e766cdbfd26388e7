//! Letters crossing between independent nodes both ways, as three ministries would run them: node A
//! (the Ministry of Finance, SQLite at 127.0.0.2), node B (the Ministry of Interior, PostgreSQL at
//! 127.0.0.4) and node C (the Ministry of Education, SQLite at 127.0.0.5), each a real `sarabun
//! serve` process with its own database, each pinning the two others. Every office sends to every
//! other node's office and receives what came to it; each register is exactly 1..N and every log
//! verifies. And the sending node killed between the send's commit and the delivery: the letter is
//! still delivered, once, when it comes back.

use crate::support::nodes::{MOE_DIRECTORY, MOI_DIRECTORY, Node, Person, drop_postgres, postgres_database};
use sarabun::demo::Directory;
use std::collections::BTreeSet;
use std::time::Duration;

/// The node logs verify after the nodes stopped.
fn assert_logs_verify(nodes: &[&Node]) {
    for node in nodes {
        let out = node.command().args(["audit", "verify"]).output().unwrap();
        assert!(
            out.status.success(),
            "the log of {} verifies: {}{}",
            node.url,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_exchange_letters_both_ways() {
    let (pg_server, pg_name) = postgres_database().await;
    let sqlite = tempfile::tempdir().unwrap();
    let sqlite_url = |name: &str| format!("sqlite://{}?mode=rwc", sqlite.path().join(name).display());
    let mut a = Node::prepare("127.0.0.2", &sqlite_url("a.db"), &Directory::demo()).await;
    let mut b =
        Node::prepare("127.0.0.4", &format!("{pg_server}/{pg_name}"), &Directory::parse(MOI_DIRECTORY).unwrap()).await;
    let mut c = Node::prepare("127.0.0.5", &sqlite_url("c.db"), &Directory::parse(MOE_DIRECTORY).unwrap()).await;
    let (a_pin, b_pin, c_pin) = (a.fingerprint.clone(), b.fingerprint.clone(), c.fingerprint.clone());
    assert_eq!(BTreeSet::from([&a_pin, &b_pin, &c_pin]).len(), 3, "three node keys");
    // Each node pins the two others.
    let (a_url, b_url, c_url) = (a.url.clone(), b.url.clone(), c.url.clone());
    a.pin_at(&b_pin, &b_url);
    a.pin_at(&c_pin, &c_url);
    b.pin_at(&a_pin, &a_url);
    b.pin_at(&c_pin, &c_url);
    c.pin_at(&a_pin, &a_url);
    c.pin_at(&b_pin, &b_url);
    a.start().await;
    b.start().await;
    c.start().await;

    let ops = Person::sign_in(&a, "clerk.ops").await;
    let moi = Person::sign_in(&b, "clerk.moi").await;
    let moe = Person::sign_in(&c, "clerk.moe").await;
    // Each node's system administrator, who operates its exchange, sees the others' offices arrive.
    Person::sign_in(&a, "admin").await.wait_remote_offices(&["มท 0200", "ศธ 0100"]).await;
    Person::sign_in(&b, "admin.moi").await.wait_remote_offices(&["กค 0100", "ศธ 0100"]).await;
    Person::sign_in(&c, "admin.moe").await.wait_remote_offices(&["กค 0100", "มท 0200"]).await;

    // Each office writes twice to each office of the other nodes: A→B, A→C, B→A, B→C, C→A, C→B.
    let mut sent = Vec::new();
    for round in 1..=2 {
        for (from, to) in [
            (&ops, "มท 0200"),
            (&ops, "ศธ 0100"),
            (&moi, "กค 0100"),
            (&moi, "ศธ 0100"),
            (&moe, "กค 0100"),
            (&moe, "มท 0200"),
        ] {
            let id = from.send(to, &format!("หนังสือข้ามกระทรวงถึง {to} ฉบับที่ {round}")).await;
            sent.push((from, to, id));
        }
    }
    for (from, _, id) in &sent {
        from.wait_exchange(id, "at_peer").await;
    }

    // Every office finds four letters in its inbox (two from each other node) and receives them as
    // 1..4 of its receive register; each sender sees the number and the signed receipt.
    for clerk in [&ops, &moi, &moe] {
        let mut numbers = clerk.receive_waiting().await;
        numbers.sort();
        assert_eq!(numbers.len(), 4, "{} received four letters: {numbers:?}", clerk.url);
        assert_eq!(clerk.register_numbers("receive").await, vec![1, 2, 3, 4], "receive register of {}", clerk.url);
        assert_eq!(clerk.register_numbers("send").await, vec![1, 2, 3, 4], "send register of {}", clerk.url);
    }
    let mut remote_numbers = BTreeSet::new();
    for (from, to, id) in &sent {
        let done = from.wait_exchange(id, "received").await;
        let number = done["receive_number"].as_str().unwrap().to_owned();
        assert!(done["receipt"].as_str().is_some_and(|r| r.split('.').count() == 3), "{done}");
        let tracking = from.get(&format!("/api/v1/letters/{id}")).await;
        assert_eq!(tracking["recipients"][0]["state"], "received", "{tracking}");
        remote_numbers.insert((*to, number));
    }
    assert_eq!(remote_numbers.len(), 12, "twelve letters, each with its own number at its recipient office");

    // Nothing arrived twice: each inbox holds exactly the four letters.
    for clerk in [&ops, &moi, &moe] {
        assert_eq!(clerk.get("/api/v1/inbox").await["total"], 4, "inbox of {}", clerk.url);
    }

    a.stop();
    b.stop();
    c.stop();
    assert_logs_verify(&[&a, &b, &c]);
    drop_postgres(&pg_server, &pg_name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_killed_between_commit_and_delivery_still_delivers_once() {
    let (pg_server, pg_name) = postgres_database().await;
    let sqlite = tempfile::tempdir().unwrap();
    let a_url = format!("sqlite://{}?mode=rwc", sqlite.path().join("a.db").display());
    let mut a = Node::prepare("127.0.0.6", &a_url, &Directory::demo()).await;
    let mut b =
        Node::prepare("127.0.0.7", &format!("{pg_server}/{pg_name}"), &Directory::parse(MOI_DIRECTORY).unwrap()).await;
    let (a_fp, a_addr, b_fp, b_addr) = (a.fingerprint.clone(), a.url.clone(), b.fingerprint.clone(), b.url.clone());
    a.pin_at(&b_fp, &b_addr);
    b.pin_at(&a_fp, &a_addr);
    a.start().await;
    b.start().await;
    let ops = Person::sign_in(&a, "clerk.ops").await;
    Person::sign_in(&a, "admin").await.wait_remote_offices(&["มท 0200"]).await;

    // B goes away; A commits three sends, each with its message queued, and is killed (SIGKILL)
    // before any could be delivered.
    b.stop();
    let mut letters = Vec::new();
    for n in 1..=3 {
        letters.push(ops.send("มท 0200", &format!("หนังสือก่อนโหนดผู้ส่งล้ม ฉบับที่ {n}")).await);
    }
    for id in &letters {
        let view = ops.get(&format!("/api/v1/letters/{id}/exchange")).await;
        assert_eq!(view[0]["state"], "queued", "{view}");
    }
    a.stop();

    // One more send, and A killed at once while it may be posting: the message is either not yet
    // delivered or delivered without A having recorded the answer. Either way it must arrive once.
    b.start().await;
    a.start().await;
    let ops = Person::sign_in(&a, "clerk.ops").await;
    letters.push(ops.send("มท 0200", "หนังสือที่ส่งแล้วโหนดล้มทันที").await);
    a.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A comes back: every queued message is delivered with its own id, exactly once.
    a.start().await;
    let ops = Person::sign_in(&a, "clerk.ops").await;
    for id in &letters {
        ops.wait_exchange(id, "at_peer").await;
    }
    let moi = Person::sign_in(&b, "clerk.moi").await;
    assert_eq!(moi.get("/api/v1/inbox").await["total"], 4, "four letters, each once");
    let mut numbers = moi.receive_waiting().await;
    numbers.sort();
    assert_eq!(moi.register_numbers("receive").await, vec![1, 2, 3, 4]);
    assert_eq!(ops.register_numbers("send").await, vec![1, 2, 3, 4]);
    for id in &letters {
        ops.wait_exchange(id, "received").await;
    }

    a.stop();
    b.stop();
    assert_logs_verify(&[&a, &b]);
    drop_postgres(&pg_server, &pg_name).await;
}
