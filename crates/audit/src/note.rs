//! C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys: the envelope in which the log's
//! checkpoints leave the node. Byte-compatible with Go's `golang.org/x/mod/sumdb/note`, so that
//! standard transparency-log tooling (witnesses, monitors) can check Sarabun's checkpoints.
//!
//! A note is text ending in a newline, a blank line, then signature lines
//! `— <key name> <base64(4-byte key id ‖ signature)>`. A key is published as the verifier key
//! string `<name>+<8 hex key id>+<base64(0x01 ‖ 32-byte public key)>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::AuditError;

/// Signature type byte of Ed25519 in C2SP signed-note.
const ALG_ED25519: u8 = 0x01;

/// Prefix of a signature line: em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Most signatures a note may carry. The spec asks for at least 16; like Go we stop at 100 so a
/// hostile note cannot make us run many verifications.
pub const MAX_SIGNATURES: usize = 100;

/// Whether `name` may be a key name: non-empty, no Unicode white space, no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// The key id of an Ed25519 key: the first four bytes, big-endian, of
/// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    typed_key_id(ALG_ED25519, name, key)
}

/// The key id of an Ed25519 key of signature type `alg` (0x01 for note signatures, 0x04 for
/// cosignatures): the first four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ alg ‖ public key).
pub(crate) fn typed_key_id(alg: u8, name: &str, key: &VerifyingKey) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(key.as_bytes());
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// `{ name, key_id }` of a signing key for `{:?}`, never the private key (for every signer type).
pub(crate) fn debug_signer(f: &mut std::fmt::Formatter<'_>, type_name: &str, name: &str, id: u32) -> std::fmt::Result {
    f.debug_struct(type_name).field("name", &name).field("key_id", &format_args!("{id:08x}")).finish_non_exhaustive()
}

/// `<name>+<8 hex key id>+<base64(alg ‖ public key)>`, the vkey of an Ed25519 key of type `alg`.
pub(crate) fn vkey_string(alg: u8, name: &str, id: u32, key: &VerifyingKey) -> String {
    let mut raw = Vec::with_capacity(33);
    raw.push(alg);
    raw.extend_from_slice(key.as_bytes());
    format!("{name}+{id:08x}+{}", BASE64.encode(raw))
}

/// Parses a vkey `<name>+<8 hex key id>+<base64(alg ‖ public key)>` of an Ed25519 key of type
/// `alg`, checking that the key id is the one the name and key hash to.
pub(crate) fn parse_vkey(s: &str, alg: u8) -> Result<(String, u32, VerifyingKey), AuditError> {
    let malformed = AuditError::MalformedVerifierKey;
    // The name cannot contain '+' but base64 can, so only the first two split.
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed("expected name+keyid+key"));
    };
    if !is_valid_key_name(name) {
        return Err(malformed("invalid key name"));
    }
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("key id is not 8 hex digits"));
    }
    let id = u32::from_str_radix(id_hex, 16).map_err(|_| malformed("key id is not hex"))?;
    let raw = BASE64.decode(key_b64).map_err(|_| malformed("key is not base64"))?;
    let Some((&found, key)) = raw.split_first() else {
        return Err(malformed("empty key"));
    };
    if found != alg {
        return Err(malformed("unknown signature algorithm"));
    }
    let key: [u8; 32] = key.try_into().map_err(|_| malformed("Ed25519 key is not 32 bytes"))?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| malformed("invalid Ed25519 key"))?;
    if typed_key_id(alg, name, &key) != id {
        return Err(malformed("key id does not match name and key"));
    }
    Ok((name.to_owned(), id, key))
}

/// Whether `s` uses only characters a signed note may contain (no control characters but `\n`).
fn is_note_safe(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() && c != '\n')
}

/// Signs notes with the log's Ed25519 key under a key name.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    id: u32,
}

impl std::fmt::Debug for NoteSigner {
    // Never let the private key reach a log line through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_signer(f, "NoteSigner", &self.name, self.id)
    }
}

impl NoteSigner {
    /// A signer for key `name` (C2SP recommends a schema-less URL, e.g. the log's origin).
    pub fn new(name: impl Into<String>, key: SigningKey) -> Result<Self, AuditError> {
        let name = name.into();
        if !is_valid_key_name(&name) {
            return Err(AuditError::InvalidKeyName);
        }
        let id = key_id(&name, &key.verifying_key());
        Ok(Self { name, key, id })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-bit key id carried in each signature.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The public half, as a verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// The verifier key string to publish (`GET /audit/key`).
    pub fn verifier_key_string(&self) -> String {
        self.verifier().to_key_string()
    }

    /// The signature line (with its final newline) for note text `text`.
    pub fn signature_line(&self, text: &str) -> Result<String, AuditError> {
        check_text(text)?;
        let sig = self.key.sign(text.as_bytes());
        let mut raw = Vec::with_capacity(4 + 64);
        raw.extend_from_slice(&self.id.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        Ok(format!("{SIG_PREFIX}{} {}\n", self.name, BASE64.encode(raw)))
    }

    /// The signed note: `text`, a blank line and this key's signature line.
    pub fn sign_note(&self, text: &str) -> Result<String, AuditError> {
        let line = self.signature_line(text)?;
        Ok(format!("{text}\n{line}"))
    }
}

/// Checks that `text` can be the text of a note: non-empty, newline-terminated, no control
/// characters but newlines.
fn check_text(text: &str) -> Result<(), AuditError> {
    if !text.ends_with('\n') {
        return Err(AuditError::MalformedNote("text must end with a newline"));
    }
    if !is_note_safe(text) {
        return Err(AuditError::MalformedNote("text contains a control character"));
    }
    Ok(())
}

/// A known public key that notes may be signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// A verifier for Ed25519 key `key` under key name `name`.
    pub fn new(name: impl Into<String>, key: VerifyingKey) -> Result<Self, AuditError> {
        let name = name.into();
        if !is_valid_key_name(&name) {
            return Err(AuditError::InvalidKeyName);
        }
        let id = key_id(&name, &key);
        Ok(Self { name, id, key })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-bit key id.
    pub fn key_id(&self) -> u32 {
        self.id
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// `<name>+<8 hex key id>+<base64(0x01 ‖ public key)>`.
    pub fn to_key_string(&self) -> String {
        vkey_string(ALG_ED25519, &self.name, self.id, &self.key)
    }

    /// Whether `signature` (without the key id) is this key's signature of `text`.
    ///
    /// Uses strict verification (canonical encodings, no small-order keys), because a checkpoint
    /// signature that some verifiers accept and others reject would split its audience.
    pub fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        self.key.verify_strict(text, &Signature::from_bytes(&sig)).is_ok()
    }
}

impl std::fmt::Display for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_key_string())
    }
}

impl std::str::FromStr for Verifier {
    type Err = AuditError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_verifier_key(s)
    }
}

/// Parses a verifier key string `<name>+<8 hex key id>+<base64(0x01 ‖ public key)>`, checking
/// that the key id is the one the name and key hash to.
pub fn parse_verifier_key(s: &str) -> Result<Verifier, AuditError> {
    let (name, id, key) = parse_vkey(s, ALG_ED25519)?;
    Ok(Verifier { name, id, key })
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key id.
    pub key_id: u32,
    /// The signature bytes, without the key id.
    pub signature: Vec<u8>,
}

/// Parses one signature line `— <key name> <base64(key id ‖ signature)>` (without its newline).
pub fn parse_signature_line(line: &str) -> Result<NoteSignature, AuditError> {
    let malformed = AuditError::MalformedNote;
    let line =
        line.strip_prefix(SIG_PREFIX).ok_or(malformed("signature line must start with an em dash and a space"))?;
    let (name, b64) = line.split_once(' ').ok_or(malformed("signature line has no signature"))?;
    if !is_valid_key_name(name) {
        return Err(malformed("invalid key name in signature line"));
    }
    let raw = BASE64.decode(b64).map_err(|_| malformed("signature is not base64"))?;
    if raw.len() < 5 {
        return Err(malformed("signature too short"));
    }
    Ok(NoteSignature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
        signature: raw[4..].to_vec(),
    })
}

/// A note whose syntax is valid and that carries at least one good signature by a known key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The signed text, including its final newline.
    pub text: String,
    /// Signatures by known keys, all verified, one per key.
    pub verified: Vec<NoteSignature>,
    /// Signatures by keys not in the verifier list (e.g. witness cosignatures), not checked.
    pub unverified: Vec<NoteSignature>,
}

/// Parses a signed note and checks its signatures against `verifiers`.
///
/// Signatures by unknown keys are kept unchecked (C2SP: verifiers MUST ignore them); a signature
/// by a known key that fails rejects the whole note; at least one known signature must verify.
pub fn open(note: &str, verifiers: &[Verifier]) -> Result<OpenedNote, AuditError> {
    let malformed = AuditError::MalformedNote;
    if !is_note_safe(note) {
        return Err(malformed("note contains a control character"));
    }
    // The text ends at the last blank line; it may itself contain blank lines.
    let split = note.rfind("\n\n").ok_or(malformed("no blank line before signatures"))?;
    let (text, sigs) = (&note[..=split], &note[split + 2..]);
    let Some(sigs) = sigs.strip_suffix('\n') else {
        return Err(malformed("signatures must end with a newline"));
    };

    let mut opened = OpenedNote { text: text.to_owned(), verified: Vec::new(), unverified: Vec::new() };
    for (count, line) in sigs.split('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(malformed("too many signatures"));
        }
        let sig = parse_signature_line(line)?;
        let mut known = verifiers.iter().filter(|v| v.name == sig.name && v.id == sig.key_id);
        let Some(v) = known.next() else {
            if !opened.unverified.contains(&sig) {
                opened.unverified.push(sig);
            }
            continue;
        };
        if known.any(|other| other.key != v.key) {
            return Err(AuditError::AmbiguousKey(format!("{}+{:08x}", sig.name, sig.key_id)));
        }
        if opened.verified.iter().any(|s| s.name == sig.name && s.key_id == sig.key_id) {
            continue;
        }
        if !v.verify(text.as_bytes(), &sig.signature) {
            return Err(AuditError::InvalidSignature(format!("{}+{:08x}", sig.name, sig.key_id)));
        }
        opened.verified.push(sig);
    }
    if opened.verified.is_empty() {
        return Err(AuditError::NoKnownSignature);
    }
    Ok(opened)
}
