//! The one CSV writer of the node: registers, retention lists and any other table an office
//! downloads go through [`CsvSheet`], so every such file opens the same way in Excel and none can
//! carry a formula.
//!
//! The files are UTF-8 with a byte-order mark (without it Excel reads Thai as Windows-874 mojibake),
//! lines end in CRLF, and fields are quoted by the `csv` crate only when they need it. Free text
//! typed by people (subjects, actions, remarks, reasons) reaches other people's spreadsheets, so
//! every field is first passed through [`neutralise`], OWASP's rule against CSV injection.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula (or, for tab and carriage
/// return, let the next cell start with one), per OWASP's "CSV Injection".
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A field as it may be written into a CSV file: a field starting with `=`, `+`, `-`, `@`, tab or
/// carriage return gets a single quote in front, which spreadsheets show as text and never
/// evaluate; every other field is kept as it is. This is the only place the rule is written.
pub fn neutralise(field: &str) -> Cow<'_, str> {
    if field.starts_with(FORMULA_STARTS) { Cow::Owned(format!("'{field}")) } else { Cow::Borrowed(field) }
}

/// A CSV file being written in memory: the header first, then rows, every field neutralised.
pub struct CsvSheet {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvSheet {
    /// A sheet with the byte-order mark and the header row written.
    pub fn new(header: &[&str]) -> Self {
        let mut sheet = CsvSheet {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .quote_style(csv::QuoteStyle::Necessary)
                .from_writer("\u{feff}".as_bytes().to_vec()),
        };
        sheet.row(header.iter().copied());
        sheet
    }

    /// Appends one row.
    pub fn row<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let fields: Vec<String> = fields.into_iter().map(|f| neutralise(f.as_ref()).into_owned()).collect();
        // Writing into a Vec cannot fail: `io::Write for Vec<u8>` never errors.
        self.writer.write_record(&fields).expect("writing CSV into memory cannot fail");
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.writer.into_inner().expect("flushing CSV into memory cannot fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralise_table() {
        let table: &[(&str, &str)] = &[
            // Formula starts get a quote in front.
            ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            // Everything else is kept.
            ("ขอเชิญประชุม", "ขอเชิญประชุม"),
            ("เสนออธิบดี", "เสนออธิบดี"),
            ("a=b", "a=b"),
            ("1/2569", "1/2569"),
            ("ว 12", "ว 12"),
            ("'quoted", "'quoted"),
            (" =1", " =1"),
            ("", ""),
        ];
        for (input, expected) in table {
            assert_eq!(neutralise(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn sheet_keeps_excel_details_and_quotes_what_needs_quoting() {
        let mut sheet = CsvSheet::new(&["เรื่อง", "หมายเหตุ"]);
        sheet.row(["a,b", "say \"hi\""]);
        sheet.row(["=1+1", "line\nbreak"]);
        let text = String::from_utf8(sheet.finish()).unwrap();
        assert_eq!(text, "\u{feff}เรื่อง,หมายเหตุ\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n'=1+1,\"line\nbreak\"\r\n");
    }
}
