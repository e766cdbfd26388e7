//! Who is asking: a signed-in person with their office, roles and clearance, resolved once per
//! request and passed to every action, which checks its permission against the domain's one table;
//! or the node itself acting for an operator's command (`sarabun export-trail`), a typed system actor
//! that holds only the roles its task needs and is named as such in the audit log.

use crate::RoutingError;
use sarabun_domain::access::allows;
use sarabun_domain::{OfficeCode, Permission, Role, Secrecy};

/// Whether a person or the node acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A signed-in person acting for their office.
    Person,
    /// The node, for an operator's command run on it; nobody is signed in.
    System(SystemTask),
}

/// What the node acts for when an operator runs a command on it. Each task is given only the roles
/// it needs, so a new command cannot silently act with more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemTask {
    /// `sarabun export-trail`: reads any letter's trail, as an auditor does.
    ExportTrail,
    /// A pinned peer's request for this node's part of the trail of a letter that crossed between
    /// them (`GET /federation/v1/trail/{letter_id}`).
    PeerTrail,
}

impl SystemTask {
    /// The task's name, as audit entries show it (`system:export-trail`).
    pub fn name(self) -> &'static str {
        match self {
            SystemTask::ExportTrail => "export-trail",
            SystemTask::PeerTrail => "peer-trail",
        }
    }

    fn roles(self) -> Vec<Role> {
        match self {
            SystemTask::ExportTrail | SystemTask::PeerTrail => vec![Role::Auditor],
        }
    }

    fn clearance(self) -> Secrecy {
        match self {
            // A trail is exported for an inquiry into any letter, secret ones included.
            // The peer's part is the whole trail of a letter the peer itself sent or received.
            SystemTask::ExportTrail | SystemTask::PeerTrail => Secrecy::TopSecret,
        }
    }
}

/// Someone acting: a signed-in person, or the node for a [`SystemTask`].
#[derive(Debug, Clone)]
pub struct Actor {
    /// The person's id; empty for the node.
    pub user_id: String,
    /// The person's user name; `system:<task>` for the node, which is what audit entries record.
    pub username: String,
    pub full_name: String,
    /// The person's office; empty for the node, which belongs to no office.
    pub office_id: String,
    /// The person's office code. The node has none: its value is [`SYSTEM_OFFICE_CODE`], which is
    /// never an office's, and [`Actor::audit_office`] is what audit entries should record.
    pub office_code: OfficeCode,
    pub roles: Vec<Role>,
    pub clearance: Secrecy,
    /// A person or the node.
    pub kind: ActorKind,
}

/// The office code a system actor carries because [`Actor::office_code`] is not optional. No office
/// may be created with it (`Correspondence::create_office` refuses it), and no letter can be sent by
/// a system actor, which never has the `Send` permission.
pub const SYSTEM_OFFICE_CODE: &str = "กค 0000";

impl Actor {
    /// A signed-in person of the office `office_id` with code `office_code`.
    pub fn person(
        user_id: String,
        username: String,
        full_name: String,
        office_id: String,
        office_code: OfficeCode,
        roles: Vec<Role>,
        clearance: Secrecy,
    ) -> Self {
        Self { user_id, username, full_name, office_id, office_code, roles, clearance, kind: ActorKind::Person }
    }

    /// The node acting for `task`, with only the roles the task needs.
    pub fn system(task: SystemTask) -> Result<Self, RoutingError> {
        Ok(Self {
            user_id: String::new(),
            username: format!("system:{}", task.name()),
            full_name: format!("sarabun {}", task.name()),
            office_id: String::new(),
            office_code: OfficeCode::parse(SYSTEM_OFFICE_CODE)?,
            roles: task.roles(),
            clearance: task.clearance(),
            kind: ActorKind::System(task),
        })
    }

    /// Whether this is the node rather than a person.
    pub fn is_system(&self) -> bool {
        matches!(self.kind, ActorKind::System(_))
    }

    /// The office an audit entry names for this actor: the code of a person's office, nothing for
    /// the node.
    pub fn audit_office(&self) -> String {
        match self.kind {
            ActorKind::Person => self.office_code.to_string(),
            ActorKind::System(_) => String::new(),
        }
    }

    /// Whether the roles grant `permission`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_task_reads_every_office_and_does_nothing_else() {
        let actor = Actor::system(SystemTask::ExportTrail).unwrap();
        assert!(actor.is_system());
        assert_eq!(actor.username, "system:export-trail");
        assert_eq!(actor.audit_office(), "");
        assert!(actor.may(Permission::ReadAllOffices));
        for denied in [Permission::Send, Permission::ReceiveOrReject, Permission::Recall, Permission::ManageDirectory] {
            assert!(!actor.may(denied), "{denied:?}");
        }
    }
}
