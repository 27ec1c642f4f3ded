//! E-mail addresses as user identities (login, invitations, membership checks).
//!
//! The whole address is lower-cased. RFC 5321 lets a server treat the local part as case
//! sensitive, but no provider our users have does, and the predecessor's case-sensitive
//! lookup let `Anna@hages.de` and `anna@hages.de` become two accounts and made a login fail
//! on a capital letter. One spelling per person is worth more than the theoretical case.
//!
//! This is a deliberately plain check — one `@`, a non-empty local part of unquoted
//! characters, a domain with at least one dot and sane labels — not full RFC 5322: quoted
//! local parts, comments and IP-literal domains are rejected. Whether the mailbox exists is
//! proven by the invitation or sign-up mail, not here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The longest address: 254 characters, what fits an SMTP path (RFC 5321 §4.5.3.1.3: 256
/// octets including the angle brackets). `users.email` (`varchar(255)`) holds it; login
/// refuses longer input with the same limit before any lookup.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The longest local part SMTP allows (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_PART_CHARS: usize = 64;
/// The longest DNS label (RFC 1035).
const MAX_DOMAIN_LABEL_CHARS: usize = 63;
/// Characters that only appear in quoted or special address forms we do not accept.
const LOCAL_PART_FORBIDDEN: &[char] = &['"', '(', ')', ',', ':', ';', '<', '>', '[', ']', '\\'];

/// A trimmed, lower-cased, plausibly deliverable e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a text is not an acceptable e-mail address; messages suit a 422 field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_EMAIL_CHARS} characters long")]
    TooLong,
    #[error("must not contain spaces or control characters")]
    Whitespace,
    #[error("must contain an @")]
    MissingAt,
    #[error("must contain exactly one @")]
    SeveralAts,
    #[error("needs a name before the @")]
    EmptyLocalPart,
    #[error("the part before the @ must be at most {MAX_LOCAL_PART_CHARS} characters long")]
    LocalPartTooLong,
    #[error("the part before the @ contains a character or dot placement that is not allowed")]
    InvalidLocalPart,
    #[error("the part after the @ must be a domain name such as example.com")]
    InvalidDomain,
}

impl Email {
    /// Parses an address, ignoring surrounding whitespace and letter case.
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let address = text.trim().to_lowercase();
        if address.is_empty() {
            return Err(EmailError::Empty);
        }
        if address.chars().count() > MAX_EMAIL_CHARS {
            return Err(EmailError::TooLong);
        }
        if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace);
        }
        let (local, domain) = match address.split_once('@') {
            None => return Err(EmailError::MissingAt),
            Some((_, domain)) if domain.contains('@') => return Err(EmailError::SeveralAts),
            Some(parts) => parts,
        };
        check_local_part(local)?;
        check_domain(domain)?;
        Ok(Self(address))
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.split().0
    }

    /// The part after the `@`, e.g. `hages.de`: used to match a person to the organization
    /// whose address domain they share.
    pub fn domain(&self) -> &str {
        self.split().1
    }

    fn split(&self) -> (&str, &str) {
        self.0.split_once('@').expect("validated by parse")
    }
}

fn check_local_part(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.chars().count() > MAX_LOCAL_PART_CHARS {
        return Err(EmailError::LocalPartTooLong);
    }
    let misplaced_dot = local.starts_with('.') || local.ends_with('.') || local.contains("..");
    if misplaced_dot || local.contains(LOCAL_PART_FORBIDDEN) {
        return Err(EmailError::InvalidLocalPart);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    let labels: Vec<&str> = domain.split('.').collect();
    let well_formed_label = |label: &&str| {
        !label.is_empty()
            && label.chars().count() <= MAX_DOMAIN_LABEL_CHARS
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    // A top-level domain is never all digits; rejecting it also rejects bare IPv4 addresses.
    let numeric_tld = labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()));
    if labels.len() < 2 || !labels.iter().all(well_formed_label) || numeric_tld {
        return Err(EmailError::InvalidDomain);
    }
    Ok(())
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = EmailError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_normalized() {
        for (input, normalized, domain) in [
            ("admin@vibotaj.com", "admin@vibotaj.com", "vibotaj.com"),
            (
                "  Anna.Schmidt@HAGES.de ",
                "anna.schmidt@hages.de",
                "hages.de",
            ),
            (
                "ops+tracking@mail.witatrade.co.uk",
                "ops+tracking@mail.witatrade.co.uk",
                "mail.witatrade.co.uk",
            ),
            ("o'brien@example.ie", "o'brien@example.ie", "example.ie"),
            ("x@a-b.io", "x@a-b.io", "a-b.io"),
            ("jörg@müller.de", "jörg@müller.de", "müller.de"),
        ] {
            let email = Email::parse(input).unwrap();
            assert_eq!(email.as_str(), normalized, "{input:?}");
            assert_eq!(email.domain(), domain);
            assert_eq!(email.to_string(), normalized);
        }
        assert_eq!(Email::parse("Ops@Temira.NG").unwrap().local_part(), "ops");
    }

    #[test]
    fn spellings_of_one_address_are_equal() {
        assert_eq!(
            Email::parse("Anna@Hages.de"),
            Email::parse("anna@hages.de ")
        );
    }

    #[test]
    fn invalid_addresses_say_why() {
        use EmailError::*;
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_address = format!("{}@{}.com", "a".repeat(64), "b".repeat(200));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let cases: Vec<(&str, EmailError)> = vec![
            ("", Empty),
            ("   ", Empty),
            (&long_address, TooLong),
            ("anna @hages.de", Whitespace),
            ("anna@hages.de\u{0}", Whitespace),
            ("anna\t@hages.de", Whitespace),
            ("anna.hages.de", MissingAt),
            ("anna@hages@de.com", SeveralAts),
            ("@hages.de", EmptyLocalPart),
            (&long_local, LocalPartTooLong),
            (".anna@hages.de", InvalidLocalPart),
            ("anna.@hages.de", InvalidLocalPart),
            ("an..na@hages.de", InvalidLocalPart),
            ("\"anna\"@hages.de", InvalidLocalPart),
            ("anna<x>@hages.de", InvalidLocalPart),
            ("anna@", InvalidDomain),
            ("anna@localhost", InvalidDomain),
            ("anna@.hages.de", InvalidDomain),
            ("anna@hages..de", InvalidDomain),
            ("anna@hages.de.", InvalidDomain),
            ("anna@-hages.de", InvalidDomain),
            ("anna@hages-.de", InvalidDomain),
            ("anna@hag_es.de", InvalidDomain),
            ("anna@[10.0.0.1]", InvalidDomain),
            ("anna@10.0.0.1", InvalidDomain),
            (&long_label, InvalidDomain),
        ];
        for (input, expected) in cases {
            assert_eq!(Email::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn the_length_limit_is_inclusive() {
        // 64 + 1 + 185 + 4 = 254 characters.
        let at_limit = format!(
            "{}@{}.com",
            "a".repeat(64),
            ["b".repeat(62), "c".repeat(62), "d".repeat(59)].join(".")
        );
        assert_eq!(at_limit.chars().count(), 254);
        assert!(Email::parse(&at_limit).is_ok());
        let over = format!("a{at_limit}");
        assert_eq!(Email::parse(&over), Err(EmailError::TooLong));
    }

    #[test]
    fn messages_suit_a_field_error() {
        assert_eq!(
            EmailError::TooLong.to_string(),
            "must be at most 254 characters long"
        );
        assert_eq!(EmailError::MissingAt.to_string(), "must contain an @");
    }

    #[test]
    fn serde_validates_and_normalizes() {
        let email: Email = serde_json::from_str("\"Anna@Hages.de\"").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"anna@hages.de\"");
        assert!(serde_json::from_str::<Email>("\"not an email\"").is_err());
    }
}
