//! Buddhist-Era dates as Thai officials write them: `24 พฤศจิกายน 2569`, `14.05 น.`. Instants are stored
//! in UTC and shown in Asia/Bangkok, which has been UTC+7 without daylight saving since 1920, so a fixed
//! offset is exact and no time-zone database is needed.

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Years between the Common Era and the Buddhist Era as used in Thailand (พ.ศ. = ค.ศ. + 543).
pub const BE_OFFSET: i32 = 543;

const THAI_MONTHS: [&str; 12] = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
];

/// The Asia/Bangkok offset, UTC+7.
pub fn bangkok() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// A year of the Buddhist Era, e.g. 2569 (= 2026 C.E.). Registers restart at 1 each such year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct YearBe(i32);

impl YearBe {
    /// The B.E. year in which `at` falls, counted in Bangkok (a letter received at 00:30 on
    /// 1 January Bangkok time belongs to the new year even though it is still 31 December in UTC).
    pub fn of(at: DateTime<Utc>) -> Self {
        Self(at.with_timezone(&bangkok()).year() + BE_OFFSET)
    }
    /// A B.E. year given as a number; years before 2400 B.E. (1857 C.E.) are refused as typos.
    pub fn new(year_be: i32) -> Option<Self> {
        (2400..=9999).contains(&year_be).then_some(Self(year_be))
    }
    /// The year as a number, e.g. 2569.
    pub fn get(self) -> i32 {
        self.0
    }
    /// The matching Common-Era year.
    pub fn common_era(self) -> i32 {
        self.0 - BE_OFFSET
    }
}

impl std::fmt::Display for YearBe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// `24 พฤศจิกายน 2569`: the Bangkok date of `at` with a Thai month name and the B.E. year.
pub fn thai_date(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&bangkok());
    format!("{} {} {}", local.day(), THAI_MONTHS[local.month0() as usize], local.year() + BE_OFFSET)
}

/// A letter date stored as `YYYY-MM-DD` written the Thai way (`2 มิถุนายน 2557`); text that is not
/// such a date is returned as it is.
pub fn thai_letter_date(date: &str) -> String {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map_or_else(
        |_| date.to_owned(),
        |d| format!("{} {} {}", d.day(), THAI_MONTHS[d.month0() as usize], d.year() + BE_OFFSET),
    )
}

/// `14.05 น.`: the Bangkok time of `at` as written on a receiving stamp.
pub fn thai_time(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&bangkok());
    format!("{:02}.{:02} น.", local.hour(), local.minute())
}

/// Replaces Arabic digits by Thai digits (๐–๙), for documents that prefer them.
pub fn thai_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0E50 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn year_rolls_over_at_bangkok_midnight() {
        let before = Utc.with_ymd_and_hms(2026, 12, 31, 16, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 12, 31, 17, 0, 0).unwrap();
        assert_eq!(YearBe::of(before).get(), 2569);
        assert_eq!(YearBe::of(after).get(), 2570);
    }

    #[test]
    fn dates_are_written_the_thai_way() {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 7, 5, 0).unwrap();
        assert_eq!(thai_date(at), "24 พฤศจิกายน 2569");
        assert_eq!(thai_time(at), "14.05 น.");
        assert_eq!(thai_digits("1/2569"), "๑/๒๕๖๙");
        assert_eq!(thai_letter_date("2014-06-02"), "2 มิถุนายน 2557");
        assert_eq!(thai_letter_date("not a date"), "not a date");
    }

    #[test]
    fn implausible_years_are_refused() {
        assert!(YearBe::new(2026).is_none());
        assert_eq!(YearBe::new(2569).map(YearBe::common_era), Some(2026));
    }
}
