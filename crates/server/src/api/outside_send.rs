//! Letters sent to recipients outside Sarabun, after sending: a clerk of the sending office records
//! the day a letter by post was posted and a bounce that came back for one sent by e-mail, and
//! prints the cover sheet (ใบนำส่ง) of one by post. The recipients themselves are given with the
//! letter (`outside_recipients` of `POST /api/v1/letters`) and tracked in `GET /api/v1/letters/{id}`.

use crate::AppState;
use crate::api::letters::document_headers;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use sarabun_routing::OutsideTrackingRow;
use serde::Deserialize;
use utoipa::ToSchema;

/// The day a letter was posted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostedBody {
    /// `YYYY-MM-DD` (A.D.), Bangkok; not after today and not before the letter's date.
    pub posted_on: NaiveDate,
}

/// A bounce that came back.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BounceBody {
    /// What the bounce said, e.g. `550 5.1.1 mailbox unavailable` (at most 1,000 characters).
    pub reason: String,
}

/// Records the day a letter to an outside recipient by post was posted (audited).
#[utoipa::path(post, path = "/api/v1/outside/deliveries/{id}/posted", tag = "outside", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = PostedBody,
    responses((status = 200, body = OutsideTrackingRow), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn posted(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PostedBody>,
) -> ApiResult<Json<OutsideTrackingRow>> {
    Ok(Json(state.correspondence.record_posted(&actor, &id, body.posted_on).await?))
}

/// Records that a letter e-mailed to an outside recipient came back undelivered (audited).
#[utoipa::path(post, path = "/api/v1/outside/deliveries/{id}/bounce", tag = "outside", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = BounceBody,
    responses((status = 200, body = OutsideTrackingRow), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn bounce(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<BounceBody>,
) -> ApiResult<Json<OutsideTrackingRow>> {
    Ok(Json(state.correspondence.record_bounce(&actor, &id, &body.reason).await?))
}

/// The cover sheet (ใบนำส่ง) of a letter to an outside recipient by post: an A4 PDF to print.
#[utoipa::path(get, path = "/api/v1/outside/deliveries/{id}/cover-sheet", tag = "outside", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "application/pdf"), (status = 404, body = ApiError)))]
pub async fn cover_sheet(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let pdf = state.correspondence.cover_sheet(&actor, &id).await?;
    let sha = sarabun_signing::sha256_hex(&pdf);
    let headers = document_headers(sarabun_routing::media::PDF, "cover-sheet.pdf", &sha)?;
    Ok((headers, pdf).into_response())
}
