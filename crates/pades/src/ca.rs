//! The node's internal certificate authority: one self-signed ECDSA P-256 root per node, which
//! issues each signer's certificate. Its root certificate is published (like the node's JWK Set)
//! so that anyone can check a letter's signature with `pdfsig` or Sarabun's own verifier after
//! importing it as trusted; its private key is exported only as bytes for the caller to seal at
//! rest.
//!
//! The profiles are the ones NSS, poppler and Acrobat accept for document signing: the root has
//! basicConstraints CA (path length 0) and keyCertSign/cRLSign; a signer's certificate has
//! basicConstraints CA:false, digitalSignature and nonRepudiation, and no extended key usage.

use std::time::SystemTime;

use chrono::{DateTime, Datelike as _, Utc};
use der::asn1::Utf8StringRef;
use der::{Any, Decode, DecodePem, Encode, EncodePem, pem::LineEnding};
use p256::ecdsa::SigningKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use spki::{SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zeroize::Zeroizing;

use crate::PadesError;

/// How long the node's root is valid.
const ROOT_YEARS: u32 = 20;
/// The longest name put in a certificate (RFC 5280's upper bound for a common name is 64).
const MAX_NAME_CHARS: usize = 64;

/// The node's certificate authority: its root certificate and signing key.
pub struct NodeCa {
    /// The self-signed root certificate.
    pub cert: Certificate,
    key: SigningKey,
}

impl std::fmt::Debug for NodeCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCa").field("subject", &self.cert.tbs_certificate().subject().to_string()).finish()
    }
}

fn cert_error(e: impl std::fmt::Display) -> PadesError {
    PadesError::Certificate(e.to_string())
}

/// A name of common name `cn` and, when given, organisation `o`, as UTF8Strings (Thai names).
pub fn name(cn: &str, o: Option<&str>) -> Result<Name, PadesError> {
    let mut rdns = RdnSequence::default();
    let mut push = |oid, value: &str| -> Result<(), PadesError> {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > MAX_NAME_CHARS || value.chars().any(char::is_control) {
            return Err(PadesError::Certificate(format!(
                "a name in a certificate must have 1 to {MAX_NAME_CHARS} printable characters"
            )));
        }
        let value = Any::encode_from(&Utf8StringRef::new(value)?)?;
        let mut rdn = RelativeDistinguishedName::default();
        rdn.insert(AttributeTypeAndValue { oid, value })?;
        rdns.push(rdn);
        Ok(())
    };
    if let Some(o) = o {
        push(const_oid::db::rfc4519::O, o)?;
    }
    push(const_oid::db::rfc4519::CN, cn)?;
    Ok(Name::from_der(&rdns.to_der()?)?)
}

fn time(at: DateTime<Utc>) -> Result<Time, PadesError> {
    Time::try_from(SystemTime::from(at)).map_err(cert_error)
}

fn years_after(at: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    let target = at.year().saturating_add(i32::try_from(years).unwrap_or(i32::MAX));
    // 29 February falls back to 28 February in a year that has none.
    at.with_year(target).or_else(|| at.with_day(28).and_then(|d| d.with_year(target))).unwrap_or(at)
}

/// A random positive serial number of 16 bytes (RFC 5280 §4.1.2.2 allows up to 20).
fn serial() -> Result<SerialNumber, PadesError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| PadesError::Crypto(format!("no randomness: {e}")))?;
    bytes[0] = (bytes[0] & 0x7F) | 0x01;
    SerialNumber::new(&bytes).map_err(cert_error)
}

/// A fresh P-256 key from the operating system's randomness.
pub fn generate_key() -> Result<SigningKey, PadesError> {
    for _ in 0..16 {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| PadesError::Crypto(format!("no randomness: {e}")))?;
        // Fails only for zero or a value past the group order, about 2^-32 of draws.
        if let Ok(key) = SigningKey::from_slice(bytes.as_ref()) {
            return Ok(key);
        }
    }
    Err(PadesError::Crypto("could not draw a P-256 key".into()))
}

struct RootProfile {
    subject: Name,
}

impl BuilderProfile for RootProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        extensions.push(
            BasicConstraints { ca: true, path_len_constraint: Some(0) }.to_extension(tbs.subject(), &extensions)?,
        );
        extensions
            .push(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign).to_extension(tbs.subject(), &extensions)?);
        extensions.push(ski.to_extension(tbs.subject(), &extensions)?);
        Ok(extensions)
    }
}

pub(crate) struct SignerProfile {
    pub(crate) subject: Name,
    pub(crate) issuer: Name,
}

impl BuilderProfile for SignerProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut extensions = Vec::new();
        let issuer_ski = SubjectKeyIdentifier::try_from(issuer_spk)?;
        extensions.push(
            AuthorityKeyIdentifier { key_identifier: Some(issuer_ski.0), ..Default::default() }
                .to_extension(tbs.subject(), &extensions)?,
        );
        extensions
            .push(BasicConstraints { ca: false, path_len_constraint: None }.to_extension(tbs.subject(), &extensions)?);
        extensions.push(
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
                .to_extension(tbs.subject(), &extensions)?,
        );
        extensions.push(SubjectKeyIdentifier::try_from(spk)?.to_extension(tbs.subject(), &extensions)?);
        Ok(extensions)
    }
}

impl NodeCa {
    /// A new authority named `name` (the node's or ministry's name), valid from `now` for 20 years.
    pub fn generate(name_text: &str, now: DateTime<Utc>) -> Result<Self, PadesError> {
        let key = generate_key()?;
        let subject = name(name_text, Some("Sarabun"))?;
        let validity = Validity::new(time(now)?, time(years_after(now, ROOT_YEARS))?);
        let spki = SubjectPublicKeyInfo::from_key(key.verifying_key()).map_err(cert_error)?;
        let builder =
            CertificateBuilder::new(RootProfile { subject }, serial()?, validity, spki).map_err(cert_error)?;
        let cert = builder.build::<_, p256::ecdsa::DerSignature>(&key).map_err(cert_error)?;
        Ok(NodeCa { cert, key })
    }

    /// Issue a signer's certificate for `public`, naming the person and their office, valid from
    /// `now` for `years` years (but never past the root's own end).
    pub fn issue(
        &self,
        person_name: &str,
        office_name: &str,
        public: &p256::PublicKey,
        now: DateTime<Utc>,
        years: u32,
    ) -> Result<Certificate, PadesError> {
        let subject = name(person_name, Some(office_name))?;
        let root_end = self.cert.tbs_certificate().validity().not_after;
        let end = time(years_after(now, years.max(1)))?;
        let end = if end.to_system_time() > root_end.to_system_time() { root_end } else { end };
        let validity = Validity::new(time(now)?, end);
        let spki = SubjectPublicKeyInfo::from_key(public).map_err(cert_error)?;
        let profile = SignerProfile { subject, issuer: self.cert.tbs_certificate().subject().clone() };
        let builder = CertificateBuilder::new(profile, serial()?, validity, spki).map_err(cert_error)?;
        builder.build::<_, p256::ecdsa::DerSignature>(&self.key).map_err(cert_error)
    }

    /// The root certificate in DER.
    pub fn cert_der(&self) -> Result<Vec<u8>, PadesError> {
        Ok(self.cert.to_der()?)
    }

    /// The root certificate in PEM, to publish and to import into a trust store.
    pub fn cert_pem(&self) -> Result<String, PadesError> {
        self.cert.to_pem(LineEnding::LF).map_err(cert_error)
    }

    /// The private key as PKCS#8 DER, for the caller to seal at rest (never store it in clear).
    pub fn key_der(&self) -> Result<Zeroizing<Vec<u8>>, PadesError> {
        let doc = self.key.to_pkcs8_der().map_err(|e| PadesError::Crypto(format!("cannot encode the key: {e}")))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// The authority from its root certificate (DER) and PKCS#8 key (DER), checking they belong
    /// together.
    pub fn from_der(cert_der: &[u8], key_der: &[u8]) -> Result<Self, PadesError> {
        let cert = Certificate::from_der(cert_der).map_err(cert_error)?;
        let key = SigningKey::from_pkcs8_der(key_der).map_err(|e| PadesError::UnsupportedKey(e.to_string()))?;
        Self::from_parts(cert, key)
    }

    /// The authority from its root certificate in PEM and PKCS#8 key (DER).
    pub fn from_pem(cert_pem: &str, key_der: &[u8]) -> Result<Self, PadesError> {
        let cert = Certificate::from_pem(cert_pem).map_err(cert_error)?;
        let key = SigningKey::from_pkcs8_der(key_der).map_err(|e| PadesError::UnsupportedKey(e.to_string()))?;
        Self::from_parts(cert, key)
    }

    /// The authority from a certificate and key already decoded.
    pub fn from_parts(cert: Certificate, key: SigningKey) -> Result<Self, PadesError> {
        let spki = SubjectPublicKeyInfo::from_key(key.verifying_key()).map_err(cert_error)?;
        if &spki != cert.tbs_certificate().subject_public_key_info() {
            return Err(PadesError::UnsupportedKey("the key does not match the root certificate".into()));
        }
        Ok(NodeCa { cert, key })
    }
}
