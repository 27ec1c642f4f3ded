//! Reports over a shipment's documents: expiry, the workflow summary, duplicate references,
//! and the sections of a combined file.

use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{readable, visible_shipment};
use crate::db::documents::{self as db, DocumentRow};
use crate::domain::document::expiry::{ExpiryItem, Urgency};
use crate::domain::document::workflow::WorkflowSummary;
use crate::domain::Permission;
use crate::http::auth::CurrentUser;
use crate::http::error::ApiError;
use crate::http::extract::{Fields, PathIds, QueryParams};
use crate::http::time::{date, rfc3339_auto as timestamp};

/// At most this many documents in an expiry report (the closest expiries).
const MAX_EXPIRING: i64 = 500;
/// How far ahead the workflow summary looks for expiries.
const SUMMARY_EXPIRY_DAYS: i64 = 30;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpiringQuery {
    /// 1–365 days ahead (default 30); expired documents are always listed.
    #[param(minimum = 1, maximum = 365)]
    days: Option<u32>,
    /// Only this shipment's documents.
    shipment_id: Option<Uuid>,
}

/// A document in the expiry report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExpiringDocument {
    id: Uuid,
    shipment_id: Uuid,
    document_type: &'static str,
    name: String,
    reference_number: Option<String>,
    #[schema(format = Date)]
    expiry_date: String,
    /// Negative once expired.
    days_until_expiry: i64,
    is_expired: bool,
    /// `expired`, `critical` (≤ 7 days), `warning` (≤ 14), `info`.
    #[schema(value_type = String)]
    urgency: Urgency,
}

impl ExpiringDocument {
    fn of(row: DocumentRow, today: chrono::NaiveDate) -> Result<Option<Self>, ApiError> {
        let Some(expiry_date) = row.expiry_date else {
            return Ok(None);
        };
        let item = ExpiryItem::of(expiry_date, today);
        Ok(Some(Self {
            id: row.id,
            shipment_id: row.shipment_id,
            document_type: row.document_type()?.as_str(),
            name: row.name,
            reference_number: row.reference_number,
            expiry_date: date(expiry_date),
            days_until_expiry: item.days_until_expiry,
            is_expired: item.is_expired,
            urgency: item.urgency,
        }))
    }

    /// Most urgent first.
    fn sorted(rows: Vec<DocumentRow>, today: chrono::NaiveDate) -> Result<Vec<Self>, ApiError> {
        let mut items: Vec<Self> = rows
            .into_iter()
            .map(|row| Self::of(row, today))
            .filter_map(Result::transpose)
            .collect::<Result<_, _>>()?;
        items.sort_by_key(|item| (item.urgency, item.days_until_expiry, item.id));
        Ok(items)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExpiringReport {
    days: u32,
    count: usize,
    documents: Vec<ExpiringDocument>,
}

#[utoipa::path(get, path = "/api/v1/documents/expiring", tag = "documents", security(("bearer" = [])),
    summary = "Documents expiring within the next days (expired ones included), most urgent first",
    params(ExpiringQuery),
    responses((status = 200, body = ExpiringReport), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "shipment_id names no shipment visible to the caller")))]
pub async fn expiring(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<ExpiringQuery>,
) -> Result<Json<ExpiringReport>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let days = query.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        let mut fields = Fields::new();
        fields.add("days", "must be between 1 and 365");
        fields.finish()?;
    }
    let today = Utc::now().date_naive();
    let until = today + chrono::Duration::days(i64::from(days));
    let mut tx = caller.begin().await?;
    if let Some(id) = query.shipment_id {
        visible_shipment(&mut tx, id).await?;
    }
    let rows = db::expiring(&mut tx, until, query.shipment_id, MAX_EXPIRING).await?;
    tx.commit().await?;
    let documents = ExpiringDocument::sorted(rows, today)?;
    Ok(Json(ExpiringReport {
        days,
        count: documents.len(),
        documents,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    shipment_id: Uuid,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkflowSummaryResponse {
    shipment_id: Uuid,
    /// `{total, by_status, complete, pending_review, failed, draft, progress_percent}`.
    #[schema(value_type = Object)]
    workflow_summary: WorkflowSummary,
    /// Documents expiring within 30 days (or expired).
    expiring_soon: usize,
    /// The five most urgent of those.
    expiring_documents: Vec<ExpiringDocument>,
}

#[utoipa::path(get, path = "/api/v1/documents/workflow/summary", tag = "documents", security(("bearer" = [])),
    summary = "Where a shipment's documents stand in review, and what expires soon",
    params(SummaryQuery),
    responses((status = 200, body = WorkflowSummaryResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "No such shipment visible to the caller")))]
pub async fn workflow_summary(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<SummaryQuery>,
) -> Result<Json<WorkflowSummaryResponse>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let mut tx = caller.begin().await?;
    visible_shipment(&mut tx, query.shipment_id).await?;
    let rows = db::documents_of_shipment(&mut tx, query.shipment_id).await?;
    tx.commit().await?;
    let statuses = rows
        .iter()
        .map(DocumentRow::status)
        .collect::<Result<Vec<_>, _>>()?;
    let today = Utc::now().date_naive();
    let until = today + chrono::Duration::days(SUMMARY_EXPIRY_DAYS);
    let soon: Vec<DocumentRow> = rows
        .into_iter()
        .filter(|row| row.expiry_date.is_some_and(|day| day <= until))
        .filter(|row| {
            !matches!(
                row.status(),
                Ok(crate::domain::document::DocumentStatus::Archived)
            )
        })
        .collect();
    let mut expiring = ExpiringDocument::sorted(soon, today)?;
    let expiring_soon = expiring.len();
    expiring.truncate(5);
    Ok(Json(WorkflowSummaryResponse {
        shipment_id: query.shipment_id,
        workflow_summary: WorkflowSummary::of(statuses),
        expiring_soon,
        expiring_documents: expiring,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Occurrence {
    document_id: Uuid,
    content_id: Option<Uuid>,
    first_seen_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicateReference {
    reference_number: String,
    document_type: &'static str,
    occurrences: Vec<Occurrence>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicatesReport {
    shipment_id: Uuid,
    /// Distinct (reference, type) pairs on the shipment.
    total_references: usize,
    duplicate_count: usize,
    duplicates: Vec<DuplicateReference>,
}

#[utoipa::path(get, path = "/api/v1/documents/shipments/{shipment_id}/duplicates", tag = "documents", security(("bearer" = [])),
    summary = "Reference numbers found on more than one document of a shipment",
    params(("shipment_id" = Uuid, Path, description = "Shipment id")),
    responses((status = 200, body = DuplicatesReport), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "No such shipment visible to the caller")))]
pub async fn duplicates(
    mut caller: CurrentUser,
    PathIds([shipment_id]): PathIds<1>,
) -> Result<Json<DuplicatesReport>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let mut tx = caller.begin().await?;
    visible_shipment(&mut tx, shipment_id).await?;
    let sightings = db::reference_sightings(&mut tx, shipment_id).await?;
    tx.commit().await?;
    // Group by (reference, type); a reference is duplicated when it appears on more than
    // one document (a document and its own section count once).
    let mut groups: Vec<DuplicateReference> = Vec::new();
    let mut documents_per_group: Vec<Vec<Uuid>> = Vec::new();
    for sighting in sightings {
        let kind = sighting.document_type()?.as_str();
        let same = groups.last().is_some_and(|g| {
            g.reference_number == sighting.reference_number && g.document_type == kind
        });
        if !same {
            groups.push(DuplicateReference {
                reference_number: sighting.reference_number.clone(),
                document_type: kind,
                occurrences: Vec::new(),
            });
            documents_per_group.push(Vec::new());
        }
        let documents = documents_per_group.last_mut().expect("pushed");
        if !documents.contains(&sighting.document_id) {
            documents.push(sighting.document_id);
        }
        groups
            .last_mut()
            .expect("pushed")
            .occurrences
            .push(Occurrence {
                document_id: sighting.document_id,
                content_id: sighting.content_id,
                first_seen_at: sighting.seen_at.map(timestamp),
            });
    }
    let total_references = groups.len();
    let duplicates: Vec<DuplicateReference> = groups
        .into_iter()
        .zip(documents_per_group)
        .filter(|(_, documents)| documents.len() > 1)
        .map(|(group, _)| group)
        .collect();
    Ok(Json(DuplicatesReport {
        shipment_id,
        total_references,
        duplicate_count: duplicates.len(),
        duplicates,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContentItem {
    id: Uuid,
    document_type: &'static str,
    status: &'static str,
    page_start: i32,
    page_end: i32,
    reference_number: Option<String>,
    confidence: Option<f64>,
    detection_method: Option<String>,
    validated_at: Option<String>,
    validated_by: Option<String>,
    validation_notes: Option<String>,
    #[schema(value_type = Object)]
    detected_fields: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContentsResponse {
    document_id: Uuid,
    file_name: Option<String>,
    is_combined: bool,
    page_count: Option<i32>,
    content_count: i32,
    contents: Vec<ContentItem>,
}

#[utoipa::path(get, path = "/api/v1/documents/{id}/contents", tag = "documents", security(("bearer" = [])),
    summary = "The sections found in a document's file (several for a combined PDF)",
    params(("id" = Uuid, Path, description = "Document id")),
    responses((status = 200, body = ContentsResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "No such document visible to the caller")))]
pub async fn contents(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<ContentsResponse>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let mut tx = caller.begin().await?;
    let document = readable(&mut tx, id).await?;
    let rows = db::contents_of(&mut tx, id).await?;
    tx.commit().await?;
    let contents = rows
        .into_iter()
        .map(|row| {
            Ok(ContentItem {
                id: row.id,
                document_type: row.document_type()?.as_str(),
                status: row.status()?.as_str(),
                page_start: row.page_start,
                page_end: row.page_end,
                reference_number: row.reference_number,
                confidence: row.confidence_score,
                detection_method: row.detection_method,
                validated_at: row.validated_at.map(timestamp),
                validated_by: row.validated_by,
                validation_notes: row.validation_notes,
                detected_fields: row.detected_fields,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Json(ContentsResponse {
        document_id: id,
        file_name: document.file_name,
        is_combined: document.is_combined,
        page_count: document.page_count,
        content_count: document.content_count,
        contents,
    }))
}
