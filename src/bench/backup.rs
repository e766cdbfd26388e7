//! `sarabun bench --backup N`: how long `sarabun backup` and `sarabun restore` take for a node of N
//! letters, each with a body of its own of `--pdf-kib` KiB. One letter is sent through the real
//! path and copied in bulk as for the page benchmark; then every copy is given a document of its
//! own in the blob store (a backup's time is mostly the documents). The backup is taken while the
//! node serves, then restored into a new data directory, whose letters are counted.

use super::{Client, pages, synthetic_pdf};
use crate::demo::{DEMO_PASSWORD, Directory, seed};
use anyhow::ensure;
use sarabun_domain::{Clock, SystemClock};
use sarabun_registry::entity::{letter, letter_document};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use std::time::Instant;

/// Fills the node to `n` letters and times a backup and a restore of it.
pub async fn run(
    backend: &str,
    state: sarabun_server::AppState,
    db: &sea_orm::DatabaseConnection,
    n: usize,
    pdf_kib: usize,
) -> anyhow::Result<()> {
    let corr = state.correspondence.clone();
    let url = state.settings.database_url();
    let data_dir = state.settings.storage.data_dir.clone();
    let blob_dir = data_dir.join("blobs");
    seed(&corr, &Directory::demo(), DEMO_PASSWORD).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(sarabun_server::serve(listener, state, std::future::pending()));
    let client = Client { http: reqwest::Client::new(), base };

    let template_id = pages::template_letter(&client, 0, "ขอเชิญประชุมคณะทำงาน").await?;

    let started = Instant::now();
    pages::load(&corr, db, &template_id, n.saturating_sub(1)).await?;
    let documents = letter_document::Entity::find().all(db).await?;
    for (chunk_no, chunk) in documents.chunks(500).enumerate() {
        let txn = db.begin().await?;
        for (i, d) in chunk.iter().enumerate() {
            let pdf = synthetic_pdf(pdf_kib * 1024, (chunk_no * 500 + i) as u64 + 1);
            let size = pdf.len() as i64;
            let sha256 = corr.store_bytes(pdf).await?;
            letter_document::Entity::update_many()
                .col_expr(letter_document::Column::Sha256, Expr::value(sha256))
                .col_expr(letter_document::Column::Size, Expr::value(size))
                .filter(letter_document::Column::LetterId.eq(&d.letter_id))
                .filter(letter_document::Column::Position.eq(d.position))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    println!(
        "sarabun bench --backup {n} on {backend}: loaded {n} letters with a {pdf_kib} KiB document each in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let out = tempfile::tempdir()?;
    let (backup_dir, restored) = (out.path().join("backup"), out.path().join("restored"));
    let started = Instant::now();
    let blobs = sarabun_routing::storage::BlobLocation::Directory(blob_dir);
    let source = sarabun_routing::backup::BackupSource { database_url: &url, blobs: &blobs, data_dir: &data_dir };
    let report = sarabun_routing::backup::backup(&source, &backup_dir, SystemClock.now()).await?;
    let took = started.elapsed();
    let database = report.manifest.files.iter().find(|f| f.blob().is_none()).map_or(0, |f| f.size);
    println!(
        "backup  (while serving): {:>7.2} s   {} documents, {:.1} MiB in all (database {:.1} MiB)",
        took.as_secs_f64(),
        report.blobs(),
        report.bytes() as f64 / 1048576.0,
        database as f64 / 1048576.0
    );
    let started = Instant::now();
    let restore = sarabun_routing::backup::restore(&backup_dir, &restored).await?;
    println!("restore (verify, write): {:>7.2} s   {} documents", started.elapsed().as_secs_f64(), restore.blobs);
    server.abort();

    if restore.database {
        let file = restored.join(sarabun_routing::backup::DATABASE_FILE);
        let restored_db = sarabun_registry::backup::open_snapshot(&file).await?;
        let letters = letter::Entity::find().count(&restored_db).await?;
        ensure!(letters == n as u64, "the restored database holds {letters} letters, not {n}");
        println!("restored database holds all {letters} letters");
    }
    Ok(())
}
