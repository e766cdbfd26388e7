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
use chrono::{DateTime, Utc};
use sarabun_domain::{OfficeCode, Permission};
use sarabun_registry::{directory, outbox};
use sarabun_routing::RoutingError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One e-mail as its office's admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailStatus {
    pub id: String,
    pub message_id: String,
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i32,
    /// The SMTP answer or error of the last attempt.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

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
    if q.state.as_deref().is_some_and(|s| !matches!(s, "pending" | "sent" | "failed")) {
        return Err(ApiError::invalid_query("state must be pending, sent or failed"));
    }
    let office = if actor.may(Permission::ManageDirectory) {
        None
    } else {
        actor.require(Permission::ReadOfficeAdministration)?;
        Some(actor.office_id.as_str())
    };
    let rows = outbox::office_emails(state.correspondence.db(), office, q.state.as_deref(), 200)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(
        rows.into_iter()
            .map(|m| EmailStatus {
                id: m.id,
                message_id: m.message_id,
                kind: m.kind,
                to: m.to_address,
                subject: m.subject,
                state: m.state,
                attempts: m.attempts,
                last_error: m.last_error,
                created_at: m.created_at,
                next_attempt_at: m.next_attempt_at,
                sent_at: m.sent_at,
            })
            .collect(),
    ))
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
    let db = state.correspondence.db();
    let code = match q.office.as_deref() {
        Some(code) => OfficeCode::parse(code)?,
        None => actor.office_code.clone(),
    };
    let office = directory::office_by_code(db, &code)
        .await
        .map_err(ApiError::internal)?
        .ok_or(RoutingError::NotFound("office"))?;
    let own = office.id == actor.office_id && actor.may(Permission::ReadOfficeAdministration);
    if !(own || actor.may(Permission::ReadAllOffices)) {
        return Err(RoutingError::Forbidden.into());
    }
    let list = outbox::retention_list(db, &office.id, year)
        .await
        .map_err(ApiError::internal)?
        .ok_or(RoutingError::NotFound("retention list"))?;
    let csv = state
        .correspondence
        .read_blob(&list.csv_sha256)
        .await?
        .ok_or(RoutingError::NotFound("retention list content"))?;
    let disposition = format!("attachment; filename=\"retention-{year}.csv\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        csv,
    )
        .into_response())
}
