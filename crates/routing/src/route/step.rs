//! The one skeleton of every step on a matter's route. Outside any transaction: where the actor sits
//! ([`super::seat`]), whether the domain's table lets them take the step (`route::may_take`), every
//! input checked (texts, people and units of the office, their clearance, due dates, files,
//! documents), and the minute drawn onto the letter's latest routed PDF. Then one transaction: the
//! matter moves from its version to the next by a conditional update (a racing step loses and the
//! skeleton starts again from a fresh seat, at most three times), the step is written, tasks are
//! closed and given, the audit entry and the event for the notification worker are appended, commit.

use super::minutes::MinuteText;
use super::seat::Seat;
use crate::compose::{LINE, LINES, check_text};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::route::{StepRefusal, may_take};
use sarabun_domain::{MatterState, Permission, StepKind, TaskPurpose};
use sarabun_registry::entity::{matter, route_step, route_task, unit, user};
use sarabun_registry::letters as store;
use sarabun_registry::route::{self as routes, Advance};
use sarabun_registry::{Stored, new_id};
use sea_orm::TransactionTrait;
use serde_json::json;

/// The most units and people one order may assign.
pub const MAX_TARGETS: usize = 20;
/// The most files one `act` step may attach.
pub const MAX_STEP_DOCUMENTS: usize = 20;
/// How often a step starts again after another step moved the matter first.
const ATTEMPTS: usize = 3;

/// Whom a matter is given to: a unit of the office (held by its head) or a person of the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A unit by its code, e.g. `legal`.
    Unit { code: String, lead: bool },
    /// A person by user name.
    Person { username: String, lead: bool },
}

impl Target {
    fn lead(&self) -> bool {
        match self {
            Target::Unit { lead, .. } | Target::Person { lead, .. } => *lead,
        }
    }
}

/// A step someone takes, with what they wrote.
#[derive(Debug, Clone)]
pub enum StepInput {
    /// เสนอ: put the matter before `to`, with an optional note.
    Propose { to: String, note: Option<String>, due_at: Option<DateTime<Utc>> },
    /// สั่งการ: an order or comment; with targets it also assigns.
    Order { text: String, assign: Vec<Target>, due_at: Option<DateTime<Utc>> },
    /// มอบหมาย: give the matter to units or people to act on.
    Assign { to: Vec<Target>, note: Option<String>, due_at: Option<DateTime<Utc>> },
    /// ส่งคืน: back to whoever gave it, saying why.
    Return { reason: String },
    /// ปฏิบัติ: what was done, files attached (uploaded documents of the office), the answer letter.
    Act { note: String, documents: Vec<String>, answer_letter_id: Option<String> },
    /// ดำเนินการแล้ว.
    Done { note: Option<String> },
    /// ทราบ: take note and close.
    Acknowledge { note: Option<String> },
    /// เก็บเข้าแฟ้ม: into the office's file with this code.
    File { folder: String },
}

impl StepInput {
    /// The kind of step.
    pub fn kind(&self) -> StepKind {
        match self {
            StepInput::Propose { .. } => StepKind::Propose,
            StepInput::Order { .. } => StepKind::Order,
            StepInput::Assign { .. } => StepKind::Assign,
            StepInput::Return { .. } => StepKind::Return,
            StepInput::Act { .. } => StepKind::Act,
            StepInput::Done { .. } => StepKind::Done,
            StepInput::Acknowledge { .. } => StepKind::Acknowledge,
            StepInput::File { .. } => StepKind::File,
        }
    }
}

/// A task to give, resolved to a person of the office.
#[derive(Debug, Clone)]
pub(super) struct Giving {
    pub holder: user::Model,
    pub unit: Option<unit::Model>,
    pub purpose: TaskPurpose,
    pub lead: bool,
}

/// A step checked and resolved, ready to be written.
struct Checked {
    kind: StepKind,
    text: Option<String>,
    due_at: Option<DateTime<Utc>>,
    givings: Vec<Giving>,
    folder: Option<sarabun_registry::entity::folder::Model>,
    documents: Vec<String>,
    answer_letter_id: Option<String>,
}

impl Correspondence {
    /// Takes a step on the route of the received letter `delivery_id` of the actor's office, and
    /// answers with the matter as it now stands.
    pub async fn take_step(
        &self,
        actor: &Actor,
        delivery_id: &str,
        input: StepInput,
    ) -> Result<super::MatterView, RoutingError> {
        actor.require(Permission::TakeRouteSteps)?;
        for _ in 0..ATTEMPTS {
            let seat = self.seat_for_step(&self.db, actor, delivery_id).await?;
            may_take(input.kind(), seat.state(), &seat.standing).map_err(RoutingError::StepRefused)?;
            let checked = self.check_step(actor, &seat, &input).await?;
            if self.write_step(actor, &seat, checked).await? {
                self.meter.count(crate::Counted::RouteStep);
                return self.matter(actor, delivery_id).await;
            }
        }
        Err(RoutingError::RouteChanged)
    }

    /// Checks every input of a step and resolves whom it gives the matter to.
    async fn check_step(&self, actor: &Actor, seat: &Seat, input: &StepInput) -> Result<Checked, RoutingError> {
        let now = self.clock.now();
        let optional = |field, text: &Option<String>| {
            text.as_deref()
                .map(|t| check_text(field, t, LINES.optional()))
                .transpose()
                .map(|t| t.filter(|t| !t.is_empty()))
        };
        let due = |due_at: &Option<DateTime<Utc>>| match due_at {
            Some(at) if *at <= now => {
                Err(RoutingError::Field { field: "due_at", message: "the due date is already past".into() })
            }
            other => Ok(*other),
        };
        let mut checked = Checked {
            kind: input.kind(),
            text: None,
            due_at: None,
            givings: Vec::new(),
            folder: None,
            documents: Vec::new(),
            answer_letter_id: None,
        };
        match input {
            StepInput::Propose { to, note, due_at } => {
                checked.text = optional("note", note)?;
                checked.due_at = due(due_at)?;
                let holder = self.office_person(actor, "to", to).await?;
                checked.givings = vec![Giving { holder, unit: None, purpose: TaskPurpose::Consider, lead: false }];
            }
            StepInput::Order { text, assign, due_at } => {
                checked.text = Some(check_text("text", text, LINES)?);
                checked.due_at = due(due_at)?;
                checked.givings = self.resolve_targets(actor, assign, true).await?;
            }
            StepInput::Assign { to, note, due_at } => {
                checked.text = optional("note", note)?;
                checked.due_at = due(due_at)?;
                checked.givings = self.resolve_targets(actor, to, false).await?;
            }
            StepInput::Return { reason } => {
                checked.text = Some(check_text("reason", reason, LINES)?);
                let held = seat.held.as_ref().ok_or(RoutingError::StepRefused(StepRefusal::NotHeld))?;
                let giver = sarabun_registry::directory::user_by_id(&self.db, &held.given_by_user_id)
                    .await?
                    .filter(|u| u.active)
                    .ok_or(RoutingError::Field { field: "reason", message: "whoever gave you this has left".into() })?;
                checked.givings =
                    vec![Giving { holder: giver, unit: None, purpose: TaskPurpose::Consider, lead: false }];
            }
            StepInput::Act { note, documents, answer_letter_id } => {
                checked.text = Some(check_text("note", note, LINES)?);
                if documents.len() > MAX_STEP_DOCUMENTS {
                    return Err(RoutingError::Field {
                        field: "documents",
                        message: format!("at most {MAX_STEP_DOCUMENTS} files per step"),
                    });
                }
                for sha in documents {
                    store::office_document(&self.db, &actor.office_id, sha)
                        .await?
                        .ok_or_else(|| RoutingError::UnknownDocument(sha.clone()))?;
                }
                checked.documents = documents.clone();
                if let Some(id) = answer_letter_id {
                    let answer = store::letter_by_id(&self.db, id)
                        .await?
                        .filter(|l| l.office_id == actor.office_id)
                        .ok_or(RoutingError::Field {
                            field: "answer_letter_id",
                            message: "no letter of your office with this id".into(),
                        })?;
                    checked.answer_letter_id = Some(answer.id);
                }
            }
            StepInput::Done { note } | StepInput::Acknowledge { note } => checked.text = optional("note", note)?,
            StepInput::File { folder } => {
                let code = check_text("folder", folder, LINE)?;
                let found = routes::folders_of(&self.db, &actor.office_id).await?.into_iter().find(|f| f.code == code);
                checked.folder = Some(found.ok_or(RoutingError::Field {
                    field: "folder",
                    message: format!("the office has no file with code {code:?}"),
                })?);
            }
        }
        let secrecy = seat.letter.secrecy.get();
        if let Some(uncleared) = checked.givings.iter().find(|g| !g.holder.clearance.get().clears(secrecy)) {
            return Err(RoutingError::TargetNotCleared(uncleared.holder.username.clone()));
        }
        Ok(checked)
    }

    /// A person of the actor's office by user name, active.
    pub(super) async fn office_person(
        &self,
        actor: &Actor,
        field: &'static str,
        username: &str,
    ) -> Result<user::Model, RoutingError> {
        self.office_person_of(actor, field, username, true).await
    }

    /// A person of the actor's office by user name; with `active_only` false also someone who left.
    pub(super) async fn office_person_of(
        &self,
        actor: &Actor,
        field: &'static str,
        username: &str,
        active_only: bool,
    ) -> Result<user::Model, RoutingError> {
        let name = check_text(field, username, LINE)?;
        sarabun_registry::directory::user_by_username(&self.db, &name)
            .await?
            .filter(|u| u.office_id == actor.office_id && (u.active || !active_only))
            .ok_or(RoutingError::Field { field, message: format!("nobody in your office is called {name:?}") })
    }

    /// Resolves assignment targets: units to their heads, people to themselves; one lead.
    async fn resolve_targets(
        &self,
        actor: &Actor,
        targets: &[Target],
        may_be_empty: bool,
    ) -> Result<Vec<Giving>, RoutingError> {
        if targets.is_empty() {
            return if may_be_empty {
                Ok(Vec::new())
            } else {
                Err(RoutingError::Field { field: "to", message: "assign to at least one unit or person".into() })
            };
        }
        if targets.len() > MAX_TARGETS {
            return Err(RoutingError::Field { field: "to", message: format!("at most {MAX_TARGETS} at once") });
        }
        let leads = targets.iter().filter(|t| t.lead()).count();
        if leads > 1 {
            return Err(RoutingError::Field { field: "to", message: "only one of them can be the lead".into() });
        }
        let mut givings = Vec::new();
        for (i, target) in targets.iter().enumerate() {
            // Without a lead named, the first is the lead.
            let lead = target.lead() || (leads == 0 && i == 0);
            let giving = match target {
                Target::Unit { code, .. } => {
                    let code = check_text("to", code, LINE)?;
                    let unit =
                        routes::unit_by_code(&self.db, &actor.office_id, &code).await?.ok_or(RoutingError::Field {
                            field: "to",
                            message: format!("no unit {code:?} in your office"),
                        })?;
                    let head_id = routes::unit_head(&self.db, &unit.id).await?.ok_or(RoutingError::Field {
                        field: "to",
                        message: format!("{} has no head to give it to", unit.name_th),
                    })?;
                    let holder = sarabun_registry::directory::user_by_id(&self.db, &head_id)
                        .await?
                        .filter(|u| u.active)
                        .ok_or(RoutingError::Field { field: "to", message: format!("{} has no head", unit.name_th) })?;
                    Giving { holder, unit: Some(unit), purpose: TaskPurpose::Act, lead }
                }
                Target::Person { username, .. } => Giving {
                    holder: self.office_person(actor, "to", username).await?,
                    unit: None,
                    purpose: TaskPurpose::Act,
                    lead,
                },
            };
            if givings.iter().any(|g: &Giving| g.holder.id == giving.holder.id) {
                return Err(RoutingError::Field {
                    field: "to",
                    message: format!("{} is named twice", giving.holder.full_name),
                });
            }
            givings.push(giving);
        }
        Ok(givings)
    }

    /// Draws the minute and writes the step in one transaction. Returns false when another step moved
    /// the matter first (nothing written).
    async fn write_step(&self, actor: &Actor, seat: &Seat, checked: Checked) -> Result<bool, RoutingError> {
        let now = self.clock.now();
        let previous_sha = match &seat.matter {
            Some(m) => m.routed_sha256.clone(),
            None => self.received_copy(seat).await?,
        };
        let to_text = to_text(&checked.givings);
        let routed_sha256 = if checked.kind.writes_minute() {
            let minute = MinuteText::of(seat, checked.kind, checked.text.as_deref(), to_text.as_deref(), now);
            match self.write_minute(&previous_sha, &seat.me, minute).await {
                Ok(sha) => Some(sha),
                // A letter whose PDF cannot take a minute (encrypted, damaged) is still routed, as a
                // paper letter with no margin left would be; the step says so by having no copy.
                Err(RoutingError::MinuteFailed(reason)) => {
                    tracing::warn!(delivery_id = %seat.delivery.id, %reason, "minute not written");
                    None
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let version = seat.matter.as_ref().map(|m| m.version).unwrap_or(0);
        let state = seat.state().after(checked.kind);
        let holder_id = seat.held.as_ref().map(|t| t.holder_user_id.clone());
        let finished_by = match checked.kind {
            StepKind::Done | StepKind::Acknowledge => Some(holder_id.clone().unwrap_or_else(|| seat.me.id.clone())),
            _ => None,
        };

        let txn = self.db.begin().await?;
        if seat.matter.is_none() {
            let started = matter::Model {
                delivery_id: seat.delivery.id.clone(),
                office_id: actor.office_id.clone(),
                letter_id: seat.letter.id.clone(),
                state: Stored(MatterState::Open),
                version: 0,
                routed_sha256: previous_sha.clone(),
                folder_id: None,
                finished_by: None,
                opened_at: now,
                updated_at: now,
            };
            match routes::insert_matter(&txn, started).await {
                Ok(()) => {}
                Err(e) if e.is_unique_violation() => return Ok(false),
                Err(e) => return Err(e.into()),
            }
        }
        let advance = Advance {
            state,
            routed_sha256: routed_sha256.clone().unwrap_or(previous_sha),
            folder_id: checked.folder.as_ref().map(|f| f.id.clone()),
            finished_by,
        };
        if !routes::advance_matter(&txn, &seat.delivery.id, version, advance, now).await? {
            return Ok(false);
        }
        let step_id = new_id();
        let seq = version + 1;
        let (for_user, stand_in) = match &seat.for_whom {
            Some((u, kind)) => (Some(u), Some(*kind)),
            None => (None, None),
        };
        let step = route_step::Model {
            id: step_id.clone(),
            delivery_id: seat.delivery.id.clone(),
            office_id: actor.office_id.clone(),
            seq,
            kind: Stored(checked.kind),
            actor_user_id: seat.me.id.clone(),
            actor_name: seat.me.full_name.clone(),
            actor_position: seat.me.position.clone(),
            for_user_id: for_user.map(|u| u.id.clone()),
            for_name: for_user.map(|u| u.full_name.clone()),
            for_position: for_user.map(|u| u.position.clone()),
            stand_in_kind: stand_in.map(Stored),
            text: checked.text.clone(),
            to_text: to_text.clone(),
            due_at: checked.due_at,
            created_at: now,
            routed_sha256: routed_sha256.clone(),
            answer_letter_id: checked.answer_letter_id.clone(),
            folder_id: checked.folder.as_ref().map(|f| f.id.clone()),
            documents: (!checked.documents.is_empty()).then(|| checked.documents.join(",")),
        };
        routes::insert_step(&txn, step).await?;
        let closing = closes(checked.kind, !checked.givings.is_empty(), seat);
        routes::close_tasks(&txn, &closing, &step_id, now).await?;
        let giver = holder_id.unwrap_or_else(|| seat.me.id.clone());
        for giving in &checked.givings {
            let task = route_task::Model {
                id: new_id(),
                delivery_id: seat.delivery.id.clone(),
                office_id: actor.office_id.clone(),
                holder_user_id: giving.holder.id.clone(),
                unit_id: giving.unit.as_ref().map(|u| u.id.clone()),
                purpose: Stored(giving.purpose),
                lead: giving.lead,
                given_by_user_id: giver.clone(),
                due_at: checked.due_at,
                opened_by_step: step_id.clone(),
                opened_at: now,
                closed_by_step: None,
                closed_at: None,
                reminded_at: None,
            };
            routes::insert_task(&txn, task).await?;
        }
        let kind = checked.kind.event();
        let detail = crate::audit::detail(json!({
            "letter_id": seat.letter.id,
            "office": actor.office_code.to_string(),
            "seq": seq,
            "step": checked.kind.as_str(),
            "for": for_user.map(|u| u.username.clone()),
            "stand_in": stand_in.map(|k| k.as_str()),
            "text": checked.text,
            "to": checked.givings.iter().map(|g| g.holder.username.clone()).collect::<Vec<_>>(),
            "units": checked.givings.iter().filter_map(|g| g.unit.as_ref().map(|u| u.code.clone())).collect::<Vec<_>>(),
            "due_at": checked.due_at.map(|d| d.to_rfc3339()),
            "routed_sha256": routed_sha256,
            "answer_letter_id": checked.answer_letter_id,
            "folder": checked.folder.as_ref().map(|f| f.code.clone()),
            "documents": checked.documents,
            "closed_tasks": closing.len(),
        }));
        let event = AuditEvent::by(actor, kind, format!("route/{}/{seq}", seat.delivery.id), detail)
            .letter(&seat.letter.id)
            .delivery(&seat.delivery.id);
        if !checked.givings.is_empty() {
            routes::insert_step_event(&txn, kind, &seat.letter.id, &seat.delivery.id, &step_id, now).await?;
        }
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(delivery_id = %seat.delivery.id, seq, step = checked.kind.as_str(), "route step taken");
        Ok(true)
    }

    /// The copy a matter's route starts from: the stamped PDF, or the body when it could not be stamped.
    pub(super) async fn received_copy(&self, seat: &Seat) -> Result<String, RoutingError> {
        if let Some(sha) = &seat.delivery.stamped_sha256 {
            return Ok(sha.clone());
        }
        let docs = store::letter_documents(&self.db, &seat.letter.id).await?;
        docs.iter()
            .find(|d| d.role == sarabun_signing::payload::DocumentRole::Body.as_str())
            .map(|d| d.sha256.clone())
            .ok_or(RoutingError::NotFound("body document"))
    }
}

/// The tasks a step closes: the taker's own when they pass the matter on; every task to act when the
/// lead reports done; every open task when the matter is closed.
fn closes(kind: StepKind, gives: bool, seat: &Seat) -> Vec<String> {
    let open = || seat.tasks.iter().filter(|t| t.closed_at.is_none());
    let own = || seat.held.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
    match kind {
        StepKind::Propose | StepKind::Return => own(),
        StepKind::Order | StepKind::Assign if gives => own(),
        StepKind::Done => open().filter(|t| t.purpose.get() == TaskPurpose::Act).map(|t| t.id.clone()).collect(),
        StepKind::Acknowledge => open().map(|t| t.id.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Whom a step gives the matter to, as the timeline writes it.
fn to_text(givings: &[Giving]) -> Option<String> {
    if givings.is_empty() {
        return None;
    }
    let names: Vec<String> = givings
        .iter()
        .map(|g| {
            let who = match &g.unit {
                Some(unit) => format!("{} ({})", unit.name_th, g.holder.full_name),
                None => format!("{} {}", g.holder.full_name, g.holder.position).trim().to_owned(),
            };
            if g.lead && givings.len() > 1 { format!("{who} — เจ้าของเรื่อง") } else { who }
        })
        .collect();
    Some(names.join(", "))
}
