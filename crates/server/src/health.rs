//! Liveness and readiness, kept apart so a load balancer and a supervisor can ask different
//! questions. `GET /healthz` says the process answers — restart it when this fails. `GET /readyz`
//! says the node can do its work now — send it traffic only while this holds: the database answers,
//! its schema has every migration this binary knows (and none it does not), and the blob store
//! takes a file and gives it back (the checks are `sarabun_routing`'s). Both are open to anyone and
//! reveal no detail beyond the names of the failed checks; why a check failed goes to the log.

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use sarabun_routing::READINESS_CHECKS;
use serde::Serialize;

/// `GET /healthz`: the process is alive and serving HTTP. Touches nothing else, so a slow database
/// never gets a healthy node restarted.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The answer of a ready node.
#[derive(Debug, Serialize)]
pub struct Ready {
    /// Always `ready`.
    pub status: &'static str,
    /// The checks made, each `ok`.
    pub checks: Vec<&'static str>,
}

/// `GET /readyz`: 200 `{"status":"ready","checks":[…]}` when every check passes, else 503
/// `not_ready` naming the failed checks.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Ready>, ApiError> {
    let failed = state.correspondence.failed_checks().await;
    if failed.is_empty() {
        Ok(Json(Ready { status: "ready", checks: READINESS_CHECKS.to_vec() }))
    } else {
        Err(ApiError::not_ready(&failed))
    }
}
