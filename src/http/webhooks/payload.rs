//! What carriers' webhooks send, read into [`Report`]s — every malformed part a 422 field
//! error, never a panic or a 500 (the predecessor failed on a bad `eta` or a string
//! `location`).
//!
//! * `POST /webhooks/carrier`: one event per call — `{container_number, event_type,
//!   timestamp, location, vessel, voyage_number?, eta?, carrier?, id?}`; `location` is a
//!   string (its name) or `{name, code|locode, lat|latitude, lng|lon|longitude}`; `vessel`
//!   a string (its name) or `{name, voyage|voyage_number}`. A type we do not know is kept
//!   as `unknown`.
//! * `POST /webhooks/jsoncargo`: `{container_number | container_id, events: [...], eta?}`,
//!   or the payload itself as one event; event types outside the JSONCargo words are
//!   skipped, as the predecessor skipped them.
//!
//! An event's id is the sender's `id` (or `event_id`), else `<container>-<TYPE>-<time>`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::db::tracking::NewEvent;
use crate::domain::tracking::EventType;
use crate::domain::{parse_timestamp, text, ContainerNumber};
use crate::http::error::ApiError;
use crate::http::extract::Fields;
use crate::tracking::apply::Report;

/// The most events one JSONCargo call may carry.
pub const MAX_EVENTS_PER_CALL: usize = 500;
const MAX_EXTERNAL_ID: usize = 100;
const MAX_LOCATION_NAME: usize = 255;
const MAX_LOCATION_CODE: usize = 10;
const MAX_VESSEL_NAME: usize = 100;
const MAX_VOYAGE: usize = 50;

/// A parsed webhook call: the container and what to apply to its shipments.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub container: ContainerNumber,
    pub report: Report,
    /// JSONCargo events of a type we do not record.
    pub skipped: usize,
}

/// Reads a `POST /webhooks/carrier` body.
pub fn carrier(body: &[u8]) -> Result<Parsed, ApiError> {
    let object = json_object(body)?;
    let mut fields = Fields::new();
    let container = container(&object, &mut fields);
    let eta = timestamp_field(&object, "eta", &["eta"], false, &mut fields);
    let event_type = match first(&object, &["event_type", "type"]) {
        Some(Value::String(label)) => Some(EventType::from_carrier_label(label)),
        None | Some(Value::Null) => {
            fields.add("event_type", "is required");
            None
        }
        Some(_) => {
            fields.add("event_type", "must be a string");
            None
        }
    };
    let event = match (&container, event_type) {
        (Some(container), Some(event_type)) => event(
            &object,
            "",
            container,
            event_type,
            "carrier_webhook",
            &mut fields,
        ),
        _ => None,
    };
    fields.finish()?;
    let (Some(container), Some(event)) = (container, event) else {
        return Err(Fields::one("body", "is not a carrier event"));
    };
    Ok(Parsed {
        container,
        report: Report {
            events: vec![event],
            eta: eta.flatten(),
            source: "carrier_webhook",
        },
        skipped: 0,
    })
}

/// Reads a `POST /webhooks/jsoncargo` body.
pub fn jsoncargo(body: &[u8]) -> Result<Parsed, ApiError> {
    let object = json_object(body)?;
    let mut fields = Fields::new();
    let container = container(&object, &mut fields);
    let eta = timestamp_field(&object, "eta", &["eta"], false, &mut fields);
    let listed: Vec<(String, &Map<String, Value>)> = match object.get("events") {
        Some(Value::Array(events)) if events.len() > MAX_EVENTS_PER_CALL => {
            fields.add(
                "events",
                format!("must hold at most {MAX_EVENTS_PER_CALL} events"),
            );
            Vec::new()
        }
        Some(Value::Array(events)) => events
            .iter()
            .enumerate()
            .filter_map(|(index, value)| match value {
                Value::Object(event) => Some((format!("events[{index}]."), event)),
                _ => {
                    fields.add(&format!("events[{index}]"), "must be an object");
                    None
                }
            })
            .collect(),
        None | Some(Value::Null) => vec![(String::new(), &object)],
        Some(_) => {
            fields.add("events", "must be a list of events");
            Vec::new()
        }
    };
    let mut events = Vec::new();
    let mut skipped = 0;
    if let Some(container) = &container {
        for (prefix, event_object) in listed {
            let label = match first(event_object, &["event_type", "type"]) {
                Some(Value::String(label)) => label.as_str(),
                // The payload as its own event: a call with only an ETA has none.
                None | Some(Value::Null) if prefix.is_empty() => continue,
                None | Some(Value::Null) => {
                    fields.add(&format!("{prefix}event_type"), "is required");
                    continue;
                }
                Some(_) => {
                    fields.add(&format!("{prefix}event_type"), "must be a string");
                    continue;
                }
            };
            let Some(event_type) = EventType::from_jsoncargo_label(label) else {
                skipped += 1;
                continue;
            };
            if let Some(event) = event(
                event_object,
                &prefix,
                container,
                event_type,
                "jsoncargo_webhook",
                &mut fields,
            ) {
                events.push(event);
            }
        }
    }
    fields.finish()?;
    let Some(container) = container else {
        return Err(Fields::one("container_number", "is required"));
    };
    Ok(Parsed {
        container,
        report: Report {
            events,
            eta: eta.flatten(),
            source: "jsoncargo_webhook",
        },
        skipped,
    })
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    // PostgreSQL's jsonb cannot hold a NUL character (the raw payload is kept).
    if body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(Fields::one("body", "must not contain NUL characters"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(Fields::one("body", "must be a JSON object")),
        Err(_) => Err(Fields::one("body", "is not valid JSON")),
    }
}

/// The first of `names` present in `object`.
fn first<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|name| object.get(*name))
}

fn container(object: &Map<String, Value>, fields: &mut Fields) -> Option<ContainerNumber> {
    match first(object, &["container_number", "container_id", "container"]) {
        Some(Value::String(number)) => {
            fields.check("container_number", ContainerNumber::parse(number))
        }
        None | Some(Value::Null) => {
            fields.add("container_number", "is required");
            None
        }
        Some(_) => {
            fields.add("container_number", "must be a string");
            None
        }
    }
}

/// A date-time field: `Some(None)` when absent (and optional), `None` when invalid.
fn timestamp_field(
    object: &Map<String, Value>,
    field: &str,
    names: &[&str],
    required: bool,
    fields: &mut Fields,
) -> Option<Option<DateTime<Utc>>> {
    match first(object, names) {
        Some(Value::String(text)) if !text.trim().is_empty() => {
            fields.check(field, parse_timestamp(text)).map(Some)
        }
        None | Some(Value::Null) | Some(Value::String(_)) if !required => Some(None),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            fields.add(field, "is required");
            None
        }
        Some(_) => {
            fields.add(field, "must be a date-time string (2026-01-03T06:00:00Z)");
            None
        }
    }
}

/// A text field of at most `max` characters; absent or empty is `None`.
fn text_of(value: Option<&Value>, field: &str, max: usize, fields: &mut Fields) -> Option<String> {
    match value {
        Some(Value::String(value)) => fields
            .check(field, text::optional(Some(value), max))
            .flatten(),
        Some(Value::Number(number)) => fields
            .check(field, text::optional(Some(&number.to_string()), max))
            .flatten(),
        None | Some(Value::Null) => None,
        Some(_) => {
            fields.add(field, "must be a string");
            None
        }
    }
}

/// A coordinate within ±`limit` degrees; a number or a numeric string.
fn coordinate(value: Option<&Value>, field: &str, limit: f64, fields: &mut Fields) -> Option<f64> {
    let number = match value {
        None | Some(Value::Null) => return None,
        Some(Value::Number(number)) => number.as_f64(),
        Some(Value::String(text)) => text.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match number {
        Some(degrees) if degrees.is_finite() && degrees.abs() <= limit => Some(degrees),
        _ => {
            fields.add(
                field,
                format!("must be a number of degrees between -{limit} and {limit}"),
            );
            None
        }
    }
}

/// The place of an event: `(name, code, latitude, longitude)`.
type Place = (Option<String>, Option<String>, Option<f64>, Option<f64>);

fn location(value: Option<&Value>, prefix: &str, fields: &mut Fields) -> Place {
    let field = format!("{prefix}location");
    match value {
        None | Some(Value::Null) => (None, None, None, None),
        Some(Value::String(_)) => (
            text_of(value, &field, MAX_LOCATION_NAME, fields),
            None,
            None,
            None,
        ),
        Some(Value::Object(place)) => (
            text_of(
                first(place, &["name", "location_name", "port"]),
                &format!("{field}.name"),
                MAX_LOCATION_NAME,
                fields,
            ),
            text_of(
                first(place, &["code", "locode", "location_code", "unlocode"]),
                &format!("{field}.code"),
                MAX_LOCATION_CODE,
                fields,
            ),
            coordinate(
                first(place, &["lat", "latitude"]),
                &format!("{field}.lat"),
                90.0,
                fields,
            ),
            coordinate(
                first(place, &["lng", "lon", "longitude"]),
                &format!("{field}.lng"),
                180.0,
                fields,
            ),
        ),
        Some(_) => {
            fields.add(
                &field,
                "must be a place name or an object {name, code, lat, lng}",
            );
            (None, None, None, None)
        }
    }
}

/// The vessel and voyage of an event: `(name, voyage)`.
fn vessel(
    object: &Map<String, Value>,
    prefix: &str,
    fields: &mut Fields,
) -> (Option<String>, Option<String>) {
    let field = format!("{prefix}vessel");
    let voyage_field = format!("{prefix}voyage_number");
    let top_voyage = first(object, &["voyage_number", "voyage"]);
    match object.get("vessel").or_else(|| object.get("vessel_name")) {
        None | Some(Value::Null) => (None, text_of(top_voyage, &voyage_field, MAX_VOYAGE, fields)),
        Some(value @ Value::String(_)) => (
            text_of(Some(value), &field, MAX_VESSEL_NAME, fields),
            text_of(top_voyage, &voyage_field, MAX_VOYAGE, fields),
        ),
        Some(Value::Object(ship)) => (
            text_of(
                first(ship, &["name", "vessel_name"]),
                &format!("{field}.name"),
                MAX_VESSEL_NAME,
                fields,
            ),
            text_of(
                first(ship, &["voyage", "voyage_number"]).or(top_voyage),
                &format!("{field}.voyage"),
                MAX_VOYAGE,
                fields,
            ),
        ),
        Some(_) => {
            fields.add(&field, "must be a vessel name or an object {name, voyage}");
            (None, None)
        }
    }
}

/// One event of a call (`prefix` names its place in the body for error messages).
fn event(
    object: &Map<String, Value>,
    prefix: &str,
    container: &ContainerNumber,
    event_type: EventType,
    source: &'static str,
    fields: &mut Fields,
) -> Option<NewEvent> {
    let timestamp = timestamp_field(
        object,
        &format!("{prefix}timestamp"),
        &["timestamp", "event_time", "event_timestamp", "date"],
        true,
        fields,
    )
    .flatten();
    let (location_name, location_code, latitude, longitude) =
        location(object.get("location"), prefix, fields);
    let (vessel_name, voyage_number) = vessel(object, prefix, fields);
    let given_id = text_of(
        first(object, &["id", "event_id"]),
        &format!("{prefix}id"),
        MAX_EXTERNAL_ID,
        fields,
    );
    let timestamp = timestamp?;
    let external_id = given_id.unwrap_or_else(|| {
        format!(
            "{}-{}-{}",
            container.as_str(),
            event_type.db_label(),
            timestamp.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    });
    Some(NewEvent {
        external_id,
        event_type,
        timestamp,
        location_name,
        location_code,
        latitude,
        longitude,
        vessel_name,
        voyage_number,
        source,
        raw_payload: Some(Value::Object(object.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONTAINER: &str = "MSKU9070323";

    fn field_errors(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    fn carrier_of(value: serde_json::Value) -> Result<Parsed, ApiError> {
        carrier(value.to_string().as_bytes())
    }

    #[test]
    fn a_carrier_event_with_place_and_vessel_objects() {
        let parsed = carrier_of(json!({
            "container_number": CONTAINER, "event_type": "VESSEL_DEPARTED",
            "timestamp": "2026-05-01T10:00:00+01:00",
            "location": {"name": "Apapa", "locode": "NGAPP", "latitude": 6.45, "lng": "3.36"},
            "vessel": {"name": "RHINE MAERSK", "voyage_number": "550N"},
            "eta": "2026-05-20", "id": 42
        }))
        .unwrap();
        assert_eq!(parsed.container.as_str(), CONTAINER);
        assert_eq!(
            parsed.report.eta.unwrap().to_rfc3339(),
            "2026-05-20T00:00:00+00:00"
        );
        let event = &parsed.report.events[0];
        assert_eq!(event.event_type, EventType::Departed);
        assert_eq!(event.timestamp.to_rfc3339(), "2026-05-01T09:00:00+00:00");
        assert_eq!(event.external_id, "42");
        assert_eq!(event.location_name.as_deref(), Some("Apapa"));
        assert_eq!(event.location_code.as_deref(), Some("NGAPP"));
        assert_eq!((event.latitude, event.longitude), (Some(6.45), Some(3.36)));
        assert_eq!(event.vessel_name.as_deref(), Some("RHINE MAERSK"));
        assert_eq!(event.voyage_number.as_deref(), Some("550N"));
    }

    #[test]
    fn a_string_location_and_vessel_and_an_unknown_type_are_kept() {
        let parsed = carrier_of(json!({
            "container_number": CONTAINER, "event_type": "weird", "timestamp": "2026-05-01 10:00:00",
            "location": "Hamburg", "vessel": "MSC ANNA", "voyage_number": "12W"
        }))
        .unwrap();
        let event = &parsed.report.events[0];
        assert_eq!(event.event_type, EventType::Unknown);
        assert_eq!(event.location_name.as_deref(), Some("Hamburg"));
        assert_eq!(event.vessel_name.as_deref(), Some("MSC ANNA"));
        assert_eq!(event.voyage_number.as_deref(), Some("12W"));
        assert_eq!(
            event.external_id,
            "MSKU9070323-UNKNOWN-2026-05-01T10:00:00Z"
        );
    }

    #[test]
    fn malformed_carrier_events_name_every_bad_field() {
        let errors = field_errors(
            carrier_of(json!({
                "container_number": "MSKU9070320", "event_type": 7, "timestamp": "soon",
                "location": [1, 2], "eta": "later"
            }))
            .unwrap_err(),
        );
        assert_eq!(errors, ["container_number", "eta", "event_type"]);
        let errors = field_errors(
            carrier_of(json!({
                "container_number": CONTAINER, "event_type": "ARRIVED", "timestamp": "2026-05-01",
                "location": {"lat": 91, "lng": "east", "code": "TOO-LONG-CODE"}, "vessel": 5, "eta": 17,
                "id": "x".repeat(101)
            }))
            .unwrap_err(),
        );
        assert_eq!(
            errors,
            [
                "eta",
                "location.code",
                "location.lat",
                "location.lng",
                "vessel",
                "id"
            ]
        );
        let errors = field_errors(
            carrier_of(json!({"container_number": CONTAINER, "event_type": "ARRIVED"}))
                .unwrap_err(),
        );
        assert_eq!(errors, ["timestamp"]);
        for body in [
            &b"not json"[..],
            b"[]",
            b"\"text\"",
            b"",
            br#"{"id": "a\u0000b"}"#,
        ] {
            assert_eq!(field_errors(carrier(body).unwrap_err()), ["body"]);
        }
    }

    #[test]
    fn jsoncargo_calls_carry_a_list_or_one_event_and_skip_unknown_words() {
        let parsed = jsoncargo(
            json!({
                "container_id": CONTAINER, "eta": "2026-06-01T00:00:00Z",
                "events": [
                    {"type": "CONTAINER_LOADED", "timestamp": "2026-05-01T00:00:00Z"},
                    {"event_type": "IN_TRANSIT", "timestamp": "2026-05-02T00:00:00Z"},
                    {"event_type": "VESSEL_DEPARTED", "timestamp": "2026-05-02T00:00:00Z", "id": "e-2"}
                ]
            })
            .to_string()
            .as_bytes(),
        )
        .unwrap();
        let types: Vec<_> = parsed.report.events.iter().map(|e| e.event_type).collect();
        assert_eq!(types, [EventType::Loaded, EventType::Departed]);
        assert_eq!(parsed.skipped, 1);
        assert_eq!(parsed.report.events[1].external_id, "e-2");
        assert_eq!(parsed.report.source, "jsoncargo_webhook");

        let single = jsoncargo(
            json!({"container_number": CONTAINER, "event_type": "VESSEL_ARRIVED", "timestamp": "2026-05-09"})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(single.report.events[0].event_type, EventType::Arrived);
        let eta_only = jsoncargo(
            json!({"container_number": CONTAINER, "eta": "2026-05-09"})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert!(eta_only.report.events.is_empty());
        assert!(eta_only.report.eta.is_some());
    }

    #[test]
    fn malformed_jsoncargo_calls_are_422() {
        let cases = [
            (json!({"events": []}), vec!["container_number"]),
            (
                json!({"container_number": CONTAINER, "events": "many"}),
                vec!["events"],
            ),
            (
                json!({"container_number": CONTAINER, "events": [1]}),
                vec!["events[0]"],
            ),
            (
                json!({"container_number": CONTAINER, "events": [{"type": "VESSEL_ARRIVED"}]}),
                vec!["events[0].timestamp"],
            ),
            (
                json!({"container_number": CONTAINER, "events": [{"type": "VESSEL_ARRIVED", "timestamp": "2026-05-01", "location": 3}]}),
                vec!["events[0].location"],
            ),
            (
                json!({"container_number": CONTAINER, "eta": "not a date"}),
                vec!["eta"],
            ),
        ];
        for (body, expected) in cases {
            let errors = field_errors(jsoncargo(body.to_string().as_bytes()).unwrap_err());
            assert_eq!(errors, expected, "{body}");
        }
        let too_many: Vec<_> = (0..=MAX_EVENTS_PER_CALL)
            .map(|_| json!({"type": "GATE_IN", "timestamp": "2026-05-01"}))
            .collect();
        let body = json!({"container_number": CONTAINER, "events": too_many});
        assert_eq!(
            field_errors(jsoncargo(body.to_string().as_bytes()).unwrap_err()),
            ["events"]
        );
    }
}
