//! Rows as views: how a stored letter, delivery or document is shown — the shapes the use cases
//! return and the edges serialise.

use crate::RoutingError;
use crate::views::*;
use chrono::{DateTime, Utc};
use sarabun_domain::{RegisterNumber, YearBe, thai_letter_date};
use sarabun_registry::entity::{delivery, letter, letter_document, office};
use sarabun_signing::payload::DocumentRole;
use std::collections::HashMap;

/// A letter as a line of a list.
pub(crate) fn sent_item(l: letter::Model) -> Result<SentItem, RoutingError> {
    Ok(SentItem {
        urgency: l.urgency.get(),
        secrecy: l.secrecy.get(),
        letter_id: l.id,
        number: l.number,
        subject: l.subject,
        state: l.state.get(),
        sent_at: l.sent_at,
    })
}

pub(crate) fn office_ref(o: &office::Model) -> OfficeRef {
    OfficeRef { code: o.code.clone(), name_th: o.name_th.clone(), name_en: o.name_en.clone() }
}

pub(crate) fn receive_number(d: &delivery::Model) -> Option<String> {
    let year = YearBe::new(d.receive_year_be?)?;
    RegisterNumber::new(year, d.receive_seq?).map(|n| n.to_string())
}

pub(crate) fn tracking_row(
    due: &sarabun_domain::DueRule,
    d: &delivery::Model,
    letter: &letter::Model,
    offices: &HashMap<String, office::Model>,
    now: DateTime<Utc>,
) -> Result<TrackingRow, RoutingError> {
    let state = d.state.get();
    let office = offices.get(&d.recipient_office_id).map(office_ref).ok_or(RoutingError::NotFound("office"))?;
    Ok(TrackingRow {
        delivery_id: d.id.clone(),
        office,
        state,
        delivered_at: d.delivered_at,
        decided_at: d.decided_at,
        decided_by: d.decided_by.clone(),
        receive_number: receive_number(d),
        reason: d.reason.clone(),
        recalled_at: d.recalled_at,
        overdue: due.is_overdue(state, letter.urgency.get(), letter.deadline, d.delivered_at, now),
        has_receipt: d.receipt.is_some(),
        stamped_sha256: d.stamped_sha256.clone(),
        stamp_error: d.stamp_error.clone(),
        opened_at: d.opened_at,
    })
}

pub(crate) fn document_view(d: &letter_document::Model) -> Result<LetterDocumentView, RoutingError> {
    let role = match d.role.as_str() {
        "body" => DocumentRole::Body,
        "enclosure" => DocumentRole::Enclosure,
        other => return Err(RoutingError::Registry(sarabun_registry::RegistryError::Corrupt(format!("role {other}")))),
    };
    Ok(LetterDocumentView {
        position: d.position,
        name: d.name.clone(),
        media_type: d.media_type.clone(),
        size: d.size as u64,
        sha256: d.sha256.clone(),
        role,
    })
}

pub(crate) fn letter_view(
    l: letter::Model,
    documents: Vec<letter_document::Model>,
    recipients: Vec<TrackingRow>,
    offices: &HashMap<String, office::Model>,
) -> Result<LetterView, RoutingError> {
    let from = offices.get(&l.office_id).map(office_ref).ok_or(RoutingError::NotFound("office"))?;
    let letter_date_th = thai_letter_date(&l.letter_date);
    Ok(LetterView {
        id: l.id,
        number: l.number,
        series: l.series.get(),
        kind: l.kind.get(),
        subject: l.subject,
        addressee: l.addressee,
        urgency: l.urgency.get(),
        secrecy: l.secrecy.get(),
        letter_date: l.letter_date,
        letter_date_th,
        deadline: l.deadline,
        from,
        signer_name: l.signer_name,
        signer_position: l.signer_position,
        references: serde_json::from_str(&l.references_json).unwrap_or_default(),
        enclosures_note: l.enclosures_note,
        documents: documents.iter().map(document_view).collect::<Result<_, _>>()?,
        envelope_sha256: l.envelope_sha256,
        state: l.state.get(),
        sent_at: l.sent_at,
        recalled_at: l.recalled_at,
        recall_reason: l.recall_reason,
        recipients,
        outside_recipients: Vec::new(),
    })
}
