//! `sarabun bench --offices N`: fills the directory to N offices before any benchmark runs, so that
//! the pages, send and receive are timed with a ministry-sized directory (10,000 offices). The
//! extra offices are bulk-inserted rows (codes `ทด 000001` on), children of the OPS, with no
//! people or keys: they are there to be listed, looked up and skipped, not to act.

use anyhow::Context;
use sarabun_registry::entity::office;
use sea_orm::{EntityTrait, PaginatorTrait, TransactionTrait};
use std::time::Instant;

/// Adds offices until the directory holds `total`; returns how many were added.
pub async fn fill(db: &sea_orm::DatabaseConnection, total: u64) -> anyhow::Result<u64> {
    let have = office::Entity::find().count(db).await?;
    if have >= total {
        return Ok(0);
    }
    let parent = office::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .find(|o| o.parent_id.is_none())
        .context("the directory has no top office")?;
    let started = Instant::now();
    let now = sarabun_domain::Clock::now(&sarabun_domain::SystemClock);
    let rows: Vec<office::ActiveModel> = (1..=total - have)
        .map(|i| {
            office::ActiveModel::from(office::Model {
                id: uuid::Uuid::now_v7().to_string(),
                code: format!("ทด {i:06}"),
                name_th: format!("สำนักงานทดสอบ ที่ {i}"),
                name_en: format!("Test office {i}"),
                parent_id: Some(parent.id.clone()),
                inbox_email: format!("office{i}@example.go.th"),
                created_at: now,
            })
        })
        .collect();
    let added = rows.len() as u64;
    let txn = db.begin().await?;
    for chunk in rows.chunks(1_000) {
        office::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    println!("directory filled to {total} offices ({added} added in {:.1} s)", started.elapsed().as_secs_f64());
    Ok(added)
}
