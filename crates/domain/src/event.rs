//! What can happen in a node, by one name each: the actions written to the audit log, the events the
//! letter path leaves for the notification worker, and the rows an auditor filters by. Routing records
//! them, the audit code reads them back, the worker reacts to them — all with this one type.

crate::letter::wire_enum! {
    /// Something that happened, as the audit log and the event queue name it.
    EventKind {
        /// A letter was numbered, sealed and delivered.
        LetterSent = "letter.sent",
        /// The sender withdrew a letter.
        LetterRecalled = "letter.recalled",
        /// Someone opened a secret letter.
        LetterSecretOpened = "letter.secret_opened",
        /// A letter's audit trail was exported.
        LetterTrailExported = "letter.trail_exported",
        /// A recipient office registered a letter, with a receive number.
        DeliveryReceived = "delivery.received",
        /// A recipient office refused a letter as not theirs.
        DeliveryRejected = "delivery.rejected",
        /// An office's signing key was created.
        KeyCreated = "key.created",
        /// A person was added to the directory.
        UserCreated = "user.created",
        /// A person's office or roles were changed (by the directory, at their sign-in).
        UserUpdated = "user.updated",
        /// A privileged role or clearance was proposed for a person.
        GrantProposed = "grant.proposed",
        /// A second administrator approved a proposed grant.
        GrantApproved = "grant.approved",
        /// A second administrator refused a proposed grant.
        GrantRefused = "grant.refused",
        /// A sign-in failed.
        SignInFailed = "session.sign_in_failed",
        /// Failed sign-ins were counted (kept short to bound the log).
        SignInFailures = "session.sign_in_failures",
        /// An account was locked after failed sign-ins.
        SignInLocked = "session.sign_in_locked",
        /// An address was locked after failed sign-ins.
        SignInAddressLocked = "session.sign_in_address_locked",
        /// An administrator unlocked an account or an address.
        Unlocked = "session.unlocked",
        /// A received letter was put before a person (เสนอ).
        RouteProposed = "route.proposed",
        /// An executive wrote an order or comment on a letter (สั่งการ).
        RouteOrdered = "route.ordered",
        /// A letter was given to units or people to act on (มอบหมาย).
        RouteAssigned = "route.assigned",
        /// A letter was given back to whoever gave it (ส่งคืน).
        RouteReturned = "route.returned",
        /// Someone recorded what they did on a letter (ปฏิบัติ).
        RouteActed = "route.acted",
        /// The lead reported the work on a letter done (ดำเนินการแล้ว).
        RouteDone = "route.done",
        /// An executive took note of a letter and closed it (ทราบ).
        RouteAcknowledged = "route.acknowledged",
        /// A finished letter was filed (เก็บเข้าแฟ้ม).
        RouteFiled = "route.filed",
        /// The office admin handed someone's waiting work to another person.
        RouteHandedOver = "route.handed_over",
        /// Someone was set to stand in for another person for a period.
        StandInSet = "route.stand_in_set",
        /// An office admin changed the office's units, placements, files or a signature image.
        OfficeStructureChanged = "office.structure_changed",
        /// A register number was cancelled with a reason (ยกเลิกเลข); the line stays, marked.
        RegisterNumberCancelled = "register.number_cancelled",
        /// Send-register numbers were reserved for letters issued on paper (จองเลข).
        RegisterNumbersReserved = "register.numbers_reserved",
        /// A reserved number was filled with a paper letter's details.
        RegisterReservationFilled = "register.reservation_filled",
        /// An office admin set the next number of a series, from the paper register at go-live.
        RegisterNextSet = "register.next_set",
        /// An office admin chose which series beyond normal and circular the office keeps.
        RegisterSeriesSet = "register.series_set",
        /// A body was added to the office's address book of outside senders and recipients.
        OutsideBodyCreated = "outside.body_created",
        /// A body of the office's address book was changed.
        OutsideBodyUpdated = "outside.body_updated",
        /// A letter from outside Sarabun was registered from its scan, with a receive number.
        OutsideArrivalRegistered = "outside.arrival_registered",
        /// The relay accepted the e-mail of a letter to an outside recipient.
        OutsideLetterEmailed = "outside.letter_emailed",
        /// An outside recipient's e-mail bounced: refused by the relay, or recorded by a clerk.
        OutsideLetterBounced = "outside.letter_bounced",
        /// Every try to e-mail a letter to an outside recipient failed.
        OutsideLetterFailed = "outside.letter_failed",
        /// A clerk recorded the day a letter to an outside recipient was posted.
        OutsideLetterPosted = "outside.letter_posted",
        /// An officer started a draft letter (ร่าง) with its first version.
        DraftStarted = "draft.started",
        /// The drafter uploaded a new version of a draft.
        DraftRevised = "draft.revised",
        /// The drafter sent a draft up its chain of reviewers (เสนอร่าง).
        DraftSubmitted = "draft.submitted",
        /// Someone on the chain commented on a draft.
        DraftCommented = "draft.commented",
        /// Someone on the chain returned a draft to the drafter for revision.
        DraftReturned = "draft.returned",
        /// A reviewer initialled a draft and passed it up (ลงนามย่อ).
        DraftInitialled = "draft.initialled",
        /// The signer signed a draft with their own signature; it was numbered and sent.
        DraftSigned = "draft.signed",
        /// The drafter gave a draft up.
        DraftWithdrawn = "draft.withdrawn",
        /// A person set their signing PIN and got a signing certificate (or imported one).
        SigningKeyEnrolled = "signing_key.enrolled",
        /// A signature was refused for a wrong signing PIN.
        SigningPinFailed = "signing_key.pin_failed",
        /// The directory took a peer node's offices from its signed description.
        PeerRefreshed = "exchange.peer_refreshed",
        /// A letter from an office of a peer node arrived in an office's inbox.
        LetterArrived = "exchange.letter_arrived",
        /// A message from a peer node was refused as invalid, with a signed answer.
        MessageRefused = "exchange.message_refused",
        /// A peer node answered a message this node sent (arrived, recorded or invalid).
        MessageAnswered = "exchange.message_answered",
        /// A message to a peer node was given up after its last retry.
        MessageFailed = "exchange.message_failed",
        /// An office of a peer node received or rejected a letter this node sent.
        DecisionArrived = "exchange.decision_arrived",
        /// A split view: a pinned peer presented this node, its witness, a checkpoint of its log
        /// that is not consistent with the last one cosigned. The log is refused until an operator
        /// clears the alarm.
        SplitView = "exchange.split_view",
        /// An operator cleared a witnessed log's alarm and state, after a split view.
        WitnessCleared = "exchange.witness_cleared",
        /// An operator had a queued or failed message to a peer node tried again at once.
        MessageRetried = "exchange.message_retried",
        /// An operator (or the sender's recall) stopped a message to a peer node before delivery.
        MessageCancelled = "exchange.message_cancelled",
        /// A peer node recalled a letter it sent here: withdrawn from the office's inbox, or refused
        /// because the office had already received or rejected it.
        RecallArrived = "exchange.recall_arrived",
    }
}

impl EventKind {
    /// Whether the notification worker turns this event into e-mails (the events queue holds only
    /// these).
    pub fn is_announced(self) -> bool {
        matches!(self, Self::LetterSent | Self::LetterRecalled | Self::DeliveryReceived | Self::DeliveryRejected)
            || self.opens_tasks()
            || self.is_draft_step()
    }

    /// Whether this is a step on a draft's chain that tells someone (the events queue holds the
    /// draft's id where a letter's would be).
    pub fn is_draft_step(self) -> bool {
        matches!(self, Self::DraftSubmitted | Self::DraftReturned | Self::DraftInitialled | Self::DraftSigned)
    }

    /// Whether this is a step on a letter's route inside an office.
    pub fn is_route_step(self) -> bool {
        self.opens_tasks()
            || matches!(self, Self::RouteActed | Self::RouteDone | Self::RouteAcknowledged | Self::RouteFiled)
    }

    /// Whether this route step may give someone a task, who is then told.
    pub fn opens_tasks(self) -> bool {
        matches!(
            self,
            Self::RouteProposed
                | Self::RouteOrdered
                | Self::RouteAssigned
                | Self::RouteReturned
                | Self::RouteHandedOver
        )
    }

    /// Whether this is a recipient office's decision on a delivery.
    pub fn is_decision(self) -> bool {
        matches!(self, Self::DeliveryReceived | Self::DeliveryRejected)
    }
}
