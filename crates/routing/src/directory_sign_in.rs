//! Signing in with the ministry's directory (LDAP, Active Directory): what the directory's answer
//! means for Sarabun. The directory checks the password (`sarabun_registry::ldap` binds as the
//! person over LDAPS or StartTLS); this file turns the person's groups (their entry's `memberOf`, or
//! else the groups naming them as a member) into roles by the configured table, the office attribute into one of the node's offices, and creates or updates the person's
//! row, so that the session is made as for anyone.
//!
//! What the directory is trusted with: that the password is right, which office the person works in,
//! and the everyday roles (clerk, executive, officer, office admin). What it is not: the two-person
//! roles (auditor, system admin) and clearances, which only two system admins give in Sarabun and
//! which a sign-in keeps; a table mapping a group to such a role is refused when the node starts.
//! A wrong password is answered and counted exactly as a local one (the throttle is checked before
//! the directory is asked); a directory that cannot be reached is `DirectoryUnavailable`, never a
//! fall-back to a local password.

use crate::sign_in::Attempt;
use crate::{AuditEvent, Correspondence, RoutingError};
use sarabun_domain::text::{TextRule, clean};
use sarabun_domain::{EventKind, OfficeCode, Role, Roles};
use sarabun_registry::directory;
use sarabun_registry::directory_accounts::{self, DirectoryAccount};
use sarabun_registry::entity::user;
use sarabun_registry::ldap::{DirectoryPerson, LdapDirectory, LdapFailure, same_dn};
use sea_orm::TransactionTrait;
use serde_json::json;

pub use sarabun_registry::ldap::{BindTarget, LdapSettings};

/// One row of the group table: members of `group` (a DN) hold `role`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRole {
    pub group: String,
    pub role: Role,
}

/// Directory sign-ins one node has in flight at once: a flood of sign-ins for made-up names must
/// not become a flood of connections to the ministry's directory (the throttle only starts
/// refusing after failures have been counted). The rest wait, then are answered `busy`.
const CONCURRENT_BINDS: usize = 32;

/// Directory sign-in as configured (`[directory_sign_in]`).
#[derive(Debug, Clone)]
pub struct DirectorySignIn {
    directory: LdapDirectory,
    groups: Vec<GroupRole>,
    binds: std::sync::Arc<tokio::sync::Semaphore>,
    /// How long a sign-in waits for one of the [`CONCURRENT_BINDS`].
    wait: std::time::Duration,
}

/// Why settings for directory sign-in are refused.
#[derive(Debug, thiserror::Error)]
pub enum DirectorySettingsError {
    #[error(transparent)]
    Directory(#[from] LdapFailure),
    #[error("directory_sign_in.roles is empty: nobody could sign in")]
    NoGroups,
    /// The two-person roles are given by two system admins, never by a directory group.
    #[error("directory_sign_in.roles maps {group:?} to {role}, which only two system admins can give")]
    TwoPersonRole { group: String, role: &'static str },
}

impl DirectorySignIn {
    /// Directory sign-in against `settings`' directory with this group table.
    pub fn new(settings: LdapSettings, groups: Vec<GroupRole>) -> Result<Self, DirectorySettingsError> {
        if groups.is_empty() {
            return Err(DirectorySettingsError::NoGroups);
        }
        if let Some(g) = groups.iter().find(|g| crate::grants::TWO_PERSON_ROLES.contains(&g.role)) {
            return Err(DirectorySettingsError::TwoPersonRole { group: g.group.clone(), role: g.role.as_str() });
        }
        let wait = settings.timeout;
        Ok(Self {
            directory: LdapDirectory::new(settings)?,
            groups,
            binds: std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENT_BINDS)),
            wait,
        })
    }

    /// The roles the table gives members of `groups`, in the table's order, each once.
    fn roles_of(&self, groups: &[String]) -> Vec<Role> {
        let mut roles = Vec::new();
        for row in &self.groups {
            if groups.iter().any(|g| same_dn(g, &row.group)) && !roles.contains(&row.role) {
                roles.push(row.role);
            }
        }
        roles
    }
}

const NAME_RULE: TextRule = TextRule::line(200);

impl Correspondence {
    /// The same service, signing in people who are not local accounts through the directory.
    pub fn with_directory_sign_in(mut self, directory: DirectorySignIn) -> Self {
        self.directory_sign_in = Some(std::sync::Arc::new(directory));
        self
    }

    /// Signs `attempt` in through the directory (no lock holds; `user` is the row of that name, if
    /// any, and is a directory account): bad credentials counted as for a local password,
    /// `DirectoryUnavailable`, `DirectoryNoRole` or `DirectoryUnknownOffice` otherwise.
    pub(crate) async fn sign_in_through_directory(
        &self,
        config: &DirectorySignIn,
        attempt: Attempt,
        password: &str,
        user: Option<user::Model>,
    ) -> Result<user::Model, RoutingError> {
        // Only names Sarabun could hold (ASCII letters, digits, `. _ - @`) are asked about.
        if crate::directory::clean_username(&attempt.username).is_err() {
            return Err(self.failed(&attempt, user.is_some()).await?);
        }
        let busy = || RoutingError::Busy { retry_after_secs: config.wait.as_secs().max(1) };
        let _bind =
            tokio::time::timeout(config.wait, config.binds.acquire()).await.map_err(|_| busy())?.map_err(|_| busy())?;
        let person = match config.directory.authenticate(&attempt.username, password).await {
            Ok(Some(person)) => person,
            Ok(None) => return Err(self.failed(&attempt, user.is_some()).await?),
            Err(e) => {
                tracing::error!(error = %e, username = ?attempt.username, "directory sign-in: the directory did not answer");
                return Err(RoutingError::DirectoryUnavailable);
            }
        };
        if user.as_ref().is_some_and(|u| !u.active) {
            // Deactivated in Sarabun: the same answer as an inactive local account.
            return Err(self.failed(&attempt, true).await?);
        }
        let mapped = config.roles_of(&person.groups);
        if mapped.is_empty() {
            tracing::warn!(username = ?attempt.username, dn = %person.dn, groups = ?person.groups,
                groups_from = ?person.groups_from, "directory sign-in refused: no group maps to a role");
            return Err(RoutingError::DirectoryNoRole);
        }
        let office = match OfficeCode::parse(&person.office) {
            Ok(code) => directory::office_by_code(&self.db, &code).await?,
            Err(_) => None,
        };
        let Some(office) = office else {
            tracing::warn!(username = ?attempt.username, dn = %person.dn, office = %person.office,
                "directory sign-in refused: no office has the directory's office code");
            return Err(RoutingError::DirectoryUnknownOffice(person.office));
        };
        let account = account_of(&attempt.username, &person, office.id.clone(), mapped, user.as_ref());
        let user = self.keep_account(&attempt.username, account, user, &office.code).await?;
        self.succeeded(&attempt, &user.username).await?;
        Ok(user)
    }

    /// Creates or updates the person's row in one transaction with its audit entry (`user.created`
    /// the first time, `user.updated` when the office or roles changed).
    async fn keep_account(
        &self,
        username: &str,
        account: DirectoryAccount,
        existing: Option<user::Model>,
        office_code: &str,
    ) -> Result<user::Model, RoutingError> {
        let now = self.clock.now();
        let given = Roles::new(&account.roles);
        let roles: Vec<&str> = given.iter().map(|r| r.as_str()).collect();
        let event = |action, subject: &str, detail| AuditEvent {
            actor: "-".into(),
            office: String::new(),
            action,
            subject: format!("user/{subject}"),
            letter_id: None,
            delivery_id: None,
            detail,
        };
        let txn = self.db.begin().await?;
        let user = match existing {
            None => {
                let name = username.to_ascii_lowercase();
                let detail = json!({"source": "directory", "dn": account.dn, "office": office_code, "roles": roles,
                    "clearance": "none"});
                let user = directory_accounts::insert(&txn, &name, account, now).await?;
                self.record(&txn, now, event(EventKind::UserCreated, &user.username, detail)).await?;
                tracing::info!(user = %user.username, office = office_code, "directory account created");
                user
            }
            Some(old) => {
                let old_roles: Vec<&str> = old.roles.iter().map(|r| r.as_str()).collect();
                if old.office_id != account.office_id || old_roles != roles {
                    let detail = json!({"source": "directory", "dn": account.dn, "office": office_code,
                        "roles": roles, "previous_roles": old_roles, "office_changed": old.office_id != account.office_id});
                    self.record(&txn, now, event(EventKind::UserUpdated, &old.username, detail)).await?;
                    tracing::info!(user = %old.username, office = office_code, roles = ?roles, "directory account changed");
                }
                directory_accounts::update(&txn, &old.id, account).await?;
                directory::user_by_id(&txn, &old.id).await?.ok_or(RoutingError::NotFound("user"))?
            }
        };
        txn.commit().await?;
        Ok(user)
    }
}

/// The row the directory's answer calls for: the mapped roles plus any two-person role Sarabun gave;
/// names and addresses that break the text rule are left out rather than refusing the sign-in.
fn account_of(
    username: &str,
    person: &DirectoryPerson,
    office_id: String,
    mapped: Vec<Role>,
    existing: Option<&user::Model>,
) -> DirectoryAccount {
    let mut roles = mapped;
    if let Some(old) = existing {
        roles.extend(old.roles.iter().copied().filter(|r| crate::grants::TWO_PERSON_ROLES.contains(r)));
    }
    let full_name = clean(&person.full_name, NAME_RULE).unwrap_or_else(|_| username.to_owned());
    let position = clean(&person.position, NAME_RULE.optional()).unwrap_or_default();
    let email = if person.email.is_empty() {
        String::new()
    } else {
        crate::directory::clean_email("email", &person.email).unwrap_or_else(|e| {
            tracing::warn!(username, error = %e, "directory sign-in: the e-mail address is not usable");
            String::new()
        })
    };
    DirectoryAccount { dn: person.dn.clone(), office_id, full_name, position, email, roles }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LdapSettings {
        LdapSettings {
            url: "ldaps://ad.mof.example:636".into(),
            starttls: false,
            ca_pem: None,
            bind: BindTarget::Template("uid={user},ou=people,dc=mof,dc=example".into()),
            member_of_attribute: "memberOf".into(),
            group_base: "ou=groups,dc=mof,dc=example".into(),
            group_filter: "(member={dn})".into(),
            office_attribute: "departmentNumber".into(),
            name_attribute: "cn".into(),
            email_attribute: "mail".into(),
            position_attribute: "title".into(),
            timeout: std::time::Duration::from_secs(5),
        }
    }

    #[test]
    fn groups_give_everyday_roles_only() {
        let clerks = GroupRole { group: "cn=saraban-clerks,ou=groups,dc=mof,dc=example".into(), role: Role::Clerk };
        let admins = GroupRole { group: "cn=it,ou=groups,dc=mof,dc=example".into(), role: Role::SystemAdmin };
        assert!(matches!(
            DirectorySignIn::new(settings(), vec![clerks.clone(), admins]),
            Err(DirectorySettingsError::TwoPersonRole { .. })
        ));
        assert!(matches!(DirectorySignIn::new(settings(), vec![]), Err(DirectorySettingsError::NoGroups)));
        let execs = GroupRole { group: "cn=executives,ou=groups,dc=mof,dc=example".into(), role: Role::Executive };
        let sign_in = DirectorySignIn::new(settings(), vec![clerks, execs]).unwrap();
        let groups = ["CN=Saraban-Clerks,OU=groups,DC=mof,DC=example".to_owned(), "cn=others,dc=x".to_owned()];
        assert_eq!(sign_in.roles_of(&groups), [Role::Clerk]);
        assert!(sign_in.roles_of(&["cn=others,dc=x".to_owned()]).is_empty());
    }
}
