//! A JSONCargo-style HTTP tracking provider.
//!
//! Requests (the key in the `x-api-key` header, never in the URL):
//!
//! * `GET {base}/containers/{container}?shipping_line={LINE}`
//! * `GET {base}/containers/bol/{bill}?shipping_line={LINE}`
//! * `GET {base}/api_key/stats`
//!
//! `LINE` is JSONCargo's spelling of the line: our carrier code upper-cased with `_` for
//! `-` (`MAERSK`, `HAPAG_LLOYD`, `CMA_CGM`, `YANG_MING`, …). A container whose line we do
//! not know is asked about without it.
//!
//! Answers: `{"data": {…}}` with the fields `container_id`, `container_type`,
//! `container_status`, `shipping_line_name`, `shipping_line_id`, `shipped_from[_terminal]`,
//! `shipped_to[_terminal]`, `loading_port`, `discharging_port`, `atd_origin`,
//! `eta_final_destination`, `last_location[_terminal]`, `timestamp_of_last_location`,
//! `atd_last_location`, `next_location[_terminal]`, `eta_next_destination`,
//! `last_vessel_name`, `last_voyage_number`, `current_vessel_name`, `current_voyage_number`,
//! `last_updated`, `last_movement_timestamp`; a bill of lading adds
//! `associated_container_numbers`; stats are `plan`, `requests_total`, `requests_made`,
//! `requests_available`. How they map onto [`LiveStatus`] is in [`body`].
//!
//! Outcomes: 2xx → parsed ([`ProviderError::Malformed`] when the body is not a JSON
//! object); 404, or a body whose error says "not found" → `Ok(None)`; 429, 5xx, timeouts
//! and connection failures → retried (3 attempts, exponential backoff with jitter,
//! `Retry-After` seconds honoured up to 10 s), then [`ProviderError::Unavailable`],
//! [`ProviderError::Timeout`] or [`ProviderError::Transport`]; any other status →
//! [`ProviderError::Rejected`] at once (a wrong key does not get better by asking again).
//! Redirects are not followed: the key would travel with them. Bodies over 2 MiB are
//! refused.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, RETRY_AFTER};
use reqwest::StatusCode;
use url::Url;

use crate::domain::tracking::carrier::Carrier;
use crate::domain::tracking::BillOfLading;
use crate::tracking::retry::{parse_retry_after, RetryPolicy};
use crate::tracking::{ContainerQuery, LiveStatus, ProviderError, TrackingProvider};

mod body;

pub use body::parse_timestamp;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.jsoncargo.com/api/v1";
/// Time to establish a connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time for a whole request, body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest body read.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// How to reach the provider.
#[derive(Clone)]
pub struct JsonCargoOptions {
    pub base_url: String,
    pub api_key: String,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl JsonCargoOptions {
    /// The production API with `api_key` and the default timeout and retries.
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: api_key.into(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for JsonCargoOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonCargoOptions")
            .field("base_url", &self.base_url)
            .field("api_key", &"[redacted]")
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// The HTTP provider. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct JsonCargoClient {
    http: reqwest::Client,
    base: Url,
    /// Kept only to scrub it from anything the provider echoes back.
    key: String,
    request_timeout: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for JsonCargoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonCargoClient")
            .field("base", &self.base.as_str())
            .field("api_key", &"[redacted]")
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// What one attempt came to.
enum Attempt {
    Done(Result<Option<Vec<u8>>, ProviderError>),
    Retry {
        error: ProviderError,
        retry_after: Option<Duration>,
    },
}

impl JsonCargoClient {
    /// Checks the options and builds the client. Errors name the problem, never the key.
    pub fn new(options: JsonCargoOptions) -> Result<Self, ProviderError> {
        let key = options.api_key.trim().to_string();
        if key.is_empty() {
            return Err(ProviderError::NotConfigured);
        }
        let mut key_header = HeaderValue::from_str(&key).map_err(|_| {
            ProviderError::Transport("the API key has characters a header cannot carry".into())
        })?;
        key_header.set_sensitive(true);
        let base = parse_base_url(&options.base_url).map_err(ProviderError::Transport)?;
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key_header);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(options.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tracehub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::Transport(format!("building the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            key,
            request_timeout: options.request_timeout,
            retry: RetryPolicy {
                attempts: options.retry.attempts.max(1),
                ..options.retry
            },
        })
    }

    /// `{base}/a/b?shipping_line=…`, each segment percent-encoded by the URL builder.
    fn url(&self, segments: &[&str], carrier: Option<Carrier>) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("checked to be a base URL")
            .pop_if_empty()
            .extend(segments);
        if let Some(carrier) = carrier {
            url.query_pairs_mut()
                .append_pair("shipping_line", &shipping_line(carrier));
        }
        url
    }

    /// GETs `url` with retries; `Ok(None)` for a 404 or a not-found error body.
    async fn get(&self, url: Url) -> Result<Option<Vec<u8>>, ProviderError> {
        let mut attempt = 1;
        loop {
            match self.attempt(&url).await {
                Attempt::Done(result) => return result,
                Attempt::Retry { error, retry_after } => {
                    if attempt >= self.retry.attempts {
                        return Err(error);
                    }
                    let jitter = rand::random::<f64>();
                    let wait = self.retry.delay(attempt, retry_after, jitter);
                    tracing::warn!(
                        provider = "jsoncargo",
                        path = url.path(),
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        error = %error,
                        "tracking provider call failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self, url: &Url) -> Attempt {
        let response = match self.http.get(url.clone()).send().await {
            Ok(response) => response,
            Err(error) => return self.transport_failure(error),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let bytes = match read_bounded(response).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => {
                return Attempt::Done(Err(ProviderError::Malformed(format!(
                    "the body is larger than {} MiB",
                    MAX_BODY_BYTES / (1024 * 1024)
                ))))
            }
            Err(BodyError::Http(error)) => return self.transport_failure(error),
        };
        if status.is_success() {
            return Attempt::Done(Ok(Some(bytes)));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Attempt::Retry {
                error: ProviderError::Unavailable {
                    status: status.as_u16(),
                },
                retry_after,
            };
        }
        let message = body::object(&bytes)
            .ok()
            .and_then(|b| body::error_message(&b))
            .map(|m| self.scrub(&m));
        let key_refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
        if status == StatusCode::NOT_FOUND
            || (!key_refused && message.as_deref().is_some_and(body::says_not_found))
        {
            return Attempt::Done(Ok(None));
        }
        let message = message.unwrap_or_else(|| match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                "the API key was refused; check TRACKING_API_KEY".into()
            }
            _ => status
                .canonical_reason()
                .unwrap_or("unexpected status")
                .into(),
        });
        Attempt::Done(Err(ProviderError::Rejected {
            status: status.as_u16(),
            message,
        }))
    }

    /// Timeouts and connection failures are worth another try; the rest is not.
    fn transport_failure(&self, error: reqwest::Error) -> Attempt {
        let error = error.without_url();
        if error.is_timeout() {
            return Attempt::Retry {
                error: ProviderError::Timeout {
                    after: self.request_timeout,
                },
                retry_after: None,
            };
        }
        let described = self.scrub(&describe(&error));
        if error.is_connect() || error.is_request() || error.is_body() {
            return Attempt::Retry {
                error: ProviderError::Transport(described),
                retry_after: None,
            };
        }
        Attempt::Done(Err(ProviderError::Transport(described)))
    }

    /// Removes the key from text the provider (or a proxy) may have echoed.
    fn scrub(&self, text: &str) -> String {
        text.replace(&self.key, "[redacted]")
    }

    /// Parses a container or bill-of-lading answer.
    fn live_status(
        &self,
        bytes: Option<Vec<u8>>,
        asked: Option<&crate::domain::ContainerNumber>,
        carrier: Option<Carrier>,
    ) -> Result<Option<LiveStatus>, ProviderError> {
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        let object = body::object(&bytes)?;
        let data = body::data(&object).map_err(|e| match e {
            ProviderError::Rejected { status, message } => ProviderError::Rejected {
                status,
                message: self.scrub(&message),
            },
            other => other,
        })?;
        Ok(data.map(|data| body::live_status(data, asked, carrier)))
    }
}

#[async_trait]
impl TrackingProvider for JsonCargoClient {
    fn name(&self) -> &'static str {
        "jsoncargo"
    }

    async fn container(&self, query: &ContainerQuery) -> Result<Option<LiveStatus>, ProviderError> {
        let carrier = query.effective_carrier();
        let url = self.url(&["containers", query.container.as_str()], carrier);
        let bytes = self.get(url).await?;
        self.live_status(bytes, Some(&query.container), carrier)
    }

    async fn bill_of_lading(
        &self,
        bl: &BillOfLading,
        carrier: Carrier,
    ) -> Result<Option<LiveStatus>, ProviderError> {
        let url = self.url(&["containers", "bol", bl.as_str()], Some(carrier));
        let bytes = self.get(url).await?;
        self.live_status(bytes, None, Some(carrier))
    }

    async fn usage(&self) -> Result<serde_json::Value, ProviderError> {
        let url = self.url(&["api_key", "stats"], None);
        let Some(bytes) = self.get(url).await? else {
            return Ok(serde_json::json!({"provider": "jsoncargo"}));
        };
        Ok(body::usage(&body::object(&bytes)?))
    }
}

/// JSONCargo's `shipping_line` value for a line: `hapag-lloyd` → `HAPAG_LLOYD`.
pub fn shipping_line(carrier: Carrier) -> String {
    carrier.code().to_ascii_uppercase().replace('-', "_")
}

/// An `http(s)` URL that can take path segments, without credentials, query or fragment.
pub fn parse_base_url(text: &str) -> Result<Url, String> {
    let refuse = |why: &str| format!("TRACKING_API_URL must be an http(s) base URL ({why})");
    let url = Url::parse(text.trim()).map_err(|_| refuse("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http and https"));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(refuse("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("no credentials; the key goes in TRACKING_API_KEY"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("no query or fragment"));
    }
    Ok(url)
}

/// A transport error and its causes in one line (reqwest's own message is terse).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(300).collect()
}

enum BodyError {
    TooLarge,
    Http(reqwest::Error),
}

/// Reads the body, stopping at [`MAX_BODY_BYTES`].
async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY_BYTES as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Http)? {
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(key: &str) -> JsonCargoClient {
        JsonCargoClient::new(JsonCargoOptions {
            base_url: "https://tracking.example/api/v1/".into(),
            ..JsonCargoOptions::new(key)
        })
        .unwrap()
    }

    #[test]
    fn shipping_lines_are_spelled_the_providers_way() {
        let spelled: Vec<String> = Carrier::ALL.into_iter().map(shipping_line).collect();
        assert_eq!(
            spelled,
            [
                "MAERSK",
                "MSC",
                "HAPAG_LLOYD",
                "ONE",
                "CMA_CGM",
                "EVERGREEN",
                "COSCO",
                "ZIM",
                "HMM",
                "YANG_MING"
            ]
        );
    }

    #[test]
    fn urls_are_built_from_segments_with_the_line_as_query() {
        let c = client("k");
        let url = c.url(&["containers", "MSKU9070323"], Some(Carrier::HapagLloyd));
        assert_eq!(
            url.as_str(),
            "https://tracking.example/api/v1/containers/MSKU9070323?shipping_line=HAPAG_LLOYD"
        );
        assert_eq!(
            c.url(&["api_key", "stats"], None).as_str(),
            "https://tracking.example/api/v1/api_key/stats"
        );
        // Even a hostile segment (which our types never produce) stays one segment.
        let hostile = c.url(&["containers", "../x?y=1#z"], None);
        assert_eq!(
            hostile.as_str(),
            "https://tracking.example/api/v1/containers/..%2Fx%3Fy=1%23z"
        );
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let c = client("super-secret-key-123");
        assert!(!format!("{c:?}").contains("super-secret-key-123"));
        let options = JsonCargoOptions::new("super-secret-key-123");
        assert!(!format!("{options:?}").contains("super-secret-key-123"));
        assert_eq!(
            c.scrub("bad key super-secret-key-123!"),
            "bad key [redacted]!"
        );
    }

    #[test]
    fn options_are_checked() {
        let with = |url: &str, key: &str| {
            JsonCargoClient::new(JsonCargoOptions {
                base_url: url.into(),
                ..JsonCargoOptions::new(key)
            })
        };
        assert_eq!(
            with(DEFAULT_BASE_URL, "  ").unwrap_err(),
            ProviderError::NotConfigured
        );
        assert!(with(DEFAULT_BASE_URL, "bad\nkey").is_err());
        for bad in [
            "ftp://x/api",
            "not a url",
            "https://user:pw@x/api",
            "https://x/api?key=1",
            "mailto:a@b",
        ] {
            let error = with(bad, "k").unwrap_err().to_string();
            assert!(error.contains("TRACKING_API_URL"), "{bad}: {error}");
        }
        assert!(with("http://127.0.0.1:9/api/v1", "k").is_ok());
    }
}
