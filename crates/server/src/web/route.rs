//! Inside the office on the web: a received letter's route on its page (the timeline, who holds it
//! now and one form for each step the viewer may take now), the forms' targets, the work list
//! (งานของฉัน) and the office's open matters by unit and age (เรื่องค้าง). Every step goes through
//! `Correspondence::take_step`, as the API's do; a step taken redirects back to the letter (so a
//! reload repeats nothing), a refused one shows the letter again with the reason in the viewer's
//! language.

use super::letter::after;
use super::render::{Page, WebError, routing_error};
use super::{Viewer, check_csrf};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sarabun_domain::{MatterState, Permission, StepKind, bangkok};
use sarabun_routing::route::{
    FolderView, HolderView, MatterView, OfficeBacklog, OfficeStructure, StepInput, StepView, Target, WorkItem,
    WorkScope,
};
use sarabun_routing::{RoutingError, SentItem};
use serde::{Deserialize, Serialize};

/// A person offered as whom to propose to or assign to.
#[derive(Serialize)]
struct PersonChoice {
    username: String,
    full_name: String,
    position: String,
    may_order: bool,
    is_me: bool,
}

/// People of the office under one heading: a unit, or the office itself.
#[derive(Serialize)]
struct PeopleGroup {
    name: String,
    people: Vec<PersonChoice>,
}

/// A unit offered as an assignee (held by its head).
#[derive(Serialize)]
struct UnitChoice {
    code: String,
    name_th: String,
    head: Option<String>,
}

/// One step on the timeline, with its due mark.
#[derive(Serialize)]
struct TimelineStep {
    #[serde(flatten)]
    step: StepView,
    overdue: bool,
}

/// The route part of the letter page.
#[derive(Serialize)]
pub(super) struct RouteData {
    delivery_id: String,
    state: MatterState,
    state_words: &'static str,
    folder: Option<String>,
    steps: Vec<TimelineStep>,
    holders: Vec<HolderView>,
    may_take: Vec<StepKind>,
    /// The step whose form is open when the page loads: the one the viewer most likely came for.
    primary: Option<StepKind>,
    acting_for: Option<String>,
    groups: Vec<PeopleGroup>,
    units: Vec<UnitChoice>,
    folders: Vec<FolderView>,
    usual_orders: Vec<&'static str>,
    answers: Vec<SentItem>,
    /// Tomorrow in Bangkok, the earliest due date a form offers (`YYYY-MM-DD`).
    min_due: String,
}

/// The route of the viewer's office's received letter `delivery_id`, as the letter page shows it;
/// `None` when the viewer takes no part in routes or may not see this one.
pub(super) async fn route_data(
    state: &AppState,
    viewer: &Viewer,
    delivery_id: &str,
) -> Result<Option<RouteData>, WebError> {
    if !viewer.may(Permission::TakeRouteSteps) {
        return Ok(None);
    }
    let lang = viewer.lang;
    let matter = match state.correspondence.matter(&viewer.actor, delivery_id).await {
        Ok(matter) => matter,
        Err(RoutingError::NotFound(_) | RoutingError::Forbidden) => return Ok(None),
        Err(e) => return Err(routing_error(e, lang)),
    };
    let now = state.correspondence.clock().now();
    let wants_people =
        matter.may_take.iter().any(|k| matches!(k, StepKind::Propose | StepKind::Order | StepKind::Assign));
    let wants_structure = wants_people || matter.may_take.contains(&StepKind::File);
    let structure = if wants_structure {
        Some(state.correspondence.office_structure(&viewer.actor).await.map_err(|e| routing_error(e, lang))?)
    } else {
        None
    };
    let answers = if matter.may_take.contains(&StepKind::Act) {
        state.correspondence.answer_choices(&viewer.actor, delivery_id).await.map_err(|e| routing_error(e, lang))?
    } else {
        Vec::new()
    };
    Ok(Some(shape(matter, structure, answers, &viewer.actor.username, now)))
}

fn shape(
    matter: MatterView,
    structure: Option<OfficeStructure>,
    answers: Vec<SentItem>,
    me: &str,
    now: DateTime<Utc>,
) -> RouteData {
    let open = matter.state == MatterState::Open;
    let acted_last = matter.steps.last().is_some_and(|s| s.kind == StepKind::Act && s.by.username == me);
    let primary = if acted_last && matter.may_take.contains(&StepKind::Done) {
        Some(StepKind::Done)
    } else {
        [StepKind::Order, StepKind::Assign, StepKind::Act, StepKind::File, StepKind::Propose, StepKind::Done]
            .into_iter()
            .find(|k| matter.may_take.contains(k))
    };
    let steps = matter
        .steps
        .into_iter()
        .map(|step| TimelineStep { overdue: open && step.due_at.is_some_and(|d| d < now), step })
        .collect();
    let (groups, units, folders, usual_orders) = match structure {
        Some(s) => {
            let choice = |p: &sarabun_routing::route::PlacedPerson| PersonChoice {
                username: p.person.username.clone(),
                full_name: p.person.full_name.clone(),
                position: p.person.position.clone(),
                may_order: p.may_order,
                is_me: p.person.username == me,
            };
            // The office's own people (head, deputies, clerks) first, then each unit's.
            let mut groups = vec![PeopleGroup {
                name: "ระดับส่วนราชการ".into(),
                people: s.people.iter().filter(|p| p.unit.is_none()).map(choice).collect(),
            }];
            for unit in &s.units {
                let people: Vec<PersonChoice> =
                    s.people.iter().filter(|p| p.unit.as_deref() == Some(unit.code.as_str())).map(choice).collect();
                if !people.is_empty() {
                    groups.push(PeopleGroup { name: unit.name_th.clone(), people });
                }
            }
            groups.retain(|g| !g.people.is_empty());
            for group in &mut groups {
                // Those who may order first: a matter is most often put before them.
                group.people.sort_by_key(|p| !p.may_order);
            }
            let units = s
                .units
                .iter()
                .map(|u| UnitChoice {
                    code: u.code.clone(),
                    name_th: u.name_th.clone(),
                    head: u.head.as_ref().map(|h| h.full_name.clone()),
                })
                .collect();
            (groups, units, s.folders, s.usual_orders)
        }
        None => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
    };
    RouteData {
        delivery_id: matter.delivery_id,
        state: matter.state,
        state_words: matter.state.thai(),
        folder: matter.folder,
        steps,
        holders: matter.holders,
        may_take: matter.may_take,
        primary,
        acting_for: matter.acting_for.map(|p| p.full_name),
        groups,
        units,
        folders,
        usual_orders,
        answers,
        min_due: (now.with_timezone(&bangkok()).date_naive() + chrono::Duration::days(1))
            .format("%Y-%m-%d")
            .to_string(),
    }
}

/// A form's fields as the browser sent them (`application/x-www-form-urlencoded`), repeated names
/// kept: the assign form sends one `unit` or `person` per ticked box.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &[u8]) -> Self {
        let decode = |s: &[u8]| {
            let spaced: Vec<u8> = s.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
            percent_encoding::percent_decode(&spaced).decode_utf8_lossy().into_owned()
        };
        Fields(
            body.split(|b| *b == b'&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| match pair.iter().position(|b| *b == b'=') {
                    Some(at) => (decode(&pair[..at]), decode(&pair[at + 1..])),
                    None => (decode(pair), String::new()),
                })
                .collect(),
        )
    }

    /// The first value of `name`, or empty.
    fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The value of `name` trimmed, `None` when empty.
    fn optional(&self, name: &str) -> Option<String> {
        Some(self.one(name).trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// Every value of `name`, empty ones left out.
    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_owned()).collect()
    }
}

/// A due date from a date field: the end of that day in Bangkok.
fn due_at(fields: &Fields) -> Result<Option<DateTime<Utc>>, RoutingError> {
    let Some(text) = fields.optional("due") else { return Ok(None) };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(23, 59, 0))
        .and_then(|local| bangkok().from_local_datetime(&local).single())
        .map(|at| Some(at.with_timezone(&Utc)))
        .ok_or(RoutingError::Field { field: "due_at", message: "not a date".into() })
}

/// Units then people ticked in an order or assign form; the lead is whoever is named `lead`, else
/// the first.
fn targets(fields: &Fields) -> Vec<Target> {
    let lead = fields.optional("lead");
    let units = fields.all("unit").into_iter().map(|code| {
        let is_lead = lead.as_deref() == Some(&format!("unit:{code}"));
        Target::Unit { code, lead: is_lead }
    });
    let people = fields.all("person").into_iter().map(|username| {
        let is_lead = lead.as_deref() == Some(&format!("person:{username}"));
        Target::Person { username, lead: is_lead }
    });
    units.chain(people).collect()
}

/// The step a form asks for, from its path and fields.
fn step_input(step: &str, fields: &Fields) -> Result<StepInput, RoutingError> {
    Ok(match step {
        "propose" => {
            StepInput::Propose { to: fields.one("to"), note: fields.optional("note"), due_at: due_at(fields)? }
        }
        "order" => StepInput::Order { text: fields.one("text"), assign: targets(fields), due_at: due_at(fields)? },
        "assign" => StepInput::Assign { to: targets(fields), note: fields.optional("note"), due_at: due_at(fields)? },
        "return" => StepInput::Return { reason: fields.one("reason") },
        "act" => StepInput::Act {
            note: fields.one("note"),
            documents: Vec::new(),
            answer_letter_id: fields.optional("answer_letter_id"),
        },
        "done" => StepInput::Done { note: fields.optional("note") },
        "acknowledge" => StepInput::Acknowledge { note: fields.optional("note") },
        "file" => StepInput::File { folder: fields.one("folder") },
        _ => return Err(RoutingError::NotFound("step")),
    })
}

/// Takes one step on a received letter's route from its form, then back to the letter.
pub async fn take_step(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((delivery_id, step)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let fields = Fields::parse(&body);
    check_csrf(&viewer, &headers, &fields.one("csrf"))?;
    let outcome = match step_input(&step, &fields) {
        Ok(input) => state.correspondence.take_step(&viewer.actor, &delivery_id, input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    let done = format!("route_{}", StepKind::parse(&step).map(|k| k.as_str()).unwrap_or("step"));
    after(&state, &viewer, &fields.one("letter_id"), outcome, &done).await
}

#[derive(Deserialize)]
pub struct WorkQuery {
    scope: Option<String>,
}

#[derive(Serialize)]
struct WorkData {
    items: Vec<WorkItem>,
    /// `mine` or `unit`.
    scope: &'static str,
    /// Whether the viewer heads a unit (and so has the unit's tab).
    heads_unit: bool,
}

/// งานของฉัน: what waits for the viewer (and whoever they stand in for), most urgent and oldest
/// first; a unit head's second tab shows their unit's.
pub async fn work(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<WorkQuery>,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    if !viewer.may(Permission::TakeRouteSteps) {
        return Err(routing_error(RoutingError::Forbidden, lang));
    }
    let structure = state.correspondence.office_structure(&viewer.actor).await.map_err(|e| routing_error(e, lang))?;
    let heads_unit =
        structure.units.iter().any(|u| u.head.as_ref().is_some_and(|h| h.username == viewer.actor.username));
    let (scope, name) = match q.scope.as_deref() {
        Some("unit") if heads_unit => (WorkScope::MyUnits, "unit"),
        _ => (WorkScope::Mine, "mine"),
    };
    let items = state.correspondence.work(&viewer.actor, scope).await.map_err(|e| routing_error(e, lang))?;
    let path = if name == "unit" { "/work?scope=unit" } else { "/work" };
    Page::new("work.html", "work", path).render(&viewer, WorkData { items, scope: name, heads_unit })
}

/// One unit's row of the backlog, with its bar's segments as percentages of the longest bar.
#[derive(Serialize)]
struct BacklogRow {
    name_th: String,
    by_age: [u32; 4],
    total: u32,
    overdue: u32,
    /// Each age bucket's width in percent of the widest row, rounded to 5 (the stylesheet has a
    /// class per step: the content security policy allows no inline style).
    widths: [u32; 4],
}

#[derive(Serialize)]
struct BacklogData {
    open_matters: u32,
    open_tasks: u32,
    age_labels: [&'static str; 4],
    rows: Vec<BacklogRow>,
}

/// เรื่องค้าง: the office's open matters by unit and age, as a table and a bar chart.
pub async fn backlog(State(state): State<AppState>, viewer: Viewer) -> Result<Response, WebError> {
    let lang = viewer.lang;
    let backlog: OfficeBacklog =
        state.correspondence.office_backlog(&viewer.actor).await.map_err(|e| routing_error(e, lang))?;
    let widest = backlog.units.iter().map(|u| u.by_age.iter().sum::<u32>()).max().unwrap_or(0).max(1);
    let rows: Vec<BacklogRow> = backlog
        .units
        .into_iter()
        .map(|u| {
            let total = u.by_age.iter().sum();
            BacklogRow {
                widths: u.by_age.map(|n| ((n * 100 / widest + 2) / 5) * 5),
                name_th: u.name_th,
                by_age: u.by_age,
                total,
                overdue: u.overdue,
            }
        })
        .collect();
    let data = BacklogData {
        open_matters: backlog.open_matters,
        open_tasks: rows.iter().map(|r| r.total).sum(),
        age_labels: backlog.age_labels,
        rows,
    };
    Page::new("backlog.html", "backlog", "/office/backlog").render(&viewer, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_keep_repeated_names_and_decode_thai() {
        let body =
            "csrf=ab&text=%E0%B8%A1%E0%B8%AD%E0%B8%9A+%E0%B8%81&unit=legal&unit=finance&person=&lead=unit%3Afinance";
        let fields = Fields::parse(body.as_bytes());
        assert_eq!(fields.one("text"), "มอบ ก");
        assert_eq!(fields.all("unit"), ["legal", "finance"]);
        assert!(fields.all("person").is_empty());
        let targets = targets(&fields);
        assert_eq!(
            targets,
            [Target::Unit { code: "legal".into(), lead: false }, Target::Unit { code: "finance".into(), lead: true }]
        );
        assert!(matches!(step_input("teleport", &fields), Err(RoutingError::NotFound(_))));
    }

    #[test]
    fn a_due_date_is_the_end_of_that_day_in_bangkok() {
        let fields = Fields::parse(b"due=2026-12-04");
        assert_eq!(due_at(&fields).unwrap().unwrap().to_rfc3339(), "2026-12-04T16:59:00+00:00");
        assert!(due_at(&Fields::parse(b"due=")).unwrap().is_none());
        assert!(due_at(&Fields::parse(b"due=4/12/2569")).is_err());
    }
}
