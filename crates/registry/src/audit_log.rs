//! Storage of the audit log (the pure tree logic lives in `sarabun-audit`): appending an entry and
//! its stored hashes inside the caller's transaction, reading hashes for proofs, the entries of one
//! letter, signed checkpoints, and the node's own sealed keys. Nothing here updates or deletes an
//! entry; there is no function that could.

use crate::RegistryError;
use crate::entity::{audit_checkpoint, audit_entry, audit_hash, audit_queue, node_key};
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

/// Queues an entry inside the caller's transaction, to be integrated into the log (given its index
/// and tree hashes) by [`integrate_batch`]'s caller once committed. No lock is taken.
pub async fn queue_entry(conn: &impl ConnectionTrait, entry: audit_queue::Model) -> Result<(), RegistryError> {
    let mut model = audit_queue::ActiveModel::from(entry);
    model.id = sea_orm::ActiveValue::NotSet;
    audit_queue::Entity::insert(model).exec_without_returning(conn).await?;
    Ok(())
}

/// Locks the log head until the caller's transaction ends and returns the log's size: taken by
/// integration only, so integrations (of this node or another) run one at a time.
pub async fn lock_head(conn: &impl ConnectionTrait) -> Result<u64, RegistryError> {
    let update = Query::update()
        .table("audit_head")
        .value("size", Expr::col("size"))
        .and_where(Expr::col("id").eq(1))
        .returning(Query::returning().column("size"))
        .to_owned();
    let row =
        conn.query_one(&update).await?.ok_or_else(|| RegistryError::Corrupt("audit head row is missing".into()))?;
    let size: i64 = row.try_get("", "size")?;
    u64::try_from(size).map_err(|_| RegistryError::Corrupt(format!("audit head at {size}")))
}

/// Up to `limit` queued entries, in queue order.
pub async fn queued(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<audit_queue::Model>, RegistryError> {
    Ok(audit_queue::Entity::find().order_by_asc(audit_queue::Column::Id).limit(limit).all(conn).await?)
}

/// How many entries wait in the queue.
pub async fn queue_length(conn: &impl ConnectionTrait) -> Result<u64, RegistryError> {
    use sea_orm::PaginatorTrait;
    Ok(audit_queue::Entity::find().count(conn).await?)
}

/// Appends integrated entries (consecutive indexes from the head's size) with the hashes their
/// appends produced, removes them from the queue and moves the head, inside the transaction that
/// holds the head ([`lock_head`]).
pub async fn integrate_batch(
    conn: &impl ConnectionTrait,
    entries: Vec<audit_entry::Model>,
    hashes: &[(u64, Hash)],
    queue_ids: &[i64],
    new_size: u64,
) -> Result<(), RegistryError> {
    // Bounded statements: PostgreSQL takes at most 65,535 parameters.
    const ROWS: usize = 2048;
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let chunk: Vec<_> = entries.by_ref().take(ROWS).map(audit_entry::ActiveModel::from).collect();
        audit_entry::Entity::insert_many(chunk).exec_without_returning(conn).await?;
    }
    for chunk in hashes.chunks(ROWS * 4) {
        audit_hash::Entity::insert_many(
            chunk
                .iter()
                .map(|(i, h)| audit_hash::ActiveModel::from(audit_hash::Model { idx: *i as i64, hash: h.to_vec() })),
        )
        .exec_without_returning(conn)
        .await?;
    }
    for chunk in queue_ids.chunks(ROWS * 4) {
        audit_queue::Entity::delete_many()
            .filter(audit_queue::Column::Id.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    let update =
        Query::update().table("audit_head").value("size", new_size as i64).and_where(Expr::col("id").eq(1)).to_owned();
    conn.execute(&update).await?;
    Ok(())
}

/// The number of entries committed to the log.
pub async fn size(conn: &impl ConnectionTrait) -> Result<u64, RegistryError> {
    let query = Query::select().column("size").from("audit_head").and_where(Expr::col("id").eq(1)).to_owned();
    let row =
        conn.query_one(&query).await?.ok_or_else(|| RegistryError::Corrupt("audit head row is missing".into()))?;
    let size: i64 = row.try_get("", "size")?;
    Ok(size as u64)
}

fn parse_hash(bytes: &[u8]) -> Result<Hash, RegistryError> {
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
    let found: std::collections::HashMap<i64, Vec<u8>> = rows.into_iter().map(|r| (r.idx, r.hash)).collect();
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
            hashes
                .iter()
                .map(|(i, h)| audit_hash::ActiveModel::from(audit_hash::Model { idx: *i as i64, hash: h.to_vec() })),
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
    let rows = hash_rows(conn, first, last).await?;
    rows.into_iter().map(|(i, h)| Ok((i as u64, parse_hash(&h)?))).collect()
}

/// Consecutive entries as stored, for re-verifying the whole log (`log_pages`): their bytes
/// concatenated and where each one lies. Bytes, not text: an altered row need not be UTF-8, and
/// the verifier hashes bytes.
#[derive(Debug, Default)]
pub struct EntryRun {
    /// The index of each entry read, in order (consecutive unless entries were removed).
    pub indexes: Vec<u64>,
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl EntryRun {
    /// An empty run with room for `entries` entries.
    pub fn with_capacity(entries: usize) -> Self {
        Self { indexes: Vec::with_capacity(entries), bytes: Vec::new(), spans: Vec::with_capacity(entries) }
    }

    /// Appends the entry stored at `index`.
    pub fn push(&mut self, index: u64, entry: &[u8]) {
        self.indexes.push(index);
        self.spans.push((self.bytes.len(), self.bytes.len() + entry.len()));
        self.bytes.extend_from_slice(entry);
    }

    /// The `k`-th entry's bytes.
    pub fn entry(&self, k: usize) -> &[u8] {
        let (start, end) = self.spans[k];
        &self.bytes[start..end]
    }
}

/// The stored hashes' rows (storage index, bytes) in `first..=last`, as stored.
pub(crate) async fn hash_rows(
    conn: &impl ConnectionTrait,
    first: u64,
    last: u64,
) -> Result<Vec<(i64, Vec<u8>)>, RegistryError> {
    Ok(audit_hash::Entity::find()
        .select_only()
        .column(audit_hash::Column::Idx)
        .column(audit_hash::Column::Hash)
        .filter(audit_hash::Column::Idx.between(first as i64, last as i64))
        .into_tuple()
        .all(conn)
        .await?)
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
