//! Who is asking. A sign-in exchanges a user name and password for a random session token, given both
//! as a bearer token (API clients) and as an HttpOnly, SameSite=Strict cookie (browsers; on the API it
//! only reads, since it carries no CSRF token — the web pages' forms carry theirs). Only the
//! token's SHA-256 is stored, so a copy of the database opens no sessions. `CurrentUser` is the
//! extractor every protected handler takes: without a valid session the request ends with 401.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sarabun_domain::OfficeCode;
use sarabun_registry::directory;
use sarabun_registry::entity::{office, user};
use sarabun_routing::Actor;
use sha2::{Digest, Sha256};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "sarabun_session";

/// The signed-in person making this request.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Actor);

/// A fresh session token: 32 random bytes, base64url.
pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a token.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The session token of a request: the bearer token, else the session cookie.
pub fn request_token(headers: &axum::http::HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(|t| t.trim().to_owned());
    }
    request_token_cookie(headers)
}

/// The session token in the session cookie, if any.
pub fn request_token_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie_value(headers, SESSION_COOKIE)
}

/// The value of the cookie `name`, if the request carries it.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name && !value.is_empty()).then(|| value.to_owned())
    })
}

/// Builds the actor for a stored user.
pub async fn actor_for(state: &AppState, user: &user::Model) -> Result<Actor, ApiError> {
    Ok(actor_and_office(state, user).await?.0)
}

/// Builds the actor for a stored user, with their office (pages show its name).
pub async fn actor_and_office(state: &AppState, user: &user::Model) -> Result<(Actor, office::Model), ApiError> {
    let db = state.correspondence.db();
    let office = directory::office_by_id(db, &user.office_id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(ApiError::unauthenticated)?;
    let actor = Actor {
        user_id: user.id.clone(),
        username: user.username.clone(),
        full_name: user.full_name.clone(),
        office_id: office.id.clone(),
        office_code: OfficeCode::parse(&office.code).map_err(ApiError::internal)?,
        roles: directory::roles_of(user).map_err(ApiError::internal)?,
        clearance: directory::clearance_of(user).map_err(ApiError::internal)?,
    };
    Ok((actor, office))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = request_token(&parts.headers).ok_or_else(ApiError::unauthenticated)?;
        // The cookie lets a browser read the API (documents in the letter page's viewer, CSV, receipts)
        // but carries no CSRF token, so it changes nothing: that takes the bearer token, or a page's form.
        let by_cookie = !parts.headers.contains_key(AUTHORIZATION);
        if by_cookie && !matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "bearer_token_required",
                "Send the session as Authorization: Bearer <token> to change anything; the cookie only reads.",
                "การแก้ไขข้อมูลผ่าน API ต้องส่งโทเคนในส่วนหัว Authorization",
            ));
        }
        let now = state.correspondence.clock().now();
        let user = directory::session_user(state.correspondence.db(), &token_digest(&token), now)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(ApiError::unauthenticated)?;
        let actor = actor_for(state, &user).await?;
        tracing::Span::current().record("user", actor.username.as_str());
        Ok(CurrentUser(actor))
    }
}
