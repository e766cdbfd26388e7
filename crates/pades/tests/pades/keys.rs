//! The signer's key: sealed under the PIN, the PIN rules, the node CA's round trip, and a key and
//! chain imported from a PKCS#12 file that OpenSSL made.

use std::process::Command;

use sarabun_pades::ca::{NodeCa, generate_key};
use sarabun_pades::keyseal::{check_pin, seal, unseal};
use sarabun_pades::{PadesError, Signer, pkcs12, sign, verify};

use crate::support::{lopdf_letter, now, nss, pdfsig, tmp};

#[test]
fn a_sealed_key_opens_with_its_pin_only() {
    let key = generate_key().unwrap();
    let sealed = seal(&key, "482915").unwrap();
    assert_eq!(unseal(&sealed, "482915").unwrap().to_bytes(), key.to_bytes());
    assert_eq!(unseal(&sealed, "482916").unwrap_err(), PadesError::WrongPin);
    // Two seals of one key differ (fresh salt and nonce).
    assert_ne!(seal(&key, "482915").unwrap(), sealed);

    // Any altered byte is refused: the header is authenticated, the ciphertext is.
    for at in [20, sealed.len() - 1, 60] {
        let mut bad = sealed.clone();
        bad[at] ^= 1;
        assert!(unseal(&bad, "482915").is_err(), "byte {at}");
    }
    let mut bad = sealed.clone();
    bad[0] = b'X';
    assert!(matches!(unseal(&bad, "482915"), Err(PadesError::SealedKeyInvalid(_))));
    assert!(matches!(unseal(&sealed[..50], "482915"), Err(PadesError::SealedKeyInvalid(_))));
    // Parameters forged upwards (memory of 4 TiB) are refused before any work.
    let mut bad = sealed.clone();
    bad[5..9].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(unseal(&bad, "482915"), Err(PadesError::SealedKeyInvalid(_))));
}

#[test]
fn trivial_pins_are_refused() {
    for pin in [
        "",
        "12345",
        "000000",
        "111111",
        "123456",
        "654321",
        "abcdef",
        "121212",
        "123123",
        "112233",
        " 482915",
        "4829 15\n",
        &"7".repeat(33),
        "aaaaab",
    ] {
        assert!(matches!(check_pin(pin), Err(PadesError::WeakPin(_))), "{pin:?} should be refused");
    }
    for pin in ["482915", "ก9ข8ค7", "correct horse", "90817263", "Zq7#pL"] {
        assert!(check_pin(pin).is_ok(), "{pin:?} should be accepted");
    }
    assert!(matches!(seal(&generate_key().unwrap(), "123456"), Err(PadesError::WeakPin(_))));
}

#[test]
fn the_node_ca_round_trips_and_issues_chaining_certificates() {
    let ca = NodeCa::generate("Sarabun CA", now()).unwrap();
    let again = NodeCa::from_der(&ca.cert_der().unwrap(), &ca.key_der().unwrap()).unwrap();
    assert_eq!(again.cert, ca.cert);
    let pem = ca.cert_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let from_pem = NodeCa::from_pem(&pem, &ca.key_der().unwrap()).unwrap();
    assert_eq!(from_pem.cert, ca.cert);
    let other = NodeCa::generate("Other", now()).unwrap();
    assert!(NodeCa::from_der(&ca.cert_der().unwrap(), &other.key_der().unwrap()).is_err());
    // An empty or over-long name is refused.
    let public = sarabun_pades::p256::PublicKey::from(generate_key().unwrap().verifying_key());
    assert!(ca.issue(" ", "กรม", &public, now(), 1).is_err());
    assert!(ca.issue(&"ก".repeat(65), "กรม", &public, now(), 1).is_err());

    // A key that is not the certificate's cannot sign.
    let cert = ca.issue("ก ข", "กรม", &public, now(), 1).unwrap();
    let signer =
        Signer {
            key: generate_key().unwrap(), chain: vec![cert], name: "ก ข".into(), reason: None, location: None
        };
    assert!(matches!(sign(&lopdf_letter(1, false), &signer, now()), Err(PadesError::UnsupportedKey(_))));
    // Nor can a certificate sign outside its validity.
    let key = generate_key().unwrap();
    let cert = ca.issue("ก ข", "กรม", &sarabun_pades::p256::PublicKey::from(key.verifying_key()), now(), 1).unwrap();
    let expired = Signer { key, chain: vec![cert], name: "ก ข".into(), reason: None, location: None };
    let later = now() + chrono::Duration::days(400);
    assert!(matches!(sign(&lopdf_letter(1, false), &expired, later), Err(PadesError::Certificate(_))));
    let empty = Signer { key: generate_key().unwrap(), chain: vec![], name: "x".into(), reason: None, location: None };
    assert!(matches!(sign(&lopdf_letter(1, false), &empty, now()), Err(PadesError::Certificate(_))));
}

fn openssl(args: &[&str], dir: &std::path::Path) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_pkcs12_from_an_external_ca_imports_and_signs_valid() {
    use der::DecodePem as _;
    let dir = tmp();
    let d = dir.path();
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=External Test CA/O=Test",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        d,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "signer.key",
            "-out",
            "signer.csr",
            "-subj",
            "/CN=External Signer/O=Test",
        ],
        d,
    );
    std::fs::write(d.join("ext.cnf"), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n")
        .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "signer.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "signer.pem",
            "-days",
            "365",
            "-extfile",
            "ext.cnf",
        ],
        d,
    );
    openssl(
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "signer.key",
            "-in",
            "signer.pem",
            "-certfile",
            "ca.pem",
            "-out",
            "signer.p12",
            "-passout",
            "pass:p12-secret",
        ],
        d,
    );
    let p12 = std::fs::read(d.join("signer.p12")).unwrap();

    assert_eq!(pkcs12::import(&p12, "wrong").unwrap_err(), PadesError::WrongPassword);
    assert!(pkcs12::import(b"not a p12", "x").is_err());
    let (key, chain) = pkcs12::import(&p12, "p12-secret").unwrap();
    assert_eq!(chain.len(), 2, "leaf and its CA");
    let root = sarabun_pades::x509_cert::Certificate::from_pem(std::fs::read(d.join("ca.pem")).unwrap()).unwrap();
    assert_eq!(chain[1], root);
    let signer = Signer { key, chain, name: "External Signer".into(), reason: None, location: None };
    // Real wall-clock time: the OpenSSL certificates are valid from now on.
    let at =
        chrono::DateTime::<chrono::Utc>::from(std::fs::metadata(d.join("signer.pem")).unwrap().modified().unwrap());
    let signed = sign(&lopdf_letter(1, false), &signer, at).unwrap();
    let report = pdfsig(&nss(&[&root]), &signed);
    assert!(report.contains("Signature is Valid."), "{report}");
    assert!(report.contains("Certificate is Trusted."), "{report}");
    assert!(report.contains("External Signer"), "{report}");
    let checks = verify(&signed, &[root]).unwrap();
    assert!(checks[0].intact && checks[0].chain_trusted, "{:?}", checks[0]);

    // An RSA key is not taken.
    openssl(
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out", "rsa.pem", "-days", "1",
            "-subj", "/CN=RSA",
        ],
        d,
    );
    openssl(&["pkcs12", "-export", "-inkey", "rsa.key", "-in", "rsa.pem", "-out", "rsa.p12", "-passout", "pass:x"], d);
    let rsa = std::fs::read(d.join("rsa.p12")).unwrap();
    assert!(matches!(pkcs12::import(&rsa, "x"), Err(PadesError::UnsupportedKey(_))));
}
