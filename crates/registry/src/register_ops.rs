//! Storage of the register operations: finding one line of a register by its number, cancelling
//! it, and the reservations of numbers for paper letters (written, filled, cancelled, listed).
//! Every change is one conditional update, so two clerks acting on one line at once cannot both
//! succeed; the caller reads the line again to say why it lost.

use crate::RegistryError;
use crate::entity::{register_entry, register_entry_cancel, register_reservation};
use chrono::{DateTime, Utc};
use sarabun_domain::{RegisterKind, ReservationState, Series, YearBe};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// Where one register line is: office, register, series, year, number.
#[derive(Debug, Clone, Copy)]
pub struct LineAt<'a> {
    pub office_id: &'a str,
    pub register: RegisterKind,
    pub series: Series,
    pub year: YearBe,
    pub seq: i64,
}

/// The register entry of a letter at `at`, if a letter holds that number.
pub async fn entry_at(
    conn: &impl ConnectionTrait,
    at: LineAt<'_>,
) -> Result<Option<register_entry::Model>, RegistryError> {
    Ok(register_entry::Entity::find()
        .filter(register_entry::Column::OfficeId.eq(at.office_id))
        .filter(register_entry::Column::Register.eq(at.register.as_str()))
        .filter(register_entry::Column::Series.eq(at.series.as_str()))
        .filter(register_entry::Column::YearBe.eq(at.year.get()))
        .filter(register_entry::Column::Seq.eq(at.seq))
        .one(conn)
        .await?)
}

/// The reservation at `at`, if the number was reserved.
pub async fn reservation_at(
    conn: &impl ConnectionTrait,
    at: LineAt<'_>,
) -> Result<Option<register_reservation::Model>, RegistryError> {
    Ok(register_reservation::Entity::find()
        .filter(register_reservation::Column::OfficeId.eq(at.office_id))
        .filter(register_reservation::Column::Register.eq(at.register.as_str()))
        .filter(register_reservation::Column::Series.eq(at.series.as_str()))
        .filter(register_reservation::Column::YearBe.eq(at.year.get()))
        .filter(register_reservation::Column::Seq.eq(at.seq))
        .one(conn)
        .await?)
}

/// A reservation by id.
pub async fn reservation_by_id(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<register_reservation::Model>, RegistryError> {
    Ok(register_reservation::Entity::find_by_id(id.to_owned()).one(conn).await?)
}

/// Marks the register entry `id` cancelled; `false` when it already was.
pub async fn cancel_entry(
    conn: &impl ConnectionTrait,
    id: &str,
    reason: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    let done = register_entry_cancel::Entity::update_many()
        .col_expr(register_entry_cancel::Column::Cancelled, Expr::value(true))
        .col_expr(register_entry_cancel::Column::CancelledReason, Expr::value(reason))
        .col_expr(register_entry_cancel::Column::CancelledBy, Expr::value(by))
        .col_expr(register_entry_cancel::Column::CancelledAt, Expr::value(at))
        .filter(register_entry_cancel::Column::Id.eq(id))
        .filter(register_entry_cancel::Column::Cancelled.eq(false))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Writes a new reservation; the unique index refuses a number reserved twice.
pub async fn insert_reservation(
    conn: &impl ConnectionTrait,
    reservation: register_reservation::Model,
) -> Result<(), RegistryError> {
    register_reservation::ActiveModel::from(reservation).insert(conn).await?;
    Ok(())
}

/// Cancels the reservation `id`; `false` when it already was.
pub async fn cancel_reservation(
    conn: &impl ConnectionTrait,
    id: &str,
    reason: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    use register_reservation::Column as C;
    let done = register_reservation::Entity::update_many()
        .col_expr(C::State, Expr::value(ReservationState::Cancelled.as_str()))
        .col_expr(C::CancelledReason, Expr::value(reason))
        .col_expr(C::CancelledBy, Expr::value(by))
        .col_expr(C::CancelledAt, Expr::value(at))
        .filter(C::Id.eq(id))
        .filter(C::State.ne(ReservationState::Cancelled.as_str()))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// A paper letter's details, filled into its reserved number.
#[derive(Debug, Clone)]
pub struct Filled {
    pub letter_number: String,
    pub letter_date: String,
    pub to_text: String,
    pub subject: String,
}

/// Fills the reservation `id` if it is still reserved and not expired at `at`; `false` otherwise.
pub async fn fill_reservation(
    conn: &impl ConnectionTrait,
    id: &str,
    filled: Filled,
    by: &str,
    at: DateTime<Utc>,
) -> Result<bool, RegistryError> {
    use register_reservation::Column as C;
    let done = register_reservation::Entity::update_many()
        .col_expr(C::State, Expr::value(ReservationState::Filled.as_str()))
        .col_expr(C::LetterNumber, Expr::value(filled.letter_number))
        .col_expr(C::LetterDate, Expr::value(filled.letter_date))
        .col_expr(C::ToText, Expr::value(filled.to_text))
        .col_expr(C::Subject, Expr::value(filled.subject))
        .col_expr(C::FilledBy, Expr::value(by))
        .col_expr(C::FilledAt, Expr::value(at))
        .filter(C::Id.eq(id))
        .filter(C::State.eq(ReservationState::Reserved.as_str()))
        .filter(C::ExpiresAt.gt(at))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// An office's reservations in one register and year, by number.
pub async fn reservations(
    conn: &impl ConnectionTrait,
    office_id: &str,
    register: RegisterKind,
    year: YearBe,
) -> Result<Vec<register_reservation::Model>, RegistryError> {
    use register_reservation::Column as C;
    Ok(register_reservation::Entity::find()
        .filter(C::OfficeId.eq(office_id))
        .filter(C::Register.eq(register.as_str()))
        .filter(C::YearBe.eq(year.get()))
        .order_by_asc(C::Seq)
        .all(conn)
        .await?)
}

/// The cancellations of an office's register lines in one register and year.
pub async fn cancellations(
    conn: &impl ConnectionTrait,
    office_id: &str,
    register: RegisterKind,
    year: YearBe,
) -> Result<Vec<register_entry_cancel::Model>, RegistryError> {
    use register_entry_cancel::Column as C;
    Ok(register_entry_cancel::Entity::find()
        .filter(C::OfficeId.eq(office_id))
        .filter(C::Register.eq(register.as_str()))
        .filter(C::YearBe.eq(year.get()))
        .filter(C::Cancelled.eq(true))
        .all(conn)
        .await?)
}
