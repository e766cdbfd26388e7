//! The transparency log over HTTP (FORMATS.md): the signed checkpoint and verifier key (public),
//! entries and proofs, the readable trail of one letter and its trail bundle.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sarabun_routing::{ProofView, TrailBundle, TrailEntry};
use serde::Deserialize;
use utoipa::IntoParams;

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// The latest signed checkpoint (C2SP tlog-checkpoint in a signed note) with the cosignatures the
/// peers' witnesses gave it; signs a fresh one first when the log has grown since the last.
#[utoipa::path(get, path = "/audit/checkpoint", tag = "audit", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn checkpoint(State(state): State<AppState>) -> ApiResult<Response> {
    Ok(text(state.correspondence.cosigned_checkpoint().await?))
}

/// The log's verifier key, `<name>+<key hash>+<base64 key>`.
#[utoipa::path(get, path = "/audit/key", tag = "audit", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn key(State(state): State<AppState>) -> ApiResult<Response> {
    Ok(text(format!("{}\n", state.correspondence.log_verifier_key().await?)))
}

/// One entry: its canonical JSON exactly as hashed into the log, for whoever would see it in its
/// letter's trail (office scoping and clearance, auditors included); an entry of no letter for
/// auditors only. Anything else is the same 404 as an index past the end of the log.
#[utoipa::path(get, path = "/audit/entries/{index}", tag = "audit", security(("bearer" = [])), params(("index" = u64, Path)),
    responses((status = 200, content_type = "application/json"), (status = 404, body = ApiError)))]
pub async fn entry(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(index): ApiPath<u64>,
) -> ApiResult<Response> {
    let (_, raw) = state.correspondence.audit_entry(&actor, index).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], raw).into_response())
}

/// Inclusion proof parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    pub index: u64,
    pub tree_size: u64,
}

/// RFC 6962 §2.1.1 inclusion proof of entry `index` in the tree of `tree_size` entries.
#[utoipa::path(get, path = "/audit/proof/inclusion", tag = "audit", params(InclusionQuery),
    responses((status = 200, body = ProofView), (status = 422, body = ApiError)))]
pub async fn inclusion(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> ApiResult<Json<ProofView>> {
    Ok(Json(state.correspondence.inclusion_proof(q.index, q.tree_size).await?))
}

/// Consistency proof parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

/// RFC 6962 §2.1.2 consistency proof between two tree sizes.
#[utoipa::path(get, path = "/audit/proof/consistency", tag = "audit", params(ConsistencyQuery),
    responses((status = 200, body = ProofView), (status = 422, body = ApiError)))]
pub async fn consistency(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> ApiResult<Json<ProofView>> {
    Ok(Json(state.correspondence.consistency_proof(q.from, q.to).await?))
}

/// Every audit entry concerning a letter, in order: who, which office, what, when.
#[utoipa::path(get, path = "/api/v1/letters/{id}/trail", tag = "audit", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<TrailEntry>), (status = 404, body = ApiError)))]
pub async fn trail(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<TrailEntry>>> {
    Ok(Json(state.correspondence.trail(&actor, &id).await?))
}

/// Whether to carry the documents.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BundleQuery {
    pub documents: Option<bool>,
}

/// The trail bundle: envelope, receipts, entries with inclusion proofs, checkpoint, keys, the
/// documents when asked, and a manifest signed with the log key listing every entry and decision.
/// `sarabun verify FILE` checks it offline, completeness included.
#[utoipa::path(get, path = "/api/v1/letters/{id}/trail-bundle", tag = "audit", security(("bearer" = [])),
    params(("id" = String, Path), BundleQuery), responses((status = 200, body = TrailBundle), (status = 404, body = ApiError)))]
pub async fn trail_bundle(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<BundleQuery>,
) -> ApiResult<Response> {
    let mut bundle = state.correspondence.trail_bundle(&actor, &id, q.documents.unwrap_or(false)).await?;
    // A letter that crossed to other nodes: each peer's own part, beside this node's.
    crate::api::federation::attach_peer_parts(&state, &mut bundle).await?;
    // The bundle's checkpoint is fresh (the export is in it): have the peers' witnesses cosign it.
    crate::api::witness::witness_now(&state).await;
    bundle.checkpoint = state.correspondence.cosigned(&bundle.checkpoint).await?;
    let disposition = format!("attachment; filename=\"trail-{id}.json\"");
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(bundle)).into_response())
}
