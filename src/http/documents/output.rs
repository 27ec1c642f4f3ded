//! Response bodies of the documents slice. A document is answered with every column a client
//! may see — never where or how it is stored (the predecessor answered its raw row, server
//! path included).

use serde::Serialize;
use uuid::Uuid;

use crate::db::documents::DocumentRow;
use crate::http::error::ApiError;
use crate::http::time::{date, rfc3339_auto as timestamp};

/// One document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentResponse {
    pub id: Uuid,
    pub shipment_id: Uuid,
    pub organization_id: Uuid,
    /// Lower case (`bill_of_lading`).
    pub document_type: &'static str,
    /// Every type found in the file (a combined PDF has several).
    #[schema(value_type = Vec<String>)]
    pub document_types: serde_json::Value,
    pub name: String,
    /// The client's original file name (metadata only: never a storage path).
    pub file_name: Option<String>,
    pub file_size_bytes: Option<i32>,
    pub mime_type: Option<String>,
    /// Lower case (`uploaded`).
    pub status: &'static str,
    pub is_combined: bool,
    pub content_count: i32,
    pub page_count: Option<i32>,
    pub reference_number: Option<String>,
    #[schema(format = Date)]
    pub issue_date: Option<String>,
    #[schema(format = Date)]
    pub expiry_date: Option<String>,
    pub issuing_authority: Option<String>,
    pub validation_notes: Option<String>,
    pub uploaded_by: Option<String>,
    pub uploaded_by_id: Option<Uuid>,
    pub uploaded_at: Option<String>,
    pub validated_at: Option<String>,
    pub validated_by: Option<String>,
    #[schema(value_type = Object)]
    pub extra_data: serde_json::Value,
    /// Hex SHA-256 of the stored file (absent for files the predecessor stored).
    pub sha256: Option<String>,
    /// Whether a file is stored for the document.
    pub has_file: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl DocumentResponse {
    pub fn new(row: DocumentRow) -> Result<Self, ApiError> {
        let document_type = row.document_type()?.as_str();
        let status = row.status()?.as_str();
        Ok(Self {
            id: row.id,
            shipment_id: row.shipment_id,
            organization_id: row.organization_id,
            document_type,
            document_types: row
                .document_types
                .unwrap_or_else(|| serde_json::json!([document_type])),
            name: row.name,
            file_name: row.file_name,
            file_size_bytes: row.file_size_bytes,
            mime_type: row.mime_type,
            status,
            is_combined: row.is_combined,
            content_count: row.content_count,
            page_count: row.page_count,
            reference_number: row.reference_number,
            issue_date: row.issue_date.map(date),
            expiry_date: row.expiry_date.map(date),
            issuing_authority: row.issuing_authority,
            validation_notes: row.validation_notes,
            uploaded_by: row.uploaded_by,
            uploaded_by_id: row.uploaded_by_id,
            uploaded_at: row.uploaded_at.map(timestamp),
            validated_at: row.validated_at.map(timestamp),
            validated_by: row.validated_by,
            extra_data: row.extra_data,
            sha256: row.content_sha256,
            has_file: row.has_file,
            created_at: row.created_at.map(timestamp),
            updated_at: row.updated_at.map(timestamp),
        })
    }

    pub fn all(rows: Vec<DocumentRow>) -> Result<Vec<Self>, ApiError> {
        rows.into_iter().map(Self::new).collect()
    }
}
