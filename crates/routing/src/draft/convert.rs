//! What a draft file is, from its bytes, and turning a DOCX or ODT document into a PDF with
//! LibreOffice (`soffice --headless --convert-to pdf`). A conversion runs in its own temporary
//! directory with its own LibreOffice profile (two conversions at once would otherwise fight over
//! one profile's lock), one at a time per node (LibreOffice takes hundreds of megabytes), and is
//! killed after a time limit: a document that hangs LibreOffice costs a refusal, not a stuck node.

use crate::RoutingError;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// What a draft file is, sniffed from its bytes (what the client declared is never asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftSource {
    Pdf,
    /// Office Open XML text (Word).
    Docx,
    /// OpenDocument text (LibreOffice, Google Docs export).
    Odt,
}

impl DraftSource {
    /// Sniffs a whole file; `None` for anything else (a spreadsheet, an image, a renamed binary).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        if crate::media::sniff(&bytes[..bytes.len().min(1024)], tail) == crate::media::PDF {
            return Some(Self::Pdf);
        }
        if !bytes.starts_with(b"PK\x03\x04") {
            return None;
        }
        // An ODF package stores its media type first, uncompressed, in an entry named `mimetype`.
        if bytes.get(30..38) == Some(b"mimetype") {
            let rest = &bytes[38..bytes.len().min(38 + 64)];
            return rest.starts_with(b"application/vnd.oasis.opendocument.text").then_some(Self::Odt);
        }
        // An OOXML word-processing package names these parts in its (plain-text) directory.
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        (has(b"[Content_Types].xml") && has(b"word/document.xml")).then_some(Self::Docx)
    }

    /// The media type kept with the version.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => crate::media::PDF,
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Odt => "application/vnd.oasis.opendocument.text",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Odt => "odt",
        }
    }
}

/// The node's LibreOffice: where `soffice` is and how long a conversion may take.
#[derive(Debug, Clone)]
pub struct Converter {
    program: PathBuf,
    limit: Duration,
    gate: Arc<Semaphore>,
}

impl Default for Converter {
    fn default() -> Self {
        Self::new(PathBuf::from("soffice"), Duration::from_secs(120))
    }
}

impl Converter {
    /// A converter running `program` (found on `PATH` when not absolute), killed after `limit`.
    pub fn new(program: PathBuf, limit: Duration) -> Self {
        Self { program, limit, gate: Arc::new(Semaphore::new(1)) }
    }

    /// Converts a DOCX or ODT document to PDF. [`RoutingError::ConversionUnavailable`] when
    /// LibreOffice is not installed; [`RoutingError::ConversionFailed`] when it gives no PDF.
    pub async fn to_pdf(&self, source: DraftSource, bytes: &[u8]) -> Result<Vec<u8>, RoutingError> {
        let _slot = self.gate.acquire().await.map_err(|_| RoutingError::ConversionUnavailable)?;
        let dir = tempfile::tempdir().map_err(|e| RoutingError::Internal(format!("temporary directory: {e}")))?;
        let input = dir.path().join(format!("draft.{}", source.extension()));
        tokio::fs::write(&input, bytes).await.map_err(|e| RoutingError::Internal(format!("writing the draft: {e}")))?;
        let profile = format!("file://{}", dir.path().join("profile").display());
        let mut command = tokio::process::Command::new(&self.program);
        command
            .arg(format!("-env:UserInstallation={profile}"))
            .args(["--headless", "--norestore", "--nolockcheck", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path())
            .arg(&input)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let child = match command.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RoutingError::ConversionUnavailable),
            Err(e) => return Err(RoutingError::Internal(format!("starting LibreOffice: {e}"))),
        };
        let output = match tokio::time::timeout(self.limit, child.wait_with_output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => return Err(RoutingError::Internal(format!("LibreOffice: {e}"))),
            Err(_) => return Err(RoutingError::ConversionFailed(format!("took longer than {:?}", self.limit))),
        };
        let pdf = tokio::fs::read(dir.path().join("draft.pdf")).await.ok();
        match pdf {
            Some(pdf) if output.status.success() && DraftSource::sniff(&pdf) == Some(DraftSource::Pdf) => Ok(pdf),
            _ => {
                let said = String::from_utf8_lossy(&output.stderr);
                tracing::warn!(status = ?output.status, stderr = %said.chars().take(500).collect::<String>(),
                    "LibreOffice gave no PDF");
                Err(RoutingError::ConversionFailed("LibreOffice could not read the document".into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_say_what_a_draft_is() {
        assert_eq!(DraftSource::sniff(b"%PDF-1.7\n1 0 obj\n%%EOF\n"), Some(DraftSource::Pdf));
        let mut odt = b"PK\x03\x04".to_vec();
        odt.resize(30, 0);
        odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.text");
        assert_eq!(DraftSource::sniff(&odt), Some(DraftSource::Odt));
        let mut ods = odt[..38].to_vec();
        ods.extend_from_slice(b"application/vnd.oasis.opendocument.spreadsheet");
        assert_eq!(DraftSource::sniff(&ods), None);
        let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml....".to_vec();
        assert_eq!(DraftSource::sniff(&docx), Some(DraftSource::Docx));
        let xlsx = b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml....".to_vec();
        assert_eq!(DraftSource::sniff(&xlsx), None);
        assert_eq!(DraftSource::sniff(b"MZ\x90\x00"), None);
        assert_eq!(DraftSource::sniff(b""), None);
    }
}
