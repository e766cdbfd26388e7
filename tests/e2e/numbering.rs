//! Register numbers are gapless and unique per office, series and B.E. year: under racing clerks,
//! across two nodes on one PostgreSQL, after failed transactions, and across New Year.

use crate::support::{Backend, TestApp, on_both};
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use sarabun_domain::{RegisterKind, Series, YearBe};
use sea_orm::TransactionTrait;
use serde_json::Value;

on_both!(
    racing_clerks_get_consecutive_numbers,
    a_failed_transaction_burns_no_number,
    numbers_restart_each_buddhist_year
);

async fn numbers_of(app: &TestApp, user: &crate::support::User, register: &str) -> Vec<i64> {
    let entries: Value = app.get(user, &format!("/api/v1/registers/{register}/2569")).await.json().await.unwrap();
    let mut seqs: Vec<i64> = entries.as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    seqs.sort();
    seqs
}

async fn race(nodes: &[&TestApp], letters: usize) {
    let ops: Vec<_> = futures_util::future::join_all(nodes.iter().map(|n| n.sign_in("clerk.ops"))).await;
    let cgd: Vec<_> = futures_util::future::join_all(nodes.iter().map(|n| n.sign_in("clerk.cgd"))).await;
    let sha = nodes[0].upload_pdf(&ops[0], crate::support::invitation_pdf()).await;
    let sends = (0..letters).map(|i| {
        let node = nodes[i % nodes.len()];
        let user = &ops[i % nodes.len()];
        let body = node.letter(&sha, &["กค 0400"]);
        async move {
            let res = node.post(user, "/api/v1/letters", body).await;
            assert_eq!(res.status(), StatusCode::CREATED);
            res.json::<Value>().await.unwrap()
        }
    });
    let sent = futures_util::future::join_all(sends).await;
    let receives = sent.iter().enumerate().map(|(i, letter)| {
        let node = nodes[i % nodes.len()];
        let user = &cgd[(i + 1) % nodes.len()];
        let delivery = TestApp::delivery_to(letter, "กค 0400");
        async move {
            let res = node.receive(user, &delivery).await;
            assert_eq!(res.status(), StatusCode::OK);
        }
    });
    futures_util::future::join_all(receives).await;

    let expected: Vec<i64> = (1..=letters as i64).collect();
    assert_eq!(numbers_of(nodes[0], &ops[0], "send").await, expected, "send register is exactly 1..N");
    assert_eq!(numbers_of(nodes[0], &cgd[0], "receive").await, expected, "receive register is exactly 1..N");

    // Ten clerks racing to receive one letter: one wins, nine are told it is registered.
    let letter = nodes[0].send_letter(&ops[0], &["กค 0400"]).await;
    let delivery = TestApp::delivery_to(&letter, "กค 0400");
    let attempts = (0..10).map(|i| nodes[i % nodes.len()].receive(&cgd[i % nodes.len()], &delivery));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts).await.iter().map(|r| r.status()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 9, "{statuses:?}");
    let expected: Vec<i64> = (1..=letters as i64 + 1).collect();
    assert_eq!(numbers_of(nodes[0], &cgd[0], "receive").await, expected);
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
    let ops = app.sign_in("clerk.ops").await;
    let letter = app.send_letter(&ops, &["กค 0400"]).await;
    assert_eq!(letter["number"], "กค 0100/1", "the rolled-back numbers came back");
}

async fn numbers_restart_each_buddhist_year(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ops = app.sign_in("clerk.ops").await;
    let cgd = app.sign_in("clerk.cgd").await;
    // 23:59 on 31 December in Bangkok is still 2569 B.E.
    app.clock.set(Utc.with_ymd_and_hms(2026, 12, 31, 16, 59, 0).unwrap());
    let ops = app.sign_in(&ops.username).await;
    let cgd = app.sign_in(&cgd.username).await;
    let old = app.send_letter(&ops, &["กค 0400"]).await;
    assert_eq!(old["number"], "กค 0100/1");
    let res: Value = app.receive(&cgd, &TestApp::delivery_to(&old, "กค 0400")).await.json().await.unwrap();
    assert_eq!(res["delivery"]["receive_number"], "1/2569");
    let second = app.send_letter(&ops, &["กค 0400"]).await;
    assert_eq!(second["number"], "กค 0100/2");

    // One minute later it is 1 January 2570 B.E. in Bangkok (still 31 December in UTC).
    app.clock.set(Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap());
    let new = app.send_letter(&ops, &["กค 0400"]).await;
    assert_eq!(new["number"], "กค 0100/1");
    let res: Value = app.receive(&cgd, &TestApp::delivery_to(&second, "กค 0400")).await.json().await.unwrap();
    assert_eq!(res["delivery"]["receive_number"], "1/2570", "received in the new year, numbered in it");
    let entries: Value = app.get(&cgd, "/api/v1/registers/receive/2570").await.json().await.unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 1);
}
