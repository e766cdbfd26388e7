//! Send and receive registers per office and B.E. year, as JSON or CSV.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sarabun_domain::{OfficeCode, RegisterKind, YearBe};
use sarabun_routing::{RegisterEntryView, register_csv};
use serde::Deserialize;
use utoipa::IntoParams;

/// Which office and in which form.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// Office code; the reader's own office when absent (auditors may name any).
    pub office: Option<String>,
    /// `json` (default) or `csv` (UTF-8 with BOM, for Excel).
    pub format: Option<String>,
}

/// An office's send or receive register for a B.E. year.
#[utoipa::path(get, path = "/api/v1/registers/{register}/{year}", tag = "registers", security(("bearer" = [])),
    params(("register" = sarabun_routing::schema::RegisterKind, Path), ("year" = i32, Path, description = "B.E. year, e.g. 2569"), RegisterQuery),
    responses((status = 200, body = Vec<RegisterEntryView>), (status = 403, body = ApiError)))]
pub async fn register(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath((register, year)): ApiPath<(String, i32)>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<Response> {
    let register = RegisterKind::parse(&register)?;
    let year = YearBe::new(year).ok_or_else(|| ApiError::invalid_query("year must be a B.E. year such as 2569"))?;
    let office = match q.office.as_deref() {
        Some(code) => OfficeCode::parse(code)?,
        None => actor.office_code.clone(),
    };
    let entries = state.correspondence.register(&actor, &office, register, year).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(entries).into_response()),
        Some("csv") => {
            let filename = format!("attachment; filename=\"{}-register-{}.csv\"", register.as_str(), year);
            Ok((
                [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, filename)],
                register_csv(register, &entries),
            )
                .into_response())
        }
        Some(other) => Err(ApiError::invalid_query(format!("unknown format {other:?}; use json or csv"))),
    }
}
