//! Who is asking: a signed-in person with their office, roles and clearance, resolved once per
//! request and passed to every action, which checks its permission against the domain's one table.

use crate::RoutingError;
use sarabun_domain::access::allows;
use sarabun_domain::{OfficeCode, Permission, Role, Secrecy};

/// A signed-in person acting for their office.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    pub username: String,
    pub full_name: String,
    pub office_id: String,
    pub office_code: OfficeCode,
    pub roles: Vec<Role>,
    pub clearance: Secrecy,
}

impl Actor {
    /// Whether the person's roles grant `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        allows(&self.roles, permission)
    }

    /// Fails with `forbidden` unless the roles grant `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), RoutingError> {
        if self.may(permission) { Ok(()) } else { Err(RoutingError::Forbidden) }
    }

    /// The secrecy levels this person may see.
    pub fn cleared_levels(&self) -> Vec<Secrecy> {
        Secrecy::ALL.iter().copied().filter(|s| self.clearance.clears(*s)).collect()
    }
}
