//! Files that are not letters: each gives a clean error from every entry point, never a panic.

use sarabun_pades::{PadesError, fill, prepare, sign, verify};

use crate::support::{ca_and_signer, lopdf_letter, now};

fn no_pages() -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.4");
    let pages =
        doc.add_object(lopdf::dictionary! { "Type" => "Pages", "Kids" => Vec::<lopdf::Object>::new(), "Count" => 0 });
    let root = doc.add_object(lopdf::dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", root);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn not_a_pdf_truncated_and_pageless_files_give_errors() {
    let (ca, signer) = ca_and_signer();
    let good = lopdf_letter(3, false);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"hello, this is not a PDF".to_vec()),
        ("truncated", good[..good.len() / 3].to_vec()),
        ("header only", b"%PDF-1.7\n".to_vec()),
        ("no pages", no_pages()),
    ];
    for (what, bytes) in &cases {
        let errors = [
            prepare(bytes).err(),
            sign(bytes, &signer, now()).err(),
            fill(bytes, "ที่ 1", "1 ธันวาคม 2569").err(),
            verify(bytes, std::slice::from_ref(&ca.cert)).err(),
        ];
        for e in errors {
            let e = e.unwrap_or_else(|| panic!("{what}: accepted"));
            assert!(
                matches!(e, PadesError::NotPdf | PadesError::Malformed(_) | PadesError::NoPageOne),
                "{what}: {e:?}"
            );
            assert!(!e.code().is_empty());
        }
    }
    assert_eq!(prepare(b"not a pdf").unwrap_err(), PadesError::NotPdf);
    assert_eq!(prepare(&no_pages()).unwrap_err(), PadesError::NoPageOne);
}

#[test]
fn empty_or_control_field_values_are_refused() {
    let letter = lopdf_letter(1, false);
    assert!(matches!(fill(&letter, " ", "1 ธันวาคม 2569"), Err(PadesError::InvalidValue(_))));
    assert!(matches!(fill(&letter, "ที่ 1\u{0}", "1 ธันวาคม 2569"), Err(PadesError::InvalidValue(_))));
    assert!(matches!(fill(&letter, "ที่ 1", &"ก".repeat(201)), Err(PadesError::InvalidValue(_))));
}

#[test]
fn a_damaged_signature_is_reported_not_an_error() {
    let (ca, signer) = ca_and_signer();
    let signed = sign(&lopdf_letter(1, false), &signer, now()).unwrap();
    // Overwrite the start of the CMS in /Contents: the signature cannot be read.
    let at = signed.windows(10).position(|w| w == b"/Contents<").unwrap() + 10;
    let mut bad = signed.clone();
    bad[at..at + 8].copy_from_slice(b"FFFFFFFF");
    let checks = verify(&bad, std::slice::from_ref(&ca.cert)).unwrap();
    assert_eq!(checks.len(), 1);
    assert!(!checks[0].intact && !checks[0].chain_trusted);
}

#[test]
fn damaged_signed_letters_never_panic() {
    let (ca, signer) = ca_and_signer();
    let signed = fill(&sign(&lopdf_letter(2, true), &signer, now()).unwrap(), "ที่ 1", "1 ธันวาคม 2569").unwrap();
    // A fixed pseudo-random walk of single-byte changes and truncations over the whole file.
    let mut state: u64 = 0x5eed;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    for round in 0..150 {
        let mut bad = signed.clone();
        if round % 5 == 0 {
            bad.truncate(next() % signed.len());
        } else {
            let at = next() % bad.len();
            bad[at] = (next() % 256) as u8;
        }
        if let Ok(checks) = verify(&bad, std::slice::from_ref(&ca.cert)) {
            for c in checks {
                assert!(c.signed_len <= bad.len());
            }
        }
        let _ = fill(&bad, "ที่ 2", "2 ธันวาคม 2569");
        let _ = prepare(&bad);
    }
}
