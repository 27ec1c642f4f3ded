//! Password hashes: argon2id for new ones, bcrypt (the predecessor's) still verified.
//!
//! Hashing is deliberately slow (argon2id: 19 MiB and a core for tens of milliseconds).
//! Callers on the async runtime run it through [`run_limited`]: off the async workers, and
//! at most one computation per core at a time, so a burst of logins queues instead of
//! taking every core and a multiple of 19 MiB at once. Callers must not hold a database
//! connection while they wait for it: a queue of requests each holding one would starve
//! the pool.
//!
//! A failed login costs the same whether or not the account exists, see [`verify_login`].

use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;

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

/// How many password computations may run at once: one per core. Process-wide on purpose
/// (not per server state): it bounds this process's cores and memory, however many servers
/// it runs (tests run dozens).
fn hashing_slots() -> &'static Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Arc::new(Semaphore::new(cores))
    })
}

/// Runs password work (hash, verify) on the blocking pool, at most one per core at a time;
/// waits for a free core first. The slot is held by the work itself, so a request that is
/// abandoned while its hash runs does not free a core that is still busy.
pub async fn run_limited<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let slot = hashing_slots()
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| anyhow::anyhow!("password slots closed: {e}"))?;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .map_err(|e| anyhow::anyhow!("password task failed: {e}"))
}

/// A password computation a login performed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Argon2id,
    /// bcrypt at this cost.
    Bcrypt(u32),
}

/// Whether a computation was against the account's hash or a dummy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Computed {
    Real(Work),
    Dummy(Work),
}

impl Computed {
    pub fn work(self) -> Work {
        match self {
            Computed::Real(work) | Computed::Dummy(work) => work,
        }
    }
}

/// The outcome of [`verify_login`] and what it computed to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCheck {
    pub matches: bool,
    pub computed: Vec<Computed>,
}

/// The hashes a failed login is padded with, so that it costs the same whether or not the
/// account exists: an argon2id hash with today's parameters (what every new or upgraded
/// account has) and — while the database still holds bcrypt hashes of the predecessor's
/// accounts (not signed in since the migration) — a bcrypt hash of their cost. Built once at
/// start-up ([`DummyHashes::for_legacy_cost`] with what the database holds).
#[derive(Debug, Clone)]
pub struct DummyHashes {
    bcrypt: Option<(u32, String)>,
}

impl DummyHashes {
    /// No bcrypt hash left: failed logins cost one argon2id verification.
    pub fn argon2_only() -> Self {
        Self { bcrypt: None }
    }

    /// With bcrypt hashes of `cost` still stored (`None`: none left).
    pub fn for_legacy_cost(cost: Option<u32>) -> anyhow::Result<Self> {
        let bcrypt = cost
            .map(|cost| {
                bcrypt::hash("not a real password", cost)
                    .map(|hash| (cost, hash))
                    .map_err(|e| anyhow::anyhow!("bcrypt dummy at cost {cost}: {e}"))
            })
            .transpose()?;
        Ok(Self { bcrypt })
    }

    /// The bcrypt cost failed logins are padded with, if any.
    pub fn legacy_cost(&self) -> Option<u32> {
        self.bcrypt.as_ref().map(|(cost, _)| *cost)
    }
}

/// An argon2id hash with today's parameters, computed once per process.
fn dummy_argon2() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash("not a real password").unwrap_or_default())
}

/// The cost of a bcrypt hash (`$2b$12$…` → 12).
fn bcrypt_cost(stored: &str) -> Option<u32> {
    stored.get(4..6).and_then(|cost| cost.parse().ok())
}

/// Checks a login's password against the account's stored hash (`None`: no such account).
///
/// A failure always ends up with the same computations: one argon2id verification and,
/// while legacy bcrypt hashes exist, one bcrypt verification at their cost — the account's
/// own where it has that kind of hash, a dummy for the rest. So a wrong password on an
/// argon2id account, on a bcrypt account and on an unknown e-mail cost the same (bcrypt at
/// cost 12 is ~10× an argon2id verification: padding only with argon2id would single out
/// the predecessor's accounts). Once no bcrypt hash is left, a failure is one argon2id
/// verification. A success is not padded: it tells nothing to someone without the password.
pub fn verify_login(password: &str, stored: Option<&str>, dummies: &DummyHashes) -> LoginCheck {
    let mut computed = Vec::new();
    let matches = match stored.map(|stored| (scheme(stored), stored)) {
        Some((Scheme::Argon2, stored)) => {
            computed.push(Computed::Real(Work::Argon2id));
            verify(password, stored)
        }
        Some((Scheme::Bcrypt, stored)) => {
            computed.push(Computed::Real(Work::Bcrypt(
                bcrypt_cost(stored).unwrap_or(0),
            )));
            verify(password, stored)
        }
        Some((Scheme::Unknown, _)) | None => false,
    };
    if !matches {
        let did_argon2 = computed.iter().any(|c| c.work() == Work::Argon2id);
        let did_bcrypt = computed.iter().any(|c| matches!(c.work(), Work::Bcrypt(_)));
        if !did_argon2 {
            let _ = verify(password, dummy_argon2());
            computed.push(Computed::Dummy(Work::Argon2id));
        }
        if let (Some((cost, dummy)), false) = (&dummies.bcrypt, did_bcrypt) {
            let _ = verify(password, dummy);
            computed.push(Computed::Dummy(Work::Bcrypt(*cost)));
        }
    }
    LoginCheck { matches, computed }
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

    /// The kinds of work a check did, in a fixed order, real or dummy alike.
    fn cost(check: &LoginCheck) -> Vec<Work> {
        let mut work: Vec<Work> = check.computed.iter().map(|c| c.work()).collect();
        work.sort_by_key(|w| match w {
            Work::Argon2id => 0,
            Work::Bcrypt(cost) => 1 + *cost,
        });
        work
    }

    #[test]
    fn failed_logins_cost_the_same_whether_or_not_the_account_exists() {
        let argon2 = hash("Right-Password-1").unwrap();
        let legacy = bcrypt::hash("Right-Password-1", 4).unwrap();
        for dummies in [
            DummyHashes::argon2_only(),
            DummyHashes::for_legacy_cost(Some(4)).unwrap(),
        ] {
            let unknown = verify_login("guess", None, &dummies);
            let on_argon2 = verify_login("guess", Some(&argon2), &dummies);
            let malformed = verify_login("guess", Some("$1$md5$x"), &dummies);
            assert!(!unknown.matches && !on_argon2.matches && !malformed.matches);
            assert!(unknown
                .computed
                .iter()
                .all(|c| matches!(c, Computed::Dummy(_))));
            assert_eq!(on_argon2.computed[0], Computed::Real(Work::Argon2id));
            assert_eq!(cost(&unknown), cost(&on_argon2));
            assert_eq!(cost(&unknown), cost(&malformed));
            match dummies.legacy_cost() {
                None => assert_eq!(cost(&unknown), [Work::Argon2id]),
                Some(4) => {
                    assert_eq!(cost(&unknown), [Work::Argon2id, Work::Bcrypt(4)]);
                    // A predecessor's account: its own bcrypt, a dummy argon2id.
                    let on_bcrypt = verify_login("guess", Some(&legacy), &dummies);
                    assert!(!on_bcrypt.matches);
                    assert_eq!(on_bcrypt.computed[0], Computed::Real(Work::Bcrypt(4)));
                    assert_eq!(cost(&on_bcrypt), cost(&unknown));
                }
                other => panic!("{other:?}"),
            }
        }
        // A success is not padded.
        let dummies = DummyHashes::for_legacy_cost(Some(4)).unwrap();
        let ok = verify_login("Right-Password-1", Some(&argon2), &dummies);
        assert!(ok.matches);
        assert_eq!(ok.computed, [Computed::Real(Work::Argon2id)]);
        assert!(verify_login("Right-Password-1", Some(&legacy), &dummies).matches);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_one_computation_per_core_runs_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let results = futures_util::future::join_all((0..cores * 4).map(|i| {
            let (running, most) = (running.clone(), most.clone());
            run_limited(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            })
        }))
        .await;
        let values: Vec<usize> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, (0..cores * 4).map(|i| i * 2).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=cores).contains(&most),
            "{most} at once on {cores} cores"
        );
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
