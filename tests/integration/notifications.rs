//! Notifications: each user's own inbox, in whatever organization they act (revision 011).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE};
use crate::helpers::{assert_error, TestApp};

const BUYER_UNREAD: &str = "a0000000-0000-4000-8000-000000000002";
const COMPLIANCE_UNREAD: &str = "a0000000-0000-4000-8000-000000000003";

async fn app() -> TestApp {
    TestApp::spawn(4, Duration::from_secs(5)).await
}

fn ids(list: &Value) -> Vec<String> {
    list["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_route_needs_a_token() {
    let app = app().await;
    let id = COMPLIANCE_UNREAD;
    for prefix in ["/api/v1", "/api"] {
        for (method, path) in [
            (Method::GET, format!("{prefix}/notifications")),
            (Method::GET, format!("{prefix}/notifications/unread-count")),
            (Method::GET, format!("{prefix}/notifications/types")),
            (Method::POST, format!("{prefix}/notifications/read-all")),
            (Method::PATCH, format!("{prefix}/notifications/{id}/read")),
            (Method::DELETE, format!("{prefix}/notifications/{id}")),
        ] {
            for token in [None, Some("garbage")] {
                let response = app.call(method.clone(), &path, token, None).await;
                assert_error(response, StatusCode::UNAUTHORIZED, "UNAUTHORIZED", &path).await;
            }
        }
    }
}

#[tokio::test]
async fn a_buyer_reads_its_own_notifications_from_its_buyer_organization_and_nobody_elses() {
    let app = app().await;
    let buyer = app.token(BUYER).await;
    for prefix in ["/api/v1", "/api"] {
        let list = app.get_ok(&format!("{prefix}/notifications"), &buyer).await;
        let mine = ids(&list);
        assert!(mine.contains(&BUYER_UNREAD.to_string()), "{list}");
        assert!(!mine.contains(&COMPLIANCE_UNREAD.to_string()));
        assert!(list["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["user_id"] == BUYER));
        assert_eq!(list["total"].as_i64().unwrap(), mine.len() as i64);
    }
    // Someone else's notification is 404 for every change, and stays unread.
    for (method, path) in [
        (
            Method::PATCH,
            format!("/api/v1/notifications/{COMPLIANCE_UNREAD}/read"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/notifications/{COMPLIANCE_UNREAD}"),
        ),
    ] {
        let response = app.call(method, &path, Some(&buyer), None).await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", &path).await;
    }
    // Even the VIBOTAJ admin, whose organization holds the row, cannot touch another user's.
    let admin = app.token(ADMIN).await;
    let response = app
        .call(
            Method::PATCH,
            &format!("/api/v1/notifications/{COMPLIANCE_UNREAD}/read"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let compliance = app.token(COMPLIANCE).await;
    let unread = app
        .get_ok("/api/v1/notifications?unread_only=true", &compliance)
        .await;
    assert!(ids(&unread).contains(&COMPLIANCE_UNREAD.to_string()));
}

#[tokio::test]
async fn read_unread_count_read_all_and_delete() {
    let app = app().await;
    let buyer = app.token(BUYER).await;
    let count = |body: Value| body["unread_count"].as_i64().unwrap();
    let before = count(
        app.get_ok("/api/v1/notifications/unread-count", &buyer)
            .await,
    );
    let stored = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id \
             WHERE u.email = '{BUYER}' AND NOT n.read"
        ))
        .await;
    assert!(stored > 0, "the demo buyer has unread notifications");
    assert_eq!(before, stored);
    let response = app
        .call(
            Method::PATCH,
            &format!("/api/v1/notifications/{BUYER_UNREAD}/read"),
            Some(&buyer),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["notification_id"], BUYER_UNREAD);
    assert_eq!(
        count(
            app.get_ok("/api/v1/notifications/unread-count", &buyer)
                .await
        ),
        before - 1
    );
    let unread = app
        .get_ok("/api/v1/notifications?unread_only=true", &buyer)
        .await;
    assert!(!ids(&unread).contains(&BUYER_UNREAD.to_string()));

    let response = app
        .call(
            Method::POST,
            "/api/notifications/read-all",
            Some(&buyer),
            None,
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["marked_count"].as_i64().unwrap(), before - 1);
    assert_eq!(
        count(
            app.get_ok("/api/v1/notifications/unread-count", &buyer)
                .await
        ),
        0
    );

    let response = app
        .call(
            Method::DELETE,
            &format!("/api/v1/notifications/{BUYER_UNREAD}"),
            Some(&buyer),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let list = app.get_ok("/api/v1/notifications", &buyer).await;
    assert!(!ids(&list).contains(&BUYER_UNREAD.to_string()));

    let types = app.get_ok("/api/v1/notifications/types", &buyer).await;
    assert_eq!(types["types"].as_object().unwrap().len(), 10);
    assert!(types["types"]["eta_changed"]["name"].is_string());
}

#[tokio::test]
async fn malformed_parameters_are_422_and_name_the_parameter() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("limit=ten", "limit"),
        ("unread_only=maybe", "unread_only"),
    ] {
        let response = app
            .get_with_token(&format!("/api/v1/notifications?{query}"), &admin)
            .await;
        let body = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            query,
        )
        .await;
        assert_eq!(body["fields"][0]["field"], field, "{query}: {body}");
    }
    let response = app
        .call(
            Method::PATCH,
            "/api/v1/notifications/not-a-uuid/read",
            Some(&admin),
            None,
        )
        .await;
    let body = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        "a path id that is no UUID",
    )
    .await;
    assert_eq!(body["fields"][0]["field"], "id", "{body}");
}
