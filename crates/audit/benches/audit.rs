//! Throughput and latency figures for the audit log core, printed as plain text:
//! appends per second into a [`MemoryStore`], inclusion-proof latency at 1 and 10 million leaves,
//! and full-log root recomputation against raw SHA-256 over the same bytes.
//!
//! Run with `cargo bench --bench audit` (release profile). `AUDIT_BENCH_LEAVES` overrides the
//! large size (default 10,000,000), e.g. to keep a CI smoke run short.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sarabun_audit::*;
use sha2::{Digest, Sha256};

/// Size of a synthetic entry, close to a canonical-JSON audit entry with a short detail.
const ENTRY_LEN: usize = 300;

/// A canonical-JSON-like entry whose index field is rewritten in place, so that generating
/// entries costs next to nothing next to hashing them.
struct EntryGen {
    buf: Vec<u8>,
    digits: std::ops::Range<usize>,
}

impl EntryGen {
    fn new() -> Self {
        let head = r#"{"action":"letter.received","actor":"somchai.j@mof.go.th","at":"2025-11-25T08:25:00+07:00","detail":{"note":""#;
        let tail =
            r#""},"index":0000000000,"office":"กค 0302","subject":"letter/0b9e3c1a-5d2f-4e8a-9c71-2f6d8e4a1b33"}"#;
        let pad = ENTRY_LEN - head.len() - tail.len();
        let mut buf = Vec::with_capacity(ENTRY_LEN);
        buf.extend_from_slice(head.as_bytes());
        buf.extend(std::iter::repeat_n(b'x', pad));
        buf.extend_from_slice(tail.as_bytes());
        assert_eq!(buf.len(), ENTRY_LEN);
        let at = buf.len() - tail.len() + tail.find("0000000000").unwrap();
        Self { buf, digits: at..at + 10 }
    }

    fn entry(&mut self, i: u64) -> &[u8] {
        let mut n = i;
        for d in self.buf[self.digits.clone()].iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        &self.buf
    }
}

/// xorshift64*: reproducible query indexes without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn rate(count: u64, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64()
}

fn mb_per_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// Grows `store` to `target` leaves with generated entries; returns the time taken.
fn grow(store: &mut MemoryStore, gen_: &mut EntryGen, target: u64) -> Duration {
    let t = Instant::now();
    for i in store.size()..target {
        store.append(gen_.entry(i));
    }
    t.elapsed()
}

fn proof_latencies(store: &MemoryStore, queries: usize) {
    let size = store.size();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut times = Vec::with_capacity(queries);
    let mut total_len = 0;
    for _ in 0..queries {
        let index = rng.below(size);
        let t = Instant::now();
        let p = inclusion_proof(index, size, store).unwrap();
        times.push(t.elapsed());
        total_len += p.len();
        black_box(p);
    }
    times.sort();
    println!(
        "  inclusion proof @ {size} leaves: p50 {:?}  p99 {:?}  max {:?}  (avg {:.1} hashes, {queries} queries)",
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        times[times.len() - 1],
        total_len as f64 / queries as f64,
    );

    let mut times = Vec::with_capacity(queries);
    for _ in 0..queries {
        let old = 1 + rng.below(size - 1);
        let t = Instant::now();
        black_box(consistency_proof(old, size, store).unwrap());
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "  consistency proof @ {size} leaves: p50 {:?}  p99 {:?}",
        percentile(&times, 0.50),
        percentile(&times, 0.99),
    );

    let mut times = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let n = 1 + rng.below(size);
        let t = Instant::now();
        black_box(tree_hash(n, store).unwrap());
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "  tree hash of a random size ≤ {size}: p50 {:?}  p99 {:?}",
        percentile(&times, 0.50),
        percentile(&times, 0.99),
    );
}

fn full_log_recompute(leaves: u64) {
    let mut gen_ = EntryGen::new();
    let mut log = Vec::with_capacity(leaves as usize * ENTRY_LEN);
    for i in 0..leaves {
        log.extend_from_slice(gen_.entry(i));
    }
    let bytes = log.len() as u64;
    let best_of = |f: &dyn Fn() -> [u8; 32]| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                black_box(f());
                t.elapsed()
            })
            .min()
            .unwrap()
    };

    let root = best_of(&|| root_of_leaves(log.chunks_exact(ENTRY_LEN).map(leaf_hash)));
    let per_entry = best_of(&|| {
        let mut x = [0u8; 32];
        for e in log.chunks_exact(ENTRY_LEN) {
            let d: [u8; 32] = Sha256::digest(e).into();
            x[0] ^= d[0];
        }
        x
    });
    let one_shot = best_of(&|| Sha256::digest(&log).into());

    println!("full-log root recomputation, {leaves} entries of {ENTRY_LEN} bytes ({:.0} MB):", bytes as f64 / 1e6);
    println!(
        "  root_of_leaves (leaf + node hashes):  {:>12.0} leaves/s  {:>8.1} MB/s",
        rate(leaves, root),
        mb_per_s(bytes, root)
    );
    println!(
        "  raw SHA-256, one call per entry:      {:>12.0} entries/s {:>8.1} MB/s",
        rate(leaves, per_entry),
        mb_per_s(bytes, per_entry)
    );
    println!("  raw SHA-256, one stream of all bytes:                        {:>8.1} MB/s", mb_per_s(bytes, one_shot));
    println!(
        "  root_of_leaves / one-stream SHA-256 throughput: {:.0}%",
        100.0 * one_shot.as_secs_f64() / root.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; this harness has no options to parse.
    let large: u64 = std::env::var("AUDIT_BENCH_LEAVES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let small = large.min(1_000_000);
    println!("sarabun-audit benchmark (entries of {ENTRY_LEN} bytes, MemoryStore)");

    let mut gen_ = EntryGen::new();
    let mut store = MemoryStore::with_capacity(large);
    let d = grow(&mut store, &mut gen_, small);
    println!(
        "append (leaf hash + stored subtrees), first {small}: {:.0} appends/s ({:.2} µs each)",
        rate(small, d),
        d.as_secs_f64() * 1e6 / small as f64
    );
    // Tree upkeep alone, on a fresh store, with leaf hashes computed beforehand.
    let leaves: Vec<Hash> = (0..small).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let mut fresh = MemoryStore::with_capacity(small);
    let t = Instant::now();
    for l in &leaves {
        fresh.append_leaf_hash(*l);
    }
    let d_tree = t.elapsed();
    drop((fresh, leaves));
    println!("append of a precomputed leaf hash (tree upkeep only), {small}: {:.0} appends/s", rate(small, d_tree));
    proof_latencies(&store, 200_000);

    if large > small {
        let d = grow(&mut store, &mut gen_, large);
        println!(
            "append, leaves {small}..{large}: {:.0} appends/s ({} stored hashes, {:.0} MB)",
            rate(large - small, d),
            store.stored_hashes().len(),
            store.stored_hashes().len() as f64 * 32.0 / 1e6
        );
        proof_latencies(&store, 200_000);
    }
    drop(store);

    full_log_recompute(small);
}
