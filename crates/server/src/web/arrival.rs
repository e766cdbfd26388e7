//! Registering a letter from outside Sarabun (ลงรับหนังสือจากภายนอก) from the browser: one multipart
//! form carries the scan (one PDF, or JPEG, PNG and TIFF images, one page each), optional enclosure
//! files and the details the clerk reads off the paper — the sender from the office's address book
//! (suggested as one types from a `<datalist>`; a sender not yet in the book can be added with a
//! tick), the sender's number and date, subject, urgency, secrecy, how it came, the enclosures note.
//! It calls the same `register_arrival` as `POST /api/v1/outside/arrivals`, so every check is the
//! API's. The same sender, number and date registered before is sent back with the earlier receive
//! number and a box to tick when it really is a different letter. A refused form keeps what was
//! typed; the files are chosen again (nothing was stored). On success the letter page opens.

use super::render::{Page, WebError, routing_error};
use super::{Viewer, check_csrf};
use crate::AppState;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sarabun_domain::arrival::{MAX_ENCLOSURES, MAX_SCAN_PAGES};
use sarabun_domain::{ArrivalRefusal, BodyKind, Channel, LetterKind, Permission, Secrecy, Urgency};
use sarabun_routing::{ArrivalFile, ArrivalInput, BodyInput, OutsideBodyView, RoutingError};
use serde::Serialize;

/// The most address-book entries the sender field suggests from the page itself.
const BOOK_CHOICES: u64 = 200;

/// What the form holds as typed; shown again when something must be corrected.
#[derive(Debug, Default, Serialize)]
pub struct ArrivalForm {
    sender: String,
    sender_number: String,
    sender_date: String,
    subject: String,
    urgency: String,
    secrecy: String,
    channel: String,
    enclosures_note: String,
    action: String,
    remarks: String,
    /// The clerk confirms this is another letter than the one registered with the same details.
    confirm_different: bool,
    /// The clerk asks for a sender not in the address book to be added to it.
    add_sender: bool,
}

#[derive(Serialize)]
struct ArrivalData<'a> {
    form: &'a ArrivalForm,
    errors: Vec<String>,
    /// The receive number of the letter already registered with the same sender, number and date.
    already_registered: Option<String>,
    /// The typed sender is not in the address book: offer to add it.
    unknown_sender: bool,
    urgencies: Vec<&'static str>,
    secrecies: Vec<&'static str>,
    channels: Vec<&'static str>,
    book: Vec<OutsideBodyView>,
    max_upload_mb: u64,
    max_pages: usize,
}

/// What went wrong with a form, to show with it.
#[derive(Default)]
struct Refusal {
    errors: Vec<String>,
    already_registered: Option<String>,
    unknown_sender: bool,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    form: &ArrivalForm,
    refusal: Refusal,
    status: StatusCode,
) -> Result<Response, WebError> {
    let data = ArrivalData {
        form,
        errors: refusal.errors,
        already_registered: refusal.already_registered,
        unknown_sender: refusal.unknown_sender,
        urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
        secrecies: Secrecy::ALL.iter().filter(|s| viewer.actor.clearance.clears(**s)).map(|s| s.as_str()).collect(),
        channels: Channel::ALL.iter().map(|c| c.as_str()).collect(),
        book: state.correspondence.outside_bodies(&viewer.actor, 1, BOOK_CHOICES).await.unwrap_or_default(),
        max_upload_mb: state.settings.uploads.max_bytes / (1024 * 1024),
        max_pages: MAX_SCAN_PAGES,
    };
    Page::new("arrival_new.html", "inbox", "/arrivals/new").status(status).render(viewer, data)
}

/// The empty form.
pub async fn form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    if !viewer.may(Permission::ReceiveOrReject) {
        return Err(routing_error(RoutingError::Forbidden, viewer.lang));
    }
    let form = ArrivalForm {
        urgency: Urgency::Normal.as_str().into(),
        secrecy: Secrecy::None.as_str().into(),
        channel: Channel::Paper.as_str().into(),
        ..ArrivalForm::default()
    };
    render(&state, &viewer, &form, Refusal::default(), StatusCode::OK).await
}

/// The files of the form, in the order chosen.
#[derive(Default)]
struct Files {
    scan: Vec<ArrivalFile>,
    enclosures: Vec<ArrivalFile>,
}

/// Reads the whole form; the CSRF token is its first field, so nothing is read before it is checked.
async fn read_form(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    mut multipart: Multipart,
    form: &mut ArrivalForm,
    files: &mut Files,
    errors: &mut Vec<String>,
) -> Result<(), WebError> {
    let lang = viewer.lang;
    let limit = state.correspondence.limits().max_upload_bytes;
    let broken = |e: &axum::extract::multipart::MultipartError| {
        WebError::from_api(crate::api::letters::multipart_error(e, limit), lang)
    };
    let mut csrf_checked = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(broken(&e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if !csrf_checked {
            let given =
                if name == "csrf" { bounded(field).await.ok().flatten().unwrap_or_default() } else { String::new() };
            check_csrf(viewer, headers, &given)?;
            csrf_checked = true;
            continue;
        }
        if name == "scan" || name == "enclosures" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            if filename.is_empty() {
                continue; // a file input left empty
            }
            let bytes = field.bytes().await.map_err(|e| broken(&e))?;
            let (list, max) = if name == "scan" {
                (&mut files.scan, MAX_SCAN_PAGES)
            } else {
                (&mut files.enclosures, MAX_ENCLOSURES)
            };
            if list.len() >= max {
                errors.push(format!("{filename}: {} {max}", lang.pick("เลือกไฟล์ได้ไม่เกิน", "at most this many files:")));
                continue;
            }
            list.push(ArrivalFile { name: filename, bytes: bytes.to_vec() });
            continue;
        }
        let Some(value) = bounded(field).await.map_err(|e| broken(&e))? else {
            let label = lang.texts().get(name.as_str()).copied().unwrap_or("?");
            errors.push(format!("{label}: {}", lang.pick("ยาวเกินไป", "too long")));
            continue;
        };
        match name.as_str() {
            "sender" => form.sender = value,
            "sender_number" => form.sender_number = value,
            "sender_date" => form.sender_date = value,
            "subject" => form.subject = value,
            "urgency" => form.urgency = value,
            "secrecy" => form.secrecy = value,
            "channel" => form.channel = value,
            "enclosures_note" => form.enclosures_note = value,
            "action" => form.action = value,
            "remarks" => form.remarks = value,
            "confirm_different" => form.confirm_different = value == "yes",
            "add_sender" => form.add_sender = value == "yes",
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(WebError::csrf(lang));
    }
    Ok(())
}

/// A text field's value, read up to the compose form's bound; `None` when longer or not UTF-8.
async fn bounded(
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<Option<String>, axum::extract::multipart::MultipartError> {
    let max = super::compose::MAX_FIELD_BYTES;
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if bytes.len() + chunk.len() > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8(bytes).ok())
}

/// The sender typed or picked: the body of the office's address book with exactly that name, or a
/// new one when the clerk ticked "add"; `None` when there is none and the clerk did not ask.
async fn sender(state: &AppState, viewer: &Viewer, form: &ArrivalForm) -> Result<Option<String>, RoutingError> {
    let name = form.sender.trim();
    let found = state.correspondence.suggest_outside_bodies(&viewer.actor, name, Some(20)).await?;
    if let Some(body) = found.into_iter().find(|b| b.name.trim() == name) {
        return Ok(Some(body.id));
    }
    if !form.add_sender {
        return Ok(None);
    }
    let input = BodyInput { kind: BodyKind::Organisation, name: name.to_owned(), email: None, postal_address: None };
    Ok(Some(state.correspondence.create_outside_body(&viewer.actor, input).await?.id))
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Checks the form's choices; `None` with the errors said when one is not known or missing.
fn choices(viewer: &Viewer, form: &ArrivalForm, errors: &mut Vec<String>) -> Option<(Urgency, Secrecy, Channel)> {
    let lang = viewer.lang;
    let t = lang.texts();
    let mut check = |ok: bool, label: &str, th: &str, en: &str| {
        if !ok {
            errors.push(format!("{}: {}", t.get(label).copied().unwrap_or(label), lang.pick(th, en)));
        }
    };
    let urgency = Urgency::parse(&form.urgency).ok();
    check(urgency.is_some(), "urgency", "ไม่รู้จักชั้นความเร็วนี้", "unknown urgency");
    let secrecy = Secrecy::parse(&form.secrecy).ok();
    check(secrecy.is_some(), "secrecy", "ไม่รู้จักชั้นความลับนี้", "unknown secrecy");
    let channel = Channel::parse(&form.channel).ok();
    check(channel.is_some(), "arrival_channel", "เลือกช่องทางที่ได้รับ", "choose how it came");
    check(!form.sender.trim().is_empty(), "arrival_sender", "กรุณาระบุ", "required");
    Some((urgency?, secrecy?, channel?))
}

/// Registers the arrival and opens its letter page, or shows the form again with what is wrong.
pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    if !viewer.may(Permission::ReceiveOrReject) {
        return Err(routing_error(RoutingError::Forbidden, lang));
    }
    let mut form = ArrivalForm::default();
    let mut files = Files::default();
    let mut refusal = Refusal::default();
    read_form(&state, &viewer, &headers, multipart, &mut form, &mut files, &mut refusal.errors).await?;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let chosen = choices(&viewer, &form, &mut refusal.errors);
    if let (Some((urgency, secrecy, channel)), true) = (chosen, refusal.errors.is_empty()) {
        match sender(&state, &viewer, &form).await {
            Ok(None) => refusal.unknown_sender = true,
            Err(e) => {
                let error = routing_error(e, lang);
                status = error.status();
                refusal.errors.push(format!("{}: {}", lang.texts()["arrival_sender"], error.message()));
            }
            Ok(Some(sender_id)) => {
                let input = ArrivalInput {
                    sender_id,
                    sender_number: form.sender_number.clone(),
                    sender_date: form.sender_date.clone(),
                    subject: form.subject.clone(),
                    kind: LetterKind::External,
                    urgency,
                    secrecy,
                    channel,
                    enclosures_note: optional(&form.enclosures_note),
                    action: optional(&form.action),
                    remarks: optional(&form.remarks),
                    confirm_different: form.confirm_different,
                };
                match state.correspondence.register_arrival(&viewer.actor, input, files.scan, files.enclosures).await {
                    Ok(view) => {
                        return Ok(Redirect::to(&format!("/letters/{}?done=received", view.letter_id)).into_response());
                    }
                    Err(RoutingError::Arrival(ArrivalRefusal::AlreadyRegistered { earlier })) => {
                        status = StatusCode::CONFLICT;
                        refusal.already_registered = Some(earlier);
                    }
                    Err(e) => {
                        let error = routing_error(e, lang);
                        status = error.status();
                        refusal.errors.push(error.message().to_owned());
                    }
                }
            }
        }
    }
    // Asked to confirm again: the tick is never carried over to a new question.
    form.confirm_different = false;
    render(&state, &viewer, &form, refusal, status).await
}
