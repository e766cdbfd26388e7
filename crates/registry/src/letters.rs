//! Letters, their documents and deliveries, the register entries they produce, and idempotency keys:
//! the queries behind sending, receiving, rejecting, recalling, the inbox and the registers. State
//! changes are conditional updates (`… WHERE state = 'delivered'`), so two clerks racing on one
//! delivery cannot both win, on SQLite or on several PostgreSQL nodes.

use crate::RegistryError;
use crate::entity::{delivery, document, idempotency_key, letter, letter_document, register_entry};
use crate::text_search::{SHORT_SEARCH_WINDOW, TextSearch, matching_letters};
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, RegisterKind, Secrecy, Urgency, YearBe};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};

/// Records an uploaded document for an office.
pub async fn insert_document(conn: &impl ConnectionTrait, doc: document::Model) -> Result<(), RegistryError> {
    document::Entity::insert(document::ActiveModel::from(doc)).exec_without_returning(conn).await?;
    Ok(())
}

/// Forgets uploads of `office_id` by id (the blobs stay: they are shared by content). For a form
/// whose body broke off after some of its files had arrived.
pub async fn delete_documents(
    conn: &impl ConnectionTrait,
    office_id: &str,
    ids: &[String],
) -> Result<u64, RegistryError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = document::Entity::delete_many()
        .filter(document::Column::OfficeId.eq(office_id))
        .filter(document::Column::Id.is_in(ids.iter().cloned()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// The newest upload by `office_id` of the blob `sha256`, if that office uploaded it.
pub async fn office_document(
    conn: &impl ConnectionTrait,
    office_id: &str,
    sha256: &str,
) -> Result<Option<document::Model>, RegistryError> {
    Ok(document::Entity::find()
        .filter(document::Column::OfficeId.eq(office_id))
        .filter(document::Column::Sha256.eq(sha256))
        .order_by_desc(document::Column::UploadedAt)
        .one(conn)
        .await?)
}

/// Everything one send writes, in one call so the caller's transaction holds all of it.
pub struct NewLetter {
    pub letter: letter::Model,
    pub documents: Vec<letter_document::Model>,
    pub deliveries: Vec<delivery::Model>,
    pub register_entry: register_entry::Model,
}

/// Writes a sent letter with its documents, deliveries and send-register entry.
pub async fn insert_letter(conn: &impl ConnectionTrait, new: NewLetter) -> Result<(), RegistryError> {
    letter::Entity::insert(letter::ActiveModel::from(new.letter)).exec_without_returning(conn).await?;
    if !new.documents.is_empty() {
        letter_document::Entity::insert_many(new.documents.into_iter().map(letter_document::ActiveModel::from))
            .exec_without_returning(conn)
            .await?;
    }
    delivery::Entity::insert_many(new.deliveries.into_iter().map(delivery::ActiveModel::from))
        .exec_without_returning(conn)
        .await?;
    insert_register_entry(conn, new.register_entry).await
}

/// Writes one register entry; the unique index refuses a number used twice.
pub async fn insert_register_entry(
    conn: &impl ConnectionTrait,
    entry: register_entry::Model,
) -> Result<(), RegistryError> {
    register_entry::Entity::insert(register_entry::ActiveModel::from(entry)).exec_without_returning(conn).await?;
    Ok(())
}

/// A letter by id.
pub async fn letter_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<letter::Model>, RegistryError> {
    Ok(letter::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// A letter's documents in order.
pub async fn letter_documents(
    conn: &impl ConnectionTrait,
    letter_id: &str,
) -> Result<Vec<letter_document::Model>, RegistryError> {
    Ok(letter_document::Entity::find()
        .filter(letter_document::Column::LetterId.eq(letter_id))
        .order_by_asc(letter_document::Column::Position)
        .all(conn)
        .await?)
}

/// A letter's deliveries, oldest first.
pub async fn letter_deliveries(
    conn: &impl ConnectionTrait,
    letter_id: &str,
) -> Result<Vec<delivery::Model>, RegistryError> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::LetterId.eq(letter_id))
        .order_by_asc(delivery::Column::Id)
        .all(conn)
        .await?)
}

/// A delivery by id.
pub async fn delivery_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<delivery::Model>, RegistryError> {
    Ok(delivery::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// A delivery with its letter, in one query.
pub async fn delivery_with_letter(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<(delivery::Model, Option<letter::Model>)>, RegistryError> {
    Ok(delivery::Entity::find_by_id(id.to_owned()).find_also_related(letter::Entity).one(conn).await?)
}

/// Moves a delivery from `delivered` to `received` and writes its receipt, receive number and
/// stamp outcome, in one conditional update (as [`decide_delivery`]; false when it was no longer
/// `delivered`): the receive holds its register's counter row meanwhile.
pub async fn receive_delivery(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
    by: &str,
    at: DateTime<Utc>,
    record: ReceiptRecord,
) -> Result<bool, RegistryError> {
    let result = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(DeliveryState::Received.as_str()))
        .col_expr(delivery::Column::DecidedAt, Expr::value(at))
        .col_expr(delivery::Column::DecidedBy, Expr::value(by))
        .col_expr(delivery::Column::Reason, Expr::value(Option::<String>::None))
        .col_expr(delivery::Column::ReceiveYearBe, Expr::value(record.receive_number.map(|(y, _)| y.get())))
        .col_expr(delivery::Column::ReceiveSeq, Expr::value(record.receive_number.map(|(_, s)| s)))
        .col_expr(delivery::Column::Receipt, Expr::value(Some(record.receipt)))
        .col_expr(delivery::Column::StampedSha256, Expr::value(record.stamped_sha256))
        .col_expr(delivery::Column::StampError, Expr::value(record.stamp_error))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::State.eq(DeliveryState::Delivered.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Moves a delivery from `delivered` to `to`, recording who decided and when. Returns false when the
/// delivery was no longer `delivered` (someone else decided first, or the sender recalled it).
pub async fn decide_delivery(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
    to: DeliveryState,
    by: &str,
    at: DateTime<Utc>,
    reason: Option<String>,
) -> Result<bool, RegistryError> {
    decide_delivery_from(conn, delivery_id, DeliveryState::Delivered, to, by, at, reason).await
}

/// Moves a delivery from state `from` to the decision `to`; whether it was in `from`. Besides the
/// waiting deliveries of [`decide_delivery`], a remote office's decision that crossed the sender's
/// recall on the way is recorded on the recalled delivery (the recall was refused there).
pub async fn decide_delivery_from(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
    from: DeliveryState,
    to: DeliveryState,
    by: &str,
    at: DateTime<Utc>,
    reason: Option<String>,
) -> Result<bool, RegistryError> {
    let result = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(to.as_str()))
        .col_expr(delivery::Column::DecidedAt, Expr::value(at))
        .col_expr(delivery::Column::DecidedBy, Expr::value(by))
        .col_expr(delivery::Column::Reason, Expr::value(reason))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::State.eq(from.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks a delivery opened by `by` at `at` unless someone of its office opened it before. Returns
/// whether this was the first opening.
pub async fn mark_opened(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let result = delivery::Entity::update_many()
        .col_expr(delivery::Column::OpenedAt, Expr::value(at))
        .col_expr(delivery::Column::OpenedBy, Expr::value(by))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::OpenedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// What receiving wrote into a delivery besides its state.
#[derive(Debug, Clone, Default)]
pub struct ReceiptRecord {
    pub receive_number: Option<(YearBe, i64)>,
    pub receipt: String,
    pub stamped_sha256: Option<String>,
    pub stamp_error: Option<String>,
}

/// Stores the signed receipt (and receive number and stamp outcome) of a decided delivery.
pub async fn record_receipt(
    conn: &impl ConnectionTrait,
    delivery_id: &str,
    record: ReceiptRecord,
) -> Result<(), RegistryError> {
    let model = delivery::ActiveModel {
        id: Set(delivery_id.to_owned()),
        receive_year_be: Set(record.receive_number.map(|(y, _)| y.get())),
        receive_seq: Set(record.receive_number.map(|(_, s)| s)),
        receipt: Set(Some(record.receipt)),
        stamped_sha256: Set(record.stamped_sha256),
        stamp_error: Set(record.stamp_error),
        ..Default::default()
    };
    delivery::Entity::update(model).exec(conn).await?;
    Ok(())
}

/// Recalls every still-undecided delivery of a letter and marks the letter recalled. Returns how many
/// deliveries are already received: the caller must roll back when that is not zero. Locking the
/// undecided rows first means a receive racing with the recall either finishes before (and is counted)
/// or finds its delivery recalled.
pub async fn recall_letter(
    conn: &impl ConnectionTrait,
    letter_id: &str,
    at: DateTime<Utc>,
    reason: Option<String>,
) -> Result<u64, RegistryError> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(DeliveryState::Recalled.as_str()))
        .col_expr(delivery::Column::RecalledAt, Expr::value(at))
        .filter(delivery::Column::LetterId.eq(letter_id))
        .filter(delivery::Column::State.eq(DeliveryState::Delivered.as_str()))
        .exec(conn)
        .await?;
    let received = delivery::Entity::find()
        .filter(delivery::Column::LetterId.eq(letter_id))
        .filter(delivery::Column::State.eq(DeliveryState::Received.as_str()))
        .count(conn)
        .await?;
    mark_letter_recalled(conn, letter_id, at, reason).await?;
    Ok(received)
}

/// Marks a sent letter recalled, with the reason (its deliveries are the caller's).
pub async fn mark_letter_recalled(
    conn: &impl ConnectionTrait,
    letter_id: &str,
    at: DateTime<Utc>,
    reason: Option<String>,
) -> Result<(), RegistryError> {
    letter::Entity::update_many()
        .col_expr(letter::Column::State, Expr::value("recalled"))
        .col_expr(letter::Column::RecalledAt, Expr::value(at))
        .col_expr(letter::Column::RecallReason, Expr::value(reason))
        .filter(letter::Column::Id.eq(letter_id))
        .filter(letter::Column::State.eq("sent"))
        .exec(conn)
        .await?;
    Ok(())
}

/// What the inbox may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    pub state: Option<DeliveryState>,
    pub urgency: Option<Urgency>,
    pub sender_office_id: Option<String>,
    pub delivered_from: Option<DateTime<Utc>>,
    pub delivered_to: Option<DateTime<Utc>>,
    /// Text to find in the subject or the letter number.
    pub text: Option<String>,
    /// The secrecy levels the reader is cleared for.
    pub cleared: Vec<Secrecy>,
    pub page: u64,
    pub per_page: u64,
}

/// One page of an office's inbox, newest first, with the total count. Counting and paging read only
/// the deliveries' covering index (`ix_deliveries_inbox`: office, time, id, secrecy, state, urgency);
/// the letters are read for the one page shown, so a deep page costs no more than the first, and a
/// page past the end costs only the count. Filters on the letter (sender, text) narrow by the
/// letters that match; the text through the trigram index ([`crate::text_search`]).
pub async fn inbox(
    conn: &impl ConnectionTrait,
    office_id: &str,
    q: &InboxQuery,
) -> Result<(Vec<(delivery::Model, letter::Model)>, u64), RegistryError> {
    let mut select = delivery::Entity::find()
        .filter(delivery::Column::RecipientOfficeId.eq(office_id))
        .filter(delivery::Column::Secrecy.is_in(q.cleared.iter().map(|s| s.as_str())));
    if let Some(state) = q.state {
        select = select.filter(delivery::Column::State.eq(state.as_str()));
    }
    if let Some(urgency) = q.urgency {
        select = select.filter(delivery::Column::Urgency.eq(urgency.as_str()));
    }
    if let Some(from) = q.delivered_from {
        select = select.filter(delivery::Column::DeliveredAt.gte(from));
    }
    if let Some(to) = q.delivered_to {
        select = select.filter(delivery::Column::DeliveredAt.lt(to));
    }
    let text = q.text.as_deref().and_then(TextSearch::new);
    let sender = match &q.sender_office_id {
        Some(sender) => Condition::all().add(letter::Column::OfficeId.eq(sender.as_str())),
        None => Condition::all(),
    };
    match &text {
        Some(TextSearch::Indexed(text)) => {
            select = select.filter(delivery::Column::LetterId.in_subquery(matching_letters(
                conn.get_database_backend(),
                text,
                sender,
            )));
        }
        _ if q.sender_office_id.is_some() => {
            let letters = letter::Entity::find().select_only().column(letter::Column::Id).filter(sender);
            select = select.filter(delivery::Column::LetterId.in_subquery(letters.into_query()));
        }
        _ => {}
    }
    let ordered = select.order_by_desc(delivery::Column::DeliveredAt).order_by_desc(delivery::Column::Id);
    let skip = q.page.saturating_sub(1) * q.per_page;
    let (ids, total) = if let Some(short @ TextSearch::Short(_)) = &text {
        // Too short for the index: match the newest rows here.
        let newest: Vec<(String, String, String)> = ordered
            .select_only()
            .column(delivery::Column::Id)
            .column_as(letter::Column::Subject, "subject")
            .column_as(letter::Column::Number, "number")
            .inner_join(letter::Entity)
            .limit(SHORT_SEARCH_WINDOW)
            .into_tuple()
            .all(conn)
            .await?;
        let ids = newest.into_iter().filter(|(_, s, n)| short.matches(s, n)).map(|(id, _, _)| id).collect();
        one_page(ids, skip, q.per_page)
    } else {
        let ordered = ordered.select_only().column(delivery::Column::Id);
        let total = ordered.clone().count(conn).await?;
        if skip >= total {
            return Ok((Vec::new(), total));
        }
        (ordered.offset(skip).limit(q.per_page).into_tuple().all(conn).await?, total)
    };
    if ids.is_empty() {
        return Ok((Vec::new(), total));
    }
    let mut found: std::collections::HashMap<String, (delivery::Model, letter::Model)> = delivery::Entity::find()
        .find_also_related(letter::Entity)
        .filter(delivery::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|(d, l)| match l {
            Some(l) => Ok((d.id.clone(), (d, l))),
            None => Err(RegistryError::Corrupt("delivery without letter".into())),
        })
        .collect::<Result<_, _>>()?;
    let rows = ids.iter().filter_map(|id| found.remove(id)).collect();
    Ok((rows, total))
}

/// The secrecy of each of `letter_ids` that exists.
pub async fn secrecy_of(
    conn: &impl ConnectionTrait,
    letter_ids: &[String],
) -> Result<std::collections::HashMap<String, sarabun_domain::Secrecy>, RegistryError> {
    if letter_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(String, crate::Stored<sarabun_domain::Secrecy>)> = letter::Entity::find()
        .select_only()
        .column(letter::Column::Id)
        .column(letter::Column::Secrecy)
        .filter(letter::Column::Id.is_in(letter_ids.iter().map(String::as_str)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, secrecy)| (id, secrecy.get())).collect())
}

/// One page of the letters an office sent, newest first, with the total count.
pub async fn sent_letters(
    conn: &impl ConnectionTrait,
    office_id: &str,
    cleared: &[Secrecy],
    page: u64,
    per_page: u64,
) -> Result<(Vec<letter::Model>, u64), RegistryError> {
    // An arrival from outside is the registering office's letter but not one it sent.
    let select = letter::Entity::find()
        .filter(letter::Column::OfficeId.eq(office_id))
        .filter(letter::Column::Origin.eq(sarabun_domain::LetterOrigin::Sarabun.as_str()))
        .filter(letter::Column::Secrecy.is_in(cleared.iter().map(|s| s.as_str())));
    let total = select.clone().count(conn).await?;
    let skip = page.saturating_sub(1) * per_page;
    if skip >= total {
        return Ok((Vec::new(), total));
    }
    let rows = select.order_by_desc(letter::Column::SentAt).offset(skip).limit(per_page).all(conn).await?;
    Ok((rows, total))
}

/// One page of ids already in order, after `skip` of them, with how many there were in all.
fn one_page(ids: Vec<String>, skip: u64, per_page: u64) -> (Vec<String>, u64) {
    let total = ids.len() as u64;
    let skip = usize::try_from(skip).unwrap_or(usize::MAX);
    (ids.into_iter().skip(skip).take(usize::try_from(per_page).unwrap_or(usize::MAX)).collect(), total)
}

/// Letters of every office, newest first, whose subject or number contains `text` (all when
/// `None`) and whose secrecy is in `cleared`: the auditor's search. A text is looked up in the
/// trigram index ([`crate::text_search`]); a page past the end costs only the count.
pub async fn search_letters(
    conn: &impl ConnectionTrait,
    text: Option<&str>,
    cleared: &[Secrecy],
    page: u64,
    per_page: u64,
) -> Result<(Vec<letter::Model>, u64), RegistryError> {
    let cleared = letter::Column::Secrecy.is_in(cleared.iter().map(|s| s.as_str()));
    let skip = page.saturating_sub(1) * per_page;
    let mut select = letter::Entity::find().filter(cleared);
    match text.and_then(TextSearch::new) {
        None => {}
        Some(TextSearch::Indexed(text)) => {
            select = select.filter(letter::Column::Id.in_subquery(matching_letters(
                conn.get_database_backend(),
                &text,
                Condition::all(),
            )));
        }
        Some(short @ TextSearch::Short(_)) => {
            // Too short for the index: match the newest letters here.
            let newest: Vec<(String, String, String)> = select
                .select_only()
                .column(letter::Column::Id)
                .column(letter::Column::Subject)
                .column(letter::Column::Number)
                .order_by_desc(letter::Column::SentAt)
                .order_by_desc(letter::Column::Id)
                .limit(SHORT_SEARCH_WINDOW)
                .into_tuple()
                .all(conn)
                .await?;
            let ids = newest.into_iter().filter(|(_, s, n)| short.matches(s, n)).map(|(id, _, _)| id).collect();
            let (page, total) = one_page(ids, skip, per_page);
            let mut found: std::collections::HashMap<String, letter::Model> = letter::Entity::find()
                .filter(letter::Column::Id.is_in(page.iter().map(String::as_str)))
                .all(conn)
                .await?
                .into_iter()
                .map(|l| (l.id.clone(), l))
                .collect();
            return Ok((page.iter().filter_map(|id| found.remove(id)).collect(), total));
        }
    }
    let total = select.clone().count(conn).await?;
    if skip >= total {
        return Ok((Vec::new(), total));
    }
    let rows = select
        .order_by_desc(letter::Column::SentAt)
        .order_by_desc(letter::Column::Id)
        .offset(skip)
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// An office's register for a B.E. year, in number order within each series.
pub async fn register_entries(
    conn: &impl ConnectionTrait,
    office_id: &str,
    register: RegisterKind,
    year: YearBe,
) -> Result<Vec<register_entry::Model>, RegistryError> {
    Ok(register_entry::Entity::find()
        .filter(register_entry::Column::OfficeId.eq(office_id))
        .filter(register_entry::Column::Register.eq(register.as_str()))
        .filter(register_entry::Column::YearBe.eq(year.get()))
        .order_by_asc(register_entry::Column::Seq)
        .order_by_asc(register_entry::Column::Series)
        .all(conn)
        .await?)
}

/// The idempotency record of `user_id`'s `key`, if any.
pub async fn idempotency_record(
    conn: &impl ConnectionTrait,
    user_id: &str,
    key: &str,
) -> Result<Option<idempotency_key::Model>, RegistryError> {
    Ok(idempotency_key::Entity::find_by_id((user_id.to_owned(), key.to_owned())).one(conn).await?)
}

/// Claims an idempotency key inside the send's transaction. On a concurrent duplicate the insert
/// fails with a unique violation (PostgreSQL waits for the first transaction to finish first).
pub async fn claim_idempotency_key(
    conn: &impl ConnectionTrait,
    record: idempotency_key::Model,
) -> Result<(), RegistryError> {
    idempotency_key::Entity::insert(idempotency_key::ActiveModel::from(record)).exec_without_returning(conn).await?;
    Ok(())
}

/// Points a claimed idempotency key at the letter its request created.
pub async fn set_idempotency_letter(
    conn: &impl ConnectionTrait,
    user_id: &str,
    key: &str,
    letter_id: &str,
) -> Result<(), RegistryError> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::LetterId, Expr::value(letter_id))
        .filter(idempotency_key::Column::UserId.eq(user_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(conn)
        .await?;
    Ok(())
}

/// Leaves an event for the notification worker, inside the transaction of the change it reports, so
/// the e-mails it triggers are never lost and never sent for a change that rolled back.
pub async fn insert_event(
    conn: &impl ConnectionTrait,
    kind: sarabun_domain::EventKind,
    letter_id: &str,
    delivery_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    let model = crate::entity::event::Model {
        id: crate::new_id(),
        kind: crate::Stored(kind),
        letter_id: letter_id.to_owned(),
        delivery_id: delivery_id.map(str::to_owned),
        created_at: at,
        processed_at: None,
        step_id: None,
    };
    crate::entity::event::Entity::insert(crate::entity::event::ActiveModel::from(model))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Queues the event of a step on a draft's chain for the notification worker: `letter_id` holds
/// the draft's id (a draft is not a letter yet) and `step_id` the step that tells the next person.
pub async fn insert_draft_event(
    conn: &impl ConnectionTrait,
    kind: sarabun_domain::EventKind,
    draft_id: &str,
    step_id: &str,
    at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    let model = crate::entity::event::Model {
        id: crate::new_id(),
        kind: crate::Stored(kind),
        letter_id: draft_id.to_owned(),
        delivery_id: None,
        created_at: at,
        processed_at: None,
        step_id: Some(step_id.to_owned()),
    };
    crate::entity::event::Entity::insert(crate::entity::event::ActiveModel::from(model))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
