//! What a person sees of drafts: the drafts they wrote and those waiting for them, and one draft
//! whole — its fields, chain (who has initialled, where it is now), every version and the routing
//! record with each initial's name and date — plus the steps the person may take on it now.

use super::DraftFields;
use crate::{Actor, Correspondence, RoutingError};
use chrono::{DateTime, Utc};
use sarabun_domain::draft::may_act;
use sarabun_domain::{ChainRole, DraftState, DraftStepKind, Permission};
use sarabun_registry::drafts;
use sarabun_registry::entity::{draft, user};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// One draft in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftSummary {
    pub id: String,
    pub subject: String,
    #[schema(value_type = String)]
    pub state: DraftState,
    /// The state in Thai (`รอลงนาม`).
    pub state_th: String,
    pub latest_version: i32,
    pub updated_at: DateTime<Utc>,
    pub letter_id: Option<String>,
}

/// The drafts of the asking person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftList {
    /// Waiting for the person (to check, initial or sign), oldest first.
    pub waiting: Vec<DraftSummary>,
    /// Written by the person, newest change first.
    pub mine: Vec<DraftSummary>,
}

/// One place on a draft's chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChainPlaceView {
    pub position: i32,
    pub username: String,
    pub full_name: String,
    pub job_title: String,
    #[schema(value_type = String)]
    pub role: ChainRole,
    /// Whether the draft is with this person now.
    pub current: bool,
}

/// One version of a draft.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftVersionView {
    pub number: i32,
    pub filename: String,
    pub pdf_sha256: String,
    pub pdf_size: i64,
    /// The media type of what was uploaded, when it was converted (DOCX, ODT).
    pub source_media_type: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// One step of a draft's routing record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftStepView {
    #[schema(value_type = String)]
    pub kind: DraftStepKind,
    /// The step in Thai (`ลงนามย่อ`).
    pub kind_th: String,
    pub actor_name: String,
    pub actor_position: String,
    /// Standing in: for whom.
    pub for_name: Option<String>,
    pub version: i32,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// The result of checking one PDF signature on a letter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignatureView {
    pub signer_name: String,
    pub subject: String,
    pub signed_at: Option<DateTime<Utc>>,
    /// The signed bytes are as signed and the signature is the certificate's.
    pub intact: bool,
    /// The certificate chains to this node's certificate authority.
    pub chain_trusted: bool,
    /// Revisions added after the signature (number and date, receiving stamp, minutes).
    pub later_revisions: usize,
}

/// A draft whole.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftView {
    pub id: String,
    pub subject: String,
    #[schema(value_type = String)]
    pub state: DraftState,
    pub state_th: String,
    #[schema(value_type = Object)]
    pub fields: DraftFields,
    pub drafter: String,
    pub drafter_name: String,
    pub chain: Vec<ChainPlaceView>,
    pub versions: Vec<DraftVersionView>,
    pub steps: Vec<DraftStepView>,
    /// The steps the asking person may take now.
    #[schema(value_type = Vec<String>)]
    pub may: Vec<DraftStepKind>,
    /// The letter it became, once signed and sent.
    pub letter_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn summary(d: draft::Model) -> DraftSummary {
    DraftSummary {
        state_th: d.state.get().thai().into(),
        state: d.state.get(),
        id: d.id,
        subject: d.subject,
        latest_version: d.latest_version,
        updated_at: d.updated_at,
        letter_id: d.letter_id,
    }
}

impl Correspondence {
    /// The drafts the actor wrote and those waiting for them (or for whom they stand in today).
    pub async fn drafts(&self, actor: &Actor) -> Result<DraftList, RoutingError> {
        actor.require(Permission::Draft)?;
        let absent = sarabun_registry::route::standing_in_for(&self.db, &actor.user_id, self.clock.now()).await?;
        let mut ids: Vec<&str> = vec![actor.user_id.as_str()];
        ids.extend(absent.iter().map(|s| s.absent_user_id.as_str()));
        let cleared = |d: &draft::Model| {
            serde_json::from_str::<DraftFields>(&d.fields_json).is_ok_and(|f| actor.clearance.clears(f.secrecy))
        };
        let waiting = drafts::waiting_for(&self.db, &actor.office_id, &ids).await?;
        let mine = drafts::drafted_by(&self.db, &actor.office_id, &[actor.user_id.as_str()]).await?;
        Ok(DraftList {
            waiting: waiting.into_iter().filter(cleared).map(summary).collect(),
            mine: mine.into_iter().filter(cleared).map(summary).collect(),
        })
    }

    /// One draft whole, as the actor may see it.
    pub async fn draft(&self, actor: &Actor, draft_id: &str) -> Result<DraftView, RoutingError> {
        let seat = self.draft_seat(&self.db, actor, draft_id).await?;
        let versions = drafts::versions_of(&self.db, draft_id).await?;
        let steps = drafts::steps_of(&self.db, draft_id).await?;
        let mut wanted: Vec<String> = seat.chain.iter().map(|c| c.user_id.clone()).collect();
        wanted.push(seat.draft.drafter_user_id.clone());
        wanted.extend(versions.iter().map(|v| v.uploaded_by.clone()));
        wanted.extend(steps.iter().filter_map(|s| s.for_user_id.clone()));
        wanted.sort();
        wanted.dedup();
        let ids: Vec<&str> = wanted.iter().map(String::as_str).collect();
        let people: HashMap<String, user::Model> = sarabun_registry::route::users_by_ids(&self.db, &ids)
            .await?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        let name = |id: &str| people.get(id).map(|u| u.full_name.clone()).unwrap_or_else(|| id.to_owned());
        let holder = seat.holder().map(|c| c.position);
        let state = seat.draft.state.get();
        let may = DraftStepKind::ALL.iter().copied().filter(|k| may_act(*k, state, seat.seat).is_ok()).collect();
        let d = &seat.draft;
        Ok(DraftView {
            id: d.id.clone(),
            subject: d.subject.clone(),
            state,
            state_th: state.thai().into(),
            fields: seat.fields.clone(),
            drafter: people.get(&d.drafter_user_id).map(|u| u.username.clone()).unwrap_or_default(),
            drafter_name: name(&d.drafter_user_id),
            chain: seat
                .chain
                .iter()
                .map(|c| ChainPlaceView {
                    position: c.position,
                    username: people.get(&c.user_id).map(|u| u.username.clone()).unwrap_or_default(),
                    full_name: name(&c.user_id),
                    job_title: people.get(&c.user_id).map(|u| u.position.clone()).unwrap_or_default(),
                    role: c.role.get(),
                    current: holder == Some(c.position),
                })
                .collect(),
            versions: versions
                .into_iter()
                .map(|v| DraftVersionView {
                    number: v.number,
                    filename: v.filename,
                    pdf_sha256: v.pdf_sha256,
                    pdf_size: v.pdf_size,
                    source_media_type: v.source_media_type,
                    uploaded_by: name(&v.uploaded_by),
                    uploaded_at: v.uploaded_at,
                })
                .collect(),
            steps: steps
                .into_iter()
                .map(|s| DraftStepView {
                    kind_th: s.kind.get().thai().into(),
                    kind: s.kind.get(),
                    actor_name: s.actor_name,
                    actor_position: s.actor_position,
                    for_name: s.for_user_id.as_deref().map(name),
                    version: s.version_number,
                    comment: s.comment,
                    at: s.at,
                })
                .collect(),
            may,
            letter_id: d.letter_id.clone(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
    }

    /// A version of a draft as PDF (`original`: what was uploaded, when it was converted), with
    /// its file name and media type.
    pub async fn draft_version(
        &self,
        actor: &Actor,
        draft_id: &str,
        number: i32,
        original: bool,
    ) -> Result<(bytes::Bytes, String, String), RoutingError> {
        self.draft_seat(&self.db, actor, draft_id).await?;
        let v = drafts::versions_of(&self.db, draft_id)
            .await?
            .into_iter()
            .find(|v| v.number == number)
            .ok_or(RoutingError::NotFound("draft version"))?;
        if original {
            let (sha, media) = v.source_sha256.zip(v.source_media_type).ok_or(RoutingError::NotFound("original"))?;
            return Ok((self.blobs.read(&sha).await?, v.filename, media));
        }
        let name = match v.filename.rsplit_once('.') {
            Some((stem, _)) => format!("{stem}.pdf"),
            None => format!("{}.pdf", v.filename),
        };
        Ok((self.blobs.read(&v.pdf_sha256).await?, name, crate::media::PDF.into()))
    }
}

impl Correspondence {
    /// The PDF signatures on a letter's body as the actor may read it, each checked against the
    /// node's certificate authority; none for a letter that was not signed in Sarabun.
    pub async fn letter_signatures(&self, actor: &Actor, letter_id: &str) -> Result<Vec<SignatureView>, RoutingError> {
        let (meta, bytes) = self.document(actor, letter_id, 0).await?;
        if meta.media_type != crate::media::PDF {
            return Ok(Vec::new());
        }
        self.check_signatures(bytes).await
    }

    /// As [`Correspondence::letter_signatures`], for the letter page, which has just opened the
    /// letter (`letter_with_trail`, recording a secret letter's opening): the same access rule,
    /// without recording the opening a second time.
    pub async fn letter_signatures_on_page(
        &self,
        actor: &Actor,
        letter_id: &str,
    ) -> Result<Vec<SignatureView>, RoutingError> {
        self.letter_access(actor, letter_id).await?;
        let body = sarabun_registry::letters::letter_documents(&self.db, letter_id)
            .await?
            .into_iter()
            .find(|d| d.position == 0)
            .ok_or(RoutingError::NotFound("document"))?;
        if body.media_type != crate::media::PDF {
            return Ok(Vec::new());
        }
        let bytes = self.blobs.read(&body.sha256).await?;
        self.check_signatures(bytes).await
    }

    /// Every PDF signature of `bytes`, checked against the node's certificate authority.
    async fn check_signatures(&self, bytes: bytes::Bytes) -> Result<Vec<SignatureView>, RoutingError> {
        let roots = self.ca_roots().await?;
        let checks = tokio::task::spawn_blocking(move || sarabun_pades::verify(&bytes, &roots))
            .await
            .map_err(|e| RoutingError::Internal(e.to_string()))?
            .map_err(|e| RoutingError::PdfSignature(e.to_string()))?;
        Ok(checks
            .into_iter()
            .map(|c| SignatureView {
                signer_name: c.signer_name,
                subject: c.subject,
                signed_at: c.signed_at,
                intact: c.intact,
                chain_trusted: c.chain_trusted,
                later_revisions: c.later_revisions,
            })
            .collect())
    }
}
