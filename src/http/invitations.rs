//! Placeholder: routes of this module are being built (see issue 3).

use axum::Router;

use super::AppState;

/// Nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
}

/// Routes under `/auth` (`/auth/register`), merged into the auth router.
pub fn auth_router() -> Router<AppState> {
    Router::new()
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct ApiDoc;
