//! Storage of the audit log (the pure tree logic lives in `sarabun-audit`): appending an entry and
//! its stored hashes inside the caller's transaction, reading hashes for proofs, the entries of one
//! letter, signed checkpoints, and the node's own sealed keys. Nothing here updates or deletes an
//! entry; there is no function that could.

use crate::RegistryError;
use crate::entity::{audit_checkpoint, audit_entry, audit_hash, node_key};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityName, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// A hash of the tree.
pub type Hash = [u8; 32];

/// Reserves the next index of the log. The head row stays locked until the caller's transaction
/// ends, so appends are serialised and indexes are consecutive in commit order; a rollback
/// returns the index.
pub async fn reserve_index(conn: &impl ConnectionTrait) -> Result<u64, RegistryError> {
    let update = Query::update()
        .table("audit_head")
        .value("size", Expr::col("size").add(1))
        .and_where(Expr::col("id").eq(1))
        .returning(Query::returning().column("size"))
        .to_owned();
    let row =
        conn.query_one(&update).await?.ok_or_else(|| RegistryError::Corrupt("audit head row is missing".into()))?;
    let size: i64 = row.try_get("", "size")?;
    u64::try_from(size - 1).map_err(|_| RegistryError::Corrupt(format!("audit head at {size}")))
}

/// The number of entries committed to the log.
pub async fn size(conn: &impl ConnectionTrait) -> Result<u64, RegistryError> {
    let query = Query::select().column("size").from("audit_head").and_where(Expr::col("id").eq(1)).to_owned();
    let row =
        conn.query_one(&query).await?.ok_or_else(|| RegistryError::Corrupt("audit head row is missing".into()))?;
    let size: i64 = row.try_get("", "size")?;
    Ok(size as u64)
}

fn parse_hash(hex_text: &str) -> Result<Hash, RegistryError> {
    let bytes = hex::decode(hex_text).map_err(|_| RegistryError::Corrupt("audit hash is not hex".into()))?;
    bytes.try_into().map_err(|_| RegistryError::Corrupt("audit hash is not 32 bytes".into()))
}

/// Reads stored hashes in the order of `indexes`; a missing one means the tree is damaged.
pub async fn read_hashes(conn: &impl ConnectionTrait, indexes: &[u64]) -> Result<Vec<Hash>, RegistryError> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let rows = audit_hash::Entity::find()
        .filter(audit_hash::Column::Idx.is_in(indexes.iter().map(|i| *i as i64)))
        .all(conn)
        .await?;
    let found: std::collections::HashMap<i64, String> = rows.into_iter().map(|r| (r.idx, r.hash)).collect();
    indexes
        .iter()
        .map(|i| {
            found
                .get(&(*i as i64))
                .ok_or_else(|| RegistryError::Corrupt(format!("stored hash {i} is missing")))
                .and_then(|h| parse_hash(h))
        })
        .collect()
}

/// Writes the entry and the hashes its append produced.
pub async fn insert_entry(
    conn: &impl ConnectionTrait,
    entry: audit_entry::Model,
    hashes: &[(u64, Hash)],
) -> Result<(), RegistryError> {
    audit_entry::Entity::insert(audit_entry::ActiveModel::from(entry)).exec_without_returning(conn).await?;
    if !hashes.is_empty() {
        audit_hash::Entity::insert_many(
            hashes.iter().map(|(i, h)| {
                audit_hash::ActiveModel::from(audit_hash::Model { idx: *i as i64, hash: hex::encode(h) })
            }),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// One entry by index.
pub async fn entry(conn: &impl ConnectionTrait, index: u64) -> Result<Option<audit_entry::Model>, RegistryError> {
    Ok(audit_entry::Entity::find_by_id(index as i64).one(conn).await?)
}

/// Every entry concerning a letter, in log order.
pub async fn letter_entries(
    conn: &impl ConnectionTrait,
    letter_id: &str,
) -> Result<Vec<audit_entry::Model>, RegistryError> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::LetterId.eq(letter_id))
        .order_by_asc(audit_entry::Column::Idx)
        .all(conn)
        .await?)
}

/// Up to `limit` entries from index `from` on, in order (for reading the whole log in batches).
pub async fn entries_from(
    conn: &impl ConnectionTrait,
    from: u64,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, RegistryError> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::Idx.gte(from as i64))
        .order_by_asc(audit_entry::Column::Idx)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Up to `limit` entries from index `from` on, as (index, entry bytes) only: the fast path for
/// reading the whole log.
pub async fn entry_texts_from(
    conn: &impl ConnectionTrait,
    from: u64,
    limit: u64,
) -> Result<Vec<(i64, String)>, RegistryError> {
    Ok(audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::Idx)
        .column(audit_entry::Column::Entry)
        .filter(audit_entry::Column::Idx.gte(from as i64))
        .order_by_asc(audit_entry::Column::Idx)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?)
}

/// Every stored hash with a storage index in `first..=last`, by index. Leaves of consecutive
/// entries sit in one such range (interleaved with their subtrees' hashes), so one range scan
/// serves a whole batch of entries.
pub async fn hashes_between(
    conn: &impl ConnectionTrait,
    first: u64,
    last: u64,
) -> Result<std::collections::HashMap<u64, Hash>, RegistryError> {
    let rows: Vec<(i64, String)> = audit_hash::Entity::find()
        .select_only()
        .column(audit_hash::Column::Idx)
        .column(audit_hash::Column::Hash)
        .filter(audit_hash::Column::Idx.between(first as i64, last as i64))
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter().map(|(i, h)| Ok((i as u64, parse_hash(&h)?))).collect()
}

/// The newest checkpoint.
pub async fn latest_checkpoint(conn: &impl ConnectionTrait) -> Result<Option<audit_checkpoint::Model>, RegistryError> {
    Ok(audit_checkpoint::Entity::find().order_by_desc(audit_checkpoint::Column::Size).one(conn).await?)
}

/// Every checkpoint, oldest first.
pub async fn checkpoints(conn: &impl ConnectionTrait) -> Result<Vec<audit_checkpoint::Model>, RegistryError> {
    Ok(audit_checkpoint::Entity::find().order_by_asc(audit_checkpoint::Column::Size).all(conn).await?)
}

/// Stores a checkpoint; another node having signed the same size first is fine.
pub async fn insert_checkpoint(
    conn: &impl ConnectionTrait,
    checkpoint: audit_checkpoint::Model,
) -> Result<(), RegistryError> {
    let insert = Query::insert()
        .into_table(audit_checkpoint::Entity.table_ref())
        .columns([
            audit_checkpoint::Column::Size,
            audit_checkpoint::Column::Root,
            audit_checkpoint::Column::Note,
            audit_checkpoint::Column::SignedAt,
        ])
        .values_panic([
            checkpoint.size.into(),
            checkpoint.root.into(),
            checkpoint.note.into(),
            checkpoint.signed_at.into(),
        ])
        .on_conflict(OnConflict::column(audit_checkpoint::Column::Size).do_nothing().to_owned())
        .to_owned();
    conn.execute(&insert).await?;
    Ok(())
}

/// A node key by name.
pub async fn node_key(conn: &impl ConnectionTrait, name: &str) -> Result<Option<node_key::Model>, RegistryError> {
    Ok(node_key::Entity::find_by_id(name.to_owned()).one(conn).await?)
}

/// Stores a node key unless one of that name exists (another node may have made it first).
pub async fn insert_node_key(conn: &impl ConnectionTrait, key: node_key::Model) -> Result<(), RegistryError> {
    let insert = Query::insert()
        .into_table(node_key::Entity.table_ref())
        .columns([
            node_key::Column::Name,
            node_key::Column::Kid,
            node_key::Column::PublicKey,
            node_key::Column::SealedPrivateKey,
            node_key::Column::CreatedAt,
        ])
        .values_panic([
            key.name.into(),
            key.kid.into(),
            key.public_key.into(),
            key.sealed_private_key.into(),
            key.created_at.into(),
        ])
        .on_conflict(OnConflict::column(node_key::Column::Name).do_nothing().to_owned())
        .to_owned();
    conn.execute(&insert).await?;
    Ok(())
}
