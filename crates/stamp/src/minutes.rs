//! The minutes page (บันทึกเกษียน): the electronic form of an executive writing an order on the
//! margin of a paper letter. Each order, comment or proposal note is written onto the letter's
//! PDF as one more incremental update, on A4 pages added after the letter's last page.
//!
//! The first minute adds a page titled "บันทึกเกษียน"; later minutes go below the earlier ones on
//! that page while they fit and otherwise onto another page, "บันทึกเกษียน (ต่อ)". A minutes page
//! carries a private key, [`MINUTES_MARKER`], in its page dictionary with the next free height, so
//! the next minute finds where to write without reading any content stream. Each entry reads like
//! a paper routing slip: the step's heading, the text wrapped to the page (Thai broken between
//! words), and at the right the signature image, "(name)", position, acting-for and the date and
//! time in the Buddhist Era. Every earlier revision of the file stays a byte-exact prefix.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, FixedOffset, Utc};
use lopdf::{Dictionary, Object, ObjectId, Stream};
use sarabun_domain::date::{Language, Style, date_time};

use crate::font::{FontBuilder, ShapedLine};
use crate::image::{self, SignatureImage};
use crate::layout::{ASCENT_EM, CM, DESCENT_EM, draw_line, fmt, form_xobject};
use crate::source::{Source, contents_list, resolve};
use crate::{StampError, free_name, wrap};

/// The page-dictionary key that marks a minutes page: `/SarabunMinutes << /Y 512.3 /Sheet 1
/// /Entries 3 >>`, with the height (in points from the bottom) below which the page is still free,
/// which minutes page this is (1, 2, …), and how many entries it holds.
pub const MINUTES_MARKER: &str = "SarabunMinutes";
/// The longest text of one minute, in characters; its name, position and acting-for together with
/// it must not exceed this either. A minute is a few lines of order, not a document.
pub const MAX_MINUTE_CHARS: usize = 5000;

/// Name under which each sheet's form XObject is added to the page's resources.
const XOBJECT_NAME: &str = "SarabunMinute";
/// ISO 216 A4 portrait, in points.
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const MARGIN_LEFT: f32 = 2.5 * CM;
const MARGIN_RIGHT: f32 = 2.0 * CM;
const MARGIN_TOP: f32 = 2.0 * CM;
const MARGIN_BOTTOM: f32 = 2.0 * CM;
/// The text size of Thai official documents (TH Sarabun 16 pt).
const SIZE: f32 = 16.0;
const TITLE_SIZE: f32 = 20.0;
/// One line's height: the font's extent and a little air for stacked marks.
const LINE: f32 = SIZE * 1.35;
/// The text of an entry sits this far right of its heading.
const INDENT: f32 = 1.0 * CM;
/// Width of the signature block at the right (signature, name, position, date).
const BLOCK_W: f32 = 9.5 * CM;
const SIGNATURE_MAX_H: f32 = 1.5 * CM;
const SIGNATURE_MAX_W: f32 = 5.0 * CM;
/// The signature block's lines are centred on this x.
const BLOCK_CENTRE: f32 = PAGE_W - MARGIN_RIGHT - BLOCK_W / 2.0;
/// Space between two entries on a page (a thin rule sits in its middle) and above the signature.
const ENTRY_GAP: f32 = 0.6 * CM;
const BLOCK_GAP: f32 = 0.2 * CM;
/// Where the first entry of a sheet starts: below the title and its rule.
const SHEET_TOP: f32 = PAGE_H - MARGIN_TOP - TITLE_SIZE * 1.6 - 0.5 * CM;
/// Ink: a dark blue like the stamp's for headings, black for text, grey for rules.
const BLUE: &str = "0.05 0.15 0.55";

/// One entry written on the minutes page: an order, a comment, a proposal note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minute {
    /// What the step is, in Thai: "สั่งการ", "เสนอ", "มอบหมาย", …
    pub heading: String,
    /// The free text; may be long and have several lines. Thai without spaces is wrapped between
    /// words. At most [`MAX_MINUTE_CHARS`] characters.
    pub text: String,
    /// The person's full name, printed as "(นายสมชาย ใจดี)".
    pub name: String,
    /// The person's position, e.g. "อธิบดีกรมบัญชีกลาง"; may be empty.
    pub position: String,
    /// Printed under the position when the person stands in for someone, e.g.
    /// "รักษาการแทน ผู้อำนวยการกองกฎหมาย".
    pub acting_for: Option<String>,
    /// When the entry was written; printed in Bangkok time with the B.E. year.
    pub at: DateTime<FixedOffset>,
    /// The person's registered signature image, drawn above the name.
    pub signature: Option<SignatureImage>,
}

/// Write `minute` on the minutes page of `previous` (the latest routed copy of a letter, at first
/// the stamped received PDF) and return the new copy.
///
/// The result is `previous` unchanged followed by one incremental update adding the entry: on the
/// last minutes page when it fits there, else on a new page after the document's last page.
/// Bad input (an empty text or name, a bad signature image) and files that cannot be written on
/// (not a PDF, encrypted, damaged) give a [`StampError`]; this never panics.
pub fn add_minute(previous: &[u8], minute: &Minute) -> Result<Vec<u8>, StampError> {
    // lopdf reads stored copies that could be damaged; a panic inside it must become an error.
    catch_unwind(AssertUnwindSafe(|| add_inner(previous, minute)))
        .unwrap_or_else(|_| Err(StampError::Damaged("the PDF reader failed on this file".into())))
}

/// The minute's fields as they are drawn: trimmed, control characters made spaces.
struct Fields {
    heading: String,
    text: String,
    name: String,
    position: String,
    acting_for: String,
    at: String,
}

fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' { ' ' } else { c }).collect::<String>().trim().to_string()
}

fn check(minute: &Minute) -> Result<Fields, StampError> {
    let fields = Fields {
        heading: clean(&minute.heading).replace('\n', " "),
        text: clean(&minute.text.replace("\r\n", "\n")),
        name: clean(&minute.name).replace('\n', " "),
        position: clean(&minute.position),
        acting_for: minute.acting_for.as_deref().map(clean).unwrap_or_default(),
        at: date_time(minute.at.with_timezone(&Utc), Language::Thai, Style::Long),
    };
    for (what, value) in [("heading", &fields.heading), ("text", &fields.text), ("name", &fields.name)] {
        if value.is_empty() {
            return Err(StampError::InvalidText(format!("the minute's {what} is empty")));
        }
    }
    let chars = [&fields.heading, &fields.text, &fields.name, &fields.position, &fields.acting_for]
        .iter()
        .map(|s| s.chars().count())
        .sum::<usize>();
    if chars > MAX_MINUTE_CHARS {
        return Err(StampError::InvalidText(format!(
            "the minute has {chars} characters, more than the {MAX_MINUTE_CHARS} allowed"
        )));
    }
    Ok(fields)
}

/// One piece of an entry, stacked top to bottom; a piece is never split across pages. An entry
/// is put whole on one page whenever it fits on one; only longer ones are split between rows.
enum Row {
    /// Space before the entry, with a thin rule in it when an entry is above on the same page.
    Gap,
    Heading(String),
    /// A line of the text (empty for a blank line).
    Text(String),
    /// The signature image (its width and height in points), if any, with "(name)" under it:
    /// kept together so a signature is never on another page than its name.
    Signed {
        image: Option<(f32, f32)>,
        name: String,
    },
    /// A line of the signature block under the name: position, acting-for, date and time.
    Centred(String),
}

impl Row {
    fn height(&self) -> f32 {
        match self {
            Row::Gap => ENTRY_GAP,
            Row::Heading(_) | Row::Text(_) | Row::Centred(_) => LINE,
            Row::Signed { image, .. } => BLOCK_GAP + image.map_or(0.0, |(_, h)| h + 0.1 * CM) + LINE,
        }
    }
}

/// A page the update draws on.
struct Sheet {
    /// The minutes page continued (its id and current dictionary), or `None` for a new page.
    existing: Option<(ObjectId, Dictionary)>,
    number: i64,
    entries: i64,
    content: String,
    /// Does this sheet's drawing use the signature image?
    signature: bool,
    cursor: f32,
}

impl Sheet {
    fn new(number: i64) -> Self {
        Sheet { existing: None, number, entries: 0, content: String::new(), signature: false, cursor: SHEET_TOP }
    }
}

/// A minutes page found at the end of the document.
struct LastMinutes {
    id: ObjectId,
    page: Dictionary,
    y: f32,
    sheet: i64,
    entries: i64,
}

fn last_minutes(source: &Source<'_>, id: ObjectId) -> Option<LastMinutes> {
    let page = source.doc.get_dictionary(id).ok()?;
    let marker = source.resolve(page.get(MINUTES_MARKER.as_bytes()).ok()?).as_dict().ok()?;
    let number = |key: &[u8]| marker.get(key).ok().and_then(|o| source.resolve(o).as_float().ok());
    let y = number(b"Y").filter(|y| y.is_finite())?;
    Some(LastMinutes {
        id,
        page: page.clone(),
        // A marker written by hand or damaged cannot move the text off the page.
        y: y.clamp(MARGIN_BOTTOM, SHEET_TOP),
        sheet: number(b"Sheet").map_or(1, |n| n.clamp(1.0, 1e6) as i64),
        entries: number(b"Entries").map_or(0, |n| n.clamp(0.0, 1e6) as i64),
    })
}

fn add_inner(previous: &[u8], minute: &Minute) -> Result<Vec<u8>, StampError> {
    let fields = check(minute)?;
    let mut source = Source::open(previous)?;
    let mut objects: Vec<(ObjectId, Object)> = Vec::new();

    // The signature first: a bad image is the caller's mistake, told before any drawing.
    let mut signature_size = None;
    let mut signature_id = None;
    if let Some(sig) = &minute.signature {
        let embedded = image::embed(sig, || source.alloc())?;
        let (w, h) = (embedded.width as f32, embedded.height as f32);
        let scale = (SIGNATURE_MAX_H / h).min(SIGNATURE_MAX_W / w);
        signature_size = Some((w * scale, h * scale));
        signature_id = embedded.objects.first().map(|(id, _)| *id);
        objects.extend(embedded.objects);
    }

    let pages = source.doc.get_pages();
    let page_count = pages.len();
    let last_page = *pages.values().last().ok_or(StampError::NoPages)?;
    let last = last_minutes(&source, last_page);

    // The entry, as rows of known height.
    let font = FontBuilder::new()?;
    let em = |points: f32| (points / SIZE * font.units_per_em()) as i32;
    let text_w = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
    let mut rows = vec![Row::Gap, Row::Heading(fields.heading.clone())];
    rows.extend(wrap::wrap(&font, &fields.text, em(text_w - INDENT)).into_iter().map(Row::Text));
    rows.push(Row::Signed { image: signature_size, name: format!("({})", fields.name) });
    for extra in [&fields.position, &fields.acting_for] {
        rows.extend(wrap::wrap(&font, extra, em(BLOCK_W)).into_iter().filter(|l| !l.is_empty()).map(Row::Centred));
    }
    rows.push(Row::Centred(fields.at.clone()));
    let entry_height: f32 = rows.iter().map(Row::height).sum();

    // Where it goes: below the last entry when all of it fits there, else on new sheets.
    let mut sheets: Vec<Sheet> = Vec::new();
    let first_number = match last {
        Some(last) if last.y - entry_height >= MARGIN_BOTTOM => {
            let mut sheet = Sheet::new(last.sheet);
            sheet.cursor = last.y;
            sheet.entries = last.entries;
            sheet.existing = Some((last.id, last.page));
            sheets.push(sheet);
            None
        }
        Some(last) => Some(last.sheet + 1),
        None => Some(1),
    };
    if let Some(number) = first_number {
        sheets.push(Sheet::new(number));
    }
    let mut font = font;
    for (i, row) in rows.iter().enumerate() {
        let sheet = sheets.last_mut().expect("at least one sheet");
        let fresh = sheet.cursor >= SHEET_TOP;
        if sheet.cursor - row.height() < MARGIN_BOTTOM && !fresh {
            let number = sheet.number + 1;
            sheets.push(Sheet::new(number));
        }
        let sheet = sheets.last_mut().expect("at least one sheet");
        let fresh = sheet.cursor >= SHEET_TOP;
        if i == 0 {
            sheet.entries += 1;
        }
        match row {
            // A new sheet needs no space above its first entry.
            Row::Gap if fresh => continue,
            Row::Gap => {
                let y = sheet.cursor - ENTRY_GAP / 2.0;
                let _ = writeln!(
                    sheet.content,
                    "q 0.75 G 0.4 w {} {} m {} {} l S Q",
                    fmt(MARGIN_LEFT),
                    fmt(y),
                    fmt(PAGE_W - MARGIN_RIGHT),
                    fmt(y)
                );
            }
            Row::Heading(text) => {
                let line = font.shape(text);
                let baseline = baseline(sheet.cursor, SIZE);
                let width = line.advance as f32 / font.units_per_em() * SIZE;
                text_line(&mut sheet.content, &font, &line, BLUE, SIZE, MARGIN_LEFT, baseline);
                let _ = writeln!(
                    sheet.content,
                    "q {BLUE} RG 0.6 w {} {} m {} {} l S Q",
                    fmt(MARGIN_LEFT),
                    fmt(baseline - 3.0),
                    fmt(MARGIN_LEFT + width),
                    fmt(baseline - 3.0)
                );
            }
            Row::Text(text) => {
                if !text.is_empty() {
                    let line = font.shape(text);
                    let baseline = baseline(sheet.cursor, SIZE);
                    text_line(&mut sheet.content, &font, &line, "0", SIZE, MARGIN_LEFT + INDENT, baseline);
                }
            }
            Row::Signed { image, name } => {
                let mut top = sheet.cursor - BLOCK_GAP;
                if let Some((w, h)) = image {
                    let _ = writeln!(
                        sheet.content,
                        "q {} 0 0 {} {} {} cm /Sig1 Do Q",
                        fmt(*w),
                        fmt(*h),
                        fmt(BLOCK_CENTRE - w / 2.0),
                        fmt(top - h)
                    );
                    sheet.signature = true;
                    top -= h + 0.1 * CM;
                }
                centred(&mut sheet.content, &mut font, name, top);
            }
            Row::Centred(text) => centred(&mut sheet.content, &mut font, text, sheet.cursor),
        }
        sheet.cursor -= row.height();
    }

    // Titles of the new sheets, shaped with the same font before its subset is built.
    let mut titles = Vec::new();
    for sheet in sheets.iter().filter(|s| s.existing.is_none()) {
        let title = if sheet.number == 1 {
            "บันทึกเกษียน".to_string()
        } else {
            "บันทึกเกษียน (ต่อ)".to_string()
        };
        titles.push(font.shape(&title));
    }
    let upem = font.units_per_em();
    let (font_id, font_objects) = font.into_objects(|| source.alloc())?;
    objects.extend(font_objects);

    let mut titles = titles.into_iter();
    let mut new_pages = Vec::new();
    for sheet in sheets {
        let mut content = String::new();
        if sheet.existing.is_none() {
            let title = titles.next().expect("one title per new sheet");
            let width = title.advance as f32 / upem * TITLE_SIZE;
            let top = PAGE_H - MARGIN_TOP;
            let baseline = baseline_for(top, TITLE_SIZE, TITLE_SIZE * 1.35);
            content.push_str("BT\n0 g\n");
            draw_line(&mut content, &title, upem, TITLE_SIZE, (PAGE_W - width) / 2.0, baseline);
            content.push_str("ET\n");
            let rule = top - TITLE_SIZE * 1.6;
            let _ = writeln!(
                content,
                "q 0.3 G 0.6 w {} {} m {} {} l S Q",
                fmt(MARGIN_LEFT),
                fmt(rule),
                fmt(PAGE_W - MARGIN_RIGHT),
                fmt(rule)
            );
        }
        content.push_str(&sheet.content);
        let mut images = Dictionary::new();
        if let (true, Some(id)) = (sheet.signature, signature_id) {
            images.set("Sig1", Object::Reference(id));
        }
        let form_id = source.alloc();
        objects.push((form_id, Object::Stream(form_xobject(PAGE_W, PAGE_H, font_id, images, content.into_bytes()))));

        let mut marker = Dictionary::new();
        marker.set("Y", Object::Real(sheet.cursor.max(MARGIN_BOTTOM)));
        marker.set("Sheet", Object::Integer(sheet.number));
        marker.set("Entries", Object::Integer(sheet.entries));

        let (page_id, mut page, mut contents, mut resources) = match sheet.existing {
            Some((id, page)) => {
                let contents = contents_list(&mut source, &page, &mut objects);
                let resources = page
                    .get(b"Resources")
                    .ok()
                    .and_then(|o| resolve(&source.doc, o).as_dict().ok().cloned())
                    .unwrap_or_default();
                (id, page, contents, resources)
            }
            None => {
                let id = source.alloc();
                new_pages.push(id);
                (id, new_page(), Vec::new(), Dictionary::new())
            }
        };
        let mut xobjects = resources
            .get(b"XObject")
            .ok()
            .and_then(|o| resolve(&source.doc, o).as_dict().ok().cloned())
            .unwrap_or_default();
        let name = free_name(&xobjects, XOBJECT_NAME);
        xobjects.set(name.clone(), Object::Reference(form_id));
        let draw_id = source.alloc();
        objects
            .push((draw_id, Object::Stream(Stream::new(Dictionary::new(), format!("q /{name} Do Q\n").into_bytes()))));
        contents.push(Object::Reference(draw_id));
        resources.set("XObject", Object::Dictionary(xobjects));
        page.set("Resources", Object::Dictionary(resources));
        page.set("Contents", Object::Array(contents));
        page.set(MINUTES_MARKER, Object::Dictionary(marker));
        objects.push((page_id, Object::Dictionary(page)));
    }

    if !new_pages.is_empty() {
        append_pages(&source, &mut objects, &new_pages, page_count)?;
    }
    source.write(objects)
}

/// A blank A4 page with every inheritable attribute of its own, so nothing of the document's
/// page tree (a /Rotate, a crop box, shared resources) changes how it shows. /Parent is set by
/// [`append_pages`].
fn new_page() -> Dictionary {
    let a4 = || Object::Array(vec![0.into(), 0.into(), Object::Real(PAGE_W), Object::Real(PAGE_H)]);
    let mut page = Dictionary::new();
    page.set("Type", Object::Name(b"Page".to_vec()));
    page.set("MediaBox", a4());
    page.set("CropBox", a4());
    page.set("Rotate", Object::Integer(0));
    page
}

/// Append `new_pages` to the root page tree node's /Kids (a new revision of it, or of its /Kids
/// array when that is an indirect object) and set its /Count to the document's pages plus the new
/// ones. Nested trees need nothing more: the root's /Kids may mix page-tree nodes and pages.
fn append_pages(
    source: &Source<'_>,
    objects: &mut Vec<(ObjectId, Object)>,
    new_pages: &[ObjectId],
    page_count: usize,
) -> Result<(), StampError> {
    let doc = &source.doc;
    let damaged = |why: &str| StampError::Damaged(format!("the page tree is unreadable: {why}"));
    let catalog = doc.catalog().map_err(|e| damaged(&e.to_string()))?;
    let Ok(Object::Reference(root_id)) = catalog.get(b"Pages") else {
        return Err(damaged("the catalog's /Pages is not a reference"));
    };
    let root_id = *root_id;
    let mut root = doc.get_dictionary(root_id).map_err(|e| damaged(&e.to_string()))?.clone();
    let refs = new_pages.iter().map(|id| Object::Reference(*id));
    match root.get(b"Kids") {
        Ok(Object::Reference(kids_id)) => {
            let kids_id = *kids_id;
            let mut kids =
                doc.get_object(kids_id).and_then(Object::as_array).map_err(|e| damaged(&e.to_string()))?.clone();
            kids.extend(refs);
            objects.push((kids_id, Object::Array(kids)));
        }
        Ok(Object::Array(kids)) => {
            let mut kids = kids.clone();
            kids.extend(refs);
            root.set("Kids", Object::Array(kids));
        }
        _ => return Err(damaged("the root page tree node has no /Kids")),
    }
    root.set("Count", Object::Integer((page_count + new_pages.len()) as i64));
    objects.push((root_id, Object::Dictionary(root)));
    for (id, object) in objects.iter_mut() {
        if new_pages.contains(id)
            && let Object::Dictionary(page) = object
        {
            page.set("Parent", Object::Reference(root_id));
        }
    }
    Ok(())
}

/// The baseline of a line of `size` points whose line box (of height [`LINE`] scaled) starts at `top`.
fn baseline(top: f32, size: f32) -> f32 {
    baseline_for(top, size, size * 1.35)
}

fn baseline_for(top: f32, size: f32, line: f32) -> f32 {
    top - (line - size * (ASCENT_EM + DESCENT_EM)) / 2.0 - size * ASCENT_EM
}

/// A line of the signature block, centred in it, its line box starting at `top`.
fn centred(out: &mut String, font: &mut FontBuilder, text: &str, top: f32) {
    let line = font.shape(text);
    let width = line.advance as f32 / font.units_per_em() * SIZE;
    text_line(out, font, &line, "0", SIZE, BLOCK_CENTRE - width / 2.0, baseline(top, SIZE));
}

fn text_line(out: &mut String, font: &FontBuilder, line: &ShapedLine, fill: &str, size: f32, x0: f32, baseline: f32) {
    let colour = if fill == "0" { "0 g".to_string() } else { format!("{fill} rg") };
    let _ = writeln!(out, "BT\n{colour}");
    draw_line(out, line, font.units_per_em(), size, x0, baseline);
    out.push_str("ET\n");
}
