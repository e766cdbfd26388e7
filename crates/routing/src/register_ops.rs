//! What a clerk does to the register by hand, as in the paper book: cancels a number with a reason
//! (ยกเลิกเลข), reserves the next numbers of the send register for letters issued on paper (จองเลข)
//! and later fills them in, and — the office admin, at go-live — sets where a series continues
//! from the paper register. The rules are `domain::register_ops`; every change is one transaction
//! with its audit entry, and a number once given is never given again: a cancelled or expired line
//! stays in the register with its mark.

use crate::compose::{LINE, LINES, check_text};
use crate::views::{NextNumberView, RegisterEntryView, ReservationView};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::NaiveDate;
use sarabun_domain::register_ops::{
    Line, check_count, check_next, check_year, may_cancel, may_fill, reservation_expiry, reservation_mark,
};
use sarabun_domain::{
    EventKind, LetterNumber, LetterState, LineMark, Permission, RegisterKind, RegisterOpRefusal, ReservationState,
    Series, Subject, YearBe,
};
use sarabun_registry::entity::register_reservation;
use sarabun_registry::register_ops::{self as store, Filled, LineAt};
use sarabun_registry::{Stored, letters, new_id, numbering};
use sea_orm::TransactionTrait;
use serde_json::json;

/// The highest number a series may be set to continue from; far above any year's letters.
pub const MAX_NEXT: i64 = 1_000_000;

/// A paper letter's details, filled into its reserved number.
#[derive(Debug, Clone)]
pub struct FillInput {
    pub subject: String,
    pub to: String,
    /// The letter's date, `YYYY-MM-DD`.
    pub date: String,
    /// The number written on the paper letter; `{office code}/{seq}` when absent.
    pub letter_number: Option<String>,
}

impl From<RegisterOpRefusal> for RoutingError {
    fn from(refusal: RegisterOpRefusal) -> Self {
        RoutingError::RegisterOp(refusal)
    }
}

impl Correspondence {
    /// Cancels number `seq` of the actor's office's `register` in `series` for `year`, with a reason.
    /// A sent letter's number is cancelled only once the letter was recalled; a received letter's
    /// never. Returns the line as the register now shows it.
    pub async fn cancel_number(
        &self,
        actor: &Actor,
        register: RegisterKind,
        year: YearBe,
        series: Series,
        seq: i64,
        reason: &str,
    ) -> Result<RegisterEntryView, RoutingError> {
        actor.require(Permission::KeepRegisters)?;
        series.in_register(register)?;
        let reason = check_text("reason", reason, LINES)?;
        let at = LineAt { office_id: &actor.office_id, register, series, year, seq };
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let mut detail = if let Some(entry) = store::entry_at(&txn, at).await? {
            let line = match register {
                RegisterKind::Send => {
                    let letter = letters::letter_by_id(&txn, &entry.letter_id)
                        .await?
                        .ok_or(RoutingError::NotFound("register entry"))?;
                    Line::Sent { recalled: letter.state.get() == LetterState::Recalled, cancelled: entry.cancelled }
                }
                RegisterKind::Receive => Line::Received { cancelled: entry.cancelled },
            };
            may_cancel(line)?;
            if !store::cancel_entry(&txn, &entry.id, &reason, &actor.username, now).await? {
                return Err(RegisterOpRefusal::AlreadyCancelled.into());
            }
            json!({"letter_id": entry.letter_id})
        } else if let Some(r) = store::reservation_at(&txn, at).await? {
            may_cancel(Line::Reservation(reservation_mark(r.state.get(), r.expires_at, now)))?;
            if !store::cancel_reservation(&txn, &r.id, &reason, &actor.username, now).await? {
                return Err(RegisterOpRefusal::AlreadyCancelled.into());
            }
            json!({"reservation_id": r.id})
        } else {
            return Err(RoutingError::NotFound("register entry"));
        };
        detail["register"] = json!(register.as_str());
        detail["series"] = json!(series.as_str());
        detail["number"] = json!(format!("{seq}/{year}"));
        detail["reason"] = json!(reason);
        let event = AuditEvent::by(actor, EventKind::RegisterNumberCancelled, office_subject(actor), detail);
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(register = register.as_str(), seq, "register number cancelled");
        self.own_line(actor, register, year, series, seq).await
    }

    /// Reserves the next `count` numbers of the actor's office's send register in `series` (one the
    /// office keeps) for letters that will be issued on paper, with a note; `year`, when given, must
    /// be this year. The numbers come from the same counter as letters, in the same transaction as
    /// their lines.
    pub async fn reserve_numbers(
        &self,
        actor: &Actor,
        series: Series,
        count: u32,
        note: &str,
        year: Option<i32>,
    ) -> Result<Vec<ReservationView>, RoutingError> {
        actor.require(Permission::KeepRegisters)?;
        self.check_series_kept(actor, series).await?;
        check_count(count)?;
        let note = check_text("note", note, LINES)?;
        let now = self.clock.now();
        let this_year = YearBe::of(now);
        if let Some(wanted) = year {
            let wanted = YearBe::new(wanted).ok_or(RegisterOpRefusal::NotThisYear)?;
            check_year(wanted, this_year)?;
        }
        let txn = self.db.begin().await?;
        let mut reserved = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let number = numbering::take_next(&txn, &actor.office_id, RegisterKind::Send, series, this_year).await?;
            let model = register_reservation::Model {
                id: new_id(),
                office_id: actor.office_id.clone(),
                register: Stored(RegisterKind::Send),
                series: Stored(series),
                year_be: this_year.get(),
                seq: i64::from(number.seq.get()),
                state: Stored(ReservationState::Reserved),
                note: note.clone(),
                reserved_by: actor.username.clone(),
                reserved_at: now,
                expires_at: reservation_expiry(now),
                letter_number: None,
                letter_date: None,
                to_text: None,
                subject: None,
                filled_by: None,
                filled_at: None,
                cancelled_reason: None,
                cancelled_by: None,
                cancelled_at: None,
            };
            store::insert_reservation(&txn, model.clone()).await?;
            reserved.push(reservation_view(&model, now));
        }
        let numbers: Vec<&str> = reserved.iter().map(|r| r.number.as_str()).collect();
        let event = AuditEvent::by(
            actor,
            EventKind::RegisterNumbersReserved,
            office_subject(actor),
            json!({"register": "send", "series": series.as_str(), "numbers": numbers, "note": note}),
        );
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(count, series = series.as_str(), "register numbers reserved");
        Ok(reserved)
    }

    /// Fills the reservation `id` of the actor's office with its paper letter's details.
    pub async fn fill_reservation(
        &self,
        actor: &Actor,
        id: &str,
        input: FillInput,
    ) -> Result<RegisterEntryView, RoutingError> {
        actor.require(Permission::KeepRegisters)?;
        let subject = Subject::parse(&input.subject)?;
        let to = check_text("to", &input.to, LINES)?;
        let date = check_text("date", &input.date, LINE)?;
        NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .map_err(|_| RoutingError::Field { field: "date", message: "must be a date YYYY-MM-DD".into() })?;
        let letter_number = input.letter_number.as_deref().map(|n| check_text("letter_number", n, LINE)).transpose()?;
        let r = store::reservation_by_id(&self.db, id).await?.ok_or(RoutingError::NotFound("reservation"))?;
        if r.office_id != actor.office_id {
            return Err(RoutingError::NotFound("reservation"));
        }
        let now = self.clock.now();
        may_fill(reservation_mark(r.state.get(), r.expires_at, now))?;
        let year = YearBe::new(r.year_be).ok_or(RoutingError::NotFound("reservation"))?;
        let letter_number = match letter_number {
            Some(written) => written,
            None => {
                let office = sarabun_registry::directory::office_by_id(&self.db, &actor.office_id)
                    .await?
                    .ok_or(RoutingError::NotFound("office"))?;
                let seq = u32::try_from(r.seq).unwrap_or_default();
                let number = LetterNumber {
                    office: actor.office_code.clone(),
                    issuer: office.name_th,
                    series: r.series.get(),
                    seq,
                    year,
                };
                number.to_string()
            }
        };
        let txn = self.db.begin().await?;
        let filled = Filled {
            letter_number: letter_number.clone(),
            letter_date: date.clone(),
            to_text: to.clone(),
            subject: subject.as_str().to_owned(),
        };
        if !store::fill_reservation(&txn, id, filled, &actor.username, now).await? {
            // Another clerk filled or cancelled it meanwhile, or it expired this instant: say which.
            txn.rollback().await?;
            let again = store::reservation_by_id(&self.db, id).await?.ok_or(RoutingError::NotFound("reservation"))?;
            may_fill(reservation_mark(again.state.get(), again.expires_at, now))?;
            return Err(RegisterOpRefusal::NotOpen.into());
        }
        let event = AuditEvent::by(
            actor,
            EventKind::RegisterReservationFilled,
            office_subject(actor),
            json!({
                "reservation_id": id,
                "number": format!("{}/{}", r.seq, r.year_be),
                "letter_number": letter_number,
                "date": date,
                "to": to,
                "subject": subject.as_str(),
            }),
        );
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        self.own_line(actor, RegisterKind::Send, year, r.series.get(), r.seq).await
    }

    /// Sets the number the actor's office's `register` in `series` gives next this year, from the
    /// paper register at go-live: forward only.
    pub async fn set_next_number(
        &self,
        actor: &Actor,
        register: RegisterKind,
        series: Series,
        next: i64,
        year: Option<i32>,
    ) -> Result<NextNumberView, RoutingError> {
        actor.require(Permission::SetRegisterStart)?;
        series.in_register(register)?;
        self.check_series_kept(actor, series).await?;
        if !(1..=MAX_NEXT).contains(&next) {
            return Err(RoutingError::Field { field: "next", message: format!("must be from 1 to {MAX_NEXT}") });
        }
        let now = self.clock.now();
        let this_year = YearBe::of(now);
        if let Some(wanted) = year {
            let wanted = YearBe::new(wanted).ok_or(RegisterOpRefusal::NotThisYear)?;
            check_year(wanted, this_year)?;
        }
        let txn = self.db.begin().await?;
        let before = numbering::peek_next(&txn, &actor.office_id, register, series, this_year).await?;
        let before = i64::from(before.seq.get());
        check_next(before, next)?;
        if let Some(current_next) =
            numbering::set_next(&txn, &actor.office_id, register, series, this_year, next).await?
        {
            // A number was taken meanwhile and the series is already there or past it.
            return Err(RegisterOpRefusal::NotForward { current_next }.into());
        }
        let event = AuditEvent::by(
            actor,
            EventKind::RegisterNextSet,
            office_subject(actor),
            json!({
                "register": register.as_str(),
                "series": series.as_str(),
                "year": this_year.get(),
                "from": before,
                "to": next,
            }),
        );
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        tracing::info!(register = register.as_str(), series = series.as_str(), next, "register next number set");
        Ok(NextNumberView { register, series, year: this_year.get(), next })
    }

    /// One line of the actor's own office's register, as the listing shows it.
    async fn own_line(
        &self,
        actor: &Actor,
        register: RegisterKind,
        year: YearBe,
        series: Series,
        seq: i64,
    ) -> Result<RegisterEntryView, RoutingError> {
        self.register(actor, &actor.office_code, register, year)
            .await?
            .into_iter()
            .find(|l| l.series == series && l.seq == seq)
            .ok_or(RoutingError::NotFound("register entry"))
    }
}

/// What register operations concern in the audit log: the office whose register it is.
fn office_subject(actor: &Actor) -> String {
    format!("office/{}", actor.office_code)
}

fn reservation_view(r: &register_reservation::Model, now: chrono::DateTime<chrono::Utc>) -> ReservationView {
    let mark: LineMark = reservation_mark(r.state.get(), r.expires_at, now);
    ReservationView {
        id: r.id.clone(),
        number: format!("{}/{}", r.seq, r.year_be),
        series: r.series.get(),
        seq: r.seq,
        mark,
        note: r.note.clone(),
        reserved_at: r.reserved_at,
        expires_at: r.expires_at,
    }
}
