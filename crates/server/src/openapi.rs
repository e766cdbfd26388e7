//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' `#[utoipa::path]` blocks and
//! the views' schemas, so it cannot drift from the code.

use crate::api::{
    access, admin, audit, directory, drafts, federation, letters, outside, outside_send, registers, route, session,
};
use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Sarabun API", description = "Paperless official correspondence (สารบรรณอิเล็กทรอนิกส์): send, receive, reject and track official letters between offices."),
    paths(
        session::sign_in, session::sign_out, session::me, session::set_notifications,
        directory::offices, directory::create_office, directory::create_user, directory::jwks,
        access::unlock, access::grants, access::approve, access::refuse,
        letters::upload, letters::send, letters::search, letters::letter, letters::envelope, letters::document, letters::recall,
        letters::inbox, letters::sent, letters::receive, letters::reject, letters::receipt, letters::stamped,
        registers::register, registers::cancel, registers::reserve, registers::fill, registers::set_next,
        registers::series, registers::set_series,
        audit::checkpoint, audit::key, audit::entry, audit::inclusion, audit::consistency, audit::trail, audit::trail_bundle,
        admin::emails, admin::retention,
        route::matter, route::routed, route::propose, route::order, route::assign, route::give_back, route::act,
        route::done, route::acknowledge, route::file, route::work, route::backlog, route::structure,
        route::create_unit, route::place, route::stand_in, route::create_folder, route::handover, route::signature_image,
        outside::bodies, outside::create_body, outside::update_body, outside::suggest, outside::register_arrival,
        outside::receive_many,
        outside_send::posted, outside_send::bounce, outside_send::cover_sheet,
        drafts::start, drafts::list, drafts::draft, drafts::revise, drafts::version, drafts::submit, drafts::comment,
        drafts::give_back, drafts::initial, drafts::withdraw, drafts::sign, drafts::signing_key, drafts::enrol,
        drafts::import_pkcs12, drafts::signatures, drafts::ca,
        federation::node, federation::peers, federation::letter_exchange, federation::outbox,
        federation::outbox_messages, federation::retry, federation::cancel,
    ),
    // Types named only in `params(...)` are referenced but not collected by utoipa: list them here.
    components(schemas(sarabun_routing::schema::RegisterKind, outside::ArrivalDetails)),
    modifiers(&BearerAuth),
    tags((name = "session"), (name = "directory"), (name = "letters"), (name = "deliveries"), (name = "registers"), (name = "route"), (name = "drafts"), (name = "outside"), (name = "audit"), (name = "administration"), (name = "federation"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Serves the OpenAPI document.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
