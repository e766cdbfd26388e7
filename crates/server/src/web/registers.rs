//! The send and receive registers per year as tables, with the CSV download and a print view laid
//! out like the bound paper register (ทะเบียนหนังสือรับ / ทะเบียนหนังสือส่ง), one heading per day.

use super::Viewer;
use super::inbox::Paging;
use super::render::{Page, WebError, routing_error};
use crate::AppState;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Response;
use sarabun_domain::{OfficeCode, Permission, RegisterKind, YearBe, bangkok};
use sarabun_routing::{OfficeView, RegisterEntryView, RoutingError};
use serde::{Deserialize, Serialize};

const PER_PAGE: usize = 50;

#[derive(Deserialize)]
pub struct RegisterQuery {
    register: Option<String>,
    year: Option<i32>,
    office: Option<String>,
    page: Option<u64>,
}

struct Chosen {
    register: RegisterKind,
    year: YearBe,
    office: OfficeCode,
}

fn choose(
    state: &AppState,
    viewer: &Viewer,
    register: Option<&str>,
    year: Option<i32>,
    office: Option<&str>,
) -> Result<Chosen, WebError> {
    let lang = viewer.lang;
    let invalid = |e: RoutingError| routing_error(e, lang);
    let register = RegisterKind::parse(register.unwrap_or("receive")).map_err(|e| invalid(e.into()))?;
    let year = match year {
        Some(y) => YearBe::new(y)
            .ok_or_else(|| invalid(RoutingError::Field { field: "year", message: "not a B.E. year".into() }))?,
        None => YearBe::of(state.correspondence.clock().now()),
    };
    let office = match office.filter(|o| !o.is_empty()) {
        Some(code) => OfficeCode::parse(code).map_err(|e| invalid(e.into()))?,
        None => viewer.actor.office_code.clone(),
    };
    Ok(Chosen { register, year, office })
}

/// The chosen register's entries (as the viewer may see them) and the directory.
async fn read(
    state: &AppState,
    viewer: &Viewer,
    chosen: &Chosen,
) -> Result<(Vec<RegisterEntryView>, Vec<OfficeView>), WebError> {
    let lang = viewer.lang;
    let entries = state
        .correspondence
        .register(&viewer.actor, &chosen.office, chosen.register, chosen.year)
        .await
        .map_err(|e| routing_error(e, lang))?;
    let offices = state.correspondence.offices().await.map_err(|e| routing_error(e, lang))?;
    Ok((entries, offices))
}

#[derive(Serialize)]
struct RegisterData<'a> {
    register: &'static str,
    year: i32,
    years: Vec<i32>,
    office: &'a str,
    office_name: String,
    offices: Vec<OfficeView>,
    may_choose_office: bool,
    entries: &'a [RegisterEntryView],
    paging: Paging,
}

fn office_name(offices: &[OfficeView], code: &OfficeCode, viewer: &Viewer) -> String {
    offices
        .iter()
        .find(|o| o.code == code.as_str())
        .map(|o| viewer.lang.pick(&o.name_th, &o.name_en).to_owned())
        .unwrap_or_default()
}

/// A register as a table, a page at a time.
pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, WebError> {
    let chosen = choose(&state, &viewer, q.register.as_deref(), q.year, q.office.as_deref())?;
    let (entries, offices) = read(&state, &viewer, &chosen).await?;
    let page = q.page.unwrap_or(1).max(1);
    let start = usize::try_from(page - 1).unwrap_or(usize::MAX).saturating_mul(PER_PAGE).min(entries.len());
    let end = (start + PER_PAGE).min(entries.len());
    let this_year = YearBe::of(state.correspondence.clock().now()).get();
    let base = format!(
        "/registers?register={}&year={}&office={}",
        chosen.register.as_str(),
        chosen.year.get(),
        super::render::url_encode(chosen.office.as_str())
    );
    let data = RegisterData {
        register: chosen.register.as_str(),
        year: chosen.year.get(),
        years: (this_year - 4..=this_year).rev().collect(),
        office: chosen.office.as_str(),
        office_name: office_name(&offices, &chosen.office, &viewer),
        may_choose_office: viewer.may(Permission::ReadAllOffices),
        offices,
        entries: &entries[start..end],
        paging: Paging::new(&base, page, PER_PAGE as u64, entries.len() as u64),
    };
    Page::new("register.html", "registers", &uri.to_string()).render(&viewer, data)
}

#[derive(Serialize)]
struct Day<'a> {
    /// `YYYY-MM-DD` in Bangkok.
    date: String,
    entries: Vec<&'a RegisterEntryView>,
}

/// One series of the register, as the bound book keeps each series in its own part.
#[derive(Serialize)]
struct Section<'a> {
    series: &'static str,
    days: Vec<Day<'a>>,
}

#[derive(Serialize)]
struct PrintData<'a> {
    register: &'static str,
    year: i32,
    office: &'a str,
    office_name: String,
    sections: Vec<Section<'a>>,
}

#[derive(Deserialize)]
pub struct OfficeQuery {
    office: Option<String>,
}

/// The whole year's register, grouped by day, for printing on A4 landscape.
pub async fn print(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Path((register, year)): Path<(String, i32)>,
    Query(q): Query<OfficeQuery>,
) -> Result<Response, WebError> {
    let chosen = choose(&state, &viewer, Some(&register), Some(year), q.office.as_deref())?;
    let (entries, offices) = read(&state, &viewer, &chosen).await?;
    // The listing comes ordered by series, then number: a part per series, a heading per day.
    let mut sections: Vec<Section> = Vec::new();
    for entry in &entries {
        if sections.last().is_none_or(|s| s.series != entry.series.as_str()) {
            sections.push(Section { series: entry.series.as_str(), days: Vec::new() });
        }
        let Some(section) = sections.last_mut() else { continue };
        let date = entry.recorded_at.with_timezone(&bangkok()).date_naive().to_string();
        match section.days.last_mut() {
            Some(day) if day.date == date => day.entries.push(entry),
            _ => section.days.push(Day { date, entries: vec![entry] }),
        }
    }
    let data = PrintData {
        register: chosen.register.as_str(),
        year: chosen.year.get(),
        office: chosen.office.as_str(),
        office_name: office_name(&offices, &chosen.office, &viewer),
        sections,
    };
    Page::new("register_print.html", "registers", &uri.to_string()).render(&viewer, data)
}
