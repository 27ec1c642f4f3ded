//! The stylesheet and the bell's script, compiled into the binary (no CDN, no web fonts, no
//! build step).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

/// Where the stylesheet is served.
pub const STYLESHEET_ROUTE: &str = "/assets/tracehub.css";
/// How pages link it: the version in the query string lets browsers keep it for a day and
/// still fetch a new release's at once.
pub const STYLESHEET_PATH: &str = concat!("/assets/tracehub.css?v=", env!("CARGO_PKG_VERSION"));

/// Where the bell's script is served, and how pages link it.
pub const BELL_SCRIPT_ROUTE: &str = "/assets/bell.js";
pub const BELL_SCRIPT_PATH: &str = concat!("/assets/bell.js?v=", env!("CARGO_PKG_VERSION"));

const STYLESHEET: &str = include_str!("assets/tracehub.css");
const BELL_SCRIPT: &str = include_str!("assets/bell.js");

pub async fn stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

pub async fn bell_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", BELL_SCRIPT)
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
}
