//! Storage of letters from outside Sarabun: each office's address book of outside bodies (written,
//! changed, listed, searched as one types) and the arrivals registered from them, found again by
//! sender, number and date when the same letter is registered twice. An arrival's letter, delivery
//! and register line are written with the ordinary `letters` queries; this module holds only what
//! is outside's own.

use crate::RegistryError;
use crate::entity::{delivery, outside_arrival, outside_body};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// Writes a new body of an office's address book.
pub async fn insert_body(conn: &impl ConnectionTrait, body: outside_body::Model) -> Result<(), RegistryError> {
    outside_body::Entity::insert(outside_body::ActiveModel::from(body)).exec_without_returning(conn).await?;
    Ok(())
}

/// A body of `office_id`'s address book by id (another office's is `None`).
pub async fn body_of_office(
    conn: &impl ConnectionTrait,
    office_id: &str,
    id: &str,
) -> Result<Option<outside_body::Model>, RegistryError> {
    Ok(outside_body::Entity::find_by_id(id.to_owned())
        .filter(outside_body::Column::OfficeId.eq(office_id))
        .one(conn)
        .await?)
}

/// What an edit of a body changes.
#[derive(Debug, Clone)]
pub struct BodyChange {
    pub kind: sarabun_domain::BodyKind,
    pub name: String,
    pub name_key: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
}

/// Changes a body of `office_id`'s address book; `false` when there is no such body there.
pub async fn update_body(
    conn: &impl ConnectionTrait,
    office_id: &str,
    id: &str,
    change: BodyChange,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let Some(found) = body_of_office(conn, office_id, id).await? else { return Ok(false) };
    let mut model = outside_body::ActiveModel::from(found);
    model.kind = Set(crate::Stored(change.kind));
    model.name = Set(change.name);
    model.name_key = Set(change.name_key);
    model.email = Set(change.email);
    model.postal_address = Set(change.postal_address);
    model.updated_by = Set(Some(by.to_owned()));
    model.updated_at = Set(Some(at));
    model.update(conn).await?;
    Ok(true)
}

/// An office's address book by name, at most `limit` bodies after the first `skip`.
pub async fn bodies(
    conn: &impl ConnectionTrait,
    office_id: &str,
    skip: u64,
    limit: u64,
) -> Result<Vec<outside_body::Model>, RegistryError> {
    Ok(outside_body::Entity::find()
        .filter(outside_body::Column::OfficeId.eq(office_id))
        .order_by_asc(outside_body::Column::NameKey)
        .order_by_asc(outside_body::Column::Id)
        .offset(skip)
        .limit(limit)
        .all(conn)
        .await?)
}

/// `text` for a LIKE pattern, its own `%`, `_` and `\` taken literally.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Bodies of an office whose searched name (`name_key`) begins with `key`, then those containing
/// it elsewhere, by name, at most `limit` in all: what the address book suggests as one types.
pub async fn suggest(
    conn: &impl ConnectionTrait,
    office_id: &str,
    key: &str,
    limit: u64,
) -> Result<Vec<outside_body::Model>, RegistryError> {
    let escaped = like_escaped(key);
    let matching = |pattern: String| {
        outside_body::Entity::find()
            .filter(outside_body::Column::OfficeId.eq(office_id))
            .filter(Expr::col(outside_body::Column::NameKey).like(LikeExpr::new(pattern).escape('\\')))
            .order_by_asc(outside_body::Column::NameKey)
            .order_by_asc(outside_body::Column::Id)
    };
    let mut found = matching(format!("{escaped}%")).limit(limit).all(conn).await?;
    let left = limit.saturating_sub(found.len() as u64);
    if left > 0 {
        let more = matching(format!("%{escaped}%"))
            .filter(
                Expr::col(outside_body::Column::NameKey).not_like(LikeExpr::new(format!("{escaped}%")).escape('\\')),
            )
            .limit(left)
            .all(conn)
            .await?;
        found.extend(more);
    }
    Ok(found)
}

/// Writes an arrival's own row (its letter, delivery and register line are written beside it).
pub async fn insert_arrival(conn: &impl ConnectionTrait, arrival: outside_arrival::Model) -> Result<(), RegistryError> {
    outside_arrival::Entity::insert(outside_arrival::ActiveModel::from(arrival)).exec_without_returning(conn).await?;
    Ok(())
}

/// The first arrival of `office_id` from `body_id` with the sender's number `number_key` and date,
/// with its delivery (which holds the receive number), if one was registered.
pub async fn earlier_arrival(
    conn: &impl ConnectionTrait,
    office_id: &str,
    body_id: &str,
    number_key: &str,
    sender_date: &str,
) -> Result<Option<(outside_arrival::Model, delivery::Model)>, RegistryError> {
    let Some(arrival) = outside_arrival::Entity::find()
        .filter(outside_arrival::Column::OfficeId.eq(office_id))
        .filter(outside_arrival::Column::BodyId.eq(body_id))
        .filter(outside_arrival::Column::NumberKey.eq(number_key))
        .filter(outside_arrival::Column::SenderDate.eq(sender_date))
        .order_by_asc(outside_arrival::Column::RegisteredAt)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let delivery = delivery::Entity::find_by_id(arrival.delivery_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| RegistryError::Corrupt("outside arrival without its delivery".into()))?;
    Ok(Some((arrival, delivery)))
}

/// The arrivals of `letter_ids` that came from outside, with their senders.
pub async fn arrivals_of(
    conn: &impl ConnectionTrait,
    letter_ids: &[String],
) -> Result<Vec<(outside_arrival::Model, Option<outside_body::Model>)>, RegistryError> {
    if letter_ids.is_empty() {
        return Ok(Vec::new());
    }
    let arrivals = outside_arrival::Entity::find()
        .filter(outside_arrival::Column::LetterId.is_in(letter_ids.iter().map(String::as_str)))
        .all(conn)
        .await?;
    let body_ids: Vec<&str> = arrivals.iter().map(|a| a.body_id.as_str()).collect();
    let bodies: std::collections::HashMap<String, outside_body::Model> = outside_body::Entity::find()
        .filter(outside_body::Column::Id.is_in(body_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id.clone(), b))
        .collect();
    Ok(arrivals
        .into_iter()
        .map(|a| {
            let body = bodies.get(&a.body_id).cloned();
            (a, body)
        })
        .collect())
}

/// Which of `letter_ids` came from outside Sarabun.
pub async fn outside_letter_ids(
    conn: &impl ConnectionTrait,
    letter_ids: &[String],
) -> Result<std::collections::HashSet<String>, RegistryError> {
    if letter_ids.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<String> = outside_arrival::Entity::find()
        .select_only()
        .column(outside_arrival::Column::LetterId)
        .filter(outside_arrival::Column::LetterId.is_in(letter_ids.iter().map(String::as_str)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().collect())
}
