//! Dates and durations as officials read them in e-mails.
//!
//! Instants are stored in UTC and shown in Asia/Bangkok (a fixed UTC+7, see
//! `sarabun_domain::date`); the Thai wording is the domain's, shared with the
//! registers and the receiving stamp. Years are shown in the Buddhist Era (พ.ศ. = C.E. + 543)
//! in both languages: Thai as `25 พฤศจิกายน 2569 เวลา 14.05 น.`, English as
//! `25 November 2569 B.E., 14:05`.

use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
pub use sarabun_domain::bangkok;
use sarabun_domain::date::BE_OFFSET;
use sarabun_domain::thai_date;

use crate::templates::Language;

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

/// Converts a UTC instant to Bangkok local time.
pub fn to_bangkok(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&bangkok())
}

/// The date alone, in Bangkok, with the B.E. year: `25 พฤศจิกายน 2569` or
/// `25 November 2569 B.E.`.
pub fn format_date(at: DateTime<Utc>, lang: Language) -> String {
    match lang {
        // The same words as the registers and the receiving stamp.
        Language::Thai => thai_date(at),
        Language::English => {
            let local = to_bangkok(at);
            let year_be = local.year() + BE_OFFSET;
            format!("{} {} {} B.E.", local.day(), ENGLISH_MONTHS[local.month0() as usize], year_be)
        }
    }
}

/// Date and time, in Bangkok, with the B.E. year:
/// `25 พฤศจิกายน 2569 เวลา 14.05 น.` or `25 November 2569 B.E., 14:05`.
pub fn format_datetime(at: DateTime<Utc>, lang: Language) -> String {
    let local = to_bangkok(at);
    let date = format_date(at, lang);
    match lang {
        Language::Thai => format!("{date} เวลา {:02}.{:02} น.", local.hour(), local.minute()),
        Language::English => format!("{date}, {:02}:{:02}", local.hour(), local.minute()),
    }
}

/// A length of time in days, hours and minutes (seconds are dropped), e.g.
/// `2 วัน 3 ชั่วโมง` or `2 days 3 hours`. Zero parts are left out; less than a
/// minute reads `ไม่ถึง 1 นาที` / `less than a minute`.
pub fn format_duration(d: Duration, lang: Language) -> String {
    let total_minutes = d.as_secs() / 60;
    let days = total_minutes / (24 * 60);
    let hours = (total_minutes / 60) % 24;
    let minutes = total_minutes % 60;
    let units: [(u64, &str, &str, &str); 3] =
        [(days, "วัน", "day", "days"), (hours, "ชั่วโมง", "hour", "hours"), (minutes, "นาที", "minute", "minutes")];
    let parts: Vec<String> = units
        .iter()
        .filter(|(n, ..)| *n > 0)
        .map(|&(n, th, one, many)| match lang {
            Language::Thai => format!("{n} {th}"),
            Language::English if n == 1 => format!("{n} {one}"),
            Language::English => format!("{n} {many}"),
        })
        .collect();
    if parts.is_empty() {
        match lang {
            Language::Thai => "ไม่ถึง 1 นาที".to_owned(),
            Language::English => "less than a minute".to_owned(),
        }
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn thai_datetime_is_bangkok_time_with_buddhist_year() {
        // 07:05 UTC is 14:05 in Bangkok.
        let at = utc(2026, 11, 25, 7, 5);
        assert_eq!(format_datetime(at, Language::Thai), "25 พฤศจิกายน 2569 เวลา 14.05 น.");
        assert_eq!(format_datetime(at, Language::English), "25 November 2569 B.E., 14:05");
    }

    #[test]
    fn date_rolls_over_in_bangkok_before_utc() {
        // 31 Dec 2026 18:30 UTC is already 1 Jan 2027 01:30 in Bangkok: B.E. 2570.
        let at = utc(2026, 12, 31, 18, 30);
        assert_eq!(format_date(at, Language::Thai), "1 มกราคม 2570");
        assert_eq!(format_datetime(at, Language::Thai), "1 มกราคม 2570 เวลา 01.30 น.");
        assert_eq!(format_date(at, Language::English), "1 January 2570 B.E.");
    }

    #[test]
    fn every_thai_month_name() {
        let names: Vec<String> = (1..=12).map(|m| format_date(utc(2025, m, 15, 0, 0), Language::Thai)).collect();
        assert_eq!(names[0], "15 มกราคม 2568");
        assert_eq!(names[1], "15 กุมภาพันธ์ 2568");
        assert_eq!(names[6], "15 กรกฎาคม 2568");
        assert_eq!(names[11], "15 ธันวาคม 2568");
    }

    #[test]
    fn durations() {
        let d = Duration::from_secs(2 * 86400 + 3 * 3600 + 59);
        assert_eq!(format_duration(d, Language::Thai), "2 วัน 3 ชั่วโมง");
        assert_eq!(format_duration(d, Language::English), "2 days 3 hours");
        let d = Duration::from_secs(86400 + 60);
        assert_eq!(format_duration(d, Language::English), "1 day 1 minute");
        assert_eq!(format_duration(Duration::from_secs(30), Language::Thai), "ไม่ถึง 1 นาที");
        assert_eq!(format_duration(Duration::from_secs(45 * 60), Language::Thai), "45 นาที");
    }
}
