//! Shipments, products and parties over real HTTP against the demo world at head, and
//! revision 014.
//!
//! Demo facts used here: VIBOTAJ owns VIBO-2026-001 (assigned to the buyer organization of
//! WITATRADE, with documents) and VIBO-2026-002 (assigned to HAGES).

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::{PREFIXES, V1};
use crate::helpers::demo::{ADMIN, BUYER, LOGISTICS, VIBOTAJ, VIEWER};
use crate::helpers::{assert_error, TestApp, TestDb};
use tracehub::db::revisions::{Migrator, Options, Quiet};
use tracehub::domain::{ContainerNumber, EquipmentCategory};

const SHIPMENT_001: &str = "30000000-0000-4000-8000-000000000001";
const SHIPMENT_002: &str = "30000000-0000-4000-8000-000000000002";
/// An organization of another tenant, with an owner who is a system admin.
const OTHER_ADMIN: &str = "owner@acme.test";

/// A valid container number (check digit computed) for `serial`.
fn container(serial: u32) -> String {
    ContainerNumber::from_parts("ACM", EquipmentCategory::FreightContainer, serial)
        .expect("container")
        .as_str()
        .to_string()
}

struct World {
    app: TestApp,
    admin: String,
    logistics: String,
    viewer: String,
    buyer: String,
    other: String,
    other_org: String,
    witatrade: String,
}

/// The demo world plus a supplier organization "Acme" with its own owner.
async fn world() -> World {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let other_org = app
        .create_organization("Acme Supplies", "acme", "supplier")
        .await;
    app.create_member(OTHER_ADMIN, "ADMIN", &other_org, "owner")
        .await;
    let witatrade = app.organization_of(BUYER).await;
    World {
        admin: app.token(ADMIN).await,
        logistics: app.token(LOGISTICS).await,
        viewer: app.token(VIEWER).await,
        buyer: app.token(BUYER).await,
        other: app.token(OTHER_ADMIN).await,
        app,
        other_org,
        witatrade,
    }
}

fn shipment_body(reference: &str, serial: u32) -> Value {
    json!({
        "reference": reference,
        "container_number": container(serial),
        "vessel_name": "RHINE MAERSK",
        "etd": "2026-02-01T10:00:00Z",
        "pol_code": "NG APP",
        "pod_code": "deham",
        "status": "docs_pending",
        "products": [{"hs_code": "0506.90", "description": "Horn and hoof", "quantity_net_kg": 24000.5}]
    })
}

impl World {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        self.app.call(method, path, Some(token), body).await
    }

    async fn json(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
        status: StatusCode,
    ) -> Value {
        let response = self.call(method.clone(), path, token, body).await;
        let got = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(got, status, "{method} {path}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("json")
        }
    }

    /// The 422's field names.
    async fn invalid(&self, method: Method, path: &str, token: &str, body: &Value) -> Vec<String> {
        let body = assert_error(
            self.call(method, path, token, Some(body)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            path,
        )
        .await;
        body["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| f["field"].as_str().expect("field").to_string())
            .collect()
    }
}

fn references(list: &Value) -> Vec<String> {
    let items = list.get("items").unwrap_or(list);
    items
        .as_array()
        .expect("array")
        .iter()
        .map(|s| s["reference"].as_str().expect("reference").to_string())
        .collect()
}

#[tokio::test]
async fn every_route_needs_a_token_and_the_right_permission() {
    let w = world().await;
    for prefix in PREFIXES {
        let routes = [
            (Method::GET, format!("{prefix}/shipments")),
            (Method::POST, format!("{prefix}/shipments")),
            (Method::GET, format!("{prefix}/shipments/{SHIPMENT_001}")),
            (Method::PATCH, format!("{prefix}/shipments/{SHIPMENT_001}")),
            (Method::DELETE, format!("{prefix}/shipments/{SHIPMENT_001}")),
            (
                Method::GET,
                format!("{prefix}/shipments/{SHIPMENT_001}/products"),
            ),
            (
                Method::POST,
                format!("{prefix}/shipments/{SHIPMENT_001}/products"),
            ),
            (
                Method::PATCH,
                format!("{prefix}/shipments/{SHIPMENT_001}/products/{SHIPMENT_001}"),
            ),
            (
                Method::DELETE,
                format!("{prefix}/shipments/{SHIPMENT_001}/products/{SHIPMENT_001}"),
            ),
            (Method::GET, format!("{prefix}/parties")),
            (Method::POST, format!("{prefix}/parties")),
            (Method::GET, format!("{prefix}/parties/{SHIPMENT_001}")),
            (Method::PATCH, format!("{prefix}/parties/{SHIPMENT_001}")),
            (
                Method::GET,
                format!("{prefix}/organizations/{VIBOTAJ}/shipments"),
            ),
        ];
        for (method, path) in &routes {
            let response = w
                .app
                .call(method.clone(), path, None, Some(&json!({})))
                .await;
            assert_error(response, StatusCode::UNAUTHORIZED, "UNAUTHORIZED", path).await;
        }
        // A viewer reads but changes nothing; a buyer organization reads what is assigned
        // to it and changes nothing either.
        for token in [&w.viewer, &w.buyer] {
            for (method, path) in routes.iter().filter(|(m, _)| *m != Method::GET) {
                let body = shipment_body("X-1", 1);
                let response = w.call(method.clone(), path, token, Some(&body)).await;
                assert_error(
                    response,
                    StatusCode::FORBIDDEN,
                    "INSUFFICIENT_PERMISSIONS",
                    path,
                )
                .await;
            }
        }
        w.json(
            Method::GET,
            &format!("{prefix}/shipments/{SHIPMENT_001}"),
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
        w.json(
            Method::GET,
            &format!("{prefix}/parties"),
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
    }
    // Nothing was written by the refused requests.
    assert_eq!(
        w.app
            .db()
            .scalar_i64("SELECT count(*) FROM shipments")
            .await,
        2
    );
}

#[tokio::test]
async fn shipments_and_products_are_created_read_changed_and_deleted_under_both_prefixes() {
    let w = world().await;
    let audit_rows = "SELECT count(*) FROM audit_logs WHERE organization_id = '00000000-0000-0000-0000-000000000001' \
         AND action IN ('shipment.create', 'shipment.update', 'shipment.delete', \
                        'product.create', 'product.update', 'product.delete')";
    let audited_before = w.app.db().scalar_i64(audit_rows).await;
    for (n, prefix) in PREFIXES.into_iter().enumerate() {
        let reference = format!("NEW-{n}");
        let created = w
            .app
            .create_shipment(
                prefix,
                &w.logistics,
                &shipment_body(&reference, 10 + n as u32),
            )
            .await;
        let id = created["id"].as_str().expect("id").to_string();
        assert_eq!(created["organization_id"], VIBOTAJ);
        assert_eq!(created["status"], "docs_pending");
        assert_eq!(created["pol_code"], "NGAPP");
        assert_eq!(created["pod_code"], "DEHAM");
        assert_eq!(created["etd"], "2026-02-01T10:00:00Z");
        assert_eq!(created["products"][0]["hs_code"], "0506.90");
        assert_eq!(created["products"][0]["quantity_net_kg"], 24000.5);

        let detail = w
            .json(
                Method::GET,
                &format!("{prefix}/shipments/{id}"),
                &w.viewer,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(detail["shipment"]["reference"], reference.as_str());
        assert_eq!(detail["latest_event"], Value::Null);
        assert_eq!(detail["documents"], json!([]));
        assert_eq!(detail["document_summary"]["total_uploaded"], 0);
        assert_eq!(detail["document_summary"]["is_complete"], false);

        // PATCH: absent fields stay, null clears.
        let patch = json!({"status": "in_transit", "vessel_name": null, "buyer_organization_id": w.witatrade});
        let changed = w
            .json(
                Method::PATCH,
                &format!("{prefix}/shipments/{id}"),
                &w.logistics,
                Some(&patch),
                StatusCode::OK,
            )
            .await;
        assert_eq!(changed["status"], "in_transit");
        assert_eq!(changed["vessel_name"], Value::Null);
        assert_eq!(changed["pol_code"], "NGAPP");
        assert_eq!(changed["buyer_organization_id"], w.witatrade.as_str());

        // Products.
        let products = format!("{prefix}/shipments/{id}/products");
        let product = w
            .json(
                Method::POST,
                &products,
                &w.logistics,
                Some(&json!({"hs_code": "1801", "description": "Cocoa"})),
                StatusCode::CREATED,
            )
            .await;
        let product_id = product["id"].as_str().expect("id");
        let product_path = format!("{products}/{product_id}");
        let product = w
            .json(
                Method::PATCH,
                &product_path,
                &w.logistics,
                Some(&json!({"packaging_count": 40})),
                StatusCode::OK,
            )
            .await;
        assert_eq!(product["packaging_count"], 40);
        assert_eq!(product["hs_code"], "1801");
        let listed = w
            .json(Method::GET, &products, &w.viewer, None, StatusCode::OK)
            .await;
        assert_eq!(listed.as_array().map(Vec::len), Some(2));
        w.json(
            Method::DELETE,
            &product_path,
            &w.logistics,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
        w.json(
            Method::PATCH,
            &product_path,
            &w.logistics,
            Some(&json!({})),
            StatusCode::NOT_FOUND,
        )
        .await;

        // Delete (admin only: logistics lacks shipments:delete).
        let path = format!("{prefix}/shipments/{id}");
        assert_error(
            w.call(Method::DELETE, &path, &w.logistics, None).await,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            &path,
        )
        .await;
        w.json(
            Method::DELETE,
            &path,
            &w.admin,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
        w.json(Method::GET, &path, &w.admin, None, StatusCode::NOT_FOUND)
            .await;
    }
    // Every change left its audit row in VIBOTAJ.
    let audited = w.app.db().scalar_i64(audit_rows).await - audited_before;
    assert_eq!(audited, 12);
}

#[tokio::test]
async fn the_detail_has_the_latest_event_documents_and_summary_and_delete_keeps_documented_shipments(
) {
    let w = world().await;
    let detail = w
        .json(
            Method::GET,
            &format!("/api/v1/shipments/{SHIPMENT_001}"),
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(
        detail["latest_event"]["event_type"].as_str().is_some(),
        "{detail}"
    );
    let documents = detail["documents"].as_array().expect("documents");
    let stored = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM documents WHERE shipment_id = '{SHIPMENT_001}'"
        ))
        .await;
    assert!(stored > 0, "the demo documents VIBO-2026-001");
    assert_eq!(documents.len() as i64, stored, "{detail}");
    assert!(documents.iter().all(|d| d.get("file_path").is_none()));
    assert_eq!(
        detail["document_summary"]["total_uploaded"],
        documents.len()
    );
    // What the shipment requires, by its products' HS codes and its destination, and where
    // each required type stands: every type counted once, in exactly one state.
    let summary = &detail["document_summary"];
    let required = summary["total_required"].as_u64().expect("total_required");
    assert!(required >= 5, "{summary}");
    assert_eq!(
        summary["checklist"].as_array().unwrap().len() as u64,
        required
    );
    let listed = |key: &str| summary[key].as_array().unwrap().len() as u64;
    assert_eq!(
        summary["complete"].as_u64().unwrap()
            + listed("missing")
            + listed("pending")
            + listed("failed"),
        required,
        "{summary}"
    );
    let path = format!("/api/shipments/{SHIPMENT_001}");
    assert_error(
        w.call(Method::DELETE, &path, &w.admin, None).await,
        StatusCode::CONFLICT,
        "SHIPMENT_HAS_DOCUMENTS",
        &path,
    )
    .await;
    assert_eq!(
        w.app
            .db()
            .scalar_i64("SELECT count(*) FROM shipments")
            .await,
        2
    );
}

/// Tracking history and EUDR origins are records, not parts of a mistake: a shipment with
/// either is refused (409 naming them with counts); plain products still go with it, and the
/// audit row keeps what they were.
#[tokio::test]
async fn delete_refuses_tracking_events_and_origins_and_audits_the_products_it_takes() {
    let w = world().await;
    let created = w
        .app
        .create_shipment(V1, &w.logistics, &shipment_body("DEL-1", 41))
        .await;
    let id = created["id"].as_str().expect("id").to_string();
    let with_origin = created["products"][0]["id"].as_str().expect("product");
    let plain = w
        .json(
            Method::POST,
            &format!("/api/v1/shipments/{id}/products"),
            &w.logistics,
            Some(&json!({"hs_code": "1801", "description": "Cocoa"})),
            StatusCode::CREATED,
        )
        .await;
    let plain = plain["id"].as_str().expect("product").to_string();
    let db = w.app.db();
    db.exec(&format!(
        "INSERT INTO container_events (id, shipment_id, event_type, event_timestamp, organization_id) \
         SELECT gen_random_uuid(), '{id}', 'GATE_IN', now() - n * interval '1 hour', '{VIBOTAJ}' \
           FROM generate_series(1, 3) n; \
         INSERT INTO origins (id, product_id, farm_plot_identifier, country, organization_id) \
         VALUES (gen_random_uuid(), '{with_origin}', 'PLOT-7', 'NG', '{VIBOTAJ}')"
    ))
    .await;
    let path = format!("/api/v1/shipments/{id}");
    let refused = assert_error(
        w.call(Method::DELETE, &path, &w.admin, None).await,
        StatusCode::CONFLICT,
        "SHIPMENT_HAS_DEPENDENTS",
        "events and an origin",
    )
    .await;
    let detail = refused["detail"].as_str().expect("detail");
    assert!(detail.contains("3 tracking events, 1 origin"), "{detail}");
    // The history is gone: the origin alone still refuses.
    db.exec(&format!(
        "DELETE FROM container_events WHERE shipment_id = '{id}'"
    ))
    .await;
    let refused = assert_error(
        w.call(
            Method::DELETE,
            &format!("/api{}", &path[7..]),
            &w.admin,
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "SHIPMENT_HAS_DEPENDENTS",
        "an origin",
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("the shipment has 1 origin;")),
        "{refused}"
    );
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM products WHERE shipment_id = '{id}'"
        ))
        .await,
        2,
        "nothing was deleted by a refusal"
    );
    // Documents keep their own code, and the detail counts everything.
    db.exec(&format!(
        "INSERT INTO container_events (id, shipment_id, event_type, event_timestamp, organization_id) \
         VALUES (gen_random_uuid(), '{id}', 'LOADED', now(), '{VIBOTAJ}')"
    ))
    .await;
    db.exec(&format!(
        "INSERT INTO documents (id, shipment_id, document_type, name, status, organization_id) \
         SELECT gen_random_uuid(), '{id}', document_type, 'Invoice', status, '{VIBOTAJ}' \
           FROM documents LIMIT 1"
    ))
    .await;
    let refused = assert_error(
        w.call(Method::DELETE, &path, &w.admin, None).await,
        StatusCode::CONFLICT,
        "SHIPMENT_HAS_DOCUMENTS",
        "a document too",
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1 document, 1 tracking event, 1 origin")),
        "{refused}"
    );

    // Without documents, events and origins the shipment goes, with its products.
    db.exec(&format!(
        "DELETE FROM documents WHERE shipment_id = '{id}'; \
         DELETE FROM container_events WHERE shipment_id = '{id}'; \
         DELETE FROM origins WHERE product_id = '{with_origin}'"
    ))
    .await;
    w.json(
        Method::DELETE,
        &path,
        &w.admin,
        None,
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM products WHERE shipment_id = '{id}'"
        ))
        .await,
        0
    );
    let details: Value = serde_json::from_str(
        &db.scalar_string(&format!(
            "SELECT details::text FROM audit_logs \
              WHERE action = 'shipment.delete' AND resource_id = '{id}'"
        ))
        .await
        .expect("the delete is audited"),
    )
    .expect("json");
    assert_eq!(details["deleted_product_count"], 2, "{details}");
    let mut ids: Vec<&str> = details["deleted_products"]
        .as_array()
        .expect("products")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    ids.sort();
    let mut expected = vec![with_origin, plain.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(details["deleted_products"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["hs_code"] == "1801" && p["description"] == "Cocoa"));
}

#[tokio::test]
async fn invalid_input_is_a_422_naming_the_field() {
    let w = world().await;
    let post = "/api/v1/shipments";
    let mut bad_check_digit = shipment_body("V-1", 1);
    let valid = container(1);
    let wrong_digit = (valid.as_bytes()[10] - b'0' + 1) % 10;
    bad_check_digit["container_number"] = json!(format!("{}{}", &valid[..10], wrong_digit));
    assert_eq!(
        w.invalid(Method::POST, post, &w.logistics, &bad_check_digit)
            .await,
        ["container_number"]
    );
    for (field, value) in [
        ("pol_code", json!("HAMBURG")),
        ("pod_code", json!("D1HAM")),
        ("status", json!("shipped")),
        ("etd", json!("next week")),
        ("reference", json!("x".repeat(51))),
        ("vessel_name", json!("NUL\u{0}VESSEL")),
        ("buyer_organization_id", json!(uuid::Uuid::new_v4())),
        ("buyer_organization_id", json!(w.other_org)),
        ("supplier_id", json!(uuid::Uuid::new_v4())),
    ] {
        let mut body = shipment_body("V-2", 2);
        body[field] = value;
        assert_eq!(
            w.invalid(Method::POST, post, &w.logistics, &body).await,
            [field],
            "{field}"
        );
    }
    let mut body = shipment_body("V-3", 3);
    body["products"][0]["hs_code"] = json!("12");
    assert_eq!(
        w.invalid(Method::POST, post, &w.logistics, &body).await,
        ["products[0].hs_code"]
    );
    assert_eq!(
        w.invalid(Method::POST, post, &w.logistics, &json!({}))
            .await,
        ["reference", "container_number"]
    );
    assert_eq!(
        w.invalid(Method::POST, post, &w.logistics, &json!({"reference": 5}))
            .await,
        ["reference"]
    );
    let response = w
        .app
        .client
        .post(format!("{}{post}", w.app.address))
        .bearer_auth(&w.logistics)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        "malformed",
    )
    .await;
    let patch = format!("/api/shipments/{SHIPMENT_002}");
    assert_eq!(
        w.invalid(
            Method::PATCH,
            &patch,
            &w.logistics,
            &json!({"container_number": "ABC"})
        )
        .await,
        ["container_number"]
    );
    let products = format!("/api/v1/shipments/{SHIPMENT_002}/products");
    assert_eq!(
        w.invalid(
            Method::POST,
            &products,
            &w.logistics,
            &json!({"hs_code": "05a6", "description": "x"})
        )
        .await,
        ["hs_code"]
    );
    assert_eq!(
        w.invalid(
            Method::POST,
            "/api/v1/parties",
            &w.logistics,
            &json!({"type": "carrier", "company_name": "X"})
        )
        .await,
        ["type"]
    );
    assert_eq!(
        w.invalid(
            Method::POST,
            "/api/parties",
            &w.logistics,
            &json!({"type": "buyer", "company_name": "X", "country": "DEU"})
        )
        .await,
        ["country"]
    );
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=zz", "cursor"),
        ("status=lost", "status"),
        ("offset=5", "offset"),
        ("search=a%00b", "search"),
        ("buyer=x", "buyer"),
    ] {
        let path = format!("/api/v1/shipments?{query}");
        let body = assert_error(
            w.app.get_with_token(&path, &w.viewer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            &path,
        )
        .await;
        assert_eq!(body["fields"][0]["field"], field, "{path}");
    }
    // Nothing half-stored.
    assert_eq!(
        w.app
            .db()
            .scalar_i64("SELECT count(*) FROM shipments")
            .await,
        2
    );
    assert_eq!(
        w.app
            .db()
            .scalar_i64("SELECT count(*) FROM parties WHERE company_name = 'X'")
            .await,
        0
    );
}

#[tokio::test]
async fn references_are_unique_per_organization() {
    let w = world().await;
    let duplicate = shipment_body("VIBO-2026-001", 20);
    let response = w
        .call(
            Method::POST,
            "/api/v1/shipments",
            &w.logistics,
            Some(&duplicate),
        )
        .await;
    assert_error(
        response,
        StatusCode::CONFLICT,
        "REFERENCE_EXISTS",
        "duplicate",
    )
    .await;
    let patch = json!({"reference": "VIBO-2026-001"});
    let path = format!("/api/shipments/{SHIPMENT_002}");
    assert_error(
        w.call(Method::PATCH, &path, &w.logistics, Some(&patch))
            .await,
        StatusCode::CONFLICT,
        "REFERENCE_EXISTS",
        "rename",
    )
    .await;
    // The same reference in another organization is fine, and owned by that organization.
    let created = w.app.create_shipment("/api", &w.other, &duplicate).await;
    assert_eq!(created["organization_id"], w.other_org.as_str());
}

#[tokio::test]
async fn another_organization_never_sees_or_changes_shipments_products_or_parties() {
    let w = world().await;
    let party = w
        .json(
            Method::POST,
            "/api/v1/parties",
            &w.logistics,
            Some(&json!({"type": "shipper", "company_name": "Lagos Shipper", "country": "ng"})),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(party["type"], "shipper");
    assert_eq!(party["country"], "NG");
    let party_id = party["id"].as_str().expect("id");
    let product_id = w
        .app
        .db()
        .scalar_string(&format!(
            "SELECT id::text FROM products WHERE shipment_id = '{SHIPMENT_001}' LIMIT 1"
        ))
        .await
        .expect("product");
    let own = w
        .app
        .create_shipment(V1, &w.other, &shipment_body("ACME-1", 30))
        .await;
    for prefix in PREFIXES {
        for (method, path) in [
            (Method::GET, format!("{prefix}/shipments/{SHIPMENT_001}")),
            (Method::PATCH, format!("{prefix}/shipments/{SHIPMENT_001}")),
            (Method::DELETE, format!("{prefix}/shipments/{SHIPMENT_001}")),
            (
                Method::GET,
                format!("{prefix}/shipments/{SHIPMENT_001}/products"),
            ),
            (
                Method::POST,
                format!("{prefix}/shipments/{SHIPMENT_001}/products"),
            ),
            (
                Method::PATCH,
                format!("{prefix}/shipments/{SHIPMENT_001}/products/{product_id}"),
            ),
            (
                Method::DELETE,
                format!("{prefix}/shipments/{SHIPMENT_001}/products/{product_id}"),
            ),
            (Method::GET, format!("{prefix}/parties/{party_id}")),
            (Method::PATCH, format!("{prefix}/parties/{party_id}")),
            (
                Method::GET,
                format!("{prefix}/organizations/{VIBOTAJ}/shipments"),
            ),
        ] {
            let body = json!({"hs_code": "0506", "description": "x", "status": "closed", "company_name": "x"});
            let response = w.call(method.clone(), &path, &w.other, Some(&body)).await;
            let body = assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", &path).await;
            assert!(!body.to_string().contains("VIBO"), "{body}");
        }
        // A malformed id is the same 422 on every route (the one path-id extractor).
        let malformed = assert_error(
            w.call(
                Method::GET,
                &format!("{prefix}/shipments/not-a-uuid"),
                &w.other,
                None,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            "malformed shipment id",
        )
        .await;
        assert_eq!(malformed["fields"][0]["field"], "id", "{malformed}");
        // Lists show only the caller's own shipments, whatever the filter.
        for query in [
            "",
            "?search=VIBO",
            &format!("?buyer={}", w.witatrade),
            "?status=in_transit",
        ] {
            let list = w
                .json(
                    Method::GET,
                    &format!("{prefix}/shipments{query}"),
                    &w.other,
                    None,
                    StatusCode::OK,
                )
                .await;
            assert!(
                references(&list).iter().all(|r| r == "ACME-1"),
                "{query}: {list}"
            );
        }
        let parties = w
            .json(
                Method::GET,
                &format!("{prefix}/parties"),
                &w.other,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(parties["total"], 0);
        let mine = w
            .json(
                Method::GET,
                &format!("{prefix}/organizations/{}/shipments", w.other_org),
                &w.other,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(references(&mine), ["ACME-1"]);
        // The platform admin may list any organization's shipments (audited).
        let theirs = w
            .json(
                Method::GET,
                &format!("{prefix}/organizations/{}/shipments", w.other_org),
                &w.admin,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(references(&theirs), ["ACME-1"]);
        let unknown = format!("{prefix}/organizations/{}/shipments", uuid::Uuid::new_v4());
        w.json(Method::GET, &unknown, &w.admin, None, StatusCode::NOT_FOUND)
            .await;
    }
    assert_eq!(own["organization_id"], w.other_org.as_str());
    // VIBOTAJ's own list does not contain Acme's shipment either.
    let list = w
        .json(
            Method::GET,
            "/api/v1/shipments",
            &w.admin,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(references(&list), ["VIBO-2026-002", "VIBO-2026-001"]);
    let platform_audits = w
        .app
        .db()
        .scalar_i64("SELECT count(*) FROM audit_logs WHERE action = 'platform.access'")
        .await;
    assert_eq!(platform_audits, 2);
}

#[tokio::test]
async fn a_buyer_organization_reads_its_assigned_shipments_only() {
    let w = world().await;
    let stored_products = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM products WHERE shipment_id = '{SHIPMENT_001}'"
        ))
        .await;
    assert!(
        stored_products > 0,
        "the demo ships products in VIBO-2026-001"
    );
    for prefix in PREFIXES {
        let list = w
            .json(
                Method::GET,
                &format!("{prefix}/shipments"),
                &w.buyer,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(references(&list), ["VIBO-2026-001"]);
        w.json(
            Method::GET,
            &format!("{prefix}/shipments/{SHIPMENT_001}"),
            &w.buyer,
            None,
            StatusCode::OK,
        )
        .await;
        let products = w
            .json(
                Method::GET,
                &format!("{prefix}/shipments/{SHIPMENT_001}/products"),
                &w.buyer,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(
            products.as_array().expect("array").len() as i64,
            stored_products,
            "{products}"
        );
        w.json(
            Method::GET,
            &format!("{prefix}/shipments/{SHIPMENT_002}"),
            &w.buyer,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
        // Its own organization's list has nothing: it owns no shipments.
        let owned = w
            .json(
                Method::GET,
                &format!("{prefix}/organizations/{}/shipments", w.witatrade),
                &w.buyer,
                None,
                StatusCode::OK,
            )
            .await;
        assert!(references(&owned).is_empty());
    }
    let status = w
        .app
        .db()
        .scalar_string(&format!(
            "SELECT status::text FROM shipments WHERE id = '{SHIPMENT_001}'"
        ))
        .await;
    assert_eq!(status.as_deref(), Some("IN_TRANSIT"));
}

#[tokio::test]
async fn keyset_pages_walk_every_shipment_once_and_api_answers_a_bare_array() {
    let w = world().await;
    // 23 more shipments, several sharing one created_at (ties are broken by id).
    w.app
        .db()
        .exec(&format!(
            "INSERT INTO shipments (id, reference, container_number, status, created_at, organization_id) \
             SELECT gen_random_uuid(), 'PAGE-' || n, 'ACMU0000000', 'CREATED', \
                    timestamp '2026-01-01' + ((n / 4) * interval '1 hour'), '{VIBOTAJ}' \
               FROM generate_series(1, 23) n"
        ))
        .await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/shipments?limit=5&cursor={c}"),
            None => "/api/v1/shipments?limit=5".to_string(),
        };
        let page = w
            .json(Method::GET, &path, &w.viewer, None, StatusCode::OK)
            .await;
        seen.extend(references(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25);
    // Newest first: VIBO-2026-002 (2026-01-06), the new ones (2026-01-01), VIBO-2026-001.
    assert_eq!(seen.first().map(String::as_str), Some("VIBO-2026-002"));
    assert_eq!(seen.last().map(String::as_str), Some("VIBO-2026-001"));

    // The predecessor's list: a bare array, limit and offset, same order.
    let legacy = w
        .json(
            Method::GET,
            "/api/shipments?limit=5&offset=5",
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(legacy.is_array());
    assert_eq!(references(&legacy), seen[5..10]);
    let all = w
        .json(
            Method::GET,
            "/api/shipments",
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(references(&all), seen);
    // Filters, with LIKE wildcards taken literally.
    let found = w
        .json(
            Method::GET,
            "/api/v1/shipments?search=page-1",
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(references(&found).len(), 11); // PAGE-1, PAGE-10..19
    let none = w
        .json(
            Method::GET,
            "/api/v1/shipments?search=%25",
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(references(&none).is_empty());
    let buyer = w
        .json(
            Method::GET,
            &format!("/api/v1/shipments?buyer={}", w.witatrade),
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(references(&buyer), ["VIBO-2026-001"]);
    let created = w
        .json(
            Method::GET,
            "/api/shipments?status=created",
            &w.viewer,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(references(&created).len(), 23);
}

#[tokio::test]
async fn parties_are_listed_read_and_changed_within_the_organization() {
    let w = world().await;
    for prefix in PREFIXES {
        let list = w
            .json(
                Method::GET,
                &format!("{prefix}/parties?type=buyer"),
                &w.viewer,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(list["total"], 2, "{list}");
        assert!(list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|p| p["type"] == "buyer"));
        let id = list["items"][0]["id"].as_str().expect("id");
        let path = format!("{prefix}/parties/{id}");
        let one = w
            .json(Method::GET, &path, &w.viewer, None, StatusCode::OK)
            .await;
        assert_eq!(one["id"], id);
        let changed = w
            .json(
                Method::PATCH,
                &path,
                &w.logistics,
                Some(&json!({"city": "Hamburg", "type": "consignee"})),
                StatusCode::OK,
            )
            .await;
        assert_eq!(changed["city"], "Hamburg");
        assert_eq!(changed["type"], "consignee");
        w.json(
            Method::PATCH,
            &path,
            &w.logistics,
            Some(&json!({"type": "buyer"})),
            StatusCode::OK,
        )
        .await;
    }
}

/// Revision 014's schema: no global unique reference, an index for every foreign key of the
/// shipment tables; its downgrade restores the unique unless two organizations share one.
#[tokio::test]
async fn revision_014_indexes_foreign_keys_and_its_downgrade_guards_the_global_unique() {
    let db = TestDb::demo().await;
    let unindexed = "SELECT count(*) FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.conrelid::regclass::text IN \
               ('shipments', 'products', 'parties', 'documents', 'container_events', 'origins') \
           AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid \
                AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] = c.conkey)";
    assert_eq!(db.scalar_i64(unindexed).await, 0);
    let global = "SELECT count(*) FROM pg_constraint WHERE conname = 'shipments_reference_key'";
    assert_eq!(db.scalar_i64(global).await, 0);
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_constraint WHERE conname = 'uq_shipments_organization_reference'").await,
        1
    );
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM information_schema.columns WHERE table_name = 'shipments' AND column_name = 'created_at' AND is_nullable = 'NO'").await,
        1
    );

    // A reference used by two organizations: the downgrade refuses and names it.
    db.exec(
        "INSERT INTO organizations (id, name, slug, type) VALUES ('00000000-0000-0000-0000-0000000000aa', 'Dup', 'dup', 'supplier'); \
         INSERT INTO shipments (id, reference, container_number, status, created_at, organization_id) \
         VALUES (gen_random_uuid(), 'VIBO-2026-001', 'ACMU0000000', 'CREATED', now(), '00000000-0000-0000-0000-0000000000aa')",
    )
    .await;
    let error = Migrator::new(&db.url, Options::default(), &Quiet)
        .downgrade("008")
        .await
        .expect_err("duplicates across organizations");
    assert!(format!("{error:#}").contains("VIBO-2026-001"), "{error:#}");
    assert_eq!(db.scalar_i64(global).await, 0);

    // Without the duplicate it restores the previous state; upgrading again converges.
    db.exec("DELETE FROM shipments WHERE organization_id = '00000000-0000-0000-0000-0000000000aa'")
        .await;
    let migrator = Migrator::new(&db.url, Options::default(), &Quiet);
    migrator.downgrade("008").await.expect("downgrade");
    assert_eq!(db.scalar_i64(global).await, 1);
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_indexes WHERE indexname IN ('ix_shipments_organization_id_created_at', 'ix_shipments_buyer_organization_id')").await,
        2
    );
    migrator.upgrade(None).await.expect("upgrade");
    assert_eq!(db.scalar_i64(global).await, 0);
    assert_eq!(db.scalar_i64(unindexed).await, 0);
}
