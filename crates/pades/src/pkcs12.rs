//! Importing a signer's key and certificate from a PKCS#12 file (.p12/.pfx) issued by an external
//! certificate authority, as an alternative to a certificate of the node's own authority.
//!
//! Only ECDSA P-256 keys are taken, the one kind the signature and the key seal handle; the
//! certificate chain is put leaf first (the certificate of the key), then each issuer found in
//! the file in turn. Files protected the way current OpenSSL writes them (PBES2 with AES and
//! PBKDF2, HMAC-SHA-256) and the legacy 3DES/RC2 ones are read, through `p12-keystore`.

use der::{Decode, Encode};
use p12_keystore::Pkcs12Archive;
use p256::ecdsa::SigningKey;
use p256::pkcs8::DecodePrivateKey;
use spki::SubjectPublicKeyInfo;
use x509_cert::Certificate;

use crate::PadesError;

/// The most certificates a chain is followed through.
const MAX_CHAIN: usize = 8;

/// The key and its certificate chain (leaf first) from a PKCS#12 file.
pub fn import(bytes: &[u8], password: &str) -> Result<(SigningKey, Vec<Certificate>), PadesError> {
    let archive = Pkcs12Archive::from_pkcs12(bytes, password).map_err(|e| match e {
        p12_keystore::error::Error::MacError(_) | p12_keystore::error::Error::UnpadError => PadesError::WrongPassword,
        other => PadesError::Certificate(format!("the PKCS#12 file cannot be read: {other}")),
    })?;
    let mut keys = Vec::new();
    for bag in &archive.keys {
        match SigningKey::from_pkcs8_der(bag.key.as_der()) {
            Ok(key) => keys.push(key),
            Err(_) => continue,
        }
    }
    if keys.is_empty() {
        return Err(if archive.keys.is_empty() {
            PadesError::Certificate("the PKCS#12 file holds no private key".into())
        } else {
            PadesError::UnsupportedKey("the PKCS#12 key is not an ECDSA P-256 key".into())
        });
    }
    let certs: Vec<Certificate> =
        archive.certs.iter().filter_map(|b| Certificate::from_der(b.cert.as_der()).ok()).collect();
    for key in keys {
        let spki = SubjectPublicKeyInfo::from_key(key.verifying_key())
            .map_err(|e| PadesError::UnsupportedKey(e.to_string()))?;
        let Some(leaf) = certs.iter().find(|c| c.tbs_certificate().subject_public_key_info() == &spki) else {
            continue;
        };
        let mut chain = vec![leaf.clone()];
        while chain.len() < MAX_CHAIN {
            let last = chain.last().map(|c| c.tbs_certificate()).cloned();
            let Some(last) = last else { break };
            if last.issuer() == last.subject() {
                break;
            }
            match certs.iter().find(|c| c.tbs_certificate().subject() == last.issuer() && !chain.contains(c)) {
                Some(issuer) => chain.push(issuer.clone()),
                None => break,
            }
        }
        // Make sure every certificate re-encodes, so signing cannot fail on it later.
        for c in &chain {
            c.to_der().map_err(|e| PadesError::Certificate(e.to_string()))?;
        }
        return Ok((key, chain));
    }
    Err(PadesError::Certificate("no certificate in the PKCS#12 file is for its key".into()))
}
