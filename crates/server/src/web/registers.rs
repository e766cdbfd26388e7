//! The send and receive registers per year as tables, with the CSV download and a print view laid
//! out like the bound paper register (ทะเบียนหนังสือรับ / ทะเบียนหนังสือส่ง), one heading per day.

use super::Viewer;
use super::inbox::Paging;
use super::render::{Page, WebError, routing_error};
use crate::AppState;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Response;
use sarabun_domain::{OfficeCode, Permission, RegisterKind, YearBe, bangkok};
use sarabun_routing::{RegisterEntryView, RoutingError};
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

async fn choose(
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
    // An office code as the links carry it; else what an auditor typed, which must name one office.
    let office = match office.map(str::trim).filter(|o| !o.is_empty()) {
        Some(typed) => match OfficeCode::parse(typed) {
            Ok(code) => code,
            Err(_) => {
                let found = state.correspondence.office_typed("office", typed).await.map_err(invalid)?;
                OfficeCode::parse(&found.code).map_err(|e| invalid(e.into()))?
            }
        },
        None => viewer.actor.office_code.clone(),
    };
    Ok(Chosen { register, year, office })
}

/// The chosen register's entries (as the viewer may see them) and the name of its office, in the
/// viewer's language: that one office is read, never the directory.
async fn read(
    state: &AppState,
    viewer: &Viewer,
    chosen: &Chosen,
) -> Result<(Vec<RegisterEntryView>, String), WebError> {
    let lang = viewer.lang;
    let entries = state
        .correspondence
        .register(&viewer.actor, &chosen.office, chosen.register, chosen.year)
        .await
        .map_err(|e| routing_error(e, lang))?;
    let office = state.correspondence.office_named_by_code(&chosen.office).await.map_err(|e| routing_error(e, lang))?;
    let name = office.map(|o| lang.pick(&o.name_th, &o.name_en).to_owned()).unwrap_or_default();
    Ok((entries, name))
}

#[derive(Serialize)]
struct RegisterData<'a> {
    register: &'static str,
    year: i32,
    years: Vec<i32>,
    office: &'a str,
    office_name: String,
    may_choose_office: bool,
    entries: &'a [RegisterEntryView],
    paging: Paging,
}

/// A register as a table, a page at a time.
pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, WebError> {
    let chosen = choose(&state, &viewer, q.register.as_deref(), q.year, q.office.as_deref()).await?;
    let (entries, office_name) = read(&state, &viewer, &chosen).await?;
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
        office_name,
        may_choose_office: viewer.may(Permission::ReadAllOffices),
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
    let chosen = choose(&state, &viewer, Some(&register), Some(year), q.office.as_deref()).await?;
    let (entries, office_name) = read(&state, &viewer, &chosen).await?;
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
        office_name,
        sections,
    };
    Page::new("register_print.html", "registers", &uri.to_string()).render(&viewer, data)
}
