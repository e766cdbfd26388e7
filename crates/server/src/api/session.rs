//! Signing in and out, and who am I.

use crate::AppState;
use crate::auth::{CurrentUser, SESSION_COOKIE, actor_for, new_token, token_digest};
use crate::client::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::SET_COOKIE};
use chrono::{DateTime, Duration, Utc};
use sarabun_registry::directory;
use sarabun_registry::entity::user;
use sarabun_routing::{MeView, OfficeRef};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// A new session.
#[derive(Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`; browsers get it as a cookie too.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: MeView,
}

/// The session cookie carrying `value` for `max_age` seconds (0 clears it).
pub(crate) fn cookie(state: &AppState, value: &str, max_age: i64) -> Result<HeaderValue, ApiError> {
    let secure = if state.settings.server.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .map_err(ApiError::internal)
}

/// The active user with this name (any ASCII case) and password, through the routing sign-in with
/// its throttle and hashing bound: `bad_credentials`, `too_many_attempts` or `busy` otherwise.
pub(crate) async fn check_credentials(
    state: &AppState,
    username: &str,
    password: &str,
    client: ClientAddress,
) -> ApiResult<user::Model> {
    Ok(state.correspondence.sign_in(username, password, client.0).await?)
}

/// Opens a session for `user`: its token and when it ends.
pub(crate) async fn open_session(state: &AppState, user: &user::Model) -> ApiResult<(String, DateTime<Utc>)> {
    let token = new_token()?;
    let now = state.correspondence.clock().now();
    let expires_at = now + Duration::hours(state.settings.server.session_hours);
    directory::insert_session(state.correspondence.db(), token_digest(&token), &user.id, now, expires_at)
        .await
        .map_err(ApiError::internal)?;
    tracing::info!(user = %user.username, "signed in");
    Ok((token, expires_at))
}

/// Signs in with a user name and password.
/// After repeated failures the account (or the client address) is locked for a while: `429
/// too_many_attempts` with `Retry-After`, before the password is checked. `429 busy` when the node
/// is checking as many passwords as it has cores and none finishes in time.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 201, body = SessionCreated), (status = 401, body = ApiError),
        (status = 429, body = ApiError, description = "`too_many_attempts` or `busy`; see Retry-After")))]
pub async fn sign_in(
    State(state): State<AppState>,
    client: ClientAddress,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<SessionCreated>)> {
    let user = check_credentials(&state, &body.username, &body.password, client).await?;
    let actor = actor_for(&state, &user).await?;
    let (token, expires_at) = open_session(&state, &user).await?;
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, cookie(&state, &token, state.settings.server.session_hours * 3600)?);
    let me = me_view(&state, actor).await?;
    Ok((StatusCode::CREATED, headers, Json(SessionCreated { token, expires_at, user: me })))
}

/// Ends the current session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn sign_out(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, HeaderMap)> {
    if let Some(token) = crate::auth::request_token(&headers) {
        directory::delete_session(state.correspondence.db(), &token_digest(&token))
            .await
            .map_err(ApiError::internal)?;
    }
    tracing::info!(user = %actor.username, "signed out");
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, cookie(&state, "", 0)?);
    Ok((StatusCode::NO_CONTENT, out))
}

async fn me_view(state: &AppState, actor: sarabun_routing::Actor) -> ApiResult<MeView> {
    let office = directory::office_by_id(state.correspondence.db(), &actor.office_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(MeView {
        username: actor.username,
        full_name: actor.full_name,
        office: OfficeRef { code: office.code, name_th: office.name_th, name_en: office.name_en },
        roles: actor.roles,
        clearance: actor.clearance,
    })
}

/// The signed-in person.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = ApiError)))]
pub async fn me(State(state): State<AppState>, CurrentUser(actor): CurrentUser) -> ApiResult<Json<MeView>> {
    Ok(Json(me_view(&state, actor).await?))
}

/// How new urgent and normal letters are announced to the signed-in person.
#[derive(Deserialize, ToSchema)]
pub struct NotificationPreference {
    /// In the digest at the configured times (true), or at once (false). Most urgent and very urgent
    /// letters are always announced at once.
    pub digest: bool,
}

/// Chooses immediate e-mails or digests for oneself.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "session", security(("bearer" = [])), request_body = NotificationPreference,
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn set_notifications(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiJson(body): ApiJson<NotificationPreference>,
) -> ApiResult<StatusCode> {
    directory::set_notify(state.correspondence.db(), &actor.user_id, body.digest).await.map_err(ApiError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}
