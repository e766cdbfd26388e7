//! `sarabun bench --emails N`: e-mail through the real path, HTTP send → event → worker → outbox →
//! SMTP over loopback; throughput and the latency from commit to arrival.

use super::{Client, report};
use crate::demo::{DEMO_PASSWORD, Directory, seed};
use futures_util::StreamExt;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// E-mail through the real path: HTTP send → event → worker → outbox → SMTP over loopback.
pub async fn run(
    backend: &str,
    state: sarabun_server::AppState,
    letters: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    use sarabun_notification::testing::TestSmtpServer;
    use sarabun_notification::worker::Notifier;
    let smtp = TestSmtpServer::start().await;
    let mut settings = state.settings.notification.clone();
    settings.smtp.host = "127.0.0.1".into();
    settings.smtp.port = smtp.port();
    settings.smtp.security = sarabun_notification::TlsMode::None;
    let interval = settings.dispatch_interval_ms;
    let notifier = Arc::new(Notifier::new(state.correspondence.clone(), settings, &state.settings.server.public_url)?);
    let scheduler = notifier.clone().start(&state.settings.audit.checkpoint_cron).await?;
    seed(&state.correspondence, &Directory::demo(), DEMO_PASSWORD).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(sarabun_server::serve(listener, state, std::future::pending()));
    let client = Arc::new(Client { http: reqwest::Client::new(), base });
    let ops = client.sign_in("clerk.ops").await?;
    let doc = client.upload_small_pdf(&ops, 7).await?;
    let body = |i: usize| {
        json!({"kind": "external", "subject": format!("ด่วนที่สุด ครั้งที่ {i}"), "addressee": "อธิบดี", "urgency": "most_urgent",
               "recipients": ["กค 0400"], "body_sha256": doc["sha256"], "signer_name": "ก", "signer_position": "ข"})
    };
    println!("sarabun bench --emails {letters} on {backend}: worker polls every {interval} ms, SMTP on loopback");

    // Throughput: many letters at once, until every e-mail has arrived.
    let started = Instant::now();
    let sends: Vec<anyhow::Result<()>> = futures_util::stream::iter(0..letters)
        .map(|i| {
            let (client, ops, body) = (client.clone(), ops.clone(), body(i));
            async move {
                client
                    .http
                    .post(format!("{}/api/v1/letters", client.base))
                    .bearer_auth(&ops)
                    .json(&body)
                    .send()
                    .await?
                    .error_for_status()?;
                Ok(())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    sends.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let expected = letters * 2;
    anyhow::ensure!(smtp.wait_for(expected, Duration::from_secs(600)).await.is_some(), "not every e-mail arrived");
    let wall = started.elapsed();
    println!(
        "{:<34} {:>8.1} e-mails/s ({expected} e-mails, sending included)",
        "outbox to SMTP",
        expected as f64 / wall.as_secs_f64()
    );

    // Latency: one most-urgent letter at a time, from the send's commit to the e-mail's arrival.
    let mut samples = Vec::new();
    for i in 0..100 {
        let before = smtp.messages().len();
        client
            .http
            .post(format!("{}/api/v1/letters", client.base))
            .bearer_auth(&ops)
            .json(&body(letters + i))
            .send()
            .await?
            .error_for_status()?;
        let t = Instant::now();
        anyhow::ensure!(smtp.wait_for(before + 1, Duration::from_secs(30)).await.is_some(), "e-mail did not arrive");
        samples.push(t.elapsed());
        let _ = smtp.wait_for(before + 2, Duration::from_secs(30)).await;
    }
    let total: Duration = samples.iter().sum();
    report("most urgent: commit to inbox", samples, total);
    server.abort();
    let mut scheduler = scheduler;
    let _ = scheduler.shutdown().await;
    Ok(())
}
