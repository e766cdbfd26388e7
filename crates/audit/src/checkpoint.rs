//! C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the signed statement "this log, at this size,
//! has this root", which auditors keep and later hold the log to with consistency proofs.
//!
//! The note text is `<origin>\n<tree size>\n<base64 root hash>\n`, optionally followed by
//! extension lines, and is signed as a C2SP signed note ([`crate::note`]).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::AuditError;
use crate::merkle::Hash;
use crate::note::{NoteSigner, Verifier};

/// A tree head: which log, how many entries, and the RFC 6962 root over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `sarabun.example.go.th/audit`; C2SP recommends it equal the
    /// key name of the log's signature.
    pub origin: String,
    /// Number of entries in the tree.
    pub size: u64,
    /// Root hash of the tree of the first `size` entries.
    pub root: Hash,
    /// Opaque extension lines after the root (each non-empty, without newline). C2SP does not
    /// recommend them; they are kept so that a checkpoint survives a parse/serialise round trip.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Self { origin: origin.into(), size, root, extensions: Vec::new() }
    }

    /// The note text (the part that is signed), including its final newline.
    pub fn to_note_text(&self) -> Result<String, AuditError> {
        let bad = AuditError::MalformedCheckpoint;
        if !is_line(&self.origin) {
            return Err(bad("origin must be a non-empty line"));
        }
        if !self.extensions.iter().all(|l| is_line(l)) {
            return Err(bad("extension lines must be non-empty lines"));
        }
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root));
        for l in &self.extensions {
            text.push_str(l);
            text.push('\n');
        }
        Ok(text)
    }

    /// Parses checkpoint note text (as returned by [`crate::note::open`]), strictly: every line
    /// non-empty, the size in canonical decimal, the root canonical base64 of exactly 32 bytes.
    pub fn parse_note_text(text: &str) -> Result<Self, AuditError> {
        let bad = AuditError::MalformedCheckpoint;
        let body = text.strip_suffix('\n').ok_or(bad("text must end with a newline"))?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root_b64)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(bad("need origin, size and root lines"));
        };
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if !is_line(origin) {
            return Err(bad("empty origin"));
        }
        // Decimal without sign or leading zeros, so that one size has one spelling.
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(bad("tree size is not a canonical decimal number"));
        }
        let size: u64 = size.parse().map_err(|_| bad("tree size too large"))?;
        let root_bytes = BASE64.decode(root_b64).map_err(|_| bad("root hash is not base64"))?;
        let root: Hash = root_bytes.try_into().map_err(|_| bad("root hash is not 32 bytes"))?;
        if BASE64.encode(root) != root_b64 {
            return Err(bad("root hash is not canonical base64"));
        }
        if !extensions.iter().all(|l| is_line(l)) {
            return Err(bad("empty extension line"));
        }
        Ok(Self { origin: origin.to_owned(), size, root, extensions })
    }
}

/// A non-empty line of note text: no newline and no other control character.
fn is_line(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

impl NoteSigner {
    /// The signed checkpoint note, ready to serve as `GET /audit/checkpoint`.
    pub fn sign_checkpoint(&self, checkpoint: &Checkpoint) -> Result<String, AuditError> {
        self.sign_note(&checkpoint.to_note_text()?)
    }
}

/// Opens a signed checkpoint: checks the note syntax, requires a good signature by one of
/// `verifiers` (ignoring other keys' signatures, e.g. witness cosignatures) and parses the text.
///
/// The caller must still check that [`Checkpoint::origin`] is the log it expects: the signature
/// vouches for the text, not for which log the reader meant to ask.
pub fn open_note(note: &str, verifiers: &[Verifier]) -> Result<Checkpoint, AuditError> {
    let opened = crate::note::open(note, verifiers)?;
    Checkpoint::parse_note_text(&opened.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_extensions() {
        let mut c = Checkpoint::new("example.com/log", 42, [7; 32]);
        c.extensions = vec!["ext one".into(), "— two".into()];
        let text = c.to_note_text().unwrap();
        assert_eq!(Checkpoint::parse_note_text(&text).unwrap(), c);
    }

    #[test]
    fn rejects_non_canonical_fields() {
        let root = BASE64.encode([1u8; 32]);
        let ok = format!("o\n10\n{root}\n");
        assert!(Checkpoint::parse_note_text(&ok).is_ok());
        for bad in [
            format!("o\n010\n{root}\n"),
            format!("o\n+10\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n\n{root}\n"),
            format!("\n10\n{root}\n"),
            format!("o\n10\n{root}"),
            format!("o\n10\n{root}\n\n"),
            format!("o\n10\n{root}\next\n\n"),
            format!("o\n10\n{}\n", BASE64.encode([1u8; 31])),
            format!("o\n10\n{}\n", &root[..43]),
            "o\n10\n".to_owned(),
            "o\n18446744073709551616\nAAAA\n".to_owned(),
        ] {
            assert_eq!(Checkpoint::parse_note_text(&bad).unwrap_err().code(), "audit.malformed_checkpoint", "{bad:?}");
        }
        // Non-zero padding bits: decodes to the same bytes under a lax decoder.
        let mut lax = root.clone().into_bytes();
        lax[42] = if lax[42] == b'E' { b'F' } else { b'E' };
        let lax = String::from_utf8(lax).unwrap();
        assert!(Checkpoint::parse_note_text(&format!("o\n1\n{lax}\n")).is_err());
        assert_eq!(
            Checkpoint::parse_note_text("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n").unwrap().root,
            crate::merkle::EMPTY_ROOT
        );
    }
}
