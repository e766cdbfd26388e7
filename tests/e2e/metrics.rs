//! The operator's view at `/metrics`: a letter sent, received by one office and rejected by another,
//! its e-mails sent and one refused, a checkpoint signed, then a Prometheus scrape, parsed strictly,
//! whose counters, latency histogram and gauges tell exactly that story. And who may scrape.

use crate::support::{Backend, TestApp, expect_error, on_both};
use chrono::Duration;
use reqwest::StatusCode;
use sarabun_notification::testing::TestSmtpServer;
use sarabun_notification::worker::Job;
use std::collections::{BTreeMap, HashMap};

on_both!(a_day_of_letters_shows_in_the_metrics, only_the_operator_may_scrape);

const RECEIVE: &str = "/api/v1/deliveries/{id}/receive";

async fn a_day_of_letters_shows_in_the_metrics(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let smtp = TestSmtpServer::start().await;
    let worker = app.notifier(&smtp);
    let ops = app.clerk("clerk.ops").await;
    let cgd = app.clerk("clerk.cgd").await;
    let rd = app.clerk("clerk.rd").await;

    // The Permanent Secretary's office sends one letter to two departments; one receives it (and
    // a second click is refused), the other rejects it.
    let letter = ops.send(&["กค 0400", "กค 0700"]).await;
    let to_cgd = letter.delivery_to("กค 0400");
    let to_rd = letter.delivery_to("กค 0700");
    cgd.receive(&to_cgd).await;
    assert_eq!(cgd.try_receive(&to_cgd).await.status(), StatusCode::CONFLICT);
    rd.reject(&to_rd, "ไม่ใช่หน่วยงานที่รับผิดชอบ").await;

    // The worker queues the e-mails; they wait ninety seconds before it sends them.
    let queued = worker.expand_events().await.unwrap();
    assert!(queued > 0);
    app.clock.advance(Duration::seconds(90));
    let before = scrape(&app).await;
    let pending = before.value("sarabun_outbox_pending", &[]);
    assert!(pending >= 3.0, "the departments' inboxes and clerks, and the sender twice: {pending}");
    assert_eq!(before.value("sarabun_outbox_oldest_pending_age_seconds", &[]), 90.0);

    // One address is refused for good (5xx), the rest go out; then the checkpoint job runs.
    smtp.fail_next(550, "5.1.1 mailbox unavailable", 1);
    let done = worker.dispatch().await.unwrap();
    assert_eq!((done.failed, done.retried), (1, 0));
    assert!(worker.run_job(Job::Checkpoint, app.now()).await.unwrap());
    app.clock.advance(Duration::seconds(60));

    let m = scrape(&app).await;
    // Counters count committed actions only: the refused second receive is not a receipt.
    assert_eq!(m.value("sarabun_letters_sent_total", &[]), 1.0);
    assert_eq!(m.value("sarabun_deliveries_received_total", &[]), 1.0);
    assert_eq!(m.value("sarabun_deliveries_rejected_total", &[]), 1.0);
    assert_eq!(m.value("sarabun_emails_sent_total", &[]), done.sent as f64);
    assert_eq!(m.value("sarabun_emails_failed_total", &[]), 1.0);
    assert_eq!(m.value("sarabun_job_runs_total", &[("job", "audit.checkpoint")]), 1.0);
    assert_eq!(m.value("sarabun_job_failures_total", &[("job", "audit.checkpoint")]), 0.0);
    assert_eq!(m.kinds["sarabun_letters_sent_total"], "counter");

    // Requests by route template and status; the ids never become labels.
    fn receive(status: &str) -> [(&str, &str); 3] {
        [("method", "POST"), ("route", RECEIVE), ("status", status)]
    }
    assert_eq!(m.value("sarabun_http_requests_total", &receive("200")), 1.0);
    assert_eq!(m.value("sarabun_http_requests_total", &receive("409")), 1.0);
    assert_eq!(
        m.value(
            "sarabun_http_requests_total",
            &[("method", "POST"), ("route", "/api/v1/deliveries/{id}/reject"), ("status", "200")]
        ),
        1.0
    );
    let letter_id = letter.id.as_str();
    for sample in &m.samples {
        for value in sample.labels.values() {
            for id in [letter_id, to_cgd.as_str(), to_rd.as_str(), cgd.token.as_str()] {
                assert!(!value.contains(id), "{} has a label with an id or a secret: {value}", sample.name);
            }
        }
    }

    // The latency histogram of receiving: cumulative buckets ending in +Inf, both requests counted.
    assert_eq!(m.kinds["sarabun_http_request_duration_seconds"], "histogram");
    let route = [("method", "POST"), ("route", RECEIVE)];
    let buckets = m.buckets("sarabun_http_request_duration_seconds", &route);
    assert!(buckets.len() >= 10, "{buckets:?}");
    assert!(buckets.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1), "cumulative: {buckets:?}");
    let (last_le, last_count) = *buckets.last().unwrap();
    assert!(last_le.is_infinite());
    assert_eq!(last_count, 2.0);
    assert_eq!(m.value("sarabun_http_request_duration_seconds_count", &route), 2.0);
    assert!(m.value("sarabun_http_request_duration_seconds_sum", &route) > 0.0);

    // Gauges read at scrape time: the outbox is empty, the checkpoint covers the whole log and was
    // signed a minute ago, and the pool is within its bounds.
    assert_eq!(m.value("sarabun_outbox_pending", &[]), 0.0);
    assert_eq!(m.value("sarabun_outbox_oldest_pending_age_seconds", &[]), 0.0);
    let entries = m.value("sarabun_audit_log_entries", &[]);
    assert!(entries >= 3.0, "sent, received, rejected (and the sign-ins' neighbours): {entries}");
    assert_eq!(m.value("sarabun_audit_checkpoint_entries", &[]), entries);
    assert_eq!(m.value("sarabun_audit_checkpoint_age_seconds", &[]), 60.0);
    let max = m.value("sarabun_db_pool_max_connections", &[]);
    assert_eq!(max, if backend == Backend::Sqlite { 1.0 } else { 8.0 });
    let open = m.value("sarabun_db_pool_connections", &[]);
    assert!(open >= 1.0 && open <= max, "{open} of {max}");
    // sqlx miscounts the idle connections of the one-connection SQLite pool; then the gauge is left out.
    if backend == Backend::Postgres {
        let idle = m.value("sarabun_db_pool_idle_connections", &[]);
        assert!(idle <= open, "{idle} idle of {open}");
    }
}

async fn only_the_operator_may_scrape(backend: Backend) {
    // With a token, even the machine itself must present it; the answer is the usual JSON error.
    let app = TestApp::spawn_with(backend, |s| s.metrics.token = "prom-7f3a9c".into()).await;
    let res = app.http.get(app.url("/metrics")).send().await.unwrap();
    expect_error(res, StatusCode::UNAUTHORIZED, "metrics_unauthorized").await;
    let res = app.http.get(app.url("/metrics")).bearer_auth("prom-7f3a9").send().await.unwrap();
    expect_error(res, StatusCode::UNAUTHORIZED, "metrics_unauthorized").await;
    let res = app.http.get(app.url("/metrics")).bearer_auth("prom-7f3a9c").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(!text.contains("prom-7f3a9c"), "the token is never a label");
    Exposition::parse(&text);

    // Turned off, there is no endpoint and nothing is recorded.
    let off = TestApp::spawn_with(backend, |s| s.metrics.enabled = false).await;
    let res = off.http.get(off.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(!off.state.correspondence.meter().is_on());
}

/// Scrapes `/metrics` from the loopback interface (no token configured) and parses it.
async fn scrape(app: &TestApp) -> Exposition {
    let res = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    Exposition::parse(&res.text().await.unwrap())
}

/// One sample line of the Prometheus text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed scrape: the declared type of each family and every sample.
#[derive(Debug)]
struct Exposition {
    kinds: HashMap<String, String>,
    samples: Vec<Sample>,
}

impl Exposition {
    /// Parses the text exposition format strictly: `# HELP`/`# TYPE` lines, samples with
    /// well-formed names, quoted and escaped label values and numeric values, every sample of a
    /// family whose type was declared before it, no sample twice. Anything else panics.
    fn parse(text: &str) -> Self {
        let mut kinds = HashMap::new();
        let mut samples: Vec<Sample> = Vec::new();
        for line in text.lines() {
            if line.trim().is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("# ") {
                let mut parts = rest.splitn(3, ' ');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some("HELP"), Some(name), _) => assert!(valid_name(name), "{line}"),
                    (Some("TYPE"), Some(name), Some(kind)) => {
                        assert!(valid_name(name), "{line}");
                        assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind), "{line}");
                        assert!(kinds.insert(name.to_owned(), kind.to_owned()).is_none(), "TYPE twice: {line}");
                    }
                    _ => panic!("unknown comment line: {line}"),
                }
                continue;
            }
            let sample = parse_sample(line);
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    sample.name.strip_suffix(suffix).filter(|base| kinds.get(*base).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(&sample.name);
            assert!(kinds.contains_key(family), "sample before its TYPE: {line}");
            assert!(
                !samples.iter().any(|s| s.name == sample.name && s.labels == sample.labels),
                "sample twice: {line}"
            );
            samples.push(sample);
        }
        Self { kinds, samples }
    }

    /// The value of the one sample `name` with exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let wanted: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .unwrap_or_else(|| panic!("no sample {name} {wanted:?}"))
            .value
    }

    /// The `(le, count)` buckets of histogram `name` with `labels`, by `le`.
    fn buckets(&self, name: &str, labels: &[(&str, &str)]) -> Vec<(f64, f64)> {
        let wanted: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut buckets: Vec<(f64, f64)> = self
            .samples
            .iter()
            .filter(|s| s.name == format!("{name}_bucket"))
            .filter_map(|s| {
                let mut rest = s.labels.clone();
                let le = rest.remove("le")?;
                (rest == wanted).then(|| (parse_value(&le), s.value))
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        buckets
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn parse_value(text: &str) -> f64 {
    match text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => text.parse().unwrap_or_else(|_| panic!("not a number: {text:?}")),
    }
}

fn parse_sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("no value: {line}"));
    let name = &line[..name_end];
    assert!(valid_name(name), "bad name: {line}");
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        loop {
            let start = chars.peek().map(|(i, _)| *i).unwrap_or_else(|| panic!("unclosed labels: {line}"));
            if inner[start..].starts_with('}') {
                rest = &inner[start + 1..];
                break;
            }
            let eq = inner[start..].find('=').unwrap_or_else(|| panic!("label without '=': {line}")) + start;
            let key = &inner[start..eq];
            assert!(valid_name(key) && !key.contains(':'), "bad label name {key:?}: {line}");
            assert!(inner[eq + 1..].starts_with('"'), "unquoted label value: {line}");
            while chars.next_if(|(i, _)| *i <= eq + 1).is_some() {}
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => panic!("bad escape {other:?}: {line}"),
                    },
                    Some((_, '"')) => break,
                    Some((_, c)) => value.push(c),
                    None => panic!("unterminated label value: {line}"),
                }
            }
            assert!(labels.insert(key.to_owned(), value).is_none(), "label twice: {line}");
            match chars.next() {
                Some((_, ',')) => {}
                Some((i, '}')) => {
                    rest = &inner[i + 1..];
                    break;
                }
                other => panic!("expected ',' or '}}', got {other:?}: {line}"),
            }
        }
    }
    let mut fields = rest.strip_prefix(' ').unwrap_or_else(|| panic!("no space before the value: {line}")).split(' ');
    let value = parse_value(fields.next().unwrap_or_default());
    if let Some(timestamp) = fields.next() {
        timestamp.parse::<i64>().unwrap_or_else(|_| panic!("bad timestamp: {line}"));
    }
    assert!(fields.next().is_none(), "trailing text: {line}");
    Sample { name: name.to_owned(), labels, value }
}
