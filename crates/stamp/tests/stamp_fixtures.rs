//! Stamps real PDFs written by different producers and checks the result with independent tools:
//! the original is a byte prefix, qpdf finds no fault, poppler extracts the Thai stamp text, and
//! nothing but page 1 changes.

mod common;

use common::*;
use sarabun_stamp::{StampError, stamp_pdf};

#[test]
fn every_fixture_is_stamped_as_an_incremental_update() {
    let dir = scratch("fixtures");
    for path in stampable_fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let original = std::fs::read(&path).unwrap();
        let stamped = stamp_pdf(&original, &sample_text()).unwrap_or_else(|e| panic!("{name}: stamping failed: {e}"));
        assert!(stamped.starts_with(&original), "{name}: original is not a byte prefix");
        assert!(stamped.len() > original.len());

        let out = dir.join(&name);
        std::fs::write(&out, &stamped).unwrap();
        assert_qpdf_check(&out);
        assert_eq!(page_count(&out), page_count(&path), "{name}: page count changed");

        let text = page_text(&out, 1);
        for line in SAMPLE_LINES {
            assert!(text.contains(line), "{name}: page 1 text lacks {line:?}:\n{text}");
        }
        // The original page 1 text is still there too.
        for word in page_text(&path, 1).split_whitespace() {
            assert!(text.contains(word), "{name}: original word {word:?} lost");
        }
        for page in 2..=page_count(&path) {
            assert_eq!(page_text(&out, page), page_text(&path, page), "{name}: page {page} changed");
        }
    }
}

#[test]
fn a_stamped_file_can_be_stamped_again() {
    let dir = scratch("twice");
    for path in stampable_fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let once = stamp_pdf(&std::fs::read(&path).unwrap(), &sample_text()).unwrap();
        let mut text = sample_text();
        text.receive_number = 13;
        let twice = stamp_pdf(&once, &text).unwrap();
        assert!(twice.starts_with(&once));
        let out = dir.join(&name);
        std::fs::write(&out, &twice).unwrap();
        assert_qpdf_check(&out);
        let page = page_text(&out, 1);
        // The second stamp goes below the first instead of on top of it.
        assert!(page.contains("เลขรับ 12") && page.contains("เลขรับ 13"), "{name}:\n{page}");
    }
}

#[test]
fn annotations_forms_and_other_pages_survive() {
    for path in stampable_fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let original = std::fs::read(&path).unwrap();
        let stamped = stamp_pdf(&original, &sample_text()).unwrap();
        let before = lopdf::Document::load_mem(&original).unwrap();
        let after = lopdf::Document::load_mem(&stamped).unwrap();
        let catalog = |d: &lopdf::Document| d.catalog().unwrap().clone();
        assert_eq!(
            catalog(&before).get(b"AcroForm").ok(),
            catalog(&after).get(b"AcroForm").ok(),
            "{name}: AcroForm changed"
        );
        let pages_before = before.get_pages();
        let pages_after = after.get_pages();
        assert_eq!(pages_before, pages_after, "{name}: page objects changed");
        let page1 = |d: &lopdf::Document| d.get_dictionary(pages_before[&1]).unwrap().clone();
        assert_eq!(
            page1(&before).get(b"Annots").ok(),
            page1(&after).get(b"Annots").ok(),
            "{name}: page 1 annotations changed"
        );
        for (number, id) in pages_before.iter().skip(1) {
            assert_eq!(
                before.get_object(*id).unwrap(),
                after.get_object(*id).unwrap(),
                "{name}: page {number} object changed"
            );
        }
    }
    // The pdfTeX fixture has both a link and a form field on page 1.
    let path = fixtures_dir().join("pdftex-xrefstream-annots.pdf");
    let stamped = stamp_pdf(&std::fs::read(&path).unwrap(), &sample_text()).unwrap();
    let out = scratch("annots").join("stamped.pdf");
    std::fs::write(&out, &stamped).unwrap();
    let qdf = run("qpdf", &["--qdf", "--object-streams=disable", out.to_str().unwrap(), "-"]);
    let qdf = String::from_utf8_lossy(&qdf.stdout);
    assert!(qdf.contains("/Subtype /Widget") && qdf.contains("/Subtype /Link"));
}

#[test]
fn encrypted_files_are_refused() {
    for name in ["encrypted-empty-password.pdf", "encrypted-user-password.pdf"] {
        let bytes = std::fs::read(fixtures_dir().join(name)).unwrap();
        assert_eq!(stamp_pdf(&bytes, &sample_text()), Err(StampError::Encrypted), "{name}");
    }
}

#[test]
fn non_pdfs_and_broken_pdfs_are_refused() {
    let text = sample_text();
    assert_eq!(stamp_pdf(b"", &text), Err(StampError::NotPdf));
    assert_eq!(stamp_pdf(b"hello, this is not a pdf", &text), Err(StampError::NotPdf));
    assert_eq!(stamp_pdf(&[0x89, b'P', b'N', b'G', 0, 0], &text), Err(StampError::NotPdf));
    let err = stamp_pdf(b"%PDF-1.7\n% nothing else here\n", &text).unwrap_err();
    assert!(matches!(err, StampError::Damaged(_)), "{err:?}");
    assert_eq!(err.code(), "damaged");
    assert!(!err.to_string().is_empty());
}

#[test]
fn a_pdf_without_pages_is_refused() {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for body in ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"] {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", offsets.len()).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 3\n0000000000 65535 f\r\n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    pdf.extend_from_slice(format!("trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    assert_eq!(stamp_pdf(&pdf, &sample_text()), Err(StampError::NoPages));
}

#[test]
fn an_empty_office_name_is_refused() {
    let bytes = std::fs::read(fixtures_dir().join("cairo-3pages.pdf")).unwrap();
    let mut text = sample_text();
    text.office_name = "  ".into();
    assert_eq!(stamp_pdf(&bytes, &text).unwrap_err().code(), "invalid_text");
}

#[test]
fn a_long_office_name_still_fits_and_extracts() {
    let bytes = std::fs::read(fixtures_dir().join("ghostscript-2pages.pdf")).unwrap();
    let mut text = sample_text();
    text.office_name = "สำนักงานคณะกรรมการพัฒนาระบบราชการ กระทรวงมหาดไทย จังหวัดเชียงใหม่".into();
    let stamped = stamp_pdf(&bytes, &text).unwrap();
    let out = scratch("long").join("long.pdf");
    std::fs::write(&out, &stamped).unwrap();
    assert_qpdf_check(&out);
    assert!(page_text(&out, 1).contains(text.office_name.as_str()));
}

/// Clusters where shaping reorders or substitutes glyphs (tone mark + SARA AM, a consonant that
/// loses its lower part under a below vowel, stacked marks) still extract as the typed text.
#[test]
fn hard_thai_clusters_extract_exactly() {
    let bytes = std::fs::read(fixtures_dir().join("cairo-3pages.pdf")).unwrap();
    let dir = scratch("clusters");
    for (i, office) in [
        "กรมทรัพยากรน้ำบาดาล",
        "กรมบัญชีกลาง ฐานทัพเรือสัตหีบ",
        "สำนักงานคณะกรรมการกฤษฎีกา ที่ทำการปกครองอำเภอ",
        "ศูนย์ปฏิบัติการน้ำท่วม ฎีกา ญาติ ฤๅษี",
    ]
    .into_iter()
    .enumerate()
    {
        let mut text = sample_text();
        text.office_name = office.into();
        let out = dir.join(format!("{i}.pdf"));
        std::fs::write(&out, stamp_pdf(&bytes, &text).unwrap()).unwrap();
        let page = page_text(&out, 1);
        assert!(page.contains(office), "{office:?} not in:\n{page}");
    }
}

/// Files whose cross-reference data is broken are repaired by lopdf; the update then carries a
/// complete cross-reference section, so other readers need no repair either.
#[test]
fn files_with_broken_xref_get_a_complete_one() {
    let dir = scratch("repaired");
    for name in ["ghostscript-2pages.pdf", "cairo-3pages.pdf", "pdftex-xrefstream-annots.pdf"] {
        let original = std::fs::read(fixtures_dir().join(name)).unwrap();
        let at = original.windows(9).rposition(|w| w == b"startxref").unwrap();
        // A wrong startxref offset, and a file cut off before its cross-reference data.
        let mut wrong_offset = original[..at].to_vec();
        wrong_offset.extend_from_slice(b"startxref\n17\n%%EOF\n");
        let xref_at = original
            .windows(4)
            .rposition(|w| w == b"xref")
            .map(|p| if original[p - 1] == b't' { p - 5 } else { p })
            .unwrap();
        let cut_off = original[..xref_at].to_vec();
        for (what, bytes) in [("wrong-offset", wrong_offset), ("cut-off", cut_off)] {
            let stamped = stamp_pdf(&bytes, &sample_text()).unwrap_or_else(|e| panic!("{name} {what}: {e}"));
            assert!(stamped.starts_with(&bytes));
            let out = dir.join(format!("{what}-{name}"));
            std::fs::write(&out, &stamped).unwrap();
            assert_qpdf_check(&out);
            let text = page_text(&out, 1);
            assert!(text.contains("เลขรับ 12"), "{name} {what}:\n{text}");
        }
    }
}

#[test]
fn a_pdf_with_too_many_objects_is_refused_before_it_is_read() {
    let text = sarabun_stamp::StampText {
        office_name: "กรมบัญชีกลาง".into(),
        receive_number: 1,
        received_at: chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00+07:00").unwrap(),
    };
    let mut pdf = b"%PDF-1.7\n".to_vec();
    for n in 1..=sarabun_stamp::MAX_OBJECTS + 1 {
        pdf.extend_from_slice(format!("{n} 0 obj\n<< >>\nendobj\n").as_bytes());
    }
    pdf.extend_from_slice(b"trailer\n<< /Size 3 >>\n%%EOF\n");
    assert_eq!(sarabun_stamp::object_count(&pdf), sarabun_stamp::MAX_OBJECTS + 1);
    let err = sarabun_stamp::stamp_pdf(&pdf, &text).unwrap_err();
    assert_eq!(err.code(), "too_complex", "{err}");
    // A declared /Size counts too: objects packed in object streams have no `endobj` of their own.
    assert_eq!(sarabun_stamp::object_count(b"%PDF-1.7\n<< /Type /XRef /Size 650000 >>"), 650_000);
}
