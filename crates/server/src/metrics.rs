//! Prometheus metrics at `/metrics`: the node's own recorder (`metrics-exporter-prometheus`), the
//! request layer that counts and times every request by its matched route template, the gauges
//! read at scrape time (`Correspondence::read_gauges`), and who may scrape. The names live in
//! `sarabun_routing::meter`.
//!
//! `/metrics` is for the operator's Prometheus, not the public: with `metrics.token` set a scrape
//! must carry `Authorization: Bearer <token>` (else `401 metrics_unauthorized`); with it empty only
//! a peer on the loopback interface may scrape (others get the `404` of an unknown endpoint).

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sarabun_routing::Meter;
use sarabun_routing::meter::HTTP_DURATION;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Latency buckets in seconds: from a cached read (a few ms) to a stamped receive of a large PDF.
const BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The route label of a request no route matched (unknown paths must not become label values).
const UNMATCHED: &str = "unmatched";

/// A node's recorder: the `Meter` that records into it and the handle that renders it.
#[derive(Debug, Clone)]
pub struct Exporter {
    handle: PrometheusHandle,
}

impl Exporter {
    /// A fresh recorder for one node, and the `Meter` recording into it. Must run inside the
    /// runtime: it starts the upkeep task that folds histogram samples in between scrapes.
    pub fn new() -> (Self, Meter) {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            // The buckets are a non-empty constant, so the builder cannot refuse them.
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(5));
            loop {
                ticks.tick().await;
                upkeep.run_upkeep();
            }
        });
        (Self { handle }, Meter::new(Arc::new(recorder)))
    }
}

/// The route a request matched, carried from inside the router (where axum knows it) out to
/// `track`, which wraps the whole router.
#[derive(Debug, Clone)]
struct Route(MatchedPath);

/// Inner layer (a `route_layer`): passes the matched route template out on the response.
pub async fn mark_route(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(path) = matched {
        response.extensions_mut().insert(Route(path));
    }
    response
}

/// Outer layer: counts and times every request by method, route template and status.
pub async fn track(State(meter): State<Meter>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let response = next.run(request).await;
    let route = response.extensions().get::<Route>().map_or(UNMATCHED, |r| r.0.as_str());
    meter.request(method.as_str(), route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: the Prometheus text format, gauges read now.
pub async fn scrape(
    State(state): State<AppState>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(exporter) = &state.exporter else { return Err(ApiError::no_such_endpoint()) };
    may_scrape(&state.settings.metrics.token, peer.map(|p| p.0.0), &headers)?;
    state.correspondence.read_gauges().await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], exporter.handle.render()).into_response())
}

/// The one rule of who may scrape (see the module comment).
fn may_scrape(token: &str, peer: Option<SocketAddr>, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = token.trim();
    if token.is_empty() {
        return match peer {
            Some(peer) if peer.ip().is_loopback() => Ok(()),
            _ => Err(ApiError::no_such_endpoint()),
        };
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Comparing digests takes the same time wherever the two tokens first differ.
    if Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::metrics_unauthorized())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        headers
    }

    #[test]
    fn who_may_scrape() {
        let local: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        let remote: SocketAddr = "10.0.0.5:9000".parse().unwrap();
        let none = HeaderMap::new();
        // No token: loopback only, others see no endpoint at all.
        assert!(may_scrape("", Some(local), &none).is_ok());
        assert_eq!(may_scrape("", Some(remote), &none).unwrap_err().status, StatusCode::NOT_FOUND);
        assert_eq!(may_scrape("", None, &none).unwrap_err().status, StatusCode::NOT_FOUND);
        // A token: required from everyone, loopback included.
        assert!(may_scrape("s3cret", Some(remote), &bearer("s3cret")).is_ok());
        assert_eq!(may_scrape("s3cret", Some(local), &none).unwrap_err().status, StatusCode::UNAUTHORIZED);
        assert_eq!(may_scrape("s3cret", Some(remote), &bearer("s3cre")).unwrap_err().status, StatusCode::UNAUTHORIZED);
    }
}
