//! The send and receive registers (ทะเบียนหนังสือส่ง / ทะเบียนหนังสือรับ) of an office for one B.E. year,
//! as lists and as CSV that Excel opens with Thai text intact (UTF-8 with a byte-order mark).

use crate::views::RegisterEntryView;
use crate::{Actor, Correspondence, RoutingError};
use sarabun_domain::{
    OfficeCode, Permission, RegisterKind, RegisterNumber, Secrecy, Series, YearBe, thai_date, thai_letter_date,
    thai_time,
};
use sarabun_registry::{directory, letters};

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
        let target = directory::office_by_code(&self.db, office).await?.ok_or(RoutingError::NotFound("office"))?;
        let own = target.id == actor.office_id && actor.may(Permission::ReadOfficeRegisters);
        if !(own || actor.may(Permission::ReadAllOffices)) {
            return Err(RoutingError::Forbidden);
        }
        let mut entries = letters::register_entries(&self.db, &target.id, register, year).await?;
        // A register line shows a secret letter's subject only to those cleared for it; the line
        // itself (number, date, parties) stays, as in the paper register.
        let ids: Vec<String> = entries.iter().map(|e| e.letter_id.clone()).collect();
        let secrecy = letters::secrecy_of(&self.db, &ids).await?;
        for e in &mut entries {
            let level = secrecy.get(&e.letter_id).and_then(|s| Secrecy::parse(s).ok()).unwrap_or(Secrecy::TopSecret);
            if !actor.clearance.clears(level) {
                e.subject = format!("({})", level.thai().unwrap_or("ลับ"));
            }
        }
        // As in the paper book: the ordinary series first, then the circular series (ว), each by number.
        entries.sort_by_key(|e| (e.series != Series::Normal.as_str(), e.seq));
        entries
            .into_iter()
            .map(|e| {
                let series = Series::parse(&e.series)
                    .map_err(|err| RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(err.to_string())))?;
                let number = RegisterNumber::new(year, e.seq).ok_or_else(|| {
                    RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(format!("seq {}", e.seq)))
                })?;
                Ok(RegisterEntryView {
                    number: number.to_string(),
                    series,
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
                    remarks: e.remarks,
                    cancelled: e.cancelled,
                })
            })
            .collect()
    }
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The register as CSV with the paper register's columns, dates in B.E. and Bangkok time.
pub fn register_csv(register: RegisterKind, entries: &[RegisterEntryView]) -> Vec<u8> {
    let header: &[&str] = match register {
        RegisterKind::Send => &["เลขทะเบียนส่ง", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง", "การปฏิบัติ", "หมายเหตุ"],
        RegisterKind::Receive => {
            &["เลขทะเบียนรับ", "วันที่รับ", "เวลา", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง", "การปฏิบัติ", "หมายเหตุ"]
        }
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for e in entries {
        let number = match e.series {
            Series::Normal => e.seq.to_string(),
            Series::Circular => format!("ว {}", e.seq),
        };
        let letter_date = thai_letter_date(&e.letter_date);
        let mut remarks = e.remarks.clone().unwrap_or_default();
        if e.cancelled {
            remarks = format!("ยกเลิก {remarks}").trim().to_owned();
        }
        let action = e.action.clone().unwrap_or_default();
        let row: Vec<String> = match register {
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
        };
        out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("ขอเชิญประชุม"), "ขอเชิญประชุม");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
