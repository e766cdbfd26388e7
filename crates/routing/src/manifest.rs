//! The manifest of a trail bundle: what makes a bundle's completeness checkable offline. The node
//! states, in a note signed with the log key (C2SP signed-note, like the checkpoint), which letter
//! the bundle is about, which checkpoint it is complete against, every index of the letter's entries
//! the reader may see up to that checkpoint, and for every recipient named in the envelope its
//! decision entry, `undecided`, or `withheld` (a recipient office's bundle does not show the other
//! recipients). Dropping an index, an entry, a receipt or a recipient from a bundle then either
//! breaks the signature or leaves something the manifest lists missing. The text format is in
//! `docs/formats.md`, byte for byte; it is parsed strictly, so one manifest has one spelling.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The first line of a manifest's text; it also keeps a manifest from ever reading as a checkpoint
/// (whose first line is the log's origin and second a tree size) and the other way round.
pub const MANIFEST_FORMAT: &str = "sarabun-trail-manifest/1";

/// Whose view of the letter the bundle is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestScope {
    /// The sending office or an auditor: every entry and every recipient's decision.
    All,
    /// A recipient office (its code): the letter's own entries, its own handling and its people's
    /// actions; the other recipients are `withheld`.
    Office(String),
}

/// What a recipient named in the envelope had done at the manifest's checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientState {
    /// Received; the index of its `delivery.received` entry.
    Received(u64),
    /// Rejected; the index of its `delivery.rejected` entry.
    Rejected(u64),
    /// Neither received nor rejected (still delivered, or recalled first).
    Undecided,
    /// Not shown to the reader of an office-scoped bundle.
    Withheld,
}

/// A trail bundle's manifest, before signing or after opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailManifest {
    pub letter_id: String,
    /// The size of the checkpoint the bundle's proofs lead to.
    pub tree_size: u64,
    /// That checkpoint's root hash.
    pub root: [u8; 32],
    pub scope: ManifestScope,
    /// Every index of the letter's entries in the bundle, strictly ascending.
    pub entries: Vec<u64>,
    /// Every recipient office (code) named in the envelope, once each.
    pub recipients: Vec<(String, RecipientState)>,
}

/// Why manifest text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed trail manifest: {0}")]
pub struct ManifestError(pub &'static str);

fn decimal(s: &str) -> Result<u64, ManifestError> {
    let canonical = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s.len() == 1 || !s.starts_with('0'));
    if !canonical {
        return Err(ManifestError("a number is not canonical decimal"));
    }
    s.parse().map_err(|_| ManifestError("a number is too large"))
}

/// A non-empty line value without control characters.
fn is_value(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

impl TrailManifest {
    /// The note text (what the log key signs), ending in a newline.
    pub fn to_note_text(&self) -> String {
        let mut text = format!(
            "{MANIFEST_FORMAT}\nletter {}\ncheckpoint {} {}\n",
            self.letter_id,
            self.tree_size,
            STANDARD.encode(self.root)
        );
        match &self.scope {
            ManifestScope::All => text.push_str("scope all\n"),
            ManifestScope::Office(code) => text.push_str(&format!("scope office {code}\n")),
        }
        text.push_str(&format!("entries {}\n", self.entries.len()));
        for index in &self.entries {
            text.push_str(&format!("entry {index}\n"));
        }
        text.push_str(&format!("recipients {}\n", self.recipients.len()));
        for (code, state) in &self.recipients {
            let line = match state {
                RecipientState::Received(i) => format!("recipient received {i} {code}"),
                RecipientState::Rejected(i) => format!("recipient rejected {i} {code}"),
                RecipientState::Undecided => format!("recipient undecided - {code}"),
                RecipientState::Withheld => format!("recipient withheld - {code}"),
            };
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    /// Parses note text strictly: the lines in order, counts that match, entries strictly
    /// ascending, every recipient once, nothing more.
    pub fn parse_note_text(text: &str) -> Result<Self, ManifestError> {
        let body = text.strip_suffix('\n').ok_or(ManifestError("text must end with a newline"))?;
        let mut lines = body.split('\n');
        let mut next = |prefix: &'static str| -> Result<&str, ManifestError> {
            lines.next().and_then(|l| l.strip_prefix(prefix)).ok_or(ManifestError(prefix))
        };
        if !next(MANIFEST_FORMAT)?.is_empty() {
            return Err(ManifestError("unknown manifest format"));
        }
        let letter_id = next("letter ")?.to_owned();
        if !is_value(&letter_id) || letter_id.contains(' ') {
            return Err(ManifestError("bad letter id"));
        }
        let (size, root_b64) = next("checkpoint ")?.split_once(' ').ok_or(ManifestError("checkpoint line"))?;
        let tree_size = decimal(size)?;
        let root: [u8; 32] = STANDARD
            .decode(root_b64)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(ManifestError("root hash is not 32 bytes of base64"))?;
        if STANDARD.encode(root) != root_b64 {
            return Err(ManifestError("root hash is not canonical base64"));
        }
        let scope = match next("scope ")? {
            "all" => ManifestScope::All,
            other => match other.strip_prefix("office ") {
                Some(code) if is_value(code) => ManifestScope::Office(code.to_owned()),
                _ => return Err(ManifestError("unknown scope")),
            },
        };
        let count = decimal(next("entries ")?)?;
        let mut entries = Vec::new();
        for _ in 0..count {
            let index = decimal(next("entry ")?)?;
            if entries.last().is_some_and(|last| *last >= index) || index >= tree_size {
                return Err(ManifestError("entries must ascend and lie inside the checkpoint"));
            }
            entries.push(index);
        }
        let count = decimal(next("recipients ")?)?;
        let mut recipients: Vec<(String, RecipientState)> = Vec::new();
        for _ in 0..count {
            let mut parts = next("recipient ")?.splitn(3, ' ');
            let (Some(state), Some(index), Some(code)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(ManifestError("recipient line"));
            };
            let state = match (state, index) {
                ("received", i) => RecipientState::Received(decimal(i)?),
                ("rejected", i) => RecipientState::Rejected(decimal(i)?),
                ("undecided", "-") => RecipientState::Undecided,
                ("withheld", "-") => RecipientState::Withheld,
                _ => return Err(ManifestError("unknown recipient state")),
            };
            if !is_value(code) || recipients.iter().any(|(c, _)| c == code) {
                return Err(ManifestError("a recipient is missing its code or named twice"));
            }
            recipients.push((code.to_owned(), state));
        }
        if lines.next().is_some() {
            return Err(ManifestError("text after the last recipient"));
        }
        Ok(Self { letter_id, tree_size, root, scope, entries, recipients })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TrailManifest {
        TrailManifest {
            letter_id: "0190aaaa-0000-7000-8000-000000000001".into(),
            tree_size: 40,
            root: [3; 32],
            scope: ManifestScope::All,
            entries: vec![20, 21, 22, 39],
            recipients: vec![
                ("กค 0400".into(), RecipientState::Received(21)),
                ("กค 0700".into(), RecipientState::Rejected(22)),
                ("กค 0800".into(), RecipientState::Undecided),
            ],
        }
    }

    #[test]
    fn text_round_trips_byte_for_byte() {
        let m = sample();
        let text = m.to_note_text();
        assert_eq!(
            text,
            "sarabun-trail-manifest/1\nletter 0190aaaa-0000-7000-8000-000000000001\n\
             checkpoint 40 AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=\nscope all\nentries 4\nentry 20\nentry 21\n\
             entry 22\nentry 39\nrecipients 3\nrecipient received 21 กค 0400\nrecipient rejected 22 กค 0700\n\
             recipient undecided - กค 0800\n"
        );
        assert_eq!(TrailManifest::parse_note_text(&text).unwrap(), m);
        let mut office = m.clone();
        office.scope = ManifestScope::Office("กค 0400".into());
        office.recipients[1].1 = RecipientState::Withheld;
        assert_eq!(TrailManifest::parse_note_text(&office.to_note_text()).unwrap(), office);
    }

    #[test]
    fn every_malformation_is_refused() {
        let good = sample().to_note_text();
        for bad in [
            good.replace("entries 4", "entries 3"),
            good.replace("entries 4", "entries 5"),
            good.replace("entry 22\n", "entry 022\n"),
            good.replace("entry 21\nentry 22", "entry 22\nentry 21"),
            good.replace("entry 39", "entry 40"),
            good.replace("recipients 3", "recipients 2"),
            good.replace("undecided -", "undecided 4"),
            good.replace("กค 0800", "กค 0400"),
            good.replace("scope all", "scope some"),
            good.replace("/1\n", "/2\n"),
            good.trim_end().to_owned(),
            format!("{good}extra\n"),
        ] {
            assert!(TrailManifest::parse_note_text(&bad).is_err(), "{bad}");
        }
    }
}
