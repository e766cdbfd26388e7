//! Compose and send: one multipart form carries the letter's fields and its files, so it works without
//! JavaScript; with it, the same form is sent by XMLHttpRequest to show upload progress. Files are
//! streamed to the blob store as they arrive. A form that comes back with errors keeps what was
//! typed and the files already uploaded (by digest), so nothing has to be chosen twice. Each form
//! carries its own idempotency key: a double click or a retried upload sends the letter once.
//! Opened from a received letter (`?reply_to=<delivery id>`), the form starts as its answer: the
//! received letter as the reference (อ้างถึง: number, date, subject), its sender as the recipient.

use super::render::{Page, WebError, routing_error};
use super::{Viewer, check_csrf};
use crate::AppState;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use sarabun_domain::{LetterKind, Permission, Secrecy, Series, Urgency, bangkok};
use sarabun_routing::new_token;
use sarabun_routing::{Compose, OfficeView, ReferenceInput, RoutingError, UploadedDocument};
use serde::{Deserialize, Serialize};

/// How many files one form may carry (the body and enclosures); bounds the request size.
pub const MAX_FILES: usize = 6;
/// The most bytes one text field of the form may hold; far above any subject or name, far below
/// the body limit, so a refused form never carries (or echoes) megabytes of text.
pub const MAX_FIELD_BYTES: usize = 8 * 1024;
/// Rows for references to earlier letters.
const REFERENCE_ROWS: usize = 2;
/// Rows for recipients outside Sarabun on the form.
const OUTSIDE_ROWS: usize = 3;
/// The most address-book entries the form offers to pick from.
const BOOK_CHOICES: u64 = 200;

/// What the form holds, typed or uploaded; shown again when something must be corrected.
#[derive(Debug, Default, Serialize)]
pub struct ComposeForm {
    idempotency_key: String,
    kind: String,
    series: String,
    subject: String,
    addressee: String,
    recipients: Vec<String>,
    urgency: String,
    secrecy: String,
    deadline: String,
    ref_number: Vec<String>,
    ref_date: Vec<String>,
    ref_subject: Vec<String>,
    enclosures_note: String,
    signer_name: String,
    signer_position: String,
    retention_years: String,
    body: Option<UploadedDocument>,
    enclosures: Vec<UploadedDocument>,
    /// Outside recipients, row by row: the address-book entry picked (or empty), the name, e-mail
    /// and postal address typed.
    out_body: Vec<String>,
    out_name: Vec<String>,
    out_email: Vec<String>,
    out_address: Vec<String>,
}

#[derive(Serialize)]
struct ComposeData<'a> {
    form: &'a ComposeForm,
    errors: Vec<String>,
    /// The offices listed to tick (`_letter_fields.html`): all, or in a large directory the chosen
    /// and recent ones.
    offices: Vec<OfficeView>,
    /// How many other offices there are, and whether `offices` is all of them.
    directory_size: usize,
    listed_all: bool,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    secrecies: Vec<&'static str>,
    /// The series the office keeps (`_letter_fields.html`).
    series_choices: Vec<&'static str>,
    reference_rows: Vec<usize>,
    max_upload_mb: u64,
    outside_rows: Vec<usize>,
    /// The office's address book to pick outside recipients from.
    book: Vec<sarabun_routing::OutsideBodyView>,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    form: &ComposeForm,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let choices = state
        .correspondence
        .recipient_choices(&viewer.actor, &form.recipients)
        .await
        .map_err(|e| routing_error(e, viewer.lang))?;
    let data = ComposeData {
        form,
        errors,
        offices: choices.offices,
        directory_size: choices.directory_size,
        listed_all: choices.listed_all,
        kinds: LetterKind::ALL.iter().map(|k| k.as_str()).collect(),
        urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
        secrecies: Secrecy::ALL.iter().filter(|s| viewer.actor.clearance.clears(**s)).map(|s| s.as_str()).collect(),
        series_choices: series_choices(state, viewer).await,
        reference_rows: (0..REFERENCE_ROWS).collect(),
        max_upload_mb: state.settings.uploads.max_bytes / (1024 * 1024),
        outside_rows: (0..OUTSIDE_ROWS.max(form.out_name.len())).collect(),
        // Someone who may send but not read the book picks nothing and types instead.
        book: state.correspondence.outside_bodies(&viewer.actor, 1, BOOK_CHOICES).await.unwrap_or_default(),
    };
    Page::new("compose.html", "compose", "/compose").status(status).render(viewer, data)
}

/// The recipient codes a clerk typed (`recipient_codes`, offered when the directory is too large to
/// list): separated by commas, semicolons or new lines. Each is checked as a ticked one is.
pub(crate) fn typed_recipients(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split([',', ';', '\n']).map(str::trim).filter(|code| !code.is_empty()).map(str::to_owned)
}

fn fresh_key(viewer: &Viewer) -> Result<String, WebError> {
    new_token().map_err(|e| WebError::from_api(e.into(), viewer.lang))
}

#[derive(Deserialize)]
pub struct ReplyTo {
    reply_to: Option<String>,
}

/// The empty form, or the answer to a received letter.
pub async fn form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ReplyTo>,
) -> Result<Response, WebError> {
    if !viewer.may(Permission::Send) {
        return Err(routing_error(RoutingError::Forbidden, viewer.lang));
    }
    let mut form = ComposeForm {
        idempotency_key: fresh_key(&viewer)?,
        kind: LetterKind::External.as_str().into(),
        series: Series::Normal.as_str().into(),
        urgency: Urgency::Normal.as_str().into(),
        secrecy: Secrecy::None.as_str().into(),
        retention_years: "10".into(),
        ..ComposeForm::default()
    };
    if let Some(delivery_id) = q.reply_to.as_deref().filter(|d| !d.is_empty()) {
        answering(&state, &viewer, delivery_id, &mut form).await?;
    }
    render(&state, &viewer, &form, Vec::new(), StatusCode::OK).await
}

/// Starts the form as the answer to the received letter `delivery_id` of the viewer's office, read
/// through routing as the letter page reads it: only a letter the viewer may read can be answered.
async fn answering(
    state: &AppState,
    viewer: &Viewer,
    delivery_id: &str,
    form: &mut ComposeForm,
) -> Result<(), WebError> {
    let lang = viewer.lang;
    let matter = state.correspondence.matter(&viewer.actor, delivery_id).await.map_err(|e| routing_error(e, lang))?;
    let letter =
        state.correspondence.letter(&viewer.actor, &matter.letter_id).await.map_err(|e| routing_error(e, lang))?;
    form.ref_number = vec![letter.number];
    form.ref_date = vec![letter.letter_date];
    form.ref_subject = vec![letter.subject];
    form.addressee = letter.signer_position;
    form.recipients = vec![letter.from.code];
    Ok(())
}

/// A file named by digest in a form sent back for correction: it must be one this office uploaded.
fn previously_uploaded(digest: &str, name: &str) -> UploadedDocument {
    UploadedDocument {
        id: String::new(),
        sha256: digest.to_owned(),
        filename: name.to_owned(),
        media_type: String::new(),
        size: 0,
    }
}

/// Reads the whole form, uploading files as they come.
async fn read_form(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    mut multipart: Multipart,
    form: &mut ComposeForm,
    errors: &mut Vec<String>,
) -> Result<(), WebError> {
    let lang = viewer.lang;
    let mut csrf_checked = false;
    let mut files = 0usize;
    let mut body_kept: Option<(String, String)> = None;
    let mut enclosures_kept: Vec<(String, String)> = Vec::new();
    let limit = state.correspondence.limits().max_upload_bytes;
    let broken = |e: &axum::extract::multipart::MultipartError| {
        WebError::from_api(crate::api::letters::multipart_error(e, limit), lang)
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(broken(&e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        // The token is the form's first field: nothing is stored before it is checked.
        if !csrf_checked {
            let given = if name == "csrf" {
                bounded_text(field).await.ok().flatten().unwrap_or_default()
            } else {
                String::new()
            };
            check_csrf(viewer, headers, &given)?;
            csrf_checked = true;
            continue;
        }
        if name == "body" || name == "enclosures" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            if filename.is_empty() {
                continue; // a file input left empty
            }
            files += 1;
            if files > MAX_FILES {
                errors.push(format!("{} {MAX_FILES}", lang.pick("แนบไฟล์ได้ไม่เกิน", "At most this many files:")));
                continue;
            }
            match crate::api::letters::upload_field(state, &viewer.actor, field, &filename).await {
                Ok(doc) if name == "body" => form.body = Some(doc),
                Ok(doc) => form.enclosures.push(doc),
                // The body broke off: there is no form left to show again.
                Err(e @ RoutingError::UploadBroken(_)) => return Err(routing_error(e, lang)),
                Err(e) => errors.push(format!("{filename}: {}", routing_error(e, lang).message())),
            }
            continue;
        }
        let Some(value) = bounded_text(field).await.map_err(|e| broken(&e))? else {
            // Too long to be typed: said so, and not shown back.
            let label = lang.texts().get(name.as_str()).copied().unwrap_or("?");
            errors.push(format!(
                "{label}: {}",
                lang.pick(
                    &format!("ยาวเกิน {} KiB", MAX_FIELD_BYTES / 1024),
                    &format!("longer than {} KiB", MAX_FIELD_BYTES / 1024)
                )
            ));
            continue;
        };
        match name.as_str() {
            "idempotency_key" => form.idempotency_key = value,
            "kind" => form.kind = value,
            "series" => form.series = value,
            "subject" => form.subject = value,
            "addressee" => form.addressee = value,
            "recipients" => form.recipients.push(value),
            "recipient_codes" => form.recipients.extend(typed_recipients(&value)),
            "urgency" => form.urgency = value,
            "secrecy" => form.secrecy = value,
            "deadline" => form.deadline = value,
            "ref_number" => form.ref_number.push(value),
            "ref_date" => form.ref_date.push(value),
            "ref_subject" => form.ref_subject.push(value),
            "enclosures_note" => form.enclosures_note = value,
            "signer_name" => form.signer_name = value,
            "signer_position" => form.signer_position = value,
            "retention_years" => form.retention_years = value,
            "out_body" => form.out_body.push(value),
            "out_name" => form.out_name.push(value),
            "out_email" => form.out_email.push(value),
            "out_address" => form.out_address.push(value),
            "body_kept" => body_kept = value.split_once(' ').map(|(d, n)| (d.to_owned(), n.to_owned())),
            "enclosure_kept" => {
                if let Some((d, n)) = value.split_once(' ') {
                    enclosures_kept.push((d.to_owned(), n.to_owned()));
                }
            }
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(WebError::csrf(lang));
    }
    // Files uploaded with an earlier attempt count when none replaced them.
    if form.body.is_none() {
        form.body = body_kept.map(|(d, n)| previously_uploaded(&d, &n));
    }
    if form.enclosures.is_empty() {
        form.enclosures = enclosures_kept.iter().map(|(d, n)| previously_uploaded(d, n)).collect();
    }
    Ok(())
}

/// A text field's value, read up to [`MAX_FIELD_BYTES`]; `None` when it is longer (the rest of it
/// is skipped, never held) or not UTF-8.
async fn bounded_text(
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<Option<String>, axum::extract::multipart::MultipartError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if bytes.len() + chunk.len() > MAX_FIELD_BYTES {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8(bytes).ok())
}

/// Turns the form into a letter to send, or says what is wrong with it.
fn compose(viewer: &Viewer, form: &ComposeForm) -> Result<Compose, Vec<String>> {
    let lang = viewer.lang;
    let t = lang.texts();
    let mut errors = Vec::new();
    let mut check = |ok: bool, label: &str, th: &str, en: &str| {
        if !ok {
            errors.push(format!("{}: {}", t.get(label).copied().unwrap_or(label), lang.pick(th, en)));
        }
    };
    let LetterChoices { kind, series, urgency, secrecy } = letter_choices(
        &mut check,
        LetterText {
            kind: &form.kind,
            series: &form.series,
            urgency: &form.urgency,
            secrecy: &form.secrecy,
            subject: &form.subject,
            addressee: &form.addressee,
            recipients: &form.recipients,
            any_outside: !outside_rows(form).is_empty(),
        },
    );
    check(form.body.is_some(), "body_file", "กรุณาแนบไฟล์ PDF", "attach the PDF");
    check(!form.signer_name.trim().is_empty(), "signer_name", "กรุณาระบุ", "required");
    check(!form.signer_position.trim().is_empty(), "signer_position", "กรุณาระบุ", "required");
    let deadline = deadline(&form.deadline);
    check(deadline.is_some(), "deadline", "วันเวลาไม่ถูกต้อง", "not a date and time");
    let retention = retention_years(&form.retention_years);
    check(retention.is_some(), "retention_years", "ต้องเป็นตัวเลข", "must be a number");
    let mut references = Vec::new();
    for (i, (number, date)) in form.ref_number.iter().zip(form.ref_date.iter()).enumerate() {
        let (number, date) = (number.trim(), date.trim());
        if number.is_empty() && date.is_empty() {
            continue;
        }
        let subject = form.ref_subject.get(i).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(date) if !number.is_empty() => {
                references.push(ReferenceInput { number: number.to_owned(), date, subject })
            }
            _ => check(false, "references", "ระบุทั้งที่และวันที่ของหนังสืออ้างถึง", "give both the number and the date"),
        }
    }
    let (Some(kind), Some(series), Some(urgency), Some(secrecy), Some(deadline), Some(retention), Some(body)) =
        (kind, series, urgency, secrecy, deadline, retention, form.body.as_ref())
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Compose {
        kind,
        series,
        subject: form.subject.trim().to_owned(),
        addressee: form.addressee.trim().to_owned(),
        recipients: form.recipients.clone(),
        urgency,
        secrecy,
        deadline,
        body_sha256: body.sha256.clone(),
        enclosure_sha256: form.enclosures.iter().map(|d| d.sha256.clone()).collect(),
        enclosures_note: Some(form.enclosures_note.trim().to_owned()).filter(|n| !n.is_empty()),
        references,
        signer_name: form.signer_name.trim().to_owned(),
        signer_position: form.signer_position.trim().to_owned(),
        retention_years: retention,
        outside_recipients: outside_rows(form),
    })
}

/// The outside recipients typed or picked on the form; rows left empty are no recipient.
fn outside_rows(form: &ComposeForm) -> Vec<sarabun_routing::OutsideRecipientInput> {
    let at = |list: &[String], i: usize| list.get(i).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    (0..form.out_name.len().max(form.out_body.len()))
        .filter_map(|i| {
            let row = sarabun_routing::OutsideRecipientInput {
                body_id: at(&form.out_body, i),
                kind: None,
                name: at(&form.out_name, i),
                email: at(&form.out_email, i),
                postal_address: at(&form.out_address, i),
            };
            let empty =
                row.body_id.is_none() && row.name.is_none() && row.email.is_none() && row.postal_address.is_none();
            (!empty).then_some(row)
        })
        .collect()
}

/// Uploads the files, numbers and sends the letter, and shows it.
pub async fn send(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    if !viewer.may(Permission::Send) {
        return Err(routing_error(RoutingError::Forbidden, lang));
    }
    let mut form = ComposeForm::default();
    let mut errors = Vec::new();
    if let Err(refused) = read_form(&state, &viewer, &headers, multipart, &mut form, &mut errors).await {
        // A body that broke off after some files had arrived: those uploads go too.
        let ids: Vec<String> =
            form.body.iter().chain(&form.enclosures).filter(|d| !d.id.is_empty()).map(|d| d.id.clone()).collect();
        if let Err(e) = state.correspondence.discard_uploads(&viewer.actor, &ids).await {
            tracing::warn!(error = %e, "uploads of a broken form not discarded");
        }
        return Err(refused);
    }
    if errors.is_empty() {
        match compose(&viewer, &form) {
            Ok(letter) => {
                let key = Some(form.idempotency_key.trim()).filter(|k| !k.is_empty() && k.len() <= 255);
                match state.correspondence.send(&viewer.actor, letter, key).await {
                    Ok((letter, _)) => {
                        return Ok(Redirect::to(&format!("/letters/{}?done=sent", letter.id)).into_response());
                    }
                    Err(e) => errors.push(routing_error(e, lang).message().to_owned()),
                }
            }
            Err(found) => errors = found,
        }
    }
    // Sent back for correction: a new key, since the corrected form is a different request.
    form.idempotency_key = fresh_key(&viewer)?;
    render(&state, &viewer, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A deadline typed as Bangkok local time (`datetime-local`): `Some(None)` when left empty, `None`
/// when it is not a date and time.
pub(super) fn deadline(text: &str) -> Option<Option<chrono::DateTime<Utc>>> {
    match text.trim() {
        "" => Some(None),
        text => NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|local| bangkok().from_local_datetime(&local).single())
            .map(|at| Some(at.with_timezone(&Utc))),
    }
}

/// Years to keep the letter as typed: `Some(None)` when left empty, `None` when not a number.
pub(super) fn retention_years(text: &str) -> Option<Option<i32>> {
    match text.trim() {
        "" => Some(None),
        text => text.parse::<i32>().ok().map(Some),
    }
}

/// What every letter form carries as typed: the choices and the texts that must not be empty.
pub(super) struct LetterText<'a> {
    pub kind: &'a str,
    pub series: &'a str,
    pub urgency: &'a str,
    pub secrecy: &'a str,
    pub subject: &'a str,
    pub addressee: &'a str,
    pub recipients: &'a [String],
    /// Whether the letter also goes to recipients outside Sarabun (then no office is needed).
    pub any_outside: bool,
}

/// A letter form's choices as the domain's values, each `None` when it is not one.
pub(super) struct LetterChoices {
    pub kind: Option<LetterKind>,
    pub series: Option<Series>,
    pub urgency: Option<Urgency>,
    pub secrecy: Option<Secrecy>,
}

/// The series a letter of the viewer's office may be numbered in, for the compose and new-draft
/// forms: those the office keeps; normal and circular, which every office keeps, when the viewer may
/// not read the office's choice.
pub(super) async fn series_choices(state: &AppState, viewer: &Viewer) -> Vec<&'static str> {
    match state.correspondence.office_series(&viewer.actor).await {
        Ok(view) => view.kept.iter().map(|s| s.as_str()).collect(),
        Err(_) => vec![Series::Normal.as_str(), Series::Circular.as_str()],
    }
}

/// Checks what the compose form and the new-draft form share (kinds, numbering, urgency, secrecy
/// known; subject, addressee and recipients given), telling each failure through `check`.
pub(super) fn letter_choices(check: &mut impl FnMut(bool, &str, &str, &str), form: LetterText<'_>) -> LetterChoices {
    let kind = LetterKind::parse(form.kind).ok();
    check(kind.is_some(), "kind", "ไม่รู้จักประเภทนี้", "unknown kind");
    let series = Series::parse(form.series).ok();
    check(series.is_some(), "series", "ไม่รู้จักชุดเลขที่นี้", "unknown numbering");
    let urgency = Urgency::parse(form.urgency).ok();
    check(urgency.is_some(), "urgency", "ไม่รู้จักชั้นความเร็วนี้", "unknown urgency");
    let secrecy = Secrecy::parse(form.secrecy).ok();
    check(secrecy.is_some(), "secrecy", "ไม่รู้จักชั้นความลับนี้", "unknown secrecy");
    check(!form.subject.trim().is_empty(), "subject", "กรุณาระบุ", "required");
    check(!form.addressee.trim().is_empty(), "addressee", "กรุณาระบุ", "required");
    check(
        !form.recipients.is_empty() || form.any_outside,
        "recipients",
        "เลือกอย่างน้อยหนึ่งหน่วยงาน หรือระบุผู้รับภายนอก",
        "choose at least one office or give an outside recipient",
    );
    LetterChoices { kind, series, urgency, secrecy }
}
