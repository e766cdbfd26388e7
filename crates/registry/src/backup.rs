//! What a backup asks of the database: a consistent copy of the embedded SQLite file taken while
//! the node serves (`VACUUM INTO`, which reads one snapshot and never blocks the node's writer), a
//! read-only handle on that copy, the digests of every blob the rows refer to, and the migrations
//! the schema has had. The file work around it (copying blobs, the manifest) is routing's.

use crate::RegistryError;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, UnionType};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use std::path::Path;

/// Writes a consistent copy of the SQLite database behind `conn` to `target`, which must not exist
/// or be empty. SQLite only: PostgreSQL is copied with `pg_dump`.
pub async fn vacuum_into(conn: &impl ConnectionTrait, target: &Path) -> Result<(), RegistryError> {
    let path = target
        .to_str()
        .ok_or_else(|| RegistryError::Corrupt(format!("backup path {} is not UTF-8", target.display())))?;
    // A bound parameter is allowed here, so no quoting of the path is needed.
    let sql = Statement::from_sql_and_values(conn.get_database_backend(), "VACUUM INTO ?", [path.into()]);
    conn.execute_raw(sql).await?;
    Ok(())
}

/// Opens a copy made by [`vacuum_into`] read-only; nothing writes it, so SQLite is told it is
/// immutable and makes no journal or lock files beside it.
pub async fn open_snapshot(path: &Path) -> Result<DatabaseConnection, RegistryError> {
    let mut options = ConnectOptions::new(format!("sqlite://{}", path.display()));
    let file = path.to_owned();
    options
        .sqlx_logging(false)
        .max_connections(1)
        .min_connections(1)
        .map_sqlx_sqlite_opts(move |o| o.filename(&file).read_only(true).immutable(true).create_if_missing(false));
    Ok(Database::connect(options).await?)
}

/// Every blob digest the database refers to, once each and sorted: letter and uploaded documents,
/// stamped copies, and retention lists.
pub async fn referenced_blobs(conn: &impl ConnectionTrait) -> Result<Vec<String>, RegistryError> {
    let digest = Alias::new("digest");
    let of = |table: &str, column: &str| {
        Query::select()
            .expr_as(Expr::col(Alias::new(column)), digest.clone())
            .from(Alias::new(table))
            .and_where(Expr::col(Alias::new(column)).is_not_null())
            .to_owned()
    };
    let query = of("documents", "sha256")
        .union(UnionType::Distinct, of("letter_documents", "sha256"))
        .union(UnionType::Distinct, of("deliveries", "stamped_sha256"))
        .union(UnionType::Distinct, of("retention_lists", "csv_sha256"))
        .to_owned();
    let mut digests = Vec::new();
    for row in conn.query_all(&query).await? {
        digests.push(row.try_get::<String>("", "digest")?);
    }
    digests.sort();
    digests.dedup();
    Ok(digests)
}

/// The names of the migrations applied to the database, oldest first.
pub async fn applied_migrations(conn: &impl ConnectionTrait) -> Result<Vec<String>, RegistryError> {
    let query = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new("seaql_migrations"))
        .order_by(Alias::new("version"), sea_orm::Order::Asc)
        .to_owned();
    let mut names = Vec::new();
    for row in conn.query_all(&query).await? {
        names.push(row.try_get::<String>("", "version")?);
    }
    Ok(names)
}
