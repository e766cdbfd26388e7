//! Office signing keys and the node master key that seals them at rest. A private key exists in the
//! clear only in memory; in the database it is ChaCha20-Poly1305 ciphertext bound to its `kid`, so a
//! sealed key copied onto another key's row does not open. `Debug` never prints key material.

use crate::SigningError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// `kid` of a public key: the first 16 hex characters of SHA-256 of its 32 raw bytes.
pub fn kid_of(public: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(public.as_bytes()))[..16].to_owned()
}

fn random_bytes<const N: usize>() -> Result<[u8; N], SigningError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| SigningError::Random(e.to_string()))?;
    Ok(bytes)
}

/// The node's master key: 32 secret bytes from configuration that seal every private key at rest.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// A fresh random master key.
    pub fn generate() -> Result<Self, SigningError> {
        Ok(Self(random_bytes()?))
    }

    /// Reads the key from standard base64 (44 characters, 32 bytes).
    pub fn from_base64(text: &str) -> Result<Self, SigningError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|e| SigningError::MasterKey(e.to_string()))?;
        let bytes: [u8; 32] =
            bytes.try_into().map_err(|b: Vec<u8>| SigningError::MasterKey(format!("{} bytes", b.len())))?;
        Ok(Self(bytes))
    }

    /// The key in standard base64, for writing a generated key to a protected file.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Seals `key` for storage: base64 of nonce ‖ ciphertext, with the kid as associated data.
    pub fn seal(&self, key: &OfficeKey) -> Result<String, SigningError> {
        let cipher = ChaCha20Poly1305::new((&self.0).into());
        let nonce: [u8; 12] = random_bytes()?;
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: key.signing.as_bytes(), aad: key.kid.as_bytes() })
            .map_err(|_| SigningError::Unseal)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// Seals other secret bytes of the node (its certificate authority's key) the same way, with
    /// `aad` naming what they are.
    pub fn seal_bytes(&self, aad: &str, secret: &[u8]) -> Result<String, SigningError> {
        let cipher = ChaCha20Poly1305::new((&self.0).into());
        let nonce: [u8; 12] = random_bytes()?;
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: secret, aad: aad.as_bytes() })
            .map_err(|_| SigningError::Unseal)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// Opens bytes sealed by [`MasterKey::seal_bytes`] under the same `aad`.
    pub fn open_bytes(&self, aad: &str, sealed: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, SigningError> {
        let raw = STANDARD.decode(sealed).map_err(|_| SigningError::Unseal)?;
        if raw.len() < 12 {
            return Err(SigningError::Unseal);
        }
        let (nonce, ciphertext) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SigningError::Unseal)?;
        let cipher = ChaCha20Poly1305::new((&self.0).into());
        let plain = cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: aad.as_bytes() })
            .map_err(|_| SigningError::Unseal)?;
        Ok(zeroize::Zeroizing::new(plain))
    }

    /// Opens a key sealed by [`MasterKey::seal`] under the same `kid`.
    pub fn open(&self, kid: &str, sealed: &str) -> Result<OfficeKey, SigningError> {
        let raw = STANDARD.decode(sealed).map_err(|_| SigningError::Unseal)?;
        if raw.len() < 12 {
            return Err(SigningError::Unseal);
        }
        let (nonce, ciphertext) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SigningError::Unseal)?;
        let cipher = ChaCha20Poly1305::new((&self.0).into());
        let plain = cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: kid.as_bytes() })
            .map_err(|_| SigningError::Unseal)?;
        let seed: [u8; 32] = plain.try_into().map_err(|_| SigningError::Unseal)?;
        let key = OfficeKey::from_seed(seed);
        if key.kid != kid {
            return Err(SigningError::Unseal);
        }
        Ok(key)
    }
}

/// An office's private signing key with its `kid`.
#[derive(Clone)]
pub struct OfficeKey {
    kid: String,
    signing: SigningKey,
}

impl std::fmt::Debug for OfficeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OfficeKey({})", self.kid)
    }
}

impl OfficeKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self, SigningError> {
        Ok(Self::from_seed(random_bytes()?))
    }

    /// The key whose RFC 8032 secret seed is `seed` (for test vectors).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(&seed);
        Self { kid: kid_of(&signing.verifying_key()), signing }
    }

    /// The key id published in the JWK Set.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half.
    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The Ed25519 key itself, for signers of other formats (the audit log's C2SP notes).
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_with_their_master_and_kid() {
        let master = MasterKey::generate().unwrap();
        let key = OfficeKey::generate().unwrap();
        let sealed = master.seal(&key).unwrap();
        assert!(!sealed.contains(&STANDARD.encode(key.signing.as_bytes())));
        let opened = master.open(key.kid(), &sealed).unwrap();
        assert_eq!(opened.public(), key.public());

        let other = MasterKey::generate().unwrap();
        assert!(matches!(other.open(key.kid(), &sealed), Err(SigningError::Unseal)));
        assert!(matches!(master.open("0000000000000000", &sealed), Err(SigningError::Unseal)));
        assert!(matches!(master.open(key.kid(), "AAAA"), Err(SigningError::Unseal)));
    }

    #[test]
    fn kid_is_sha256_prefix() {
        // RFC 8032 §7.1 test 1 secret key.
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
        let key = OfficeKey::from_seed(seed.try_into().unwrap());
        assert_eq!(
            hex::encode(key.public().as_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(key.kid(), &hex::encode(Sha256::digest(key.public().as_bytes()))[..16]);
        assert!(!format!("{key:?}").contains("9d61"));
        assert_eq!(format!("{:?}", MasterKey([7; 32])), "MasterKey(<redacted>)");
    }
}
