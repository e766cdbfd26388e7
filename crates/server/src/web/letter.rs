//! The letter page (the PDF in the browser, original and stamped, its documents, the tracking table,
//! the receipts and the trail, and for a received letter its route inside the office) and the
//! actions taken on it: receive, reject with a reason, recall, and the route's steps (`route.rs`).
//! Each action is a form; success redirects back to the page with a notice, a refusal shows the page
//! again with the reason.

use super::render::{Notice, Page, WebError, routing_error};
use super::{Viewer, check_csrf};
use crate::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sarabun_domain::{DeliveryState, Permission};
use sarabun_routing::{LetterView, TrackingRow, TrailEntry};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

#[derive(Serialize)]
struct LetterData {
    letter: LetterView,
    /// The viewer's own office's delivery of this letter, if it is a recipient.
    own: Option<TrackingRow>,
    /// The delivery whose stamped copy is shown (own, else the first stamped one for the sender).
    stamped: Option<String>,
    is_sender: bool,
    /// Whether the viewer may act on the letter's outside recipients (record posting, a bounce).
    may_send: bool,
    may_receive: bool,
    may_recall: bool,
    auditor: bool,
    trail: Vec<TrailEntry>,
    /// The route inside the viewer's office, for a received letter of theirs.
    route: Option<super::route::RouteData>,
    /// Whether the viewer may compose the answer (อ้างถึง this letter).
    may_answer: bool,
    /// The PDF signatures on the body (ลายมือชื่อบน PDF), checked against the node's CA.
    signatures: Signatures,
}

/// The signatures panel: the checks, or that the body could not be checked at all.
#[derive(Serialize)]
struct Signatures {
    checks: Vec<sarabun_routing::draft::SignatureView>,
    /// The body is a PDF whose signatures could not be read: said, rather than shown as unsigned.
    unreadable: bool,
}

/// The body's PDF signatures as the viewer may read them; a letter out of reach shows none.
async fn signatures(state: &AppState, viewer: &Viewer, id: &str) -> Signatures {
    match state.correspondence.letter_signatures_on_page(&viewer.actor, id).await {
        Ok(checks) => Signatures { checks, unreadable: false },
        Err(sarabun_routing::RoutingError::PdfSignature(e)) => {
            tracing::info!(letter_id = id, error = %e, "signatures of the body not readable");
            Signatures { checks: Vec::new(), unreadable: true }
        }
        Err(e) => {
            tracing::warn!(letter_id = id, error = %e, "signatures of the body not checked");
            Signatures { checks: Vec::new(), unreadable: false }
        }
    }
}

/// Renders the letter page; `notice` says what just happened.
async fn page(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    let (letter, trail) =
        state.correspondence.letter_with_trail(&viewer.actor, id).await.map_err(|e| routing_error(e, lang))?;
    let own = letter.recipients.iter().find(|r| r.office.code == viewer.actor.office_code.as_str()).cloned();
    let is_sender = letter.from.code == viewer.actor.office_code.as_str();
    let may_receive =
        own.as_ref().is_some_and(|d| d.state == DeliveryState::Delivered) && viewer.may(Permission::ReceiveOrReject);
    let may_recall = is_sender
        && letter.state == sarabun_domain::LetterState::Sent
        && viewer.may(Permission::Recall)
        && !letter.recipients.iter().any(|r| r.state == DeliveryState::Received);
    let stamped = own
        .as_ref()
        .filter(|d| d.stamped_sha256.is_some())
        .or_else(|| letter.recipients.iter().find(|r| r.stamped_sha256.is_some()))
        .map(|d| d.delivery_id.clone());
    let auditor = viewer.may(Permission::ReadAllOffices);
    let received = own.as_ref().filter(|d| d.state == DeliveryState::Received);
    let route = match received {
        Some(d) => super::route::route_data(state, viewer, &d.delivery_id).await?,
        None => None,
    };
    let may_answer = received.is_some() && viewer.may(Permission::Send);
    let signatures = signatures(state, viewer, id).await;
    let data = LetterData {
        letter,
        own,
        stamped,
        is_sender,
        may_send: viewer.may(Permission::Send),
        may_receive,
        may_recall,
        auditor,
        trail,
        route,
        may_answer,
        signatures,
    };
    let path = format!("/letters/{id}");
    let section = if viewer.may(Permission::ReadOfficeLetters) {
        "inbox"
    } else if auditor {
        "auditor"
    } else {
        "work"
    };
    Page::new("letter.html", section, &path).notice(notice).status(status).render(viewer, data)
}

/// The letter page.
pub async fn letter(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    let texts = viewer.lang.texts();
    let notice = match q.done.as_deref() {
        Some(
            done @ ("received" | "rejected" | "recalled" | "sent" | "route_propose" | "route_order" | "route_assign"
            | "route_return" | "route_act" | "route_done" | "route_acknowledge" | "route_file" | "posted"
            | "bounced"),
        ) => texts.get(format!("done_{done}").as_str()).map(|t| Notice::ok(*t)),
        _ => None,
    };
    page(&state, &viewer, &id, notice, StatusCode::OK).await
}

/// After an action: back to the letter with a notice, or the letter again with the refusal.
pub(super) async fn after(
    state: &AppState,
    viewer: &Viewer,
    letter_id: &str,
    outcome: Result<(), sarabun_routing::RoutingError>,
    done: &str,
) -> Result<Response, WebError> {
    // The letter id came with the form: only ever redirect to a letter page of this node.
    if letter_id.is_empty() || !letter_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Ok(Redirect::to("/inbox").into_response());
    }
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/letters/{letter_id}?done={done}")).into_response()),
        Err(e) => {
            let error = routing_error(e, viewer.lang);
            let status = error.status();
            let notice = Notice::error(error.message());
            match page(state, viewer, letter_id, Some(notice), status).await {
                Ok(response) => Ok(response),
                // The letter itself is out of reach (recalled away, not this office's): plain error.
                Err(_) => Err(error),
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ReceiveForm {
    csrf: String,
    letter_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    remarks: String,
}

fn optional(text: String) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Receives a delivery for the viewer's office.
pub async fn receive(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(delivery_id): Path<String>,
    Form(form): Form<ReceiveForm>,
) -> Result<Response, WebError> {
    check_csrf(&viewer, &headers, &form.csrf)?;
    let outcome = state
        .correspondence
        .receive(&viewer.actor, &delivery_id, optional(form.action), optional(form.remarks))
        .await
        .map(|_| ());
    after(&state, &viewer, &form.letter_id, outcome, "received").await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    csrf: String,
    #[serde(default)]
    letter_id: String,
    #[serde(default)]
    reason: String,
}

/// Rejects a delivery as not for the viewer's office.
pub async fn reject(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(delivery_id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, WebError> {
    check_csrf(&viewer, &headers, &form.csrf)?;
    let outcome = state.correspondence.reject(&viewer.actor, &delivery_id, &form.reason).await.map(|_| ());
    after(&state, &viewer, &form.letter_id, outcome, "rejected").await
}

/// Recalls a letter the viewer's office sent.
pub async fn recall(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(letter_id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, WebError> {
    check_csrf(&viewer, &headers, &form.csrf)?;
    let outcome = state.correspondence.recall(&viewer.actor, &letter_id, optional(form.reason)).await.map(|_| ());
    after(&state, &viewer, &letter_id, outcome, "recalled").await
}

#[derive(Deserialize)]
pub struct PostedForm {
    csrf: String,
    #[serde(default)]
    letter_id: String,
    #[serde(default)]
    posted_on: String,
}

/// Records the day a letter to an outside recipient by post was posted.
pub async fn posted(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<PostedForm>,
) -> Result<Response, WebError> {
    check_csrf(&viewer, &headers, &form.csrf)?;
    let outcome = match chrono::NaiveDate::parse_from_str(form.posted_on.trim(), "%Y-%m-%d") {
        Ok(day) => state.correspondence.record_posted(&viewer.actor, &id, day).await.map(|_| ()),
        Err(_) => Err(sarabun_routing::RoutingError::OutsideSend(sarabun_domain::OutsideSendRefusal::PostedDate)),
    };
    after(&state, &viewer, &form.letter_id, outcome, "posted").await
}

/// Records a bounce that came back for a letter e-mailed to an outside recipient.
pub async fn bounce(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, WebError> {
    check_csrf(&viewer, &headers, &form.csrf)?;
    let outcome = state.correspondence.record_bounce(&viewer.actor, &id, &form.reason).await.map(|_| ());
    after(&state, &viewer, &form.letter_id, outcome, "bounced").await
}
