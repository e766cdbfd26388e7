//! Buddhist-Era dates as Thai officials write them — `24 พฤศจิกายน 2569`, `24 พ.ย. 2569`, `14.05 น.` —
//! and their English equivalents, in one place for the pages, the e-mails, the receiving stamp and the
//! registers. Instants are stored in UTC and shown in Asia/Bangkok, which has been UTC+7 without
//! daylight saving since 1920, so a fixed offset is exact and no time-zone database is needed.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike, Utc};
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

const THAI_MONTHS_SHORT: [&str; 12] =
    ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."];

const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const ENGLISH_MONTHS_SHORT: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The language a date, a page or an e-mail is worded in. Thai is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    /// Thai (`th`).
    #[default]
    #[serde(rename = "th")]
    Thai,
    /// English (`en`).
    #[serde(rename = "en")]
    English,
}

impl Language {
    /// The ISO 639-1 code, also the language part of e-mail template names.
    pub fn code(self) -> &'static str {
        match self {
            Language::Thai => "th",
            Language::English => "en",
        }
    }
}

/// How much room a date has: `Long` for letters, e-mails, stamps and registers
/// (`24 พฤศจิกายน 2569`, `24 November 2569 B.E.`), `Short` for tables on a page (`24 พ.ย. 2569`,
/// `24 Nov 2569`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    Long,
    Short,
}

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

/// A calendar day with the month's name and the B.E. year: `2 มิถุนายน 2557`, `2 มิ.ย. 2557`,
/// `2 June 2557 B.E.`, `2 Jun 2557`.
pub fn calendar_date(day: NaiveDate, language: Language, style: Style) -> String {
    let month = day.month0() as usize;
    let year = day.year() + BE_OFFSET;
    match (language, style) {
        (Language::Thai, Style::Long) => format!("{} {} {year}", day.day(), THAI_MONTHS[month]),
        (Language::Thai, Style::Short) => format!("{} {} {year}", day.day(), THAI_MONTHS_SHORT[month]),
        (Language::English, Style::Long) => format!("{} {} {year} B.E.", day.day(), ENGLISH_MONTHS[month]),
        (Language::English, Style::Short) => format!("{} {} {year}", day.day(), ENGLISH_MONTHS_SHORT[month]),
    }
}

/// The Bangkok date of `at`, worded as [`calendar_date`] does.
pub fn date(at: DateTime<Utc>, language: Language, style: Style) -> String {
    calendar_date(at.with_timezone(&bangkok()).date_naive(), language, style)
}

/// The Bangkok time of `at`: `14.05 น.` in Thai, `14:05` in English.
pub fn time(at: DateTime<Utc>, language: Language) -> String {
    let local = at.with_timezone(&bangkok());
    match language {
        Language::Thai => format!("{:02}.{:02} น.", local.hour(), local.minute()),
        Language::English => format!("{:02}:{:02}", local.hour(), local.minute()),
    }
}

/// Date and time of `at` in Bangkok: `25 พฤศจิกายน 2569 เวลา 14.05 น.` or
/// `25 November 2569 B.E., 14:05` at length; `25 พ.ย. 2569 14.05 น.` or `25 Nov 2569 14:05` in a table.
pub fn date_time(at: DateTime<Utc>, language: Language, style: Style) -> String {
    let (day, clock) = (date(at, language, style), time(at, language));
    match (language, style) {
        (Language::Thai, Style::Long) => format!("{day} เวลา {clock}"),
        (Language::English, Style::Long) => format!("{day}, {clock}"),
        (_, Style::Short) => format!("{day} {clock}"),
    }
}

/// A letter date stored as `YYYY-MM-DD`, worded as [`calendar_date`] does; text that is not such a
/// date is returned as it is.
pub fn letter_date(text: &str, language: Language, style: Style) -> String {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_or_else(|_| text.to_owned(), |d| calendar_date(d, language, style))
}

/// A length of time in days, hours and minutes (seconds are dropped), e.g. `2 วัน 3 ชั่วโมง` or
/// `2 days 3 hours`. Zero parts are left out; less than a minute reads `ไม่ถึง 1 นาที` /
/// `less than a minute`.
pub fn duration(d: std::time::Duration, language: Language) -> String {
    let total_minutes = d.as_secs() / 60;
    let units: [(u64, &str, &str, &str); 3] = [
        (total_minutes / (24 * 60), "วัน", "day", "days"),
        ((total_minutes / 60) % 24, "ชั่วโมง", "hour", "hours"),
        (total_minutes % 60, "นาที", "minute", "minutes"),
    ];
    let parts: Vec<String> = units
        .iter()
        .filter(|(n, ..)| *n > 0)
        .map(|&(n, th, one, many)| match language {
            Language::Thai => format!("{n} {th}"),
            Language::English if n == 1 => format!("{n} {one}"),
            Language::English => format!("{n} {many}"),
        })
        .collect();
    match (parts.is_empty(), language) {
        (true, Language::Thai) => "ไม่ถึง 1 นาที".to_owned(),
        (true, Language::English) => "less than a minute".to_owned(),
        (false, _) => parts.join(" "),
    }
}

/// `24 พฤศจิกายน 2569`: the Bangkok date of `at` as written on letters, stamps and registers.
pub fn thai_date(at: DateTime<Utc>) -> String {
    date(at, Language::Thai, Style::Long)
}

/// A letter date stored as `YYYY-MM-DD` written the Thai way (`2 มิถุนายน 2557`).
pub fn thai_letter_date(text: &str) -> String {
    letter_date(text, Language::Thai, Style::Long)
}

/// `14.05 น.`: the Bangkok time of `at` as written on a receiving stamp.
pub fn thai_time(at: DateTime<Utc>) -> String {
    time(at, Language::Thai)
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
    fn every_wording_of_one_instant() {
        // 31 Dec 2026 18:30 UTC is already 1 Jan 2027 01:30 in Bangkok: B.E. 2570.
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 18, 30, 0).unwrap();
        let table = [
            (Language::Thai, Style::Long, "1 มกราคม 2570 เวลา 01.30 น."),
            (Language::Thai, Style::Short, "1 ม.ค. 2570 01.30 น."),
            (Language::English, Style::Long, "1 January 2570 B.E., 01:30"),
            (Language::English, Style::Short, "1 Jan 2570 01:30"),
        ];
        for (language, style, want) in table {
            assert_eq!(date_time(at, language, style), want);
        }
        assert_eq!(letter_date("2014-06-02", Language::English, Style::Short), "2 Jun 2557");
        let months: Vec<String> = (1..=12)
            .map(|m| calendar_date(NaiveDate::from_ymd_opt(2025, m, 15).unwrap(), Language::Thai, Style::Long))
            .collect();
        assert_eq!(
            (months[1].as_str(), months[6].as_str(), months[11].as_str()),
            ("15 กุมภาพันธ์ 2568", "15 กรกฎาคม 2568", "15 ธันวาคม 2568")
        );
    }

    #[test]
    fn durations() {
        use std::time::Duration;
        let d = Duration::from_secs(2 * 86400 + 3 * 3600 + 59);
        assert_eq!(duration(d, Language::Thai), "2 วัน 3 ชั่วโมง");
        assert_eq!(duration(d, Language::English), "2 days 3 hours");
        assert_eq!(duration(Duration::from_secs(86400 + 60), Language::English), "1 day 1 minute");
        assert_eq!(duration(Duration::from_secs(30), Language::Thai), "ไม่ถึง 1 นาที");
        assert_eq!(duration(Duration::from_secs(45 * 60), Language::Thai), "45 นาที");
    }

    #[test]
    fn implausible_years_are_refused() {
        assert!(YearBe::new(2026).is_none());
        assert_eq!(YearBe::new(2569).map(YearBe::common_era), Some(2026));
    }
}
