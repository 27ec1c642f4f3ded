//! Documents over real HTTP, PostgreSQL and real storage — a local directory and an
//! S3-compatible server on loopback, the same tests for both (issue 12).
//!
//! Demo facts used here: VIBOTAJ owns VIBO-2026-001 (assigned to the buyer organization of
//! WITATRADE) and VIBO-2026-002.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::api::{json_of, V1};
use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, LOGISTICS, VIEWER};
use crate::helpers::{assert_error, TestApp};

pub const SHIPMENT_001: &str = "30000000-0000-4000-8000-000000000001";
const ACME_OWNER: &str = "owner@acme.test";

/// Where the app stores files in a test.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Local,
    S3,
}

pub const BACKENDS: [Backend; 2] = [Backend::Local, Backend::S3];

/// A small but well-formed PDF whose bytes differ with `tag`.
pub fn pdf(tag: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% {tag}\n\
         trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl TestApp {
    /// `POST /documents/upload` as `token`: the predecessor's form, in its client's order.
    pub async fn upload(
        &self,
        token: Option<&str>,
        shipment_id: &str,
        document_type: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new()
            .text("shipment_id", shipment_id.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
            )
            .text("document_type", document_type.to_string())
            .text("auto_detect", "false");
        let mut request = self
            .client
            .post(format!("{}{V1}/documents/upload", self.address))
            .multipart(form);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("upload")
    }

    /// An upload that must succeed: the answer's body.
    pub async fn upload_ok(
        &self,
        token: &str,
        shipment_id: &str,
        kind: &str,
        name: &str,
        bytes: Vec<u8>,
    ) -> Value {
        let response = self
            .upload(Some(token), shipment_id, kind, name, bytes)
            .await;
        json_of(response, StatusCode::CREATED, "upload").await
    }

    /// The stored objects, as (key, size).
    pub async fn stored_objects(&self) -> Vec<(String, u64)> {
        self.storage.list(None).await.expect("list the store")
    }
}

/// The demo world on `backend`, plus a supplier organization "Acme" with one shipment.
struct World {
    app: TestApp,
    admin: String,
    acme_owner: String,
    acme_shipment: String,
}

async fn world(backend: Backend) -> World {
    let app = TestApp::spawn_with_backend(backend).await;
    let acme = app
        .create_organization("Acme Supplies", "acme", "supplier")
        .await;
    app.create_member(ACME_OWNER, "ADMIN", &acme, "owner").await;
    let acme_owner = app.token(ACME_OWNER).await;
    let body = json!({"reference": "ACME-1", "container_number": "MSCU1234566"});
    let shipment = app.create_shipment(V1, &acme_owner, &body).await;
    World {
        admin: app.token(ADMIN).await,
        acme_owner,
        acme_shipment: shipment["id"].as_str().unwrap().to_string(),
        app,
    }
}

#[tokio::test]
async fn an_upload_is_typed_by_content_and_downloads_whole_or_in_ranges() {
    for backend in BACKENDS {
        let w = world(backend).await;
        let bytes = pdf("round trip");
        let body = w
            .app
            .upload_ok(
                &w.admin,
                SHIPMENT_001,
                "bill_of_lading",
                "BL 123 – Lagos.pdf",
                bytes.clone(),
            )
            .await;
        assert_eq!(body["status"], "uploaded", "{backend:?}");
        assert_eq!(body["type"], "bill_of_lading");
        assert_eq!(body["mime_type"], "application/pdf");
        assert_eq!(body["sha256"], sha256_hex(&bytes));
        assert_eq!(body["file_size_bytes"], bytes.len());
        assert_eq!(body["document"]["file_name"], "BL 123 – Lagos.pdf");
        assert!(body["document"].get("storage_key").is_none());
        assert!(body["document"].get("file_path").is_none());
        let id = body["id"].as_str().unwrap().to_string();
        assert_eq!(w.app.stored_objects().await.len(), 1);

        let path = format!("{}{V1}/documents/{id}/download", w.app.address);
        let whole = w
            .app
            .client
            .get(&path)
            .bearer_auth(&w.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(whole.status(), StatusCode::OK);
        assert_eq!(whole.headers()["content-type"], "application/pdf");
        assert_eq!(whole.headers()["accept-ranges"], "bytes");
        let disposition = whole.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.starts_with("attachment; filename=\"BL 123 _ Lagos.pdf\""),
            "{disposition}"
        );
        assert!(
            disposition.contains("filename*=UTF-8''BL%20123%20%E2%80%93%20Lagos.pdf"),
            "{disposition}"
        );
        assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());

        let first = w
            .app
            .client
            .get(&path)
            .bearer_auth(&w.admin)
            .header("Range", "bytes=0-3")
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            first.headers()["content-range"],
            format!("bytes 0-3/{}", bytes.len())
        );
        assert_eq!(first.bytes().await.unwrap().as_ref(), b"%PDF");
        let tail = w
            .app
            .client
            .get(&path)
            .bearer_auth(&w.admin)
            .header("Range", "bytes=-5")
            .send()
            .await
            .unwrap();
        assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            tail.bytes().await.unwrap().as_ref(),
            &bytes[bytes.len() - 5..]
        );
        let outside = w
            .app
            .client
            .get(&path)
            .bearer_auth(&w.admin)
            .header("Range", "bytes=100000-")
            .send()
            .await
            .unwrap();
        assert_eq!(outside.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(
            outside.headers()["content-range"],
            format!("bytes */{}", bytes.len())
        );

        // Each action is on record: the upload, and the three downloads that were served.
        for (action, count) in [("document.upload", 1), ("document.download", 3)] {
            let sql = format!(
                "SELECT count(*) FROM audit_logs WHERE action = '{action}' AND resource_id = '{id}'"
            );
            assert_eq!(w.app.db().scalar_i64(&sql).await, count, "{action}");
        }
        let listed = w
            .app
            .get_ok(
                &format!("{V1}/shipments/{SHIPMENT_001}/documents"),
                &w.admin,
            )
            .await;
        assert!(listed
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == id.as_str()));
    }
}

#[tokio::test]
async fn refused_uploads_leave_nothing_behind() {
    for backend in BACKENDS {
        let w = world(backend).await;
        // An executable named like a PDF.
        let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
        elf.extend(vec![0u8; 4096]);
        let response = w
            .app
            .upload(Some(&w.admin), SHIPMENT_001, "other", "invoice.pdf", elf)
            .await;
        assert_error(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_FILE_TYPE",
            "elf",
        )
        .await;
        // 51 MB of a real PDF header: over the 50 MB limit.
        let mut big = pdf("big");
        big.resize(51 * 1024 * 1024, b' ');
        let response = w
            .app
            .upload(Some(&w.admin), SHIPMENT_001, "other", "big.pdf", big)
            .await;
        assert_error(
            response,
            StatusCode::PAYLOAD_TOO_LARGE,
            "FILE_TOO_LARGE",
            "51 MB",
        )
        .await;
        // Empty, and a file before its shipment.
        let response = w
            .app
            .upload(
                Some(&w.admin),
                SHIPMENT_001,
                "other",
                "empty.pdf",
                Vec::new(),
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            "empty",
        )
        .await;
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf("early")).file_name("a.pdf"),
            )
            .text("shipment_id", SHIPMENT_001);
        let response = w
            .app
            .client
            .post(format!("{}{V1}/documents/upload", w.app.address))
            .bearer_auth(&w.admin)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let body = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            "order",
        )
        .await;
        assert_eq!(body["fields"][0]["field"], "shipment_id");
        // A bad type or date after a good file: the file goes again.
        let form = reqwest::multipart::Form::new()
            .text("shipment_id", SHIPMENT_001)
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf("late")).file_name("a.pdf"),
            )
            .text("document_type", "passport");
        let response = w
            .app
            .client
            .post(format!("{}{V1}/documents/upload", w.app.address))
            .bearer_auth(&w.admin)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            "type",
        )
        .await;
        // Not multipart at all.
        let response = w
            .app
            .call(
                Method::POST,
                &format!("{V1}/documents/upload"),
                Some(&w.admin),
                Some(&json!({})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{backend:?}");

        // The cleanup of a refused upload may run just after the answer.
        let mut left = w.app.stored_objects().await;
        for _ in 0..50 {
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            left = w.app.stored_objects().await;
        }
        assert!(left.is_empty(), "{backend:?}: {left:?}");
        let rows = w
            .app
            .db()
            .scalar_i64("SELECT count(*) FROM documents WHERE storage_key IS NOT NULL")
            .await;
        assert_eq!(rows, 0);
    }
}

#[tokio::test]
async fn a_path_in_the_file_name_is_metadata_never_a_location() {
    let w = world(Backend::Local).await;
    let body = w
        .app
        .upload_ok(
            &w.admin,
            SHIPMENT_001,
            "other",
            "../../etc/passwd",
            pdf("traversal"),
        )
        .await;
    assert_eq!(body["document"]["file_name"], "passwd");
    let id = body["id"].as_str().unwrap();
    let objects = w.app.stored_objects().await;
    assert_eq!(objects.len(), 1);
    let key = &objects[0].0;
    assert!(
        key.ends_with(id) && !key.contains("passwd") && !key.contains(".."),
        "{key}"
    );
    assert_eq!(
        key.split('/').collect::<Vec<_>>(),
        [crate::helpers::demo::VIBOTAJ, SHIPMENT_001, id]
    );
    for name in ["C:\\Windows\\win.ini", "/", "..", "./.."] {
        let body = w
            .app
            .upload_ok(&w.admin, SHIPMENT_001, "other", name, pdf(name))
            .await;
        let stored = body["document"]["file_name"].as_str().unwrap().to_string();
        assert!(
            !stored.contains(['/', '\\']) && stored != "..",
            "{name:?} → {stored:?}"
        );
    }
}

#[tokio::test]
async fn another_organizations_documents_are_not_found() {
    let w = world(Backend::Local).await;
    let body = w
        .app
        .upload_ok(&w.admin, SHIPMENT_001, "other", "mine.pdf", pdf("mine"))
        .await;
    let id = body["id"].as_str().unwrap();
    let stranger = &w.acme_owner;
    for (method, path, payload) in [
        (Method::GET, format!("{V1}/documents/{id}"), None),
        (Method::GET, format!("{V1}/documents/{id}/download"), None),
        (Method::GET, format!("{V1}/documents/{id}/contents"), None),
        (Method::GET, format!("{V1}/documents/{id}/validation"), None),
        (
            Method::GET,
            format!("{V1}/documents/{id}/transitions"),
            None,
        ),
        (
            Method::POST,
            format!("{V1}/documents/{id}/transition"),
            Some(json!({"target_status": "validated"})),
        ),
        (
            Method::POST,
            format!("{V1}/documents/{id}/approve"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{V1}/documents/{id}/reject"),
            Some(json!({"notes": "no"})),
        ),
        (
            Method::PATCH,
            format!("{V1}/documents/{id}/metadata"),
            Some(json!({"reference_number": "X"})),
        ),
        (Method::DELETE, format!("{V1}/documents/{id}"), None),
        (
            Method::GET,
            format!("{V1}/shipments/{SHIPMENT_001}/documents"),
            None,
        ),
        (
            Method::GET,
            format!("{V1}/documents/workflow/summary?shipment_id={SHIPMENT_001}"),
            None,
        ),
        (
            Method::GET,
            format!("{V1}/documents/shipments/{SHIPMENT_001}/duplicates"),
            None,
        ),
        (
            Method::GET,
            format!("{V1}/documents/expiring?shipment_id={SHIPMENT_001}"),
            None,
        ),
    ] {
        let why = format!("{method} {path}");
        let response = w
            .app
            .call(method, &path, Some(stranger), payload.as_ref())
            .await;
        let body = assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", &why).await;
        assert!(!body.to_string().contains("mine.pdf"), "{why}");
    }
    // Nor can he upload to VIBOTAJ's shipment: refused before a byte is stored.
    let response = w
        .app
        .upload(Some(stranger), SHIPMENT_001, "other", "x.pdf", pdf("x"))
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "upload").await;
    // His own upload works, and VIBOTAJ's admin does not see it through the lists either.
    w.app
        .upload_ok(stranger, &w.acme_shipment, "other", "acme.pdf", pdf("acme"))
        .await;
    let listed = w
        .app
        .get_ok(
            &format!("{V1}/shipments/{SHIPMENT_001}/documents"),
            &w.admin,
        )
        .await;
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["file_name"] != "acme.pdf"));
    let row_count = w
        .app
        .db()
        .scalar_i64("SELECT count(*) FROM documents WHERE storage_key IS NOT NULL")
        .await;
    assert_eq!(row_count, 2);
}

#[tokio::test]
async fn buyers_download_their_shipments_documents_but_change_nothing_and_viewers_cannot_upload() {
    let w = world(Backend::Local).await;
    let body = w
        .app
        .upload_ok(
            &w.admin,
            SHIPMENT_001,
            "other",
            "for-buyer.pdf",
            pdf("buyer"),
        )
        .await;
    let id = body["id"].as_str().unwrap();
    let buyer = w.app.token(BUYER).await;
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/documents/{id}/download"),
            Some(&buyer),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        pdf("buyer").as_slice()
    );
    for (method, path, payload) in [
        (
            Method::POST,
            format!("{V1}/documents/{id}/approve"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{V1}/documents/{id}/transition"),
            Some(json!({"target_status": "validated"})),
        ),
        (
            Method::PATCH,
            format!("{V1}/documents/{id}/metadata"),
            Some(json!({"reference_number": "X"})),
        ),
        (Method::DELETE, format!("{V1}/documents/{id}"), None),
    ] {
        let why = format!("buyer {method} {path}");
        let response = w
            .app
            .call(method, &path, Some(&buyer), payload.as_ref())
            .await;
        assert_error(
            response,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            &why,
        )
        .await;
    }
    let response = w
        .app
        .upload(Some(&buyer), SHIPMENT_001, "other", "b.pdf", pdf("b"))
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "buyer upload",
    )
    .await;
    let viewer = w.app.token(VIEWER).await;
    let response = w
        .app
        .upload(Some(&viewer), SHIPMENT_001, "other", "v.pdf", pdf("v"))
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "viewer upload",
    )
    .await;
    let response = w
        .app
        .upload(None, SHIPMENT_001, "other", "n.pdf", pdf("n"))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let status = w
        .app
        .db()
        .scalar_string(&format!(
            "SELECT status::text FROM documents WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(status.as_deref(), Some("UPLOADED"));
    assert_eq!(w.app.stored_objects().await.len(), 1);
}

#[tokio::test]
async fn the_same_file_twice_is_reported_and_metadata_stops_at_review() {
    let w = world(Backend::Local).await;
    let first = w
        .app
        .upload_ok(&w.admin, SHIPMENT_001, "other", "a.pdf", pdf("same"))
        .await;
    assert_eq!(first["duplicate_of"], json!([]));
    let second = w
        .app
        .upload_ok(&w.admin, SHIPMENT_001, "other", "b.pdf", pdf("same"))
        .await;
    assert_eq!(second["duplicate_of"][0]["id"], first["id"]);
    assert!(second["message"]
        .as_str()
        .unwrap()
        .contains("already on this shipment"));

    let id = first["id"].as_str().unwrap();
    let path = format!("{V1}/documents/{id}/metadata");
    let logistics = w.app.token(LOGISTICS).await;
    let body = json!({"reference_number": " BL-1 ", "issue_date": "2026-01-31", "extra_data": {"vessel": "MSC X"}});
    let response = w
        .app
        .call(Method::PATCH, &path, Some(&logistics), Some(&body))
        .await;
    let updated = json_of(response, StatusCode::OK, "metadata").await;
    assert_eq!(updated["reference_number"], "BL-1");
    assert_eq!(updated["issue_date"], "2026-01-31");
    assert_eq!(updated["extra_data"]["vessel"], "MSC X");
    let body = json!({"extra_data": {"vessel": null, "port": "Apapa"}, "issue_date": null});
    let response = w
        .app
        .call(Method::PATCH, &path, Some(&logistics), Some(&body))
        .await;
    let updated = json_of(response, StatusCode::OK, "merge").await;
    assert_eq!(updated["extra_data"], json!({"port": "Apapa"}));
    assert_eq!(updated["issue_date"], Value::Null);
    assert_eq!(updated["reference_number"], "BL-1");
    for bad in [
        json!({"issue_date": "31/01/2026"}),
        json!({"reference_number": "x".repeat(101)}),
        json!({"issuing_authority": "a\u{0}b"}),
        json!({"extra_data": {"big": "x".repeat(17 * 1024)}}),
    ] {
        let response = w
            .app
            .call(Method::PATCH, &path, Some(&logistics), Some(&bad))
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            &bad.to_string(),
        )
        .await;
    }
    // The viewer may not edit (the predecessor let viewers pass documents this way).
    let viewer = w.app.token(VIEWER).await;
    let response = w
        .app
        .call(
            Method::PATCH,
            &path,
            Some(&viewer),
            Some(&json!({"reference_number": "Y"})),
        )
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "viewer",
    )
    .await;
    // Once past review, the fields the review judged are locked.
    w.app
        .db()
        .exec(&format!(
            "UPDATE documents SET status = 'VALIDATED' WHERE id = '{id}'"
        ))
        .await;
    let response = w
        .app
        .call(
            Method::PATCH,
            &path,
            Some(&logistics),
            Some(&json!({"reference_number": "Z"})),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "DOCUMENT_LOCKED", "locked").await;
    assert_eq!(w.app.audit_count("document.metadata").await, 2);
    let _ = COMPLIANCE;
}

#[tokio::test]
async fn delete_is_for_admins_audited_and_removes_the_file() {
    for backend in BACKENDS {
        let w = world(backend).await;
        let body = w
            .app
            .upload_ok(&w.admin, SHIPMENT_001, "other", "gone.pdf", pdf("gone"))
            .await;
        let id = body["id"].as_str().unwrap();
        let path = format!("{V1}/documents/{id}");
        let logistics = w.app.token(LOGISTICS).await;
        let response = w
            .app
            .call(Method::DELETE, &path, Some(&logistics), None)
            .await;
        assert_error(
            response,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            "logistics",
        )
        .await;
        let response = w
            .app
            .call(Method::DELETE, &path, Some(&w.admin), None)
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(w.app.stored_objects().await.is_empty(), "{backend:?}");
        let details = w
            .app
            .db()
            .scalar_string(
                "SELECT details->>'file_name' FROM audit_logs WHERE action = 'document.delete'",
            )
            .await;
        assert_eq!(details.as_deref(), Some("gone.pdf"));
        let response = w.app.call(Method::GET, &path, Some(&w.admin), None).await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "after delete").await;
    }
}

/// A PDF with one page per text, written by our own PDF writer.
pub fn pdf_of_pages(pages: &[&str]) -> Vec<u8> {
    let mut builder = tracehub::pdf::writer::PdfBuilder::new("test");
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            builder.page_break();
        }
        for line in page.lines() {
            builder.paragraph(line);
        }
    }
    builder.finish()
}

const BILL_OF_LADING: &str = "BILL OF LADING FOR OCEAN TRANSPORT\n\
    B/L No. MEDU12345678\nShipper: VIBOTAJ GLOBAL NIGERIA LTD, Lagos\n\
    Consignee: HAGES Horn GmbH, Hamburg\nNotify Party: Same as consignee\n\
    Vessel / Voyage: MSC AURORA / 612W\nPort of Loading: NGAPP\nPort of Discharge: DEHAM\n\
    Container No.: MSCU1234566\nShipped on board 12/01/2026\nFreight prepaid";
const INVOICE: &str = "COMMERCIAL INVOICE\nInvoice No: INV-2026-0042\n\
    Seller: VIBOTAJ Global Nigeria Ltd\nBuyer: HAGES Horn GmbH\nIncoterms: CIF Hamburg\n\
    Payment terms: 30% advance\nHS Code 0506.90.00\nTotal amount USD 20,400.00";
const PHYTOSANITARY: &str = "PHYTOSANITARY CERTIFICATE No. NAQS/PC/2026/0331\n\
    NIGERIA AGRICULTURAL QUARANTINE SERVICE\nThis is to certify that the plants or plant \
    products described herein have been inspected and are considered to be free from \
    quarantine pests.\nDate of issue: 10.01.2026";

#[tokio::test]
async fn a_combined_pdf_is_read_into_sections_and_other_is_recognised() {
    let w = world(Backend::Local).await;
    let combined = pdf_of_pages(&[BILL_OF_LADING, INVOICE, PHYTOSANITARY]);
    let body = w
        .app
        .upload_ok(&w.admin, SHIPMENT_001, "other", "scan.pdf", combined)
        .await;
    let detection = &body["detection"];
    let sections = detection["detected_contents"].as_array().expect("sections");
    let kinds: Vec<&str> = sections
        .iter()
        .map(|s| s["document_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "bill_of_lading",
            "commercial_invoice",
            "phytosanitary_certificate"
        ],
        "{detection}"
    );
    assert_eq!(sections[1]["page_start"], 2);
    assert_eq!(body["page_count"], 3);
    assert_eq!(body["is_combined"], true);
    assert_eq!(body["content_count"], 3);
    // `other` became the most confident recognised type; every type is recorded.
    assert_ne!(body["type"], "other", "{body}");
    assert_eq!(detection["reclassified"], true);
    assert_eq!(
        body["document"]["document_types"].as_array().unwrap().len(),
        3
    );
    // The sections are stored, with what was found in them (a valid container number).
    let id = body["id"].as_str().unwrap();
    let contents = w
        .app
        .get_ok(&format!("{V1}/documents/{id}/contents"), &w.admin)
        .await;
    let stored = contents["contents"].as_array().unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0]["detection_method"], "keyword");
    assert_eq!(
        stored[0]["detected_fields"]["fields"]["container_numbers"],
        json!(["MSCU1234566"]),
        "{contents}"
    );
    // A chosen type stands when detection was not asked for.
    let body = w
        .app
        .upload_ok(
            &w.admin,
            SHIPMENT_001,
            "contract",
            "contract.pdf",
            pdf_of_pages(&[INVOICE]),
        )
        .await;
    assert_eq!(body["type"], "contract");
    // A PDF whose text cannot be read is stored all the same, and says why.
    let body = w
        .app
        .upload_ok(
            &w.admin,
            SHIPMENT_001,
            "other",
            "broken.pdf",
            pdf("not really"),
        )
        .await;
    assert!(body["detection"]["skipped"].is_string(), "{body}");
    assert_eq!(body["status"], "uploaded");
}

#[tokio::test]
async fn the_predecessors_files_are_imported_into_storage_only_from_inside_their_folder() {
    let w = world(Backend::Local).await;
    let legacy: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT id, file_path FROM documents WHERE file_path IS NOT NULL ORDER BY created_at, id",
    )
    .fetch_all(&mut w.app.db().conn().await)
    .await
    .unwrap();
    assert!(legacy.len() >= 2, "the demo has the predecessor's files");
    let (first, first_path) = legacy[0].clone();
    let (second, _) = legacy[1].clone();
    // The old application's working directory, with its `uploads/…` folder: one file there.
    let base = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("legacy")
        .join(uuid::Uuid::new_v4().to_string());
    let file = base.join(&first_path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let bytes = pdf("legacy file");
    std::fs::write(&file, &bytes).unwrap();
    std::fs::write(base.join("secret.pdf"), pdf("outside")).unwrap();
    // A path the predecessor let a client write (§6.3) is never followed out of the folder.
    w.app
        .db()
        .exec(&format!(
            "UPDATE documents SET file_path = 'uploads/../secret.pdf' WHERE id = '{second}'"
        ))
        .await;
    let download = format!("{V1}/documents/{first}/download");
    let response = w
        .app
        .call(Method::GET, &download, Some(&w.admin), None)
        .await;
    assert_error(response, StatusCode::NOT_FOUND, "FILE_NOT_STORED", "before").await;

    let folder = base.join("uploads");
    let mut owner = sqlx::Connection::connect(&w.app.db().url).await.unwrap();
    let report = tracehub::ops::import_files::import(&mut owner, &w.app.storage, &folder)
        .await
        .expect("import");
    assert_eq!(report.imported, 1, "{report:?}");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert!(report.refused[0].contains(&second.to_string()));
    assert_eq!(report.missing.len(), legacy.len() - 2, "{report:?}");
    let response = w
        .app
        .call(Method::GET, &download, Some(&w.admin), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let stored = w
        .app
        .db()
        .scalar_string(&format!(
            "SELECT content_sha256 FROM documents WHERE id = '{first}'"
        ))
        .await;
    assert_eq!(stored, Some(sha256_hex(&bytes)));

    // Again, as operators run it: nothing left to import.
    let store = base.join("store");
    let output = crate::helpers::tracehub_with_env(
        &[
            "documents",
            "import-files",
            "--from",
            folder.to_str().unwrap(),
            "--json",
        ],
        &[
            ("DATABASE_URL", &w.app.db().url),
            ("UPLOAD_DIR", store.to_str().unwrap()),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        crate::helpers::stderr(&output)
    );
    let again: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(again["imported"], 0);
    assert_eq!(again["refused"].as_array().unwrap().len(), 1);
    std::fs::remove_dir_all(base).unwrap();
}
