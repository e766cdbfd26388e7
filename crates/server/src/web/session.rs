//! Signing in and out in the browser, and the language switch. The sign-in form has no session to
//! derive a CSRF token from, so it carries a random one that must match a short-lived cookie set with
//! the form (double submit): another site cannot sign a browser in under its own account.

use super::i18n::LANG_COOKIE;
use super::render::{Notice, Page, WebError};
use super::{Lang, Viewer, check_csrf};
use crate::AppState;
use crate::api::session::{cookie, open_session};
use crate::auth::{cookie_value, request_token_cookie};
use crate::client::ClientAddress;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

const SIGN_IN_COOKIE: &str = "sarabun_signin";

/// Where to go after signing in or switching language: only a path on this node, never another site.
/// Browsers forgive a lot in a `Location` (`/<tab>/evil.example` and `/\evil.example` both lead to
/// another host), so the rule is strict and is checked on the value and again after percent-decoding
/// it: one leading `/`, not followed by `/` or `\`, no backslash, space or control character
/// anywhere, at most 2,000 bytes. Anything else goes to `/`.
pub(super) fn local_path(next: Option<&str>) -> String {
    fn same_site(path: &str) -> bool {
        path.len() <= 2000
            && path.starts_with('/')
            && !matches!(path.as_bytes().get(1), Some(b'/' | b'\\'))
            && !path.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    }
    match next {
        Some(p) if same_site(p) && same_site(&percent_encoding::percent_decode_str(p).decode_utf8_lossy()) => {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

#[derive(Serialize)]
struct SignInData<'a> {
    next: &'a str,
    username: &'a str,
    signed_in_as: Option<String>,
}

fn sign_in_form(
    state: &AppState,
    lang: Lang,
    next: &str,
    username: &str,
    signed_in_as: Option<String>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let nonce = sarabun_routing::new_token().map_err(|e| WebError::from_api(e.into(), lang))?;
    let secure = if state.settings.server.cookie_secure { "; Secure" } else { "" };
    let set = format!("{SIGN_IN_COOKIE}={nonce}; Path=/signin; HttpOnly; SameSite=Strict; Max-Age=3600{secure}");
    let mut response = Page::new("signin.html", "signin", "/signin").notice(notice).status(status).render_anonymous(
        lang,
        &nonce,
        SignInData { next, username, signed_in_as },
    )?;
    response.headers_mut().append(SET_COOKIE, HeaderValue::from_str(&set).map_err(|e| WebError::internal(e, lang))?);
    Ok(response)
}

/// The sign-in form.
pub async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: Result<Viewer, Response>,
    Query(q): Query<Next>,
) -> Result<Response, WebError> {
    let lang = Lang::from_headers(&headers);
    let signed_in_as = viewer.ok().map(|v| format!("{} ({})", v.actor.full_name, v.actor.username));
    let next = local_path(q.next.as_deref());
    sign_in_form(&state, lang, &next, "", signed_in_as, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

/// Checks the password and opens a session; wrong credentials show the form again with the message.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientAddress,
    Form(form): Form<SignInForm>,
) -> Result<Response, WebError> {
    let lang = Lang::from_headers(&headers);
    let next = local_path(form.next.as_deref());
    let expected = cookie_value(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if super::cross_site(&headers) || expected.is_empty() || !super::same_token(&expected, &form.csrf) {
        return Err(WebError::csrf(lang));
    }
    let session = match open_session(&state, &form.username, &form.password, client).await {
        Ok(session) => session,
        // A wrong password, a locked account, a busy node and a directory that refused or did not
        // answer all show the form again, with the message, the API's status and its Retry-After.
        Err(e)
            if matches!(
                e.code,
                "bad_credentials"
                    | "too_many_attempts"
                    | "busy"
                    | "directory_unavailable"
                    | "directory_no_role"
                    | "directory_unknown_office"
            ) =>
        {
            let notice = Notice::error(lang.pick(&e.message_th, &e.message));
            let mut response = sign_in_form(&state, lang, &next, form.username.trim(), None, Some(notice), e.status)?;
            if let Some(seconds) = e.retry_after {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
            }
            return Ok(response);
        }
        Err(e) => return Err(WebError::from_api(e, lang)),
    };
    let mut response = Redirect::to(&next).into_response();
    let session = cookie(&state, &session.token, state.settings.server.session_hours * 3600)
        .map_err(|e| WebError::from_api(e, lang))?;
    response.headers_mut().append(SET_COOKIE, session);
    response.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_static("sarabun_signin=; Path=/signin; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Ends the session and clears the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    check_csrf(&viewer, &headers, &form.csrf)?;
    if let Some(token) = request_token_cookie(&headers) {
        state
            .correspondence
            .close_session(&viewer.actor, &token)
            .await
            .map_err(|e| WebError::internal(e, viewer.lang))?;
    }
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().append(SET_COOKIE, cookie(&state, "", 0).map_err(|e| WebError::from_api(e, viewer.lang))?);
    Ok(response)
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Remembers the chosen language for a year and returns to the page it was chosen on.
pub async fn switch_language(Path(lang): Path<String>, Query(q): Query<Back>) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let mut response = Redirect::to(&local_path(q.back.as_deref())).into_response();
    let set = format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code());
    if let Ok(value) = HeaderValue::from_str(&set) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_node_are_followed() {
        for good in ["/", "/inbox", "/letters/0191?x=1", "/registers/receive/2569#top", "/%E0%B8%81"] {
            assert_eq!(local_path(Some(good)), good, "{good}");
        }
        for bad in [
            "/\t/evil.example",
            "/%09/evil.example",
            "//evil.example",
            "/\\evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "https://evil.example",
            "evil.example",
            "/ /evil.example",
            "/\n/evil.example",
            "/a\\b",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
        assert_eq!(local_path(Some(&format!("/{}", "a".repeat(3000)))), "/");
    }
}
