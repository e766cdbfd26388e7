//! The office directory and the published keys; creating offices and people for system admins.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use sarabun_domain::{OfficeCode, Role, Secrecy};
use sarabun_routing::{GrantView, NewOfficeInput, NewUserInput, OfficeView, schema};
use sarabun_signing::Jwks;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Which offices to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficesQuery {
    /// Offices whose code, Thai name or English name contains this (at most 100 characters; Latin
    /// letters in either case): at most `per_page` of them (1–20, default 20), by code, for a
    /// field that suggests offices as a clerk types.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Every office by code, for choosing recipients; with `page` or `per_page`, one page of them and
/// the number of offices in the `X-Total-Count` header; with `q`, the few offices that contain it.
#[utoipa::path(get, path = "/api/v1/offices", tag = "directory", security(("bearer" = [])), params(OfficesQuery),
    responses((status = 200, body = Vec<OfficeView>,
        headers(("X-Total-Count" = u64, description = "How many offices there are, when a page was asked for"))),
        (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn offices(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiQuery(p): ApiQuery<OfficesQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<OfficeView>>)> {
    if let Some(q) = &p.q {
        if p.page.is_some_and(|page| page != 1) {
            return Err(ApiError::invalid_query("q gives one page of suggestions: leave out page"));
        }
        return Ok((HeaderMap::new(), Json(state.correspondence.find_offices(q, p.per_page).await?)));
    }
    if p.page.is_none() && p.per_page.is_none() {
        return Ok((HeaderMap::new(), Json(state.correspondence.offices().await?)));
    }
    let (page, total) = state.correspondence.offices_page(p.page, p.per_page).await?;
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(total));
    Ok((headers, Json(page)))
}

/// The public keys of every office (RFC 7517 JWK Set), also those retired, so old receipts verify.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "directory", responses((status = 200, body = Jwks)))]
pub async fn jwks(State(state): State<AppState>) -> ApiResult<Json<Jwks>> {
    Ok(Json(state.correspondence.jwks().await?))
}

/// An office to create.
#[derive(Deserialize, ToSchema)]
pub struct CreateOffice {
    /// Letter code, e.g. `กค 0410`.
    pub code: String,
    pub name_th: String,
    pub name_en: String,
    /// The parent office's code.
    pub parent: Option<String>,
    pub inbox_email: String,
}

/// Creates an office with its signing key (system admins).
#[utoipa::path(post, path = "/api/v1/offices", tag = "directory", security(("bearer" = [])), request_body = CreateOffice,
    responses((status = 201, body = OfficeView), (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create_office(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<CreateOffice>,
) -> ApiResult<(StatusCode, Json<OfficeView>)> {
    let office = state
        .correspondence
        .create_office(
            NewOfficeInput {
                code: OfficeCode::parse(&body.code)?,
                name_th: body.name_th,
                name_en: body.name_en,
                parent: body.parent.as_deref().map(OfficeCode::parse).transpose()?,
                inbox_email: body.inbox_email,
            },
            Some(&actor),
        )
        .await?;
    let view = state
        .correspondence
        .offices()
        .await?
        .into_iter()
        .find(|o| o.id == office.id)
        .ok_or_else(|| ApiError::internal("office vanished"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A person to create.
#[derive(Deserialize, ToSchema)]
pub struct CreateUser {
    pub office: String,
    pub username: String,
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub password: String,
    #[schema(value_type = Vec<schema::Role>)]
    pub roles: Vec<Role>,
    #[schema(value_type = schema::Secrecy)]
    pub clearance: Secrecy,
    /// Urgent and normal letters in a digest rather than at once.
    #[serde(default)]
    pub digest: bool,
}

/// The created person (never the password or its hash).
#[derive(serde::Serialize, ToSchema)]
pub struct UserCreated {
    pub id: String,
    /// As stored: trimmed and lower-cased.
    pub username: String,
    /// The auditor or system-admin role or the clearance asked for, which another system admin
    /// must approve (`POST /api/v1/grants/{id}/approve`) before the person holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_grant: Option<GrantView>,
}

/// Creates a person (system admins). Names are normalised (Unicode NFC, trimmed; no control or
/// invisible format characters), the e-mail address must parse as one, and the user name is ASCII,
/// unique without regard to case and stored lower-cased. The auditor and system-admin roles and any
/// clearance above `none` are not given at once but proposed, for a second system admin to approve.
#[utoipa::path(post, path = "/api/v1/users", tag = "directory", security(("bearer" = [])), request_body = CreateUser,
    responses((status = 201, body = UserCreated), (status = 403, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn create_user(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserCreated>)> {
    let (user, pending_grant) = state
        .correspondence
        .create_user(
            NewUserInput {
                office: OfficeCode::parse(&body.office)?,
                username: body.username,
                full_name: body.full_name,
                position: body.position,
                email: body.email,
                password: body.password,
                roles: body.roles,
                clearance: body.clearance,
                digest: body.digest,
            },
            Some(&actor),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UserCreated { id: user.id, username: user.username, pending_grant })))
}
