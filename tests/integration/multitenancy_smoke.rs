//! The runbook's "Post-Migration Validation" as a test (MIGRATION_QUICKSTART.md; the
//! predecessor's `test_multitenancy_smoke.py`): a database with the demo data at revision 002
//! is migrated with `tracehub migrate`, exactly as operators run it, and then the platform is
//! used the way the runbook's manual checks say.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::api::V1;
use crate::helpers::demo::{ADMIN, PASSWORD, VIBOTAJ};
use crate::helpers::{stderr, stdout, tracehub_with_env, TestApp, TestDb};

#[tokio::test]
async fn after_the_migration_the_admin_sees_everything_and_new_shipments_land_in_vibotaj() {
    // A predecessor database: the demo world at 002.
    let db = TestDb::at("002").await;
    tracehub::ops::seed::demo(&db.url, Some("002"))
        .await
        .expect("demo data at 002");
    let shipments_before = db.scalar_i64("SELECT count(*) FROM shipments").await;
    let documents_before = db.scalar_i64("SELECT count(*) FROM documents").await;
    assert!(shipments_before > 0 && documents_before > 0);

    // The runbook's migration step, then its validation step.
    let url = db.url.clone();
    let migrated = tracehub_with_env(
        &["migrate", "--yes", "--skip-backup"],
        &[("DATABASE_URL", &url)],
    );
    assert!(
        migrated.status.success(),
        "migrate: {}\n{}",
        stdout(&migrated),
        stderr(&migrated)
    );
    let verified = tracehub_with_env(&["db", "verify"], &[("DATABASE_URL", &url)]);
    assert!(verified.status.success(), "verify: {}", stdout(&verified));
    assert!(!stdout(&verified).contains("FAIL"));

    let app = TestApp::serve(
        db,
        4,
        Duration::from_secs(5),
        tracehub::config::JwtSecret::random(),
    )
    .await;

    // 1. The admin logs in, with the form the predecessor's web client posts.
    let response = app
        .post_form(
            "/api/auth/login",
            &[("username", ADMIN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let login: Value = response.json().await.expect("json");
    let token = login["access_token"].as_str().expect("token").to_string();
    assert_eq!(login["organization"]["id"], VIBOTAJ);

    // 2. The shipments list shows all shipments (the predecessor's bare array).
    let list = app.get_ok("/api/shipments?limit=100", &token).await;
    let listed = list.as_array().expect("a bare array on /api/shipments");
    assert_eq!(listed.len() as i64, shipments_before);

    // 3. A new shipment is assigned to VIBOTAJ.
    let smoke = json!({
        "reference": "SMOKE-2026-001",
        "container_number": "MSCU6639870",
        "pol_code": "NGAPP",
        "pod_code": "DEHAM",
    });
    let created = app.create_shipment(V1, &token, &smoke).await;
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(
        app.db()
            .scalar_string(&format!(
                "SELECT organization_id::text FROM shipments WHERE id = '{id}'"
            ))
            .await
            .as_deref(),
        Some(VIBOTAJ)
    );
    let list = app.get_ok("/api/shipments?limit=100", &token).await;
    assert_eq!(list.as_array().unwrap().len() as i64, shipments_before + 1);

    // The runbook's API check: the organizations list with the bearer token holds VIBOTAJ.
    let organizations = app.get_ok("/api/v1/organizations", &token).await;
    assert!(
        organizations["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|o| o["id"] == VIBOTAJ),
        "{organizations}"
    );

    // 4. Notifications work as before.
    let notifications = app.get_ok("/api/v1/notifications", &token).await;
    assert!(notifications["notifications"].is_array());
    app.get_ok("/api/notifications/unread-count", &token).await;

    // 5. Documents display: every demo shipment's detail lists its documents.
    let mut documents_seen = 0;
    for shipment in listed {
        let id = shipment["id"].as_str().expect("id");
        let detail = app.get_ok(&format!("/api/v1/shipments/{id}"), &token).await;
        documents_seen += detail["documents"].as_array().expect("documents").len() as i64;
    }
    assert_eq!(documents_seen, documents_before);
}
