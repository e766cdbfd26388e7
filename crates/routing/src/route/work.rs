//! Reading the route: one matter with its timeline, holders and the steps the viewer may take; the
//! latest routed PDF; each person's work list (งานของฉัน), most urgent and oldest first, including
//! what waits for people they stand in for; a unit head's open matters of their unit; and the
//! office's open matters by unit and age (เรื่องค้าง).

use super::view::*;
use super::{is_overdue, person_ref, unknown_person};
use crate::{Actor, Correspondence, RoutingError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sarabun_domain::route::may_take;
use sarabun_domain::{Authority, Permission, StepKind, Urgency};
use sarabun_registry::entity::{letter, route_task, user};
use sarabun_registry::letters as store;
use sarabun_registry::route as routes;
use std::collections::HashMap;

/// The age buckets of the office backlog, in days: up to 3, 4–7, 8–30, older.
const AGE_BUCKETS: [i64; 3] = [3, 7, 30];
const AGE_LABELS: [&str; 4] = ["ไม่เกิน 3 วัน", "4–7 วัน", "8–30 วัน", "เกิน 30 วัน"];

/// Which work list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkScope {
    /// What waits for me and for whoever I stand in for.
    Mine,
    /// What waits in the units I head.
    MyUnits,
}

impl Correspondence {
    /// The matter of a received letter of the actor's office, as the actor may see it.
    pub async fn matter(&self, actor: &Actor, delivery_id: &str) -> Result<MatterView, RoutingError> {
        let seat = self.seat(&self.db, actor, delivery_id).await?;
        let now = self.clock.now();
        let ids: Vec<&str> = seat
            .tasks
            .iter()
            .map(|t| t.holder_user_id.as_str())
            .chain(seat.steps.iter().map(|s| s.actor_user_id.as_str()))
            .collect();
        let people = people_by_id(&routes::users_by_ids(&self.db, &ids).await?);
        let units: HashMap<String, String> =
            routes::units_of(&self.db, &actor.office_id).await?.into_iter().map(|u| (u.id, u.name_th)).collect();
        let folders: HashMap<String, String> = routes::folders_of(&self.db, &actor.office_id)
            .await?
            .into_iter()
            .map(|f| (f.id, format!("{} {}", f.code, f.name_th)))
            .collect();
        let steps = seat
            .steps
            .iter()
            .map(|s| StepView {
                seq: s.seq,
                kind: s.kind.get(),
                heading: s.kind.get().thai().to_owned(),
                by: PersonRef {
                    username: people.get(&s.actor_user_id).map(|p| p.username.clone()).unwrap_or_default(),
                    full_name: s.actor_name.clone(),
                    position: s.actor_position.clone(),
                },
                for_person: s.for_user_id.as_ref().map(|id| PersonRef {
                    username: people.get(id).map(|p| p.username.clone()).unwrap_or_default(),
                    full_name: s.for_name.clone().unwrap_or_default(),
                    position: s.for_position.clone().unwrap_or_default(),
                }),
                stand_in: s.stand_in_kind.map(|k| k.get()),
                text: s.text.clone(),
                to: s.to_text.clone(),
                due_at: s.due_at,
                at: s.created_at,
                routed_sha256: s.routed_sha256.clone(),
                answer_letter_id: s.answer_letter_id.clone(),
                folder: s.folder_id.as_ref().and_then(|f| folders.get(f)).cloned(),
                documents: s
                    .documents
                    .as_deref()
                    .map(|d| d.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
            })
            .collect();
        let holders = seat
            .tasks
            .iter()
            .filter(|t| t.closed_at.is_none())
            .map(|t| HolderView {
                task_id: t.id.clone(),
                person: people.get(&t.holder_user_id).cloned().unwrap_or_else(|| unknown_person(&t.holder_user_id)),
                purpose: t.purpose.get(),
                lead: t.lead,
                unit: t.unit_id.as_ref().and_then(|u| units.get(u)).cloned(),
                due_at: t.due_at,
                overdue: is_overdue(t.due_at, now),
                since: t.opened_at,
            })
            .collect();
        let may = if actor.may(Permission::TakeRouteSteps)
            && seat.delivery.state.get() == sarabun_domain::DeliveryState::Received
        {
            StepKind::ALL
                .iter()
                .copied()
                .filter(|k| *k != StepKind::Handover && may_take(*k, seat.state(), &seat.standing).is_ok())
                .collect()
        } else {
            Vec::new()
        };
        let routed_sha256 = match &seat.matter {
            Some(m) => m.routed_sha256.clone(),
            None => self.received_copy(&seat).await.unwrap_or_default(),
        };
        Ok(MatterView {
            delivery_id: seat.delivery.id.clone(),
            letter_id: seat.letter.id.clone(),
            subject: seat.letter.subject.clone(),
            state: seat.state(),
            routed_sha256,
            folder: seat.matter.as_ref().and_then(|m| m.folder_id.as_ref()).and_then(|f| folders.get(f)).cloned(),
            steps,
            holders,
            may_take: may,
            acting_for: seat.for_whom.as_ref().map(|(u, _)| person_ref(u)),
        })
    }

    /// The latest routed copy of a matter's letter (or the received copy before any step).
    pub async fn routed_copy(&self, actor: &Actor, delivery_id: &str) -> Result<(String, Bytes), RoutingError> {
        let seat = self.seat(&self.db, actor, delivery_id).await?;
        let sha = match &seat.matter {
            Some(m) => m.routed_sha256.clone(),
            None => self.received_copy(&seat).await?,
        };
        let bytes = self.blobs.read(&sha).await?;
        Ok((sha, bytes))
    }

    /// A work list: open tasks, most urgent first, then oldest.
    pub async fn work(&self, actor: &Actor, scope: WorkScope) -> Result<Vec<WorkItem>, RoutingError> {
        actor.require(Permission::TakeRouteSteps)?;
        let now = self.clock.now();
        let absent = routes::standing_in_for(&self.db, &actor.user_id, now).await?;
        let tasks = match scope {
            WorkScope::Mine => {
                let mut holders: Vec<&str> = vec![actor.user_id.as_str()];
                holders.extend(absent.iter().map(|s| s.absent_user_id.as_str()));
                routes::open_tasks_held_by(&self.db, &holders).await?
            }
            WorkScope::MyUnits => {
                let mine = routes::placements_of(&self.db, &[actor.user_id.as_str()]).await?;
                let Some(unit_id) =
                    mine.first().filter(|p| p.authority.get() == Authority::UnitHead).and_then(|p| p.unit_id.clone())
                else {
                    return Ok(Vec::new());
                };
                let in_unit: Vec<String> = routes::office_placements(&self.db, &actor.office_id)
                    .await?
                    .into_iter()
                    .filter(|p| p.unit_id.as_deref() == Some(unit_id.as_str()))
                    .map(|p| p.user_id)
                    .collect();
                routes::office_open_tasks(&self.db, &actor.office_id)
                    .await?
                    .into_iter()
                    .filter(|t| t.unit_id.as_deref() == Some(unit_id.as_str()) || in_unit.contains(&t.holder_user_id))
                    .collect()
            }
        };
        let mut items = self.work_items(actor, &tasks, &absent_ids(&absent), now).await?;
        items.sort_by(|a, b| urgency_rank(b.urgency).cmp(&urgency_rank(a.urgency)).then(a.since.cmp(&b.since)));
        Ok(items)
    }

    /// Turns open tasks into work-list lines the actor may see (secrecy above their clearance left out).
    async fn work_items(
        &self,
        actor: &Actor,
        tasks: &[route_task::Model],
        absent: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<WorkItem>, RoutingError> {
        let ids: Vec<&str> =
            tasks.iter().flat_map(|t| [t.holder_user_id.as_str(), t.given_by_user_id.as_str()]).collect();
        let people = people_by_id(&routes::users_by_ids(&self.db, &ids).await?);
        let units: HashMap<String, String> =
            routes::units_of(&self.db, &actor.office_id).await?.into_iter().map(|u| (u.id, u.name_th)).collect();
        let mut letters: HashMap<String, letter::Model> = HashMap::new();
        let mut seen = Vec::with_capacity(tasks.len());
        for task in tasks {
            let Some(delivery) = store::delivery_by_id(&self.db, &task.delivery_id).await? else { continue };
            if !letters.contains_key(&delivery.letter_id) {
                let Some(l) = store::letter_by_id(&self.db, &delivery.letter_id).await? else { continue };
                letters.insert(delivery.letter_id.clone(), l);
            }
            if actor.clearance.clears(letters[&delivery.letter_id].secrecy.get()) {
                seen.push((task, delivery.letter_id));
            }
        }
        // One read of the sending offices for the whole list, not one per line.
        let from = self.offices_named(letters.values().map(|l| l.office_id.as_str())).await?;
        let mut items = Vec::with_capacity(seen.len());
        for (task, letter_id) in seen {
            let letter = &letters[&letter_id];
            let holder =
                people.get(&task.holder_user_id).cloned().unwrap_or_else(|| unknown_person(&task.holder_user_id));
            items.push(WorkItem {
                task_id: task.id.clone(),
                delivery_id: task.delivery_id.clone(),
                letter_id: letter.id.clone(),
                subject: letter.subject.clone(),
                number: letter.number.clone(),
                from_office: from.get(&letter.office_id).map(|o| o.name_th.clone()).unwrap_or_default(),
                urgency: letter.urgency.get(),
                secrecy: letter.secrecy.get(),
                purpose: task.purpose.get(),
                lead: task.lead,
                for_person: absent.contains(&task.holder_user_id).then(|| holder.clone()),
                holder,
                given_by: people.get(&task.given_by_user_id).cloned(),
                unit: task.unit_id.as_ref().and_then(|u| units.get(u)).cloned(),
                since: task.opened_at,
                due_at: task.due_at,
                overdue: is_overdue(task.due_at, now),
            });
        }
        Ok(items)
    }

    /// The office's open matters by the unit of whoever holds them and by age (เรื่องค้าง).
    pub async fn office_backlog(&self, actor: &Actor) -> Result<OfficeBacklog, RoutingError> {
        actor.require(Permission::ReadOfficeWork)?;
        let now = self.clock.now();
        let tasks = routes::office_open_tasks(&self.db, &actor.office_id).await?;
        let units = routes::units_of(&self.db, &actor.office_id).await?;
        let placements: HashMap<String, Option<String>> = routes::office_placements(&self.db, &actor.office_id)
            .await?
            .into_iter()
            .map(|p| (p.user_id, p.unit_id))
            .collect();
        let mut rows: Vec<UnitBacklog> = units
            .iter()
            .map(|u| UnitBacklog { unit: Some(u.code.clone()), name_th: u.name_th.clone(), by_age: [0; 4], overdue: 0 })
            .collect();
        rows.push(UnitBacklog {
            unit: None,
            name_th: "ระดับส่วนราชการ / ไม่สังกัดหน่วยงาน".into(),
            by_age: [0; 4],
            overdue: 0,
        });
        let index: HashMap<&str, usize> = units.iter().enumerate().map(|(i, u)| (u.id.as_str(), i)).collect();
        let mut matters: Vec<&str> = Vec::new();
        for task in &tasks {
            let unit = task.unit_id.clone().or_else(|| placements.get(&task.holder_user_id).cloned().flatten());
            let row = unit.as_deref().and_then(|u| index.get(u)).copied().unwrap_or(units.len());
            let days = (now - task.opened_at).num_days();
            let bucket = AGE_BUCKETS.iter().position(|b| days <= *b).unwrap_or(3);
            rows[row].by_age[bucket] += 1;
            if is_overdue(task.due_at, now) {
                rows[row].overdue += 1;
            }
            matters.push(&task.delivery_id);
        }
        matters.sort();
        matters.dedup();
        Ok(OfficeBacklog { open_matters: matters.len() as u32, units: rows, age_labels: AGE_LABELS })
    }
}

fn people_by_id(users: &[user::Model]) -> HashMap<String, PersonRef> {
    users.iter().map(|u| (u.id.clone(), person_ref(u))).collect()
}

fn absent_ids(absent: &[sarabun_registry::entity::stand_in::Model]) -> Vec<String> {
    absent.iter().map(|s| s.absent_user_id.clone()).collect()
}

/// Most urgent first.
fn urgency_rank(urgency: Urgency) -> u8 {
    Urgency::ALL.iter().position(|u| *u == urgency).unwrap_or(0) as u8
}
