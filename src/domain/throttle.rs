//! Login throttling: which counters a login attempt is charged to, and their limits.
//!
//! Two keys per attempt: the account (so one account cannot be guessed at from many
//! addresses) and the client address (so one address cannot guess at many accounts). Only
//! failures count: a successful login gives its claims back (see revision 010). IPv6
//! clients are keyed by their /64 network, which one subscriber usually holds whole, so
//! rotating addresses inside it does not reset the count.

use std::net::IpAddr;

/// Limits of one throttled kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Failed attempts allowed per window; the next one is refused until the window ends.
    pub attempts: u32,
}

/// The throttling policy: both limits share one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub window_seconds: u32,
    pub per_account: Limit,
    pub per_address: Limit,
}

impl ThrottlePolicy {
    /// 5 failures per account and 20 per address in 15 minutes: enough for people who
    /// mistype, far too few for guessing (about 500 guesses per account per day).
    pub const DEFAULT: ThrottlePolicy = ThrottlePolicy {
        window_seconds: 15 * 60,
        per_account: Limit { attempts: 5 },
        per_address: Limit { attempts: 20 },
    };

    /// The keys and limits a login attempt for `email` from `address` is charged to.
    pub fn keys(&self, email: &str, address: Option<IpAddr>) -> Vec<(String, u32)> {
        let mut keys = vec![(account_key(email), self.per_account.attempts)];
        if let Some(address) = address {
            keys.push((address_key(address), self.per_address.attempts));
        }
        keys
    }
}

/// A fixed-window limit on an action other than a login, where every call counts (the
/// Sprint 8 spec's rate-limit table). Kept in the same table as the login counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionLimit {
    pub attempts: u32,
    pub window_seconds: u32,
}

impl ActionLimit {
    /// Invitations created or sent again, per organization: 20 an hour (spec: "invitation
    /// creation 20/h"), so a compromised admin account cannot mail-bomb through us.
    pub const INVITATION_SENDS: ActionLimit = ActionLimit {
        attempts: 20,
        window_seconds: 3600,
    };
    /// Invitation tokens presented (validate, accept, register), per client address: 30 a
    /// minute (spec: "invitation validation 30/min"; threat T4, token enumeration).
    pub const INVITATION_TOKENS: ActionLimit = ActionLimit {
        attempts: 30,
        window_seconds: 60,
    };
}

/// The counter of an organization's invitation sends.
pub fn invitation_sends_key(organization_id: uuid::Uuid) -> String {
    format!("invitation-sends:{organization_id}")
}

/// The counter of invitation tokens presented from a client address.
pub fn invitation_tokens_key(address: IpAddr) -> String {
    format!("invitation-tokens:{}", address_key(address))
}

/// The counter of an account: the e-mail as logins match it (trimmed, case-insensitive).
pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

/// The counter of a client address (IPv4 as is, IPv6 by /64, IPv4-mapped IPv6 as IPv4).
pub fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_counters_are_per_organization_and_per_address() {
        let org = uuid::Uuid::nil();
        assert_eq!(
            invitation_sends_key(org),
            "invitation-sends:00000000-0000-0000-0000-000000000000"
        );
        let v6: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap();
        assert_eq!(
            invitation_tokens_key(v6),
            "invitation-tokens:ip:2001:db8:1:2::/64"
        );
        assert_ne!(
            invitation_tokens_key(v6),
            address_key(v6),
            "not the login counter"
        );
    }

    #[test]
    fn accounts_are_keyed_as_logins_match_them() {
        assert_eq!(
            account_key("  Admin@VIBOTAJ.com "),
            "account:admin@vibotaj.com"
        );
        assert_eq!(account_key("a@b.de"), account_key("A@B.DE"));
    }

    #[test]
    fn addresses_are_keyed_by_host_or_ipv6_network() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(address_key(v4), "ip:203.0.113.7");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(address_key(mapped), "ip:203.0.113.7");
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), "ip:2001:db8:1:2::/64");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(other));
    }

    #[test]
    fn an_attempt_is_charged_to_its_account_and_its_address() {
        let policy = ThrottlePolicy::DEFAULT;
        let keys = policy.keys("a@b.de", Some("10.0.0.1".parse().unwrap()));
        assert_eq!(
            keys,
            vec![
                ("account:a@b.de".to_string(), 5),
                ("ip:10.0.0.1".to_string(), 20)
            ]
        );
        assert_eq!(policy.keys("a@b.de", None).len(), 1);
        assert!(policy.per_account.attempts < policy.per_address.attempts);
    }
}
