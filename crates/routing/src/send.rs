//! Sending: an uploaded document becomes part of the office's files, and a composed letter is
//! numbered from the send register, sealed with the office key (the JWS envelope) and delivered to
//! every recipient office in one transaction, so that a failure burns no number. A repeated request
//! with the same idempotency key answers with the letter first sent.

use crate::compose::{Compose, Composed, check_filename};
use crate::views::*;
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use bytes::Bytes;
use futures_util::stream::BoxStream;
use sarabun_domain::{EventKind, LetterNumber, LetterState, Permission, RegisterKind, YearBe, bangkok};
use sarabun_registry::blob::PutError;
use sarabun_registry::entity::{delivery, document, idempotency_key, letter, letter_document, register_entry};
use sarabun_registry::letters::{self as store, NewLetter};
use sarabun_registry::{Stored, new_id, numbering};
use sarabun_signing::jws::{self, JwsKind};
use sarabun_signing::payload::{DocumentRef, EnvelopePayload, PAYLOAD_VERSION, wire_time};
use sarabun_signing::sha256_hex;
use sea_orm::TransactionTrait;
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
        let request_sha256 = sha256_hex(&serde_json::to_vec(&compose).unwrap_or_default());
        if let Some(key) = idempotency_key
            && let Some(found) = store::idempotency_record(&self.db, &actor.user_id, key).await?
        {
            return self.replay(actor, found, &request_sha256).await;
        }
        let now = self.clock.now();
        let Composed {
            subject,
            addressee,
            signer_name,
            signer_position,
            enclosures_note,
            references,
            recipients,
            documents,
            sender,
        } = self.check_compose(actor, &compose, now).await?;
        let txn = self.db.begin().await?;
        if let Some(key) = idempotency_key {
            let claim = idempotency_key::Model {
                user_id: actor.user_id.clone(),
                key: key.to_owned(),
                request_sha256: request_sha256.clone(),
                letter_id: String::new(),
                created_at: now,
            };
            if let Err(e) = store::claim_idempotency_key(&txn, claim).await {
                txn.rollback().await?;
                if e.is_unique_violation() {
                    // Another request with this key won the race; answer as it did.
                    let found = store::idempotency_record(&self.db, &actor.user_id, key)
                        .await?
                        .ok_or(RoutingError::NotFound("idempotency record"))?;
                    return self.replay(actor, found, &request_sha256).await;
                }
                return Err(e.into());
            }
        }
        let year = YearBe::of(now);
        let number = numbering::take_next(&txn, &actor.office_id, RegisterKind::Send, compose.series, year).await?;
        let letter_number =
            LetterNumber { office: actor.office_code.clone(), series: compose.series, seq: number.seq.get() };
        let letter_id = new_id();
        let letter_date = now.with_timezone(&bangkok()).date_naive().to_string();
        let doc_refs: Vec<DocumentRef> = documents
            .iter()
            .map(|(d, role)| DocumentRef {
                name: d.filename.clone(),
                media_type: d.media_type.clone(),
                size: d.size as u64,
                sha256: d.sha256.clone(),
                role: *role,
            })
            .collect();
        let envelope = EnvelopePayload {
            v: PAYLOAD_VERSION,
            letter_id: letter_id.clone(),
            number: letter_number.to_string(),
            series: compose.series,
            date: letter_date.clone(),
            kind: compose.kind,
            subject: subject.as_str().to_owned(),
            urgency: compose.urgency,
            secrecy: compose.secrecy,
            from: actor.office_code.to_string(),
            to: recipients.iter().map(|o| o.code.clone()).collect(),
            references: references.clone(),
            documents: doc_refs.clone(),
            sealed_at: wire_time(now),
        };
        let key = self.keys.signing_key(&txn, &actor.office_id, now).await?;
        let sealed = jws::sign(JwsKind::Envelope, &envelope, &key)?;
        let to_text = recipients.iter().map(|o| o.name_th.as_str()).collect::<Vec<_>>().join(", ");
        let new = NewLetter {
            letter: letter::Model {
                id: letter_id.clone(),
                office_id: actor.office_id.clone(),
                kind: Stored(compose.kind),
                series: Stored(compose.series),
                year_be: year.get(),
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
                envelope_sha256: sha256_hex(sealed.as_bytes()),
                envelope: sealed,
                state: Stored(LetterState::Sent),
                sent_by: actor.user_id.clone(),
                sent_at: now,
                recalled_at: None,
                recall_reason: None,
                retention_years: compose.retention_years.unwrap_or(10),
                legal_hold: false,
            },
            documents: doc_refs
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
                .map(|o| delivery::Model::delivered(&letter_id, &o.id, now, compose.secrecy, compose.urgency))
                .collect(),
            register_entry: register_entry::Model {
                id: new_id(),
                office_id: actor.office_id.clone(),
                register: Stored(RegisterKind::Send),
                series: Stored(compose.series),
                year_be: year.get(),
                seq: i64::from(number.seq.get()),
                letter_id: letter_id.clone(),
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
        };
        let sent_event = AuditEvent::by(actor, EventKind::LetterSent,
            format!("letter/{letter_id}"),
            json!({
                "number": letter_number.to_string(),
                "from": actor.office_code.to_string(),
                "envelope_sha256": new.letter.envelope_sha256,
                "deliveries": new.deliveries.iter().zip(&recipients).map(|(d, o)| json!({"delivery_id": d.id, "to": o.code})).collect::<Vec<_>>(),
                "urgency": compose.urgency.as_str(),
                "secrecy": compose.secrecy.as_str(),
            }),
        )
        .letter(&letter_id);
        store::insert_letter(&txn, new).await?;
        if let Some(key) = idempotency_key {
            store::set_idempotency_letter(&txn, &actor.user_id, key, &letter_id).await?;
        }
        store::insert_event(&txn, EventKind::LetterSent, &letter_id, None, now).await?;
        self.record(&txn, now, sent_event).await?;
        txn.commit().await?;
        self.meter.count(crate::Counted::LetterSent);
        tracing::info!(letter_id = %letter_id, number = %letter_number, recipients = recipients.len(), "letter sent");
        Ok((self.letter(actor, &letter_id).await?, false))
    }

    async fn replay(
        &self,
        actor: &Actor,
        found: idempotency_key::Model,
        request_sha256: &str,
    ) -> Result<(LetterView, bool), RoutingError> {
        if found.request_sha256 != request_sha256 {
            return Err(RoutingError::IdempotencyMismatch);
        }
        Ok((self.letter(actor, &found.letter_id).await?, true))
    }
}
