//! The yearly retention-list job (บัญชีหนังสือขอทำลาย): in the first 60 days of a year (Bangkok),
//! each office without a list for the year gets a CSV of the letters it sent whose retention ended
//! by the end of the previous year, stored in the blob store and recorded in `retention_lists`.
//! Letters kept permanently or under a legal hold are never listed; a secret letter's subject is
//! never written.

use super::{JobFuture, ScheduledJob};
use crate::{Correspondence, CsvSheet, RoutingError};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use sarabun_domain::{Secrecy, bangkok};
use sarabun_registry::entity::{letter, retention_list};
use sarabun_registry::outbox;

/// Days of a year (Bangkok) in which its lists are made.
const LIST_DAYS: u32 = 60;

/// Makes the retention lists daily at 01:00 UTC ([`Correspondence::retention_lists`]).
#[derive(Debug, Clone)]
pub struct RetentionLists {
    corr: Correspondence,
}

impl RetentionLists {
    /// Its name in `job_runs`.
    pub const NAME: &'static str = "records.retention";

    /// The job for `corr`'s node.
    pub fn new(corr: Correspondence) -> Self {
        Self { corr }
    }
}

impl ScheduledJob for RetentionLists {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn schedule(&self) -> &str {
        "0 0 1 * * *"
    }

    fn run(&self) -> JobFuture<'_> {
        Box::pin(async move {
            self.corr.retention_lists().await?;
            Ok(())
        })
    }
}

/// The first instant of the Bangkok year `local` falls in.
fn year_start(local: DateTime<chrono::FixedOffset>, fallback: DateTime<Utc>) -> DateTime<Utc> {
    let midnight = NaiveDate::from_ymd_opt(local.year(), 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    bangkok().from_local_datetime(&midnight).single().map(|t| t.with_timezone(&Utc)).unwrap_or(fallback)
}

impl Correspondence {
    /// In the first 60 days of a year, makes each office's list of letters whose retention ended
    /// by the end of the previous year, as CSV in the blob store. Returns how many lists were made.
    pub async fn retention_lists(&self) -> Result<usize, RoutingError> {
        let now = self.clock.now();
        let local = now.with_timezone(&bangkok());
        if local.ordinal() > LIST_DAYS {
            return Ok(0);
        }
        let year_be = local.year() + sarabun_domain::date::BE_OFFSET;
        let mut made = 0;
        for office in outbox::offices_without_retention_list(&self.db, year_be).await? {
            let expired: Vec<letter::Model> =
                outbox::retention_candidates(&self.db, &office.id, year_start(local, now))
                    .await?
                    .into_iter()
                    .filter(|l| l.sent_at.with_timezone(&bangkok()).year() + l.retention_years < local.year())
                    .collect();
            let csv = retention_csv(&expired)?;
            let blob = self.store_bytes(csv).await?;
            let list = retention_list::Model {
                office_id: office.id.clone(),
                year_be,
                letters: expired.len() as i32,
                csv_sha256: blob,
                created_at: now,
            };
            outbox::record_retention_list(&self.db, list).await?;
            made += 1;
        }
        Ok(made)
    }
}

/// The retention list as CSV, written by the node's one CSV writer (BOM, CRLF, formulas
/// neutralised); a secret letter's subject is never written, and a corrupt secrecy is an error.
fn retention_csv(letters: &[letter::Model]) -> Result<Vec<u8>, RoutingError> {
    let mut sheet = CsvSheet::new(&["ลำดับ", "ที่", "ลงวันที่", "เรื่อง", "อายุการเก็บ (ปี)", "หมายเหตุ"]);
    for (i, l) in letters.iter().enumerate() {
        let secrecy = l.secrecy.get();
        let subject =
            if secrecy == Secrecy::None { l.subject.clone() } else { "(หนังสือลับ)".to_owned() };
        sheet.row([
            (i + 1).to_string(),
            l.number.clone(),
            sarabun_domain::thai_letter_date(&l.letter_date),
            subject,
            l.retention_years.to_string(),
            String::new(),
        ]);
    }
    Ok(sheet.finish())
}
