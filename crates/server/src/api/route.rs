//! Inside the office: one endpoint per route step on a received letter (propose, order, assign,
//! return, act, done, acknowledge, file), the matter and its routed PDF, work lists and the office's
//! backlog, and the office's structure (units, placements, stand-ins, files, handover) and each
//! person's signature image.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sarabun_domain::{Authority, OfficeCode, StandInKind, UnitKind};
use sarabun_routing::route::{
    FolderView, HandedOver, MatterView, NewFolder, NewStandIn, NewUnit, OfficeBacklog, OfficeStructure, Placement,
    SIGNATURE_IMAGE_MAX_BYTES, StandInView, StepInput, Target, UnitView, WorkItem, WorkScope,
};
use sarabun_routing::schema;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Whom to give a matter to: a unit of the office by code (held by its head), or a person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// A unit's code, e.g. `legal`.
    pub unit: Option<String>,
    /// A person's user name.
    pub person: Option<String>,
    /// The lead (เจ้าของเรื่อง); without one named, the first is.
    #[serde(default)]
    pub lead: bool,
}

fn targets(list: Vec<TargetBody>) -> Result<Vec<Target>, ApiError> {
    list.into_iter()
        .map(|t| match (t.unit, t.person) {
            (Some(code), None) => Ok(Target::Unit { code, lead: t.lead }),
            (None, Some(username)) => Ok(Target::Person { username, lead: t.lead }),
            _ => Err(ApiError::from(sarabun_routing::RoutingError::Field {
                field: "to",
                message: "each target names either a unit or a person".into(),
            })),
        })
        .collect()
}

/// เสนอ: put the matter before a person.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProposeBody {
    /// The user name of whom it is put before.
    pub to: String,
    pub note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
}

/// สั่งการ: an order or comment, optionally assigning the matter.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderBody {
    pub text: String,
    #[serde(default)]
    pub assign: Vec<TargetBody>,
    pub due_at: Option<DateTime<Utc>>,
}

/// มอบหมาย: give the matter to units or people.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignBody {
    pub to: Vec<TargetBody>,
    pub note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
}

/// ส่งคืน: give it back, saying why.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnBody {
    pub reason: String,
}

/// ปฏิบัติ: what was done.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActBody {
    pub note: String,
    /// SHA-256 of documents the office uploaded (`POST /api/v1/documents`).
    #[serde(default)]
    pub documents: Vec<String>,
    /// The answer letter the office sent.
    pub answer_letter_id: Option<String>,
}

/// A note with the step (done, acknowledge).
#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct NoteBody {
    pub note: Option<String>,
}

/// เก็บเข้าแฟ้ม: the file's code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FileBody {
    pub folder: String,
}

async fn step(
    state: &AppState,
    actor: &sarabun_routing::Actor,
    id: &str,
    input: StepInput,
) -> ApiResult<Json<MatterView>> {
    Ok(Json(state.correspondence.take_step(actor, id, input).await?))
}

macro_rules! step_endpoint {
    ($name:ident, $path:literal, $body:ty, $doc:literal, |$b:ident| $input:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "route", security(("bearer" = [])),
            params(("id" = String, Path, description = "the delivery (received letter) id")), request_body = $body,
            responses((status = 200, body = MatterView), (status = 403, body = ApiError), (status = 404, body = ApiError),
                (status = 409, body = ApiError), (status = 422, body = ApiError)))]
        pub async fn $name(
            State(state): State<AppState>,
            CurrentUser(actor): CurrentUser,
            ApiPath(id): ApiPath<String>,
            ApiJson($b): ApiJson<$body>,
        ) -> ApiResult<Json<MatterView>> {
            let input = $input;
            step(&state, &actor, &id, input).await
        }
    };
}

step_endpoint!(
    propose,
    "/api/v1/deliveries/{id}/propose",
    ProposeBody,
    "Puts a received letter before a person (เสนอ).",
    |b| StepInput::Propose { to: b.to, note: b.note, due_at: b.due_at }
);
step_endpoint!(
    order,
    "/api/v1/deliveries/{id}/order",
    OrderBody,
    "Writes an order or comment on the letter (สั่งการ / เกษียน), optionally assigning it.",
    |b| StepInput::Order { text: b.text, assign: targets(b.assign)?, due_at: b.due_at }
);
step_endpoint!(
    assign,
    "/api/v1/deliveries/{id}/assign",
    AssignBody,
    "Gives the matter to units or people to act on (มอบหมาย).",
    |b| StepInput::Assign { to: targets(b.to)?, note: b.note, due_at: b.due_at }
);
step_endpoint!(
    give_back,
    "/api/v1/deliveries/{id}/return",
    ReturnBody,
    "Gives the matter back to whoever gave it (ส่งคืน).",
    |b| StepInput::Return { reason: b.reason }
);
step_endpoint!(
    act,
    "/api/v1/deliveries/{id}/act",
    ActBody,
    "Records what was done (ปฏิบัติ): a note, files, the answer letter.",
    |b| StepInput::Act { note: b.note, documents: b.documents, answer_letter_id: b.answer_letter_id }
);
step_endpoint!(
    done,
    "/api/v1/deliveries/{id}/done",
    NoteBody,
    "The lead reports the work done (ดำเนินการแล้ว).",
    |b| StepInput::Done { note: b.note }
);
step_endpoint!(
    acknowledge,
    "/api/v1/deliveries/{id}/acknowledge",
    NoteBody,
    "Takes note and closes the matter (ทราบ).",
    |b| StepInput::Acknowledge { note: b.note }
);
step_endpoint!(
    file,
    "/api/v1/deliveries/{id}/file",
    FileBody,
    "Files the finished matter into one of the office's files (เก็บเข้าแฟ้ม).",
    |b| StepInput::File { folder: b.folder }
);

/// The matter of a received letter: its state, timeline, holders and the steps the viewer may take.
#[utoipa::path(get, path = "/api/v1/deliveries/{id}/route", tag = "route", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = MatterView), (status = 404, body = ApiError)))]
pub async fn matter(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<MatterView>> {
    Ok(Json(state.correspondence.matter(&actor, &id).await?))
}

/// The latest routed copy of the letter: the received PDF with every minute so far, each an
/// incremental update (earlier copies are byte-exact prefixes).
#[utoipa::path(get, path = "/api/v1/deliveries/{id}/routed", tag = "route", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, content_type = "application/pdf"), (status = 404, body = ApiError)))]
pub async fn routed(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let (sha, bytes) = state.correspondence.routed_copy(&actor, &id).await?;
    let headers = super::letters::document_headers(sarabun_routing::media::PDF, "routed.pdf", &sha)?;
    Ok((headers, bytes).into_response())
}

/// Which work list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct WorkQuery {
    /// `mine` (default): what waits for me and whoever I stand in for; `unit`: the units I head.
    pub scope: Option<String>,
}

/// A work list (งานของฉัน), most urgent and oldest first.
#[utoipa::path(get, path = "/api/v1/work", tag = "route", security(("bearer" = [])), params(WorkQuery),
    responses((status = 200, body = Vec<WorkItem>), (status = 400, body = ApiError)))]
pub async fn work(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiQuery(query): ApiQuery<WorkQuery>,
) -> ApiResult<Json<Vec<WorkItem>>> {
    let scope = match query.scope.as_deref() {
        None | Some("mine") => WorkScope::Mine,
        Some("unit") => WorkScope::MyUnits,
        Some(other) => return Err(ApiError::invalid_query(format!("scope must be mine or unit, not {other:?}"))),
    };
    Ok(Json(state.correspondence.work(&actor, scope).await?))
}

/// The office's open matters by unit and age (เรื่องค้าง).
#[utoipa::path(get, path = "/api/v1/office/backlog", tag = "route", security(("bearer" = [])),
    responses((status = 200, body = OfficeBacklog), (status = 403, body = ApiError)))]
pub async fn backlog(State(state): State<AppState>, CurrentUser(actor): CurrentUser) -> ApiResult<Json<OfficeBacklog>> {
    Ok(Json(state.correspondence.office_backlog(&actor).await?))
}

/// The office's units, people, stand-ins and files.
#[utoipa::path(get, path = "/api/v1/office/structure", tag = "route", security(("bearer" = [])),
    responses((status = 200, body = OfficeStructure), (status = 403, body = ApiError)))]
pub async fn structure(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<OfficeStructure>> {
    Ok(Json(state.correspondence.office_structure(&actor).await?))
}

/// A unit to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnitBody {
    pub code: String,
    pub name_th: String,
    #[schema(value_type = schema::UnitKind)]
    pub kind: UnitKind,
    pub parent: Option<String>,
}

fn own_office(actor: &sarabun_routing::Actor) -> OfficeCode {
    actor.office_code.clone()
}

/// Adds a unit to the office (office admin).
#[utoipa::path(post, path = "/api/v1/office/units", tag = "route", security(("bearer" = [])), request_body = UnitBody,
    responses((status = 201, body = UnitView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_unit(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(b): ApiJson<UnitBody>,
) -> ApiResult<(StatusCode, Json<UnitView>)> {
    let input = NewUnit { code: b.code, name_th: b.name_th, kind: b.kind, parent: b.parent };
    let unit = state.correspondence.create_unit(&own_office(&actor), input, Some(&actor)).await?;
    Ok((StatusCode::CREATED, Json(unit)))
}

/// Where to place a person.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlacementBody {
    /// The unit's code; absent for the office itself (head, deputies).
    pub unit: Option<String>,
    #[schema(value_type = schema::Authority)]
    pub authority: Authority,
}

/// Places a person of the office in a unit with an authority (office admin).
#[utoipa::path(put, path = "/api/v1/office/placements/{username}", tag = "route", security(("bearer" = [])),
    params(("username" = String, Path)), request_body = PlacementBody,
    responses((status = 204), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn place(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(b): ApiJson<PlacementBody>,
) -> ApiResult<StatusCode> {
    let placement = Placement { unit: b.unit, authority: b.authority };
    state.correspondence.place_person(&own_office(&actor), &username, placement, Some(&actor)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Someone to stand in for an absent person.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StandInBody {
    pub absent: String,
    pub stand_in: String,
    #[schema(value_type = schema::StandInKind)]
    pub kind: StandInKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Sets someone to stand in for an absent person (office admin, or the absent person).
#[utoipa::path(post, path = "/api/v1/office/stand-ins", tag = "route", security(("bearer" = [])), request_body = StandInBody,
    responses((status = 201, body = StandInView), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn stand_in(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(b): ApiJson<StandInBody>,
) -> ApiResult<(StatusCode, Json<StandInView>)> {
    let input =
        NewStandIn { absent: b.absent, stand_in: b.stand_in, kind: b.kind, starts_at: b.starts_at, ends_at: b.ends_at };
    Ok((StatusCode::CREATED, Json(state.correspondence.set_stand_in(&actor, input).await?)))
}

/// A file (แฟ้ม) to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FolderBody {
    pub code: String,
    pub name_th: String,
}

/// Adds a file to the office (office admin).
#[utoipa::path(post, path = "/api/v1/office/folders", tag = "route", security(("bearer" = [])), request_body = FolderBody,
    responses((status = 201, body = FolderView), (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create_folder(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(b): ApiJson<FolderBody>,
) -> ApiResult<(StatusCode, Json<FolderView>)> {
    let folder = state
        .correspondence
        .create_folder(&own_office(&actor), NewFolder { code: b.code, name_th: b.name_th }, Some(&actor))
        .await?;
    Ok((StatusCode::CREATED, Json(folder)))
}

/// Whose waiting work to hand to whom.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HandoverBody {
    pub from: String,
    pub to: String,
    pub note: Option<String>,
}

/// Hands every waiting task of a person (who leaves or moves) to another (office admin).
#[utoipa::path(post, path = "/api/v1/office/handover", tag = "route", security(("bearer" = [])), request_body = HandoverBody,
    responses((status = 200, body = HandedOver), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn handover(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(b): ApiJson<HandoverBody>,
) -> ApiResult<Json<HandedOver>> {
    Ok(Json(state.correspondence.hand_over(&actor, &b.from, &b.to, b.note).await?))
}

/// Registers the signed-in person's signature image (multipart part `file`, PNG or JPEG, at most
/// 1 MiB), drawn beside their name on the minutes they write.
#[utoipa::path(put, path = "/api/v1/me/signature-image", tag = "route", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "one part named `file`"),
    responses((status = 204), (status = 400, body = ApiError), (status = 413, body = ApiError), (status = 422, body = ApiError)))]
pub async fn signature_image(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<StatusCode> {
    let mut multipart = multipart.map_err(|e| ApiError::invalid_multipart(e.body_text()))?;
    let limit = SIGNATURE_IMAGE_MAX_BYTES as u64;
    let too_large = || ApiError::from(sarabun_routing::RoutingError::TooLarge { limit });
    let broken = |e: axum::extract::multipart::MultipartError| super::letters::multipart_error(&e, limit);
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            if bytes.len() + chunk.len() > SIGNATURE_IMAGE_MAX_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        state.correspondence.set_signature_image(&actor, bytes).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    Err(ApiError::invalid_multipart("no part named file"))
}
