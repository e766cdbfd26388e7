//! The receiving stamp on a received letter's body, and the receive number it shows: the PDF is
//! stamped with the number the register would give, outside any transaction (stamping is the slow
//! part), and the number is then taken inside the transaction; when another receive took it first,
//! the stamp is made again. A body that cannot be stamped never blocks receiving.

use crate::{Actor, Correspondence, RoutingError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sarabun_domain::{DeliveryState, RegisterKind, RegisterNumber, Series, YearBe, bangkok};
use sarabun_registry::letters as store;
use sarabun_registry::numbering;
use sarabun_signing::payload::DocumentRole;
use sarabun_stamp::StampText;
use sea_orm::{DatabaseTransaction, TransactionTrait};

/// How long stamping one PDF may take before the letter is received unstamped (`stamp_error`).
const STAMP_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);
/// How often a receive stamps again after another receive took the number it stamped.
const STAMP_TRIES: u32 = 3;

/// A delivery moved to `received` inside an open transaction, with its number and stamp.
pub(crate) struct Registered {
    pub txn: DatabaseTransaction,
    pub now: DateTime<Utc>,
    pub number: RegisterNumber,
    pub stamped_sha256: Option<String>,
    pub stamp_error: Option<String>,
}

impl Correspondence {
    /// Stamps the body of `letter_id` and, in a transaction left open for the caller, moves the
    /// delivery to `received` and takes the receive number the stamp shows.
    pub(crate) async fn register_with_stamp(
        &self,
        actor: &Actor,
        delivery_id: &str,
        letter_id: &str,
        own_name: &str,
    ) -> Result<Registered, RoutingError> {
        // Read the body before taking any lock.
        let body = self.body_of(letter_id).await?;
        // Stamping is the slow part and needs the number, which is only taken inside the
        // transaction. So the PDF is stamped first with the number the register would give now,
        // holding no connection or lock (on SQLite the one connection serves every office); the
        // transaction then takes the number and keeps the stamp if it is the same. When another
        // receive took that number meanwhile, the transaction is rolled back and the stamp made
        // again; the unused stamped blob is harmless (blobs are named by content). After
        // `STAMP_TRIES` lost races the stamp is made inside the transaction, bounded all the same.
        let mut tries = 0;
        let (txn, now, number, stamped_sha256, stamp_error) = loop {
            tries += 1;
            let stamped_at = self.clock.now();
            let expected = numbering::peek_next(
                &self.db,
                &actor.office_id,
                RegisterKind::Receive,
                Series::Normal,
                YearBe::of(stamped_at),
            )
            .await?;
            let stamp = self.stamp_body(body.clone(), own_name, expected.seq.get(), stamped_at).await?;
            let txn = self.db.begin().await?;
            let now = self.clock.now();
            if !store::decide_delivery(&txn, delivery_id, DeliveryState::Received, &actor.username, now, None).await? {
                return Err(self.lost_race(&txn, delivery_id, DeliveryState::receive).await);
            }
            let number =
                numbering::take_next(&txn, &actor.office_id, RegisterKind::Receive, Series::Normal, YearBe::of(now))
                    .await?;
            if number == expected {
                break (txn, now, number, stamp.0, stamp.1);
            }
            if tries >= STAMP_TRIES {
                let (sha, error) = self.stamp_body(body.clone(), own_name, number.seq.get(), now).await?;
                break (txn, now, number, sha, error);
            }
            txn.rollback().await?;
            tracing::info!(delivery_id, expected = %expected, taken = %number, "receive number taken meanwhile; stamping again");
        };
        Ok(Registered { txn, now, number, stamped_sha256, stamp_error })
    }

    /// The bytes of a letter's body, checked against its digest (a missing or damaged body fails the
    /// receive: a receipt must not attest a document nobody could read); `None` without a body.
    async fn body_of(&self, letter_id: &str) -> Result<Option<Bytes>, RoutingError> {
        let docs = store::letter_documents(&self.db, letter_id).await?;
        let Some(body) = docs.iter().find(|d| d.role == DocumentRole::Body.as_str()) else { return Ok(None) };
        Ok(Some(self.blobs.read(&body.sha256).await?))
    }

    /// Applies the receiving stamp to `body` and stores the stamped rendition beside the original.
    /// Returns its digest, or why stamping was not possible.
    pub(crate) async fn stamp_body(
        &self,
        body: Option<Bytes>,
        office_name: &str,
        seq: u32,
        at: DateTime<Utc>,
    ) -> Result<(Option<String>, Option<String>), RoutingError> {
        let Some(body) = body else { return Ok((None, Some("missing: the body document is not in storage".into()))) };
        let text = StampText {
            office_name: office_name.to_owned(),
            receive_number: seq,
            received_at: at.with_timezone(&bangkok()),
        };
        let task = tokio::task::spawn_blocking(move || sarabun_stamp::stamp_pdf(&body, &text));
        // The object bound keeps hostile files cheap; the time bound is for whatever it misses.
        // A stamp that runs out of time finishes on its blocking thread and is thrown away.
        let Ok(stamped) = tokio::time::timeout(STAMP_TIME_LIMIT, task).await else {
            tracing::warn!(limit_s = STAMP_TIME_LIMIT.as_secs(), "stamping took too long; body kept unstamped");
            return Ok((None, Some(format!("timeout: stamping took longer than {} s", STAMP_TIME_LIMIT.as_secs()))));
        };
        let stamped = stamped.map_err(|e| RoutingError::Blob(format!("stamping task failed: {e}")))?;
        match stamped {
            Ok(bytes) => {
                let blob =
                    self.blobs.put_bytes(Bytes::from(bytes)).await.map_err(|e| RoutingError::Blob(e.to_string()))?;
                Ok((Some(blob.sha256), None))
            }
            Err(e) => {
                tracing::warn!(error = %e, code = e.code(), "body kept unstamped");
                Ok((None, Some(format!("{}: {e}", e.code()))))
            }
        }
    }
}
