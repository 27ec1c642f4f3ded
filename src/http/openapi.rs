//! The OpenAPI document, generated from the handlers' own annotations, and a docs page that
//! renders it without fetching anything from the internet.
//!
//! Every route module declares its paths in a `#[derive(utoipa::OpenApi)] pub struct ApiDoc`;
//! [`document`] merges them. Paths are documented once, under `/api/v1`; the same routes
//! answer under `/api` (see [`super::api_routes`]).
//!
//! What the document promises (tested by `tests/integration/openapi_contract.rs` against the
//! document and by `tests/integration/fuzz.rs` against the server): every constraint the
//! server enforces on input is stated (lengths, ranges, enums, formats); every error answer
//! is an [`ErrorBody`]; the answers every operation shares — 401 for a bad token, 422 for an
//! invalid path id, query parameter or body, 413 for a body over 2 MiB, 503 when no database
//! connection is free — are added here, in one place ([`complete_answers`]), so no route can
//! forget them; the answers particular to a route (400, 403, 404, 409, 429) are in its own
//! annotation.

use std::borrow::Cow;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::error::ApiError;
use super::AppState;
use crate::domain::document::{DocumentStatus, DocumentType};
use crate::domain::organization::OrganizationStatus;
use crate::domain::{
    InvitationStatus, MembershipStatus, OrgRole, OrgType, PartyType, ShipmentStatus, SystemRole,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TraceHub API",
        description = "Shipment tracking and trade-document compliance, multi-tenant. \
                       Every path also answers under /api instead of /api/v1. Every error \
                       answer is an ErrorBody: {\"detail\", \"code\", \"request_id\"} \
                       (422 adds \"fields\", naming each invalid field). Authenticated \
                       operations take `Authorization: Bearer <access_token>` from \
                       POST /api/v1/auth/login."
    ),
    components(schemas(
        ErrorBody,
        FieldError,
        SystemRole,
        OrgRole,
        OrgType,
        MembershipStatus,
        InvitationStatus,
        OrganizationStatus,
        ShipmentStatus,
        PartyType,
        DocumentType,
        DocumentStatus
    )),
    modifiers(&BearerAuth)
)]
struct Root;

/// Declares the bearer token scheme the `security(("bearer" = []))` annotations refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The access_token of POST /api/v1/auth/login (or switch-org, \
                         register, accept)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The body of every error answer (documentation of what `error::render_errors` writes).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorBody {
    /// What went wrong, for people. 5xx answers never say anything internal.
    detail: String,
    /// What went wrong, for programs: `VALIDATION_ERROR`, `NOT_FOUND`, `UNAUTHORIZED`,
    /// `INSUFFICIENT_PERMISSIONS`, `RATE_LIMITED`, `SERVICE_UNAVAILABLE`, or a rule's own
    /// code (`LAST_ADMIN`, `EMAIL_EXISTS`, `INVITATION_EXPIRED`, …).
    code: String,
    /// The request's id, also in the `X-Request-ID` header and the server's logs.
    request_id: String,
    /// With code `VALIDATION_ERROR` (422): each invalid field, by its path
    /// (`products[0].hs_code`). A 422 under a rule's own code (`INVALID_ORG_TYPE`) names the
    /// field at the start of `detail` instead.
    #[schema(required = false)]
    fields: Vec<FieldError>,
}

/// One invalid field of a 422.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct FieldError {
    /// The field's path in the body (`address.country`, `products[0].hs_code`), or the name
    /// of the query or path parameter; `body` for the body as a whole.
    field: String,
    message: String,
}

/// The vocabularies of the API as string enums, spelled exactly as the server accepts them
/// (taken from the domain types' own lists, so they cannot drift apart).
macro_rules! label_schemas {
    ($($label:ty => $description:literal),+ $(,)?) => {$(
        impl utoipa::PartialSchema for $label {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(<$label>::ALL.map(<$label>::as_str)))
                    .description(Some($description))
                    .into()
            }
        }

        impl utoipa::ToSchema for $label {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($label))
            }
        }
    )+};
}

label_schemas!(
    SystemRole => "A system role (API spelling).",
    OrgRole => "A role in an organization, highest first.",
    OrgType => "An organization type.",
    MembershipStatus => "The status of a membership.",
    InvitationStatus => "The status of an invitation (a pending one past its expiry reads `expired`).",
    OrganizationStatus => "The status of an organization.",
    ShipmentStatus => "The status of a shipment (upper case, the predecessor's spelling, is accepted too).",
    PartyType => "The role of a trade party (upper case is accepted too).",
    DocumentType => "The type of a trade document (upper case is accepted too).",
    DocumentStatus => "Where a document stands in its review (upper case is accepted too).",
);

/// Adds the answers every operation shares (see the module docs) and gives every error
/// answer the [`ErrorBody`] schema.
fn complete_answers(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            let authenticated = operation
                .security
                .as_ref()
                .is_some_and(|requirements| !requirements.is_empty());
            let has_input = operation
                .parameters
                .as_ref()
                .is_some_and(|parameters| !parameters.is_empty())
                || operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            if authenticated {
                responses.entry("401".into()).or_insert_with(|| {
                    answer("No valid token: missing, expired, revoked, or its account or membership is no longer active")
                });
            }
            if has_input {
                responses.entry("422".into()).or_insert_with(|| {
                    answer(
                        "A path id, query parameter or body field is invalid (`fields` names each)",
                    )
                });
            }
            if operation.request_body.is_some() {
                responses
                    .entry("413".into())
                    .or_insert_with(|| answer("The body is larger than 2 MiB"));
            }
            responses.entry("503".into()).or_insert_with(|| {
                answer(
                    "No database connection became free in time; retry after Retry-After seconds",
                )
            });
            for (status, response) in responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if response.description.is_empty() {
                    let reason = axum::http::StatusCode::from_bytes(status.as_bytes())
                        .ok()
                        .and_then(|status| status.canonical_reason());
                    response.description = reason.unwrap_or("Done").to_string();
                }
                if status.starts_with('4') || status.starts_with('5') {
                    response.content.insert(
                        "application/json".into(),
                        RefOr::T(Content::new(Some(Ref::from_schema_name("ErrorBody")))),
                    );
                }
                if status == "429" || status == "503" {
                    response.headers.insert(
                        "Retry-After".into(),
                        HeaderBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                            .description(Some("Seconds to wait before trying again"))
                            .build()
                            .into(),
                    );
                }
            }
        }
    }
}

/// An error answer with its description (the body is added by [`complete_answers`]).
fn answer(description: &str) -> RefOr<Response> {
    RefOr::T(ResponseBuilder::new().description(description).build())
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The whole document: the root plus every route module's part.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Root::openapi();
    for part in [
        super::auth::ApiDoc::openapi(),
        super::session::ApiDoc::openapi(),
        super::users::ApiDoc::openapi(),
        super::organizations::ApiDoc::openapi(),
        super::invitations::ApiDoc::openapi(),
        super::shipments::ApiDoc::openapi(),
        super::notifications::ApiDoc::openapi(),
        super::notification_stream::ApiDoc::openapi(),
        super::audit_log::ApiDoc::openapi(),
        super::documents::ApiDoc::openapi(),
        super::audit_pack::ApiDoc::openapi(),
        super::webhooks::ApiDoc::openapi(),
        super::tracking::ApiDoc::openapi(),
    ] {
        doc.merge(part);
    }
    complete_answers(&mut doc);
    doc
}

/// `/api/v1/openapi.json` and the docs page at `/api/v1/docs` (also under `/api`).
pub fn router() -> Router<AppState> {
    let mut router = Router::new();
    for prefix in ["/api/v1", "/api"] {
        router = router
            .route(&format!("{prefix}/openapi.json"), get(openapi_json))
            .route(&format!("{prefix}/docs"), get(docs_page));
    }
    router
}

/// 404 unless the docs are exposed (`TRACEHUB_API_DOCS`; off by default in production).
fn docs_exposed(state: &AppState) -> Result<(), ApiError> {
    if state.exposure.api_docs {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

async fn openapi_json(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    docs_exposed(&state)?;
    Ok(Json(document()))
}

/// A self-contained page (inline script and style, no CDN) that lists every operation of
/// the document with its parameters, request body and responses.
async fn docs_page(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    docs_exposed(&state)?;
    Ok((
        [(header::CACHE_CONTROL, "no-cache")],
        Html(include_str!("openapi_docs.html")),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_is_under_api_v1_tagged_and_answers_its_errors() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 40, "{} paths", paths.len());
        for (path, item) in paths {
            assert!(path.starts_with("/api/v1/"), "{path}");
            for (method, operation) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                assert!(
                    operation["tags"][0].is_string(),
                    "{method} {path} has no tag"
                );
                assert!(
                    operation["responses"].as_object().unwrap().len() >= 2,
                    "{method} {path} documents no error answer"
                );
            }
        }
    }
}
