//! The predecessor's document defects (reference §6, items 2, 3, 10, 11, 13, 15), one test
//! each, asserting they are gone. Already proven elsewhere and not repeated here:
//! * §6.1 (another organization's documents): `documents::another_organizations_documents_are_not_found`;
//! * §6.3 (the client's file name as a path): `documents::a_path_in_the_file_name_is_metadata_never_a_location`;
//! * §6.10, the rejection and notes bypasses of the generic transition:
//!   `document_review::document_review_rejections_need_notes_and_a_supplier_resubmits`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::{json_of, V1};
use crate::documents::{pdf, Backend};
use crate::helpers::demo::{ADMIN, COMPLIANCE, LOGISTICS, VIBOTAJ, VIEWER};
use crate::helpers::{assert_error, TestApp};

struct World {
    app: TestApp,
    admin: String,
    compliance: String,
    logistics: String,
    shipment: String,
}

/// The demo world and a fresh shipment of VIBOTAJ without products (the default list:
/// bill of lading, commercial invoice, packing list, certificate of origin, insurance).
async fn world() -> World {
    let app = TestApp::spawn_with_backend(Backend::Local).await;
    let admin = app.token(ADMIN).await;
    let body = json!({"reference": "DEFECTS-1", "container_number": "MSCU1234566"});
    let shipment = app.create_shipment(V1, &admin, &body).await;
    World {
        compliance: app.token(COMPLIANCE).await,
        logistics: app.token(LOGISTICS).await,
        admin,
        shipment: shipment["id"].as_str().expect("id").to_string(),
        app,
    }
}

impl World {
    async fn upload(&self, token: &str, kind: &str, tag: &str) -> Value {
        self.app
            .upload_ok(token, &self.shipment, kind, &format!("{tag}.pdf"), pdf(tag))
            .await
    }

    async fn upload_id(&self, token: &str, kind: &str, tag: &str) -> String {
        self.upload(token, kind, tag).await["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    async fn set_status(&self, id: &str, label: &str) {
        self.app
            .db()
            .exec(&format!(
                "UPDATE documents SET status = '{label}' WHERE id = '{id}'"
            ))
            .await;
    }

    async fn status(&self, id: &str) -> String {
        self.app
            .db()
            .scalar_string(&format!(
                "SELECT status::text FROM documents WHERE id = '{id}'"
            ))
            .await
            .expect("document")
    }

    async fn summary(&self) -> Value {
        let detail = self
            .app
            .get_ok(&format!("{V1}/shipments/{}", self.shipment), &self.admin)
            .await;
        detail["document_summary"].clone()
    }
}

/// Every object key anywhere in `value`.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push(key.clone());
                keys(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|inner| keys(inner, out)),
        _ => {}
    }
}

#[tokio::test]
async fn defect_6_2_viewers_cannot_edit_metadata_to_pass_the_rules() {
    // §6.2: viewers could PATCH document metadata and extra_data, and so make a document
    // pass the validation rules.
    let w = world().await;
    let viewer = w.app.token(VIEWER).await;
    let id = w.upload_id(&w.logistics, "bill_of_lading", "viewer").await;
    let fill = json!({
        "reference_number": "BL-V",
        "issue_date": "2026-01-02",
        "issuing_authority": "Carrier",
        "extra_data": {"note": "viewer was here"}
    });
    let response = w
        .app
        .call(
            Method::PATCH,
            &format!("{V1}/documents/{id}/metadata"),
            Some(&viewer),
            Some(&fill),
        )
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "viewer edits",
    )
    .await;
    let unchanged = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM documents WHERE id = '{id}' AND reference_number IS NULL \
             AND issuing_authority IS NULL AND issue_date IS NULL AND extra_data = '{{}}'::jsonb"
        ))
        .await;
    assert_eq!(unchanged, 1);
    // So the document still fails its rules.
    let response = w
        .app
        .call(
            Method::POST,
            &format!("{V1}/documents/{id}/approve"),
            Some(&w.compliance),
            Some(&json!({})),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
        "still failing",
    )
    .await;
    assert_eq!(w.app.audit_count("document.metadata").await, 0);
}

#[tokio::test]
async fn defect_6_10_patch_validate_no_longer_sets_validated_from_any_state() {
    // §6.10: PATCH /documents/{id}/validate set VALIDATED from any state, without rules.
    // A type without field errors ("other": file and name), so only the state decides.
    let w = world().await;
    let id = w.upload_id(&w.logistics, "other", "any-state").await;
    let path = format!("{V1}/documents/{id}/validate");
    for label in [
        "DRAFT",
        "VALIDATED",
        "COMPLIANCE_OK",
        "COMPLIANCE_FAILED",
        "LINKED",
        "ARCHIVED",
    ] {
        w.set_status(&id, label).await;
        for token in [&w.admin, &w.compliance] {
            let response = w.app.call(Method::PATCH, &path, Some(token), None).await;
            assert_error(
                response,
                StatusCode::BAD_REQUEST,
                "INVALID_TRANSITION",
                label,
            )
            .await;
            assert_eq!(w.status(&id).await, label);
        }
    }
    let validations = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action = 'document.validate' \
             AND resource_id = '{id}'"
        ))
        .await;
    assert_eq!(validations, 0);
    // Nor without its rules: a bill of lading with nothing filled in.
    let bl = w
        .upload_id(&w.logistics, "bill_of_lading", "no-rules")
        .await;
    let response = w
        .app
        .call(
            Method::PATCH,
            &format!("{V1}/documents/{bl}/validate"),
            Some(&w.admin),
            None,
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
        "rules",
    )
    .await;
    assert_eq!(w.status(&bl).await, "UPLOADED");
}

#[tokio::test]
async fn defect_6_10_content_level_validate_and_reject_do_not_exist() {
    // §6.10: validating every content flipped the document to VALIDATED, and rejecting one
    // content forced COMPLIANCE_FAILED from any state. Those routes are not repeated.
    let w = world().await;
    let id = w.upload_id(&w.logistics, "other", "contents").await;
    let content = uuid::Uuid::new_v4();
    for verb in ["validate", "reject"] {
        for method in [Method::POST, Method::PATCH, Method::PUT] {
            let path = format!("{V1}/documents/{id}/contents/{content}/{verb}");
            let response = w
                .app
                .call(
                    method.clone(),
                    &path,
                    Some(&w.admin),
                    Some(&json!({"notes": "x"})),
                )
                .await;
            assert!(
                [StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED]
                    .contains(&response.status()),
                "{method} {path}: {}",
                response.status()
            );
        }
    }
    assert_eq!(w.status(&id).await, "UPLOADED");
}

#[tokio::test]
async fn defect_6_10_completeness_counts_failed_and_archived_documents_as_not_done() {
    // §6.10: completeness treated failed or archived documents as neither missing nor
    // pending, so a shipment with a failed required document could be "complete".
    // (The statuses are set directly: this is about the count, not about the workflow.)
    let w = world().await;
    let mut ids = Vec::new();
    for kind in [
        "bill_of_lading",
        "commercial_invoice",
        "packing_list",
        "certificate_of_origin",
        "insurance_certificate",
    ] {
        let id = w.upload_id(&w.admin, kind, kind).await;
        w.set_status(&id, "VALIDATED").await;
        ids.push(id);
    }
    let summary = w.summary().await;
    assert_eq!(summary["total_required"], 5, "{summary}");
    assert_eq!(summary["is_complete"], true, "the control: {summary}");

    for (label, state) in [
        ("COMPLIANCE_FAILED", "failed"),
        ("DRAFT", "failed"),
        ("ARCHIVED", "missing"),
    ] {
        w.set_status(&ids[4], label).await;
        let summary = w.summary().await;
        assert_eq!(summary["is_complete"], false, "{label}: {summary}");
        assert_eq!(summary["complete"], 4, "{label}");
        assert_eq!(summary[state], json!(["insurance_certificate"]), "{label}");
    }
    // An uploaded one is pending, not complete either.
    w.set_status(&ids[4], "UPLOADED").await;
    let summary = w.summary().await;
    assert_eq!(summary["is_complete"], false);
    assert_eq!(summary["pending"], json!(["insurance_certificate"]));
}

#[tokio::test]
async fn defect_6_11_no_answer_shows_where_a_file_is_stored() {
    // §6.11: raw ORM answers exposed file_path (server paths). No document answer names a
    // storage location: not the upload, detail, list, moves, metadata, shipment detail.
    let w = world().await;
    let upload = w.upload(&w.logistics, "other", "where").await;
    let id = upload["id"].as_str().unwrap().to_string();
    let key = w
        .app
        .db()
        .scalar_string(&format!(
            "SELECT storage_key FROM documents WHERE id = '{id}'"
        ))
        .await
        .expect("a stored file");
    let mut answers = vec![("upload".to_string(), upload)];
    let call = |method: Method, path: String, token: String, body: Option<Value>| {
        let app = &w.app;
        async move {
            let response = app.call(method, &path, Some(&token), body.as_ref()).await;
            (path, json_of(response, StatusCode::OK, "answer").await)
        }
    };
    for (method, path, token, body) in [
        (Method::GET, format!("{V1}/documents/{id}"), &w.admin, None),
        (
            Method::GET,
            format!("{V1}/shipments/{}/documents", w.shipment),
            &w.admin,
            None,
        ),
        (
            Method::GET,
            format!("{V1}/shipments/{}", w.shipment),
            &w.admin,
            None,
        ),
        (Method::GET, format!("{V1}/shipments"), &w.admin, None),
        (
            Method::GET,
            format!("{V1}/documents/{id}/validation"),
            &w.admin,
            None,
        ),
        (
            Method::GET,
            format!("{V1}/documents/{id}/contents"),
            &w.admin,
            None,
        ),
        (
            Method::PATCH,
            format!("{V1}/documents/{id}/metadata"),
            &w.logistics,
            Some(json!({"expiry_date": "2030-01-01", "reference_number": "R-1"})),
        ),
        (
            Method::GET,
            format!("{V1}/documents/expiring?days=365"),
            &w.admin,
            None,
        ),
        (
            Method::POST,
            format!("{V1}/documents/{id}/reject"),
            &w.compliance,
            Some(json!({"notes": "again"})),
        ),
        (
            Method::POST,
            format!("{V1}/documents/{id}/transition"),
            &w.compliance,
            Some(json!({"target_status": "uploaded"})),
        ),
        (
            Method::PATCH,
            format!("{V1}/documents/{id}/validate"),
            &w.compliance,
            None,
        ),
        (
            Method::POST,
            format!("{V1}/documents/{id}/approve"),
            &w.compliance,
            Some(json!({})),
        ),
    ] {
        answers.push(call(method, path, token.clone(), body).await);
    }
    for (what, answer) in &answers {
        let mut names = Vec::new();
        keys(answer, &mut names);
        for forbidden in ["file_path", "storage_key", "path", "storage_url"] {
            assert!(!names.iter().any(|n| n == forbidden), "{what}: {answer}");
        }
        let text = answer.to_string();
        assert!(!text.contains(&key), "{what} shows the key: {text}");
        assert!(!text.contains("uploads/"), "{what}: {text}");
    }
}

#[tokio::test]
async fn defect_6_13_upload_download_transition_and_delete_are_audited() {
    // §13: none of upload, download, transition or delete was audited.
    let w = world().await;
    let id = w.upload_id(&w.logistics, "other", "audited").await;
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/documents/{id}/download"),
            Some(&w.compliance),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let _ = response.bytes().await.unwrap();
    let response = w
        .app
        .call(
            Method::POST,
            &format!("{V1}/documents/{id}/transition"),
            Some(&w.compliance),
            Some(&json!({"target_status": "validated"})),
        )
        .await;
    json_of(response, StatusCode::OK, "to validated").await;
    let response = w
        .app
        .call(
            Method::POST,
            &format!("{V1}/documents/{id}/transition"),
            Some(&w.compliance),
            Some(&json!({"target_status": "compliance_ok"})),
        )
        .await;
    json_of(response, StatusCode::OK, "to compliance_ok").await;
    let response = w
        .app
        .call(
            Method::DELETE,
            &format!("{V1}/documents/{id}"),
            Some(&w.admin),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // One row each, by whom, in VIBOTAJ.
    for (action, actor) in [
        ("document.upload", LOGISTICS),
        ("document.download", COMPLIANCE),
        ("document.validate", COMPLIANCE),
        ("document.transition", COMPLIANCE),
        ("document.delete", ADMIN),
    ] {
        let rows = w
            .app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM audit_logs a JOIN users u ON u.id = a.actor_id \
                 WHERE a.action = '{action}' AND a.resource_id = '{id}' \
                   AND u.email = '{actor}' AND a.organization_id = '{VIBOTAJ}'"
            ))
            .await;
        assert_eq!(rows, 1, "{action} by {actor}");
    }
    let moved = w
        .app
        .db()
        .scalar_string(&format!(
            "SELECT (details->>'from') || '→' || (details->>'to') FROM audit_logs \
             WHERE action = 'document.transition' AND resource_id = '{id}'"
        ))
        .await;
    assert_eq!(moved.as_deref(), Some("validated→compliance_ok"));
}

#[tokio::test]
async fn defect_6_15_bad_statuses_and_types_are_422_never_500() {
    // §6.15: an invalid document_type (confirm-detection) or enum value surfaced as a 500.
    let w = world().await;
    let id = w.upload_id(&w.logistics, "other", "bad-input").await;
    let transition = format!("{V1}/documents/{id}/transition");
    for body in [
        json!({"target_status": "approved"}),
        json!({"target_status": "VALIDATED!"}),
        json!({"target_status": ""}),
        json!({"target_status": "validated'; DROP TABLE documents; --"}),
    ] {
        let response = w
            .app
            .call(Method::POST, &transition, Some(&w.compliance), Some(&body))
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            &body.to_string(),
        )
        .await;
    }
    // Malformed bodies: a client error, never a server error.
    for body in [
        json!({}),
        json!({"target_status": 7}),
        json!({"target_status": null}),
        json!(["validated"]),
        json!({"target_status": "validated", "notes": 5}),
    ] {
        let response = w
            .app
            .call(Method::POST, &transition, Some(&w.compliance), Some(&body))
            .await;
        let status = response.status();
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{body}: {status}"
        );
    }
    assert_eq!(w.status(&id).await, "UPLOADED");

    // (An empty or absent type is `other`, as the predecessor's form default.)
    for kind in ["passport", "BILL_OF_LADING_X", "../other", "bill of lading"] {
        let response = w
            .app
            .upload(Some(&w.logistics), &w.shipment, kind, "x.pdf", pdf(kind))
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            kind,
        )
        .await;
    }
    assert_eq!(w.app.stored_objects().await.len(), 1);
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/documents/types/passport/requirements"),
            Some(&w.logistics),
            None,
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        "requirements",
    )
    .await;
    for body in [
        json!({"issue_date": 20260101}),
        json!({"expiry_date": "2026-02-30"}),
        json!({"extra_data": "not an object"}),
    ] {
        let response = w
            .app
            .call(
                Method::PATCH,
                &format!("{V1}/documents/{id}/metadata"),
                Some(&w.logistics),
                Some(&body),
            )
            .await;
        let status = response.status();
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{body}: {status}"
        );
    }
}
