//! Password hashes: argon2id for new ones, bcrypt (the predecessor's) still verified.
//!
//! Hashing is deliberately slow; callers on the async runtime run these functions inside
//! `spawn_blocking` so one login does not stall other requests.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The argon2id parameters of new hashes: the RFC 9106 / OWASP "second choice" profile
/// (19 MiB, 2 passes, 1 lane), affordable per login on a small server.
fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// An argon2id PHC string (`$argon2id$v=19$m=…`) for `password`, with a fresh random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt[..]);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

/// The kinds of stored hash we understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Argon2,
    Bcrypt,
    Unknown,
}

fn scheme(stored: &str) -> Scheme {
    if stored.starts_with("$argon2") {
        Scheme::Argon2
    } else if ["$2b$", "$2a$", "$2y$"]
        .iter()
        .any(|prefix| stored.starts_with(prefix))
    {
        Scheme::Bcrypt
    } else {
        Scheme::Unknown
    }
}

/// Whether `password` matches `stored`. A malformed or unknown hash never matches (and is
/// not an error the caller could turn into a different answer than "wrong password").
pub fn verify(password: &str, stored: &str) -> bool {
    match scheme(stored) {
        Scheme::Argon2 => PasswordHash::new(stored)
            .map(|parsed| {
                // The parameters come from the PHC string itself, so hashes made with other
                // costs still verify.
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false),
        // bcrypt looks at the first 72 bytes only; the predecessor had the same limit, so
        // its users' passwords keep working exactly as before.
        Scheme::Bcrypt => bcrypt::verify(password, stored).unwrap_or(false),
        Scheme::Unknown => false,
    }
}

/// Whether a hash that just verified should be replaced by a fresh argon2id one: any bcrypt
/// hash, an argon2 variant other than argon2id, or weaker parameters than today's.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    // A PHC string without salt or output cannot be what `hash` wrote.
    if parsed.algorithm.as_str() != "argon2id" || parsed.salt.is_none() || parsed.hash.is_none() {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(params) => {
            let current = Params::default();
            params.m_cost() < current.m_cost()
                || params.t_cost() < current.t_cost()
                || params.p_cost() < current.p_cost()
        }
        Err(_) => true,
    }
}

/// Verifies against a fixed hash, so that a login with an unknown e-mail costs the same time
/// as one with a wrong password and response times do not reveal which accounts exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a real password").unwrap_or_default());
    let _ = verify(password, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_hashes_are_argon2id_and_verify() {
        let stored = hash("Correct-Horse-1").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
        assert!(verify("Correct-Horse-1", &stored));
        assert!(!verify("correct-horse-1", &stored));
        assert!(!needs_rehash(&stored));
        // A fresh salt each time.
        assert_ne!(stored, hash("Correct-Horse-1").unwrap());
    }

    #[test]
    fn bcrypt_hashes_of_every_prefix_verify_and_need_a_rehash() {
        let stored = bcrypt::hash("tracehub2026", 4).unwrap();
        for prefix in ["$2b$", "$2a$", "$2y$"] {
            let variant = format!("{prefix}{}", &stored[4..]);
            assert!(verify("tracehub2026", &variant), "{prefix}");
            assert!(!verify("tracehub2027", &variant), "{prefix}");
            assert!(needs_rehash(&variant));
        }
    }

    #[test]
    fn malformed_and_unknown_hashes_never_match() {
        for stored in ["", "plain", "$argon2id$garbage", "$2b$04$short", "$1$md5$x"] {
            assert!(!verify("", stored), "{stored}");
            assert!(!verify("plain", stored), "{stored}");
            assert!(needs_rehash(stored), "{stored}");
        }
    }

    #[test]
    fn weaker_argon2_parameters_or_variants_need_a_rehash() {
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw", &salt)
        .unwrap()
        .to_string();
        assert!(verify("pw", &weak));
        assert!(needs_rehash(&weak));
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default())
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        assert!(verify("pw", &argon2i));
        assert!(needs_rehash(&argon2i));
    }
}
