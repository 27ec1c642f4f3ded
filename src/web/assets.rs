//! The stylesheet, compiled into the binary (no CDN, no web fonts, no build step).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

/// Where the stylesheet is served.
pub const STYLESHEET_ROUTE: &str = "/assets/tracehub.css";
/// How pages link it: the version in the query string lets browsers keep it for a day and
/// still fetch a new release's at once.
pub const STYLESHEET_PATH: &str = concat!("/assets/tracehub.css?v=", env!("CARGO_PKG_VERSION"));

const STYLESHEET: &str = include_str!("assets/tracehub.css");

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLESHEET,
    )
}
