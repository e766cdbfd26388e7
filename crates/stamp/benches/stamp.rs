//! Stamping time and peak memory for a 1-page letter, a 100-page PDF and a ~50 MB scanned-like
//! PDF, and the time to write one minute (บันทึกเกษียน) on a 100-page letter: the first, which adds
//! the minutes page, and one more below earlier ones. The inputs are generated at run time
//! (nothing big is committed). Run with `cargo bench --bench stamp` (release mode); it prints one
//! line per input.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use lopdf::{Dictionary, Document, Object, Stream};
use sarabun_stamp::{Minute, StampText, add_minute, stamp_pdf};

/// Counts live heap bytes and their high-water mark, to measure stamping's peak memory.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A PDF with `pages` pages of text, each also drawing an incompressible `image_bytes` image
/// when that is non-zero (a stand-in for a scanned letter's JPEG pages).
fn make_pdf(pages: usize, image_bytes: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Subtype", Object::Name(b"Type1".to_vec()));
    font.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
    let font_id = doc.add_object(font);
    let mut seed = 0x2569u64;
    let mut kids = Vec::with_capacity(pages);
    for n in 0..pages {
        let mut resources = Dictionary::new();
        let mut fonts = Dictionary::new();
        fonts.set("F1", Object::Reference(font_id));
        resources.set("Font", Object::Dictionary(fonts));
        let mut content = format!("BT /F1 12 Tf 72 760 Td (Page {} of a generated letter) Tj ET\n", n + 1);
        if image_bytes > 0 {
            let side = ((image_bytes / 3) as f64).sqrt() as i64;
            let mut data = vec![0u8; (side * side * 3) as usize];
            for b in data.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = seed as u8;
            }
            let mut dict = Dictionary::new();
            dict.set("Type", Object::Name(b"XObject".to_vec()));
            dict.set("Subtype", Object::Name(b"Image".to_vec()));
            dict.set("Width", Object::Integer(side));
            dict.set("Height", Object::Integer(side));
            dict.set("ColorSpace", Object::Name(b"DeviceRGB".to_vec()));
            dict.set("BitsPerComponent", Object::Integer(8));
            let image_id = doc.add_object(Stream::new(dict, data));
            let mut xobjects = Dictionary::new();
            xobjects.set("Im1", Object::Reference(image_id));
            resources.set("XObject", Object::Dictionary(xobjects));
            content.push_str("q 595 0 0 842 0 0 cm /Im1 Do Q\n");
        }
        let content_id = doc.add_object(Stream::new(Dictionary::new(), content.into_bytes()));
        let mut page = Dictionary::new();
        page.set("Type", Object::Name(b"Page".to_vec()));
        page.set("Parent", Object::Reference(pages_id));
        page.set("Contents", Object::Reference(content_id));
        page.set("Resources", Object::Dictionary(resources));
        kids.push(Object::Reference(doc.add_object(page)));
    }
    let mut tree = Dictionary::new();
    tree.set("Type", Object::Name(b"Pages".to_vec()));
    tree.set("Count", Object::Integer(pages as i64));
    tree.set("Kids", Object::Array(kids));
    tree.set("MediaBox", Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()]));
    doc.objects.insert(pages_id, Object::Dictionary(tree));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", Object::Reference(pages_id));
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", Object::Reference(catalog_id));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("generated PDF saves");
    out
}

fn measure(label: &str, pdf: &[u8], iterations: u32) {
    let text = StampText {
        office_name: "สำนักงานปลัดกระทรวง กองกฎหมาย".into(),
        receive_number: 12,
        received_at: chrono::DateTime::parse_from_rfc3339("2026-11-24T09:05:00+07:00").unwrap(),
    };
    // Warm-up, and a check that the input really is stampable.
    let stamped = stamp_pdf(pdf, &text).expect("bench input stamps");
    let added = stamped.len() - pdf.len();
    drop(stamped);

    let mut times: Vec<Duration> = Vec::with_capacity(iterations as usize);
    let mut peak_extra = 0usize;
    for _ in 0..iterations {
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let start = Instant::now();
        let out = stamp_pdf(pdf, &text).unwrap();
        times.push(start.elapsed());
        drop(out);
        peak_extra = peak_extra.max(PEAK.load(Ordering::Relaxed) - base);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{label:<28} input {:>10.2} MB  median {:>9.2} ms  (min {:>8.2} ms, n={iterations})  \
         peak heap {:>8.2} MB ({:.2}x input)  appended {:.1} KB",
        pdf.len() as f64 / 1e6,
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        peak_extra as f64 / 1e6,
        peak_extra as f64 / pdf.len() as f64,
        added as f64 / 1e3,
    );
}

/// Time `add_minute` on `pdf`, printing the median and 99th percentile.
fn measure_minute(label: &str, pdf: &[u8], iterations: u32) {
    let minute = Minute {
        heading: "สั่งการ".into(),
        text: "มอบ กองกฎหมาย ดำเนินการ ให้พิจารณาร่างระเบียบและเสนอความเห็นภายในสามสิบวันนับแต่วันที่ได้รับหนังสือนี้".into(),
        name: "นายสมชาย ใจดี".into(),
        position: "อธิบดีกรมบัญชีกลาง".into(),
        acting_for: Some("รักษาการแทน ผู้อำนวยการกองกฎหมาย".into()),
        at: chrono::DateTime::parse_from_rfc3339("2026-11-25T14:05:00+07:00").unwrap(),
        signature: None,
    };
    let added = add_minute(pdf, &minute).expect("bench input takes a minute").len() - pdf.len();
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            let out = add_minute(pdf, &minute).unwrap();
            let elapsed = start.elapsed();
            drop(out);
            elapsed
        })
        .collect();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{label:<28} input {:>10.2} MB  p50 {:>9.2} ms  p99 {:>8.2} ms  (n={iterations})  appended {:.1} KB",
        pdf.len() as f64 / 1e6,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        added as f64 / 1e3,
    );
}

fn main() {
    let fixture = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pdftex-xrefstream-annots.pdf"))
        .expect("fixture");
    measure("1-page letter (pdfTeX)", &fixture, 200);
    measure("1-page letter (generated)", &make_pdf(1, 0), 200);
    measure("100-page PDF", &make_pdf(100, 0), 50);
    measure("10 scanned pages (~10 MB)", &make_pdf(10, 1_000_000), 10);
    measure("50 scanned pages (~50 MB)", &make_pdf(50, 1_000_000), 5);

    let text = StampText {
        office_name: "กรมบัญชีกลาง".into(),
        receive_number: 1,
        received_at: chrono::DateTime::parse_from_rfc3339("2026-11-25T09:00:00+07:00").unwrap(),
    };
    let received = stamp_pdf(&make_pdf(100, 0), &text).unwrap();
    measure_minute("first minute, 100 pages", &received, 100);
    let proposal = Minute {
        heading: "เสนอ".into(),
        text: "เห็นควรมอบกองกฎหมายพิจารณา".into(),
        name: "นางสาวมาลี ศรีสุข".into(),
        position: "เจ้าหน้าที่ธุรการ".into(),
        acting_for: None,
        at: chrono::DateTime::parse_from_rfc3339("2026-11-25T09:30:00+07:00").unwrap(),
        signature: None,
    };
    let proposed = add_minute(&received, &proposal).unwrap();
    measure_minute("second minute, 100 pages", &proposed, 100);
}
