//! Container tracking: what can happen to a container, who carries it, and what an event
//! means for its shipment.
//!
//! * [`EventType`]: the predecessor's 13 event types (`eventtype`); the API speaks lower case
//!   (`gate_in`), the database stores the UPPER-CASE labels.
//! * [`EventType::from_carrier_label`] / [`EventType::from_jsoncargo_label`]: the words
//!   carriers and the JSONCargo feed use for them.
//! * [`carrier`]: the shipping line, from the container number's owner prefix.
//! * [`bill_of_lading`]: bill-of-lading numbers, checked before a provider is asked.
//! * [`signature`]: the HMAC-SHA256 signature carriers' webhooks must carry.
//! * [`status`]: the shipment status and actual dates an event implies, and what an ETA
//!   change is (§5.9 of the predecessor's rules), with whom to tell.
//!
//! All of it is pure: handlers read the rows, these functions decide, handlers write.

use serde::{Serialize, Serializer};

pub mod bill_of_lading;
pub mod carrier;
pub mod signature;
pub mod status;

pub use bill_of_lading::{BillOfLading, BillOfLadingError};

api_enum!(
    /// What happened to a container (`eventtype`).
    EventType, "event type", [
    BookingConfirmed => "booking_confirmed", "BOOKING_CONFIRMED",
    GateIn => "gate_in", "GATE_IN",
    Loaded => "loaded", "LOADED",
    Departed => "departed", "DEPARTED",
    Transshipment => "transshipment", "TRANSSHIPMENT",
    Arrived => "arrived", "ARRIVED",
    Discharged => "discharged", "DISCHARGED",
    GateOut => "gate_out", "GATE_OUT",
    Delivered => "delivered", "DELIVERED",
    CustomsHold => "customs_hold", "CUSTOMS_HOLD",
    CustomsReleased => "customs_released", "CUSTOMS_RELEASED",
    EmptyReturn => "empty_return", "EMPTY_RETURN",
    Unknown => "unknown", "UNKNOWN",
]);

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Upper-cases and turns spaces and dashes into underscores: `Vessel departed` and
/// `vessel-departed` are `VESSEL_DEPARTED`.
fn normalized_label(label: &str) -> String {
    label
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

impl EventType {
    /// The event's name as people read it.
    pub const fn label(self) -> &'static str {
        match self {
            EventType::BookingConfirmed => "Booking confirmed",
            EventType::GateIn => "Gate in",
            EventType::Loaded => "Loaded",
            EventType::Departed => "Departed",
            EventType::Transshipment => "Transshipment",
            EventType::Arrived => "Arrived",
            EventType::Discharged => "Discharged",
            EventType::GateOut => "Gate out",
            EventType::Delivered => "Delivered",
            EventType::CustomsHold => "Customs hold",
            EventType::CustomsReleased => "Customs released",
            EventType::EmptyReturn => "Empty returned",
            EventType::Unknown => "Event",
        }
    }

    /// One line about an event: `Departed at Apapa (NGAPP) on RHINE MAERSK 550N`.
    pub fn describe(
        self,
        location_name: Option<&str>,
        location_code: Option<&str>,
        vessel_name: Option<&str>,
        voyage_number: Option<&str>,
    ) -> String {
        let mut line = self.label().to_string();
        match (location_name, location_code) {
            (Some(name), Some(code)) => line.push_str(&format!(" at {name} ({code})")),
            (Some(place), None) | (None, Some(place)) => line.push_str(&format!(" at {place}")),
            (None, None) => {}
        }
        if let Some(vessel) = vessel_name {
            line.push_str(&format!(" on {vessel}"));
            if let Some(voyage) = voyage_number {
                line.push_str(&format!(" {voyage}"));
            }
        }
        line
    }

    /// The event type a carrier's webhook names (`POST /webhooks/carrier`): our own labels
    /// and the common carrier words for them. A word we do not know is [`EventType::Unknown`]
    /// — the event is kept, it just changes nothing.
    pub fn from_carrier_label(label: &str) -> EventType {
        let label = normalized_label(label);
        if let Ok(known) = EventType::from_db_label(&label) {
            return known;
        }
        match label.as_str() {
            "BOOKING" | "BOOKED" => EventType::BookingConfirmed,
            "GATE_IN_FULL" | "RECEIVED" | "CONTAINER_RECEIVED" => EventType::GateIn,
            "LOAD" | "CONTAINER_LOADED" | "LOADED_ON_VESSEL" => EventType::Loaded,
            "VESSEL_DEPARTED" | "DEPARTURE" | "SAILED" => EventType::Departed,
            "TRANSHIPMENT" | "TRANSSHIPPED" | "TRANSHIPPED" => EventType::Transshipment,
            "VESSEL_ARRIVED" | "ARRIVAL" | "POD" | "ARRIVED_AT_POD" => EventType::Arrived,
            "CONTAINER_DISCHARGED" | "DISCHARGE" | "UNLOADED" => EventType::Discharged,
            "PICKUP" | "PICKED_UP" | "GATE_OUT_FULL" => EventType::GateOut,
            "CONTAINER_DELIVERED" | "DELIVERY" => EventType::Delivered,
            "CUSTOMS_HELD" | "HOLD" => EventType::CustomsHold,
            "CUSTOMS_CLEARED" | "CUSTOMS_RELEASE" | "RELEASED" => EventType::CustomsReleased,
            "EMPTY_RETURNED" | "GATE_IN_EMPTY" | "RETURNED_EMPTY" => EventType::EmptyReturn,
            _ => EventType::Unknown,
        }
    }

    /// The event type a JSONCargo webhook names, or `None` for the words it uses that we do
    /// not record (the predecessor skipped those events; so do we).
    pub fn from_jsoncargo_label(label: &str) -> Option<EventType> {
        match normalized_label(label).as_str() {
            "CONTAINER_LOADED" | "LOADED" => Some(EventType::Loaded),
            "VESSEL_DEPARTED" | "DEPARTED" => Some(EventType::Departed),
            "VESSEL_ARRIVED" | "ARRIVED" => Some(EventType::Arrived),
            "CONTAINER_DISCHARGED" | "DISCHARGED" => Some(EventType::Discharged),
            "CONTAINER_DELIVERED" | "DELIVERED" => Some(EventType::Delivered),
            "TRANSSHIPMENT" => Some(EventType::Transshipment),
            "GATE_IN" => Some(EventType::GateIn),
            "GATE_OUT" => Some(EventType::GateOut),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_round_trips_through_both_spellings() {
        assert_eq!(EventType::ALL.len(), 13);
        for event in EventType::ALL {
            assert_eq!(EventType::parse(event.as_str()), Ok(event));
            assert_eq!(EventType::from_db_label(event.db_label()), Ok(event));
            assert_eq!(EventType::from_carrier_label(event.db_label()), event);
            assert_eq!(EventType::from_carrier_label(event.as_str()), event);
        }
    }

    #[test]
    fn an_event_is_described_with_what_is_known() {
        assert_eq!(
            EventType::Departed.describe(
                Some("Apapa"),
                Some("NGAPP"),
                Some("RHINE MAERSK"),
                Some("550N")
            ),
            "Departed at Apapa (NGAPP) on RHINE MAERSK 550N"
        );
        assert_eq!(
            EventType::GateIn.describe(None, Some("DEHAM"), None, Some("1")),
            "Gate in at DEHAM"
        );
        assert_eq!(EventType::Unknown.describe(None, None, None, None), "Event");
        for event in EventType::ALL {
            assert!(!event.label().is_empty());
        }
    }

    #[test]
    fn carrier_words_map_to_their_event_and_strangers_to_unknown() {
        let cases = [
            ("POD", EventType::Arrived),
            ("pickup", EventType::GateOut),
            ("Vessel Departed", EventType::Departed),
            ("vessel-arrived", EventType::Arrived),
            ("customs_hold", EventType::CustomsHold),
            ("CUSTOMS_RELEASED", EventType::CustomsReleased),
            ("EMPTY_RETURN", EventType::EmptyReturn),
            ("container_loaded", EventType::Loaded),
            ("", EventType::Unknown),
            ("SOMETHING_ELSE", EventType::Unknown),
        ];
        for (label, expected) in cases {
            assert_eq!(EventType::from_carrier_label(label), expected, "{label:?}");
        }
    }

    #[test]
    fn jsoncargo_words_map_and_the_rest_is_skipped() {
        let cases = [
            ("CONTAINER_LOADED", Some(EventType::Loaded)),
            ("VESSEL_DEPARTED", Some(EventType::Departed)),
            ("VESSEL_ARRIVED", Some(EventType::Arrived)),
            ("CONTAINER_DISCHARGED", Some(EventType::Discharged)),
            ("CONTAINER_DELIVERED", Some(EventType::Delivered)),
            ("TRANSSHIPMENT", Some(EventType::Transshipment)),
            ("gate_in", Some(EventType::GateIn)),
            ("GATE_OUT", Some(EventType::GateOut)),
            ("IN_TRANSIT", None),
            ("CUSTOMS_HOLD", None),
            ("", None),
        ];
        for (label, expected) in cases {
            assert_eq!(
                EventType::from_jsoncargo_label(label),
                expected,
                "{label:?}"
            );
        }
    }
}
