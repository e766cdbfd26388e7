//! `audit verify`: the whole stored log re-read from one snapshot, every leaf and stored tree hash
//! recomputed, and every signed checkpoint checked against the entries it covers.

use super::{LogReport, audit_error, corrupt};
use crate::{Correspondence, RoutingError};
use sarabun_audit::{RootBuilder, leaf_hash, open_note, parse_verifier_key};
use sarabun_registry::audit_log;
use serde::Deserialize;

impl Correspondence {
    /// Re-reads the whole stored log, recomputes every leaf and the tree, and checks them against the
    /// stored hashes and every signed checkpoint kept. Stops at, and names, the first entry that does
    /// not match.
    pub async fn verify_log(&self, pinned_log_key: Option<&str>) -> Result<LogReport, RoutingError> {
        self.integrate().await?;
        let mut lines = Vec::new();
        let key_text = match pinned_log_key {
            Some(k) => k.to_owned(),
            None => self.log_verifier_key().await?,
        };
        let verifier = parse_verifier_key(&key_text).map_err(audit_error)?;
        let checkpoints = audit_log::checkpoints(&self.db).await?;
        let mut expected_roots = std::collections::BTreeMap::new();
        for c in &checkpoints {
            match open_note(&c.note, std::slice::from_ref(&verifier)) {
                Ok(cp) if cp.size == c.size as u64 && cp.origin == self.audit_origin => {
                    expected_roots.insert(cp.size, cp.root);
                }
                Ok(_) => {
                    lines.push(format!("FAIL  checkpoint of size {} does not say what its row says", c.size));
                    return Ok(LogReport { lines, ok: false });
                }
                Err(e) => {
                    lines.push(format!("FAIL  checkpoint of size {}: {e}", c.size));
                    return Ok(LogReport { lines, ok: false });
                }
            }
        }
        lines.push(format!("ok    {} signed checkpoints verify with {}", checkpoints.len(), verifier.name()));
        let size = audit_log::size(&self.db).await?;
        // The pages are read on a thread of their own, ahead of the hashing on this one.
        let inbox = sarabun_registry::log_pages::read_log(&self.db, size);
        let last_signed = expected_roots.keys().next_back().copied();
        let checked = tokio::task::spawn_blocking(move || check_entries(size, &expected_roots, inbox))
            .await
            .map_err(|e| corrupt(format!("log verification stopped: {e}")));
        let checked = checked??;
        let root = match checked {
            Ok(root) => root,
            Err(fail) => {
                lines.push(fail);
                return Ok(LogReport { lines, ok: false });
            }
        };
        if let Some(last) = last_signed
            && last > size
        {
            lines.push(format!(
                "FAIL  a checkpoint of size {last} was signed but the log has only {size} entries: entries were removed"
            ));
            return Ok(LogReport { lines, ok: false });
        }
        let stored_root = self.tree_hash(size).await?;
        if stored_root != root {
            lines.push("FAIL  the stored tree hashes disagree with the entries".into());
            return Ok(LogReport { lines, ok: false });
        }
        lines.push(format!("ok    {size} entries re-hashed; every checkpoint's root matches; log is consistent"));
        Ok(LogReport { lines, ok: true })
    }
}

/// Recomputes every leaf and every stored hash of the tree from the entries, page after page,
/// checking each entry's claimed index, its stored leaf hash and the roots of the signed
/// checkpoints. Returns the root, or the first failure as the line to print.
///
/// A stored interior hash that disagrees with its recomputation (the tree altered around intact
/// entries) is told only when nothing more precise is found: an altered entry is named, and an
/// entry altered together with its leaf hash is told by the checkpoint it breaks.
fn check_entries(
    size: u64,
    expected_roots: &std::collections::BTreeMap<u64, [u8; 32]>,
    mut inbox: sarabun_registry::log_pages::LogPages,
) -> Result<Result<[u8; 32], String>, RoutingError> {
    let mut builder = RootBuilder::new();
    let mut next = 0u64;
    let mut interior_mismatch: Option<u64> = None;
    let mut roots = expected_roots.iter().peekable();
    while next < size {
        let Some(page) = inbox.blocking_recv() else {
            return Err(corrupt("the log reader stopped early"));
        };
        let page = page?;
        let base = sarabun_audit::stored_hash_count(page.first);
        for (k, &index) in page.entries.indexes.iter().enumerate() {
            if index != next {
                return Ok(Err(format!("FAIL  entry {next} is missing (found {index} next)")));
            }
            let entry = page.entries.entry(k);
            let claimed = claimed_index(entry);
            if claimed != Some(index) {
                return Ok(Err(format!("FAIL  entry {index} claims index {claimed:?}: entries were moved")));
            }
            let leaf = leaf_hash(entry);
            let at = (sarabun_audit::stored_hash_count(index) - base) as usize;
            if page.hashes.get(at).copied().flatten() != Some(leaf) {
                return Ok(Err(format!(
                    "FAIL  entry {index} does not match its leaf hash in the tree: it was altered"
                )));
            }
            builder.push_completing(leaf, |level, h| {
                if interior_mismatch.is_none() && page.hashes.get(at + level as usize).copied().flatten() != Some(*h) {
                    interior_mismatch = Some(index);
                }
            });
            next += 1;
            while roots.next_if(|(s, _)| **s < next).is_some() {}
            if let Some((_, root)) = roots.next_if(|(s, _)| **s == next)
                && *root != builder.root()
            {
                return Ok(Err(format!(
                    "FAIL  the first {next} entries do not hash to the signed checkpoint of that size: an entry before {next} was altered, with its tree hashes"
                )));
            }
        }
        if next < page.first + page.count {
            return Ok(Err(format!("FAIL  entry {next} is missing (the log head says {size} entries)")));
        }
    }
    if let Some(index) = interior_mismatch {
        return Ok(Err(format!(
            "FAIL  the stored tree hashes completed by entry {index} disagree with the entries: the tree was altered"
        )));
    }
    Ok(Ok(builder.root()))
}

/// The `index` an entry claims. Entries are canonical JSON, whose members are sorted, so the object
/// ends `,"index":N,"office":"…","subject":"…"}`: read backwards over those two strings, which is
/// a few dozen bytes instead of the whole entry. Anything else is parsed in full.
fn claimed_index(entry: &[u8]) -> Option<u64> {
    fn index_from_tail(b: &[u8]) -> Option<u64> {
        // Position of the opening quote of the string whose closing quote is at `close`.
        let opening = |close: usize| -> Option<usize> {
            let mut i = close;
            loop {
                i = b[..i].iter().rposition(|c| *c == b'"')?;
                let backslashes = b[..i].iter().rev().take_while(|c| **c == b'\\').count();
                if backslashes % 2 == 0 {
                    return Some(i);
                }
            }
        };
        let mut end = b.len().checked_sub(1)?;
        if b[end] != b'}' {
            return None;
        }
        for key in [&b",\"subject\":"[..], b",\"office\":"] {
            end = end.checked_sub(1)?;
            if b[end] != b'"' {
                return None;
            }
            let open = opening(end)?;
            end = open.checked_sub(key.len())?;
            if &b[end..open] != key {
                return None;
            }
        }
        let start = b[..end].iter().rposition(|c| !c.is_ascii_digit())? + 1;
        if start == end || !b[..start].ends_with(b",\"index\":") {
            return None;
        }
        std::str::from_utf8(&b[start..end]).ok()?.parse().ok()
    }
    index_from_tail(entry).or_else(|| serde_json::from_slice::<ClaimedIndex>(entry).ok().map(|c| c.index))
}

/// Only the `index` member of an entry; the rest is skipped without being built.
#[derive(Deserialize)]
struct ClaimedIndex {
    index: u64,
}

#[cfg(test)]
mod tests {
    use super::claimed_index;
    use serde_json::json;

    #[test]
    fn the_claimed_index_is_read_from_the_tail_as_a_full_parse_reads_it() {
        let odd = ["กค 0400", "a\"b", "a\\", "\\\"", "x\\\\\"y", "", "\"index\":9,"];
        for (i, office) in odd.iter().enumerate() {
            for subject in odd {
                let entry = json!({"index": 1000 + i, "at": "t", "actor": "a", "office": office,
                                   "action": "x", "subject": subject, "detail": {"index": 7, "office": "q"}});
                let text = String::from_utf8(sarabun_signing::canonical::to_vec(&entry).unwrap()).unwrap();
                assert_eq!(claimed_index(text.as_bytes()), Some(1000 + i as u64), "{text}");
            }
        }
        assert_eq!(claimed_index(br#"{"detail":{},"index":5}"#), Some(5), "other shapes are parsed in full");
        assert_eq!(claimed_index(br#"{"index":"5","office":"a","subject":"b"}"#), None);
        assert_eq!(claimed_index(b"not json"), None);
    }
}
