//! Storage of two-person grants: a privileged role or a clearance proposed by one system admin,
//! applied only when another approves. Who may propose and approve is `sarabun-routing`'s rule.

use crate::entity::{pending_grant, user};
use crate::{RegistryError, new_id};
use chrono::{DateTime, Utc};
use sarabun_domain::{Role, Secrecy};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// A grant to propose.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub user_id: String,
    pub username: String,
    pub roles: Vec<Role>,
    pub clearance: Option<Secrecy>,
    pub proposed_by: String,
}

/// Records a pending grant.
pub async fn insert_grant(
    conn: &impl ConnectionTrait,
    new: NewGrant,
    at: DateTime<Utc>,
) -> Result<pending_grant::Model, RegistryError> {
    let roles: Vec<&str> = new.roles.iter().map(|r| r.as_str()).collect();
    let model = pending_grant::Model {
        id: new_id(),
        user_id: new.user_id,
        username: new.username,
        roles: roles.join(","),
        clearance: new.clearance.map(|c| c.as_str().to_owned()),
        proposed_by: new.proposed_by,
        proposed_at: at,
        state: "pending".into(),
        decided_by: None,
        decided_at: None,
    };
    pending_grant::Entity::insert(pending_grant::ActiveModel::from(model.clone())).exec_without_returning(conn).await?;
    Ok(model)
}

/// Grants still waiting for a decision, oldest first.
pub async fn pending(conn: &impl ConnectionTrait) -> Result<Vec<pending_grant::Model>, RegistryError> {
    Ok(pending_grant::Entity::find()
        .filter(pending_grant::Column::State.eq("pending"))
        .order_by_asc(pending_grant::Column::Id)
        .all(conn)
        .await?)
}

/// The grant with `id`.
pub async fn grant_by_id(conn: &impl ConnectionTrait, id: &str) -> Result<Option<pending_grant::Model>, RegistryError> {
    Ok(pending_grant::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// Moves a pending grant to `state` (`approved` or `refused`); false when it was no longer pending
/// (another admin decided first).
pub async fn decide(
    conn: &impl ConnectionTrait,
    id: &str,
    state: &'static str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let result = pending_grant::Entity::update_many()
        .col_expr(pending_grant::Column::State, Expr::value(state))
        .col_expr(pending_grant::Column::DecidedBy, Expr::value(by))
        .col_expr(pending_grant::Column::DecidedAt, Expr::value(at))
        .filter(pending_grant::Column::Id.eq(id))
        .filter(pending_grant::Column::State.eq("pending"))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Sets a person's roles and clearance.
pub async fn set_roles_and_clearance(
    conn: &impl ConnectionTrait,
    user_id: &str,
    roles: &[Role],
    clearance: Secrecy,
) -> Result<(), RegistryError> {
    let model = user::ActiveModel {
        id: Set(user_id.to_owned()),
        roles: Set(crate::Stored(sarabun_domain::Roles::new(roles))),
        clearance: Set(crate::Stored(clearance)),
        ..Default::default()
    };
    user::Entity::update(model).exec(conn).await?;
    Ok(())
}
