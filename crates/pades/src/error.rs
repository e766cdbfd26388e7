//! Why a letter could not be prepared, signed, filled or checked, and why a key could not be
//! sealed, unsealed or imported: one error type for the whole crate, each variant with a stable
//! code the server maps to its JSON errors.

use thiserror::Error;

use sarabun_stamp::StampError;

/// Why a PAdES operation failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PadesError {
    /// The bytes do not start like a PDF file.
    #[error("the file is not a PDF document")]
    NotPdf,
    /// The PDF cannot be read, is encrypted, or is built in a way it cannot be signed; the detail
    /// is for logs.
    #[error("the PDF is damaged or cannot be signed ({0})")]
    Malformed(String),
    /// The PDF has no page 1 to put the fields and the signature widget on.
    #[error("the PDF has no pages")]
    NoPageOne,
    /// The signing PIN is wrong (or the sealed key was altered: the two cannot be told apart).
    #[error("the signing PIN is wrong")]
    WrongPin,
    /// The password of a PKCS#12 file is wrong.
    #[error("the password of the PKCS#12 file is wrong")]
    WrongPassword,
    /// The PIN is too short, too long, has unprintable characters or is too easy to guess.
    #[error("the signing PIN is not acceptable: {0}")]
    WeakPin(String),
    /// The key is not an ECDSA P-256 key, or does not match the certificate it is used with.
    #[error("the key is not a usable ECDSA P-256 signing key: {0}")]
    UnsupportedKey(String),
    /// A certificate cannot be made, read or used (empty chain, unreadable PEM, name too long).
    #[error("certificate problem: {0}")]
    Certificate(String),
    /// A cryptographic operation failed (randomness, key derivation, CMS encoding).
    #[error("cryptographic failure: {0}")]
    Crypto(String),
    /// A sealed key blob is not one this crate wrote (wrong magic, version, length or parameters).
    #[error("the sealed key is damaged or of an unknown format: {0}")]
    SealedKeyInvalid(String),
    /// The value to fill in a field is empty or has control characters.
    #[error("the field value is invalid: {0}")]
    InvalidValue(String),
    /// The signature does not fit the room reserved for it in /Contents (a very long chain).
    #[error("the signature is {needed} bytes, more than the {room} bytes reserved for it")]
    SignatureTooLarge { needed: usize, room: usize },
}

impl PadesError {
    /// A stable snake_case identifier for this kind of error, for APIs, logs and translations.
    pub fn code(&self) -> &'static str {
        match self {
            PadesError::NotPdf => "not_pdf",
            PadesError::Malformed(_) => "pdf_malformed",
            PadesError::NoPageOne => "no_pages",
            PadesError::WrongPin => "wrong_pin",
            PadesError::WrongPassword => "wrong_password",
            PadesError::WeakPin(_) => "weak_pin",
            PadesError::UnsupportedKey(_) => "unsupported_key",
            PadesError::Certificate(_) => "certificate_invalid",
            PadesError::Crypto(_) => "crypto_failure",
            PadesError::SealedKeyInvalid(_) => "sealed_key_invalid",
            PadesError::InvalidValue(_) => "invalid_value",
            PadesError::SignatureTooLarge { .. } => "signature_too_large",
        }
    }
}

impl From<StampError> for PadesError {
    fn from(e: StampError) -> Self {
        match e {
            StampError::NotPdf => PadesError::NotPdf,
            StampError::NoPages => PadesError::NoPageOne,
            other => PadesError::Malformed(other.to_string()),
        }
    }
}

impl From<der::Error> for PadesError {
    fn from(e: der::Error) -> Self {
        PadesError::Crypto(format!("ASN.1: {e}"))
    }
}
