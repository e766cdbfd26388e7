//! The resumable upload of a document to a peer, as bytes: a chunk's `Content-Range` field
//! (`bytes <first>-<last>/<total>`, RFC 9110 section 14.4, one range with a known total) and what the
//! receiver says it holds after a `HEAD` or a `PUT` (the `Upload-Offset` and `Upload-Complete`
//! fields, and the same in the JSON answer of a `PUT`).

use crate::FederationError;
use serde::{Deserialize, Serialize};

/// The field naming how many bytes of a document the receiver holds.
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// The field saying whether the receiver holds the whole verified document (`?1`) or not (`?0`).
pub const UPLOAD_COMPLETE: &str = "upload-complete";

/// One chunk's place in the document: bytes `first..=last` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    pub first: u64,
    pub last: u64,
    pub total: u64,
}

impl ContentRange {
    /// Reads `bytes <first>-<last>/<total>`; refuses anything else (no `*`, no empty range, no range
    /// past the total).
    pub fn parse(field: &str) -> Result<Self, FederationError> {
        let bad = || FederationError::Malformed(format!("Content-Range {field:?} is not bytes first-last/total"));
        let rest = field.trim().strip_prefix("bytes ").ok_or_else(bad)?;
        let (range, total) = rest.split_once('/').ok_or_else(bad)?;
        let (first, last) = range.split_once('-').ok_or_else(bad)?;
        let number = |s: &str| {
            if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse::<u64>().map_err(|_| bad())
        };
        let (first, last, total) = (number(first)?, number(last)?, number(total)?);
        if first > last || last >= total {
            return Err(bad());
        }
        Ok(Self { first, last, total })
    }

    /// The number of bytes in the chunk.
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never: a range has at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl std::fmt::Display for ContentRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bytes {}-{}/{}", self.first, self.last, self.total)
    }
}

/// What the receiver holds of a document, answered to a `PUT` (and, as fields, to a `HEAD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// Bytes held from the start (the whole size once complete).
    pub held: u64,
    /// Whether the whole document is held, its digest and size checked.
    pub complete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_content_range_reads_back_and_nonsense_is_refused() {
        let r = ContentRange::parse("bytes 262144-524287/3145728").unwrap();
        assert_eq!((r.first, r.last, r.total, r.len()), (262144, 524287, 3145728, 262144));
        assert_eq!(r.to_string(), "bytes 262144-524287/3145728");
        for bad in [
            "bytes 5-4/10",
            "bytes 0-10/10",
            "bytes */10",
            "bytes 0-1/*",
            "items 0-1/2",
            "bytes -1-2/3",
            "bytes 0-99999999999999999999/1",
        ] {
            assert!(ContentRange::parse(bad).is_err(), "{bad}");
        }
    }
}
