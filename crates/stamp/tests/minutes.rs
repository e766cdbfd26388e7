//! The minutes page (บันทึกเกษียน) on real letters: a clerk proposes a received letter, the
//! Director-General orders, the division head assigns, and each step is written on the letter's
//! PDF. Checked with independent tools: every earlier copy is a byte prefix, qpdf finds no fault,
//! poppler gives back each entry's Thai text, and signature images show up as images.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use sarabun_stamp::{MINUTES_MARKER, Minute, SignatureImage, StampError, add_minute, stamp_pdf};

fn at(rfc3339: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap()
}

fn proposal() -> Minute {
    Minute {
        heading: "เสนอ".into(),
        text: "เรียน อธิบดีกรมบัญชีกลาง\nกระทรวงการคลังขอให้พิจารณาร่างระเบียบว่าด้วยการเบิกจ่ายเงินจากคลัง เห็นควรมอบกองกฎหมายพิจารณา"
            .into(),
        name: "นางสาวมาลี ศรีสุข".into(),
        position: "เจ้าหน้าที่ธุรการ".into(),
        acting_for: None,
        at: at("2026-11-25T09:30:00+07:00"),
        signature: None,
    }
}

fn order() -> Minute {
    Minute {
        heading: "สั่งการ".into(),
        text: "มอบ กองกฎหมาย ดำเนินการ".into(),
        name: "นายสมชาย ใจดี".into(),
        position: "อธิบดีกรมบัญชีกลาง".into(),
        acting_for: None,
        at: at("2026-11-25T14:05:00+07:00"),
        signature: None,
    }
}

fn assignment() -> Minute {
    Minute {
        heading: "มอบหมาย".into(),
        text: "ให้นายวิชัยตรวจร่างระเบียบและเสนอความเห็นภายในวันศุกร์นี้".into(),
        name: "นางวันดี มั่นคง".into(),
        position: "นิติกรชำนาญการพิเศษ".into(),
        acting_for: Some("รักษาการแทน ผู้อำนวยการกองกฎหมาย".into()),
        at: at("2026-11-26T08:45:00+07:00"),
        signature: None,
    }
}

/// The stamped received copy of a fixture: where every route starts.
fn stamped(name: &str) -> Vec<u8> {
    stamp_pdf(&std::fs::read(fixtures_dir().join(name)).unwrap(), &sample_text()).unwrap()
}

fn save(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// All the text of a file, every whitespace removed (lines wrap where pdftotext puts newlines).
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn all_text(path: &Path) -> String {
    (1..=page_count(path)).map(|p| page_text(path, p)).collect::<Vec<_>>().join("\n")
}

fn assert_entry(text: &str, minute: &Minute) {
    let page = squeezed(text);
    for part in [&minute.heading, &minute.text, &format!("({})", minute.name), &minute.position] {
        assert!(page.contains(&squeezed(part)), "{part:?} not in:\n{text}");
    }
    if let Some(acting) = &minute.acting_for {
        assert!(page.contains(&squeezed(acting)), "{acting:?} not in:\n{text}");
    }
}

/// The minutes marker in the last page's dictionary: (next free y, sheet number, entries).
fn marker_of_last_page(bytes: &[u8]) -> (f32, i64, i64) {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let last = *doc.get_pages().values().last().unwrap();
    let page = doc.get_dictionary(last).unwrap();
    let marker = page.get(MINUTES_MARKER.as_bytes()).unwrap().as_dict().unwrap();
    (
        marker.get(b"Y").unwrap().as_float().unwrap(),
        marker.get(b"Sheet").unwrap().as_i64().unwrap(),
        marker.get(b"Entries").unwrap().as_i64().unwrap(),
    )
}

#[test]
fn the_directors_order_is_written_on_a_minutes_page_after_the_letter() {
    let dir = scratch("minutes-one");
    for fixture in stampable_fixtures() {
        let name = fixture.file_name().unwrap().to_string_lossy().to_string();
        let received = stamped(&name);
        let routed = add_minute(&received, &order()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(routed.starts_with(&received), "{name}: the stamped copy is not a prefix");
        assert!(routed.starts_with(&std::fs::read(&fixture).unwrap()), "{name}: the original is not a prefix");
        let out = save(&dir, &name, &routed);
        assert_qpdf_check(&out);
        let pages = page_count(&fixture);
        assert_eq!(page_count(&out), pages + 1, "{name}: one minutes page is added");
        let minutes = page_text(&out, pages + 1);
        assert!(minutes.contains("บันทึกเกษียน"), "{name}:\n{minutes}");
        assert!(minutes.contains("มอบ กองกฎหมาย ดำเนินการ"), "{name}:\n{minutes}");
        assert!(minutes.contains("(นายสมชาย ใจดี)"), "{name}:\n{minutes}");
        assert!(minutes.contains("อธิบดีกรมบัญชีกลาง"), "{name}:\n{minutes}");
        assert!(minutes.contains("25 พฤศจิกายน 2569 เวลา 14.05 น."), "{name}:\n{minutes}");
        // The letter's own pages read as before, stamp included.
        for page in 1..=pages {
            assert_eq!(page_text(&out, page), page_text(&save(&dir, "received.pdf", &received), page), "{name}");
        }
        // Rotated letters do not turn the minutes page: it has its own /Rotate 0 and boxes.
        let size =
            run("pdfinfo", &["-f", &(pages + 1).to_string(), "-l", &(pages + 1).to_string(), out.to_str().unwrap()]);
        let info = String::from_utf8_lossy(&size.stdout);
        let rot = info.lines().find(|l| l.contains("rot:")).map(|l| l.split_whitespace().last().unwrap_or_default());
        assert!(info.contains("pts (A4)") && rot == Some("0"), "{name}: {info}");
    }
}

#[test]
fn three_steps_in_a_row_share_one_minutes_page() {
    let dir = scratch("minutes-three");
    let received = stamped("ghostscript-2pages.pdf");
    let first = add_minute(&received, &proposal()).unwrap();
    let second = add_minute(&first, &order()).unwrap();
    let third = add_minute(&second, &assignment()).unwrap();
    assert!(first.starts_with(&received) && second.starts_with(&first) && third.starts_with(&second));
    for (i, bytes) in [&first, &second, &third].into_iter().enumerate() {
        let out = save(&dir, &format!("{i}.pdf"), bytes);
        assert_qpdf_check(&out);
        assert_eq!(page_count(&out), 3, "revision {i}: the one minutes page is reused");
    }
    let out = dir.join("2.pdf");
    let text = page_text(&out, 3);
    assert_entry(&text, &proposal());
    assert_entry(&text, &order());
    assert_entry(&text, &assignment());
    // In the order they were written.
    let p = text.find("เสนอ").unwrap();
    let o = text.find("สั่งการ").unwrap();
    let a = text.find("มอบหมาย").unwrap();
    assert!(p < o && o < a, "{text}");
    // The marker says where the next entry goes, lower after each one, and counts the entries.
    let marks: Vec<(f32, i64, i64)> = [&first, &second, &third].into_iter().map(|b| marker_of_last_page(b)).collect();
    assert!(marks[0].0 > marks[1].0 && marks[1].0 > marks[2].0, "{marks:?}");
    assert_eq!(marks.iter().map(|m| (m.1, m.2)).collect::<Vec<_>>(), [(1, 1), (1, 2), (1, 3)]);
}

#[test]
fn long_entries_overflow_onto_a_continuation_page() {
    let dir = scratch("minutes-overflow");
    let mut copy = stamped("cairo-3pages.pdf");
    let mut long = order();
    long.text = "ให้กองกฎหมายตรวจสอบข้อเท็จจริงและข้อกฎหมายที่เกี่ยวข้อง แล้วเสนอความเห็นประกอบการพิจารณา ".repeat(6);
    for n in 1..=4 {
        let next = add_minute(&copy, &long).unwrap();
        assert!(next.starts_with(&copy));
        copy = next;
        let out = save(&dir, &format!("{n}.pdf"), &copy);
        assert_qpdf_check(&out);
    }
    let out = dir.join("4.pdf");
    let pages = page_count(&out);
    assert!(pages >= 5, "four long entries need more than one minutes page ({pages} pages)");
    let continued = page_text(&out, 5);
    assert!(continued.contains("บันทึกเกษียน (ต่อ)"), "{continued}");
    assert!(!page_text(&out, 4).contains("(ต่อ)"));
    // Every entry is there, whole, across the pages.
    let all = squeezed(&all_text(&out));
    assert_eq!(all.matches(&squeezed(&long.text)).count(), 4);

    // One entry longer than a page flows over as many pages as it needs.
    let mut huge = order();
    huge.text = "มอบกองกฎหมายดำเนินการ ".repeat(200);
    let routed = add_minute(&stamped("cairo-3pages.pdf"), &huge).unwrap();
    let out = save(&dir, "huge.pdf", &routed);
    assert_qpdf_check(&out);
    assert!(page_count(&out) >= 6);
    let text = squeezed(&all_text(&out)).replace("บันทึกเกษียน(ต่อ)", "");
    assert!(text.contains(&squeezed(&huge.text)));
}

/// Thai is written without spaces: a long order wraps between words, never inside a cluster, and
/// poppler gives back exactly the text typed once the line breaks are taken out.
#[test]
fn a_long_thai_order_without_spaces_wraps_and_extracts_exactly() {
    let dir = scratch("minutes-wrap");
    let mut minute = order();
    minute.text = "ให้กองกฎหมายพิจารณาดำเนินการตามระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณพุทธศักราชสองพันห้าร้อยยี่สิบหกและที่แก้ไขเพิ่มเติมแล้วรายงานผลการดำเนินการให้ทราบภายในสามสิบวันนับแต่วันที่ได้รับหนังสือนี้เพื่อจะได้นำเรียนปลัดกระทรวงการคลังต่อไป".into();
    let routed = add_minute(&stamped("pdftex-xrefstream-annots.pdf"), &minute).unwrap();
    let out = save(&dir, "wrap.pdf", &routed);
    assert_qpdf_check(&out);
    let text = page_text(&out, 2);
    let lines: Vec<&str> =
        text.lines().filter(|l| squeezed(&minute.text).contains(&squeezed(l)) && !l.trim().is_empty()).collect();
    assert!(lines.len() >= 2, "the order wraps:\n{text}");
    assert!(text.replace('\n', "").contains(&minute.text), "{text}");
    for line in lines {
        let first = line.chars().next().unwrap();
        assert!(
            !('\u{0E31}'..='\u{0E3A}').contains(&first) && !('\u{0E47}'..='\u{0E4E}').contains(&first),
            "a line starts with a mark: {line:?}"
        );
    }
}

/// A small RGBA PNG of a pen stroke on a transparent background.
fn signature_png(width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![0u8; (width * height * 4) as usize];
    for x in 0..width {
        let y = (height as f32 / 2.0 + (x as f32 / 9.0).sin() * height as f32 / 3.0) as u32;
        for dy in 0..3 {
            let y = (y + dy).min(height - 1);
            let i = ((y * width + x) * 4) as usize;
            data[i..i + 4].copy_from_slice(&[10, 30, 140, 255]);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&data).unwrap();
    writer.finish().unwrap();
    out
}

/// A real JPEG made by poppler's libjpeg: a fixture page rendered small.
fn signature_jpeg(gray: bool) -> Vec<u8> {
    let dir = scratch(if gray { "jpeg-gray" } else { "jpeg-rgb" });
    let prefix = dir.join("sig");
    let src = fixtures_dir().join("ghostscript-2pages.pdf");
    let mut args = vec!["-jpeg", "-r", "20", "-f", "1", "-l", "1", "-singlefile"];
    if gray {
        args.push("-gray");
    }
    args.extend([src.to_str().unwrap(), prefix.to_str().unwrap()]);
    assert!(run("pdftoppm", &args).status.success());
    std::fs::read(dir.join("sig.jpg")).unwrap()
}

fn image_count(path: &Path) -> (usize, String) {
    let out = run("pdfimages", &["-list", path.to_str().unwrap()]);
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    (list.lines().skip(2).count(), list)
}

#[test]
fn signatures_in_png_and_jpeg_are_drawn_above_the_name() {
    let dir = scratch("minutes-signature");
    let received = stamped("qpdf-objstreams.pdf");
    let (before, _) = image_count(&save(&dir, "received.pdf", &received));
    let mut with_png = order();
    with_png.signature = Some(SignatureImage { bytes: signature_png(240, 80) });
    let mut with_jpeg = assignment();
    with_jpeg.signature = Some(SignatureImage { bytes: signature_jpeg(false) });
    let mut with_gray = proposal();
    with_gray.signature = Some(SignatureImage { bytes: signature_jpeg(true) });

    let one = add_minute(&received, &with_png).unwrap();
    let two = add_minute(&one, &with_jpeg).unwrap();
    let three = add_minute(&two, &with_gray).unwrap();
    let out = save(&dir, "signed.pdf", &three);
    assert_qpdf_check(&out);
    let (images, list) = image_count(&out);
    // The PNG with its soft mask, then the two JPEGs.
    assert_eq!(images, before + 4, "{list}");
    assert!(list.contains("smask"), "{list}");
    assert!(list.contains("jpeg"), "{list}");
    let text = page_text(&out, page_count(&out));
    assert_entry(&text, &with_png);
    assert_entry(&text, &with_jpeg);
    // poppler renders it without complaint.
    let render = run(
        "pdftoppm",
        &["-png", "-r", "30", "-f", "3", "-l", "3", out.to_str().unwrap(), dir.join("p").to_str().unwrap()],
    );
    assert!(render.status.success() && render.stderr.is_empty(), "{}", String::from_utf8_lossy(&render.stderr));
}

#[test]
fn bad_signature_images_are_refused_with_a_stable_code() {
    let received = stamped("cairo-3pages.pdf");
    let with = |bytes: Vec<u8>| {
        let mut m = order();
        m.signature = Some(SignatureImage { bytes });
        add_minute(&received, &m).unwrap_err()
    };
    // Not an image at all, whatever its name said; a GIF; a PDF posing as a signature.
    assert_eq!(with(b"hello".to_vec()).code(), "signature_image_invalid");
    assert_eq!(with(b"GIF89a\x01\x00\x01\x00".to_vec()).code(), "signature_image_invalid");
    assert_eq!(with(received.clone()).code(), "signature_image_invalid");
    // A PNG cut short, and a JPEG with no frame header.
    let png = signature_png(100, 40);
    assert_eq!(with(png[..png.len() / 2].to_vec()).code(), "signature_image_invalid");
    assert_eq!(with(vec![0xFF, 0xD8, 0xFF, 0xD9]).code(), "signature_image_invalid");
    // Over 1 MiB.
    let mut big = signature_jpeg(false);
    big.resize(sarabun_stamp::MAX_SIGNATURE_BYTES + 1, 0);
    assert!(matches!(with(big), StampError::SignatureImageTooLarge { .. }));
    // Too many pixels: a PNG 2001 pixels wide (small on disk, large in memory).
    let err = with(signature_png(sarabun_stamp::MAX_SIGNATURE_SIDE + 1, 10));
    assert_eq!(err.code(), "signature_image_too_many_pixels", "{err}");
    // A JPEG header claiming 60000 × 60000 pixels.
    let mut huge = signature_jpeg(true);
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    assert_eq!(with(huge).code(), "signature_image_too_many_pixels");
    assert!(with(b"x".to_vec()).to_string().contains("not a usable PNG or JPEG"));
}

#[test]
fn empty_text_or_name_and_unusable_files_are_refused() {
    let received = stamped("cairo-3pages.pdf");
    let mut m = order();
    m.text = " \n ".into();
    assert_eq!(add_minute(&received, &m).unwrap_err().code(), "invalid_text");
    let mut m = order();
    m.name = "".into();
    assert_eq!(add_minute(&received, &m).unwrap_err().code(), "invalid_text");
    let mut m = order();
    m.text = "ก".repeat(sarabun_stamp::MAX_MINUTE_CHARS + 1);
    assert_eq!(add_minute(&received, &m).unwrap_err().code(), "invalid_text");

    assert_eq!(add_minute(b"", &order()), Err(StampError::NotPdf));
    assert_eq!(add_minute(b"not a pdf at all", &order()), Err(StampError::NotPdf));
    assert_eq!(add_minute(b"%PDF-1.7\n% nothing\n", &order()).unwrap_err().code(), "damaged");
    for name in ["encrypted-empty-password.pdf", "encrypted-user-password.pdf"] {
        let bytes = std::fs::read(fixtures_dir().join(name)).unwrap();
        assert_eq!(add_minute(&bytes, &order()), Err(StampError::Encrypted), "{name}");
    }
}

/// A letter whose page tree is nested (a /Pages node under the root) and whose cross-references
/// are a stream: the minutes page is appended to the root, and /Count stays right everywhere.
#[test]
fn nested_page_trees_and_xref_streams_get_the_page_at_the_end() {
    let dir = scratch("minutes-nested");
    // qpdf rewrites cairo's classic file with object streams and a cross-reference stream.
    let classic = fixtures_dir().join("cairo-3pages.pdf");
    let xref_stream = dir.join("xref-stream.pdf");
    let made = run("qpdf", &["--object-streams=generate", classic.to_str().unwrap(), xref_stream.to_str().unwrap()]);
    assert!(made.status.success());
    // A two-level tree whose root also says /Rotate 90, which the minutes page must not inherit.
    let nested_tree = nested_tree_pdf(20);
    for (name, bytes) in [("xref-stream", std::fs::read(&xref_stream).unwrap()), ("nested", nested_tree)] {
        let before = save(&dir, &format!("{name}-before.pdf"), &bytes);
        let pages = page_count(&before);
        let once = add_minute(&bytes, &order()).unwrap();
        let twice = add_minute(&once, &assignment()).unwrap();
        assert!(twice.starts_with(&once) && once.starts_with(&bytes));
        let out = save(&dir, &format!("{name}.pdf"), &twice);
        assert_qpdf_check(&out);
        assert_eq!(page_count(&out), pages + 1, "{name}");
        let text = page_text(&out, pages + 1);
        assert_entry(&text, &order());
        assert_entry(&text, &assignment());
        // Earlier pages unchanged.
        assert_eq!(page_text(&out, pages), page_text(&before, pages), "{name}");
    }
}

/// A PDF with `pages` pages in a two-level tree: the root holds /Pages nodes of 5 pages each.
fn nested_tree_pdf(pages: usize) -> Vec<u8> {
    use lopdf::{Dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.4");
    let root_id = doc.new_object_id();
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Subtype", Object::Name(b"Type1".to_vec()));
    font.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
    let font_id = doc.add_object(font);
    let mut nodes = Vec::new();
    for chunk in 0..pages.div_ceil(5) {
        let node_id = doc.new_object_id();
        let mut kids = Vec::new();
        for n in chunk * 5..(chunk * 5 + 5).min(pages) {
            let content = format!("BT /F1 14 Tf 72 760 Td (Nested page {}) Tj ET", n + 1);
            let content_id = doc.add_object(Stream::new(Dictionary::new(), content.into_bytes()));
            let mut fonts = Dictionary::new();
            fonts.set("F1", Object::Reference(font_id));
            let mut resources = Dictionary::new();
            resources.set("Font", Object::Dictionary(fonts));
            let mut page = Dictionary::new();
            page.set("Type", Object::Name(b"Page".to_vec()));
            page.set("Parent", Object::Reference(node_id));
            page.set("Contents", Object::Reference(content_id));
            page.set("Resources", Object::Dictionary(resources));
            kids.push(Object::Reference(doc.add_object(page)));
        }
        let mut node = Dictionary::new();
        node.set("Type", Object::Name(b"Pages".to_vec()));
        node.set("Parent", Object::Reference(root_id));
        node.set("Count", Object::Integer(kids.len() as i64));
        node.set("Kids", Object::Array(kids));
        doc.objects.insert(node_id, Object::Dictionary(node));
        nodes.push(Object::Reference(node_id));
    }
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"Pages".to_vec()));
    root.set("Count", Object::Integer(pages as i64));
    root.set("Kids", Object::Array(nodes));
    root.set("MediaBox", Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]));
    root.set("Rotate", Object::Integer(90));
    doc.objects.insert(root_id, Object::Dictionary(root));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", Object::Reference(root_id));
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", Object::Reference(catalog_id));
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// The same minute on the same copy gives the same bytes: the routed copy's digest recorded in
/// the step can be recomputed.
#[test]
fn the_same_minute_gives_the_same_bytes() {
    let received = stamped("ghostscript-2pages.pdf");
    let mut m = order();
    m.signature = Some(SignatureImage { bytes: signature_png(120, 40) });
    assert_eq!(add_minute(&received, &m).unwrap(), add_minute(&received, &m).unwrap());
}

/// A hand-written PDF without cross-reference table (readers repair it): the update then lists
/// every object, and the next minute chains to it normally.
#[test]
fn a_pdf_without_xref_gets_a_complete_one_with_its_minutes_page() {
    let pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\ntrailer\n<< /Size 4 /Root 1 0 R >>\n%%EOF\n";
    let once = add_minute(pdf, &order()).unwrap();
    let twice = add_minute(&once, &proposal()).unwrap();
    assert!(twice.starts_with(&once) && once.starts_with(pdf));
    let dir = scratch("minutes-no-xref");
    let out = save(&dir, "twice.pdf", &twice);
    assert_qpdf_check(&out);
    assert_eq!(page_count(&out), 2);
    let text = page_text(&out, 2);
    assert_entry(&text, &order());
    assert_entry(&text, &proposal());
}
