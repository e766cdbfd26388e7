//! Signing and verification round trips, and the ways a forged or altered object must fail.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeZone, Utc};
use sarabun_signing::jws::{self, JwsKind};
use sarabun_signing::payload::{Decision, ReceiptPayload, wire_time};
use sarabun_signing::{Jwk, Jwks, OfficeKey, SigningError};

fn receipt(recipient: &str) -> ReceiptPayload {
    ReceiptPayload {
        v: 1,
        delivery_id: "d-1".into(),
        letter_id: "l-1".into(),
        envelope_sha256: "00".repeat(32),
        recipient: recipient.into(),
        decision: Decision::Received,
        receive_number: Some("1/2569".into()),
        stamped_sha256: None,
        reason: None,
        decided_at: wire_time(Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()),
        clerk: "clerk.cgd".into(),
    }
}

fn setup() -> (OfficeKey, Jwks) {
    let key = OfficeKey::from_seed([7; 32]);
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let jwks = Jwks { keys: vec![Jwk::new("กค 0409", &key.public(), from, None)] };
    (key, jwks)
}

#[test]
fn a_receipt_verifies_and_round_trips() {
    let (key, jwks) = setup();
    let compact = jws::sign(JwsKind::Receipt, &receipt("กค 0409"), &key).unwrap();
    let (payload, jwk) = jws::verify_receipt(&compact, &jwks).unwrap();
    assert_eq!(payload, receipt("กค 0409"));
    assert_eq!(jwk.kid, key.kid());
    let header = URL_SAFE_NO_PAD.decode(compact.split('.').next().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(header).unwrap(),
        format!("{{\"alg\":\"EdDSA\",\"kid\":\"{}\",\"typ\":\"sarabun-receipt+jws\"}}", key.kid())
    );
}

#[test]
fn a_tampered_payload_fails() {
    let (key, jwks) = setup();
    let compact = jws::sign(JwsKind::Receipt, &receipt("กค 0409"), &key).unwrap();
    let parts: Vec<&str> = compact.split('.').collect();
    let mut forged = receipt("กค 0409");
    forged.receive_number = Some("2/2569".into());
    let forged_payload = URL_SAFE_NO_PAD.encode(sarabun_signing::canonical::to_canonical(&forged).unwrap());
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert!(matches!(jws::verify_receipt(&tampered, &jwks), Err(SigningError::BadSignature)));
}

#[test]
fn a_key_cannot_speak_for_another_office_or_time() {
    let (key, jwks) = setup();
    let compact = jws::sign(JwsKind::Receipt, &receipt("กค 0302"), &key).unwrap();
    assert!(matches!(jws::verify_receipt(&compact, &jwks), Err(SigningError::Claim(_))));

    let mut early = receipt("กค 0409");
    early.decided_at = "2025-06-01T00:00:00.000Z".into();
    let compact = jws::sign(JwsKind::Receipt, &early, &key).unwrap();
    assert!(matches!(jws::verify_receipt(&compact, &jwks), Err(SigningError::Claim(_))));
}

#[test]
fn wrong_type_unknown_key_and_garbage_fail() {
    let (key, jwks) = setup();
    let as_rejection = jws::sign(JwsKind::Rejection, &receipt("กค 0409"), &key).unwrap();
    assert!(matches!(jws::verify_receipt(&as_rejection, &jwks), Err(SigningError::WrongType { .. })));
    let stranger = OfficeKey::from_seed([9; 32]);
    let compact = jws::sign(JwsKind::Receipt, &receipt("กค 0409"), &stranger).unwrap();
    assert!(matches!(jws::verify_receipt(&compact, &jwks), Err(SigningError::UnknownKey(_))));
    for garbage in ["", "a.b", "a.b.c.d", "!!.??.##", "e30.e30.AAAA"] {
        assert!(jws::verify(garbage, &jwks).is_err(), "{garbage}");
    }
}
