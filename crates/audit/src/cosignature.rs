//! C2SP tlog-cosignature (c2sp.org/tlog-cosignature), the Ed25519 `cosignature/v1` type: a
//! witness's timestamped statement that, as of a time, the checkpoint is the largest consistent
//! tree head it has seen of that log. Sarabun nodes witness their peers' logs with it, and an
//! auditor requires k of them on a bundle's checkpoint.
//!
//! A cosignature is a note signature line on the checkpoint,
//! `— <witness name> base64(key ID ‖ u64 big-endian timestamp ‖ Ed25519 signature)`, where the key
//! ID is the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key) and the signed message is
//! `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint's note text (with its final
//! newline, without any signature line). The witness publishes its key as the vkey
//! `<name>+<8 hex key ID>+<base64(0x04 ‖ public key)>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::AuditError;
use crate::note::{NoteSignature, debug_signer, is_valid_key_name, parse_vkey, typed_key_id, vkey_string};

/// Signature type byte of an Ed25519 `cosignature/v1` key.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Timestamps must not exceed 2^63 − 1 (C2SP).
const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// The key ID of an Ed25519 cosigner key: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], big-endian.
pub fn cosigner_key_id(name: &str, key: &VerifyingKey) -> u32 {
    typed_key_id(ALG_COSIGNATURE_V1, name, key)
}

/// The message a cosignature signs: the two header lines and the checkpoint text.
pub fn signed_message(timestamp: u64, checkpoint_text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}").into_bytes()
}

/// A witness's signing key under its name.
pub struct Cosigner {
    name: String,
    key: SigningKey,
    id: u32,
}

impl std::fmt::Debug for Cosigner {
    // Never let the private key reach a log line through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_signer(f, "Cosigner", &self.name, self.id)
    }
}

impl Cosigner {
    /// A cosigner named `name` (a schema-less URL identifying the witness).
    pub fn new(name: impl Into<String>, key: SigningKey) -> Result<Self, AuditError> {
        let name = name.into();
        if !is_valid_key_name(&name) {
            return Err(AuditError::InvalidKeyName);
        }
        let id = cosigner_key_id(&name, &key.verifying_key());
        Ok(Self { name, key, id })
    }

    /// The public half.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// The cosignature line (with its final newline) on checkpoint text `text` at `timestamp`
    /// (POSIX seconds).
    pub fn cosign(&self, text: &str, timestamp: u64) -> Result<String, AuditError> {
        if !text.ends_with('\n') || text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(AuditError::MalformedNote("checkpoint text must be newline-terminated lines"));
        }
        if timestamp > MAX_TIMESTAMP {
            return Err(AuditError::MalformedCosignature("timestamp beyond 2^63-1"));
        }
        let sig = self.key.sign(&signed_message(timestamp, text));
        let mut raw = Vec::with_capacity(4 + 8 + 64);
        raw.extend_from_slice(&self.id.to_be_bytes());
        raw.extend_from_slice(&timestamp.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        Ok(format!("\u{2014} {} {}\n", self.name, BASE64.encode(raw)))
    }
}

/// A witness's public key: what an auditor or a log configures to check its cosignatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

/// One verified cosignature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// The witness's name.
    pub witness: String,
    /// When it cosigned, POSIX seconds.
    pub timestamp: u64,
}

impl CosignatureVerifier {
    /// The witness's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// `<name>+<8 hex key ID>+<base64(0x04 ‖ public key)>`.
    pub fn to_key_string(&self) -> String {
        vkey_string(ALG_COSIGNATURE_V1, &self.name, self.id, &self.key)
    }

    /// Whether `signature` is this witness's name and key ID: a line it may have made.
    pub fn matches(&self, signature: &NoteSignature) -> bool {
        signature.name == self.name && signature.key_id == self.id
    }

    /// Checks one signature line's bytes (after the key ID) as this witness's cosignature on
    /// checkpoint text `text`; returns its timestamp.
    pub fn verify(&self, text: &str, signature: &[u8]) -> Result<u64, AuditError> {
        let bad = || AuditError::InvalidSignature(format!("{}+{:08x}", self.name, self.id));
        let (Some(time), Some(sig)) = (signature.get(..8), signature.get(8..)) else {
            return Err(bad());
        };
        let timestamp = u64::from_be_bytes(time.try_into().map_err(|_| bad())?);
        let sig: [u8; 64] = sig.try_into().map_err(|_| bad())?;
        if timestamp > MAX_TIMESTAMP {
            return Err(bad());
        }
        self.key.verify_strict(&signed_message(timestamp, text), &Signature::from_bytes(&sig)).map_err(|_| bad())?;
        Ok(timestamp)
    }
}

impl std::fmt::Display for CosignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_key_string())
    }
}

/// Parses a witness vkey `<name>+<8 hex key ID>+<base64(0x04 ‖ public key)>`, checking that the
/// key ID is the one the name and key hash to.
pub fn parse_cosigner_key(s: &str) -> Result<CosignatureVerifier, AuditError> {
    let (name, id, key) = parse_vkey(s.trim(), ALG_COSIGNATURE_V1)?;
    Ok(CosignatureVerifier { name, id, key })
}

/// The cosignatures among `signatures` (the lines of a note by keys other than the log's, as
/// [`crate::note::open`] leaves them unverified) by the `witnesses` given: each witness at most
/// once. A line with a witness's name and key ID that does not verify rejects the whole note, as a
/// bad signature by a known key does in signed-note; lines by other keys are ignored.
pub fn verify_cosignatures(
    text: &str,
    signatures: &[NoteSignature],
    witnesses: &[CosignatureVerifier],
) -> Result<Vec<Cosigned>, AuditError> {
    let mut found: Vec<Cosigned> = Vec::new();
    for sig in signatures {
        let Some(w) = witnesses.iter().find(|w| w.matches(sig)) else { continue };
        let timestamp = w.verify(text, &sig.signature)?;
        if !found.iter().any(|c| c.witness == w.name) {
            found.push(Cosigned { witness: w.name.clone(), timestamp });
        }
    }
    Ok(found)
}

/// The signature lines of a `200` answer of a witness (tlog-witness): one or more lines, each
/// `— <name> <base64>` and newline-terminated; at most [`crate::note::MAX_SIGNATURES`].
pub fn parse_signature_lines(body: &str) -> Result<Vec<NoteSignature>, AuditError> {
    let malformed = AuditError::MalformedCosignature;
    let body = body.strip_suffix('\n').ok_or(malformed("signature lines must end with a newline"))?;
    let mut out = Vec::new();
    for (count, line) in body.split('\n').enumerate() {
        if count >= crate::note::MAX_SIGNATURES {
            return Err(malformed("too many signature lines"));
        }
        out.push(crate::note::parse_signature_line(line)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{NoteSigner, open};
    use crate::{Checkpoint, merkle::EMPTY_ROOT};
    use sha2::{Digest, Sha256};

    fn witness() -> Cosigner {
        Cosigner::new("witness.example/w1", SigningKey::from_bytes(&[9; 32])).unwrap()
    }

    #[test]
    fn the_signed_message_is_the_header_the_time_and_the_checkpoint_text() {
        let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_eq!(
            signed_message(1679315147, text),
            b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    #[test]
    fn a_cosignature_line_is_key_id_then_big_endian_time_then_the_signature() {
        let w = witness();
        let text = "o.example/log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
        let line = w.cosign(text, 0x0102_0304_0506_0708).unwrap();
        let b64 = line.strip_prefix("\u{2014} witness.example/w1 ").unwrap().strip_suffix('\n').unwrap();
        let raw = BASE64.decode(b64).unwrap();
        assert_eq!(raw.len(), 4 + 8 + 64);
        let key = SigningKey::from_bytes(&[9; 32]);
        // The key ID by hand: SHA-256("witness.example/w1" ‖ "\n" ‖ 0x04 ‖ key)[:4].
        let mut h = Sha256::new();
        h.update(b"witness.example/w1\n\x04");
        h.update(key.verifying_key().as_bytes());
        assert_eq!(&raw[..4], &h.finalize()[..4]);
        assert_eq!(&raw[4..12], &[1, 2, 3, 4, 5, 6, 7, 8]);
        // Ed25519 is deterministic: the signature is that of the message, byte for byte.
        let expected = key.sign(
            b"cosignature/v1\ntime 72623859790382856\no.example/log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        );
        assert_eq!(&raw[12..], &expected.to_bytes());
    }

    /// A vector made independently (Python's `cryptography` Ed25519, the message and line built by
    /// hand from the spec) for the spec's example checkpoint and time, with the private key of 32
    /// bytes 0x09. Its timestamp bytes, `AAAABkGFDL`, are those of the spec's own example line.
    #[test]
    fn the_cosignature_of_the_spec_example_is_byte_exact() {
        let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_eq!(
            witness().cosign(text, 1679315147).unwrap(),
            "\u{2014} witness.example/w1 JLXZ/gAAAABkGFDLSEwbtADY9t5XeSzDTVuiqYN5nZfoc9NQOUgkPYm4wwjIUL68Nczz1tpzCjnpmnRXttgqVVwOg3WfE7AXqa+DAg==\n"
        );
        assert_eq!(
            witness().verifier().to_key_string(),
            "witness.example/w1+24b5d9fe+BP0XJDhaoMdbZPt4zWAvodmR/ev3axPFjtcC6sg16fYY"
        );
    }

    #[test]
    fn the_vkey_round_trips_and_uses_type_0x04() {
        let v = witness().verifier();
        let s = v.to_key_string();
        assert_eq!(parse_cosigner_key(&s).unwrap(), v);
        let raw = BASE64.decode(s.rsplit('+').next().unwrap()).unwrap();
        assert_eq!(raw[0], 0x04);
        // A log key (type 0x01) of the same name and key is not a cosigner key.
        let log = NoteSigner::new("witness.example/w1", SigningKey::from_bytes(&[9; 32])).unwrap();
        assert!(parse_cosigner_key(&log.verifier_key_string()).is_err());
        // A tampered key ID is refused.
        let mut bad = s.clone().into_bytes();
        let at = "witness.example/w1+".len();
        bad[at] = if bad[at] == b'0' { b'1' } else { b'0' };
        assert!(parse_cosigner_key(&String::from_utf8(bad).unwrap()).is_err());
    }

    #[test]
    fn a_cosigned_checkpoint_opens_with_the_log_key_and_counts_its_witnesses() {
        let log = NoteSigner::new("o.example/log", SigningKey::from_bytes(&[1; 32])).unwrap();
        let note = log.sign_checkpoint(&Checkpoint::new("o.example/log", 0, EMPTY_ROOT)).unwrap();
        let text = Checkpoint::new("o.example/log", 0, EMPTY_ROOT).to_note_text().unwrap();
        let w1 = witness();
        let w2 = Cosigner::new("witness.example/w2", SigningKey::from_bytes(&[10; 32])).unwrap();
        let cosigned = format!("{note}{}{}", w1.cosign(&text, 1_796_000_000).unwrap(), w2.cosign(&text, 5).unwrap());
        let opened = open(&cosigned, &[log.verifier()]).unwrap();
        let got = verify_cosignatures(&opened.text, &opened.unverified, &[w1.verifier(), w2.verifier()]).unwrap();
        assert_eq!(
            got,
            vec![
                Cosigned { witness: "witness.example/w1".into(), timestamp: 1_796_000_000 },
                Cosigned { witness: "witness.example/w2".into(), timestamp: 5 }
            ]
        );
        // A witness nobody used is simply not found.
        let w3 = Cosigner::new("witness.example/w3", SigningKey::from_bytes(&[11; 32])).unwrap();
        assert!(verify_cosignatures(&opened.text, &opened.unverified, &[w3.verifier()]).unwrap().is_empty());
        // A cosignature on another checkpoint, under a known witness's name, spoils the note.
        let other = Checkpoint::new("o.example/log", 1, [3; 32]).to_note_text().unwrap();
        let forged = format!("{note}{}", w1.cosign(&other, 7).unwrap());
        let opened = open(&forged, &[log.verifier()]).unwrap();
        assert_eq!(
            verify_cosignatures(&opened.text, &opened.unverified, &[w1.verifier()]).unwrap_err().code(),
            "audit.invalid_signature"
        );
    }

    #[test]
    fn a_witness_answer_is_signature_lines() {
        let text = Checkpoint::new("o.example/log", 0, EMPTY_ROOT).to_note_text().unwrap();
        let line = witness().cosign(&text, 5).unwrap();
        let sigs = parse_signature_lines(&line).unwrap();
        assert_eq!(verify_cosignatures(&text, &sigs, &[witness().verifier()]).unwrap().len(), 1);
        for bad in ["", "\n", "— w AAAA", "x w AAAA\n", "— w !!!!\n", "— w\n"] {
            assert!(parse_signature_lines(bad).is_err(), "{bad:?}");
        }
        assert!(parse_signature_lines(&line.repeat(101)).is_err());
    }
}
