//! The signer's private key at rest, sealed under their signing PIN: the PIN is stretched with
//! Argon2id into a key that encrypts the P-256 scalar with XChaCha20-Poly1305. Neither the node
//! nor an administrator holds the PIN, so neither can sign in the signer's name; a wrong PIN
//! fails authentication and gives [`PadesError::WrongPin`].
//!
//! A PIN of six digits has only a million values, so the stretching is deliberately costly
//! (64 MiB, three passes) and the caller must throttle attempts as it throttles sign-in; the
//! parameters are stored in the blob so that they can be raised later without losing old keys.
//!
//! Layout (version 1), all integers big-endian, the header authenticated as associated data:
//! `"SRBK"`, version `1`, memory KiB `u32`, passes `u32`, lanes `u32`, salt (16), nonce (24),
//! then the ciphertext of the 32-byte scalar with its 16-byte tag.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use p256::ecdsa::SigningKey;
use zeroize::Zeroizing;

use crate::PadesError;

const MAGIC: &[u8; 4] = b"SRBK";
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = 4 + 1 + 12 + SALT_LEN + NONCE_LEN;
const SEALED_LEN: usize = HEADER_LEN + 32 + 16;

/// Argon2id memory in KiB, passes and lanes for new seals.
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 3;
const LANES: u32 = 1;
/// Bounds on stored parameters, so that a forged blob cannot make unsealing take gigabytes or
/// minutes.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_PASSES: u32 = 16;
const MAX_LANES: u32 = 8;

/// The shortest and longest PIN, in characters.
pub const PIN_MIN_CHARS: usize = 6;
/// The longest PIN, in characters.
pub const PIN_MAX_CHARS: usize = 32;

/// PINs that pass the other rules but are among the first anyone tries.
const COMMON: &[&str] = &["123123", "112233", "121212", "123321", "147258", "159753", "111222", "password", "qwerty"];

fn random(buf: &mut [u8]) -> Result<(), PadesError> {
    getrandom::fill(buf).map_err(|e| PadesError::Crypto(format!("no randomness: {e}")))
}

fn derive(pin: &str, salt: &[u8], memory: u32, passes: u32, lanes: u32) -> Result<Zeroizing<[u8; 32]>, PadesError> {
    let params = Params::new(memory, passes, lanes, Some(32))
        .map_err(|e| PadesError::SealedKeyInvalid(format!("Argon2 parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin.as_bytes(), salt, out.as_mut())
        .map_err(|e| PadesError::Crypto(format!("Argon2: {e}")))?;
    Ok(out)
}

/// Whether `pin` may be a signing PIN: 6 to 32 characters, printable, no spaces at its ends, at
/// least three different characters, not a run like 123456 or 654321, not a short pattern
/// repeated (121212, 123123) and not on a short list of the most common PINs.
pub fn check_pin(pin: &str) -> Result<(), PadesError> {
    let weak = |why: &str| Err(PadesError::WeakPin(why.to_string()));
    let chars: Vec<char> = pin.chars().collect();
    if chars.len() < PIN_MIN_CHARS || chars.len() > PIN_MAX_CHARS {
        return weak("the PIN must have 6 to 32 characters");
    }
    if chars.iter().any(|c| c.is_control()) {
        return weak("the PIN has unprintable characters");
    }
    if pin.trim() != pin {
        return weak("the PIN begins or ends with a space");
    }
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 3 {
        return weak("the PIN repeats too few characters");
    }
    let steps: Vec<i64> = chars.windows(2).map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0]))).collect();
    if steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1) {
        return weak("the PIN is a run of consecutive characters");
    }
    for period in 1..=chars.len() / 2 {
        if chars.len().is_multiple_of(period) && chars.chunks(period).all(|c| c == &chars[..period]) {
            return weak("the PIN repeats a short pattern");
        }
    }
    if COMMON.iter().any(|c| c.eq_ignore_ascii_case(pin)) {
        return weak("the PIN is one of the most common");
    }
    Ok(())
}

/// Seal `key` under `pin` (which must pass [`check_pin`]).
pub fn seal(key: &SigningKey, pin: &str) -> Result<Vec<u8>, PadesError> {
    check_pin(pin)?;
    let mut salt = [0u8; SALT_LEN];
    random(&mut salt)?;
    let mut nonce = [0u8; NONCE_LEN];
    random(&mut nonce)?;
    let mut header = Vec::with_capacity(SEALED_LEN);
    header.extend_from_slice(MAGIC);
    header.push(VERSION);
    for v in [MEMORY_KIB, PASSES, LANES] {
        header.extend_from_slice(&v.to_be_bytes());
    }
    header.extend_from_slice(&salt);
    header.extend_from_slice(&nonce);
    let wrapping = derive(pin, &salt, MEMORY_KIB, PASSES, LANES)?;
    let cipher = XChaCha20Poly1305::new(wrapping.as_ref().into());
    let scalar = Zeroizing::new(key.to_bytes());
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: scalar.as_slice(), aad: &header })
        .map_err(|_| PadesError::Crypto("sealing failed".into()))?;
    header.extend_from_slice(&sealed);
    Ok(header)
}

/// Open a sealed key with `pin`. A wrong PIN, or a blob altered after sealing, gives
/// [`PadesError::WrongPin`]; a blob that is not of this format gives
/// [`PadesError::SealedKeyInvalid`].
pub fn unseal(sealed: &[u8], pin: &str) -> Result<SigningKey, PadesError> {
    let invalid = |why: &str| PadesError::SealedKeyInvalid(why.to_string());
    if sealed.len() != SEALED_LEN {
        return Err(invalid("wrong length"));
    }
    if &sealed[..4] != MAGIC {
        return Err(invalid("not a sealed Sarabun key"));
    }
    if sealed[4] != VERSION {
        return Err(invalid("unknown version"));
    }
    let word =
        |i: usize| u32::from_be_bytes([sealed[5 + 4 * i], sealed[6 + 4 * i], sealed[7 + 4 * i], sealed[8 + 4 * i]]);
    let (memory, passes, lanes) = (word(0), word(1), word(2));
    if memory > MAX_MEMORY_KIB || passes == 0 || passes > MAX_PASSES || lanes == 0 || lanes > MAX_LANES {
        return Err(invalid("Argon2 parameters out of bounds"));
    }
    let salt = &sealed[17..17 + SALT_LEN];
    let nonce: [u8; NONCE_LEN] = sealed[17 + SALT_LEN..HEADER_LEN].try_into().map_err(|_| invalid("wrong length"))?;
    let wrapping = derive(pin, salt, memory, passes, lanes)?;
    let cipher = XChaCha20Poly1305::new(wrapping.as_ref().into());
    let scalar = Zeroizing::new(
        cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: &sealed[HEADER_LEN..], aad: &sealed[..HEADER_LEN] })
            .map_err(|_| PadesError::WrongPin)?,
    );
    SigningKey::from_slice(&scalar).map_err(|_| invalid("the sealed value is not a P-256 key"))
}
