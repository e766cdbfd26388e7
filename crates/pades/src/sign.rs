//! The signer's approval signature: a signature field on page 1 whose value is a PAdES baseline
//! B-B signature (ETSI EN 319 142-1) — a detached CMS SignedData over the bytes of the file except
//! the signature itself, with the content-type, message-digest and signing-certificate-v2 signed
//! attributes, the signing time in /M rather than in the CMS, and the signer's certificate chain.
//!
//! The signature is written in two passes over one incremental update: first with a zero-filled
//! /Contents of fixed size and a /ByteRange of fixed width, then, once the update's bytes are
//! known, with the exact /ByteRange and the CMS in the room reserved. No DocMDP transform is set:
//! the number and date fill, the receiving stamp and the minutes page are later revisions that a
//! validator reports as such while the signature over the signed revision stays valid.

use chrono::{DateTime, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Encode, Sequence};
use lopdf::{Dictionary, Object, StringFormat};
use p256::ecdsa::signature::Signer as _;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, EncodePublicKey};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use crate::pdf::{Letter, name, pdf_text};
use crate::{PadesError, Signer};

/// id-aa-signingCertificateV2 (RFC 5035 §3).
const ID_AA_SIGNING_CERTIFICATE_V2: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// The placeholder /ByteRange: ten digits each, so the real offsets always fit in its width.
const BYTE_RANGE_PLACEHOLDER: [i64; 4] = [0, 9_999_999_999, 9_999_999_999, 9_999_999_999];
/// The least room reserved for the CMS, in bytes (twice that in hex digits in the file).
const MIN_ROOM: usize = 8192;

/// ESSCertIDv2 (RFC 5035 §4), hash algorithm left at its default, SHA-256.
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

/// IssuerSerial (RFC 5035 §4).
#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// SigningCertificateV2 (RFC 5035 §3), without policies.
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn signing_certificate_v2(leaf: &Certificate) -> Result<Attribute, PadesError> {
    let hash = Sha256::digest(leaf.to_der()?);
    let tbs = leaf.tbs_certificate();
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(hash.to_vec())?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            },
        }],
    };
    attribute(ID_AA_SIGNING_CERTIFICATE_V2, Any::encode_from(&value)?)
}

/// A PDF date in UTC (ISO 32000 §7.9.4).
pub fn pdf_date(at: DateTime<Utc>) -> String {
    at.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}

fn attribute(oid: der::oid::ObjectIdentifier, value: Any) -> Result<Attribute, PadesError> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

/// The CMS SignedData (DER) over a digest of the signed bytes (RFC 5652 §5, detached content).
fn cms(signer: &Signer, digest: &[u8]) -> Result<Vec<u8>, PadesError> {
    let leaf = signer.chain.first().ok_or_else(|| PadesError::Certificate("the certificate chain is empty".into()))?;
    let sha256 = AlgorithmIdentifierOwned { oid: const_oid::db::rfc5912::ID_SHA_256, parameters: None };
    let tbs = leaf.tbs_certificate();
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    });
    let mut attrs = SetOfVec::new();
    attrs.insert(attribute(
        const_oid::db::rfc5911::ID_CONTENT_TYPE,
        Any::encode_from(&const_oid::db::rfc5911::ID_DATA)?,
    )?)?;
    attrs.insert(attribute(
        const_oid::db::rfc5911::ID_MESSAGE_DIGEST,
        Any::encode_from(&OctetString::new(digest.to_vec())?)?,
    )?)?;
    attrs.insert(signing_certificate_v2(leaf)?)?;
    // The signature is over the DER of the attributes as a SET OF (RFC 5652 §5.4), which is
    // how SetOfVec encodes.
    let signature: p256::ecdsa::DerSignature =
        signer.key.try_sign(&attrs.to_der()?).map_err(|e| PadesError::Crypto(format!("ECDSA: {e}")))?;
    let info = SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: sha256.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
            parameters: None,
        },
        signature: OctetString::new(signature.to_bytes().to_vec())?,
        unsigned_attrs: None,
    };
    let mut certificates = SetOfVec::new();
    for cert in &signer.chain {
        let choice = CertificateChoices::Certificate(cert.clone());
        if !certificates.iter().any(|c| c == &choice) {
            certificates.insert(choice)?;
        }
    }
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256)?;
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(info)?;
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo { econtent_type: const_oid::db::rfc5911::ID_DATA, econtent: None },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    let info =
        ContentInfo { content_type: const_oid::db::rfc5911::ID_SIGNED_DATA, content: Any::encode_from(&signed)? };
    Ok(info.to_der()?)
}

/// The key must be the one the leaf certificate certifies, or every validator rejects the result.
fn check_key(signer: &Signer) -> Result<(), PadesError> {
    let leaf = signer.chain.first().ok_or_else(|| PadesError::Certificate("the certificate chain is empty".into()))?;
    let ours = signer
        .key
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| PadesError::UnsupportedKey(format!("cannot encode the public key: {e}")))?;
    let theirs = leaf.tbs_certificate().subject_public_key_info().to_der()?;
    if ours.as_bytes() != theirs.as_slice() {
        return Err(PadesError::UnsupportedKey("the key does not match the signer's certificate".into()));
    }
    Ok(())
}

/// A signature made outside the signer's certificate's validity would be invalid from the start.
fn check_validity(signer: &Signer, at: DateTime<Utc>) -> Result<(), PadesError> {
    let at = std::time::SystemTime::from(at);
    for cert in &signer.chain {
        let validity = cert.tbs_certificate().validity();
        if at < validity.not_before.to_system_time() || at > validity.not_after.to_system_time() {
            return Err(PadesError::Certificate(format!(
                "the certificate of {} is not valid at the signing time",
                cert.tbs_certificate().subject()
            )));
        }
    }
    Ok(())
}

pub fn sign(pdf: &[u8], signer: &Signer, at: DateTime<Utc>) -> Result<Vec<u8>, PadesError> {
    check_key(signer)?;
    check_validity(signer, at)?;
    let chain_len: usize = signer.chain.iter().map(|c| c.to_der().map(|d| d.len()).unwrap_or(2048)).sum();
    // The CMS is the chain, the signed attributes (~250 bytes), the signature (72) and framing;
    // 3 KiB over the chain leaves ample slack.
    let room = MIN_ROOM.max(chain_len + 3072);

    let mut letter = Letter::open(pdf)?;
    let existing = letter.fields().iter().filter(|f| f.kind.as_deref() == Some(b"Sig")).count();
    let sig_id = letter.alloc();
    let widget_id = letter.alloc();

    let mut sig = Dictionary::new();
    sig.set("Type", name("Sig"));
    sig.set("Filter", name("Adobe.PPKLite"));
    sig.set("SubFilter", name("ETSI.CAdES.detached"));
    sig.set("ByteRange", Object::Array(BYTE_RANGE_PLACEHOLDER.iter().map(|v| Object::Integer(*v)).collect()));
    sig.set("Contents", Object::String(vec![0; room], StringFormat::Hexadecimal));
    sig.set("M", Object::String(pdf_date(at).into_bytes(), StringFormat::Literal));
    if !signer.name.trim().is_empty() {
        sig.set("Name", pdf_text(signer.name.trim()));
    }
    if let Some(reason) = signer.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        sig.set("Reason", pdf_text(reason.trim()));
    }
    if let Some(location) = signer.location.as_deref().filter(|l| !l.trim().is_empty()) {
        sig.set("Location", pdf_text(location.trim()));
    }
    letter.put(sig_id, Object::Dictionary(sig));

    // An invisible widget: the letter shows the signer's name in its own text; the signature is
    // what the validator shows.
    let mut widget = Dictionary::new();
    widget.set("Type", name("Annot"));
    widget.set("Subtype", name("Widget"));
    widget.set("FT", name("Sig"));
    widget.set("T", pdf_text(&format!("Signature{}", existing + 1)));
    widget.set("V", Object::Reference(sig_id));
    widget.set("Rect", Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]));
    // Print and Locked.
    widget.set("F", Object::Integer(4 | 128));
    widget.set("P", Object::Reference(letter.page_id));
    letter.put(widget_id, Object::Dictionary(widget));
    letter.annotate(widget_id);
    letter.add_field(widget_id);
    // SignaturesExist | AppendOnly: tells editors to save incrementally.
    letter.form_mut().set("SigFlags", Object::Integer(3));

    let mut out = letter.finish()?;
    let (lt, gt) = contents_span(&out, pdf.len(), room)?;
    let range = [0, lt, gt, out.len() - gt];
    patch_byte_range(&mut out, pdf.len(), range)?;

    let mut hasher = Sha256::new();
    hasher.update(&out[..lt]);
    hasher.update(&out[gt..]);
    let digest = hasher.finalize();
    let der = cms(signer, &digest)?;
    if der.len() > room {
        return Err(PadesError::SignatureTooLarge { needed: der.len(), room });
    }
    let hex = hex::encode_upper(&der);
    out[lt + 1..lt + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// Where the zero-filled /Contents string of the new signature lies in `out` (searched after the
/// original bytes only): the offset of its `<` and the offset just past its `>`.
fn contents_span(out: &[u8], from: usize, room: usize) -> Result<(usize, usize), PadesError> {
    let lost = || PadesError::Malformed("the signature placeholder was not written as expected".into());
    let tail = out.get(from..).ok_or_else(lost)?;
    // Page 1's dictionary in the same update has a /Contents too: take the one holding the zeros.
    for key in tail.windows(9).enumerate().filter(|(_, w)| *w == b"/Contents").map(|(i, _)| i) {
        let Some(open) = tail[key + 9..].iter().position(|b| !b.is_ascii_whitespace()).map(|p| p + key + 9) else {
            continue;
        };
        if tail[open] != b'<' {
            continue;
        }
        let Some(digits) = tail.get(open + 1..open + 1 + 2 * room) else { continue };
        if digits.iter().all(|&b| b == b'0') && tail.get(open + 1 + 2 * room) == Some(&b'>') {
            return Ok((from + open, from + open + 2 * room + 2));
        }
    }
    Err(lost())
}

/// Write the real /ByteRange over the placeholder, padded with spaces to the same width.
fn patch_byte_range(out: &mut [u8], from: usize, range: [usize; 4]) -> Result<(), PadesError> {
    let lost = || PadesError::Malformed("the byte range placeholder was not written as expected".into());
    let tail = out.get(from..).ok_or_else(lost)?;
    let key = tail.windows(10).position(|w| w == b"/ByteRange").ok_or_else(lost)? + from;
    let open = out[key..].iter().position(|&b| b == b'[').ok_or_else(lost)? + key;
    let close = out[open..].iter().position(|&b| b == b']').ok_or_else(lost)? + open;
    let placeholder =
        format!("[{}]", BYTE_RANGE_PLACEHOLDER.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "));
    if &out[open..=close] != placeholder.as_bytes() {
        return Err(lost());
    }
    let mut text = format!("[{} {} {} {}", range[0], range[1], range[2], range[3]);
    let width = close - open;
    if text.len() > width {
        return Err(lost());
    }
    while text.len() < width {
        text.push(' ');
    }
    text.push(']');
    out[open..=close].copy_from_slice(text.as_bytes());
    Ok(())
}
