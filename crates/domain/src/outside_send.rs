//! Letters sent to recipients outside Sarabun (ผู้รับภายนอกระบบ) as rules: how each outside
//! recipient gets the letter (by e-mail when it has an address, else by post), the states of that
//! delivery and the moves between them, the bounds of the list, and when a posted date is
//! believable. Storage, the clock and SMTP are the caller's.
//!
//! An e-mail recipient's delivery is `queued` when the letter is sent, then `sent` when the relay
//! accepts the e-mail, `bounced` when the relay refuses it for good (a 5xx answer) or when a clerk
//! records a bounce that came back later, and `failed` when every retry failed. A post recipient's
//! is `awaiting_post` until the clerk records the day it was posted (`posted`). Either is
//! `recalled` when the sender recalls the letter before it went; one that went stays as it is.

use chrono::NaiveDate;

/// The most outside recipients one letter may have.
pub const MAX_OUTSIDE_RECIPIENTS: usize = 50;

crate::letter::wire_enum! {
    /// How an outside recipient gets the letter.
    OutsideChannel {
        /// By e-mail, through the node's outbox: the sealed PDF and its JWS envelope attached.
        Email = "email",
        /// By post (ทางไปรษณีย์), with a printed cover sheet (ใบนำส่ง).
        Post = "post",
    }
}

impl OutsideChannel {
    /// The channel an outside recipient with these addresses gets the letter by: e-mail whenever
    /// there is an address, post otherwise; `None` when there is neither.
    pub fn for_addresses(email: bool, postal_address: bool) -> Option<Self> {
        match (email, postal_address) {
            (true, _) => Some(Self::Email),
            (false, true) => Some(Self::Post),
            (false, false) => None,
        }
    }

    /// The channel as the tracking and the register write it.
    pub fn thai(self) -> &'static str {
        match self {
            Self::Email => "ทางไปรษณีย์อิเล็กทรอนิกส์",
            Self::Post => "ทางไปรษณีย์",
        }
    }
}

crate::letter::wire_enum! {
    /// Where a letter to an outside recipient is.
    OutsideDeliveryState {
        /// An e-mail waiting in the outbox.
        Queued = "queued",
        /// The relay accepted the e-mail.
        Sent = "sent",
        /// The relay refused the address for good, or a clerk recorded a bounce that came back.
        Bounced = "bounced",
        /// Every try to send the e-mail failed.
        Failed = "failed",
        /// Waiting to be posted, with its cover sheet.
        AwaitingPost = "awaiting_post",
        /// Posted on the day the clerk recorded.
        Posted = "posted",
        /// The sender recalled the letter before it went.
        Recalled = "recalled",
    }
}

impl OutsideDeliveryState {
    /// The state a new delivery by `channel` starts in.
    pub fn first(channel: OutsideChannel) -> Self {
        match channel {
            OutsideChannel::Email => Self::Queued,
            OutsideChannel::Post => Self::AwaitingPost,
        }
    }

    /// The relay accepted the e-mail.
    pub fn email_sent(self) -> Result<Self, OutsideSendRefusal> {
        match self {
            Self::Queued => Ok(Self::Sent),
            other => Err(OutsideSendRefusal::State { state: other }),
        }
    }

    /// The relay refused the e-mail for good (a 5xx answer), or a clerk records a bounce that came
    /// back after the relay accepted it.
    pub fn bounce(self) -> Result<Self, OutsideSendRefusal> {
        match self {
            Self::Queued | Self::Sent => Ok(Self::Bounced),
            other => Err(OutsideSendRefusal::State { state: other }),
        }
    }

    /// Every try to send the e-mail failed.
    pub fn fail(self) -> Result<Self, OutsideSendRefusal> {
        match self {
            Self::Queued => Ok(Self::Failed),
            other => Err(OutsideSendRefusal::State { state: other }),
        }
    }

    /// The clerk recorded the day it was posted.
    pub fn post(self) -> Result<Self, OutsideSendRefusal> {
        match self {
            Self::AwaitingPost => Ok(Self::Posted),
            other => Err(OutsideSendRefusal::State { state: other }),
        }
    }

    /// The sender recalls the letter: what has not gone yet is recalled; what went (sent, posted)
    /// or ended (bounced, failed) stays as it is, since no recall can reach it.
    pub fn recall(self) -> Self {
        match self {
            Self::Queued | Self::AwaitingPost => Self::Recalled,
            other => other,
        }
    }

    /// The state in Thai, as the tracking shows it.
    pub fn thai(self) -> &'static str {
        match self {
            Self::Queued => "รอส่งอีเมล",
            Self::Sent => "ส่งอีเมลแล้ว",
            Self::Bounced => "อีเมลตีกลับ",
            Self::Failed => "ส่งอีเมลไม่สำเร็จ",
            Self::AwaitingPost => "รอส่งทางไปรษณีย์",
            Self::Posted => "ส่งทางไปรษณีย์แล้ว",
            Self::Recalled => "ยกเลิกการส่ง",
        }
    }
}

/// Why an outside recipient, or an action on its delivery, is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutsideSendRefusal {
    /// Neither an e-mail nor a postal address.
    #[error("outside recipient {position} needs an e-mail address or a postal address")]
    NoAddress { position: usize },
    /// More than [`MAX_OUTSIDE_RECIPIENTS`].
    #[error("at most {MAX_OUTSIDE_RECIPIENTS} outside recipients")]
    TooMany,
    /// A body id that is not in the office's address book.
    #[error("outside recipient {position}: no such body in your office's address book")]
    UnknownBody { position: usize },
    /// The same e-mail or postal recipient twice.
    #[error("outside recipient {position} is named twice")]
    Twice { position: usize },
    /// A secret letter cannot go out by e-mail.
    #[error("outside recipient {position}: a secret letter goes to outside recipients by post only")]
    SecretByEmail { position: usize },
    /// The posted date is in the future or before the letter's date.
    #[error("the posted date must not be after today nor before the letter's date")]
    PostedDate,
    /// The action does not fit the delivery's state.
    #[error("not possible while the delivery is {state}")]
    State { state: OutsideDeliveryState },
}

/// Whether `posted`, the day the clerk says a letter dated `letter_date` was posted, is believable
/// `today` (all in Bangkok): not after today and not before the letter's date.
pub fn check_posted_date(
    posted: NaiveDate,
    letter_date: NaiveDate,
    today: NaiveDate,
) -> Result<(), OutsideSendRefusal> {
    if posted > today || posted < letter_date { Err(OutsideSendRefusal::PostedDate) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::OutsideDeliveryState::*;
    use super::*;

    #[test]
    fn channel_prefers_email() {
        assert_eq!(OutsideChannel::for_addresses(true, true), Some(OutsideChannel::Email));
        assert_eq!(OutsideChannel::for_addresses(true, false), Some(OutsideChannel::Email));
        assert_eq!(OutsideChannel::for_addresses(false, true), Some(OutsideChannel::Post));
        assert_eq!(OutsideChannel::for_addresses(false, false), None);
    }

    #[test]
    fn transitions_as_a_table() {
        // (state, sent, bounce, fail, post, recall)
        let table = [
            (Queued, Some(Sent), Some(Bounced), Some(Failed), None, Recalled),
            (Sent, None, Some(Bounced), None, None, Sent),
            (Bounced, None, None, None, None, Bounced),
            (Failed, None, None, None, None, Failed),
            (AwaitingPost, None, None, None, Some(Posted), Recalled),
            (Posted, None, None, None, None, Posted),
            (Recalled, None, None, None, None, Recalled),
        ];
        for (state, sent, bounce, fail, post, recall) in table {
            assert_eq!(state.email_sent().ok(), sent, "{state} sent");
            assert_eq!(state.bounce().ok(), bounce, "{state} bounce");
            assert_eq!(state.fail().ok(), fail, "{state} fail");
            assert_eq!(state.post().ok(), post, "{state} post");
            assert_eq!(state.recall(), recall, "{state} recall");
        }
        assert_eq!(OutsideDeliveryState::first(OutsideChannel::Email), Queued);
        assert_eq!(OutsideDeliveryState::first(OutsideChannel::Post), AwaitingPost);
    }

    #[test]
    fn posted_date_between_letter_and_today() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert!(check_posted_date(d(3, 2), d(3, 1), d(3, 5)).is_ok());
        assert!(check_posted_date(d(3, 1), d(3, 1), d(3, 1)).is_ok());
        assert_eq!(check_posted_date(d(3, 6), d(3, 1), d(3, 5)), Err(OutsideSendRefusal::PostedDate));
        assert_eq!(check_posted_date(d(2, 28), d(3, 1), d(3, 5)), Err(OutsideSendRefusal::PostedDate));
    }
}
