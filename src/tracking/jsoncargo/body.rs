//! Reading JSONCargo bodies: tolerant of what a field holds, strict about what a body is.
//!
//! A body that is not a JSON object is [`ProviderError::Malformed`]. Inside one, a field
//! that is missing, `null`, of the wrong JSON type, or a date we cannot read is simply
//! unknown (`None`); nothing panics and nothing upstream is passed through as-is. (One
//! exception: a number too large for a double, such as `1e400`, makes the JSON parser
//! refuse the whole body, which is then `Malformed`.)

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::domain::tracking::carrier::Carrier;
use crate::domain::tracking::EventType;
use crate::domain::{ContainerNumber, UnLocode};
use crate::tracking::live::{
    clean_text, external_id, id_fragment, CurrentLocation, Destination, LiveStatus, NextLocation,
    Origin, ProviderEvent, Vessel, MAX_TEXT_CHARS, MAX_VESSEL_CHARS, MAX_VOYAGE_CHARS,
};
use crate::tracking::ProviderError;

type Object = Map<String, Value>;

/// The most container numbers read from a bill of lading's list.
const MAX_ASSOCIATED: usize = 500;
/// The longest provider message quoted in an error.
const MAX_MESSAGE_CHARS: usize = 200;

/// Parses a body that must be a JSON object.
pub(super) fn object(bytes: &[u8]) -> Result<Object, ProviderError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ProviderError::Malformed(
            "the body is not a JSON object".into(),
        )),
        Err(_) => Err(ProviderError::Malformed("the body is not JSON".into())),
    }
}

/// The `data` object of a successful answer; `None` when the provider says it has nothing
/// (`"data": null`, an empty `data`, or an error that says "not found").
pub(super) fn data(body: &Object) -> Result<Option<&Object>, ProviderError> {
    match body.get("data") {
        Some(Value::Object(data)) if data.is_empty() => Ok(None),
        Some(Value::Object(data)) => Ok(Some(data)),
        Some(Value::Array(items)) => match items.first() {
            None => Ok(None),
            Some(Value::Object(data)) => Ok(Some(data)),
            Some(_) => Err(ProviderError::Malformed("`data` is not an object".into())),
        },
        Some(Value::Null) | None => {
            if body.contains_key("container_id") {
                // Some deployments answer the container itself, unwrapped.
                return Ok(Some(body));
            }
            match error_message(body) {
                Some(message) if says_not_found(&message) => Ok(None),
                Some(message) => Err(ProviderError::Rejected {
                    status: 200,
                    message,
                }),
                None if body.contains_key("data") => Ok(None),
                None => Err(ProviderError::Malformed("the answer has no `data`".into())),
            }
        }
        Some(_) => Err(ProviderError::Malformed("`data` is not an object".into())),
    }
}

/// The provider's explanation in an error body: `error` (text, or an object with a
/// `title`/`message`/`detail`), else `message` or `detail`; cleaned and bounded.
pub(super) fn error_message(body: &Object) -> Option<String> {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
    let from_error = match body.get("error") {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Object(error)) => text(error.get("title"))
            .or_else(|| text(error.get("message")))
            .or_else(|| text(error.get("detail"))),
        _ => None,
    };
    from_error
        .or_else(|| text(body.get("message")))
        .or_else(|| text(body.get("detail")))
        .and_then(|message| clean_text(&message, MAX_MESSAGE_CHARS))
}

pub(super) fn says_not_found(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("not found") || message.contains("no data found")
}

/// Reads the timestamps providers send: RFC 3339, `YYYY-MM-DD HH:MM[:SS[.fff]]` (or with a
/// `T`), `YYYY-MM-DD`. Times without an offset are taken as UTC. Anything else, and years
/// outside 1970–2200 (placeholders like `0001-01-01`), is unknown.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.len() > 40 {
        return None;
    }
    let parsed = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            [
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|naive| naive.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(|naive| naive.and_utc())
        })?;
    (1970..=2200).contains(&parsed.year()).then_some(parsed)
}

fn text(data: &Object, key: &str, max: usize) -> Option<String> {
    data.get(key)
        .and_then(Value::as_str)
        .and_then(|t| clean_text(t, max))
}

fn place(data: &Object, key: &str) -> Option<String> {
    text(data, key, MAX_TEXT_CHARS)
}

fn timestamp(data: &Object, key: &str) -> Option<DateTime<Utc>> {
    data.get(key)
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
}

/// An id that may come as text or as a (whole, not absurd) number.
fn text_or_number(data: &Object, key: &str) -> Option<String> {
    match data.get(key)? {
        Value::String(text) => clean_text(text, 50),
        Value::Number(number) => number
            .as_u64()
            .map(|n| n.to_string())
            .or_else(|| number.as_i64().map(|n| n.to_string())),
        _ => None,
    }
}

/// The normalized status of one container's `data`. `asked` is the container we asked
/// about (the answer's own `container_id` is trusted only when we asked by bill of lading);
/// `carrier` names the line when the provider does not.
pub(super) fn live_status(
    data: &Object,
    asked: Option<&ContainerNumber>,
    carrier: Option<Carrier>,
) -> LiveStatus {
    let associated: Vec<ContainerNumber> = match data.get("associated_container_numbers") {
        Some(Value::Array(items)) => items
            .iter()
            .take(MAX_ASSOCIATED)
            .filter_map(Value::as_str)
            .filter_map(|n| ContainerNumber::parse(n).ok())
            .collect(),
        _ => Vec::new(),
    };
    let container = asked.cloned().or_else(|| {
        data.get("container_id")
            .and_then(Value::as_str)
            .and_then(|n| ContainerNumber::parse(n).ok())
            .or_else(|| associated.first().cloned())
    });
    let mut live = LiveStatus {
        container_type: text(data, "container_type", MAX_TEXT_CHARS),
        status: place(data, "container_status").or_else(|| place(data, "status")),
        carrier: place(data, "shipping_line_name").or_else(|| carrier.map(|c| c.name().into())),
        carrier_id: text_or_number(data, "shipping_line_id")
            .or_else(|| carrier.map(|c| c.code().into())),
        eta: timestamp(data, "eta_final_destination"),
        eta_next: timestamp(data, "eta_next_destination"),
        atd_origin: timestamp(data, "atd_origin"),
        origin: Origin {
            port: place(data, "shipped_from"),
            terminal: place(data, "shipped_from_terminal"),
            loading_port: place(data, "loading_port"),
        },
        destination: Destination {
            port: place(data, "shipped_to"),
            terminal: place(data, "shipped_to_terminal"),
            discharging_port: place(data, "discharging_port"),
        },
        current_location: CurrentLocation {
            port: place(data, "last_location"),
            terminal: place(data, "last_location_terminal"),
            timestamp: timestamp(data, "timestamp_of_last_location"),
        },
        next_location: NextLocation {
            port: place(data, "next_location"),
            terminal: place(data, "next_location_terminal"),
            eta: timestamp(data, "eta_next_destination"),
        },
        vessel: Vessel {
            original_name: text(data, "last_vessel_name", MAX_VESSEL_CHARS),
            original_voyage: text(data, "last_voyage_number", MAX_VOYAGE_CHARS),
            current_name: text(data, "current_vessel_name", MAX_VESSEL_CHARS),
            current_voyage: text(data, "current_voyage_number", MAX_VOYAGE_CHARS),
        },
        last_updated: timestamp(data, "last_updated"),
        last_movement: timestamp(data, "last_movement_timestamp"),
        associated_containers: associated,
        ..LiveStatus::empty(container)
    };
    live.events = synthesized_events(&live, timestamp(data, "atd_last_location"));
    live
}

/// JSONCargo sends no event list, only where the container was last and when it left.
/// From those we make at most three events, each with a real type (the predecessor stored
/// its made-up `VESSEL_DEPARTED` / `IN_TRANSIT` as `unknown`):
///
/// 1. departure from the origin (`atd_origin`) → [`EventType::Departed`];
/// 2. the last location: at the destination → [`EventType::Arrived`]; at the origin before
///    departure → [`EventType::GateIn`]; anywhere else → [`EventType::Transshipment`]
///    (already covered by 1 when it is the origin after departure);
/// 3. departure from that intermediate port (`atd_last_location`) → [`EventType::Departed`].
///
/// Ids are `JC-<container>-<what>-<PLACE>-<YYYYMMDD>`: the same report gives the same ids,
/// and a container that moves on gets new ones.
fn synthesized_events(
    live: &LiveStatus,
    atd_last_location: Option<DateTime<Utc>>,
) -> Vec<ProviderEvent> {
    let container = live
        .container_number
        .as_ref()
        .map(|c| c.as_str().to_string())
        .unwrap_or_default();
    let origin = live
        .origin
        .port
        .as_deref()
        .or(live.origin.loading_port.as_deref());
    let destination = live
        .destination
        .port
        .as_deref()
        .or(live.destination.discharging_port.as_deref());
    let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(a), Some(b)) => {
            let a = id_fragment(a, MAX_TEXT_CHARS);
            !a.is_empty() && a == id_fragment(b, MAX_TEXT_CHARS)
        }
        _ => false,
    };
    let is_destination = |p: Option<&str>| {
        same(p, live.destination.port.as_deref())
            || same(p, live.destination.discharging_port.as_deref())
    };
    let is_origin = |p: Option<&str>| {
        same(p, live.origin.port.as_deref()) || same(p, live.origin.loading_port.as_deref())
    };
    let event = |what: &str,
                 event_type: EventType,
                 at: DateTime<Utc>,
                 place: Option<&str>,
                 vessel: (Option<&String>, Option<&String>)| ProviderEvent {
        external_id: external_id(&[
            "JC",
            &container,
            what,
            &id_fragment(place.unwrap_or(""), 30),
            &at.format("%Y%m%d").to_string(),
        ]),
        event_type,
        timestamp: at,
        location_name: place.map(str::to_string),
        location_code: place
            .and_then(|p| UnLocode::parse(p).ok())
            .map(|c| c.as_str().to_string()),
        vessel_name: vessel.0.cloned(),
        voyage_number: vessel.1.cloned(),
    };
    let first_vessel = (
        live.vessel
            .original_name
            .as_ref()
            .or(live.vessel.current_name.as_ref()),
        live.vessel
            .original_voyage
            .as_ref()
            .or(live.vessel.current_voyage.as_ref()),
    );
    let now_vessel = (
        live.vessel
            .current_name
            .as_ref()
            .or(live.vessel.original_name.as_ref()),
        live.vessel
            .current_voyage
            .as_ref()
            .or(live.vessel.original_voyage.as_ref()),
    );

    let mut events = Vec::new();
    if let Some(at) = live.atd_origin {
        events.push(event(
            "departed-origin",
            EventType::Departed,
            at,
            origin,
            first_vessel,
        ));
    }
    let last = live.current_location.port.as_deref();
    let last_at = live.current_location.timestamp.or(live.last_movement);
    if let (Some(_), Some(at)) = (last, last_at) {
        if is_destination(last) {
            events.push(event("arrived", EventType::Arrived, at, last, now_vessel));
        } else if is_origin(last) {
            if live.atd_origin.is_none() {
                events.push(event("gate-in", EventType::GateIn, at, last, (None, None)));
            }
        } else if origin.is_some() || destination.is_some() {
            // Somewhere between two known ends (with neither known, we cannot tell).
            events.push(event(
                "transshipment",
                EventType::Transshipment,
                at,
                last,
                first_vessel,
            ));
            if let Some(left) = atd_last_location.filter(|left| *left >= at) {
                events.push(event(
                    "departed",
                    EventType::Departed,
                    left,
                    last,
                    now_vessel,
                ));
            }
        }
    }
    events.sort_by_key(|e| e.timestamp);
    events
}

/// The usage stats we pass on: the known fields, each only when it has the expected type.
pub(super) fn usage(body: &Object) -> Value {
    let source = match body.get("data") {
        Some(Value::Object(data)) => data,
        _ => body,
    };
    let mut usage = Map::new();
    usage.insert("provider".into(), Value::from("jsoncargo"));
    if let Some(plan) = text(source, "plan", 50) {
        usage.insert("plan".into(), Value::from(plan));
    }
    for key in ["requests_total", "requests_made", "requests_available"] {
        let count = source.get(key).and_then(|v| {
            v.as_u64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 9.0e15)
                    .map(|f| f as u64)
            })
        });
        if let Some(count) = count {
            usage.insert(key.into(), Value::from(count));
        }
    }
    Value::Object(usage)
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
