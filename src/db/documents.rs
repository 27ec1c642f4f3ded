//! Queries of the documents slice: stored documents, their contents (sections of a combined
//! PDF), the per-shipment reference registry, and what completeness and expiry reports read.
//!
//! Every function runs on the caller's [`TenantTx`]: row-level security decides what exists
//! (an organization's own documents, and read-only those of shipments assigned to its
//! buyer organization). Writes name the owning organization explicitly as well, so a buyer
//! never reaches a row to change even where a policy would let it read. The storage path of
//! the predecessor (`file_path`) is never selected: nothing here can return it.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::tenant::{AppPool, TenantTx};
use super::undecodable;
use crate::domain::document::{DocumentStatus, DocumentType};

/// The columns every read of a document selects (never `file_path`).
const COLUMNS: &str = "id, shipment_id, organization_id, document_type::text AS document_type, \
     document_types, name, file_name, file_size_bytes, mime_type, status::text AS status, \
     coalesce(is_combined, false) AS is_combined, coalesce(content_count, 1) AS content_count, \
     page_count, reference_number, issue_date, expiry_date, issuing_authority, validation_notes, \
     uploaded_by, uploaded_by_id, uploaded_at, validated_at, validated_by, validated_by_id, \
     coalesce(extra_data, '{}'::jsonb) AS extra_data, created_at, updated_at, storage_key, \
     content_sha256, (file_path IS NOT NULL OR storage_key IS NOT NULL) AS has_file";

/// One document as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: Uuid,
    pub shipment_id: Uuid,
    pub organization_id: Uuid,
    document_type: String,
    pub document_types: Option<Value>,
    pub name: String,
    pub file_name: Option<String>,
    pub file_size_bytes: Option<i32>,
    pub mime_type: Option<String>,
    status: String,
    pub is_combined: bool,
    pub content_count: i32,
    pub page_count: Option<i32>,
    pub reference_number: Option<String>,
    pub issue_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    pub issuing_authority: Option<String>,
    pub validation_notes: Option<String>,
    pub uploaded_by: Option<String>,
    pub uploaded_by_id: Option<Uuid>,
    pub uploaded_at: Option<DateTime<Utc>>,
    pub validated_at: Option<DateTime<Utc>>,
    pub validated_by: Option<String>,
    pub validated_by_id: Option<Uuid>,
    pub extra_data: Value,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Where TraceHub stored the file; `None` for the predecessor's rows.
    pub storage_key: Option<String>,
    pub content_sha256: Option<String>,
    /// Whether a file was ever stored for the row (ours or the predecessor's).
    pub has_file: bool,
}

impl DocumentRow {
    /// The stored type; a label this program does not know is a broken database.
    pub fn document_type(&self) -> Result<DocumentType, sqlx::Error> {
        DocumentType::from_db_label(&self.document_type).map_err(undecodable)
    }

    pub fn status(&self) -> Result<DocumentStatus, sqlx::Error> {
        DocumentStatus::from_db_label(&self.status).map_err(undecodable)
    }
}

/// A document to insert, its file already stored.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub id: Uuid,
    pub shipment_id: Uuid,
    pub document_type: DocumentType,
    /// Every type found in the file (a combined PDF has several), the chosen one first.
    pub document_types: &'a [DocumentType],
    pub name: &'a str,
    pub file_name: &'a str,
    pub file_size_bytes: i32,
    pub mime_type: &'a str,
    pub status: DocumentStatus,
    pub page_count: Option<i32>,
    /// Sections found in the file (several documents scanned into one), at least 1.
    pub content_count: i32,
    pub reference_number: Option<&'a str>,
    pub issue_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    pub issuing_authority: Option<&'a str>,
    pub storage_key: &'a str,
    pub content_sha256: &'a str,
    pub extra_data: Value,
}

/// Inserts a document of the caller's organization (the column default is the tenant),
/// uploaded by the transaction's user (the predecessor's text column gets the e-mail).
pub async fn insert_document(
    tx: &mut TenantTx,
    document: &NewDocument<'_>,
) -> Result<DocumentRow, sqlx::Error> {
    let types: Vec<&str> = document
        .document_types
        .iter()
        .map(|kind| kind.as_str())
        .collect();
    let sql = format!(
        "INSERT INTO documents (id, shipment_id, document_type, document_types, name, file_name, \
             file_size_bytes, mime_type, status, required, is_combined, content_count, page_count, \
             reference_number, issue_date, expiry_date, issuing_authority, uploaded_by, \
             uploaded_by_id, uploaded_at, storage_key, content_sha256, extra_data, created_at, \
             updated_at) \
         VALUES ($1, $2, $3::documenttype, $4, $5, $6, $7, $8, $9::documentstatus, true, \
             $10 > 1, $10, $11, $12, $13, \
             $14, $15, (SELECT left(email, 100) FROM users WHERE id = app.current_user_id()), \
             app.current_user_id(), now(), $16, $17, $18, now(), now()) \
         RETURNING {COLUMNS}"
    );
    sqlx::query_as(&sql)
        .bind(document.id)
        .bind(document.shipment_id)
        .bind(document.document_type.db_label())
        .bind(serde_json::json!(types))
        .bind(document.name)
        .bind(document.file_name)
        .bind(document.file_size_bytes)
        .bind(document.mime_type)
        .bind(document.status.db_label())
        .bind(document.content_count.max(1))
        .bind(document.page_count)
        .bind(document.reference_number)
        .bind(document.issue_date)
        .bind(document.expiry_date)
        .bind(document.issuing_authority)
        .bind(document.storage_key)
        .bind(document.content_sha256)
        .bind(&document.extra_data)
        .fetch_one(tx.conn())
        .await
}

/// A document the caller may read (its organization's, or of a shipment assigned to its
/// buyer organization).
pub async fn find_document(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM documents WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await
}

/// A document the caller's organization owns, locked for a change; `None` otherwise (a
/// buyer organization reads documents of its shipments but never changes them).
pub async fn find_own_document_for_update(
    tx: &mut TenantTx,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM documents WHERE id = $1 AND organization_id = $2 FOR UPDATE"
    ))
    .bind(id)
    .bind(organization_id)
    .fetch_optional(tx.conn())
    .await
}

/// The shipment's documents, oldest first.
pub async fn documents_of_shipment(
    tx: &mut TenantTx,
    shipment_id: Uuid,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM documents WHERE shipment_id = $1 \
          ORDER BY created_at NULLS FIRST, id"
    ))
    .bind(shipment_id)
    .fetch_all(tx.conn())
    .await
}

/// Other documents of the shipment with the same content (by SHA-256).
pub async fn same_content(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    content_sha256: &str,
    except: Uuid,
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name FROM documents \
          WHERE shipment_id = $1 AND content_sha256 = $2 AND id <> $3 \
          ORDER BY created_at, id",
    )
    .bind(shipment_id)
    .bind(content_sha256)
    .bind(except)
    .fetch_all(tx.conn())
    .await
}

/// The editable descriptive fields; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct MetadataChange {
    pub reference_number: Option<Option<String>>,
    pub issue_date: Option<Option<NaiveDate>>,
    pub expiry_date: Option<Option<NaiveDate>>,
    pub issuing_authority: Option<Option<String>>,
    /// Merged into the stored object, key by key (a JSON null value removes the key).
    pub extra_data: Option<serde_json::Map<String, Value>>,
}

/// Applies a metadata change to a document the caller's organization owns.
pub async fn update_metadata(
    tx: &mut TenantTx,
    id: Uuid,
    change: &MetadataChange,
) -> Result<DocumentRow, sqlx::Error> {
    let extra = change.extra_data.clone().map(Value::Object);
    sqlx::query_as(&format!(
        "UPDATE documents SET \
             reference_number = CASE WHEN $2 THEN $3 ELSE reference_number END, \
             issue_date = CASE WHEN $4 THEN $5 ELSE issue_date END, \
             expiry_date = CASE WHEN $6 THEN $7 ELSE expiry_date END, \
             issuing_authority = CASE WHEN $8 THEN $9 ELSE issuing_authority END, \
             extra_data = CASE WHEN $10::jsonb IS NULL THEN extra_data \
                               ELSE jsonb_strip_nulls(coalesce(extra_data, '{{}}'::jsonb) || $10::jsonb) END, \
             updated_at = now() \
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(change.reference_number.is_some())
    .bind(change.reference_number.clone().flatten())
    .bind(change.issue_date.is_some())
    .bind(change.issue_date.flatten())
    .bind(change.expiry_date.is_some())
    .bind(change.expiry_date.flatten())
    .bind(change.issuing_authority.is_some())
    .bind(change.issuing_authority.clone().flatten())
    .bind(extra)
    .fetch_one(tx.conn())
    .await
}

/// Moves a document to `status` (the workflow has decided the move is allowed). Entering
/// `validated` records who (the transaction's user) and when; the notes, when given,
/// replace the stored ones.
pub async fn set_status(
    tx: &mut TenantTx,
    id: Uuid,
    status: DocumentStatus,
    notes: Option<&str>,
) -> Result<DocumentRow, sqlx::Error> {
    let validated = status == DocumentStatus::Validated;
    sqlx::query_as(&format!(
        "UPDATE documents SET status = $2::documentstatus, \
             validated_at = CASE WHEN $3 THEN now() ELSE validated_at END, \
             validated_by = CASE WHEN $3 THEN (SELECT left(email, 100) FROM users \
                                               WHERE id = app.current_user_id()) \
                                 ELSE validated_by END, \
             validated_by_id = CASE WHEN $3 THEN app.current_user_id() ELSE validated_by_id END, \
             validation_notes = coalesce($4, validation_notes), \
             updated_at = now() \
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(status.db_label())
    .bind(validated)
    .bind(notes)
    .fetch_one(tx.conn())
    .await
}

/// Deletes a document (its contents go with it; registry entries lose the link).
pub async fn delete_document(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM documents WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Documents whose expiry date is on or before `until`, soonest first, optionally of one
/// shipment; archived ones are left out (they no longer stand for anything).
pub async fn expiring(
    tx: &mut TenantTx,
    until: NaiveDate,
    shipment_id: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM documents \
          WHERE expiry_date IS NOT NULL AND expiry_date <= $1 \
            AND status <> 'ARCHIVED' AND ($2::uuid IS NULL OR shipment_id = $2) \
          ORDER BY expiry_date, id LIMIT $3"
    ))
    .bind(until)
    .bind(shipment_id)
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

// ---------------------------------------------------------------------------------------
// Contents (sections of a combined file)

/// One section of a document.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContentRow {
    pub id: Uuid,
    pub document_id: Uuid,
    document_type: String,
    status: String,
    pub page_start: i32,
    pub page_end: i32,
    pub reference_number: Option<String>,
    pub detected_fields: Option<Value>,
    pub confidence_score: Option<f64>,
    pub detection_method: Option<String>,
    pub validation_notes: Option<String>,
    pub validated_at: Option<DateTime<Utc>>,
    pub validated_by: Option<String>,
}

impl ContentRow {
    pub fn document_type(&self) -> Result<DocumentType, sqlx::Error> {
        DocumentType::from_db_label(&self.document_type).map_err(undecodable)
    }

    pub fn status(&self) -> Result<DocumentStatus, sqlx::Error> {
        DocumentStatus::from_db_label(&self.status).map_err(undecodable)
    }
}

/// A section to insert.
#[derive(Debug, Clone)]
pub struct NewContent<'a> {
    pub document_type: DocumentType,
    pub page_start: i32,
    pub page_end: i32,
    pub reference_number: Option<&'a str>,
    pub detected_fields: Value,
    pub confidence: f64,
    pub detection_method: &'a str,
}

/// Inserts a section of a document, in the document's status, and returns its id.
pub async fn insert_content(
    tx: &mut TenantTx,
    document_id: Uuid,
    status: DocumentStatus,
    content: &NewContent<'_>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO document_contents (id, document_id, document_type, status, page_start, \
             page_end, reference_number, detected_fields, confidence_score, detection_method, \
             created_at, updated_at) \
         VALUES (gen_random_uuid(), $1, $2::documenttype, $3::documentstatus, $4, $5, $6, $7, \
             $8, $9, now(), now()) RETURNING id",
    )
    .bind(document_id)
    .bind(content.document_type.db_label())
    .bind(status.db_label())
    .bind(content.page_start)
    .bind(content.page_end)
    .bind(content.reference_number)
    .bind(&content.detected_fields)
    .bind(content.confidence)
    .bind(content.detection_method)
    .fetch_one(tx.conn())
    .await
}

/// The sections of a document, in page order.
pub async fn contents_of(
    tx: &mut TenantTx,
    document_id: Uuid,
) -> Result<Vec<ContentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, document_id, document_type::text AS document_type, status::text AS status, \
                page_start, page_end, reference_number, detected_fields, confidence_score, \
                detection_method, validation_notes, validated_at, validated_by \
           FROM document_contents WHERE document_id = $1 ORDER BY page_start, id",
    )
    .bind(document_id)
    .fetch_all(tx.conn())
    .await
}

// ---------------------------------------------------------------------------------------
// Reference registry (duplicate references per shipment)

/// A reference number already registered on the shipment for the same type.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegisteredReference {
    pub reference_number: String,
    pub document_id: Option<Uuid>,
    pub document_content_id: Option<Uuid>,
    pub first_seen_at: Option<DateTime<Utc>>,
}

/// Registers a reference of a document (or one of its sections) on its shipment. Returns
/// the earlier registration when the same reference and type were already there (a
/// duplicate), `None` when this one is new.
pub async fn register_reference(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    reference_number: &str,
    document_type: DocumentType,
    document_id: Uuid,
    content_id: Option<Uuid>,
) -> Result<Option<RegisteredReference>, sqlx::Error> {
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO reference_registry (id, shipment_id, reference_number, document_type, \
             document_content_id, document_id, first_seen_at) \
         VALUES (gen_random_uuid(), $1, $2, $3::documenttype, $4, $5, now()) \
         ON CONFLICT ON CONSTRAINT uq_reference_per_shipment_type DO NOTHING RETURNING id",
    )
    .bind(shipment_id)
    .bind(reference_number)
    .bind(document_type.db_label())
    .bind(content_id)
    .bind(document_id)
    .fetch_optional(tx.conn())
    .await?;
    if inserted.is_some() {
        return Ok(None);
    }
    sqlx::query_as(
        "SELECT reference_number, document_id, document_content_id, first_seen_at \
           FROM reference_registry \
          WHERE shipment_id = $1 AND reference_number = $2 AND document_type = $3::documenttype",
    )
    .bind(shipment_id)
    .bind(reference_number)
    .bind(document_type.db_label())
    .fetch_optional(tx.conn())
    .await
}

/// A reference number seen on a document or one of its sections.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReferenceSighting {
    pub reference_number: String,
    document_type: String,
    pub document_id: Uuid,
    pub content_id: Option<Uuid>,
    pub seen_at: Option<DateTime<Utc>>,
}

impl ReferenceSighting {
    pub fn document_type(&self) -> Result<DocumentType, sqlx::Error> {
        DocumentType::from_db_label(&self.document_type).map_err(undecodable)
    }
}

/// Every reference number of the shipment's documents and sections, grouped by reference
/// and type, oldest sighting first.
pub async fn reference_sightings(
    tx: &mut TenantTx,
    shipment_id: Uuid,
) -> Result<Vec<ReferenceSighting>, sqlx::Error> {
    sqlx::query_as(
        "SELECT reference_number, document_type::text AS document_type, document_id, content_id, \
                seen_at FROM ( \
             SELECT d.reference_number, d.document_type, d.id AS document_id, \
                    NULL::uuid AS content_id, d.created_at AS seen_at \
               FROM documents d WHERE d.shipment_id = $1 AND d.reference_number IS NOT NULL \
             UNION ALL \
             SELECT c.reference_number, c.document_type, c.document_id, c.id, c.created_at \
               FROM document_contents c JOIN documents d ON d.id = c.document_id \
              WHERE d.shipment_id = $1 AND c.reference_number IS NOT NULL) r \
          ORDER BY reference_number, document_type, seen_at NULLS FIRST, document_id",
    )
    .bind(shipment_id)
    .fetch_all(tx.conn())
    .await
}

// ---------------------------------------------------------------------------------------
// Expiry warnings (revision 019)

/// The organizations owning documents that expire on or before `until` (not archived): where
/// the daily expiry run has work. Run as the owner, across organizations; everything else
/// the run does happens in each organization's own tenant transaction.
pub async fn organizations_with_expiring(
    pool: &AppPool,
    until: NaiveDate,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT app.organizations_with_expiring_documents($1)")
        .bind(until)
        .fetch_all(pool.inner())
        .await
}

/// Records that `urgency` was announced for the document's `expiry_date`; false when it had
/// been already (the warning is then not repeated).
pub async fn record_expiry_warning(
    tx: &mut TenantTx,
    document_id: Uuid,
    expiry_date: NaiveDate,
    urgency: &str,
) -> Result<bool, sqlx::Error> {
    let inserted: Option<bool> = sqlx::query_scalar(
        "INSERT INTO document_expiry_warnings (document_id, expiry_date, urgency) \
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true",
    )
    .bind(document_id)
    .bind(expiry_date)
    .bind(urgency)
    .fetch_optional(tx.conn())
    .await?;
    Ok(inserted.is_some())
}

// ---------------------------------------------------------------------------------------
// The predecessor's files (the operator's import, as the owner)

/// Documents with a predecessor `file_path` and no storage key: id, organization, shipment,
/// path.
pub async fn legacy_files(
    owner: &mut sqlx::PgConnection,
) -> Result<Vec<(Uuid, Uuid, Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, organization_id, shipment_id, file_path FROM documents \
          WHERE storage_key IS NULL AND file_path IS NOT NULL ORDER BY created_at, id",
    )
    .fetch_all(owner)
    .await
}

/// Records where an imported file now lives (only if no key was set meanwhile).
pub async fn mark_imported(
    owner: &mut sqlx::PgConnection,
    id: Uuid,
    storage_key: &str,
    content_sha256: &str,
    mime_type: &str,
    size: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE documents SET storage_key = $2, content_sha256 = $3, mime_type = $4, \
                file_size_bytes = $5, updated_at = now() \
          WHERE id = $1 AND storage_key IS NULL",
    )
    .bind(id)
    .bind(storage_key)
    .bind(content_sha256)
    .bind(mime_type)
    .bind(i32::try_from(size).unwrap_or(i32::MAX))
    .execute(owner)
    .await?;
    Ok(())
}
