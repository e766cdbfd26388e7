//! Who may do what. A person belongs to one office and holds one or more roles; this module is the one
//! table that says which role grants which permission. Office scoping (an office never sees another
//! office's inbox) and clearance (secret letters only reach cleared people) are applied by the caller
//! with the letter in hand, but the grant itself is decided here and nowhere else.

crate::letter::wire_enum! {
    /// A role a person holds in their office.
    Role {
        /// เจ้าหน้าที่สารบรรณ: sends, receives, rejects and recalls letters for the office.
        Clerk = "clerk",
        /// ผู้บริหาร: reads the office's letters and registers; considers and orders on routed letters.
        Executive = "executive",
        /// เจ้าหน้าที่: acts on letters routed to them inside the office.
        Officer = "officer",
        /// Manages the people of one office and sees its registers and e-mail status.
        OfficeAdmin = "office_admin",
        /// ผู้ตรวจสอบ: reads every office's letters, registers and trails; changes nothing.
        Auditor = "auditor",
        /// Manages offices and people of the whole node; reads no letters by virtue of this role.
        SystemAdmin = "system_admin",
    }
}

/// Something a person may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Upload documents, compose and send letters from the own office.
    Send,
    /// Receive or reject letters delivered to the own office.
    ReceiveOrReject,
    /// Recall letters the own office sent.
    Recall,
    /// Read the own office's inbox, sent letters and their documents.
    ReadOfficeLetters,
    /// Read the own office's registers.
    ReadOfficeRegisters,
    /// Read letters, registers and trails of every office (never change them).
    ReadAllOffices,
    /// Create offices and people.
    ManageDirectory,
    /// See the e-mails sent about the own office and the records unit's retention lists.
    ReadOfficeAdministration,
    /// Take steps on the route of the own office's letters that are waiting for them (propose,
    /// order, assign, act, file); which step is allowed is `route::may_take`'s.
    TakeRouteSteps,
    /// Set up the own office's units, placements, stand-ins and files, and hand over waiting work.
    ManageOfficeStructure,
    /// See the own office's open matters by unit and age (เรื่องค้าง).
    ReadOfficeWork,
    /// Keep the own office's registers by hand: reserve numbers for paper letters, fill them in,
    /// cancel numbers.
    KeepRegisters,
    /// Set where a series of the own office's registers continues from (go-live from paper), and
    /// choose which series beyond normal and circular the office keeps.
    SetRegisterStart,
    /// Write draft letters, check them on their chain and, where the position may sign
    /// (`draft::may_sign`), sign them; which step is allowed is `draft::may_act`'s.
    Draft,
    /// Operate the node's exchange with other nodes: see its identity, its pinned peers and the queue
    /// of messages to them, and retry or cancel a queued message. Letters' contents stay out of it.
    OperateExchange,
}

impl Role {
    /// Whether this role grants `permission`.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Clerk => matches!(
                permission,
                Send | ReceiveOrReject
                    | Recall
                    | ReadOfficeLetters
                    | ReadOfficeRegisters
                    | TakeRouteSteps
                    | ReadOfficeWork
                    | KeepRegisters
                    | Draft
            ),
            Role::Executive => {
                matches!(permission, ReadOfficeLetters | ReadOfficeRegisters | TakeRouteSteps | ReadOfficeWork | Draft)
            }
            Role::Officer => matches!(permission, TakeRouteSteps | Draft),
            Role::OfficeAdmin => matches!(
                permission,
                ReadOfficeRegisters
                    | ReadOfficeAdministration
                    | ManageOfficeStructure
                    | ReadOfficeWork
                    | SetRegisterStart
            ),
            Role::Auditor => matches!(permission, ReadAllOffices),
            Role::SystemAdmin => matches!(permission, ManageDirectory | OperateExchange),
        }
    }
}

/// The roles one person holds, in a fixed order without repeats; stored as `clerk,office_admin`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Roles(Vec<Role>);

impl Roles {
    /// These roles, each once, in the order of [`Role::ALL`].
    pub fn new(roles: &[Role]) -> Self {
        Self(Role::ALL.iter().copied().filter(|r| roles.contains(r)).collect())
    }
    /// Parses the stored form: role names joined by commas (no role is an empty text).
    pub fn parse(text: &str) -> Result<Self, crate::ParseError> {
        let roles = text.split(',').filter(|r| !r.is_empty()).map(Role::parse).collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(&roles))
    }
    /// The roles as a list.
    pub fn to_vec(&self) -> Vec<Role> {
        self.0.clone()
    }
}

impl std::ops::Deref for Roles {
    type Target = [Role];
    fn deref(&self) -> &[Role] {
        &self.0
    }
}

impl std::fmt::Display for Roles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|r| r.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

/// Whether any of `roles` grants `permission`.
pub fn allows(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.grants(permission))
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::*;

    #[test]
    fn grants_as_a_table() {
        // Rows: role; columns in the order of `perms`. Changing a grant means changing this table.
        let perms = [
            Send,
            ReceiveOrReject,
            Recall,
            ReadOfficeLetters,
            ReadOfficeRegisters,
            ReadAllOffices,
            ManageDirectory,
            ReadOfficeAdministration,
            TakeRouteSteps,
            ManageOfficeStructure,
            ReadOfficeWork,
            KeepRegisters,
            SetRegisterStart,
            Draft,
            OperateExchange,
        ];
        let table: [(Role, [bool; 15]); 6] = [
            (
                Role::Clerk,
                [true, true, true, true, true, false, false, false, true, false, true, true, false, true, false],
            ),
            (
                Role::Executive,
                [false, false, false, true, true, false, false, false, true, false, true, false, false, true, false],
            ),
            (
                Role::Officer,
                [false, false, false, false, false, false, false, false, true, false, false, false, false, true, false],
            ),
            (
                Role::OfficeAdmin,
                [false, false, false, false, true, false, false, true, false, true, true, false, true, false, false],
            ),
            (
                Role::Auditor,
                [
                    false, false, false, false, false, true, false, false, false, false, false, false, false, false,
                    false,
                ],
            ),
            (
                Role::SystemAdmin,
                [false, false, false, false, false, false, true, false, false, false, false, false, false, false, true],
            ),
        ];
        for (role, row) in table {
            for (perm, want) in perms.iter().zip(row) {
                assert_eq!(role.grants(*perm), want, "{role} / {perm:?}");
            }
        }
    }

    #[test]
    fn roles_are_stored_as_one_text() {
        let roles = Roles::parse("office_admin,clerk,clerk").unwrap();
        assert_eq!(&*roles, &[Role::Clerk, Role::OfficeAdmin]);
        assert_eq!(roles.to_string(), "clerk,office_admin");
        assert!(Roles::parse("clerk,root").is_err());
        assert!(Roles::parse("").unwrap().is_empty());
    }

    #[test]
    fn auditors_never_act() {
        assert!(!allows(&[Role::Auditor], Send));
        assert!(!allows(&[Role::Auditor], ReceiveOrReject));
        assert!(!allows(&[Role::Auditor], Recall));
        assert!(allows(&[Role::Officer, Role::Clerk], Send));
    }
}
