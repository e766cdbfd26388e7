//! Exchange between nodes, as rules: the states of a message this node sends to a peer node, the
//! two kinds of message, and when a message that could not be delivered is tried again (30 s, 2 min,
//! 20 min, then hourly, for a number of days; the steps are the operator's to set) — always with the
//! same message id.

use chrono::{DateTime, Duration, Utc};

crate::letter::wire_enum! {
    /// Where a message to a peer node stands.
    OutboundState {
        /// Waiting to be delivered (first try or a retry).
        Queued = "queued",
        /// The peer answered that the letter arrived in the recipient office's inbox.
        AtPeer = "at_peer",
        /// The peer answered that the decision is recorded on its tracking.
        Recorded = "recorded",
        /// The peer refused the message as invalid, with a signed reason; never retried.
        Invalid = "invalid",
        /// Every retry failed; the sender's clerk sees why.
        Failed = "failed",
        /// Stopped before delivery: by an operator, or by the sender's recall; the reason says which.
        Cancelled = "cancelled",
    }
}

crate::letter::wire_enum! {
    /// What a message between nodes carries.
    MessageKind {
        /// A sealed letter for one office of the peer.
        Letter = "letter",
        /// An office's decision on a letter the peer sent.
        Decision = "decision",
        /// The sender's recall of a letter it sent the peer earlier.
        Recall = "recall",
    }
}

impl OutboundState {
    /// Whether the message is done with (answered or given up).
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Queued)
    }
}

/// When a message that could not be delivered is tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    /// The waits after the first, second, … failed attempt.
    pub steps: Vec<Duration>,
    /// The wait after every later attempt.
    pub then_every: Duration,
    /// How long after queueing the message is given up.
    pub give_up_after: Duration,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self {
            steps: vec![Duration::seconds(30), Duration::minutes(2), Duration::minutes(20)],
            then_every: Duration::hours(1),
            give_up_after: Duration::days(3),
        }
    }
}

impl RetrySchedule {
    /// When to try again after `failed` attempts (at least one) of a message queued at `queued`, the
    /// last failing at `now`; `None` once the next try would be past the end.
    pub fn next_attempt(&self, failed: u32, queued: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let index = usize::try_from(failed.max(1) - 1).unwrap_or(usize::MAX);
        let wait = self.steps.get(index).copied().unwrap_or(self.then_every);
        let next = now + wait;
        (next <= queued + self.give_up_after).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_go_hourly_then_give_up() {
        let schedule = RetrySchedule::default();
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().to_utc();
        assert_eq!(schedule.next_attempt(1, t0, t0), Some(t0 + Duration::seconds(30)));
        assert_eq!(schedule.next_attempt(2, t0, t0), Some(t0 + Duration::minutes(2)));
        assert_eq!(schedule.next_attempt(3, t0, t0), Some(t0 + Duration::minutes(20)));
        assert_eq!(schedule.next_attempt(4, t0, t0), Some(t0 + Duration::hours(1)));
        assert_eq!(schedule.next_attempt(9, t0, t0), Some(t0 + Duration::hours(1)));
        let late = t0 + Duration::days(3) - Duration::minutes(30);
        assert_eq!(schedule.next_attempt(70, t0, late), None);
    }

    #[test]
    fn states_and_kinds_read_back() {
        for s in OutboundState::ALL {
            assert_eq!(OutboundState::parse(s.as_str()), Ok(*s));
        }
        assert!(!OutboundState::Queued.is_final());
        assert_eq!(MessageKind::parse("decision"), Ok(MessageKind::Decision));
    }
}
