//! The storage-backed tree against a naive reference written straight from RFC 9162 §2.1, and
//! property tests: every proof produced verifies, and every altered proof fails.

use std::collections::HashMap;

use proptest::prelude::*;
use sarabun_audit::*;

/// RFC 9162 §2.1 as written, over leaf hashes, with MTH memoised so that all pairs stay cheap.
struct Reference {
    leaves: Vec<Hash>,
    memo: HashMap<(usize, usize), Hash>,
}

impl Reference {
    fn new(leaves: Vec<Hash>) -> Self {
        Self { leaves, memo: HashMap::new() }
    }

    /// Largest power of two smaller than n.
    fn k(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// MTH(D[lo:hi]).
    fn mth(&mut self, lo: usize, hi: usize) -> Hash {
        if let Some(h) = self.memo.get(&(lo, hi)) {
            return *h;
        }
        let h = match hi - lo {
            0 => EMPTY_ROOT,
            1 => self.leaves[lo],
            n => {
                let k = Self::k(n);
                let l = self.mth(lo, lo + k);
                let r = self.mth(lo + k, hi);
                node_hash(&l, &r)
            }
        };
        self.memo.insert((lo, hi), h);
        h
    }

    /// PATH(m, D[lo:hi]).
    fn path(&mut self, m: usize, lo: usize, hi: usize) -> Vec<Hash> {
        let n = hi - lo;
        if n == 1 {
            return vec![];
        }
        let k = Self::k(n);
        if m < k {
            let mut p = self.path(m, lo, lo + k);
            p.push(self.mth(lo + k, hi));
            p
        } else {
            let mut p = self.path(m - k, lo + k, hi);
            p.push(self.mth(lo, lo + k));
            p
        }
    }

    /// SUBPROOF(m, D[lo:hi], b).
    fn subproof(&mut self, m: usize, lo: usize, hi: usize, b: bool) -> Vec<Hash> {
        let n = hi - lo;
        if m == n {
            return if b { vec![] } else { vec![self.mth(lo, hi)] };
        }
        let k = Self::k(n);
        if m <= k {
            let mut p = self.subproof(m, lo, lo + k, b);
            p.push(self.mth(lo + k, hi));
            p
        } else {
            let mut p = self.subproof(m - k, lo + k, hi, false);
            p.push(self.mth(lo, lo + k));
            p
        }
    }
}

fn entry(i: u64) -> Vec<u8> {
    format!("{{\"index\":{i},\"action\":\"test\"}}").into_bytes()
}

fn build(n: u64) -> MemoryStore {
    let mut s = MemoryStore::with_capacity(n);
    for i in 0..n {
        s.append(&entry(i));
    }
    s
}

#[test]
fn storage_backed_tree_matches_rfc_reference_up_to_300() {
    const N: u64 = 300;
    // One store of N leaves answers for every smaller size too, as the server must for old
    // checkpoints.
    let store = build(N);
    let mut r = Reference::new((0..N).map(|i| leaf_hash(&entry(i))).collect());
    for n in 1..=N as usize {
        let root = r.mth(0, n);
        assert_eq!(tree_hash(n as u64, &store).unwrap(), root, "root {n}");
        assert_eq!(root_of_leaves((0..n as u64).map(|i| leaf_hash(&entry(i)))), root);
        for m in 0..n {
            let p = inclusion_proof(m as u64, n as u64, &store).unwrap();
            assert_eq!(p, r.path(m, 0, n), "inclusion {m} in {n}");
            verify_inclusion(&r.leaves[m], m as u64, n as u64, &p, &root).unwrap();
        }
        for m in 1..n {
            let p = consistency_proof(m as u64, n as u64, &store).unwrap();
            assert_eq!(p, r.subproof(m, 0, n, true), "consistency {m} -> {n}");
            let old_root = r.mth(0, m);
            verify_consistency(m as u64, n as u64, &old_root, &root, &p).unwrap();
        }
    }
}

#[test]
fn streaming_builder_tracks_every_size() {
    let store = build(1100);
    let mut b = RootBuilder::new();
    assert_eq!(b.root(), EMPTY_ROOT);
    for i in 0..1100 {
        b.push(store.leaf_hash(i).unwrap());
        assert_eq!(b.size(), i + 1);
        assert_eq!(b.root(), tree_hash(i + 1, &store).unwrap());
    }
}

#[test]
fn streaming_builder_recomputes_every_stored_hash_in_storage_order() {
    // What `audit verify` relies on to check the whole stored tree in one pass.
    let store = build(1100);
    let mut b = RootBuilder::new();
    let mut recomputed = Vec::new();
    for i in 0..1100 {
        let leaf = store.leaf_hash(i).unwrap();
        let at = stored_hash_index(0, i);
        assert_eq!(at, recomputed.len() as u64);
        recomputed.push(leaf);
        b.push_completing(leaf, |level, h| {
            assert_eq!(stored_hash_index(0, i) + u64::from(level), recomputed.len() as u64);
            recomputed.push(*h);
        });
    }
    assert_eq!(recomputed, store.stored_hashes());
}

/// The ways a proof is altered: each must make verification fail.
#[derive(Debug, Clone)]
enum Alteration {
    FlipBit { element: usize, bit: u8 },
    Drop { element: usize },
    Insert { at: usize, hash: Hash },
    Duplicate { element: usize },
}

fn alter(proof: &[Hash], a: &Alteration) -> Option<Vec<Hash>> {
    let mut p = proof.to_vec();
    match *a {
        Alteration::FlipBit { element, bit } => {
            if p.is_empty() {
                return None;
            }
            let e = element % p.len();
            p[e][usize::from(bit / 8)] ^= 1 << (bit % 8);
        }
        Alteration::Drop { element } => {
            if p.is_empty() {
                return None;
            }
            p.remove(element % p.len());
        }
        Alteration::Insert { at, hash } => p.insert(at % (p.len() + 1), hash),
        Alteration::Duplicate { element } => {
            if p.is_empty() {
                return None;
            }
            let e = element % p.len();
            p.insert(e, p[e]);
        }
    }
    Some(p)
}

fn alteration() -> impl Strategy<Value = Alteration> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(element, bit)| Alteration::FlipBit { element, bit }),
        any::<usize>().prop_map(|element| Alteration::Drop { element }),
        (any::<usize>(), any::<[u8; 32]>()).prop_map(|(at, hash)| Alteration::Insert { at, hash }),
        any::<usize>().prop_map(|element| Alteration::Duplicate { element }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn inclusion_proofs_verify_and_alterations_fail(
        size in 1u64..2000,
        index_seed in any::<u64>(),
        other_seed in any::<u64>(),
        alt in alteration(),
    ) {
        let store = build(size);
        let index = index_seed % size;
        let root = tree_hash(size, &store).unwrap();
        let leaf = store.leaf_hash(index).unwrap();
        let proof = inclusion_proof(index, size, &store).unwrap();
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_ok());

        if let Some(bad) = alter(&proof, &alt) {
            prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err(), "{:?}", alt);
        }
        // Wrong index: the same proof and root, another leaf position (or out of range).
        let wrong_index = (index + 1 + other_seed % size) % (size + 1);
        if wrong_index != index {
            prop_assert!(verify_inclusion(&leaf, wrong_index, size, &proof, &root).is_err());
        }
        // Wrong size: the tree head (size and root) of another size of the same log.
        let wrong_size = index + 1 + other_seed % (size - index);
        if wrong_size != size {
            let wrong_root = tree_hash(wrong_size, &store).unwrap();
            prop_assert!(
                verify_inclusion(&leaf, index, wrong_size, &proof, &wrong_root).is_err()
            );
        }
        // Wrong leaf.
        let other_leaf = leaf_hash(b"not in the log");
        prop_assert!(verify_inclusion(&other_leaf, index, size, &proof, &root).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_alterations_fail(
        new in 2u64..2000,
        old_seed in any::<u64>(),
        other_seed in any::<u64>(),
        alt in alteration(),
    ) {
        let store = build(new);
        let old = 1 + old_seed % (new - 1);
        let (r1, r2) = (tree_hash(old, &store).unwrap(), tree_hash(new, &store).unwrap());
        let proof = consistency_proof(old, new, &store).unwrap();
        prop_assert!(!proof.is_empty());
        prop_assert!(verify_consistency(old, new, &r1, &r2, &proof).is_ok());

        if let Some(bad) = alter(&proof, &alt) {
            prop_assert!(verify_consistency(old, new, &r1, &r2, &bad).is_err(), "{:?}", alt);
        }
        // Wrong old tree head.
        let wrong_old = 1 + (old + other_seed % (new - 1)) % (new - 1);
        if wrong_old != old {
            let wr = tree_hash(wrong_old, &store).unwrap();
            prop_assert!(verify_consistency(wrong_old, new, &wr, &r2, &proof).is_err());
        }
        // Wrong new tree head.
        let wrong_new = old + 1 + other_seed % (new - old);
        if wrong_new != new {
            let wr = tree_hash(wrong_new, &store).unwrap();
            prop_assert!(verify_consistency(old, wrong_new, &r1, &wr, &proof).is_err());
        }
        // A root that belongs to neither tree.
        prop_assert!(verify_consistency(old, new, &r2, &r2, &proof).is_err());
        prop_assert!(verify_consistency(old, new, &r1, &r1, &proof).is_err());
    }
}
