//! Writing a draft: starting it with its fields and first version, and each new version the drafter
//! uploads (every one kept and downloadable). A file is a PDF, or a DOCX/ODT document that the node
//! converts to PDF with LibreOffice, keeping the original beside it. The fields are checked as the
//! letter would be when sent, with the version as its body, so a draft that could never be sent is
//! refused when it is written, not when the signer signs it.

use super::{DraftFields, DraftSource};
use crate::compose::{Compose, check_filename};
use crate::{Actor, AuditEvent, Correspondence, RoutingError};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sarabun_domain::draft::may_act;
use sarabun_domain::{DraftState, DraftStepKind, EventKind, Permission};
use sarabun_registry::drafts::{self, DraftMove};
use sarabun_registry::entity::{document, draft, draft_step, draft_version, user};
use sarabun_registry::letters as store;
use sarabun_registry::{Stored, new_id};
use sea_orm::TransactionTrait;
use serde_json::json;

/// A file the drafter uploaded, in full.
#[derive(Debug, Clone)]
pub struct DraftFile {
    pub filename: String,
    pub bytes: Bytes,
}

/// A version ready to be written: the PDF stored (and the original, when converted).
pub(crate) struct StoredVersion {
    pdf_sha256: String,
    pdf_size: i64,
    source: Option<(String, &'static str)>,
    filename: String,
}

impl Correspondence {
    /// Starts a draft of the actor's office with its fields and first version.
    pub async fn start_draft(
        &self,
        actor: &Actor,
        fields: DraftFields,
        file: DraftFile,
    ) -> Result<super::DraftView, RoutingError> {
        actor.require(Permission::Draft)?;
        let me =
            sarabun_registry::directory::user_by_id(&self.db, &actor.user_id).await?.ok_or(RoutingError::NoSession)?;
        let version = self.store_version(file).await?;
        let now = self.clock.now();
        let subject = self.check_draft_fields(actor, &me, &fields, &version, now).await?;
        let id = new_id();
        let row = draft::Model {
            id: id.clone(),
            office_id: actor.office_id.clone(),
            drafter_user_id: me.id.clone(),
            state: Stored(DraftState::Drafting),
            fields_json: serde_json::to_string(&fields).map_err(|e| RoutingError::Internal(e.to_string()))?,
            subject,
            position: 0,
            latest_version: 1,
            revision: 0,
            letter_id: None,
            created_at: now,
            updated_at: now,
        };
        let step = draft_step(&id, DraftStepKind::Start, &me, None, 1, None, now);
        let detail = json!({"subject": row.subject, "version": 1, "pdf_sha256": version.pdf_sha256,
            "kind": fields.kind.as_str(), "secrecy": fields.secrecy.as_str()});
        let txn = self.db.begin().await?;
        drafts::insert_draft(&txn, row, version_row(&id, 1, &version, &me, now), step).await?;
        self.record(&txn, now, AuditEvent::by(actor, EventKind::DraftStarted, format!("draft/{id}"), detail)).await?;
        txn.commit().await?;
        tracing::info!(draft_id = %id, "draft started");
        self.draft(actor, &id).await
    }

    /// Adds a new version of a draft the actor wrote, while it is with them (being written, or
    /// returned for revision), with new fields when given; a returned draft is then being written
    /// again.
    pub async fn revise_draft(
        &self,
        actor: &Actor,
        draft_id: &str,
        file: DraftFile,
        fields: Option<DraftFields>,
    ) -> Result<super::DraftView, RoutingError> {
        let seat = self.draft_seat(&self.db, actor, draft_id).await?;
        may_act(DraftStepKind::Revise, seat.draft.state.get(), seat.seat).map_err(RoutingError::DraftRefused)?;
        let version = self.store_version(file).await?;
        let now = self.clock.now();
        let changed = fields.is_some();
        let fields = fields.unwrap_or_else(|| seat.fields.clone());
        let subject = self.check_draft_fields(actor, &seat.me, &fields, &version, now).await?;
        let fields = changed
            .then(|| serde_json::to_string(&fields).map(|json| (json, subject)))
            .transpose()
            .map_err(|e| RoutingError::Internal(e.to_string()))?;
        let number = seat.draft.latest_version + 1;
        let detail = json!({"version": number, "pdf_sha256": version.pdf_sha256, "fields_changed": changed});
        let txn = self.db.begin().await?;
        let moved = drafts::move_draft(
            &txn,
            draft_id,
            seat.draft.revision,
            DraftMove { state: DraftState::Drafting, position: 0, latest_version: number, letter_id: None, fields },
            now,
        )
        .await?;
        if !moved {
            txn.rollback().await?;
            return Err(RoutingError::DraftChanged);
        }
        drafts::insert_version(&txn, version_row(draft_id, number, &version, &seat.me, now)).await?;
        drafts::insert_step(&txn, draft_step(draft_id, DraftStepKind::Revise, &seat.me, None, number, None, now))
            .await?;
        let event = AuditEvent::by(actor, EventKind::DraftRevised, format!("draft/{draft_id}"), detail);
        self.record(&txn, now, event).await?;
        txn.commit().await?;
        self.draft(actor, draft_id).await
    }

    /// Sniffs, converts when needed, and stores a draft file; nothing is written to the database.
    async fn store_version(&self, file: DraftFile) -> Result<StoredVersion, RoutingError> {
        let filename = check_filename(&file.filename)?;
        if file.bytes.len() as u64 > self.limits.max_upload_bytes {
            return Err(RoutingError::TooLarge { limit: self.limits.max_upload_bytes });
        }
        let source = DraftSource::sniff(&file.bytes).ok_or(RoutingError::DraftFormat)?;
        let (pdf, original) = match source {
            DraftSource::Pdf => (file.bytes.to_vec(), None),
            other => {
                let pdf = self.converter.to_pdf(other, &file.bytes).await?;
                let original = self.store_bytes(file.bytes.to_vec()).await?;
                (pdf, Some((original, other.media_type())))
            }
        };
        // A draft that could not be signed later is refused now, with the reason.
        let checked = pdf.clone();
        tokio::task::spawn_blocking(move || sarabun_pades::prepare(&checked))
            .await
            .map_err(|e| RoutingError::Internal(e.to_string()))?
            .map_err(|e| RoutingError::Field { field: "file", message: format!("not a usable PDF: {e}") })?;
        let pdf_size = pdf.len() as i64;
        let pdf_sha256 = self.store_bytes(pdf).await?;
        Ok(StoredVersion { pdf_sha256, pdf_size, source: original, filename })
    }

    /// Checks a draft's fields as the letter would be checked when sent, with `version` as its
    /// body; the cleaned subject.
    async fn check_draft_fields(
        &self,
        actor: &Actor,
        me: &user::Model,
        fields: &DraftFields,
        version: &StoredVersion,
        now: DateTime<Utc>,
    ) -> Result<String, RoutingError> {
        self.ensure_office_document(actor, &version.pdf_sha256, version.pdf_size, &version.filename, now).await?;
        let compose = compose_of(fields, &version.pdf_sha256, &me.full_name, &me.position);
        let composed = self.check_compose(actor, &compose, now).await?;
        Ok(composed.subject.into_string())
    }

    /// Makes `sha256` a document of the actor's office (the body of the letter the draft becomes),
    /// unless it is one already.
    pub(crate) async fn ensure_office_document(
        &self,
        actor: &Actor,
        sha256: &str,
        size: i64,
        filename: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RoutingError> {
        if store::office_document(&self.db, &actor.office_id, sha256).await?.is_some() {
            return Ok(());
        }
        store::insert_document(
            &self.db,
            document::Model {
                id: new_id(),
                office_id: actor.office_id.clone(),
                sha256: sha256.to_owned(),
                size,
                media_type: crate::media::PDF.to_owned(),
                filename: pdf_name(filename),
                uploaded_by: actor.user_id.clone(),
                uploaded_at: now,
            },
        )
        .await?;
        Ok(())
    }
}

/// The letter a draft becomes, with `body_sha256` as its body and the given signer.
pub(crate) fn compose_of(fields: &DraftFields, body_sha256: &str, signer_name: &str, signer_position: &str) -> Compose {
    Compose {
        kind: fields.kind,
        series: fields.series,
        subject: fields.subject.clone(),
        addressee: fields.addressee.clone(),
        recipients: fields.recipients.clone(),
        urgency: fields.urgency,
        secrecy: fields.secrecy,
        deadline: fields.deadline,
        body_sha256: body_sha256.to_owned(),
        enclosure_sha256: fields.enclosure_sha256.clone(),
        enclosures_note: fields.enclosures_note.clone(),
        references: fields.references.iter().map(Into::into).collect(),
        signer_name: signer_name.to_owned(),
        signer_position: signer_position.to_owned(),
        retention_years: fields.retention_years,
        outside_recipients: Vec::new(),
    }
}

/// The name a converted version's PDF goes by: the uploaded name with `.pdf` for its extension.
fn pdf_name(filename: &str) -> String {
    match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.eq_ignore_ascii_case("pdf") => format!("{stem}.pdf"),
        _ => filename.to_owned(),
    }
}

fn version_row(
    draft_id: &str,
    number: i32,
    v: &StoredVersion,
    by: &user::Model,
    at: DateTime<Utc>,
) -> draft_version::Model {
    draft_version::Model {
        draft_id: draft_id.to_owned(),
        number,
        pdf_sha256: v.pdf_sha256.clone(),
        pdf_size: v.pdf_size,
        source_sha256: v.source.as_ref().map(|(sha, _)| sha.clone()),
        source_media_type: v.source.as_ref().map(|(_, media)| (*media).to_owned()),
        filename: v.filename.clone(),
        uploaded_by: by.id.clone(),
        uploaded_at: at,
    }
}

/// A row of a draft's routing record.
pub(crate) fn draft_step(
    draft_id: &str,
    kind: DraftStepKind,
    by: &user::Model,
    for_user: Option<&str>,
    version: i32,
    comment: Option<String>,
    at: DateTime<Utc>,
) -> draft_step::Model {
    draft_step::Model {
        id: new_id(),
        draft_id: draft_id.to_owned(),
        kind: Stored(kind),
        actor_user_id: by.id.clone(),
        actor_name: by.full_name.clone(),
        actor_position: by.position.clone(),
        for_user_id: for_user.map(str::to_owned),
        version_number: version,
        comment,
        at,
    }
}
