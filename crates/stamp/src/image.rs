//! A person's registered signature image, checked and turned into PDF image XObjects.
//!
//! The type is sniffed from the bytes, never taken from a file name or a declared MIME type. A
//! JPEG is embedded as it is (DCTDecode) once its frame header has been read and checked, which is
//! all a PDF reader needs; a PNG is decoded (the `png` crate, with a memory limit) and embedded as
//! Flate-compressed samples, its alpha channel as a soft mask (/SMask) so the signature's
//! transparent background does not hide the page. Size and pixel bounds are checked before any
//! decoding, so an image cannot make the server allocate much.

use lopdf::{Dictionary, Object, ObjectId, Stream};

use crate::StampError;

/// The largest signature image file accepted, in bytes (1 MiB).
pub const MAX_SIGNATURE_BYTES: usize = 1024 * 1024;
/// The most pixels a signature image may have on either side.
pub const MAX_SIGNATURE_SIDE: u32 = 2000;

/// A registered signature image: the bytes of a PNG or JPEG file, at most
/// [`MAX_SIGNATURE_BYTES`] and [`MAX_SIGNATURE_SIDE`] pixels a side. The format is read from the
/// bytes themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureImage {
    pub bytes: Vec<u8>,
}

/// A checked image ready to be written: its pixel size and the PDF objects.
pub struct Embedded {
    pub width: u32,
    pub height: u32,
    /// The image XObject first, then its soft mask if it has one.
    pub objects: Vec<(ObjectId, Object)>,
}

/// Checks that `bytes` would be accepted as a signature image by [`crate::add_minute`], so a bad
/// image is refused when it is registered rather than when someone first writes an order.
pub fn check_signature_image(bytes: &[u8]) -> Result<(), StampError> {
    let mut next = 0u32;
    embed(&SignatureImage { bytes: bytes.to_vec() }, || {
        next += 1;
        (next, 0)
    })
    .map(|_| ())
}

/// Check `image` and build its image XObject (and soft mask), with ids from `alloc`.
pub fn embed(image: &SignatureImage, mut alloc: impl FnMut() -> ObjectId) -> Result<Embedded, StampError> {
    let bytes = &image.bytes;
    if bytes.len() > MAX_SIGNATURE_BYTES {
        return Err(StampError::SignatureImageTooLarge { bytes: bytes.len(), max: MAX_SIGNATURE_BYTES });
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes, &mut alloc)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg(bytes, &mut alloc)
    } else {
        Err(StampError::SignatureImageInvalid("the file is neither a PNG nor a JPEG image".into()))
    }
}

fn check_side(width: u32, height: u32) -> Result<(), StampError> {
    if width == 0 || height == 0 {
        return Err(StampError::SignatureImageInvalid("the image has no pixels".into()));
    }
    if width > MAX_SIGNATURE_SIDE || height > MAX_SIGNATURE_SIDE {
        return Err(StampError::SignatureImageTooManyPixels { width, height, max: MAX_SIGNATURE_SIDE });
    }
    Ok(())
}

fn image_dict(width: u32, height: u32, color_space: &[u8]) -> Dictionary {
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Image".to_vec()));
    dict.set("Width", Object::Integer(i64::from(width)));
    dict.set("Height", Object::Integer(i64::from(height)));
    dict.set("ColorSpace", Object::Name(color_space.to_vec()));
    dict.set("BitsPerComponent", Object::Integer(8));
    dict
}

/// Read the JPEG's frame header (SOF) for its size and components; the data itself is left to
/// the PDF reader's DCT decoder, as in any PDF with photographs.
fn jpeg(bytes: &[u8], alloc: &mut impl FnMut() -> ObjectId) -> Result<Embedded, StampError> {
    let invalid = |why: &str| StampError::SignatureImageInvalid(format!("JPEG: {why}"));
    let mut at = 2;
    loop {
        // Markers may be preceded by fill bytes 0xFF.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return Err(invalid("no frame header before the image data"));
        };
        at += 2;
        match marker {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(invalid("no frame header before the image data")),
            _ => {}
        }
        let length = match (bytes.get(at), bytes.get(at + 1)) {
            (Some(&hi), Some(&lo)) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => return Err(invalid("cut off inside a header")),
        };
        if length < 2 || at + length > bytes.len() {
            return Err(invalid("a header runs past the end of the file"));
        }
        let segment = &bytes[at + 2..at + length];
        match marker {
            // Baseline, extended sequential and progressive Huffman JPEGs: what PDF readers decode.
            0xC0..=0xC2 => {
                let [precision, h1, h0, w1, w0, components, ..] = *segment else {
                    return Err(invalid("the frame header is too short"));
                };
                if precision != 8 {
                    return Err(invalid("only 8-bit samples are supported"));
                }
                let width = u32::from(u16::from_be_bytes([w1, w0]));
                let height = u32::from(u16::from_be_bytes([h1, h0]));
                check_side(width, height)?;
                let color_space: &[u8] = match components {
                    1 => b"DeviceGray",
                    3 => b"DeviceRGB",
                    n => return Err(invalid(&format!("{n} colour components (only greyscale and RGB)"))),
                };
                let mut dict = image_dict(width, height, color_space);
                dict.set("Filter", Object::Name(b"DCTDecode".to_vec()));
                let id = alloc();
                let stream = Stream::new(dict, bytes.to_vec()).with_compression(false);
                return Ok(Embedded { width, height, objects: vec![(id, Object::Stream(stream))] });
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(invalid("lossless, hierarchical and arithmetic-coded JPEGs are not supported"));
            }
            _ => at += length,
        }
    }
}

/// Decode a PNG to 8-bit grey or RGB samples plus an optional alpha mask.
fn png(bytes: &[u8], alloc: &mut impl FnMut() -> ObjectId) -> Result<Embedded, StampError> {
    let invalid = |e: png::DecodingError| StampError::SignatureImageInvalid(format!("PNG: {e}"));
    // Enough for the largest allowed image as 16-bit RGBA, and not more.
    let limits = png::Limits { bytes: (MAX_SIGNATURE_SIDE as usize).pow(2) * 8 + (1 << 20) };
    let mut decoder = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(invalid)?;
    let (width, height) = (reader.info().width, reader.info().height);
    check_side(width, height)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| StampError::SignatureImageInvalid("PNG: the image is too large to decode".into()))?;
    let mut buffer = vec![0u8; size];
    let frame = reader.next_frame(&mut buffer).map_err(invalid)?;
    let (channels, color_space): (usize, &[u8]) = match frame.color_type {
        png::ColorType::Grayscale => (1, b"DeviceGray"),
        png::ColorType::GrayscaleAlpha => (2, b"DeviceGray"),
        png::ColorType::Rgb => (3, b"DeviceRGB"),
        png::ColorType::Rgba => (4, b"DeviceRGB"),
        // EXPAND turns palettes into RGB(A); anything else is not a PNG this decoder understands.
        other => return Err(StampError::SignatureImageInvalid(format!("PNG: unexpected colour type {other:?}"))),
    };
    let pixels = width as usize * height as usize;
    let line = frame.line_size;
    let mut color = Vec::with_capacity(pixels * channels.min(3));
    let mut alpha = Vec::new();
    let has_alpha = channels == 2 || channels == 4;
    if has_alpha {
        alpha.reserve(pixels);
    }
    for row in buffer.chunks(line).take(height as usize) {
        for px in row.chunks_exact(channels).take(width as usize) {
            if has_alpha {
                color.extend_from_slice(&px[..channels - 1]);
                alpha.push(px[channels - 1]);
            } else {
                color.extend_from_slice(px);
            }
        }
    }
    let image_id = alloc();
    let mut dict = image_dict(width, height, color_space);
    let mut objects = Vec::with_capacity(2);
    // A fully opaque alpha channel needs no mask.
    if has_alpha && alpha.iter().any(|&a| a != 255) {
        let mask_id = alloc();
        let mut mask = Stream::new(image_dict(width, height, b"DeviceGray"), alpha);
        let _ = mask.compress();
        dict.set("SMask", Object::Reference(mask_id));
        let mut image = Stream::new(dict, color);
        let _ = image.compress();
        objects.push((image_id, Object::Stream(image)));
        objects.push((mask_id, Object::Stream(mask)));
    } else {
        let mut image = Stream::new(dict, color);
        let _ = image.compress();
        objects.push((image_id, Object::Stream(image)));
    }
    Ok(Embedded { width, height, objects })
}
