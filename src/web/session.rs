//! Browser sessions: the sign-in form, the session cookie, who a page is for, signing out and
//! switching organizations.
//!
//! The cookie holds a random secret; the server keeps the session (revision 023). Every page
//! resolves the secret to its session and then checks it exactly as a bearer token is
//! checked ([`CurrentUser::check`], with the session's id as `jti` and its opening second as
//! `iat`), so a password change, an admin reset, a deactivation, a suspended membership or a
//! sign-out end it like they end tokens.

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Query, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::error::WebError;
use super::page::{self, Header};
use super::FormData;
use crate::auth::Claims;
use crate::db::sessions;
use crate::db::tenant::TenantTx;
use crate::http::auth::{self as api_auth, CurrentUser, BAD_LOGIN, DEACTIVATED};
use crate::http::error::ApiError;
use crate::http::extract::{ClientAddress, RequestId};
use crate::http::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tracehub_session";
/// The cookie that binds the forms of a browser not signed in (see [`super::csrf`]).
pub const PRE_SESSION_COOKIE: &str = "tracehub_pre";

/// How long a browser session lasts from sign-in.
pub const SESSION_HOURS: i64 = 12;

/// The value of the cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, `SameSite=Lax`, the whole site, `Secure` when the server
/// is served over HTTPS (production); `max_age` `Some(0)` removes the cookie, `None` makes it
/// last as long as the browser.
fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).expect("cookie values are hex")
}

/// The header that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    set_cookie(SESSION_COOKIE, "", Some(0), secure)
}

/// 32 random bytes, hex: a cookie secret.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Where to go after signing in: a path of this site only (never `//host` or a URL).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control)
                && path.len() <= 2000 =>
        {
            path.to_string()
        }
        _ => "/dashboard".to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Who a page is for

/// The signed-in person a page is rendered for: the checked caller and the header's facts.
/// A request without a live session is sent to the sign-in page (and back afterwards).
pub struct Visitor {
    pub header: Header,
    caller: CurrentUser,
    /// The transaction the session was checked and the header read in, still open: the
    /// page's first operation continues it (two round trips fewer per page).
    checked: std::sync::Mutex<Option<TenantTx>>,
    secret: String,
}

impl Visitor {
    /// The caller for one API operation: the first continues the checked transaction,
    /// each later one runs in a transaction of its own.
    pub fn caller(&self) -> CurrentUser {
        let caller = self.caller.fork();
        let checked = self
            .checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match checked {
            Some(tx) => caller.continue_in(tx),
            None => caller,
        }
    }

    pub fn user_id(&self) -> Uuid {
        self.caller.user_id
    }

    /// Gives the held transaction's connection back (before work on the pool itself, so a
    /// request never holds two connections).
    pub fn release(&self) {
        self.checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// 403 unless the visitor holds `permission` here (the API's refusal; no transaction
    /// spent on it).
    pub fn require(&self, permission: crate::domain::Permission) -> Result<(), ApiError> {
        self.caller.require(permission)
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        // Back to the page after signing in; a form post cannot be repeated by a link.
        let next = (parts.method == axum::http::Method::GET)
            .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_string()))
            .flatten();
        let sign_in = || WebError::SignIn { next: next.clone() };
        let secret = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(sign_in)?;
        let session = sessions::web_session(&state.pool, &secret_hash(&secret))
            .await
            .map_err(ApiError::from)?
            .ok_or_else(sign_in)?;
        let claims = Claims {
            sub: session.user_id,
            org: session.organization_id,
            iat: session.created_at.timestamp(),
            exp: session.expires_at.timestamp(),
            jti: session.id,
        };
        let mut caller = match CurrentUser::check(state, claims).await {
            Ok(caller) => caller,
            Err(ApiError::Unauthorized(_)) => return Err(sign_in()),
            Err(e) => return Err(e.into()),
        };
        let mut tx = caller.begin().await?;
        let facts = sessions::page_header(&mut tx, caller.user_id)
            .await?
            .ok_or_else(sign_in)?;
        let organization_name = facts
            .organizations
            .iter()
            .find(|(id, _)| *id == caller.organization_id)
            .map(|(_, name)| name.clone())
            .unwrap_or_default();
        let header = Header {
            full_name: facts.full_name,
            email: facts.email,
            role: caller.role.as_str(),
            organization_id: caller.organization_id,
            organization_name,
            organizations: facts.organizations,
            unread: facts.unread,
            access: caller.access(),
            csrf: state.web.csrf.session_token(&secret),
        };
        Ok(Visitor {
            header,
            caller,
            checked: std::sync::Mutex::new(Some(tx)),
            secret,
        })
    }
}

/// `Option<Visitor>`: the page also serves people who are not signed in.
impl OptionalFromRequestParts<AppState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, WebError> {
        match <Visitor as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(visitor) => Ok(Some(visitor)),
            Err(WebError::SignIn { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Signing in and out

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /login`: the form (or, with a live session, straight on).
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some(_)) = sessions::web_session(&state.pool, &secret_hash(&secret)).await {
            return Redirect::to(&next).into_response();
        }
    }
    sign_in_form(&state, &headers, StatusCode::OK, &next, "", None)
}

/// The sign-in form, with the pre-session cookie set when the browser has none yet.
fn sign_in_form(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    email: &str,
    problem: Option<&str>,
) -> Response {
    let (token, new_cookie) = form_token(state, headers);
    let markup = page::public(
        "Sign in",
        html! {
            h1 { "Sign in" }
            p.lead { "Container Tracking & Compliance Platform" }
            @if let Some(problem) = problem {
                div.errors role="alert" { p { (problem) } }
            }
            form.stack method="post" action="/login" {
                (page::csrf_field(&token))
                input type="hidden" name="next" value=(next);
                label for="username" { "E-mail" }
                input #username type="email" name="username" autocomplete="username" required value=(email) autofocus;
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                button.primary type="submit" { "Sign in" }
            }
            p.hint { "VIBOTAJ Global Nigeria Ltd" }
        },
    );
    let mut response = (status, markup).into_response();
    if let Some(cookie) = new_cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// The form token of a page for a browser that may not be signed in: bound to its session
/// or pre-session cookie, or to a new pre-session cookie that the response must set (the
/// second value).
pub fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match state.web.csrf.token_for(headers) {
        Some(token) => (token, None),
        None => {
            let value = new_secret();
            let cookie = set_cookie(PRE_SESSION_COOKIE, &value, None, state.web.secure_cookies);
            (state.web.csrf.pre_session_token(&value), Some(cookie))
        }
    }
}

/// `POST /login`: the API's sign-in (same throttle, audit and checks), then a session.
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    request_id: RequestId,
    headers: HeaderMap,
    form: FormData,
) -> Response {
    let next = safe_next(form.get("next"));
    let email = form.get("username").unwrap_or_default().to_string();
    let refused = |status: StatusCode, problem: &str| {
        sign_in_form(&state, &headers, status, &next, &email, Some(problem))
    };
    let credentials = match api_auth::parse_form(form.bytes()) {
        Ok(credentials) => credentials,
        Err(_) => {
            return refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Enter your e-mail address and your password.",
            )
        }
    };
    let signed_in = match api_auth::sign_in(&state, credentials, address, &request_id).await {
        Ok(signed_in) => signed_in,
        Err(ApiError::Unauthorized(why)) if why == DEACTIVATED => {
            return refused(StatusCode::UNAUTHORIZED, "This account is deactivated.")
        }
        Err(ApiError::Unauthorized(_)) => {
            return refused(StatusCode::UNAUTHORIZED, &format!("{BAD_LOGIN}."))
        }
        Err(ApiError::TooManyRequests { retry_after_secs }) => {
            return refused(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Too many attempts. Try again in {retry_after_secs} seconds."),
            )
        }
        Err(ApiError::Forbidden(why)) => return refused(StatusCode::FORBIDDEN, &why),
        Err(e) => return WebError::from(e).into_response(),
    };
    // A session this browser still had ends: one browser, one session.
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = sessions::end_web_session(&state.pool, &secret_hash(&secret)).await {
            return WebError::from(ApiError::from(e)).into_response();
        }
    }
    match open_session(&state, signed_in.user.id, signed_in.organization.id).await {
        Ok(cookie) => {
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().append(SET_COOKIE, cookie);
            response
        }
        Err(e) => e.into_response(),
    }
}

/// Opens a session and returns the cookie that carries it.
pub async fn open_session(
    state: &AppState,
    user_id: Uuid,
    organization_id: Uuid,
) -> Result<HeaderValue, WebError> {
    let secret = new_secret();
    let lifetime = chrono::Duration::hours(SESSION_HOURS);
    sessions::open_web_session(
        &state.pool,
        Uuid::new_v4(),
        &secret_hash(&secret),
        user_id,
        organization_id,
        lifetime,
    )
    .await
    .map_err(ApiError::from)?;
    Ok(set_cookie(
        SESSION_COOKIE,
        &secret,
        Some(lifetime.num_seconds()),
        state.web.secure_cookies,
    ))
}

/// `POST /logout`: the session ends on the server; the cookie is removed.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = sessions::end_web_session(&state.pool, &secret_hash(&secret)).await {
            return WebError::from(ApiError::from(e)).into_response();
        }
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(SET_COOKIE, clear_session_cookie(state.web.secure_cookies));
    response
}

/// `POST /session/organization`: act in another organization of the same account.
pub async fn switch_organization(visitor: Visitor, form: FormData) -> Result<Response, WebError> {
    let target = form
        .get("organization_id")
        .and_then(|text| Uuid::parse_str(text.trim()).ok())
        .filter(|id| visitor.header.organizations.iter().any(|(o, _)| o == id))
        .ok_or(ApiError::NotFound)?;
    switch_to(&visitor, target).await?;
    Ok(Redirect::to("/dashboard").into_response())
}

/// Moves the visitor's session to `organization_id` (a membership the caller checked; the
/// next request checks it again, as every request does).
pub async fn switch_to(visitor: &Visitor, organization_id: Uuid) -> Result<(), WebError> {
    let mut caller = visitor.caller();
    let mut tx = caller.begin().await?;
    let moved =
        sessions::switch_web_session(&mut tx, &secret_hash(&visitor.secret), organization_id)
            .await?;
    tx.commit().await?;
    if !moved {
        return Err(WebError::SignIn { next: None });
    }
    tracing::info!(user = %visitor.user_id(), organization = %organization_id, "web session switched organization");
    Ok(())
}

/// The sign-in link of a page that needs one (the accept-invitation page).
pub fn sign_in_link(next: &str) -> Markup {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", next)
        .finish();
    html! { a href=(format!("/login?{query}")) { "Sign in" } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/shipment/1?x=2")), "/shipment/1?x=2");
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/dashboard", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/dashboard");
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            "tracehub_session_old=1; tracehub_session=abc; other=2"
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, PRE_SESSION_COOKIE), None);
    }

    #[test]
    fn session_cookies_are_http_only_and_lax() {
        let plain = set_cookie(SESSION_COOKIE, "abc", Some(60), false);
        assert_eq!(
            plain.to_str().unwrap(),
            "tracehub_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        let secure = set_cookie(SESSION_COOKIE, "abc", None, true);
        assert!(secure.to_str().unwrap().ends_with("; Secure"));
    }
}
