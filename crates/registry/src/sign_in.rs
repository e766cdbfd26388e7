//! Storage of the sign-in throttle: one counter row per account and per client address. The rules
//! (when a window closes, how long a lock lasts) are `sarabun-routing`'s; this module reads, locks
//! and writes the rows inside the caller's transaction.

use crate::RegistryError;
use crate::entity::sign_in_throttle::{self, Column, Entity, Model};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// The rows of `keys` that exist.
pub async fn rows(conn: &impl ConnectionTrait, keys: &[String]) -> Result<Vec<Model>, RegistryError> {
    Ok(Entity::find().filter(Column::Key.is_in(keys.iter().cloned())).all(conn).await?)
}

/// The row of `key`, created empty if absent and locked (`FOR UPDATE` on PostgreSQL; SQLite's one
/// writer serialises anyway) until the caller's transaction ends, so that concurrent failures on
/// several nodes all count.
pub async fn lock_row(conn: &impl ConnectionTrait, key: &str, now: DateTime<Utc>) -> Result<Model, RegistryError> {
    let empty = Model {
        key: key.to_owned(),
        failures: 0,
        window_start: now,
        last_failure_at: now,
        locked_until: None,
        reported: 0,
    };
    Entity::insert(sign_in_throttle::ActiveModel::from(empty))
        .on_conflict(OnConflict::column(Column::Key).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Entity::find_by_id(key.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| RegistryError::Corrupt(format!("sign-in counter {key} vanished")))
}

/// Stores a row read with [`lock_row`].
pub async fn save_row(conn: &impl ConnectionTrait, row: Model) -> Result<(), RegistryError> {
    let active = sign_in_throttle::ActiveModel {
        key: Set(row.key),
        failures: Set(row.failures),
        window_start: Set(row.window_start),
        last_failure_at: Set(row.last_failure_at),
        locked_until: Set(row.locked_until),
        reported: Set(row.reported),
    };
    Entity::update(active).exec(conn).await?;
    Ok(())
}

/// Forgets the counter of `key` (a successful sign-in, or an admin lifting a lock).
pub async fn clear(conn: &impl ConnectionTrait, key: &str) -> Result<(), RegistryError> {
    Entity::delete_by_id(key.to_owned()).exec(conn).await?;
    Ok(())
}
