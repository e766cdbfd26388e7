//! Appending an incremental update (ISO 32000 §7.5.6) after the original bytes.
//!
//! lopdf's own incremental saving re-serialises more than it must, so the section is written
//! here: new and changed objects, then a cross-reference section in the same form as the
//! original's last one (a classic table, or an xref stream for files that use them), then a
//! trailer chaining to the original with /Prev. The original bytes are copied unchanged first,
//! which is what makes the stamp provably additive.

use std::io::Write as _;

use lopdf::{Dictionary, Object, ObjectId, xref::XrefEntry};

use crate::StampError;

/// How the appended section's cross-reference data is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrefStyle {
    /// `xref` table and `trailer` dictionary.
    Table,
    /// A cross-reference stream (PDF 1.5), for originals that use them.
    Stream,
}

/// Where the update chains to.
pub enum Chain {
    /// The original's cross-reference data is sound: list only our objects and point /Prev at
    /// the original's `startxref` value.
    Prev(i64),
    /// The original's cross-reference data had to be rebuilt by scanning: list every object
    /// (with the rebuilt offsets) so readers need not repeat the repair, and omit /Prev.
    Full(Vec<(u32, XrefEntry)>),
}

/// Everything needed to write the update after `original`.
pub struct Update<'a> {
    pub original: &'a [u8],
    /// Offset of `%PDF-` in `original`; offsets in the file count from there, as lopdf read them.
    pub header_offset: usize,
    pub objects: Vec<(ObjectId, Object)>,
    /// The original trailer (merged over all revisions), used for /Root, /Info and /ID.
    pub trailer: &'a Dictionary,
    /// First object number not used by the original or by `objects`.
    pub next_id: u32,
    pub style: XrefStyle,
    pub chain: Chain,
}

/// Serialise the update and return the complete stamped file.
pub fn write(update: Update<'_>) -> Result<Vec<u8>, StampError> {
    let io = |e: std::io::Error| StampError::Damaged(format!("cannot serialise update: {e}"));
    let mut out = Vec::with_capacity(update.original.len() + 64 * 1024);
    out.extend_from_slice(update.original);
    if !matches!(out.last(), Some(b'\n' | b'\r')) {
        out.push(b'\n');
    }
    let base = update.header_offset;

    let mut entries: Vec<(u32, u16, usize)> = Vec::with_capacity(update.objects.len() + 1);
    for (id, object) in &update.objects {
        entries.push((id.0, id.1, out.len() - base));
        writeln!(out, "{} {} obj", id.0, id.1).expect("writing to a Vec cannot fail");
        lopdf::Writer::write_object(&mut out, object).map_err(io)?;
        out.extend_from_slice(b"\nendobj\n");
    }

    let mut trailer = Dictionary::new();
    for key in [&b"Root"[..], b"Info", b"ID"] {
        if let Ok(value) = update.trailer.get(key) {
            trailer.set(key.to_vec(), value.clone());
        }
    }
    let xref_id = update.next_id;
    let size = match update.style {
        XrefStyle::Table => xref_id,
        XrefStyle::Stream => xref_id + 1,
    };
    trailer.set("Size", Object::Integer(i64::from(size)));
    let mut rows: Vec<(u32, Row)> = Vec::new();
    match &update.chain {
        Chain::Prev(prev) => trailer.set("Prev", Object::Integer(*prev)),
        Chain::Full(all) => {
            rows.push((0, Row::Free));
            for (id, entry) in all {
                let row = match *entry {
                    XrefEntry::Normal { offset, generation } => Row::InUse(offset as usize, generation),
                    XrefEntry::Compressed { container, index } => Row::Compressed(container, index),
                    _ => continue,
                };
                if *id != 0 {
                    rows.push((*id, row));
                }
            }
        }
    }
    for (id, generation, offset) in &entries {
        rows.retain(|(r, _)| r != id);
        rows.push((*id, Row::InUse(*offset, *generation)));
    }

    let xref_offset = out.len() - base;
    match update.style {
        XrefStyle::Table => {
            rows.sort_by_key(|(id, _)| *id);
            out.extend_from_slice(b"xref\n");
            for run in runs(&rows) {
                writeln!(out, "{} {}", run[0].0, run.len()).expect("Vec write");
                for (_, row) in run {
                    match row {
                        Row::InUse(offset, generation) => {
                            write!(out, "{offset:010} {generation:05} n\r\n").expect("Vec write")
                        }
                        // Only a rebuilt table can have compressed members; they are written as
                        // a stream instead, so this arm only ever sees the free head.
                        Row::Free | Row::Compressed(..) => out.extend_from_slice(b"0000000000 65535 f\r\n"),
                    }
                }
            }
            out.extend_from_slice(b"trailer\n");
            lopdf::Writer::write_object(&mut out, &Object::Dictionary(trailer)).map_err(io)?;
            out.push(b'\n');
        }
        XrefStyle::Stream => {
            rows.push((xref_id, Row::InUse(xref_offset, 0)));
            rows.sort_by_key(|(id, _)| *id);
            let max_field = rows
                .iter()
                .map(|(_, r)| match r {
                    Row::InUse(offset, _) => *offset as u64,
                    Row::Compressed(container, _) => u64::from(*container),
                    Row::Free => 0,
                })
                .max()
                .unwrap_or(0);
            let width = (1..=8).find(|w| max_field < 1u64 << (8 * w)).unwrap_or(8);
            let mut index = Vec::new();
            let mut data = Vec::with_capacity(rows.len() * (3 + width));
            for run in runs(&rows) {
                index.push(Object::Integer(i64::from(run[0].0)));
                index.push(Object::Integer(run.len() as i64));
                for (_, row) in run {
                    let (kind, field2, field3) = match row {
                        Row::Free => (0u8, 0u64, 0xFFFFu16),
                        Row::InUse(offset, generation) => (1, *offset as u64, *generation),
                        Row::Compressed(container, idx) => (2, u64::from(*container), *idx),
                    };
                    data.push(kind);
                    data.extend_from_slice(&field2.to_be_bytes()[8 - width..]);
                    data.extend_from_slice(&field3.to_be_bytes());
                }
            }
            trailer.set("Type", Object::Name(b"XRef".to_vec()));
            trailer
                .set("W", Object::Array(vec![Object::Integer(1), Object::Integer(width as i64), Object::Integer(2)]));
            trailer.set("Index", Object::Array(index));
            let stream = lopdf::Stream::new(trailer, data);
            writeln!(out, "{xref_id} 0 obj").expect("Vec write");
            lopdf::Writer::write_object(&mut out, &Object::Stream(stream)).map_err(io)?;
            out.extend_from_slice(b"\nendobj\n");
        }
    }
    write!(out, "startxref\n{xref_offset}\n%%EOF\n").expect("Vec write");
    Ok(out)
}

#[derive(Debug, Clone, Copy)]
enum Row {
    Free,
    InUse(usize, u16),
    Compressed(u32, u16),
}

/// Split sorted rows into runs of consecutive object numbers (xref subsections).
fn runs(rows: &[(u32, Row)]) -> Vec<&[(u32, Row)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || rows[i].0 != rows[i - 1].0 + 1 {
            if start < i {
                out.push(&rows[start..i]);
            }
            start = i;
        }
    }
    out
}

/// The value of the last `startxref` in the file, if there is one and it is a number.
pub fn last_startxref(original: &[u8]) -> Option<i64> {
    let tail_start = original.len().saturating_sub(4096);
    let tail = &original[tail_start..];
    let pos = tail.windows(9).rposition(|w| w == b"startxref")?;
    let rest = &tail[pos + 9..];
    let digits: Vec<u8> =
        rest.iter().copied().skip_while(|b| b.is_ascii_whitespace()).take_while(u8::is_ascii_digit).collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// Whether the cross-reference data at `offset` (counted from the header) is a classic table.
pub fn is_classic_table(original: &[u8], header_offset: usize, offset: i64) -> Option<bool> {
    let at = header_offset.checked_add(usize::try_from(offset).ok()?)?;
    let bytes = original.get(at..)?;
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let bytes = &bytes[start..];
    if bytes.starts_with(b"xref") {
        Some(true)
    } else if bytes.first().is_some_and(u8::is_ascii_digit) {
        Some(false)
    } else {
        None
    }
}
