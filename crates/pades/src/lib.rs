//! The signer's own electronic signature on a letter: a PAdES baseline B-B approval signature
//! (ETSI EN 319 142-1, ISO 32000-2 §12.8) by the person with authority to sign, made with their
//! ECDSA P-256 key and a certificate of the node's authority ([`ca`]) or of an external one
//! ([`pkcs12`]), the key kept sealed under their signing PIN ([`keyseal`]).
//!
//! The life of a letter's PDF here: [`prepare`] gives page 1 two empty text fields,
//! [`NUMBER_FIELD`] and [`DATE_FIELD`]; [`sign`] adds the signature over that revision; after
//! the send register gives the number, [`fill`] writes the number and the Thai date into the
//! fields; the receiving stamp and the minutes (`sarabun-stamp`) follow. Each step is an
//! incremental update, the earlier bytes left untouched, and the signature sets no DocMDP
//! restriction, so every later step is a "later revision" that validators (poppler's `pdfsig`,
//! Acrobat, [`verify`]) report next to a signature that stays valid. [`verify`] checks every
//! signature of a PDF: digest, CMS signature, chain to given roots, and what came after.
//!
//! Every function is total on untrusted input: a file that cannot be signed or read gives a
//! [`PadesError`], and a panic inside the PDF parser is caught and reported as one.

pub mod ca;
mod error;
mod fields;
pub mod keyseal;
mod pdf;
pub mod pkcs12;
mod sign;
mod verify;

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Utc};

pub use error::PadesError;
/// The curve crate the keys are of, so callers name the same version.
pub use p256;
/// The certificate crate the chains are of, so callers name the same version.
pub use x509_cert;

/// A rectangle on page 1, in PDF points from the lower left corner of the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// Fully qualified name of the text field that takes the letter's number (ที่ กค 0100/123).
pub const NUMBER_FIELD: &str = "sarabun.number";
/// Fully qualified name of the text field that takes the letter's date (1 ธันวาคม 2569).
pub const DATE_FIELD: &str = "sarabun.date";

/// Who signs, with what.
pub struct Signer {
    /// The signer's private key, unsealed with their PIN for this one signature.
    pub key: p256::ecdsa::SigningKey,
    /// The signer's certificate first, then its issuers (the node's root may be included).
    pub chain: Vec<x509_cert::Certificate>,
    /// The signer's name as the signature dictionary's /Name (shown by validators).
    pub name: String,
    /// Why they sign (/Reason), e.g. "ลงนามหนังสือ".
    pub reason: Option<String>,
    /// Where (/Location), e.g. the office name.
    pub location: Option<String>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("name", &self.name).field("chain", &self.chain.len()).finish_non_exhaustive()
    }
}

/// What [`verify`] found about one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The signature field's fully qualified name.
    pub field: String,
    /// The /Name of the signature, else the common name of the signer's certificate.
    pub signer_name: String,
    /// The subject of the signer's certificate (RFC 4514), empty if none was found.
    pub subject: String,
    /// The signing time the signer claims (/M).
    pub signed_at: Option<DateTime<Utc>>,
    /// The signed bytes hash to the CMS message digest and the CMS signature verifies with the
    /// signer's certificate.
    pub intact: bool,
    /// The signer's certificate chains, through the certificates in the CMS, to one of the roots,
    /// each valid at the claimed signing time.
    pub chain_trusted: bool,
    /// Where the signed revision ends: every byte before it is covered but the signature itself.
    pub signed_len: usize,
    /// Nothing but whitespace follows the signed revision.
    pub covers_whole: bool,
    /// How many incremental updates were appended after the signed revision.
    pub later_revisions: usize,
}

/// Run `f`, turning a panic in the PDF parser into an error for this one file.
fn guarded<T>(f: impl FnOnce() -> Result<T, PadesError>) -> Result<T, PadesError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(PadesError::Malformed("the PDF reader failed on this file".into())))
}

/// Ensures page 1 carries two empty text fields [`NUMBER_FIELD`] and [`DATE_FIELD`]: the
/// template's own fields of those names when present (their rectangles kept, the file returned
/// unchanged unless its form's /NeedAppearances had to be cleared), otherwise added at the default places of a Thai official letter (ที่ … at the left
/// margin under the Garuda; the date from the centre under the address), as an incremental update.
pub fn prepare(pdf: &[u8]) -> Result<Vec<u8>, PadesError> {
    guarded(|| fields::prepare(pdf, None))
}

/// As [`prepare`], but a letter without the fields gets them at `number` and `date` (for an
/// office whose letters put them elsewhere) instead of the default places. Each rectangle must lie
/// on page 1 and be at least 10 × 6 points ([`PadesError::InvalidValue`] otherwise); a template's
/// own fields still win.
pub fn prepare_at(pdf: &[u8], number: Rect, date: Rect) -> Result<Vec<u8>, PadesError> {
    guarded(|| {
        fields::check_places(pdf, [number, date])?;
        fields::prepare(pdf, Some([number, date]))
    })
}

/// Where the number and date fields of `pdf` are: each widget's rectangle with its field's name
/// ([`NUMBER_FIELD`] or [`DATE_FIELD`]), for a preview that shows where they will be printed.
pub fn field_rects(pdf: &[u8]) -> Result<Vec<(String, Rect)>, PadesError> {
    guarded(|| fields::field_rects(pdf))
}

/// Signs `pdf` with an approval signature of `signer` at `at`: PAdES baseline B-B (SubFilter
/// ETSI.CAdES.detached; CMS SignedData with the content-type, message-digest and
/// signing-certificate-v2 signed attributes, no signing-time attribute since the time is /M;
/// the signer's certificate and chain in the certificates), in an invisible signature field on
/// page 1, as an incremental update. No DocMDP: later Sarabun revisions (number and date,
/// receiving stamp, minutes page) leave the signature valid. A PDF that is already signed gets
/// one more signature (a co-signature); refusing a second signature of the same letter is the
/// caller's rule.
pub fn sign(pdf: &[u8], signer: &Signer, at: DateTime<Utc>) -> Result<Vec<u8>, PadesError> {
    guarded(|| sign::sign(pdf, signer, at))
}

/// Fills [`NUMBER_FIELD`] and [`DATE_FIELD`] with `number` and `date_th`, drawn in an appearance
/// stream with the embedded Thai font so that viewers, printers and `pdftotext` show them on
/// page 1, and makes the fields read-only; as an incremental update, so a signature made before
/// stays valid. Fields missing from the file are added at the default places first.
pub fn fill(pdf: &[u8], number: &str, date_th: &str) -> Result<Vec<u8>, PadesError> {
    guarded(|| fields::fill(pdf, number, date_th))
}

/// Finds every signature of `pdf` and checks it against `roots` (the trusted authorities, such
/// as the node's root). An unsigned PDF gives an empty list; a file that is not a readable PDF
/// gives an error.
pub fn verify(pdf: &[u8], roots: &[x509_cert::Certificate]) -> Result<Vec<SignatureCheck>, PadesError> {
    guarded(|| verify::verify(pdf, roots))
}

/// A PDF date string (`D:…`) as UTC, for callers showing /M themselves.
pub fn parse_pdf_date(bytes: &[u8]) -> Option<DateTime<Utc>> {
    verify::parse_pdf_date(bytes)
}
