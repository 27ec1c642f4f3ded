//! Request extractors whose rejections are the API's own 422: the offending field is named
//! (`fields[].field`, a dotted path such as `address.country` or `products[0].hs_code`).
//!
//! axum's own `Json` and `Query` reject with plain-text bodies that name no field; handlers use
//! [`JsonBody`] and [`QueryParams`] instead, then check the values' business rules and add
//! any further [`FieldError`]s through [`Fields`].

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use std::net::IpAddr;

use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::error::{ApiError, FieldError};

/// A JSON request body deserialized into `T`; any problem is a 422 naming the field.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(&request) {
            return Err(Fields::one("body", "send application/json"));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| Fields::one("body", "could not be read (too large?)"))?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Whether the request says its body is JSON.
fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let media = v.split(';').next().unwrap_or_default().trim();
            media.eq_ignore_ascii_case("application/json") || media.ends_with("+json")
        })
        .unwrap_or(false)
}

/// A JSON body that may be left out altogether (an empty body reads as `T::default()`);
/// a body that is there is read like [`JsonBody`].
#[derive(Debug, Clone)]
pub struct OptionalJsonBody<T>(pub T);

impl<T, S> FromRequest<S> for OptionalJsonBody<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json(&request);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| Fields::one("body", "could not be read (too large?)"))?;
        if bytes.trim_ascii().is_empty() {
            return Ok(OptionalJsonBody(T::default()));
        }
        if !json {
            return Err(Fields::one("body", "send application/json"));
        }
        parse_json(&bytes).map(OptionalJsonBody)
    }
}

/// Deserializes JSON with the path of the first offending field. Every body of the API is a
/// JSON object: serde would also read a struct from an array (`[]` as `{}`), so arrays are
/// refused first.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.trim_ascii_start().starts_with(b"[") {
        return Err(Fields::one("body", "must be a JSON object"));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return Fields::one("body", "is not valid JSON");
        }
        let message = inner.to_string();
        // serde names a missing field in the message, at the path of its parent.
        if let Some(name) = missing_field(&message) {
            let field = if path == "." {
                name.to_string()
            } else {
                format!("{path}.{name}")
            };
            return Fields::one(&field, "is required");
        }
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        Fields::one(&field, &strip_position(&message))
    })
}

/// Query parameters deserialized into `T`; any problem is a 422 naming the parameter.
#[derive(Debug, Clone)]
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(QueryParams)
            .map_err(|error| {
                let path = error.path().to_string();
                let message = error.into_inner().to_string();
                match missing_field(&message) {
                    Some(name) => Fields::one(name, "is required"),
                    None => Fields::one(
                        if path == "." { "query" } else { &path },
                        &strip_position(&message),
                    ),
                }
            })
    }
}

/// The request's id (set or kept by the request-id layer), for audit entries and logs.
#[derive(Debug, Clone, Default)]
pub struct RequestId(pub Option<String>);

impl RequestId {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestId(
            parts
                .headers
                .get(super::REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        ))
    }
}

/// The client's address: the TCP peer, or — when the peer is a trusted reverse proxy
/// (`TRUSTED_PROXIES`) — the address that proxy chain received the request from, read from
/// `X-Forwarded-For` (see [`client_address`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<super::AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(ClientAddress(peer.map(|peer| {
            client_address(peer, &forwarded, &state.trusted_proxies)
        })))
    }
}

/// The rightmost address of the chain `X-Forwarded-For` values, then the peer, that is not
/// a trusted proxy. Each proxy appends the address it was contacted from, so everything left
/// of the first untrusted hop was written by the client and can be forged; an unparsable hop
/// ends the walk there. With no trusted proxies this is always the peer.
pub fn client_address(peer: IpAddr, forwarded: &[&str], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded.iter().flat_map(|value| value.split(','));
    let mut client = peer;
    for hop in hops.rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

/// serde_json appends " at line 1 column 17"; the field path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Collects field errors of a request's business rules; [`Fields::finish`] turns them into
/// one 422 listing them all.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    /// A 422 for a single field.
    pub fn one(field: &str, message: &str) -> ApiError {
        ApiError::Validation(vec![FieldError {
            field: field.to_string(),
            message: message.to_string(),
        }])
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Records `result`'s error under `field`, returning its value when valid.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records `text` under `field` when it holds a NUL character, which PostgreSQL text
    /// (and jsonb) cannot store; true when it does not.
    pub fn check_no_nul(&mut self, field: &str, text: &str) -> bool {
        if text.contains('\0') {
            self.add(field, "must not contain NUL characters");
            false
        } else {
            true
        }
    }

    /// `Ok(())` when nothing was recorded, else the 422.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// Absent (`None`), `null` (`Some(None)`: clear it) or a value: a field of a PATCH body.
pub type Patch<T> = Option<Option<T>>;

/// Tells an explicit `null` from an absent field (serde maps both to `None` otherwise); use
/// with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Patch<T>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// The largest request body the API reads (JSON bodies; axum's default limit too).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The route whose body is not buffered (a document upload streams to storage).
const UPLOAD_PATH_SUFFIX: &str = "/documents/upload";

/// Whether `path` is a document upload, whose body is streamed by its handler.
fn is_upload(path: &str) -> bool {
    path.ends_with(UPLOAD_PATH_SUFFIX)
        || (path.starts_with(WEB_UPLOAD_PREFIX) && path.ends_with(WEB_UPLOAD_SUFFIX))
}

/// The web page's upload route, `/shipment/{id}/documents`.
const WEB_UPLOAD_PREFIX: &str = "/shipment/";
const WEB_UPLOAD_SUFFIX: &str = "/documents";

/// How long a client may take to send its body.
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads the whole request body before routing, so that no handler — and no database
/// connection, which the [`super::auth::CurrentUser`] extractor holds from the token check
/// on — waits on a slow client. 413 over [`MAX_BODY_BYTES`], 408 after
/// [`BODY_READ_TIMEOUT`]; both in the API's error shape (see `error::render_errors`).
pub async fn buffer_body(
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    // The uploads (the API's, and the web page's `/shipment/{id}/documents`) stream their
    // own body, under their own limit.
    if is_upload(request.uri().path()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(
        BODY_READ_TIMEOUT,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    )
    .await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is larger than 2 MiB, or could not be read",
            )
                .into_response()
        }
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "The request body did not arrive in time",
            )
                .into_response()
        }
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Whether a client's `X-Request-ID` may be kept: it goes into logs and audit rows, so only
/// short ids of letters, digits and `-_.:` (UUIDs, trace ids), at most 100 (the audit
/// column's size: a longer id failed every audited change). Anything else is replaced by
/// a fresh UUID (the predecessor trusted any value: log injection, correlation spoofing).
pub fn is_safe_request_id(value: &[u8]) -> bool {
    (1..=100).contains(&value.len())
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Removes an incoming `X-Request-ID` that [`is_safe_request_id`] refuses, so the request-id
/// layer that runs next assigns a UUID instead.
pub async fn drop_unsafe_request_id(
    mut request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let unsafe_id = request
        .headers()
        .get(super::REQUEST_ID_HEADER)
        .is_some_and(|value| !is_safe_request_id(value.as_bytes()));
    if unsafe_id {
        request.headers_mut().remove(super::REQUEST_ID_HEADER);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let trusted: Vec<ipnet::IpNet> = ["10.0.0.0/8", "127.0.0.1/32"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Not behind a trusted proxy: the header is the client's own words.
        assert_eq!(
            client_address(ip("198.51.100.9"), &["203.0.113.7"], &trusted),
            ip("198.51.100.9")
        );
        // One proxy.
        assert_eq!(
            client_address(ip("127.0.0.1"), &["203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        // A forged first hop, two proxies, in one header or several.
        assert_eq!(
            client_address(
                ip("10.1.1.1"),
                &["1.2.3.4, 203.0.113.7, 10.2.2.2"],
                &trusted
            ),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_address(
                ip("10.1.1.1"),
                &["1.2.3.4", "203.0.113.7", "10.2.2.2"],
                &trusted
            ),
            ip("203.0.113.7")
        );
        // Garbage stops the walk at the last good hop; no header leaves the proxy.
        assert_eq!(
            client_address(ip("10.1.1.1"), &["evil, 10.2.2.2"], &trusted),
            ip("10.2.2.2")
        );
        assert_eq!(
            client_address(ip("10.1.1.1"), &[], &trusted),
            ip("10.1.1.1")
        );
        assert_eq!(
            client_address(ip("127.0.0.1"), &["203.0.113.7"], &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        assert!(is_safe_request_id(b"trace-me-123"));
        assert!(is_safe_request_id(b"8a1f2c3d-0000-4000-8000-000000000001"));
        assert!(is_safe_request_id(b"span.42:a_b"));
        assert!(is_safe_request_id(&[b'a'; 100]));
        for bad in [
            &b""[..],
            b"two words",
            b"quote\"level=error",
            b"caf\xc3\xa9",
            &[b'a'; 101][..],
        ] {
            assert!(!is_safe_request_id(bad), "{bad:?}");
        }
    }
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Address {
        country: String,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: Option<u32>,
        address: Option<Address>,
    }

    fn field_of(result: Result<Body, ApiError>) -> (String, String) {
        match result {
            Err(ApiError::Validation(fields)) => {
                (fields[0].field.clone(), fields[0].message.clone())
            }
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn problems_name_the_field_by_its_path() {
        assert_eq!(field_of(parse_json(b"{}")).0, "name");
        assert_eq!(field_of(parse_json(b"{not json")).0, "body");
        assert_eq!(field_of(parse_json(b"[1]")).0, "body");
        // A struct of optional fields would read `[]` as `{}`.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Patch {
            count: Option<u32>,
        }
        assert!(matches!(
            parse_json::<Patch>(b" []"),
            Err(ApiError::Validation(fields)) if fields[0].field == "body"
        ));
        assert!(parse_json::<Patch>(b"{}").is_ok());
        let (field, message) = field_of(parse_json(br#"{"name":"a","count":-1}"#));
        assert_eq!(field, "count");
        assert!(!message.contains("line"), "{message}");
        assert_eq!(
            field_of(parse_json(br#"{"name":"a","address":{}}"#)).0,
            "address.country"
        );
        assert_eq!(
            field_of(parse_json(
                br#"{"name":"a","address":{"country":"DE","x":1}}"#
            ))
            .0,
            "address.x"
        );
        assert!(parse_json::<Body>(br#"{"name":"a","count":3}"#).is_ok());
    }

    #[test]
    fn fields_collect_every_problem() {
        let mut fields = Fields::new();
        assert!(fields.check("a", "5".parse::<u8>()).is_some());
        assert!(fields.check("b", "x".parse::<u8>()).is_none());
        fields.add("c", "is wrong");
        match fields.finish() {
            Err(ApiError::Validation(list)) => {
                let names: Vec<_> = list.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(names, ["b", "c"]);
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The UUIDs of a route's path parameters, in the route's order (`/organizations/{id}/members/
/// {member_id}` → `[id, member_id]`). Every route takes its ids through this one extractor, so
/// a malformed id gets one answer everywhere: 422 naming the parameter.
#[derive(Debug, Clone, Copy)]
pub struct PathIds<const N: usize>(pub [Uuid; N]);

impl<const N: usize, S: Send + Sync> FromRequestParts<S> for PathIds<N> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("path parameters: {e}")))?;
        let mut ids = [Uuid::nil(); N];
        let mut count = 0;
        let mut fields = Fields::new();
        for (name, value) in &params {
            if count == N {
                break;
            }
            match Uuid::try_parse(value) {
                Ok(id) => ids[count] = id,
                Err(_) => fields.add(name, "must be a UUID"),
            }
            count += 1;
        }
        fields.finish()?;
        if count != N {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "the route has {count} path parameters, the handler wants {N}"
            )));
        }
        Ok(PathIds(ids))
    }
}
