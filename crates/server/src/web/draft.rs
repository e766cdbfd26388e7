//! Drafting and signing on the web: the drafts waiting for the viewer and their own (ร่างหนังสือ),
//! the form that starts a draft with its file (PDF, or DOCX/ODT the node converts), one draft whole —
//! its fields, chain, versions and routing record — with a form for each step the viewer may take
//! now (submit with the chain, comment, return, initial, withdraw, a new version, sign with the PIN).
//! Every form calls the same
//! `Correspondence` methods as the API; a step taken redirects back to the draft (so a reload
//! repeats nothing), a refused one shows the draft again with the reason in the viewer's language.

use super::render::{Notice, Page, WebError, routing_error};
use super::{Viewer, check_csrf};
use crate::AppState;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use sarabun_domain::draft::may_sign;
use sarabun_domain::{ChainRole, DraftStepKind, LetterKind, Permission, Secrecy, Series, Urgency};
use sarabun_routing::draft::{DraftFile, DraftView, ReferenceInputStored, SigningKeyView};
use sarabun_routing::route::OfficeStructure;
use sarabun_routing::{ChainInput, DraftFields, DraftStepInput, OfficeView, RoutingError};
use serde::{Deserialize, Serialize};

/// The most bytes one text field of the draft form may hold (as the compose form).
const MAX_FIELD_BYTES: usize = 8 * 1024;
/// How many reviewers the chain picker offers rows for (the domain allows more through the API).
const REVIEWER_ROWS: usize = 4;

pub(super) fn forbid_unless_drafter(viewer: &Viewer) -> Result<(), WebError> {
    if viewer.may(Permission::Draft) { Ok(()) } else { Err(routing_error(RoutingError::Forbidden, viewer.lang)) }
}

/// ร่างหนังสือ: what waits for the viewer and what they wrote.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let lang = viewer.lang;
    forbid_unless_drafter(&viewer)?;
    let drafts = state.correspondence.drafts(&viewer.actor).await.map_err(|e| routing_error(e, lang))?;
    Page::new("drafts.html", "drafts", "/drafts").render(&viewer, drafts)
}

/// What the new-draft form holds; shown again when something must be corrected.
#[derive(Debug, Default, Serialize)]
pub struct DraftForm {
    kind: String,
    series: String,
    subject: String,
    addressee: String,
    recipients: Vec<String>,
    urgency: String,
    secrecy: String,
    deadline: String,
    ref_number: String,
    ref_date: String,
    ref_subject: String,
    enclosures_note: String,
    retention_years: String,
    #[serde(skip)]
    file: Option<DraftFile>,
}

#[derive(Serialize)]
struct NewDraftData<'a> {
    form: &'a DraftForm,
    errors: Vec<String>,
    /// As the compose form's: all offices, or the chosen and recent ones of a large directory.
    offices: Vec<OfficeView>,
    directory_size: usize,
    listed_all: bool,
    kinds: Vec<&'static str>,
    urgencies: Vec<&'static str>,
    secrecies: Vec<&'static str>,
    /// The series the office keeps (`_letter_fields.html`).
    series_choices: Vec<&'static str>,
    max_upload_mb: u64,
}

async fn render_new(
    state: &AppState,
    viewer: &Viewer,
    form: &DraftForm,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let choices = state
        .correspondence
        .recipient_choices(&viewer.actor, &form.recipients)
        .await
        .map_err(|e| routing_error(e, viewer.lang))?;
    let data = NewDraftData {
        form,
        errors,
        offices: choices.offices,
        directory_size: choices.directory_size,
        listed_all: choices.listed_all,
        kinds: LetterKind::ALL.iter().map(|k| k.as_str()).collect(),
        urgencies: Urgency::ALL.iter().map(|u| u.as_str()).collect(),
        secrecies: Secrecy::ALL.iter().filter(|s| viewer.actor.clearance.clears(**s)).map(|s| s.as_str()).collect(),
        series_choices: super::compose::series_choices(state, viewer).await,
        max_upload_mb: state.settings.uploads.max_bytes / (1024 * 1024),
    };
    Page::new("draft_new.html", "drafts", "/drafts/new").status(status).render(viewer, data)
}

/// The empty new-draft form.
pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    forbid_unless_drafter(&viewer)?;
    let form = DraftForm {
        kind: LetterKind::External.as_str().into(),
        series: Series::Normal.as_str().into(),
        urgency: Urgency::Normal.as_str().into(),
        secrecy: Secrecy::None.as_str().into(),
        retention_years: "10".into(),
        ..DraftForm::default()
    };
    render_new(&state, &viewer, &form, Vec::new(), StatusCode::OK).await
}

/// A multipart form read whole: its text fields in order and the one file, if any. The CSRF token
/// is the first field, checked before anything else is read.
struct ReadForm {
    texts: Vec<(String, String)>,
    file: Option<DraftFile>,
    /// Text fields too long to be typed, by name (said so, and not shown back).
    too_long: Vec<String>,
}

async fn read_multipart(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<ReadForm, WebError> {
    let lang = viewer.lang;
    let limit = state.correspondence.limits().max_upload_bytes;
    let broken = |e: &axum::extract::multipart::MultipartError| {
        WebError::from_api(crate::api::letters::multipart_error(e, limit), lang)
    };
    let mut form = ReadForm { texts: Vec::new(), file: None, too_long: Vec::new() };
    let mut csrf_checked = false;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(broken(&e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = name == "file";
        let cap = if is_file { usize::try_from(limit).unwrap_or(usize::MAX) } else { MAX_FIELD_BYTES };
        let filename = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        let mut over = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if !over => {
                    if bytes.len() + chunk.len() > cap {
                        over = true;
                        bytes = Vec::new();
                    } else {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => return Err(broken(&e)),
            }
        }
        if !csrf_checked {
            let given = if name == "csrf" { String::from_utf8(bytes).unwrap_or_default() } else { String::new() };
            check_csrf(viewer, headers, &given)?;
            csrf_checked = true;
            continue;
        }
        if is_file {
            if over {
                return Err(routing_error(RoutingError::TooLarge { limit }, lang));
            }
            if !filename.is_empty() {
                form.file = Some(DraftFile { filename, bytes: bytes.into() });
            }
            continue;
        }
        match (over, String::from_utf8(bytes)) {
            (false, Ok(text)) => form.texts.push((name, text)),
            _ => form.too_long.push(name),
        }
    }
    if !csrf_checked {
        return Err(WebError::csrf(lang));
    }
    Ok(form)
}

/// The form's fields as the letter's, or what is wrong with them.
fn draft_fields(viewer: &Viewer, form: &DraftForm) -> Result<DraftFields, Vec<String>> {
    let lang = viewer.lang;
    let t = lang.texts();
    let mut errors = Vec::new();
    let mut check = |ok: bool, label: &str, th: &str, en: &str| {
        if !ok {
            errors.push(format!("{}: {}", t.get(label).copied().unwrap_or(label), lang.pick(th, en)));
        }
    };
    let super::compose::LetterChoices { kind, series, urgency, secrecy } = super::compose::letter_choices(
        &mut check,
        super::compose::LetterText {
            kind: &form.kind,
            series: &form.series,
            urgency: &form.urgency,
            secrecy: &form.secrecy,
            subject: &form.subject,
            addressee: &form.addressee,
            recipients: &form.recipients,
            any_outside: false,
        },
    );
    check(form.file.is_some(), "draft_file", "กรุณาแนบไฟล์", "attach the file");
    let deadline = super::compose::deadline(&form.deadline);
    check(deadline.is_some(), "deadline", "วันเวลาไม่ถูกต้อง", "not a date and time");
    let retention = super::compose::retention_years(&form.retention_years);
    check(retention.is_some(), "retention_years", "ต้องเป็นตัวเลข", "must be a number");
    let mut references = Vec::new();
    let (number, date) = (form.ref_number.trim(), form.ref_date.trim());
    if !(number.is_empty() && date.is_empty()) {
        match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(date) if !number.is_empty() => references.push(ReferenceInputStored {
                number: number.to_owned(),
                date,
                subject: Some(form.ref_subject.trim().to_owned()).filter(|s| !s.is_empty()),
            }),
            _ => check(false, "references", "ระบุทั้งที่และวันที่ของหนังสืออ้างถึง", "give both the number and the date"),
        }
    }
    let (Some(kind), Some(series), Some(urgency), Some(secrecy), Some(deadline), Some(retention)) =
        (kind, series, urgency, secrecy, deadline, retention)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DraftFields {
        kind,
        series,
        subject: form.subject.trim().to_owned(),
        addressee: form.addressee.trim().to_owned(),
        recipients: form.recipients.clone(),
        urgency,
        secrecy,
        deadline,
        enclosure_sha256: Vec::new(),
        enclosures_note: Some(form.enclosures_note.trim().to_owned()).filter(|n| !n.is_empty()),
        references,
        retention_years: retention,
    })
}

/// Starts a draft from the form, then shows it.
pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    forbid_unless_drafter(&viewer)?;
    let read = read_multipart(&state, &viewer, &headers, multipart).await?;
    let mut form = DraftForm { file: read.file, ..DraftForm::default() };
    for (name, value) in read.texts {
        match name.as_str() {
            "kind" => form.kind = value,
            "series" => form.series = value,
            "subject" => form.subject = value,
            "addressee" => form.addressee = value,
            "recipients" => form.recipients.push(value),
            "recipient_codes" => form.recipients.extend(super::compose::typed_recipients(&value)),
            "urgency" => form.urgency = value,
            "secrecy" => form.secrecy = value,
            "deadline" => form.deadline = value,
            "ref_number" => form.ref_number = value,
            "ref_date" => form.ref_date = value,
            "ref_subject" => form.ref_subject = value,
            "enclosures_note" => form.enclosures_note = value,
            "retention_years" => form.retention_years = value,
            _ => {}
        }
    }
    let mut errors: Vec<String> = read
        .too_long
        .iter()
        .map(|name| {
            let label = lang.texts().get(name.as_str()).copied().unwrap_or("?");
            format!("{label}: {}", lang.pick("ยาวเกินไป", "too long"))
        })
        .collect();
    if errors.is_empty() {
        match draft_fields(&viewer, &form) {
            Ok(fields) => {
                // draft_fields refuses a form without its file, so there is one here.
                if let Some(file) = form.file.take() {
                    match state.correspondence.start_draft(&viewer.actor, fields, file).await {
                        Ok(draft) => {
                            return Ok(Redirect::to(&format!("/drafts/{}?done=started", draft.id)).into_response());
                        }
                        Err(e) => errors.push(routing_error(e, lang).message().to_owned()),
                    }
                }
            }
            Err(found) => errors = found,
        }
    }
    // The file is not kept: a refused draft stores nothing, so it is chosen again.
    errors.push(lang.pick("กรุณาเลือกไฟล์อีกครั้ง", "Choose the file again").to_owned());
    render_new(&state, &viewer, &form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A person offered on the chain picker.
#[derive(Serialize)]
struct PersonChoice {
    username: String,
    full_name: String,
    position: String,
}

/// People under one heading: the office itself, or a unit.
#[derive(Serialize)]
struct PeopleGroup {
    name: String,
    people: Vec<PersonChoice>,
}

/// What the chain picker offers and what it starts with (the last chain, when sent up again).
#[derive(Serialize)]
struct ChainChoices {
    reviewers: Vec<PeopleGroup>,
    /// Those whose position may sign this kind of letter for the office.
    signers: Vec<PersonChoice>,
    /// The reviewers chosen before, one per row (empty rows after them).
    chosen_reviewers: Vec<String>,
    chosen_signer: String,
}

fn chain_choices(structure: OfficeStructure, draft: &DraftView, me: &str) -> ChainChoices {
    let choice = |p: &sarabun_routing::route::PlacedPerson| PersonChoice {
        username: p.person.username.clone(),
        full_name: p.person.full_name.clone(),
        position: p.person.position.clone(),
    };
    let others: Vec<&sarabun_routing::route::PlacedPerson> =
        structure.people.iter().filter(|p| p.person.username != me).collect();
    let mut reviewers = vec![PeopleGroup {
        name: "ระดับส่วนราชการ".into(),
        people: others.iter().filter(|p| p.unit.is_none()).map(|p| choice(p)).collect(),
    }];
    for unit in &structure.units {
        let people: Vec<PersonChoice> =
            others.iter().filter(|p| p.unit.as_deref() == Some(unit.code.as_str())).map(|p| choice(p)).collect();
        reviewers.push(PeopleGroup { name: unit.name_th.clone(), people });
    }
    reviewers.retain(|g| !g.people.is_empty());
    let signers = others.iter().filter(|p| may_sign(draft.fields.kind, p.authority)).map(|p| choice(p)).collect();
    let mut chosen_reviewers: Vec<String> =
        draft.chain.iter().filter(|c| c.role == ChainRole::Reviewer).map(|c| c.username.clone()).collect();
    chosen_reviewers.resize(REVIEWER_ROWS.max(chosen_reviewers.len()), String::new());
    let chosen_signer =
        draft.chain.iter().find(|c| c.role == ChainRole::Signer).map(|c| c.username.clone()).unwrap_or_default();
    ChainChoices { reviewers, signers, chosen_reviewers, chosen_signer }
}

#[derive(Serialize)]
struct DraftData {
    draft: DraftView,
    /// The recipient offices, named.
    recipients: Vec<OfficeView>,
    /// Who holds the draft now, when it is on its chain, and their place on it.
    holder: Option<String>,
    current_position: Option<i32>,
    chain: Option<ChainChoices>,
    /// The viewer's signing key, when they may sign now.
    signing_key: Option<SigningKeyView>,
    may_sign: bool,
    max_upload_mb: u64,
}

/// Renders a draft page; `notice` says what just happened.
async fn page(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    let draft = state.correspondence.draft(&viewer.actor, id).await.map_err(|e| routing_error(e, lang))?;
    let offices = state.correspondence.offices().await.map_err(|e| routing_error(e, lang))?;
    let recipients = draft
        .fields
        .recipients
        .iter()
        .map(|code| {
            offices.iter().find(|o| &o.code == code).cloned().unwrap_or_else(|| OfficeView {
                id: String::new(),
                code: code.clone(),
                name_th: String::new(),
                name_en: String::new(),
                parent_code: None,
                inbox_email: String::new(),
            })
        })
        .collect();
    let chain = if draft.may.contains(&DraftStepKind::Submit) {
        let structure =
            state.correspondence.office_structure(&viewer.actor).await.map_err(|e| routing_error(e, lang))?;
        Some(chain_choices(structure, &draft, &viewer.actor.username))
    } else {
        None
    };
    let may_sign = draft.may.contains(&DraftStepKind::Sign);
    let signing_key = if may_sign {
        state.correspondence.signing_key(&viewer.actor).await.map_err(|e| routing_error(e, lang))?
    } else {
        None
    };
    let current = draft.chain.iter().find(|c| c.current);
    let holder = current.map(|c| c.full_name.clone());
    let current_position = current.map(|c| c.position);
    let data = DraftData {
        draft,
        recipients,
        holder,
        current_position,
        chain,
        signing_key,
        may_sign,
        max_upload_mb: state.settings.uploads.max_bytes / (1024 * 1024),
    };
    let path = format!("/drafts/{id}");
    Page::new("draft.html", "drafts", &path).notice(notice).status(status).render(viewer, data)
}

#[derive(Deserialize)]
pub struct Done {
    pub(super) done: Option<String>,
}

/// The words of the notice after a step, by the `done` the redirect carries.
const DONE: &[&str] = &["started", "submit", "comment", "return", "initial", "withdraw", "revise", "sign"];

/// One draft.
pub async fn draft(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    let texts = viewer.lang.texts();
    let notice = q
        .done
        .as_deref()
        .filter(|d| DONE.contains(d))
        .and_then(|d| texts.get(format!("done_draft_{d}").as_str()))
        .map(|t| Notice::ok(*t));
    page(&state, &viewer, &id, notice, StatusCode::OK).await
}

/// Back to the draft with a notice, or the draft again with the refusal.
async fn after(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    outcome: Result<(), RoutingError>,
    done: &str,
) -> Result<Response, WebError> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/drafts/{id}?done={done}")).into_response()),
        Err(e) => {
            let error = routing_error(e, viewer.lang);
            let status = error.status();
            match page(state, viewer, id, Some(Notice::error(error.message())), status).await {
                Ok(response) => Ok(response),
                Err(_) => Err(error),
            }
        }
    }
}

/// A step form's fields as sent (`application/x-www-form-urlencoded`), in order, repeated names
/// kept: the chain picker sends one `reviewer` per row, top to bottom.
struct StepFields(Vec<(String, String)>);

impl StepFields {
    fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn optional(&self, name: &str) -> Option<String> {
        Some(self.one(name).trim().to_owned()).filter(|v| !v.is_empty())
    }
}

/// Takes a step on a draft from its form (`submit`, `comment`, `return`, `initial`, `withdraw`,
/// `sign`), then back to the draft.
pub async fn step(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((id, step)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let fields = StepFields(fields);
    check_csrf(&viewer, &headers, &fields.one("csrf"))?;
    let input = match step.as_str() {
        "submit" => {
            let mut chain: Vec<ChainInput> = fields
                .0
                .iter()
                .filter(|(k, v)| k == "reviewer" && !v.trim().is_empty())
                .map(|(_, v)| ChainInput { username: v.trim().to_owned(), role: ChainRole::Reviewer })
                .collect();
            if let Some(signer) = fields.optional("signer") {
                chain.push(ChainInput { username: signer, role: ChainRole::Signer });
            }
            DraftStepInput::Submit { chain, note: fields.optional("note") }
        }
        "comment" => DraftStepInput::Comment { text: fields.one("text") },
        "return" => DraftStepInput::Return { reason: fields.one("reason") },
        "initial" => DraftStepInput::Initial { note: fields.optional("note") },
        "withdraw" => DraftStepInput::Withdraw { reason: fields.optional("note") },
        "sign" => {
            let outcome = match fields.one("version").trim().parse::<i32>() {
                Ok(version) => {
                    state.correspondence.sign_draft(&viewer.actor, &id, version, &fields.one("pin")).await.map(|_| ())
                }
                Err(_) => Err(RoutingError::Field { field: "version", message: "not a version number".into() }),
            };
            return after(&state, &viewer, &id, outcome, "sign").await;
        }
        _ => return Err(routing_error(RoutingError::NotFound("step"), viewer.lang)),
    };
    let outcome = state.correspondence.draft_step(&viewer.actor, &id, input).await.map(|_| ());
    after(&state, &viewer, &id, outcome, &step).await
}

/// A new version of a draft from its upload form, then back to the draft.
pub async fn revise(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let read = read_multipart(&state, &viewer, &headers, multipart).await?;
    let outcome = match read.file {
        Some(file) => state.correspondence.revise_draft(&viewer.actor, &id, file, None).await.map(|_| ()),
        None => Err(RoutingError::Field { field: "file", message: "choose the new version's file".into() }),
    };
    after(&state, &viewer, &id, outcome, "revise").await
}
