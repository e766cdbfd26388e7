//! The whole audit log read back for `audit verify`, page after page, from one snapshot, as fast as
//! the database hands it over: re-verifying a log must cost about what hashing it costs (issue
//! #16), so the reading runs on its own thread, ahead of the hashing, and avoids the per-row
//! machinery of the async drivers.
//!
//! - SQLite: a read-only connection of its own to the database file (rusqlite), rows stepped one by
//!   one in a read transaction. The node's one pooled connection stays free for its requests.
//! - PostgreSQL: two connections in one exported snapshot, one streaming the entries and one the
//!   stored hashes with `COPY … TO STDOUT (FORMAT binary)`, in index order from the primary keys.
//! - An in-memory SQLite database (tests only) is read through the pool, page by page.
//!
//! Every row is handed over as stored, with its own index: a missing, moved or altered row is the
//! verifier's to find and name.

use crate::RegistryError;
use crate::audit_log::{EntryRun, Hash, entry_texts_from, hash_rows};
use sea_orm::{DatabaseConnection, DbBackend, DbErr};
use tokio::sync::mpsc;

/// Entries per page: large enough that per-page costs vanish, small enough that the pages in
/// flight stay a few megabytes.
pub const PAGE: u64 = 16_384;

/// One page of the log: entries `first..first + count` as stored (some may be missing), and every
/// stored hash their appends wrote (each leaf's hash followed by the subtrees it completed), `None`
/// where a hash is missing or not 32 bytes.
#[derive(Debug)]
pub struct LogPage {
    pub first: u64,
    pub count: u64,
    pub entries: EntryRun,
    pub hashes: Vec<Option<Hash>>,
}

/// Pages of the log's first `size` entries as they are read, two ahead of the reader's consumer.
pub type LogPages = mpsc::Receiver<Result<LogPage, RegistryError>>;

/// Starts reading the log's first `size` entries (on the current Tokio runtime); the reading stops
/// when the returned receiver is dropped. A failure arrives as the last page.
pub fn read_log(db: &DatabaseConnection, size: u64) -> LogPages {
    let (pages, inbox) = mpsc::channel(2);
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool().clone();
            tokio::spawn(async move {
                if let Err(e) = postgres::read(pool, size, &pages).await {
                    let _ = pages.send(Err(e)).await;
                }
            });
        }
        _ => match sqlite_file(db) {
            Some(path) => {
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = sqlite::read(&path, size, &pages) {
                        let _ = pages.blocking_send(Err(e));
                    }
                });
            }
            None => {
                let db = db.clone();
                tokio::spawn(async move { through_pool(&db, size, &pages).await });
            }
        },
    }
    inbox
}

/// The database file behind a SQLite pool, unless the database lives in memory.
fn sqlite_file(db: &DatabaseConnection) -> Option<std::path::PathBuf> {
    let path = db.get_sqlite_connection_pool().connect_options().get_filename().to_path_buf();
    let name = path.to_string_lossy();
    (!name.is_empty() && name != ":memory:" && !name.starts_with("file::memory:") && path.is_file()).then_some(path)
}

/// The stored-hash range a page of entries wrote.
fn hash_range(first: u64, count: u64) -> (u64, u64) {
    (sarabun_audit::stored_hash_count(first), sarabun_audit::stored_hash_count(first + count) - 1)
}

/// The slow, always-available way: two queries a page through the pool.
async fn through_pool(db: &DatabaseConnection, size: u64, pages: &mpsc::Sender<Result<LogPage, RegistryError>>) {
    let mut first = 0;
    while first < size {
        let count = PAGE.min(size - first);
        let page = async {
            let mut entries = EntryRun::with_capacity(count as usize);
            for (index, entry) in entry_texts_from(db, first, count).await? {
                if index as u64 >= first + count {
                    break;
                }
                entries.push(index as u64, entry.as_bytes());
            }
            let (lo, hi) = hash_range(first, count);
            let mut hashes = vec![None; (hi + 1 - lo) as usize];
            for (index, hash) in hash_rows(db, lo, hi).await? {
                place_hash(&mut hashes, lo, index as u64, Some(&hash));
            }
            Ok(LogPage { first, count, entries, hashes })
        }
        .await;
        let failed = page.is_err();
        if pages.send(page).await.is_err() || failed {
            return;
        }
        first += count;
    }
}

/// A hash as stored: 32 bytes, or nothing usable.
fn as_hash(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok()
}

/// Puts one stored hash row into its page's slots (rows outside the page are ignored).
fn place_hash(slots: &mut [Option<Hash>], lo: u64, index: u64, bytes: Option<&[u8]>) {
    if let Some(slot) = index.checked_sub(lo).and_then(|at| slots.get_mut(at as usize)) {
        *slot = bytes.and_then(as_hash);
    }
}

mod sqlite {
    use super::*;
    use rusqlite::{Connection, OpenFlags};

    fn error(e: rusqlite::Error) -> RegistryError {
        RegistryError::Db(DbErr::Custom(format!("reading the audit log: {e}")))
    }

    /// Reads every page on this (blocking) thread and hands each over as soon as it is read.
    pub(super) fn read(
        path: &std::path::Path,
        size: u64,
        pages: &mpsc::Sender<Result<LogPage, RegistryError>>,
    ) -> Result<(), RegistryError> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(error)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(error)?;
        // Pages mapped rather than copied out of the page cache by a read call each. SQLite caps
        // this at its compiled maximum, 2 GiB by default, which `.cargo/config.toml` raises to
        // 1 TiB (`LIBSQLITE3_FLAGS`): a log of 10 M entries is a 6.5 GB file, read at 1.4 M
        // entries/s with the old cap and 1.7 M/s mapped whole.
        conn.pragma_update(None, "mmap_size", 1_i64 << 40).map_err(error)?;
        // One snapshot for the whole read, taken at the first page; entries below `size` were
        // committed before `size` was read, and the log never changes what it holds.
        conn.execute_batch("BEGIN").map_err(error)?;
        // `idx` is the row key (m0018): a key range is walked in order, without sorting.
        let mut entries = conn
            .prepare("SELECT idx, entry FROM audit_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")
            .map_err(error)?;
        let mut hashes = conn
            .prepare("SELECT idx, hash FROM audit_hashes WHERE idx >= ?1 AND idx <= ?2 ORDER BY idx")
            .map_err(error)?;
        let mut first = 0;
        while first < size {
            let count = PAGE.min(size - first);
            let mut run = EntryRun::with_capacity(count as usize);
            let mut rows = entries.query((first as i64, (first + count) as i64)).map_err(error)?;
            while let Some(row) = rows.next().map_err(error)? {
                let index: i64 = row.get(0).map_err(error)?;
                let bytes = row.get_ref(1).map_err(error)?.as_bytes().unwrap_or_default();
                run.push(index as u64, bytes);
            }
            let (lo, hi) = hash_range(first, count);
            let mut page_hashes = vec![None; (hi + 1 - lo) as usize];
            let mut rows = hashes.query((lo as i64, hi as i64)).map_err(error)?;
            while let Some(row) = rows.next().map_err(error)? {
                let index: i64 = row.get(0).map_err(error)?;
                place_hash(&mut page_hashes, lo, index as u64, row.get_ref(1).map_err(error)?.as_bytes().ok());
            }
            let page = LogPage { first, count, entries: run, hashes: page_hashes };
            if pages.blocking_send(Ok(page)).is_err() {
                return Ok(());
            }
            first += count;
        }
        // It only read.
        let _ = conn.execute_batch("ROLLBACK");
        Ok(())
    }
}

mod postgres {
    use super::*;
    use bytes::{Buf, Bytes, BytesMut};
    use futures_util::StreamExt;
    use futures_util::stream::BoxStream;
    use sea_orm::sqlx::{self, PgPool};

    fn error(e: sqlx::Error) -> RegistryError {
        RegistryError::Db(DbErr::Custom(format!("reading the audit log: {e}")))
    }

    fn malformed() -> RegistryError {
        RegistryError::Corrupt("the database sent a malformed COPY stream".into())
    }

    /// The rows of a `COPY (SELECT idx, value …) TO STDOUT (FORMAT binary)`, one at a time.
    struct CopyRows<'c> {
        stream: BoxStream<'c, Result<Bytes, sqlx::Error>>,
        buffer: BytesMut,
        header_read: bool,
        ahead: Option<(u64, Option<Bytes>)>,
    }

    /// The binary COPY signature, flags and header-extension length come first.
    const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

    impl<'c> CopyRows<'c> {
        fn new(stream: BoxStream<'c, Result<Bytes, sqlx::Error>>) -> Self {
            Self { stream, buffer: BytesMut::new(), header_read: false, ahead: None }
        }

        /// Makes at least `n` bytes available; false at the end of the stream.
        async fn fill(&mut self, n: usize) -> Result<bool, RegistryError> {
            while self.buffer.len() < n {
                match self.stream.next().await {
                    Some(chunk) => self.buffer.extend_from_slice(&chunk.map_err(error)?),
                    None => return Ok(false),
                }
            }
            Ok(true)
        }

        async fn field(&mut self) -> Result<Option<Bytes>, RegistryError> {
            if !self.fill(4).await? {
                return Err(malformed());
            }
            let len = self.buffer.get_i32();
            if len < 0 {
                return Ok(None);
            }
            if !self.fill(len as usize).await? {
                return Err(malformed());
            }
            Ok(Some(self.buffer.split_to(len as usize).freeze()))
        }

        /// The next row as `(index, value)`, `None` after the last.
        async fn next(&mut self) -> Result<Option<(u64, Option<Bytes>)>, RegistryError> {
            if let Some(row) = self.ahead.take() {
                return Ok(Some(row));
            }
            if !self.header_read {
                if !self.fill(SIGNATURE.len() + 8).await? || &self.buffer[..SIGNATURE.len()] != SIGNATURE {
                    return Err(malformed());
                }
                self.buffer.advance(SIGNATURE.len() + 4);
                let extension = self.buffer.get_u32() as usize;
                if !self.fill(extension).await? {
                    return Err(malformed());
                }
                self.buffer.advance(extension);
                self.header_read = true;
            }
            if !self.fill(2).await? {
                return Err(malformed());
            }
            match self.buffer.get_i16() {
                -1 => Ok(None),
                2 => {
                    let index = self.field().await?.filter(|b| b.len() == 8).ok_or_else(malformed)?;
                    let index = u64::try_from(i64::from_be_bytes(index[..].try_into().map_err(|_| malformed())?))
                        .map_err(|_| malformed())?;
                    Ok(Some((index, self.field().await?)))
                }
                _ => Err(malformed()),
            }
        }

        /// The next row if its index is below `end`; a later row is kept for the next call.
        async fn next_below(&mut self, end: u64) -> Result<Option<(u64, Option<Bytes>)>, RegistryError> {
            match self.next().await? {
                Some(row) if row.0 < end => Ok(Some(row)),
                Some(row) => {
                    self.ahead = Some(row);
                    Ok(None)
                }
                None => Ok(None),
            }
        }
    }

    /// The stored hashes of each page, in page order, as a task of their own reads them.
    type HashPages = mpsc::Receiver<Result<Vec<Option<Hash>>, RegistryError>>;

    /// Streams entries and hashes on two connections sharing one snapshot, cut into pages. The two
    /// streams are drained by two tasks at once: read in turns by one task, each server process
    /// waited while the other's page was read, and the read took the sum of the two instead of the
    /// longer.
    pub(super) async fn read(
        pool: PgPool,
        size: u64,
        pages: &mpsc::Sender<Result<LogPage, RegistryError>>,
    ) -> Result<(), RegistryError> {
        if size == 0 {
            return Ok(());
        }
        let mut entries_conn = pool.acquire().await.map_err(error)?;
        let mut hashes_conn = pool.acquire().await.map_err(error)?;
        // The two connections are closed when the read ends, never handed back to the pool: it ends
        // inside their read-only transactions, and an error or a verifier that stopped early ends
        // it mid-stream.
        entries_conn.close_on_drop();
        hashes_conn.close_on_drop();
        sqlx::query(BEGIN).execute(&mut *entries_conn).await.map_err(error)?;
        let (snapshot,): (String,) =
            sqlx::query_as("SELECT pg_export_snapshot()").fetch_one(&mut *entries_conn).await.map_err(error)?;
        if !snapshot.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-') {
            return Err(RegistryError::Corrupt(format!("unexpected snapshot name {snapshot:?}")));
        }
        sqlx::query(BEGIN).execute(&mut *hashes_conn).await.map_err(error)?;
        // The name was checked above to be hexadecimal digits and dashes.
        sqlx::query(sqlx::AssertSqlSafe(format!("SET TRANSACTION SNAPSHOT '{snapshot}'")))
            .execute(&mut *hashes_conn)
            .await
            .map_err(error)?;
        let (hash_pages, mut hashes_read) = mpsc::channel(2);
        // Stops when `hashes_read` is dropped (the entries failed, or the verifier stopped).
        let mut hash_task = tokio::spawn(async move {
            if let Err(e) = read_hashes(&mut hashes_conn, size, &hash_pages).await {
                let _ = hash_pages.send(Err(e)).await;
            }
        });
        let entries_sql = format!(
            "COPY (SELECT idx, entry FROM audit_entries WHERE idx < {size} ORDER BY idx) TO STDOUT (FORMAT binary)"
        );
        let mut entries = CopyRows::new(entries_conn.copy_out_raw(&entries_sql).await.map_err(error)?);
        let mut first = 0;
        while first < size {
            let count = PAGE.min(size - first);
            let mut run = EntryRun::with_capacity(count as usize);
            while let Some((index, entry)) = entries.next_below(first + count).await? {
                run.push(index, entry.as_deref().unwrap_or_default());
            }
            let hashes = next_hashes(&mut hashes_read, &mut hash_task).await?;
            if pages.send(Ok(LogPage { first, count, entries: run, hashes })).await.is_err() {
                return Ok(());
            }
            first += count;
        }
        Ok(())
    }

    const BEGIN: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

    /// The next page's stored hashes from the hash task; when it ended without one, why.
    async fn next_hashes(
        hashes_read: &mut HashPages,
        hash_task: &mut tokio::task::JoinHandle<()>,
    ) -> Result<Vec<Option<Hash>>, RegistryError> {
        match hashes_read.recv().await {
            Some(page) => page,
            None => Err(RegistryError::Corrupt(match hash_task.await {
                Err(e) => format!("the hash reader failed: {e}"),
                Ok(()) => "the hash reader stopped early".into(),
            })),
        }
    }

    /// Streams the stored hashes of the log's first `size` entries, cut into the same pages as the
    /// entries.
    async fn read_hashes(
        conn: &mut sqlx::pool::PoolConnection<sqlx::Postgres>,
        size: u64,
        hash_pages: &mpsc::Sender<Result<Vec<Option<Hash>>, RegistryError>>,
    ) -> Result<(), RegistryError> {
        let (_, last_hash) = hash_range(0, size);
        let hashes_sql = format!(
            "COPY (SELECT idx, hash FROM audit_hashes WHERE idx <= {last_hash} ORDER BY idx) TO STDOUT (FORMAT binary)"
        );
        let mut hashes = CopyRows::new(conn.copy_out_raw(&hashes_sql).await.map_err(error)?);
        let mut first = 0;
        while first < size {
            let count = PAGE.min(size - first);
            let (lo, hi) = hash_range(first, count);
            let mut page_hashes = vec![None; (hi + 1 - lo) as usize];
            while let Some((index, hash)) = hashes.next_below(hi + 1).await? {
                place_hash(&mut page_hashes, lo, index, hash.as_deref());
            }
            if hash_pages.send(Ok(page_hashes)).await.is_err() {
                return Ok(());
            }
            first += count;
        }
        Ok(())
    }
}
