//! Every string a client sends is bounded: over its limit the answer is a 422 naming the
//! field, never a 500 from the database (a 1.5 MB login e-mail used to be one). Values just
//! at a limit are accepted.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::demo::{ADMIN, VIBOTAJ};
use crate::helpers::{assert_error, TestApp};
use tracehub::domain::{ContainerNumber, EquipmentCategory};

async fn app() -> TestApp {
    TestApp::spawn(4, Duration::from_secs(5)).await
}

/// Asserts a 422 whose `fields` are exactly `expected`.
async fn assert_fields(response: reqwest::Response, expected: &[&str], why: &str) -> Value {
    let body = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        why,
    )
    .await;
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, expected, "{why}: {body}");
    body
}

/// An address of exactly `chars` characters.
fn address(chars: usize) -> String {
    format!("{}@example.com", "a".repeat(chars - "@example.com".len()))
}

#[tokio::test]
async fn login_fields_over_their_limits_are_a_422_in_json_and_in_the_form() {
    let app = app().await;
    let huge = address(1_500_000);
    let login = "/api/v1/auth/login";
    assert_fields(
        app.post_json(login, &json!({"email": huge, "password": "x"}))
            .await,
        &["email"],
        "1.5 MB e-mail, JSON",
    )
    .await;
    assert_fields(
        app.post_form("/api/auth/login", &[("username", &huge), ("password", "x")])
            .await,
        &["username"],
        "1.5 MB e-mail, OAuth2 form",
    )
    .await;
    assert_fields(
        app.post_json(login, &json!({"email": address(255), "password": "x"}))
            .await,
        &["email"],
        "255 characters",
    )
    .await;
    assert_fields(
        app.post_json(login, &json!({"email": "a\u{0}@b.de", "password": "x"}))
            .await,
        &["email"],
        "NUL",
    )
    .await;
    assert_fields(
        app.post_json(
            login,
            &json!({"email": ADMIN, "password": "p".repeat(1025)}),
        )
        .await,
        &["password"],
        "1025-character password",
    )
    .await;
    // At the limits the attempt is read and simply wrong.
    for (email, password) in [
        (address(254), "x".to_string()),
        (ADMIN.to_string(), "p".repeat(1024)),
    ] {
        let response = app
            .post_json(login, &json!({"email": email, "password": password}))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // An account whose address is longer than the audit log's 100-character column signs
    // in (its sign-in is audited with the address cut there), and a request id longer than
    // that column is replaced instead of failing the audited request.
    let long = address(200);
    app.create_member(&long, "VIEWER", VIBOTAJ, "viewer").await;
    let response = app
        .client
        .post(format!("{}{login}", app.address))
        .header("X-Request-ID", "r".repeat(128))
        .json(&json!({"email": long, "password": crate::helpers::demo::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()["x-request-id"], "r".repeat(128).as_str());
}

#[tokio::test]
async fn search_terms_of_lists_are_at_most_100_characters() {
    let app = app().await;
    let token = app.token(ADMIN).await;
    for list in [
        "/api/v1/organizations".to_string(),
        format!("/api/v1/organizations/{VIBOTAJ}/members"),
        "/api/v1/shipments".to_string(),
    ] {
        let response = app
            .get_with_token(&format!("{list}?search={}", "x".repeat(101)), &token)
            .await;
        assert_fields(response, &["search"], &list).await;
        let response = app
            .get_with_token(&format!("{list}?search={}", "x".repeat(100)), &token)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{list}");
    }
}

#[tokio::test]
async fn organization_settings_are_at_most_16_kib_and_text_holds_no_nul() {
    let app = app().await;
    let token = app.token(ADMIN).await;
    // {"k":"…"} is 8 bytes around the value: exactly 16 KiB is accepted on create.
    let at_limit = json!({"k": "x".repeat(16 * 1024 - 8)});
    let created = app
        .send_json(
            Method::POST,
            "/api/v1/organizations",
            &token,
            &json!({"name": "Big Settings", "type": "supplier", "settings": at_limit}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/organizations/{id}");
    let over = json!({"k": "x".repeat(16 * 1024 - 7)});
    assert_fields(
        app.send_json(Method::PATCH, &path, &token, &json!({"settings": over}))
            .await,
        &["settings"],
        "one byte over",
    )
    .await;
    // One more key merged into the full object is over too; nothing is stored.
    let body = assert_fields(
        app.send_json(
            Method::PATCH,
            &path,
            &token,
            &json!({"settings": {"more": 1}, "name": "Renamed"}),
        )
        .await,
        &["settings"],
        "merged over the limit",
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("stored settings"),
        "{body}"
    );
    let stored = app.get_ok(&path, &token).await;
    assert_eq!(stored["name"], "Big Settings");
    assert!(stored["settings"].get("more").is_none());
    // NUL cannot be stored in text or jsonb: a 422, not a database error.
    assert_fields(
        app.send_json(
            Method::PATCH,
            &path,
            &token,
            &json!({"settings": {"a": "b\u{0}"}, "address": "Street\u{0}1"}),
        )
        .await,
        &["address", "settings"],
        "NUL",
    )
    .await;
}

#[tokio::test]
async fn a_shipment_request_carries_at_most_100_products() {
    let app = app().await;
    let token = app.token(ADMIN).await;
    let shipment = |serial: u32, products: usize| {
        let container =
            ContainerNumber::from_parts("ACM", EquipmentCategory::FreightContainer, serial)
                .unwrap();
        json!({
            "reference": format!("MANY-{serial}"),
            "container_number": container.as_str(),
            "products": vec![json!({"hs_code": "1801", "description": "Cocoa"}); products],
        })
    };
    assert_fields(
        app.send_json(Method::POST, "/api/v1/shipments", &token, &shipment(1, 101))
            .await,
        &["products"],
        "101 products",
    )
    .await;
    let created = app
        .send_json(Method::POST, "/api/v1/shipments", &token, &shipment(2, 100))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_fields(
        app.send_json(
            Method::PATCH,
            &format!("/api/v1/shipments/{id}"),
            &token,
            &json!({"products": vec![json!({}); 101]}),
        )
        .await,
        &["products"],
        "101 products in a PATCH",
    )
    .await;
}

#[tokio::test]
async fn invitation_tokens_and_texts_are_bounded() {
    let app = app().await;
    let token = app.token(ADMIN).await;
    assert_fields(
        app.post_json(
            "/api/v1/invitations/validate",
            &json!({"token": "t".repeat(129)}),
        )
        .await,
        &["token"],
        "129-character token",
    )
    .await;
    // 128 characters are read (and match nothing).
    assert_error(
        app.post_json(
            "/api/v1/invitations/validate",
            &json!({"token": "t".repeat(128)}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "INVITATION_NOT_FOUND",
        "128-character token",
    )
    .await;
    assert_fields(
        app.post_json(
            "/api/v1/auth/register",
            &json!({"email": "new@example.com", "password": "Valid-Passw0rd",
                    "full_name": "New\u{0}Person", "invitation_token": "t".repeat(1000)}),
        )
        .await,
        &["full_name", "invitation_token"],
        "register",
    )
    .await;
    assert_fields(
        app.send_json(
            Method::POST,
            "/api/v1/invitations",
            &token,
            &json!({"email": "guest@example.com", "custom_message": "Hello\u{0}"}),
        )
        .await,
        &["custom_message"],
        "NUL in the message",
    )
    .await;
}
