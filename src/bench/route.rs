//! `sarabun bench --route-steps N`: the time of one step on a letter's route inside an office, over
//! HTTP with many clients at once. N letters from the OPS are received by the Comptroller General's
//! Department; then every letter is proposed by its clerk to the Director-General (each step writes
//! a minute onto the letter's PDF, records the step, its tasks, its audit entry and its event), and
//! then the Director-General orders on every one, assigning the legal division. Prints p50/p99 of
//! each kind of step.

use crate::demo::{DEMO_PASSWORD, Directory, seed};
use anyhow::{Context, bail};
use futures_util::StreamExt;
use sarabun_server::AppState;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs the route-step benchmark against a started node.
pub async fn run(
    backend: &str,
    state: AppState,
    letters: usize,
    concurrency: usize,
    pdf_kib: usize,
) -> anyhow::Result<()> {
    seed(&state.correspondence, &Directory::demo(), DEMO_PASSWORD).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(sarabun_server::serve(listener, state, std::future::pending()));
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let client = super::Client { http: http.clone(), base: base.clone() };
    let (ops, clerk, dg) =
        (client.sign_in("clerk.ops").await?, client.sign_in("clerk.cgd").await?, client.sign_in("dg.cgd").await?);
    println!(
        "sarabun bench --route-steps on {backend}: {letters} received letters, {pdf_kib} KiB PDF bodies, {concurrency} concurrent clients"
    );

    // Set-up, not timed: send and receive the letters.
    let post = |token: String, path: String, body: Value| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let t = Instant::now();
            let res = http.post(format!("{base}{path}")).bearer_auth(token).json(&body).send().await?;
            let status = res.status();
            let answer: Value = res.json().await.unwrap_or(Value::Null);
            if !status.is_success() {
                bail!("{path}: {status} {answer}");
            }
            Ok::<_, anyhow::Error>((t.elapsed(), answer))
        }
    };
    let deliveries: Vec<anyhow::Result<String>> = futures_util::stream::iter(0..letters)
        .map(|i| {
            let (http, base, ops, clerk) = (http.clone(), base.clone(), ops.clone(), clerk.clone());
            let post = &post;
            async move {
                let pdf = super::synthetic_pdf(pdf_kib * 1024, i as u64);
                let form = reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(pdf).file_name("letter.pdf").mime_str("application/pdf")?,
                );
                let doc: Value = http
                    .post(format!("{base}/api/v1/documents"))
                    .bearer_auth(&ops)
                    .multipart(form)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let body = json!({
                    "kind": "external", "subject": format!("ขอหารือข้อกฎหมาย ครั้งที่ {i}"), "addressee": "อธิบดีกรมบัญชีกลาง",
                    "recipients": ["กค 0400"], "body_sha256": doc["sha256"],
                    "signer_name": "นายประเสริฐ มั่นคง", "signer_position": "รองปลัดกระทรวงการคลัง",
                });
                let (_, letter) = post(ops, "/api/v1/letters".into(), body).await?;
                let delivery = letter["recipients"][0]["delivery_id"].as_str().context("no delivery")?.to_owned();
                post(clerk, format!("/api/v1/deliveries/{delivery}/receive"), json!({})).await?;
                Ok(delivery)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let deliveries = Arc::new(deliveries.into_iter().collect::<anyhow::Result<Vec<_>>>()?);

    let phases: [(&str, &String, Value, &str); 2] = [
        ("propose (เสนอ)", &clerk, json!({"to": "dg.cgd", "note": "เรียน อธิบดี เพื่อโปรดพิจารณา"}), "propose"),
        ("order (สั่งการ)", &dg, json!({"text": "มอบ กองกฎหมาย ดำเนินการ", "assign": [{"unit": "legal"}]}), "order"),
    ];
    for (name, token, body, verb) in phases {
        let started = Instant::now();
        let timings: Vec<anyhow::Result<Duration>> = futures_util::stream::iter(deliveries.iter().cloned())
            .map(|delivery| {
                let post = &post;
                let (token, body) = (token.clone(), body.clone());
                async move { Ok(post(token, format!("/api/v1/deliveries/{delivery}/{verb}"), body).await?.0) }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let wall = started.elapsed();
        let timings = timings.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
        super::report(name, timings, wall);
    }
    server.abort();
    Ok(())
}
