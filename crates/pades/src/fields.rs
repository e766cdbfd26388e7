//! The number and date of a letter as form fields on page 1: making room for them before signing
//! ([`crate::prepare`]) and writing them in after the number is taken ([`crate::fill`]).
//!
//! A Thai official letter is signed before it is numbered: the signer approves the text, then the
//! send register gives the number and the date. The two fields are empty text fields when the
//! letter is signed and are filled by a later incremental update, which an approval signature
//! without DocMDP permits, so the signature stays valid and a printed letter shows both. Each
//! filled field gets its own appearance stream drawn with the embedded Sarabun subset, since no
//! viewer's built-in fonts have Thai glyphs; the fields are then made read-only.

use std::fmt::Write as _;

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use sarabun_stamp::font::FontBuilder;
use sarabun_stamp::layout::{ASCENT_EM, CM, DESCENT_EM, draw_line, fmt, form_xobject};
use sarabun_stamp::source::visible_box;

use crate::pdf::{Letter, name, pdf_text, rect_array, rect_of};
use crate::{DATE_FIELD, NUMBER_FIELD, PadesError, Rect};

/// The parent field under which the number and date are added: `sarabun.number` is the kid
/// `number` of the field `sarabun`, since a partial field name may not contain a period.
const PARENT: &str = "sarabun";
/// The longest value a field takes; a letter number or a Thai date is far shorter.
const MAX_VALUE_CHARS: usize = 200;
/// The text size of a filled field when its rectangle is tall enough; about the size of the
/// letter's body text (TH Sarabun 16 pt) in the wider Sarabun face.
const FIELD_FONT_SIZE: f32 = 13.0;
const FIELD_PADDING: f32 = 2.0;

/// A field of the letter that takes a value: the field to set /V on and the widgets to draw.
struct Slot {
    field: ObjectId,
    widgets: Vec<(ObjectId, Rect)>,
}

/// Where a field goes on a page without one: under the Garuda at the left margin for the number
/// (ที่ …), from the centre under the sender's address for the date, as the Regulations on
/// Correspondence lay out an external letter (ครุฑสูง 3 ซม. 1.5 ซม. จากขอบบน; ขอบซ้าย 3 ซม.).
pub fn default_rect(field: &str, page: sarabun_stamp::layout::PageBox) -> Rect {
    let width = page.urx - page.llx;
    let (x, top, w) = if field == NUMBER_FIELD {
        (page.llx + 3.0 * CM, 4.6 * CM, 7.5 * CM)
    } else {
        (page.llx + width / 2.0, 6.9 * CM, 7.0 * CM)
    };
    let h = 0.9 * CM;
    let w = w.min((page.urx - x - 0.5 * CM).max(2.0 * CM));
    let y = (page.ury - top - h).max(page.lly);
    Rect { x, y, w, h }
}

/// The number and date slots of the letter, adding to the update whichever of the two fields is
/// missing.
fn ensure_fields(letter: &mut Letter<'_>, places: Option<[Rect; 2]>) -> Result<[Slot; 2], PadesError> {
    let fields = letter.fields();
    let find = |full: &str| -> Option<Slot> {
        let field = fields.iter().find(|f| f.name == full)?;
        let widgets = field
            .widgets
            .iter()
            .filter_map(|w| {
                let dict = letter.dict(*w)?;
                Some((*w, rect_of(letter, dict.get(b"Rect").ok()?)?))
            })
            .collect();
        Some(Slot { field: field.id, widgets })
    };
    let number = find(NUMBER_FIELD);
    let date = find(DATE_FIELD);
    if number.is_some() && date.is_some() {
        let [Some(n), Some(d)] = [number, date] else { unreachable!() };
        return Ok([n, d]);
    }

    // The parent: an existing top-level `sarabun` field, else a new one.
    let parent = fields.iter().find(|f| f.name == PARENT).map(|f| f.id);
    let (parent_id, mut parent_dict, new_parent) = match parent.and_then(|id| letter.dict(id).map(|d| (id, d))) {
        Some((id, dict)) => (id, dict, false),
        None => {
            let mut dict = Dictionary::new();
            dict.set("T", pdf_text(PARENT));
            dict.set("Kids", Object::Array(Vec::new()));
            (letter.alloc(), dict, true)
        }
    };
    let doc = &letter.source.doc;
    let page_box = visible_box(doc, &letter.page);
    let mut make = |letter: &mut Letter<'_>, full: &str| -> Slot {
        let partial = full.rsplit('.').next().unwrap_or(full);
        let rect = match places {
            Some([number, _]) if full == NUMBER_FIELD => number,
            Some([_, date]) => date,
            None => default_rect(full, page_box),
        };
        let id = letter.alloc();
        let mut widget = Dictionary::new();
        widget.set("Type", name("Annot"));
        widget.set("Subtype", name("Widget"));
        widget.set("FT", name("Tx"));
        widget.set("T", pdf_text(partial));
        widget.set("Parent", Object::Reference(parent_id));
        widget.set("Rect", rect_array(rect));
        // Print, so that a printed letter shows the number and date.
        widget.set("F", Object::Integer(4));
        widget.set("P", Object::Reference(letter.page_id));
        widget.set("DA", Object::String(b"/Helv 0 Tf 0 g".to_vec(), StringFormat::Literal));
        letter.put(id, Object::Dictionary(widget));
        letter.annotate(id);
        if let Ok(Object::Array(kids)) = parent_dict.get_mut(b"Kids") {
            kids.push(Object::Reference(id));
        }
        Slot { field: id, widgets: vec![(id, rect)] }
    };
    let number = match number {
        Some(s) => s,
        None => make(letter, NUMBER_FIELD),
    };
    let date = match date {
        Some(s) => s,
        None => make(letter, DATE_FIELD),
    };
    letter.put(parent_id, Object::Dictionary(parent_dict));
    if new_parent {
        letter.add_field(parent_id);
    }
    default_resources(letter);
    Ok([number, date])
}

/// Give the form the default appearance and a Helvetica in its default resources, which a /DA of
/// a text field must name (ISO 32000 §12.7.3.3), unless the form already has them.
fn default_resources(letter: &mut Letter<'_>) {
    let form = letter.form_mut();
    if !form.has(b"DA") {
        form.set("DA", Object::String(b"/Helv 0 Tf 0 g".to_vec(), StringFormat::Literal));
    }
    let mut dr = match form.get(b"DR") {
        Ok(Object::Dictionary(d)) => d.clone(),
        Ok(_) => return, // an indirect /DR is the template's; leave it
        Err(_) => Dictionary::new(),
    };
    let mut fonts = match dr.get(b"Font") {
        Ok(Object::Dictionary(d)) => d.clone(),
        Ok(_) => return,
        Err(_) => Dictionary::new(),
    };
    if !fonts.has(b"Helv") {
        let mut helv = Dictionary::new();
        helv.set("Type", name("Font"));
        helv.set("Subtype", name("Type1"));
        helv.set("BaseFont", name("Helvetica"));
        helv.set("Encoding", name("WinAnsiEncoding"));
        fonts.set("Helv", Object::Dictionary(helv));
    }
    dr.set("Font", Object::Dictionary(fonts));
    letter.form_mut().set("DR", Object::Dictionary(dr));
}

pub fn prepare(pdf: &[u8], places: Option<[Rect; 2]>) -> Result<Vec<u8>, PadesError> {
    let mut letter = Letter::open(pdf)?;
    let fields = letter.fields();
    let present = fields.iter().any(|f| f.name == NUMBER_FIELD) && fields.iter().any(|f| f.name == DATE_FIELD);
    if present && !needs_appearances(&letter) {
        return Ok(pdf.to_vec());
    }
    ensure_fields(&mut letter, places)?;
    stop_regenerating(&mut letter);
    letter.finish()
}

fn needs_appearances(letter: &Letter<'_>) -> bool {
    letter.acroform.get(b"NeedAppearances").ok().and_then(|o| letter.resolve(o).as_bool().ok()).unwrap_or(false)
}

/// Clear /NeedAppearances, which LibreOffice sets on every form it exports: with it, viewers (and
/// poppler) redraw the fields from /V with the /DA font, which has no Thai glyphs, instead of
/// showing the appearance drawn here, and Acrobat asks to save a signed letter it changed.
fn stop_regenerating(letter: &mut Letter<'_>) {
    if needs_appearances(letter) {
        letter.form_mut().remove(b"NeedAppearances");
    }
}

fn check_value(what: &str, value: &str) -> Result<String, PadesError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(PadesError::InvalidValue(format!("the {what} is empty")));
    }
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(PadesError::InvalidValue(format!("the {what} is longer than {MAX_VALUE_CHARS} characters")));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(PadesError::InvalidValue(format!("the {what} has control characters")));
    }
    Ok(value.to_string())
}

pub fn field_rects(pdf: &[u8]) -> Result<Vec<(String, Rect)>, PadesError> {
    let letter = Letter::open(pdf)?;
    let mut out = Vec::new();
    for field in letter.fields().into_iter().filter(|f| f.name == NUMBER_FIELD || f.name == DATE_FIELD) {
        for widget in &field.widgets {
            if let Some(rect) = letter.dict(*widget).and_then(|d| rect_of(&letter, d.get(b"Rect").ok()?)) {
                out.push((field.name.clone(), rect));
            }
        }
    }
    Ok(out)
}

fn valid_place(rect: Rect, page: sarabun_stamp::layout::PageBox) -> bool {
    [rect.x, rect.y, rect.w, rect.h].iter().all(|v| v.is_finite())
        && rect.w >= 10.0
        && rect.h >= 6.0
        && rect.x >= page.llx
        && rect.y >= page.lly
        && rect.x + rect.w <= page.urx
        && rect.y + rect.h <= page.ury
}

pub fn check_places(pdf: &[u8], places: [Rect; 2]) -> Result<(), PadesError> {
    let letter = Letter::open(pdf)?;
    let page = visible_box(&letter.source.doc, &letter.page);
    if places.iter().all(|r| valid_place(*r, page)) {
        Ok(())
    } else {
        Err(PadesError::InvalidValue("a field must lie on page 1 and be at least 10 × 6 points".into()))
    }
}

pub fn fill(pdf: &[u8], number: &str, date_th: &str) -> Result<Vec<u8>, PadesError> {
    let number = check_value("number", number)?;
    let date = check_value("date", date_th)?;
    let mut letter = Letter::open(pdf)?;
    let slots = ensure_fields(&mut letter, None)?;

    // One font subset for both fields: shape everything first, then build the font.
    let mut font = FontBuilder::new()?;
    let mut drawn: Vec<(ObjectId, Rect, Vec<u8>)> = Vec::new();
    for (slot, value) in slots.iter().zip([&number, &date]) {
        for (widget, rect) in &slot.widgets {
            drawn.push((*widget, *rect, appearance(&mut font, value, *rect)));
        }
    }
    let (font_id, font_objects) = font.into_objects(|| letter.alloc())?;
    for (id, object) in font_objects {
        letter.put(id, object);
    }
    for (widget, rect, content) in drawn {
        let form_id = letter.alloc();
        let form = form_xobject(rect.w.max(1.0), rect.h.max(1.0), font_id, Dictionary::new(), content);
        letter.put(form_id, Object::Stream(form));
        let mut dict =
            letter.dict(widget).ok_or_else(|| PadesError::Malformed("a field widget is unreadable".into()))?;
        let mut ap = Dictionary::new();
        ap.set("N", Object::Reference(form_id));
        dict.set("AP", Object::Dictionary(ap));
        letter.put(widget, Object::Dictionary(dict));
    }
    stop_regenerating(&mut letter);
    for (slot, value) in slots.iter().zip([&number, &date]) {
        let mut dict = letter.dict(slot.field).ok_or_else(|| PadesError::Malformed("a field is unreadable".into()))?;
        dict.set("V", pdf_text(value));
        let flags = dict.get(b"Ff").and_then(Object::as_i64).unwrap_or(0);
        // ReadOnly: the number and date are the register's, not for a reader to edit.
        dict.set("Ff", Object::Integer(flags | 1));
        letter.put(slot.field, Object::Dictionary(dict));
    }
    letter.finish()
}

/// The appearance of a filled field: the value in Sarabun, as large as the rectangle allows up to
/// [`FIELD_FONT_SIZE`], shrunk to fit its width, left-aligned and vertically centred.
fn appearance(font: &mut FontBuilder, value: &str, rect: Rect) -> Vec<u8> {
    let upem = font.units_per_em();
    let line = font.shape(value);
    let advance_em = line.advance.max(1) as f32 / upem;
    let by_height = rect.h / (ASCENT_EM + DESCENT_EM);
    let by_width = (rect.w - 2.0 * FIELD_PADDING).max(1.0) / advance_em;
    let size = FIELD_FONT_SIZE.min(by_height).min(by_width).max(4.0);
    let baseline = (rect.h - size * (ASCENT_EM + DESCENT_EM)) / 2.0 + size * DESCENT_EM;
    let mut out = String::from("/Tx BMC\nq\n");
    let _ = writeln!(out, "0 0 {} {} re W n", fmt(rect.w), fmt(rect.h));
    out.push_str("0 g\nBT\n");
    draw_line(&mut out, &line, upem, size, FIELD_PADDING, baseline);
    out.push_str("ET\nQ\nEMC\n");
    out.into_bytes()
}
