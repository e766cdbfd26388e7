//! The life of one delivery — one letter on its way to one recipient office — as a state machine.
//! The database stores the state; this module decides what may follow. The states mirror the e-CMS
//! notifiers of TH e-GIF so that a bridge to the national hub is a translation, not a redesign:
//!
//! | state       | e-CMS notifier                                  |
//! |-------------|-------------------------------------------------|
//! | `delivered` | ReceiveLetterNotifier (arrived in the inbox)    |
//! | `received`  | AcceptLetterNotifier (registered, with number)  |
//! | `rejected`  | RejectLetterNotifier (not for this office)      |
//! | `recalled`  | the sender's request to delete from the queue   |
//!
//! A second receive answers `already_registered` (AlreadyRegisteredNotifier); a malformed letter is
//! refused before it is sent (InvalidLetterNotifier).

use serde::{Deserialize, Serialize};

crate::letter::wire_enum! {
    /// Where a delivery stands.
    DeliveryState {
        /// In the recipient office's inbox, not yet handled.
        Delivered = "delivered",
        /// Registered by the recipient with a receive number; final.
        Received = "received",
        /// Refused by the recipient as not theirs, with a reason; final.
        Rejected = "rejected",
        /// Withdrawn by the sender before anyone received it; final.
        Recalled = "recalled",
    }
}

/// Why a delivery cannot move as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TransitionError {
    #[error("the letter is already registered by this office")]
    AlreadyRegistered,
    #[error("the letter was already rejected by this office")]
    AlreadyRejected,
    #[error("the sender recalled the letter")]
    Recalled,
    #[error("a recipient has already received the letter, so it can no longer be recalled")]
    AlreadyReceived,
}

impl DeliveryState {
    /// The recipient registers the letter.
    pub fn receive(self) -> Result<Self, TransitionError> {
        match self {
            Self::Delivered => Ok(Self::Received),
            Self::Received => Err(TransitionError::AlreadyRegistered),
            Self::Rejected => Err(TransitionError::AlreadyRejected),
            Self::Recalled => Err(TransitionError::Recalled),
        }
    }

    /// The recipient refuses the letter as not theirs.
    pub fn reject(self) -> Result<Self, TransitionError> {
        match self {
            Self::Delivered => Ok(Self::Rejected),
            Self::Received => Err(TransitionError::AlreadyRegistered),
            Self::Rejected => Err(TransitionError::AlreadyRejected),
            Self::Recalled => Err(TransitionError::Recalled),
        }
    }

    /// The sender withdraws the letter from this recipient. A rejected delivery stays rejected (the
    /// recipient's decision is on record); only an unhandled one becomes recalled.
    pub fn recall(self) -> Result<Self, TransitionError> {
        match self {
            Self::Delivered => Ok(Self::Recalled),
            Self::Rejected => Ok(Self::Rejected),
            Self::Received => Err(TransitionError::AlreadyReceived),
            Self::Recalled => Ok(Self::Recalled),
        }
    }

    /// Whether the recipient has finished with it.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Delivered)
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryState::*;
    use super::*;

    #[test]
    fn transitions_as_a_table() {
        use TransitionError as E;
        let table = [
            (Delivered, Ok(Received), Ok(Rejected), Ok(Recalled)),
            (Received, Err(E::AlreadyRegistered), Err(E::AlreadyRegistered), Err(E::AlreadyReceived)),
            (Rejected, Err(E::AlreadyRejected), Err(E::AlreadyRejected), Ok(Rejected)),
            (Recalled, Err(E::Recalled), Err(E::Recalled), Ok(Recalled)),
        ];
        for (from, receive, reject, recall) in table {
            assert_eq!(from.receive(), receive, "receive from {from}");
            assert_eq!(from.reject(), reject, "reject from {from}");
            assert_eq!(from.recall(), recall, "recall from {from}");
        }
    }
}
