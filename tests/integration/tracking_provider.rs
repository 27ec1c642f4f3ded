//! The JSONCargo-style client (`tracehub::tracking::JsonCargoClient`) against the fake API
//! of `fake_provider.rs`: normalizing, not-found, retries and their limits, timeouts, a
//! refused key, and where the key and the line travel. No database needed.

use std::time::{Duration, Instant};

use serde_json::json;
use tracehub::domain::tracking::carrier::Carrier;
use tracehub::domain::tracking::{BillOfLading, BillOfLadingError, EventType};
use tracehub::domain::ContainerNumber;
use tracehub::tracking::{
    ContainerQuery, JsonCargoClient, JsonCargoOptions, ProviderError, RetryPolicy,
    TrackingProvider, TrackingSettings,
};

use crate::fake_provider::FakeProvider;

const MAERSK_BOX: &str = "MSKU9070323";
const PATH: &str = "/containers/MSKU9070323";

/// A client of `fake` with fast retries and a short timeout.
fn client(fake: &FakeProvider) -> JsonCargoClient {
    client_with(fake, &fake.key(), Duration::from_secs(5))
}

fn client_with(fake: &FakeProvider, key: &str, timeout: Duration) -> JsonCargoClient {
    JsonCargoClient::new(JsonCargoOptions {
        base_url: fake.base_url(),
        api_key: key.to_string(),
        request_timeout: timeout,
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
    })
    .expect("a client of the fake provider")
}

fn maersk_box() -> ContainerQuery {
    ContainerQuery::new(ContainerNumber::parse(MAERSK_BOX).unwrap())
}

fn sample() -> serde_json::Value {
    json!({
        "container_id": MAERSK_BOX,
        "container_type": "40' High Cube",
        "container_status": "In Transit",
        "shipping_line_name": "Maersk",
        "shipped_from": "APAPA, NG",
        "shipped_to": "HAMBURG, DE",
        "loading_port": "NGAPP",
        "discharging_port": "DEHAM",
        "atd_origin": "2026-03-02 14:30",
        "eta_final_destination": "2026-03-24 06:00:00",
        "last_location": "TANGIER MED, MA",
        "timestamp_of_last_location": "2026-03-12T08:00:00Z",
        "atd_last_location": "2026-03-14 02:00:00",
        "next_location": "HAMBURG, DE",
        "eta_next_destination": "2026-03-24",
        "last_vessel_name": "RHINE MAERSK",
        "last_voyage_number": "550N",
        "current_vessel_name": "MAERSK KOLKATA",
        "current_voyage_number": "612N",
        "last_updated": "2026-03-15 10:00:00",
        "raw_secret_field": "must not pass through"
    })
}

#[tokio::test]
async fn tracking_provider_payload_is_normalized() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    let live = client(&fake)
        .container(&maersk_box())
        .await
        .unwrap()
        .expect("the container is known");
    assert_eq!(live.container_number.as_ref().unwrap().as_str(), MAERSK_BOX);
    assert_eq!(live.status.as_deref(), Some("In Transit"));
    assert_eq!(live.carrier.as_deref(), Some("Maersk"));
    assert_eq!(live.eta.unwrap().to_rfc3339(), "2026-03-24T06:00:00+00:00");
    assert_eq!(live.vessel.current_name.as_deref(), Some("MAERSK KOLKATA"));
    let kinds: Vec<EventType> = live.events.iter().map(|e| e.event_type).collect();
    assert_eq!(
        kinds,
        [
            EventType::Departed,
            EventType::Transshipment,
            EventType::Departed
        ]
    );
    let body = serde_json::to_string(&live).unwrap();
    assert!(!body.contains("raw_data") && !body.contains("must not pass through"));
    assert_eq!(fake.calls(PATH), 1);
}

#[tokio::test]
async fn tracking_provider_unknown_container_is_none() {
    let fake = FakeProvider::start();
    let answer = client(&fake).container(&maersk_box()).await.unwrap();
    assert_eq!(answer, None);
    assert_eq!(fake.calls(PATH), 1, "a 404 is an answer, not retried");

    // A 200 whose body says "not found" is the same.
    fake.set_raw(PATH, 200, r#"{"error": {"title": "Container not found"}}"#);
    assert_eq!(client(&fake).container(&maersk_box()).await.unwrap(), None);
}

#[tokio::test]
async fn tracking_provider_server_error_is_unavailable_after_three_attempts() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    fake.fail_with(500);
    let error = client(&fake).container(&maersk_box()).await.unwrap_err();
    assert_eq!(error, ProviderError::Unavailable { status: 500 });
    assert_eq!(fake.calls(PATH), 3);
}

#[tokio::test]
async fn tracking_provider_too_many_requests_then_ok_succeeds() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    fake.fail_next(429, 1, Some(0));
    let live = client(&fake).container(&maersk_box()).await.unwrap();
    assert!(live.is_some());
    assert_eq!(fake.calls(PATH), 2);
}

#[tokio::test]
async fn tracking_provider_retry_after_is_honoured_up_to_the_cap() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    // Asked to wait an hour; the client's cap (50 ms here, 10 s in production) wins.
    fake.fail_next(503, 2, Some(3600));
    let started = Instant::now();
    assert!(client(&fake)
        .container(&maersk_box())
        .await
        .unwrap()
        .is_some());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.calls(PATH), 3);
}

#[tokio::test]
async fn tracking_provider_slow_answer_is_a_timeout() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    fake.delay(Duration::from_secs(5));
    let slow = client_with(&fake, &fake.key(), Duration::from_millis(200));
    let started = Instant::now();
    let error = slow.container(&maersk_box()).await.unwrap_err();
    assert_eq!(
        error,
        ProviderError::Timeout {
            after: Duration::from_millis(200)
        }
    );
    assert_eq!(
        error.to_string(),
        "tracking provider timed out after 200 ms"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.calls(PATH), 3, "timeouts are retried");
}

#[tokio::test]
async fn tracking_provider_wrong_key_is_rejected_at_once_and_never_echoed() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    let wrong = "wrong-key-0123456789";
    let error = client_with(&fake, wrong, Duration::from_secs(5))
        .container(&maersk_box())
        .await
        .unwrap_err();
    let ProviderError::Rejected { status, message } = &error else {
        panic!("not a rejection: {error:?}");
    };
    assert_eq!(*status, 401);
    assert!(message.contains("[redacted]"), "{message}");
    assert!(!error.to_string().contains(wrong), "{error}");
    assert!(!format!("{error:?}").contains(wrong));
    assert_eq!(fake.calls(PATH), 1, "a refused key is not retried");
}

#[tokio::test]
async fn tracking_provider_key_travels_in_the_header_never_in_the_url() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    let client = client(&fake);
    client.container(&maersk_box()).await.unwrap();
    client.usage().await.unwrap();
    let key = fake.key();
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(request.api_key.as_deref(), Some(key.as_str()));
        assert!(!request.path.contains(&key));
        assert!(!request.query.unwrap_or_default().contains(&key));
    }
    assert!(!format!("{client:?}").contains(&key));
}

#[tokio::test]
async fn tracking_provider_shipping_line_comes_from_the_carrier() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    fake.set_container("CSQU3054383", json!({"container_status": "Empty"}));
    let client = client(&fake);
    // From the owner prefix…
    client.container(&maersk_box()).await.unwrap();
    // …or as told…
    let told = ContainerQuery {
        carrier: Some(Carrier::HapagLloyd),
        ..maersk_box()
    };
    client.container(&told).await.unwrap();
    // …and none for a prefix no line is known by.
    let unknown = ContainerQuery::new(ContainerNumber::parse("CSQU3054383").unwrap());
    assert!(client.container(&unknown).await.unwrap().is_some());
    let queries: Vec<Option<String>> = fake.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [
            Some("shipping_line=MAERSK".to_string()),
            Some("shipping_line=HAPAG_LLOYD".to_string()),
            None
        ]
    );
}

#[tokio::test]
async fn tracking_provider_bill_of_lading_is_asked_by_its_own_path() {
    let fake = FakeProvider::start();
    fake.set_bill_of_lading(
        "SELM60819800",
        json!({"bill_of_lading": "SELM60819800", "associated_containers": 2,
               "associated_container_numbers": ["CSQU3054383", MAERSK_BOX]}),
    );
    let bl = BillOfLading::parse(" selm60819800 ").unwrap();
    let live = client(&fake)
        .bill_of_lading(&bl, Carrier::Hmm)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.associated_containers.len(), 2);
    assert_eq!(live.container_number.unwrap().as_str(), "CSQU3054383");
    assert_eq!(fake.calls("/containers/bol/SELM60819800"), 1);
    assert_eq!(
        fake.requests()[0].query.as_deref(),
        Some("shipping_line=HMM")
    );
    let unknown = BillOfLading::parse("MAEU000000").unwrap();
    assert_eq!(
        client(&fake)
            .bill_of_lading(&unknown, Carrier::Maersk)
            .await
            .unwrap(),
        None
    );
}

#[test]
fn tracking_provider_input_never_reaches_the_server_unvalidated() {
    // A container query holds a checked ContainerNumber: there is no other way to build one.
    assert!(ContainerNumber::parse("../x").is_err());
    assert!(ContainerNumber::parse("MSKU907032/").is_err());
    // A bill of lading is letters and digits only, 4 to 35 of them.
    assert_eq!(
        BillOfLading::parse("../x"),
        Err(BillOfLadingError::Character {
            position: 1,
            found: '.'
        })
    );
    assert!(matches!(
        BillOfLading::parse("MAEU 2405 12345"),
        Err(BillOfLadingError::Character { position: 5, .. })
    ));
    assert_eq!(
        BillOfLading::parse(&"A1".repeat(20)),
        Err(BillOfLadingError::Length { found: 40 })
    );
}

#[tokio::test]
async fn tracking_provider_unreadable_bodies_are_malformed_and_not_retried() {
    let fake = FakeProvider::start();
    let client = client(&fake);
    for body in [
        "<html>maintenance</html>",
        "[1, 2, 3]",
        r#"{"data": "In Transit"}"#,
    ] {
        fake.set_raw(PATH, 200, body);
        let error = client.container(&maersk_box()).await.unwrap_err();
        assert!(
            matches!(error, ProviderError::Malformed(_)),
            "{body}: {error:?}"
        );
    }
    assert_eq!(fake.calls(PATH), 3, "one call per body");
}

#[tokio::test]
async fn tracking_provider_unreachable_is_a_transport_error() {
    let fake = FakeProvider::start();
    let client = client(&fake);
    drop(fake);
    let error = client.container(&maersk_box()).await.unwrap_err();
    assert!(matches!(error, ProviderError::Transport(_)), "{error:?}");
    assert!(error
        .to_string()
        .starts_with("could not reach the tracking provider"));
}

#[tokio::test]
async fn tracking_provider_usage_passes_known_fields_only() {
    let fake = FakeProvider::start();
    fake.set_stats(json!({"data": {"plan": "MARINER", "requests_total": 2000,
        "requests_made": 47, "requests_available": 1953, "owner_email": "x@example.com"}}));
    let usage = client(&fake).usage().await.unwrap();
    assert_eq!(
        usage,
        json!({"provider": "jsoncargo", "plan": "MARINER", "requests_total": 2000,
               "requests_made": 47, "requests_available": 1953})
    );
    assert_eq!(fake.calls("/api_key/stats"), 1);
}

#[tokio::test]
async fn tracking_provider_settings_build_a_client_of_the_fake() {
    let fake = FakeProvider::start();
    fake.set_container(MAERSK_BOX, sample());
    let (url, key) = (fake.base_url(), fake.key());
    let settings = TrackingSettings::from_lookup(
        |name| match name {
            "TRACKING_PROVIDER" => Some("jsoncargo".into()),
            "TRACKING_API_URL" => Some(url.clone()),
            "JSONCARGO_API_KEY" => Some(key.clone()),
            _ => None,
        },
        false,
    )
    .unwrap();
    let provider = settings.build().unwrap().expect("a provider");
    assert_eq!(provider.name(), "jsoncargo");
    assert!(provider.container(&maersk_box()).await.unwrap().is_some());
}
