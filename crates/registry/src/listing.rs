//! Listings that cost the same however long they grow (an inbox of a million letters, the
//! auditor's search over every office):
//!
//! - Counting stops at [`COUNT_CAP`]: past it a listing says "more than 10,000", which is true,
//!   instead of reading a million index entries on every page to say exactly how many.
//! - Pages are numbered only within what was counted; further back a page continues after the
//!   last row of the page before (`after`), which the index finds directly however deep it is.
//! - A text search first walks the listing in its own order, newest first, and matches each row,
//!   stopping as soon as the page is full: a common word fills a page within a few hundred rows,
//!   where the trigram index would first have to gather every one of its hundred thousand
//!   matches. Only when [`WALK_BUDGET`] rows hold too few matches is the index asked
//!   ([`crate::text_search`]), and then its matches are few: it is asked once
//!   ([`all_up_to`]), its matches giving the count and the page together.

use crate::RegistryError;
use crate::text_search::{Searched, TextSearch};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, IntoColumnRef, Query, SelectStatement};

/// How far a listing counts.
pub const COUNT_CAP: u64 = 10_000;

/// How many rows a text search walks before it asks the trigram index.
pub const WALK_BUDGET: u64 = 2_000;

/// How many rows a listing has, counted up to [`COUNT_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counted {
    /// The rows counted.
    pub n: u64,
    /// Whether `n` is all of them; when false there are more than `n`.
    pub exact: bool,
}

impl Counted {
    /// Exactly `n`.
    pub fn exactly(n: u64) -> Self {
        Self { n, exact: true }
    }

    /// More than `n`.
    pub fn more_than(n: u64) -> Self {
        Self { n, exact: false }
    }
}

/// The rows of `query` (its order and paging are dropped), counted up to [`COUNT_CAP`].
pub async fn count_up_to(conn: &impl ConnectionTrait, mut query: SelectStatement) -> Result<Counted, RegistryError> {
    query.reset_offset().limit(COUNT_CAP + 1);
    // PostgreSQL, asked for any 10,001 rows, reads the table from its start (a sequential scan,
    // fast only while the rows it wants happen to come first); asked for the first 10,001 in the
    // listing's order, it reads that many entries of the index that serves the order, whatever
    // the table's layout. SQLite plans the unordered count well and is left to it.
    if conn.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        query.clear_order_by();
    }
    let count = Query::select().expr_as(Expr::cust("COUNT(*)"), "n").from_subquery(query, "capped").to_owned();
    let row = conn.query_one(&count).await?.ok_or_else(|| RegistryError::Corrupt("count gave no row".into()))?;
    let n = u64::try_from(row.try_get::<i64>("", "n")?).unwrap_or_default();
    Ok(if n > COUNT_CAP { Counted::more_than(COUNT_CAP) } else { Counted::exactly(n) })
}

/// The ids of the rows of `query` in the listing's order (`at`, then `id`, newest first) when
/// there are at most [`COUNT_CAP`], else `None`. `query` selects `id` and `at`; its order and
/// paging are dropped and the rows ordered here, so that a text found through the trigram index
/// is looked up once, for the count and the page together, instead of once for each (a look up
/// reads the posting lists of every trigram of the text: tens of milliseconds at a million
/// letters when the text shares trigrams with most subjects).
pub async fn all_up_to(
    conn: &impl ConnectionTrait,
    mut query: SelectStatement,
) -> Result<Option<Vec<String>>, RegistryError> {
    query.clear_order_by().reset_offset().limit(COUNT_CAP + 1);
    let rows = conn.query_all(&query).await?;
    if rows.len() as u64 > COUNT_CAP {
        return Ok(None);
    }
    let mut found = rows
        .iter()
        .map(|row| Ok((row.try_get::<DateTime<Utc>>("", "at")?, row.try_get::<String>("", "id")?)))
        .collect::<Result<Vec<_>, RegistryError>>()?;
    found.sort_unstable_by(|a, b| b.cmp(a));
    Ok(Some(found.into_iter().map(|(_, id)| id).collect()))
}

/// The ids of one page of a listing, with the count and whether older rows exist: what the inbox
/// and the auditor's search turn into rows.
#[derive(Debug, Default)]
pub struct IdPage {
    /// The page's ids, in the listing's order.
    pub ids: Vec<String>,
    /// How many rows match, up to [`COUNT_CAP`].
    pub total: Counted,
    /// Whether matching rows older than the page's last exist.
    pub older: bool,
}

impl IdPage {
    /// The page `skip` rows into `ids` (every match, in order), counted exactly.
    fn of_all(ids: Vec<String>, skip: u64, per_page: u64) -> Self {
        let (total, older) = (Counted::exactly(ids.len() as u64), ids.len() as u64 > skip + per_page);
        Self { ids: ids.into_iter().skip(skip as usize).take(per_page as usize).collect(), total, older }
    }

    /// The page a text search's walk answers with, when it does: it found more than the page
    /// needs, reached the listing's end, or was a `short` text's (matched in its window only).
    /// `None` when the trigram index must be asked.
    pub fn walked(walked: Walked, skip: u64, per_page: u64, short: bool) -> Option<Self> {
        let want = skip + per_page + 1;
        let found = walked.ids.len() as u64;
        if found < want && !walked.complete && !short {
            return None;
        }
        let older = found >= want;
        let total = if older { Counted::more_than(skip + per_page) } else { Counted::exactly(found) };
        Some(Self { ids: walked.ids.into_iter().skip(skip as usize).take(per_page as usize).collect(), total, older })
    }

    /// The page `skip` rows into `listing` (which selects `id` in the listing's order). With
    /// `indexed_at` (the column `at` of [`all_up_to`]) the text is found through the trigram index,
    /// asked once for the count and the page; else the listing is counted up to [`COUNT_CAP`] and
    /// the page read, empty when numbered past the count.
    pub async fn read(
        conn: &impl ConnectionTrait,
        mut listing: SelectStatement,
        indexed_at: Option<Expr>,
        skip: u64,
        per_page: u64,
    ) -> Result<Self, RegistryError> {
        let total = match indexed_at {
            Some(at) => {
                let mut timed = listing.clone();
                timed.expr_as(at, "at");
                match all_up_to(conn, timed).await? {
                    Some(ids) => return Ok(Self::of_all(ids, skip, per_page)),
                    None => Counted::more_than(COUNT_CAP),
                }
            }
            None => count_up_to(conn, listing.clone()).await?,
        };
        if skip >= total.n {
            return Ok(Self { ids: Vec::new(), total, older: false });
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
        Ok(Self { ids, total, older })
    }
}

/// Where a listing in time order continues from: the time and id of the last row shown.
pub type Position = (DateTime<Utc>, String);

/// The condition "after the row at `position`" in a listing ordered by `(at, id)`, newest first:
/// `(at, id) < (…, …)`, which an index on `(…, at, id)` serves as a range.
pub fn after(at: impl IntoColumnRef, id: impl IntoColumnRef, position: &Position) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    Expr::tuple([Expr::col(at), Expr::col(id)]).lt(Expr::tuple([Expr::val(position.0), Expr::val(position.1.clone())]))
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// The ids of the matching rows, in the listing's order.
    pub ids: Vec<String>,
    /// Whether the walk reached the end of the listing.
    pub complete: bool,
    /// How many rows it looked at.
    pub looked_at: u64,
    /// The word of the text that should drive the trigram index, when the walk ran out of budget
    /// and its rows told one ([`crate::text_search::driving_word`]).
    pub driver: Option<String>,
}

/// Walks `listing` from `from` (the start when `None`) in chunks and keeps the rows whose subject
/// or number contains `text`, until `want` are found, `budget` rows were looked at or the listing
/// ends. `listing` selects `id`, `at`, `subject` and `number` in the listing's order (newest
/// first); `continues` gives the condition "after this row" in that order ([`after`]).
pub async fn walk(
    conn: &impl ConnectionTrait,
    listing: &SelectStatement,
    continues: impl Fn(&Position) -> Expr,
    mut from: Option<Position>,
    text: &TextSearch,
    want: u64,
    budget: u64,
) -> Result<Walked, RegistryError> {
    let mut walked = Walked::default();
    let (needle, words) = (text.lowercase(), text.words());
    let mut hits = vec![0u64; words.len()];
    // Small first: a common word fills a page within the first chunk.
    let mut chunk = 250u64;
    while walked.looked_at < budget {
        let take = chunk.min(budget - walked.looked_at);
        let mut query = listing.clone();
        if let Some(position) = &from {
            query.and_where(continues(position));
        }
        query.limit(take);
        let rows = conn.query_all(&query).await?;
        let fetched = rows.len() as u64;
        walked.looked_at += fetched;
        for row in rows {
            let id: String = row.try_get("", "id")?;
            let at: DateTime<Utc> = row.try_get("", "at")?;
            let subject: String = row.try_get("", "subject")?;
            let number: String = row.try_get("", "number")?;
            let row = Searched::new(&subject, &number);
            for (word, hit) in words.iter().zip(hits.iter_mut()) {
                if row.contains(word) {
                    *hit += 1;
                }
            }
            if row.contains(&needle) {
                walked.ids.push(id.clone());
                if walked.ids.len() as u64 >= want {
                    return Ok(walked);
                }
            }
            from = Some((at, id));
        }
        if fetched < take {
            walked.complete = true;
            return Ok(walked);
        }
        chunk = (chunk * 2).min(1_000);
    }
    walked.driver = crate::text_search::driving_word(&words, &hits, walked.looked_at).map(str::to_owned);
    Ok(walked)
}
