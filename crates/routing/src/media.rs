//! What an uploaded file is, decided from its bytes alone. The media type a client declares is never
//! trusted: a file is stored as PDF, PNG or JPEG when its bytes say so, and as
//! `application/octet-stream` otherwise, so an HTML or SVG file uploaded as an enclosure can never
//! come back from this node as a page that runs script. Serving follows the same rule (see
//! [`shown_inline`]), which also covers documents stored before types were sniffed.

/// A PDF document.
pub const PDF: &str = "application/pdf";
/// A PNG image.
pub const PNG: &str = "image/png";
/// A JPEG image.
pub const JPEG: &str = "image/jpeg";
/// Anything else: bytes to download, never to render.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The types a browser may show in place: none of them can run script in the page's origin.
pub const INLINE_TYPES: [&str; 3] = [PDF, PNG, JPEG];

/// The media type of a file from its first bytes (`head`, at least 8 when the file is that long)
/// and its last bytes (`tail`).
pub fn sniff(head: &[u8], tail: &[u8]) -> &'static str {
    if looks_like_pdf(head, tail) {
        PDF
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        PNG
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        JPEG
    } else {
        OCTET_STREAM
    }
}

/// Whether a document stored with `media_type` may be shown in the browser (`inline`); everything
/// else is served as an `application/octet-stream` attachment, whatever type was stored.
pub fn shown_inline(media_type: &str) -> bool {
    INLINE_TYPES.contains(&media_type)
}

/// Whether bytes look like a PDF: the header within the first 1024 bytes (as readers allow) and an
/// end-of-file marker within the last 1024.
fn looks_like_pdf(head: &[u8], tail: &[u8]) -> bool {
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    has(&head[..head.len().min(1024)], b"%PDF-") && has(tail, b"%%EOF")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_decide() {
        assert_eq!(sniff(b"%PDF-1.7\n...", b"...\n%%EOF\n"), PDF);
        assert_eq!(sniff(b"%PDF-1.7\n...", b"cut off"), OCTET_STREAM, "a truncated PDF is only bytes");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", b""), PNG);
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], b""), JPEG);
        for hostile in [&b"<html><script>alert(1)</script>"[..], b"<svg xmlns='http://www.w3.org/2000/svg'>", b""] {
            assert_eq!(sniff(hostile, hostile), OCTET_STREAM);
        }
    }

    #[test]
    fn only_the_allowlist_is_inline() {
        for t in INLINE_TYPES {
            assert!(shown_inline(t));
        }
        for t in ["text/html", "image/svg+xml", "text/csv", "application/xhtml+xml", "TEXT/HTML", OCTET_STREAM] {
            assert!(!shown_inline(t), "{t}");
        }
    }
}
