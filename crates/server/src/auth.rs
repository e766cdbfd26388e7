//! Who is asking. A sign-in exchanges a user name and password for a random session token, given both
//! as a bearer token (API clients) and as an HttpOnly, SameSite=Strict cookie (browsers; on the API it
//! only reads, since it carries no CSRF token — the web pages' forms carry theirs). Only the
//! token's SHA-256 is stored (`sarabun_routing` resolves tokens), so a copy of the database opens no
//! sessions. `CurrentUser` is the extractor every protected handler takes: without a valid session
//! the request ends with 401.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use sarabun_routing::Actor;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "sarabun_session";

/// The signed-in person making this request.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Actor);

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
        let actor = state.correspondence.session(&token).await?.actor;
        tracing::Span::current().record("user", actor.username.as_str());
        Ok(CurrentUser(actor))
    }
}
