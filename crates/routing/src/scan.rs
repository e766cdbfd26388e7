//! The scan of a letter from outside, as one PDF: a PDF sent as it is, or JPEG, PNG and TIFF images
//! that become one page each. What a file is comes from its bytes alone (a renamed program is not an
//! image whatever its name or declared type); every image's size is read from its header and
//! checked against the domain's bounds before it is decoded, and decoding itself runs under a
//! memory limit, so a small file claiming a huge picture costs nothing. Each image is decoded in
//! full, so a damaged one is refused rather than stored; a baseline 8-bit grey or RGB JPEG is then
//! embedded as it is (DCTDecode), anything else as Flate-compressed 8-bit samples. Pure and
//! blocking: the caller runs it on a blocking thread.

use crate::media;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use sarabun_domain::ArrivalRefusal;
use sarabun_domain::arrival::{MAX_IMAGE_SIDE, MAX_SCAN_PAGES, check_image_size};
use std::io::Cursor;

/// The most memory one image's decoder may hold (a 40-million-pixel RGB image is 120 MB).
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// The long side of a page made from an image, in points (A4's long side).
const PAGE_LONG_SIDE: f32 = 841.89;
/// The short side of such a page, in points (A4's short side).
const PAGE_SHORT_SIDE: f32 = 595.28;

/// The scan as one PDF.
#[derive(Debug)]
pub(crate) struct ScanPdf {
    pub bytes: Vec<u8>,
    /// Pages made from images; `None` when a PDF was sent as it is.
    pub pages_from_images: Option<usize>,
}

/// What one scan file is, by its bytes.
enum Kind {
    Pdf,
    Image(ImageFormat),
}

fn kind_of(position: usize, bytes: &[u8]) -> Result<Kind, ArrivalRefusal> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if media::sniff(bytes, tail) == media::PDF {
        return Ok(Kind::Pdf);
    }
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Tiff)) => Ok(Kind::Image(format)),
        _ => Err(ArrivalRefusal::NotAnImage { position }),
    }
}

/// Turns the scan's files, in order, into one PDF (see the module documentation). Positions in
/// refusals count from 1.
pub(crate) fn scan_to_pdf(files: &[Vec<u8>]) -> Result<ScanPdf, ArrivalRefusal> {
    if files.is_empty() {
        return Err(ArrivalRefusal::NoScan);
    }
    let kinds = files.iter().enumerate().map(|(i, f)| kind_of(i + 1, f)).collect::<Result<Vec<_>, _>>()?;
    if kinds.iter().any(|k| matches!(k, Kind::Pdf)) {
        if files.len() != 1 {
            return Err(ArrivalRefusal::MixedScan);
        }
        return Ok(ScanPdf { bytes: files[0].clone(), pages_from_images: None });
    }
    if files.len() > MAX_SCAN_PAGES {
        return Err(ArrivalRefusal::TooManyFiles { what: "pages", max: MAX_SCAN_PAGES });
    }
    let mut pages = Vec::with_capacity(files.len());
    for (i, (bytes, kind)) in files.iter().zip(kinds).enumerate() {
        let Kind::Image(format) = kind else { continue };
        pages.push(page_image(i + 1, bytes, format)?);
    }
    let count = pages.len();
    let bytes = build_pdf(pages).map_err(|e| ArrivalRefusal::ImageDamaged { position: 0, detail: e.to_string() })?;
    Ok(ScanPdf { bytes, pages_from_images: Some(count) })
}

/// One image ready to be a page: its size and its image XObject.
struct PageImage {
    width: u32,
    height: u32,
    xobject: Stream,
}

fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader
}

fn page_image(position: usize, bytes: &[u8], format: ImageFormat) -> Result<PageImage, ArrivalRefusal> {
    let damaged = |e: image::ImageError| ArrivalRefusal::ImageDamaged { position, detail: e.to_string() };
    // The header alone first: a huge claimed size is refused before any pixel is allocated.
    let (width, height) = match reader(bytes, format).into_dimensions() {
        Ok(size) => size,
        Err(image::ImageError::Limits(_)) => {
            let (width, height) = claimed_size(bytes, format);
            return Err(ArrivalRefusal::ImageTooLarge { position, width, height });
        }
        Err(e) => return Err(damaged(e)),
    };
    check_image_size(position, width, height)?;
    let decoded = reader(bytes, format).decode().map_err(damaged)?;
    let xobject = match (format, jpeg_frame(bytes)) {
        (ImageFormat::Jpeg, Some(Frame { components: c @ (1 | 3), precision: 8 })) => {
            let space = if c == 1 { "DeviceGray" } else { "DeviceRGB" };
            Stream::new(image_dict(width, height, space, "DCTDecode"), bytes.to_vec())
        }
        _ => flate_samples(&decoded, width, height),
    };
    Ok(PageImage { width, height, xobject })
}

/// The size an image's header claims, read without limits (reading a header allocates nothing),
/// for a refusal that names it.
fn claimed_size(bytes: &[u8], format: ImageFormat) -> (u32, u32) {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    reader.into_dimensions().unwrap_or((0, 0))
}

fn image_dict(width: u32, height: u32, space: &str, filter: &str) -> Dictionary {
    dictionary! {
        "Type" => "XObject",
        "Subtype" => "Image",
        "Width" => i64::from(width),
        "Height" => i64::from(height),
        "ColorSpace" => Object::Name(space.as_bytes().to_vec()),
        "BitsPerComponent" => 8,
        "Filter" => Object::Name(filter.as_bytes().to_vec()),
    }
}

/// The image's samples, grey when it has no colour, else RGB (alpha dropped: a scan is opaque).
fn flate_samples(image: &DynamicImage, width: u32, height: u32) -> Stream {
    let (space, samples) = if image.color().has_color() {
        ("DeviceRGB", image.to_rgb8().into_raw())
    } else {
        ("DeviceGray", image.to_luma8().into_raw())
    };
    let compressed = compress(&samples);
    Stream::new(image_dict(width, height, space, "FlateDecode"), compressed)
}

fn compress(samples: &[u8]) -> Vec<u8> {
    let mut stream = Stream::new(Dictionary::new(), samples.to_vec());
    // lopdf compresses with zlib (Flate) and sets /Filter; only the compressed bytes are kept.
    match stream.compress() {
        Ok(()) => stream.content,
        Err(_) => samples.to_vec(),
    }
}

/// What a JPEG's frame header says: bits per sample and colour components.
struct Frame {
    components: u8,
    precision: u8,
}

/// Reads the first start-of-frame segment of a JPEG, walking its marker segments.
fn jpeg_frame(bytes: &[u8]) -> Option<Frame> {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let segment = bytes.get(at + 4..at + 2 + length)?;
            return Some(Frame { precision: *segment.first()?, components: *segment.get(5)? });
        }
        at += 2 + length;
    }
    None
}

/// One page per image, each fitted to A4's width in the image's orientation.
fn build_pdf(pages: Vec<PageImage>) -> Result<Vec<u8>, lopdf::Error> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::with_capacity(pages.len());
    for page in pages {
        let (w, h) = (page.width as f32, page.height as f32);
        let page_w = if w >= h { PAGE_LONG_SIDE } else { PAGE_SHORT_SIDE };
        let page_h = page_w * h / w;
        let image_id = doc.add_object(page.xobject);
        let content = format!("q {page_w:.2} 0 0 {page_h:.2} 0 0 cm /Scan Do Q").into_bytes();
        let content_id = doc.add_object(Stream::new(Dictionary::new(), content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(page_w), Object::Real(page_h)],
            "Contents" => content_id,
            "Resources" => dictionary! { "XObject" => dictionary! { "Scan" => image_id } },
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn images_become_pages_and_bad_files_are_refused() {
        let rgb = DynamicImage::new_rgb8(40, 60);
        let files = [
            encoded(rgb.clone(), ImageFormat::Jpeg),
            encoded(rgb.clone(), ImageFormat::Png),
            encoded(rgb, ImageFormat::Tiff),
        ];
        let pdf = scan_to_pdf(&files).unwrap();
        assert_eq!(pdf.pages_from_images, Some(3));
        assert_eq!(Document::load_mem(&pdf.bytes).unwrap().get_pages().len(), 3);

        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
        assert_eq!(scan_to_pdf(&[exe]).unwrap_err(), ArrivalRefusal::NotAnImage { position: 1 });
        let mut corrupt = files[1].clone();
        corrupt.truncate(corrupt.len() / 2);
        assert!(matches!(scan_to_pdf(&[corrupt]), Err(ArrivalRefusal::ImageDamaged { position: 1, .. })));
        assert_eq!(scan_to_pdf(&[]).unwrap_err(), ArrivalRefusal::NoScan);
    }

    #[test]
    fn a_jpeg_frame_is_read() {
        let jpeg = encoded(DynamicImage::new_luma8(8, 8), ImageFormat::Jpeg);
        let frame = jpeg_frame(&jpeg).unwrap();
        assert_eq!((frame.components, frame.precision), (1, 8));
        assert!(jpeg_frame(b"\xff\xd8\xff").is_none());
    }
}
