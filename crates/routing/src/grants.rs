//! Two-person grants. The auditor role reads every office's letters, the system-admin role makes
//! people, and a clearance opens secret letters: none of them is given by one administrator alone.
//! When a system admin creates a person with any of them, the person is created without it and a
//! pending grant is recorded (`grant.proposed`); another system admin approves it (`grant.approved`,
//! and only then do the roles and clearance change) or either refuses it (`grant.refused`). The one
//! who proposed cannot approve. Loading a directory file when the node sets itself up (`sarabun demo`,
//! the tests) is not a grant: with nobody acting there is nobody to approve.

use crate::schema;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use sarabun_domain::{EventKind, Permission, Role, Secrecy};
use sarabun_registry::entity::pending_grant;
use sarabun_registry::{directory, grants};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// The roles that take two system admins to give.
pub(crate) const TWO_PERSON_ROLES: [Role; 2] = [Role::Auditor, Role::SystemAdmin];

/// What of a new person's roles and clearance needs a second admin: (roles given at once, clearance
/// given at once, roles and clearance to propose).
pub(crate) fn split_privileged(roles: &[Role], clearance: Secrecy) -> (Vec<Role>, Secrecy, Vec<Role>, Option<Secrecy>) {
    let (held, given): (Vec<Role>, Vec<Role>) = roles.iter().partition(|r| TWO_PERSON_ROLES.contains(r));
    let proposed_clearance = (clearance > Secrecy::None).then_some(clearance);
    (given, Secrecy::None, held, proposed_clearance)
}

/// A grant waiting for (or past) a second admin's decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub id: String,
    pub username: String,
    /// Roles to add.
    #[schema(value_type = Vec<schema::Role>)]
    pub roles: Vec<Role>,
    /// The clearance to give, if any.
    #[schema(value_type = Option<schema::Secrecy>)]
    pub clearance: Option<Secrecy>,
    pub proposed_by: String,
    pub proposed_at: String,
    /// `pending`, `approved` or `refused`.
    pub state: String,
    pub decided_by: Option<String>,
}

fn view(g: &pending_grant::Model) -> Result<GrantView, RoutingError> {
    let corrupt = |e: sarabun_domain::ParseError| RoutingError::Internal(format!("grant {}: {e}", g.id));
    Ok(GrantView {
        id: g.id.clone(),
        username: g.username.clone(),
        roles: g
            .roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(Role::parse)
            .collect::<Result<_, _>>()
            .map_err(corrupt)?,
        clearance: g.clearance.as_deref().map(Secrecy::parse).transpose().map_err(corrupt)?,
        proposed_by: g.proposed_by.clone(),
        proposed_at: sarabun_signing::payload::wire_time(g.proposed_at),
        state: g.state.clone(),
        decided_by: g.decided_by.clone(),
    })
}

impl Correspondence {
    /// Records the proposal of `roles` and `clearance` for a person just created, inside the
    /// creating transaction.
    pub(crate) async fn propose_grant(
        &self,
        txn: &impl ConnectionTrait,
        by: &Actor,
        user: &sarabun_registry::entity::user::Model,
        roles: Vec<Role>,
        clearance: Option<Secrecy>,
    ) -> Result<GrantView, RoutingError> {
        let now = self.clock.now();
        let grant = grants::insert_grant(
            txn,
            grants::NewGrant {
                user_id: user.id.clone(),
                username: user.username.clone(),
                roles,
                clearance,
                proposed_by: by.username.clone(),
            },
            now,
        )
        .await?;
        let grant = view(&grant)?;
        let detail = json!({"grant": grant.id, "roles": grant.roles, "clearance": grant.clearance});
        self.record(
            txn,
            now,
            AuditEvent::by(
                by,
                EventKind::GrantProposed,
                format!("user/{}", user.username),
                crate::audit::detail(detail),
            ),
        )
        .await?;
        Ok(grant)
    }

    /// The grants waiting for a decision (system admins).
    pub async fn pending_grants(&self, actor: &Actor) -> Result<Vec<GrantView>, RoutingError> {
        actor.require(Permission::ManageDirectory)?;
        grants::pending(&self.db).await?.iter().map(view).collect()
    }

    /// Approves a pending grant: the roles are added and the clearance set (system admins other
    /// than the proposer).
    pub async fn approve_grant(&self, actor: &Actor, id: &str) -> Result<GrantView, RoutingError> {
        self.decide_grant(actor, id, true).await
    }

    /// Refuses a pending grant; the person keeps what they had (any system admin, the proposer
    /// withdrawing included).
    pub async fn refuse_grant(&self, actor: &Actor, id: &str) -> Result<GrantView, RoutingError> {
        self.decide_grant(actor, id, false).await
    }

    async fn decide_grant(&self, actor: &Actor, id: &str, approve: bool) -> Result<GrantView, RoutingError> {
        actor.require(Permission::ManageDirectory)?;
        let grant = grants::grant_by_id(&self.db, id).await?.ok_or(RoutingError::NotFound("grant"))?;
        if grant.state != "pending" {
            return Err(RoutingError::GrantDecided);
        }
        if approve && grant.proposed_by.eq_ignore_ascii_case(&actor.username) {
            return Err(RoutingError::OwnProposal);
        }
        let now = self.clock.now();
        let proposed = view(&grant)?;
        let txn = self.db.begin().await?;
        let state = if approve { "approved" } else { "refused" };
        if !grants::decide(&txn, id, state, &actor.username, now).await? {
            return Err(RoutingError::GrantDecided);
        }
        if approve {
            let user = directory::user_by_id(&txn, &grant.user_id).await?.ok_or(RoutingError::NotFound("user"))?;
            let mut roles = directory::roles_of(&user)?;
            for role in &proposed.roles {
                if !roles.contains(role) {
                    roles.push(*role);
                }
            }
            let clearance = proposed.clearance.unwrap_or(directory::clearance_of(&user)?);
            grants::set_roles_and_clearance(&txn, &user.id, &roles, clearance).await?;
        }
        let detail = json!({"grant": id, "roles": proposed.roles, "clearance": proposed.clearance,
            "proposed_by": grant.proposed_by});
        let action = if approve { EventKind::GrantApproved } else { EventKind::GrantRefused };
        self.record(
            &txn,
            now,
            AuditEvent::by(actor, action, format!("user/{}", grant.username), crate::audit::detail(detail)),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(grant = %id, user = %grant.username, by = %actor.username, state, "grant decided");
        Ok(GrantView { state: state.into(), decided_by: Some(actor.username.clone()), ..proposed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileged_roles_and_clearances_are_split_off() {
        let (given, clearance, held, proposed) = split_privileged(&[Role::Clerk, Role::Auditor], Secrecy::Secret);
        assert_eq!(
            (given, clearance, held, proposed),
            (vec![Role::Clerk], Secrecy::None, vec![Role::Auditor], Some(Secrecy::Secret))
        );
        let (given, _, held, proposed) = split_privileged(&[Role::OfficeAdmin], Secrecy::None);
        assert_eq!((given, held, proposed), (vec![Role::OfficeAdmin], vec![], None));
        let (_, _, held, _) = split_privileged(&[Role::SystemAdmin], Secrecy::None);
        assert_eq!(held, vec![Role::SystemAdmin]);
    }
}
