//! The viewer's own signing key on the web (ลายมือชื่ออิเล็กทรอนิกส์): the certificate they sign
//! with, and the form that sets their signing PIN with their sign-in password again — a new key
//! from the node's certificate authority, sealed under the PIN.

use super::draft::{Done, forbid_unless_drafter};
use super::render::{Notice, Page, WebError, routing_error};
use super::{Viewer, check_csrf};
use crate::AppState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sarabun_routing::draft::SigningKeyView;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct KeyData {
    key: Option<SigningKeyView>,
    errors: Vec<String>,
}

async fn key_page(
    state: &AppState,
    viewer: &Viewer,
    notice: Option<Notice>,
    errors: Vec<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let key = state.correspondence.signing_key(&viewer.actor).await.map_err(|e| routing_error(e, viewer.lang))?;
    Page::new("signing_key.html", "drafts", "/me/signing-key")
        .notice(notice)
        .status(status)
        .render(viewer, KeyData { key, errors })
}

/// ลายมือชื่ออิเล็กทรอนิกส์: the viewer's signing key and the form that sets their PIN.
pub async fn signing_key(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    forbid_unless_drafter(&viewer)?;
    let notice = (q.done.as_deref() == Some("pin")).then(|| Notice::ok(viewer.lang.texts()["done_pin_set"]));
    key_page(&state, &viewer, notice, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct PinForm {
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    pin: String,
    #[serde(default)]
    pin_again: String,
}

/// Sets the viewer's signing PIN (a new key from the node's CA), with their sign-in password again.
pub async fn set_pin(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<PinForm>,
) -> Result<Response, WebError> {
    let lang = viewer.lang;
    check_csrf(&viewer, &headers, &form.csrf)?;
    forbid_unless_drafter(&viewer)?;
    if form.pin != form.pin_again {
        let error = lang.pick("รหัส PIN ทั้งสองช่องไม่ตรงกัน", "The two PINs differ").to_owned();
        return key_page(&state, &viewer, None, vec![error], StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.correspondence.enrol_signing_key(&viewer.actor, &form.password, &form.pin).await {
        Ok(_) => Ok(Redirect::to("/me/signing-key?done=pin").into_response()),
        Err(e) => {
            let error = routing_error(e, lang);
            let status = error.status();
            key_page(&state, &viewer, None, vec![error.message().to_owned()], status).await
        }
    }
}
