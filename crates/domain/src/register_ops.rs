//! Register operations a clerk does by hand in the paper book, as rules: cancelling a number
//! (ยกเลิกเลข), reserving numbers for letters issued on paper (จองเลข) and filling them in later, and
//! starting a series from the paper register at go-live. A number, once taken, is never reused: a
//! cancelled line stays in the register marked cancelled, and a reservation nobody filled stays as
//! expired. This module only says what may happen to a line in which state; storage and the clock
//! are the caller's.

use chrono::{DateTime, Duration, Utc};

/// The most numbers one reservation may take at once.
pub const MAX_RESERVE: u32 = 20;

/// How long a reserved number waits to be filled before it shows as expired.
pub const RESERVATION_DAYS: i64 = 7;

/// When a reservation made at `at` expires.
pub fn reservation_expiry(at: DateTime<Utc>) -> DateTime<Utc> {
    at + Duration::days(RESERVATION_DAYS)
}

crate::letter::wire_enum! {
    /// What was done with a reserved number, as stored.
    ReservationState {
        /// Held for a paper letter, not yet filled in.
        Reserved = "reserved",
        /// Filled with the paper letter's details.
        Filled = "filled",
        /// Cancelled with a reason.
        Cancelled = "cancelled",
    }
}

crate::letter::wire_enum! {
    /// The mark a register line carries, as the register shows it.
    LineMark {
        /// A letter sent or received through Sarabun.
        Letter = "letter",
        /// A number reserved for a paper letter, waiting to be filled.
        Reserved = "reserved",
        /// A reserved number filled with a paper letter's details.
        Filled = "filled",
        /// A reserved number nobody filled in time; kept, never reused.
        Expired = "expired",
        /// A cancelled number (ยกเลิก); kept, never reused.
        Cancelled = "cancelled",
        /// A letter from outside Sarabun, registered from its scan (`domain::arrival`).
        Outside = "outside",
    }
}

impl LineMark {
    /// The mark in Thai, as the register's remarks column writes it (empty for a plain letter).
    pub fn thai(self) -> &'static str {
        match self {
            Self::Letter => "",
            Self::Reserved => "จองเลข",
            Self::Filled => "หนังสือกระดาษ",
            Self::Expired => "จองเลขหมดอายุ",
            Self::Cancelled => "ยกเลิก",
            Self::Outside => "หนังสือภายนอกระบบ",
        }
    }
}

/// The mark of a reservation in `state` expiring at `expires_at`, seen at `now`.
pub fn reservation_mark(state: ReservationState, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> LineMark {
    match state {
        ReservationState::Reserved if now >= expires_at => LineMark::Expired,
        ReservationState::Reserved => LineMark::Reserved,
        ReservationState::Filled => LineMark::Filled,
        ReservationState::Cancelled => LineMark::Cancelled,
    }
}

/// A register line as far as cancelling it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The send-register line of a letter sent through Sarabun.
    Sent { recalled: bool, cancelled: bool },
    /// The receive-register line of a letter the office received.
    Received { cancelled: bool },
    /// A reserved number, with its mark now.
    Reservation(LineMark),
}

/// Why a register operation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RegisterOpRefusal {
    /// The number is already cancelled.
    #[error("this number is already cancelled")]
    AlreadyCancelled,
    /// A sent letter's number is cancelled only after the letter was recalled.
    #[error("the letter was sent; recall it before cancelling its number")]
    RecallFirst,
    /// A received letter's receive number records a receipt that was signed; it stays.
    #[error("a received letter's receive number cannot be cancelled")]
    ReceivedLetter,
    /// The reservation was filled or cancelled already.
    #[error("this reservation is no longer open")]
    NotOpen,
    /// The reservation expired before it was filled.
    #[error("this reservation expired")]
    Expired,
    /// A reservation takes from 1 to [`MAX_RESERVE`] numbers.
    #[error("a reservation takes from 1 to {MAX_RESERVE} numbers")]
    Count,
    /// Numbers are reserved, and series started, only in the current B.E. year's register.
    #[error("only this year's register can be changed")]
    NotThisYear,
    /// The next number may only be moved forward, past every number already taken.
    #[error("the next number must be above {current_next}, the next number now")]
    NotForward { current_next: i64 },
}

/// Whether `line` may be cancelled.
pub fn may_cancel(line: Line) -> Result<(), RegisterOpRefusal> {
    use RegisterOpRefusal as R;
    match line {
        Line::Sent { cancelled: true, .. } | Line::Received { cancelled: true } => Err(R::AlreadyCancelled),
        Line::Sent { recalled: false, .. } => Err(R::RecallFirst),
        Line::Sent { recalled: true, .. } => Ok(()),
        Line::Received { .. } => Err(R::ReceivedLetter),
        Line::Reservation(LineMark::Cancelled) => Err(R::AlreadyCancelled),
        // A reserved, expired or filled number may be cancelled: the paper letter was never issued,
        // or was withdrawn.
        Line::Reservation(_) => Ok(()),
    }
}

/// Whether a reservation whose mark is `mark` may be filled with a paper letter's details.
pub fn may_fill(mark: LineMark) -> Result<(), RegisterOpRefusal> {
    match mark {
        LineMark::Reserved => Ok(()),
        LineMark::Expired => Err(RegisterOpRefusal::Expired),
        LineMark::Cancelled | LineMark::Filled | LineMark::Letter | LineMark::Outside => {
            Err(RegisterOpRefusal::NotOpen)
        }
    }
}

/// Whether `count` numbers may be reserved at once.
pub fn check_count(count: u32) -> Result<(), RegisterOpRefusal> {
    if (1..=MAX_RESERVE).contains(&count) { Ok(()) } else { Err(RegisterOpRefusal::Count) }
}

/// Whether a series whose next number is `current_next` may be set to start at `wanted`: forward
/// only, so no number already taken (or skipped forward before) is ever given again.
pub fn check_next(current_next: i64, wanted: i64) -> Result<(), RegisterOpRefusal> {
    if wanted > current_next { Ok(()) } else { Err(RegisterOpRefusal::NotForward { current_next }) }
}

/// Whether a reservation or a new start may be made in the register of `wanted` when it is `now_year`.
pub fn check_year(wanted: crate::YearBe, now_year: crate::YearBe) -> Result<(), RegisterOpRefusal> {
    if wanted == now_year { Ok(()) } else { Err(RegisterOpRefusal::NotThisYear) }
}

#[cfg(test)]
mod tests {
    use super::LineMark as M;
    use super::RegisterOpRefusal as R;
    use super::*;

    #[test]
    fn cancelling_as_a_table() {
        let table: [(Line, Result<(), R>); 9] = [
            (Line::Sent { recalled: false, cancelled: false }, Err(R::RecallFirst)),
            (Line::Sent { recalled: true, cancelled: false }, Ok(())),
            (Line::Sent { recalled: true, cancelled: true }, Err(R::AlreadyCancelled)),
            (Line::Received { cancelled: false }, Err(R::ReceivedLetter)),
            (Line::Received { cancelled: true }, Err(R::AlreadyCancelled)),
            (Line::Reservation(M::Reserved), Ok(())),
            (Line::Reservation(M::Expired), Ok(())),
            (Line::Reservation(M::Filled), Ok(())),
            (Line::Reservation(M::Cancelled), Err(R::AlreadyCancelled)),
        ];
        for (line, want) in table {
            assert_eq!(may_cancel(line), want, "{line:?}");
        }
    }

    #[test]
    fn filling_as_a_table() {
        let table = [
            (M::Reserved, Ok(())),
            (M::Expired, Err(R::Expired)),
            (M::Filled, Err(R::NotOpen)),
            (M::Cancelled, Err(R::NotOpen)),
            (M::Letter, Err(R::NotOpen)),
        ];
        for (mark, want) in table {
            assert_eq!(may_fill(mark), want, "{mark}");
        }
    }

    #[test]
    fn a_reservation_expires_visibly_after_its_days() {
        let at = DateTime::UNIX_EPOCH;
        let expires = reservation_expiry(at);
        assert_eq!(expires - at, Duration::days(RESERVATION_DAYS));
        let just_before = expires - Duration::seconds(1);
        assert_eq!(reservation_mark(ReservationState::Reserved, expires, just_before), M::Reserved);
        assert_eq!(reservation_mark(ReservationState::Reserved, expires, expires), M::Expired);
        assert_eq!(
            reservation_mark(ReservationState::Filled, expires, expires),
            M::Filled,
            "a filled one stays filled"
        );
        assert_eq!(reservation_mark(ReservationState::Cancelled, expires, at), M::Cancelled);
    }

    #[test]
    fn counts_and_starting_numbers() {
        for (k, ok) in [(0, false), (1, true), (20, true), (21, false)] {
            assert_eq!(check_count(k).is_ok(), ok, "{k}");
        }
        assert_eq!(check_next(1, 57), Ok(()));
        assert_eq!(check_next(57, 57), Err(R::NotForward { current_next: 57 }));
        assert_eq!(check_next(57, 12), Err(R::NotForward { current_next: 57 }));
        let (this, last) = (crate::YearBe::new(2569).unwrap(), crate::YearBe::new(2568).unwrap());
        assert_eq!(check_year(this, this), Ok(()));
        assert_eq!(check_year(last, this), Err(R::NotThisYear));
    }
}
