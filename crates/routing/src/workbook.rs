//! The registers as an `.xlsx` workbook (rust_xlsxwriter) that opens in Excel and LibreOffice: one
//! sheet per series, named in Thai (หนังสือทั่วไป, หนังสือเวียน, คำสั่ง, …), each with the paper register's
//! header row and exactly the rows the CSV has for that series (`registers::register_row`: B.E.
//! dates, Bangkok time, the marks in the remarks). Every cell is written as a string cell, which a
//! spreadsheet never evaluates, so the CSV's formula quote is not needed here and text reads back as
//! typed. Access is the register's (`access::readable_register`); the sheets are the series the office
//! keeps, and any series given up that still has lines that year.

use crate::registers::{register_header, register_row};
use crate::views::RegisterEntryView;
use crate::{Actor, Correspondence, RoutingError};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use sarabun_domain::{OfficeCode, RegisterKind, Series, YearBe};

/// Column widths (Excel character units) of the send register's columns, then the receive's.
const SEND_WIDTHS: [f64; 8] = [14.0, 34.0, 18.0, 30.0, 30.0, 50.0, 24.0, 30.0];
const RECEIVE_WIDTHS: [f64; 10] = [14.0, 18.0, 10.0, 24.0, 18.0, 30.0, 30.0, 50.0, 24.0, 30.0];

impl Correspondence {
    /// An office's register for a year as an `.xlsx` workbook, one sheet per series; read as
    /// [`Correspondence::register`] is.
    pub async fn register_workbook(
        &self,
        actor: &Actor,
        office: &OfficeCode,
        register: RegisterKind,
        year: YearBe,
    ) -> Result<Vec<u8>, RoutingError> {
        let target = self.readable_register(actor, office).await?;
        let entries = self.register_of(actor, &target, register, year).await?;
        let chosen = sarabun_registry::series::chosen_series(&self.db, &target.id).await?;
        let sheets: Vec<Series> = Series::ALL
            .iter()
            .copied()
            .filter(|s| s.in_register(register).is_ok())
            .filter(|s| s.kept_by(&chosen).is_ok() || entries.iter().any(|e| e.series == *s))
            .collect();
        tokio::task::spawn_blocking(move || register_workbook(register, &sheets, &entries))
            .await
            .map_err(|e| RoutingError::Internal(format!("workbook task: {e}")))?
            .map_err(|e| RoutingError::Internal(format!("workbook: {e}")))
    }
}

/// The workbook of `entries`, a sheet for each of `sheets` in that order (empty ones with their
/// header only, so every series the office keeps is there).
pub fn register_workbook(
    register: RegisterKind,
    sheets: &[Series],
    entries: &[RegisterEntryView],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let head = Format::new().set_bold().set_align(FormatAlign::Center).set_text_wrap();
    let cell = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let widths: &[f64] = match register {
        RegisterKind::Send => &SEND_WIDTHS,
        RegisterKind::Receive => &RECEIVE_WIDTHS,
    };
    for series in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(series.thai())?;
        for (col, title) in register_header(register).iter().enumerate() {
            let col = col as u16;
            sheet.write_string_with_format(0, col, *title, &head)?;
            sheet.set_column_width(col, widths.get(usize::from(col)).copied().unwrap_or(20.0))?;
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.set_landscape();
        sheet.set_repeat_rows(0, 0)?;
        for (row, e) in (1_u32..).zip(entries.iter().filter(|e| e.series == *series)) {
            for (col, text) in register_row(register, e).iter().enumerate() {
                sheet.write_string_with_format(row, col as u16, text, &cell)?;
            }
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_register_still_has_its_sheets() {
        let bytes = register_workbook(RegisterKind::Send, &[Series::Normal, Series::Order], &[]).unwrap();
        assert!(bytes.starts_with(b"PK"), "an xlsx is a zip package");
    }
}
