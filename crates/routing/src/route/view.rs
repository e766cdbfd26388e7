//! What the route answers with: a matter with its timeline and holders, the steps the viewer may
//! take, work lists and the office's open matters by unit and age, and the office's structure.

use crate::schema;
use chrono::{DateTime, Utc};
use sarabun_domain::{Authority, MatterState, Secrecy, StandInKind, StepKind, TaskPurpose, UnitKind, Urgency};
use serde::Serialize;
use utoipa::ToSchema;

/// A person as the route shows them.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct PersonRef {
    pub username: String,
    pub full_name: String,
    pub position: String,
}

/// One step on a matter's timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    pub seq: i32,
    #[schema(value_type = schema::StepKind)]
    pub kind: StepKind,
    /// The step's Thai heading (เสนอ, สั่งการ, …).
    pub heading: String,
    pub by: PersonRef,
    /// The person `by` stood in for, and how ("รักษาการแทน").
    pub for_person: Option<PersonRef>,
    #[schema(value_type = Option<schema::StandInKind>)]
    pub stand_in: Option<StandInKind>,
    pub text: Option<String>,
    /// Whom the step gave the matter to, as written on the timeline.
    pub to: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
    /// The routed copy with this step's minute (SHA-256), when it wrote one.
    pub routed_sha256: Option<String>,
    pub answer_letter_id: Option<String>,
    pub folder: Option<String>,
    pub documents: Vec<String>,
}

/// Someone holding a matter now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolderView {
    pub task_id: String,
    pub person: PersonRef,
    #[schema(value_type = schema::TaskPurpose)]
    pub purpose: TaskPurpose,
    pub lead: bool,
    pub unit: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub since: DateTime<Utc>,
}

/// A received letter's route in its office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterView {
    pub delivery_id: String,
    pub letter_id: String,
    pub subject: String,
    #[schema(value_type = schema::MatterState)]
    pub state: MatterState,
    /// The latest routed copy (the received PDF with every minute so far).
    pub routed_sha256: String,
    pub folder: Option<String>,
    pub steps: Vec<StepView>,
    pub holders: Vec<HolderView>,
    /// The steps the viewer may take now.
    #[schema(value_type = Vec<schema::StepKind>)]
    pub may_take: Vec<StepKind>,
    /// Whom the viewer stands in for on this matter, if they act for someone.
    pub acting_for: Option<PersonRef>,
}

/// One line of a work list (งานของฉัน).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkItem {
    pub task_id: String,
    pub delivery_id: String,
    pub letter_id: String,
    pub subject: String,
    /// The sender's letter number (ที่).
    pub number: String,
    pub from_office: String,
    #[schema(value_type = schema::Urgency)]
    pub urgency: Urgency,
    #[schema(value_type = schema::Secrecy)]
    pub secrecy: Secrecy,
    #[schema(value_type = schema::TaskPurpose)]
    pub purpose: TaskPurpose,
    pub lead: bool,
    pub holder: PersonRef,
    /// Set when the viewer holds this for someone they stand in for.
    pub for_person: Option<PersonRef>,
    pub given_by: Option<PersonRef>,
    pub unit: Option<String>,
    pub since: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

/// How many open matters a unit holds, by age (เรื่องค้าง).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitBacklog {
    /// The unit's code; None for people placed at the office itself.
    pub unit: Option<String>,
    pub name_th: String,
    /// Open tasks up to 3 days old, 4–7 days, 8–30 days, older.
    pub by_age: [u32; 4],
    pub overdue: u32,
}

/// The office's open matters by unit and age.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeBacklog {
    pub open_matters: u32,
    pub units: Vec<UnitBacklog>,
    /// The age buckets' Thai labels, in the order of `by_age`.
    pub age_labels: [&'static str; 4],
}

/// A unit of the office, with its head and people.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitView {
    pub id: String,
    pub code: String,
    pub name_th: String,
    #[schema(value_type = schema::UnitKind)]
    pub kind: UnitKind,
    pub parent: Option<String>,
    pub head: Option<PersonRef>,
    pub people: Vec<PersonRef>,
}

/// A person of the office and where they are placed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlacedPerson {
    pub person: PersonRef,
    pub unit: Option<String>,
    #[schema(value_type = schema::Authority)]
    pub authority: Authority,
    pub may_order: bool,
    pub cleared: Vec<String>,
}

/// Someone standing in for another person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StandInView {
    pub id: String,
    pub absent: PersonRef,
    pub stand_in: PersonRef,
    #[schema(value_type = schema::StandInKind)]
    pub kind: StandInKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub set_by: String,
}

/// A file (แฟ้ม) of the office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FolderView {
    pub id: String,
    pub code: String,
    pub name_th: String,
}

/// The office's structure: units, people, stand-ins and files.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeStructure {
    pub units: Vec<UnitView>,
    pub people: Vec<PlacedPerson>,
    pub stand_ins: Vec<StandInView>,
    pub folders: Vec<FolderView>,
    /// The short phrases offered when writing an order.
    pub usual_orders: Vec<&'static str>,
}

/// What a handover moved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandedOver {
    pub from: PersonRef,
    pub to: PersonRef,
    /// The matters (delivery ids) whose waiting tasks moved.
    pub matters: Vec<String>,
}
