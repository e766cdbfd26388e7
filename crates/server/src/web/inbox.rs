//! The office inbox (with filters, search, paging and unread marks), receiving the letters ticked on
//! it at once (ลงรับที่เลือก, the same `receive_many` as `POST /api/v1/deliveries/receive`: each its own
//! number in the order shown, one failure leaving the others received), and the list of letters the
//! office sent.

use super::render::{Notice, Page, WebError, routing_error};
use super::{Viewer, check_csrf};
use crate::AppState;
use axum::extract::{Form, OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use sarabun_domain::{DeliveryState, Permission, Urgency};
use sarabun_routing::{InboxFilter, InboxItem, OfficeRef, RoutingError, SentItem};
use serde::{Deserialize, Serialize};

/// The inbox's filter form, as the browser sends it: empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct InboxForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    from: String,
    page: Option<u64>,
    /// Continue after this delivery (the link past the numbered pages).
    #[serde(default)]
    after: String,
}

/// Paging links kept with the current filters.
#[derive(Serialize)]
pub(super) struct Paging {
    page: u64,
    /// The pages counted: all of them when `exact`.
    pages: u64,
    total: u64,
    /// Whether `total` is all of them; otherwise the page says "more than".
    exact: bool,
    /// Whether the page continues after a letter (reached by "next" past the numbered pages):
    /// it then shows no number, which it does not know, and links to the newest letters.
    continued: bool,
    previous: Option<String>,
    next: Option<String>,
    newest: Option<String>,
}

impl Paging {
    /// Links to the neighbouring pages of `base` (a path with its query, without `page`), for a
    /// listing counted exactly.
    pub(super) fn new(base: &str, page: u64, per_page: u64, total: u64) -> Self {
        let pages = total.div_ceil(per_page).max(1);
        Self::links(base, page, pages, total, true, page < pages, None, false)
    }

    /// Links to the pages around `p` of `base`. Past the count a page is reached by continuing
    /// after its predecessor's last letter (`after`), never by a number the count does not reach.
    pub(super) fn of<T>(base: &str, p: &sarabun_routing::Page<T>, continued: bool) -> Self {
        let pages = p.total.div_ceil(p.per_page).max(1);
        let after = if p.total_exact && !continued { None } else { p.after.as_deref() };
        Self::links(base, p.page, pages, p.total, p.total_exact, p.more, after, continued)
    }

    #[allow(clippy::too_many_arguments)]
    fn links(
        base: &str,
        page: u64,
        pages: u64,
        total: u64,
        exact: bool,
        more: bool,
        after: Option<&str>,
        continued: bool,
    ) -> Self {
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |p: u64| format!("{base}{sep}page={p}");
        let next = match after {
            _ if !more => None,
            Some(after) => Some(format!("{base}{sep}after={}", super::render::url_encode(after))),
            None => Some(link(page + 1)),
        };
        Paging {
            page,
            pages,
            total,
            exact,
            continued,
            previous: (page > 1 && !continued).then(|| link(page - 1)),
            next,
            newest: continued.then(|| base.to_owned()),
        }
    }
}

#[derive(Serialize)]
struct InboxData<'a> {
    items: Vec<InboxItem>,
    paging: Paging,
    filter: &'a InboxFormView,
    /// The sender field's suggestions (a `<datalist>`): the offices the typed sender stands for,
    /// then those that wrote to the office lately; never the whole directory.
    senders: Vec<OfficeRef>,
    states: [&'static str; 4],
    urgencies: [&'static str; 4],
    filtered: bool,
    /// Whether the viewer may receive: the inbox then offers the bulk receive and the arrival form.
    may_receive: bool,
}

#[derive(Serialize)]
struct InboxFormView {
    q: String,
    state: String,
    urgency: String,
    from: String,
}

/// The office inbox, newest first.
pub async fn inbox(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(form): Query<InboxForm>,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    let parse_state = |s: &str| DeliveryState::parse(s).map_err(|e| routing_error(e.into(), lang));
    let parse_urgency = |s: &str| Urgency::parse(s).map_err(|e| routing_error(e.into(), lang));
    let filter = InboxFilter {
        state: Some(form.state.as_str()).filter(|s| !s.is_empty()).map(parse_state).transpose()?,
        urgency: Some(form.urgency.as_str()).filter(|s| !s.is_empty()).map(parse_urgency).transpose()?,
        from: Some(form.from.clone()).filter(|s| !s.is_empty()),
        since: None,
        until: None,
        q: Some(form.q.trim().to_owned()).filter(|s| !s.is_empty()),
        page: form.page,
        per_page: Some(25),
        after: Some(form.after.clone()).filter(|s| !s.is_empty()),
    };
    // A filter the inbox refuses (a sender standing for too many offices, a search too long) shows
    // the form again with the reason, so the clerk corrects it where it was typed; anything else
    // (not the viewer's inbox) is the error page.
    let found = match state.correspondence.inbox(&viewer.actor, filter).await {
        Ok(page) => Ok(page),
        Err(e @ (RoutingError::InvalidQuery(_) | RoutingError::Field { .. })) => Err(routing_error(e, lang)),
        Err(e) => return Err(routing_error(e, lang)),
    };
    let view = InboxFormView { q: form.q.trim().to_owned(), state: form.state, urgency: form.urgency, from: form.from };
    let typed = match view.from.trim() {
        "" => Vec::new(),
        from => state.correspondence.typed_senders(from).await.unwrap_or_default(),
    };
    let senders =
        state.correspondence.sender_suggestions(&viewer.actor, &typed).await.map_err(|e| routing_error(e, lang))?;
    let base = format!(
        "/inbox?q={}&state={}&urgency={}&from={}",
        super::render::url_encode(&view.q),
        super::render::url_encode(&view.state),
        super::render::url_encode(&view.urgency),
        super::render::url_encode(&view.from)
    );
    let (page, status, notice) = match found {
        Ok(page) => (page, axum::http::StatusCode::OK, None),
        Err(error) => {
            (sarabun_routing::Page::counted(Vec::new(), 0, 1, 25), error.status(), Some(Notice::error(error.message())))
        }
    };
    let data = InboxData {
        paging: Paging::of(&base, &page, !form.after.is_empty()),
        items: page.items,
        filtered: !(view.q.is_empty() && view.state.is_empty() && view.urgency.is_empty() && view.from.is_empty()),
        filter: &view,
        senders,
        states: ["delivered", "received", "rejected", "recalled"],
        urgencies: ["most_urgent", "very_urgent", "urgent", "normal"],
        may_receive: viewer.may(Permission::ReceiveOrReject),
    };
    Page::new("inbox.html", "inbox", &uri.to_string()).status(status).notice(notice).render(&viewer, data)
}

/// What one ticked letter of a bulk receive came to.
#[derive(Serialize)]
struct BulkLine {
    delivery_id: String,
    /// The letter's id, for the link; only when it looks like one of this node's ids.
    letter_id: Option<String>,
    /// The letter's number and subject as the inbox showed them.
    label: Option<String>,
    received: bool,
    receive_number: Option<String>,
    /// Why it was not received, in the viewer's language.
    reason: Option<String>,
}

#[derive(Serialize)]
struct BulkData {
    lines: Vec<BulkLine>,
    received: usize,
    failed: usize,
}

/// The most characters of an inbox line's label shown back on the result page.
const MAX_LABEL_CHARS: usize = 300;

/// Receives the letters ticked on the inbox (fields `delivery`, in the order shown; each row's
/// hidden `about:{delivery id}` carries its letter id, number and subject for the result page only)
/// and shows which were received, with their receive numbers, and which were not, with the reason.
pub async fn receive_selected(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    let given = fields.iter().find(|(k, _)| k == "csrf").map_or("", |(_, v)| v.as_str());
    check_csrf(&viewer, &headers, given)?;
    let value = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_owned());
    let ids: Vec<String> = fields.iter().filter(|(k, _)| k == "delivery").map(|(_, v)| v.clone()).collect();
    let action = value("action").filter(|a| !a.is_empty());
    let page = Page::new("bulk_received.html", "inbox", "/inbox");
    let outcomes = match state.correspondence.receive_many(&viewer.actor, &ids, action, None).await {
        Ok(outcomes) => outcomes,
        Err(e) => {
            let error = routing_error(e, lang);
            let notice = Notice::error(error.message());
            let data = BulkData { lines: Vec::new(), received: 0, failed: 0 };
            return page.status(error.status()).notice(Some(notice)).render(&viewer, data);
        }
    };
    let lines: Vec<BulkLine> = outcomes
        .into_iter()
        .map(|o| {
            let about = value(&format!("about:{}", o.delivery_id)).unwrap_or_default();
            let (letter_id, label) = about.split_once(' ').unwrap_or((about.as_str(), ""));
            let letter_id = Some(letter_id.to_owned())
                .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
            let label = Some(label.trim().chars().take(MAX_LABEL_CHARS).collect::<String>()).filter(|l| !l.is_empty());
            let (received, receive_number, reason) = match o.outcome {
                Ok(decided) => (true, decided.delivery.receive_number, None),
                Err(e) => (false, None, Some(routing_error(e, lang).message().to_owned())),
            };
            BulkLine { delivery_id: o.delivery_id, letter_id, label, received, receive_number, reason }
        })
        .collect();
    let received = lines.iter().filter(|l| l.received).count();
    let data = BulkData { failed: lines.len() - received, received, lines };
    page.render(&viewer, data)
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

#[derive(Serialize)]
struct SentData {
    items: Vec<SentItem>,
    paging: Paging,
}

/// The letters the office sent, newest first.
pub async fn sent(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let page =
        state.correspondence.sent(&viewer.actor, q.page, Some(25)).await.map_err(|e| routing_error(e, viewer.lang))?;
    let data = SentData { paging: Paging::of("/sent", &page, false), items: page.items };
    Page::new("sent.html", "sent", &uri.to_string()).render(&viewer, data)
}
