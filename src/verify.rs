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

/// `sarabun verify BUNDLE`: checks a trail bundle offline — every signature (envelope, receipts,
/// checkpoint), every inclusion proof, that each entry concerns the letter, and the digests of the
/// documents carried. Keys come from the bundle unless pinned: `log_key` (the log's verifier key
/// string) and `jwks` (a JWK Set obtained separately) replace the bundle's own.
pub fn verify_bundle(bundle_json: &str, log_key: Option<&str>, jwks: Option<&str>) -> (Vec<String>, bool) {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use sarabun_routing::TrailBundle;
    let mut lines = Vec::new();
    let mut ok = true;
    let mut check = |lines: &mut Vec<String>, held: bool, what: String| {
        lines.push(format!("{}  {what}", if held { "ok  " } else { "FAIL" }));
        ok &= held;
    };
    let bundle: TrailBundle = match serde_json::from_str(bundle_json) {
        Ok(b) => b,
        Err(e) => return (vec![format!("FAIL  not a trail bundle: {e}")], false),
    };
    check(&mut lines, bundle.format == "sarabun-trail-bundle/1", format!("format {}", bundle.format));
    let jwks: Jwks = match jwks {
        Some(text) => match serde_json::from_str(text) {
            Ok(j) => {
                lines.push("      using the JWK Set given on the command line".into());
                j
            }
            Err(e) => return (vec![format!("FAIL  JWK Set: {e}")], false),
        },
        None => {
            lines.push("      using the JWK Set inside the bundle (pin one with --jwks)".into());
            bundle.jwks.clone()
        }
    };
    let log_key = match log_key {
        Some(k) => k.trim().to_owned(),
        None => {
            lines.push("      using the log key inside the bundle (pin one with --log-key)".into());
            bundle.log_key.clone()
        }
    };

    // The envelope and the decisions on it.
    let envelope = jws::verify_envelope(&bundle.envelope, &jwks);
    let envelope_sha256 = sarabun_signing::sha256_hex(bundle.envelope.trim().as_bytes());
    match &envelope {
        Ok((payload, key)) => check(
            &mut lines,
            payload.letter_id == bundle.letter_id,
            format!("envelope of letter {} signed by {} ({})", payload.number, key.office, key.kid),
        ),
        Err(e) => check(&mut lines, false, format!("envelope: {e}")),
    }
    for receipt in &bundle.receipts {
        match jws::verify_receipt(receipt, &jwks) {
            Ok((p, key)) => {
                let same = p.letter_id == bundle.letter_id && p.envelope_sha256 == envelope_sha256;
                let what = match p.decision {
                    Decision::Received => format!(
                        "receipt by {} ({}), number {}",
                        p.recipient,
                        key.kid,
                        p.receive_number.clone().unwrap_or_default()
                    ),
                    Decision::Rejected => {
                        format!("rejection by {} ({}): {}", p.recipient, key.kid, p.reason.clone().unwrap_or_default())
                    }
                };
                check(&mut lines, same, if same { what } else { format!("{what} — answers another envelope") });
            }
            Err(e) => check(&mut lines, false, format!("receipt: {e}")),
        }
    }

    // The checkpoint and every entry's inclusion in it.
    let checkpoint =
        sarabun_audit::parse_verifier_key(&log_key).and_then(|v| sarabun_audit::open_note(&bundle.checkpoint, &[v]));
    let checkpoint = match checkpoint {
        Ok(c) => {
            check(&mut lines, true, format!("checkpoint of {} entries signed by the log key of {}", c.size, c.origin));
            Some(c)
        }
        Err(e) => {
            check(&mut lines, false, format!("checkpoint: {e}"));
            None
        }
    };
    for item in &bundle.entries {
        let value: serde_json::Value = serde_json::from_str(&item.entry).unwrap_or_default();
        let about_letter = value["subject"] == format!("letter/{}", bundle.letter_id)
            || value["detail"]["letter_id"] == bundle.letter_id.as_str();
        let label = format!(
            "entry {} {} by {} at {}",
            item.index,
            value["action"].as_str().unwrap_or("?"),
            value["actor"].as_str().unwrap_or("?"),
            value["at"].as_str().unwrap_or("?")
        );
        let Some(cp) = &checkpoint else {
            check(&mut lines, false, format!("{label}: no trusted checkpoint to prove it against"));
            continue;
        };
        let proof: Result<Vec<[u8; 32]>, String> = item
            .inclusion_proof
            .iter()
            .map(|h| {
                STANDARD.decode(h).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| "malformed proof hash".to_owned())
            })
            .collect();
        let included = proof.and_then(|p| {
            sarabun_audit::verify_inclusion(
                &sarabun_audit::leaf_hash(item.entry.as_bytes()),
                item.index,
                cp.size,
                &p,
                &cp.root,
            )
            .map_err(|e| e.to_string())
        });
        let index_ok = value["index"].as_u64() == Some(item.index);
        match included {
            Ok(()) if about_letter && index_ok => check(&mut lines, true, format!("{label}: in the log")),
            Ok(()) => check(&mut lines, false, format!("{label}: in the log but not about this letter")),
            Err(e) => check(&mut lines, false, format!("{label}: {e}")),
        }
    }

    // Documents carried must be those the envelope sealed.
    if let Ok((payload, _)) = &envelope {
        for doc in &bundle.documents {
            let bytes = STANDARD.decode(&doc.content_base64).unwrap_or_default();
            let digest = sarabun_signing::sha256_hex(&bytes);
            let sealed = payload.documents.iter().any(|d| d.sha256 == digest);
            check(&mut lines, sealed && digest == doc.sha256, format!("document {} sha256 {digest}", doc.name));
        }
    }
    (lines, ok)
}
