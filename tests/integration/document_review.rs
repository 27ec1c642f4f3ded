//! The review of documents over real HTTP, PostgreSQL and a local storage folder (issue 12):
//! the workflow's moves and refusals, who may make them, who is told, what the shipment's
//! completeness and the reports say, and what the audit log keeps.
//!
//! Each test works on a shipment of its own (horn and hoof, HS 0506, to Hamburg: the eight
//! documents of the 0506/DE row), so counts are exact whatever the demo world holds.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::{json_of, V1};
use crate::documents::{pdf, Backend, SHIPMENT_001};
use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, LOGISTICS, SUPPLIER, VIBOTAJ, VIEWER};
use crate::helpers::{assert_error, TestApp};

const ACME_OWNER: &str = "owner@acme-review.test";
const ACME_COMPLIANCE: &str = "compliance@acme-review.test";

struct World {
    app: TestApp,
    admin: String,
    compliance: String,
    logistics: String,
    viewer: String,
    shipment: String,
}

/// A fresh horn-and-hoof shipment of VIBOTAJ (created by its admin).
async fn new_shipment(app: &TestApp, token: &str, reference: &str) -> String {
    let body = json!({
        "reference": reference,
        "container_number": "MSCU1234566",
        "pod_code": "DEHAM",
        "products": [{"hs_code": "0506.90", "description": "Horn and hoof"}]
    });
    let created = app.create_shipment(V1, token, &body).await;
    created["id"].as_str().expect("shipment id").to_string()
}

async fn world() -> World {
    let app = TestApp::spawn_with_backend(Backend::Local).await;
    let admin = app.token(ADMIN).await;
    let shipment = new_shipment(&app, &admin, "REVIEW-1").await;
    World {
        compliance: app.token(COMPLIANCE).await,
        logistics: app.token(LOGISTICS).await,
        viewer: app.token(VIEWER).await,
        admin,
        shipment,
        app,
    }
}

fn today_plus(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

impl World {
    /// Uploads a document of `kind` as `token` to this world's shipment; its id.
    async fn upload(&self, token: &str, kind: &str, tag: &str) -> String {
        self.upload_to(token, &self.shipment, kind, tag).await
    }

    async fn upload_to(&self, token: &str, shipment: &str, kind: &str, tag: &str) -> String {
        let body = self
            .app
            .upload_ok(token, shipment, kind, &format!("{tag}.pdf"), pdf(tag))
            .await;
        assert_eq!(body["status"], "uploaded", "{body}");
        body["id"].as_str().expect("id").to_string()
    }

    /// `POST /documents/{id}/{verb}` (approve, reject, transition) as `token`.
    async fn act(&self, token: &str, id: &str, verb: &str, body: Value) -> reqwest::Response {
        self.app
            .call(
                Method::POST,
                &format!("{V1}/documents/{id}/{verb}"),
                Some(token),
                Some(&body),
            )
            .await
    }

    /// A move that must succeed: the answer.
    async fn act_ok(&self, token: &str, id: &str, verb: &str, body: Value) -> Value {
        let why = format!("{verb} {id} {body}");
        json_of(self.act(token, id, verb, body).await, StatusCode::OK, &why).await
    }

    async fn metadata(&self, token: &str, id: &str, body: Value) -> Value {
        let response = self
            .app
            .call(
                Method::PATCH,
                &format!("{V1}/documents/{id}/metadata"),
                Some(token),
                Some(&body),
            )
            .await;
        json_of(response, StatusCode::OK, "metadata").await
    }

    /// The fields a bill of lading needs to pass the field rules, issued today.
    async fn fill_bill_of_lading(&self, id: &str, reference: &str) {
        let body = json!({
            "reference_number": reference,
            "issue_date": today_plus(0),
            "issuing_authority": "Maersk Line"
        });
        self.metadata(&self.logistics, id, body).await;
    }

    /// The status in the database (its UPPER-CASE label).
    async fn status(&self, id: &str) -> String {
        self.app
            .db()
            .scalar_string(&format!(
                "SELECT status::text FROM documents WHERE id = '{id}'"
            ))
            .await
            .expect("document")
    }

    /// `GET /documents/{id}/transitions` as `token`: the allowed statuses.
    async fn allowed(&self, token: &str, id: &str) -> Vec<String> {
        let body = self
            .app
            .get_ok(&format!("{V1}/documents/{id}/transitions"), token)
            .await;
        body["allowed_transitions"]
            .as_array()
            .expect("allowed_transitions")
            .iter()
            .map(|t| t["status"].as_str().unwrap().to_string())
            .collect()
    }

    async fn detail_summary(&self, shipment: &str) -> Value {
        let detail = self
            .app
            .get_ok(&format!("{V1}/shipments/{shipment}"), &self.admin)
            .await;
        detail["document_summary"].clone()
    }
}

/// Two text columns of every row of `sql`.
async fn pairs(app: &TestApp, sql: &str) -> Vec<(String, String)> {
    let mut conn = app.db().conn().await;
    sqlx::query_as::<_, (String, String)>(sql)
        .fetch_all(&mut conn)
        .await
        .expect(sql)
}

/// (recipient e-mail, type) of every notification about document `id`, sorted.
async fn notified(app: &TestApp, id: &str) -> Vec<(String, String)> {
    pairs(
        app,
        &format!(
            "SELECT user_id, type FROM notifications WHERE data->>'document_id' = '{id}' \
             ORDER BY user_id, type"
        ),
    )
    .await
}

/// (action, "from→to") of every review audit row of document `id`, oldest first.
async fn review_audit(app: &TestApp, id: &str) -> Vec<(String, String)> {
    pairs(
        app,
        &format!(
            "SELECT action, (details->>'from') || '→' || (details->>'to') FROM audit_logs \
             WHERE resource_id = '{id}' \
               AND action IN ('document.validate', 'document.transition', 'document.reject') \
             ORDER BY \"timestamp\", id"
        ),
    )
    .await
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn document_review_a_bill_of_lading_moves_step_by_step_once_its_fields_pass() {
    let w = world().await;
    let id = w.upload(&w.logistics, "bill_of_lading", "bl").await;

    // Nothing filled in yet: the rules block `validated`, naming every missing field.
    let body = assert_error(
        w.act(&w.compliance, &id, "approve", json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
        "empty bill of lading",
    )
    .await;
    let detail = body["detail"].as_str().expect("detail");
    for field in ["reference_number", "issue_date", "issuing_authority"] {
        assert!(detail.contains(field), "{field} in {detail}");
    }
    assert_eq!(w.status(&id).await, "UPLOADED");

    // Filled in by logistics, but issued tomorrow: still blocked, for that field only.
    let body = json!({
        "reference_number": "BL-778",
        "issue_date": today_plus(1),
        "issuing_authority": "Maersk Line"
    });
    w.metadata(&w.logistics, &id, body).await;
    let body = assert_error(
        w.act(&w.compliance, &id, "approve", json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
        "issued tomorrow",
    )
    .await;
    let detail = body["detail"].as_str().expect("detail");
    assert!(detail.contains("issue_date"), "{detail}");
    assert!(!detail.contains("reference_number"), "{detail}");
    assert!(!detail.contains("issuing_authority"), "{detail}");
    assert_eq!(w.status(&id).await, "UPLOADED");

    w.fill_bill_of_lading(&id, "BL-778").await;
    let moved = w
        .act_ok(&w.compliance, &id, "approve", json!({"notes": "fields ok"}))
        .await;
    assert_eq!(moved["result"]["success"], true);
    assert_eq!(moved["result"]["previous_status"], "uploaded");
    assert_eq!(moved["result"]["new_status"], "validated");
    assert_eq!(moved["document"]["status"], "validated");
    assert!(moved["document"]["validated_by"].is_string(), "{moved}");
    assert!(moved["document"]["validated_at"].is_string(), "{moved}");
    assert_eq!(w.status(&id).await, "VALIDATED");

    let moved = w.act_ok(&w.compliance, &id, "approve", json!({})).await;
    assert_eq!(moved["result"]["new_status"], "compliance_ok");
    let moved = w.act_ok(&w.compliance, &id, "approve", json!({})).await;
    assert_eq!(moved["result"]["new_status"], "linked");
    assert_error(
        w.act(&w.compliance, &id, "approve", json!({})).await,
        StatusCode::BAD_REQUEST,
        "INVALID_TRANSITION",
        "approve linked",
    )
    .await;
    assert_eq!(w.status(&id).await, "LINKED");

    // The uploader heard of each step; the reviewers of the upload; nobody else.
    assert_eq!(
        notified(&w.app, &id).await,
        owned(&[
            (ADMIN, "document_uploaded"),
            (COMPLIANCE, "document_uploaded"),
            (LOGISTICS, "document_validated"),
            (LOGISTICS, "document_validated"),
            (LOGISTICS, "document_validated"),
        ])
    );

    // Archived is the end: nothing moves it, nothing is offered.
    let moved = w
        .act_ok(
            &w.admin,
            &id,
            "transition",
            json!({"target_status": "archived"}),
        )
        .await;
    assert_eq!(moved["result"]["new_status"], "archived");
    for target in ["uploaded", "linked", "draft", "validated", "archived"] {
        assert_error(
            w.act(
                &w.admin,
                &id,
                "transition",
                json!({"target_status": target, "notes": "why"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "INVALID_TRANSITION",
            target,
        )
        .await;
    }
    for verb in ["approve", "reject"] {
        assert_error(
            w.act(&w.admin, &id, verb, json!({"notes": "why"})).await,
            StatusCode::BAD_REQUEST,
            "INVALID_TRANSITION",
            verb,
        )
        .await;
    }
    assert!(w.allowed(&w.admin, &id).await.is_empty());
    assert_eq!(w.status(&id).await, "ARCHIVED");
    // Archiving is no approval: the uploader is not told "Document approved".
    assert_eq!(
        notified(&w.app, &id).await,
        owned(&[
            (ADMIN, "document_uploaded"),
            (COMPLIANCE, "document_uploaded"),
            (LOGISTICS, "document_validated"),
            (LOGISTICS, "document_validated"),
            (LOGISTICS, "document_validated"),
        ])
    );

    // One audit row per move, none for a refusal.
    assert_eq!(
        review_audit(&w.app, &id).await,
        owned(&[
            ("document.validate", "uploaded→validated"),
            ("document.transition", "validated→compliance_ok"),
            ("document.transition", "compliance_ok→linked"),
            ("document.transition", "linked→archived"),
        ])
    );
}

#[tokio::test]
async fn document_review_rejections_need_notes_and_a_supplier_resubmits() {
    let w = world().await;
    let id = w.upload(&w.logistics, "bill_of_lading", "rejected").await;

    for body in [
        json!({}),
        json!({"notes": null}),
        json!({"notes": ""}),
        json!({"notes": "  \n\t "}),
    ] {
        assert_error(
            w.act(&w.compliance, &id, "reject", body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "NOTES_REQUIRED",
            &format!("reject {body}"),
        )
        .await;
    }
    // The generic transition is no way around it.
    for body in [
        json!({"target_status": "draft"}),
        json!({"target_status": "draft", "notes": " "}),
    ] {
        assert_error(
            w.act(&w.compliance, &id, "transition", body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "NOTES_REQUIRED",
            &format!("transition {body}"),
        )
        .await;
    }
    assert_eq!(w.status(&id).await, "UPLOADED");

    let moved = w
        .act_ok(
            &w.compliance,
            &id,
            "reject",
            json!({"notes": "Wrong carrier on the bill"}),
        )
        .await;
    assert_eq!(moved["result"]["previous_status"], "uploaded");
    assert_eq!(moved["result"]["new_status"], "draft");
    assert_eq!(
        moved["document"]["validation_notes"],
        "Wrong carrier on the bill"
    );
    assert_eq!(w.status(&id).await, "DRAFT");
    let stored = w
        .app
        .db()
        .scalar_string(&format!(
            "SELECT validation_notes FROM documents WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(stored.as_deref(), Some("Wrong carrier on the bill"));
    let message = w
        .app
        .db()
        .scalar_string(&format!(
            "SELECT message || ' | ' || (data->>'notes') FROM notifications \
             WHERE data->>'document_id' = '{id}' AND type = 'document_rejected'"
        ))
        .await
        .expect("the uploader is told");
    assert!(
        message.contains("Wrong carrier on the bill | Wrong carrier on the bill"),
        "{message}"
    );

    // Logistics may upload but is in no row of the table: it cannot resubmit a draft.
    assert_error(
        w.act(
            &w.logistics,
            &id,
            "transition",
            json!({"target_status": "uploaded"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "logistics submits",
    )
    .await;
    let moved = w
        .act_ok(
            &w.compliance,
            &id,
            "transition",
            json!({"target_status": "uploaded"}),
        )
        .await;
    assert_eq!(moved["result"]["new_status"], "uploaded");

    // validated → compliance_failed by reject, with notes only.
    w.fill_bill_of_lading(&id, "BL-900").await;
    w.act_ok(&w.compliance, &id, "approve", json!({})).await;
    assert_error(
        w.act(&w.compliance, &id, "reject", json!({"notes": ""}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "NOTES_REQUIRED",
        "reject validated",
    )
    .await;
    assert_error(
        w.act(
            &w.compliance,
            &id,
            "transition",
            json!({"target_status": "compliance_failed"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "NOTES_REQUIRED",
        "transition to compliance_failed",
    )
    .await;
    let moved = w
        .act_ok(
            &w.compliance,
            &id,
            "reject",
            json!({"notes": "Seal number differs"}),
        )
        .await;
    assert_eq!(moved["result"]["previous_status"], "validated");
    assert_eq!(moved["result"]["new_status"], "compliance_failed");
    assert_eq!(w.status(&id).await, "COMPLIANCE_FAILED");

    // The demo supplier is a plain member of VIBOTAJ with the SUPPLIER system role: it
    // resubmits (the table's row that was dead in the predecessor), and may do nothing else.
    assert_eq!(w.app.organization_of(SUPPLIER).await, VIBOTAJ);
    let supplier = w.app.token(SUPPLIER).await;
    assert_eq!(w.allowed(&supplier, &id).await, strings(&["uploaded"]));
    assert_error(
        w.act(
            &supplier,
            &id,
            "transition",
            json!({"target_status": "archived"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "supplier archives",
    )
    .await;
    let moved = w
        .act_ok(
            &supplier,
            &id,
            "transition",
            json!({"target_status": "uploaded"}),
        )
        .await;
    assert_eq!(moved["result"]["previous_status"], "compliance_failed");
    assert_eq!(moved["result"]["new_status"], "uploaded");
    assert!(w.allowed(&supplier, &id).await.is_empty());
    assert_error(
        w.act(&supplier, &id, "approve", json!({})).await,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "supplier approves",
    )
    .await;

    assert_eq!(
        review_audit(&w.app, &id).await,
        owned(&[
            ("document.reject", "uploaded→draft"),
            ("document.transition", "draft→uploaded"),
            ("document.validate", "uploaded→validated"),
            ("document.reject", "validated→compliance_failed"),
            ("document.transition", "compliance_failed→uploaded"),
        ])
    );
    let rejections = pairs(
        &w.app,
        &format!(
            "SELECT user_id, data->>'notes' FROM notifications \
             WHERE data->>'document_id' = '{id}' AND type = 'document_rejected' \
             ORDER BY created_at"
        ),
    )
    .await;
    assert_eq!(
        rejections,
        owned(&[
            (LOGISTICS, "Wrong carrier on the bill"),
            (LOGISTICS, "Seal number differs"),
        ])
    );
    // The submissions (draft → uploaded, compliance_failed → uploaded) are no approvals.
    assert_eq!(
        notified(&w.app, &id).await,
        owned(&[
            (ADMIN, "document_uploaded"),
            (COMPLIANCE, "document_uploaded"),
            (LOGISTICS, "document_rejected"),
            (LOGISTICS, "document_rejected"),
            (LOGISTICS, "document_validated"),
        ])
    );
}

#[tokio::test]
async fn document_review_patch_validate_is_a_move_like_any_other() {
    let w = world().await;
    let validate = |id: &str| format!("{V1}/documents/{id}/validate");

    // An uploaded bill of lading with nothing filled in fails the rules.
    let bl = w.upload(&w.logistics, "bill_of_lading", "pv-bl").await;
    let response = w
        .app
        .call(Method::PATCH, &validate(&bl), Some(&w.compliance), None)
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
        "rules",
    )
    .await;
    assert_eq!(w.status(&bl).await, "UPLOADED");
    let response = w
        .app
        .call(Method::PATCH, &validate(&bl), Some(&w.viewer), None)
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "viewer",
    )
    .await;
    // From draft there is no move into validated.
    w.act_ok(&w.compliance, &bl, "reject", json!({"notes": "blank"}))
        .await;
    w.fill_bill_of_lading(&bl, "BL-1").await;
    let response = w
        .app
        .call(Method::PATCH, &validate(&bl), Some(&w.compliance), None)
        .await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "INVALID_TRANSITION",
        "from draft",
    )
    .await;
    assert_eq!(w.status(&bl).await, "DRAFT");

    // A document that passes the rules is validated once, and only once.
    let other = w.upload(&w.logistics, "other", "pv-other").await;
    let response = w
        .app
        .call(
            Method::PATCH,
            &format!("{}?notes=looks%20fine", validate(&other)),
            Some(&w.compliance),
            None,
        )
        .await;
    let moved = json_of(response, StatusCode::OK, "validate").await;
    assert_eq!(moved["result"]["new_status"], "validated");
    assert_eq!(moved["document"]["validation_notes"], "looks fine");
    let response = w
        .app
        .call(Method::PATCH, &validate(&other), Some(&w.compliance), None)
        .await;
    assert_error(
        response,
        StatusCode::BAD_REQUEST,
        "INVALID_TRANSITION",
        "twice",
    )
    .await;
    assert_eq!(
        review_audit(&w.app, &other).await,
        owned(&[("document.validate", "uploaded→validated")])
    );
    assert_eq!(
        review_audit(&w.app, &bl).await,
        owned(&[("document.reject", "uploaded→draft")])
    );
}

#[tokio::test]
async fn document_review_each_caller_is_offered_exactly_its_moves() {
    let w = world().await;
    // On VIBOTAJ-2026-001, which the buyer's organization may read.
    let id = w
        .upload_to(&w.logistics, SHIPMENT_001, "other", "who")
        .await;
    let buyer = w.app.token(BUYER).await;

    assert_eq!(
        w.allowed(&w.compliance, &id).await,
        strings(&["validated", "draft"])
    );
    assert_eq!(
        w.allowed(&w.admin, &id).await,
        strings(&["validated", "draft"])
    );
    assert!(w.allowed(&w.logistics, &id).await.is_empty());
    assert!(w.allowed(&w.viewer, &id).await.is_empty());
    assert!(w.allowed(&buyer, &id).await.is_empty());

    for (who, token) in [
        ("viewer", &w.viewer),
        ("logistics", &w.logistics),
        ("buyer", &buyer),
    ] {
        for (verb, body) in [
            ("approve", json!({})),
            ("reject", json!({"notes": "no"})),
            ("transition", json!({"target_status": "validated"})),
        ] {
            assert_error(
                w.act(token, &id, verb, body).await,
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSIONS",
                &format!("{who} {verb}"),
            )
            .await;
        }
    }
    assert_eq!(w.status(&id).await, "UPLOADED");

    // Another organization's owner does not see it at all.
    let acme = w
        .app
        .create_organization("Acme Review", "acme-review", "supplier")
        .await;
    w.app
        .create_member(ACME_OWNER, "ADMIN", &acme, "owner")
        .await;
    let stranger = w.app.token(ACME_OWNER).await;
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/documents/{id}/transitions"),
            Some(&stranger),
            None,
        )
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "stranger").await;
    assert_error(
        w.act(&stranger, &id, "approve", json!({})).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "stranger approves",
    )
    .await;

    w.act_ok(&w.compliance, &id, "approve", json!({})).await;
    assert_eq!(
        w.allowed(&w.compliance, &id).await,
        strings(&["compliance_ok", "compliance_failed"])
    );
    assert_eq!(
        w.allowed(&w.admin, &id).await,
        strings(&["compliance_ok", "compliance_failed", "archived"])
    );
    assert!(w.allowed(&w.logistics, &id).await.is_empty());
    assert!(w.allowed(&w.viewer, &id).await.is_empty());
    assert!(w.allowed(&buyer, &id).await.is_empty());
    w.act_ok(&w.compliance, &id, "approve", json!({})).await;
    assert_eq!(w.allowed(&w.compliance, &id).await, strings(&["linked"]));
    assert_eq!(
        w.allowed(&w.admin, &id).await,
        strings(&["linked", "archived"])
    );
}

#[tokio::test]
async fn document_review_uploads_notify_the_reviewers_of_their_organization_only() {
    let w = world().await;
    let by_logistics = w.upload(&w.logistics, "other", "n1").await;
    assert_eq!(
        notified(&w.app, &by_logistics).await,
        owned(&[
            (ADMIN, "document_uploaded"),
            (COMPLIANCE, "document_uploaded")
        ])
    );
    // The uploader is not told of their own upload, nor of their own review.
    let by_admin = w.upload(&w.admin, "other", "n2").await;
    assert_eq!(
        notified(&w.app, &by_admin).await,
        owned(&[(COMPLIANCE, "document_uploaded")])
    );
    w.act_ok(&w.admin, &by_admin, "approve", json!({})).await;
    assert_eq!(
        notified(&w.app, &by_admin).await,
        owned(&[(COMPLIANCE, "document_uploaded")])
    );
    // A reviewer's approval tells the uploader.
    w.act_ok(&w.compliance, &by_logistics, "approve", json!({}))
        .await;
    assert_eq!(
        notified(&w.app, &by_logistics).await,
        owned(&[
            (ADMIN, "document_uploaded"),
            (COMPLIANCE, "document_uploaded"),
            (LOGISTICS, "document_validated"),
        ])
    );

    // Another organization's upload reaches its own reviewers, never VIBOTAJ's.
    let acme = w
        .app
        .create_organization("Acme Review", "acme-review", "supplier")
        .await;
    w.app
        .create_member(ACME_OWNER, "ADMIN", &acme, "owner")
        .await;
    w.app
        .create_member(ACME_COMPLIANCE, "COMPLIANCE", &acme, "member")
        .await;
    let owner = w.app.token(ACME_OWNER).await;
    let body = json!({"reference": "ACME-R1", "container_number": "MSCU1234566"});
    let shipment = w.app.create_shipment(V1, &owner, &body).await;
    let theirs = w
        .upload_to(&owner, shipment["id"].as_str().unwrap(), "other", "acme")
        .await;
    assert_eq!(
        notified(&w.app, &theirs).await,
        owned(&[(ACME_COMPLIANCE, "document_uploaded")])
    );
    // In all, no document of this VIBOTAJ shipment reached anyone outside VIBOTAJ.
    let outside = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM notifications n JOIN documents d \
               ON d.id::text = n.data->>'document_id' \
             WHERE d.shipment_id = '{}' AND n.user_id NOT IN \
               ('{ADMIN}', '{COMPLIANCE}', '{LOGISTICS}')",
            w.shipment
        ))
        .await;
    assert_eq!(outside, 0);
}

#[tokio::test]
async fn document_review_completeness_follows_the_review_and_failures_never_count() {
    let w = world().await;
    let state = |summary: &Value, kind: &str| -> String {
        summary["checklist"]
            .as_array()
            .expect("checklist")
            .iter()
            .find(|item| item["document_type"] == kind)
            .map(|item| item["state"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{kind} required: {summary}"))
    };

    let summary = w.detail_summary(&w.shipment).await;
    assert_eq!(summary["total_required"], 8, "{summary}");
    assert_eq!(summary["missing"].as_array().unwrap().len(), 8);
    assert_eq!(summary["total_uploaded"], 0);
    assert_eq!(state(&summary, "bill_of_lading"), "missing");

    let bl = w.upload(&w.logistics, "bill_of_lading", "c-bl").await;
    let summary = w.detail_summary(&w.shipment).await;
    assert_eq!(state(&summary, "bill_of_lading"), "pending");
    assert_eq!(summary["pending"], json!(["bill_of_lading"]));
    assert_eq!(summary["pending_validation"], 1);
    assert_eq!(summary["missing"].as_array().unwrap().len(), 7);
    assert_eq!(summary["complete"], 0);

    w.fill_bill_of_lading(&bl, "BL-C1").await;
    w.act_ok(&w.compliance, &bl, "approve", json!({})).await;
    let summary = w.detail_summary(&w.shipment).await;
    assert_eq!(state(&summary, "bill_of_lading"), "complete");
    assert_eq!(summary["complete"], 1);
    assert_eq!(summary["pending"], json!([]));
    assert_eq!(summary["is_complete"], false);

    // Rejected back to draft: failed, the uploader's turn.
    let origin = w
        .upload(&w.logistics, "certificate_of_origin", "c-coo")
        .await;
    w.act_ok(
        &w.compliance,
        &origin,
        "reject",
        json!({"notes": "unsigned"}),
    )
    .await;
    // Compliance failed: failed too.
    let invoice = w.upload(&w.logistics, "commercial_invoice", "c-ci").await;
    let body = json!({"reference_number": "INV-1", "issue_date": today_plus(0)});
    w.metadata(&w.logistics, &invoice, body).await;
    w.act_ok(&w.compliance, &invoice, "approve", json!({}))
        .await;
    w.act_ok(
        &w.compliance,
        &invoice,
        "reject",
        json!({"notes": "totals"}),
    )
    .await;
    // Validated, then archived: missing again.
    let packing = w.upload(&w.logistics, "packing_list", "c-pl").await;
    let body = json!({"reference_number": "PL-1", "issue_date": today_plus(0)});
    w.metadata(&w.logistics, &packing, body).await;
    w.act_ok(&w.compliance, &packing, "approve", json!({}))
        .await;
    w.act_ok(
        &w.admin,
        &packing,
        "transition",
        json!({"target_status": "archived"}),
    )
    .await;

    let summary = w.detail_summary(&w.shipment).await;
    assert_eq!(state(&summary, "certificate_of_origin"), "failed");
    assert_eq!(state(&summary, "commercial_invoice"), "failed");
    assert_eq!(state(&summary, "packing_list"), "missing");
    assert_eq!(state(&summary, "bill_of_lading"), "complete");
    assert_eq!(summary["complete"], 1, "{summary}");
    assert_eq!(
        summary["failed"],
        json!(["certificate_of_origin", "commercial_invoice"])
    );
    assert_eq!(summary["missing"].as_array().unwrap().len(), 5);
    assert_eq!(summary["total_uploaded"], 3);
    assert_eq!(summary["is_complete"], false);

    // The list's items carry the same summary.
    let list = w
        .app
        .get_ok(&format!("{V1}/shipments?limit=100"), &w.admin)
        .await;
    let items = list
        .get("items")
        .unwrap_or(&list)
        .as_array()
        .expect("items");
    let item = items
        .iter()
        .find(|s| s["id"] == w.shipment.as_str())
        .expect("the shipment is listed");
    // The list carries the summary's counts and missing types (not the checklist).
    for key in [
        "total_required",
        "complete",
        "pending_validation",
        "missing",
        "is_complete",
    ] {
        assert_eq!(item["document_summary"][key], summary[key], "{key}");
    }
    assert_eq!(
        item["document_summary"]["failed"],
        summary["failed"].as_array().unwrap().len()
    );
    assert!(item["document_summary"].get("checklist").is_none());
}

#[tokio::test]
async fn document_review_expiring_documents_most_urgent_first_within_the_organization() {
    let w = world().await;
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/documents/expiring"),
            Some(&w.admin),
            None,
        )
        .await;
    json_of(response, StatusCode::OK, "not shadowed").await;
    for days in [0, 366] {
        let response = w
            .app
            .call(
                Method::GET,
                &format!("{V1}/documents/expiring?days={days}"),
                Some(&w.admin),
                None,
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            &format!("days={days}"),
        )
        .await;
    }

    let mut ids = Vec::new();
    for (kind, days) in [
        ("insurance_certificate", 20),
        ("phytosanitary_certificate", 3),
        ("fumigation_certificate", -2),
    ] {
        let id = w.upload(&w.logistics, kind, kind).await;
        w.metadata(&w.logistics, &id, json!({"expiry_date": today_plus(days)}))
            .await;
        ids.push(id);
    }
    // Another organization's document expiring tomorrow.
    let acme = w
        .app
        .create_organization("Acme Review", "acme-review", "supplier")
        .await;
    w.app
        .create_member(ACME_OWNER, "ADMIN", &acme, "owner")
        .await;
    let owner = w.app.token(ACME_OWNER).await;
    let body = json!({"reference": "ACME-E1", "container_number": "MSCU1234566"});
    let shipment = w.app.create_shipment(V1, &owner, &body).await;
    let theirs = w
        .upload_to(
            &owner,
            shipment["id"].as_str().unwrap(),
            "other",
            "acme-exp",
        )
        .await;
    w.metadata(&owner, &theirs, json!({"expiry_date": today_plus(1)}))
        .await;

    let report = w
        .app
        .get_ok(
            &format!("{V1}/documents/expiring?shipment_id={}", w.shipment),
            &w.admin,
        )
        .await;
    let listed: Vec<(String, String, i64)> = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["urgency"].as_str().unwrap().to_string(),
                d["days_until_expiry"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (ids[2].clone(), "expired".to_string(), -2),
            (ids[1].clone(), "critical".to_string(), 3),
            (ids[0].clone(), "info".to_string(), 20),
        ]
    );
    assert_eq!(report["count"], 3);
    assert_eq!(report["documents"][0]["is_expired"], true);
    assert_eq!(report["documents"][1]["is_expired"], false);
    let narrow = w
        .app
        .get_ok(
            &format!("{V1}/documents/expiring?days=7&shipment_id={}", w.shipment),
            &w.admin,
        )
        .await;
    assert_eq!(narrow["count"], 2, "{narrow}");

    let everything = w
        .app
        .get_ok(&format!("{V1}/documents/expiring?days=365"), &w.admin)
        .await;
    let all_ids: Vec<&str> = everything["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(!all_ids.contains(&theirs.as_str()), "{everything}");
    for id in &ids {
        assert!(all_ids.contains(&id.as_str()));
    }
    let mine = w
        .app
        .get_ok(&format!("{V1}/documents/expiring?days=365"), &owner)
        .await;
    let acme_ids: Vec<&str> = mine["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(acme_ids, vec![theirs.as_str()]);
    assert_eq!(mine["documents"][0]["urgency"], "critical");
}

#[tokio::test]
async fn document_review_workflow_summary_requirements_and_duplicates() {
    let w = world().await;
    let uploaded = w.upload(&w.logistics, "other", "s-up").await;
    let validated = w.upload(&w.logistics, "other", "s-val").await;
    w.act_ok(&w.compliance, &validated, "approve", json!({}))
        .await;
    let ok = w.upload(&w.logistics, "other", "s-ok").await;
    w.act_ok(&w.compliance, &ok, "approve", json!({})).await;
    w.act_ok(&w.compliance, &ok, "approve", json!({})).await;
    let draft = w.upload(&w.logistics, "other", "s-draft").await;
    w.act_ok(&w.compliance, &draft, "reject", json!({"notes": "blurred"}))
        .await;
    let _ = uploaded;

    let body = w
        .app
        .get_ok(
            &format!("{V1}/documents/workflow/summary?shipment_id={}", w.shipment),
            &w.viewer,
        )
        .await;
    assert_eq!(
        body["workflow_summary"],
        json!({
            "total": 4,
            "by_status": {
                "draft": 1, "uploaded": 1, "validated": 1, "compliance_ok": 1,
                "compliance_failed": 0, "linked": 0, "archived": 0
            },
            "complete": 1,
            "pending_review": 2,
            "failed": 0,
            "draft": 1,
            "progress_percent": 25
        })
    );
    assert_eq!(body["shipment_id"], w.shipment.as_str());
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/documents/workflow/summary"),
            Some(&w.admin),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let requirements = w
        .app
        .get_ok(
            &format!("{V1}/documents/types/bill_of_lading/requirements"),
            &w.viewer,
        )
        .await;
    let fields: Vec<&str> = requirements["required_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            "file",
            "reference_number",
            "issue_date",
            "issuing_authority"
        ]
    );
    for bad in ["passport", "BILL%20OF%20LADING", "1"] {
        let response = w
            .app
            .call(
                Method::GET,
                &format!("{V1}/documents/types/{bad}/requirements"),
                Some(&w.viewer),
                None,
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            bad,
        )
        .await;
    }

    // The same bill of lading number on two documents, one from the upload form, one from
    // the metadata.
    let form = reqwest::multipart::Form::new()
        .text("shipment_id", w.shipment.clone())
        .text("document_type", "bill_of_lading")
        .text("reference_number", "BL-TWICE")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf("dup-1")).file_name("dup-1.pdf"),
        );
    let response = w
        .app
        .client
        .post(format!("{}{V1}/documents/upload", w.app.address))
        .bearer_auth(&w.logistics)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let first = json_of(response, StatusCode::CREATED, "upload with reference").await;
    let first = first["id"].as_str().unwrap().to_string();
    let second = w.upload(&w.logistics, "bill_of_lading", "dup-2").await;
    w.metadata(
        &w.logistics,
        &second,
        json!({"reference_number": "BL-TWICE"}),
    )
    .await;
    let single = w.upload(&w.logistics, "commercial_invoice", "dup-3").await;
    w.metadata(
        &w.logistics,
        &single,
        json!({"reference_number": "INV-ONCE"}),
    )
    .await;

    let report = w
        .app
        .get_ok(
            &format!("{V1}/documents/shipments/{}/duplicates", w.shipment),
            &w.viewer,
        )
        .await;
    assert_eq!(report["duplicate_count"], 1, "{report}");
    assert_eq!(report["total_references"], 2, "{report}");
    let duplicate = &report["duplicates"][0];
    assert_eq!(duplicate["reference_number"], "BL-TWICE");
    assert_eq!(duplicate["document_type"], "bill_of_lading");
    let mut occurrences: Vec<&str> = duplicate["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["document_id"].as_str().unwrap())
        .collect();
    occurrences.sort_unstable();
    let mut expected = vec![first.as_str(), second.as_str()];
    expected.sort_unstable();
    assert_eq!(occurrences, expected);
}
