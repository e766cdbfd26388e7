//! Exchange with other Sarabun nodes at the edge: the node's signed description
//! (`GET /.well-known/sarabun-node`), the message endpoint peers post to
//! (`POST /federation/v1/messages`, answered at once with a signed answer), the sender's view of a
//! letter's remote recipients and the pinned peers under `/api/v1`, and the exchange task: it fetches
//! the peers' descriptions at start and every `refresh_secs`, and posts the due messages of the
//! outbound queue with the HTTP client (the one HTTP client of the node's exchange; routing only ever
//! sees bytes). The protocol is in `docs/federation.md`.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sarabun_federation::AnswerStatus;
use sarabun_routing::RoutingError;
use sarabun_routing::federation::{DESCRIPTION_PATH, IncomingRequest, PeerPin, RemoteRecipientView, WitnessedPeerView};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

/// The node's description: endpoint, node key, offices with their keys, log key; a compact JWS
/// (`sarabun-node+jws`) signed by the node key.
#[utoipa::path(get, path = "/.well-known/sarabun-node", tag = "federation",
    responses((status = 200, description = "compact JWS", content_type = "application/jose")))]
pub async fn description(State(state): State<AppState>) -> ApiResult<Response> {
    let jws = state.correspondence.node_description().await?;
    Ok(([(header::CONTENT_TYPE, "application/jose")], jws).into_response())
}

/// This node's fingerprint, for the operators of its peers to pin.
#[derive(Serialize, ToSchema)]
pub struct NodeView {
    /// SHA-256 of the node key, hex.
    pub fingerprint: String,
    /// Where peers post messages.
    pub endpoint: String,
}

/// This node's fingerprint and endpoint.
#[utoipa::path(get, path = "/api/v1/federation/node", tag = "federation", security(("bearer" = [])),
    responses((status = 200, body = NodeView), (status = 401, body = ApiError)))]
pub async fn node(State(state): State<AppState>, _user: CurrentUser) -> ApiResult<Json<NodeView>> {
    let fingerprint = state.correspondence.node_fingerprint().await?;
    Ok(Json(NodeView { fingerprint, endpoint: state.settings.federation_endpoint() }))
}

/// The pinned peers whose descriptions verified, with the offices they serve, their witness keys
/// and what this node witnessed of their logs (a split-view alarm included).
#[utoipa::path(get, path = "/api/v1/federation/peers", tag = "federation", security(("bearer" = [])),
    responses((status = 200, body = Vec<WitnessedPeerView>), (status = 401, body = ApiError)))]
pub async fn peers(State(state): State<AppState>, _user: CurrentUser) -> ApiResult<Json<Vec<WitnessedPeerView>>> {
    Ok(Json(state.correspondence.peers_witnessed().await?))
}

/// Where each remote recipient of a letter stands: queued, at the peer, received (number and
/// signed receipt), rejected, invalid or failed.
#[utoipa::path(get, path = "/api/v1/letters/{id}/exchange", tag = "federation", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<RemoteRecipientView>), (status = 404, body = ApiError)))]
pub async fn letter_exchange(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<RemoteRecipientView>>> {
    Ok(Json(state.correspondence.exchange_of_letter(&actor, &id).await?))
}

/// The answer to a message, as posted back.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnswerBody {
    /// `arrived`, `recorded` or `invalid`.
    pub status: String,
    /// The signed answer, compact JWS (`sarabun-answer+jws`).
    pub answer: String,
}

fn field(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// A message from a pinned peer (signed per RFC 9421). Answered at once: 200 with `arrived` or
/// `recorded`, 422 with `invalid` and its reason, always with the signed answer; a message id seen
/// before gets its first answer again.
#[utoipa::path(post, path = "/federation/v1/messages", tag = "federation",
    request_body(content = String, content_type = "application/json", description = "a message (docs/federation.md)"),
    responses((status = 200, body = AnswerBody), (status = 422, body = AnswerBody),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn message(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let request = IncomingRequest {
        method: "POST".into(),
        content_digest: field(&headers, "content-digest"),
        date: field(&headers, "date"),
        signature_input: field(&headers, "signature-input"),
        signature: field(&headers, "signature"),
        body,
    };
    let taken = match state.correspondence.take_message(request.clone()).await {
        // A pinned peer whose description is not fetched yet: fetch it now, and try once more.
        Err(RoutingError::PeerUnknown(fingerprint)) => {
            if let Some(pin) = state.correspondence.peer_pins().iter().find(|p| p.fingerprint == fingerprint).cloned() {
                let _ = refresh_one(&state, &client(&state), &pin).await;
            }
            state.correspondence.take_message(request).await?
        }
        other => other?,
    };
    let status = if taken.status == AnswerStatus::Invalid { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(AnswerBody { status: taken.status.as_str().into(), answer: taken.answer })).into_response())
}

pub(crate) fn client(state: &AppState) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(state.settings.federation.timeout_secs.max(1)))
        .build()
        .unwrap_or_default()
}

/// Fetches and takes one peer's description.
pub(crate) async fn refresh_one(state: &AppState, http: &reqwest::Client, pin: &PeerPin) -> Result<(), String> {
    let url = format!("{}{DESCRIPTION_PATH}", pin.url.trim_end_matches('/'));
    let res = http.get(&url).send().await.map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("{url}: {}", res.status()));
    }
    let text = res.text().await.map_err(|e| e.to_string())?;
    state.correspondence.accept_peer_description(pin, &text).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// Posts one due message and reports what became of it.
async fn deliver(state: &AppState, http: &reqwest::Client, out: sarabun_routing::federation::Outgoing) {
    let c = &state.correspondence;
    let sent = http
        .post(&out.url)
        .header(header::CONTENT_TYPE, "application/json")
        .header("content-digest", &out.headers.content_digest)
        .header(header::DATE, &out.headers.date)
        .header("signature-input", &out.headers.signature_input)
        .header("signature", &out.headers.signature)
        .body(out.body)
        .send()
        .await;
    let outcome = match sent {
        Err(e) => Err(format!("not delivered: {e}")),
        Ok(res) => {
            let status = res.status();
            match res.json::<AnswerBody>().await {
                Ok(body) if status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY => Ok(body.answer),
                Ok(_) | Err(_) => Err(format!("the peer answered {status} without a signed answer")),
            }
        }
    };
    let recorded = match outcome {
        Ok(answer) => c.message_answered(&out.id, &answer).await,
        Err(error) => c.message_attempt_failed(&out.id, &error).await,
    };
    if let Err(e) = recorded {
        tracing::error!(message_id = %out.id, error = %e, "the outcome of a message could not be recorded");
    }
}

/// Starts the exchange task when peers are configured: descriptions at start and every
/// `refresh_secs`, the queue every `poll_ms`. Returns `None` when no peer is pinned.
pub fn start_exchange(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    if !state.correspondence.exchanges() {
        return None;
    }
    let state = Arc::new(state);
    Some(tokio::spawn(async move {
        let http = client(&state);
        let refresh = Duration::from_secs(state.settings.federation.refresh_secs.max(1));
        let poll = Duration::from_millis(state.settings.federation.poll_ms.max(10));
        let mut last_refresh: Option<tokio::time::Instant> = None;
        loop {
            if last_refresh.is_none_or(|at| at.elapsed() >= refresh) {
                for pin in state.correspondence.peer_pins().to_vec() {
                    if let Err(e) = refresh_one(&state, &http, &pin).await {
                        tracing::warn!(peer = %pin.fingerprint, error = %e, "peer description not taken");
                    }
                }
                last_refresh = Some(tokio::time::Instant::now());
            }
            match state.correspondence.due_messages(16).await {
                Ok(due) => {
                    for out in due {
                        deliver(&state, &http, out).await;
                    }
                }
                Err(e) => tracing::error!(error = %e, "the outbound queue could not be read"),
            }
            tokio::time::sleep(poll).await;
        }
    }))
}

/// This node's part of the trail of a letter that crossed to or from the asking peer: its bundle of
/// the letter (entries, proofs, checkpoint, log key, manifest). The request is a `GET` signed per
/// RFC 9421 by a pinned peer's node key, as messages are; a letter that did not cross between the
/// two nodes is `not found`.
#[utoipa::path(get, path = "/federation/v1/trail/{letter_id}", tag = "federation",
    params(("letter_id" = String, Path)),
    responses((status = 200, body = sarabun_routing::TrailBundle), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn trail_part(
    State(state): State<AppState>,
    ApiPath(letter_id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Json<sarabun_routing::TrailBundle>> {
    let request = IncomingRequest {
        method: "GET".into(),
        content_digest: field(&headers, "content-digest"),
        date: field(&headers, "date"),
        signature_input: field(&headers, "signature-input"),
        signature: field(&headers, "signature"),
        body: Bytes::new(),
    };
    let part = match state.correspondence.peer_trail(request.clone(), &letter_id).await {
        // A pinned peer whose description is not fetched yet: fetch it now, and try once more.
        Err(RoutingError::PeerUnknown(fingerprint)) => {
            if let Some(pin) = state.correspondence.peer_pins().iter().find(|p| p.fingerprint == fingerprint).cloned() {
                let _ = refresh_one(&state, &client(&state), &pin).await;
            }
            state.correspondence.peer_trail(request, &letter_id).await?
        }
        other => other?,
    };
    let mut part = part;
    crate::api::witness::witness_now(&state).await;
    part.checkpoint = state.correspondence.cosigned(&part.checkpoint).await?;
    Ok(Json(part))
}

/// Fetches each peer's part of the trail of the bundle's letter and carries it in the bundle
/// (`docs/formats.md`, "Peer parts"). Each peer has the exchange's timeout; a peer that does not
/// answer with a bundle of this letter is named in the bundle with what went wrong, and the rest of
/// the bundle is made as ever.
pub async fn attach_peer_parts(
    state: &AppState,
    bundle: &mut sarabun_routing::TrailBundle,
) -> Result<(), RoutingError> {
    let requests = state.correspondence.peer_trail_requests(&bundle.letter_id).await?;
    let http = client(state);
    for req in requests {
        let fetched = async {
            let res = http
                .get(&req.url)
                .header("content-digest", &req.headers.content_digest)
                .header(header::DATE, &req.headers.date)
                .header("signature-input", &req.headers.signature_input)
                .header("signature", &req.headers.signature)
                .send()
                .await
                .map_err(|e| format!("the peer did not answer: {e}"))?;
            let status = res.status();
            if !status.is_success() {
                return Err(format!("the peer answered {status}"));
            }
            let part: sarabun_routing::TrailBundle =
                res.json().await.map_err(|e| format!("the peer's answer is not a trail bundle: {e}"))?;
            if part.letter_id != bundle.letter_id {
                return Err("the peer answered with the trail of another letter".to_owned());
            }
            Ok(part)
        }
        .await;
        if let Err(e) = &fetched {
            tracing::warn!(peer = %req.peer, letter_id = %bundle.letter_id, error = %e, "a peer's part of the trail is missing");
        }
        let (part, missing) = match fetched {
            Ok(part) => (Some(Box::new(part)), None),
            Err(e) => (None, Some(e)),
        };
        bundle.peers.push(sarabun_routing::PeerPart {
            peer: req.peer,
            recipients: req.recipients,
            bundle: part,
            missing,
        });
    }
    Ok(())
}
