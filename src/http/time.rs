//! How answers write instants: RFC 3339 in UTC (`Z`), one function per shape.

use chrono::{DateTime, SecondsFormat, Utc};

/// With microseconds: accounts, organizations, members, sessions, invitations.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Whole seconds: the predecessor's notification shape, which its web client parses.
pub fn rfc3339_seconds(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// As many fractional digits as needed (none, 3, 6 or 9): shipments and their events.
pub fn rfc3339_auto(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A calendar date as answered: `YYYY-MM-DD`.
pub fn date(day: chrono::NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shape() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T09:15:31.250Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(rfc3339(at), "2026-12-03T09:15:31.250000Z");
        assert_eq!(rfc3339_seconds(at), "2026-12-03T09:15:31Z");
        assert_eq!(rfc3339_auto(at), "2026-12-03T09:15:31.250Z");
    }
}
