//! The receiving stamp (ตรารับหนังสือ) of Sarabun: puts a box with the office name, receive
//! number, date and time at the top right of page 1 of a received PDF.
//!
//! The stamp is an incremental update (ISO 32000 §7.5.6): the original file is a byte-for-byte
//! prefix of the result, so anyone can show the original was not touched, and signatures, forms
//! and annotations of the original keep working. Thai text is shaped with rustybuzz and drawn with
//! an embedded subset of the Sarabun font, with a ToUnicode map so that text extraction gives back
//! the same Thai text. Files that cannot be stamped (not a PDF, encrypted, damaged, no pages)
//! give a [`StampError`]; stamping never panics on any input.

mod error;
mod font;
mod incremental;
mod layout;
mod thai;

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, FixedOffset};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, xref::XrefEntry};

pub use error::StampError;
pub use thai::stamp_lines;

use incremental::{Chain, Update, XrefStyle};
use layout::PageBox;

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
/// How far up the page tree inherited attributes are looked for; deeper trees are malformed.
const MAX_TREE_DEPTH: usize = 64;
/// The most objects a PDF may have to be stamped. A long scanned letter has a few thousand; the
/// limit is checked on the raw bytes before the file is parsed, which is what costs time and memory.
pub const MAX_OBJECTS: usize = 100_000;
/// How far from the start of the file the `%PDF-` header may be (readers accept up to 1024).
const HEADER_WINDOW: usize = 1024;

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
    let header_offset = original[..original.len().min(HEADER_WINDOW)]
        .windows(5)
        .position(|w| w == b"%PDF-")
        .ok_or(StampError::NotPdf)?;
    let objects = object_count(original);
    if objects > MAX_OBJECTS {
        return Err(StampError::TooComplex { objects, max: MAX_OBJECTS });
    }
    let doc = load(original)?;

    let page_id = *doc.get_pages().values().next().ok_or(StampError::NoPages)?;
    let page =
        doc.get_dictionary(page_id).map_err(|e| StampError::Damaged(format!("page 1 is unreadable: {e}")))?.clone();

    let mut next_id = doc
        .max_id
        .max(doc.reference_table.size.saturating_sub(1))
        .max(
            doc.trailer.get(b"Size").and_then(Object::as_i64).ok().and_then(|s| u32::try_from(s - 1).ok()).unwrap_or(0),
        )
        .checked_add(1)
        .ok_or_else(|| StampError::Damaged("object numbers are exhausted".into()))?;
    let mut alloc = || {
        let id = (next_id, 0);
        next_id = next_id.saturating_add(1);
        id
    };

    let mut objects: Vec<(ObjectId, Object)> = Vec::new();

    // The stamp itself: a form XObject with its own font resources, so page 1's resources only
    // gain one XObject entry.
    let mut font = font::FontBuilder::new()?;
    let lines = thai::stamp_lines(text);
    let form_content = layout::stamp_content(&mut font, &lines);
    let (font_id, font_objects) = font.into_objects(&mut alloc)?;
    let form_id = alloc();
    let mut form_dict = Dictionary::new();
    form_dict.set("Type", Object::Name(b"XObject".to_vec()));
    form_dict.set("Subtype", Object::Name(b"Form".to_vec()));
    form_dict.set(
        "BBox",
        Object::Array(vec![0.into(), 0.into(), Object::Real(layout::STAMP_WIDTH), Object::Real(layout::STAMP_HEIGHT)]),
    );
    let mut fonts = Dictionary::new();
    fonts.set("F1", Object::Reference(font_id));
    let mut form_resources = Dictionary::new();
    form_resources.set("Font", Object::Dictionary(fonts));
    form_dict.set("Resources", Object::Dictionary(form_resources));
    let mut form = Stream::new(form_dict, form_content);
    let _ = form.compress();
    objects.push((form_id, Object::Stream(form)));
    objects.extend(font_objects);

    // Page 1: a new resources dictionary (never the shared or inherited one, so other pages stay
    // byte-identical in meaning) and the original contents wrapped in q … Q so that whatever
    // graphics state they leave behind cannot move or recolour the stamp.
    let mut resources = effective_resources(&doc, &page);
    let mut xobjects =
        resources.get(b"XObject").ok().and_then(|o| resolve(&doc, o).as_dict().ok().cloned()).unwrap_or_default();
    let earlier = xobjects.iter().filter(|(k, _)| k.starts_with(XOBJECT_NAME.as_bytes())).count();
    let mut name = XOBJECT_NAME.to_string();
    let mut n = 1;
    while xobjects.has(name.as_bytes()) {
        n += 1;
        name = format!("{XOBJECT_NAME}{n}");
    }
    xobjects.set(name.clone(), Object::Reference(form_id));
    resources.set("XObject", Object::Dictionary(xobjects));

    let page_box = visible_box(&doc, &page);
    let rotate = inherited(&doc, &page, b"Rotate")
        .and_then(|o| o.as_float().ok())
        .map(|r| (r / 90.0).round() as i64 * 90)
        .unwrap_or(0);
    let m = layout::placement(page_box, rotate, earlier);
    let open_id = alloc();
    objects.push((open_id, Object::Stream(Stream::new(Dictionary::new(), b"q\n".to_vec()))));
    let close_id = alloc();
    let close = format!("\nQ\nq {} cm /{name} Do Q\n", m.iter().map(|v| layout::fmt(*v)).collect::<Vec<_>>().join(" "));
    objects.push((close_id, Object::Stream(Stream::new(Dictionary::new(), close.into_bytes()))));

    let mut contents = vec![Object::Reference(open_id)];
    match page.get(b"Contents").ok() {
        Some(Object::Reference(id)) => match doc.get_object(*id) {
            Ok(Object::Array(items)) => contents.extend(items.iter().cloned()),
            _ => contents.push(Object::Reference(*id)),
        },
        Some(Object::Array(items)) => contents.extend(items.iter().cloned()),
        Some(Object::Stream(stream)) => {
            // A direct stream is not allowed here, but keep the page's drawing by giving it an id.
            let id = alloc();
            objects.push((id, Object::Stream(stream.clone())));
            contents.push(Object::Reference(id));
        }
        _ => {}
    }
    contents.push(Object::Reference(close_id));

    let mut new_page = page;
    new_page.set("Resources", Object::Dictionary(resources));
    new_page.set("Contents", Object::Array(contents));
    objects.push((page_id, Object::Dictionary(new_page)));

    let prev = if doc.xref_recovery.is_none() {
        incremental::last_startxref(original)
            .and_then(|p| incremental::is_classic_table(original, header_offset, p).map(|classic| (p, classic)))
    } else {
        None
    };
    let (chain, style) = match prev {
        Some((p, classic)) => (Chain::Prev(p), if classic { XrefStyle::Table } else { XrefStyle::Stream }),
        None => {
            let all: Vec<(u32, XrefEntry)> =
                doc.reference_table.entries.iter().map(|(id, e)| (*id, e.clone())).collect();
            let compressed = all.iter().any(|(_, e)| matches!(e, XrefEntry::Compressed { .. }));
            (Chain::Full(all), if compressed { XrefStyle::Stream } else { XrefStyle::Table })
        }
    };

    incremental::write(Update { original, header_offset, objects, trailer: &doc.trailer, next_id, style, chain })
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

/// Load the document, telling encrypted files apart from damaged ones.
fn load(original: &[u8]) -> Result<Document, StampError> {
    let doc = match Document::load_mem(original) {
        Ok(doc) => doc,
        Err(lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword) => {
            return Err(StampError::Encrypted);
        }
        Err(e) => {
            if Document::load_metadata_mem(original).is_ok_and(|m| m.encrypted) {
                return Err(StampError::Encrypted);
            }
            return Err(StampError::Damaged(e.to_string()));
        }
    };
    // lopdf opens files with an empty user password by itself; they are still encrypted, and an
    // unencrypted update appended to them would be unreadable.
    if doc.trailer.get(b"Encrypt").is_ok() || doc.encryption_state.is_some() {
        return Err(StampError::Encrypted);
    }
    Ok(doc)
}

/// Follow a reference (chains included, bounded) to the object it names.
fn resolve<'a>(doc: &'a Document, mut object: &'a Object) -> &'a Object {
    for _ in 0..MAX_TREE_DEPTH {
        match object {
            Object::Reference(id) => match doc.get_object(*id) {
                Ok(target) => object = target,
                Err(_) => return &Object::Null,
            },
            _ => return object,
        }
    }
    &Object::Null
}

/// A page attribute, looked up on the page and then up its /Parent chain (ISO 32000 §7.7.3.4).
fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    for _ in 0..MAX_TREE_DEPTH {
        if let Ok(value) = node.get(key) {
            let value = resolve(doc, value);
            if !value.is_null() {
                return Some(value);
            }
        }
        node = resolve(doc, node.get(b"Parent").ok()?).as_dict().ok()?;
    }
    None
}

/// A copy of the resources page 1 draws with, whether its own or inherited.
fn effective_resources(doc: &Document, page: &Dictionary) -> Dictionary {
    inherited(doc, page, b"Resources").and_then(|o| o.as_dict().ok().cloned()).unwrap_or_default()
}

fn rectangle(doc: &Document, object: &Object) -> Option<PageBox> {
    let items = object.as_array().ok()?;
    if items.len() != 4 {
        return None;
    }
    let mut v = [0f32; 4];
    for (slot, item) in v.iter_mut().zip(items) {
        *slot = resolve(doc, item).as_float().ok()?;
        if !slot.is_finite() {
            return None;
        }
    }
    let rect = PageBox { llx: v[0].min(v[2]), lly: v[1].min(v[3]), urx: v[0].max(v[2]), ury: v[1].max(v[3]) };
    (rect.urx - rect.llx >= 1.0 && rect.ury - rect.lly >= 1.0).then_some(rect)
}

/// The crop box clipped to the media box (as viewers show it), else the media box, else US
/// Letter, which is what readers assume for a page without one.
fn visible_box(doc: &Document, page: &Dictionary) -> PageBox {
    let media = inherited(doc, page, b"MediaBox").and_then(|o| rectangle(doc, o));
    let crop = inherited(doc, page, b"CropBox").and_then(|o| rectangle(doc, o));
    match (crop, media) {
        (Some(c), Some(m)) => {
            let clipped =
                PageBox { llx: c.llx.max(m.llx), lly: c.lly.max(m.lly), urx: c.urx.min(m.urx), ury: c.ury.min(m.ury) };
            if clipped.urx - clipped.llx >= 1.0 && clipped.ury - clipped.lly >= 1.0 { clipped } else { m }
        }
        (Some(c), None) => c,
        (None, Some(m)) => m,
        (None, None) => PageBox { llx: 0.0, lly: 0.0, urx: 612.0, ury: 792.0 },
    }
}
