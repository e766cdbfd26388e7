//! Where the stamp goes and what it looks like: the form XObject drawing the box and its four
//! lines, and the matrix that puts it at the top right of page 1 *as the page is viewed*.
//!
//! The stamp is drawn once in its own upright coordinate system (a form XObject); only the
//! placement matrix depends on the page's box and /Rotate, which keeps the drawing code free of
//! rotation cases.

use std::fmt::Write as _;

use lopdf::{Dictionary, Object, ObjectId, Stream};

use crate::font::{FontBuilder, ShapedLine};

/// 1 cm in PDF points.
pub const CM: f32 = 72.0 / 2.54;
/// Stamp size as viewed: 5 cm wide, 2.5 cm tall (the usual ตรารับ rubber-stamp size).
pub const STAMP_WIDTH: f32 = 5.0 * CM;
pub const STAMP_HEIGHT: f32 = 2.5 * CM;
/// Gap between the stamp and the top and right edges of the visible page.
const MARGIN: f32 = 0.5 * CM;
const PADDING_X: f32 = 5.0;
const PADDING_Y: f32 = 3.0;
const BASE_FONT_SIZE: f32 = 11.0;
const MIN_FONT_SIZE: f32 = 3.0;
/// Sarabun's vertical extent in em, used to centre each line in its slot.
pub const ASCENT_EM: f32 = 1.068;
pub const DESCENT_EM: f32 = 0.232;

/// A page's visible rectangle in user space (normalised so that ll < ur).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageBox {
    pub llx: f32,
    pub lly: f32,
    pub urx: f32,
    pub ury: f32,
}

/// The `cm` matrix that maps the stamp's own coordinates (0,0)–(STAMP_WIDTH, STAMP_HEIGHT) onto
/// the page, so that it shows at the top right of the viewed page with its text upright.
///
/// `rotate` is the page's /Rotate (clockwise, any multiple of 90). On pages smaller than the
/// stamp plus margins the stamp is scaled down so it stays inside the visible area. `earlier` is
/// how many receiving stamps the page already has (a letter forwarded and received again): the
/// new one goes below them, so that no stamp covers another.
pub fn placement(page: PageBox, rotate: i64, earlier: usize) -> [f32; 6] {
    let w = page.urx - page.llx;
    let h = page.ury - page.lly;
    let quarter_turns = rotate.rem_euclid(360) / 90;
    // Size of the page as the reader sees it.
    let (view_w, view_h) = if quarter_turns % 2 == 1 { (h, w) } else { (w, h) };
    let scale = ((view_w - 2.0 * MARGIN) / STAMP_WIDTH).min((view_h - 2.0 * MARGIN) / STAMP_HEIGHT).clamp(0.05, 1.0);
    let margin = MARGIN.min(view_w * 0.05).min(view_h * 0.05).max(0.0);
    // Bottom-left corner of the stamp in viewed coordinates (origin at the viewed bottom left).
    let vx = (view_w - margin - STAMP_WIDTH * scale).max(0.0);
    let step = (STAMP_HEIGHT + MARGIN / 2.0) * scale;
    let vy = (view_h - margin - STAMP_HEIGHT * scale - step * earlier as f32).max(0.0);
    let s = scale;
    // Each case inverts the viewer's clockwise rotation: viewed (vx, vy) -> user (x, y).
    match quarter_turns {
        1 => [0.0, s, -s, 0.0, page.llx + w - vy, page.lly + vx],
        2 => [-s, 0.0, 0.0, -s, page.llx + w - vx, page.lly + h - vy],
        3 => [0.0, -s, s, 0.0, page.llx + vy, page.lly + h - vx],
        _ => [s, 0.0, 0.0, s, page.llx + vx, page.lly + vy],
    }
}

/// The content stream of the stamp form XObject, drawing with font resource `/F1`.
pub fn stamp_content(font: &mut FontBuilder, lines: &[String; 4]) -> Vec<u8> {
    let upem = font.units_per_em();
    let shaped: Vec<ShapedLine> = lines.iter().map(|l| font.shape(l)).collect();
    let avail = STAMP_WIDTH - 2.0 * PADDING_X;
    let slot = (STAMP_HEIGHT - 2.0 * PADDING_Y) / 4.0;

    let mut out = String::new();
    // Dark blue, like the ink of a rubber receiving stamp, so it is told apart from the letter.
    out.push_str("q\n0.05 0.15 0.55 RG 0.05 0.15 0.55 rg\n0.8 w\n");
    let _ = writeln!(out, "0.4 0.4 {} {} re S", fmt(STAMP_WIDTH - 0.8), fmt(STAMP_HEIGHT - 0.8));
    out.push_str("BT\n");
    for (i, line) in shaped.iter().enumerate() {
        let advance_em = line.advance.max(1) as f32 / upem;
        // Shrink long lines (a long office name) so they fit the box instead of overflowing it.
        let size = (avail / advance_em).clamp(MIN_FONT_SIZE, BASE_FONT_SIZE);
        let width = advance_em * size;
        let x0 = ((STAMP_WIDTH - width) / 2.0).max(PADDING_X);
        let top = STAMP_HEIGHT - PADDING_Y - slot * i as f32;
        let baseline = top - (slot - size * (ASCENT_EM + DESCENT_EM)) / 2.0 - size * ASCENT_EM;
        draw_line(&mut out, line, upem, size, x0, baseline);
    }
    out.push_str("ET\nQ\n");
    out.into_bytes()
}

/// Draw one shaped line with font `/F1` at `size` points, starting at `x0` on `baseline`, inside
/// a `BT … ET` block. Shared by the stamp and the minutes page.
pub fn draw_line(out: &mut String, line: &ShapedLine, upem: f32, size: f32, x0: f32, baseline: f32) {
    let _ = writeln!(out, "/F1 {} Tf", fmt(size));
    let k = size / upem;
    for g in &line.glyphs {
        // Absolute placement per glyph keeps the shaper's positions exact, marks included.
        let _ = writeln!(
            out,
            "1 0 0 1 {} {} Tm <{:04X}> Tj",
            fmt(x0 + g.x as f32 * k),
            fmt(baseline + g.y as f32 * k),
            g.cid
        );
    }
}

/// A form XObject `width` × `height` points drawing `content` with the font `font_id` as `/F1`
/// and the images of `xobjects`; compressed (an uncompressible stream is kept raw).
pub fn form_xobject(width: f32, height: f32, font_id: ObjectId, xobjects: Dictionary, content: Vec<u8>) -> Stream {
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Form".to_vec()));
    dict.set("BBox", Object::Array(vec![0.into(), 0.into(), Object::Real(width), Object::Real(height)]));
    let mut fonts = Dictionary::new();
    fonts.set("F1", Object::Reference(font_id));
    let mut resources = Dictionary::new();
    resources.set("Font", Object::Dictionary(fonts));
    if !xobjects.is_empty() {
        resources.set("XObject", Object::Dictionary(xobjects));
    }
    dict.set("Resources", Object::Dictionary(resources));
    let mut form = Stream::new(dict, content);
    let _ = form.compress();
    form
}

/// Format a coordinate compactly; PDF has no exponent notation, and 3 decimals are far below
/// visible precision.
pub fn fmt(v: f32) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() { "0".to_string() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: [f32; 6], u: f32, v: f32) -> (f32, f32) {
        (m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5])
    }

    /// Map a user-space point to viewed coordinates, the way a viewer applies /Rotate.
    fn to_view(page: PageBox, rotate: i64, x: f32, y: f32) -> (f32, f32) {
        let (w, h) = (page.urx - page.llx, page.ury - page.lly);
        let (x, y) = (x - page.llx, y - page.lly);
        match rotate.rem_euclid(360) / 90 {
            1 => (y, w - x),
            2 => (w - x, h - y),
            3 => (h - y, x),
            _ => (x, y),
        }
    }

    #[test]
    fn stamp_sits_top_right_as_viewed_for_every_rotation() {
        let page = PageBox { llx: 10.0, lly: 20.0, urx: 605.0, ury: 862.0 };
        for rotate in [0, 90, 180, 270, -90, 450] {
            let m = placement(page, rotate, 0);
            let quarter = rotate.rem_euclid(360) / 90;
            let (vw, vh) = if quarter % 2 == 1 { (842.0, 595.0) } else { (595.0, 842.0) };
            // The stamp's own top-right corner must be the viewed top-right-most point, near the
            // corner, so the text is upright.
            let (x, y) = apply(m, STAMP_WIDTH, STAMP_HEIGHT);
            let (vx, vy) = to_view(page, rotate, x, y);
            assert!((vx - (vw - MARGIN)).abs() < 0.01, "rotate {rotate}: {vx}");
            assert!((vy - (vh - MARGIN)).abs() < 0.01, "rotate {rotate}: {vy}");
            let (x, y) = apply(m, 0.0, 0.0);
            let (vx, vy) = to_view(page, rotate, x, y);
            assert!((vx - (vw - MARGIN - STAMP_WIDTH)).abs() < 0.01);
            assert!((vy - (vh - MARGIN - STAMP_HEIGHT)).abs() < 0.01);
        }
    }

    #[test]
    fn later_stamps_go_below_earlier_ones() {
        let page = PageBox { llx: 0.0, lly: 0.0, urx: 595.0, ury: 842.0 };
        let first = placement(page, 0, 0);
        let second = placement(page, 0, 1);
        assert_eq!(first[4], second[4]);
        assert!(second[5] + STAMP_HEIGHT < first[5]);
        // Many stamps never leave the page.
        assert!(placement(page, 0, 1000)[5] >= 0.0);
    }

    #[test]
    fn tiny_pages_scale_the_stamp_down() {
        let page = PageBox { llx: 0.0, lly: 0.0, urx: 100.0, ury: 50.0 };
        let m = placement(page, 0, 0);
        assert!(m[0] < 1.0);
        let (x, y) = apply(m, STAMP_WIDTH, STAMP_HEIGHT);
        assert!(x <= 100.0 && y <= 50.0);
    }

    #[test]
    fn numbers_are_formatted_for_pdf() {
        assert_eq!(fmt(1.0), "1");
        assert_eq!(fmt(-0.0001), "0");
        assert_eq!(fmt(12.3456), "12.346");
        assert_eq!(fmt(f32::NAN), "0");
    }
}
