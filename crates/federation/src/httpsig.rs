//! HTTP Message Signatures (RFC 9421) with `ed25519`, and the `Content-Digest` field (RFC 9530) they
//! cover, for the requests one node makes to another. Every request is signed over
//! `("@method" "@target-uri" "content-digest" "date")` — a document chunk also over
//! `"content-range"` — with the parameters `created`, `keyid` (the sending node's fingerprint) and
//! `alg="ed25519"`, under the label `sig1`. The signature base is
//! built exactly as RFC 9421 section 2.5 says; the tests check it against appendix B.2.6.

use crate::FederationError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The label of the node's signature in `Signature-Input` and `Signature`.
pub const LABEL: &str = "sig1";
/// The components every message request covers, in this order.
pub const COVERED: [&str; 4] = ["@method", "@target-uri", "content-digest", "date"];
/// The components a request carrying a `Content-Range` (a document chunk) covers, in this order.
pub const COVERED_RANGE: [&str; 5] = ["@method", "@target-uri", "content-digest", "date", "content-range"];
/// How far `created` may be from the receiver's clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// `Content-Digest` of a body (RFC 9530): `sha-256=:<base64>:`.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)))
}

/// An HTTP date (RFC 9110 IMF-fixdate), as in the `Date` field.
pub fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The signature parameters (RFC 9421 section 2.3), serialised as an inner list with parameters.
pub fn signature_params(covered: &[&str], created: i64, keyid: &str, alg: Option<&str>) -> String {
    let items: Vec<String> = covered.iter().map(|c| format!("\"{c}\"")).collect();
    let mut params = format!("({});created={created};keyid=\"{keyid}\"", items.join(" "));
    if let Some(alg) = alg {
        params.push_str(&format!(";alg=\"{alg}\""));
    }
    params
}

/// The signature base (RFC 9421 section 2.5): one line `"<name>": <value>` per covered component, in
/// order, then the `@signature-params` line, with no newline after it.
pub fn signature_base(components: &[(&str, &str)], params: &str) -> String {
    let mut base = String::new();
    for (name, value) in components {
        base.push_str(&format!("\"{name}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {params}"));
    base
}

/// The header fields a signed request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub content_digest: String,
    pub date: String,
    pub signature_input: String,
    pub signature: String,
}

/// Signs a request of `method` to `target_uri` with `body`, at `now`, as node `keyid`.
pub fn sign_request(
    method: &str,
    target_uri: &str,
    body: &[u8],
    now: DateTime<Utc>,
    key: &SigningKey,
) -> SignedHeaders {
    sign_request_with_range(method, target_uri, body, None, now, key)
}

/// Signs a request as [`sign_request`] does, covering also its `Content-Range` when it has one.
pub fn sign_request_with_range(
    method: &str,
    target_uri: &str,
    body: &[u8],
    content_range: Option<&str>,
    now: DateTime<Utc>,
    key: &SigningKey,
) -> SignedHeaders {
    let keyid = crate::fingerprint(&key.verifying_key());
    let content_digest = content_digest(body);
    let date = http_date(now);
    let covered: &[&str] = if content_range.is_some() { &COVERED_RANGE } else { &COVERED };
    let params = signature_params(covered, now.timestamp(), &keyid, Some("ed25519"));
    let mut components =
        vec![("@method", method), ("@target-uri", target_uri), ("content-digest", &content_digest), ("date", &date)];
    if let Some(range) = content_range {
        components.push(("content-range", range));
    }
    let base = signature_base(&components, &params);
    let signature = STANDARD.encode(key.sign(base.as_bytes()).to_bytes());
    SignedHeaders {
        content_digest,
        date,
        signature_input: format!("{LABEL}={params}"),
        signature: format!("{LABEL}=:{signature}:"),
    }
}

/// `Signature-Input` parsed for our one label: the covered components and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInput {
    pub covered: Vec<String>,
    pub created: i64,
    pub keyid: String,
    pub alg: Option<String>,
}

fn bad(why: impl Into<String>) -> FederationError {
    FederationError::Signature(why.into())
}

/// Reads the member `sig1` of a `Signature-Input` field (structured-field dictionary; only the shape
/// this protocol sends is accepted: quoted component names, `created`, `keyid` and `alg`).
pub fn parse_signature_input(field: &str) -> Result<SignatureInput, FederationError> {
    let value = field
        .trim()
        .strip_prefix(&format!("{LABEL}="))
        .ok_or_else(|| bad(format!("Signature-Input has no member {LABEL}")))?;
    let inner = value.strip_prefix('(').ok_or_else(|| bad("Signature-Input is not an inner list"))?;
    let (list, params) = inner.split_once(')').ok_or_else(|| bad("Signature-Input list is not closed"))?;
    let covered = list
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).map(str::to_owned))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("a covered component is not a quoted string"))?;
    let (mut created, mut keyid, mut alg) = (None, None, None);
    for param in params.split(';').filter(|p| !p.is_empty()) {
        let (name, value) = param.split_once('=').ok_or_else(|| bad("a parameter has no value"))?;
        let quoted = || value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).map(str::to_owned);
        match name {
            "created" => created = value.parse::<i64>().ok(),
            "keyid" => keyid = quoted(),
            "alg" => alg = quoted(),
            other => return Err(bad(format!("parameter {other} is not accepted"))),
        }
    }
    Ok(SignatureInput {
        covered,
        created: created.ok_or_else(|| bad("no created parameter"))?,
        keyid: keyid.ok_or_else(|| bad("no keyid parameter"))?,
        alg,
    })
}

/// The `keyid` of a signed request, read before the key is looked up.
pub fn keyid_of(signature_input: &str) -> Result<String, FederationError> {
    Ok(parse_signature_input(signature_input)?.keyid)
}

/// The request fields a verifier reads.
pub struct ReceivedRequest<'a> {
    pub method: &'a str,
    /// The target URI as the receiver is reached: its endpoint followed by the path.
    pub target_uri: &'a str,
    pub content_digest: Option<&'a str>,
    pub date: Option<&'a str>,
    pub signature_input: Option<&'a str>,
    pub signature: Option<&'a str>,
    /// The `Content-Range` field of a document chunk; the signature must then cover it.
    pub content_range: Option<&'a str>,
    pub body: &'a [u8],
}

/// Verifies a message request against the sender's node key: the covered components are ours, the
/// `Content-Digest` is that of the body, `created` is within [`MAX_SKEW_SECS`] of `now`, and the
/// signature verifies over the rebuilt base.
pub fn verify_request(
    req: &ReceivedRequest<'_>,
    now: DateTime<Utc>,
    key: &VerifyingKey,
) -> Result<(), FederationError> {
    let input = parse_signature_input(req.signature_input.ok_or_else(|| bad("no Signature-Input"))?)?;
    let covered: &[&str] = if req.content_range.is_some() { &COVERED_RANGE } else { &COVERED };
    if input.covered != covered {
        return Err(bad(format!("the signature must cover {covered:?}")));
    }
    if input.alg.as_deref().is_some_and(|a| a != "ed25519") {
        return Err(bad("alg must be ed25519"));
    }
    if input.keyid != crate::fingerprint(key) {
        return Err(bad("keyid is not the sender's fingerprint"));
    }
    if (now.timestamp() - input.created).abs() > MAX_SKEW_SECS {
        return Err(bad("created is too far from now"));
    }
    let digest = req.content_digest.ok_or_else(|| bad("no Content-Digest"))?;
    if digest != content_digest(req.body) {
        return Err(bad("Content-Digest does not match the body"));
    }
    let date = req.date.ok_or_else(|| bad("no Date"))?;
    let signature = req
        .signature
        .and_then(|s| s.trim().strip_prefix(&format!("{LABEL}=:")))
        .and_then(|s| s.strip_suffix(':'))
        .ok_or_else(|| bad(format!("Signature has no byte sequence {LABEL}")))?;
    let signature: [u8; 64] = STANDARD
        .decode(signature)
        .ok()
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad("the signature is not 64 bytes of base64"))?;
    let params = signature_params(covered, input.created, &input.keyid, input.alg.as_deref());
    let mut components =
        vec![("@method", req.method), ("@target-uri", req.target_uri), ("content-digest", digest), ("date", date)];
    if let Some(range) = req.content_range {
        components.push(("content-range", range));
    }
    let base = signature_base(&components, &params);
    key.verify_strict(base.as_bytes(), &Signature::from_bytes(&signature)).map_err(|_| FederationError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9421 appendix B.1.4, `test-key-ed25519`: the PKCS#8 private key and the SPKI public key.
    const RFC_PRIVATE: &str = "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF";
    const RFC_PUBLIC: &str = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";

    fn rfc_key() -> SigningKey {
        let der = STANDARD.decode(RFC_PRIVATE).unwrap();
        SigningKey::from_bytes(&der[der.len() - 32..].try_into().unwrap())
    }

    #[test]
    fn the_signature_base_and_signature_are_those_of_rfc_9421_b_2_6() {
        let key = rfc_key();
        let spki = STANDARD.decode(RFC_PUBLIC).unwrap();
        assert_eq!(key.verifying_key().as_bytes(), &spki[spki.len() - 32..]);
        let covered = ["date", "@method", "@path", "@authority", "content-type", "content-length"];
        let params = signature_params(&covered, 1618884473, "test-key-ed25519", None);
        let base = signature_base(
            &[
                ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
                ("@method", "POST"),
                ("@path", "/foo"),
                ("@authority", "example.com"),
                ("content-type", "application/json"),
                ("content-length", "18"),
            ],
            &params,
        );
        assert_eq!(
            base,
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n\"@path\": /foo\n\
             \"@authority\": example.com\n\"content-type\": application/json\n\"content-length\": 18\n\
             \"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \
             \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
        );
        let signature = STANDARD.encode(key.sign(base.as_bytes()).to_bytes());
        assert_eq!(
            signature,
            "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw=="
        );
    }

    #[test]
    fn the_content_digest_is_that_of_rfc_9530() {
        // RFC 9530 section 2 example: {"hello": "world"}
        assert_eq!(content_digest(b"{\"hello\": \"world\"}"), "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    }

    #[test]
    fn a_signed_request_verifies_and_a_changed_one_does_not() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let now = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().to_utc();
        let uri = "http://127.0.0.3:4000/federation/v1/messages";
        let h = sign_request("POST", uri, b"{}", now, &key);
        let req = |body: &'static [u8], uri: &'static str| ReceivedRequest {
            method: "POST",
            target_uri: uri,
            content_digest: Some(&h.content_digest),
            date: Some(&h.date),
            signature_input: Some(&h.signature_input),
            signature: Some(&h.signature),
            content_range: None,
            body,
        };
        verify_request(&req(b"{}", uri), now, &key.verifying_key()).unwrap();
        assert!(verify_request(&req(b"{ }", uri), now, &key.verifying_key()).is_err());
        assert!(verify_request(&req(b"{}", "http://127.0.0.3:4000/other"), now, &key.verifying_key()).is_err());
        let late = now + chrono::Duration::minutes(10);
        assert!(verify_request(&req(b"{}", uri), late, &key.verifying_key()).is_err());
        let other = SigningKey::from_bytes(&[1; 32]).verifying_key();
        assert!(verify_request(&req(b"{}", uri), now, &other).is_err());
        assert_eq!(keyid_of(&h.signature_input).unwrap(), crate::fingerprint(&key.verifying_key()));
    }

    #[test]
    fn a_chunk_signature_covers_its_content_range() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let now = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().to_utc();
        let uri = "http://127.0.0.3:4000/federation/v1/documents/ab";
        let h = sign_request_with_range("PUT", uri, b"%PDF", Some("bytes 0-3/10"), now, &key);
        assert!(
            h.signature_input.starts_with(r#"sig1=("@method" "@target-uri" "content-digest" "date" "content-range");"#)
        );
        let req = |range: Option<&'static str>| ReceivedRequest {
            method: "PUT",
            target_uri: uri,
            content_digest: Some(&h.content_digest),
            date: Some(&h.date),
            signature_input: Some(&h.signature_input),
            signature: Some(&h.signature),
            content_range: range,
            body: b"%PDF",
        };
        verify_request(&req(Some("bytes 0-3/10")), now, &key.verifying_key()).unwrap();
        assert!(verify_request(&req(Some("bytes 0-3/11")), now, &key.verifying_key()).is_err(), "another range");
        assert!(verify_request(&req(None), now, &key.verifying_key()).is_err(), "a range signed must be sent");
    }
}
