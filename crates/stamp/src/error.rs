//! Why a PDF could not be stamped or written on, in words a clerk's screen can show.
//!
//! Every failure of [`crate::stamp_pdf`] and [`crate::add_minute`] is one of these variants; an
//! upload is then stored unstamped (never lost), and a minute is refused with the step, so the
//! messages say what is wrong with the file or the input, not what to debug.

use thiserror::Error;

/// Why a PDF could not be stamped or a minute not written on it.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StampError {
    /// The bytes do not start like a PDF file (no `%PDF-` header near the start).
    #[error("the file is not a PDF document")]
    NotPdf,
    /// The PDF is encrypted or password protected; stamping it would need its keys.
    #[error("the PDF is encrypted or password protected, so it cannot be stamped")]
    Encrypted,
    /// The PDF is damaged beyond what can be repaired; the detail is for logs.
    #[error("the PDF is damaged and cannot be read ({0})")]
    Damaged(String),
    /// The PDF has no pages to put the stamp on.
    #[error("the PDF has no pages")]
    NoPages,
    /// The PDF has more objects than a letter ever needs: reading it would cost the node seconds of
    /// CPU and gigabytes of memory, so it is kept unstamped instead.
    #[error("the PDF has {objects} objects, more than the {max} a letter may have, so it is not stamped")]
    TooComplex { objects: usize, max: usize },
    /// The stamp or minute text cannot be drawn (an empty office name, an empty order text or
    /// name, a text longer than [`crate::MAX_MINUTE_CHARS`]).
    #[error("the text is invalid: {0}")]
    InvalidText(String),
    /// The signature image is neither a PNG nor a baseline/progressive JPEG, or is damaged.
    #[error("the signature image is not a usable PNG or JPEG image: {0}")]
    SignatureImageInvalid(String),
    /// The signature image file is larger than [`crate::MAX_SIGNATURE_BYTES`].
    #[error("the signature image is {bytes} bytes, more than the {max} allowed")]
    SignatureImageTooLarge { bytes: usize, max: usize },
    /// The signature image has more pixels a side than [`crate::MAX_SIGNATURE_SIDE`].
    #[error("the signature image is {width} × {height} pixels, more than {max} a side")]
    SignatureImageTooManyPixels { width: u32, height: u32, max: u32 },
}

impl StampError {
    /// A stable snake_case identifier for this kind of error, for APIs, logs and translations.
    pub fn code(&self) -> &'static str {
        match self {
            StampError::NotPdf => "not_pdf",
            StampError::Encrypted => "encrypted",
            StampError::Damaged(_) => "damaged",
            StampError::NoPages => "no_pages",
            StampError::TooComplex { .. } => "too_complex",
            StampError::InvalidText(_) => "invalid_text",
            StampError::SignatureImageInvalid(_) => "signature_image_invalid",
            StampError::SignatureImageTooLarge { .. } => "signature_image_too_large",
            StampError::SignatureImageTooManyPixels { .. } => "signature_image_too_many_pixels",
        }
    }
}
