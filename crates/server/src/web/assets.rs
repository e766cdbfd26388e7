//! The stylesheet, the script and the Sarabun web fonts (SIL Open Font License, assets/fonts/OFL.txt),
//! compiled into the binary so that `sarabun serve` needs nothing beside it.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const ASSETS: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../assets/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/app.js")),
    ("sarabun-thai-400.woff2", "font/woff2", include_bytes!("../../assets/fonts/sarabun-thai-400-normal.woff2")),
    ("sarabun-thai-700.woff2", "font/woff2", include_bytes!("../../assets/fonts/sarabun-thai-700-normal.woff2")),
    ("sarabun-latin-400.woff2", "font/woff2", include_bytes!("../../assets/fonts/sarabun-latin-400-normal.woff2")),
    ("sarabun-latin-700.woff2", "font/woff2", include_bytes!("../../assets/fonts/sarabun-latin-700-normal.woff2")),
];

/// One asset by file name.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, media_type, bytes)) => {
            let mut response = (*bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(media_type));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
