//! The web UI: pages rendered on the server by `tracehub serve`, beside the JSON API.
//!
//! A page is a thin adapter: it resolves the browser's session to the same [`CurrentUser`]
//! the API's bearer tokens resolve to, calls the API's own operation (the handler function
//! below its extractors, e.g. [`crate::http::shipments::detail`]) and renders the answer.
//! Validation messages, authority, audit rows and notifications are therefore the API's,
//! never copies. Every journey works without JavaScript: links, GET filter forms and POST
//! forms that answer with a redirect (or the form again with its messages). One small
//! script of our own keeps the bell's count live.
//!
//! * [`session`]: sign-in, the session cookie, sign-out, the organization switcher;
//! * [`csrf`]: the form token every POST must carry;
//! * [`page`]: the frame, the error page and small pieces;
//! * [`shipments`]: the dashboard, a shipment, its forms;
//! * [`notifications`]: the bell's list; [`account`]: profile and password;
//! * [`admin`]: users, the organization's members and invitations;
//! * [`invitations`]: the public accept-invitation page.
//!
//! [`CurrentUser`]: crate::http::auth::CurrentUser

pub mod account;
pub mod admin;
pub mod assets;
pub mod csrf;
pub mod documents;
pub mod error;
pub mod invitations;
pub mod notifications;
pub mod page;
pub mod products;
pub mod session;
pub mod shipments;

use axum::body::{to_bytes, Bytes};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::http::error::ApiError;
use crate::http::AppState;
use csrf::CsrfKey;
use error::WebError;

/// The web UI's settings, part of [`AppState`].
#[derive(Clone)]
pub struct WebSettings {
    pub csrf: CsrfKey,
    /// Cookies marked `Secure` (production: served over HTTPS).
    pub secure_cookies: bool,
}

impl WebSettings {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            csrf: CsrfKey::derive(secret),
            secure_cookies: false,
        }
    }
}

/// The pages, merged into [`crate::http::router`].
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/session/organization", post(session::switch_organization))
        .route("/dashboard", get(shipments::dashboard))
        .route(
            "/shipments/new",
            get(shipments::new_form).post(shipments::create),
        )
        .route("/shipment/{id}", get(shipments::detail))
        .route(
            "/shipment/{id}/edit",
            get(shipments::edit_form).post(shipments::update),
        )
        .route("/shipment/{id}/delete", post(shipments::delete))
        .route(
            "/shipment/{id}/documents",
            post(documents::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/shipment/{id}/refresh", post(documents::refresh))
        .route("/shipment/{id}/products", post(products::create))
        .route(
            "/shipment/{id}/products/{product}/edit",
            get(products::edit_form).post(products::update),
        )
        .route(
            "/shipment/{id}/products/{product}/remove",
            post(products::remove),
        )
        .route("/shipment/{id}/audit-pack", get(documents::audit_pack))
        .route("/document/{id}/download", get(documents::download))
        .route(
            "/document/{id}/edit",
            get(documents::edit_form).post(documents::update),
        )
        .route("/document/{id}/delete", post(documents::delete))
        .route("/document/{id}/{action}", post(documents::review))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read-all", post(notifications::read_all))
        .route("/notifications/live", get(notifications::live))
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route("/accept-invitation", get(invitations::show))
        .route("/accept-invitation/register", post(invitations::register))
        .route("/accept-invitation/join", post(invitations::join))
        .route("/users", get(admin::users).post(admin::create_user))
        .route(
            "/users/{id}/edit",
            get(admin::edit_user_form).post(admin::update_user),
        )
        .route("/users/{id}/{action}", post(admin::set_user_active))
        .route("/organization", get(admin::organization))
        .route(
            "/organizations",
            get(admin::organizations).post(admin::create_organization),
        )
        .route(
            "/organization/members/{id}/{action}",
            post(admin::change_member),
        )
        .route("/organization/invitations", post(admin::invite))
        .route(
            "/organization/invitations/{id}/{action}",
            post(admin::change_invitation),
        )
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route(assets::STYLESHEET_ROUTE, get(assets::stylesheet))
        .route(assets::BELL_SCRIPT_ROUTE, get(assets::bell_script))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::require_token,
        ))
        .layer(middleware::from_fn(page_headers))
}

/// What every page answer gets: a status without a page of its own (an extractor's plain
/// text refusal) becomes one, and the browser is told to keep pages out of frames and
/// caches and to run no script or style from elsewhere.
async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if (status.is_client_error() || status.is_server_error()) && plain {
        response = error::bare(status);
    }
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The 404 of a path no route serves: a page, unless it is under the API.
pub fn not_found_page() -> Response {
    error::bare(StatusCode::NOT_FOUND)
}

// ---------------------------------------------------------------------------------------
// Path parameters

/// The ids in a page's path, in the route's order (an `{action}` segment is not one of
/// them): anything that is not an id is a page that does not exist (404 page), unlike the
/// API's 422 (see [`crate::http::extract::PathIds`]).
#[derive(Debug, Clone, Copy)]
pub struct PageIds<const N: usize>(pub [uuid::Uuid; N]);

impl<const N: usize, S: Send + Sync> FromRequestParts<S> for PageIds<N> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::Api(ApiError::NotFound))?;
        let mut ids = [uuid::Uuid::nil(); N];
        let mut count = 0;
        for (_, value) in params.iter().filter(|(name, _)| *name != ACTION) {
            let slot = ids.get_mut(count).ok_or_else(|| wrong_route(N))?;
            *slot = uuid::Uuid::try_parse(value).map_err(|_| WebError::Api(ApiError::NotFound))?;
            count += 1;
        }
        if count != N {
            return Err(wrong_route(N));
        }
        Ok(PageIds(ids))
    }
}

/// The `{action}` segment of a route (`/users/{id}/{action}`).
#[derive(Debug, Clone)]
pub struct PageAction(pub String);

/// The name of the action segment in the routes.
const ACTION: &str = "action";

impl<S: Send + Sync> FromRequestParts<S> for PageAction {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::Api(ApiError::NotFound))?;
        params
            .iter()
            .find(|(name, _)| *name == ACTION)
            .map(|(_, value)| PageAction(value.to_string()))
            .ok_or_else(|| wrong_route(1))
    }
}

fn wrong_route(wanted: usize) -> WebError {
    WebError::Api(ApiError::Internal(anyhow::anyhow!(
        "the route's path parameters do not match the handler's ({wanted} ids)"
    )))
}

// ---------------------------------------------------------------------------------------
// Form bodies

/// An `application/x-www-form-urlencoded` body (the CSRF layer has read it already, so it
/// is small).
pub struct FormData {
    bytes: Bytes,
    pairs: Vec<(String, String)>,
}

impl FormData {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// What was sent for `names`, to show a refused form again as it was filled in.
    pub fn values<'a>(&self, names: &[&'a str]) -> Vec<(&'a str, String)> {
        names
            .iter()
            .map(|name| (*name, self.get(name).unwrap_or_default().to_string()))
            .collect()
    }

    /// The raw body (for parsers of the API that read forms themselves).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The named fields that were sent, as the JSON object an API body type reads: the
    /// API's checks and messages then apply unchanged. An empty field is `null`: nothing
    /// on a create, "clear" on a change (a required one is refused as missing).
    pub fn to_json(&self, names: &[&str]) -> serde_json::Value {
        self.to_json_with_numbers(names, &[])
    }

    /// [`FormData::to_json`] where the `numbers` among the fields are sent as JSON numbers
    /// (empty: `null`, which clears; not a number: the text, which the API refuses by name).
    pub fn to_json_with_numbers(&self, names: &[&str], numbers: &[&str]) -> serde_json::Value {
        let object = names
            .iter()
            .filter_map(|name| {
                let value = self.get(name)?;
                let json = if value.trim().is_empty() {
                    serde_json::Value::Null
                } else if numbers.contains(name) {
                    number(value.trim())
                } else {
                    serde_json::Value::from(value)
                };
                Some((name.to_string(), json))
            })
            .collect();
        serde_json::Value::Object(object)
    }

    /// [`FormData::to_json`] read into the API's body type `T`, with the API's messages.
    pub fn read<T: serde::de::DeserializeOwned>(&self, names: &[&str]) -> Result<T, ApiError> {
        self.read_with_numbers(names, &[])
    }

    /// [`FormData::to_json_with_numbers`] read into the API's body type `T`.
    pub fn read_with_numbers<T: serde::de::DeserializeOwned>(
        &self,
        names: &[&str],
        numbers: &[&str],
    ) -> Result<T, ApiError> {
        let json = self.to_json_with_numbers(names, numbers).to_string();
        crate::http::extract::parse_json(json.as_bytes())
    }
}

/// A number field's JSON: an integer, a decimal, `null` when empty, else the text itself.
fn number(text: &str) -> serde_json::Value {
    if text.is_empty() {
        return serde_json::Value::Null;
    }
    if let Ok(integer) = text.parse::<i64>() {
        return integer.into();
    }
    match text.parse::<f64>() {
        Ok(decimal) if decimal.is_finite() => decimal.into(),
        _ => text.into(),
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Response;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Response> {
        let bytes = to_bytes(request.into_body(), 64 * 1024)
            .await
            .map_err(|_| WebError::from(ApiError::Validation(Vec::new())).into_response())?;
        let pairs = url::form_urlencoded::parse(&bytes)
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        Ok(FormData { bytes, pairs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &'static str) -> FormData {
        let bytes = Bytes::from_static(body.as_bytes());
        let pairs = url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        FormData { bytes, pairs }
    }

    #[test]
    fn a_form_becomes_the_json_the_api_reads() {
        let form = form("csrf=x&reference=VBT-1&eta=&unknown=1");
        assert_eq!(
            form.to_json(&["reference", "eta", "vessel_name"]),
            serde_json::json!({"reference": "VBT-1", "eta": null})
        );
        assert_eq!(form.get("csrf"), Some("x"));
    }

    #[test]
    fn number_fields_become_numbers() {
        let form = form("kg=24000.5&count=12&empty=&bad=twelve&text=12");
        assert_eq!(
            form.to_json_with_numbers(
                &["kg", "count", "empty", "bad", "text"],
                &["kg", "count", "empty", "bad"]
            ),
            serde_json::json!({"kg": 24000.5, "count": 12, "empty": null, "bad": "twelve", "text": "12"})
        );
        assert_eq!(number("inf"), serde_json::json!("inf"));
    }
}
