//! `sarabun bench --inbox-letters N`: how fast the web pages render for an office whose inbox holds
//! N letters. One letter is sent through the real path; the rest are copies of its rows with their
//! own ids, numbers, subjects, urgencies, states and times, bulk-loaded in transactions (sending
//! 100,000 letters one by one would measure the letter path, not the pages). Then the pages a clerk
//! and an auditor use are requested over HTTP with the session cookie, and their latencies printed.

use super::{Client, percentile};
use crate::demo::{DEMO_PASSWORD, Directory, seed};
use anyhow::Context;
use chrono::Duration as Span;
use sarabun_domain::{DeliveryState, Urgency};
use sarabun_registry::entity::{delivery, letter, letter_document};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SUBJECTS: [&str; 8] = [
    "ขอเชิญประชุมคณะทำงาน",
    "ขอส่งรายงานผลการจัดเก็บรายได้",
    "ขอความอนุเคราะห์ข้อมูลประกอบการจัดทำงบประมาณ",
    "แจ้งกำหนดการตรวจนับเหรียญกษาปณ์",
    "ขอหารือแนวทางการเบิกจ่ายเงินโครงการ",
    "ขอเสนอชื่อผู้แทนเข้าร่วมการอบรม",
    "ขอส่งสำเนาคำสั่งแต่งตั้งคณะกรรมการ",
    "ขอแจ้งผลการพิจารณาอุทธรณ์",
];
const URGENCIES: [Urgency; 4] = [Urgency::Normal, Urgency::Normal, Urgency::Urgent, Urgency::MostUrgent];
const STATES: [DeliveryState; 4] =
    [DeliveryState::Delivered, DeliveryState::Received, DeliveryState::Received, DeliveryState::Rejected];

/// Fills the Comptroller General's inbox to `n` letters and times its pages.
pub async fn run(
    backend: &str,
    state: sarabun_server::AppState,
    db: &sea_orm::DatabaseConnection,
    n: usize,
) -> anyhow::Result<()> {
    let corr = state.correspondence.clone();
    seed(&corr, &Directory::demo(), DEMO_PASSWORD).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(sarabun_server::serve(listener, state, std::future::pending()));
    let client = Client { http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?, base };

    // One real letter to copy.
    let template_id = template_letter(&client, 1, "ขอเชิญประชุมคณะทำงาน ครั้งที่ 0").await?;
    let ops = client.sign_in("clerk.ops").await?;

    let started = Instant::now();
    load(&corr, db, &template_id, n.saturating_sub(1)).await?;
    // A running database has its statistics and visibility map (autovacuum keeps them); a bulk load
    // has neither until it is vacuumed.
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    println!(
        "sarabun bench --inbox-letters {n} on {backend}: loaded {} letters into กค 0400's inbox in {:.1} s",
        n.saturating_sub(1),
        started.elapsed().as_secs_f64()
    );

    let cgd = format!("sarabun_session={}", client.sign_in("clerk.cgd").await?);
    let auditor = format!("sarabun_session={}", client.sign_in("auditor").await?);
    let ops = format!("sarabun_session={ops}");
    // The middle of the inbox, as a clerk reaches it: numbered pages stop where the count stops
    // (10,000 letters), and the "older letters" link continues after the last letter shown.
    let middle = delivery::Entity::find()
        .filter(delivery::Column::RecipientOfficeId.eq(inbox_office(db, &template_id).await?))
        .order_by_desc(delivery::Column::DeliveredAt)
        .order_by_desc(delivery::Column::Id)
        .offset((n / 2) as u64)
        .one(db)
        .await?
        .context("a delivery in the middle of the inbox")?
        .id;
    let deepest = (sarabun_registry::listing::COUNT_CAP / 25).min((n as u64).div_ceil(25)).max(1);
    let pages: Vec<(&str, &String, String)> = vec![
        ("inbox, first page", &cgd, "/inbox".into()),
        ("inbox, page in the middle", &cgd, format!("/inbox?after={middle}")),
        ("inbox, deepest numbered page", &cgd, format!("/inbox?page={deepest}")),
        ("inbox, search", &cgd, "/inbox?q=ครั้งที่ 4242".into()),
        ("inbox, search a common word", &cgd, "/inbox?q=ประชุม".into()),
        ("inbox, search 2 characters", &cgd, "/inbox?q=ขอ".into()),
        ("inbox, search, older letters", &cgd, format!("/inbox?q=ประชุม&after={middle}")),
        ("inbox, page past the end", &cgd, "/inbox?q=ครั้งที่ 4242&page=1000".into()),
        ("inbox, state", &cgd, "/inbox?state=delivered".into()),
        ("inbox, state + urgency", &cgd, "/inbox?state=delivered&urgency=most_urgent".into()),
        // A sender typed as part of its name: กรมสรรพากร and กรมสรรพสามิต.
        ("inbox, sender typed", &cgd, "/inbox?from=สรรพ".into()),
        ("letter page", &cgd, format!("/letters/{template_id}")),
        ("receive register", &cgd, "/registers?register=receive".into()),
        ("auditor search", &auditor, "/auditor?q=ครั้งที่ 4242".into()),
        ("auditor search, common word", &auditor, "/auditor?q=ประชุม".into()),
        ("directory (API)", &cgd, "/api/v1/offices".into()),
        ("compose form", &ops, "/compose".into()),
    ];
    let rounds = 200;
    // One reader at a time (the target: p99 < 100 ms), then 8 concurrent readers (p99 < 250 ms).
    for level in [1, 8] {
        println!("{rounds} requests per page, {level} at a time; {} cores", super::cores());
        for (name, cookie, path) in &pages {
            let samples = time_page(&client, cookie, path, rounds, level).await?;
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            println!(
                "{name:<28} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
                ms(percentile(&samples, 50.0)),
                ms(percentile(&samples, 99.0)),
                ms(samples.last().copied().unwrap_or_default())
            );
        }
    }
    server.abort();
    Ok(())
}

async fn time_page(
    client: &Client,
    cookie: &str,
    path: &str,
    rounds: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<Duration>> {
    use futures_util::StreamExt;
    let url = format!("{}{path}", client.base);
    // One request first, so a page that fails says so instead of timing an error.
    let res = client.http.get(&url).header("cookie", cookie).send().await?;
    anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
    let results: Vec<anyhow::Result<Duration>> = futures_util::stream::iter(0..rounds)
        .map(|_| {
            let url = url.clone();
            async move {
                let t = Instant::now();
                let res = client.http.get(&url).header("cookie", cookie).send().await?;
                anyhow::ensure!(res.status().is_success(), "{}", res.status());
                res.bytes().await?;
                Ok(t.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut samples = results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    samples.sort();
    Ok(samples)
}

/// The office whose inbox the template letter went to.
async fn inbox_office(db: &sea_orm::DatabaseConnection, template_id: &str) -> anyhow::Result<String> {
    let delivery = delivery::Entity::find()
        .filter(delivery::Column::LetterId.eq(template_id))
        .one(db)
        .await?
        .context("delivery")?;
    Ok(delivery.recipient_office_id)
}

/// Copies the template letter `n` times, each delivered to the same office.
pub(super) async fn load(
    corr: &sarabun_routing::Correspondence,
    db: &sea_orm::DatabaseConnection,
    template_id: &str,
    n: usize,
) -> anyhow::Result<()> {
    let template = letter::Entity::find_by_id(template_id.to_owned()).one(db).await?.context("template letter")?;
    let delivery = delivery::Entity::find()
        .filter(delivery::Column::LetterId.eq(template_id))
        .one(db)
        .await?
        .context("delivery")?;
    let documents =
        letter_document::Entity::find().filter(letter_document::Column::LetterId.eq(template_id)).all(db).await?;
    let offices: Vec<_> = corr.offices().await?.into_iter().filter(|o| o.id != delivery.recipient_office_id).collect();
    let mut next = 0usize;
    while next < n {
        let end = (next + 5_000).min(n);
        let mut letters = Vec::with_capacity(end - next);
        let mut deliveries = Vec::with_capacity(end - next);
        let mut docs = Vec::with_capacity(end - next);
        for i in next..end {
            let id = uuid::Uuid::now_v7().to_string();
            let office = &offices[i % offices.len()];
            let seq = (i / offices.len()) as i64 + 2;
            let at = template.sent_at - Span::minutes((n - i) as i64);
            let mut l = template.clone();
            l.id = id.clone();
            l.office_id = office.id.clone();
            l.seq = seq;
            l.number = format!("{}/{seq}", office.code);
            l.subject = format!("{} ครั้งที่ {i}", SUBJECTS[i % SUBJECTS.len()]);
            l.urgency = URGENCIES[i % URGENCIES.len()].into();
            l.sent_at = at;
            letters.push(letter::ActiveModel::from(l));
            let mut d = delivery.clone();
            d.id = uuid::Uuid::now_v7().to_string();
            d.letter_id = id.clone();
            d.sender_office_id = office.id.clone();
            d.delivered_at = at;
            d.state = STATES[i % STATES.len()].into();
            d.urgency = URGENCIES[i % URGENCIES.len()].into();
            if d.state.get() != DeliveryState::Delivered {
                d.decided_at = Some(at);
                d.decided_by = Some("clerk.cgd".into());
                d.opened_at = Some(at);
            }
            deliveries.push(delivery::ActiveModel::from(d));
            for doc in &documents {
                let mut doc = doc.clone();
                doc.letter_id = id.clone();
                docs.push(letter_document::ActiveModel::from(doc));
            }
        }
        let txn = db.begin().await?;
        for chunk in letters.chunks(200) {
            letter::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
        }
        for chunk in deliveries.chunks(400) {
            delivery::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
        }
        for chunk in docs.chunks(500) {
            letter_document::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
        }
        txn.commit().await?;
        next = end;
    }
    Ok(())
}

/// Sends one real letter from the OPS to the Comptroller General's Department, the template the bulk
/// fills copy; returns its id.
pub(super) async fn template_letter(client: &Client, doc_no: u64, subject: &str) -> anyhow::Result<String> {
    let ops = client.sign_in("clerk.ops").await?;
    let doc = client.upload_small_pdf(&ops, doc_no).await?;
    let body = json!({"kind": "external", "subject": subject, "addressee": "อธิบดีกรมบัญชีกลาง",
        "recipients": ["กค 0400"], "body_sha256": doc["sha256"], "signer_name": "นายประเสริฐ มั่นคง",
        "signer_position": "รองปลัดกระทรวงการคลัง"});
    let sent: Value = client
        .http
        .post(format!("{}/api/v1/letters", client.base))
        .bearer_auth(&ops)
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(sent["id"].as_str().context("letter id")?.to_owned())
}
