//! The OpenAPI document, generated from the handlers' own annotations, and a docs page that
//! renders it without fetching anything from the internet.
//!
//! Every route module declares its paths in a `#[derive(utoipa::OpenApi)] pub struct ApiDoc`;
//! [`document`] merges them. Paths are documented once, under `/api/v1`; the same routes
//! answer under `/api` (see [`super::api_routes`]).

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ApiError;
use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TraceHub API",
        description = "Shipment tracking and trade-document compliance, multi-tenant. \
                       Every path also answers under /api instead of /api/v1. Errors are \
                       {\"detail\", \"code\", \"request_id\"} (422 adds \"fields\")."
    ),
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
                    .build(),
            ),
        );
    }
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
    ] {
        doc.merge(part);
    }
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
