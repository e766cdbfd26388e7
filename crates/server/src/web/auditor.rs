//! The auditor's pages: search any office's letters (each opens on the letter page, read-only, with
//! its trail and the trail bundle download) and the latest signed checkpoint of the audit log.

use super::Viewer;
use super::inbox::Paging;
use super::render::{Page, WebError, routing_error};
use crate::AppState;
use axum::extract::{OriginalUri, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sarabun_routing::FoundLetter;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    page: Option<u64>,
}

#[derive(Serialize)]
struct Checkpoint {
    size: i64,
    note: String,
    signed_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct AuditorData {
    q: String,
    items: Vec<FoundLetter>,
    paging: Paging,
    checkpoint: Option<Checkpoint>,
    log_key: String,
}

/// Letter search across every office, and the log's latest checkpoint.
pub async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    let q = query.q.trim().to_owned();
    let found = state
        .correspondence
        .search_letters(&viewer.actor, Some(q.as_str()), query.page, Some(25))
        .await
        .map_err(|e| routing_error(e, lang))?;
    let checkpoint = state.correspondence.checkpoint().await.ok().map(|c| Checkpoint {
        size: c.size,
        note: c.note,
        signed_at: c.signed_at,
    });
    let log_key = state.correspondence.log_verifier_key().await.map_err(|e| routing_error(e, lang))?;
    let base = format!("/auditor?q={}", super::render::url_encode(&q));
    let data = AuditorData { paging: Paging::of(&base, &found, false), items: found.items, q, checkpoint, log_key };
    Page::new("auditor.html", "auditor", &uri.to_string()).render(&viewer, data)
}
