//! Witnessed checkpoints at the edge (C2SP tlog-witness): the witness endpoint peers post their
//! new checkpoints to (`POST /federation/v1/witness/add-checkpoint`), and the witnessing task that
//! offers this node's latest checkpoint to every pinned peer's witness and keeps the cosignatures
//! (the one HTTP client of it; routing sees only bytes). The protocol is in `docs/federation.md`,
//! "Witnessed checkpoints".

use crate::AppState;
use crate::error::ApiResult;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sarabun_audit::witness::{SIZE_MEDIA_TYPE, parse_size};
use sarabun_routing::RoutingError;
use sarabun_routing::federation::{WitnessAnswer, WitnessRefusal, WitnessRequest};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// A pinned peer's new checkpoint with a consistency proof from the size this node last cosigned:
/// `200` with the cosignature line, `409` (`text/x.tlog.size`) with the size last cosigned, `400` for
/// a malformed request, `403` for a checkpoint not signed by the peer's log key, `404` for a log
/// that is no pinned peer's, `422` for a split view (the alarm is raised) or a log under alarm.
#[utoipa::path(post, path = "/federation/v1/witness/add-checkpoint", tag = "federation",
    request_body(content = String, content_type = "text/plain", description = "old size, proof lines, blank line, signed checkpoint (C2SP tlog-witness)"),
    responses((status = 200, content_type = "text/plain", body = String, description = "the cosignature line"),
        (status = 409, content_type = "text/x.tlog.size", body = String, description = "the size last cosigned"),
        (status = 400, body = crate::error::ApiError), (status = 403, body = crate::error::ApiError),
        (status = 404, body = crate::error::ApiError), (status = 422, body = crate::error::ApiError)))]
pub async fn add_checkpoint(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let c = &state.correspondence;
    let answer = match c.witness_add_checkpoint(&body).await {
        // A pinned peer whose description is not fetched yet: fetch the descriptions, try once more.
        Err(RoutingError::Witness(WitnessRefusal::UnknownLog(_))) => {
            let http = super::federation::client(&state);
            for pin in c.peer_pins().to_vec() {
                let _ = super::federation::refresh_one(&state, &http, &pin).await;
            }
            c.witness_add_checkpoint(&body).await?
        }
        other => other?,
    };
    Ok(match answer {
        WitnessAnswer::Cosigned(lines) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], lines).into_response()
        }
        WitnessAnswer::Conflict(size) => {
            (StatusCode::CONFLICT, [(header::CONTENT_TYPE, SIZE_MEDIA_TYPE)], format!("{size}\n")).into_response()
        }
    })
}

/// Offers the checkpoint of `request` to one witness; on a `409` once more from the size the
/// witness says it cosigned. Returns how many cosignatures were kept.
async fn offer(state: &AppState, http: &reqwest::Client, request: &WitnessRequest) -> Result<usize, String> {
    let c = &state.correspondence;
    let mut old_size = request.old_size;
    for _ in 0..2 {
        let body = c.add_checkpoint_body(request.size, old_size).await.map_err(|e| e.to_string())?;
        let res = http
            .post(&request.url)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("not delivered: {e}"))?;
        let status = res.status();
        // Answers are a few lines; anything longer is not a witness's.
        let text = res.text().await.map_err(|e| e.to_string())?;
        if text.len() > 16 * 1024 {
            return Err(format!("the witness answered {status} with {} bytes", text.len()));
        }
        match status {
            StatusCode::OK => {
                return c.cosignature_received(&request.peer, request.size, &text).await.map_err(|e| e.to_string());
            }
            StatusCode::CONFLICT => {
                let said = parse_size(text.trim_end_matches('\n')).map_err(|e| format!("409 without a size: {e}"))?;
                if said > request.size {
                    return Err(format!("the witness cosigned size {said}, beyond this log's {}", request.size));
                }
                if said == old_size {
                    return Err(format!("the witness refused size {} at the size it holds, {said}", request.size));
                }
                old_size = said;
            }
            other => {
                return Err(format!("the witness answered {other}: {}", text.chars().take(300).collect::<String>()));
            }
        }
    }
    Err("the witness kept answering 409".into())
}

/// One round: this node's latest checkpoint offered to every pinned peer's witness that has not
/// cosigned it yet, skipping those still waiting out a failure. Returns the cosignatures kept.
async fn round(state: &AppState, http: &reqwest::Client, waits: &mut HashMap<String, (u32, Instant)>) -> usize {
    let requests = match state.correspondence.witness_requests().await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "the witnesses to ask could not be read");
            return 0;
        }
    };
    let mut kept = 0;
    for request in requests {
        if waits.get(&request.peer).is_some_and(|(_, until)| Instant::now() < *until) {
            continue;
        }
        let span =
            tracing::info_span!("witness_offer", peer = %request.peer, size = request.size, old = request.old_size);
        match tracing::Instrument::instrument(offer(state, http, &request), span).await {
            Ok(n) => {
                kept += n;
                waits.remove(&request.peer);
                tracing::info!(peer = %request.peer, size = request.size, "checkpoint cosigned by a peer's witness");
            }
            Err(e) => {
                let failures = waits.get(&request.peer).map_or(0, |(f, _)| *f) + 1;
                // 1 s, 2 s, 4 s … up to a minute between offers to a witness that fails.
                let wait = Duration::from_secs(1u64 << failures.min(6)).min(Duration::from_secs(60));
                waits.insert(request.peer.clone(), (failures, Instant::now() + wait));
                tracing::warn!(peer = %request.peer, size = request.size, error = %e, "a peer's witness did not cosign");
            }
        }
    }
    kept
}

/// Has this node's latest checkpoint cosigned by the peers' witnesses now, as far as they answer
/// (used before handing out a trail bundle, so that it carries its checkpoint's cosignatures). A
/// witness that does not answer within a few seconds is left to the witnessing task.
pub async fn witness_now(state: &AppState) -> usize {
    let seconds = state.settings.federation.timeout_secs.clamp(1, 5);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(seconds)).build().unwrap_or_default();
    round(state, &http, &mut HashMap::new()).await
}

/// Starts the witnessing task when peers are configured: every `poll_ms`, the latest checkpoint is
/// offered to the witnesses that have not cosigned it (with a growing wait after a failure).
pub fn start_witnessing(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    if !state.correspondence.exchanges() {
        return None;
    }
    Some(tokio::spawn(async move {
        let http = super::federation::client(&state);
        let poll = Duration::from_millis(state.settings.federation.poll_ms.max(10));
        let mut waits = HashMap::new();
        loop {
            round(&state, &http, &mut waits).await;
            tokio::time::sleep(poll).await;
        }
    }))
}
