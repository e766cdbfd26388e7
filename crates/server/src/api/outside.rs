//! Letters from outside Sarabun and receiving many letters at once: the office's address book of
//! outside bodies (list, add, change, suggest as one types), registering an arrival from its scan
//! (multipart: the details as JSON, the scan as one PDF or as images, optional enclosures) and the
//! bulk receive, which answers for each letter with its receive number or its error code.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use sarabun_domain::arrival::{MAX_ENCLOSURES, MAX_SCAN_PAGES};
use sarabun_domain::{ArrivalRefusal, BodyKind, Channel, LetterKind, Secrecy, Urgency};
use sarabun_routing::{ArrivalFile, ArrivalInput, ArrivalView, BodyInput, OutsideBodyView, RoutingError, schema};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A body of the address book as a clerk enters it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyBody {
    /// `organisation` or `person`.
    #[schema(value_type = schema::BodyKind)]
    pub kind: BodyKind,
    /// The body's name as it writes it, e.g. `บริษัท ตัวอย่าง จำกัด`.
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
}

impl From<BodyBody> for BodyInput {
    fn from(b: BodyBody) -> Self {
        BodyInput { kind: b.kind, name: b.name, email: b.email, postal_address: b.postal_address }
    }
}

/// Which page of the address book.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookPage {
    /// From 1; 1 when absent.
    pub page: Option<u64>,
    /// From 1 to 200; 50 when absent.
    pub per_page: Option<u64>,
}

/// What was typed so far.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// The beginning or any part of a name (at most 100 characters).
    pub q: String,
    /// How many suggestions, 1 to 20; 10 when absent.
    pub limit: Option<u64>,
}

/// The office's address book of outside bodies, by name.
#[utoipa::path(get, path = "/api/v1/outside/bodies", tag = "outside", security(("bearer" = [])), params(BookPage),
    responses((status = 200, body = Vec<OutsideBodyView>), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn bodies(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiQuery(q): ApiQuery<BookPage>,
) -> ApiResult<Json<Vec<OutsideBodyView>>> {
    Ok(Json(state.correspondence.outside_bodies(&actor, q.page.unwrap_or(1), q.per_page.unwrap_or(50)).await?))
}

/// Adds a body to the office's address book (audited).
#[utoipa::path(post, path = "/api/v1/outside/bodies", tag = "outside", security(("bearer" = [])), request_body = BodyBody,
    responses((status = 201, body = OutsideBodyView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_body(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<BodyBody>,
) -> ApiResult<(StatusCode, Json<OutsideBodyView>)> {
    Ok((StatusCode::CREATED, Json(state.correspondence.create_outside_body(&actor, body.into()).await?)))
}

/// Changes a body of the office's address book (audited); another office's is `404`.
#[utoipa::path(put, path = "/api/v1/outside/bodies/{id}", tag = "outside", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = BodyBody,
    responses((status = 200, body = OutsideBodyView), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn update_body(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<BodyBody>,
) -> ApiResult<Json<OutsideBodyView>> {
    Ok(Json(state.correspondence.update_outside_body(&actor, &id, body.into()).await?))
}

/// Suggests bodies of the office's address book as one types: names beginning with `q` first, then
/// names containing it, at most `limit`.
#[utoipa::path(get, path = "/api/v1/outside/bodies/suggest", tag = "outside", security(("bearer" = [])), params(SuggestQuery),
    responses((status = 200, body = Vec<OutsideBodyView>), (status = 400, body = ApiError), (status = 422, body = ApiError)))]
pub async fn suggest(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<Vec<OutsideBodyView>>> {
    Ok(Json(state.correspondence.suggest_outside_bodies(&actor, &q.q, q.limit).await?))
}

/// The details of a letter from outside: the multipart part `details`, as JSON.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalDetails {
    /// The sender: the id of a body of the office's address book.
    pub sender_id: String,
    /// The number the sender wrote on the letter, e.g. `ตย 123/2569`.
    pub sender_number: String,
    /// The date the sender wrote on the letter, `YYYY-MM-DD` (A.D.); not after today and not more
    /// than ten years ago.
    pub sender_date: String,
    pub subject: String,
    /// `external` when absent.
    #[schema(value_type = Option<schema::LetterKind>)]
    pub kind: Option<LetterKind>,
    /// `normal` when absent.
    #[schema(value_type = Option<schema::Urgency>)]
    pub urgency: Option<Urgency>,
    /// `none` when absent; at most the clerk's clearance.
    #[schema(value_type = Option<schema::Secrecy>)]
    pub secrecy: Option<Secrecy>,
    /// How it came: `paper`, `email`, `fax` or `other_system`.
    #[schema(value_type = schema::Channel)]
    pub channel: Channel,
    pub enclosures_note: Option<String>,
    /// The receive register's action column (การปฏิบัติ).
    pub action: Option<String>,
    /// The receive register's remarks column (how it came is added to it).
    pub remarks: Option<String>,
    /// The clerk confirms this is a different letter from one already registered with the same
    /// sender, number and date; without it such a letter is refused as `already_registered`.
    #[serde(default)]
    pub confirm_different: bool,
}

/// Registers a letter from outside Sarabun from its scan: multipart parts `details` (JSON,
/// [`ArrivalDetails`]), `file` (one PDF, or 1–30 JPEG, PNG or TIFF images, one page each, in order;
/// the type is read from the bytes) and up to 20 `enclosure` parts. It takes the next receive
/// number, gets the receiving stamp, and is then a received letter of the inbox like any other.
#[utoipa::path(post, path = "/api/v1/outside/arrivals", tag = "outside", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "parts `details` (JSON ArrivalDetails), `file` (repeated) and `enclosure` (repeated)"),
    responses((status = 201, body = ArrivalView), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError, description = "`already_registered`: the same sender, number and date were registered before"),
        (status = 413, body = ApiError), (status = 422, body = ApiError)))]
pub async fn register_arrival(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<ArrivalView>)> {
    let mut multipart = multipart.map_err(|e| ApiError::invalid_multipart(e.body_text()))?;
    let limit = state.correspondence.limits().max_upload_bytes;
    let broken = |e: axum::extract::multipart::MultipartError| super::letters::multipart_error(&e, limit);
    let (mut details, mut scan, mut enclosures) = (None, Vec::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or("file").to_owned();
        match name.as_str() {
            "details" => {
                let text = field.bytes().await.map_err(broken)?;
                details = Some(serde_json::from_slice::<ArrivalDetails>(&text).map_err(ApiError::invalid_json)?);
            }
            "file" | "enclosure" => {
                let (list, max, what) = if name == "file" {
                    (&mut scan, MAX_SCAN_PAGES, "pages")
                } else {
                    (&mut enclosures, MAX_ENCLOSURES, "enclosures")
                };
                if list.len() >= max {
                    return Err(RoutingError::Arrival(ArrivalRefusal::TooManyFiles { what, max }).into());
                }
                let bytes = field.bytes().await.map_err(broken)?;
                list.push(ArrivalFile { name: file_name, bytes: bytes.to_vec() });
            }
            _ => {}
        }
    }
    let details = details.ok_or_else(|| ApiError::invalid_multipart("no part named details"))?;
    let input = ArrivalInput {
        sender_id: details.sender_id,
        sender_number: details.sender_number,
        sender_date: details.sender_date,
        subject: details.subject,
        kind: details.kind.unwrap_or(LetterKind::External),
        urgency: details.urgency.unwrap_or(Urgency::Normal),
        secrecy: details.secrecy.unwrap_or(Secrecy::None),
        channel: details.channel,
        enclosures_note: details.enclosures_note,
        action: details.action,
        remarks: details.remarks,
        confirm_different: details.confirm_different,
    };
    let view = state.correspondence.register_arrival(&actor, input, scan, enclosures).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The letters to receive at once.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkReceiveBody {
    /// Delivery ids, 1 to 100, received in this order.
    pub delivery_ids: Vec<String>,
    /// The receive register's action column, for each.
    pub action: Option<String>,
    /// The receive register's remarks column, for each.
    pub remarks: Option<String>,
}

/// What happened to one letter of a bulk receive.
#[derive(Serialize, ToSchema)]
pub struct BulkLine {
    pub delivery_id: String,
    pub received: bool,
    /// `{seq}/{year B.E.}` when received.
    pub receive_number: Option<String>,
    /// The signed receipt, compact JWS, when received.
    pub receipt: Option<String>,
    /// The stable error code when not received (as the single receive would answer).
    pub code: Option<String>,
    pub message: Option<String>,
    pub message_th: Option<String>,
}

/// The answer to a bulk receive, one line per letter in the order given.
#[derive(Serialize, ToSchema)]
pub struct BulkAnswer {
    pub received: usize,
    pub failed: usize,
    pub results: Vec<BulkLine>,
}

/// Receives many delivered letters in one request, in the order given: each gets its own receive
/// number, stamp and receipt in its own transaction, and one that fails leaves the others received.
/// The answer is `200` whatever each letter's outcome; only an empty or too long list, or a person
/// who may not receive, is refused as a whole.
#[utoipa::path(post, path = "/api/v1/deliveries/receive", tag = "deliveries", security(("bearer" = [])), request_body = BulkReceiveBody,
    responses((status = 200, body = BulkAnswer), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn receive_many(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<BulkReceiveBody>,
) -> ApiResult<Json<BulkAnswer>> {
    let outcomes = state.correspondence.receive_many(&actor, &body.delivery_ids, body.action, body.remarks).await?;
    let results: Vec<BulkLine> = outcomes
        .into_iter()
        .map(|o| match o.outcome {
            Ok(decided) => BulkLine {
                delivery_id: o.delivery_id,
                received: true,
                receive_number: decided.delivery.receive_number,
                receipt: Some(decided.receipt),
                code: None,
                message: None,
                message_th: None,
            },
            Err(e) => {
                let error = ApiError::from(e);
                BulkLine {
                    delivery_id: o.delivery_id,
                    received: false,
                    receive_number: None,
                    receipt: None,
                    code: Some(error.code.to_owned()),
                    message: Some(error.message),
                    message_th: Some(error.message_th),
                }
            }
        })
        .collect();
    let received = results.iter().filter(|r| r.received).count();
    Ok(Json(BulkAnswer { received, failed: results.len() - received, results }))
}
