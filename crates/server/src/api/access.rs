//! Who may sign in and what they hold, for system admins: lifting a sign-in lock, and the
//! two-person grants of the auditor and system-admin roles and of clearances. The rules live in
//! `sarabun-routing` (`sign_in`, `grants`).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use axum::Json;
use axum::extract::State;
use sarabun_routing::{GrantView, UnlockView};

/// Lifts the sign-in lock of an account and forgets its failed sign-ins (system admins); audited
/// as `session.unlocked`.
#[utoipa::path(post, path = "/api/v1/users/{username}/unlock", tag = "directory", security(("bearer" = [])),
    params(("username" = String, Path, description = "The user name, any case")),
    responses((status = 200, body = UnlockView), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn unlock(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(username): ApiPath<String>,
) -> ApiResult<Json<UnlockView>> {
    Ok(Json(state.correspondence.unlock_sign_in(&actor, &username).await?))
}

/// Grants waiting for a second system admin (system admins).
#[utoipa::path(get, path = "/api/v1/grants", tag = "directory", security(("bearer" = [])),
    responses((status = 200, body = Vec<GrantView>), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn grants(State(state): State<AppState>, CurrentUser(actor): CurrentUser) -> ApiResult<Json<Vec<GrantView>>> {
    Ok(Json(state.correspondence.pending_grants(&actor).await?))
}

/// Approves a grant: the person gets the roles and clearance (a system admin other than the
/// proposer; `403 own_proposal` otherwise); audited as `grant.approved`.
#[utoipa::path(post, path = "/api/v1/grants/{id}/approve", tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "The grant")),
    responses((status = 200, body = GrantView), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "`grant_decided`")))]
pub async fn approve(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(state.correspondence.approve_grant(&actor, &id).await?))
}

/// Refuses a grant (any system admin, the proposer withdrawing included); audited as
/// `grant.refused`.
#[utoipa::path(post, path = "/api/v1/grants/{id}/refuse", tag = "directory", security(("bearer" = [])),
    params(("id" = String, Path, description = "The grant")),
    responses((status = 200, body = GrantView), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "`grant_decided`")))]
pub async fn refuse(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(state.correspondence.refuse_grant(&actor, &id).await?))
}
