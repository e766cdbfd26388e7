//! Signing letters and what validators then say: valid and trusted after signing, still valid
//! after the number and date, the receiving stamp and a minute are added, invalid after a change
//! of one signed byte.

use chrono::{FixedOffset, TimeZone as _};
use sarabun_pades::{DATE_FIELD, NUMBER_FIELD, fill, prepare, sign, verify};
use sarabun_stamp::{Minute, StampText, add_minute, stamp_pdf};

use crate::support::{ca_and_signer, libreoffice_letter, lopdf_letter, now, nss, page_one_text, pdfsig, qpdf_check};

const NUMBER: &str = "ที่ กค 0100/123";
const DATE: &str = "1 ธันวาคม 2569";

fn assert_valid(report: &str, signer: &str) {
    assert!(report.contains("Signature Validation: Signature is Valid."), "{report}");
    assert!(report.contains("Certificate Validation: Certificate is Trusted."), "{report}");
    assert!(report.contains(signer), "the signer is named: {report}");
}

#[test]
fn a_one_page_libreoffice_letter_signs_valid_and_trusted() {
    let (ca, signer) = ca_and_signer();
    let letter = libreoffice_letter();
    let signed = sign(&prepare(&letter).unwrap(), &signer, now()).unwrap();
    assert!(signed.starts_with(&letter), "an incremental update");
    let db = nss(&[&ca.cert]);
    let report = pdfsig(&db, &signed);
    assert_valid(&report, "นายสมชาย ใจดี");
    assert!(report.contains("ETSI.CAdES.detached"), "{report}");
    assert!(report.contains("Signature Field Name: Signature1"), "{report}");
    qpdf_check(&signed);

    let checks = verify(&signed, std::slice::from_ref(&ca.cert)).unwrap();
    assert_eq!(checks.len(), 1);
    let c = &checks[0];
    assert!(c.intact && c.chain_trusted && c.covers_whole, "{c:?}");
    assert_eq!(c.later_revisions, 0);
    assert_eq!(c.signer_name, "นายสมชาย ใจดี");
    assert!(c.subject.contains("นายสมชาย ใจดี"), "{}", c.subject);
    assert_eq!(c.signed_at, Some(now()));
    assert_eq!(c.signed_len, signed.len());

    // Another authority's root does not make it trusted.
    let (other, _) = ca_and_signer();
    let untrusted = verify(&signed, std::slice::from_ref(&other.cert)).unwrap();
    assert!(untrusted[0].intact && !untrusted[0].chain_trusted);
    let report = pdfsig(&nss(&[&other.cert]), &signed);
    assert!(report.contains("Signature is Valid."), "{report}");
    assert!(!report.contains("Certificate is Trusted."), "{report}");
}

#[test]
fn multi_page_letters_with_a_table_or_an_xref_stream_sign_valid() {
    let (ca, signer) = ca_and_signer();
    let db = nss(&[&ca.cert]);
    for xref_stream in [false, true] {
        let letter = lopdf_letter(5, xref_stream);
        let signed = sign(&letter, &signer, now()).unwrap();
        assert_valid(&pdfsig(&db, &signed), "นายสมชาย ใจดี");
        qpdf_check(&signed);
        let checks = verify(&signed, std::slice::from_ref(&ca.cert)).unwrap();
        assert!(checks[0].intact && checks[0].chain_trusted, "{:?}", checks[0]);
    }
}

#[test]
fn number_date_stamp_and_minute_after_signing_keep_the_signature_valid() {
    let (ca, signer) = ca_and_signer();
    let letter = libreoffice_letter();
    let prepared = prepare(&letter).unwrap();
    assert_eq!(prepare(&prepared).unwrap(), prepared, "prepare is idempotent");
    let signed = sign(&prepared, &signer, now()).unwrap();
    let filled = fill(&signed, NUMBER, DATE).unwrap();
    let bangkok = FixedOffset::east_opt(7 * 3600).unwrap();
    let stamped = stamp_pdf(
        &filled,
        &StampText {
            office_name: "กรมสรรพากร".into(),
            receive_number: 42,
            received_at: bangkok.with_ymd_and_hms(2026, 12, 2, 9, 30, 0).unwrap(),
        },
    )
    .unwrap();
    let minuted = add_minute(
        &stamped,
        &Minute {
            heading: "เรียน อธิบดี".into(),
            text: "เพื่อโปรดทราบ".into(),
            name: "นางสาวสุดา รักงาน".into(),
            position: "ผู้อำนวยการกอง".into(),
            acting_for: None,
            at: bangkok.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap(),
            signature: None,
        },
    )
    .unwrap();

    let report = pdfsig(&nss(&[&ca.cert]), &minuted);
    assert_valid(&report, "นายสมชาย ใจดี");
    assert!(
        report.contains("Total document signed")
            || report.contains("not total document signed")
            || report.contains("Not total document signed"),
        "{report}"
    );
    qpdf_check(&minuted);
    let text = page_one_text(&minuted);
    assert!(text.contains(NUMBER), "the number on page 1: {text}");
    assert!(text.contains(DATE), "the date on page 1: {text}");
    assert!(text.contains("ขอเชิญประชุม"), "the letter itself is still there: {text}");

    let checks = verify(&minuted, std::slice::from_ref(&ca.cert)).unwrap();
    assert_eq!(checks.len(), 1);
    let c = &checks[0];
    assert!(c.intact && c.chain_trusted && !c.covers_whole, "{c:?}");
    assert!(c.later_revisions >= 3, "{c:?}");
    assert_eq!(c.signed_len, signed.len());
}

#[test]
fn template_fields_are_kept_and_filled_in_place() {
    // A template with its own fields, flat-named as LibreOffice writes a control named
    // "sarabun.number": prepare keeps them and leaves the file as it is.
    let letter = crate::support::template_with_fields(&[
        (NUMBER_FIELD, [300.0, 100.0, 500.0, 130.0]),
        (DATE_FIELD, [300.0, 60.0, 500.0, 90.0]),
    ]);
    let prepared = prepare(&letter).unwrap();
    assert_eq!(prepared, letter);
    let filled = fill(&prepared, NUMBER, DATE).unwrap();
    let text = page_one_text(&filled);
    assert!(text.contains(NUMBER) && text.contains(DATE), "{text}");
    qpdf_check(&filled);
    // The values are drawn in the template's rectangles (pdftotext -bbox gives their place).
    let boxes = crate::support::page_one_bbox(&filled);
    assert!(
        boxes
            .iter()
            .any(|(word, x, y)| word.contains("0100/123") && *x >= 300.0 && *y > 842.0 - 135.0 && *y < 842.0 - 95.0),
        "{boxes:?}"
    );
    // Filling again (a corrected number) replaces the values.
    let refilled = fill(&filled, "ที่ กค 0100/124", DATE).unwrap();
    let text = page_one_text(&refilled);
    assert!(text.contains("0100/124") && !text.contains("0100/123"), "{text}");
}

#[test]
fn a_libreoffice_template_with_its_own_fields_is_filled_there_and_stays_signed() {
    let (ca, signer) = ca_and_signer();
    let template = crate::support::libreoffice_template();
    let prepared = prepare(&template).unwrap();
    assert!(prepared.starts_with(&template));
    // Only /NeedAppearances was cleared: no field was added.
    assert_eq!(prepare(&prepared).unwrap(), prepared);
    let before = crate::support::page_one_bbox(&fill(&prepared, NUMBER, DATE).unwrap());
    let signed = sign(&prepared, &signer, now()).unwrap();
    let filled = fill(&signed, NUMBER, DATE).unwrap();
    let text = page_one_text(&filled);
    assert!(text.contains(NUMBER) && text.contains(DATE) && text.contains("ขอเชิญประชุม"), "{text}");
    assert_eq!(crate::support::page_one_bbox(&filled), before, "drawn in the template's fields");
    assert_valid(&pdfsig(&nss(&[&ca.cert]), &filled), "นายสมชาย ใจดี");
    qpdf_check(&filled);
    let checks = verify(&filled, std::slice::from_ref(&ca.cert)).unwrap();
    assert!(checks[0].intact && checks[0].chain_trusted && checks[0].later_revisions == 1, "{:?}", checks[0]);
}

#[test]
fn fields_are_added_at_the_default_places_of_a_thai_letter() {
    let prepared = prepare(&lopdf_letter(1, false)).unwrap();
    let filled = fill(&prepared, NUMBER, DATE).unwrap();
    let boxes = crate::support::page_one_bbox(&filled);
    // The number at the left margin (3 cm) under the Garuda, the date from the centre.
    let number = boxes.iter().find(|(w, _, _)| w.contains("0100/123")).expect("the number is on page 1");
    let date = boxes.iter().find(|(w, _, _)| w.contains("2569")).expect("the date is on page 1");
    assert!(number.1 < 297.0 && date.1 > 297.0, "{boxes:?}");
    assert!(number.2 < date.2, "the number is above the date: {boxes:?}");
    let rects = sarabun_pades::field_rects(&prepared).unwrap();
    assert_eq!(rects.len(), 2);
    assert_eq!(rects[0].0, NUMBER_FIELD);
    assert!((rects[0].1.x - 85.04).abs() < 0.1, "3 cm from the left: {rects:?}");

    // An office's own places.
    let number = sarabun_pades::Rect { x: 300.0, y: 700.0, w: 200.0, h: 24.0 };
    let date = sarabun_pades::Rect { x: 300.0, y: 660.0, w: 200.0, h: 24.0 };
    let placed = sarabun_pades::prepare_at(&lopdf_letter(1, false), number, date).unwrap();
    let rects = sarabun_pades::field_rects(&placed).unwrap();
    assert_eq!(rects, vec![(NUMBER_FIELD.to_string(), number), (DATE_FIELD.to_string(), date)]);
    let off_page = sarabun_pades::Rect { x: 500.0, y: 830.0, w: 200.0, h: 24.0 };
    assert!(sarabun_pades::prepare_at(&lopdf_letter(1, false), off_page, date).is_err());
}

#[test]
fn one_changed_signed_byte_makes_the_signature_invalid() {
    let (ca, signer) = ca_and_signer();
    let letter = lopdf_letter(2, false);
    let signed = sign(&letter, &signer, now()).unwrap();
    let filled = fill(&signed, NUMBER, DATE).unwrap();
    // Change a byte of page 1's text, inside the first signed range.
    let at = filled.windows(6).position(|w| w == b"Page 1").unwrap();
    let mut tampered = filled.clone();
    tampered[at] = b'X';
    let report = pdfsig(&nss(&[&ca.cert]), &tampered);
    assert!(!report.contains("Signature is Valid."), "{report}");
    assert!(report.contains("Signature is Invalid") || report.contains("Digest Mismatch"), "{report}");
    let checks = verify(&tampered, std::slice::from_ref(&ca.cert)).unwrap();
    assert!(!checks[0].intact && !checks[0].chain_trusted, "{:?}", checks[0]);
}

#[test]
fn a_second_signature_is_a_co_signature_and_both_stay_valid() {
    let (ca, first) = ca_and_signer();
    let key = sarabun_pades::ca::generate_key().unwrap();
    let public = sarabun_pades::p256::PublicKey::from(key.verifying_key());
    let cert = ca.issue("นางสาวสุดา รักงาน", "กรมบัญชีกลาง", &public, now(), 1).unwrap();
    let second =
        sarabun_pades::Signer {
            key, chain: vec![cert], name: "นางสาวสุดา รักงาน".into(), reason: None, location: None
        };
    let once = sign(&lopdf_letter(1, true), &first, now()).unwrap();
    let twice = sign(&once, &second, now()).unwrap();
    let checks = verify(&twice, std::slice::from_ref(&ca.cert)).unwrap();
    assert_eq!(checks.len(), 2);
    assert!(checks.iter().all(|c| c.intact && c.chain_trusted), "{checks:?}");
    assert_eq!(checks[0].later_revisions, 1);
    assert_eq!(checks[1].field, "Signature2");
    let report = pdfsig(&nss(&[&ca.cert]), &twice);
    assert_eq!(report.matches("Signature is Valid.").count(), 2, "{report}");
}

#[test]
fn an_unsigned_pdf_has_no_signatures() {
    let (ca, _) = ca_and_signer();
    assert!(verify(&lopdf_letter(1, false), std::slice::from_ref(&ca.cert)).unwrap().is_empty());
    assert!(verify(&prepare(&libreoffice_letter()).unwrap(), &[]).unwrap().is_empty());
}
