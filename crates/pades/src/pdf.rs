//! Reading the parts of a letter PDF that signing and filling change: page 1, the catalog, the
//! interactive form (AcroForm) and its fields, and writing new revisions of them as one
//! incremental update through `sarabun_stamp::source`, so that the stamp, the minutes page and the
//! signature refuse the same files and append the same kind of update.

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use sarabun_stamp::source::{MAX_TREE_DEPTH, Source, resolve};

use crate::PadesError;

/// A loaded letter with page 1 and the form, ready to collect the objects of one update.
pub struct Letter<'a> {
    pub source: Source<'a>,
    pub page_id: ObjectId,
    /// Page 1 as it will be written if anything on it changes (its /Annots made a direct array).
    pub page: Dictionary,
    page_changed: bool,
    catalog_id: ObjectId,
    /// The AcroForm as it will be written, and where: its own id when the catalog refers to it,
    /// else a fresh one (and the catalog gains a reference).
    pub acroform: Dictionary,
    acroform_id: Option<ObjectId>,
    form_changed: bool,
    pub objects: Vec<(ObjectId, Object)>,
}

/// One field of the form, found by walking /Fields and /Kids.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: ObjectId,
    /// The fully qualified name: partial names joined with '.'.
    pub name: String,
    /// The field type, inherited from ancestors when not on the field itself.
    pub kind: Option<Vec<u8>>,
    /// Widgets of the field: the field itself when merged, else its nameless kids.
    pub widgets: Vec<ObjectId>,
}

impl<'a> Letter<'a> {
    pub fn open(pdf: &'a [u8]) -> Result<Self, PadesError> {
        let source = Source::open(pdf)?;
        let doc = &source.doc;
        let page_id = *doc.get_pages().values().next().ok_or(PadesError::NoPageOne)?;
        let mut page = doc
            .get_dictionary(page_id)
            .map_err(|e| PadesError::Malformed(format!("page 1 is unreadable: {e}")))?
            .clone();
        let annots = match page.get(b"Annots") {
            Ok(o) => resolve(doc, o).as_array().cloned().unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        page.set("Annots", Object::Array(annots));
        let catalog_id = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| PadesError::Malformed("the trailer has no /Root reference".into()))?;
        let catalog = doc
            .get_dictionary(catalog_id)
            .map_err(|e| PadesError::Malformed(format!("the catalog is unreadable: {e}")))?;
        let (acroform, acroform_id) = match catalog.get(b"AcroForm") {
            Ok(Object::Reference(id)) => {
                (resolve(doc, &Object::Reference(*id)).as_dict().cloned().unwrap_or_default(), Some(*id))
            }
            Ok(other) => (resolve(doc, other).as_dict().cloned().unwrap_or_default(), None),
            Err(_) => (Dictionary::new(), None),
        };
        Ok(Letter {
            source,
            page_id,
            page,
            page_changed: false,
            catalog_id,
            acroform,
            acroform_id,
            form_changed: false,
            objects: Vec::new(),
        })
    }

    pub fn alloc(&mut self) -> ObjectId {
        self.source.alloc()
    }

    pub fn resolve<'d>(&'d self, object: &'d Object) -> &'d Object {
        self.source.resolve(object)
    }

    /// A dictionary of the original (the latest revision of it), or of this update if it was
    /// already rewritten here.
    pub fn dict(&self, id: ObjectId) -> Option<Dictionary> {
        if let Some((_, Object::Dictionary(d))) = self.objects.iter().rev().find(|(i, _)| *i == id) {
            return Some(d.clone());
        }
        self.source.doc.get_dictionary(id).ok().cloned()
    }

    /// Put (or replace) an object in this update.
    pub fn put(&mut self, id: ObjectId, object: Object) {
        self.objects.retain(|(i, _)| *i != id);
        self.objects.push((id, object));
    }

    /// Add an annotation to page 1.
    pub fn annotate(&mut self, widget: ObjectId) {
        if let Ok(Object::Array(items)) = self.page.get_mut(b"Annots") {
            items.push(Object::Reference(widget));
        }
        self.page_changed = true;
    }

    /// Add a top-level field to the form.
    pub fn add_field(&mut self, field: ObjectId) {
        let mut fields = self
            .acroform
            .get(b"Fields")
            .ok()
            .map(|o| self.source.resolve(o).as_array().cloned().unwrap_or_default())
            .unwrap_or_default();
        fields.push(Object::Reference(field));
        self.acroform.set("Fields", Object::Array(fields));
        self.form_changed = true;
    }

    /// Change the form dictionary itself (flags, default resources).
    pub fn form_mut(&mut self) -> &mut Dictionary {
        self.form_changed = true;
        &mut self.acroform
    }

    /// Every field of the form, depth first, with fully qualified names.
    pub fn fields(&self) -> Vec<Field> {
        let mut out = Vec::new();
        let top = self
            .acroform
            .get(b"Fields")
            .ok()
            .map(|o| self.source.resolve(o).as_array().cloned().unwrap_or_default())
            .unwrap_or_default();
        let mut seen = Vec::new();
        for item in top {
            if let Object::Reference(id) = item {
                self.walk(id, "", None, 0, &mut seen, &mut out);
            }
        }
        out
    }

    fn walk(
        &self,
        id: ObjectId,
        prefix: &str,
        inherited_kind: Option<Vec<u8>>,
        depth: usize,
        seen: &mut Vec<ObjectId>,
        out: &mut Vec<Field>,
    ) {
        if depth > MAX_TREE_DEPTH || seen.contains(&id) {
            return;
        }
        seen.push(id);
        let Some(dict) = self.dict(id) else { return };
        let partial = dict.get(b"T").ok().map(|t| text_string(self.resolve(t))).unwrap_or_default();
        let name = match (prefix.is_empty(), partial.is_empty()) {
            (_, true) => prefix.to_string(),
            (true, false) => partial,
            (false, false) => format!("{prefix}.{partial}"),
        };
        let kind =
            dict.get(b"FT").ok().and_then(|o| self.resolve(o).as_name().ok().map(<[u8]>::to_vec)).or(inherited_kind);
        let kids: Vec<ObjectId> = dict
            .get(b"Kids")
            .ok()
            .map(|o| self.resolve(o).as_array().cloned().unwrap_or_default())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|k| k.as_reference().ok())
            .collect();
        let mut widgets = Vec::new();
        if is_widget(&dict) {
            widgets.push(id);
        }
        let mut child_fields = Vec::new();
        for kid in kids {
            match self.dict(kid) {
                Some(k) if k.has(b"T") => child_fields.push(kid),
                Some(k) if is_widget(&k) || !k.has(b"Kids") => widgets.push(kid),
                _ => child_fields.push(kid),
            }
        }
        out.push(Field { id, name: name.clone(), kind: kind.clone(), widgets });
        for kid in child_fields {
            self.walk(kid, &name, kind.clone(), depth + 1, seen, out);
        }
    }

    /// Write the update: the objects collected, page 1 and the form if they changed, and the
    /// catalog if the form is new or was a direct dictionary.
    pub fn finish(mut self) -> Result<Vec<u8>, PadesError> {
        if self.page_changed {
            let page = std::mem::take(&mut self.page);
            let id = self.page_id;
            self.put(id, Object::Dictionary(page));
        }
        if self.form_changed {
            let form = std::mem::take(&mut self.acroform);
            match self.acroform_id {
                Some(id) => self.put(id, Object::Dictionary(form)),
                None => {
                    let id = self.alloc();
                    self.put(id, Object::Dictionary(form));
                    let mut catalog = self
                        .dict(self.catalog_id)
                        .ok_or_else(|| PadesError::Malformed("the catalog is unreadable".into()))?;
                    catalog.set("AcroForm", Object::Reference(id));
                    let catalog_id = self.catalog_id;
                    self.put(catalog_id, Object::Dictionary(catalog));
                }
            }
        }
        let Letter { source, objects, .. } = self;
        Ok(source.write(objects)?)
    }
}

fn is_widget(dict: &Dictionary) -> bool {
    dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Widget")
}

/// A PDF text string (ISO 32000 §7.9.2.2) as Rust text: UTF-16BE with its byte-order mark, UTF-8
/// with its mark (PDF 2.0), else PDFDocEncoding, read as Latin-1, which it equals for the
/// characters field names use.
pub fn text_string(object: &Object) -> String {
    let Ok(bytes) = object.as_str() else { return String::new() };
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Text as a PDF text string: a literal for ASCII, else UTF-16BE with a byte-order mark.
pub fn pdf_text(text: &str) -> Object {
    if text.is_ascii() {
        Object::String(text.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// A rectangle from a PDF array, normalised; `None` unless four finite numbers.
pub fn rect_of(letter: &Letter<'_>, object: &Object) -> Option<crate::Rect> {
    let items = letter.resolve(object).as_array().ok()?;
    if items.len() != 4 {
        return None;
    }
    let mut v = [0f32; 4];
    for (slot, item) in v.iter_mut().zip(items) {
        *slot = letter.resolve(item).as_float().ok()?;
        if !slot.is_finite() {
            return None;
        }
    }
    Some(crate::Rect { x: v[0].min(v[2]), y: v[1].min(v[3]), w: (v[2] - v[0]).abs(), h: (v[3] - v[1]).abs() })
}

/// A rectangle as a PDF array [llx lly urx ury].
pub fn rect_array(r: crate::Rect) -> Object {
    Object::Array(vec![Object::Real(r.x), Object::Real(r.y), Object::Real(r.x + r.w), Object::Real(r.y + r.h)])
}

/// A name object.
pub fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}
