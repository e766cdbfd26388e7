//! `sarabun verify-receipt`: checks a receipt or rejection (compact JWS) against a JWK Set, offline,
//! and says line by line what holds.

use sarabun_signing::payload::Decision;
use sarabun_signing::{Jwks, jws};

/// The outcome of verifying one receipt: the lines to print and whether everything held.
pub fn verify_receipt(receipt: &str, jwks_json: &str) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let jwks: Jwks = match serde_json::from_str(jwks_json) {
        Ok(j) => j,
        Err(e) => return (vec![format!("FAIL  JWK Set is not valid JSON: {e}")], false),
    };
    lines.push(format!("ok    JWK Set read: {} keys", jwks.keys.len()));
    match jws::verify_receipt(receipt, &jwks) {
        Ok((payload, key)) => {
            let what = match payload.decision {
                Decision::Received => "receipt",
                Decision::Rejected => "rejection",
            };
            lines.push(format!("ok    signature of the {what} verifies with key {} of office {}", key.kid, key.office));
            lines.push(format!("ok    key was in force at {}", payload.decided_at));
            lines.push(format!("      letter {}  delivery {}", payload.letter_id, payload.delivery_id));
            lines.push(format!("      envelope sha256 {}", payload.envelope_sha256));
            if let Some(n) = &payload.receive_number {
                lines.push(format!("      received as number {n} by {} of {}", payload.clerk, payload.recipient));
            }
            if let Some(r) = &payload.reason {
                lines.push(format!("      rejected by {} of {}: {r}", payload.clerk, payload.recipient));
            }
            (lines, true)
        }
        Err(e) => {
            lines.push(format!("FAIL  {e} ({})", e.code()));
            (lines, false)
        }
    }
}
