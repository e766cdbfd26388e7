//! Checking the PDF signatures of a letter the way a validator does, without a PDF reader's
//! help: for each signature field, the bytes its /ByteRange covers are hashed and compared with
//! the CMS message-digest attribute, the CMS signature over the signed attributes is checked with
//! the signer's certificate, the certificate is chained through the CMS certificates to one of
//! the given roots, and what was appended after the signed revision is counted.
//!
//! Only ECDSA (P-256, with SHA-256, -384 or -512) is checked; a signature of another kind, as an
//! RSA one from an external authority, is reported as not intact rather than as an error, so a
//! letter page can still list it.

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::OctetString;
use der::{Decode, Encode, SliceReader};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};

use crate::pdf::{Letter, text_string};
use crate::{PadesError, SignatureCheck};

/// The longest certification path followed; Sarabun's is two (node CA, signer).
const MAX_CHAIN: usize = 8;

pub fn verify(pdf: &[u8], roots: &[Certificate]) -> Result<Vec<SignatureCheck>, PadesError> {
    let letter = Letter::open(pdf)?;
    let mut out = Vec::new();
    for field in letter.fields() {
        if field.kind.as_deref() != Some(b"Sig") {
            continue;
        }
        let Some(dict) = letter.dict(field.id) else { continue };
        let Some(value) = dict.get(b"V").ok().map(|v| letter.resolve(v)) else { continue };
        let Ok(sig) = value.as_dict() else { continue };
        let get = |key: &[u8]| sig.get(key).ok().map(|o| letter.resolve(o));
        let range: Vec<i64> = get(b"ByteRange")
            .and_then(|o| o.as_array().ok())
            .map(|a| a.iter().filter_map(|v| letter.resolve(v).as_i64().ok()).collect())
            .unwrap_or_default();
        let contents = get(b"Contents").and_then(|o| o.as_str().ok()).unwrap_or_default();
        let signed_at = get(b"M").and_then(|o| o.as_str().ok()).and_then(parse_pdf_date);
        let dict_name = get(b"Name").map(text_string).filter(|n| !n.trim().is_empty());

        let mut check = SignatureCheck {
            field: field.name.clone(),
            signer_name: dict_name.clone().unwrap_or_default(),
            subject: String::new(),
            signed_at,
            intact: false,
            chain_trusted: false,
            signed_len: 0,
            covers_whole: false,
            later_revisions: 0,
        };
        let Some(signed) = signed_bytes(pdf, &range) else {
            out.push(check);
            continue;
        };
        check.signed_len = signed.end;
        let rest = &pdf[signed.end..];
        check.covers_whole = rest.iter().all(u8::is_ascii_whitespace);
        check.later_revisions = rest.windows(5).filter(|w| *w == b"%%EOF").count();

        if let Some(found) = check_cms(contents, &signed.digest_input) {
            check.subject = found.leaf.tbs_certificate().subject().to_string();
            if dict_name.is_none() {
                check.signer_name = common_name(&found.leaf).unwrap_or_else(|| check.subject.clone());
            }
            check.intact = found.intact;
            check.chain_trusted = found.intact && trusted(&found.leaf, &found.certs, roots, signed_at);
        }
        out.push(check);
    }
    Ok(out)
}

struct Signed<'a> {
    digest_input: [&'a [u8]; 2],
    end: usize,
}

/// The two signed pieces, if /ByteRange is of the one shape a PAdES signature may have: from the
/// start of the file to the `<` of /Contents, and from past its `>` on, with nothing but the hex
/// string between.
fn signed_bytes<'a>(pdf: &'a [u8], range: &[i64]) -> Option<Signed<'a>> {
    let [a, b, c, d] = <[i64; 4]>::try_from(range).ok()?;
    let [a, b, c, d] = [a, b, c, d].map(|v| usize::try_from(v).ok());
    let (a, b, c, d) = (a?, b?, c?, d?);
    let end = c.checked_add(d)?;
    if a != 0 || b > c || end > pdf.len() {
        return None;
    }
    let gap = &pdf[b..c];
    let hex_only = gap.len() >= 2
        && gap[0] == b'<'
        && gap[gap.len() - 1] == b'>'
        && gap[1..gap.len() - 1].iter().all(|x| x.is_ascii_hexdigit() || x.is_ascii_whitespace());
    hex_only.then_some(Signed { digest_input: [&pdf[..b], &pdf[c..end]], end })
}

struct Found {
    leaf: Certificate,
    certs: Vec<Certificate>,
    intact: bool,
}

/// Parse the CMS, find the signer's certificate and check digest and signature. `None` when the
/// CMS cannot be read or names no certificate it carries.
fn check_cms(contents: &[u8], pieces: &[&[u8]; 2]) -> Option<Found> {
    // The CMS is followed by the zero padding of the reserved room: read one value, not all.
    let mut reader = SliceReader::new(contents).ok()?;
    let info = ContentInfo::decode(&mut reader).ok()?;
    if info.content_type != const_oid::db::rfc5911::ID_SIGNED_DATA {
        return None;
    }
    let signed: SignedData = info.content.decode_as().ok()?;
    let certs: Vec<Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let info = signed.signer_infos.0.iter().next()?;
    let leaf = certs.iter().find(|c| identifies(&info.sid, c))?.clone();
    let intact = signer_info_ok(info, &leaf, pieces).unwrap_or(false);
    Some(Found { leaf, certs, intact })
}

fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            &isn.issuer == tbs.issuer() && &isn.serial_number == tbs.serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some((_, own))) if &own == ski)
        }
    }
}

fn hash_by(oid: der::oid::ObjectIdentifier, pieces: &[&[u8]]) -> Option<Vec<u8>> {
    use const_oid::db::rfc5912::{ID_SHA_256, ID_SHA_384, ID_SHA_512};
    fn run<D: Digest>(pieces: &[&[u8]]) -> Vec<u8> {
        let mut h = D::new();
        for p in pieces {
            h.update(p);
        }
        h.finalize().to_vec()
    }
    match oid {
        o if o == ID_SHA_256 => Some(run::<Sha256>(pieces)),
        o if o == ID_SHA_384 => Some(run::<Sha384>(pieces)),
        o if o == ID_SHA_512 => Some(run::<Sha512>(pieces)),
        _ => None,
    }
}

/// The digest algorithm an ECDSA signature algorithm uses, or `fallback` for bare id-ecPublicKey.
fn ecdsa_digest(
    alg: der::oid::ObjectIdentifier,
    fallback: der::oid::ObjectIdentifier,
) -> Option<der::oid::ObjectIdentifier> {
    use const_oid::db::rfc5912::{
        ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, ID_EC_PUBLIC_KEY, ID_SHA_256, ID_SHA_384,
        ID_SHA_512,
    };
    match alg {
        a if a == ECDSA_WITH_SHA_256 => Some(ID_SHA_256),
        a if a == ECDSA_WITH_SHA_384 => Some(ID_SHA_384),
        a if a == ECDSA_WITH_SHA_512 => Some(ID_SHA_512),
        a if a == ID_EC_PUBLIC_KEY => Some(fallback),
        _ => None,
    }
}

/// Verify an ECDSA P-256 signature over `pieces` with the key of `cert`.
fn ecdsa_ok(
    cert: &Certificate,
    alg: der::oid::ObjectIdentifier,
    fallback: der::oid::ObjectIdentifier,
    pieces: &[&[u8]],
    signature: &[u8],
) -> bool {
    let Some(digest_alg) = ecdsa_digest(alg, fallback) else { return false };
    let Some(prehash) = hash_by(digest_alg, pieces) else { return false };
    let spki = cert.tbs_certificate().subject_public_key_info();
    let Ok(key) = VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes()) else { return false };
    let Ok(signature) = DerSignature::try_from(signature) else { return false };
    key.verify_prehash(&prehash, &signature).is_ok()
}

fn signer_info_ok(info: &SignerInfo, leaf: &Certificate, pieces: &[&[u8]; 2]) -> Option<bool> {
    let digest = hash_by(info.digest_alg.oid, pieces)?;
    let attrs = info.signed_attrs.as_ref()?;
    let message_digest = attrs.iter().find(|a| a.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST)?;
    let value: OctetString = message_digest.values.iter().next()?.decode_as().ok()?;
    let content_type = attrs.iter().find(|a| a.oid == const_oid::db::rfc5911::ID_CONTENT_TYPE)?;
    let content_type: der::oid::ObjectIdentifier = content_type.values.iter().next()?.decode_as().ok()?;
    if value.as_bytes() != digest.as_slice() || content_type != const_oid::db::rfc5911::ID_DATA {
        return Some(false);
    }
    // The signature is over the DER of the attributes as a SET OF, not under their [0] tag.
    let attrs_der = attrs.to_der().ok()?;
    Some(ecdsa_ok(leaf, info.signature_algorithm.oid, info.digest_alg.oid, &[&attrs_der], info.signature.as_bytes()))
}

/// Whether `cert` was issued (signed) by `issuer`.
fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
        return false;
    }
    let Ok(tbs) = cert.tbs_certificate().to_der() else { return false };
    let Some(signature) = cert.signature().as_bytes() else { return false };
    ecdsa_ok(issuer, cert.signature_algorithm().oid, const_oid::db::rfc5912::ID_SHA_256, &[&tbs], signature)
}

fn valid_at(cert: &Certificate, at: Option<DateTime<Utc>>) -> bool {
    let Some(at) = at else { return true };
    let validity = cert.tbs_certificate().validity();
    let at = std::time::SystemTime::from(at);
    validity.not_before.to_system_time() <= at && at <= validity.not_after.to_system_time()
}

/// Whether `cert` may issue certificates: basicConstraints CA, and keyCertSign if it has a key
/// usage. Without this check a signer could issue a certificate in any name with their own key.
fn is_ca(cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    let ca = matches!(tbs.get_extension::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca);
    let may_sign_certs = match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) => ku.0.contains(KeyUsages::KeyCertSign),
        Ok(None) => true,
        Err(_) => false,
    };
    ca && may_sign_certs
}

/// Whether the signer's certificate may sign documents: digitalSignature or nonRepudiation if it
/// has a key usage at all.
fn may_sign_documents(cert: &Certificate) -> bool {
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) => ku.0.contains(KeyUsages::DigitalSignature) || ku.0.contains(KeyUsages::NonRepudiation),
        Ok(None) => true,
        Err(_) => false,
    }
}

/// Whether a path from `leaf` through `pool` ends at one of `roots`, every issuer on it a CA and
/// every certificate valid at the signing time the signer claimed.
pub(crate) fn trusted(
    leaf: &Certificate,
    pool: &[Certificate],
    roots: &[Certificate],
    at: Option<DateTime<Utc>>,
) -> bool {
    if !may_sign_documents(leaf) {
        return false;
    }
    let mut current = leaf.clone();
    for _ in 0..MAX_CHAIN {
        if !valid_at(&current, at) {
            return false;
        }
        if roots.contains(&current) || roots.iter().any(|r| is_ca(r) && issued_by(&current, r) && valid_at(r, at)) {
            return true;
        }
        let next = pool.iter().find(|c| *c != &current && is_ca(c) && issued_by(&current, c));
        match next {
            Some(next) => current = next.clone(),
            None => return false,
        }
    }
    false
}

fn common_name(cert: &Certificate) -> Option<String> {
    use x509_cert::ext::pkix::name::DirectoryString;
    match cert.tbs_certificate().subject().common_name().ok()?? {
        DirectoryString::Utf8String(s) => Some(s),
        DirectoryString::PrintableString(s) => Some(s.to_string()),
        _ => None,
    }
}

/// A PDF date (`D:YYYYMMDDHHmmSS` with an optional `Z` or `+HH'mm'` offset), in UTC.
pub fn parse_pdf_date(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 14 {
        return None;
    }
    let local = NaiveDateTime::parse_from_str(&digits[..14], "%Y%m%d%H%M%S").ok()?;
    let zone = &text[14..];
    let offset_secs = match zone.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let nums: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            let hours: i32 = nums.get(..2)?.parse().ok()?;
            let minutes: i32 = nums.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
            let secs = hours * 3600 + minutes * 60;
            if sign == '-' { -secs } else { secs }
        }
        _ => 0,
    };
    let offset = chrono::FixedOffset::east_opt(offset_secs)?;
    Some(offset.from_local_datetime(&local).single()?.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn pdf_dates_are_read_with_their_offsets() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        assert_eq!(parse_pdf_date(b"D:20261201030000+00'00'"), Some(at));
        assert_eq!(parse_pdf_date(b"D:20261201030000Z"), Some(at));
        assert_eq!(parse_pdf_date(b"D:20261201100000+07'00'"), Some(at));
        assert_eq!(parse_pdf_date(b"D:20261130223000-04'30'"), Some(at));
        assert_eq!(parse_pdf_date(b"20261201030000"), Some(at));
        assert_eq!(parse_pdf_date(b"D:2026"), None);
        assert_eq!(parse_pdf_date(b"D:20261341030000Z"), None);
        assert_eq!(crate::sign::pdf_date(at), "D:20261201030000+00'00'");
    }

    #[test]
    fn a_signer_cannot_issue_a_certificate_that_chains_to_the_root() {
        use x509_cert::builder::{Builder as _, CertificateBuilder};
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        let ca = crate::ca::NodeCa::generate("Sarabun CA", now).unwrap();
        let key = crate::ca::generate_key().unwrap();
        let leaf = ca.issue("นายสมชาย ใจดี", "กรม", &p256::PublicKey::from(key.verifying_key()), now, 2).unwrap();
        assert!(trusted(&leaf, &[], std::slice::from_ref(&ca.cert), Some(now)));

        // The signer's own key "issues" a certificate in another person's name.
        let other = crate::ca::generate_key().unwrap();
        let profile = crate::ca::SignerProfile {
            subject: crate::ca::name("นายปลอม ชื่อ", Some("กรม")).unwrap(),
            issuer: leaf.tbs_certificate().subject().clone(),
        };
        let validity = x509_cert::time::Validity::new(
            x509_cert::time::Time::try_from(std::time::SystemTime::from(now)).unwrap(),
            x509_cert::time::Time::try_from(std::time::SystemTime::from(now + chrono::Duration::days(30))).unwrap(),
        );
        let spki = spki::SubjectPublicKeyInfo::from_key(other.verifying_key()).unwrap();
        let forged =
            CertificateBuilder::new(profile, x509_cert::serial_number::SerialNumber::from(7u32), validity, spki)
                .unwrap()
                .build::<_, p256::ecdsa::DerSignature>(&key)
                .unwrap();
        assert!(issued_by(&forged, &leaf), "the forged certificate does verify with the leaf's key");
        assert!(!trusted(&forged, &[leaf.clone(), ca.cert.clone()], std::slice::from_ref(&ca.cert), Some(now)));
        // Nor does a certificate chain outside its validity.
        assert!(!trusted(&leaf, &[], std::slice::from_ref(&ca.cert), Some(now + chrono::Duration::days(3 * 365))));
    }
}
