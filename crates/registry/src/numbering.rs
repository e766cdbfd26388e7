//! Gapless register numbering. Every office has a send register (a counter per series it keeps) and a
//! receive register; each restarts at 1 every B.E. year. Taking a number increments one counter row
//! inside the caller's transaction, so:
//! - two clerks (or two nodes) taking at once are serialised by the row lock and get consecutive
//!   numbers;
//! - a transaction that fails rolls its increment back, so no number is burnt;
//! - the unique index on `register_entries` refuses a reused number even if this code were wrong.

use crate::RegistryError;
use crate::entity::register_counter::{self, Column};
use sarabun_domain::{RegisterKind, RegisterNumber, Series, YearBe};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, EntityName};

/// The insert of a register's counter row for a series and year, at `last_seq`; each caller says
/// what a row that exists already becomes.
fn counter_row(
    office_id: &str,
    register: RegisterKind,
    series: Series,
    year: YearBe,
    last_seq: i64,
) -> sea_orm::sea_query::InsertStatement {
    Query::insert()
        .into_table(register_counter::Entity.table_ref())
        .columns([Column::OfficeId, Column::Register, Column::Series, Column::YearBe, Column::LastSeq])
        .values_panic([
            office_id.into(),
            register.as_str().into(),
            series.as_str().into(),
            year.get().into(),
            last_seq.into(),
        ])
        .to_owned()
}

/// Makes the counter row of a register's series and year (at 0) unless it exists.
async fn ensure_counter(
    conn: &impl ConnectionTrait,
    office_id: &str,
    register: RegisterKind,
    series: Series,
    year: YearBe,
) -> Result<(), RegistryError> {
    let insert = counter_row(office_id, register, series, year, 0)
        .on_conflict(
            OnConflict::columns([Column::OfficeId, Column::Register, Column::Series, Column::YearBe])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    conn.execute(&insert).await?;
    Ok(())
}

/// Takes the next number of `office_id`'s `register` in `series` for `year`. Must run inside the
/// transaction that writes the register entry, or the number could be lost.
pub async fn take_next(
    conn: &impl ConnectionTrait,
    office_id: &str,
    register: RegisterKind,
    series: Series,
    year: YearBe,
) -> Result<RegisterNumber, RegistryError> {
    // One statement (the row is made at 1 or incremented), since the row lock it takes is held
    // until the caller commits: every round trip after it is time other takers wait.
    let take = counter_row(office_id, register, series, year, 1)
        .on_conflict(
            OnConflict::columns([Column::OfficeId, Column::Register, Column::Series, Column::YearBe])
                .value(Column::LastSeq, Expr::col((register_counter::Entity, Column::LastSeq)).add(1))
                .to_owned(),
        )
        .returning(Query::returning().column(Column::LastSeq))
        .to_owned();
    let row =
        conn.query_one(&take).await?.ok_or_else(|| RegistryError::Corrupt("register counter row vanished".into()))?;
    let last: i64 = row.try_get("", "last_seq")?;
    RegisterNumber::new(year, last).ok_or_else(|| RegistryError::Corrupt(format!("register counter at {last}")))
}

/// The number [`take_next`] would give now, read without taking it or locking anything: for work
/// that must be done before the transaction that takes the number (stamping the number onto a
/// PDF). The caller must check the number it then takes and redo the work if it differs.
pub async fn peek_next(
    conn: &impl ConnectionTrait,
    office_id: &str,
    register: RegisterKind,
    series: Series,
    year: YearBe,
) -> Result<RegisterNumber, RegistryError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let counter = register_counter::Entity::find()
        .filter(Column::OfficeId.eq(office_id))
        .filter(Column::Register.eq(register.as_str()))
        .filter(Column::Series.eq(series.as_str()))
        .filter(Column::YearBe.eq(year.get()))
        .one(conn)
        .await?;
    let next = counter.map_or(0, |c| c.last_seq).saturating_add(1);
    RegisterNumber::new(year, next).ok_or_else(|| RegistryError::Corrupt(format!("register counter at {next}")))
}

/// Sets the next number `office_id`'s `register` in `series` for `year` will give to `next`, only
/// forward: refused (`Ok(Some(current_next))`) unless `next` is above the number it would give now.
/// One conditional update, so a number taken meanwhile by another transaction is never given twice.
pub async fn set_next(
    conn: &impl ConnectionTrait,
    office_id: &str,
    register: RegisterKind,
    series: Series,
    year: YearBe,
    next: i64,
) -> Result<Option<i64>, RegistryError> {
    ensure_counter(conn, office_id, register, series, year).await?;
    let last = next - 1;
    let update = Query::update()
        .table(register_counter::Entity.table_ref())
        .value(Column::LastSeq, last)
        .and_where(Expr::col(Column::OfficeId).eq(office_id))
        .and_where(Expr::col(Column::Register).eq(register.as_str()))
        .and_where(Expr::col(Column::Series).eq(series.as_str()))
        .and_where(Expr::col(Column::YearBe).eq(year.get()))
        .and_where(Expr::col(Column::LastSeq).lt(last))
        .to_owned();
    if conn.execute(&update).await?.rows_affected() == 1 {
        return Ok(None);
    }
    let current = peek_next(conn, office_id, register, series, year).await?;
    Ok(Some(i64::from(current.seq.get())))
}
