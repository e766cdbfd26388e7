//! The office inbox (with filters, search, paging and unread marks) and the list of letters the
//! office sent.

use super::Viewer;
use super::render::{Page, WebError, routing_error};
use crate::AppState;
use axum::extract::{OriginalUri, Query, State};
use axum::response::Response;
use sarabun_domain::{DeliveryState, Urgency};
use sarabun_routing::{InboxFilter, InboxItem, OfficeView, SentItem};
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
}

/// Paging links kept with the current filters.
#[derive(Serialize)]
pub(super) struct Paging {
    page: u64,
    pages: u64,
    total: u64,
    previous: Option<String>,
    next: Option<String>,
}

impl Paging {
    /// Links to the neighbouring pages of `base` (a path with its query, without `page`).
    pub(super) fn new(base: &str, page: u64, per_page: u64, total: u64) -> Self {
        let pages = total.div_ceil(per_page).max(1);
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |p: u64| format!("{base}{sep}page={p}");
        Paging {
            page,
            pages,
            total,
            previous: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

#[derive(Serialize)]
struct InboxData<'a> {
    items: Vec<InboxItem>,
    paging: Paging,
    filter: &'a InboxFormView,
    offices: Vec<OfficeView>,
    states: [&'static str; 4],
    urgencies: [&'static str; 4],
    filtered: bool,
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
    };
    let page = state.correspondence.inbox(&viewer.actor, filter).await.map_err(|e| routing_error(e, lang))?;
    let offices = state.correspondence.offices().await.map_err(|e| routing_error(e, lang))?;
    let view = InboxFormView { q: form.q.trim().to_owned(), state: form.state, urgency: form.urgency, from: form.from };
    let base = format!(
        "/inbox?q={}&state={}&urgency={}&from={}",
        super::render::url_encode(&view.q),
        super::render::url_encode(&view.state),
        super::render::url_encode(&view.urgency),
        super::render::url_encode(&view.from)
    );
    let data = InboxData {
        paging: Paging::new(&base, page.page, page.per_page, page.total),
        items: page.items,
        filtered: !(view.q.is_empty() && view.state.is_empty() && view.urgency.is_empty() && view.from.is_empty()),
        filter: &view,
        offices: offices.into_iter().filter(|o| o.id != viewer.actor.office_id).collect(),
        states: ["delivered", "received", "rejected", "recalled"],
        urgencies: ["most_urgent", "very_urgent", "urgent", "normal"],
    };
    Page::new("inbox.html", "inbox", &uri.to_string()).render(&viewer, data)
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
    let data = SentData { paging: Paging::new("/sent", page.page, page.per_page, page.total), items: page.items };
    Page::new("sent.html", "sent", &uri.to_string()).render(&viewer, data)
}
