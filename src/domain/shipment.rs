//! Shipment rules: the status and party-type vocabularies, HS codes, the keyset cursor of the
//! shipment list, and when a shipment may be deleted.
//!
//! * [`ShipmentStatus`] / [`PartyType`]: the API speaks lower case (`in_transit`), the
//!   database stores the predecessor's UPPER-CASE enum labels (`IN_TRANSIT`).
//! * [`HsCode`]: 4–10 digits of the Harmonized System, dots allowed between digit groups
//!   (`0506.90`, `1801.00.00`); stored as typed (trimmed).
//! * [`ListCursor`]: the opaque `cursor` of `GET /shipments` — the `(created_at, id)` of the
//!   last row of a page, newest first.
//! * [`may_delete`]: a shipment may be deleted only while nothing that records its history
//!   depends on it — no documents, no tracking events, no EUDR origins of its products —
//!   whatever its status. Such a shipment is a trade record (audit pack, compliance history,
//!   stored files, due-diligence evidence); a closed one is kept, not deleted. Mistakes are
//!   deleted early, before paperwork or tracking is attached; their plain products go with
//!   them.
//! * [`parse_timestamp`]: the date-time forms the API accepts for etd/eta/atd/ata.

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

api_enum!(
    /// Where a shipment stands (`shipmentstatus`).
    ShipmentStatus, "shipment status", [
    Created => "created", "CREATED",
    DocsPending => "docs_pending", "DOCS_PENDING",
    DocsComplete => "docs_complete", "DOCS_COMPLETE",
    InTransit => "in_transit", "IN_TRANSIT",
    Arrived => "arrived", "ARRIVED",
    Delivered => "delivered", "DELIVERED",
    Closed => "closed", "CLOSED",
]);

api_enum!(
    /// The role a party plays in trade documents (`partytype`).
    PartyType, "party type", [
    Supplier => "supplier", "SUPPLIER",
    Buyer => "buyer", "BUYER",
    Shipper => "shipper", "SHIPPER",
    Consignee => "consignee", "CONSIGNEE",
    NotifyParty => "notify_party", "NOTIFY_PARTY",
]);

/// The status a shipment gets when the client names none. The predecessor's model said
/// `created` and its API `in_transit`; a shipment just entered has not sailed, so `created`.
pub const DEFAULT_STATUS: ShipmentStatus = ShipmentStatus::Created;

// ---------------------------------------------------------------------------------------
// HS codes

/// A Harmonized System code: 4 to 10 digits, optionally grouped with single dots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HsCodeError {
    #[error("an HS code has 4 to 10 digits (dots allowed between them), this one has {0}")]
    DigitCount(usize),
    #[error("an HS code has only digits and single dots between them")]
    Shape,
}

impl HsCode {
    pub fn parse(text: &str) -> Result<Self, HsCodeError> {
        let code = text.trim();
        if code.starts_with('.')
            || code.ends_with('.')
            || code.contains("..")
            || !code.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            return Err(HsCodeError::Shape);
        }
        let digits = code.chars().filter(char::is_ascii_digit).count();
        if !(4..=10).contains(&digits) {
            return Err(HsCodeError::DigitCount(digits));
        }
        Ok(Self(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// ---------------------------------------------------------------------------------------
// Keyset cursor

/// The position after which the next page starts: the last row's `(created_at, id)`.
///
/// Encoded as 48 hex digits (microseconds since the epoch as 16, the uuid as 32): opaque to
/// clients, trivially checked, and free of characters that need escaping in a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a cursor this server issued")]
pub struct BadCursor;

impl ListCursor {
    pub fn encode(&self) -> String {
        let micros = self.created_at.timestamp_micros();
        format!("{:016x}{}", micros as u64, self.id.simple())
    }

    pub fn decode(text: &str) -> Result<Self, BadCursor> {
        if text.len() != 48 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BadCursor);
        }
        let micros = u64::from_str_radix(&text[..16], 16).map_err(|_| BadCursor)? as i64;
        let created_at = DateTime::from_timestamp_micros(micros).ok_or(BadCursor)?;
        let id = Uuid::try_parse(&text[16..]).map_err(|_| BadCursor)?;
        Ok(Self { created_at, id })
    }
}

// ---------------------------------------------------------------------------------------
// Timestamps

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be an RFC 3339 date-time (2026-01-03T06:00:00Z) or a date (2026-01-03)")]
pub struct BadTimestamp;

/// Reads a date-time for the shipment's timestamp columns: RFC 3339 with an offset
/// (converted to UTC), a date-time without one (taken as UTC), or a plain date (midnight
/// UTC).
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, BadTimestamp> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(at.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or(BadTimestamp)
}

// ---------------------------------------------------------------------------------------
// Search

/// The `ILIKE` pattern (with `ESCAPE '\\'`) that finds `term` anywhere: the client's `%`,
/// `_` and `\\` are matched literally, never as wildcards.
pub fn contains_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

// ---------------------------------------------------------------------------------------
// Products per request

/// The most products one request may carry: a container holds a few lines of goods, and
/// each product is an insert in the request's transaction.
pub const MAX_PRODUCTS_PER_REQUEST: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must hold at most {MAX_PRODUCTS_PER_REQUEST} products (add more one by one)")]
pub struct TooManyProducts;

/// Whether a request with `count` products is within [`MAX_PRODUCTS_PER_REQUEST`].
pub fn may_carry_products(count: usize) -> Result<(), TooManyProducts> {
    if count <= MAX_PRODUCTS_PER_REQUEST {
        Ok(())
    } else {
        Err(TooManyProducts)
    }
}

// ---------------------------------------------------------------------------------------
// Deleting

/// What depends on a shipment that a delete would take with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dependents {
    pub documents: i64,
    /// Container (tracking) events.
    pub events: i64,
    /// EUDR origins of the shipment's products.
    pub origins: i64,
}

/// Why a shipment may not be deleted: what depends on it, named with counts
/// ("3 tracking events, 1 origin").
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the shipment has {}; only a shipment without documents, tracking events and origins can be deleted", self.listing())]
pub struct HasDependents(pub Dependents);

impl HasDependents {
    /// Documents are among the reasons (the predecessor's clients know that refusal by its
    /// own code).
    pub fn has_documents(&self) -> bool {
        self.0.documents > 0
    }

    fn listing(&self) -> String {
        let Dependents {
            documents,
            events,
            origins,
        } = self.0;
        [
            (documents, "document", "documents"),
            (events, "tracking event", "tracking events"),
            (origins, "origin", "origins"),
        ]
        .into_iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, one, many)| format!("{count} {}", if count == 1 { one } else { many }))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// A shipment may be deleted only while nothing records its history (see the module docs).
pub fn may_delete(dependents: Dependents) -> Result<(), HasDependents> {
    if dependents.documents <= 0 && dependents.events <= 0 && dependents.origins <= 0 {
        Ok(())
    } else {
        Err(HasDependents(dependents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn statuses_round_trip_in_both_spellings() {
        let expected = [
            ("created", "CREATED"),
            ("docs_pending", "DOCS_PENDING"),
            ("docs_complete", "DOCS_COMPLETE"),
            ("in_transit", "IN_TRANSIT"),
            ("arrived", "ARRIVED"),
            ("delivered", "DELIVERED"),
            ("closed", "CLOSED"),
        ];
        assert_eq!(ShipmentStatus::ALL.len(), expected.len());
        for (status, (api, db)) in ShipmentStatus::ALL.into_iter().zip(expected) {
            assert_eq!(status.as_str(), api);
            assert_eq!(status.db_label(), db);
            assert_eq!(status.to_string(), api);
            assert_eq!(ShipmentStatus::parse(api), Ok(status));
            assert_eq!(ShipmentStatus::parse(db), Ok(status));
            assert_eq!(ShipmentStatus::parse(&format!(" {api} ")), Ok(status));
            assert_eq!(ShipmentStatus::from_db_label(db), Ok(status));
            assert!(ShipmentStatus::from_db_label(api).is_err());
        }
        for bad in ["", "shipped", "in transit", "draft", "archived"] {
            let error = ShipmentStatus::parse(bad).unwrap_err().to_string();
            assert!(error.contains("in_transit"), "{error}");
        }
        assert_eq!(DEFAULT_STATUS, ShipmentStatus::Created);
    }

    #[test]
    fn party_types_round_trip_in_both_spellings() {
        let expected = [
            ("supplier", "SUPPLIER"),
            ("buyer", "BUYER"),
            ("shipper", "SHIPPER"),
            ("consignee", "CONSIGNEE"),
            ("notify_party", "NOTIFY_PARTY"),
        ];
        assert_eq!(PartyType::ALL.len(), expected.len());
        for (party, (api, db)) in PartyType::ALL.into_iter().zip(expected) {
            assert_eq!(party.as_str(), api);
            assert_eq!(party.db_label(), db);
            assert_eq!(PartyType::parse(api), Ok(party));
            assert_eq!(PartyType::parse(db), Ok(party));
            assert_eq!(PartyType::from_db_label(db), Ok(party));
        }
        assert!(PartyType::parse("carrier").is_err());
        assert!(PartyType::from_db_label("notify party").is_err());
    }

    #[test]
    fn hs_codes_need_four_to_ten_digits_and_well_placed_dots() {
        for good in [
            "0506",
            "050690",
            "0506.90",
            "1801.00.00",
            "1234567890",
            " 0910.11 ",
            "12.34",
        ] {
            let code = HsCode::parse(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(code.as_str(), good.trim());
        }
        for (bad, error) in [
            ("", HsCodeError::DigitCount(0)),
            ("123", HsCodeError::DigitCount(3)),
            ("1.2.3", HsCodeError::DigitCount(3)),
            ("12345678901", HsCodeError::DigitCount(11)),
            (".0506", HsCodeError::Shape),
            ("0506.", HsCodeError::Shape),
            ("05..06", HsCodeError::Shape),
            ("0506-90", HsCodeError::Shape),
            ("05 06", HsCodeError::Shape),
            ("abcd", HsCodeError::Shape),
            ("٠٥٠٦", HsCodeError::Shape),
        ] {
            assert_eq!(HsCode::parse(bad), Err(error), "{bad:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_anything_else() {
        let cursor = ListCursor {
            created_at: NaiveDate::from_ymd_opt(2026, 1, 6)
                .unwrap()
                .and_hms_micro_opt(9, 30, 0, 123_456)
                .unwrap()
                .and_utc(),
            id: Uuid::new_v4(),
        };
        let text = cursor.encode();
        assert_eq!(text.len(), 48);
        assert_eq!(ListCursor::decode(&text), Ok(cursor));
        assert_eq!(ListCursor::decode(&text.to_uppercase()), Ok(cursor));
        // Before the epoch too (negative microseconds).
        let old = ListCursor {
            created_at: NaiveDate::from_ymd_opt(1960, 5, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc(),
            id: Uuid::nil(),
        };
        assert_eq!(ListCursor::decode(&old.encode()), Ok(old));
        for bad in [
            "",
            "abc",
            &text[..47],
            &format!("{text}0"),
            &format!("g{}", &text[1..]),
            &format!("{}é", &text[..46]),
            "7fffffffffffffff00000000000000000000000000000000",
        ] {
            assert_eq!(ListCursor::decode(bad), Err(BadCursor), "{bad:?}");
        }
    }

    #[test]
    fn search_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("MRSU"), "%MRSU%");
        assert_eq!(contains_pattern("100%"), "%100\\%%");
        assert_eq!(contains_pattern("a_b"), "%a\\_b%");
        assert_eq!(contains_pattern("c:\\x"), "%c:\\\\x%");
        assert_eq!(contains_pattern(""), "%%");
        assert_eq!(contains_pattern("é'--"), "%é'--%");
    }

    #[test]
    fn a_request_carries_at_most_100_products() {
        assert_eq!(may_carry_products(0), Ok(()));
        assert_eq!(may_carry_products(MAX_PRODUCTS_PER_REQUEST), Ok(()));
        assert_eq!(
            may_carry_products(MAX_PRODUCTS_PER_REQUEST + 1),
            Err(TooManyProducts)
        );
    }

    #[test]
    fn delete_needs_a_shipment_without_documents_events_or_origins() {
        assert_eq!(may_delete(Dependents::default()), Ok(()));
        let refused = |documents, events, origins| {
            may_delete(Dependents {
                documents,
                events,
                origins,
            })
            .unwrap_err()
        };
        let documents = refused(2, 0, 0);
        assert!(documents.has_documents());
        assert!(documents
            .to_string()
            .starts_with("the shipment has 2 documents;"));
        let tracked = refused(0, 3, 1);
        assert!(!tracked.has_documents());
        assert!(
            tracked
                .to_string()
                .starts_with("the shipment has 3 tracking events, 1 origin;"),
            "{tracked}"
        );
        assert!(refused(1, 1, 2)
            .to_string()
            .starts_with("the shipment has 1 document, 1 tracking event, 2 origins;"));
        assert!(refused(0, 0, 1)
            .to_string()
            .starts_with("the shipment has 1 origin;"));
    }

    #[test]
    fn timestamps_accept_rfc3339_naive_and_plain_dates() {
        let at = |h, m, s| {
            NaiveDate::from_ymd_opt(2026, 1, 3)
                .unwrap()
                .and_hms_opt(h, m, s)
                .unwrap()
                .and_utc()
        };
        assert_eq!(parse_timestamp("2026-01-03T06:00:00Z"), Ok(at(6, 0, 0)));
        assert_eq!(
            parse_timestamp("2026-01-03T07:00:00+01:00"),
            Ok(at(6, 0, 0))
        );
        assert_eq!(parse_timestamp("2026-01-03T06:00:00"), Ok(at(6, 0, 0)));
        assert_eq!(parse_timestamp("2026-01-03 06:00:00"), Ok(at(6, 0, 0)));
        assert_eq!(parse_timestamp(" 2026-01-03 "), Ok(at(0, 0, 0)));
        assert_eq!(
            parse_timestamp("2026-01-03T06:00:00.250Z").map(|t| t.timestamp_subsec_millis()),
            Ok(250)
        );
        for bad in [
            "",
            "tomorrow",
            "2026-13-01",
            "2026-01-03T25:00:00Z",
            "03/01/2026",
        ] {
            assert_eq!(parse_timestamp(bad), Err(BadTimestamp), "{bad:?}");
        }
    }
}
