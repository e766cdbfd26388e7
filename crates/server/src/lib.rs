//! The HTTP edge of Sarabun: settings, start-up (database, migrations, blob store, keys), the axum
//! router with the JSON API under `/api/v1`, its OpenAPI document at `/api/v1/openapi.json`, the JWK
//! Set at `/.well-known/jwks.json`, the web interface (`web`), liveness and readiness (`health`), request ids and tracing spans. Handlers only parse, name the
//! signed-in user and call `sarabun-routing`; the one mapping from failures to responses is `error`.

pub mod api;
pub mod auth;
pub mod client;
pub mod error;
pub mod extract;
pub mod health;
pub mod listener;
pub mod metrics;
pub mod openapi;
pub mod settings;
pub mod web;

pub use listener::serve;
pub use settings::Settings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::routing::{get, post, put};
use sarabun_domain::Clock;
use sarabun_routing::{Correspondence, KeyRing, Limits, Storage, storage};
use sarabun_signing::MasterKey;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub correspondence: Correspondence,
    pub settings: Arc<Settings>,
    /// `server.trusted_proxies`, parsed once at start.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// The node's metrics recorder, when `metrics.enabled`.
    pub exporter: Option<metrics::Exporter>,
}

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Storage(#[from] sarabun_routing::StorageError),
    #[error("data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("master key: {0}")]
    MasterKey(String),
    #[error("settings: {0}")]
    Settings(String),
}

/// Reads the configured master key, or for the embedded SQLite default the one in
/// `<data_dir>/master.key`, creating it (mode 0600) on first start.
fn master_key(settings: &Settings) -> Result<MasterKey, StartError> {
    if !settings.keys.master_key.trim().is_empty() {
        return MasterKey::from_base64(&settings.keys.master_key).map_err(|e| StartError::MasterKey(e.to_string()));
    }
    if !storage::is_sqlite(&settings.database_url()) {
        return Err(StartError::MasterKey(
            "set keys.master_key (SARABUN_KEYS__MASTER_KEY) to the same value on every node; `sarabun keys new-master` makes one".into(),
        ));
    }
    let path = settings.storage.data_dir.join("master.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            MasterKey::from_base64(&text).map_err(|e| StartError::MasterKey(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate().map_err(|e| StartError::MasterKey(e.to_string()))?;
            write_private(&path, &key.to_base64())
                .map_err(|e| StartError::MasterKey(format!("{}: {e}", path.display())))?;
            tracing::warn!(path = %path.display(), "created a new master key; back it up, without it no office key can be opened");
            Ok(key)
        }
        Err(e) => Err(StartError::MasterKey(format!("{}: {e}", path.display()))),
    }
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// Creates the data directory for the node's user alone (0700) and, for the embedded SQLite default,
/// the database file as 0600 before SQLite opens it (its `-wal` and `-shm` files take the database
/// file's mode). An existing directory and database are tightened to the same modes.
fn private_data_dir(settings: &Settings) -> std::io::Result<()> {
    let data_dir = &settings.storage.data_dir;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(data_dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))?;
        if settings.storage.database_url.trim().is_empty() {
            let db = data_dir.join("sarabun.db");
            if let Err(e) = write_private(&db, "")
                && e.kind() != std::io::ErrorKind::AlreadyExists
            {
                return Err(e);
            }
            for name in ["sarabun.db", "sarabun.db-wal", "sarabun.db-shm"] {
                match std::fs::set_permissions(data_dir.join(name), std::fs::Permissions::from_mode(0o600)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Opens storage (migrating the database) and builds the service.
pub async fn start(settings: Settings, clock: Arc<dyn Clock>) -> Result<AppState, StartError> {
    let data_dir = &settings.storage.data_dir;
    private_data_dir(&settings)
        .map_err(|source| StartError::DataDir { path: data_dir.display().to_string(), source })?;
    let url = settings.database_url();
    let blobs = settings.blob_location().map_err(StartError::Settings)?;
    let storage = Storage::open(&url, settings.storage.max_connections, &blobs).await?;
    let keys = KeyRing::new(master_key(&settings)?);
    let limits =
        Limits { max_upload_bytes: settings.uploads.max_bytes, max_recipients: settings.uploads.max_recipients };
    let trusted_proxies = settings.server.trusted_proxy_addresses().map_err(StartError::Settings)?.into();
    let mut correspondence = Correspondence::new(storage, keys, clock, limits, settings.audit_origin())
        .with_sign_in(settings.sign_in.policy(), settings.sign_in.hashing())
        .with_due_rule(settings.notification.reminders)
        .with_converter(settings.drafts.converter())
        .with_exchange(
            settings
                .federation
                .exchange(&settings.server.public_url, &settings.storage.data_dir)
                .map_err(StartError::Settings)?,
        );
    if let Some(directory) = settings.directory_sign_in.build().map_err(StartError::Settings)? {
        tracing::info!(url = %settings.directory_sign_in.url, "sign-in through the directory");
        correspondence = correspondence.with_directory_sign_in(directory);
    }
    let exporter = settings.metrics.enabled.then(|| {
        let (exporter, meter) = metrics::Exporter::new();
        correspondence = correspondence.clone().with_meter(meter);
        exporter
    });
    tracing::info!(database = %storage::redact(&url), data_dir = %data_dir.display(), "storage ready");
    // Entries a stopped or killed node left queued are integrated first; then one task keeps
    // integrating what the worker, the jobs and other nodes queue.
    if let Err(e) = correspondence.integrate().await {
        tracing::warn!(error = %e, "audit integration failed; entries stay queued");
    }
    tokio::spawn(correspondence.clone().integrate_forever());
    let gate = correspondence.hashing();
    tracing::info!(slots = gate.slots(), memory_mib = gate.memory_bound() / (1024 * 1024), "password hashing bounded");
    Ok(AppState { correspondence, settings: Arc::new(settings), trusted_proxies, exporter })
}

/// The router of the whole node.
pub fn router(state: AppState) -> Router {
    use api::{access, admin, audit, directory, drafts, letters, outside, registers, route, session};
    let upload_limit =
        usize::try_from(state.settings.uploads.max_bytes).unwrap_or(usize::MAX).saturating_add(1024 * 1024);
    let api = Router::new()
        .route("/session", post(session::sign_in).delete(session::sign_out))
        .route("/me", get(session::me))
        .route("/me/notifications", axum::routing::put(session::set_notifications))
        .route("/offices", get(directory::offices).post(directory::create_office))
        .route("/users", post(directory::create_user))
        .route("/users/{username}/unlock", post(access::unlock))
        .route("/grants", get(access::grants))
        .route("/grants/{id}/approve", post(access::approve))
        .route("/grants/{id}/refuse", post(access::refuse))
        .route("/documents", post(letters::upload).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/letters", post(letters::send).get(letters::search))
        .route("/letters/{id}", get(letters::letter))
        .route("/letters/{id}/envelope", get(letters::envelope))
        .route("/letters/{id}/documents/{position}", get(letters::document))
        .route("/letters/{id}/recall", post(letters::recall))
        .route("/inbox", get(letters::inbox))
        .route("/sent", get(letters::sent))
        .route("/deliveries/receive", post(outside::receive_many))
        .route("/deliveries/{id}/receive", post(letters::receive))
        .route("/deliveries/{id}/reject", post(letters::reject))
        .route("/deliveries/{id}/receipt", get(letters::receipt))
        .route("/deliveries/{id}/stamped", get(letters::stamped))
        .route("/deliveries/{id}/route", get(route::matter))
        .route("/deliveries/{id}/routed", get(route::routed))
        .route("/deliveries/{id}/propose", post(route::propose))
        .route("/deliveries/{id}/order", post(route::order))
        .route("/deliveries/{id}/assign", post(route::assign))
        .route("/deliveries/{id}/return", post(route::give_back))
        .route("/deliveries/{id}/act", post(route::act))
        .route("/deliveries/{id}/done", post(route::done))
        .route("/deliveries/{id}/acknowledge", post(route::acknowledge))
        .route("/deliveries/{id}/file", post(route::file))
        .route("/work", get(route::work))
        .route("/office/backlog", get(route::backlog))
        .route("/office/structure", get(route::structure))
        .route("/office/units", post(route::create_unit))
        .route("/office/placements/{username}", axum::routing::put(route::place))
        .route("/office/stand-ins", post(route::stand_in))
        .route("/office/folders", post(route::create_folder))
        .route("/office/handover", post(route::handover))
        .route(
            "/me/signature-image",
            axum::routing::put(route::signature_image)
                .layer(DefaultBodyLimit::max(sarabun_routing::route::SIGNATURE_IMAGE_MAX_BYTES + 64 * 1024)),
        )
        .route("/drafts", get(drafts::list).post(drafts::start).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/drafts/{id}", get(drafts::draft))
        .route("/drafts/{id}/versions", post(drafts::revise).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/drafts/{id}/versions/{number}", get(drafts::version))
        .route("/drafts/{id}/submit", post(drafts::submit))
        .route("/drafts/{id}/comment", post(drafts::comment))
        .route("/drafts/{id}/return", post(drafts::give_back))
        .route("/drafts/{id}/initial", post(drafts::initial))
        .route("/drafts/{id}/withdraw", post(drafts::withdraw))
        .route("/drafts/{id}/sign", post(drafts::sign))
        .route("/me/signing-key", get(drafts::signing_key).put(drafts::enrol))
        .route("/me/signing-key/pkcs12", post(drafts::import_pkcs12))
        .route("/letters/{id}/signatures", get(drafts::signatures))
        .route("/registers/{register}/{year}", get(registers::register))
        .route("/registers/{register}/{year}/{seq}/cancel", post(registers::cancel))
        .route("/registers/send/reservations", post(registers::reserve))
        .route("/registers/send/reservations/{id}/fill", post(registers::fill))
        .route("/registers/{register}/next", put(registers::set_next))
        .route("/registers/series", get(registers::series).put(registers::set_series))
        .route("/outside/bodies", get(outside::bodies).post(outside::create_body))
        .route("/outside/bodies/suggest", get(outside::suggest))
        .route("/outside/bodies/{id}", put(outside::update_body))
        .route("/outside/deliveries/{id}/posted", post(api::outside_send::posted))
        .route("/outside/deliveries/{id}/bounce", post(api::outside_send::bounce))
        .route("/outside/deliveries/{id}/cover-sheet", get(api::outside_send::cover_sheet))
        .route("/outside/arrivals", post(outside::register_arrival).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/emails", get(admin::emails))
        .route("/retention/{year}", get(admin::retention))
        .route("/letters/{id}/trail", get(audit::trail))
        .route("/letters/{id}/trail-bundle", get(audit::trail_bundle))
        .route("/letters/{id}/exchange", get(api::federation::letter_exchange))
        .route("/federation/node", get(api::federation::node))
        .route("/federation/peers", get(api::federation::peers))
        .route("/federation/outbox", get(api::federation::outbox))
        .route("/federation/outbox/messages", get(api::federation::outbox_messages))
        .route("/federation/outbox/{id}/retry", post(api::federation::retry))
        .route("/federation/outbox/{id}/cancel", post(api::federation::cancel))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { error::ApiError::no_such_endpoint() });
    let request_id = HeaderName::from_static("x-request-id");
    let meter = state.correspondence.meter().clone();
    let mut app = Router::new()
        .nest("/api/v1", api)
        .merge(web::router(&state))
        .route("/.well-known/jwks.json", get(directory::jwks))
        .route(sarabun_routing::draft::CA_PEM_PATH, get(api::drafts::ca))
        .route("/.well-known/sarabun-node", get(api::federation::description))
        .route(
            "/federation/v1/messages",
            post(api::federation::message).layer(DefaultBodyLimit::max(state.settings.federation.max_message_bytes)),
        )
        .route("/federation/v1/trail/{letter_id}", get(api::federation::trail_part))
        .route(
            sarabun_routing::federation::ADD_CHECKPOINT_PATH,
            post(api::witness::add_checkpoint)
                .layer(DefaultBodyLimit::max(sarabun_audit::witness::MAX_ADD_CHECKPOINT_BYTES + 1)),
        )
        .route(
            "/federation/v1/documents/{sha256}",
            axum::routing::head(api::federation::document_held).put(api::federation::document_chunk).layer(
                DefaultBodyLimit::max(
                    usize::try_from(state.settings.federation.chunk_bytes).unwrap_or(usize::MAX).saturating_add(1024),
                ),
            ),
        )
        .route("/audit/checkpoint", get(audit::checkpoint))
        .route("/audit/key", get(audit::key))
        .route("/audit/entries/{index}", get(audit::entry))
        .route("/audit/proof/inclusion", get(audit::inclusion))
        .route("/audit/proof/consistency", get(audit::consistency))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    if meter.is_on() {
        app = app.route("/metrics", get(metrics::scrape)).route_layer(axum::middleware::from_fn(metrics::mark_route));
    }
    app = app
        .layer(axum::middleware::from_fn_with_state(state.clone(), integrate_audit))
        .layer(DefaultBodyLimit::max(state.settings.server.max_json_bytes))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(web::security_headers));
    if meter.is_on() {
        // Outside the panic catcher, so a handler's panic is counted as the 500 it answers.
        app = app.layer(axum::middleware::from_fn_with_state(meter, metrics::track));
    }
    app.layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, user = tracing::field::Empty)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(axum::middleware::from_fn(drop_foreign_request_id))
        .with_state(state)
}

/// A request that recorded audit entries answers as soon as its change is committed (with the
/// entries queued in the same transaction) and wakes the audit sequencer, which integrates them
/// together with those of other requests; every read of the log integrates first.
async fn integrate_audit(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    state.correspondence.answering_then_integrating(next.run(request)).await
}

/// A client's own `X-Request-Id` is kept only when it looks like one (1 to 64 letters, digits, `-`
/// and `_`): anything else — spaces, quotes, 20 KB — would be written into every log line of the
/// request and could forge fields there; such a request gets an id of the node's making.
async fn drop_foreign_request_id(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let plausible = |v: &axum::http::HeaderValue| {
        let b = v.as_bytes();
        (1..=64).contains(&b.len()) && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
    };
    if request.headers().get_all("x-request-id").iter().count() > 1
        || request.headers().get("x-request-id").is_some_and(|v| !plausible(v))
    {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// A handler that panicked answers a JSON 500 like any other internal error, logged inside the
/// request's span (so with its request id), instead of the client seeing the connection drop.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    error::ApiError::internal(format_args!("handler panicked: {message}")).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_a_json_500() {
        let app = axum::Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async {
                    let items: Vec<u8> = Vec::new();
                    items[std::hint::black_box(3)].to_string()
                }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(super::panic_response));
        let res = app.oneshot(Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], "internal");
        assert!(!json["message"].as_str().unwrap().contains("index out of bounds"), "details stay in the log");
    }
}
