//! The signature of a carrier's webhook: HMAC-SHA256 with the shared secret, sent as
//! `X-Webhook-Signature: sha256=<hex>` (a bare `<hex>` is read too).
//!
//! * Without `X-Webhook-Timestamp`, the signature covers the raw body.
//! * With it (Unix seconds), the signature covers `<timestamp>.<raw body>`, and a timestamp
//!   further than the tolerance from now — older, or in the future — is refused: a captured
//!   request cannot be replayed later. (A replay within the window, or of an unsigned-time
//!   request, stores nothing new: events are unique per shipment.)
//!
//! The comparison is constant-time (`Mac::verify_slice`). Nothing here says which part was
//! wrong to the sender; [`SignatureError`] is for the server's log.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// How far a signed timestamp may be from now, unless configured.
pub const DEFAULT_TOLERANCE: Duration = Duration::minutes(5);

/// A webhook's shared secret (never printed).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// A secret from its configured text; `None` when empty (the webhook is then off).
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self(text.as_bytes().to_vec()))
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

/// Why a webhook request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no X-Webhook-Signature header")]
    Missing,
    #[error("X-Webhook-Signature is not sha256=<64 hex digits>")]
    Malformed,
    #[error("X-Webhook-Timestamp is not a Unix time in seconds")]
    BadTimestamp,
    #[error("the signed timestamp is {seconds} s away from now, beyond the tolerance")]
    Stale { seconds: i64 },
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks a request's signature headers against its raw body.
pub fn verify(
    secret: &WebhookSecret,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let signature = signature.ok_or(SignatureError::Missing)?.trim();
    let hex_digits = signature.strip_prefix("sha256=").unwrap_or(signature);
    if hex_digits.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let expected = hex::decode(hex_digits).map_err(|_| SignatureError::Malformed)?;
    let mut mac = secret.mac();
    if let Some(timestamp) = timestamp {
        let seconds: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        let signed_at =
            DateTime::<Utc>::from_timestamp(seconds, 0).ok_or(SignatureError::BadTimestamp)?;
        let away = (now - signed_at).num_seconds().abs();
        if away > tolerance.num_seconds() {
            return Err(SignatureError::Stale { seconds: away });
        }
        mac.update(timestamp.trim().as_bytes());
        mac.update(b".");
    }
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Webhook-Signature` value for `body` (with the timestamp it covers, if any): what
/// a carrier sends; for tests, benchmarks and operators checking their set-up.
pub fn sign(secret: &WebhookSecret, body: &[u8], timestamp: Option<i64>) -> String {
    let mut mac = secret.mac();
    if let Some(timestamp) = timestamp {
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
    }
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> WebhookSecret {
        WebhookSecret::new("s3cret").unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap()
    }

    fn check(
        body: &[u8],
        signature: Option<&str>,
        timestamp: Option<&str>,
    ) -> Result<(), SignatureError> {
        verify(
            &secret(),
            body,
            signature,
            timestamp,
            now(),
            DEFAULT_TOLERANCE,
        )
    }

    #[test]
    fn a_signed_body_passes_with_or_without_the_prefix() {
        let body = br#"{"container_number":"MSKU1234565"}"#;
        let signature = sign(&secret(), body, None);
        assert_eq!(check(body, Some(&signature), None), Ok(()));
        let bare = signature.strip_prefix("sha256=").unwrap();
        assert_eq!(check(body, Some(bare), None), Ok(()));
        assert_eq!(
            check(
                body,
                Some(&signature.to_uppercase().replace("SHA256=", "sha256=")),
                None
            ),
            Ok(())
        );
    }

    #[test]
    fn a_missing_malformed_or_wrong_signature_is_refused() {
        let body = b"{}";
        assert_eq!(check(body, None, None), Err(SignatureError::Missing));
        assert_eq!(
            check(body, Some("sha256=abc"), None),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            check(body, Some(&"z".repeat(64)), None),
            Err(SignatureError::Malformed)
        );
        let other = sign(&WebhookSecret::new("other").unwrap(), body, None);
        assert_eq!(
            check(body, Some(&other), None),
            Err(SignatureError::Mismatch)
        );
        let signature = sign(&secret(), body, None);
        assert_eq!(
            check(b"{ }", Some(&signature), None),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_signed_timestamp_is_covered_and_must_be_recent() {
        let body = b"{}";
        let at = now().timestamp() - 60;
        let signature = sign(&secret(), body, Some(at));
        assert_eq!(check(body, Some(&signature), Some(&at.to_string())), Ok(()));
        // The same signature with another timestamp, or none, does not match.
        let moved = (at + 1).to_string();
        assert_eq!(
            check(body, Some(&signature), Some(&moved)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(body, Some(&signature), None),
            Err(SignatureError::Mismatch)
        );
        // Older or further ahead than the tolerance.
        let old = now().timestamp() - 301;
        let stale = sign(&secret(), body, Some(old));
        assert_eq!(
            check(body, Some(&stale), Some(&old.to_string())),
            Err(SignatureError::Stale { seconds: 301 })
        );
        let ahead = now().timestamp() + 600;
        let future = sign(&secret(), body, Some(ahead));
        assert!(matches!(
            check(body, Some(&future), Some(&ahead.to_string())),
            Err(SignatureError::Stale { .. })
        ));
        assert_eq!(
            check(body, Some(&signature), Some("yesterday")),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            check(body, Some(&signature), Some(&i64::MAX.to_string())),
            Err(SignatureError::BadTimestamp)
        );
    }

    #[test]
    fn an_empty_secret_turns_the_webhook_off_and_a_secret_is_never_printed() {
        assert_eq!(WebhookSecret::new("  "), None);
        assert_eq!(format!("{:?}", secret()), "WebhookSecret(..)");
    }
}
