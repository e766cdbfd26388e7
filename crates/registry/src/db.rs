//! Opening the database named by one URL — `sqlite://…` for the embedded default, `postgres://…` for
//! production — and bringing its schema up to date.
//!
//! SQLite runs in WAL mode with one pooled connection: SQLite allows one writer at a time anyway, and a
//! single connection means a transaction that reads before it writes can never hit `SQLITE_BUSY` on
//! upgrade. PostgreSQL gets a real pool; correctness across nodes there comes from row locks.

use crate::RegistryError;
use sarabun_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
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

/// Creates a fresh PostgreSQL database `name` on the server at `server_url` (a URL without a
/// database, or naming the maintenance database) and returns the URL of the new database. For tests
/// and benchmarks, which each work in a database of their own.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String, RegistryError> {
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(RegistryError::Corrupt(format!("database name {name:?} must be [a-z0-9_]")));
    }
    let admin = Database::connect(maintenance_url(server_url)).await?;
    sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE \"{name}\"")).await?;
    admin.close().await?;
    Ok(format!("{}/{name}", base_url(server_url)))
}

/// Drops a database made by [`create_postgres_database`], disconnecting anyone still using it.
pub async fn drop_postgres_database(server_url: &str, name: &str) -> Result<(), RegistryError> {
    let admin = Database::connect(maintenance_url(server_url)).await?;
    sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    admin.close().await?;
    Ok(())
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
