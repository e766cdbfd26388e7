//! Why a PDF could not be stamped, in words a clerk's screen can show.
//!
//! Every failure of [`crate::stamp_pdf`] is one of these variants; the upload is then stored
//! unstamped (never lost), so the messages say what is wrong with the file, not what to debug.

use thiserror::Error;

/// Why a PDF could not be stamped.
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
    /// The stamp text cannot be drawn (for example an empty office name).
    #[error("the stamp text is invalid: {0}")]
    InvalidText(String),
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
        }
    }
}
