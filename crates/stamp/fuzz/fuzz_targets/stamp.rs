//! Fuzz target: any byte string given to `stamp_pdf` must give `Ok` or `Err`, never a panic, an
//! abort or a hang; an `Ok` must start with the input unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sarabun_stamp::{StampText, stamp_pdf};

fuzz_target!(|data: &[u8]| {
    let text = StampText {
        office_name: "กองกฎหมาย".into(),
        receive_number: 1,
        received_at: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:05:00+07:00")
            .expect("valid constant"),
    };
    if let Ok(stamped) = stamp_pdf(data, &text) {
        assert!(stamped.starts_with(data));
    }
});
