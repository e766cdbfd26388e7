//! The persisted Merkle tree: which hashes are stored, where, and how tree heads and proofs are
//! answered from them, for a log too large to read whole on every request.
//!
//! Layout. The hash of every *complete* perfect subtree is stored once, when its last leaf is
//! appended, and never changes afterwards: the subtree of `2^level` leaves starting at leaf
//! `n · 2^level` has the storage index [`stored_hash_index`]`(level, n)`. This is the numbering of
//! Go's `golang.org/x/mod/sumdb/tlog` (`StoredHashIndex`), which tlog-tiles also builds on:
//! appending leaf `n` stores the leaf hash followed by the hashes of the subtrees it completes, at
//! consecutive indexes, so the stored hashes form a dense, append-only array
//! `0 .. stored_hash_count(size)`, about two per leaf. A database keeps them in a table
//! keyed by that index (Sarabun's `audit_hashes`: `idx` and the hash's 32 bytes) written in the same
//! transaction as the entry.
//!
//! Any range of leaves that RFC 6962 hashes is a run of at most ~log2(n) such perfect subtrees, so
//! a tree head or a proof for any size up to the current one costs O(log n) stored hashes, read
//! in one batch through [`HashReader::read_hashes`].

use crate::AuditError;
use crate::merkle::{Hash, fold_subtree_roots, node_hash};

/// Largest tree size this layout indexes without overflowing a `u64` storage index.
pub const MAX_TREE_SIZE: u64 = 1 << 62;

/// Rejects sizes whose storage indexes would overflow, so that an absurd size from a client
/// becomes an error instead of an arithmetic panic.
fn check_size(size: u64) -> Result<(), AuditError> {
    if size > MAX_TREE_SIZE { Err(AuditError::TreeTooLarge(size)) } else { Ok(()) }
}

/// Storage index of the hash of the `n`-th perfect subtree of height `level` (the subtree of
/// leaves `n·2^level .. (n+1)·2^level`); leaves are level 0. The subtree must lie within
/// [`MAX_TREE_SIZE`] leaves.
///
/// Equal to `StoredHashIndex(level, n)` of Go's `sumdb/tlog`.
pub fn stored_hash_index(level: u32, n: u64) -> u64 {
    // The subtree is stored right after its last leaf, whose index is `last`; leaf `k` is stored
    // after the k leaves and the k - popcount(k) completed subtrees before it, i.e. at
    // 2k - popcount(k); the `level` subtrees completed by `last` up to and including this one
    // follow it.
    let last = ((n + 1) << level) - 1;
    2 * last - u64::from(last.count_ones()) + u64::from(level)
}

/// Number of hashes stored for a tree of `size` leaves, i.e. the next free storage index.
pub fn stored_hash_count(size: u64) -> u64 {
    // Every leaf is stored, plus every complete perfect subtree of height ≥ 1; a tree of `size`
    // leaves has size - popcount(size) of the latter.
    2 * size - u64::from(size.count_ones())
}

/// Read access to the stored hashes, implemented by the database layer and by [`MemoryStore`].
pub trait HashReader {
    /// Returns the hashes stored at `indexes`, in the same order (indexes may repeat).
    ///
    /// A missing index is an error ([`AuditError::Storage`]): the functions here only ask for
    /// indexes below [`stored_hash_count`] of the tree size they were given, so a missing one
    /// means the size was beyond the log or storage is damaged. Callers serving clients should
    /// bound client-given sizes by the log's current size first, to answer with a client error.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, AuditError>;
}

impl<T: HashReader + ?Sized> HashReader for &T {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, AuditError> {
        (**self).read_hashes(indexes)
    }
}

fn read_exact(reader: &impl HashReader, indexes: &[u64]) -> Result<Vec<Hash>, AuditError> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader.read_hashes(indexes)?;
    check_read_len(indexes.len(), hashes.len())?;
    Ok(hashes)
}

/// What appending leaf `n` needs to read, and how to turn that into the hashes to write.
///
/// For callers that cannot implement the synchronous [`HashReader`] (an async database
/// connection): read [`AppendPlan::indexes`] yourself, then call [`AppendPlan::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendPlan {
    n: u64,
    siblings: Vec<u64>,
}

impl AppendPlan {
    /// Plans the append of leaf `n` to a tree of `n` leaves.
    pub fn new(n: u64) -> Result<Self, AuditError> {
        check_size(n + 1)?;
        // One left sibling per subtree the new leaf completes: one per trailing one bit of `n`.
        let siblings = (0..n.trailing_ones()).map(|level| stored_hash_index(level, (n >> level) - 1)).collect();
        Ok(Self { n, siblings })
    }

    /// Storage indexes to read, possibly none.
    pub fn indexes(&self) -> &[u64] {
        &self.siblings
    }

    /// The `(storage index, hash)` pairs to write, given the hashes read at [`Self::indexes`]
    /// (same order). Indexes are consecutive from [`stored_hash_count`]`(n)`.
    pub fn finish(&self, leaf_hash: Hash, read: &[Hash]) -> Result<Vec<(u64, Hash)>, AuditError> {
        check_read_len(self.siblings.len(), read.len())?;
        let n = self.n;
        let mut out = Vec::with_capacity(1 + read.len());
        out.push((stored_hash_index(0, n), leaf_hash));
        let mut h = leaf_hash;
        for (level, left) in (0u32..).zip(read) {
            h = node_hash(left, &h);
            out.push((stored_hash_index(level + 1, n >> (level + 1)), h));
        }
        Ok(out)
    }
}

fn check_read_len(asked: usize, got: usize) -> Result<(), AuditError> {
    if asked == got { Ok(()) } else { Err(AuditError::Storage(format!("asked for {asked} stored hashes, got {got}"))) }
}

/// The hashes to store when appending the leaf with hash `leaf_hash` to a tree of `n` leaves
/// (so the new leaf has index `n`): `(storage index, hash)` pairs, with consecutive indexes
/// starting at [`stored_hash_count`]`(n)`.
///
/// Reads the left siblings of the subtrees the leaf completes (none for even `n`), so the
/// amortised cost is one hash read and two writes per append.
pub fn stored_hashes_for_append(
    n: u64,
    leaf_hash: Hash,
    reader: &impl HashReader,
) -> Result<Vec<(u64, Hash)>, AuditError> {
    let plan = AppendPlan::new(n)?;
    plan.finish(leaf_hash, &read_exact(reader, plan.indexes())?)
}

/// Appends to `out` the perfect subtrees `(level, n)` that make up the leaf range `lo..hi`, left
/// to right, largest first.
///
/// Only valid for ranges that RFC 6962 recursion produces, where `lo` is a multiple of the
/// smallest power of two ≥ `hi - lo`; every range this module asks for is such a range.
fn perfect_subtrees(lo: u64, hi: u64, out: &mut Vec<u64>) {
    let mut start = lo;
    while start < hi {
        let level = 63 - (hi - start).leading_zeros();
        debug_assert_eq!(start % (1 << level), 0, "range {lo}..{hi} is not RFC 6962 aligned");
        out.push(stored_hash_index(level, start >> level));
        start += 1 << level;
    }
}

/// Which stored hashes a tree head or proof needs, and how to assemble it from them.
///
/// The synchronous functions ([`tree_hash`], [`inclusion_proof`], [`consistency_proof`]) run a
/// plan against a [`HashReader`]. An async caller builds the plan with [`HashPlan::tree_hash`],
/// [`HashPlan::inclusion_proof`] or [`HashPlan::consistency_proof`], fetches
/// [`HashPlan::indexes`] in one query, and calls [`HashPlan::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashPlan {
    /// Storage indexes of the perfect subtrees of every range, range after range.
    indexes: Vec<u64>,
    /// End of each range's run in `indexes`; one output hash per range.
    ends: Vec<usize>,
}

impl HashPlan {
    fn from_ranges(ranges: &[(u64, u64)]) -> Self {
        let mut indexes = Vec::new();
        let mut ends = Vec::with_capacity(ranges.len());
        for &(lo, hi) in ranges {
            perfect_subtrees(lo, hi, &mut indexes);
            ends.push(indexes.len());
        }
        Self { indexes, ends }
    }

    /// Plan for the root of the tree of the first `size` leaves; [`Self::finish`] returns one
    /// hash (the empty-tree root for size 0, with nothing to read).
    pub fn tree_hash(size: u64) -> Result<Self, AuditError> {
        check_size(size)?;
        Ok(Self::from_ranges(&[(0, size)]))
    }

    /// Plan for the inclusion proof (RFC 9162 §2.1.3.1 PATH) of leaf `index` in the tree of
    /// `size` leaves.
    pub fn inclusion_proof(index: u64, size: u64) -> Result<Self, AuditError> {
        check_size(size)?;
        if index >= size {
            return Err(AuditError::IndexOutOfRange { index, size });
        }
        // PATH(m, D[lo:hi]) descends towards the leaf and emits each sibling range after the
        // deeper part of the path, so collect top-down and reverse.
        let mut ranges = Vec::new();
        let (mut lo, mut hi) = (0, size);
        while hi - lo > 1 {
            let k = split_point(hi - lo);
            if index < lo + k {
                ranges.push((lo + k, hi));
                hi = lo + k;
            } else {
                ranges.push((lo, lo + k));
                lo += k;
            }
        }
        ranges.reverse();
        Ok(Self::from_ranges(&ranges))
    }

    /// Plan for the consistency proof (RFC 9162 §2.1.4.1 PROOF) between the trees of
    /// `old_size` and `new_size` leaves; empty when `old_size` is 0 or equal to `new_size`.
    pub fn consistency_proof(old_size: u64, new_size: u64) -> Result<Self, AuditError> {
        if old_size > new_size {
            return Err(AuditError::InvalidTreeSizes { old: old_size, new: new_size });
        }
        check_size(new_size)?;
        if old_size == 0 || old_size == new_size {
            return Ok(Self::from_ranges(&[]));
        }
        // SUBPROOF(m, D[lo:hi], b), unrolled; `m` stays absolute (old_size) because the
        // recursion only ever moves `lo` to a point at or before it.
        let mut ranges = Vec::new();
        let (mut lo, mut hi, mut whole_old_tree) = (0, new_size, true);
        while old_size != hi {
            let k = split_point(hi - lo);
            if old_size <= lo + k {
                ranges.push((lo + k, hi));
                hi = lo + k;
            } else {
                ranges.push((lo, lo + k));
                lo += k;
                whole_old_tree = false;
            }
        }
        if !whole_old_tree {
            // The old tree's right edge ends inside this subtree, whose hash the verifier needs
            // as its starting point; when the subtree is the whole old tree the verifier has its
            // root already.
            ranges.push((lo, hi));
        }
        ranges.reverse();
        Ok(Self::from_ranges(&ranges))
    }

    /// Storage indexes to read, in one batch (may repeat an index; may be empty).
    pub fn indexes(&self) -> &[u64] {
        &self.indexes
    }

    /// Assembles the result from the hashes read at [`Self::indexes`], in the same order: the
    /// proof, or for a tree-hash plan a single root.
    pub fn finish(&self, read: &[Hash]) -> Result<Vec<Hash>, AuditError> {
        check_read_len(self.indexes.len(), read.len())?;
        let mut start = 0;
        Ok(self
            .ends
            .iter()
            .map(|&end| {
                let h = fold_subtree_roots(&read[start..end]);
                start = end;
                h
            })
            .collect())
    }

    fn run(&self, reader: &impl HashReader) -> Result<Vec<Hash>, AuditError> {
        self.finish(&read_exact(reader, &self.indexes)?)
    }
}

/// Largest power of two strictly less than `n` (n ≥ 2): RFC 6962's split point `k`.
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The root hash of the tree of the first `size` leaves (RFC 9162 MTH), from O(log size) stored
/// hashes. `size` may be any size the store has reached, not only the current one.
pub fn tree_hash(size: u64, reader: &impl HashReader) -> Result<Hash, AuditError> {
    Ok(HashPlan::tree_hash(size)?.run(reader)?[0])
}

/// The inclusion proof (RFC 9162 §2.1.3.1 PATH) of leaf `index` in the tree of `size` leaves.
pub fn inclusion_proof(index: u64, size: u64, reader: &impl HashReader) -> Result<Vec<Hash>, AuditError> {
    HashPlan::inclusion_proof(index, size)?.run(reader)
}

/// The consistency proof (RFC 9162 §2.1.4.1 PROOF) between the trees of `old_size` and
/// `new_size` leaves; empty when `old_size` is 0 or equal to `new_size`.
pub fn consistency_proof(old_size: u64, new_size: u64, reader: &impl HashReader) -> Result<Vec<Hash>, AuditError> {
    HashPlan::consistency_proof(old_size, new_size)?.run(reader)
}

/// An in-memory store of the stored hashes, indexed by storage index: for tests, benchmarks and
/// for recomputing a whole log when auditing it.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    hashes: Vec<Hash>,
    size: u64,
}

impl MemoryStore {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty log with room for `leaves` leaves without reallocating.
    pub fn with_capacity(leaves: u64) -> Self {
        let cap = usize::try_from(stored_hash_count(leaves.min(MAX_TREE_SIZE))).unwrap_or(0);
        Self { hashes: Vec::with_capacity(cap), size: 0 }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// All stored hashes, in storage-index order.
    pub fn stored_hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends an entry and returns its leaf index.
    pub fn append(&mut self, entry: &[u8]) -> u64 {
        self.append_leaf_hash(crate::merkle::leaf_hash(entry))
    }

    /// Appends a leaf by its hash and returns its leaf index.
    pub fn append_leaf_hash(&mut self, leaf_hash: Hash) -> u64 {
        let index = self.size;
        let new = stored_hashes_for_append(index, leaf_hash, &*self)
            .expect("a memory store holds every hash an append reads");
        for (i, h) in new {
            debug_assert_eq!(i, self.hashes.len() as u64);
            self.hashes.push(h);
        }
        self.size += 1;
        index
    }

    /// The leaf hash of leaf `index`, if present.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        if index >= self.size {
            return None;
        }
        self.hashes.get(usize::try_from(stored_hash_index(0, index)).ok()?).copied()
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        tree_hash(self.size, self).expect("a memory store holds every hash of its own size")
    }
}

impl HashReader for MemoryStore {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, AuditError> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.hashes.get(i))
                    .copied()
                    .ok_or_else(|| AuditError::Storage(format!("stored hash {i} is missing")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Straight transcription of Go's loop-based StoredHashIndex, to pin the closed form to it.
    fn go_stored_hash_index(level: u32, mut n: u64) -> u64 {
        for _ in 0..level {
            n = 2 * n + 1;
        }
        let mut i = 0;
        while n > 0 {
            i += n;
            n >>= 1;
        }
        i + u64::from(level)
    }

    #[test]
    fn index_layout_matches_go_tlog() {
        for level in 0..12 {
            for n in 0..500 {
                assert_eq!(stored_hash_index(level, n), go_stored_hash_index(level, n));
            }
        }
        assert_eq!(stored_hash_count(0), 0);
        assert_eq!(stored_hash_count(1), 1);
        assert_eq!(stored_hash_count(2), 3);
        assert_eq!(stored_hash_count(4), 7);
        assert_eq!(stored_hash_count(5), 8);
    }

    #[test]
    fn appends_write_consecutive_indexes() {
        let mut s = MemoryStore::new();
        for n in 0..1000u64 {
            let new = stored_hashes_for_append(n, crate::merkle::leaf_hash(&n.to_be_bytes()), &s).unwrap();
            assert_eq!(new[0].0, stored_hash_count(n));
            for (k, (i, _)) in new.iter().enumerate() {
                assert_eq!(*i, stored_hash_count(n) + k as u64);
            }
            s.append(&n.to_be_bytes());
            assert_eq!(s.stored_hashes().len() as u64, stored_hash_count(n + 1));
        }
    }

    #[test]
    fn plans_agree_with_reader_functions() {
        let mut s = MemoryStore::new();
        for i in 0..77u64 {
            s.append(&i.to_be_bytes());
        }
        let read = |plan: &HashPlan| s.read_hashes(plan.indexes()).unwrap();
        let p = HashPlan::inclusion_proof(30, 77).unwrap();
        assert_eq!(p.finish(&read(&p)).unwrap(), inclusion_proof(30, 77, &s).unwrap());
        let p = HashPlan::consistency_proof(30, 77).unwrap();
        assert_eq!(p.finish(&read(&p)).unwrap(), consistency_proof(30, 77, &s).unwrap());
        let p = HashPlan::tree_hash(0).unwrap();
        assert!(p.indexes().is_empty());
        assert_eq!(p.finish(&[]).unwrap(), vec![crate::merkle::EMPTY_ROOT]);
        assert_eq!(p.finish(&[[0; 32]]).unwrap_err().code(), "audit.storage");
        let a = AppendPlan::new(77).unwrap();
        let leaf = crate::merkle::leaf_hash(b"x");
        assert_eq!(
            a.finish(leaf, &s.read_hashes(a.indexes()).unwrap()).unwrap(),
            stored_hashes_for_append(77, leaf, &s).unwrap()
        );
        assert_eq!(a.indexes().len(), 1); // 77 = 0b100_1101: one trailing one
        assert_eq!(a.finish(leaf, &[]).unwrap_err().code(), "audit.storage");
    }

    #[test]
    fn missing_hashes_are_storage_errors() {
        let mut s = MemoryStore::new();
        s.append(b"a");
        let e = tree_hash(2, &s).unwrap_err();
        assert_eq!(e.code(), "audit.storage");
        assert_eq!(inclusion_proof(2, 2, &s).unwrap_err().code(), "audit.index_out_of_range");
        assert_eq!(consistency_proof(2, 1, &s).unwrap_err().code(), "audit.invalid_tree_sizes");
    }
}
