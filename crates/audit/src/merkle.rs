//! The Merkle tree hashing of RFC 6962 §2.1 (= RFC 9162 §2.1) and everything about it that needs no
//! storage: leaf and node hashes, the root of a whole log computed in one streaming pass, and the
//! verification of inclusion and consistency proofs. This is the half an auditor runs offline
//! (`sarabun verify`), so it must agree bit for bit with every other RFC 6962 implementation.

use sha2::{Digest, Sha256};

use crate::AuditError;

/// A SHA-256 output: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Root of the empty tree, SHA-256 of the empty string (RFC 9162 §2.1.1).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    EMPTY_ROOT
}

/// Hash of one log entry: SHA-256(0x00 ‖ entry).
///
/// The 0x00 prefix separates leaves from interior nodes, so that no entry can be passed off as a
/// subtree (second-preimage resistance of the tree).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    h.finalize().into()
}

/// Hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 0x01;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// Streaming computation of a tree root from its leaf hashes, in O(log n) memory.
///
/// It keeps the roots of the maximal perfect subtrees seen so far (one per set bit of the leaf
/// count, the "compact range" of the tree), which is all that is needed to extend the tree or to
/// produce its root. Used to recompute a whole log when verifying it, without building the tree.
#[derive(Debug, Clone, Default)]
pub struct RootBuilder {
    /// Roots of the perfect subtrees, largest (leftmost) first.
    stack: Vec<Hash>,
    size: u64,
}

impl RootBuilder {
    /// A builder for the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves pushed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends the next leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.push_completing(leaf, |_, _| {});
    }

    /// Appends the next leaf hash and hands `completed` each perfect subtree the leaf completes,
    /// lowest first, as `(level, hash)` with level ≥ 1. These are exactly the hashes the stored
    /// layout keeps after the leaf's own, in the same order (see [`crate::tree`]), so a verifier can
    /// check every stored hash as it recomputes the tree, at no extra hashing.
    pub fn push_completing(&mut self, leaf: Hash, mut completed: impl FnMut(u32, &Hash)) {
        let mut h = leaf;
        // Each trailing one bit of the old size is a perfect subtree of the same height as the one
        // being carried, so the two merge into a subtree one level up.
        let mut s = self.size;
        let mut level = 0;
        while s & 1 == 1 {
            let left = self.stack.pop().expect("one stacked subtree per set bit of size");
            h = node_hash(&left, &h);
            level += 1;
            completed(level, &h);
            s >>= 1;
        }
        self.stack.push(h);
        self.size += 1;
    }

    /// The root of the tree of all leaves pushed so far (RFC 9162 MTH).
    pub fn root(&self) -> Hash {
        fold_subtree_roots(&self.stack)
    }
}

/// Root of the tree whose leaf hashes are `leaves`, in one pass and O(log n) memory.
pub fn root_of_leaves<I: IntoIterator<Item = Hash>>(leaves: I) -> Hash {
    let mut b = RootBuilder::new();
    for leaf in leaves {
        b.push(leaf);
    }
    b.root()
}

/// Combines the roots of consecutive perfect subtrees of strictly decreasing size (left to right)
/// into the RFC 6962 hash of the range they cover.
///
/// RFC 6962 splits a range at the largest power of two below its size, which makes the left part
/// the largest perfect subtree and leaves the rest to be split the same way; hence a right fold.
pub(crate) fn fold_subtree_roots(roots: &[Hash]) -> Hash {
    match roots.split_last() {
        None => EMPTY_ROOT,
        Some((last, rest)) => rest.iter().rev().fold(*last, |acc, l| node_hash(l, &acc)),
    }
}

/// Shifts `fn_` and `sn` right until `fn_` is odd or zero: the RFC 9162 step that climbs past the
/// levels where the node on the path is the right edge of the tree and so has no sibling.
fn climb_right_edge(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// The root that an inclusion proof leads to from `leaf` at `index` in a tree of `size` leaves
/// (RFC 9162 §2.1.3.2, steps 1–5, without the final comparison with a root).
pub fn root_from_inclusion_proof(leaf: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, AuditError> {
    if index >= size {
        return Err(AuditError::IndexOutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            // More proof elements than levels: a padded proof must not pass.
            return Err(AuditError::InclusionProofInvalid);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                climb_right_edge(&mut fn_, &mut sn);
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(AuditError::InclusionProofInvalid);
    }
    Ok(r)
}

/// Checks that `leaf` is the leaf at `index` of the tree of `size` leaves with root `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), AuditError> {
    if root_from_inclusion_proof(leaf, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(AuditError::InclusionProofInvalid)
    }
}

/// Checks that the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root` (RFC 9162 §2.1.4.2).
///
/// Trivial cases are decided without a proof and then demand an empty one: equal sizes need
/// equal roots, and the empty tree (whose root must be [`EMPTY_ROOT`]) is a prefix of every tree.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), AuditError> {
    if old_size > new_size {
        return Err(AuditError::InvalidTreeSizes { old: old_size, new: new_size });
    }
    let invalid = Err(AuditError::ConsistencyProofInvalid);
    if old_size == new_size {
        return if proof.is_empty() && old_root == new_root { Ok(()) } else { invalid };
    }
    if old_size == 0 {
        return if proof.is_empty() && *old_root == EMPTY_ROOT { Ok(()) } else { invalid };
    }
    let Some((first, rest)) = proof.split_first() else {
        return invalid;
    };
    // When the old tree is a perfect subtree its root is a node of the new tree, so the proof
    // leaves it out and the verifier starts from the old root itself.
    let (seed, rest) = if old_size.is_power_of_two() { (old_root, proof) } else { (first, rest) };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if sn == 0 {
            return invalid;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                climb_right_edge(&mut fn_, &mut sn);
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn == 0 && fr == *old_root && sr == *new_root { Ok(()) } else { invalid }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        let h: Hash = Sha256::digest(b"").into();
        assert_eq!(h, EMPTY_ROOT);
        assert_eq!(root_of_leaves(std::iter::empty()), EMPTY_ROOT);
    }

    #[test]
    fn single_leaf_tree_root_is_the_leaf() {
        let l = leaf_hash(b"data");
        assert_eq!(root_of_leaves([l]), l);
        assert!(verify_inclusion(&l, 0, 1, &[], &l).is_ok());
        assert!(verify_inclusion(&l, 1, 1, &[], &l).is_err());
        assert!(verify_inclusion(&l, 0, 0, &[], &l).is_err());
    }

    #[test]
    fn trivial_consistency_cases() {
        let a = leaf_hash(b"a");
        let b = leaf_hash(b"b");
        assert!(verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]).is_ok());
        assert!(verify_consistency(0, 5, &EMPTY_ROOT, &b, &[]).is_ok());
        assert!(verify_consistency(0, 5, &a, &b, &[]).is_err());
        assert!(verify_consistency(0, 5, &EMPTY_ROOT, &b, &[a]).is_err());
        assert!(verify_consistency(3, 3, &a, &a, &[]).is_ok());
        assert!(verify_consistency(3, 3, &a, &b, &[]).is_err());
        assert!(verify_consistency(3, 3, &a, &a, &[a]).is_err());
        assert!(verify_consistency(1, 2, &a, &b, &[]).is_err());
        assert_eq!(verify_consistency(2, 1, &a, &b, &[a]).unwrap_err().code(), "audit.invalid_tree_sizes");
    }
}
