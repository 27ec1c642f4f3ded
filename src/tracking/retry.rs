//! When to ask a provider again, and how long to wait first.
//!
//! Exponential backoff with "equal jitter": the wait before retry `n` is half of
//! `base × 2^(n-1)` plus a random part of the other half, so a crowd of refresh jobs that
//! failed together does not come back together, yet each waits at least something. A
//! `Retry-After: <seconds>` from the provider replaces the computed wait; both are capped.

use std::time::Duration;

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait before the first retry, before jitter; doubled for each later one.
    pub base_delay: Duration,
    /// No wait is longer, whatever `Retry-After` asks.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based). `jitter` is a sample of [0, 1);
    /// `retry_after` is what the provider asked for, if anything.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(self.max_delay);
        }
        let doublings = attempt.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = full / 2;
        half + half.mul_f64(jitter)
    }
}

/// Reads `Retry-After` as whole seconds. The HTTP-date form is ignored (our own backoff
/// applies), and so is anything else we cannot read.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(10),
        }
    }

    #[test]
    fn waits_double_and_jitter_stays_within_the_upper_half() {
        let p = policy();
        assert_eq!(p.delay(1, None, 0.0), Duration::from_millis(200));
        assert!(p.delay(1, None, 0.999_999) < Duration::from_millis(400));
        assert_eq!(p.delay(2, None, 0.0), Duration::from_millis(400));
        assert_eq!(p.delay(2, None, 0.5), Duration::from_millis(600));
        assert_eq!(p.delay(3, None, 0.0), Duration::from_millis(800));
        for attempt in 1..6 {
            for jitter in [0.0, 0.25, 0.5, 0.99] {
                let wait = p.delay(attempt, None, jitter);
                let full = Duration::from_millis(400 * (1 << (attempt - 1))).min(p.max_delay);
                assert!(
                    wait >= full / 2 && wait <= full,
                    "{attempt} {jitter}: {wait:?}"
                );
            }
        }
    }

    #[test]
    fn waits_are_capped_even_after_many_attempts() {
        let p = policy();
        assert_eq!(p.delay(40, None, 1.0), Duration::from_secs(10));
        assert_eq!(p.delay(u32::MAX, None, 0.0), Duration::from_secs(5));
        // A broken random source cannot stretch or shrink the wait beyond its bounds.
        assert_eq!(p.delay(1, None, f64::NAN), Duration::from_millis(200));
        assert_eq!(p.delay(1, None, 7.0), Duration::from_millis(400));
        assert_eq!(p.delay(1, None, -1.0), Duration::from_millis(200));
    }

    #[test]
    fn retry_after_replaces_the_backoff_up_to_the_cap() {
        let p = policy();
        let after = |s| Some(Duration::from_secs(s));
        assert_eq!(p.delay(1, after(0), 0.7), Duration::ZERO);
        assert_eq!(p.delay(1, after(3), 0.7), Duration::from_secs(3));
        assert_eq!(p.delay(2, after(3600), 0.7), Duration::from_secs(10));
    }

    #[test]
    fn retry_after_is_read_as_seconds_only() {
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("1.5"), None);
        assert_eq!(parse_retry_after("99999999999999999999999"), None);
    }
}
