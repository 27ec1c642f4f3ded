//! What a provider says about a container: the predecessor's normalized payload (§1.6) and
//! the events it implies.
//!
//! The shape is kept so the web client's live-status card reads it unchanged, with two
//! differences: there is no `raw_data` (it passed the upstream body through to every user),
//! and timestamps are real UTC instants or `null`, never whatever text the upstream sent.
//! A bill-of-lading answer also lists the containers the bill covers
//! (`associated_containers`, omitted when empty).
//!
//! Every text here comes from outside, so it goes through [`clean_text`]: trimmed, control
//! characters dropped, bounded — a hostile provider cannot make a row too long for its
//! column or put a NUL where PostgreSQL refuses one.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::tracking::EventType;
use crate::domain::ContainerNumber;

/// The longest free text kept from a provider (names of ports, terminals, vessels, statuses).
pub const MAX_TEXT_CHARS: usize = 200;
/// `container_events.external_id` is `varchar(100)`.
pub const MAX_EXTERNAL_ID_CHARS: usize = 100;
/// `container_events.location_code` is `varchar(10)`.
pub const MAX_LOCATION_CODE_CHARS: usize = 10;
/// `container_events.vessel_name` is `varchar(100)`.
pub const MAX_VESSEL_CHARS: usize = 100;
/// `container_events.voyage_number` is `varchar(50)`.
pub const MAX_VOYAGE_CHARS: usize = 50;

/// A container's live status, normalized across providers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveStatus {
    /// The container asked about (or, for a bill of lading, the first one it covers).
    pub container_number: Option<ContainerNumber>,
    pub container_type: Option<String>,
    /// The provider's own words for where the container stands ("In Transit").
    pub status: Option<String>,
    /// The line's name.
    pub carrier: Option<String>,
    /// The line's id at the provider.
    pub carrier_id: Option<String>,
    /// Arrival at the final destination.
    pub eta: Option<DateTime<Utc>>,
    /// Arrival at the next stop.
    pub eta_next: Option<DateTime<Utc>>,
    /// Actual departure from the origin.
    pub atd_origin: Option<DateTime<Utc>>,
    pub origin: Origin,
    pub destination: Destination,
    pub current_location: CurrentLocation,
    pub next_location: NextLocation,
    pub vessel: Vessel,
    /// When the provider last refreshed its data.
    pub last_updated: Option<DateTime<Utc>>,
    /// The container's last movement.
    pub last_movement: Option<DateTime<Utc>>,
    /// Oldest first.
    pub events: Vec<ProviderEvent>,
    /// The containers a bill of lading covers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associated_containers: Vec<ContainerNumber>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Origin {
    pub port: Option<String>,
    pub terminal: Option<String>,
    pub loading_port: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Destination {
    pub port: Option<String>,
    pub terminal: Option<String>,
    pub discharging_port: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CurrentLocation {
    pub port: Option<String>,
    pub terminal: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NextLocation {
    pub port: Option<String>,
    pub terminal: Option<String>,
    pub eta: Option<DateTime<Utc>>,
}

/// The vessel the container left its origin on, and the one it is on now (they differ
/// after a transshipment).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Vessel {
    pub original_name: Option<String>,
    pub original_voyage: Option<String>,
    pub current_name: Option<String>,
    pub current_voyage: Option<String>,
}

/// One thing that happened to the container, ready to be stored as a container event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderEvent {
    /// Stable across calls: the same event reported twice has the same id, so storing
    /// `(shipment, external_id)` once deduplicates. At most 100 characters.
    pub external_id: String,
    pub event_type: EventType,
    pub timestamp: DateTime<Utc>,
    pub location_name: Option<String>,
    /// A UN/LOCODE when the provider gave one; at most 10 characters.
    pub location_code: Option<String>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
}

impl LiveStatus {
    /// An answer about `container` that says nothing yet.
    pub fn empty(container: Option<ContainerNumber>) -> Self {
        Self {
            container_number: container,
            container_type: None,
            status: None,
            carrier: None,
            carrier_id: None,
            eta: None,
            eta_next: None,
            atd_origin: None,
            origin: Origin::default(),
            destination: Destination::default(),
            current_location: CurrentLocation::default(),
            next_location: NextLocation::default(),
            vessel: Vessel::default(),
            last_updated: None,
            last_movement: None,
            events: Vec::new(),
            associated_containers: Vec::new(),
        }
    }
}

/// Outside text made safe to keep: trimmed, control characters (NUL included) dropped,
/// cut to `max` characters; empty means none.
pub fn clean_text(text: &str, max: usize) -> Option<String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_string())
}

/// A place name reduced to an id fragment: upper-case ASCII letters and digits, at most
/// `max` of them (`"Tangier Med, MA"` → `TANGIERMEDMA`).
pub fn id_fragment(text: &str, max: usize) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(max)
        .collect()
}

/// Joins id parts with `-` and bounds the result to [`MAX_EXTERNAL_ID_CHARS`]. Parts are
/// ASCII by construction, so cutting by bytes is cutting by characters.
pub fn external_id(parts: &[&str]) -> String {
    let mut id = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("-");
    id.retain(|c| c.is_ascii_graphic());
    id.truncate(MAX_EXTERNAL_ID_CHARS);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_is_trimmed_cleaned_and_bounded() {
        assert_eq!(clean_text("  Hamburg \n", 200), Some("Hamburg".into()));
        assert_eq!(clean_text("Ham\u{0}burg", 200), Some("Hamburg".into()));
        assert_eq!(clean_text("   ", 200), None);
        assert_eq!(clean_text("\u{7}\u{0}", 200), None);
        assert_eq!(clean_text(&"ä".repeat(500), 10), Some("ä".repeat(10)));
        assert_eq!(clean_text("abc   def", 4), Some("abc".into()));
    }

    #[test]
    fn ids_are_ascii_and_bounded() {
        assert_eq!(id_fragment("Tangier Med, MA", 40), "TANGIERMEDMA");
        assert_eq!(id_fragment("Ĥämbürg", 40), "MBRG");
        assert_eq!(id_fragment("ROTTERDAM", 3), "ROT");
        let long = "X".repeat(300);
        let id = external_id(&["JC", "MSKU9070323", &long]);
        assert_eq!(id.len(), MAX_EXTERNAL_ID_CHARS);
        assert!(id.starts_with("JC-MSKU9070323-XXX"));
        assert_eq!(external_id(&["SIM", "", "3"]), "SIM-3");
    }

    #[test]
    fn the_payload_keeps_the_predecessors_shape_without_raw_data() {
        let number = ContainerNumber::parse("MSKU9070323").unwrap();
        let json = serde_json::to_value(LiveStatus::empty(Some(number))).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "container_number",
            "container_type",
            "status",
            "carrier",
            "carrier_id",
            "eta",
            "eta_next",
            "atd_origin",
            "origin",
            "destination",
            "current_location",
            "next_location",
            "vessel",
            "last_updated",
            "last_movement",
            "events",
        ] {
            assert!(keys.contains(&key), "{key} missing");
        }
        assert!(!keys.contains(&"raw_data"));
        assert!(!keys.contains(&"associated_containers"));
        assert_eq!(json["container_number"], "MSKU9070323");
        assert_eq!(
            json["origin"],
            serde_json::json!({"port": null, "terminal": null, "loading_port": null})
        );
        assert_eq!(
            json["vessel"],
            serde_json::json!({"original_name": null, "original_voyage": null,
                "current_name": null, "current_voyage": null})
        );
    }
}
