//! Damaged uploads must give an error, never a panic: truncated and bit-flipped versions of every
//! fixture are stamped, and whatever comes back must be a clean `Ok` or `Err`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use sarabun_stamp::{StampError, stamp_pdf};

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

#[test]
fn truncated_and_bit_flipped_fixtures_never_panic() {
    // stamp_pdf turns a panic inside the PDF parser into an error; the hook counts them so this
    // test still notices one (and can name the input), instead of it being silently absorbed.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));

    let text = sample_text();
    let mut rng = XorShift(0x5eed_2569);
    let mut runs = 0;
    let mut oks = 0;
    let mut errors = std::collections::BTreeMap::<&'static str, usize>::new();
    for path in stampable_fixtures() {
        let original = std::fs::read(&path).unwrap();
        let mut corpus: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..32 {
            let cut = original.len() * i / 32;
            corpus.push((format!("truncated at {cut}"), original[..cut].to_vec()));
        }
        for _ in 0..64 {
            let mut bytes = original.clone();
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
        for (what, bytes) in corpus {
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
