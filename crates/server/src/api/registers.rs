//! Send and receive registers per office and B.E. year, as JSON or CSV, and the register operations
//! a clerk does by hand: cancelling a number, reserving numbers for paper letters and filling them,
//! and (the office admin) setting where a series continues from at go-live.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sarabun_domain::{OfficeCode, RegisterKind, Series, YearBe};
use sarabun_routing::{FillInput, NextNumberView, RegisterEntryView, ReservationView, register_csv};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

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

/// Why a number is cancelled, and of which series.
#[derive(Deserialize, ToSchema)]
pub struct CancelBody {
    /// Why the number is cancelled (ยกเลิกเลข); required.
    pub reason: String,
    /// `normal` (default) or `circular`.
    #[schema(value_type = Option<sarabun_routing::schema::Series>)]
    pub series: Option<String>,
}

/// Cancels a number of the own office's register with a reason; the line stays, marked cancelled,
/// and the number is never given again. A sent letter's number only after the letter was recalled.
#[utoipa::path(post, path = "/api/v1/registers/{register}/{year}/{seq}/cancel", tag = "registers", security(("bearer" = [])),
    params(("register" = sarabun_routing::schema::RegisterKind, Path), ("year" = i32, Path), ("seq" = i64, Path)),
    request_body = CancelBody,
    responses((status = 200, body = RegisterEntryView), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath((register, year, seq)): ApiPath<(String, i32, i64)>,
    ApiJson(body): ApiJson<CancelBody>,
) -> ApiResult<Json<RegisterEntryView>> {
    let register = RegisterKind::parse(&register)?;
    let year = YearBe::new(year).ok_or_else(|| ApiError::invalid_query("year must be a B.E. year such as 2569"))?;
    let series = body.series.as_deref().map(Series::parse).transpose()?.unwrap_or(Series::Normal);
    Ok(Json(state.correspondence.cancel_number(&actor, register, year, series, seq, &body.reason).await?))
}

/// Numbers to reserve for letters issued on paper.
#[derive(Deserialize, ToSchema)]
pub struct ReserveBody {
    /// How many of the next numbers, 1 to 20; 1 when absent.
    pub count: Option<u32>,
    /// What the numbers are for; required.
    pub note: String,
    /// The B.E. year; must be this year when given.
    pub year: Option<i32>,
}

/// Reserves the next numbers of the own office's send register (series normal) for letters issued on
/// paper (จองเลข). Each holds its number until filled or cancelled and shows as expired after
/// seven days unfilled.
#[utoipa::path(post, path = "/api/v1/registers/send/reservations", tag = "registers", security(("bearer" = [])),
    request_body = ReserveBody,
    responses((status = 201, body = Vec<ReservationView>), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reserve(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<ReserveBody>,
) -> ApiResult<(StatusCode, Json<Vec<ReservationView>>)> {
    let reserved = state.correspondence.reserve_numbers(&actor, body.count.unwrap_or(1), &body.note, body.year).await?;
    Ok((StatusCode::CREATED, Json(reserved)))
}

/// A paper letter's details for its reserved number.
#[derive(Deserialize, ToSchema)]
pub struct FillBody {
    pub subject: String,
    /// To whom the paper letter went.
    pub to: String,
    /// The letter's date, `YYYY-MM-DD`.
    pub date: String,
    /// The number written on the letter; `{office code}/{number}` when absent.
    pub letter_number: Option<String>,
}

/// Fills a reserved number with its paper letter's details; refused once expired or cancelled.
#[utoipa::path(post, path = "/api/v1/registers/send/reservations/{id}/fill", tag = "registers", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = FillBody,
    responses((status = 200, body = RegisterEntryView), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn fill(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FillBody>,
) -> ApiResult<Json<RegisterEntryView>> {
    let input = FillInput { subject: body.subject, to: body.to, date: body.date, letter_number: body.letter_number };
    Ok(Json(state.correspondence.fill_reservation(&actor, &id, input).await?))
}

/// Where a series continues from.
#[derive(Deserialize, ToSchema)]
pub struct NextBody {
    /// `normal` (default) or `circular`.
    #[schema(value_type = Option<sarabun_routing::schema::Series>)]
    pub series: Option<String>,
    /// The number the series gives next; above the one it would give now.
    pub next: i64,
    /// The B.E. year; must be this year when given.
    pub year: Option<i32>,
}

/// Sets the number a series of the own office's register gives next this year, from the paper
/// register at go-live (office admin; forward only).
#[utoipa::path(put, path = "/api/v1/registers/{register}/next", tag = "registers", security(("bearer" = [])),
    params(("register" = sarabun_routing::schema::RegisterKind, Path)), request_body = NextBody,
    responses((status = 200, body = NextNumberView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn set_next(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(register): ApiPath<String>,
    ApiJson(body): ApiJson<NextBody>,
) -> ApiResult<Json<NextNumberView>> {
    let register = RegisterKind::parse(&register)?;
    let series = body.series.as_deref().map(Series::parse).transpose()?.unwrap_or(Series::Normal);
    Ok(Json(state.correspondence.set_next_number(&actor, register, series, body.next, body.year).await?))
}
