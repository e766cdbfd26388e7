//! Signing in and out, and who am I.

use crate::AppState;
use crate::auth::{CurrentUser, SESSION_COOKIE};
use crate::client::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::SET_COOKIE};
use chrono::{DateTime, Duration, Utc};
use sarabun_routing::{MeView, OpenedSession};
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

/// Signs in through routing (its throttle and hashing bound: `bad_credentials`,
/// `too_many_attempts` or `busy` otherwise) and opens a session lasting `server.session_hours`.
pub(crate) async fn open_session(
    state: &AppState,
    username: &str,
    password: &str,
    client: ClientAddress,
) -> ApiResult<OpenedSession> {
    let lifetime = Duration::hours(state.settings.server.session_hours);
    Ok(state.correspondence.open_session(username, password, client.0, lifetime).await?)
}

/// Signs in with a user name and password.
/// After repeated failures the account (or the client address) is locked for a while: `429
/// too_many_attempts` with `Retry-After`, before the password is checked. `429 busy` when the node
/// is checking as many passwords as it has cores and none finishes in time. With directory sign-in
/// on, a person who is not a local account is checked by the ministry's directory: `403` when it
/// knows them but Sarabun cannot place them, `503 directory_unavailable` when it cannot be asked
/// (never a fall-back to a local password).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 201, body = SessionCreated),
        (status = 400, body = ApiError, description = "`invalid_json`: the body is not a sign-in"),
        (status = 401, body = ApiError, description = "`bad_credentials`: wrong user name or password, or an \
            inactive account (one answer for all, from the directory too)"),
        (status = 403, body = ApiError, description = "directory sign-in only: `directory_no_role` (in no group \
            that gives a role) or `directory_unknown_office` (the directory's office code is no office here)"),
        (status = 413, body = ApiError, description = "`body_too_large`"),
        (status = 415, body = ApiError, description = "`unsupported_media_type`: send `application/json`"),
        (status = 429, body = ApiError, description = "`too_many_attempts` or `busy`; see Retry-After"),
        (status = 503, body = ApiError, description = "directory sign-in only: `directory_unavailable`, the \
            directory cannot be reached; try again later")))]
pub async fn sign_in(
    State(state): State<AppState>,
    client: ClientAddress,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<SessionCreated>)> {
    let session = open_session(&state, &body.username, &body.password, client).await?;
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, cookie(&state, &session.token, state.settings.server.session_hours * 3600)?);
    let user = session.signed_in.me();
    Ok((
        StatusCode::CREATED,
        headers,
        Json(SessionCreated { token: session.token, expires_at: session.expires_at, user }),
    ))
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
        state.correspondence.close_session(&actor, &token).await?;
    }
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, cookie(&state, "", 0)?);
    Ok((StatusCode::NO_CONTENT, out))
}

/// The signed-in person.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = ApiError)))]
pub async fn me(State(state): State<AppState>, CurrentUser(actor): CurrentUser) -> ApiResult<Json<MeView>> {
    Ok(Json(state.correspondence.me(&actor).await?))
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
    state.correspondence.set_digest(&actor, body.digest).await?;
    Ok(StatusCode::NO_CONTENT)
}
