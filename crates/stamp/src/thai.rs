//! The four lines of the receiving stamp, worded the way Thai government offices write them.
//!
//! Dates use the Buddhist Era year and full Thai month names; times use the `HH.MM น.` form of
//! official correspondence. The instant is shown in whatever offset the caller gave, which is
//! expected to be Asia/Bangkok (+07:00).

use chrono::{Datelike, Timelike};

use crate::StampText;

const MONTHS: [&str; 12] = [
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

/// Thai name of a month numbered 1–12.
pub fn month_name(month: u32) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

/// The stamp's lines, top to bottom: office name, receive number, date, time.
pub fn stamp_lines(text: &StampText) -> [String; 4] {
    let at = text.received_at;
    let year_be = at.year() + 543;
    [
        text.office_name.trim().to_string(),
        format!("เลขรับ {}", text.receive_number),
        format!("วันที่ {} {} {}", at.day(), month_name(at.month()), year_be),
        format!("เวลา {:02}.{:02} น.", at.hour(), at.minute()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset};

    #[test]
    fn lines_are_in_thai_with_buddhist_era() {
        let at: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2026-11-24T09:05:00+07:00").unwrap();
        let lines = stamp_lines(&StampText {
            office_name: " กองกฎหมาย ".into(), receive_number: 12, received_at: at
        });
        assert_eq!(lines[0], "กองกฎหมาย");
        assert_eq!(lines[1], "เลขรับ 12");
        assert_eq!(lines[2], "วันที่ 24 พฤศจิกายน 2569");
        assert_eq!(lines[3], "เวลา 09.05 น.");
    }
}
