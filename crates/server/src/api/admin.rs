//! What office administrators and the records unit see: the status of e-mails about their office
//! (sent, pending, failed with the SMTP answer) and the yearly retention lists.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sarabun_routing::EmailStatus;
use serde::Deserialize;
use utoipa::IntoParams;

/// Filter by state.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailQuery {
    pub state: Option<String>,
}

/// The newest e-mails about the admin's office (every office for system admins).
#[utoipa::path(get, path = "/api/v1/emails", tag = "administration", security(("bearer" = [])), params(EmailQuery),
    responses((status = 200, body = Vec<EmailStatus>), (status = 403, body = ApiError)))]
pub async fn emails(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiQuery(q): ApiQuery<EmailQuery>,
) -> ApiResult<Json<Vec<EmailStatus>>> {
    Ok(Json(state.correspondence.email_statuses(&actor, q.state.as_deref()).await?))
}

/// Which office's list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RetentionQuery {
    /// Office code; the reader's own office when absent (auditors may name any).
    pub office: Option<String>,
}

/// The office's list of letters whose retention has ended (บัญชีหนังสือขอทำลาย) for a B.E. year, as
/// CSV for the destruction committee. Made in the first 60 days of each year.
#[utoipa::path(get, path = "/api/v1/retention/{year}", tag = "administration", security(("bearer" = [])),
    params(("year" = i32, Path), RetentionQuery), responses((status = 200, content_type = "text/csv"), (status = 404, body = ApiError)))]
pub async fn retention(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(year): ApiPath<i32>,
    ApiQuery(q): ApiQuery<RetentionQuery>,
) -> ApiResult<Response> {
    let list = state.correspondence.retention_list(&actor, q.office.as_deref(), year).await?;
    let disposition = format!("attachment; filename=\"retention-{year}.csv\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        list.csv,
    )
        .into_response())
}
