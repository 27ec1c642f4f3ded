//! Container events: carriers' signed webhooks, the status and ETA rules, the people told,
//! and `GET /shipments/{id}/events` (issue 13).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracehub::domain::tracking::signature::{sign, WebhookSecret};
use tracehub::http::webhooks::WebhookSecrets;

use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, LOGISTICS, SUPPLIER, VIEWER};
use crate::helpers::{assert_error, TestApp};

/// VIBO-2026-001: in transit, container MRSU3452572, bought by WITATRADE.
const IN_TRANSIT: &str = "30000000-0000-4000-8000-000000000001";
const IN_TRANSIT_CONTAINER: &str = "MRSU3452572";
/// VIBO-2026-002: documents pending, container TCNU7654328.
const PENDING: &str = "30000000-0000-4000-8000-000000000002";
const PENDING_CONTAINER: &str = "TCNU7654328";
const CARRIER_SECRET: &str = "carrier-secret";
const JSONCARGO_SECRET: &str = "jsoncargo-secret";

async fn app() -> TestApp {
    TestApp::spawn_configured(|state| {
        state.with_webhooks(WebhookSecrets {
            carrier: WebhookSecret::new(CARRIER_SECRET),
            jsoncargo: WebhookSecret::new(JSONCARGO_SECRET),
            ..WebhookSecrets::default()
        })
    })
    .await
}

/// Posts `body` to a webhook, signed with `secret` (and the signed `timestamp`, if any).
async fn post_signed(
    app: &TestApp,
    path: &str,
    body: &Value,
    secret: Option<&str>,
    timestamp: Option<i64>,
) -> reqwest::Response {
    let bytes = body.to_string().into_bytes();
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/json");
    if let Some(secret) = secret {
        let signature = sign(&WebhookSecret::new(secret).unwrap(), &bytes, timestamp);
        request = request.header("x-webhook-signature", signature);
    }
    if let Some(timestamp) = timestamp {
        request = request.header("x-webhook-timestamp", timestamp.to_string());
    }
    request.body(bytes).send().await.expect("request")
}

async fn carrier_event(app: &TestApp, body: &Value) -> Value {
    let response = post_signed(
        app,
        "/api/v1/webhooks/carrier",
        body,
        Some(CARRIER_SECRET),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db().scalar_i64(sql).await
}

async fn events_of(app: &TestApp, shipment: &str) -> i64 {
    count(
        app,
        &format!("SELECT count(*) FROM container_events WHERE shipment_id = '{shipment}'"),
    )
    .await
}

async fn told(app: &TestApp, email: &str, kind: &str) -> i64 {
    count(
        app,
        &format!(
            "SELECT count(*) FROM notifications WHERE user_id = '{email}' AND type = '{kind}'"
        ),
    )
    .await
}

/// A shipment of a new organization carrying `container`; (organization id, shipment id,
/// the e-mail of its admin).
async fn other_organization_with(
    app: &TestApp,
    slug: &str,
    container: &str,
) -> (String, String, String) {
    let organization = app
        .create_organization(&format!("Org {slug}"), slug, "platform_owner")
        .await;
    let email = format!("admin@{slug}.example");
    app.create_member(&email, "ADMIN", &organization, "owner")
        .await;
    let shipment = app
        .db()
        .scalar_string(&format!(
            "INSERT INTO shipments (id, reference, container_number, status, organization_id, created_at, updated_at) \
             VALUES (gen_random_uuid(), 'OTHER-{slug}', '{container}', 'DOCS_PENDING', '{organization}', now(), now()) \
             RETURNING id::text"
        ))
        .await
        .unwrap();
    (organization, shipment, email)
}

#[tokio::test]
async fn unsigned_forged_and_stale_calls_are_401_and_store_nothing() {
    let app = app().await;
    let body = json!({"container_number": IN_TRANSIT_CONTAINER, "event_type": "ARRIVED",
                      "timestamp": "2026-01-02T10:00:00Z"});
    let before = events_of(&app, IN_TRANSIT).await;
    let now = chrono::Utc::now().timestamp();
    for prefix in ["/api/v1", "/api"] {
        for (path, secret) in [("carrier", CARRIER_SECRET), ("jsoncargo", JSONCARGO_SECRET)] {
            let path = format!("{prefix}/webhooks/{path}");
            let cases = [
                ("unsigned", None, None),
                ("forged", Some("not-the-secret"), None),
                // The other webhook's secret signs nothing here.
                (
                    "crossed",
                    Some(if secret == CARRIER_SECRET {
                        JSONCARGO_SECRET
                    } else {
                        CARRIER_SECRET
                    }),
                    None,
                ),
                ("stale", Some(secret), Some(now - 3600)),
                ("future", Some(secret), Some(now + 3600)),
            ];
            for (case, secret, timestamp) in cases {
                let response = post_signed(&app, &path, &body, secret, timestamp).await;
                assert_error(
                    response,
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHORIZED",
                    &format!("{case} {path}"),
                )
                .await;
            }
            // A signature over other bytes than the body.
            let response = app
                .client
                .post(format!("{}{path}", app.address))
                .header(
                    "x-webhook-signature",
                    sign(&WebhookSecret::new(secret).unwrap(), b"{}", None),
                )
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        }
    }
    assert_eq!(events_of(&app, IN_TRANSIT).await, before);
    let status = app
        .db()
        .scalar_string(&format!(
            "SELECT status::text FROM shipments WHERE id = '{IN_TRANSIT}'"
        ))
        .await;
    assert_eq!(status.as_deref(), Some("IN_TRANSIT"));
    // A recent signed timestamp passes.
    let response = post_signed(
        &app,
        "/api/v1/webhooks/carrier",
        &body,
        Some(CARRIER_SECRET),
        Some(now - 10),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_webhook_without_a_secret_does_not_exist() {
    let app = TestApp::spawn(2, Duration::from_secs(5)).await;
    let body = json!({"container_number": IN_TRANSIT_CONTAINER, "event_type": "ARRIVED", "timestamp": "2026-01-02"});
    for path in [
        "/api/v1/webhooks/carrier",
        "/api/webhooks/jsoncargo",
        "/api/webhooks/test",
    ] {
        let response = post_signed(&app, path, &body, Some(CARRIER_SECRET), None).await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", path).await;
    }
}

#[tokio::test]
async fn an_arrival_moves_the_shipment_and_tells_its_followers_and_its_buyer_only() {
    let app = app().await;
    let (_, _, stranger) = other_organization_with(&app, "stranger", "MSKU9070323").await;
    let answer = carrier_event(
        &app,
        &json!({"container_number": IN_TRANSIT_CONTAINER, "event_type": "VESSEL_ARRIVED",
                "timestamp": "2026-01-03T07:30:00Z",
                "location": {"name": "Hamburg", "code": "DEHAM", "lat": 53.5, "lng": 9.9},
                "vessel": {"name": "RHINE MAERSK", "voyage": "550N"}}),
    )
    .await;
    assert_eq!(answer["status"], "processed", "{answer}");
    assert_eq!(answer["event_type"], "arrived");
    assert_eq!(answer["status_changed"], true);
    assert_eq!(answer["new_status"], "arrived");
    assert_eq!(answer["shipments"], 1);
    let row = app
        .db()
        .scalar_string(&format!(
            "SELECT status::text || ' ' || to_char(ata AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM shipments WHERE id = '{IN_TRANSIT}'"
        ))
        .await;
    assert_eq!(row.as_deref(), Some("ARRIVED 2026-01-03 07:30"));
    // The exporter's people who act on the shipment, and the buyer's members.
    for email in [ADMIN, LOGISTICS, COMPLIANCE, BUYER] {
        assert_eq!(told(&app, email, "shipment_arrived").await, 1, "{email}");
    }
    for email in [VIEWER, SUPPLIER, stranger.as_str()] {
        assert_eq!(told(&app, email, "shipment_arrived").await, 0, "{email}");
    }
    // The buyer reads it in its own inbox; the notification names the shipment.
    let buyer = app.token(BUYER).await;
    let inbox = app.get_ok("/api/v1/notifications", &buyer).await;
    let arrival = inbox["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "shipment_arrived")
        .expect("the arrival in the buyer's inbox");
    assert_eq!(arrival["data"]["shipment_reference"], "VIBO-2026-001");
    // The change is audited, by its source.
    assert_eq!(
        count(&app, &format!("SELECT count(*) FROM audit_logs WHERE action = 'shipment.tracking' AND resource_id = '{IN_TRANSIT}'")).await,
        1
    );
    // Delivery follows; a late departure changes nothing.
    let delivered = carrier_event(
        &app,
        &json!({"container_number": IN_TRANSIT_CONTAINER, "event_type": "DELIVERED", "timestamp": "2026-01-05T12:00:00Z"}),
    )
    .await;
    assert_eq!(delivered["new_status"], "delivered");
    assert_eq!(told(&app, BUYER, "shipment_delivered").await, 1);
    let late = carrier_event(
        &app,
        &json!({"container_number": IN_TRANSIT_CONTAINER, "event_type": "DEPARTED", "timestamp": "2025-12-13T21:40:00Z", "id": "late-1"}),
    )
    .await;
    assert_eq!(late["status_changed"], false);
    assert_eq!(late["new_status"], Value::Null);
}

#[tokio::test]
async fn a_departure_records_the_actual_departure_and_a_moved_eta_is_history_and_news() {
    let app = app().await;
    let answer = carrier_event(
        &app,
        &json!({"container_number": PENDING_CONTAINER, "event_type": "departed", "timestamp": "2026-01-15T02:00:00Z",
                "location": "Apapa, Lagos", "vessel": "MAERSK CAIRO", "voyage_number": "551N",
                "eta": "2026-02-06T08:00:00Z"}),
    )
    .await;
    assert_eq!(answer["new_status"], "in_transit", "{answer}");
    assert_eq!(answer["eta_changed"], true);
    let row = app
        .db()
        .scalar_string(&format!(
            "SELECT status::text || ' ' || to_char(atd AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || to_char(eta AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM shipments WHERE id = '{PENDING}'"
        ))
        .await;
    assert_eq!(
        row.as_deref(),
        Some("IN_TRANSIT 2026-01-15 02:00 2026-02-06")
    );
    assert_eq!(told(&app, LOGISTICS, "shipment_departed").await, 1);
    assert_eq!(told(&app, LOGISTICS, "eta_changed").await, 1);
    // It left with its documents incomplete: the document reviewers are alerted.
    assert_eq!(told(&app, COMPLIANCE, "compliance_alert").await, 1);
    assert_eq!(told(&app, VIEWER, "compliance_alert").await, 0);
    let alert = app
        .db()
        .scalar_string(&format!(
            "SELECT message FROM notifications WHERE user_id = '{COMPLIANCE}' AND type = 'compliance_alert'"
        ))
        .await
        .unwrap();
    assert!(
        alert.starts_with("Shipment VIBO-2026-002 departed with its documents incomplete ("),
        "{alert}"
    );
    let title = app
        .db()
        .scalar_string(&format!("SELECT title FROM notifications WHERE user_id = '{LOGISTICS}' AND type = 'eta_changed'"))
        .await;
    assert_eq!(title.as_deref(), Some("ETA Delayed"));
    // Earlier again, through JSONCargo.
    let body = json!({"container_number": PENDING_CONTAINER, "eta": "2026-02-03T08:00:00Z"});
    let response = post_signed(
        &app,
        "/api/webhooks/jsoncargo",
        &body,
        Some(JSONCARGO_SECRET),
        None,
    )
    .await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["eta_changed"], true, "{answer}");
    let admin = app.token(ADMIN).await;
    let listed = app
        .get_ok(&format!("/api/v1/shipments/{PENDING}/events"), &admin)
        .await;
    let history = listed["eta_history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{listed}");
    assert_eq!(history[0]["previous_eta"], "2026-02-04T08:00:00Z");
    assert_eq!(history[0]["new_eta"], "2026-02-06T08:00:00Z");
    assert_eq!(history[0]["source"], "carrier_webhook");
    assert_eq!(history[1]["new_eta"], "2026-02-03T08:00:00Z");
    assert_eq!(history[1]["source"], "jsoncargo_webhook");
    let earlier = app
        .db()
        .scalar_string(&format!(
            "SELECT title FROM notifications WHERE user_id = '{LOGISTICS}' AND type = 'eta_changed' ORDER BY created_at DESC LIMIT 1"
        ))
        .await;
    assert_eq!(earlier.as_deref(), Some("ETA Updated – Earlier Arrival"));
    let event = listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"] == "carrier_webhook")
        .expect("the departure");
    assert_eq!(
        event["description"],
        "Departed at Apapa, Lagos on MAERSK CAIRO 551N"
    );
    assert!(event.get("raw_payload").is_none());
}

#[tokio::test]
async fn the_same_event_twice_is_stored_once() {
    let app = app().await;
    let before = events_of(&app, PENDING).await;
    let body = json!({"container_number": PENDING_CONTAINER, "event_type": "GATE_IN", "timestamp": "2026-01-12T08:00:00Z"});
    let first = carrier_event(&app, &body).await;
    assert_eq!(first["status"], "processed");
    let second = carrier_event(&app, &body).await;
    assert_eq!(second["status"], "duplicate", "{second}");
    assert_eq!(second["event_id"], first["event_id"]);
    // With an id: the id decides, whatever else differs.
    let with_id = json!({"container_number": PENDING_CONTAINER, "event_type": "LOADED", "timestamp": "2026-01-13T08:00:00Z", "id": "evt-9"});
    carrier_event(&app, &with_id).await;
    let moved = json!({"container_number": PENDING_CONTAINER, "event_type": "LOADED", "timestamp": "2026-01-13T09:00:00Z", "id": "evt-9"});
    assert_eq!(carrier_event(&app, &moved).await["status"], "duplicate");
    // A JSONCargo batch repeating itself, and repeating what was stored.
    let batch = json!({"container_number": PENDING_CONTAINER, "events": [
        {"type": "GATE_IN", "timestamp": "2026-01-12T08:00:00Z"},
        {"type": "CONTAINER_LOADED", "timestamp": "2026-01-13T08:00:00Z", "id": "evt-10"},
        {"type": "CONTAINER_LOADED", "timestamp": "2026-01-13T08:00:00Z", "id": "evt-10"}
    ]});
    let response = post_signed(
        &app,
        "/api/v1/webhooks/jsoncargo",
        &batch,
        Some(JSONCARGO_SECRET),
        None,
    )
    .await;
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["events_processed"], 1, "{answer}");
    assert_eq!(answer["duplicates"], 2);
    assert_eq!(events_of(&app, PENDING).await, before + 3);
}

#[tokio::test]
async fn an_event_reaches_only_the_organizations_that_carry_the_container() {
    let app = app().await;
    let (_, other_shipment, other_admin) =
        other_organization_with(&app, "otherco", "MSKU9070323").await;
    carrier_event(
        &app,
        &json!({"container_number": PENDING_CONTAINER, "event_type": "DEPARTED", "timestamp": "2026-01-15T02:00:00Z"}),
    )
    .await;
    assert_eq!(events_of(&app, &other_shipment).await, 0);
    assert_eq!(told(&app, &other_admin, "shipment_departed").await, 0);
    // Its own container: its own shipment only.
    let own = carrier_event(
        &app,
        &json!({"container_number": "MSKU9070323", "event_type": "DEPARTED", "timestamp": "2026-01-16T02:00:00Z"}),
    )
    .await;
    assert_eq!(own["shipments"], 1);
    assert_eq!(events_of(&app, &other_shipment).await, 1);
    assert_eq!(told(&app, &other_admin, "shipment_departed").await, 1);
    assert_eq!(told(&app, ADMIN, "shipment_departed").await, 1);
    // Neither reads the other's events.
    let other = app.token(&other_admin).await;
    let path = format!("/api/v1/shipments/{PENDING}/events");
    assert_error(
        app.get_with_token(&path, &other).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &path,
    )
    .await;
    let admin = app.token(ADMIN).await;
    let path = format!("/api/v1/shipments/{other_shipment}/events");
    assert_error(
        app.get_with_token(&path, &admin).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &path,
    )
    .await;
    // Two organizations sharing a container (a consolidated load) each get the event.
    let (_, shared, _) = other_organization_with(&app, "sharer", PENDING_CONTAINER).await;
    let both = carrier_event(
        &app,
        &json!({"container_number": PENDING_CONTAINER, "event_type": "TRANSSHIPMENT", "timestamp": "2026-01-22T02:00:00Z"}),
    )
    .await;
    assert_eq!(both["shipments"], 2, "{both}");
    assert_eq!(events_of(&app, &shared).await, 1);
    let orgs = count(
        &app,
        &format!(
            "SELECT count(DISTINCT organization_id) FROM container_events e WHERE e.external_id LIKE '{PENDING_CONTAINER}-TRANSSHIPMENT-%' \
               AND e.organization_id = (SELECT organization_id FROM shipments WHERE id = e.shipment_id)"
        ),
    )
    .await;
    assert_eq!(orgs, 2);
    // A container nobody carries is ignored.
    let ignored = carrier_event(
        &app,
        &json!({"container_number": "CSQU3054383", "event_type": "DEPARTED", "timestamp": "2026-01-16T02:00:00Z"}),
    )
    .await;
    assert_eq!(ignored["status"], "ignored");
}

#[tokio::test]
async fn malformed_payloads_are_422_and_never_500() {
    let app = app().await;
    let cases = [
        json!({"container_number": PENDING_CONTAINER, "event_type": "ARRIVED", "timestamp": "2026-01-02", "eta": "next week"}),
        json!({"container_number": PENDING_CONTAINER, "event_type": "ARRIVED", "timestamp": "2026-01-02", "eta": 5}),
        json!({"container_number": PENDING_CONTAINER, "event_type": "ARRIVED", "timestamp": "2026-01-02", "location": 12}),
        json!({"container_number": PENDING_CONTAINER, "event_type": "ARRIVED", "timestamp": "2026-01-02", "location": {"lat": "north"}}),
        json!({"container_number": "TCNU7654320", "event_type": "ARRIVED", "timestamp": "2026-01-02"}),
        json!({"container_number": PENDING_CONTAINER, "event_type": "ARRIVED"}),
        json!({"event_type": "ARRIVED", "timestamp": "2026-01-02"}),
        json!([1, 2, 3]),
        json!({"container_number": PENDING_CONTAINER, "event_type": "ARRIVED", "timestamp": "2026-01-02", "id": "a\u{0}b"}),
    ];
    let before = events_of(&app, PENDING).await;
    for body in &cases {
        let response = post_signed(
            &app,
            "/api/v1/webhooks/carrier",
            body,
            Some(CARRIER_SECRET),
            None,
        )
        .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            &body.to_string(),
        )
        .await;
        let response = post_signed(
            &app,
            "/api/v1/webhooks/jsoncargo",
            body,
            Some(JSONCARGO_SECRET),
            None,
        )
        .await;
        assert!(
            response.status().is_client_error(),
            "{body}: {}",
            response.status()
        );
    }
    // Not JSON at all, signed.
    let bytes = b"<xml/>".to_vec();
    let response = app
        .client
        .post(format!("{}/api/v1/webhooks/carrier", app.address))
        .header(
            "x-webhook-signature",
            sign(&WebhookSecret::new(CARRIER_SECRET).unwrap(), &bytes, None),
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        "xml",
    )
    .await;
    assert_eq!(events_of(&app, PENDING).await, before);
    // A location as a plain string and as an object are both fine.
    for location in [
        json!("Apapa"),
        json!({"name": "Apapa", "locode": "NGAPP", "latitude": "6.45", "longitude": 3.36}),
    ] {
        let body = json!({"container_number": PENDING_CONTAINER, "event_type": "GATE_IN",
                          "timestamp": "2026-01-12T08:00:00Z", "location": location, "id": location.to_string()});
        assert_eq!(carrier_event(&app, &body).await["status"], "processed");
    }
}

#[tokio::test]
async fn the_events_route_answers_by_role_organization_and_token() {
    let app = app().await;
    let path = format!("/api/v1/shipments/{IN_TRANSIT}/events");
    for email in [ADMIN, VIEWER, BUYER, LOGISTICS, SUPPLIER] {
        let token = app.token(email).await;
        let listed = app.get_ok(&path, &token).await;
        let events = listed["events"].as_array().unwrap();
        assert!(!events.is_empty(), "{email}");
        let times: Vec<&str> = events
            .iter()
            .map(|e| e["event_timestamp"].as_str().unwrap())
            .collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "oldest first");
    }
    // Another organization neither owns nor buys the shipment.
    let (_, _, stranger) = other_organization_with(&app, "nosy", "MSKU9070323").await;
    let stranger = app.token(&stranger).await;
    let response = app.get_with_token(&path, &stranger).await;
    assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "stranger").await;
    for token in [None, Some("garbage")] {
        let response = app.call(Method::GET, &path, token, None).await;
        assert_error(response, StatusCode::UNAUTHORIZED, "UNAUTHORIZED", &path).await;
    }
    let admin = app.token(ADMIN).await;
    let response = app
        .get_with_token("/api/v1/shipments/not-a-uuid/events", &admin)
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        "bad id",
    )
    .await;
    let unknown = uuid::Uuid::new_v4();
    let response = app
        .get_with_token(&format!("/api/v1/shipments/{unknown}/events"), &admin)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "unknown").await;
}
