//! Login throttling: which counters a login attempt is charged to, and their limits.
//!
//! Three keys per attempt. The account *from this client address* (the pair): a stranger
//! who fails five times locks out only themselves, never the account's owner signing in from
//! elsewhere. The client address alone: one address cannot guess at many accounts. And the
//! account alone, with a ceiling far above any person's typing, which only a distributed
//! guess at one account reaches. Only failures count: a successful login restarts its pair
//! and gives its other claims back (see revision 010). IPv6 clients are keyed by their /64
//! network, which one subscriber usually holds whole, so rotating addresses inside it does
//! not reset the count.

use std::net::IpAddr;

/// Limits of one throttled kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Failed attempts allowed per window; the next one is refused until the window ends.
    pub attempts: u32,
}

/// The throttling policy: all limits share one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub window_seconds: u32,
    /// One account from one client address.
    pub per_pair: Limit,
    /// One client address, whatever the accounts.
    pub per_address: Limit,
    /// One account, whatever the addresses.
    pub per_account: Limit,
}

impl ThrottlePolicy {
    /// In 15 minutes: 5 failures per account and address (enough for someone who mistypes,
    /// far too few for guessing), 20 per address, and 100 per account. The ceiling takes at
    /// least 20 addresses (5 each) to reach, so one stranger, or a few, cannot lock an owner
    /// out; it still bounds a distributed guess at one account to ~9,600 a day instead of
    /// none at all. Reaching it refuses the owner too, until the window ends: the price of
    /// stopping such an attack.
    pub const DEFAULT: ThrottlePolicy = ThrottlePolicy {
        window_seconds: 15 * 60,
        per_pair: Limit { attempts: 5 },
        per_address: Limit { attempts: 20 },
        per_account: Limit { attempts: 100 },
    };

    /// The keys and limits a login attempt for `email` from `address` is charged to. The
    /// first is the pair, which a successful login restarts; the others get their claim
    /// back. Without a known address (no TCP peer) the pair is keyed on an unknown address.
    pub fn keys(&self, email: &str, address: Option<IpAddr>) -> Vec<(String, u32)> {
        let address_key = address.map(address_key);
        let mut keys = vec![
            (
                pair_key(email, address_key.as_deref()),
                self.per_pair.attempts,
            ),
            (account_key(email), self.per_account.attempts),
        ];
        if let Some(key) = address_key {
            keys.push((key, self.per_address.attempts));
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
    format!("account:{}", normalized(email))
}

/// The counter of an account from one client address (`address_key` holds no `|`, so the
/// e-mail after it cannot make two pairs collide).
fn pair_key(email: &str, address_key: Option<&str>) -> String {
    format!(
        "pair:{}|{}",
        address_key.unwrap_or("ip:unknown"),
        normalized(email)
    )
}

fn normalized(email: &str) -> String {
    email.trim().to_lowercase()
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
    fn an_attempt_is_charged_to_its_pair_its_account_and_its_address() {
        let policy = ThrottlePolicy::DEFAULT;
        let keys = policy.keys(" A@B.de ", Some("10.0.0.1".parse().unwrap()));
        assert_eq!(
            keys,
            vec![
                ("pair:ip:10.0.0.1|a@b.de".to_string(), 5),
                ("account:a@b.de".to_string(), 100),
                ("ip:10.0.0.1".to_string(), 20),
            ]
        );
        // Another address is another pair; the account and its ceiling are shared.
        let elsewhere = policy.keys("a@b.de", Some("10.0.0.2".parse().unwrap()));
        assert_ne!(elsewhere[0], keys[0]);
        assert_eq!(elsewhere[1], keys[1]);
        let v6 = policy.keys("a@b.de", Some("2001:db8:1:2::9".parse().unwrap()));
        assert_eq!(v6[0].0, "pair:ip:2001:db8:1:2::/64|a@b.de");
        let unknown = policy.keys("a@b.de", None);
        assert_eq!(
            unknown,
            vec![
                ("pair:ip:unknown|a@b.de".to_string(), 5),
                ("account:a@b.de".to_string(), 100),
            ]
        );
        // A person's typing never reaches the ceiling; one address never reaches it alone.
        assert!(policy.per_pair.attempts < policy.per_address.attempts);
        assert!(policy.per_address.attempts < policy.per_account.attempts);
        assert!(policy.per_account.attempts / policy.per_pair.attempts >= 20);
    }
}
