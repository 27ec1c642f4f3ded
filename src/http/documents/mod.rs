//! Trade documents (issue 12, reference §1.5): upload and download ([`files`]), the review
//! workflow ([`review`]), reports over many documents ([`reports`]), and here the plain
//! reads and edits of one document.
//!
//! Every query runs in the caller's tenant transaction: another organization's document is
//! not found (404), a buyer organization reads the documents of the shipments assigned to it
//! and changes nothing (its members lack the write permissions, and the write queries name
//! the owning organization). Every change and every download writes an audit row.
//!
//! Static paths (`/documents/expiring`, `/documents/workflow/summary`, …) are routed before
//! `/documents/{id}` by the router's own precedence, so none is shadowed (the predecessor's
//! `expiring` and `check-duplicate` were unreachable).

mod analysis;
pub mod files;
pub mod output;
mod reports;
pub mod review;

use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::extract::{nullable, Fields, JsonBody, Patch, PathIds, RequestId};
use super::AppState;
use crate::db::documents::{self as db, DocumentRow, MetadataChange};
use crate::db::tenant::{AuditEntry, TenantTx};
use crate::domain::document::DocumentStatus;
use crate::domain::{text, Permission};
use output::DocumentResponse;

/// Nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents/upload", files::upload_route())
        .route("/documents/expiring", get(reports::expiring))
        .route(
            "/documents/workflow/summary",
            get(reports::workflow_summary),
        )
        .route(
            "/documents/types/{document_type}/requirements",
            get(review::type_requirements),
        )
        .route(
            "/documents/shipments/{shipment_id}/duplicates",
            get(reports::duplicates),
        )
        .route("/documents/{id}", get(get_one).delete(files::remove))
        .route("/documents/{id}/download", get(files::download))
        .route("/documents/{id}/metadata", patch(update_metadata))
        .route("/documents/{id}/contents", get(reports::contents))
        .route("/documents/{id}/validation", get(review::validation))
        .route("/documents/{id}/transitions", get(review::transitions))
        .route("/documents/{id}/transition", post(review::transition))
        .route("/documents/{id}/approve", post(review::approve))
        .route("/documents/{id}/reject", post(review::reject))
        .route("/documents/{id}/validate", patch(review::validate))
        .route("/shipments/{id}/documents", get(list_of_shipment))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    get_one,
    list_of_shipment,
    update_metadata,
    files::upload,
    files::download,
    files::remove,
    reports::expiring,
    reports::workflow_summary,
    reports::duplicates,
    reports::contents,
    review::validation,
    review::transitions,
    review::transition,
    review::approve,
    review::reject,
    review::validate,
    review::type_requirements
))]
pub struct ApiDoc;

/// A change refused because the document's review has moved past where it may change.
pub const DOCUMENT_LOCKED: &str = "DOCUMENT_LOCKED";

// ---------------------------------------------------------------------------------------
// Helpers shared by the handlers of this slice

/// Writes the audit row of an action on a document.
async fn audit(
    tx: &mut TenantTx,
    request_id: &RequestId,
    action: &str,
    id: Uuid,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    tx.audit(AuditEntry {
        action,
        resource_type: "document",
        resource_id: Some(id.to_string()),
        actor: None,
        request_id: request_id.as_deref(),
        details,
    })
    .await?;
    Ok(())
}

/// A document the caller may read; 404 otherwise.
async fn readable(tx: &mut TenantTx, id: Uuid) -> Result<DocumentRow, ApiError> {
    db::find_document(tx, id).await?.ok_or(ApiError::NotFound)
}

/// A shipment the caller may read (its organization's, or assigned to its buyer
/// organization); 404 otherwise.
async fn visible_shipment(tx: &mut TenantTx, id: Uuid) -> Result<(), ApiError> {
    crate::db::shipments::find_shipment(tx, id)
        .await?
        .map(|_| ())
        .ok_or(ApiError::NotFound)
}

/// A document the caller's organization owns, locked for a change; 404 otherwise (also for
/// one it may only read as a buyer).
async fn owned(tx: &mut TenantTx, caller: &CurrentUser, id: Uuid) -> Result<DocumentRow, ApiError> {
    db::find_own_document_for_update(tx, caller.organization_id, id)
        .await?
        .ok_or(ApiError::NotFound)
}

// ---------------------------------------------------------------------------------------
// Reads

#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", security(("bearer" = [])),
    summary = "One document (never its storage location)",
    params(("id" = Uuid, Path, description = "Document id")),
    responses((status = 200, body = DocumentResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "No such document visible to the caller")))]
pub(crate) async fn get_one(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<DocumentResponse>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let mut tx = caller.begin().await?;
    let row = readable(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(DocumentResponse::new(row)?))
}

#[utoipa::path(get, path = "/api/v1/shipments/{id}/documents", tag = "documents", security(("bearer" = [])),
    summary = "The documents of a shipment, oldest first",
    params(("id" = Uuid, Path, description = "Shipment id")),
    responses((status = 200, body = Vec<DocumentResponse>), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "No such shipment visible to the caller")))]
async fn list_of_shipment(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<Vec<DocumentResponse>>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let mut tx = caller.begin().await?;
    visible_shipment(&mut tx, id).await?;
    let rows = db::documents_of_shipment(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(DocumentResponse::all(rows)?))
}

// ---------------------------------------------------------------------------------------
// Metadata

/// The descriptive fields a client may edit (`null` clears one; absent leaves it).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetadataInput {
    #[schema(max_length = 100, nullable)]
    #[serde(default, deserialize_with = "nullable")]
    reference_number: Option<Option<String>>,
    #[schema(format = Date, max_length = 64, nullable)]
    #[serde(default, deserialize_with = "nullable")]
    issue_date: Option<Option<String>>,
    #[schema(format = Date, max_length = 64, nullable)]
    #[serde(default, deserialize_with = "nullable")]
    expiry_date: Option<Option<String>>,
    #[schema(max_length = 255, nullable)]
    #[serde(default, deserialize_with = "nullable")]
    issuing_authority: Option<Option<String>>,
    /// Merged into the stored object key by key (a `null` value removes the key); at most
    /// 16 KiB as compact JSON.
    #[schema(value_type = Option<Object>)]
    extra_data: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The largest `extra_data` a request may carry, as compact JSON.
const MAX_EXTRA_DATA_BYTES: usize = 16 * 1024;

/// A bounded, NUL-free text field of a PATCH: absent stays, null or blank clears.
fn text_field(fields: &mut Fields, name: &str, value: Patch<String>, max: usize) -> Patch<String> {
    match value? {
        None => Some(None),
        Some(text) => fields.check(name, text::optional(Some(&text), max)),
    }
}

/// A `YYYY-MM-DD` date field; blank or null clears.
pub fn date_field(
    fields: &mut Fields,
    name: &str,
    value: Option<Option<String>>,
) -> Option<Option<NaiveDate>> {
    let value = value?;
    match value.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => Some(Some(day)),
            Err(_) => {
                fields.add(name, "must be a date YYYY-MM-DD");
                None
            }
        },
    }
}

impl MetadataInput {
    fn change(self) -> Result<MetadataChange, ApiError> {
        let mut fields = Fields::new();
        let change = MetadataChange {
            reference_number: text_field(
                &mut fields,
                "reference_number",
                self.reference_number,
                100,
            ),
            issue_date: date_field(&mut fields, "issue_date", self.issue_date),
            expiry_date: date_field(&mut fields, "expiry_date", self.expiry_date),
            issuing_authority: text_field(
                &mut fields,
                "issuing_authority",
                self.issuing_authority,
                255,
            ),
            extra_data: self.extra_data,
        };
        if let Some(extra) = &change.extra_data {
            let compact = serde_json::to_string(extra).unwrap_or_default();
            if compact.len() > MAX_EXTRA_DATA_BYTES {
                fields.add("extra_data", "must be at most 16 KiB as compact JSON");
            } else if compact.contains("\\u0000") {
                fields.add("extra_data", "must not contain NUL");
            }
        }
        fields.finish()?;
        Ok(change)
    }
}

/// Whether a document's descriptive fields may still change: not once it passed review
/// (validated and later), since the review judged exactly those fields.
pub(crate) fn may_edit_metadata(status: DocumentStatus) -> bool {
    matches!(
        status,
        DocumentStatus::Draft | DocumentStatus::Uploaded | DocumentStatus::ComplianceFailed
    )
}

#[utoipa::path(patch, path = "/api/v1/documents/{id}/metadata", tag = "documents", security(("bearer" = [])),
    summary = "Edit a document's reference, dates, issuing authority and extra data (before it passes review)",
    params(("id" = Uuid, Path, description = "Document id")),
    request_body = MetadataInput,
    responses((status = 200, body = DocumentResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:update (viewers, buyers)"),
        (status = 404, description = "No such document owned by the caller's organization"),
        (status = 409, description = "DOCUMENT_LOCKED: validated or later; its review judged these fields")))]
pub(crate) async fn update_metadata(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<MetadataInput>,
) -> Result<Json<DocumentResponse>, ApiError> {
    caller.require(Permission::DocumentsUpdate)?;
    let change = body.change()?;
    let mut tx = caller.begin().await?;
    let current = owned(&mut tx, &caller, id).await?;
    let status = current.status()?;
    if !may_edit_metadata(status) {
        return Err(ApiError::conflict(
            DOCUMENT_LOCKED,
            format!("the document is {status}; its fields cannot change after it passed review"),
        ));
    }
    let row = db::update_metadata(&mut tx, id, &change).await?;
    let updated: Vec<&str> = [
        ("reference_number", change.reference_number.is_some()),
        ("issue_date", change.issue_date.is_some()),
        ("expiry_date", change.expiry_date.is_some()),
        ("issuing_authority", change.issuing_authority.is_some()),
        ("extra_data", change.extra_data.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect();
    let details = serde_json::json!({ "updated_fields": updated });
    audit(&mut tx, &request_id, "document.metadata", id, details).await?;
    tx.commit().await?;
    Ok(Json(DocumentResponse::new(row)?))
}

/// The status code of a deletion (shared with [`files::remove`]).
const DELETED: StatusCode = StatusCode::NO_CONTENT;
