//! What the notification worker reads and writes, as use cases: the events to turn into e-mails with
//! the letter and the people to tell, the e-mails due for sending and their outcome, digest items,
//! and the deliveries waiting for a reminder. Stored rows are turned into typed values here (a corrupt
//! urgency, secrecy, clearance or state is an error, never a guess), so the worker words e-mails
//! from the domain's types and never holds a database connection of its own. Writes that belong to
//! one event or one digest go through a [`NoticeBatch`], one transaction committed as a whole.

use crate::{Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, EventKind, Notify, Role, Secrecy, Urgency};
use sarabun_registry::entity::{delivery, event, letter, office};
use sarabun_registry::outbox;
pub use sarabun_registry::outbox::{NewDigestItem, NewEmail};
use sarabun_registry::{RegistryError, directory, letters as store};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use std::collections::HashMap;

/// An event not yet turned into e-mails.
#[derive(Debug, Clone)]
pub struct PendingEvent {
    /// The event's id (also the key of the e-mails it causes).
    pub id: String,
    /// What happened: one of the announced kinds ([`EventKind::is_announced`]).
    pub kind: EventKind,
    /// The letter it concerns.
    pub letter_id: String,
    /// The delivery it concerns (a decision, a route step).
    pub delivery_id: Option<String>,
    /// The route step it announces (`route.*` events).
    pub step_id: Option<String>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

/// A route step as its notice tells of it: what was done, by whom, and whom it now waits for.
#[derive(Debug, Clone)]
pub struct StepToTell {
    /// The step's Thai heading (เสนอ, สั่งการ, มอบหมาย, …).
    pub heading: String,
    /// Who took it, e.g. `นางปิยรัตน์ เจริญผล อธิบดีกรมบัญชีกลาง`, with `รักษาการแทน …` when stood in.
    pub by: String,
    /// What they wrote (withheld by the worker for a secret letter).
    pub text: Option<String>,
    /// The office the route runs in.
    pub office: NoticeOffice,
    /// Who it now waits for, each with their stand-ins.
    pub tasks: Vec<TaskToTell>,
}

/// A step on a draft's chain, for the notice to whom it now waits for (or back to its drafter).
#[derive(Debug, Clone)]
pub struct DraftToTell {
    pub draft_id: String,
    /// The step's Thai heading (เสนอร่าง, ส่งคืนแก้ไข, ลงนามย่อ, ลงนาม).
    pub heading: String,
    /// Who took it, with position.
    pub by: String,
    /// What they wrote (withheld by the worker for a secret draft).
    pub text: Option<String>,
    pub subject: String,
    pub secrecy: sarabun_domain::Secrecy,
    pub urgency: sarabun_domain::Urgency,
    /// What is asked of the person told: ตรวจร่าง (check), ลงนาม (sign), แก้ไข (revise), or
    /// nothing but to know (the letter was signed and sent, with its number).
    pub asked: DraftAsk,
    pub office: NoticeOffice,
    /// The person the draft now waits for, and whoever stands in for them today.
    pub told: Vec<Addressee>,
}

/// What a draft notice asks of the person told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftAsk {
    Check,
    Sign,
    Revise,
    /// Signed and sent as letter `number`.
    Sent {
        number: String,
        letter_id: String,
    },
}

/// A task on a route past its due time that nobody was reminded of yet.
#[derive(Debug, Clone)]
pub struct OverdueTask {
    pub task_id: String,
    /// The step that gave it (its notice is worded from it).
    pub step_id: String,
    pub letter_id: String,
}

/// Someone a step gave a task to.
#[derive(Debug, Clone)]
pub struct TaskToTell {
    /// The task's id (part of the e-mail's key).
    pub id: String,
    /// The holder and, after them, whoever stands in for them today.
    pub told: Vec<Addressee>,
    /// พิจารณา or ปฏิบัติ.
    pub purpose: String,
    /// Whether they are the lead.
    pub lead: bool,
    /// When it is due.
    pub due_at: Option<DateTime<Utc>>,
}

/// An office as notices name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeOffice {
    /// The office's id.
    pub id: String,
    /// Its Thai name.
    pub name: String,
    /// Its inbox address (may be empty).
    pub inbox_email: String,
}

/// A letter as notices tell of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeLetter {
    /// The letter's id (its web page is `/letters/{id}`).
    pub id: String,
    /// Its number without `ที่`, e.g. `กค 0100/12`.
    pub number: String,
    /// Its subject, which the worker withholds when the letter is secret.
    pub subject: String,
    /// Its urgency.
    pub urgency: Urgency,
    /// Its secrecy.
    pub secrecy: Secrecy,
    /// The sending office's id.
    pub office_id: String,
    /// The sending office's Thai name (empty when it is gone).
    pub from_office: String,
    /// The id of the clerk who sent it.
    pub sent_by: String,
    /// Its deadline, if any.
    pub deadline: Option<DateTime<Utc>>,
    /// When it was recalled, and why.
    pub recalled_at: Option<DateTime<Utc>>,
    /// The sender's reason for recalling it.
    pub recall_reason: Option<String>,
}

/// One delivery of a letter as notices tell of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDelivery {
    /// The delivery's id.
    pub id: String,
    /// The recipient office (none when it is gone).
    pub office: Option<NoticeOffice>,
    /// The recipient office's id.
    pub office_id: String,
    /// Its state.
    pub state: DeliveryState,
    /// When it reached the inbox.
    pub delivered_at: DateTime<Utc>,
    /// When it was received or rejected.
    pub decided_at: Option<DateTime<Utc>>,
    /// The receive number, e.g. `1/2569`.
    pub receive_number: Option<String>,
    /// The rejection reason.
    pub reason: Option<String>,
    /// When its office was reminded of it.
    pub reminded_at: Option<DateTime<Utc>>,
    /// When its sender and the office's admins were told it is long overdue.
    pub escalated_at: Option<DateTime<Utc>>,
}

/// A letter with all its deliveries, for expanding an event.
#[derive(Debug, Clone)]
pub struct LetterToTell {
    /// The letter.
    pub letter: NoticeLetter,
    /// Its deliveries.
    pub deliveries: Vec<NoticeDelivery>,
}

/// Someone to e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    /// The address (may be empty: then nothing is queued).
    pub address: String,
    /// The name shown with it.
    pub name: String,
    /// How new letters are announced to them ([`Notify::told_at_once`]); an office's inbox address
    /// follows the urgency only, as a digest reader does.
    pub notify: Notify,
}

impl Addressee {
    /// An office's inbox address.
    pub fn inbox(office: &NoticeOffice) -> Self {
        Addressee { address: office.inbox_email.clone(), name: office.name.clone(), notify: Notify::Digest }
    }
}

/// An undigested item with what is needed to list it.
#[derive(Debug, Clone)]
pub struct DigestEntry {
    /// The item's id.
    pub id: String,
    /// Whom the digest goes to.
    pub to: Addressee,
    /// The office it concerns.
    pub office: Option<NoticeOffice>,
    /// The letter and delivery it tells of (none when gone).
    pub letter: Option<(NoticeLetter, NoticeDelivery)>,
    /// Queued after the office received the letter: a task on its route, not a new letter.
    pub routed: bool,
}

/// An e-mail claimed for sending.
pub type DueEmail = sarabun_registry::entity::email::Model;

/// The offices by id, as notices name them.
type Offices = HashMap<String, NoticeOffice>;

/// The offices with these ids: only those the notices name, so that the worker costs the same with
/// ten thousand offices in the directory as with ten.
async fn offices(conn: &impl sea_orm::ConnectionTrait, mut ids: Vec<&str>) -> Result<Offices, RoutingError> {
    ids.sort_unstable();
    ids.dedup();
    Ok(directory::offices_by_ids(conn, &ids)
        .await?
        .into_iter()
        .map(|o: office::Model| (o.id.clone(), notice_office(o)))
        .collect())
}

fn notice_office(o: office::Model) -> NoticeOffice {
    NoticeOffice { id: o.id, name: o.name_th, inbox_email: o.inbox_email }
}

fn notice_letter(l: letter::Model, offices: &Offices) -> Result<NoticeLetter, RoutingError> {
    Ok(NoticeLetter {
        urgency: l.urgency.get(),
        secrecy: l.secrecy.get(),
        from_office: offices.get(&l.office_id).map(|o| o.name.clone()).unwrap_or_default(),
        id: l.id,
        number: l.number,
        subject: l.subject,
        office_id: l.office_id,
        sent_by: l.sent_by,
        deadline: l.deadline,
        recalled_at: l.recalled_at,
        recall_reason: l.recall_reason,
    })
}

fn notice_delivery(d: delivery::Model, offices: &Offices) -> Result<NoticeDelivery, RoutingError> {
    Ok(NoticeDelivery {
        state: d.state.get(),
        office: offices.get(&d.recipient_office_id).cloned(),
        receive_number: match (d.receive_seq, d.receive_year_be) {
            (Some(s), Some(y)) => Some(format!("{s}/{y}")),
            _ => None,
        },
        id: d.id,
        office_id: d.recipient_office_id,
        delivered_at: d.delivered_at,
        decided_at: d.decided_at,
        reason: d.reason,
        reminded_at: d.reminded_at,
        escalated_at: d.escalated_at,
    })
}

impl Correspondence {
    /// Events not yet turned into e-mails, oldest first.
    pub async fn pending_events(&self, limit: u64) -> Result<Vec<PendingEvent>, RoutingError> {
        Ok(outbox::pending_events(&self.db, limit)
            .await?
            .into_iter()
            .map(|e: event::Model| PendingEvent {
                id: e.id,
                kind: e.kind.get(),
                letter_id: e.letter_id,
                delivery_id: e.delivery_id,
                step_id: e.step_id,
                created_at: e.created_at,
            })
            .collect())
    }

    /// Tasks on routes past their due time not yet reminded, oldest due first, at most `limit`.
    pub async fn overdue_tasks(&self, now: DateTime<Utc>, limit: u64) -> Result<Vec<OverdueTask>, RoutingError> {
        let tasks = sarabun_registry::route::overdue_tasks(&self.db, now, limit).await?;
        let mut overdue = Vec::with_capacity(tasks.len());
        for t in tasks {
            let Some(d) = store::delivery_by_id(&self.db, &t.delivery_id).await? else { continue };
            overdue.push(OverdueTask { task_id: t.id, step_id: t.opened_by_step, letter_id: d.letter_id });
        }
        Ok(overdue)
    }

    /// Opens one transaction of notice work (an event's e-mails, the digests, one reminder).
    pub async fn notice_batch(&self) -> Result<NoticeBatch, RoutingError> {
        Ok(NoticeBatch { txn: self.db.begin().await.map_err(RegistryError::from)? })
    }

    /// Deliveries still waiting in an inbox that arrived before `delivered_before`, with their letters.
    pub async fn waiting_deliveries(
        &self,
        delivered_before: DateTime<Utc>,
    ) -> Result<Vec<(NoticeLetter, NoticeDelivery)>, RoutingError> {
        let waiting = outbox::waiting_deliveries(&self.db, delivered_before).await?;
        let named = waiting.iter().flat_map(|(d, l)| [d.recipient_office_id.as_str(), l.office_id.as_str()]).collect();
        let offices = offices(&self.db, named).await?;
        waiting.into_iter().map(|(d, l)| Ok((notice_letter(l, &offices)?, notice_delivery(d, &offices)?))).collect()
    }

    /// Takes up to `limit` due e-mails for this worker until `lease_until`.
    pub async fn claim_due_emails(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<DueEmail>, RoutingError> {
        Ok(outbox::claim_due_emails(&self.db, now, lease_until, limit).await?)
    }

    /// Records a delivered e-mail.
    pub async fn email_sent(&self, id: &str, attempts: i32, at: DateTime<Utc>) -> Result<(), RoutingError> {
        Ok(outbox::mark_sent(&self.db, id, attempts, at).await?)
    }

    /// Records a temporary failure and when to try again.
    pub async fn email_retry(
        &self,
        id: &str,
        attempts: i32,
        next_attempt_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), RoutingError> {
        Ok(outbox::mark_retry(&self.db, id, attempts, next_attempt_at, error).await?)
    }

    /// Records a permanent failure; the e-mail is not tried again.
    pub async fn email_failed(&self, id: &str, attempts: i32, error: &str) -> Result<(), RoutingError> {
        Ok(outbox::mark_failed(&self.db, id, attempts, error).await?)
    }
}

/// One transaction of notice work: what is read to word the notices and what is queued, committed
/// together, so an event is marked processed exactly when its e-mails exist.
pub struct NoticeBatch {
    txn: DatabaseTransaction,
}

impl NoticeBatch {
    /// Marks an event processed; false when another worker already did (then leave it alone).
    pub async fn claim_event(&self, id: &str, at: DateTime<Utc>) -> Result<bool, RoutingError> {
        Ok(outbox::claim_event(&self.txn, id, at).await?)
    }

    /// A letter with its deliveries, if it exists.
    pub async fn letter(&self, letter_id: &str) -> Result<Option<LetterToTell>, RoutingError> {
        let Some(l) = store::letter_by_id(&self.txn, letter_id).await? else { return Ok(None) };
        let deliveries = store::letter_deliveries(&self.txn, &l.id).await?;
        let named = deliveries.iter().map(|d| d.recipient_office_id.as_str());
        let offices = offices(&self.txn, named.chain([l.office_id.as_str()]).collect()).await?;
        let deliveries = deliveries.into_iter().map(|d| notice_delivery(d, &offices)).collect::<Result<_, _>>()?;
        Ok(Some(LetterToTell { letter: notice_letter(l, &offices)?, deliveries }))
    }

    /// Who is told of a letter reaching `office`: its inbox address first, then its active clerks
    /// cleared for `secrecy`.
    pub async fn office_and_clerks(
        &self,
        office: &NoticeOffice,
        secrecy: Secrecy,
    ) -> Result<Vec<Addressee>, RoutingError> {
        let mut told = vec![Addressee::inbox(office)];
        told.extend(self.people(&office.id, Role::Clerk, secrecy).await?);
        Ok(told)
    }

    /// The active people of an office holding `role`, cleared for `secrecy`, with an address.
    pub async fn people(&self, office_id: &str, role: Role, secrecy: Secrecy) -> Result<Vec<Addressee>, RoutingError> {
        let mut told = Vec::new();
        for u in outbox::people_with_role(&self.txn, office_id, role).await? {
            if u.clearance.clears(secrecy) && !u.email.is_empty() {
                told.push(Addressee { address: u.email, name: u.full_name, notify: u.notify.get() });
            }
        }
        Ok(told)
    }

    /// A route step with the tasks it gave, for its notices; none when the step is gone.
    pub async fn step(&self, step_id: &str, now: DateTime<Utc>) -> Result<Option<StepToTell>, RoutingError> {
        use sarabun_registry::route as routes;
        let Some(step) = routes::step_by_id(&self.txn, step_id).await? else { return Ok(None) };
        let Some(office) = directory::office_by_id(&self.txn, &step.office_id).await? else { return Ok(None) };
        let mut by = format!("{} {}", step.actor_name, step.actor_position).trim().to_owned();
        if let (Some(kind), Some(position)) = (step.stand_in_kind, &step.for_position) {
            by = format!("{by} {} {position}", kind.get().thai());
        }
        let mut tasks = Vec::new();
        for task in routes::tasks_opened_by(&self.txn, step_id).await? {
            let mut ids = vec![task.holder_user_id.clone()];
            ids.extend(
                routes::stand_ins_for(&self.txn, &[task.holder_user_id.as_str()], now)
                    .await?
                    .into_iter()
                    .map(|s| s.stand_in_user_id),
            );
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let people = routes::users_by_ids(&self.txn, &refs).await?;
            let told = ids
                .iter()
                .filter_map(|id| people.iter().find(|u| &u.id == id))
                .filter(|u| u.active && !u.email.is_empty())
                .map(|u| Addressee { address: u.email.clone(), name: u.full_name.clone(), notify: u.notify.get() })
                .collect();
            let purpose = match task.purpose.get() {
                sarabun_domain::TaskPurpose::Consider => "พิจารณา",
                sarabun_domain::TaskPurpose::Act => "ปฏิบัติ",
            };
            tasks.push(TaskToTell { id: task.id, told, purpose: purpose.into(), lead: task.lead, due_at: task.due_at });
        }
        Ok(Some(StepToTell {
            heading: step.kind.get().thai().to_owned(),
            by,
            text: step.text,
            office: NoticeOffice { id: office.id, name: office.name_th, inbox_email: office.inbox_email },
            tasks,
        }))
    }

    /// A step on a draft's chain with whom to tell of it: the person the draft waits for now (and
    /// their stand-ins) after a submit or an initial, the drafter after a return or the signature;
    /// none for a step that asks nobody anything, or a draft that moved on already.
    pub async fn draft_step(&self, step_id: &str, now: DateTime<Utc>) -> Result<Option<DraftToTell>, RoutingError> {
        use sarabun_domain::{ChainRole, DraftState, DraftStepKind};
        use sarabun_registry::{drafts, route as routes};
        let Some(step) = drafts::step_by_id(&self.txn, step_id).await? else { return Ok(None) };
        let Some(draft) = drafts::draft_by_id(&self.txn, &step.draft_id).await? else { return Ok(None) };
        let Some(office) = directory::office_by_id(&self.txn, &draft.office_id).await? else { return Ok(None) };
        let Ok(fields) = serde_json::from_str::<crate::DraftFields>(&draft.fields_json) else { return Ok(None) };
        let chain = drafts::chain_of(&self.txn, &draft.id).await?;
        let holder = chain.iter().find(|c| c.position == draft.position);
        let (asked, whom) = match (step.kind.get(), draft.state.get(), holder) {
            (DraftStepKind::Submit | DraftStepKind::Initial, DraftState::InReview, Some(c)) => {
                (DraftAsk::Check, c.user_id.clone())
            }
            (DraftStepKind::Submit | DraftStepKind::Initial, DraftState::AwaitingSignature, Some(c))
                if c.role.get() == ChainRole::Signer =>
            {
                (DraftAsk::Sign, c.user_id.clone())
            }
            (DraftStepKind::Return, DraftState::Returned, _) => (DraftAsk::Revise, draft.drafter_user_id.clone()),
            (DraftStepKind::Sign, DraftState::Sent, _) => {
                let Some(letter_id) = draft.letter_id.clone() else { return Ok(None) };
                let number = sarabun_registry::letters::letter_by_id(&self.txn, &letter_id)
                    .await?
                    .map(|l| l.number)
                    .unwrap_or_default();
                (DraftAsk::Sent { number, letter_id }, draft.drafter_user_id.clone())
            }
            _ => return Ok(None),
        };
        let mut ids = vec![whom.clone()];
        if asked != DraftAsk::Revise && !matches!(asked, DraftAsk::Sent { .. }) {
            ids.extend(
                routes::stand_ins_for(&self.txn, &[whom.as_str()], now).await?.into_iter().map(|s| s.stand_in_user_id),
            );
        }
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let people = routes::users_by_ids(&self.txn, &refs).await?;
        let told = ids
            .iter()
            .filter_map(|id| people.iter().find(|u| &u.id == id))
            .filter(|u| u.active && !u.email.is_empty() && u.clearance.get().clears(fields.secrecy))
            .map(|u| Addressee { address: u.email.clone(), name: u.full_name.clone(), notify: u.notify.get() })
            .collect();
        Ok(Some(DraftToTell {
            draft_id: draft.id,
            heading: step.kind.get().thai().to_owned(),
            by: format!("{} {}", step.actor_name, step.actor_position).trim().to_owned(),
            text: step.comment,
            subject: draft.subject,
            secrecy: fields.secrecy,
            urgency: fields.urgency,
            asked,
            office: NoticeOffice { id: office.id, name: office.name_th, inbox_email: office.inbox_email },
            told,
        }))
    }

    /// Marks a task reminded; false when another worker did first (then leave it alone).
    pub async fn claim_task_reminder(&self, task_id: &str, at: DateTime<Utc>) -> Result<bool, RoutingError> {
        Ok(sarabun_registry::route::mark_task_reminded(&self.txn, task_id, at).await?)
    }

    /// The clerk who sent `letter`, if still known.
    pub async fn sender(&self, letter: &NoticeLetter) -> Result<Option<Addressee>, RoutingError> {
        Ok(directory::user_by_id(&self.txn, &letter.sent_by).await?.map(|u| Addressee {
            address: u.email,
            name: u.full_name,
            notify: u.notify.get(),
        }))
    }

    /// Queues an e-mail; one with the same Message-ID already queued is kept as it is.
    pub async fn queue_email(&self, mail: NewEmail, now: DateTime<Utc>) -> Result<(), RoutingError> {
        Ok(outbox::queue_email(&self.txn, mail, now).await?)
    }

    /// Queues an item for someone's next digest.
    pub async fn queue_digest_item(&self, item: NewDigestItem) -> Result<(), RoutingError> {
        Ok(outbox::queue_digest_item(&self.txn, item).await?)
    }

    /// Digest items not yet sent, oldest first, each with its letter and delivery.
    pub async fn undigested(&self) -> Result<Vec<DigestEntry>, RoutingError> {
        let mut read = Vec::new();
        for item in outbox::undigested(&self.txn).await? {
            let letter = match (
                store::letter_by_id(&self.txn, &item.letter_id).await?,
                store::delivery_by_id(&self.txn, &item.delivery_id).await?,
            ) {
                (Some(l), Some(d)) => Some((l, d)),
                _ => None,
            };
            read.push((item, letter));
        }
        let named = read.iter().flat_map(|(item, letter)| {
            let pair = letter.iter().flat_map(|(l, d)| [l.office_id.as_str(), d.recipient_office_id.as_str()]);
            item.office_id.as_deref().into_iter().chain(pair)
        });
        let offices = offices(&self.txn, named.collect()).await?;
        let mut entries = Vec::new();
        for (item, letter) in read {
            let letter = match letter {
                Some((l, d)) => Some((notice_letter(l, &offices)?, notice_delivery(d, &offices)?)),
                None => None,
            };
            let routed =
                letter.as_ref().and_then(|(_, d)| d.decided_at).is_some_and(|decided| item.created_at > decided);
            entries.push(DigestEntry {
                id: item.id,
                to: Addressee { address: item.to_address, name: item.to_name, notify: Notify::Digest },
                office: item.office_id.as_ref().and_then(|o| offices.get(o)).cloned(),
                letter,
                routed,
            });
        }
        Ok(entries)
    }

    /// Marks digest items sent.
    pub async fn mark_digested(&self, ids: &[String], at: DateTime<Utc>) -> Result<(), RoutingError> {
        Ok(outbox::mark_digested(&self.txn, ids, at).await?)
    }

    /// Notes that a delivery's office was reminded (and, when `escalated`, its sender and admins).
    pub async fn mark_reminded(
        &self,
        delivery_id: &str,
        at: DateTime<Utc>,
        escalated: bool,
    ) -> Result<(), RoutingError> {
        Ok(outbox::mark_reminded(&self.txn, delivery_id, at, escalated).await?)
    }

    /// The letter's outside recipients whose e-mail is still to be queued (state `queued`), with
    /// what their notes say.
    pub async fn outside_mails(&self, letter_id: &str) -> Result<Vec<crate::OutsideMail>, RoutingError> {
        crate::outside_send::outside_mails(&self.txn, letter_id).await
    }

    /// Commits everything done in the batch.
    pub async fn commit(self) -> Result<(), RoutingError> {
        Ok(self.txn.commit().await.map_err(RegistryError::from)?)
    }

    /// Drops everything done in the batch.
    pub async fn rollback(self) -> Result<(), RoutingError> {
        Ok(self.txn.rollback().await.map_err(RegistryError::from)?)
    }
}
