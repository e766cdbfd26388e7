//! Documents, letters and deliveries: upload, send, read, track, receive, reject, recall, receipts.

use super::wire::{Compose, InboxFilter};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use sarabun_routing::{Decided, FoundLetter, InboxItem, LetterView, Page, SentItem, UploadedDocument};
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use utoipa::{IntoParams, ToSchema};

/// Uploads one document (multipart field `file`), streamed to storage and named by its SHA-256. The
/// stored media type is sniffed from the bytes (PDF, PNG, JPEG, else `application/octet-stream`);
/// the part's declared type is ignored. A malformed or truncated body is `400 invalid_multipart`
/// and stores nothing.
#[utoipa::path(post, path = "/api/v1/documents", tag = "letters", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "one part named `file`"),
    responses((status = 201, body = UploadedDocument), (status = 400, body = ApiError), (status = 413, body = ApiError),
        (status = 422, body = ApiError), (status = 401, body = ApiError)))]
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<UploadedDocument>)> {
    // No multipart content type, or one without a boundary: the same JSON error as a broken body.
    let mut multipart = multipart.map_err(|e| ApiError::invalid_multipart(e.body_text()))?;
    let limit = state.correspondence.limits().max_upload_bytes;
    while let Some(field) = multipart.next_field().await.map_err(|e| multipart_error(&e, limit))? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("document").to_owned();
        let doc = upload_field(&state, &actor, field, &filename).await?;
        return Ok((StatusCode::CREATED, Json(doc)));
    }
    Err(ApiError::missing_file())
}

/// Why reading a multipart body failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BrokenBody {
    /// Larger than the body limit.
    TooLarge,
    /// Reading the body itself failed: the client closed the connection before sending all of it.
    HungUp,
    /// The body arrived but is not a complete multipart body (cut off, bad boundary or headers).
    Malformed,
}

impl BrokenBody {
    fn of(e: &axum::extract::multipart::MultipartError) -> Self {
        // axum answers 500 only when reading the body failed for a reason other than its limit,
        // which on a server is the connection going away under it.
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::TooLarge,
            StatusCode::INTERNAL_SERVER_ERROR => Self::HungUp,
            _ => Self::Malformed,
        }
    }

    fn code(self) -> u8 {
        self as u8 + 1
    }

    fn from_code(code: u8) -> Option<Self> {
        [Self::TooLarge, Self::HungUp, Self::Malformed].into_iter().find(|b| b.code() == code)
    }
}

/// A hang-up is the client's doing, not the server's: logged as such, never as an error.
fn log_broken(kind: BrokenBody, detail: &str) {
    match kind {
        BrokenBody::HungUp => tracing::info!(detail, "client hung up during the upload; nothing stored"),
        BrokenBody::Malformed => tracing::info!(detail, "malformed or truncated multipart body refused"),
        BrokenBody::TooLarge => {}
    }
}

/// Streams one multipart file to storage for `actor`'s office. A part cut off by the body limit is
/// reported as too large; a part cut off otherwise (truncated body, client gone) as a broken
/// upload (`400 invalid_multipart`), with nothing stored.
pub(crate) async fn upload_field(
    state: &AppState,
    actor: &sarabun_routing::Actor,
    field: axum::extract::multipart::Field<'_>,
    filename: &str,
) -> Result<UploadedDocument, sarabun_routing::RoutingError> {
    // The blob store only sees strings as stream errors; remember what the cause was.
    let broken = Arc::new(AtomicU8::new(0));
    let flag = broken.clone();
    let stream = field
        .map_err(move |e| {
            flag.store(BrokenBody::of(&e).code(), Ordering::Relaxed);
            e.body_text()
        })
        .boxed();
    let outcome = state.correspondence.upload(actor, filename, stream).await;
    match (outcome, BrokenBody::from_code(broken.load(Ordering::Relaxed))) {
        (Err(_), Some(BrokenBody::TooLarge)) => {
            Err(sarabun_routing::RoutingError::TooLarge { limit: state.correspondence.limits().max_upload_bytes })
        }
        (Err(e @ sarabun_routing::RoutingError::UploadBroken(_)), Some(kind)) => {
            log_broken(kind, &e.to_string());
            Err(e)
        }
        (other, _) => other,
    }
}

/// The answer to a multipart body that could not be read: `413 upload_too_large` past the limit,
/// otherwise `400 invalid_multipart` (a client that hung up is logged as such and never sees it).
pub(crate) fn multipart_error(e: &axum::extract::multipart::MultipartError, limit: u64) -> ApiError {
    let kind = BrokenBody::of(e);
    let detail = e.body_text();
    log_broken(kind, &detail);
    match kind {
        BrokenBody::TooLarge => sarabun_routing::RoutingError::TooLarge { limit }.into(),
        BrokenBody::HungUp | BrokenBody::Malformed => ApiError::invalid_multipart(detail),
    }
}

/// Composes, numbers, seals and sends a letter. Repeat with the same `Idempotency-Key` and the same
/// body to get the same letter back without sending it twice.
#[utoipa::path(post, path = "/api/v1/letters", tag = "letters", security(("bearer" = [])), request_body = Compose,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes a retried send create nothing twice")),
    responses((status = 201, body = LetterView), (status = 422, body = ApiError), (status = 403, body = ApiError)))]
pub async fn send(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    headers: HeaderMap,
    ApiJson(compose): ApiJson<Compose>,
) -> ApiResult<Response> {
    let key = match headers.get("idempotency-key") {
        Some(v) => {
            let key = v.to_str().map_err(|_| ApiError::invalid_query("Idempotency-Key must be ASCII"))?.trim();
            if key.is_empty() || key.len() > 255 {
                return Err(ApiError::invalid_query("Idempotency-Key must be 1 to 255 characters"));
            }
            Some(key.to_owned())
        }
        None => None,
    };
    let (letter, replayed) = state.correspondence.send(&actor, compose.into(), key.as_deref()).await?;
    let mut response = (StatusCode::CREATED, Json(letter)).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A letter with its documents and, for the sender and auditors, every recipient's progress.
#[utoipa::path(get, path = "/api/v1/letters/{id}", tag = "letters", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = LetterView), (status = 404, body = ApiError)))]
pub async fn letter(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<LetterView>> {
    Ok(Json(state.correspondence.letter(&actor, &id).await?))
}

fn jose(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/jose")], body).into_response()
}

/// The sealed envelope (compact JWS, `application/jose`).
#[utoipa::path(get, path = "/api/v1/letters/{id}/envelope", tag = "letters", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "application/jose", body = String), (status = 404, body = ApiError)))]
pub async fn envelope(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    Ok(jose(state.correspondence.envelope(&actor, &id).await?))
}

/// One document of a letter, by position (0 is the body). PDF, PNG and JPEG are served inline with
/// their type; anything else (and any other stored type) as an `application/octet-stream`
/// attachment. Every document response carries `Content-Security-Policy: sandbox` and
/// `X-Content-Type-Options: nosniff`, so no document can run script in the node's origin.
#[utoipa::path(get, path = "/api/v1/letters/{id}/documents/{position}", tag = "letters", security(("bearer" = [])),
    params(("id" = String, Path), ("position" = i32, Path)), responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ApiError)))]
pub async fn document(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath((id, position)): ApiPath<(String, i32)>,
) -> ApiResult<Response> {
    let (meta, bytes) = state.correspondence.document(&actor, &id, position).await?;
    Ok((document_headers(&meta.media_type, &meta.name, &meta.sha256)?, bytes).into_response())
}

/// The headers of a stored document's bytes: its type and `inline` only when the type is on the
/// allowlist ([`sarabun_routing::media::shown_inline`]), else `application/octet-stream` and
/// `attachment`; always a sandboxing content security policy and `nosniff`.
pub(crate) fn document_headers(media_type: &str, name: &str, sha256: &str) -> Result<HeaderMap, ApiError> {
    let inline = sarabun_routing::media::shown_inline(media_type);
    let (content_type, disposition) =
        if inline { (media_type, "inline") } else { (sarabun_routing::media::OCTET_STREAM, "attachment") };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).map_err(ApiError::internal)?);
    let disposition = format!("{disposition}; filename*=UTF-8''{}", percent_encode(name));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(ApiError::internal)?);
    // `sandbox` gives the document an opaque origin with scripts, forms and plugins off, whatever
    // a browser makes of it; the node's own policy is added beside it by `security_headers`.
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCUMENT_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::HeaderName::from_static("x-content-sha256"),
        HeaderValue::from_str(sha256).map_err(ApiError::internal)?,
    );
    Ok(headers)
}

/// The content security policy of every document response.
pub const DOCUMENT_POLICY: &str = "sandbox";

/// A file name for `filename*=UTF-8''…` (RFC 8187): every byte but the unreserved ones encoded.
fn percent_encode(name: &str) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    const UNRESERVED: &percent_encoding::AsciiSet =
        &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(name, UNRESERVED).to_string()
}

/// Why a letter is recalled.
#[derive(Deserialize, ToSchema)]
pub struct RecallBody {
    pub reason: Option<String>,
}

/// Recalls a letter from every recipient that has not handled it; refused after any receipt.
#[utoipa::path(post, path = "/api/v1/letters/{id}/recall", tag = "letters", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RecallBody,
    responses((status = 200, body = LetterView), (status = 409, body = ApiError), (status = 404, body = ApiError)))]
pub async fn recall(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RecallBody>,
) -> ApiResult<Json<LetterView>> {
    Ok(Json(state.correspondence.recall(&actor, &id, body.reason).await?))
}

/// The office inbox, newest first.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "letters", security(("bearer" = [])), params(InboxFilter),
    responses((status = 200, body = Page<InboxItem>), (status = 401, body = ApiError)))]
pub async fn inbox(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiQuery(filter): ApiQuery<InboxFilter>,
) -> ApiResult<Json<Page<InboxItem>>> {
    Ok(Json(state.correspondence.inbox(&actor, filter.into()).await?))
}

/// Paging.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The letters the office sent, newest first.
#[utoipa::path(get, path = "/api/v1/sent", tag = "letters", security(("bearer" = [])), params(Paging),
    responses((status = 200, body = Page<SentItem>), (status = 401, body = ApiError)))]
pub async fn sent(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiQuery(p): ApiQuery<Paging>,
) -> ApiResult<Json<Page<SentItem>>> {
    Ok(Json(state.correspondence.sent(&actor, p.page, p.per_page).await?))
}

/// What to search for.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Text in the subject or the letter number; every letter when absent.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Auditors: letters of every office (those the auditor is cleared for), newest first.
#[utoipa::path(get, path = "/api/v1/letters", tag = "letters", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = Page<FoundLetter>), (status = 403, body = ApiError)))]
pub async fn search(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Page<FoundLetter>>> {
    Ok(Json(state.correspondence.search_letters(&actor, q.q.as_deref(), q.page, q.per_page).await?))
}

/// What the receiving clerk notes in the register.
#[derive(Deserialize, ToSchema, Default)]
pub struct ReceiveBody {
    /// การปฏิบัติ
    pub action: Option<String>,
    /// หมายเหตุ
    pub remarks: Option<String>,
}

/// Receives a delivered letter: next receive number, signed receipt, receive-register entry.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/receive", tag = "deliveries", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReceiveBody,
    responses((status = 200, body = Decided), (status = 409, body = ApiError), (status = 404, body = ApiError)))]
pub async fn receive(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReceiveBody>,
) -> ApiResult<Json<Decided>> {
    Ok(Json(state.correspondence.receive(&actor, &id, body.action, body.remarks).await?))
}

/// Why a letter is not for this office.
#[derive(Deserialize, ToSchema)]
pub struct RejectBody {
    pub reason: String,
}

/// Rejects a delivered letter as not for this office, with a signed rejection.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/reject", tag = "deliveries", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RejectBody,
    responses((status = 200, body = Decided), (status = 409, body = ApiError), (status = 404, body = ApiError)))]
pub async fn reject(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RejectBody>,
) -> ApiResult<Json<Decided>> {
    Ok(Json(state.correspondence.reject(&actor, &id, &body.reason).await?))
}

/// The signed receipt or rejection of a delivery (compact JWS, `application/jose`).
#[utoipa::path(get, path = "/api/v1/deliveries/{id}/receipt", tag = "deliveries", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "application/jose", body = String), (status = 404, body = ApiError)))]
pub async fn receipt(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    Ok(jose(state.correspondence.receipt(&actor, &id).await?))
}

/// The body PDF with this office's receiving stamp (an incremental update of the original).
#[utoipa::path(get, path = "/api/v1/deliveries/{id}/stamped", tag = "deliveries", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "application/pdf"), (status = 404, body = ApiError)))]
pub async fn stamped(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let (sha, bytes) = state.correspondence.stamped_body(&actor, &id).await?;
    let headers = document_headers(sarabun_routing::media::PDF, "stamped.pdf", &sha)?;
    Ok((headers, bytes).into_response())
}
