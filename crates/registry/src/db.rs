//! Opening the database named by one URL — `sqlite://…` for the embedded default, `postgres://…` for
//! production — and bringing its schema up to date.
//!
//! SQLite runs in WAL mode with one pooled connection: SQLite allows one writer at a time anyway, and a
//! single connection means a transaction that reads before it writes can never hit `SQLITE_BUSY` on
//! upgrade. PostgreSQL gets a real pool; correctness across nodes there comes from row locks.

use crate::RegistryError;
use sarabun_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `url`, if it is one we support.
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// Connects to `url` with a pool of at most `max_connections` (ignored for SQLite, see above).
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, RegistryError> {
    let backend = Backend::of(url)
        .ok_or_else(|| RegistryError::Corrupt(format!("unsupported database URL scheme in {}", redact(url))))?;
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(30));
    match backend {
        Backend::Sqlite => {
            options.max_connections(1).min_connections(1).map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
                    .create_if_missing(true)
            });
        }
        Backend::Postgres => {
            options.max_connections(max_connections.max(2)).min_connections(1);
        }
    }
    Ok(Database::connect(options).await?)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), RegistryError> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// The names of the migrations this binary knows that the database has not applied yet (empty when
/// the schema is current). Read-only: it never creates the migrations table, so a readiness probe
/// can ask it as often as it likes. A database migrated by a newer binary, with migrations this one
/// does not know, is an error.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, RegistryError> {
    Ok(Migrator::get_pending_migrations_read_only(db).await?.iter().map(|m| m.name().to_owned()).collect())
}

/// How busy this node's connection pool is (for metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Connections open.
    pub open: u32,
    /// Of those, idle; `None` when the pool's own count is not believable (sqlx 0.9 reports
    /// more idle connections than open ones on the one-connection SQLite pool).
    pub idle: Option<u32>,
    /// The most the pool may open.
    pub max: u32,
}

/// The pool's use right now; no query is made.
pub fn pool_use(db: &DatabaseConnection) -> Option<PoolUse> {
    fn of<D: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<D>) -> PoolUse {
        PoolUse {
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).ok().filter(|idle| *idle <= pool.size()),
            max: pool.options().get_max_connections(),
        }
    }
    match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => Some(of(db.get_sqlite_connection_pool())),
        sea_orm::DbBackend::Postgres => Some(of(db.get_postgres_connection_pool())),
        _ => None,
    }
}

/// `url` with any password replaced, for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Creates a fresh, empty PostgreSQL database `name` on the server at `server_url` (a URL without a
/// database, or naming the maintenance database) and returns the URL of the new database. For tests
/// and benchmarks, which each work in a database of their own.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String, RegistryError> {
    create_database(server_url, name, None).await
}

/// Drops a database made by [`create_postgres_database`] or [`PostgresTemplate::create_database`],
/// disconnecting anyone still using it.
pub async fn drop_postgres_database(server_url: &str, name: &str) -> Result<(), RegistryError> {
    let admin = Database::connect(maintenance_url(server_url)).await?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
    admin.close().await?;
    Ok(())
}

async fn create_database(server_url: &str, name: &str, template: Option<&str>) -> Result<String, RegistryError> {
    check_database_name(name)?;
    let admin = Database::connect(maintenance_url(server_url)).await?;
    let copy = template.map(|t| format!(" TEMPLATE \"{t}\"")).unwrap_or_default();
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"{copy}")).await?;
    admin.close().await?;
    Ok(database_url(server_url, name))
}

/// A PostgreSQL database with every migration applied, which tests copy instead of migrating a
/// database of their own (`CREATE DATABASE … TEMPLATE` is a file copy, much faster than the DDL).
///
/// The template is named after a fingerprint of the migrations, so a later test run with the same
/// migrations reuses it and a run with changed ones builds its own. Test processes may run at once
/// against one server, even from different checkouts: building happens under an advisory lock, a
/// template is renamed into place only once fully migrated (a run that dies half-way leaves nothing
/// reusable), and each process holds a shared advisory lock on its template for as long as this
/// value lives, so another run drops only the stale templates nobody holds.
pub struct PostgresTemplate {
    server_url: String,
    name: String,
    /// The session that holds the shared lock. It is never used again: it only has to stay open,
    /// which it does until this value is dropped or the process ends.
    _lease: DatabaseConnection,
}

/// Serialises building, reusing and dropping templates across processes.
const TEMPLATE_LOCK: i64 = 0x5341_5241_4255_4e54;
const TEMPLATE_PREFIX: &str = "sarabun_template_";

impl PostgresTemplate {
    /// Finds or builds the template for this binary's migrations on the server at `server_url`, and
    /// drops stale templates no running process holds.
    pub async fn prepare(server_url: &str) -> Result<Self, RegistryError> {
        let name = format!("{TEMPLATE_PREFIX}{}", migrations_fingerprint());
        let mut options = ConnectOptions::new(maintenance_url(server_url));
        // Advisory locks belong to a session: one connection, never recycled.
        options.sqlx_logging(false).max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
        let lease = Database::connect(options).await?;
        lease.execute_unprepared(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})")).await?;
        let built = Self::build_and_hold(server_url, &name, &lease).await;
        lease.execute_unprepared(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})")).await?;
        built?;
        Ok(Self { server_url: server_url.to_owned(), name, _lease: lease })
    }

    /// Under the building lock: builds the template unless it exists, takes the shared lock on it,
    /// then drops the templates (and abandoned half-built ones) that nobody holds.
    async fn build_and_hold(server_url: &str, name: &str, lease: &DatabaseConnection) -> Result<(), RegistryError> {
        if !template_databases(lease).await?.iter().any(|d| d == name) {
            let building = format!("{name}_building");
            lease.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)")).await?;
            let url = create_database(server_url, &building, None).await?;
            let db = connect(&url, 2).await?;
            let migrated = migrate(&db).await;
            // A template cannot be copied, or renamed, while anyone is connected to it.
            db.close().await?;
            migrated?;
            lease.execute_unprepared(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"")).await?;
            // Nobody may connect to it by mistake, which would make every copy fail.
            lease
                .execute_unprepared(&format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"))
                .await?;
        }
        lease.execute_unprepared(&format!("SELECT pg_advisory_lock_shared({})", lease_key(name))).await?;
        for stale in template_databases(lease).await?.iter().filter(|d| *d != name) {
            let held = lease
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!("SELECT pg_try_advisory_lock({}) AS free", lease_key(stale)),
                ))
                .await?
                .map(|row| row.try_get::<bool>("", "free"))
                .transpose()?
                != Some(true);
            if held {
                continue;
            }
            // A template cannot be dropped until it is no longer one.
            lease.execute_unprepared(&format!("ALTER DATABASE \"{stale}\" WITH IS_TEMPLATE false")).await?;
            lease.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{stale}\" WITH (FORCE)")).await?;
            lease.execute_unprepared(&format!("SELECT pg_advisory_unlock({})", lease_key(stale))).await?;
        }
        Ok(())
    }

    /// The template's database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates database `name` as a copy of the template and returns its URL; drop it with
    /// [`drop_postgres_database`].
    pub async fn create_database(&self, name: &str) -> Result<String, RegistryError> {
        create_database(&self.server_url, name, Some(&self.name)).await
    }
}

/// The databases on the server whose names say they are our templates, half-built ones included.
async fn template_databases(db: &DatabaseConnection) -> Result<Vec<String>, RegistryError> {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT datname FROM pg_database WHERE starts_with(datname, '{TEMPLATE_PREFIX}')"),
        ))
        .await?;
    Ok(rows.iter().map(|r| r.try_get::<String>("", "datname")).collect::<Result<_, _>>()?)
}

/// The advisory lock key that says a template is in use.
fn lease_key(template: &str) -> i64 {
    let digest = Sha256::digest(template.as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 8 bytes to spare"))
}

/// Sixteen hex digits that change whenever a migration is added, renamed or edited. The names come
/// from the binary; the contents from the migrations crate's sources, which a test binary built in
/// this workspace can read. Without them the fingerprint is unique to this process, so the template
/// is built afresh rather than trusted blindly.
fn migrations_fingerprint() -> String {
    let mut hash = Sha256::new();
    for migration in Migrator::migrations() {
        hash.update(migration.name().as_bytes());
        hash.update([0]);
    }
    let sources = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/src"));
    let mut files: Vec<_> = std::fs::read_dir(sources)
        .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut read_any = false;
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
        if let Ok(text) = std::fs::read(file) {
            hash.update(file.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
            hash.update(&text);
            read_any = true;
        }
    }
    if !read_any {
        hash.update(uuid::Uuid::new_v4().as_bytes());
    }
    hex::encode(&hash.finalize()[..8])
}

fn check_database_name(name: &str) -> Result<(), RegistryError> {
    if name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        Ok(())
    } else {
        Err(RegistryError::Corrupt(format!("database name {name:?} must be [a-z0-9_]")))
    }
}

fn database_url(server_url: &str, name: &str) -> String {
    format!("{}/{name}", base_url(server_url))
}

fn base_url(server_url: &str) -> &str {
    let url = server_url.trim_end_matches('/');
    match url.find("://").map(|i| i + 3) {
        Some(start) => match url[start..].find('/') {
            Some(slash) => &url[..start + slash],
            None => url,
        },
        None => url,
    }
}

fn maintenance_url(server_url: &str) -> String {
    format!("{}/postgres", base_url(server_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(redact("postgres://sarabun:s3cret@db:5432/x"), "postgres://sarabun:***@db:5432/x");
        assert_eq!(redact("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
        assert_eq!(redact("sqlite://data/sarabun.db?mode=rwc"), "sqlite://data/sarabun.db?mode=rwc");
    }
}
