//! Sending to recipients outside Sarabun (ส่งถึงผู้รับภายนอกระบบ): a letter's recipients may mix
//! directory offices and outside bodies — an organisation or a person, picked from the office's
//! address book or typed, with an e-mail address or a postal address. The letter is numbered and
//! sealed as any other (`send.rs`); in the same transaction each outside recipient gets an
//! `outside_deliveries` row, `queued` for e-mail or `awaiting_post` for post
//! (`domain::outside_send`).
//!
//! E-mail: the `letter.sent` event the sending transaction leaves is expanded by the notification
//! worker into one outbox e-mail per queued recipient (a short Thai and English note, the sealed PDF
//! and the `.jws` envelope attached, see [`Correspondence::outside_mail`]); the worker's outcome
//! moves the delivery — `sent` when the relay accepts, `bounced` on a 5xx, `failed` when the
//! retries run out — and a clerk records a bounce that came back later. Post: the clerk prints the
//! cover sheet (ใบนำส่ง, `cover_sheet.rs`) and records the day it was posted. Every move is a
//! conditional update and an audit entry of the letter. Only the sending office's clerks act on its
//! outside deliveries (`access.rs`).

use crate::address_book::NAME;
use crate::compose::{LINES, check_text};
use crate::directory::clean_email;
use crate::schema;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::{DateTime, NaiveDate, Utc};
use sarabun_domain::outside_send::{MAX_OUTSIDE_RECIPIENTS, check_posted_date};
use sarabun_domain::{BodyKind, EventKind, OutsideChannel, OutsideDeliveryState, OutsideSendRefusal, Secrecy, bangkok};
use sarabun_registry::entity::{letter, outside_delivery};
use sarabun_registry::outside_send::{self as store, Move};
use sarabun_registry::{Stored, directory, letters, new_id, outside};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// The user name the worker's moves are recorded under.
pub const OUTBOX_ACTOR: &str = "system:outbox";
/// The longest bounce reason a clerk may record, and the longest relay answer kept.
const REASON: sarabun_domain::TextRule = sarabun_domain::TextRule::lines(1000);

/// An outside recipient that passed every check.
#[derive(Debug, Clone)]
pub(crate) struct OutsideRecipient {
    pub body_id: Option<String>,
    pub kind: BodyKind,
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub channel: OutsideChannel,
}

/// A letter's recipient outside Sarabun, as the sender tracks it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutsideTrackingRow {
    /// The outside delivery's id (`/api/v1/outside/deliveries/{id}/…`).
    pub id: String,
    pub position: i32,
    /// The address-book entry it was picked from.
    pub body_id: Option<String>,
    #[schema(value_type = schema::BodyKind)]
    pub kind: BodyKind,
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    #[schema(value_type = schema::OutsideChannel)]
    pub channel: OutsideChannel,
    #[schema(value_type = schema::OutsideDeliveryState)]
    pub state: OutsideDeliveryState,
    /// The state in Thai, e.g. `รอส่งทางไปรษณีย์`.
    pub state_th: String,
    /// The relay's answer, or the clerk's reason, of a bounce or failure.
    pub reason: Option<String>,
    /// The day it was posted, `YYYY-MM-DD`.
    pub posted_on: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
    pub changed_by: Option<String>,
    /// The cover sheet (ใบนำส่ง) to print, for a recipient by post.
    pub cover_sheet: Option<String>,
}

pub(crate) fn tracking_row(d: outside_delivery::Model) -> OutsideTrackingRow {
    let channel = d.channel.get();
    let state = d.state.get();
    OutsideTrackingRow {
        cover_sheet: (channel == OutsideChannel::Post)
            .then(|| format!("/api/v1/outside/deliveries/{}/cover-sheet", d.id)),
        id: d.id,
        position: d.position,
        body_id: d.body_id,
        kind: d.kind.get(),
        name: d.name,
        email: d.email,
        postal_address: d.postal_address,
        channel,
        state,
        state_th: state.thai().to_owned(),
        reason: d.reason,
        posted_on: d.posted_on,
        changed_at: d.changed_at,
        changed_by: d.changed_by,
    }
}

fn refused(refusal: OutsideSendRefusal) -> RoutingError {
    RoutingError::OutsideSend(refusal)
}

/// The rows of a letter's outside recipients, as the sending transaction writes them.
pub(crate) fn delivery_rows(
    letter_id: &str,
    office_id: &str,
    outside: &[OutsideRecipient],
    now: DateTime<Utc>,
) -> Vec<outside_delivery::Model> {
    outside
        .iter()
        .enumerate()
        .map(|(i, r)| outside_delivery::Model {
            id: new_id(),
            letter_id: letter_id.to_owned(),
            office_id: office_id.to_owned(),
            position: i as i32,
            body_id: r.body_id.clone(),
            kind: Stored(r.kind),
            name: r.name.clone(),
            email: r.email.clone(),
            postal_address: r.postal_address.clone(),
            channel: Stored(r.channel),
            state: Stored(OutsideDeliveryState::first(r.channel)),
            reason: None,
            posted_on: None,
            created_at: now,
            changed_at: None,
            changed_by: None,
        })
        .collect()
}

/// What the worker needs to send one outside recipient its letter: whom, the words of the note,
/// and the two attachments.
#[derive(Debug, Clone)]
pub struct OutsideMail {
    pub outside_delivery_id: String,
    pub letter_id: String,
    /// The sending office (its admins list the e-mail).
    pub office_id: String,
    pub to_name: String,
    pub to_address: String,
    /// The letter number, e.g. `กค 0100/12`.
    pub letter_number: String,
    /// The letter's date in Thai, e.g. `1 ธันวาคม 2569`.
    pub letter_date_th: String,
    pub subject: String,
    pub from_office: String,
    pub from_office_code: String,
    pub signer_name: String,
    pub signer_position: String,
    /// The SHA-256 of the envelope (what `sarabun verify` names).
    pub envelope_sha256: String,
}

/// The two files an outside recipient's e-mail carries.
#[derive(Debug, Clone)]
pub struct OutsideAttachments {
    /// The sealed body PDF, byte for byte the document the envelope names.
    pub pdf_name: String,
    pub pdf: bytes::Bytes,
    /// The JWS envelope, compact serialisation, as `{number}.jws`.
    pub jws_name: String,
    pub jws: String,
}

/// How an outside e-mail ended, as the worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailOutcome {
    /// The relay accepted it.
    Sent,
    /// The relay refused it for good (a 5xx), with its answer.
    Refused(String),
    /// Every try failed (or the message could not be built), with the last error.
    Failed(String),
}

/// A file name of a letter number: `กค 0100/12` → `กค0100-12`.
fn file_stem(number: &str) -> String {
    number.chars().filter(|c| !c.is_whitespace()).map(|c| if c == '/' { '-' } else { c }).collect()
}

impl Correspondence {
    /// Checks the outside recipients of a letter being composed (see the module documentation).
    pub(crate) async fn check_outside_recipients(
        &self,
        actor: &Actor,
        inputs: &[crate::compose::OutsideRecipientInput],
        secrecy: Secrecy,
    ) -> Result<Vec<OutsideRecipient>, RoutingError> {
        if inputs.len() > MAX_OUTSIDE_RECIPIENTS {
            return Err(refused(OutsideSendRefusal::TooMany));
        }
        let mut checked: Vec<OutsideRecipient> = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let position = i + 1;
            let body = match input.body_id.as_deref().filter(|b| !b.trim().is_empty()) {
                Some(id) => Some(
                    outside::body_of_office(&self.db, &actor.office_id, id)
                        .await?
                        .ok_or_else(|| refused(OutsideSendRefusal::UnknownBody { position }))?,
                ),
                None => None,
            };
            let given = |v: &Option<String>| v.as_deref().filter(|t| !t.trim().is_empty()).map(str::to_owned);
            let name = given(&input.name).or_else(|| body.as_ref().map(|b| b.name.clone())).unwrap_or_default();
            let name = check_text("outside_recipients.name", &name, NAME)?;
            let email = given(&input.email).or_else(|| body.as_ref().and_then(|b| b.email.clone()));
            let email = email.map(|e| clean_email("outside_recipients.email", &e)).transpose()?;
            let postal = given(&input.postal_address).or_else(|| body.as_ref().and_then(|b| b.postal_address.clone()));
            let postal_address =
                postal.map(|a| check_text("outside_recipients.postal_address", &a, LINES)).transpose()?;
            let channel = OutsideChannel::for_addresses(email.is_some(), postal_address.is_some())
                .ok_or_else(|| refused(OutsideSendRefusal::NoAddress { position }))?;
            if channel == OutsideChannel::Email && secrecy != Secrecy::None {
                return Err(refused(OutsideSendRefusal::SecretByEmail { position }));
            }
            let kind = input.kind.or_else(|| body.as_ref().map(|b| b.kind.get())).unwrap_or(BodyKind::Organisation);
            let twice = checked.iter().any(|c| match channel {
                OutsideChannel::Email => c.email == email,
                OutsideChannel::Post => c.channel == channel && c.name == name && c.postal_address == postal_address,
            });
            if twice {
                return Err(refused(OutsideSendRefusal::Twice { position }));
            }
            checked.push(OutsideRecipient { body_id: body.map(|b| b.id), kind, name, email, postal_address, channel });
        }
        Ok(checked)
    }

    /// A letter's outside recipients as its sender (or an auditor) tracks them.
    pub(crate) async fn outside_tracking(&self, letter_id: &str) -> Result<Vec<OutsideTrackingRow>, RoutingError> {
        Ok(store::deliveries_of(&self.db, letter_id).await?.into_iter().map(tracking_row).collect())
    }

    /// Records the day a letter to an outside recipient by post was posted (not after today, not
    /// before the letter's date); audited.
    pub async fn record_posted(
        &self,
        actor: &Actor,
        id: &str,
        posted_on: NaiveDate,
    ) -> Result<OutsideTrackingRow, RoutingError> {
        let (delivery, letter) = self.own_outside_delivery(actor, id).await?;
        let now = self.clock.now();
        let today = now.with_timezone(&bangkok()).date_naive();
        let letter_date = NaiveDate::parse_from_str(&letter.letter_date, "%Y-%m-%d")
            .map_err(|_| RoutingError::Internal(format!("letter date {:?}", letter.letter_date)))?;
        check_posted_date(posted_on, letter_date, today).map_err(refused)?;
        let from = delivery.state.get();
        let to = from.post().map_err(refused)?;
        let change = Move { reason: None, posted_on: Some(posted_on.to_string()) };
        let detail = json!({
            "outside_delivery_id": delivery.id,
            "name": delivery.name,
            "posted_on": posted_on.to_string(),
        });
        self.move_outside(actor, &delivery, from, to, change, EventKind::OutsideLetterPosted, detail).await
    }

    /// Records that an e-mailed letter came back undelivered (a bounce that arrived after the relay
    /// accepted it), with the clerk's reason; audited.
    pub async fn record_bounce(
        &self,
        actor: &Actor,
        id: &str,
        reason: &str,
    ) -> Result<OutsideTrackingRow, RoutingError> {
        let reason = check_text("reason", reason, REASON)?;
        let (delivery, _) = self.own_outside_delivery(actor, id).await?;
        let from = delivery.state.get();
        if delivery.channel.get() != OutsideChannel::Email {
            return Err(refused(OutsideSendRefusal::State { state: from }));
        }
        let to = from.bounce().map_err(refused)?;
        let detail = json!({
            "outside_delivery_id": delivery.id,
            "name": delivery.name,
            "email": delivery.email.clone().unwrap_or_default(),
            "reason": reason,
            "recorded": true,
        });
        let change = Move { reason: Some(reason), posted_on: None };
        self.move_outside(actor, &delivery, from, to, change, EventKind::OutsideLetterBounced, detail).await
    }

    /// One move by a clerk: the conditional update and its audit entry, in one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn move_outside(
        &self,
        actor: &Actor,
        delivery: &outside_delivery::Model,
        from: OutsideDeliveryState,
        to: OutsideDeliveryState,
        change: Move,
        kind: EventKind,
        detail: serde_json::Value,
    ) -> Result<OutsideTrackingRow, RoutingError> {
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !store::move_delivery(&txn, &delivery.id, from, to, change, &actor.username, now).await? {
            txn.rollback().await?;
            let state = store::delivery_by_id(&self.db, &delivery.id).await?.map_or(from, |d| d.state.get());
            return Err(refused(OutsideSendRefusal::State { state }));
        }
        let event =
            AuditEvent::by(actor, kind, format!("letter/{}", delivery.letter_id), detail).letter(&delivery.letter_id);
        self.record(&txn, now, event).await?;
        let moved = store::delivery_by_id(&txn, &delivery.id).await?.ok_or(RoutingError::NotFound("delivery"))?;
        txn.commit().await?;
        tracing::info!(outside_delivery = %delivery.id, state = %to, "outside delivery moved");
        Ok(tracking_row(moved))
    }

    /// The cover sheet (ใบนำส่ง) of a letter to an outside recipient by post, as an A4 PDF.
    pub async fn cover_sheet(&self, actor: &Actor, id: &str) -> Result<Vec<u8>, RoutingError> {
        let (delivery, letter) = self.own_outside_delivery(actor, id).await?;
        if delivery.channel.get() != OutsideChannel::Post {
            return Err(RoutingError::NotFound("cover sheet"));
        }
        let office =
            directory::office_by_id(&self.db, &letter.office_id).await?.ok_or(RoutingError::NotFound("office"))?;
        let documents = letters::letter_documents(&self.db, &letter.id).await?;
        let sheet = crate::cover_sheet::CoverSheet {
            office_name: office.name_th,
            letter_number: letter.number.clone(),
            letter_date_th: sarabun_domain::thai_letter_date(&letter.letter_date),
            subject: letter.subject.clone(),
            addressee: delivery.name.clone(),
            postal_address: delivery.postal_address.clone().unwrap_or_default(),
            enclosures: documents.iter().skip(1).map(|d| d.name.clone()).collect(),
            enclosures_note: letter.enclosures_note.clone(),
            signer_name: letter.signer_name.clone(),
            signer_position: letter.signer_position.clone(),
        };
        tokio::task::spawn_blocking(move || sheet.render())
            .await
            .map_err(|e| RoutingError::Internal(format!("cover sheet thread: {e}")))?
            .map_err(|e| RoutingError::Internal(format!("cover sheet: {e}")))
    }

    /// The sealed PDF and the envelope an outside recipient's e-mail carries; `None` when the
    /// delivery is no longer queued (recalled before the worker took its e-mail).
    pub async fn outside_attachments(&self, id: &str) -> Result<Option<OutsideAttachments>, RoutingError> {
        let Some(d) = store::delivery_by_id(&self.db, id).await? else { return Ok(None) };
        if d.state.get() != OutsideDeliveryState::Queued {
            return Ok(None);
        }
        let Some(l) = letters::letter_by_id(&self.db, &d.letter_id).await? else { return Ok(None) };
        let documents = letters::letter_documents(&self.db, &l.id).await?;
        let body = documents.first().ok_or(RoutingError::NotFound("document"))?;
        let pdf = self.blobs.read(&body.sha256).await?;
        let stem = file_stem(&l.number);
        Ok(Some(OutsideAttachments {
            pdf_name: format!("{stem}.pdf"),
            pdf,
            jws_name: format!("{stem}.jws"),
            jws: l.envelope,
        }))
    }

    /// Records how an outside recipient's e-mail ended and moves its delivery (sent, bounced or
    /// failed), with an audit entry by `system:outbox`, in one transaction. A delivery that moved
    /// meanwhile (a clerk recorded a bounce) is left as it is.
    pub async fn outside_email_outcome(
        &self,
        id: &str,
        outcome: EmailOutcome,
        at: DateTime<Utc>,
    ) -> Result<(), RoutingError> {
        let Some(d) = store::delivery_by_id(&self.db, id).await? else { return Ok(()) };
        let from = d.state.get();
        let (to, kind, reason) = match &outcome {
            EmailOutcome::Sent => (from.email_sent(), EventKind::OutsideLetterEmailed, None),
            EmailOutcome::Refused(answer) => (from.bounce(), EventKind::OutsideLetterBounced, Some(answer.clone())),
            EmailOutcome::Failed(error) => (from.fail(), EventKind::OutsideLetterFailed, Some(error.clone())),
        };
        let Ok(to) = to else {
            tracing::warn!(outside_delivery = id, state = %from, ?outcome, "outside e-mail ended after its delivery moved");
            return Ok(());
        };
        let reason: Option<String> = reason.map(|r| r.chars().filter(|c| !c.is_control()).take(1000).collect());
        let office = directory::office_by_id(&self.db, &d.office_id).await?;
        let detail = crate::audit::detail(json!({
            "outside_delivery_id": d.id,
            "name": d.name,
            "email": d.email.clone().unwrap_or_default(),
            "answer": reason,
        }));
        let event = AuditEvent {
            actor: OUTBOX_ACTOR.to_owned(),
            office: office.map(|o| o.code).unwrap_or_default(),
            action: kind,
            subject: format!("letter/{}", d.letter_id),
            letter_id: Some(d.letter_id.clone()),
            delivery_id: None,
            detail,
        };
        let txn = self.db.begin().await?;
        let change = Move { reason, posted_on: None };
        if !store::move_delivery(&txn, &d.id, from, to, change, OUTBOX_ACTOR, at).await? {
            txn.rollback().await?;
            return Ok(());
        }
        self.record(&txn, at, event).await?;
        txn.commit().await?;
        tracing::info!(outside_delivery = id, state = %to, "outside e-mail outcome recorded");
        Ok(())
    }
}

/// The queued e-mail recipients of a letter, with what their notes say, read inside `conn` (the
/// worker's notice transaction).
pub(crate) async fn outside_mails(
    conn: &impl sea_orm::ConnectionTrait,
    letter_id: &str,
) -> Result<Vec<OutsideMail>, RoutingError> {
    let Some(l) = letters::letter_by_id(conn, letter_id).await? else { return Ok(Vec::new()) };
    let office = directory::office_by_id(conn, &l.office_id).await?;
    Ok(store::deliveries_of(conn, letter_id)
        .await?
        .into_iter()
        .filter(|d| d.state.get() == OutsideDeliveryState::Queued)
        .filter_map(|d| {
            let address = d.email.clone()?;
            Some(outside_mail(d, l.clone(), address, office.clone()))
        })
        .collect())
}

fn outside_mail(
    d: outside_delivery::Model,
    l: letter::Model,
    to_address: String,
    office: Option<sarabun_registry::entity::office::Model>,
) -> OutsideMail {
    OutsideMail {
        outside_delivery_id: d.id,
        office_id: l.office_id,
        letter_id: l.id,
        to_name: d.name,
        to_address,
        letter_date_th: sarabun_domain::thai_letter_date(&l.letter_date),
        letter_number: l.number,
        subject: l.subject,
        from_office: office.as_ref().map(|o| o.name_th.clone()).unwrap_or_default(),
        from_office_code: office.map(|o| o.code).unwrap_or_default(),
        signer_name: l.signer_name,
        signer_position: l.signer_position,
        envelope_sha256: l.envelope_sha256,
    }
}
