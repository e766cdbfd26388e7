//! การแลกเปลี่ยนกับโหนดอื่น: the operator's page of the queue of messages to peer nodes — per peer how
//! many wait and for how long, how many failed or were refused, and the messages themselves with a
//! button to try one again now and a form to cancel one with a reason. It calls the same routing
//! functions as `/api/v1/federation/outbox`, so it can do no more than the API allows.

use super::render::{Notice, Page, WebError, routing_error};
use super::{Viewer, check_csrf};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use sarabun_routing::federation::{PeerQueueView, QueuedMessageView};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct ExchangeData {
    peers: Vec<PeerQueueView>,
    messages: Vec<QueuedMessageView>,
    total: u64,
    state: String,
    states: &'static [&'static str],
}

/// The states the list may be narrowed to, as the page offers them.
const STATES: &[&str] = &["queued", "failed", "invalid", "cancelled", "at_peer", "recorded"];

#[derive(Deserialize)]
pub struct ExchangeQuery {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// The queue per peer and its newest messages (one page), optionally in one state.
pub async fn exchange(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ExchangeQuery>,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    let c = &state.correspondence;
    let peers = c.outbox(&viewer.actor).await.map_err(|e| routing_error(e, lang))?;
    let filter = q.state.filter(|s| STATES.contains(&s.as_str()));
    let page = c
        .outbox_messages(&viewer.actor, filter.as_deref(), Some(1), Some(100))
        .await
        .map_err(|e| routing_error(e, lang))?;
    let notice = match q.done.as_deref() {
        Some("retried") => Some(Notice::ok(lang.texts()["done_message_retried"])),
        Some("cancelled") => Some(Notice::ok(lang.texts()["done_message_cancelled"])),
        _ => None,
    };
    let data = ExchangeData {
        peers,
        messages: page.items,
        total: page.total,
        state: filter.unwrap_or_default(),
        states: STATES,
    };
    Page::new("exchange.html", "exchange", "/exchange").notice(notice).render(&viewer, data)
}

#[derive(Deserialize)]
pub struct RetryForm {
    csrf: String,
}

/// Tries a message again now.
pub async fn retry(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<RetryForm>,
) -> Result<Response, WebError> {
    check_csrf(&viewer, &headers, &form.csrf)?;
    state.correspondence.retry_message(&viewer.actor, &id).await.map_err(|e| routing_error(e, viewer.lang))?;
    Ok(Redirect::to("/exchange?done=retried").into_response())
}

#[derive(Deserialize)]
pub struct CancelForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Cancels a message, with the operator's reason.
pub async fn cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, WebError> {
    check_csrf(&viewer, &headers, &form.csrf)?;
    let reason = Some(form.reason).filter(|r| !r.trim().is_empty());
    state.correspondence.cancel_message(&viewer.actor, &id, reason).await.map_err(|e| routing_error(e, viewer.lang))?;
    Ok(Redirect::to("/exchange?done=cancelled").into_response())
}
