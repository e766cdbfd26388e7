//! Published test vectors, checked byte for byte.
//!
//! Merkle tree: the eight leaves, node hashes and roots of `transparency-dev/merkle`
//! `testonly/constants.go` (the same tree as `google/certificate-transparency`
//! `cpp/merkletree/merkle_tree_test.cc`), and the inclusion and consistency proofs of
//! `transparency-dev/merkle` `proof/verify_test.go`, including its corrupted-proof probes.
//!
//! Signed notes: the keys, signatures and malformed notes of Go's `golang.org/x/mod/sumdb/note`
//! `note_test.go` (repository golang/mod), and the examples of C2SP `signed-note.md`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::SigningKey;
use sarabun_audit::note::{self, NoteSigner};
use sarabun_audit::*;

fn h(s: &str) -> Hash {
    let v = unhex(s);
    v.try_into().expect("32-byte hex")
}

fn unhex(s: &str) -> Vec<u8> {
    assert_eq!(s.len() % 2, 0);
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

const LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

/// `NodeHashes()`: per level, the hashes of the complete subtrees of the 8-leaf tree.
const NODE_HASHES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// `RootHashes()`: roots of the trees of sizes 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `inclusionProofs` of verify_test.go: (1-based leaf, tree size, proof).
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// `consistencyProofs` of verify_test.go: (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// `sha256SomeHash` of verify_test.go, a hash that is in no tree.
const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

fn store() -> MemoryStore {
    let mut s = MemoryStore::new();
    for l in LEAVES {
        s.append(&unhex(l));
    }
    s
}

fn hashes(v: &[&str]) -> Vec<Hash> {
    v.iter().map(|s| h(s)).collect()
}

#[test]
fn leaf_and_node_hashes() {
    let s = store();
    for (level, row) in NODE_HASHES.iter().enumerate() {
        for (n, want) in row.iter().enumerate() {
            let got = s.stored_hashes()[stored_hash_index(level as u32, n as u64) as usize];
            assert_eq!(got, h(want), "level {level} node {n}");
        }
    }
    for (i, l) in LEAVES.iter().enumerate() {
        assert_eq!(leaf_hash(&unhex(l)), h(NODE_HASHES[0][i]));
    }
    assert_eq!(node_hash(&h(NODE_HASHES[0][0]), &h(NODE_HASHES[0][1])), h(NODE_HASHES[1][0]));
}

#[test]
fn roots_of_every_size() {
    let s = store();
    assert_eq!(empty_root(), h(ROOTS[0]));
    for (size, want) in ROOTS.iter().enumerate() {
        let size = size as u64;
        assert_eq!(tree_hash(size, &s).unwrap(), h(want), "stored, size {size}");
        let streamed = root_of_leaves(LEAVES[..size as usize].iter().map(|l| leaf_hash(&unhex(l))));
        assert_eq!(streamed, h(want), "streamed, size {size}");
    }
    assert_eq!(s.root(), h(ROOTS[8]));
}

/// The corruptions of verify_test.go's `corruptInclusionProof`: none may verify.
fn corrupt_inclusion(index: u64, size: u64, proof: &[Hash], root: &Hash, leaf: &Hash) {
    let some = h(SOME_HASH);
    let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>, String)> = vec![
        (index.wrapping_sub(1), size, *root, *leaf, proof.to_vec(), "index - 1".into()),
        (index + 1, size, *root, *leaf, proof.to_vec(), "index + 1".into()),
        (index ^ 2, size, *root, *leaf, proof.to_vec(), "index ^ 2".into()),
        (index, size * 2, *root, *leaf, proof.to_vec(), "size * 2".into()),
        (index, size / 2, *root, *leaf, proof.to_vec(), "size / 2".into()),
        (index, size, *root, leaf_hash(b"WrongLeaf"), proof.to_vec(), "wrong leaf".into()),
        (index, size, EMPTY_ROOT, *leaf, proof.to_vec(), "empty root".into()),
        (index, size, some, *leaf, proof.to_vec(), "random root".into()),
        (index, size, *root, *leaf, [proof, &[*root]].concat(), "trailing root".into()),
        (index, size, *root, *leaf, [&[*root], proof].concat(), "preceding root".into()),
        (index, size, *root, *leaf, [proof, &[[0; 32]]].concat(), "trailing zeros".into()),
    ];
    for i in 0..proof.len() {
        let mut p = proof.to_vec();
        p[i][0] ^= 8;
        probes.push((index, size, *root, *leaf, p, format!("proof[{i}] bit 3")));
    }
    if !proof.is_empty() {
        let p = proof[..proof.len() - 1].to_vec();
        probes.push((index, size, *root, *leaf, p, "removed component".into()));
    }
    if proof.len() > 1 {
        let p = [&[proof[0], some], &proof[1..]].concat();
        probes.push((index, size, *root, *leaf, p, "inserted component".into()));
    }
    for (i, s, r, l, p, desc) in probes {
        assert!(
            verify_inclusion(&l, i, s, &p, &r).is_err(),
            "corrupt inclusion proof verified: {desc} (index {index}, size {size})"
        );
    }
}

#[test]
fn inclusion_proofs() {
    let s = store();
    for (leaf1, size, want) in INCLUSION {
        let index = leaf1 - 1;
        let want = hashes(want);
        let got = inclusion_proof(index, size, &s).unwrap();
        assert_eq!(got, want, "leaf {index} size {size}");
        let leaf = h(NODE_HASHES[0][index as usize]);
        let root = h(ROOTS[size as usize]);
        assert_eq!(root_from_inclusion_proof(&leaf, index, size, &want).unwrap(), root);
        verify_inclusion(&leaf, index, size, &want, &root).unwrap();
        corrupt_inclusion(index, size, &want, &root, &leaf);
    }
    // verify_test.go TestVerifyInclusion: probes that fail whatever the root or leaf.
    let some = h(SOME_HASH);
    for (i, n) in [(0, 0), (1, 0), (2, 1)] {
        assert!(verify_inclusion(&some, i, n, &[], &EMPTY_ROOT).is_err());
        assert!(verify_inclusion(&EMPTY_ROOT, i, n, &[], &EMPTY_ROOT).is_err());
    }
    assert!(verify_inclusion(&some, 0, 1, &[], &EMPTY_ROOT).is_err());
}

/// The corruptions of verify_test.go's `corruptConsistencyProof`: none may verify.
fn corrupt_consistency(old: u64, new: u64, r1: &Hash, r2: &Hash, proof: &[Hash]) {
    let wrong = leaf_hash(b"WrongRoot");
    let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>, String)> = vec![
        (old - 1, new, *r1, *r2, proof.to_vec(), "old - 1".into()),
        (old + 1, new, *r1, *r2, proof.to_vec(), "old + 1".into()),
        (old ^ 2, new, *r1, *r2, proof.to_vec(), "old ^ 2".into()),
        (old, new * 2, *r1, *r2, proof.to_vec(), "new * 2".into()),
        (old, new / 2, *r1, *r2, proof.to_vec(), "new / 2".into()),
        (old, new, wrong, *r2, proof.to_vec(), "wrong root1".into()),
        (old, new, *r1, wrong, proof.to_vec(), "wrong root2".into()),
        (old, new, *r2, *r1, proof.to_vec(), "swapped roots".into()),
        (old, new, *r1, *r2, vec![], "empty proof".into()),
        (old, new, *r1, *r2, [proof, &[[0; 32]]].concat(), "trailing zeros".into()),
        (old, new, *r1, *r2, [proof, &[*r1]].concat(), "trailing root1".into()),
        (old, new, *r1, *r2, [proof, &[*r2]].concat(), "trailing root2".into()),
        (old, new, *r1, *r2, [&[[0; 32]], proof].concat(), "preceding zeros".into()),
        (old, new, *r1, *r2, [&[*r1], proof].concat(), "preceding root1".into()),
        (old, new, *r1, *r2, [&[*r2], proof].concat(), "preceding root2".into()),
        (old, new, *r1, *r2, [&[proof[0]], proof].concat(), "preceding proof[0]".into()),
        (old, new, *r1, *r2, proof[..proof.len() - 1].to_vec(), "truncated".into()),
    ];
    for i in 0..proof.len() {
        let mut p = proof.to_vec();
        p[i][0] ^= 16;
        probes.push((old, new, *r1, *r2, p, format!("proof[{i}] bit 4")));
    }
    for (o, n, a, b, p, desc) in probes {
        assert!(
            verify_consistency(o, n, &a, &b, &p).is_err(),
            "corrupt consistency proof verified: {desc} ({old} -> {new})"
        );
    }
}

#[test]
fn consistency_proofs() {
    let s = store();
    for (old, new, want) in CONSISTENCY {
        let want = hashes(want);
        assert_eq!(consistency_proof(old, new, &s).unwrap(), want, "{old} -> {new}");
        let (r1, r2) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        verify_consistency(old, new, &r1, &r2, &want).unwrap();
        if !want.is_empty() {
            corrupt_consistency(old, new, &r1, &r2, &want);
        }
    }
}

// ---- C2SP signed notes, vectors from golang/mod sumdb/note/note_test.go ----

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str =
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str =
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/// Reads Go's private signer key format, `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
fn go_signer(skey: &str) -> NoteSigner {
    let parts: Vec<&str> = skey.splitn(5, '+').collect();
    assert_eq!(parts[..2], ["PRIVATE", "KEY"]);
    let raw = BASE64.decode(parts[4]).unwrap();
    assert_eq!(raw[0], 1);
    let seed: [u8; 32] = raw[1..].try_into().unwrap();
    let signer = NoteSigner::new(parts[2], SigningKey::from_bytes(&seed)).unwrap();
    assert_eq!(format!("{:08x}", signer.key_id()), parts[3]);
    signer
}

#[test]
fn signer_reproduces_go_signature() {
    let signer = go_signer(PETER_SKEY);
    assert_eq!(signer.verifier_key_string(), PETER_VKEY);
    assert_eq!(signer.key_id(), 0xc74f20a3);
    let signed = signer.sign_note(TEXT).unwrap();
    assert_eq!(signed, format!("{TEXT}\n{PETER_SIG}"));
    assert!(!format!("{signer:?}").contains("AYEK"));
}

#[test]
fn verifier_keys_parse_and_round_trip() {
    let v = parse_verifier_key(PETER_VKEY).unwrap();
    assert_eq!(v.name(), "PeterNeumann");
    assert_eq!(v.key_id(), 0xc74f20a3);
    assert_eq!(v.to_key_string(), PETER_VKEY);
    assert_eq!(PETER_VKEY.parse::<Verifier>().unwrap(), v);
    assert_eq!(parse_verifier_key(ENOCH_VKEY).unwrap().key_id(), 0xaf0cfe78);

    // Base64 may contain '+', the separator: keys whose encoding does must still parse.
    let with_plus = (0u8..=255)
        .map(|i| NoteSigner::new("example.com/log", SigningKey::from_bytes(&[i; 32])).unwrap())
        .map(|s| s.verifier_key_string())
        .find(|k| k["example.com/log+00000000+".len()..].contains('+'))
        .expect("some key encodes with a '+'");
    assert_eq!(parse_verifier_key(&with_plus).unwrap().to_key_string(), with_plus);
}

#[test]
fn mangled_verifier_keys_are_rejected() {
    // As TestNewVerifier: every proper substring and every single-byte increment must fail.
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if (i, j) == (0, b.len()) {
                continue;
            }
            let s = std::str::from_utf8(&b[i..j]).unwrap();
            assert!(parse_verifier_key(s).is_err(), "{s:?} accepted");
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let s = String::from_utf8(m).unwrap();
        assert!(parse_verifier_key(&s).is_err(), "{s:?} accepted");
    }
    for bad in [
        // Wrong key length and unknown algorithm, each with a correctly adjusted key id.
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert_eq!(parse_verifier_key(bad).unwrap_err().code(), "audit.malformed_verifier_key");
    }
}

#[test]
fn open_checks_known_and_ignores_unknown_signatures() {
    let peter = parse_verifier_key(PETER_VKEY).unwrap();
    let enoch = parse_verifier_key(ENOCH_VKEY).unwrap();
    let msg = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");

    let n = note::open(&msg, std::slice::from_ref(&peter)).unwrap();
    assert_eq!(n.text, TEXT);
    assert_eq!(n.verified.len(), 1);
    assert_eq!(n.verified[0].name, "PeterNeumann");
    assert_eq!(n.unverified.len(), 1);
    assert_eq!(n.unverified[0].key_id, 0xaf0cfe78);

    let n = note::open(&msg, &[peter.clone(), enoch.clone()]).unwrap();
    assert_eq!(n.verified.len(), 2);
    assert!(n.unverified.is_empty());

    assert_eq!(note::open(&msg, &[]).unwrap_err().code(), "audit.no_known_signature");

    // Too many signatures.
    let many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
    assert_eq!(note::open(&many, std::slice::from_ref(&peter)).unwrap_err().code(), "audit.malformed_note");
    // A known key's bad signature rejects the note.
    let bad_sig = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    assert_eq!(
        note::open(&bad_sig, std::slice::from_ref(&peter)).unwrap_err(),
        AuditError::InvalidSignature("PeterNeumann+c74f20a3".into())
    );
    // Repeated signatures are dropped; an unknown key's bad signature is just unverified.
    let dup =
        format!("{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{}ABCD{}", &ENOCH_SIG[..60], &ENOCH_SIG[60..]);
    let n = note::open(&dup, std::slice::from_ref(&peter)).unwrap();
    assert_eq!(n.verified.len(), 1);
    assert_eq!(n.unverified.len(), 2);
    // Same name, other key id (and vice versa): an unknown key, ignored.
    let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
    assert_eq!(
        note::open(&format!("{TEXT}\n{misnamed}"), std::slice::from_ref(&peter)).unwrap_err().code(),
        "audit.no_known_signature"
    );
    // The same key listed twice is not ambiguous.
    note::open(&msg, &[peter.clone(), peter.clone()]).unwrap();

    let bad_msgs = [
        TEXT.to_owned(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\x01{TEXT}\n{PETER_SIG}"),
        format!(
            "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        ),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!(
            "{TEXT}\n-- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        ),
        format!("{TEXT}\n— PeterNeumann\n"),
        format!("{TEXT}\n— PeterNeumann AAAA\n"),
    ];
    for m in bad_msgs {
        assert_eq!(note::open(&m, std::slice::from_ref(&peter)).unwrap_err().code(), "audit.malformed_note", "{m:?}");
    }
}

#[test]
fn signed_note_spec_example_parses() {
    // C2SP signed-note.md: a text with an empty line inside; the signature key is unknown to us,
    // so it must parse and then fail for want of a known key, not for syntax.
    let example = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
    let peter = parse_verifier_key(PETER_VKEY).unwrap();
    assert_eq!(note::open(example, &[peter]).unwrap_err().code(), "audit.no_known_signature");
}

#[test]
fn checkpoint_sign_and_open() {
    let signer = go_signer(PETER_SKEY);
    let root = h(ROOTS[8]);
    let cp = Checkpoint::new("PeterNeumann", 8, root);
    let signed = signer.sign_checkpoint(&cp).unwrap();
    let body = format!("PeterNeumann\n8\n{}\n", BASE64.encode(root));
    assert!(signed.starts_with(&format!("{body}\n— PeterNeumann ")));
    assert!(signed.ends_with('\n'));

    let verifier = parse_verifier_key(&signer.verifier_key_string()).unwrap();
    assert_eq!(open_note(&signed, std::slice::from_ref(&verifier)).unwrap(), cp);

    // Another party's cosignature after ours is ignored.
    let cosigned = format!("{signed}{ENOCH_SIG}");
    assert_eq!(open_note(&cosigned, std::slice::from_ref(&verifier)).unwrap(), cp);

    // Extension lines are signed and preserved.
    let mut ext = cp.clone();
    ext.extensions = vec!["timestamp 1700000000".into()];
    let signed_ext = signer.sign_checkpoint(&ext).unwrap();
    assert_eq!(open_note(&signed_ext, std::slice::from_ref(&verifier)).unwrap(), ext);

    // Any change to the body breaks the signature.
    let tampered = signed.replacen("\n8\n", "\n9\n", 1);
    assert_eq!(open_note(&tampered, std::slice::from_ref(&verifier)).unwrap_err().code(), "audit.invalid_signature");
    // A validly signed note that is not a checkpoint.
    let not_cp = signer.sign_note("hello\n").unwrap();
    assert_eq!(open_note(&not_cp, &[verifier]).unwrap_err().code(), "audit.malformed_checkpoint");
}

#[test]
fn tlog_checkpoint_spec_example_parses() {
    // C2SP tlog-checkpoint.md example body.
    let cp = Checkpoint::parse_note_text(
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    )
    .unwrap();
    assert_eq!(cp.origin, "example.com/behind-the-sofa");
    assert_eq!(cp.size, 20852163);
    assert_eq!(BASE64.encode(cp.root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
}
