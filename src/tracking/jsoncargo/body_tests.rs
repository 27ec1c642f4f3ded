use chrono::TimeZone;
use serde_json::json;

use super::*;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn obj(value: Value) -> Object {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn msku() -> ContainerNumber {
    ContainerNumber::parse("MSKU9070323").unwrap()
}

/// A container between Apapa and Hamburg, transshipped at Tangier Med.
fn sample() -> Object {
    obj(json!({
        "container_id": "MSKU9070323",
        "container_type": "40' High Cube",
        "container_status": "In Transit",
        "shipping_line_name": "Maersk",
        "shipping_line_id": 7,
        "shipped_from": "APAPA, NG",
        "shipped_from_terminal": "APM Terminals Apapa",
        "shipped_to": "HAMBURG, DE",
        "shipped_to_terminal": "CTA",
        "loading_port": "NGAPP",
        "discharging_port": "DEHAM",
        "atd_origin": "2026-03-02 14:30",
        "eta_final_destination": "2026-03-24 06:00:00",
        "last_location": "TANGIER MED, MA",
        "last_location_terminal": "TC3",
        "timestamp_of_last_location": "2026-03-12T08:00:00Z",
        "atd_last_location": "2026-03-14",
        "next_location": "HAMBURG, DE",
        "eta_next_destination": "2026-03-24T06:00:00+00:00",
        "last_vessel_name": "RHINE MAERSK",
        "last_voyage_number": "550N",
        "current_vessel_name": "MAERSK KOLKATA",
        "current_voyage_number": "612N",
        "last_updated": "2026-03-15 10:00:00",
        "last_movement_timestamp": "2026-03-14 22:15:00",
        "unknown_field": {"anything": [1, 2, 3]}
    }))
}

#[test]
fn a_full_answer_is_normalized() {
    let live = live_status(&sample(), Some(&msku()), Some(Carrier::Maersk));
    assert_eq!(live.container_number, Some(msku()));
    assert_eq!(live.container_type.as_deref(), Some("40' High Cube"));
    assert_eq!(live.status.as_deref(), Some("In Transit"));
    assert_eq!(live.carrier.as_deref(), Some("Maersk"));
    assert_eq!(live.carrier_id.as_deref(), Some("7"));
    assert_eq!(live.atd_origin, Some(at(2026, 3, 2, 14, 30)));
    assert_eq!(live.eta, Some(at(2026, 3, 24, 6, 0)));
    assert_eq!(live.eta_next, Some(at(2026, 3, 24, 6, 0)));
    assert_eq!(live.origin.port.as_deref(), Some("APAPA, NG"));
    assert_eq!(live.origin.terminal.as_deref(), Some("APM Terminals Apapa"));
    assert_eq!(live.origin.loading_port.as_deref(), Some("NGAPP"));
    assert_eq!(live.destination.discharging_port.as_deref(), Some("DEHAM"));
    assert_eq!(
        live.current_location.port.as_deref(),
        Some("TANGIER MED, MA")
    );
    assert_eq!(live.current_location.timestamp, Some(at(2026, 3, 12, 8, 0)));
    assert_eq!(live.next_location.port.as_deref(), Some("HAMBURG, DE"));
    assert_eq!(live.vessel.original_name.as_deref(), Some("RHINE MAERSK"));
    assert_eq!(live.vessel.current_voyage.as_deref(), Some("612N"));
    assert_eq!(live.last_updated, Some(at(2026, 3, 15, 10, 0)));
    assert_eq!(live.last_movement, Some(at(2026, 3, 14, 22, 15)));
    assert!(live.associated_containers.is_empty());
}

#[test]
fn three_events_with_real_types_are_synthesized() {
    let live = live_status(&sample(), Some(&msku()), Some(Carrier::Maersk));
    let kinds: Vec<EventType> = live.events.iter().map(|e| e.event_type).collect();
    assert_eq!(
        kinds,
        [
            EventType::Departed,
            EventType::Transshipment,
            EventType::Departed
        ]
    );
    assert!(live
        .events
        .iter()
        .all(|e| e.event_type != EventType::Unknown));
    let ids: Vec<&str> = live.events.iter().map(|e| e.external_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "JC-MSKU9070323-departed-origin-APAPANG-20260302",
            "JC-MSKU9070323-transshipment-TANGIERMEDMA-20260312",
            "JC-MSKU9070323-departed-TANGIERMEDMA-20260314",
        ]
    );
    assert_eq!(live.events[0].vessel_name.as_deref(), Some("RHINE MAERSK"));
    assert_eq!(
        live.events[2].vessel_name.as_deref(),
        Some("MAERSK KOLKATA")
    );
    assert_eq!(live.events[2].voyage_number.as_deref(), Some("612N"));
    // The same answer twice gives the same ids.
    let again = live_status(&sample(), Some(&msku()), Some(Carrier::Maersk));
    assert_eq!(live.events, again.events);
}

#[test]
fn the_last_location_becomes_arrival_or_gate_in_as_fits() {
    let mut arrived = sample();
    arrived.insert("last_location".into(), json!("Hamburg, DE"));
    arrived.insert("atd_last_location".into(), Value::Null);
    let live = live_status(&arrived, Some(&msku()), None);
    let kinds: Vec<EventType> = live.events.iter().map(|e| e.event_type).collect();
    assert_eq!(kinds, [EventType::Departed, EventType::Arrived]);

    let mut waiting = sample();
    waiting.insert("last_location".into(), json!("NGAPP"));
    waiting.remove("atd_origin");
    let live = live_status(&waiting, Some(&msku()), None);
    assert_eq!(live.events.len(), 1);
    assert_eq!(live.events[0].event_type, EventType::GateIn);
    assert_eq!(live.events[0].location_code.as_deref(), Some("NGAPP"));

    let mut departed = sample();
    departed.insert("last_location".into(), json!("APAPA, NG"));
    let live = live_status(&departed, Some(&msku()), None);
    let kinds: Vec<EventType> = live.events.iter().map(|e| e.event_type).collect();
    assert_eq!(kinds, [EventType::Departed]);
}

#[test]
fn missing_fields_are_unknown_and_make_no_events() {
    let live = live_status(&obj(json!({"container_id": "MSKU9070323"})), None, None);
    assert_eq!(live.container_number, Some(msku()));
    assert_eq!(live.status, None);
    assert_eq!(live.eta, None);
    assert_eq!(live.carrier, None);
    assert!(live.events.is_empty());
    // Without either end known, a last location is not guessed at.
    let lone = obj(json!({"last_location": "SOMEWHERE", "last_movement_timestamp": "2026-01-01"}));
    assert!(live_status(&lone, Some(&msku()), None).events.is_empty());
}

#[test]
fn hostile_values_are_unknown_never_a_panic() {
    let hostile = obj(json!({
        "container_id": "../../etc/passwd",
        "container_type": {"nested": "object"},
        "container_status": ["a", "list"],
        "shipping_line_name": 12345678901234567890u64,
        "shipping_line_id": 1.5e300,
        "shipped_from": "\u{0}\u{7}",
        "shipped_to": "x".repeat(100_000),
        "atd_origin": "yesterday",
        "eta_final_destination": 99999999999999999999.0,
        "timestamp_of_last_location": "9999-12-31 23:59:59",
        "last_updated": "0001-01-01",
        "last_location": {"port": "HAMBURG"},
        "current_vessel_name": true,
        "associated_container_numbers": "MSKU9070323",
    }));
    let live = live_status(&hostile, None, None);
    assert_eq!(live.container_number, None);
    assert_eq!(live.container_type, None);
    assert_eq!(live.status, None);
    assert_eq!(live.carrier, None);
    assert_eq!(live.carrier_id, None);
    assert_eq!(live.origin.port, None);
    assert_eq!(
        live.destination.port.as_ref().map(|p| p.chars().count()),
        Some(MAX_TEXT_CHARS)
    );
    assert_eq!(live.atd_origin, None);
    assert_eq!(live.eta, None);
    assert_eq!(live.current_location.timestamp, None);
    assert_eq!(live.last_updated, None);
    assert_eq!(live.current_location.port, None);
    assert_eq!(live.vessel.current_name, None);
    assert!(live.associated_containers.is_empty());
    assert!(live.events.is_empty());
}

#[test]
fn the_container_asked_about_wins_over_the_answers_id() {
    let other = obj(json!({"container_id": "CSQU3054383"}));
    let live = live_status(&other, Some(&msku()), None);
    assert_eq!(live.container_number, Some(msku()));
}

#[test]
fn a_bill_of_lading_answer_lists_its_valid_containers() {
    let bol = obj(json!({
        "bill_of_lading": "SELM60819800",
        "associated_containers": 3,
        "associated_container_numbers": ["CSQU3054383", "not-a-container", 42, "msku9070323"]
    }));
    let live = live_status(&bol, None, Some(Carrier::Hmm));
    assert_eq!(
        live.associated_containers,
        [ContainerNumber::parse("CSQU3054383").unwrap(), msku()]
    );
    assert_eq!(
        live.container_number,
        ContainerNumber::parse("CSQU3054383").ok()
    );
    assert_eq!(live.carrier.as_deref(), Some("HMM"));
    assert_eq!(live.carrier_id.as_deref(), Some("hmm"));
}

#[test]
fn bodies_must_be_json_objects() {
    assert!(
        matches!(object(b"<html>502</html>"), Err(ProviderError::Malformed(m)) if m == "the body is not JSON")
    );
    assert!(
        matches!(object(b"[1,2]"), Err(ProviderError::Malformed(m)) if m == "the body is not a JSON object")
    );
    assert!(matches!(
        object(b"\"data\""),
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(object(b""), Err(ProviderError::Malformed(_))));
    assert!(matches!(
        object(br#"{"data": {"eta": 1e400}}"#),
        Err(ProviderError::Malformed(_))
    ));
    assert!(object(br#"{"data": {}}"#).is_ok());
}

#[test]
fn data_is_found_missing_or_refused() {
    let found = obj(json!({"data": {"container_id": "MSKU9070323"}}));
    assert!(data(&found).unwrap().is_some());
    let unwrapped = obj(json!({"container_id": "MSKU9070323"}));
    assert!(data(&unwrapped).unwrap().is_some());
    let listed = obj(json!({"data": [{"container_id": "MSKU9070323"}]}));
    assert!(data(&listed).unwrap().is_some());
    for nothing in [
        json!({"data": null}),
        json!({"data": {}}),
        json!({"data": []}),
        json!({"error": {"title": "Container Not Found"}}),
        json!({"message": "No data found for this container"}),
    ] {
        assert_eq!(data(&obj(nothing.clone())).unwrap(), None, "{nothing}");
    }
    assert!(matches!(
        data(&obj(json!({"data": "MSKU9070323"}))),
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(
        data(&obj(json!({"data": [1]}))),
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(
        data(&obj(json!({"hello": "world"}))),
        Err(ProviderError::Malformed(_))
    ));
    assert_eq!(
        data(&obj(json!({"error": "Invalid shipping line"}))),
        Err(ProviderError::Rejected {
            status: 200,
            message: "Invalid shipping line".into()
        })
    );
}

#[test]
fn error_messages_are_found_and_bounded() {
    let cases = [
        (json!({"error": "bad key"}), Some("bad key")),
        (
            json!({"error": {"title": "Unauthorized", "message": "x"}}),
            Some("Unauthorized"),
        ),
        (json!({"error": {"message": "quota"}}), Some("quota")),
        (json!({"message": "slow down"}), Some("slow down")),
        (json!({"detail": "nope"}), Some("nope")),
        (json!({"error": 42}), None),
        (json!({}), None),
    ];
    for (body, expected) in cases {
        assert_eq!(
            error_message(&obj(body.clone())).as_deref(),
            expected,
            "{body}"
        );
    }
    let long = obj(json!({"error": "e".repeat(10_000)}));
    assert_eq!(error_message(&long).unwrap().len(), MAX_MESSAGE_CHARS);
}

#[test]
fn timestamps_in_the_formats_providers_use() {
    let t = at(2026, 3, 2, 14, 30);
    for text in [
        "2026-03-02T14:30:00Z",
        "2026-03-02T15:30:00+01:00",
        "2026-03-02 14:30:00",
        "2026-03-02T14:30:00",
        "2026-03-02 14:30",
        " 2026-03-02 14:30:00.000 ",
    ] {
        assert_eq!(parse_timestamp(text), Some(t), "{text:?}");
    }
    assert_eq!(parse_timestamp("2026-03-02"), Some(at(2026, 3, 2, 0, 0)));
    for bad in [
        "",
        "tomorrow",
        "2026-13-01",
        "2026-02-30 10:00",
        "02/03/2026",
        "0001-01-01",
        "9999-12-31",
        "2026-03-02 14:30:00 and a lot more text here to pass the limit",
    ] {
        assert_eq!(parse_timestamp(bad), None, "{bad:?}");
    }
}

#[test]
fn usage_keeps_known_fields_of_the_right_type() {
    let body = obj(json!({"data": {
        "plan": "MARINER",
        "requests_total": 2000,
        "requests_made": 47.0,
        "requests_available": "1953",
        "api_key": "secret-should-not-pass",
        "owner_email": "someone@example.com"
    }}));
    assert_eq!(
        usage(&body),
        json!({"provider": "jsoncargo", "plan": "MARINER", "requests_total": 2000, "requests_made": 47})
    );
    let top_level = obj(json!({"plan": {"x": 1}, "requests_made": -3, "requests_total": 1e300}));
    assert_eq!(usage(&top_level), json!({"provider": "jsoncargo"}));
}
