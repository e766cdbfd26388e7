//! `sarabun bench --audit-entries N`: the audit log through the real database path — appends (one
//! transaction each, and concurrent), inclusion-proof latency and full-log verification — and the
//! bulk loader the audit benchmarks share.

use super::report;
use futures_util::StreamExt;
use sarabun_domain::EventKind;
use sarabun_routing::AuditEvent;
use serde_json::json;
use std::time::{Duration, Instant};

pub fn bench_event(i: u64) -> AuditEvent {
    AuditEvent {
        actor: "clerk.cgd".into(),
        office: "กค 0400".into(),
        action: EventKind::DeliveryReceived,
        subject: format!("delivery/01938f6e-0000-7000-8000-{i:012}"),
        letter_id: Some(format!("01938f6e-0000-7000-9000-{i:012}")),
        delivery_id: None,
        detail: json!({"letter_id": format!("01938f6e-0000-7000-9000-{i:012}"), "recipient": "กค 0400", "receive_number": format!("{}/2569", i + 1), "receipt_sha256": "9f".repeat(32)}),
    }
}

/// The audit log through the real database path: appends (one transaction each, and concurrent),
/// bulk filling, inclusion-proof latency at the filled size, and full-log verification speed
/// compared with raw SHA-256 over the same bytes.
pub async fn run(
    backend: &str,
    corr: &sarabun_routing::Correspondence,
    db: &sea_orm::DatabaseConnection,
    entries: u64,
    concurrency: usize,
) -> anyhow::Result<()> {
    use sha2::Digest;
    println!("sarabun bench --audit-entries {entries} on {backend}");
    // Fill the log to `entries` quickly: the same canonical entries and stored hashes that `record`
    // writes, computed in memory and inserted in bulk (the benchmark's own shortcut; the node never
    // writes the log this way).
    let t = Instant::now();
    let fill = entries.saturating_sub(2 * 2000);
    bulk_fill(corr, db, fill).await?;
    if fill > 0 {
        println!(
            "{:<34} {:>10.0} entries/s (bulk load to {fill} entries; not the node's path)",
            "fill",
            fill as f64 / t.elapsed().as_secs_f64()
        );
    }
    // Appends, each in its own transaction, as a state change records them.
    let single = 2000u64;
    let t = Instant::now();
    for i in 0..single {
        corr.record_alone(bench_event(fill + i)).await?;
    }
    let wall = t.elapsed();
    println!(
        "{:<34} {:>10.0} entries/s ({single} sequential transactions)",
        "append, one per transaction",
        single as f64 / wall.as_secs_f64()
    );
    let t = Instant::now();
    let results: Vec<anyhow::Result<()>> = futures_util::stream::iter(0..single)
        .map(|i| async move { Ok(corr.record_alone(bench_event(fill + single + i)).await?) })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let wall = t.elapsed();
    println!(
        "{:<34} {:>10.0} entries/s ({concurrency} concurrent clients)",
        "append, concurrent transactions",
        single as f64 / wall.as_secs_f64()
    );
    let done = fill + 2 * single;
    let size = done;

    // Inclusion proofs at this size.
    let mut samples = Vec::new();
    let proofs_started = Instant::now();
    let mut x = 0x9E3779B97F4A7C15u64;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let t = Instant::now();
        corr.inclusion_proof(x % size, size).await?;
        samples.push(t.elapsed());
    }
    report(&format!("inclusion proof at {size}"), samples, proofs_started.elapsed());

    // Full-log verification against raw SHA-256 of the same bytes.
    corr.checkpoint().await?;
    let t = Instant::now();
    let report_ = corr.verify_log(None).await?;
    let verify_wall = t.elapsed();
    anyhow::ensure!(report_.ok, "verify failed: {:?}", report_.lines);
    let mut bytes = 0usize;
    let mut raw = Duration::ZERO;
    let mut next = 0;
    while next < size {
        let batch = sarabun_registry::audit_log::entry_texts_from(db, next, 20_000).await?;
        let t = Instant::now();
        for (_, entry) in &batch {
            bytes += entry.len();
            std::hint::black_box(sha2::Sha256::digest(entry.as_bytes()));
        }
        raw += t.elapsed();
        next += batch.len() as u64;
    }
    println!(
        "{:<34} {:>10.0} entries/s, {:.1} MB/s (reading the database included)",
        "audit verify (whole log)",
        size as f64 / verify_wall.as_secs_f64(),
        bytes as f64 / 1e6 / verify_wall.as_secs_f64()
    );
    println!(
        "{:<34} {:>10.0} entries/s, {:.1} MB/s (SHA-256 of each entry, in memory)",
        "raw SHA-256 of the same bytes",
        size as f64 / raw.as_secs_f64(),
        bytes as f64 / 1e6 / raw.as_secs_f64()
    );
    Ok(())
}

/// Loads `n` entries into an empty log in bulk, with exactly the bytes and stored hashes that
/// `Correspondence::record` would have written.
pub async fn bulk_fill(
    corr: &sarabun_routing::Correspondence,
    db: &sea_orm::DatabaseConnection,
    n: u64,
) -> anyhow::Result<()> {
    use sarabun_registry::entity::{audit_entry, audit_hash};
    use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
    anyhow::ensure!(sarabun_registry::audit_log::size(db).await? == 0, "bulk fill needs an empty log");
    let at = corr.clock().now();
    let mut tree = sarabun_audit::MemoryStore::with_capacity(n);
    let mut written_hashes = 0usize;
    let mut next = 0u64;
    while next < n {
        let end = (next + 20_000).min(n);
        let mut entries = Vec::with_capacity((end - next) as usize);
        for i in next..end {
            let e = bench_event(i);
            let value = json!({"index": i, "at": sarabun_signing::payload::wire_time(at), "actor": e.actor, "office": e.office,
                               "action": e.action, "subject": e.subject, "detail": e.detail});
            let bytes = sarabun_signing::canonical::to_vec(&value)?;
            tree.append(&bytes);
            entries.push(audit_entry::ActiveModel::from(audit_entry::Model {
                idx: i as i64,
                at,
                action: e.action.into(),
                letter_id: e.letter_id,
                delivery_id: None,
                entry: String::from_utf8(bytes)?,
            }));
        }
        let hashes: Vec<audit_hash::ActiveModel> = tree.stored_hashes()[written_hashes..]
            .iter()
            .enumerate()
            .map(|(k, h)| {
                audit_hash::ActiveModel::from(audit_hash::Model { idx: (written_hashes + k) as i64, hash: h.to_vec() })
            })
            .collect();
        written_hashes = tree.stored_hashes().len();
        let txn = db.begin().await?;
        for chunk in entries.chunks(500) {
            audit_entry::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
        }
        for chunk in hashes.chunks(1000) {
            audit_hash::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
        }
        txn.execute_unprepared(&format!("UPDATE audit_head SET size = {end} WHERE id = 1")).await?;
        txn.commit().await?;
        next = end;
    }
    Ok(())
}
