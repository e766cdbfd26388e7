//! `sarabun bench --audit-verify N`: `audit verify` end to end against the floor it can be held to.
//! The log is bulk-loaded to N entries (the same bytes and stored hashes `record` writes), one
//! checkpoint is signed, and then it prints: raw SHA-256 over the same leaf bytes (0x00 ‖ entry,
//! one call per entry, already in memory), `audit verify` reading the database, and their ratio.

use std::time::{Duration, Instant};

/// Fills the log and compares verification with hashing alone.
pub async fn run(
    backend: &str,
    corr: &sarabun_routing::Correspondence,
    db: &sea_orm::DatabaseConnection,
    entries: u64,
) -> anyhow::Result<()> {
    println!("sarabun bench --audit-verify {entries} on {backend}");
    let t = Instant::now();
    super::audit::bulk_fill(corr, db, entries).await?;
    println!("{:<34} {:>10.1} s (bulk load; not the node's path)", "fill", t.elapsed().as_secs_f64());
    corr.checkpoint().await?;

    let raw = raw_sha256(db, entries).await?;
    let t = Instant::now();
    let report = corr.verify_log(None).await?;
    let verify = t.elapsed();
    anyhow::ensure!(report.ok, "verify failed: {:?}", report.lines);
    let rate = |d: Duration| entries as f64 / d.as_secs_f64();
    println!(
        "{:<34} {:>10.0} entries/s (SHA-256 of 0x00 ‖ entry, in memory)",
        "raw SHA-256 of the leaf bytes",
        rate(raw)
    );
    println!(
        "{:<34} {:>10.0} entries/s ({:.2} s, reading the database included)",
        "audit verify",
        rate(verify),
        verify.as_secs_f64()
    );
    println!(
        "{:<34} {:>10.2}× (target ≤ 2)",
        "verify time / raw SHA-256 time",
        verify.as_secs_f64() / raw.as_secs_f64()
    );
    Ok(())
}

/// The time to hash every entry's leaf bytes once they are in memory (read beforehand, untimed),
/// best of three.
async fn raw_sha256(db: &sea_orm::DatabaseConnection, entries: u64) -> anyhow::Result<Duration> {
    use sha2::Digest;
    let mut bytes = Vec::new();
    let mut ends = Vec::with_capacity(entries as usize);
    let mut next = 0;
    let t = Instant::now();
    while next < entries {
        let batch = sarabun_registry::audit_log::entry_texts_from(db, next, 50_000).await?;
        anyhow::ensure!(!batch.is_empty(), "the log has fewer than {entries} entries");
        for (_, entry) in &batch {
            bytes.extend_from_slice(entry.as_bytes());
            ends.push(bytes.len());
        }
        next += batch.len() as u64;
    }
    println!(
        "{:<34} {:>10.0} entries/s (entry_texts_from, 50,000 a page)",
        "reading the entries alone",
        entries as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let count = sarabun_audit::stored_hash_count(entries);
    let mut first = 0;
    while first < count {
        let last = (first + 100_000).min(count) - 1;
        std::hint::black_box(sarabun_registry::audit_log::hashes_between(db, first, last).await?);
        first = last + 1;
    }
    println!(
        "{:<34} {:>10.0} entries/s (hashes_between, {count} hashes)",
        "reading the stored hashes alone",
        entries as f64 / t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut pages = sarabun_registry::log_pages::read_log(db, entries);
    let mut rows = 0;
    while let Some(page) = pages.recv().await {
        let page = page?;
        rows += page.entries.indexes.len() + page.hashes.len();
    }
    println!(
        "{:<34} {:>10.0} entries/s ({rows} rows, log_pages::read_log)",
        "reading pages as verify does",
        entries as f64 / t.elapsed().as_secs_f64(),
    );
    let once = || {
        let t = Instant::now();
        let mut start = 0;
        for &end in &ends {
            let mut h = sha2::Sha256::new();
            h.update([0u8]);
            h.update(&bytes[start..end]);
            std::hint::black_box(h.finalize());
            start = end;
        }
        t.elapsed()
    };
    Ok((0..3).map(|_| once()).min().unwrap_or_default())
}
