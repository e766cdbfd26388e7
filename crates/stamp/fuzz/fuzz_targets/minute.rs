//! Fuzz target: `add_minute` on any routed copy, or with any signature image, must give `Ok` or
//! `Err`, never a panic, an abort or a hang; an `Ok` must start with the input copy unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sarabun_stamp::{Minute, SignatureImage, add_minute};

/// The smallest PDF with one page, for fuzzing the signature image alone.
const ONE_PAGE: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\ntrailer\n<< /Size 4 /Root 1 0 R >>\n%%EOF\n";

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let mut minute = Minute {
        heading: "สั่งการ".into(),
        text: "มอบ กองกฎหมาย ดำเนินการ".into(),
        name: "นายสมชาย ใจดี".into(),
        position: "อธิบดีกรมบัญชีกลาง".into(),
        acting_for: None,
        at: chrono::DateTime::parse_from_rfc3339("2026-11-25T14:05:00+07:00").expect("valid constant"),
        signature: None,
    };
    let pdf = if choice % 2 == 0 {
        rest
    } else {
        minute.signature = Some(SignatureImage { bytes: rest.to_vec() });
        ONE_PAGE
    };
    if let Ok(routed) = add_minute(pdf, &minute) {
        assert!(routed.starts_with(pdf));
    }
});
