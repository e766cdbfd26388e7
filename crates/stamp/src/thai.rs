//! The four lines of the receiving stamp, worded the way Thai government offices write them.
//!
//! Dates use the Buddhist Era year and full Thai month names; times use the `HH.MM น.` form of
//! official correspondence, in Asia/Bangkok time; the wording comes from `sarabun-domain` so the
//! stamp and the registers always agree.

use chrono::Utc;
use sarabun_domain::{thai_date, thai_time};

use crate::StampText;

/// The stamp's lines, top to bottom: office name, receive number, date, time. The date and time are
/// those of Bangkok whatever offset the instant was given in, written as the registers write them.
pub fn stamp_lines(text: &StampText) -> [String; 4] {
    let at = text.received_at.with_timezone(&Utc);
    [
        text.office_name.trim().to_string(),
        format!("เลขรับ {}", text.receive_number),
        format!("วันที่ {}", thai_date(at)),
        format!("เวลา {}", thai_time(at)),
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
        let utc: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2026-11-24T02:05:00Z").unwrap();
        let same = stamp_lines(&StampText { office_name: "x".into(), receive_number: 1, received_at: utc });
        assert_eq!(same[2..], lines[2..], "shown in Bangkok time whatever the offset");
    }
}
