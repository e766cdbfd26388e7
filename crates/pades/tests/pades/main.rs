//! Scenarios of the signer's PDF signature, on real files and checked with real tools: poppler's
//! `pdfsig` (NSS), `qpdf --check`, `pdftotext`, LibreOffice for the letters and OpenSSL for a
//! PKCS#12 file. One test binary, one module per concern.

mod bad_input;
mod keys;
mod signing;
mod support;
