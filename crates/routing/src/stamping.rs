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
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// How long stamping one PDF may take before the letter is received unstamped (`stamp_error`).
const STAMP_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);
/// How often a receive stamps again after another receive took the number it stamped.
const STAMP_TRIES: u32 = 3;

/// How long a receive waits for the receives of its office ahead of it on this node before taking
/// a number anyway (a slow or hostile PDF ahead must not hold up the office's other letters).
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// A delivery moved to `received` inside an open transaction, with its number, stamp and receipt.
pub(crate) struct Registered {
    pub txn: DatabaseTransaction,
    pub now: DateTime<Utc>,
    pub number: RegisterNumber,
    pub stamped_sha256: Option<String>,
    pub stamp_error: Option<String>,
    /// The signed receipt, compact JWS, as written on the delivery.
    pub receipt: String,
    /// This receive's place in its office's line, left once the caller commits or gives up.
    pub _turn: Turn,
}

/// The order in which this node's receives of one office take their numbers, so that each can
/// stamp, before taking any lock, the number it will be given: the first of a run stamps the
/// number the register would give now, each one after it the next, and each takes its number only
/// after those ahead of it have taken theirs (or after [`TURN_WAIT`]). A guess proved wrong (a
/// receive ahead failed, another node took a number) costs a stamp again, as it always did; the
/// number itself is only ever taken inside the committing transaction, so it stays gapless.
#[derive(Debug, Default)]
pub(crate) struct ReceiveTurns {
    lines: std::sync::Mutex<HashMap<String, Line>>,
}

/// One office's line of receives on this node.
#[derive(Debug, Default)]
struct Line {
    /// The next ticket to give.
    next: u64,
    /// Tickets given and not yet done.
    open: BTreeSet<u64>,
    /// The number guessed for the newest ticket, with its year.
    last_guess: Option<RegisterNumber>,
    /// Woken whenever a ticket is done.
    done: Arc<tokio::sync::Notify>,
}

/// A place in an office's line, held until the receive commits; leaving it (dropped on every path,
/// cancellation included) lets the next receive go.
pub(crate) struct Turn {
    turns: Arc<ReceiveTurns>,
    office_id: String,
    ticket: u64,
    pub guess: RegisterNumber,
}

impl ReceiveTurns {
    /// A ticket for `office_id`, guessing its number from `peeked` (what the register would give
    /// now) and the tickets still open ahead of it.
    fn take(self: &Arc<Self>, office_id: &str, peeked: RegisterNumber) -> Turn {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let line = lines.entry(office_id.to_owned()).or_default();
        let guess = match line.last_guess {
            Some(last) if !line.open.is_empty() && last.year == peeked.year && last.seq.get() >= peeked.seq.get() => {
                RegisterNumber::new(last.year, i64::from(last.seq.get()) + 1).unwrap_or(peeked)
            }
            _ => peeked,
        };
        let ticket = line.next;
        line.next += 1;
        line.open.insert(ticket);
        line.last_guess = Some(guess);
        Turn { turns: self.clone(), office_id: office_id.to_owned(), ticket, guess }
    }
}

impl Turn {
    /// Waits until every ticket ahead of this one is done, at most [`TURN_WAIT`].
    async fn wait(&self) {
        let deadline = tokio::time::Instant::now() + TURN_WAIT;
        loop {
            let done = {
                let lines = self.turns.lines.lock().unwrap_or_else(|e| e.into_inner());
                let Some(line) = lines.get(&self.office_id) else { return };
                if line.open.first().is_none_or(|first| *first >= self.ticket) {
                    return;
                }
                line.done.clone()
            };
            let notified = done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // Checked again now that a wake-up cannot be missed.
            {
                let lines = self.turns.lines.lock().unwrap_or_else(|e| e.into_inner());
                if lines.get(&self.office_id).is_none_or(|l| l.open.first().is_none_or(|f| *f >= self.ticket)) {
                    return;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut lines = self.turns.lines.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(line) = lines.get_mut(&self.office_id) {
            line.open.remove(&self.ticket);
            line.done.notify_waiters();
            if line.open.is_empty() {
                lines.remove(&self.office_id);
            }
        }
    }
}

impl Correspondence {
    /// Stamps the body of `letter_id` and, in a transaction left open for the caller, takes the
    /// receive number the stamp shows, signs the receipt with `seal` and moves the delivery to
    /// `received` with its receipt, number and stamp outcome (one conditional update).
    pub(crate) async fn register_with_stamp(
        &self,
        actor: &Actor,
        delivery_id: &str,
        letter_id: &str,
        own_name: &str,
        seal: impl Fn(RegisterNumber, Option<&String>, DateTime<Utc>) -> Result<String, RoutingError>,
    ) -> Result<Registered, RoutingError> {
        // Read the body before taking any lock.
        let body = self.body_of(letter_id).await?;
        // Stamping is the slow part and needs the number, which is only taken inside the
        // transaction. So the PDF is stamped first with the number this receive will be given if
        // the receives ahead of it in its office's line (`ReceiveTurns`) take theirs, holding no
        // connection or lock (on SQLite the one connection serves every office); the transaction
        // then takes the number and keeps the stamp if it is the same. When the guess was wrong,
        // the transaction is rolled back and the stamp made again; the unused stamped blob is
        // harmless (blobs are named by content). After `STAMP_TRIES` wrong guesses the stamp is
        // made inside the transaction, bounded all the same.
        let mut tries = 0;
        loop {
            tries += 1;
            let stamped_at = self.clock.now();
            let peeked = numbering::peek_next(
                &self.db,
                &actor.office_id,
                RegisterKind::Receive,
                Series::Normal,
                YearBe::of(stamped_at),
            )
            .await?;
            let turn = self.turns.take(&actor.office_id, peeked);
            let expected = turn.guess;
            let stamp = self.stamp_body(body.clone(), own_name, expected.seq.get(), stamped_at).await?;
            turn.wait().await;
            let txn = self.db.begin().await?;
            let now = self.clock.now();
            let number =
                numbering::take_next(&txn, &actor.office_id, RegisterKind::Receive, Series::Normal, YearBe::of(now))
                    .await?;
            let (stamped_sha256, stamp_error) = if number == expected {
                stamp
            } else if tries >= STAMP_TRIES {
                self.stamp_body(body.clone(), own_name, number.seq.get(), now).await?
            } else {
                txn.rollback().await?;
                tracing::info!(delivery_id, expected = %expected, taken = %number, "receive number taken meanwhile; stamping again");
                continue;
            };
            let receipt = seal(number, stamped_sha256.as_ref(), now)?;
            let record = store::ReceiptRecord {
                receive_number: Some((number.year, i64::from(number.seq.get()))),
                receipt: receipt.clone(),
                stamped_sha256: stamped_sha256.clone(),
                stamp_error: stamp_error.clone(),
            };
            if !store::receive_delivery(&txn, delivery_id, &actor.username, now, record).await? {
                return Err(self.lost_race(&txn, delivery_id, DeliveryState::receive).await);
            }
            return Ok(Registered { txn, now, number, stamped_sha256, stamp_error, receipt, _turn: turn });
        }
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
