//! The request of C2SP tlog-witness's `add-checkpoint` (c2sp.org/tlog-witness): a log asks a
//! witness to cosign its new checkpoint, proving it consistent with the last one that witness
//! cosigned. The body is
//!
//! ```text
//! old <size the witness last cosigned, canonical decimal>\n
//! <base64 consistency proof hash>\n        (0 to 63 lines; none when old is 0)
//! \n
//! <the signed checkpoint note>
//! ```
//!
//! This module only reads and writes those bytes, strictly and within bounds; which logs a witness
//! serves and what it remembers of them is the caller's.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::AuditError;
use crate::merkle::Hash;
use crate::tree::MAX_TREE_SIZE;

/// Most consistency proof lines a request may carry (C2SP: a client MUST NOT send more than 63).
pub const MAX_PROOF_LINES: usize = 63;

/// Largest request body a witness reads: the proof (63 × 45 bytes) and a checkpoint note with its
/// signatures fit many times over.
pub const MAX_ADD_CHECKPOINT_BYTES: usize = 32 * 1024;

/// The media type of a witness's `409 Conflict` answer, whose body is the size it last cosigned.
pub const SIZE_MEDIA_TYPE: &str = "text/x.tlog.size";

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the log believes the witness last cosigned (0: none).
    pub old_size: u64,
    /// The RFC 6962 consistency proof from `old_size` to the new checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, as sent (its signatures are the witness's to check).
    pub checkpoint: String,
}

/// Parses a canonical decimal tree size (no sign, no leading zero but for `0` itself) within the
/// sizes a log can have.
pub fn parse_size(text: &str) -> Result<u64, AuditError> {
    let bad = AuditError::MalformedWitnessRequest;
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("size is not a decimal number"));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(bad("size has a leading zero"));
    }
    let size: u64 = text.parse().map_err(|_| bad("size is too large"))?;
    if size > MAX_TREE_SIZE {
        return Err(bad("size is beyond any log"));
    }
    Ok(size)
}

impl AddCheckpoint {
    /// Parses a request body, refusing anything not exactly as tlog-witness writes it.
    pub fn parse(body: &[u8]) -> Result<Self, AuditError> {
        let bad = AuditError::MalformedWitnessRequest;
        if body.len() > MAX_ADD_CHECKPOINT_BYTES {
            return Err(bad("body too large"));
        }
        let body = std::str::from_utf8(body).map_err(|_| bad("body is not UTF-8"))?;
        let (head, checkpoint) = body.split_once("\n\n").ok_or(bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines.next().and_then(|l| l.strip_prefix("old ")).ok_or(bad("first line must be `old <size>`"))?;
        let old_size = parse_size(old)?;
        let mut proof = Vec::new();
        for line in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad("more than 63 consistency proof lines"));
            }
            let raw = BASE64.decode(line).map_err(|_| bad("proof line is not base64"))?;
            let hash: Hash = raw.try_into().map_err(|_| bad("proof line is not a 32-byte hash"))?;
            if BASE64.encode(hash) != line {
                return Err(bad("proof line is not canonical base64"));
            }
            proof.push(hash);
        }
        if old_size == 0 && !proof.is_empty() {
            return Err(bad("a proof from size 0 must be empty"));
        }
        if checkpoint.is_empty() {
            return Err(bad("no checkpoint"));
        }
        Ok(Self { old_size, proof, checkpoint: checkpoint.to_owned() })
    }

    /// The request body.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for h in &self.proof {
            body.push_str(&BASE64.encode(h));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.checkpoint);
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str =
        "o.example/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u{2014} o.example/log AAAAAQ==\n";

    #[test]
    fn a_request_round_trips() {
        let req = AddCheckpoint { old_size: 20852014, proof: vec![[1; 32], [2; 32]], checkpoint: NOTE.into() };
        let body = req.to_body();
        assert!(body.starts_with("old 20852014\nAQEB"));
        assert_eq!(AddCheckpoint::parse(body.as_bytes()).unwrap(), req);
        let first = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: NOTE.into() };
        assert_eq!(first.to_body(), format!("old 0\n\n{NOTE}"));
        assert_eq!(AddCheckpoint::parse(first.to_body().as_bytes()).unwrap(), first);
    }

    #[test]
    fn bad_requests_are_refused() {
        let h = BASE64.encode([7u8; 32]);
        for bad in [
            format!("old 01\n{h}\n\n{NOTE}"),
            format!("old -1\n\n{NOTE}"),
            format!("old +1\n\n{NOTE}"),
            format!("old 1 \n\n{NOTE}"),
            format!("Old 1\n\n{NOTE}"),
            format!("old 18446744073709551616\n\n{NOTE}"),
            format!("old {}\n\n{NOTE}", u64::MAX),
            format!("old 99999999999999999999999\n\n{NOTE}"),
            format!("old 4611686018427387905\n\n{NOTE}"),
            format!("old 0\n{h}\n\n{NOTE}"),
            format!("old 5\n!!notbase64!!\n\n{NOTE}"),
            format!("old 5\n{}\n\n{NOTE}", BASE64.encode([7u8; 31])),
            format!("old 5\n{}\n\n{NOTE}", &h[..43]),
            format!("old 5\n{h}\n{NOTE}"),
            format!("old 5\n{h}\n\n"),
            "old 5".to_owned(),
            String::new(),
        ] {
            assert_eq!(
                AddCheckpoint::parse(bad.as_bytes()).unwrap_err().code(),
                "audit.malformed_witness_request",
                "{bad:?}"
            );
        }
        // At most 63 proof lines.
        let many = |n: usize| format!("old 5\n{}\n{NOTE}", format!("{h}\n").repeat(n));
        assert_eq!(AddCheckpoint::parse(many(63).as_bytes()).unwrap().proof.len(), 63);
        assert!(AddCheckpoint::parse(many(64).as_bytes()).is_err());
        // Not UTF-8, and oversized.
        assert!(AddCheckpoint::parse(b"old 5\n\n\xff\xfe\n").is_err());
        let huge = format!("old 0\n\n{NOTE}{}", "x".repeat(MAX_ADD_CHECKPOINT_BYTES));
        assert!(AddCheckpoint::parse(huge.as_bytes()).is_err());
    }
}
