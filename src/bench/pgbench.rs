//! PostgreSQL's own yardstick next to the receive benchmark: when `pgbench` is installed, it is run
//! (TPC-B-like, scale 10, `-c 8 -j 2 -T 15`) into a scratch database made and dropped here, before
//! and after the receive phase, so that the receive rate can be quoted as a fraction of what the
//! same server commits on the same machine at the same moment. Without `pgbench` it says so and the
//! benchmark runs as before.

use anyhow::{Context, bail};
use std::process::Command;

/// A scratch database initialised for pgbench; dropped by [`Pgbench::drop`].
pub struct Pgbench {
    server: String,
    name: String,
    url: String,
}

impl Pgbench {
    /// Creates and initialises the scratch database, or `None` (after saying why) when pgbench is
    /// not installed.
    pub async fn prepare(server: &str) -> anyhow::Result<Option<Self>> {
        if Command::new("pgbench").arg("--version").output().is_err() {
            println!("pgbench is not installed (package postgresql-contrib or postgresql-client): no ratio printed");
            return Ok(None);
        }
        let name = format!("sarabun_pgbench_{}", uuid::Uuid::new_v4().simple());
        let url = sarabun_registry::db::create_postgres_database(server, &name).await?;
        let bench = Self { server: server.to_owned(), name, url };
        let init = tokio::task::block_in_place(|| {
            Command::new("pgbench").args(["-i", "-q", "-s", "10"]).arg(&bench.url).output()
        });
        match init {
            Ok(out) if out.status.success() => Ok(Some(bench)),
            Ok(out) => {
                bench.drop().await?;
                bail!("pgbench -i failed: {}", String::from_utf8_lossy(&out.stderr))
            }
            Err(e) => {
                bench.drop().await?;
                Err(e).context("running pgbench -i")
            }
        }
    }

    /// One 15-second run; returns its transactions per second.
    pub fn run(&self) -> anyhow::Result<f64> {
        let out = tokio::task::block_in_place(|| {
            Command::new("pgbench").args(["-c", "8", "-j", "2", "-T", "15"]).arg(&self.url).output()
        })?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("pgbench failed: {}{}", text, String::from_utf8_lossy(&out.stderr));
        }
        // "tps = 4749.123456 (without initial connection time)"
        text.lines()
            .find_map(|l| l.trim().strip_prefix("tps = ")?.split_whitespace().next()?.parse().ok())
            .with_context(|| format!("no tps in pgbench's output: {text}"))
    }

    /// Drops the scratch database.
    pub async fn drop(self) -> anyhow::Result<()> {
        Ok(sarabun_registry::db::drop_postgres_database(&self.server, &self.name).await?)
    }
}
