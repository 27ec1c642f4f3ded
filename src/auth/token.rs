//! Access tokens: HS256 JWTs signed with the server's secret.
//!
//! Claims: `sub` (user id), `org` (the organization the token acts in), `iat`, `exp` and a
//! random `jti` that logout puts on the revocation list. Decoding accepts HS256 only — the
//! header's `alg` is checked against that one algorithm, so `none`, RS256 with the secret as
//! a "public key" and friends are refused — and requires every claim, an unexpired `exp`
//! and a valid signature. The role is deliberately *not* a claim: it is re-read from the
//! database on every request, so a demotion takes effect at once.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::JwtSecret;

/// How long a token lives unless configured otherwise: one working day.
pub const DEFAULT_LIFETIME: chrono::Duration = chrono::Duration::hours(8);

/// Clock skew tolerated on `exp`, in seconds. Small: tokens are checked by the server that
/// issued them (or its siblings on synchronized clocks).
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub org: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

impl Claims {
    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid,
}

/// The signing and verifying keys of one secret, with the token lifetime.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: chrono::Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(secret: &JwtSecret) -> Self {
        Self::with_lifetime(secret, DEFAULT_LIFETIME)
    }

    pub fn with_lifetime(secret: &JwtSecret, lifetime: chrono::Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            lifetime,
        }
    }

    pub fn lifetime(&self) -> chrono::Duration {
        self.lifetime
    }

    /// A new token for `user` acting in `organization`, valid from now for the lifetime.
    pub fn issue(&self, user: Uuid, organization: Uuid) -> anyhow::Result<(String, Claims)> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            org: organization,
            iat: now,
            exp: now + self.lifetime.num_seconds(),
            jti: Uuid::new_v4(),
        };
        Ok((self.sign(&claims)?, claims))
    }

    /// Signs arbitrary claims (tests use it for expired tokens).
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// The claims of a token this server signed and that has not expired.
    pub fn decode(&self, token: &str) -> Result<Claims, TokenError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Base64url without padding, written out so the tests need no extra crate.
    fn b64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    fn keys() -> TokenKeys {
        TokenKeys::new(&JwtSecret::new(vec![b'k'; 32]))
    }

    #[test]
    fn issued_tokens_decode_to_their_claims() {
        let keys = keys();
        let (user, org) = (Uuid::new_v4(), Uuid::new_v4());
        let (token, claims) = keys.issue(user, org).unwrap();
        let decoded = keys.decode(&token).unwrap();
        assert_eq!(decoded, claims);
        assert_eq!(decoded.sub, user);
        assert_eq!(decoded.org, org);
        assert_eq!(decoded.exp - decoded.iat, 8 * 3600);
        // Every token gets its own jti.
        assert_ne!(keys.issue(user, org).unwrap().1.jti, claims.jti);
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = keys();
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: Uuid::new_v4(),
            org: Uuid::new_v4(),
            iat: now - 7200,
            exp: now - 3600,
            jti: Uuid::new_v4(),
        };
        let token = keys.sign(&claims).unwrap();
        assert_eq!(keys.decode(&token), Err(TokenError::Expired));
    }

    #[test]
    fn another_secret_is_refused() {
        let (token, _) = keys().issue(Uuid::new_v4(), Uuid::new_v4()).unwrap();
        let other = TokenKeys::new(&JwtSecret::new(vec![b'o'; 32]));
        assert_eq!(other.decode(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_tampered_payload_is_refused() {
        let keys = keys();
        let (token, claims) = keys.issue(Uuid::new_v4(), Uuid::new_v4()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged = Claims {
            org: Uuid::new_v4(),
            ..claims
        };
        let payload = b64(&serde_json::to_vec(&forged).unwrap());
        let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
        assert_eq!(keys.decode(&tampered), Err(TokenError::Invalid));
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let keys = keys();
        let (_, claims) = keys.issue(Uuid::new_v4(), Uuid::new_v4()).unwrap();
        let payload = b64(&serde_json::to_vec(&claims).unwrap());
        for alg in ["none", "None", "HS512", "RS256"] {
            let header = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
            for signature in ["", "c2ln"] {
                let token = format!("{header}.{payload}.{signature}");
                assert_eq!(keys.decode(&token), Err(TokenError::Invalid), "{alg}");
            }
        }
        // A correctly signed HS512 token with the same secret is still refused.
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(&[b'k'; 32]),
        )
        .unwrap();
        assert_eq!(keys.decode(&hs512), Err(TokenError::Invalid));
    }

    #[test]
    fn garbage_and_missing_claims_are_refused() {
        let keys = keys();
        for token in ["", "abc", "a.b.c", "...."] {
            assert_eq!(keys.decode(token), Err(TokenError::Invalid), "{token}");
        }
        let no_org = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"sub": Uuid::new_v4(), "exp": Utc::now().timestamp() + 60,
                                "iat": Utc::now().timestamp()}),
            &EncodingKey::from_secret(&[b'k'; 32]),
        )
        .unwrap();
        assert_eq!(keys.decode(&no_org), Err(TokenError::Invalid));
    }
}
