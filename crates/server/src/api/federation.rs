//! Exchange with other Sarabun nodes at the edge: the node's signed description
//! (`GET /.well-known/sarabun-node`), the message endpoint peers post to
//! (`POST /federation/v1/messages`, answered at once with a signed answer), the resumable upload of
//! documents before their letter (`HEAD`/`PUT /federation/v1/documents/{sha256}`), the sender's view of a
//! letter's remote recipients under `/api/v1`, the operator's node identity, pinned peers and outbound
//! queue (with retry-now and cancel) under `/api/v1/federation`, and the exchange task: it fetches
//! the peers' descriptions at start and every `refresh_secs`, and posts the due messages of the
//! outbound queue with the HTTP client (the one HTTP client of the node's exchange; routing only ever
//! sees bytes). The protocol is in `docs/federation.md`.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sarabun_federation::AnswerStatus;
use sarabun_federation::upload::{ContentRange, Held, UPLOAD_COMPLETE, UPLOAD_OFFSET};
use sarabun_routing::Page;
use sarabun_routing::RoutingError;
use sarabun_routing::federation::{
    DESCRIPTION_PATH, DocumentToPush, IncomingRequest, PeerPin, PeerQueueView, QueuedMessageView, RemoteRecipientView,
    UploadRefusal, WitnessedPeerView,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

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

/// This node's fingerprint and endpoint (operators of the exchange).
#[utoipa::path(get, path = "/api/v1/federation/node", tag = "federation", security(("bearer" = [])),
    responses((status = 200, body = NodeView), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn node(State(state): State<AppState>, CurrentUser(actor): CurrentUser) -> ApiResult<Json<NodeView>> {
    let fingerprint = state.correspondence.node_identity(&actor).await?;
    Ok(Json(NodeView { fingerprint, endpoint: state.settings.federation_endpoint() }))
}

/// The pinned peers whose descriptions verified, with the offices they serve, their witness keys
/// and what this node witnessed of their logs (a split-view alarm included); for operators of the
/// exchange.
#[utoipa::path(get, path = "/api/v1/federation/peers", tag = "federation", security(("bearer" = [])),
    responses((status = 200, body = Vec<WitnessedPeerView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn peers(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<Vec<WitnessedPeerView>>> {
    Ok(Json(state.correspondence.peers_witnessed(&actor).await?))
}

/// The queue of messages to peers, per peer: depth (waiting), the oldest waiting message's age,
/// failed, invalid and cancelled counts. Every pinned peer is listed, also with an empty queue.
#[utoipa::path(get, path = "/api/v1/federation/outbox", tag = "federation", security(("bearer" = [])),
    responses((status = 200, body = Vec<PeerQueueView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn outbox(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<Vec<PeerQueueView>>> {
    Ok(Json(state.correspondence.outbox(&actor).await?))
}

/// Which messages of the queue.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `queued`, `at_peer`, `recorded`, `invalid`, `failed` or `cancelled`; every state when absent.
    pub state: Option<String>,
    /// From 1 (default 1).
    pub page: Option<u64>,
    /// From 1 to 200 (default 50).
    pub per_page: Option<u64>,
}

/// One page of the queue's messages, newest first (ids and states only, never letter contents).
#[utoipa::path(get, path = "/api/v1/federation/outbox/messages", tag = "federation", security(("bearer" = [])),
    params(OutboxQuery),
    responses((status = 200, body = Page<QueuedMessageView>), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn outbox_messages(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<Page<QueuedMessageView>>> {
    Ok(Json(state.correspondence.outbox_messages(&actor, q.state.as_deref(), q.page, q.per_page).await?))
}

/// Tries a queued or failed message again at once: the same message id and body; a failed one goes
/// back to queued with a fresh span of retry days. `409 message_settled` for any other state.
#[utoipa::path(post, path = "/api/v1/federation/outbox/{id}/retry", tag = "federation", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = QueuedMessageView), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<QueuedMessageView>> {
    Ok(Json(state.correspondence.retry_message(&actor, &id).await?))
}

/// Why an operator cancels a message.
#[derive(Deserialize, ToSchema)]
pub struct CancelBody {
    /// Shown to the sender's clerk on the letter's exchange (at most 1,000 characters).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Stops a queued or failed message for good; the sender's clerk sees it cancelled with the reason.
/// `409 message_settled` for any other state.
#[utoipa::path(post, path = "/api/v1/federation/outbox/{id}/cancel", tag = "federation", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CancelBody,
    responses((status = 200, body = QueuedMessageView), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CancelBody>,
) -> ApiResult<Json<QueuedMessageView>> {
    Ok(Json(state.correspondence.cancel_message(&actor, &id, body.reason).await?))
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
    let request = incoming("POST", &headers, body);
    let taken = match state.correspondence.take_message(request.clone()).await {
        // A pinned peer whose description is not fetched yet: fetch it now, and try once more.
        Err(RoutingError::PeerUnknown(fingerprint)) => {
            fetch_unknown_peer(&state, &fingerprint).await;
            state.correspondence.take_message(request).await?
        }
        other => other?,
    };
    let status = if taken.status == AnswerStatus::Invalid { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, Json(AnswerBody { status: taken.status.as_str().into(), answer: taken.answer })).into_response())
}

fn incoming(method: &str, headers: &HeaderMap, body: Bytes) -> IncomingRequest {
    IncomingRequest {
        method: method.into(),
        content_digest: field(headers, "content-digest"),
        date: field(headers, "date"),
        signature_input: field(headers, "signature-input"),
        signature: field(headers, "signature"),
        content_range: field(headers, "content-range"),
        body,
    }
}

fn held_fields(held: Held) -> [(&'static str, String); 2] {
    [(UPLOAD_OFFSET, held.held.to_string()), (UPLOAD_COMPLETE, if held.complete { "?1" } else { "?0" }.to_owned())]
}

/// How many bytes of a document the signing peer has uploaded here: `Upload-Offset` (0 when none)
/// and `Upload-Complete` (`?1` once the whole document is held, its digest checked). Signed like a
/// message, over an empty body.
#[utoipa::path(head, path = "/federation/v1/documents/{sha256}", tag = "federation",
    params(("sha256" = String, Path)),
    responses((status = 204, description = "Upload-Offset and Upload-Complete"), (status = 401, body = ApiError),
        (status = 403, body = ApiError)))]
pub async fn document_held(
    State(state): State<AppState>,
    ApiPath(sha256): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let held = state.correspondence.document_held(incoming("HEAD", &headers, Bytes::new()), &sha256).await?;
    let [a, b] = held_fields(held);
    Ok((StatusCode::NO_CONTENT, [a, b]).into_response())
}

/// One chunk of a document (`Content-Range: bytes first-last/total`, signed with the range covered),
/// which must start where the upload stands. Answers what is held; the last chunk is answered only
/// once the whole document's digest and size are checked.
#[utoipa::path(put, path = "/federation/v1/documents/{sha256}", tag = "federation",
    params(("sha256" = String, Path)),
    request_body(content = String, content_type = "application/octet-stream", description = "the chunk's bytes"),
    responses((status = 200, description = "what is held: {\"held\": n, \"complete\": bool}"),
        (status = 409, body = ApiError), (status = 413, body = ApiError), (status = 422, body = ApiError),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn document_chunk(
    State(state): State<AppState>,
    ApiPath(sha256): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let taken = state.correspondence.document_chunk(incoming("PUT", &headers, body), &sha256).await?;
    let refusal = match taken {
        Ok(held) => return Ok((StatusCode::OK, held_fields(held), Json(held)).into_response()),
        Err(refusal) => refusal,
    };
    let error = match &refusal {
        UploadRefusal::WrongOffset { held, .. } => {
            let error = ApiError::new(
                StatusCode::CONFLICT,
                "upload_offset_mismatch",
                format!("{refusal}; ask how much is held and resume from there."),
                format!("ส่วนของเอกสารไม่ได้เริ่มที่ไบต์ที่ {held} ซึ่งได้รับไว้แล้ว"),
            );
            let mut response = error.into_response();
            if let Ok(value) = held.to_string().parse() {
                response.headers_mut().insert(UPLOAD_OFFSET, value);
            }
            return Ok(response);
        }
        UploadRefusal::TotalChanged { .. } => ApiError::new(
            StatusCode::CONFLICT,
            "upload_total_changed",
            refusal.to_string(),
            "ขนาดรวมของเอกสารไม่ตรงกับที่เริ่มส่งไว้",
        ),
        UploadRefusal::DigestMismatch { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "document_digest_mismatch",
            format!("{refusal}; what was uploaded is discarded."),
            "เอกสารที่ได้รับไม่ตรงกับค่าแฮชที่ระบุ จึงทิ้งส่วนที่ได้รับไว้ทั้งหมด",
        ),
        UploadRefusal::TooLarge(_) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "document_too_large",
            refusal.to_string(),
            "เอกสารหรือส่วนของเอกสารมีขนาดเกินที่กำหนด",
        ),
    };
    Err(error)
}

pub(crate) fn client(state: &AppState) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(state.settings.federation.timeout_secs.max(1)))
        .build()
        .unwrap_or_default()
}

/// Fetches the description of a pinned peer that sent a request before its description was taken,
/// so that the request can be tried once more; an unpinned fingerprint fetches nothing.
async fn fetch_unknown_peer(state: &AppState, fingerprint: &str) {
    if let Some(pin) = state.correspondence.peer_pins().iter().find(|p| p.fingerprint == fingerprint).cloned() {
        let _ = refresh_one(state, &client(state), &pin).await;
    }
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
    for doc in &out.documents {
        if let Err(error) = push_document(state, http, doc).await {
            if let Err(e) = c.outgoing_failed(&out, &error).await {
                tracing::error!(message_id = %out.id, error = %e, "the outcome of a message could not be recorded");
            }
            return;
        }
    }
    let sent = http
        .post(&out.url)
        .header(header::CONTENT_TYPE, "application/json")
        .header("content-digest", &out.headers.content_digest)
        .header(header::DATE, &out.headers.date)
        .header("signature-input", &out.headers.signature_input)
        .header("signature", &out.headers.signature)
        .body(out.body.clone())
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
        Err(error) => c.outgoing_failed(&out, &error).await,
    };
    if let Err(e) = recorded {
        tracing::error!(message_id = %out.id, error = %e, "the outcome of a message could not be recorded");
    }
}

/// What a signed `HEAD` of a document at the peer says it holds.
async fn peer_holds(state: &AppState, http: &reqwest::Client, doc: &DocumentToPush) -> Result<Held, String> {
    let h = state.correspondence.sign_document_request("HEAD", &doc.url, b"", None).await.map_err(|e| e.to_string())?;
    let res = http
        .head(&doc.url)
        .header("content-digest", &h.content_digest)
        .header(header::DATE, &h.date)
        .header("signature-input", &h.signature_input)
        .header("signature", &h.signature)
        .send()
        .await
        .map_err(|e| format!("document {}: {e}", doc.sha256))?;
    if !res.status().is_success() {
        return Err(format!("document {}: the peer answered {}", doc.sha256, res.status()));
    }
    let number = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let held = number(UPLOAD_OFFSET).and_then(|v| v.parse::<u64>().ok()).ok_or("no Upload-Offset")?;
    Ok(Held { held, complete: number(UPLOAD_COMPLETE).as_deref() == Some("?1") })
}

/// Uploads a document to the peer from where the peer stands, chunk by chunk, until it holds the
/// whole verified document. A cut connection fails the attempt; the next attempt resumes.
async fn push_document(state: &AppState, http: &reqwest::Client, doc: &DocumentToPush) -> Result<(), String> {
    let mut held = peer_holds(state, http, doc).await?;
    if held.complete {
        return Ok(());
    }
    if held.held > 0 {
        tracing::info!(sha256 = %doc.sha256, offset = held.held, "document upload resumed");
    }
    let bytes = state.correspondence.read_blob(&doc.sha256).await.map_err(|e| e.to_string())?;
    let chunk = state.settings.federation.chunk_bytes.clamp(4096, 16 * 1024 * 1024);
    while !held.complete {
        let first = held.held;
        let last = (first + chunk).min(doc.size) - 1;
        let (Ok(from), Ok(to)) = (usize::try_from(first), usize::try_from(last)) else {
            return Err("document offset out of range".into());
        };
        let body = bytes.get(from..=to).ok_or("the peer holds more than the document has")?.to_vec();
        let range = ContentRange { first, last, total: doc.size }.to_string();
        let h = state
            .correspondence
            .sign_document_request("PUT", &doc.url, &body, Some(&range))
            .await
            .map_err(|e| e.to_string())?;
        let res = http
            .put(&doc.url)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header("content-range", &range)
            .header("content-digest", &h.content_digest)
            .header(header::DATE, &h.date)
            .header("signature-input", &h.signature_input)
            .header("signature", &h.signature)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("document {} at {first}: {e}", doc.sha256))?;
        let status = res.status();
        if status == StatusCode::CONFLICT {
            // The peer stands elsewhere (an earlier chunk arrived after all): ask and go on from there.
            held = peer_holds(state, http, doc).await?;
            continue;
        }
        if !status.is_success() {
            let body = res.text().await.unwrap_or_default();
            return Err(format!(
                "document {} at {first}: the peer answered {status}: {}",
                doc.sha256,
                body.chars().take(300).collect::<String>()
            ));
        }
        held = res.json::<Held>().await.map_err(|e| format!("document {}: {e}", doc.sha256))?;
    }
    Ok(())
}

/// Posts a batch of due messages, up to `parallel` at a time. Messages about one delivery (a letter,
/// then its recall) go one after the other in the order they were queued; the batch is done when
/// every message has its outcome recorded, so no message is posted twice at once.
async fn post_batch(
    state: &AppState,
    http: &reqwest::Client,
    due: Vec<sarabun_routing::federation::Outgoing>,
    parallel: usize,
) {
    let mut by_delivery: Vec<Vec<sarabun_routing::federation::Outgoing>> = Vec::new();
    for out in due {
        match by_delivery.iter_mut().find(|group| group[0].delivery_id == out.delivery_id) {
            Some(group) => group.push(out),
            None => by_delivery.push(vec![out]),
        }
    }
    futures_util::stream::iter(by_delivery)
        .for_each_concurrent(parallel, |group| async move {
            for out in group {
                deliver(state, http, out).await;
            }
        })
        .await;
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
            let parallel = state.settings.federation.parallel_posts.clamp(1, 64);
            let batch = (parallel * 4) as u64;
            let full = match state.correspondence.due_messages(batch).await {
                Ok(due) => {
                    let full = due.len() as u64 == batch;
                    post_batch(&state, &http, due, parallel).await;
                    full
                }
                Err(e) => {
                    tracing::error!(error = %e, "the outbound queue could not be read");
                    false
                }
            };
            // A full batch means more are due: look again at once. Otherwise wait for the next
            // look, or for a send, decision or recall that queued a message.
            if !full {
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    () = state.correspondence.outbox_rung() => {}
                }
            }
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
    let request = incoming("GET", &headers, Bytes::new());
    let part = match state.correspondence.peer_trail(request.clone(), &letter_id).await {
        // A pinned peer whose description is not fetched yet: fetch it now, and try once more.
        Err(RoutingError::PeerUnknown(fingerprint)) => {
            fetch_unknown_peer(&state, &fingerprint).await;
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
