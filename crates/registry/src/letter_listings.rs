//! The listings of letters: an office's inbox and the letters it sent, page by page, the auditor's
//! search over every office's letters, and the offices an office hears from or writes to lately.
//! Each costs the same however long the listing grows ([`crate::listing`]); the letters'
//! state changes are in [`crate::letters`], which re-exports these.

use crate::RegistryError;
use crate::entity::{delivery, letter};
use crate::listing::{Counted, IdPage, Position, WALK_BUDGET, after, count_up_to, walk};
use crate::text_search::{SHORT_SEARCH_WINDOW, TextSearch, matching_letters};
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, Secrecy, Urgency};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};

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
    if let Some(senders) = &q.sender_office_ids {
        // The delivery's copy of its letter's office (m0021): read from the inbox's sender index.
        select = select.filter(delivery::Column::SenderOfficeId.is_in(senders.iter().map(String::as_str)));
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
        let mut walked = walk(conn, &listing, inbox_after, q.after.clone(), text, want, budget).await?;
        let driver = walked.driver.take();
        if let Some(page) = IdPage::walked(walked, skip, q.per_page, short) {
            return inbox_page(conn, page).await;
        }
        if let TextSearch::Indexed(text) = text {
            select = select.filter(delivery::Column::LetterId.in_subquery(matching_letters(
                conn.get_database_backend(),
                text,
                Condition::all(),
                driver.as_deref(),
            )));
        }
    }
    let indexed = matches!(text, Some(TextSearch::Indexed(_)));
    let mut listing = ordered(select).select_only().column(delivery::Column::Id).into_query();
    if let Some(position) = &q.after {
        listing.and_where(inbox_after(position));
    }
    let at = indexed.then(|| Expr::col((delivery::Entity, delivery::Column::DeliveredAt)));
    inbox_page(conn, IdPage::read(conn, listing, at, skip, q.per_page).await?).await
}

/// An inbox page of the deliveries `page` names, with their letters.
async fn inbox_page(conn: &impl ConnectionTrait, page: IdPage) -> Result<InboxPage, RegistryError> {
    Ok(InboxPage { rows: deliveries_in_order(conn, &page.ids).await?, total: page.total, older: page.older })
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
        .select_only()
        .column(delivery::Column::SenderOfficeId)
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
        let mut walked = walk(conn, &listing, letters_after, None, &text, want, budget).await?;
        let driver = walked.driver.take();
        if let Some(page) = IdPage::walked(walked, skip, per_page, short) {
            return found_page(conn, page).await;
        }
        if let TextSearch::Indexed(text) = &text {
            select = select.filter(letter::Column::Id.in_subquery(matching_letters(
                conn.get_database_backend(),
                text,
                Condition::all(),
                driver.as_deref(),
            )));
        }
    }
    let indexed = matches!(text.and_then(TextSearch::new), Some(TextSearch::Indexed(_)));
    let listing = ordered(select).select_only().column(letter::Column::Id).into_query();
    let at = indexed.then(|| Expr::col((letter::Entity, letter::Column::SentAt)));
    found_page(conn, IdPage::read(conn, listing, at, skip, per_page).await?).await
}

/// A page of the auditor's search of the letters `page` names.
async fn found_page(conn: &impl ConnectionTrait, page: IdPage) -> Result<FoundPage, RegistryError> {
    Ok(FoundPage { rows: letters_in_order(conn, &page.ids).await?, total: page.total, older: page.older })
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
