//! The making of a letter before it is numbered (การร่าง ตรวจร่าง และลงนาม): a draft (ร่าง) written by
//! an officer, checked up the line by reviewers who initial it (ลงนามย่อ) or return it, and signed by a
//! person whose position may sign that kind of letter for the office — in two tables, [`may_sign`]
//! and [`may_act`], which routing applies with the rows in hand. After signing, the letter takes its
//! number from the send register and is sent as any other.

use crate::{Authority, LetterKind, StandInKind};

crate::letter::wire_enum! {
    /// Where a draft stands.
    DraftState {
        /// With the drafter, not yet sent up.
        Drafting = "drafting",
        /// With a reviewer on the chain (ตรวจร่าง).
        InReview = "in_review",
        /// Returned to the drafter for revision (ส่งคืนแก้ไข).
        Returned = "returned",
        /// Initialled by every reviewer, waiting for the signer (รอลงนาม).
        AwaitingSignature = "awaiting_signature",
        /// Signed, numbered and sent; final.
        Sent = "sent",
        /// Given up by the drafter; final.
        Withdrawn = "withdrawn",
    }
}

impl DraftState {
    /// The Thai words for the state.
    pub fn thai(self) -> &'static str {
        match self {
            Self::Drafting => "กำลังร่าง",
            Self::InReview => "อยู่ระหว่างตรวจร่าง",
            Self::Returned => "ส่งคืนแก้ไข",
            Self::AwaitingSignature => "รอลงนาม",
            Self::Sent => "ลงนามและส่งแล้ว",
            Self::Withdrawn => "ยกเลิกร่าง",
        }
    }

    /// Whether nothing more can happen to the draft.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Sent | Self::Withdrawn)
    }
}

crate::letter::wire_enum! {
    /// One step on a draft's routing record, as the record and the audit log name it.
    DraftStepKind {
        /// The drafter started the draft with its first version.
        Start = "start",
        /// The drafter uploaded a new version (แก้ไขร่าง).
        Revise = "revise",
        /// The drafter sent the draft up the chain (เสนอร่าง).
        Submit = "submit",
        /// The holder wrote a comment and kept the draft.
        Comment = "comment",
        /// The holder returned the draft to the drafter with a reason.
        Return = "return",
        /// A reviewer initialled it and passed it up (ลงนามย่อ).
        Initial = "initial",
        /// The signer signed it; it was numbered and sent (ลงนาม).
        Sign = "sign",
        /// The drafter gave the draft up.
        Withdraw = "withdraw",
    }
}

impl DraftStepKind {
    /// The Thai heading of the step on the draft's routing record.
    pub fn thai(self) -> &'static str {
        match self {
            Self::Start => "เริ่มร่าง",
            Self::Revise => "แก้ไขร่าง",
            Self::Submit => "เสนอร่าง",
            Self::Comment => "ความเห็น",
            Self::Return => "ส่งคืนแก้ไข",
            Self::Initial => "ลงนามย่อ",
            Self::Sign => "ลงนาม",
            Self::Withdraw => "ยกเลิกร่าง",
        }
    }

    /// Whether the step must carry a text (a comment, the reason for returning).
    pub fn needs_text(self) -> bool {
        matches!(self, Self::Comment | Self::Return)
    }

    /// The audit log's and event queue's name for the step.
    pub fn event(self) -> crate::EventKind {
        use crate::EventKind as E;
        match self {
            Self::Start => E::DraftStarted,
            Self::Revise => E::DraftRevised,
            Self::Submit => E::DraftSubmitted,
            Self::Comment => E::DraftCommented,
            Self::Return => E::DraftReturned,
            Self::Initial => E::DraftInitialled,
            Self::Sign => E::DraftSigned,
            Self::Withdraw => E::DraftWithdrawn,
        }
    }
}

crate::letter::wire_enum! {
    /// A person's part on a draft's chain.
    ChainRole {
        /// Checks the draft and initials it (ผู้ตรวจร่าง).
        Reviewer = "reviewer",
        /// Signs the letter (ผู้ลงนาม); always the last on the chain.
        Signer = "signer",
    }
}

/// Whether a person standing at `authority` in the office may sign a letter of `kind` for it: the
/// one table of who signs what, tested as a table below. An external letter, an order or a
/// regulation is the head of office's to sign; a deputy signs internal, stamped and public-relations
/// letters and records; a unit head signs internal memos and stamped letters (the Regulation has the
/// head of a division initial the stamp). Standing in for someone signs with *their* authority.
pub fn may_sign(kind: LetterKind, authority: Authority) -> bool {
    use Authority as A;
    use LetterKind as K;
    match authority {
        A::HeadOfOffice => true,
        A::Deputy => matches!(kind, K::Internal | K::Stamped | K::PublicRelations | K::Evidence),
        A::UnitHead => matches!(kind, K::Internal | K::Stamped | K::Evidence),
        A::Member => false,
    }
}

/// The position written under the signature: the signer's own, or, standing in, the absent person's
/// with the words of the standing in (`รักษาการแทน อธิบดีกรมบัญชีกลาง`).
pub fn signing_position(own: &str, standing_in: Option<(StandInKind, &str)>) -> String {
    match standing_in {
        Some((kind, absent_position)) => format!("{} {}", kind.thai(), absent_position),
        None => own.to_owned(),
    }
}

/// Who the person taking a step is to the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftSeat {
    /// The officer who wrote it.
    Drafter,
    /// The reviewer the draft is with now (themselves, or standing in for them).
    Reviewing,
    /// The signer, while the draft waits for the signature.
    Signing,
    /// Anyone else of the office.
    Other,
}

/// Why a draft step may not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DraftRefusal {
    /// The draft is not with the person.
    #[error("this draft is not waiting for you")]
    NotYours,
    /// The draft is in a state where this step cannot follow.
    #[error("the draft is {0} and this step cannot follow")]
    State(DraftState),
}

/// Whether a person in `seat` may take `step` on a draft in `state`: the one table of the chain.
pub fn may_act(step: DraftStepKind, state: DraftState, seat: DraftSeat) -> Result<(), DraftRefusal> {
    use DraftSeat as W;
    use DraftState as D;
    use DraftStepKind as S;
    let with_drafter = matches!(state, D::Drafting | D::Returned);
    let allowed_state = match step {
        S::Start => false,
        S::Revise | S::Submit => with_drafter,
        S::Withdraw => with_drafter || state == D::InReview,
        S::Comment | S::Return => matches!(state, D::InReview | D::AwaitingSignature),
        S::Initial => state == D::InReview,
        S::Sign => state == D::AwaitingSignature,
    };
    if !allowed_state {
        return Err(DraftRefusal::State(state));
    }
    let allowed_seat = match step {
        S::Start | S::Revise | S::Submit | S::Withdraw => seat == W::Drafter,
        S::Comment | S::Return => matches!(seat, W::Reviewing | W::Signing),
        S::Initial => seat == W::Reviewing,
        S::Sign => seat == W::Signing,
    };
    if allowed_seat { Ok(()) } else { Err(DraftRefusal::NotYours) }
}

/// Why a chain of reviewers and a signer cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("the chain needs a signer, last")]
    NoSigner,
    #[error("the chain has more than one signer")]
    TwoSigners,
    #[error("the chain has more than {0} people")]
    TooLong(usize),
    #[error("a person is on the chain twice")]
    Repeated,
    #[error("the drafter cannot review or sign their own draft")]
    Drafter,
}

/// The most people on one chain (a ministry's line is rarely more than six deep).
pub const MAX_CHAIN: usize = 12;

/// Checks a chain given as (person, role) in order: at least the signer, exactly one signer and last,
/// nobody twice, never the drafter.
pub fn check_chain(drafter: &str, chain: &[(&str, ChainRole)]) -> Result<(), ChainError> {
    if chain.len() > MAX_CHAIN {
        return Err(ChainError::TooLong(MAX_CHAIN));
    }
    let signers = chain.iter().filter(|(_, r)| *r == ChainRole::Signer).count();
    match (signers, chain.last()) {
        (0, _) => return Err(ChainError::NoSigner),
        (1, Some((_, ChainRole::Signer))) => {}
        (1, _) => return Err(ChainError::NoSigner),
        _ => return Err(ChainError::TwoSigners),
    }
    let mut seen = std::collections::HashSet::new();
    for (who, _) in chain {
        if *who == drafter {
            return Err(ChainError::Drafter);
        }
        if !seen.insert(*who) {
            return Err(ChainError::Repeated);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use DraftSeat as W;
    use DraftState as D;
    use DraftStepKind as S;

    #[test]
    fn who_signs_what_as_a_table() {
        use Authority as A;
        use LetterKind as K;
        // Columns: head of office, deputy, unit head, member.
        let table: [(LetterKind, [bool; 4]); 6] = [
            (K::External, [true, false, false, false]),
            (K::Internal, [true, true, true, false]),
            (K::Stamped, [true, true, true, false]),
            (K::Directive, [true, false, false, false]),
            (K::PublicRelations, [true, true, false, false]),
            (K::Evidence, [true, true, true, false]),
        ];
        for (kind, row) in table {
            for (authority, expected) in [A::HeadOfOffice, A::Deputy, A::UnitHead, A::Member].into_iter().zip(row) {
                assert_eq!(may_sign(kind, authority), expected, "{authority} signing {kind}");
            }
        }
    }

    #[test]
    fn who_may_take_which_draft_step_as_a_table() {
        let steps = [S::Revise, S::Submit, S::Comment, S::Return, S::Initial, S::Sign, S::Withdraw];
        // (state, seat, allowed steps in the order above)
        let table: [(DraftState, DraftSeat, [bool; 7]); 12] = [
            (D::Drafting, W::Drafter, [true, true, false, false, false, false, true]),
            (D::Drafting, W::Reviewing, [false; 7]),
            (D::Returned, W::Drafter, [true, true, false, false, false, false, true]),
            (D::InReview, W::Drafter, [false, false, false, false, false, false, true]),
            (D::InReview, W::Reviewing, [false, false, true, true, true, false, false]),
            (D::InReview, W::Signing, [false, false, true, true, false, false, false]),
            (D::InReview, W::Other, [false; 7]),
            (D::AwaitingSignature, W::Signing, [false, false, true, true, false, true, false]),
            (D::AwaitingSignature, W::Reviewing, [false, false, true, true, false, false, false]),
            (D::AwaitingSignature, W::Drafter, [false; 7]),
            (D::Sent, W::Signing, [false; 7]),
            (D::Withdrawn, W::Drafter, [false; 7]),
        ];
        for (state, seat, row) in table {
            for (step, expected) in steps.iter().zip(row) {
                assert_eq!(may_act(*step, state, seat).is_ok(), expected, "{seat:?} {step} on {state}");
            }
        }
        assert_eq!(may_act(S::Sign, D::Sent, W::Signing), Err(DraftRefusal::State(D::Sent)));
        assert_eq!(may_act(S::Sign, D::AwaitingSignature, W::Other), Err(DraftRefusal::NotYours));
    }

    #[test]
    fn a_chain_ends_with_its_one_signer() {
        use ChainRole::*;
        assert_eq!(check_chain("d", &[("a", Reviewer), ("s", Signer)]), Ok(()));
        assert_eq!(check_chain("d", &[("s", Signer)]), Ok(()));
        assert_eq!(check_chain("d", &[]), Err(ChainError::NoSigner));
        assert_eq!(check_chain("d", &[("a", Reviewer)]), Err(ChainError::NoSigner));
        assert_eq!(check_chain("d", &[("s", Signer), ("a", Reviewer)]), Err(ChainError::NoSigner));
        assert_eq!(check_chain("d", &[("s", Signer), ("t", Signer)]), Err(ChainError::TwoSigners));
        assert_eq!(check_chain("d", &[("a", Reviewer), ("a", Signer)]), Err(ChainError::Repeated));
        assert_eq!(check_chain("d", &[("d", Reviewer), ("s", Signer)]), Err(ChainError::Drafter));
        let long: Vec<(&str, ChainRole)> = (0..13).map(|_| ("x", Reviewer)).collect();
        assert_eq!(check_chain("d", &long), Err(ChainError::TooLong(MAX_CHAIN)));
    }

    #[test]
    fn standing_in_signs_in_the_absent_persons_position() {
        assert_eq!(signing_position("รองอธิบดี", None), "รองอธิบดี");
        assert_eq!(
            signing_position("รองอธิบดี", Some((StandInKind::Acting, "อธิบดีกรมบัญชีกลาง"))),
            "รักษาการแทน อธิบดีกรมบัญชีกลาง"
        );
    }
}
