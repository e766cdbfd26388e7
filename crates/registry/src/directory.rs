//! The office directory: offices with their letter codes, the people who work in them, their
//! sign-in sessions, and the offices' public keys. The directory is data, not code: demo fixtures and
//! an operator's import both go through these functions.

use crate::entity::{office, office_key, session, user};
use crate::{RegistryError, Stored, new_id};
use chrono::{DateTime, Utc};
use sarabun_domain::{Notify, OfficeCode, Role, Roles, Secrecy};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// An office to create.
#[derive(Debug, Clone)]
pub struct NewOffice {
    pub code: OfficeCode,
    pub name_th: String,
    pub name_en: String,
    pub parent_id: Option<String>,
    pub inbox_email: String,
}

/// Inserts an office; refuses a code that exists.
pub async fn insert_office(
    conn: &impl ConnectionTrait,
    new: NewOffice,
    at: DateTime<Utc>,
) -> Result<office::Model, RegistryError> {
    if office_by_code(conn, &new.code).await?.is_some() {
        return Err(RegistryError::Duplicate { what: "office", key: new.code.to_string() });
    }
    let model = office::Model {
        id: new_id(),
        code: new.code.to_string(),
        name_th: new.name_th,
        name_en: new.name_en,
        parent_id: new.parent_id,
        inbox_email: new.inbox_email,
        created_at: at,
    };
    office::Entity::insert(office::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Ok(model)
}

/// The office with `code`.
pub async fn office_by_code(
    conn: &impl ConnectionTrait,
    code: &OfficeCode,
) -> Result<Option<office::Model>, RegistryError> {
    Ok(office::Entity::find().filter(office::Column::Code.eq(code.as_str())).one(conn).await?)
}

/// The office with `id`.
pub async fn office_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<office::Model>, RegistryError> {
    Ok(office::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// The offices with these ids (each once, whatever the repeats in `ids`).
pub async fn offices_by_ids(conn: &impl ConnectionTrait, ids: &[&str]) -> Result<Vec<office::Model>, RegistryError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(office::Entity::find().filter(office::Column::Id.is_in(ids.iter().copied())).all(conn).await?)
}

/// The offices with these codes (each once, whatever the repeats in `codes`): one query for a
/// letter's recipients, however many.
pub async fn offices_by_codes(
    conn: &impl ConnectionTrait,
    codes: &[&OfficeCode],
) -> Result<Vec<office::Model>, RegistryError> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(office::Entity::find().filter(office::Column::Code.is_in(codes.iter().map(|c| c.as_str()))).all(conn).await?)
}

/// Up to `limit` offices whose code, Thai name or English name contains `text` (Latin letters in
/// either case; `%` and `_` are plain characters), by code: how a clerk finds an office by typing
/// part of it without the directory being listed. A scan of at most the directory's rows on
/// SQLite, stopping at `limit`; trigram indexes on PostgreSQL (migration `m0020_office_lookup`).
pub async fn offices_matching(
    conn: &impl ConnectionTrait,
    text: &str,
    limit: u64,
) -> Result<Vec<office::Model>, RegistryError> {
    let pattern = format!("%{}%", crate::text_search::like_escaped(text));
    // SQLite's LIKE ignores the case of Latin letters already; PostgreSQL's needs ILIKE, which
    // its trigram indexes serve.
    // Each backend's own placeholder: the query builder numbers `$1` only for PostgreSQL.
    let (like, value) = match conn.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => ("ILIKE", "$1"),
        _ => ("LIKE", "?"),
    };
    let contains =
        |column: &str| Expr::cust_with_values(format!("offices.{column} {like} {value} ESCAPE '!'"), [pattern.clone()]);
    let matching = sea_orm::Condition::any().add(contains("code")).add(contains("name_th")).add(contains("name_en"));
    Ok(office::Entity::find().filter(matching).order_by_asc(office::Column::Code).limit(limit).all(conn).await?)
}

/// Every office, by code.
pub async fn offices(conn: &impl ConnectionTrait) -> Result<Vec<office::Model>, RegistryError> {
    Ok(office::Entity::find().order_by_asc(office::Column::Code).all(conn).await?)
}

/// A person to create; the password arrives already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub office_id: String,
    pub username: String,
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub clearance: Secrecy,
    pub notify: Notify,
}

/// Inserts a person; refuses a user name that exists.
pub async fn insert_user(
    conn: &impl ConnectionTrait,
    new: NewUser,
    at: DateTime<Utc>,
) -> Result<user::Model, RegistryError> {
    if user_by_username(conn, &new.username).await?.is_some() {
        return Err(RegistryError::Duplicate { what: "user", key: new.username });
    }
    let model = user::Model {
        id: new_id(),
        office_id: new.office_id,
        username: new.username,
        full_name: new.full_name,
        position: new.position,
        email: new.email,
        password_hash: new.password_hash,
        roles: Stored(Roles::new(&new.roles)),
        clearance: Stored(new.clearance),
        active: true,
        notify: Stored(new.notify),
        created_at: at,
        directory_dn: None,
    };
    user::Entity::insert(user::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Ok(model)
}

/// The person with `username`, without regard to ASCII case (`Clerk.OPS` is `clerk.ops`; the unique
/// index on `lower(username)` keeps the two from both existing).
pub async fn user_by_username(
    conn: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, RegistryError> {
    let lowered = username.to_ascii_lowercase();
    Ok(user::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(user::Column::Username))).eq(lowered))
        .one(conn)
        .await?)
}

/// The person with `id`.
pub async fn user_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<user::Model>, RegistryError> {
    Ok(user::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// The roles stored for a person; an unknown role name means the row is corrupt.
pub fn roles_of(user: &user::Model) -> Result<Vec<Role>, RegistryError> {
    Ok(user.roles.to_vec())
}

/// The clearance stored for a person.
pub fn clearance_of(user: &user::Model) -> Result<Secrecy, RegistryError> {
    Ok(user.clearance.get())
}

/// Records a session under the SHA-256 of its token.
pub async fn insert_session(
    conn: &impl ConnectionTrait,
    token_sha256: String,
    user_id: &str,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), RegistryError> {
    let model = session::ActiveModel {
        token_sha256: Set(token_sha256),
        user_id: Set(user_id.to_owned()),
        created_at: Set(at),
        expires_at: Set(expires_at),
    };
    session::Entity::insert(model).exec_without_returning(conn).await?;
    Ok(())
}

/// The person holding the session with this token digest, if it has not expired by `now`.
pub async fn session_user(
    conn: &impl ConnectionTrait,
    token_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<user::Model>, RegistryError> {
    let found = session::Entity::find_by_id(token_sha256.to_owned()).one(conn).await?;
    let Some(session) = found.filter(|s| s.expires_at > now) else { return Ok(None) };
    Ok(user_by_id(conn, &session.user_id).await?.filter(|u| u.active))
}

/// The person holding the session with this token digest, with their office, if the session has
/// not expired by `now` and the person is active: one query (sessions, users and offices joined),
/// since every request asks it. `None` also when the person's office is gone.
pub async fn session_person(
    conn: &impl ConnectionTrait,
    token_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<(user::Model, office::Model)>, RegistryError> {
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    let holder = sea_orm::sea_query::Query::select()
        .column(session::Column::UserId)
        .from(session::Entity)
        .and_where(sea_orm::sea_query::Expr::col(session::Column::TokenSha256).eq(token_sha256))
        .and_where(sea_orm::sea_query::Expr::col(session::Column::ExpiresAt).gt(now))
        .to_owned();
    let found = user::Entity::find()
        .select_also(office::Entity)
        .join(JoinType::InnerJoin, user::Relation::Office.def())
        .filter(user::Column::Id.in_subquery(holder))
        .filter(user::Column::Active.eq(true))
        .one(conn)
        .await?;
    Ok(found.and_then(|(user, office)| office.map(|office| (user, office))))
}

/// Ends a session.
pub async fn delete_session(conn: &impl ConnectionTrait, token_sha256: &str) -> Result<(), RegistryError> {
    session::Entity::delete_by_id(token_sha256.to_owned()).exec(conn).await?;
    Ok(())
}

/// Stores an office key (public half in the clear, private half already sealed).
pub async fn insert_key(conn: &impl ConnectionTrait, key: office_key::Model) -> Result<(), RegistryError> {
    office_key::Entity::insert(office_key::ActiveModel::from(key)).exec_without_returning(conn).await?;
    Ok(())
}

/// Every key of an office, the newest first (by `valid_from`); [`key_in_force`] picks the one it
/// signs with at an instant.
pub async fn office_key_rows(
    conn: &impl ConnectionTrait,
    office_id: &str,
) -> Result<Vec<office_key::Model>, RegistryError> {
    Ok(office_key::Entity::find()
        .filter(office_key::Column::OfficeId.eq(office_id))
        .order_by_desc(office_key::Column::ValidFrom)
        .all(conn)
        .await?)
}

/// The key an office signs with at `at`, of its keys newest first: in force then, the newest such.
pub fn key_in_force(rows: &[office_key::Model], at: DateTime<Utc>) -> Option<&office_key::Model> {
    rows.iter().find(|k| k.valid_from <= at && k.valid_until.is_none_or(|until| until > at))
}

/// Every key of every office with its office code, for the JWK Set.
pub async fn published_keys(conn: &impl ConnectionTrait) -> Result<Vec<(office_key::Model, String)>, RegistryError> {
    let offices: std::collections::HashMap<String, String> =
        offices(conn).await?.into_iter().map(|o| (o.id, o.code)).collect();
    let keys = office_key::Entity::find().order_by_asc(office_key::Column::ValidFrom).all(conn).await?;
    keys.into_iter()
        .map(|k| {
            let code = offices
                .get(&k.office_id)
                .cloned()
                .ok_or_else(|| RegistryError::Corrupt(format!("key {} has no office", k.kid)))?;
            Ok((k, code))
        })
        .collect()
}

/// Sets how urgent and normal letters are announced to a person: `immediate` or `digest`.
pub async fn set_notify(conn: &impl ConnectionTrait, user_id: &str, digest: bool) -> Result<(), RegistryError> {
    let model = user::ActiveModel {
        id: Set(user_id.to_owned()),
        notify: Set(Stored(if digest { Notify::Digest } else { Notify::Immediate })),
        ..Default::default()
    };
    user::Entity::update(model).exec(conn).await?;
    Ok(())
}
