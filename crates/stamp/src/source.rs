//! The PDF an update is appended to: checking and loading it once, handing out fresh object
//! numbers, reading page attributes the way viewers do, and writing the update after it.
//!
//! The receiving stamp and the minutes page both go through here, so both refuse the same files
//! for the same reasons and both write the same kind of incremental update (see `incremental`).

use lopdf::{Dictionary, Document, Object, ObjectId, xref::XrefEntry};

use crate::StampError;
use crate::incremental::{self, Chain, Update, XrefStyle};
use crate::layout::PageBox;

/// How far up the page tree inherited attributes are looked for; deeper trees are malformed.
pub const MAX_TREE_DEPTH: usize = 64;
/// How far from the start of the file the `%PDF-` header may be (readers accept up to 1024).
const HEADER_WINDOW: usize = 1024;

/// A loaded PDF that an update will be written after.
pub struct Source<'a> {
    pub original: &'a [u8],
    pub doc: Document,
    header_offset: usize,
    next_id: u32,
}

impl<'a> Source<'a> {
    /// Check and load `original`: a `%PDF-` header near the start, at most
    /// [`crate::MAX_OBJECTS`] objects (counted before parsing, which is what costs), readable and
    /// not encrypted.
    pub fn open(original: &'a [u8]) -> Result<Self, StampError> {
        let header_offset = original[..original.len().min(HEADER_WINDOW)]
            .windows(5)
            .position(|w| w == b"%PDF-")
            .ok_or(StampError::NotPdf)?;
        let objects = crate::object_count(original);
        if objects > crate::MAX_OBJECTS {
            return Err(StampError::TooComplex { objects, max: crate::MAX_OBJECTS });
        }
        let doc = load(original)?;
        let next_id = doc
            .max_id
            .max(doc.reference_table.size.saturating_sub(1))
            .max(
                doc.trailer
                    .get(b"Size")
                    .and_then(Object::as_i64)
                    .ok()
                    .and_then(|s| u32::try_from(s - 1).ok())
                    .unwrap_or(0),
            )
            .checked_add(1)
            .ok_or_else(|| StampError::Damaged("object numbers are exhausted".into()))?;
        Ok(Source { original, doc, header_offset, next_id })
    }

    /// A fresh object id, never used by the original or by an earlier call.
    pub fn alloc(&mut self) -> ObjectId {
        let id = (self.next_id, 0);
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    /// Append `objects` (new ones and new revisions of existing ones) as one incremental update
    /// and return the whole file.
    pub fn write(self, objects: Vec<(ObjectId, Object)>) -> Result<Vec<u8>, StampError> {
        let Source { original, doc, header_offset, next_id } = self;
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

    /// Follow a reference (chains included, bounded) to the object it names.
    pub fn resolve<'d>(&'d self, object: &'d Object) -> &'d Object {
        resolve(&self.doc, object)
    }
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
pub fn resolve<'a>(doc: &'a Document, mut object: &'a Object) -> &'a Object {
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
pub fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
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

/// A copy of the resources a page draws with, whether its own or inherited.
pub fn effective_resources(doc: &Document, page: &Dictionary) -> Dictionary {
    inherited(doc, page, b"Resources").and_then(|o| o.as_dict().ok().cloned()).unwrap_or_default()
}

/// A page's /Contents as a list of references, for a new revision of the page that draws more.
/// A direct stream (not allowed, but seen) is given an id of its own in `objects`.
pub fn contents_list(source: &mut Source<'_>, page: &Dictionary, objects: &mut Vec<(ObjectId, Object)>) -> Vec<Object> {
    let mut contents = Vec::new();
    match page.get(b"Contents").ok() {
        Some(Object::Reference(id)) => match source.doc.get_object(*id) {
            Ok(Object::Array(items)) => contents.extend(items.iter().cloned()),
            _ => contents.push(Object::Reference(*id)),
        },
        Some(Object::Array(items)) => contents.extend(items.iter().cloned()),
        Some(Object::Stream(stream)) => {
            let stream = stream.clone();
            let id = source.alloc();
            objects.push((id, Object::Stream(stream)));
            contents.push(Object::Reference(id));
        }
        _ => {}
    }
    contents
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
pub fn visible_box(doc: &Document, page: &Dictionary) -> PageBox {
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
