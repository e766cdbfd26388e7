//! The route of a received letter inside the office (การเสนอ สั่งการ มอบหมาย และเก็บเรื่อง): the
//! office's structure (units and who may order), standing in for someone (รักษาการแทน,
//! ปฏิบัติราชการแทน), the steps a matter takes, and — in one table, [`may_take`] — who may take which
//! step in which state of the matter. A *matter* (เรื่อง) is one received letter in one office; at any
//! time it is held by zero or more people, each with a *task*: to consider it (พิจารณา) or to act on
//! it (ปฏิบัติ). Routing applies these rules with the rows in hand; nothing else decides them.

crate::letter::wire_enum! {
    /// A unit inside an office, from the largest to the smallest.
    UnitKind {
        /// สำนัก
        Bureau = "bureau",
        /// กอง
        Division = "division",
        /// ฝ่าย
        Section = "section",
        /// กลุ่มงาน
        Group = "group",
    }
}

impl UnitKind {
    /// The Thai word for the unit kind.
    pub fn thai(self) -> &'static str {
        match self {
            Self::Bureau => "สำนัก",
            Self::Division => "กอง",
            Self::Section => "ฝ่าย",
            Self::Group => "กลุ่มงาน",
        }
    }
}

crate::letter::wire_enum! {
    /// Where a person stands in the office's line of command.
    Authority {
        /// หัวหน้าส่วนราชการ: the head of the office (อธิบดี, ปลัดกระทรวง).
        HeadOfOffice = "head_of_office",
        /// รองหัวหน้าส่วนราชการ: a deputy head of the office.
        Deputy = "deputy",
        /// หัวหน้าหน่วยงาน: the head of a unit (ผู้อำนวยการกอง, หัวหน้าฝ่าย).
        UnitHead = "unit_head",
        /// ผู้ปฏิบัติ: everyone else.
        Member = "member",
    }
}

impl Authority {
    /// Whether a person in this place may order (ผู้มีอำนาจสั่งการ).
    pub fn may_order(self) -> bool {
        !matches!(self, Self::Member)
    }
}

crate::letter::wire_enum! {
    /// How one person stands in for another for a period.
    StandInKind {
        /// รักษาการแทน: holds the absent person's post with its powers.
        Acting = "acting",
        /// ปฏิบัติราชการแทน: acts in the absent person's name under a delegation.
        OnBehalf = "on_behalf",
    }
}

impl StandInKind {
    /// The Thai words written before the absent person's position ("รักษาการแทน ผู้อำนวยการกองกฎหมาย").
    pub fn thai(self) -> &'static str {
        match self {
            Self::Acting => "รักษาการแทน",
            Self::OnBehalf => "ปฏิบัติราชการแทน",
        }
    }
}

crate::letter::wire_enum! {
    /// One step on a matter's route, as the route's timeline and the audit log name it.
    StepKind {
        /// เสนอ: put the matter before a person (up the line, or further up), with a note.
        Propose = "propose",
        /// สั่งการ / เกษียน: an order or comment written on the letter, optionally assigning it.
        Order = "order",
        /// มอบหมาย: give the matter to units or people to act on, one of them the lead.
        Assign = "assign",
        /// ส่งคืน: give the matter back to whoever gave it, with a reason.
        Return = "return",
        /// ปฏิบัติ: record what was done — a note, files, the answer letter.
        Act = "act",
        /// ดำเนินการแล้ว: the lead says the work is done.
        Done = "done",
        /// ทราบ: an executive takes note and closes the matter.
        Acknowledge = "acknowledge",
        /// เก็บเข้าแฟ้ม: file the finished matter into one of the office's files.
        File = "file",
        /// The office admin hands someone's waiting work to another person.
        Handover = "handover",
    }
}

impl StepKind {
    /// The Thai heading of the step on the timeline and the minutes page.
    pub fn thai(self) -> &'static str {
        match self {
            Self::Propose => "เสนอ",
            Self::Order => "สั่งการ",
            Self::Assign => "มอบหมาย",
            Self::Return => "ส่งคืน",
            Self::Act => "ปฏิบัติ",
            Self::Done => "ดำเนินการแล้ว",
            Self::Acknowledge => "ทราบ",
            Self::File => "เก็บเข้าแฟ้ม",
            Self::Handover => "โอนงาน",
        }
    }

    /// Whether the step's text is written onto the letter's minutes page (บันทึกเกษียน): the words
    /// people write on a paper letter's margin. Filing and handing over are clerical and are not.
    pub fn writes_minute(self) -> bool {
        !matches!(self, Self::File | Self::Handover)
    }

    /// Whether the step must carry a text (an order, a reason).
    pub fn needs_text(self) -> bool {
        matches!(self, Self::Order | Self::Return | Self::Act)
    }

    /// The audit log's and event queue's name for the step.
    pub fn event(self) -> crate::EventKind {
        use crate::EventKind as E;
        match self {
            Self::Propose => E::RouteProposed,
            Self::Order => E::RouteOrdered,
            Self::Assign => E::RouteAssigned,
            Self::Return => E::RouteReturned,
            Self::Act => E::RouteActed,
            Self::Done => E::RouteDone,
            Self::Acknowledge => E::RouteAcknowledged,
            Self::File => E::RouteFiled,
            Self::Handover => E::RouteHandedOver,
        }
    }
}

crate::letter::wire_enum! {
    /// What a person holding a matter is to do with it.
    TaskPurpose {
        /// พิจารณา: consider it and order, propose further or return it.
        Consider = "consider",
        /// ปฏิบัติ: act on it and report it done.
        Act = "act",
    }
}

crate::letter::wire_enum! {
    /// Where a matter stands.
    MatterState {
        /// On its way: someone holds it.
        Open = "open",
        /// The lead reported the work done; waiting to be filed.
        Done = "done",
        /// An executive took note (ทราบ) and closed it; waiting to be filed.
        Closed = "closed",
        /// In one of the office's files; final.
        Filed = "filed",
    }
}

/// Where the person taking a step stands towards the matter, read from the rows by routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The task the person holds on the matter (themselves, or for someone they stand in for).
    pub holds: Option<TaskPurpose>,
    /// Whether that task is the lead one of an assignment.
    pub lead: bool,
    /// Whether the person (or whoever they stand in for) may order.
    pub may_order: bool,
    /// Whether the person is a clerk of the office (who registers, starts and files matters).
    pub office_clerk: bool,
    /// Whether the person administers the office's people.
    pub office_admin: bool,
    /// Whether anyone has taken a step on the matter yet.
    pub started: bool,
    /// Whether the person (or whoever they stand in for) finished the matter (done or acknowledged).
    pub finished_it: bool,
}

/// Why a step may not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepRefusal {
    /// The person holds no task on the matter (or the wrong one) and may not take this step.
    #[error("this matter is not waiting for you")]
    NotHeld,
    /// Ordering, assigning and taking note need a person who may order.
    #[error("only a person who may order can take this step")]
    CannotOrder,
    /// Only the lead of an assignment reports it done.
    #[error("only the lead of the assignment can report it done")]
    NotLead,
    /// Handing over work is the office admin's.
    #[error("only the office admin can hand over waiting work")]
    NotAdmin,
    /// The matter is in a state where this step cannot follow.
    #[error("the matter is {0} and this step cannot follow")]
    State(MatterState),
}

/// Whether a person standing as `standing` may take `step` on a matter in `state`: the one table of
/// the route, tested as a table below.
pub fn may_take(step: StepKind, state: MatterState, standing: &Standing) -> Result<(), StepRefusal> {
    use MatterState as M;
    use StepKind as S;
    use TaskPurpose as P;
    let open = state == M::Open;
    match step {
        S::File => {
            if !matches!(state, M::Done | M::Closed) {
                return Err(StepRefusal::State(state));
            }
            if standing.office_clerk || standing.finished_it { Ok(()) } else { Err(StepRefusal::NotHeld) }
        }
        _ if !open => Err(StepRefusal::State(state)),
        S::Handover => {
            if standing.office_admin {
                Ok(())
            } else {
                Err(StepRefusal::NotAdmin)
            }
        }
        S::Propose => match standing.holds {
            Some(_) => Ok(()),
            None if standing.office_clerk && !standing.started => Ok(()),
            None => Err(StepRefusal::NotHeld),
        },
        S::Order | S::Acknowledge => match standing.holds {
            Some(P::Consider) if standing.may_order => Ok(()),
            Some(P::Consider) => Err(StepRefusal::CannotOrder),
            _ => Err(StepRefusal::NotHeld),
        },
        S::Assign => match standing.holds {
            Some(_) if standing.may_order => Ok(()),
            Some(_) => Err(StepRefusal::CannotOrder),
            None => Err(StepRefusal::NotHeld),
        },
        S::Return => standing.holds.map(|_| ()).ok_or(StepRefusal::NotHeld),
        S::Act => match standing.holds {
            Some(P::Act) => Ok(()),
            _ => Err(StepRefusal::NotHeld),
        },
        S::Done => match standing.holds {
            Some(P::Act) if standing.lead => Ok(()),
            Some(P::Act) => Err(StepRefusal::NotLead),
            _ => Err(StepRefusal::NotHeld),
        },
    }
}

impl MatterState {
    /// The state a matter is in after `step` was taken on it in this state.
    pub fn after(self, step: StepKind) -> MatterState {
        match step {
            StepKind::Done => MatterState::Done,
            StepKind::Acknowledge => MatterState::Closed,
            StepKind::File => MatterState::Filed,
            _ => self,
        }
    }

    /// The Thai words for the state.
    pub fn thai(self) -> &'static str {
        match self {
            Self::Open => "อยู่ระหว่างดำเนินการ",
            Self::Done => "ดำเนินการแล้ว",
            Self::Closed => "ทราบแล้ว",
            Self::Filed => "เก็บเข้าแฟ้มแล้ว",
        }
    }
}

/// The short phrases executives write most (offered as one-tap choices; any text may be written).
pub const USUAL_ORDERS: &[&str] = &[
    "ทราบ",
    "ทราบ แจ้งเวียน",
    "มอบ … ดำเนินการ",
    "มอบ … พิจารณาเสนอ",
    "เห็นควรอนุมัติ",
    "อนุมัติ",
    "ไม่อนุมัติ",
    "ดำเนินการตามเสนอ",
    "เพื่อโปรดทราบ",
    "เพื่อโปรดพิจารณา",
];

#[cfg(test)]
mod tests {
    use super::*;
    use MatterState as M;
    use StepKind as S;
    use TaskPurpose as P;

    fn who(holds: Option<TaskPurpose>, may_order: bool) -> Standing {
        Standing { holds, may_order, started: true, ..Standing::default() }
    }

    #[test]
    fn who_may_take_which_step_as_a_table() {
        let officer = who(Some(P::Act), false);
        let lead = Standing { lead: true, ..officer };
        let executive = who(Some(P::Consider), true);
        let unit_head_acting = who(Some(P::Act), true);
        let consider_no_power = who(Some(P::Consider), false);
        let bystander = who(None, true);
        let clerk_fresh = Standing { office_clerk: true, started: false, ..Standing::default() };
        let clerk_later = Standing { office_clerk: true, started: true, ..Standing::default() };
        let admin = Standing { office_admin: true, started: true, ..Standing::default() };
        let finisher = Standing { finished_it: true, started: true, ..Standing::default() };
        // Columns: Propose, Order, Assign, Return, Act, Done, Acknowledge, File, Handover — on an open matter.
        let steps = [S::Propose, S::Order, S::Assign, S::Return, S::Act, S::Done, S::Acknowledge, S::File, S::Handover];
        let table: [(&str, Standing, [bool; 9]); 10] = [
            ("officer", officer, [true, false, false, true, true, false, false, false, false]),
            ("lead officer", lead, [true, false, false, true, true, true, false, false, false]),
            ("executive", executive, [true, true, true, true, false, false, true, false, false]),
            (
                "unit head with a task to act",
                unit_head_acting,
                [true, false, true, true, true, false, false, false, false],
            ),
            (
                "considers, may not order",
                consider_no_power,
                [true, false, false, true, false, false, false, false, false],
            ),
            ("executive not holding it", bystander, [false; 9]),
            ("clerk, fresh matter", clerk_fresh, [true, false, false, false, false, false, false, false, false]),
            ("clerk, started matter", clerk_later, [false; 9]),
            ("office admin", admin, [false, false, false, false, false, false, false, false, true]),
            ("who finished it", finisher, [false; 9]),
        ];
        for (name, standing, row) in table {
            for (step, expected) in steps.iter().zip(row) {
                assert_eq!(may_take(*step, M::Open, &standing).is_ok(), expected, "{name} {step} on an open matter");
            }
        }
    }

    #[test]
    fn finished_matters_are_only_filed_and_filed_ones_never_move() {
        let clerk = Standing { office_clerk: true, started: true, ..Standing::default() };
        let finisher = Standing { finished_it: true, started: true, ..Standing::default() };
        let executive = who(Some(P::Consider), true);
        for state in [M::Done, M::Closed] {
            assert!(may_take(S::File, state, &clerk).is_ok());
            assert!(may_take(S::File, state, &finisher).is_ok());
            assert_eq!(may_take(S::File, state, &executive), Err(StepRefusal::NotHeld));
            for step in S::ALL.iter().filter(|s| **s != S::File) {
                assert_eq!(may_take(*step, state, &executive), Err(StepRefusal::State(state)), "{step} on {state}");
            }
        }
        for step in S::ALL {
            assert_eq!(may_take(*step, M::Filed, &clerk), Err(StepRefusal::State(M::Filed)));
        }
        assert_eq!(may_take(S::File, M::Open, &clerk), Err(StepRefusal::State(M::Open)));
    }

    #[test]
    fn the_state_after_a_step() {
        assert_eq!(M::Open.after(S::Done), M::Done);
        assert_eq!(M::Open.after(S::Acknowledge), M::Closed);
        assert_eq!(M::Done.after(S::File), M::Filed);
        assert_eq!(M::Open.after(S::Order), M::Open);
    }

    #[test]
    fn refusals_say_why() {
        let executive_without_task = who(None, true);
        assert_eq!(may_take(S::Order, M::Open, &executive_without_task), Err(StepRefusal::NotHeld));
        assert_eq!(may_take(S::Order, M::Open, &who(Some(P::Consider), false)), Err(StepRefusal::CannotOrder));
        assert_eq!(may_take(S::Done, M::Open, &who(Some(P::Act), false)), Err(StepRefusal::NotLead));
        assert_eq!(may_take(S::Handover, M::Open, &who(Some(P::Act), true)), Err(StepRefusal::NotAdmin));
    }
}
