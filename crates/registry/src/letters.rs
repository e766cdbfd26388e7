//! Letters, their documents and deliveries, the register entries they produce, and idempotency keys:
//! the queries behind sending, receiving, rejecting, recalling and the registers (the inbox and the
//! other listings are in [`crate::letter_listings`], re-exported here). State changes are
//! conditional updates (`… WHERE state = 'delivered'`), so two clerks racing on one delivery cannot
//! both win, on SQLite or on several PostgreSQL nodes.

use crate::RegistryError;
use crate::entity::{delivery, document, idempotency_key, letter, letter_document, register_entry};
pub use crate::letter_listings::*;
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, RegisterKind, YearBe};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

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
