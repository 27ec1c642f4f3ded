//! Cross-site request forgery: every form post carries a token only our pages can know.
//!
//! The token is an HMAC, under a key derived from the server's secret, of the secret the
//! browser's cookie holds: the session cookie once signed in, before that a random
//! "pre-session" cookie (the sign-in and accept-invitation forms). A page on another site can
//! make the browser send the cookie (where `SameSite=Lax` does not already stop it) but can
//! read neither the cookie nor our page, so it cannot produce the token. Nothing is stored:
//! the token changes with the session, and signing out ends it.
//!
//! [`require_token`] checks it on every POST of the web pages, before any handler runs, so a
//! new form cannot forget it: the token is read from the urlencoded body's `csrf` field, or,
//! for a multipart upload, from the `csrf` query parameter of the form's action.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::session::{cookie, PRE_SESSION_COOKIE, SESSION_COOKIE};
use crate::http::AppState;

/// The form field (and query parameter) the token travels in.
pub const FIELD: &str = "csrf";

/// The largest urlencoded form body read (no page posts more).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The key form tokens are computed with.
#[derive(Clone)]
pub struct CsrfKey([u8; 32]);

impl CsrfKey {
    /// Derived from the server's signing secret, so every instance agrees and a new secret
    /// invalidates old forms along with old sessions.
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"tracehub web form token v1");
        Self(mac.finalize().into_bytes().into())
    }

    /// The token of a cookie secret (`kind` keeps session and pre-session tokens apart).
    fn token(&self, kind: &str, secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(secret.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn verify(&self, kind: &str, secret: &str, token: &str) -> bool {
        let Ok(bytes) = hex::decode(token) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(secret.as_bytes());
        mac.verify_slice(&bytes).is_ok()
    }

    /// The token pages put in their forms for a browser with these cookies: the session's
    /// when there is a session cookie, else the pre-session cookie's (`None` without either:
    /// the page sets a pre-session cookie first, see [`super::session::PreSession`]).
    pub fn token_for(&self, headers: &HeaderMap) -> Option<String> {
        let (kind, secret) = basis(headers)?;
        Some(self.token(kind, &secret))
    }

    /// The token of a pre-session cookie value the response is about to set.
    pub fn pre_session_token(&self, value: &str) -> String {
        self.token(PRE_SESSION_COOKIE, value)
    }

    /// The token of a session cookie value the response is about to set.
    pub fn session_token(&self, value: &str) -> String {
        self.token(SESSION_COOKIE, value)
    }
}

/// Which cookie a form token is bound to: the session's, else the pre-session one.
fn basis(headers: &HeaderMap) -> Option<(&'static str, String)> {
    if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        return Some((SESSION_COOKIE, secret));
    }
    cookie(headers, PRE_SESSION_COOKIE).map(|secret| (PRE_SESSION_COOKIE, secret))
}

/// Refuses (403, as a page) a POST to the web pages without the right token.
pub async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let from_query = parts
        .uri
        .query()
        .and_then(|query| field_of(query.as_bytes()));
    let (token, body) = match from_query {
        Some(token) => (Some(token), body),
        None => {
            let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
                return super::page::error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The form was too large to be read.",
                );
            };
            (field_of(&bytes), Body::from(bytes))
        }
    };
    let valid = match (basis(&parts.headers), token) {
        (Some((kind, secret)), Some(token)) => state.web.csrf.verify(kind, &secret, &token),
        _ => false,
    };
    if !valid {
        tracing::info!(path = %parts.uri.path(), "form post without a valid CSRF token refused");
        return super::page::error(
            StatusCode::FORBIDDEN,
            "This form has expired or did not come from TraceHub. Go back, reload the page and try again.",
        );
    }
    next.run(Request::from_parts(parts, body)).await
}

/// The `csrf` field of an urlencoded text.
fn field_of(encoded: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(encoded)
        .find(|(key, _)| key == FIELD)
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie_line: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::COOKIE, cookie_line.parse().unwrap());
        headers
    }

    #[test]
    fn a_token_belongs_to_its_cookie() {
        let key = CsrfKey::derive(b"secret");
        let token = key.token_for(&headers("tracehub_session=abc")).unwrap();
        assert!(key.verify(SESSION_COOKIE, "abc", &token));
        assert!(!key.verify(SESSION_COOKIE, "abd", &token));
        // A pre-session token does not pass for a session with the same secret.
        assert!(!key.verify(PRE_SESSION_COOKIE, "abc", &token));
        assert!(!key.verify(SESSION_COOKIE, "abc", "not hex"));
        assert!(!key.verify(SESSION_COOKIE, "abc", ""));
    }

    #[test]
    fn another_key_makes_other_tokens() {
        let one = CsrfKey::derive(b"one");
        let other = CsrfKey::derive(b"other");
        let token = one.session_token("abc");
        assert!(!other.verify(SESSION_COOKIE, "abc", &token));
    }

    #[test]
    fn the_session_cookie_wins_over_the_pre_session_one() {
        let key = CsrfKey::derive(b"secret");
        let both = headers("tracehub_pre=xyz; tracehub_session=abc");
        assert_eq!(key.token_for(&both), Some(key.session_token("abc")));
        let pre = headers("tracehub_pre=xyz");
        assert_eq!(key.token_for(&pre), Some(key.pre_session_token("xyz")));
        assert_eq!(key.token_for(&HeaderMap::new()), None);
    }

    #[test]
    fn the_field_is_found_among_others() {
        assert_eq!(field_of(b"a=1&csrf=t%2Bk&b=2"), Some("t+k".to_string()));
        assert_eq!(field_of(b"a=1"), None);
    }
}
