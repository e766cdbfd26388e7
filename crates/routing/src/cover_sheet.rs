//! The cover sheet (ใบนำส่ง) of a letter sent by post to a recipient outside Sarabun: one A4 page in
//! Thai, as a clerk prints it to go with the letter — the sending office, the letter's number and
//! date, its subject, the addressee and postal address, a table of what is sent (the letter and its
//! enclosures), and lines for the clerk who posts it. Drawn with the receiving stamp's font and
//! layout helpers (`sarabun_stamp::font`, `layout`, `wrap`: Thai shaped by rustybuzz, the Sarabun
//! font embedded as a subset with a ToUnicode map, so `pdftotext` reads the text back). Pure: no
//! I/O, no clock.

use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use sarabun_stamp::StampError;
use sarabun_stamp::font::FontBuilder;
use sarabun_stamp::layout::{CM, draw_line, fmt};
use sarabun_stamp::wrap::wrap;
use std::fmt::Write as _;

/// A4 in points.
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 3.0 * CM;
const RIGHT: f32 = PAGE_W - 2.0 * CM;
const TOP: f32 = PAGE_H - 2.5 * CM;
const BODY: f32 = 16.0;
const LEADING: f32 = 1.45;

/// What the cover sheet says.
#[derive(Debug, Clone)]
pub(crate) struct CoverSheet {
    pub office_name: String,
    /// `กค 0100/12`.
    pub letter_number: String,
    /// `1 ธันวาคม 2569`.
    pub letter_date_th: String,
    pub subject: String,
    pub addressee: String,
    pub postal_address: String,
    /// The enclosures' file names.
    pub enclosures: Vec<String>,
    /// สิ่งที่ส่งมาด้วย as the letter writes it.
    pub enclosures_note: Option<String>,
    pub signer_name: String,
    pub signer_position: String,
}

/// Text drawn on the page, collected and shaped once the font is known.
struct Page {
    font: FontBuilder,
    out: String,
}

impl Page {
    fn width(&self, text: &str, size: f32) -> f32 {
        self.font.measure(text) as f32 / self.font.units_per_em() * size
    }

    /// One line of text at `x` on `baseline`.
    fn text(&mut self, text: &str, size: f32, x: f32, baseline: f32) {
        if text.is_empty() {
            return;
        }
        let upem = self.font.units_per_em();
        let line = self.font.shape(text);
        self.out.push_str("BT\n");
        draw_line(&mut self.out, &line, upem, size, x, baseline);
        self.out.push_str("ET\n");
    }

    fn centred(&mut self, text: &str, size: f32, centre: f32, baseline: f32) {
        let w = self.width(text, size);
        self.text(text, size, centre - w / 2.0, baseline);
    }

    /// `text` wrapped to `width` points from `x`, first baseline `baseline`; returns the baseline
    /// after the last line.
    fn paragraph(&mut self, text: &str, size: f32, x: f32, width: f32, baseline: f32) -> f32 {
        let units = (width / size * self.font.units_per_em()) as i32;
        let mut y = baseline;
        for line in wrap(&self.font, text, units) {
            self.text(&line, size, x, y);
            y -= size * LEADING;
        }
        y
    }

    fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
        let _ = writeln!(self.out, "{} {} m {} {} l S", fmt(x0), fmt(y0), fmt(x1), fmt(y1));
    }

    fn dotted(&mut self, x0: f32, x1: f32, y: f32) {
        let _ = writeln!(self.out, "q [1 2] 0 d {} {} m {} {} l S Q", fmt(x0), fmt(y), fmt(x1), fmt(y));
    }
}

impl CoverSheet {
    /// The cover sheet as a one-page A4 PDF.
    pub(crate) fn render(&self) -> Result<Vec<u8>, StampError> {
        let mut p = Page { font: FontBuilder::new()?, out: String::from("0 0 0 RG 0 0 0 rg 0.6 w\n") };
        let text_w = RIGHT - LEFT;

        // Heading, then the number on the left and the office and date on the right, as a letter's
        // head is laid out.
        p.centred("ใบนำส่ง", 24.0, PAGE_W / 2.0, TOP);
        let mut y = TOP - 1.4 * CM;
        p.text(&format!("ที่ {}", self.letter_number), BODY, LEFT, y);
        let right_x = PAGE_W / 2.0 + 1.0 * CM;
        let right_w = RIGHT - right_x;
        let after_office = p.paragraph(&self.office_name, BODY, right_x, right_w, y);
        y = after_office;
        p.text(&self.letter_date_th, BODY, right_x, y);
        y -= BODY * LEADING * 1.6;

        // เรียน the addressee, the postal address beneath.
        let label_w = 1.6 * CM;
        p.text("เรียน", BODY, LEFT, y);
        y = p.paragraph(&self.addressee, BODY, LEFT + label_w, text_w - label_w, y);
        p.text("ที่อยู่", BODY, LEFT, y);
        y = p.paragraph(&self.postal_address, BODY, LEFT + label_w, text_w - label_w, y);
        y -= BODY * 0.8;

        // The table: ที่ | รายการ | จำนวน | หมายเหตุ.
        let cols = [LEFT, LEFT + 1.2 * CM, RIGHT - 5.8 * CM, RIGHT - 3.0 * CM, RIGHT];
        let pad = 0.2 * CM;
        let row_gap = BODY * 0.5;
        let header_h = BODY * LEADING + row_gap;
        let table_top = y;
        p.line(cols[0], table_top, cols[4], table_top);
        let header_base = table_top - BODY * 1.15 - row_gap / 2.0;
        for (i, head) in ["ที่", "รายการ", "จำนวน", "หมายเหตุ"].iter().enumerate()
        {
            p.centred(head, BODY, (cols[i] + cols[i + 1]) / 2.0, header_base);
        }
        let mut row_top = table_top - header_h;
        p.line(cols[0], row_top, cols[4], row_top);

        let mut items: Vec<(String, String)> = vec![(
            format!("หนังสือ ที่ {} ลงวันที่ {} เรื่อง {}", self.letter_number, self.letter_date_th, self.subject),
            "๑ ฉบับ".into(),
        )];
        match (&self.enclosures_note, self.enclosures.is_empty()) {
            (Some(note), _) if !note.trim().is_empty() => {
                items.push((format!("สิ่งที่ส่งมาด้วย {}", note.trim()), "๑ ชุด".into()))
            }
            (_, false) => {
                for name in &self.enclosures {
                    items.push((format!("สิ่งที่ส่งมาด้วย {name}"), "๑ ชุด".into()));
                }
            }
            _ => {}
        }
        let item_w = cols[2] - cols[1] - 2.0 * pad;
        for (n, (item, count)) in items.iter().enumerate() {
            let base = row_top - BODY * 1.15 - row_gap / 2.0;
            p.centred(&thai_digits(n + 1), BODY, (cols[0] + cols[1]) / 2.0, base);
            let end = p.paragraph(item, BODY, cols[1] + pad, item_w, base);
            p.centred(count, BODY, (cols[2] + cols[3]) / 2.0, base);
            // `end` is the baseline after the last line drawn; the row closes below that last line.
            let last = end + BODY * LEADING;
            row_top = last - BODY * 0.45 - row_gap / 2.0;
            p.line(cols[0], row_top, cols[4], row_top);
        }
        for x in cols {
            p.line(x, table_top, x, row_top);
        }
        y = row_top - BODY * LEADING * 1.4;

        p.text("ส่งมาเพื่อ  โปรดทราบและดำเนินการต่อไป", BODY, LEFT + 1.2 * CM, y);
        y -= BODY * LEADING * 1.2;
        p.text("ส่งทางไปรษณีย์", BODY, LEFT, y);
        p.dotted(LEFT + p.width("ส่งทางไปรษณีย์ ", BODY), LEFT + 8.0 * CM, y - 2.0);
        p.text("เลขที่ส่ง (ถ้ามี)", BODY, LEFT + 8.4 * CM, y);
        let after = LEFT + 8.4 * CM + p.width("เลขที่ส่ง (ถ้ามี) ", BODY);
        p.dotted(after, RIGHT, y - 2.0);

        // The clerk who posts it signs and dates.
        y -= BODY * LEADING * 3.0;
        let sign_x = PAGE_W / 2.0 - 0.5 * CM;
        p.text("(ลงชื่อ)", BODY, sign_x, y);
        let dots_x = sign_x + p.width("(ลงชื่อ) ", BODY);
        p.dotted(dots_x, RIGHT - 2.2 * CM, y - 2.0);
        p.text("ผู้ส่ง", BODY, RIGHT - 2.0 * CM, y);
        y -= BODY * LEADING * 1.3;
        p.text("(", BODY, dots_x - p.width("( ", BODY), y);
        p.dotted(dots_x, RIGHT - 2.2 * CM, y - 2.0);
        p.text(")", BODY, RIGHT - 2.1 * CM, y);
        y -= BODY * LEADING * 1.3;
        p.text("เจ้าหน้าที่สารบรรณ", BODY, dots_x, y);
        y -= BODY * LEADING * 1.3;
        p.text("วันที่ส่ง", BODY, sign_x, y);
        p.dotted(sign_x + p.width("วันที่ส่ง ", BODY), RIGHT - 2.2 * CM, y - 2.0);

        // Who signed the letter, and where the sheet came from, in the footer.
        let foot = 2.0 * CM;
        p.line(LEFT, foot + BODY * 1.6, RIGHT, foot + BODY * 1.6);
        p.text(&self.office_name, 12.0, LEFT, foot + BODY * 0.5);
        p.text(
            &format!("ผู้ลงนามในหนังสือ {} {}", self.signer_name, self.signer_position),
            12.0,
            LEFT,
            foot + BODY * 0.5 - 12.0 * LEADING,
        );
        let note = "พิมพ์จากระบบสารบรรณอิเล็กทรอนิกส์";
        let w = p.width(note, 10.0);
        p.text(note, 10.0, RIGHT - w, foot + BODY * 0.5);

        let Page { font, out } = p;
        let mut doc = Document::with_version("1.7");
        let (font_id, objects) = font.into_objects(|| doc.new_object_id())?;
        for (id, object) in objects {
            doc.objects.insert(id, object);
        }
        let mut content = Stream::new(Dictionary::new(), out.into_bytes());
        let _ = content.compress();
        let content_id = doc.add_object(content);
        let pages_id = doc.new_object_id();
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(PAGE_W), Object::Real(PAGE_H)],
            "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![Object::Reference(page_id)], "Count" => 1 },
            ),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).map_err(|e| StampError::InvalidText(format!("the cover sheet: {e}")))?;
        Ok(bytes)
    }
}

/// `12` in Thai digits (๑๒), as official papers number their lists.
fn thai_digits(n: usize) -> String {
    n.to_string().chars().map(|c| char::from_u32(0x0E50 + c.to_digit(10).unwrap_or(0)).unwrap_or(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> CoverSheet {
        CoverSheet {
            office_name: "สำนักงานปลัดกระทรวงการคลัง".into(),
            letter_number: "กค 0100/12".into(),
            letter_date_th: "1 ธันวาคม 2569".into(),
            subject: "ขอเชิญประชุมหารือแนวทางการจัดซื้อจัดจ้างภาครัฐ ประจำปีงบประมาณ พ.ศ. 2570".into(),
            addressee: "กรรมการผู้จัดการ บริษัท ตัวอย่างการค้า จำกัด".into(),
            postal_address: "99/9 ถนนพระราม 6 แขวงพญาไท\nเขตพญาไท กรุงเทพมหานคร 10400".into(),
            enclosures: vec!["กำหนดการประชุม.pdf".into()],
            enclosures_note: None,
            signer_name: "นายสมชาย ใจดี".into(),
            signer_position: "ปลัดกระทรวงการคลัง".into(),
        }
    }

    #[test]
    fn renders_one_a4_page() {
        let pdf = sample().render().unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
        if let Ok(path) = std::env::var("SARABUN_COVER_SHEET_OUT") {
            std::fs::write(path, &pdf).unwrap();
        }
    }

    #[test]
    fn thai_digits_are_thai() {
        assert_eq!(thai_digits(12), "๑๒");
    }
}
