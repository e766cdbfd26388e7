//! The send and receive registers (ทะเบียนหนังสือส่ง / ทะเบียนหนังสือรับ) of an office for one B.E. year,
//! as lists and as CSV that Excel opens with Thai text intact (UTF-8 with a byte-order mark). A line
//! of a letter above the reader's clearance keeps its number, dates and parties but none of its
//! free text ([`mask_above_clearance`]), so the JSON, the CSV, the page and the print view alike
//! show only what the paper register would show a reader not cleared for it. Numbers cancelled,
//! reserved for paper letters, filled or expired (`register_ops`) are lines too, with their mark.

use crate::spreadsheet::CsvSheet;
use crate::views::RegisterEntryView;
use crate::{Actor, Correspondence, RoutingError};
use sarabun_domain::register_ops::reservation_mark;
use sarabun_domain::{
    LineMark, OfficeCode, RegisterKind, RegisterNumber, Secrecy, YearBe, thai_date, thai_letter_date, thai_time,
};
use sarabun_registry::entity::{register_entry, register_entry_cancel, register_reservation};
use sarabun_registry::{letters, register_ops};
use std::collections::HashMap;

impl Correspondence {
    /// An office's register for a year. Clerks, executives and office admins read their own office's;
    /// auditors read any office's.
    pub async fn register(
        &self,
        actor: &Actor,
        office: &OfficeCode,
        register: RegisterKind,
        year: YearBe,
    ) -> Result<Vec<RegisterEntryView>, RoutingError> {
        let target = self.readable_register(actor, office).await?;
        self.register_of(actor, &target, register, year).await
    }

    /// The register of `target`, an office whose registers `actor` may read.
    pub(crate) async fn register_of(
        &self,
        actor: &Actor,
        target: &sarabun_registry::entity::office::Model,
        register: RegisterKind,
        year: YearBe,
    ) -> Result<Vec<RegisterEntryView>, RoutingError> {
        let mut entries = letters::register_entries(&self.db, &target.id, register, year).await?;
        let ids: Vec<String> = entries.iter().map(|e| e.letter_id.clone()).collect();
        let secrecy = letters::secrecy_of(&self.db, &ids).await?;
        let outside = sarabun_registry::outside::outside_letter_ids(&self.db, &ids).await?;
        let channels = match register {
            RegisterKind::Send => sarabun_registry::outside_send::channels_of(&self.db, &ids).await?,
            RegisterKind::Receive => HashMap::new(),
        };
        for e in &mut entries {
            let level = secrecy.get(&e.letter_id).copied().unwrap_or(Secrecy::TopSecret);
            mask_above_clearance(e, level, actor.clearance);
        }
        let cancellations: HashMap<String, register_entry_cancel::Model> =
            register_ops::cancellations(&self.db, &target.id, register, year)
                .await?
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect();
        let now = self.clock.now();
        let mut lines = entries
            .into_iter()
            .map(|e| {
                let cancel = cancellations.get(&e.id);
                let from_outside = outside.contains(&e.letter_id);
                let outside_recipients = channels.get(&e.letter_id).and_then(outside_channels_thai);
                Ok(RegisterEntryView {
                    number: number_of(year, e.seq)?,
                    series: e.series.get(),
                    seq: e.seq,
                    recorded_at: e.recorded_at,
                    letter_id: e.letter_id,
                    delivery_id: e.delivery_id,
                    letter_number: e.letter_number,
                    letter_date: e.letter_date,
                    from: e.from_text,
                    to: e.to_text,
                    subject: e.subject,
                    action: e.action,
                    remarks: if e.cancelled {
                        joined(&[e.remarks.as_deref(), cancel.and_then(|c| c.cancelled_reason.as_deref())])
                    } else {
                        e.remarks
                    },
                    cancelled: e.cancelled,
                    mark: if e.cancelled {
                        LineMark::Cancelled
                    } else if from_outside {
                        LineMark::Outside
                    } else {
                        LineMark::Letter
                    },
                    cancelled_reason: cancel.and_then(|c| c.cancelled_reason.clone()),
                    cancelled_by: cancel.and_then(|c| c.cancelled_by.clone()),
                    cancelled_at: cancel.and_then(|c| c.cancelled_at),
                    reservation_id: None,
                    note: None,
                    expires_at: None,
                    outside_recipients,
                })
            })
            .collect::<Result<Vec<_>, RoutingError>>()?;
        for r in register_ops::reservations(&self.db, &target.id, register, year).await? {
            lines.push(reservation_line(r, &target.name_th, now)?);
        }
        // As in the paper book: the ordinary series first, then circulars (ว), orders, announcements,
        // regulations and rules (`Series::rank`), each by number.
        lines.sort_by_key(|e| (e.series.rank(), e.seq));
        Ok(lines)
    }
}

/// How a sent letter went to its recipients outside Sarabun, as the register's remarks say it.
fn outside_channels_thai(c: &sarabun_registry::outside_send::OutsideChannels) -> Option<String> {
    match (c.email, c.post) {
        (true, true) => Some("ส่งภายนอกทางอีเมลและทางไปรษณีย์".to_owned()),
        (true, false) => Some("ส่งภายนอกทางอีเมล".to_owned()),
        (false, true) => Some("ส่งภายนอกทางไปรษณีย์".to_owned()),
        (false, false) => None,
    }
}

/// The `{seq}/{year}` of a stored line.
fn number_of(year: YearBe, seq: i64) -> Result<String, RoutingError> {
    RegisterNumber::new(year, seq)
        .map(|n| n.to_string())
        .ok_or_else(|| RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(format!("seq {seq}"))))
}

/// Non-empty parts joined as one remark, `None` when there are none.
fn joined(parts: &[Option<&str>]) -> Option<String> {
    let parts: Vec<&str> = parts.iter().flatten().copied().filter(|p| !p.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join(" — "))
}

/// A reserved number as a register line: the paper letter's details once filled, and its mark
/// (reserved, filled, expired, cancelled) in the remarks, so every view of the register shows it.
fn reservation_line(
    r: register_reservation::Model,
    office_name: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RegisterEntryView, RoutingError> {
    let mark = reservation_mark(r.state.get(), r.expires_at, now);
    let remarks = match mark {
        LineMark::Cancelled => joined(&[r.cancelled_reason.as_deref(), Some(&r.note)]),
        _ => joined(&[Some(mark.thai()), Some(&r.note)]),
    };
    let year = YearBe::new(r.year_be).ok_or_else(|| {
        RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(format!("year {}", r.year_be)))
    })?;
    Ok(RegisterEntryView {
        number: number_of(year, r.seq)?,
        series: r.series.get(),
        seq: r.seq,
        recorded_at: r.filled_at.unwrap_or(r.reserved_at),
        letter_id: String::new(),
        delivery_id: None,
        letter_number: r.letter_number.unwrap_or_default(),
        letter_date: r.letter_date.unwrap_or_default(),
        from: office_name.to_owned(),
        to: r.to_text.unwrap_or_default(),
        subject: r.subject.unwrap_or_default(),
        action: None,
        remarks,
        cancelled: mark == LineMark::Cancelled,
        mark,
        cancelled_reason: r.cancelled_reason,
        cancelled_by: r.cancelled_by,
        cancelled_at: r.cancelled_at,
        reservation_id: Some(r.id),
        note: Some(r.note),
        expires_at: Some(r.expires_at),
        outside_recipients: None,
    })
}

/// The one rule for a register line of a letter whose secrecy `level` is above the reader's
/// `clearance`: every free-text field (subject, action, remarks) is masked; the subject says which
/// level it is, as the paper register would. The line itself (number, dates, parties) stays.
fn mask_above_clearance(entry: &mut register_entry::Model, level: Secrecy, clearance: Secrecy) {
    if clearance.clears(level) {
        return;
    }
    entry.subject = format!("({})", level.thai().unwrap_or("ลับ"));
    entry.action = None;
    entry.remarks = None;
}

/// The paper register's columns, in Thai, as the CSV and the workbook head them.
pub(crate) fn register_header(register: RegisterKind) -> &'static [&'static str] {
    match register {
        RegisterKind::Send => &["เลขทะเบียนส่ง", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง", "การปฏิบัติ", "หมายเหตุ"],
        RegisterKind::Receive => {
            &["เลขทะเบียนรับ", "วันที่รับ", "เวลา", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง", "การปฏิบัติ", "หมายเหตุ"]
        }
    }
}

/// A line's remarks with its mark, as a spreadsheet shows them: `ยกเลิก …` for a cancelled number,
/// `หนังสือภายนอกระบบ …` for a letter from outside (a reservation's remarks carry its mark already),
/// then how it went to recipients outside Sarabun, when the line records that.
fn marked_remarks(e: &RegisterEntryView) -> String {
    let remarks = e.remarks.as_deref().unwrap_or_default();
    let marked = match e.mark {
        _ if e.cancelled => format!("{} {remarks}", LineMark::Cancelled.thai()),
        LineMark::Outside => format!("{} {remarks}", LineMark::Outside.thai()),
        _ => remarks.to_owned(),
    };
    let marked = marked.trim().to_owned();
    match e.outside_recipients.as_deref().filter(|o| !o.is_empty()) {
        Some(outside) if marked.is_empty() => outside.to_owned(),
        Some(outside) => format!("{marked} — {outside}"),
        None => marked,
    }
}

/// One register line as the paper register's columns ([`register_header`]): the running number
/// with its series (`Series::register_label`), dates in B.E. and Bangkok time, remarks with the mark.
pub(crate) fn register_row(register: RegisterKind, e: &RegisterEntryView) -> Vec<String> {
    let number = e.series.register_label(e.seq);
    let letter_date = thai_letter_date(&e.letter_date);
    let remarks = marked_remarks(e);
    let action = e.action.clone().unwrap_or_default();
    match register {
        RegisterKind::Send => vec![
            number,
            e.letter_number.clone(),
            letter_date,
            e.from.clone(),
            e.to.clone(),
            e.subject.clone(),
            action,
            remarks,
        ],
        RegisterKind::Receive => vec![
            number,
            thai_date(e.recorded_at),
            thai_time(e.recorded_at),
            e.letter_number.clone(),
            letter_date,
            e.from.clone(),
            e.to.clone(),
            e.subject.clone(),
            action,
            remarks,
        ],
    }
}

/// The register as CSV with the paper register's columns, dates in B.E. and Bangkok time, written
/// by the node's one CSV writer ([`CsvSheet`]: BOM, CRLF, formulas neutralised).
pub fn register_csv(register: RegisterKind, entries: &[RegisterEntryView]) -> Vec<u8> {
    let mut sheet = CsvSheet::new(register_header(register));
    for e in entries {
        sheet.row(register_row(register, e));
    }
    sheet.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(action: Option<&str>, remarks: Option<&str>) -> register_entry::Model {
        register_entry::Model {
            id: "e".into(),
            office_id: "o".into(),
            register: RegisterKind::Receive.into(),
            series: sarabun_domain::Series::Normal.into(),
            year_be: 2569,
            seq: 1,
            letter_id: "l".into(),
            delivery_id: None,
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            letter_number: "กค 0100/1".into(),
            letter_date: "2026-11-25".into(),
            from_text: "สำนักงานปลัดกระทรวงการคลัง".into(),
            to_text: "กรมบัญชีกลาง".into(),
            subject: "แผนการตรวจสอบ".into(),
            action: action.map(str::to_owned),
            remarks: remarks.map(str::to_owned),
            cancelled: false,
        }
    }

    #[test]
    fn lines_above_clearance_lose_every_free_text_field() {
        let mut e = line(Some("เสนออธิบดี"), Some("ด่วน"));
        mask_above_clearance(&mut e, Secrecy::Confidential, Secrecy::None);
        assert_eq!((e.subject.as_str(), e.action, e.remarks), ("(ลับ)", None, None));
        assert_eq!((e.letter_number.as_str(), e.seq), ("กค 0100/1", 1), "the line itself stays");
        let mut e = line(Some("เสนออธิบดี"), Some("ด่วน"));
        mask_above_clearance(&mut e, Secrecy::Confidential, Secrecy::Confidential);
        assert_eq!((e.subject.as_str(), e.action.as_deref()), ("แผนการตรวจสอบ", Some("เสนออธิบดี")));
    }
}
