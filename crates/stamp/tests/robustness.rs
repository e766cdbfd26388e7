//! Damaged uploads must give an error, never a panic: truncated and bit-flipped versions of every
//! fixture are stamped, and truncated and bit-flipped routed copies (a minutes page already on
//! them) and signature images are written on, and whatever comes back must be a clean `Ok` or
//! `Err`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use sarabun_stamp::{Minute, SignatureImage, StampError, add_minute, stamp_pdf};

/// A small deterministic generator, so a failure can be reproduced from the test output.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// stamp_pdf and add_minute turn a panic inside the PDF parser into an error; the hook counts
/// them so these tests still notice one (and can name the input), instead of it being silently
/// absorbed.
fn count_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default_hook(info);
        }));
    });
}

/// 32 truncations and 64 copies with 1–8 flipped bits of `original`.
fn mangled(original: &[u8], rng: &mut XorShift) -> Vec<(String, Vec<u8>)> {
    let mut corpus: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..32 {
        let cut = original.len() * i / 32;
        corpus.push((format!("truncated at {cut}"), original[..cut].to_vec()));
    }
    for _ in 0..64 {
        let mut bytes = original.to_vec();
        let flips = 1 + rng.next() % 8;
        let mut what = String::from("flipped");
        for _ in 0..flips {
            let at = (rng.next() % bytes.len() as u64) as usize;
            let bit = 1u8 << (rng.next() % 8);
            bytes[at] ^= bit;
            what.push_str(&format!(" {at}:{bit:#04x}"));
        }
        corpus.push((what, bytes));
    }
    corpus
}

fn order(signature: Option<SignatureImage>) -> Minute {
    Minute {
        heading: "สั่งการ".into(),
        text: "มอบ กองกฎหมาย ดำเนินการ".into(),
        name: "นายสมชาย ใจดี".into(),
        position: "อธิบดีกรมบัญชีกลาง".into(),
        acting_for: None,
        at: chrono::DateTime::parse_from_rfc3339("2026-11-25T14:05:00+07:00").unwrap(),
        signature,
    }
}

#[test]
fn damaged_routed_copies_and_signature_images_never_panic() {
    count_panics();
    let mut rng = XorShift(0x6e5e_2569);
    let (mut runs, mut oks) = (0, 0);
    let mut errors = std::collections::BTreeMap::<&'static str, usize>::new();
    for path in stampable_fixtures() {
        let stamped = stamp_pdf(&std::fs::read(&path).unwrap(), &sample_text()).unwrap();
        let routed = add_minute(&stamped, &order(None)).unwrap();
        for (what, bytes) in mangled(&routed, &mut rng) {
            let before = PANICS.load(Ordering::SeqCst);
            let result = add_minute(&bytes, &order(None));
            assert_eq!(PANICS.load(Ordering::SeqCst), before, "{}: {what}: panicked", path.display());
            runs += 1;
            match result {
                Ok(next) => {
                    assert!(next.starts_with(&bytes), "{}: {what}", path.display());
                    oks += 1;
                }
                Err(e) => *errors.entry(e.code()).or_default() += 1,
            }
        }
    }
    // Signature images: a PNG and a JPEG, damaged.
    let stamped = stamp_pdf(&std::fs::read(fixtures_dir().join("cairo-3pages.pdf")).unwrap(), &sample_text()).unwrap();
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, 64, 16);
        encoder.set_color(png::ColorType::GrayscaleAlpha);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&(0..64 * 16 * 2).map(|i| (i * 7) as u8).collect::<Vec<_>>()).unwrap();
    }
    let jpeg = {
        let dir = scratch("robust-jpeg");
        let src = fixtures_dir().join("ghostscript-2pages.pdf");
        let prefix = dir.join("sig");
        let args = ["-jpeg", "-r", "10", "-singlefile", src.to_str().unwrap(), prefix.to_str().unwrap()];
        assert!(run("pdftoppm", &args).status.success());
        std::fs::read(dir.join("sig.jpg")).unwrap()
    };
    for image in [png_bytes, jpeg] {
        for (what, bytes) in mangled(&image, &mut rng) {
            let before = PANICS.load(Ordering::SeqCst);
            let result = add_minute(&stamped, &order(Some(SignatureImage { bytes })));
            assert_eq!(PANICS.load(Ordering::SeqCst), before, "signature {what}: panicked");
            runs += 1;
            match result {
                Ok(next) => {
                    assert!(next.starts_with(&stamped));
                    oks += 1;
                }
                Err(e) => *errors.entry(e.code()).or_default() += 1,
            }
        }
    }
    eprintln!("{runs} damaged inputs: {oks} written on, errors {errors:?}");
}

#[test]
fn truncated_and_bit_flipped_fixtures_never_panic() {
    count_panics();

    let text = sample_text();
    let mut rng = XorShift(0x5eed_2569);
    let mut runs = 0;
    let mut oks = 0;
    let mut errors = std::collections::BTreeMap::<&'static str, usize>::new();
    for path in stampable_fixtures() {
        let original = std::fs::read(&path).unwrap();
        for (what, bytes) in mangled(&original, &mut rng) {
            let before = PANICS.load(Ordering::SeqCst);
            let result = stamp_pdf(&bytes, &text);
            assert_eq!(PANICS.load(Ordering::SeqCst), before, "{}: {what}: panicked", path.display());
            runs += 1;
            match result {
                Ok(stamped) => {
                    assert!(stamped.starts_with(&bytes), "{}: {what}", path.display());
                    oks += 1;
                }
                Err(e) => {
                    assert!(!matches!(e, StampError::InvalidText(_)), "{e}");
                    *errors.entry(e.code()).or_default() += 1;
                }
            }
        }
    }
    eprintln!("{runs} damaged inputs: {oks} stamped, errors {errors:?}");
}
