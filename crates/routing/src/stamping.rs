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
use sea_orm::{DatabaseTransaction, DbBackend, TransactionTrait};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// How long stamping one PDF may take before the letter is received unstamped (`stamp_error`).
const STAMP_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);
/// How often a receive stamps again after another receive took the number it stamped.
const STAMP_TRIES: u32 = 3;

/// How long a receive waits for the receives of its office ahead of it on this node before taking
/// a number anyway (a slow or hostile PDF ahead must not hold up the office's other letters).
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// How many receives of an office ahead of it a receive lets stand untaken when it begins writing its
/// rows on PostgreSQL: it then waits, in its transaction, only for them to take their numbers, so
/// that the counter row is held from one take to the next commit alone. Bounded, since each of
/// those waiting holds a pooled connection.
const WRITING_AHEAD: usize = 2;

/// What a receive decided with the number it is given, before the transaction commits.
pub(crate) struct Stamped {
    pub now: DateTime<Utc>,
    pub number: RegisterNumber,
    pub stamped_sha256: Option<String>,
    pub stamp_error: Option<String>,
    /// The signed receipt, compact JWS, as written on the delivery.
    pub receipt: String,
}

/// A delivery moved to `received` inside an open transaction, with the number its stamp shows, its
/// stamp and receipt; the number is taken by [`Correspondence::take_stamped_number`] once the
/// caller has written its other rows.
pub(crate) struct Registered {
    pub txn: DatabaseTransaction,
    pub stamped: Stamped,
    /// Whether the number is taken already (the last try takes it first).
    taken: bool,
    /// This receive's place in its office's line, left once the caller commits or gives up.
    pub turn: Turn,
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
    /// Tickets given and not yet done (committed or given up).
    open: BTreeSet<u64>,
    /// Tickets given whose receive has not taken its number yet.
    untaken: BTreeSet<u64>,
    /// The number guessed for the newest ticket, with its year.
    last_guess: Option<RegisterNumber>,
    /// Woken whenever a ticket takes its number or is done.
    done: Arc<tokio::sync::Notify>,
}

/// A place in an office's line, held until the receive commits; leaving it (dropped on every path,
/// cancellation included) lets the next receive go.
pub(crate) struct Turn {
    turns: Arc<ReceiveTurns>,
    office_id: String,
    ticket: u64,
    pub guess: RegisterNumber,
    /// Until when this receive waits for those ahead, all waits together; set at the first.
    deadline: Option<tokio::time::Instant>,
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
        self.ticket(line, office_id, guess)
    }

    /// A ticket for `office_id` in `year` behind the receives of its office still open on this
    /// node, guessing the number after the newest one's, without reading the register; `None`
    /// when none is open (the caller peeks at the register and takes a ticket with [`Self::take`]).
    fn follow(self: &Arc<Self>, office_id: &str, year: YearBe) -> Option<Turn> {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let line = lines.get_mut(office_id)?;
        let last = line.last_guess.filter(|last| !line.open.is_empty() && last.year == year)?;
        let guess = RegisterNumber::new(last.year, i64::from(last.seq.get()) + 1)?;
        Some(self.ticket(line, office_id, guess))
    }

    /// The next ticket of `line`, stamped with `guess`.
    fn ticket(self: &Arc<Self>, line: &mut Line, office_id: &str, guess: RegisterNumber) -> Turn {
        let ticket = line.next;
        line.next += 1;
        line.open.insert(ticket);
        line.untaken.insert(ticket);
        line.last_guess = Some(guess);
        Turn { turns: self.clone(), office_id: office_id.to_owned(), ticket, guess, deadline: None }
    }
}

impl Turn {
    /// Whether at most `allowed` tickets ahead of this one have not taken their numbers yet.
    fn clear(&self, lines: &HashMap<String, Line>, allowed: usize) -> bool {
        lines.get(&self.office_id).is_none_or(|l| l.untaken.range(..self.ticket).nth(allowed).is_none())
    }

    /// Waits until at most `allowed` tickets ahead of this one have not taken their numbers yet,
    /// within [`TURN_WAIT`] of this receive's first wait.
    async fn wait(&mut self, allowed: usize) {
        let deadline = *self.deadline.get_or_insert_with(|| tokio::time::Instant::now() + TURN_WAIT);
        loop {
            let done = {
                let lines = self.turns.lines.lock().unwrap_or_else(|e| e.into_inner());
                if self.clear(&lines, allowed) {
                    return;
                }
                let Some(line) = lines.get(&self.office_id) else { return };
                line.done.clone()
            };
            let notified = done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // Checked again now that a wake-up cannot be missed.
            if self.clear(&self.turns.lines.lock().unwrap_or_else(|e| e.into_inner()), allowed) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }

    /// This receive took its number: the next may take its own (it waits on the row until this
    /// one commits). The ticket stays open, so later guesses still count this number as taken.
    fn taken(&self) {
        let mut lines = self.turns.lines.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(line) = lines.get_mut(&self.office_id) {
            line.untaken.remove(&self.ticket);
            line.done.notify_waiters();
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut lines = self.turns.lines.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(line) = lines.get_mut(&self.office_id) {
            line.open.remove(&self.ticket);
            line.untaken.remove(&self.ticket);
            line.done.notify_waiters();
            if line.open.is_empty() {
                lines.remove(&self.office_id);
            }
        }
    }
}

impl Correspondence {
    /// One try at receiving: stamps `body` with the receive number this receive will be given if
    /// the receives ahead of it in its office's line (`ReceiveTurns`) take theirs, and, in a
    /// transaction left open for the caller, moves the delivery to `received` with the receipt
    /// `seal` signs, that number and the stamp outcome (one conditional update). `None` when the
    /// year turned meanwhile (try again). The caller writes its other rows, then takes the number
    /// with [`Self::take_stamped_number`].
    ///
    /// Stamping is the slow part and needs the number, which is only taken inside the
    /// transaction. So the PDF is stamped first, holding no connection or lock, the transaction
    /// writes every row with that number, and the number is taken last, so that the counter row is
    /// locked from the take to the commit alone. When the number taken is another, the
    /// transaction is rolled back (returning it) and the stamp made again; the unused stamped blob is harmless (blobs are named by content). From the
    /// `STAMP_TRIES`-th try on the number is taken first and the stamp made inside the
    /// transaction, bounded all the same.
    pub(crate) async fn stamp_and_begin(
        &self,
        actor: &Actor,
        delivery_id: &str,
        body: &Option<Bytes>,
        own_name: &str,
        tries: u32,
        seal: impl Fn(RegisterNumber, Option<&String>, DateTime<Utc>) -> Result<String, RoutingError>,
    ) -> Result<Option<Registered>, RoutingError> {
        let last_try = tries >= STAMP_TRIES;
        // On SQLite the one connection is a transaction's until it commits: there a receive waits
        // for those ahead of it before it begins, or it would hold them up.
        let one_connection = self.db.get_database_backend() == DbBackend::Sqlite;
        let stamped_at = self.clock.now();
        let year = YearBe::of(stamped_at);
        // Behind receives of the office still open here the first guess needs no look at the
        // register; a try after a wrong guess looks, as another node may have taken numbers.
        let followed = if tries == 1 { self.turns.follow(&actor.office_id, year) } else { None };
        let mut turn = match followed {
            Some(turn) => turn,
            None => {
                let peeked =
                    numbering::peek_next(&self.db, &actor.office_id, RegisterKind::Receive, Series::Normal, year)
                        .await?;
                self.turns.take(&actor.office_id, peeked)
            }
        };
        let expected = turn.guess;
        let stamp = self.stamp_body(body.clone(), own_name, expected.seq.get(), stamped_at).await?;
        turn.wait(if one_connection || last_try { 0 } else { WRITING_AHEAD }).await;
        let txn = self.db.begin().await?;
        let now = self.clock.now();
        let (number, (stamped_sha256, stamp_error)) = if last_try {
            let number =
                numbering::take_next(&txn, &actor.office_id, RegisterKind::Receive, Series::Normal, YearBe::of(now))
                    .await?;
            let stamp = if number == expected {
                stamp
            } else {
                self.stamp_body(body.clone(), own_name, number.seq.get(), now).await?
            };
            (number, stamp)
        } else if YearBe::of(now) != expected.year {
            txn.rollback().await?;
            return Ok(None);
        } else {
            (expected, stamp)
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
        let stamped = Stamped { now, number, stamped_sha256, stamp_error, receipt };
        Ok(Some(Registered { txn, stamped, taken: last_try, turn }))
    }

    /// Takes the number a receive begun by [`Self::stamp_and_begin`] stamped, once those ahead of
    /// it took theirs; `None`, the transaction rolled back, when another took it first (try
    /// again).
    pub(crate) async fn take_stamped_number(
        &self,
        actor: &Actor,
        delivery_id: &str,
        mut registered: Registered,
    ) -> Result<Option<Registered>, RoutingError> {
        if !registered.taken {
            registered.turn.wait(0).await;
            let expected = registered.stamped.number;
            let number = numbering::take_next(
                &registered.txn,
                &actor.office_id,
                RegisterKind::Receive,
                Series::Normal,
                expected.year,
            )
            .await?;
            if number != expected {
                registered.txn.rollback().await?;
                tracing::info!(delivery_id, expected = %expected, taken = %number, "receive number taken meanwhile; stamping again");
                return Ok(None);
            }
            registered.taken = true;
        }
        registered.turn.taken();
        Ok(Some(registered))
    }

    /// The bytes of a letter's body, checked against its digest (a missing or damaged body fails the
    /// receive: a receipt must not attest a document nobody could read); `None` without a body.
    pub(crate) async fn body_of(&self, letter_id: &str) -> Result<Option<Bytes>, RoutingError> {
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
