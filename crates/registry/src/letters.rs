//! Letters, their documents and deliveries, the register entries they produce, and idempotency keys:
//! the queries behind sending, receiving, rejecting, recalling, the inbox and the registers. State
//! changes are conditional updates (`… WHERE state = 'delivered'`), so two clerks racing on one
//! delivery cannot both win, on SQLite or on several PostgreSQL nodes.

use crate::RegistryError;
use crate::entity::{delivery, document, idempotency_key, letter, letter_document, register_entry};
use crate::listing::{COUNT_CAP, Counted, Position, WALK_BUDGET, after, all_up_to, count_up_to, walk};
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
    /// Letters sent by one of these offices (none matches an empty list).
    pub sender_office_ids: Option<Vec<String>>,
    pub delivered_from: Option<DateTime<Utc>>,
    pub delivered_to: Option<DateTime<Utc>>,
    /// Text to find in the subject or the letter number.
    pub text: Option<String>,
    /// The secrecy levels the reader is cleared for.
    pub cleared: Vec<Secrecy>,
    pub page: u64,
    pub per_page: u64,
    /// Continue after this delivery (the last of the page before, from [`inbox_position`])
    /// instead of at `page`: the page starts after it, and the count counts from it.
    pub after: Option<Position>,
    /// How many deliveries a text of three characters or more is looked for in, newest first,
    /// before the trigram index is asked: [`WALK_BUDGET`] (0 asks the index at once).
    pub walk_budget: u64,
}

/// One page of an inbox.
#[derive(Debug, Default)]
pub struct InboxPage {
    pub rows: Vec<(delivery::Model, letter::Model)>,
    /// How many deliveries match (after [`InboxQuery::after`] when given), up to [`COUNT_CAP`](crate::listing::COUNT_CAP).
    pub total: Counted,
    /// Whether matching deliveries older than the page's last row exist.
    pub older: bool,
}

/// The inbox after the delivery at `position`, in its order.
fn inbox_after(position: &Position) -> sea_orm::sea_query::Expr {
    after((delivery::Entity, delivery::Column::DeliveredAt), (delivery::Entity, delivery::Column::Id), position)
}

/// Where the inbox of `office_id` continues after its delivery `delivery_id`; `None` when the
/// office received no such delivery.
pub async fn inbox_position(
    conn: &impl ConnectionTrait,
    office_id: &str,
    delivery_id: &str,
) -> Result<Option<Position>, RegistryError> {
    Ok(delivery::Entity::find_by_id(delivery_id.to_owned())
        .filter(delivery::Column::RecipientOfficeId.eq(office_id))
        .one(conn)
        .await?
        .map(|d| (d.delivered_at, d.id)))
}

/// Whether `cleared` holds every secrecy level: the listing then needs no secrecy condition.
fn cleared_for_all(cleared: &[Secrecy]) -> bool {
    Secrecy::ALL.iter().all(|s| cleared.contains(s))
}

/// One page of an office's inbox, newest first, with the count up to [`COUNT_CAP`](crate::listing::COUNT_CAP). Each filter
/// without text reads an index that starts with it and holds the inbox order (`ix_deliveries_inbox`
/// and those of `m0019_inbox_filters`), so a page and the count read only matching entries; a page
/// numbered past what was counted is empty (the caller says where to go instead). A text is found
/// by walking the inbox, then through the trigram index ([`crate::listing`]).
pub async fn inbox(conn: &impl ConnectionTrait, office_id: &str, q: &InboxQuery) -> Result<InboxPage, RegistryError> {
    let mut select = delivery::Entity::find().filter(delivery::Column::RecipientOfficeId.eq(office_id));
    if !cleared_for_all(&q.cleared) {
        select = select.filter(delivery::Column::Secrecy.is_in(q.cleared.iter().map(|s| s.as_str())));
    }
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
    let sender = match &q.sender_office_ids {
        Some(senders) => Condition::all().add(letter::Column::OfficeId.is_in(senders.iter().map(String::as_str))),
        None => Condition::all(),
    };
    if q.sender_office_ids.is_some() {
        let letters = letter::Entity::find().select_only().column(letter::Column::Id).filter(sender.clone());
        select = select.filter(delivery::Column::LetterId.in_subquery(letters.into_query()));
    }
    let skip = if q.after.is_some() { 0 } else { q.page.saturating_sub(1) * q.per_page };
    let want = skip + q.per_page + 1;
    let ordered = |select: sea_orm::Select<delivery::Entity>| {
        select.order_by_desc(delivery::Column::DeliveredAt).order_by_desc(delivery::Column::Id)
    };
    let text = q.text.as_deref().and_then(TextSearch::new);
    if let Some(text) = &text {
        let listing = ordered(select.clone())
            .select_only()
            .column_as(delivery::Column::Id, "id")
            .column_as(delivery::Column::DeliveredAt, "at")
            .column_as(letter::Column::Subject, "subject")
            .column_as(letter::Column::Number, "number")
            .inner_join(letter::Entity)
            .into_query();
        let short = matches!(text, TextSearch::Short(_));
        let budget = if short { SHORT_SEARCH_WINDOW } else { q.walk_budget };
        let walked = walk(conn, &listing, inbox_after, q.after.clone(), text, want, budget).await?;
        let found = walked.ids.len() as u64;
        // A short text is matched in its window only: what the walk found is the answer.
        if found >= want || walked.complete || short {
            let older = found >= want;
            let total = if older { Counted::more_than(skip + q.per_page) } else { Counted::exactly(found) };
            let ids = walked.ids.into_iter().skip(skip as usize).take(q.per_page as usize).collect::<Vec<_>>();
            return Ok(InboxPage { rows: deliveries_in_order(conn, &ids).await?, total, older });
        }
        if let TextSearch::Indexed(text) = text {
            select = select.filter(delivery::Column::LetterId.in_subquery(matching_letters(
                conn.get_database_backend(),
                text,
                sender,
            )));
        }
    }
    let indexed = matches!(text, Some(TextSearch::Indexed(_)));
    let mut listing = ordered(select).select_only().column(delivery::Column::Id).into_query();
    if let Some(position) = &q.after {
        listing.and_where(inbox_after(position));
    }
    let total = if indexed {
        // The trigram index is asked once: its few matches are the count and every page.
        let mut timed = listing.clone();
        timed.expr_as(Expr::col((delivery::Entity, delivery::Column::DeliveredAt)), "at");
        match all_up_to(conn, timed).await? {
            Some(ids) => {
                let (total, older) = (Counted::exactly(ids.len() as u64), ids.len() as u64 > skip + q.per_page);
                let ids = ids.into_iter().skip(skip as usize).take(q.per_page as usize).collect::<Vec<_>>();
                return Ok(InboxPage { rows: deliveries_in_order(conn, &ids).await?, total, older });
            }
            None => Counted::more_than(COUNT_CAP),
        }
    } else {
        count_up_to(conn, listing.clone()).await?
    };
    if skip >= total.n {
        return Ok(InboxPage { rows: Vec::new(), total, older: false });
    }
    listing.offset(skip).limit(q.per_page + 1);
    let mut ids = conn
        .query_all(&listing)
        .await?
        .into_iter()
        .map(|row| row.try_get::<String>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    let older = ids.len() as u64 > q.per_page;
    ids.truncate(q.per_page as usize);
    Ok(InboxPage { rows: deliveries_in_order(conn, &ids).await?, total, older })
}

/// The offices that sent the newest `window` deliveries to `office_id` which a reader cleared for
/// `cleared` may see, each once, most recent first, at most `limit`: the senders a clerk is likely
/// to filter the inbox by, found without listing the directory. Letters from outside Sarabun (whose
/// `office_id` is the registering office) are left out.
pub async fn recent_senders(
    conn: &impl ConnectionTrait,
    office_id: &str,
    cleared: &[Secrecy],
    window: u64,
    limit: usize,
) -> Result<Vec<String>, RegistryError> {
    let mut select = delivery::Entity::find().filter(delivery::Column::RecipientOfficeId.eq(office_id));
    if !cleared_for_all(cleared) {
        select = select.filter(delivery::Column::Secrecy.is_in(cleared.iter().map(|s| s.as_str())));
    }
    let senders: Vec<String> = select
        .inner_join(letter::Entity)
        .select_only()
        .column(letter::Column::OfficeId)
        .order_by_desc(delivery::Column::DeliveredAt)
        .order_by_desc(delivery::Column::Id)
        .limit(window)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(first_distinct(senders, office_id, limit))
}

/// The offices `office_id` sent its newest `window` deliveries to, each once, most recent first, at
/// most `limit`: the recipients a clerk is likely to choose again, found without listing the
/// directory.
pub async fn recent_recipients(
    conn: &impl ConnectionTrait,
    office_id: &str,
    window: u64,
    limit: usize,
) -> Result<Vec<String>, RegistryError> {
    let recipients: Vec<String> = delivery::Entity::find()
        .inner_join(letter::Entity)
        .filter(letter::Column::OfficeId.eq(office_id))
        .select_only()
        .column(delivery::Column::RecipientOfficeId)
        .order_by_desc(letter::Column::SentAt)
        .order_by_desc(letter::Column::Id)
        .limit(window)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(first_distinct(recipients, office_id, limit))
}

/// The first `limit` of `ids` other than `own`, each once, in their order.
fn first_distinct(ids: Vec<String>, own: &str, limit: usize) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| id != own && seen.insert(id.clone())).take(limit).collect()
}

/// The deliveries `ids` with their letters, in the order of `ids`.
async fn deliveries_in_order(
    conn: &impl ConnectionTrait,
    ids: &[String],
) -> Result<Vec<(delivery::Model, letter::Model)>, RegistryError> {
    if ids.is_empty() {
        return Ok(Vec::new());
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
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
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

/// One page of the letters an office sent, newest first, with the count up to [`COUNT_CAP`](crate::listing::COUNT_CAP).
pub async fn sent_letters(
    conn: &impl ConnectionTrait,
    office_id: &str,
    cleared: &[Secrecy],
    page: u64,
    per_page: u64,
) -> Result<(Vec<letter::Model>, Counted), RegistryError> {
    // An arrival from outside is the registering office's letter but not one it sent.
    let mut select = letter::Entity::find()
        .filter(letter::Column::OfficeId.eq(office_id))
        .filter(letter::Column::Origin.eq(sarabun_domain::LetterOrigin::Sarabun.as_str()));
    if !cleared_for_all(cleared) {
        select = select.filter(letter::Column::Secrecy.is_in(cleared.iter().map(|s| s.as_str())));
    }
    let total = count_up_to(conn, select.clone().select_only().column(letter::Column::Id).into_query()).await?;
    let skip = page.saturating_sub(1) * per_page;
    if skip >= total.n {
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

/// Every office's letters after the letter at `position`, in their order.
fn letters_after(position: &Position) -> sea_orm::sea_query::Expr {
    after((letter::Entity, letter::Column::SentAt), (letter::Entity, letter::Column::Id), position)
}

/// One page of the auditor's search.
#[derive(Debug, Default)]
pub struct FoundPage {
    pub rows: Vec<letter::Model>,
    /// How many letters match, up to [`COUNT_CAP`](crate::listing::COUNT_CAP).
    pub total: Counted,
    /// Whether matching letters older than the page's last row exist.
    pub older: bool,
}

/// Letters of every office, newest first, whose subject or number contains `text` (all when
/// `None`) and whose secrecy is in `cleared`: the auditor's search. A text is found by walking the
/// letters, then through the trigram index ([`crate::listing`]); the count stops at
/// [`COUNT_CAP`](crate::listing::COUNT_CAP), and a page numbered past it is empty.
pub async fn search_letters(
    conn: &impl ConnectionTrait,
    text: Option<&str>,
    cleared: &[Secrecy],
    page: u64,
    per_page: u64,
) -> Result<FoundPage, RegistryError> {
    let mut select = letter::Entity::find();
    if !cleared_for_all(cleared) {
        select = select.filter(letter::Column::Secrecy.is_in(cleared.iter().map(|s| s.as_str())));
    }
    let skip = page.saturating_sub(1) * per_page;
    let want = skip + per_page + 1;
    let ordered = |select: sea_orm::Select<letter::Entity>| {
        select.order_by_desc(letter::Column::SentAt).order_by_desc(letter::Column::Id)
    };
    if let Some(text) = text.and_then(TextSearch::new) {
        let listing = ordered(select.clone())
            .select_only()
            .column_as(letter::Column::Id, "id")
            .column_as(letter::Column::SentAt, "at")
            .column_as(letter::Column::Subject, "subject")
            .column_as(letter::Column::Number, "number")
            .into_query();
        let short = matches!(text, TextSearch::Short(_));
        let budget = if short { SHORT_SEARCH_WINDOW } else { WALK_BUDGET };
        let walked = walk(conn, &listing, letters_after, None, &text, want, budget).await?;
        let found = walked.ids.len() as u64;
        // A short text is matched in its window only: what the walk found is the answer.
        if found >= want || walked.complete || short {
            let older = found >= want;
            let total = if older { Counted::more_than(skip + per_page) } else { Counted::exactly(found) };
            let ids = walked.ids.into_iter().skip(skip as usize).take(per_page as usize).collect::<Vec<_>>();
            return Ok(FoundPage { rows: letters_in_order(conn, &ids).await?, total, older });
        }
        if let TextSearch::Indexed(text) = &text {
            select = select.filter(letter::Column::Id.in_subquery(matching_letters(
                conn.get_database_backend(),
                text,
                Condition::all(),
            )));
        }
    }
    let indexed = matches!(text.and_then(TextSearch::new), Some(TextSearch::Indexed(_)));
    let mut listing = ordered(select).select_only().column(letter::Column::Id).into_query();
    let total = if indexed {
        // The trigram index is asked once: its few matches are the count and every page.
        let mut timed = listing.clone();
        timed.expr_as(Expr::col((letter::Entity, letter::Column::SentAt)), "at");
        match all_up_to(conn, timed).await? {
            Some(ids) => {
                let (total, older) = (Counted::exactly(ids.len() as u64), ids.len() as u64 > skip + per_page);
                let ids = ids.into_iter().skip(skip as usize).take(per_page as usize).collect::<Vec<_>>();
                return Ok(FoundPage { rows: letters_in_order(conn, &ids).await?, total, older });
            }
            None => Counted::more_than(COUNT_CAP),
        }
    } else {
        count_up_to(conn, listing.clone()).await?
    };
    if skip >= total.n {
        return Ok(FoundPage { rows: Vec::new(), total, older: false });
    }
    listing.offset(skip).limit(per_page + 1);
    let mut ids = conn
        .query_all(&listing)
        .await?
        .into_iter()
        .map(|row| row.try_get::<String>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    let older = ids.len() as u64 > per_page;
    ids.truncate(per_page as usize);
    Ok(FoundPage { rows: letters_in_order(conn, &ids).await?, total, older })
}

/// The letters `ids`, in the order of `ids`.
async fn letters_in_order(conn: &impl ConnectionTrait, ids: &[String]) -> Result<Vec<letter::Model>, RegistryError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: std::collections::HashMap<String, letter::Model> = letter::Entity::find()
        .filter(letter::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id.clone(), l))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
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
