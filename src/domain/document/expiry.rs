//! How urgent a document's expiry is (reference §5.2's expiry report).
//!
//! The thresholds are the predecessor's: expired below 0 days, critical up to a week,
//! warning up to two weeks. A document expiring today has 0 days left and is not expired,
//! the same day boundary the field rules use (no grace), so a certificate the report calls
//! critical still passes validation and one it calls expired does not.

use chrono::NaiveDate;
use serde::Serialize;

/// Most urgent first (the derived order is the sort order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Past its expiry date.
    Expired,
    /// 0 to 7 days left.
    Critical,
    /// 8 to 14 days left.
    Warning,
    /// More than 14 days left.
    Info,
}

impl Urgency {
    /// The spelling answered and stored (`expired`, `critical`, `warning`, `info`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Urgency::Expired => "expired",
            Urgency::Critical => "critical",
            Urgency::Warning => "warning",
            Urgency::Info => "info",
        }
    }
}

/// One document's place in the expiry report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpiryItem {
    /// Negative once expired.
    pub days_until_expiry: i64,
    pub is_expired: bool,
    pub urgency: Urgency,
}

impl ExpiryItem {
    pub fn of(expiry_date: NaiveDate, today: NaiveDate) -> Self {
        let days_until_expiry = (expiry_date - today).num_days();
        let urgency = match days_until_expiry {
            ..=-1 => Urgency::Expired,
            0..=7 => Urgency::Critical,
            8..=14 => Urgency::Warning,
            _ => Urgency::Info,
        };
        Self {
            days_until_expiry,
            is_expired: days_until_expiry < 0,
            urgency,
        }
    }

    /// Whether the report for the next `days` days lists it (expiry ≤ today + days; the
    /// expired ones always).
    pub fn is_due_within(&self, days: i64) -> bool {
        self.days_until_expiry <= days
    }

    /// Ascending is most urgent first: by urgency, then the fewest days left (the longest
    /// expired first).
    pub fn sort_key(&self) -> (Urgency, i64) {
        (self.urgency, self.days_until_expiry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::document::field_rules::{check, DocumentFacts};
    use crate::domain::document::DocumentType;
    use chrono::TimeDelta;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
    }

    fn day_in(days: i64) -> NaiveDate {
        today().checked_add_signed(TimeDelta::days(days)).unwrap()
    }

    fn in_days(days: i64) -> ExpiryItem {
        ExpiryItem::of(day_in(days), today())
    }

    #[test]
    fn urgency_boundaries() {
        use Urgency::*;
        let expected = [
            (-400, Expired),
            (-1, Expired),
            (0, Critical),
            (7, Critical),
            (8, Warning),
            (14, Warning),
            (15, Info),
            (365, Info),
        ];
        for (days, urgency) in expected {
            let item = in_days(days);
            assert_eq!(item.days_until_expiry, days);
            assert_eq!(item.urgency, urgency, "{days} days");
            assert_eq!(item.is_expired, days < 0, "{days} days");
        }
    }

    #[test]
    fn counts_calendar_days_across_months_and_leap_days() {
        let item = ExpiryItem::of(
            NaiveDate::from_ymd_opt(2028, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(2028, 2, 28).unwrap(),
        );
        assert_eq!(item.days_until_expiry, 2);
    }

    #[test]
    fn due_within_includes_the_last_day_and_everything_expired() {
        assert!(in_days(30).is_due_within(30));
        assert!(!in_days(31).is_due_within(30));
        assert!(in_days(-90).is_due_within(1));
        assert!(in_days(0).is_due_within(0));
    }

    #[test]
    fn sorting_puts_the_most_urgent_first() {
        let mut items: Vec<ExpiryItem> = [20, -1, 3, 10, -30, 0, 14].map(in_days).to_vec();
        items.sort_by_key(ExpiryItem::sort_key);
        let days: Vec<i64> = items.iter().map(|item| item.days_until_expiry).collect();
        assert_eq!(days, vec![-30, -1, 0, 3, 10, 14, 20]);
        assert!(items
            .windows(2)
            .all(|pair| pair[0].urgency <= pair[1].urgency));
    }

    #[test]
    fn expired_here_is_expired_for_the_field_rules() {
        for days in -3..=3 {
            let item = in_days(days);
            let facts = DocumentFacts {
                document_type: DocumentType::PhytosanitaryCertificate,
                has_file: true,
                name: None,
                reference_number: Some("PC-1"),
                issue_date: Some(today()),
                expiry_date: Some(day_in(days)),
                issuing_authority: Some("NAQS"),
                extra_data: None,
            };
            assert_eq!(check(&facts, today()).is_valid, !item.is_expired, "{days}");
        }
    }

    #[test]
    fn serializes_in_the_report_shape() {
        assert_eq!(
            serde_json::to_value(in_days(-2)).unwrap(),
            serde_json::json!({"days_until_expiry": -2, "is_expired": true, "urgency": "expired"})
        );
        assert_eq!(
            serde_json::to_value(in_days(9)).unwrap()["urgency"],
            "warning"
        );
    }
}
