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
use sarabun_routing::{FillInput, NextNumberView, OfficeSeriesView, RegisterEntryView, ReservationView, register_csv};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Which office and in which form.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// Office code; the reader's own office when absent (auditors may name any).
    pub office: Option<String>,
    /// `json` (default), `csv` (UTF-8 with BOM, for Excel) or `xlsx` (a workbook, one sheet per series).
    pub format: Option<String>,
}

/// An office's send or receive register for a B.E. year: every series, with outside arrivals,
/// cancelled, reserved and expired numbers marked. As JSON, as CSV, or as an `.xlsx` workbook with
/// one sheet per series (sheet names in Thai, B.E. dates, the CSV's rows).
#[utoipa::path(get, path = "/api/v1/registers/{register}/{year}", tag = "registers", security(("bearer" = [])),
    params(("register" = sarabun_routing::schema::RegisterKind, Path), ("year" = i32, Path, description = "B.E. year, e.g. 2569"), RegisterQuery),
    responses(
        (status = 200, description = "The register's lines", content(
            (Vec<RegisterEntryView> = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 403, body = ApiError)))]
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
    if q.format.as_deref() == Some("xlsx") {
        let workbook = state.correspondence.register_workbook(&actor, &office, register, year).await?;
        let filename = format!("attachment; filename=\"{}-register-{}.xlsx\"", register.as_str(), year);
        return Ok(([(header::CONTENT_TYPE, XLSX.to_owned()), (header::CONTENT_DISPOSITION, filename)], workbook)
            .into_response());
    }
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
        Some(other) => Err(ApiError::invalid_query(format!("unknown format {other:?}; use json, csv or xlsx"))),
    }
}

/// The media type of an `.xlsx` workbook.
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why a number is cancelled, and of which series.
#[derive(Deserialize, ToSchema)]
pub struct CancelBody {
    /// Why the number is cancelled (ยกเลิกเลข); required.
    pub reason: String,
    /// The series, `normal` when absent.
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
    /// The series, one the office keeps; `normal` when absent.
    #[schema(value_type = Option<sarabun_routing::schema::Series>)]
    pub series: Option<String>,
}

/// Reserves the next numbers of the own office's send register, in a series it keeps (normal when
/// absent), for letters issued on paper (จองเลข). Each holds its number until filled or cancelled
/// and shows as expired after seven days unfilled.
#[utoipa::path(post, path = "/api/v1/registers/send/reservations", tag = "registers", security(("bearer" = [])),
    request_body = ReserveBody,
    responses((status = 201, body = Vec<ReservationView>), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn reserve(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<ReserveBody>,
) -> ApiResult<(StatusCode, Json<Vec<ReservationView>>)> {
    let series = body.series.as_deref().map(Series::parse).transpose()?.unwrap_or(Series::Normal);
    let reserved =
        state.correspondence.reserve_numbers(&actor, series, body.count.unwrap_or(1), &body.note, body.year).await?;
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
    /// The series, one the office keeps; `normal` when absent.
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

/// The series the own office keeps.
#[utoipa::path(get, path = "/api/v1/registers/series", tag = "registers", security(("bearer" = [])),
    responses((status = 200, body = OfficeSeriesView), (status = 403, body = ApiError)))]
pub async fn series(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<OfficeSeriesView>> {
    Ok(Json(state.correspondence.office_series(&actor).await?))
}

/// Which series beyond normal and circular the office keeps.
#[derive(Deserialize, ToSchema)]
pub struct SeriesBody {
    /// The whole choice: any of `order`, `announcement`, `regulation`, `rule` (none to keep only
    /// normal and circular).
    #[schema(value_type = Vec<sarabun_routing::schema::Series>)]
    pub series: Vec<String>,
}

/// Chooses the series the own office keeps beyond normal and circular (office admin; audited as
/// `register.series_set`). A letter, a reservation or a new start in a series not kept is refused
/// with `series_not_kept`.
#[utoipa::path(put, path = "/api/v1/registers/series", tag = "registers", security(("bearer" = [])),
    request_body = SeriesBody,
    responses((status = 200, body = OfficeSeriesView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn set_series(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<SeriesBody>,
) -> ApiResult<Json<OfficeSeriesView>> {
    let chosen = body.series.iter().map(|s| Series::parse(s)).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(state.correspondence.set_office_series(&actor, &chosen).await?))
}
