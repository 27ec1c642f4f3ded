//! The runbook's "Post-Migration Validation" as a test (MIGRATION_QUICKSTART.md; the
//! predecessor's `test_multitenancy_smoke.py`): a database with the demo data at revision 002
//! is migrated with `tracehub migrate`, exactly as operators run it, and then the platform is
//! used the way the runbook's manual checks say.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::api::V1;
use tracehub::domain::tracking::signature::{sign, WebhookSecret};
use tracehub::http::webhooks::WebhookSecrets;

use crate::helpers::demo::{ADMIN, BUYER, PASSWORD, VIBOTAJ, VIEWER};
use crate::helpers::{stderr, stdout, tracehub_with_env, TestApp, TestDb};

const CARRIER_SECRET: &str = "smoke-carrier-secret";

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

    let app = TestApp::serve_with(
        db,
        4,
        Duration::from_secs(5),
        tracehub::config::JwtSecret::random(),
        |state| {
            state.with_webhooks(WebhookSecrets {
                carrier: WebhookSecret::new(CARRIER_SECRET),
                ..WebhookSecrets::default()
            })
        },
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

    // 6. Documents work on the migrated database: upload → review → approve; the
    // completeness of the new shipment follows; the audit pack holds the file.
    let bill = crate::documents::pdf_of_pages(&[
        "BILL OF LADING\nB/L No. SMOKE123456\nShipper Consignee Vessel Voyage",
    ]);
    let uploaded = app
        .upload_ok(&token, &id, "bill_of_lading", "smoke-bl.pdf", bill.clone())
        .await;
    let document = uploaded["id"].as_str().expect("document id").to_string();
    let state_of_bill = |detail: &Value| {
        detail["document_summary"]["checklist"]
            .as_array()
            .expect("checklist")
            .iter()
            .find(|item| item["document_type"] == "bill_of_lading")
            .map(|item| item["state"].clone())
    };
    let detail = app.get_ok(&format!("/api/v1/shipments/{id}"), &token).await;
    assert_eq!(state_of_bill(&detail), Some(json!("pending")), "{detail}");
    let complete_before = detail["document_summary"]["complete"].as_u64().unwrap();
    let metadata = json!({"reference_number": "SMOKE123456", "issue_date": "2026-01-12",
                          "issuing_authority": "MSC"});
    let response = app
        .call(
            reqwest::Method::PATCH,
            &format!("{V1}/documents/{document}/metadata"),
            Some(&token),
            Some(&metadata),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let compliance = app.token(crate::helpers::demo::COMPLIANCE).await;
    let response = app
        .call(
            reqwest::Method::POST,
            &format!("/api/documents/{document}/approve"),
            Some(&compliance),
            Some(&json!({"notes": "ok"})),
        )
        .await;
    let approved = crate::api::json_of(response, StatusCode::OK, "approve").await;
    assert_eq!(approved["result"]["new_status"], "validated");
    let detail = app.get_ok(&format!("/api/v1/shipments/{id}"), &token).await;
    assert_eq!(state_of_bill(&detail), Some(json!("complete")));
    assert_eq!(
        detail["document_summary"]["complete"].as_u64().unwrap(),
        complete_before + 1
    );
    let inbox = app.get_ok("/api/v1/notifications", &token).await;
    assert!(
        inbox["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["type"] == "document_validated"),
        "{inbox}"
    );
    let pack = app
        .client
        .get(format!("{}{V1}/shipments/{id}/audit-pack", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("audit pack");
    assert_eq!(pack.status(), StatusCode::OK);
    assert_eq!(pack.headers()["content-type"], "application/zip");
    let zip = pack.bytes().await.expect("zip");
    assert!(zip.starts_with(b"PK"));
    assert!(
        zip.windows(bill.len())
            .any(|window| window == bill.as_slice()),
        "the stored file is in the pack"
    );

    // 5. A carrier's signed webhook: the migrated in-transit shipment arrives; its status
    //    and arrival follow, and exactly its followers and its buyer are told.
    let outsider = app
        .create_organization("Outsider", "outsider", "platform_owner")
        .await;
    app.create_member("ops@outsider.example", "ADMIN", &outsider, "owner")
        .await;
    let body = json!({"container_number": "MRSU3452572", "event_type": "ARRIVED",
                      "timestamp": "2026-01-03T07:30:00Z", "location": "Hamburg"})
    .to_string();
    let unsigned = app
        .client
        .post(format!("{}/api/webhooks/carrier", app.address))
        .body(body.clone())
        .send()
        .await
        .expect("webhook");
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let signature = sign(
        &WebhookSecret::new(CARRIER_SECRET).unwrap(),
        body.as_bytes(),
        None,
    );
    let response = app
        .client
        .post(format!("{}/api/webhooks/carrier", app.address))
        .header("x-webhook-signature", signature)
        .body(body)
        .send()
        .await
        .expect("webhook");
    let answer = crate::api::json_of(response, StatusCode::OK, "webhook").await;
    assert_eq!(answer["status"], "processed", "{answer}");
    assert_eq!(answer["new_status"], "arrived");
    let arrived = app
        .get_ok(
            "/api/v1/shipments/30000000-0000-4000-8000-000000000001",
            &token,
        )
        .await;
    assert_eq!(arrived["shipment"]["status"], "arrived", "{arrived}");
    let told = |email: &'static str| {
        let app = &app;
        async move {
            let token = app.token(email).await;
            let inbox = app.get_ok("/api/v1/notifications", &token).await;
            inbox["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["type"] == "shipment_arrived")
                .count()
        }
    };
    assert_eq!(told(ADMIN).await, 1);
    assert_eq!(told(BUYER).await, 1);
    assert_eq!(told(VIEWER).await, 0);
    assert_eq!(told("ops@outsider.example").await, 0);
}
