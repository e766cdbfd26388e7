//! Register numbers are gapless and unique per office, series and B.E. year: under racing clerks,
//! across two nodes on one PostgreSQL, after failed transactions, and across New Year.

use crate::support::answers::Letter;
use crate::support::{Backend, Persona, TestApp, on_both};
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use sarabun_domain::{RegisterKind, Series, YearBe};
use sea_orm::TransactionTrait;

on_both!(
    racing_clerks_get_consecutive_numbers,
    a_failed_transaction_burns_no_number,
    numbers_restart_each_buddhist_year
);

async fn numbers_of(reader: &Persona<'_>, register: &str) -> Vec<i64> {
    let mut seqs: Vec<i64> = reader.register(&format!("{register}/2569")).await.iter().map(|e| e.seq).collect();
    seqs.sort();
    seqs
}

async fn race(nodes: &[&TestApp], letters: usize) {
    // One session each, used on every node: the sessions live in the shared database.
    let ops = nodes[0].clerk("clerk.ops").await;
    let cgd = nodes[0].clerk("clerk.cgd").await;
    let on = |person: &Persona<'_>, i: usize| person.on(nodes[i % nodes.len()]);
    let sha = ops.upload_pdf(crate::support::invitation_pdf()).await;
    let sends = (0..letters).map(|i| {
        let ops = on(&ops, i);
        let body = crate::support::letter_body(&sha, &["กค 0400"]);
        async move {
            let res = ops.try_send(body).await;
            assert_eq!(res.status(), StatusCode::CREATED);
            res.json::<Letter>().await.unwrap()
        }
    });
    let sent = futures_util::future::join_all(sends).await;
    let receives = sent.iter().enumerate().map(|(i, letter)| {
        let cgd = on(&cgd, i + 1);
        let delivery = letter.delivery_to("กค 0400");
        async move { cgd.receive(&delivery).await }
    });
    futures_util::future::join_all(receives).await;

    let expected: Vec<i64> = (1..=letters as i64).collect();
    assert_eq!(numbers_of(&ops, "send").await, expected, "send register is exactly 1..N");
    assert_eq!(numbers_of(&cgd, "receive").await, expected, "receive register is exactly 1..N");

    // Ten clerks racing to receive one letter: one wins, nine are told it is registered.
    let letter = ops.send(&["กค 0400"]).await;
    let delivery = letter.delivery_to("กค 0400");
    let clerks: Vec<_> = (0..10).map(|i| on(&cgd, i)).collect();
    let attempts = clerks.iter().map(|cgd| cgd.try_receive(&delivery));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts).await.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 9, "{statuses:?}");
    let expected: Vec<i64> = (1..=letters as i64 + 1).collect();
    assert_eq!(numbers_of(&cgd, "receive").await, expected);
}

async fn racing_clerks_get_consecutive_numbers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    race(&[&app], 40).await;
}

/// Two `sarabun serve` nodes with their own connection pools on one PostgreSQL database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgres_number_without_gaps() {
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = first.second_node().await;
    race(&[&first, &second], 60).await;
}

async fn a_failed_transaction_burns_no_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let office =
        sarabun_registry::directory::office_by_code(app.db(), &"กค 0100".parse().unwrap()).await.unwrap().unwrap();
    let year = YearBe::new(2569).unwrap();
    // A transaction takes a number and then dies (dropped without commit, as in a crash).
    {
        let txn = app.db().begin().await.unwrap();
        let n = sarabun_registry::numbering::take_next(&txn, &office.id, RegisterKind::Send, Series::Normal, year)
            .await
            .unwrap();
        assert_eq!(n.to_string(), "1/2569");
        txn.rollback().await.unwrap();
    }
    {
        let txn = app.db().begin().await.unwrap();
        let n = sarabun_registry::numbering::take_next(&txn, &office.id, RegisterKind::Send, Series::Normal, year)
            .await
            .unwrap();
        assert_eq!(n.to_string(), "1/2569");
        drop(txn);
    }
    let ops = app.clerk("clerk.ops").await;
    let letter = ops.send(&["กค 0400"]).await;
    assert_eq!(letter.number, "กค 0100/1", "the rolled-back numbers came back");
}

async fn numbers_restart_each_buddhist_year(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    // 23:59 on 31 December in Bangkok is still 2569 B.E.
    app.clock.set(Utc.with_ymd_and_hms(2026, 12, 31, 16, 59, 0).unwrap());
    let ops = ops.sign_in_again().await;
    let cgd = cgd.sign_in_again().await;
    let old = ops.send(&["กค 0400"]).await;
    assert_eq!(old.number, "กค 0100/1");
    let decided = cgd.receive(&old.delivery_to("กค 0400")).await;
    assert_eq!(decided.delivery.receive_number.as_deref(), Some("1/2569"));
    let second = ops.send(&["กค 0400"]).await;
    assert_eq!(second.number, "กค 0100/2");

    // One minute later it is 1 January 2570 B.E. in Bangkok (still 31 December in UTC).
    app.clock.set(Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap());
    let new = ops.send(&["กค 0400"]).await;
    assert_eq!(new.number, "กค 0100/1");
    let decided = cgd.receive(&second.delivery_to("กค 0400")).await;
    assert_eq!(decided.delivery.receive_number.as_deref(), Some("1/2570"), "received in the new year, numbered in it");
    assert_eq!(cgd.register("receive/2570").await.len(), 1);
}
