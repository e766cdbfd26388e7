//! Turning a page's data into HTML: the templates compiled into the binary, the filters that write
//! dates the way Thai officials do (Buddhist Era, Bangkok time), the frame every page shares (who is
//! signed in, the menu, the CSRF token) and the error page.

use super::{Lang, Viewer};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};
use sarabun_domain::Permission;
use sarabun_domain::date::{self, Style};
use serde::Serialize;
use std::sync::OnceLock;

/// Every template, by name.
pub(super) const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("_letter_fields.html", include_str!("../../templates/_letter_fields.html")),
    ("signin.html", include_str!("../../templates/signin.html")),
    ("inbox.html", include_str!("../../templates/inbox.html")),
    ("sent.html", include_str!("../../templates/sent.html")),
    ("letter.html", include_str!("../../templates/letter.html")),
    ("compose.html", include_str!("../../templates/compose.html")),
    ("register.html", include_str!("../../templates/register.html")),
    ("register_print.html", include_str!("../../templates/register_print.html")),
    ("auditor.html", include_str!("../../templates/auditor.html")),
    ("route.html", include_str!("../../templates/route.html")),
    ("work.html", include_str!("../../templates/work.html")),
    ("backlog.html", include_str!("../../templates/backlog.html")),
    ("drafts.html", include_str!("../../templates/drafts.html")),
    ("draft_new.html", include_str!("../../templates/draft_new.html")),
    ("draft.html", include_str!("../../templates/draft.html")),
    ("signing_key.html", include_str!("../../templates/signing_key.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("arrival_new.html", include_str!("../../templates/arrival_new.html")),
    ("bulk_received.html", include_str!("../../templates/bulk_received.html")),
    ("exchange.html", include_str!("../../templates/exchange.html")),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source).expect("templates are checked by the tests");
        }
        env.add_filter("datetime", datetime_filter);
        env.add_filter("date", date_filter);
        env.add_filter("letter_date", letter_date_filter);
        env.add_filter("size", size_filter);
        env.add_filter("urlencode_component", |s: String| url_encode(&s));
        env
    })
}

fn lang_of(state: &State) -> Lang {
    state.lookup("lang").and_then(|v| v.as_str().and_then(Lang::parse)).unwrap_or_default()
}

fn instant(value: &Value) -> Result<DateTime<Utc>, Error> {
    let text = value.as_str().ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "not a date"))?;
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("{text}: {e}")))
}

/// `25 พ.ย. 2569` / `25 Nov 2569`: a day in Bangkok with the B.E. year, as tables show it.
fn be_date(lang: Lang, at: DateTime<Utc>) -> String {
    date::date(at, lang.wording(), Style::Short)
}

fn datetime_filter(state: &State, value: Value) -> Result<String, Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    Ok(date::date_time(instant(&value)?, lang_of(state).wording(), Style::Short))
}

fn date_filter(state: &State, value: Value) -> Result<String, Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    Ok(be_date(lang_of(state), instant(&value)?))
}

/// A stored `YYYY-MM-DD` letter date, B.E.
fn letter_date_filter(state: &State, value: String) -> String {
    date::letter_date(&value, lang_of(state).wording(), Style::Short)
}

fn size_filter(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// Percent-encodes a query-string component.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A line at the top of a page saying what just happened.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// `ok` or `error`.
    pub kind: &'static str,
    pub text: String,
}

impl Notice {
    /// Something done.
    pub fn ok(text: impl Into<String>) -> Self {
        Self { kind: "ok", text: text.into() }
    }
    /// Something refused.
    pub fn error(text: impl Into<String>) -> Self {
        Self { kind: "error", text: text.into() }
    }
}

#[derive(Serialize)]
struct Me<'a> {
    username: &'a str,
    full_name: &'a str,
    office_code: &'a str,
    office_name: &'a str,
}

/// Which menu entries the viewer's roles open.
#[derive(Serialize)]
struct Nav {
    inbox: bool,
    compose: bool,
    registers: bool,
    auditor: bool,
    work: bool,
    backlog: bool,
    drafts: bool,
    exchange: bool,
}

/// What every page knows besides its own data.
#[derive(Serialize)]
struct Frame<'a> {
    lang: &'static str,
    other_lang: &'static str,
    t: &'static std::collections::BTreeMap<&'static str, &'static str>,
    me: Option<Me<'a>>,
    nav: Option<Nav>,
    csrf: &'a str,
    path: &'a str,
    section: &'a str,
    notice: Option<Notice>,
}

/// A page about to be rendered.
pub struct Page<'a> {
    pub template: &'static str,
    pub section: &'static str,
    pub path: &'a str,
    pub notice: Option<Notice>,
    pub status: StatusCode,
}

impl<'a> Page<'a> {
    /// A page at `path` in the menu `section`.
    pub fn new(template: &'static str, section: &'static str, path: &'a str) -> Self {
        Self { template, section, path, notice: None, status: StatusCode::OK }
    }

    /// With a line at the top.
    pub fn notice(mut self, notice: Option<Notice>) -> Self {
        self.notice = notice;
        self
    }

    /// Answered with another status (a form sent back with errors is 422).
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Renders for a signed-in viewer.
    pub fn render(self, viewer: &Viewer, data: impl Serialize) -> Result<Response, WebError> {
        let me = Me {
            username: &viewer.actor.username,
            full_name: &viewer.actor.full_name,
            office_code: viewer.actor.office_code.as_str(),
            office_name: &viewer.office_name,
        };
        let nav = Nav {
            inbox: viewer.may(Permission::ReadOfficeLetters),
            compose: viewer.may(Permission::Send),
            registers: viewer.may(Permission::ReadOfficeRegisters) || viewer.may(Permission::ReadAllOffices),
            auditor: viewer.may(Permission::ReadAllOffices),
            work: viewer.may(Permission::TakeRouteSteps),
            backlog: viewer.may(Permission::ReadOfficeWork),
            drafts: viewer.may(Permission::Draft),
            exchange: viewer.may(Permission::OperateExchange),
        };
        self.render_as(viewer.lang, Some(me), Some(nav), &viewer.csrf, data)
    }

    /// Renders for someone not signed in (the sign-in page), with the sign-in form's own token.
    pub fn render_anonymous(self, lang: Lang, csrf: &str, data: impl Serialize) -> Result<Response, WebError> {
        self.render_as(lang, None, None, csrf, data)
    }

    fn render_as(
        self,
        lang: Lang,
        me: Option<Me<'_>>,
        nav: Option<Nav>,
        csrf: &str,
        data: impl Serialize,
    ) -> Result<Response, WebError> {
        let frame = Frame {
            lang: lang.code(),
            other_lang: lang.other().code(),
            t: lang.texts(),
            me,
            nav,
            csrf,
            path: self.path,
            section: self.section,
            notice: self.notice,
        };
        let context = minijinja::context! { ..Value::from(Serde(&frame)), ..Value::from(Serde(&data)) };
        let html = environment()
            .get_template(self.template)
            .and_then(|t| t.render(context))
            .map_err(|e| WebError::internal(format!("{}: {e:#}", self.template), lang))?;
        Ok((self.status, Html(html)).into_response())
    }
}

/// A page that could not be shown: rendered as the error page with both languages' messages.
#[derive(Debug)]
pub struct WebError {
    status: StatusCode,
    code: &'static str,
    message: String,
    message_th: String,
    lang: Lang,
}

impl WebError {
    /// From the API's error, keeping its code and messages.
    pub fn from_api(e: crate::error::ApiError, lang: Lang) -> Self {
        Self { status: e.status, code: e.code, message: e.message, message_th: e.message_th, lang }
    }

    /// Something broke inside; the detail goes to the log only.
    pub fn internal(detail: impl std::fmt::Display, lang: Lang) -> Self {
        Self::from_api(crate::error::ApiError::internal(detail), lang)
    }

    /// A form without the session's CSRF token.
    pub fn csrf(lang: Lang) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            code: "csrf_token_invalid",
            message: "This form has expired or did not come from this site. Reload the page and try again.".into(),
            message_th: "แบบฟอร์มหมดอายุหรือไม่ได้มาจากระบบนี้ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง".into(),
            lang,
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message in the viewer's language.
    pub fn message(&self) -> &str {
        self.lang.pick(&self.message_th, &self.message)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct ErrorData<'a> {
            status: u16,
            code: &'a str,
            message: &'a str,
            message_th: &'a str,
        }
        let data = ErrorData {
            status: self.status.as_u16(),
            code: self.code,
            message: &self.message,
            message_th: &self.message_th,
        };
        let page = Page::new("error.html", "", "/").status(self.status);
        match page.render_as(self.lang, None, None, "", data) {
            Ok(response) => response,
            // The error page itself failed: say so plainly rather than loop.
            Err(_) => {
                let mut response = (self.status, self.message).into_response();
                response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
                response
            }
        }
    }
}

/// Maps a failure of the delivery engine to the page error, through the API's one mapping.
pub fn routing_error(e: sarabun_routing::RoutingError, lang: Lang) -> WebError {
    WebError::from_api(e.into(), lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let env = environment();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn dates_are_buddhist_era_in_bangkok() {
        // 17:30 UTC on 31 December 2025 is already 1 January 2569 in Bangkok.
        let at = DateTime::parse_from_rfc3339("2025-12-31T17:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(be_date(Lang::Th, at), "1 ม.ค. 2569");
        assert_eq!(be_date(Lang::En, at), "1 Jan 2569");
        assert_eq!(size_filter(1536), "2 KB");
        assert_eq!(url_encode("/inbox?q=ก"), "/inbox%3Fq%3D%E0%B8%81");
    }
}
