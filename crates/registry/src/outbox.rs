//! Storage for notifications and schedules: the events state changes leave behind, the e-mail
//! outbox with leases and retry bookkeeping, digest items, per-tick job claims, reminder marks and
//! retention lists. Claims are conditional updates or inserts that only one node can win, so several
//! nodes can run the same workers against one database.

use crate::entity::{delivery, digest_item, email, event, job_run, letter, retention_list, user};
use crate::{RegistryError, new_id};
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, Role};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityName, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Events not yet turned into e-mails, oldest first.
pub async fn pending_events(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<event::Model>, RegistryError> {
    Ok(event::Entity::find()
        .filter(event::Column::ProcessedAt.is_null())
        .order_by_asc(event::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Marks an event processed; false when another worker already did (then do nothing with it).
pub async fn claim_event(conn: &impl ConnectionTrait, id: &str, at: DateTime<Utc>) -> Result<bool, RegistryError> {
    let result = event::Entity::update_many()
        .col_expr(event::Column::ProcessedAt, Expr::value(at))
        .filter(event::Column::Id.eq(id))
        .filter(event::Column::ProcessedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// An e-mail to queue: who it goes to and what it says. The row's id, state and times are the
/// outbox's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmail {
    /// The stable Message-ID (`<key@host>`): the same cause always gives the same one.
    pub message_id: String,
    /// The office it concerns (for admins' listing).
    pub office_id: Option<String>,
    /// The letter it concerns.
    pub letter_id: Option<String>,
    /// What it tells (`new_letter`, `decided`, `reminder`, `escalation`, `digest`, `recalled`).
    pub kind: String,
    /// The address.
    pub to_address: String,
    /// The name shown with the address.
    pub to_name: String,
    /// The rendered subject.
    pub subject: String,
    /// The rendered text part.
    pub text_body: String,
    /// The rendered HTML part.
    pub html_body: String,
    /// The outside recipient's delivery whose letter it carries, if any.
    pub outside_delivery_id: Option<String>,
}

/// Queues an e-mail, due at once; one with the same Message-ID already queued is kept as it is.
pub async fn queue_email(conn: &impl ConnectionTrait, mail: NewEmail, now: DateTime<Utc>) -> Result<(), RegistryError> {
    let row = email::Model {
        id: new_id(),
        message_id: mail.message_id,
        office_id: mail.office_id,
        letter_id: mail.letter_id,
        kind: mail.kind,
        to_address: mail.to_address,
        to_name: mail.to_name,
        subject: mail.subject,
        text_body: mail.text_body,
        html_body: mail.html_body,
        state: "pending".into(),
        attempts: 0,
        next_attempt_at: now,
        lease_until: None,
        last_error: None,
        created_at: now,
        sent_at: None,
        outside_delivery_id: mail.outside_delivery_id,
    };
    email::Entity::insert(email::ActiveModel::from(row))
        .on_conflict(OnConflict::column(email::Column::MessageId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// An item for someone's next digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDigestItem {
    /// The address the digest goes to.
    pub to_address: String,
    /// The name shown with it.
    pub to_name: String,
    /// The language code of the digest (`th`).
    pub language: String,
    /// The office it concerns.
    pub office_id: Option<String>,
    /// The letter it lists.
    pub letter_id: String,
    /// The delivery it lists.
    pub delivery_id: String,
    /// When the letter arrived.
    pub created_at: DateTime<Utc>,
}

/// Queues an item for someone's next digest.
pub async fn queue_digest_item(conn: &impl ConnectionTrait, item: NewDigestItem) -> Result<(), RegistryError> {
    let row = digest_item::Model {
        id: new_id(),
        to_address: item.to_address,
        to_name: item.to_name,
        language: item.language,
        office_id: item.office_id,
        letter_id: item.letter_id,
        delivery_id: item.delivery_id,
        created_at: item.created_at,
        digested_at: None,
    };
    digest_item::Entity::insert(digest_item::ActiveModel::from(row)).exec_without_returning(conn).await?;
    Ok(())
}

/// Takes up to `limit` due e-mails for this worker until `lease_until`. An e-mail whose previous
/// holder died (its lease ran out) is due again: at-least-once delivery.
pub async fn claim_due_emails(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<email::Model>, RegistryError> {
    let free = || Condition::any().add(email::Column::LeaseUntil.is_null()).add(email::Column::LeaseUntil.lt(now));
    let candidates = email::Entity::find()
        .filter(email::Column::State.eq("pending"))
        .filter(email::Column::NextAttemptAt.lte(now))
        .filter(free())
        .order_by_asc(email::Column::NextAttemptAt)
        .limit(limit)
        .all(conn)
        .await?;
    let mut claimed = Vec::new();
    for mut mail in candidates {
        let won = email::Entity::update_many()
            .col_expr(email::Column::LeaseUntil, Expr::value(lease_until))
            .filter(email::Column::Id.eq(mail.id.as_str()))
            .filter(email::Column::State.eq("pending"))
            .filter(free())
            .exec(conn)
            .await?
            .rows_affected
            == 1;
        if won {
            mail.lease_until = Some(lease_until);
            claimed.push(mail);
        }
    }
    Ok(claimed)
}

/// Records a delivered e-mail.
pub async fn mark_sent(
    conn: &impl ConnectionTrait,
    id: &str,
    attempts: i32,
    at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    email::Entity::update_many()
        .col_expr(email::Column::State, Expr::value("sent"))
        .col_expr(email::Column::Attempts, Expr::value(attempts))
        .col_expr(email::Column::SentAt, Expr::value(at))
        .col_expr(email::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(email::Column::LastError, Expr::value(Option::<String>::None))
        .filter(email::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a temporary failure and when to try again.
pub async fn mark_retry(
    conn: &impl ConnectionTrait,
    id: &str,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<(), RegistryError> {
    email::Entity::update_many()
        .col_expr(email::Column::Attempts, Expr::value(attempts))
        .col_expr(email::Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(email::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(email::Column::LastError, Expr::value(error))
        .filter(email::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a permanent failure with the server's answer; the e-mail is not tried again.
pub async fn mark_failed(
    conn: &impl ConnectionTrait,
    id: &str,
    attempts: i32,
    error: &str,
) -> Result<(), RegistryError> {
    email::Entity::update_many()
        .col_expr(email::Column::State, Expr::value("failed"))
        .col_expr(email::Column::Attempts, Expr::value(attempts))
        .col_expr(email::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(email::Column::LastError, Expr::value(error))
        .filter(email::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The number of pending e-mails and when the oldest of them was queued, for metrics. Only pending
/// rows are read, found through `ix_email_outbox_due` (whose first column is the state); sent and
/// failed e-mails, the bulk of the table, are never touched.
pub async fn pending_summary(conn: &impl ConnectionTrait) -> Result<(u64, Option<DateTime<Utc>>), RegistryError> {
    let row: Option<(i64, Option<DateTime<Utc>>)> = email::Entity::find()
        .select_only()
        .column_as(email::Column::Id.count(), "depth")
        .column_as(email::Column::CreatedAt.min(), "oldest")
        .filter(email::Column::State.eq("pending"))
        .into_tuple()
        .one(conn)
        .await?;
    let (depth, oldest) = row.unwrap_or((0, None));
    Ok((u64::try_from(depth).unwrap_or(0), oldest))
}

/// The newest e-mails concerning an office (or all offices), for admins.
pub async fn office_emails(
    conn: &impl ConnectionTrait,
    office_id: Option<&str>,
    state: Option<&str>,
    limit: u64,
) -> Result<Vec<email::Model>, RegistryError> {
    let mut select = email::Entity::find();
    if let Some(office) = office_id {
        select = select.filter(email::Column::OfficeId.eq(office));
    }
    if let Some(state) = state {
        select = select.filter(email::Column::State.eq(state));
    }
    Ok(select.order_by_desc(email::Column::CreatedAt).limit(limit).all(conn).await?)
}

/// Claims the run of `job` for `tick`; only the first node to ask gets true.
pub async fn claim_job_run(
    conn: &impl ConnectionTrait,
    job: &str,
    tick: DateTime<Utc>,
    node: &str,
    now: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let insert = Query::insert()
        .into_table(job_run::Entity.table_ref())
        .columns([job_run::Column::Job, job_run::Column::Tick, job_run::Column::Node, job_run::Column::StartedAt])
        .values_panic([job.into(), tick.into(), node.into(), now.into()])
        .on_conflict(OnConflict::columns([job_run::Column::Job, job_run::Column::Tick]).do_nothing().to_owned())
        .to_owned();
    Ok(conn.execute(&insert).await?.rows_affected() == 1)
}

/// Digest items not yet sent, oldest first.
pub async fn undigested(conn: &impl ConnectionTrait) -> Result<Vec<digest_item::Model>, RegistryError> {
    Ok(digest_item::Entity::find()
        .filter(digest_item::Column::DigestedAt.is_null())
        .order_by_asc(digest_item::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Marks digest items sent.
pub async fn mark_digested(
    conn: &impl ConnectionTrait,
    ids: &[String],
    at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    if ids.is_empty() {
        return Ok(());
    }
    digest_item::Entity::update_many()
        .col_expr(digest_item::Column::DigestedAt, Expr::value(at))
        .filter(digest_item::Column::Id.is_in(ids.iter().map(String::as_str)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Active people of an office holding `role`.
pub async fn people_with_role(
    conn: &impl ConnectionTrait,
    office_id: &str,
    role: Role,
) -> Result<Vec<user::Model>, RegistryError> {
    let people = user::Entity::find()
        .filter(user::Column::OfficeId.eq(office_id))
        .filter(user::Column::Active.eq(true))
        .all(conn)
        .await?;
    Ok(people.into_iter().filter(|u| u.roles.contains(&role)).collect())
}

/// Deliveries still waiting in an inbox that arrived before `delivered_before`, with their letters.
pub async fn waiting_deliveries(
    conn: &impl ConnectionTrait,
    delivered_before: DateTime<Utc>,
) -> Result<Vec<(delivery::Model, letter::Model)>, RegistryError> {
    let rows = delivery::Entity::find()
        .find_also_related(letter::Entity)
        .filter(delivery::Column::State.eq(DeliveryState::Delivered.as_str()))
        .filter(delivery::Column::DeliveredAt.lt(delivered_before))
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(d, l)| l.map(|l| (d, l))).collect())
}

/// Notes that a delivery's office was reminded (and, when `escalated`, its sender and admins).
pub async fn mark_reminded(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
    at: DateTime<Utc>,
    escalated: bool,
) -> Result<(), RegistryError> {
    let mut update = delivery::Entity::update_many().col_expr(delivery::Column::RemindedAt, Expr::value(at));
    if escalated {
        update = update.col_expr(delivery::Column::EscalatedAt, Expr::value(at));
    }
    update.filter(delivery::Column::Id.eq(delivery_id)).exec(conn).await?;
    Ok(())
}

/// Letters an office sent before `sent_before` that are not kept permanently and not under a legal
/// hold: the candidates for its destruction list.
pub async fn retention_candidates(
    conn: &impl ConnectionTrait,
    office_id: &str,
    sent_before: DateTime<Utc>,
) -> Result<Vec<letter::Model>, RegistryError> {
    Ok(letter::Entity::find()
        .filter(letter::Column::OfficeId.eq(office_id))
        .filter(letter::Column::Origin.eq(sarabun_domain::LetterOrigin::Sarabun.as_str()))
        .filter(letter::Column::RetentionYears.gt(0))
        .filter(letter::Column::LegalHold.eq(false))
        .filter(letter::Column::SentAt.lt(sent_before))
        .order_by_asc(letter::Column::SentAt)
        .all(conn)
        .await?)
}

/// Records an office's retention list for a year; false when one exists already.
pub async fn record_retention_list(
    conn: &impl ConnectionTrait,
    list: retention_list::Model,
) -> Result<bool, RegistryError> {
    let insert = Query::insert()
        .into_table(retention_list::Entity.table_ref())
        .columns([
            retention_list::Column::OfficeId,
            retention_list::Column::YearBe,
            retention_list::Column::Letters,
            retention_list::Column::CsvSha256,
            retention_list::Column::CreatedAt,
        ])
        .values_panic([
            list.office_id.into(),
            list.year_be.into(),
            list.letters.into(),
            list.csv_sha256.into(),
            list.created_at.into(),
        ])
        .on_conflict(
            OnConflict::columns([retention_list::Column::OfficeId, retention_list::Column::YearBe])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(conn.execute(&insert).await?.rows_affected() == 1)
}

/// An office's retention list of a year, if made.
pub async fn retention_list(
    conn: &impl ConnectionTrait,
    office_id: &str,
    year_be: i32,
) -> Result<Option<retention_list::Model>, RegistryError> {
    Ok(retention_list::Entity::find_by_id((office_id.to_owned(), year_be)).one(conn).await?)
}

/// The offices, by code, that have no retention list for `year_be` yet: one query, however many
/// offices the directory holds.
pub async fn offices_without_retention_list(
    conn: &impl ConnectionTrait,
    year_be: i32,
) -> Result<Vec<crate::entity::office::Model>, RegistryError> {
    use crate::entity::office;
    use sea_orm::QueryTrait;
    let listed = retention_list::Entity::find()
        .select_only()
        .column(retention_list::Column::OfficeId)
        .filter(retention_list::Column::YearBe.eq(year_be))
        .into_query();
    Ok(office::Entity::find()
        .filter(office::Column::Id.not_in_subquery(listed))
        .order_by_asc(office::Column::Code)
        .all(conn)
        .await?)
}

/// Puts a letter under a legal hold, or lifts it.
pub async fn set_legal_hold(conn: &impl ConnectionTrait, letter_id: &str, hold: bool) -> Result<bool, RegistryError> {
    let result = letter::Entity::update_many()
        .col_expr(letter::Column::LegalHold, Expr::value(hold))
        .filter(letter::Column::Id.eq(letter_id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
