//! The rules of Thai official correspondence (งานสารบรรณ) as types: office letter codes, letter kinds,
//! urgency and secrecy, letter and register numbers, Buddhist-Era dates, delivery states and who may do
//! what. Everything here is pure — no I/O, no async, no clock reads — so that the rules can be tested
//! as tables and every other crate can trust a value once it has been parsed.

pub mod access;
pub mod arrival;
pub mod clock;
pub mod date;
pub mod delivery;
pub mod draft;
pub mod due;
pub mod event;
pub mod exchange;
pub mod letter;
pub mod office;
pub mod outside_send;
pub mod register;
pub mod register_ops;
pub mod route;
pub mod text;

pub use access::{Permission, Role, Roles};
pub use arrival::{ArrivalRefusal, BodyKind, Channel, LetterOrigin};
pub use clock::{Clock, FixedClock, SystemClock};
pub use date::{YearBe, bangkok, thai_date, thai_letter_date, thai_time};
pub use delivery::{DeliveryState, TransitionError};
pub use draft::{ChainRole, DraftRefusal, DraftSeat, DraftState, DraftStepKind};
pub use due::DueRule;
pub use event::EventKind;
pub use exchange::{MessageKind, OutboundState, RetrySchedule};
pub use letter::{
    LetterKind, LetterNumber, LetterState, Notify, Secrecy, Series, SeriesRefusal, Subject, Urgency, WireEnum,
};
pub use office::OfficeCode;
pub use outside_send::{OutsideChannel, OutsideDeliveryState, OutsideSendRefusal};
pub use register::{RegisterKind, RegisterNumber};
pub use register_ops::{LineMark, RegisterOpRefusal, ReservationState};
pub use route::{Authority, MatterState, StandInKind, StepKind, StepRefusal, TaskPurpose, UnitKind};
pub use text::{TextError, TextRule};

/// Why a value from outside could not be accepted. Each variant names the rule that was broken, so
/// that the API can answer with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("office code {0:?} is not of the form `กค 0302` (two Thai consonants, a space, digits)")]
    OfficeCode(String),
    #[error("register number {0:?} is not of the form `123/2569`")]
    RegisterNumber(String),
    #[error("subject is empty")]
    SubjectEmpty,
    #[error("subject is longer than {max} characters")]
    SubjectTooLong { max: usize },
    #[error("subject contains control or invisible format characters")]
    SubjectControl,
    #[error("unknown {what}: {value:?}")]
    Unknown { what: &'static str, value: String },
}
