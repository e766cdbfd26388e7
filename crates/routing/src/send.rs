//! Sending: an uploaded document becomes part of the office's files, and a composed letter is
//! numbered from the send register, sealed with the office key (the JWS envelope) and delivered to
//! every recipient office in one transaction, so that a failure burns no number. A repeated request
//! with the same idempotency key answers with the letter first sent.

use crate::compose::{Compose, Composed, check_filename};
use crate::views::*;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use sarabun_domain::{EventKind, LetterNumber, LetterState, Permission, RegisterKind, RegisterNumber, YearBe, bangkok};
use sarabun_registry::blob::PutError;
use sarabun_registry::entity::{delivery, document, idempotency_key, letter, letter_document, register_entry};
use sarabun_registry::letters::{self as store, NewLetter};
use sarabun_registry::{Stored, new_id, numbering};
use sarabun_signing::jws::{self, JwsKind};
use sarabun_signing::payload::{DocumentRef, EnvelopePayload, PAYLOAD_VERSION, wire_time};
use sarabun_signing::sha256_hex;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde_json::json;

impl Correspondence {
    /// Stores an uploaded document for the actor's office, streaming it to the blob store. Its media
    /// type is sniffed from the bytes ([`crate::media::sniff`]); what the client declared is ignored.
    /// A stream that breaks off (a truncated body, a client that hung up) stores nothing.
    pub async fn upload(
        &self,
        actor: &Actor,
        filename: &str,
        stream: BoxStream<'_, Result<Bytes, String>>,
    ) -> Result<UploadedDocument, RoutingError> {
        actor.require(Permission::Send)?;
        let filename = check_filename(filename)?;
        let blob = self.blobs.put_stream(stream, self.limits.max_upload_bytes).await.map_err(|e| match e {
            PutError::TooLarge { limit } => RoutingError::TooLarge { limit },
            PutError::Source(cause) => RoutingError::UploadBroken(cause),
            other => RoutingError::Blob(other.to_string()),
        })?;
        let media_type = crate::media::sniff(&blob.head, &blob.tail).to_owned();
        let doc = document::Model {
            id: new_id(),
            office_id: actor.office_id.clone(),
            sha256: blob.sha256.clone(),
            size: blob.size as i64,
            media_type: media_type.clone(),
            filename: filename.clone(),
            uploaded_by: actor.user_id.clone(),
            uploaded_at: self.clock.now(),
        };
        let id = doc.id.clone();
        store::insert_document(&self.db, doc).await?;
        Ok(UploadedDocument { id, sha256: blob.sha256, filename, media_type, size: blob.size })
    }

    /// Forgets documents the actor's office uploaded in a request that then failed (a compose form
    /// whose body broke off after its first files), so a broken request leaves no uploads behind.
    pub async fn discard_uploads(&self, actor: &Actor, ids: &[String]) -> Result<(), RoutingError> {
        store::delete_documents(&self.db, &actor.office_id, ids).await?;
        Ok(())
    }

    /// Numbers, seals and sends a letter to every recipient, in one transaction. With an
    /// idempotency key, a repeat of the same request returns the letter first sent (and `true`).
    pub async fn send(
        &self,
        actor: &Actor,
        compose: Compose,
        idempotency_key: Option<&str>,
    ) -> Result<(LetterView, bool), RoutingError> {
        actor.require(Permission::Send)?;
        let (letter_id, replayed) = self.send_in(actor, compose, idempotency_key, None).await?;
        Ok((self.letter(actor, &letter_id).await?, replayed))
    }

    /// Sends as [`Correspondence::send`] does, after the caller checked who may send. With a signed
    /// draft, its signed PDF is the body: the number and date are written onto it once the number
    /// is taken, and the draft is marked sent in the same transaction.
    pub(crate) async fn send_in(
        &self,
        actor: &Actor,
        compose: Compose,
        idempotency_key: Option<&str>,
        signed: Option<crate::draft::SignedDraft>,
    ) -> Result<(String, bool), RoutingError> {
        let request_sha256 = sha256_hex(&serde_json::to_vec(&compose).unwrap_or_default());
        if let Some(key) = idempotency_key
            && let Some(found) = store::idempotency_record(&self.db, &actor.user_id, key).await?
        {
            return self.replay(found, &request_sha256).await;
        }
        let now = self.clock.now();
        let composed = self.check_compose(actor, &compose, now).await?;
        let txn = self.db.begin().await?;
        if let Some(key) = idempotency_key
            && !claim_key(&txn, actor, key, &request_sha256, now).await?
        {
            // Another request with this key won the race; answer as it did. The transaction goes
            // first: on SQLite its connection is the only one.
            txn.rollback().await?;
            let found = store::idempotency_record(&self.db, &actor.user_id, key)
                .await?
                .ok_or(RoutingError::NotFound("idempotency record"))?;
            return self.replay(found, &request_sha256).await;
        }
        let sealed = self.seal(&txn, actor, &compose, &composed, now, signed.as_ref()).await?;
        let (letter_id, letter_number) = (sealed.letter_id.clone(), sealed.letter_number.to_string());
        let recipients: Vec<(String, String)> =
            composed.recipients.iter().map(|o| (o.id.clone(), o.code.clone())).collect();
        let outside = crate::outside_send::delivery_rows(&letter_id, &actor.office_id, &composed.outside, now);
        let new = letter_rows(actor, &compose, composed, sealed, now);
        let mut detail = json!({
            "number": letter_number,
            "from": actor.office_code.to_string(),
            "envelope_sha256": new.letter.envelope_sha256,
            "deliveries": new.deliveries.iter().zip(&recipients)
                .map(|(d, (_, code))| json!({"delivery_id": d.id, "to": code})).collect::<Vec<_>>(),
            "urgency": compose.urgency.as_str(),
            "secrecy": compose.secrecy.as_str(),
        });
        if !outside.is_empty() {
            detail["outside"] = outside
                .iter()
                .map(|d| json!({"outside_delivery_id": d.id, "name": d.name, "channel": d.channel.get().as_str()}))
                .collect();
        }
        let sent_event =
            AuditEvent::by(actor, EventKind::LetterSent, format!("letter/{letter_id}"), detail).letter(&letter_id);
        let remote = crate::federation::RemoteLetter::of(&new.letter, &new.deliveries, &new.documents);
        store::insert_letter(&txn, new).await?;
        let remote_queued = self.queue_remote_letters(&txn, remote, now).await?;
        sarabun_registry::outside_send::insert_deliveries(&txn, outside).await?;
        if let Some(key) = idempotency_key {
            store::set_idempotency_letter(&txn, &actor.user_id, key, &letter_id).await?;
        }
        store::insert_event(&txn, EventKind::LetterSent, &letter_id, None, now).await?;
        self.record(&txn, now, sent_event).await?;
        if let Some(signed) = signed
            && let Err(e) = self.finish_signed(&txn, signed, &letter_id, &letter_number, now).await
        {
            txn.rollback().await?;
            return Err(e);
        }
        txn.commit().await?;
        if remote_queued > 0 {
            self.ring_outbox();
        }
        self.meter.count(crate::Counted::LetterSent);
        tracing::info!(letter_id = %letter_id, number = %letter_number, recipients = recipients.len(), "letter sent");
        Ok((letter_id, false))
    }

    /// Takes the next send-register number and seals the envelope with the office key.
    async fn seal(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        compose: &Compose,
        composed: &Composed,
        now: DateTime<Utc>,
        signed: Option<&crate::draft::SignedDraft>,
    ) -> Result<Sealed, RoutingError> {
        // The key is read before the number is taken: from then on other senders of the office
        // wait for this transaction's commit.
        let key = self.keys.signing_key(txn, &actor.office_id, now).await?;
        let year = YearBe::of(now);
        let number = numbering::take_next(txn, &actor.office_id, RegisterKind::Send, compose.series, year).await?;
        let letter_number = LetterNumber {
            office: actor.office_code.clone(),
            issuer: composed.sender.name_th.clone(),
            series: compose.series,
            seq: number.seq.get(),
            year,
        };
        let letter_id = new_id();
        let letter_date = now.with_timezone(&bangkok()).date_naive().to_string();
        let mut documents: Vec<DocumentRef> = composed
            .documents
            .iter()
            .map(|(d, role)| DocumentRef {
                name: d.filename.clone(),
                media_type: d.media_type.clone(),
                size: d.size as u64,
                sha256: d.sha256.clone(),
                role: *role,
            })
            .collect();
        if let Some(signed) = signed {
            // The number and date go onto the signed letter now that the number is taken; the
            // envelope then seals the letter as numbered.
            let numbered = self.number_signed(txn, actor, signed, &letter_number, &letter_date, now).await?;
            documents[0].sha256 = numbered.sha256;
            documents[0].size = numbered.size;
        }
        let payload = EnvelopePayload {
            v: PAYLOAD_VERSION,
            letter_id: letter_id.clone(),
            number: letter_number.to_string(),
            series: compose.series,
            date: letter_date.clone(),
            kind: compose.kind,
            subject: composed.subject.as_str().to_owned(),
            urgency: compose.urgency,
            secrecy: compose.secrecy,
            from: actor.office_code.to_string(),
            to: composed.recipients.iter().map(|o| o.code.clone()).collect(),
            references: composed.references.clone(),
            documents: documents.clone(),
            sealed_at: wire_time(now),
        };
        let envelope = jws::sign(JwsKind::Envelope, &payload, &key)?;
        Ok(Sealed { letter_id, number, letter_number, letter_date, documents, envelope })
    }

    async fn replay(
        &self,
        found: idempotency_key::Model,
        request_sha256: &str,
    ) -> Result<(String, bool), RoutingError> {
        if found.request_sha256 != request_sha256 {
            return Err(RoutingError::IdempotencyMismatch);
        }
        Ok((found.letter_id, true))
    }
}

/// Claims the idempotency key inside `txn`; `false` when another request holds it already.
async fn claim_key(
    txn: &DatabaseTransaction,
    actor: &Actor,
    key: &str,
    request_sha256: &str,
    now: DateTime<Utc>,
) -> Result<bool, RoutingError> {
    let claim = idempotency_key::Model {
        user_id: actor.user_id.clone(),
        key: key.to_owned(),
        request_sha256: request_sha256.to_owned(),
        letter_id: String::new(),
        created_at: now,
    };
    match store::claim_idempotency_key(txn, claim).await {
        Ok(()) => Ok(true),
        Err(e) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A letter numbered and sealed inside the sending transaction.
struct Sealed {
    letter_id: String,
    number: RegisterNumber,
    letter_number: LetterNumber,
    /// The letter's date, `YYYY-MM-DD` in Bangkok.
    letter_date: String,
    documents: Vec<DocumentRef>,
    /// The sealed envelope, compact JWS.
    envelope: String,
}

/// The rows one sent letter writes: the letter, its documents, a delivery per recipient and the
/// send-register line.
fn letter_rows(actor: &Actor, compose: &Compose, composed: Composed, sealed: Sealed, now: DateTime<Utc>) -> NewLetter {
    let Composed {
        subject,
        addressee,
        signer_name,
        signer_position,
        enclosures_note,
        references,
        recipients,
        sender,
        outside,
        ..
    } = composed;
    let Sealed { letter_id, number, letter_number, letter_date, documents, envelope } = sealed;
    // The register's "to" names every recipient, the outside ones after the offices.
    let to_text = recipients
        .iter()
        .map(|o| o.name_th.as_str())
        .chain(outside.iter().map(|r| r.name.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    NewLetter {
        letter: letter::Model {
            id: letter_id.clone(),
            office_id: actor.office_id.clone(),
            kind: Stored(compose.kind),
            series: Stored(compose.series),
            year_be: number.year.get(),
            seq: i64::from(number.seq.get()),
            number: letter_number.to_string(),
            letter_date: letter_date.clone(),
            subject: subject.as_str().to_owned(),
            addressee,
            urgency: Stored(compose.urgency),
            secrecy: Stored(compose.secrecy),
            deadline: compose.deadline,
            signer_name,
            signer_position,
            references_json: serde_json::to_string(&references).unwrap_or_else(|_| "[]".into()),
            enclosures_note,
            envelope_sha256: sha256_hex(envelope.as_bytes()),
            envelope,
            state: Stored(LetterState::Sent),
            sent_by: actor.user_id.clone(),
            sent_at: now,
            recalled_at: None,
            recall_reason: None,
            retention_years: compose.retention_years.unwrap_or(10),
            legal_hold: false,
            origin: Stored(sarabun_domain::LetterOrigin::Sarabun),
        },
        documents: documents
            .iter()
            .enumerate()
            .map(|(i, d)| letter_document::Model {
                letter_id: letter_id.clone(),
                position: i as i32,
                sha256: d.sha256.clone(),
                name: d.name.clone(),
                media_type: d.media_type.clone(),
                size: d.size as i64,
                role: d.role.as_str().into(),
            })
            .collect(),
        deliveries: recipients
            .iter()
            .map(|o| {
                delivery::Model::delivered(&letter_id, &actor.office_id, &o.id, now, compose.secrecy, compose.urgency)
            })
            .collect(),
        register_entry: register_entry::Model {
            id: new_id(),
            office_id: actor.office_id.clone(),
            register: Stored(RegisterKind::Send),
            series: Stored(compose.series),
            year_be: number.year.get(),
            seq: i64::from(number.seq.get()),
            letter_id,
            delivery_id: None,
            recorded_at: now,
            letter_number: letter_number.to_string(),
            letter_date,
            from_text: sender.name_th.clone(),
            to_text,
            subject: subject.into_string(),
            action: None,
            remarks: None,
            cancelled: false,
        },
    }
}
