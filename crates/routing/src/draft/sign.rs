//! Signing a draft: only the signer on the chain (or who stands in for them today), whose position
//! may sign the letter's kind, with their own signing PIN — which opens their private key and is
//! throttled like a sign-in. The latest version is signed with a PAdES signature by that person
//! (`sarabun_pades`), outside any transaction; then the letter is sent as any other: in one
//! transaction its number is taken, the number and date are written onto the signed letter as a
//! later revision the signature permits, the envelope is sealed, and the draft is marked sent —
//! so a crash, a lost race or a second click leaves either a sent letter or nothing, and a number
//! is never burnt.

use super::seat::DraftSeatRows;
use super::write::{compose_of, draft_step};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::draft::{may_act, may_sign, signing_position};
use sarabun_domain::{DraftState, DraftStepKind, EventKind, LetterNumber};
use sarabun_registry::drafts::{self, DraftMove};
use sarabun_registry::entity::{document, draft_step};
use sarabun_registry::letters as store;
use sarabun_registry::{new_id, route as routes};
use sea_orm::DatabaseTransaction;
use serde_json::json;

/// A draft signed and ready to be numbered and sent, carried into the sending transaction.
pub struct SignedDraft {
    draft_id: String,
    revision: i64,
    version: i32,
    /// The PDF as signed (no number yet).
    signed_pdf: Vec<u8>,
    filename: String,
    step: draft_step::Model,
    audit: AuditEvent,
}

/// A numbered body stored in the blob store.
pub(crate) struct Numbered {
    pub sha256: String,
    pub size: u64,
}

impl Correspondence {
    /// Signs the draft's latest version (`version`, the one the signer looked at) with the
    /// actor's own key opened by `pin`, numbers it and sends it; the draft as it is then.
    pub async fn sign_draft(
        &self,
        actor: &Actor,
        draft_id: &str,
        version: i32,
        pin: &str,
    ) -> Result<super::DraftView, RoutingError> {
        let seat = self.draft_seat(&self.db, actor, draft_id).await?;
        may_act(DraftStepKind::Sign, seat.draft.state.get(), seat.seat).map_err(RoutingError::DraftRefused)?;
        if version != seat.draft.latest_version {
            return Err(RoutingError::DraftChanged);
        }
        let position = self.signing_position_of(&seat).await?;
        let key = self.open_signing_key(actor, &seat.me, pin).await?;
        let office = sarabun_registry::directory::office_by_id(&self.db, &actor.office_id)
            .await?
            .ok_or(RoutingError::NotFound("office"))?;
        let latest = drafts::versions_of(&self.db, draft_id)
            .await?
            .into_iter()
            .find(|v| v.number == version)
            .ok_or(RoutingError::NotFound("draft version"))?;
        let pdf = self.blobs.read(&latest.pdf_sha256).await?;
        let now = self.clock.now();
        let signer = sarabun_pades::Signer {
            key: key.key,
            chain: key.chain,
            name: seat.me.full_name.clone(),
            reason: Some(format!("ลงนาม {}", position)),
            location: Some(office.name_th.clone()),
        };
        let started = std::time::Instant::now();
        let signed_pdf = tokio::task::spawn_blocking(move || {
            let prepared = sarabun_pades::prepare(&pdf)?;
            sarabun_pades::sign(&prepared, &signer, now)
        })
        .await
        .map_err(|e| RoutingError::Internal(e.to_string()))?
        .map_err(|e| RoutingError::PdfSignature(e.to_string()))?;
        tracing::info!(draft_id, ms = started.elapsed().as_millis() as u64, bytes = signed_pdf.len(), "draft signed");
        let signed_sha256 = self.store_bytes(signed_pdf.clone()).await?;
        self.ensure_office_document(actor, &signed_sha256, signed_pdf.len() as i64, &latest.filename, now).await?;
        let compose = compose_of(&seat.fields, &signed_sha256, &seat.me.full_name, &position);
        let for_user = seat.for_whom.as_ref().map(|s| s.absent_user_id.clone());
        let step = draft_step(draft_id, DraftStepKind::Sign, &seat.me, for_user.as_deref(), version, None, now);
        let detail = crate::audit::detail(json!({
            "version": version,
            "signed_sha256": signed_sha256,
            "certificate_sha256": key.fingerprint,
            "position": position,
            "for": for_user,
        }));
        let audit = AuditEvent::by(actor, EventKind::DraftSigned, format!("draft/{draft_id}"), detail);
        let signed = SignedDraft {
            draft_id: draft_id.to_owned(),
            revision: seat.draft.revision,
            version,
            signed_pdf,
            filename: latest.filename.clone(),
            step,
            audit,
        };
        self.send_in(actor, compose, None, Some(signed)).await?;
        self.draft(actor, draft_id).await
    }

    /// The position written under the signature, once the signer is known to be allowed to sign:
    /// their own, or the absent signer's with the words of standing in.
    async fn signing_position_of(&self, seat: &DraftSeatRows) -> Result<String, RoutingError> {
        let holder = seat.holder().ok_or(RoutingError::DraftRefused(sarabun_domain::DraftRefusal::NotYours))?;
        let whose_power = holder.user_id.as_str();
        let authority = routes::authority_of(&self.db, whose_power).await?;
        if !may_sign(seat.fields.kind, authority) {
            return Err(RoutingError::MayNotSign(seat.me.username.clone()));
        }
        match (&seat.for_whom, seat.standing_in()) {
            (Some(s), Some(kind)) => {
                let absent = sarabun_registry::directory::user_by_id(&self.db, &s.absent_user_id)
                    .await?
                    .ok_or(RoutingError::NotFound("signer"))?;
                Ok(signing_position(&seat.me.position, Some((kind, &absent.position))))
            }
            _ => Ok(signing_position(&seat.me.position, None)),
        }
    }

    /// Inside the sending transaction: writes the number and date onto the signed letter and makes
    /// the result a document of the office.
    pub(crate) async fn number_signed(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        signed: &SignedDraft,
        number: &LetterNumber,
        letter_date: &str,
        now: DateTime<Utc>,
    ) -> Result<Numbered, RoutingError> {
        let number_text = number.on_letter();
        let date_text = sarabun_domain::thai_letter_date(letter_date);
        let numbered = sarabun_pades::fill(&signed.signed_pdf, &number_text, &date_text)
            .map_err(|e| RoutingError::PdfSignature(e.to_string()))?;
        let size = numbered.len() as u64;
        let sha256 = self.store_bytes(numbered).await?;
        if store::office_document(txn, &actor.office_id, &sha256).await?.is_none() {
            store::insert_document(
                txn,
                document::Model {
                    id: new_id(),
                    office_id: actor.office_id.clone(),
                    sha256: sha256.clone(),
                    size: size as i64,
                    media_type: crate::media::PDF.to_owned(),
                    filename: signed.filename.clone(),
                    uploaded_by: actor.user_id.clone(),
                    uploaded_at: now,
                },
            )
            .await?;
        }
        Ok(Numbered { sha256, size })
    }

    /// Inside the sending transaction, after the letter is written: the draft is sent, by a
    /// conditional update that a second signature (or any racing step) loses.
    pub(crate) async fn finish_signed(
        &self,
        txn: &DatabaseTransaction,
        signed: SignedDraft,
        letter_id: &str,
        letter_number: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RoutingError> {
        let to = DraftMove {
            state: DraftState::Sent,
            position: 0,
            latest_version: signed.version,
            letter_id: Some(letter_id.to_owned()),
            fields: None,
        };
        if !drafts::move_draft(txn, &signed.draft_id, signed.revision, to, now).await? {
            return Err(RoutingError::DraftChanged);
        }
        let step_id = signed.step.id.clone();
        drafts::insert_step(txn, signed.step).await?;
        let mut audit = signed.audit.letter(letter_id);
        if let Some(detail) = audit.detail.as_object_mut() {
            detail.insert("letter_id".into(), json!(letter_id));
            detail.insert("letter_number".into(), json!(letter_number));
            detail.insert("state".into(), json!(DraftState::Sent.as_str()));
        }
        self.record(txn, now, audit).await?;
        store::insert_draft_event(txn, EventKind::DraftSigned, &signed.draft_id, &step_id, now).await?;
        Ok(())
    }
}
