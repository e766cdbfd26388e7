//! When a letter waiting in an office's inbox is due, and when it is overdue: the one rule behind the
//! sender's tracking table, the inbox's overdue mark and the reminder e-mails, so that the three never
//! contradict each other. A deadline written on the letter wins when it is earlier than what the
//! urgency allows; working days skip Saturdays and Sundays in Bangkok (public holidays are not known).

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use serde::Deserialize;

use crate::{DeliveryState, Urgency, bangkok};

/// How long an unhandled delivery may wait, by urgency (`[notification.reminders]` in the
/// configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct DueRule {
    /// ด่วนที่สุด: minutes after delivery.
    pub most_urgent_minutes: i64,
    /// ด่วนมาก: minutes after delivery.
    pub very_urgent_minutes: i64,
    /// ด่วน: working days after delivery.
    pub urgent_working_days: u32,
    /// Ordinary letters: working days after delivery.
    pub normal_working_days: u32,
}

impl Default for DueRule {
    /// The shipped configuration's values.
    fn default() -> Self {
        Self { most_urgent_minutes: 60, very_urgent_minutes: 240, urgent_working_days: 1, normal_working_days: 3 }
    }
}

impl DueRule {
    /// When a delivery made at `delivered_at` of a letter with this urgency and deadline is due.
    pub fn due_at(
        &self,
        urgency: Urgency,
        deadline: Option<DateTime<Utc>>,
        delivered_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let by_urgency = match urgency {
            Urgency::MostUrgent => delivered_at + Duration::minutes(self.most_urgent_minutes),
            Urgency::VeryUrgent => delivered_at + Duration::minutes(self.very_urgent_minutes),
            Urgency::Urgent => add_working_days(delivered_at, self.urgent_working_days),
            Urgency::Normal => add_working_days(delivered_at, self.normal_working_days),
        };
        deadline.map_or(by_urgency, |deadline| deadline.min(by_urgency))
    }

    /// Whether a delivery in `state` is overdue at `now`: still unhandled and past its due time.
    pub fn is_overdue(
        &self,
        state: DeliveryState,
        urgency: Urgency,
        deadline: Option<DateTime<Utc>>,
        delivered_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        !state.is_final() && now >= self.due_at(urgency, deadline, delivered_at)
    }

    /// When the sender and the recipient office's admins are told as well: once the delivery is
    /// overdue by as long again as it was allowed (at least a minute).
    pub fn escalate_at(&self, due: DateTime<Utc>, delivered_at: DateTime<Utc>) -> DateTime<Utc> {
        due + (due - delivered_at).max(Duration::minutes(1))
    }
}

/// `n` working days (Monday to Friday, in Bangkok) after `from`.
pub fn add_working_days(from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    let mut at = from.with_timezone(&bangkok());
    let mut left = n;
    while left > 0 {
        at += Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    at.with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn due_by_urgency_unless_the_deadline_is_earlier() {
        let rule = DueRule::default();
        // Friday 27 November 2569 B.E., 10:00 in Bangkok: working days skip the weekend.
        let friday = Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).unwrap();
        let table = [
            (Urgency::MostUrgent, None, friday + Duration::minutes(60)),
            (Urgency::VeryUrgent, None, friday + Duration::minutes(240)),
            (Urgency::Urgent, None, friday + Duration::days(3)),
            (Urgency::Normal, None, friday + Duration::days(5)),
            (Urgency::Normal, Some(friday + Duration::hours(2)), friday + Duration::hours(2)),
            (Urgency::MostUrgent, Some(friday + Duration::days(9)), friday + Duration::minutes(60)),
        ];
        for (urgency, deadline, due) in table {
            assert_eq!(rule.due_at(urgency, deadline, friday), due, "{urgency} {deadline:?}");
        }
    }

    #[test]
    fn only_unhandled_deliveries_are_overdue() {
        let rule = DueRule::default();
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 3, 0, 0).unwrap();
        let late = at + Duration::hours(2);
        assert!(rule.is_overdue(DeliveryState::Delivered, Urgency::MostUrgent, None, at, late));
        assert!(!rule.is_overdue(DeliveryState::Received, Urgency::MostUrgent, None, at, late));
        assert!(!rule.is_overdue(DeliveryState::Delivered, Urgency::Normal, None, at, late));
        assert_eq!(rule.escalate_at(late, at), late + Duration::hours(2));
    }
}
