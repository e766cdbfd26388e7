//! Documents, letters and deliveries: upload, send, read, track, receive, reject, recall, receipts.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use sarabun_routing::{
    Compose, Decided, FoundLetter, InboxFilter, InboxItem, LetterView, Page, SentItem, UploadedDocument,
};
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use utoipa::{IntoParams, ToSchema};

/// Uploads one document (multipart field `file`), streamed to storage and named by its SHA-256.
#[utoipa::path(post, path = "/api/v1/documents", tag = "letters", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "one part named `file`"),
    responses((status = 201, body = UploadedDocument), (status = 413, body = ApiError), (status = 401, body = ApiError)))]
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<UploadedDocument>)> {
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("document").to_owned();
        let doc = upload_field(&state, &actor, field, &filename).await?;
        return Ok((StatusCode::CREATED, Json(doc)));
    }
    Err(ApiError::missing_file())
}

/// Streams one multipart file to storage for `actor`'s office. A part cut off by the body limit is
/// reported as too large, not as a broken stream.
pub(crate) async fn upload_field(
    state: &AppState,
    actor: &sarabun_routing::Actor,
    field: axum::extract::multipart::Field<'_>,
    filename: &str,
) -> Result<UploadedDocument, sarabun_routing::RoutingError> {
    let declared = field.content_type().map(str::to_owned);
    // The blob store only sees strings as stream errors; remember whether the cause was size.
    let too_large = Arc::new(AtomicBool::new(false));
    let flag = too_large.clone();
    let stream = field
        .map_err(move |e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                flag.store(true, Ordering::Relaxed);
            }
            e.body_text()
        })
        .boxed();
    match state.correspondence.upload(actor, filename, declared.as_deref(), stream).await {
        Err(_) if too_large.load(Ordering::Relaxed) => {
            Err(sarabun_routing::RoutingError::TooLarge { limit: state.correspondence.limits().max_upload_bytes })
        }
        other => other,
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "upload_too_large", "The upload is too large.", "ไฟล์มีขนาดใหญ่เกินไป")
    } else {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_multipart", e.body_text(), "รูปแบบการอัปโหลดไม่ถูกต้อง")
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
    let (letter, replayed) = state.correspondence.send(&actor, compose, key.as_deref()).await?;
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

/// One document of a letter, by position (0 is the body).
#[utoipa::path(get, path = "/api/v1/letters/{id}/documents/{position}", tag = "letters", security(("bearer" = [])),
    params(("id" = String, Path), ("position" = i32, Path)), responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ApiError)))]
pub async fn document(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath((id, position)): ApiPath<(String, i32)>,
) -> ApiResult<Response> {
    let (meta, bytes) = state.correspondence.document(&actor, &id, position).await?;
    let disposition = format!("inline; filename*=UTF-8''{}", percent_encode(&meta.name));
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_str(&meta.media_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ),
        (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(ApiError::internal)?),
        (
            header::HeaderName::from_static("x-content-sha256"),
            HeaderValue::from_str(&meta.sha256).map_err(ApiError::internal)?,
        ),
    ];
    Ok((headers, bytes).into_response())
}

fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
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
    Ok(Json(state.correspondence.inbox(&actor, filter).await?))
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
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("application/pdf")),
        (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"stamped.pdf\"")),
        (header::HeaderName::from_static("x-content-sha256"), HeaderValue::from_str(&sha).map_err(ApiError::internal)?),
    ];
    Ok((headers, bytes).into_response())
}
