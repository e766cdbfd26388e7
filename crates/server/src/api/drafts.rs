//! Drafting and signing: drafts with their versions (PDF, or DOCX/ODT converted by the node), the
//! steps of their chain (submit, comment, return, initial, withdraw), signing with the signer's own
//! PIN, the signer's signing key (a PIN set, or a PKCS#12 file imported), the PDF signatures on a
//! sent letter, and the node's certificate authority root.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sarabun_domain::ChainRole;
use sarabun_routing::draft::{DraftFile, DraftList, DraftView, SignatureView, SigningKeyView};
use sarabun_routing::{ChainInput, DraftStepInput, RoutingError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The parts of a draft upload: `fields` (JSON, when starting a draft) and `file`.
struct DraftUpload {
    fields: Option<super::wire::DraftFields>,
    file: Option<DraftFile>,
    texts: Vec<(String, String)>,
}

/// Reads a multipart draft upload, bounded by the node's upload limit.
async fn read_upload(
    state: &AppState,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<DraftUpload, ApiError> {
    let mut multipart = multipart.map_err(|e| ApiError::invalid_multipart(e.body_text()))?;
    let limit = state.correspondence.limits().max_upload_bytes;
    let broken = |e: axum::extract::multipart::MultipartError| super::letters::multipart_error(&e, limit);
    let mut upload = DraftUpload { fields: None, file: None, texts: Vec::new() };
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let cap = if name == "file" { limit } else { 64 * 1024 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            if (bytes.len() + chunk.len()) as u64 > cap {
                return Err(RoutingError::TooLarge { limit: cap }.into());
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => {
                let filename = filename.unwrap_or_else(|| "draft.pdf".into());
                upload.file = Some(DraftFile { filename, bytes: bytes.into() });
            }
            "fields" => {
                let fields = serde_json::from_slice(&bytes).map_err(|e| {
                    ApiError::from(RoutingError::Field {
                        field: "fields",
                        message: format!("not the draft's fields: {e}"),
                    })
                })?;
                upload.fields = Some(fields);
            }
            other => {
                let text = String::from_utf8(bytes).map_err(|_| {
                    ApiError::from(RoutingError::Field { field: "form", message: "a text part is not UTF-8".into() })
                })?;
                upload.texts.push((other.to_owned(), text));
            }
        }
    }
    Ok(upload)
}

fn missing(part: &'static str) -> ApiError {
    ApiError::invalid_multipart(format!("no part named {part}"))
}

/// Starts a draft: multipart with a part `fields` (the letter's fields, JSON) and a part `file`
/// (PDF, DOCX or ODT; DOCX/ODT are converted to PDF by the node's LibreOffice).
#[utoipa::path(post, path = "/api/v1/drafts", tag = "drafts", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "parts `fields` (JSON DraftFields) and `file`"),
    responses((status = 201, body = DraftView), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError), (status = 503, body = ApiError)))]
pub async fn start(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<DraftView>)> {
    let upload = read_upload(&state, multipart).await?;
    let fields = upload.fields.ok_or_else(|| missing("fields"))?;
    let file = upload.file.ok_or_else(|| missing("file"))?;
    let view = state.correspondence.start_draft(&actor, fields.into(), file).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The drafts the signed-in person wrote and those waiting for them.
#[utoipa::path(get, path = "/api/v1/drafts", tag = "drafts", security(("bearer" = [])),
    responses((status = 200, body = DraftList), (status = 403, body = ApiError)))]
pub async fn list(State(state): State<AppState>, CurrentUser(actor): CurrentUser) -> ApiResult<Json<DraftList>> {
    Ok(Json(state.correspondence.drafts(&actor).await?))
}

/// One draft: fields, chain, versions, routing record and the steps the person may take.
#[utoipa::path(get, path = "/api/v1/drafts/{id}", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = DraftView), (status = 404, body = ApiError)))]
pub async fn draft(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<DraftView>> {
    Ok(Json(state.correspondence.draft(&actor, &id).await?))
}

/// A new version of a draft (multipart part `file`, and `fields` when they change too), while it
/// is with its drafter.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/versions", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content_type = "multipart/form-data", description = "a part `file`, and optionally `fields` (JSON DraftFields)"),
    responses((status = 201, body = DraftView), (status = 403, body = ApiError), (status = 409, body = ApiError),
        (status = 413, body = ApiError), (status = 415, body = ApiError), (status = 422, body = ApiError)))]
pub async fn revise(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<DraftView>)> {
    let upload = read_upload(&state, multipart).await?;
    let file = upload.file.ok_or_else(|| missing("file"))?;
    let fields = upload.fields.map(Into::into);
    Ok((StatusCode::CREATED, Json(state.correspondence.revise_draft(&actor, &id, file, fields).await?)))
}

/// Which file of a version to download.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The uploaded DOCX/ODT instead of its PDF.
    #[serde(default)]
    pub original: bool,
}

/// One version of a draft: its PDF, or with `original=true` the DOCX/ODT it was converted from.
#[utoipa::path(get, path = "/api/v1/drafts/{id}/versions/{number}", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path), ("number" = i32, Path), VersionQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = ApiError)))]
pub async fn version(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath((id, number)): ApiPath<(String, i32)>,
    ApiQuery(query): ApiQuery<VersionQuery>,
) -> ApiResult<Response> {
    let (bytes, name, media) = state.correspondence.draft_version(&actor, &id, number, query.original).await?;
    let sha = sarabun_signing::sha256_hex(&bytes);
    Ok((super::letters::document_headers(&media, &name, &sha)?, bytes).into_response())
}

/// One person on the chain.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainPlaceBody {
    pub username: String,
    #[schema(value_type = String, example = "reviewer")]
    pub role: ChainRole,
}

/// เสนอร่าง: the chain, reviewers in order and the signer last.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    pub chain: Vec<ChainPlaceBody>,
    pub note: Option<String>,
}

/// A comment, or the reason for returning a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    pub text: String,
}

/// An optional note (initialling, withdrawing).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub note: Option<String>,
}

async fn step(
    state: &AppState,
    actor: &sarabun_routing::Actor,
    id: &str,
    input: DraftStepInput,
) -> ApiResult<Json<DraftView>> {
    Ok(Json(state.correspondence.draft_step(actor, id, input).await?))
}

/// Sends the draft up its chain (เสนอร่าง).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/submit", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SubmitBody,
    responses((status = 200, body = DraftView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn submit(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SubmitBody>,
) -> ApiResult<Json<DraftView>> {
    let chain = body.chain.into_iter().map(|c| ChainInput { username: c.username, role: c.role }).collect();
    step(&state, &actor, &id, DraftStepInput::Submit { chain, note: body.note }).await
}

/// A comment by the person the draft is with; the draft stays with them.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/comment", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TextBody,
    responses((status = 200, body = DraftView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn comment(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TextBody>,
) -> ApiResult<Json<DraftView>> {
    step(&state, &actor, &id, DraftStepInput::Comment { text: body.text }).await
}

/// Returns the draft to its drafter for revision, saying why (ส่งคืนแก้ไข).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/return", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = TextBody,
    responses((status = 200, body = DraftView), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn give_back(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TextBody>,
) -> ApiResult<Json<DraftView>> {
    step(&state, &actor, &id, DraftStepInput::Return { reason: body.text }).await
}

/// Initials the draft and passes it up (ลงนามย่อ).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/initial", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NoteBody,
    responses((status = 200, body = DraftView), (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn initial(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Json<DraftView>> {
    step(&state, &actor, &id, DraftStepInput::Initial { note: body.note }).await
}

/// Gives the draft up (its drafter).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/withdraw", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NoteBody,
    responses((status = 200, body = DraftView), (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn withdraw(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Json<DraftView>> {
    step(&state, &actor, &id, DraftStepInput::Withdraw { reason: body.note }).await
}

/// ลงนาม: the version signed (the one the signer looked at) and the signer's PIN.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignBody {
    pub version: i32,
    pub pin: String,
}

/// Signs the draft with the signer's own signature, numbers it from the send register (the
/// number and date written on the letter) and sends it.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/sign", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SignBody,
    responses((status = 200, body = DraftView), (status = 403, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn sign(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SignBody>,
) -> ApiResult<Json<DraftView>> {
    Ok(Json(state.correspondence.sign_draft(&actor, &id, body.version, &body.pin).await?))
}

/// The signed-in person's signing key, if they set a PIN.
#[utoipa::path(get, path = "/api/v1/me/signing-key", tag = "drafts", security(("bearer" = [])),
    responses((status = 200, body = SigningKeyView), (status = 404, body = ApiError)))]
pub async fn signing_key(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<SigningKeyView>> {
    let key = state.correspondence.signing_key(&actor).await?.ok_or(RoutingError::NotFound("signing key"))?;
    Ok(Json(key))
}

/// Sets the signing PIN: needs the sign-in password again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    pub password: String,
    pub pin: String,
}

/// Sets the signed-in person's signing PIN: a new key and certificate from the node's CA, sealed
/// under the PIN; replaces an earlier key.
#[utoipa::path(put, path = "/api/v1/me/signing-key", tag = "drafts", security(("bearer" = [])), request_body = EnrolBody,
    responses((status = 200, body = SigningKeyView), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn enrol(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<EnrolBody>,
) -> ApiResult<Json<SigningKeyView>> {
    Ok(Json(state.correspondence.enrol_signing_key(&actor, &body.password, &body.pin).await?))
}

/// Imports a key and certificate from an external CA: multipart with parts `file` (PKCS#12),
/// `pkcs12_password`, `password` (sign-in) and `pin`.
#[utoipa::path(post, path = "/api/v1/me/signing-key/pkcs12", tag = "drafts", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "parts `file`, `pkcs12_password`, `password`, `pin`"),
    responses((status = 200, body = SigningKeyView), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
pub async fn import_pkcs12(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<SigningKeyView>> {
    let upload = read_upload(&state, multipart).await?;
    let file = upload.file.ok_or_else(|| missing("file"))?;
    let text = |name: &'static str| {
        upload.texts.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).ok_or_else(|| missing(name))
    };
    let view = state
        .correspondence
        .import_signing_key(&actor, &text("password")?, &file.bytes, &text("pkcs12_password")?, &text("pin")?)
        .await?;
    Ok(Json(view))
}

/// The PDF signatures on a letter's body, each checked against the node's CA.
#[utoipa::path(get, path = "/api/v1/letters/{id}/signatures", tag = "drafts", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<SignatureView>), (status = 404, body = ApiError)))]
pub async fn signatures(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<SignatureView>>> {
    Ok(Json(state.correspondence.letter_signatures(&actor, &id).await?))
}

/// The node's certificate authority root (PEM): import it to check signers' signatures.
#[utoipa::path(get, path = "/.well-known/sarabun-ca.pem", tag = "drafts",
    responses((status = 200, content_type = "application/x-pem-file")))]
pub async fn ca(State(state): State<AppState>) -> ApiResult<Response> {
    let pem = state.correspondence.ca_pem().await?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/x-pem-file"))], pem).into_response())
}
