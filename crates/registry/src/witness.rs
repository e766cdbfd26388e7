//! Storage of witnessed checkpoints: as a witness, what this node last cosigned of each peer's log
//! and the split-view alarms; as a log, the cosignatures its own checkpoints got from the peers.

use crate::RegistryError;
use crate::entity::{audit_checkpoint, audit_cosignature, witness_log};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// What this node remembers of the log `origin` as its witness.
pub async fn witness_log(
    conn: &impl ConnectionTrait,
    origin: &str,
) -> Result<Option<witness_log::Model>, RegistryError> {
    Ok(witness_log::Entity::find_by_id(origin.to_owned()).one(conn).await?)
}

/// Every log this node witnesses, by origin.
pub async fn witness_logs(conn: &impl ConnectionTrait) -> Result<Vec<witness_log::Model>, RegistryError> {
    Ok(witness_log::Entity::find().order_by_asc(witness_log::Column::Origin).all(conn).await?)
}

/// Records the first checkpoint cosigned of a log. Returns false when another request recorded one
/// first (the caller then answers as if it had not looked yet).
pub async fn first_cosigned(conn: &impl ConnectionTrait, model: witness_log::Model) -> Result<bool, RegistryError> {
    let inserted = witness_log::Entity::insert(witness_log::ActiveModel::from(model))
        .on_conflict(OnConflict::column(witness_log::Column::Origin).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Moves a log's last cosigned checkpoint from (`old_size`, `old_root`) to `new`, only if it is still
/// there and no alarm is raised: the check and the write are one statement, so two requests racing
/// cannot roll the witness back. Returns whether it moved.
pub async fn advance(
    conn: &impl ConnectionTrait,
    old_size: i64,
    old_root: &str,
    new: &witness_log::Model,
) -> Result<bool, RegistryError> {
    let moved = witness_log::Entity::update_many()
        .col_expr(witness_log::Column::Size, Expr::value(new.size))
        .col_expr(witness_log::Column::Root, Expr::value(new.root.clone()))
        .col_expr(witness_log::Column::Note, Expr::value(new.note.clone()))
        .col_expr(witness_log::Column::CosignedAt, Expr::value(new.cosigned_at))
        .filter(witness_log::Column::Origin.eq(new.origin.clone()))
        .filter(witness_log::Column::Size.eq(old_size))
        .filter(witness_log::Column::Root.eq(old_root.to_owned()))
        .filter(witness_log::Column::Alarm.is_null())
        .exec(conn)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// Raises the split-view alarm on a log, keeping the inconsistent checkpoint as evidence. The first
/// alarm stays: a second inconsistent checkpoint does not overwrite the evidence of the first.
pub async fn raise_alarm(
    conn: &impl ConnectionTrait,
    origin: &str,
    alarm: &str,
    evidence: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let raised = witness_log::Entity::update_many()
        .col_expr(witness_log::Column::Alarm, Expr::value(alarm.to_owned()))
        .col_expr(witness_log::Column::AlarmAt, Expr::value(at))
        .col_expr(witness_log::Column::Evidence, Expr::value(evidence.to_owned()))
        .filter(witness_log::Column::Origin.eq(origin.to_owned()))
        .filter(witness_log::Column::Alarm.is_null())
        .exec(conn)
        .await?;
    Ok(raised.rows_affected == 1)
}

/// Forgets a log: its last cosigned checkpoint and any alarm (the operator's decision after a split
/// view). The next checkpoint of it is cosigned as a first one.
pub async fn forget(conn: &impl ConnectionTrait, origin: &str) -> Result<bool, RegistryError> {
    let gone = witness_log::Entity::delete_by_id(origin.to_owned()).exec(conn).await?;
    Ok(gone.rows_affected == 1)
}

/// This node's checkpoint of `size`, when one was signed.
pub async fn checkpoint_of_size(
    conn: &impl ConnectionTrait,
    size: i64,
) -> Result<Option<audit_checkpoint::Model>, RegistryError> {
    Ok(audit_checkpoint::Entity::find_by_id(size).one(conn).await?)
}

/// The cosignatures of this node's checkpoint of `size`, by witness name.
pub async fn cosignatures(
    conn: &impl ConnectionTrait,
    size: i64,
) -> Result<Vec<audit_cosignature::Model>, RegistryError> {
    Ok(audit_cosignature::Entity::find()
        .filter(audit_cosignature::Column::Size.eq(size))
        .order_by_asc(audit_cosignature::Column::Witness)
        .all(conn)
        .await?)
}

/// The size of the largest checkpoint of this node that `witness` cosigned.
pub async fn last_cosigned_by(conn: &impl ConnectionTrait, witness: &str) -> Result<Option<i64>, RegistryError> {
    Ok(audit_cosignature::Entity::find()
        .select_only()
        .column_as(audit_cosignature::Column::Size.max(), "size")
        .filter(audit_cosignature::Column::Witness.eq(witness.to_owned()))
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten())
}

/// Keeps a cosignature of one of this node's checkpoints (a newer one of the same witness on the
/// same checkpoint replaces it).
pub async fn save_cosignature(
    conn: &impl ConnectionTrait,
    model: audit_cosignature::Model,
) -> Result<(), RegistryError> {
    audit_cosignature::Entity::insert(audit_cosignature::ActiveModel::from(model))
        .on_conflict(
            OnConflict::columns([audit_cosignature::Column::Size, audit_cosignature::Column::Witness])
                .update_columns([
                    audit_cosignature::Column::Peer,
                    audit_cosignature::Column::Line,
                    audit_cosignature::Column::CosignedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
