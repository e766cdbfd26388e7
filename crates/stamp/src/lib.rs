//! The receiving stamp (ตรารับหนังสือ) of Sarabun, which puts a box with the office name, receive
//! number, date and time at the top right of page 1 of a received PDF, and the minutes page
//! (บันทึกเกษียน), on which the orders and comments of the people a letter is routed to are written
//! after its last page ([`add_minute`]).
//!
//! The stamp and each minute are an incremental update (ISO 32000 §7.5.6): the original file is a byte-for-byte
//! prefix of the result, so anyone can show the original was not touched, and signatures, forms
//! and annotations of the original keep working. Thai text is shaped with rustybuzz and drawn with
//! an embedded subset of the Sarabun font, with a ToUnicode map so that text extraction gives back
//! the same Thai text. Files that cannot be stamped (not a PDF, encrypted, damaged, no pages)
//! give a [`StampError`]; stamping never panics on any input.

mod error;
/// Thai shaping and the embedded Sarabun font subset; public so that `sarabun-pades` draws the
/// number and date fields with the same font.
pub mod font;
mod image;
/// Writing an incremental update; public for `sarabun-pades`, which signs over one.
pub mod incremental;
/// Placement and drawing helpers (`draw_line`, `form_xobject`); public for `sarabun-pades`.
pub mod layout;
mod minutes;
/// Opening a PDF and appending an update to it; public so that `sarabun-pades` refuses and
/// writes files exactly as the stamp does.
pub mod source;
mod thai;
/// Breaking Thai text into lines that fit a width; public so that other printed pages (the cover
/// sheet of a letter sent by post) wrap as the minutes do.
pub mod wrap;

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, FixedOffset};
use lopdf::{Dictionary, Object, ObjectId, Stream};

pub use error::StampError;
pub use image::{MAX_SIGNATURE_BYTES, MAX_SIGNATURE_SIDE, SignatureImage, check_signature_image};
pub use minutes::{MAX_MINUTE_CHARS, MINUTES_MARKER, Minute, add_minute};
pub use thai::stamp_lines;

use source::{Source, effective_resources, inherited, resolve, visible_box};

/// What the stamp says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampText {
    /// Name of the receiving office, printed on the first line (shrunk to fit when long).
    pub office_name: String,
    /// The receive number (the `seq` of `{seq}/{year}` in the receive register).
    pub receive_number: u32,
    /// When the letter was received, already in Asia/Bangkok time (+07:00).
    pub received_at: DateTime<FixedOffset>,
}

/// Name under which the stamp form XObject is added to page 1's resources.
const XOBJECT_NAME: &str = "SarabunStamp";
/// The most objects a PDF may have to be stamped. A long scanned letter has a few thousand; the
/// limit is checked on the raw bytes before the file is parsed, which is what costs time and memory.
pub const MAX_OBJECTS: usize = 100_000;

/// Stamp page 1 of `original` and return the stamped file.
///
/// The result starts with `original` unchanged, followed by an incremental update that adds
/// the stamp. Errors describe why the file could not be stamped; the caller should then keep
/// the upload unstamped.
pub fn stamp_pdf(original: &[u8], text: &StampText) -> Result<Vec<u8>, StampError> {
    // lopdf is fed untrusted uploads; a panic inside it must become an error for this one file,
    // never take the server down.
    catch_unwind(AssertUnwindSafe(|| stamp_inner(original, text)))
        .unwrap_or_else(|_| Err(StampError::Damaged("the PDF reader failed on this file".into())))
}

fn stamp_inner(original: &[u8], text: &StampText) -> Result<Vec<u8>, StampError> {
    if text.office_name.trim().is_empty() {
        return Err(StampError::InvalidText("the office name is empty".into()));
    }
    let mut source = Source::open(original)?;
    let doc = &source.doc;
    let page_id = *doc.get_pages().values().next().ok_or(StampError::NoPages)?;
    let page =
        doc.get_dictionary(page_id).map_err(|e| StampError::Damaged(format!("page 1 is unreadable: {e}")))?.clone();

    let mut objects: Vec<(ObjectId, Object)> = Vec::new();

    // The stamp itself: a form XObject with its own font resources, so page 1's resources only
    // gain one XObject entry.
    let mut font = font::FontBuilder::new()?;
    let lines = thai::stamp_lines(text);
    let form_content = layout::stamp_content(&mut font, &lines);
    let (font_id, font_objects) = font.into_objects(|| source.alloc())?;
    let form_id = source.alloc();
    let form =
        layout::form_xobject(layout::STAMP_WIDTH, layout::STAMP_HEIGHT, font_id, Dictionary::new(), form_content);
    objects.push((form_id, Object::Stream(form)));
    objects.extend(font_objects);

    // Page 1: a new resources dictionary (never the shared or inherited one, so other pages stay
    // byte-identical in meaning) and the original contents wrapped in q … Q so that whatever
    // graphics state they leave behind cannot move or recolour the stamp.
    let doc = &source.doc;
    let mut resources = effective_resources(doc, &page);
    let mut xobjects =
        resources.get(b"XObject").ok().and_then(|o| resolve(doc, o).as_dict().ok().cloned()).unwrap_or_default();
    let earlier = xobjects.iter().filter(|(k, _)| k.starts_with(XOBJECT_NAME.as_bytes())).count();
    let name = free_name(&xobjects, XOBJECT_NAME);
    xobjects.set(name.clone(), Object::Reference(form_id));
    resources.set("XObject", Object::Dictionary(xobjects));

    let page_box = visible_box(doc, &page);
    let rotate = inherited(doc, &page, b"Rotate")
        .and_then(|o| o.as_float().ok())
        .map(|r| (r / 90.0).round() as i64 * 90)
        .unwrap_or(0);
    let m = layout::placement(page_box, rotate, earlier);
    let open_id = source.alloc();
    objects.push((open_id, Object::Stream(Stream::new(Dictionary::new(), b"q\n".to_vec()))));
    let close_id = source.alloc();
    let close = format!("\nQ\nq {} cm /{name} Do Q\n", m.iter().map(|v| layout::fmt(*v)).collect::<Vec<_>>().join(" "));
    objects.push((close_id, Object::Stream(Stream::new(Dictionary::new(), close.into_bytes()))));

    let mut contents = vec![Object::Reference(open_id)];
    contents.extend(source::contents_list(&mut source, &page, &mut objects));
    contents.push(Object::Reference(close_id));

    let mut new_page = page;
    new_page.set("Resources", Object::Dictionary(resources));
    new_page.set("Contents", Object::Array(contents));
    objects.push((page_id, Object::Dictionary(new_page)));

    source.write(objects)
}

/// `base`, or `base2`, `base3`, … : the first name not yet in `dict`.
fn free_name(dict: &Dictionary, base: &str) -> String {
    let mut name = base.to_string();
    let mut n = 1;
    while dict.has(name.as_bytes()) {
        n += 1;
        name = format!("{base}{n}");
    }
    name
}

/// How many objects a PDF has, from its bytes alone: the larger of the number of `endobj` keywords
/// and the largest `/Size` a trailer or cross-reference stream declares (objects packed in object
/// streams are counted by the latter). One pass, no parsing.
pub fn object_count(pdf: &[u8]) -> usize {
    let mut endobj = 0usize;
    let mut size = 0usize;
    let mut i = 0;
    while let Some(offset) = pdf[i..].iter().position(|&b| b == b'/' || b == b'e') {
        let at = i + offset;
        let rest = &pdf[at..];
        if rest.starts_with(b"endobj") {
            endobj += 1;
        } else if let Some(after) = rest.strip_prefix(b"/Size") {
            let digits = after.iter().skip_while(|b| b.is_ascii_whitespace()).take_while(|b| b.is_ascii_digit());
            let value = digits.fold(0usize, |n, d| n.saturating_mul(10).saturating_add(usize::from(d - b'0')));
            size = size.max(value);
        }
        i = at + 1;
    }
    endobj.max(size)
}
