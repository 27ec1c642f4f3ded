//! The `/tracking` routes against the fake provider: refresh (events once, ETA moved,
//! nothing changed when the provider fails), status, live, bill of lading, usage — by
//! role, organization and token.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracehub::tracking::refresh::Tracker;
use tracehub::tracking::{JsonCargoClient, JsonCargoOptions, RetryPolicy};

use crate::fake_provider::FakeProvider;
use crate::helpers::demo::{ADMIN, BUYER, LOGISTICS, VIEWER};
use crate::helpers::{assert_error, TestApp};

/// VIBO-2026-002: documents pending, container TCNU7654328 (a leasing prefix: no line).
const PENDING: &str = "30000000-0000-4000-8000-000000000002";
const PENDING_CONTAINER: &str = "TCNU7654328";
/// VIBO-2026-001: in transit, container MRSU3452572, bill of lading 262495038.
const IN_TRANSIT_CONTAINER: &str = "MRSU3452572";

/// The demo world served with a tracker asking `fake` (quick retries, 1 s timeout).
async fn app_with(fake: &FakeProvider) -> TestApp {
    app_with_budget(fake, 10_000).await
}

fn client_of(fake: &FakeProvider) -> JsonCargoClient {
    JsonCargoClient::new(JsonCargoOptions {
        base_url: fake.base_url(),
        api_key: fake.key(),
        request_timeout: Duration::from_secs(1),
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        },
    })
    .unwrap()
}

async fn app_with_budget(fake: &FakeProvider, per_minute: u32) -> TestApp {
    let client = client_of(fake);
    TestApp::spawn_configured(move |state| {
        let tracker = Tracker::new(state.pool.clone(), Arc::new(client), per_minute);
        state.with_tracker(Arc::new(tracker))
    })
    .await
}

fn voyage() -> Value {
    json!({
        "container_id": PENDING_CONTAINER,
        "container_status": "In Transit",
        "shipping_line_name": "Maersk",
        "shipped_from": "APAPA, NG",
        "loading_port": "NGAPP",
        "atd_origin": "2026-01-15 02:00:00",
        "eta_final_destination": "2026-02-07 06:00:00",
        "last_location": "TANGIER MED, MA",
        "timestamp_of_last_location": "2026-01-24T08:00:00Z",
        "atd_last_location": "2026-01-25 02:00:00",
        "last_vessel_name": "MAERSK CAIRO",
        "last_voyage_number": "551N"
    })
}

async fn shipment_facts(app: &TestApp) -> String {
    app.db()
        .scalar_string(&format!(
            "SELECT status::text || ' ' || coalesce(to_char(eta AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-') \
               || ' ' || (SELECT count(*) FROM container_events WHERE shipment_id = s.id) \
               FROM shipments s WHERE id = '{PENDING}'"
        ))
        .await
        .unwrap()
}

async fn events_of_pending(app: &TestApp) -> i64 {
    app.db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM container_events WHERE shipment_id = '{PENDING}'"
        ))
        .await
}

#[tokio::test]
async fn a_refresh_adds_the_events_once_and_moves_the_status_and_eta() {
    let fake = FakeProvider::start();
    fake.set_container(PENDING_CONTAINER, voyage());
    let app = app_with(&fake).await;
    let token = app.token(LOGISTICS).await;
    let path = format!("/api/v1/tracking/refresh/{PENDING}");
    let before = events_of_pending(&app).await;
    let first: Value = app
        .post_with_token(&path, &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["events_added"], 3, "{first}");
    assert_eq!(first["new_status"], "in_transit");
    assert_eq!(first["eta_changed"], true);
    assert_eq!(first["container_number"], PENDING_CONTAINER);
    assert_eq!(first["live_status"]["status"], "In Transit");
    assert_eq!(events_of_pending(&app).await, before + 3);
    let facts = shipment_facts(&app).await;
    assert!(facts.starts_with("IN_TRANSIT 2026-02-07 06:00 "), "{facts}");
    let again: Value = app
        .post_with_token(&path, &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["events_added"], 0, "{again}");
    assert_eq!(again["eta_changed"], false);
    assert_eq!(fake.calls(&format!("/containers/{PENDING_CONTAINER}")), 2);
    // The followers were told of the departure and of the later ETA.
    let told = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM notifications WHERE user_id = '{LOGISTICS}' AND type IN ('shipment_departed', 'eta_changed')"
        ))
        .await;
    assert_eq!(told, 2);
    // The events read back as real types (the predecessor stored these as `unknown`).
    let listed = app
        .get_ok(&format!("/api/v1/shipments/{PENDING}/events"), &token)
        .await;
    let kinds: Vec<&str> = listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "jsoncargo")
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    // (after the demo's booking and gate-in)
    assert_eq!(
        kinds[kinds.len() - 3..],
        ["departed", "transshipment", "departed"]
    );
}

#[tokio::test]
async fn a_failing_provider_leaves_the_shipment_unchanged_and_says_why() {
    let fake = FakeProvider::start();
    fake.set_container(PENDING_CONTAINER, voyage());
    let app = app_with(&fake).await;
    let token = app.token(LOGISTICS).await;
    let before = shipment_facts(&app).await;
    let path = format!("/api/v1/tracking/refresh/{PENDING}");
    fake.fail_with(500);
    let response = app.post_with_token(&path, &token).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "TRACKING_PROVIDER_ERROR");
    assert!(
        body["detail"].as_str().unwrap().contains("HTTP 500"),
        "{body}"
    );
    assert_eq!(shipment_facts(&app).await, before);
    // Too slow: 504, still unchanged.
    let fake = FakeProvider::start();
    fake.set_container(PENDING_CONTAINER, voyage());
    fake.delay(Duration::from_secs(3));
    let app = app_with(&fake).await;
    let token = app.token(LOGISTICS).await;
    let response = app.post_with_token(&path, &token).await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("timed out"),
        "{body}"
    );
    assert_eq!(shipment_facts(&app).await, before);
    // Tracking off: 503 naming the setting.
    let off = TestApp::spawn(2, Duration::from_secs(5)).await;
    let token = off.token(LOGISTICS).await;
    let response = off.post_with_token(&path, &token).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("TRACKING_PROVIDER=off"),
        "{body}"
    );
    assert_eq!(
        off.get_ok("/api/v1/tracking/usage", &token).await,
        json!({"provider": "off"})
    );
}

#[tokio::test]
async fn the_routes_answer_by_role_organization_and_token_and_never_ask_for_strangers() {
    let fake = FakeProvider::start();
    fake.set_container(PENDING_CONTAINER, voyage());
    fake.set_container(IN_TRANSIT_CONTAINER, voyage());
    fake.set_bill_of_lading("262495038", voyage());
    let app = app_with(&fake).await;
    let admin = app.token(ADMIN).await;
    let viewer = app.token(VIEWER).await;
    let buyer = app.token(BUYER).await;

    // Status: the stored facts with the live part.
    let status = app
        .get_ok(
            &format!("/api/v1/tracking/status/{PENDING_CONTAINER}"),
            &viewer,
        )
        .await;
    assert_eq!(status["shipment_reference"], "VIBO-2026-002", "{status}");
    assert_eq!(status["live_tracking"]["status"], "In Transit");
    // The buyer follows its own shipment's container.
    let status = app
        .get_ok(
            &format!("/api/v1/tracking/status/{IN_TRANSIT_CONTAINER}"),
            &buyer,
        )
        .await;
    assert_eq!(status["shipment_reference"], "VIBO-2026-001");
    // Live and bill of lading.
    let live = app
        .get_ok(
            &format!("/api/v1/tracking/live/{PENDING_CONTAINER}?shipping_line=maersk"),
            &admin,
        )
        .await;
    assert_eq!(live["container_number"], PENDING_CONTAINER);
    let asked = fake.requests();
    assert!(
        asked
            .iter()
            .any(|r| r.query.as_deref().unwrap_or("").contains("MAERSK")),
        "{asked:?}"
    );
    let bill = app
        .get_ok(
            "/api/v1/tracking/bol/262495038?shipping_line=maersk",
            &admin,
        )
        .await;
    assert_eq!(bill["status"], "In Transit");

    // A viewer may read but not refresh.
    let refresh = format!("/api/v1/tracking/refresh/{PENDING}");
    let response = app.post_with_token(&refresh, &viewer).await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "viewer",
    )
    .await;

    // Another organization: 404 everywhere, and the provider is never asked.
    let other = app
        .create_organization("Other Co", "other-co", "platform_owner")
        .await;
    app.create_member("ops@other.example", "LOGISTICS_AGENT", &other, "manager")
        .await;
    let stranger = app.token("ops@other.example").await;
    let calls = fake.requests().len();
    for path in [
        format!("/api/v1/tracking/status/{PENDING_CONTAINER}"),
        format!("/api/v1/tracking/live/{PENDING_CONTAINER}"),
        "/api/v1/tracking/bol/262495038?shipping_line=maersk".to_string(),
    ] {
        let response = app.get_with_token(&path, &stranger).await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", &path).await;
    }
    let response = app.post_with_token(&refresh, &stranger).await;
    assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "refresh").await;
    // The buyer reads but does not refresh the owner's shipment.
    let response = app.post_with_token(&refresh, &buyer).await;
    assert!(matches!(
        response.status(),
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
    assert_eq!(
        fake.requests().len(),
        calls,
        "no call for a stranger's number"
    );

    // Malformed input: 422 before anything is asked.
    for path in [
        "/api/v1/tracking/status/MRSU3452571",
        "/api/v1/tracking/live/not-a-container",
        "/api/v1/tracking/live/MRSU3452572?shipping_line=pirate-line",
        "/api/v1/tracking/bol/..%2Fx?shipping_line=maersk",
        "/api/v1/tracking/bol/262495038",
        "/api/v1/tracking/refresh/not-a-uuid",
    ] {
        let method = if path.contains("refresh") {
            Method::POST
        } else {
            Method::GET
        };
        let response = app.call(method, path, Some(&admin), None).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            path,
        )
        .await;
    }
    assert_eq!(fake.requests().len(), calls);

    // No token.
    for path in [
        "/api/v1/tracking/usage".to_string(),
        format!("/api/tracking/status/{PENDING_CONTAINER}"),
        format!("/api/tracking/live/{PENDING_CONTAINER}"),
    ] {
        let response = app.call(Method::GET, &path, None, None).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "UNAUTHORIZED", &path).await;
    }
    let response = app.call(Method::POST, &refresh, None, None).await;
    assert_error(
        response,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "refresh",
    )
    .await;

    // Usage: the organization's own calls; the platform's total for platform admins only.
    let mine = app.get_ok("/api/v1/tracking/usage", &stranger).await;
    assert_eq!(mine["provider"], "jsoncargo");
    assert_eq!(mine["organization_calls_today"], 0, "{mine}");
    assert!(mine.get("calls_today").is_none());
    let all = app.get_ok("/api/v1/tracking/usage", &admin).await;
    assert!(all["calls_today"].as_i64().unwrap() >= 4, "{all}");
}

#[tokio::test]
async fn the_providers_budget_is_shared_by_every_instance() {
    let fake = FakeProvider::start();
    fake.set_container(PENDING_CONTAINER, voyage());
    let app = app_with_budget(&fake, 2).await;
    let token = app.token(LOGISTICS).await;
    let path = format!("/api/v1/tracking/refresh/{PENDING}");
    for _ in 0..2 {
        assert_eq!(
            app.post_with_token(&path, &token).await.status(),
            StatusCode::OK
        );
    }
    // Another instance on the same database draws on the same window.
    let other = Tracker::new(app.pool.clone(), Arc::new(client_of(&fake)), 2);
    match other.budget(Duration::ZERO).await {
        Err(tracehub::tracking::refresh::RefreshError::RateLimited(wait)) => {
            assert!(wait <= Duration::from_secs(60), "{wait:?}")
        }
        other => panic!("expected the budget spent, got {other:?}"),
    }
    let response = app.post_with_token(&path, &token).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(fake.calls(&format!("/containers/{PENDING_CONTAINER}")), 2);
}
