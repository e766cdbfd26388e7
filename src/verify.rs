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

/// `sarabun verify-envelope`: checks a letter's sealed envelope (compact JWS) against a JWK Set,
/// offline, and, given the letter's PDF, that it is byte for byte the body the envelope seals.
pub fn verify_envelope(envelope: &str, jwks_json: &str, document: Option<&[u8]>) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let jwks: Jwks = match serde_json::from_str(jwks_json) {
        Ok(j) => j,
        Err(e) => return (vec![format!("FAIL  JWK Set is not valid JSON: {e}")], false),
    };
    lines.push(format!("ok    JWK Set read: {} keys", jwks.keys.len()));
    let (payload, key) = match jws::verify_envelope(envelope, &jwks) {
        Ok(found) => found,
        Err(e) => {
            lines.push(format!("FAIL  {e} ({})", e.code()));
            return (lines, false);
        }
    };
    lines.push(format!(
        "ok    seal of letter {} verifies with key {} of office {}",
        payload.number, key.kid, key.office
    ));
    lines.push(format!("      dated {}, from {}, subject {}", payload.date, payload.from, payload.subject));
    let Some(document) = document else { return (lines, true) };
    let digest = sarabun_signing::sha256_hex(document);
    match payload.documents.iter().find(|d| d.sha256 == digest) {
        Some(d) => {
            lines.push(format!("ok    the PDF is the sealed {} {:?} (sha256 {digest})", d.role.as_str(), d.name));
            (lines, true)
        }
        None => {
            lines.push(format!("FAIL  the PDF (sha256 {digest}) is not a document this envelope seals"));
            (lines, false)
        }
    }
}

/// `sarabun verify BUNDLE`: checks a trail bundle offline — every signature (envelope, receipts,
/// checkpoint, manifest), every inclusion proof, that each entry concerns the letter, the digests
/// of the documents carried, and that the bundle is complete: every entry its signed manifest lists
/// is there with its proof, nothing else is, and every recipient the envelope names has its
/// decision (entry and matching receipt or rejection) or is listed undecided ([`check_complete`]).
/// A `sarabun-trail-bundle/1`, made before manifests, cannot show that it is complete, so it never
/// holds. Keys come from the bundle unless pinned: `log_key` (the log's verifier key string) and
/// `jwks` (a JWK Set obtained separately) replace the bundle's own.
pub fn verify_bundle(bundle_json: &str, log_key: Option<&str>, jwks: Option<&str>) -> (Vec<String>, bool) {
    verify_bundle_with(bundle_json, Pins { log_key, jwks, ..Pins::default() })
}

/// Whether at least `required` of the `witnesses` cosigned the checkpoint note (C2SP
/// tlog-cosignature): each witness counted once, a line under a witness's name and key ID that does
/// not verify failing the check. Returns the line to print.
fn check_witnesses(
    note: &str,
    log: Option<&sarabun_audit::Verifier>,
    witnesses: &[String],
    required: usize,
) -> (bool, String) {
    let mut keys = Vec::new();
    for w in witnesses {
        match sarabun_audit::parse_cosigner_key(w) {
            Ok(k) => keys.push(k),
            Err(e) => return (false, format!("witness key {w}: {e}")),
        }
    }
    let Some(log) = log else {
        return (false, "witnesses: no trusted log key to open the checkpoint with".into());
    };
    let opened = match sarabun_audit::note::open(note, std::slice::from_ref(log)) {
        Ok(o) => o,
        Err(e) => return (false, format!("witnesses: {e}")),
    };
    match sarabun_audit::verify_cosignatures(&opened.text, &opened.unverified, &keys) {
        Ok(found) => {
            let names: Vec<&str> = found.iter().map(|c| c.witness.as_str()).collect();
            let held = found.len() >= required;
            let what = format!(
                "checkpoint cosigned by {} of the {} witnesses given ({}), {} required",
                found.len(),
                keys.len(),
                if names.is_empty() { "none".to_owned() } else { names.join(", ") },
                required
            );
            (held, if held { what } else { format!("{what}: too few witnesses cosigned the checkpoint") })
        }
        Err(e) => (false, format!("witnesses: a cosignature does not verify: {e}")),
    }
}

/// What an auditor pins instead of trusting the bundle's own copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pins<'a> {
    /// The log's verifier key.
    pub log_key: Option<&'a str>,
    /// The JWK Set (JSON).
    pub jwks: Option<&'a str>,
    /// The node's certificate authority root (PEM).
    pub ca: Option<&'a str>,
    /// The witnesses' verifier keys (C2SP vkeys of type 0x04) the auditor trusts.
    pub witnesses: &'a [String],
    /// How many of `witnesses` must have cosigned the checkpoint (of every part).
    pub require_witnesses: usize,
    /// The peer nodes' log verifier keys the auditor obtained from their operators; each peer part
    /// must name one of them.
    pub peer_log_keys: &'a [String],
}

/// Which part of a bundle is being checked: the sending node's own, or a peer's part inside it
/// (whose manifest names only the recipients that peer serves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Sender,
    Peer,
}

/// [`verify_bundle`], also checking the signers' PDF signatures on the letter's body against the
/// node's CA root (pinned, or the bundle's).
pub fn verify_bundle_with(bundle_json: &str, pins: Pins<'_>) -> (Vec<String>, bool) {
    verify_part(bundle_json, pins, Part::Sender)
}

fn verify_part(bundle_json: &str, pins: Pins<'_>, part: Part) -> (Vec<String>, bool) {
    let Pins { log_key, jwks, ca, witnesses, require_witnesses, peer_log_keys } = pins;
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
    let known_format = [sarabun_routing::BUNDLE_FORMAT, "sarabun-trail-bundle/1"].contains(&bundle.format.as_str());
    check(&mut lines, known_format, format!("format {}", bundle.format));
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
    let verifier = sarabun_audit::parse_verifier_key(&log_key);
    let checkpoint = verifier.clone().and_then(|v| sarabun_audit::open_note(&bundle.checkpoint, &[v]));
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
    if !witnesses.is_empty() || require_witnesses > 0 {
        let (held, what) = check_witnesses(&bundle.checkpoint, verifier.as_ref().ok(), witnesses, require_witnesses);
        check(&mut lines, held, what);
    }
    // The letter's deliveries, as its `letter.sent` entry lists them: the exchange's entries about a
    // remote recipient (the peer's answer, the decision that came back) name only the delivery.
    let letter_subject = format!("letter/{}", bundle.letter_id);
    let deliveries: std::collections::HashSet<String> = bundle
        .entries
        .iter()
        .filter_map(|item| serde_json::from_str::<serde_json::Value>(&item.entry).ok())
        .flat_map(|v| {
            let mut found = Vec::new();
            if v["action"] == "letter.sent" && v["subject"] == letter_subject.as_str() {
                found.extend(
                    v["detail"]["deliveries"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|d| d["delivery_id"].as_str().map(str::to_owned)),
                );
            }
            // At a node the letter came to from a peer, its delivery is named by the arrival
            // entry, which carries the digest of this very envelope.
            if v["action"] == "exchange.letter_arrived" && v["detail"]["envelope_sha256"] == envelope_sha256.as_str() {
                found.extend(v["subject"].as_str().and_then(|s| s.strip_prefix("delivery/")).map(str::to_owned));
            }
            found
        })
        .collect();
    for item in &bundle.entries {
        let value: serde_json::Value = serde_json::from_str(&item.entry).unwrap_or_default();
        let about_letter = value["subject"] == letter_subject.as_str()
            || value["detail"]["letter_id"] == bundle.letter_id.as_str()
            || value["subject"]
                .as_str()
                .and_then(|s| s.strip_prefix("delivery/"))
                .is_some_and(|d| deliveries.contains(d));
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

    // A matter's routed copy must hold the stamped copy and every step's copy as prefixes.
    for doc in bundle.documents.iter().filter(|d| d.role == sarabun_routing::ROUTED_ROLE) {
        let (held, what) = check_routed(doc, &bundle.entries);
        check(&mut lines, held, what);
    }

    // Documents carried must be those the envelope sealed.
    if let Ok((payload, _)) = &envelope {
        for doc in bundle.documents.iter().filter(|d| d.role != sarabun_routing::ROUTED_ROLE) {
            let bytes = STANDARD.decode(&doc.content_base64).unwrap_or_default();
            let digest = sarabun_signing::sha256_hex(&bytes);
            let sealed = payload.documents.iter().any(|d| d.sha256 == digest);
            check(&mut lines, sealed && digest == doc.sha256, format!("document {} sha256 {digest}", doc.name));
        }
    }

    // The signer's own PDF signatures on the body: intact, by a certificate of the node's CA.
    let ca = match ca {
        Some(pem) => {
            lines.push("      using the CA root given on the command line".into());
            Some(pem.to_owned())
        }
        None => bundle.ca_pem.clone(),
    };
    for doc in bundle.documents.iter().filter(|d| d.role == "body") {
        for (held, what) in check_pdf_signatures(doc, ca.as_deref()) {
            check(&mut lines, held, what);
        }
    }

    // Nothing left out.
    let recipients = envelope.as_ref().ok().map(|(p, _)| p.to.clone());
    for (held, what) in
        check_complete(&bundle, &jwks, verifier.ok().as_ref(), checkpoint.as_ref(), recipients.as_deref(), part)
    {
        check(&mut lines, held, what);
    }

    // The peers' parts of a letter that crossed nodes.
    if part == Part::Peer && !bundle.peers.is_empty() {
        check(&mut lines, false, "a peer's part carries peer parts of its own".into());
    }
    if part == Part::Sender {
        for peer in &bundle.peers {
            let pins = Pins { log_key: None, jwks: None, ca: None, witnesses, require_witnesses, peer_log_keys };
            for (held, what) in check_peer_part(&bundle, &jwks, peer, pins) {
                check(&mut lines, held, what);
            }
        }
    }
    (lines, ok)
}

/// A peer's part of a bundle, each check as (held, what): the part verified as a bundle of its own
/// with the peer's log key (one the auditor gave with `--peer-log-key`, or, when none was given, the
/// part's own, said so), the witnesses required of every part, and that it agrees with the
/// sender's part: the same letter, the same envelope byte for byte, and for each recipient the peer
/// serves whose decision the sender holds, that very receipt or rejection (so the receive number
/// too) accounted for by the peer's own decision entry.
fn check_peer_part(
    sender: &sarabun_routing::TrailBundle,
    sender_jwks: &Jwks,
    peer: &sarabun_routing::PeerPart,
    pins: Pins<'_>,
) -> Vec<(bool, String)> {
    let short = peer.peer.get(..16).unwrap_or(&peer.peer);
    let name = format!("peer {short} ({})", peer.recipients.join(", "));
    let mut out = Vec::new();
    let Some(part) = &peer.bundle else {
        let why = peer.missing.as_deref().unwrap_or("no reason given");
        out.push((false, format!("{name}: its part of the trail is missing from the bundle: {why}")));
        return out;
    };
    let log_key = part.log_key.trim();
    let pinned = if pins.peer_log_keys.is_empty() {
        out.push((true, format!("{name}: using the log key inside its part (pin one with --peer-log-key)")));
        true
    } else {
        let given = pins.peer_log_keys.iter().any(|k| k.trim() == log_key);
        out.push((
            given,
            if given {
                format!("{name}: its part names the log key given with --peer-log-key {log_key}")
            } else {
                format!("{name}: its part's log key {log_key} is none of those given with --peer-log-key")
            },
        ));
        given
    };
    if !pinned {
        return out;
    }
    // The peer's receipts are signed with its offices' keys, the envelope with the sender's.
    let mut jwks = part.jwks.clone();
    let extra: Vec<_> =
        sender_jwks.keys.iter().filter(|k| !jwks.keys.iter().any(|j| j.kid == k.kid)).cloned().collect();
    jwks.keys.extend(extra);
    let jwks_json = serde_json::to_string(&jwks).unwrap_or_default();
    let part_json = serde_json::to_string(part).unwrap_or_default();
    let (lines, _) = verify_part(
        &part_json,
        Pins { log_key: Some(log_key), jwks: Some(&jwks_json), ca: None, peer_log_keys: &[], ..pins },
        Part::Peer,
    );
    for line in lines {
        let (status, text) = line.split_at(line.len().min(6));
        match status.trim() {
            "ok" => out.push((true, format!("{name}: {text}"))),
            "FAIL" => out.push((false, format!("{name}: {text}"))),
            _ => out.push((true, format!("{name}: {}", line.trim()))),
        }
    }
    out.push((part.letter_id == sender.letter_id, format!("{name}: its part is about letter {}", part.letter_id)));
    out.push((
        part.envelope.trim() == sender.envelope.trim(),
        format!("{name}: its part carries the same envelope as the sender's"),
    ));
    for code in &peer.recipients {
        let held: Vec<&String> = sender
            .receipts
            .iter()
            .filter(|r| jws::verify_receipt(r, sender_jwks).is_ok_and(|(p, _)| p.recipient == *code))
            .collect();
        if held.is_empty() {
            out.push((true, format!("{name}: {code}: the sender holds no decision of it yet")));
            continue;
        }
        for receipt in held {
            let same = part.receipts.iter().any(|r| r.trim() == receipt.trim());
            let number = jws::verify_receipt(receipt, sender_jwks)
                .ok()
                .and_then(|(p, _)| p.receive_number)
                .map_or_else(|| "a rejection".to_owned(), |n| format!("receive number {n}"));
            out.push((
                same,
                if same {
                    format!("{name}: {code}: the peer's part accounts for the receipt the sender holds ({number})")
                } else {
                    format!("{name}: {code}: the receipt the sender holds ({number}) is not the one in the peer's part")
                },
            ));
        }
    }
    out
}

/// The PDF signatures on a body document, each checked against `ca` (PEM): intact (the signed
/// bytes as signed, the CMS signature the certificate's), and the certificate chaining to the CA.
fn check_pdf_signatures(doc: &sarabun_routing::BundleDocument, ca: Option<&str>) -> Vec<(bool, String)> {
    use base64::Engine;
    use sarabun_pades::x509_cert::{Certificate, der::DecodePem};
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&doc.content_base64) else { return Vec::new() };
    if !bytes.starts_with(b"%PDF") {
        return Vec::new();
    }
    let roots: Vec<Certificate> = ca.and_then(|pem| Certificate::from_pem(pem.as_bytes()).ok()).into_iter().collect();
    match sarabun_pades::verify(&bytes, &roots) {
        Ok(checks) => checks
            .into_iter()
            .map(|c| {
                let what = format!(
                    "PDF signature of {} by {} ({}){}{}, {} later revision(s)",
                    doc.name,
                    c.signer_name,
                    c.subject,
                    if c.intact {
                        ""
                    } else {
                        ": the signed bytes were changed or the signature is not the certificate's"
                    },
                    if c.chain_trusted {
                        ", certificate of the node's CA"
                    } else {
                        ", certificate NOT of the node's CA"
                    },
                    c.later_revisions
                );
                (c.intact && c.chain_trusted, what)
            })
            .collect(),
        Err(e) => vec![(false, format!("PDF signature of {}: {e}", doc.name))],
    }
}

/// Checks a matter's routed copy against the bundle's entries: its digest is that of the last step
/// that wrote a minute, and the stamped copy and each step's copy are byte-exact prefixes of it,
/// each ending at one of its `%%EOF` markers.
fn check_routed(doc: &sarabun_routing::BundleDocument, entries: &[sarabun_routing::BundleEntry]) -> (bool, String) {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let delivery = doc.name.strip_prefix("routed-").and_then(|n| n.strip_suffix(".pdf")).unwrap_or_default();
    let bytes = STANDARD.decode(&doc.content_base64).unwrap_or_default();
    let digest = sarabun_signing::sha256_hex(&bytes);
    if digest != doc.sha256 {
        return (false, format!("routed copy of delivery {delivery}: its bytes do not match sha256 {}", doc.sha256));
    }
    // Every prefix that ends at an end-of-file marker (with the line end after it, if any).
    let mut prefixes = std::collections::HashSet::new();
    let mut from = 0;
    while let Some(at) = bytes[from..].windows(5).position(|w| w == b"%%EOF") {
        let end = from + at + 5;
        for eol in [&b""[..], b"\n", b"\r\n", b"\r"] {
            if bytes[end..].starts_with(eol) {
                prefixes.insert(sarabun_signing::sha256_hex(&bytes[..end + eol.len()]));
            }
        }
        from = end;
    }
    let mut expected = Vec::new();
    for item in entries {
        let value: serde_json::Value = serde_json::from_str(&item.entry).unwrap_or_default();
        let action = value["action"].as_str().unwrap_or_default();
        let subject = value["subject"].as_str().unwrap_or_default();
        let stamped = value["detail"]["stamped_sha256"].as_str().filter(|s| !s.is_empty());
        if let (true, Some(sha)) = (action == "delivery.received" && subject == format!("delivery/{delivery}"), stamped)
        {
            expected.push(("the stamped copy".to_owned(), sha.to_owned()));
        }
        let routed = value["detail"]["routed_sha256"].as_str();
        if let (true, Some(sha)) =
            (action.starts_with("route.") && subject.starts_with(&format!("route/{delivery}/")), routed)
        {
            expected.push((format!("step {} ({action})", value["detail"]["seq"]), sha.to_owned()));
        }
    }
    let Some((_, last)) = expected.iter().rev().find(|(what, _)| what.starts_with("step")) else {
        return (false, format!("routed copy of delivery {delivery}: no step in the bundle wrote it"));
    };
    if *last != digest {
        return (false, format!("routed copy of delivery {delivery} is not the copy of its last step"));
    }
    let missing: Vec<&str> =
        expected.iter().filter(|(_, sha)| !prefixes.contains(sha)).map(|(w, _)| w.as_str()).collect();
    if missing.is_empty() {
        (
            true,
            format!(
                "routed copy of delivery {delivery}: the stamped copy and {} steps' copies are its prefixes",
                expected.len().saturating_sub(1)
            ),
        )
    } else {
        (false, format!("routed copy of delivery {delivery} does not contain {} as a prefix", missing.join(", ")))
    }
}

/// The completeness checks of a bundle, each as (held, what), against its manifest: signed by the
/// log key, about this letter and this checkpoint; every listed entry present (its proof is checked
/// with the others) and no other; every recipient of the envelope listed once; each decision's
/// entry present and answered by exactly one receipt or rejection in the bundle that matches it
/// (recipient, decision, receive number, digest); no receipt the manifest does not account for.
fn check_complete(
    bundle: &sarabun_routing::TrailBundle,
    jwks: &Jwks,
    verifier: Option<&sarabun_audit::Verifier>,
    checkpoint: Option<&sarabun_audit::Checkpoint>,
    envelope_to: Option<&[String]>,
    part: Part,
) -> Vec<(bool, String)> {
    use sarabun_routing::{ManifestScope, RecipientState, TrailManifest};
    let mut out = Vec::new();
    if bundle.format != sarabun_routing::BUNDLE_FORMAT {
        out.push((
            false,
            format!(
                "completeness cannot be shown: a {} carries no signed manifest, so entries, receipts or \
                 decisions may have been left out; export the trail again from the node",
                bundle.format
            ),
        ));
        return out;
    }
    let Some(note) = &bundle.manifest else {
        out.push((false, "the bundle has no manifest, so it cannot show that nothing was left out".into()));
        return out;
    };
    let (Some(verifier), Some(cp)) = (verifier, checkpoint) else {
        out.push((false, "manifest: no trusted log key and checkpoint to check it against".into()));
        return out;
    };
    let manifest = match sarabun_audit::note::open(note, std::slice::from_ref(verifier))
        .map_err(|e| e.to_string())
        .and_then(|n| TrailManifest::parse_note_text(&n.text).map_err(|e| e.to_string()))
    {
        Ok(m) => m,
        Err(e) => {
            out.push((false, format!("manifest: {e}")));
            return out;
        }
    };
    let scope = match &manifest.scope {
        ManifestScope::All => "every recipient".to_owned(),
        ManifestScope::Office(code) => format!("as office {code} sees it"),
    };
    out.push((
        manifest.letter_id == bundle.letter_id && manifest.tree_size == cp.size && manifest.root == cp.root,
        format!(
            "manifest signed by the log key: letter {}, {} entries, {} recipients ({scope}), complete as of the \
             checkpoint of {} entries",
            manifest.letter_id,
            manifest.entries.len(),
            manifest.recipients.len(),
            manifest.tree_size
        ),
    ));

    // Entries: exactly those listed, once each.
    let present: Vec<u64> = bundle.entries.iter().map(|e| e.index).collect();
    for index in &manifest.entries {
        if !present.contains(index) {
            out.push((false, format!("entry {index} is listed in the manifest but missing from the bundle")));
        }
    }
    for (n, index) in present.iter().enumerate() {
        if !manifest.entries.contains(index) {
            out.push((false, format!("entry {index} is in the bundle but not in the manifest")));
        } else if present[..n].contains(index) {
            out.push((false, format!("entry {index} appears twice")));
        }
    }
    if manifest.entries == present {
        out.push((true, format!("all {} entries the manifest lists are present, and no other", present.len())));
    }

    // Recipients: each of the envelope once, each decision with its entry and receipt.
    if let Some(to) = envelope_to {
        let mut named: Vec<&str> = manifest.recipients.iter().map(|(c, _)| c.as_str()).collect();
        let mut sealed: Vec<&str> = to.iter().map(String::as_str).collect();
        named.sort_unstable();
        sealed.sort_unstable();
        if part == Part::Sender {
            out.push((
                named == sealed,
                format!("the manifest names every recipient of the envelope ({}) once", sealed.join(", ")),
            ));
        } else {
            // A peer knows only the recipients it serves.
            out.push((
                !named.is_empty() && named.iter().all(|c| sealed.contains(c)),
                format!("the manifest names recipients of the envelope this node serves ({})", named.join(", ")),
            ));
        }
    }
    let receipts: Vec<(String, Option<sarabun_signing::payload::ReceiptPayload>)> = bundle
        .receipts
        .iter()
        .map(|r| {
            let payload = jws::verify_receipt(r, jwks).ok().map(|(p, _)| p);
            (sarabun_signing::sha256_hex(r.as_bytes()), payload)
        })
        .collect();
    let mut used = vec![false; receipts.len()];
    let entry_json = |index: u64| {
        bundle
            .entries
            .iter()
            .find(|e| e.index == index)
            .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.entry).ok())
    };
    for (code, state) in &manifest.recipients {
        let (index, decision, action) = match state {
            RecipientState::Received(i) => (*i, Decision::Received, "received"),
            RecipientState::Rejected(i) => (*i, Decision::Rejected, "rejected"),
            RecipientState::Undecided => {
                out.push((true, format!("{code}: undecided at the checkpoint")));
                continue;
            }
            RecipientState::Withheld => {
                // Only another office's handling may be withheld, and only in an office's bundle.
                let shown = matches!(&manifest.scope, ManifestScope::Office(own) if own != code);
                out.push((shown, format!("{code}: not shown in this office's bundle")));
                continue;
            }
        };
        let what = if decision == Decision::Received { "receipt" } else { "rejection" };
        let Some(entry) = entry_json(index) else {
            out.push((false, format!("{code}: its decision (entry {index}) is missing from the bundle")));
            continue;
        };
        let detail = &entry["detail"];
        // The recipient's own decision, or, for a recipient at another node, the entry that
        // recorded its decision when it came back.
        let is_decision = entry["action"] == format!("delivery.{action}")
            || (entry["action"] == "exchange.decision_arrived" && detail["decision"] == action);
        if !is_decision || detail["recipient"] != code.as_str() {
            out.push((false, format!("{code}: entry {index} is not its {what}")));
            continue;
        }
        let delivery = entry["subject"].as_str().and_then(|s| s.strip_prefix("delivery/")).unwrap_or_default();
        // A receipt from another node names that node's delivery: there the digest ties it.
        let arrived = entry["action"] == "exchange.decision_arrived";
        let found = receipts.iter().position(|(sha, p)| {
            detail["receipt_sha256"] == sha.as_str()
                && p.as_ref().is_some_and(|p| {
                    p.recipient == *code
                        && p.decision == decision
                        && (arrived || p.delivery_id == delivery)
                        && p.letter_id == bundle.letter_id
                        && (decision == Decision::Rejected
                            || p.receive_number.as_deref() == detail["receive_number"].as_str())
                })
        });
        match found {
            Some(n) if !used[n] => {
                used[n] = true;
                out.push((true, format!("{code}: {what} present and matching entry {index}")));
            }
            _ => out.push((false, format!("{code}: the {what} of entry {index} is missing from the bundle"))),
        }
    }
    for (n, (_, payload)) in receipts.iter().enumerate() {
        if !used[n] {
            let by = payload.as_ref().map_or("?", |p| p.recipient.as_str());
            out.push((false, format!("a receipt or rejection by {by} answers no decision the manifest lists")));
        }
    }
    let decisions: Vec<u64> = manifest
        .recipients
        .iter()
        .filter_map(|(_, s)| match s {
            RecipientState::Received(i) | RecipientState::Rejected(i) => Some(*i),
            _ => None,
        })
        .collect();
    for e in &bundle.entries {
        let action = serde_json::from_str::<serde_json::Value>(&e.entry).ok().map(|v| v["action"].clone());
        let decision = action
            .as_ref()
            .is_some_and(|a| a == "delivery.received" || a == "delivery.rejected" || a == "exchange.decision_arrived");
        if decision && !decisions.contains(&e.index) {
            out.push((false, format!("entry {} is a decision the manifest gives no recipient", e.index)));
        }
    }
    out
}
