//! The web interface: server-rendered, Thai-first pages for clerks, executives and auditors, served by
//! the same node as the API and calling the same `sarabun-routing` functions, so a page can never
//! show or do more than the API allows. Templates and assets are compiled into the binary (no build
//! step); a few lines of plain JavaScript add the upload progress bar and the recipient filter, and
//! every page works without them. Forms carry a CSRF token derived from the session, responses carry
//! a content security policy, and the session cookie is HttpOnly and SameSite=Strict (Secure when
//! `server.cookie_secure`).

mod arrival;
mod assets;
mod auditor;
mod compose;
mod draft;
mod exchange;
mod i18n;
mod inbox;
mod letter;
mod registers;
mod render;
mod route;
mod session;
mod signing_key;

pub use i18n::Lang;
pub use render::{Notice, WebError};

use crate::AppState;
use crate::auth::request_token_cookie;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sarabun_domain::Permission;
use sarabun_routing::{Actor, RoutingError};
use sha2::{Digest, Sha256};

/// Where pages may load from: only this node. No inline script or style, so an injected tag cannot
/// run; frames only from this node, so the PDF viewer works and no other site can frame a page.
const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; object-src 'self'; frame-src 'self'; frame-ancestors 'self'; \
     form-action 'self'; base-uri 'none'";

/// The pages and their form targets.
pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit = usize::try_from(state.settings.uploads.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(compose::MAX_FILES)
        .saturating_add(1024 * 1024);
    // An arrival's scan and enclosures together, as the API's arrival route bounds them.
    let arrival_limit =
        usize::try_from(state.settings.uploads.max_bytes).unwrap_or(usize::MAX).saturating_add(1024 * 1024);
    Router::new()
        .route("/", get(home))
        .route("/signin", get(session::sign_in_page).post(session::sign_in))
        .route("/signout", post(session::sign_out))
        .route("/lang/{lang}", get(session::switch_language))
        .route("/inbox", get(inbox::inbox))
        .route("/inbox/receive", post(inbox::receive_selected))
        .route("/arrivals/new", get(arrival::form).post(arrival::register).layer(DefaultBodyLimit::max(arrival_limit)))
        .route("/sent", get(inbox::sent))
        .route("/letters/{id}", get(letter::letter))
        .route("/letters/{id}/recall", post(letter::recall))
        .route("/outside/deliveries/{id}/posted", post(letter::posted))
        .route("/outside/deliveries/{id}/bounce", post(letter::bounce))
        .route("/deliveries/{id}/receive", post(letter::receive))
        .route("/deliveries/{id}/reject", post(letter::reject))
        .route("/deliveries/{id}/route/{step}", post(route::take_step))
        .route("/work", get(route::work))
        .route("/office/backlog", get(route::backlog))
        .route("/compose", get(compose::form).post(compose::send).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/drafts", get(draft::list))
        .route("/drafts/new", get(draft::new_form).post(draft::start).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/drafts/{id}", get(draft::draft))
        .route("/drafts/{id}/revise", post(draft::revise).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/drafts/{id}/step/{step}", post(draft::step))
        .route("/me/signing-key", get(signing_key::signing_key).post(signing_key::set_pin))
        .route("/registers", get(registers::register))
        .route("/registers/{register}/{year}/print", get(registers::print))
        .route("/auditor", get(auditor::search))
        .route("/exchange", get(exchange::exchange))
        .route("/exchange/{id}/retry", post(exchange::retry))
        .route("/exchange/{id}/cancel", post(exchange::cancel))
        .route("/static/{file}", get(assets::asset))
        .fallback(not_found)
}

/// Any other path: the error page, in the browser's chosen language.
async fn not_found(headers: axum::http::HeaderMap) -> WebError {
    let error = crate::error::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "no_such_page",
        "There is no such page.",
        "ไม่พบหน้าที่ต้องการ",
    );
    WebError::from_api(error, Lang::from_headers(&headers))
}

/// Headers every response of the node carries, pages and API alike. A handler that set a stricter
/// policy of its own (documents: `sandbox`) keeps it, and the node's policy is added beside it:
/// a browser enforces both.
pub async fn security_headers(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.append(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The signed-in person looking at a page, in their language, with the CSRF token their forms carry.
/// Pages take it as an extractor: without a session the browser is sent to the sign-in page and
/// comes back afterwards.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    pub office_name: String,
    pub lang: Lang,
    pub csrf: String,
}

impl Viewer {
    /// Whether the viewer's roles grant `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.actor.may(permission)
    }
}

/// The CSRF token of a session: a digest of its secret token, so only a page served to that session
/// can know it, and nothing more has to be stored.
pub fn csrf_token(session_token: &str) -> String {
    let digest = Sha256::digest(format!("sarabun-csrf\n{session_token}").as_bytes());
    hex::encode(&digest[..16])
}

/// Compares two tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_headers(&parts.headers);
        let to_sign_in = || {
            let back = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let next = if parts.method == Method::GET { back } else { "/" };
            Redirect::to(&format!("/signin?next={}", render::url_encode(next))).into_response()
        };
        // Pages use the cookie only: a bearer token is for API clients and carries no CSRF token.
        let Some(token) = request_token_cookie(&parts.headers) else { return Err(to_sign_in()) };
        let signed_in = match state.correspondence.session(&token).await {
            Ok(signed_in) => signed_in,
            Err(RoutingError::NoSession) => return Err(to_sign_in()),
            Err(e) => return Err(WebError::internal(e, lang).into_response()),
        };
        tracing::Span::current().record("user", signed_in.actor.username.as_str());
        let office_name = lang.pick(&signed_in.office.name_th, &signed_in.office.name_en).to_owned();
        Ok(Viewer { actor: signed_in.actor, office_name, lang, csrf: csrf_token(&token) })
    }
}

/// A form's CSRF token checked against the viewer's session; also refuses any request a browser
/// marks as coming from another site.
pub fn check_csrf(viewer: &Viewer, headers: &axum::http::HeaderMap, given: &str) -> Result<(), WebError> {
    if cross_site(headers) || !same_token(&viewer.csrf, given) {
        tracing::warn!(user = %viewer.actor.username, "form refused: CSRF token missing or wrong");
        return Err(WebError::csrf(viewer.lang));
    }
    Ok(())
}

/// Whether the browser says the request comes from another site.
pub(super) fn cross_site(headers: &axum::http::HeaderMap) -> bool {
    headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site")
}

/// The first page for each role: clerks their inbox; executives and officers, who work on what is
/// put before them, their work list; auditors the letter search; others their registers; operators of the exchange its queue.
async fn home(viewer: Result<Viewer, Response>) -> Response {
    let Ok(viewer) = viewer else { return Redirect::to("/signin").into_response() };
    let to = if viewer.may(Permission::TakeRouteSteps) && !viewer.may(Permission::ReceiveOrReject) {
        "/work"
    } else if viewer.may(Permission::ReadOfficeLetters) {
        "/inbox"
    } else if viewer.may(Permission::ReadAllOffices) {
        "/auditor"
    } else if viewer.may(Permission::ReadOfficeRegisters) {
        "/registers"
    } else if viewer.may(Permission::OperateExchange) {
        "/exchange"
    } else {
        "/signin"
    };
    Redirect::to(to).into_response()
}
