//! The stored file of a document: upload (multipart, streamed), download (streamed, with
//! `Range`), delete.
//!
//! **Upload** (`POST /documents/upload`, the predecessor's fields `shipment_id`,
//! `document_type`, `file`, `reference_number`, `auto_detect`, plus `issue_date`,
//! `expiry_date`, `issuing_authority` which its client could send and it ignored):
//! 1. the token and `documents:upload` are checked, and the shipment (`shipment_id` must come
//!    before `file`, as the predecessor's client sends it) must be one the caller's
//!    organization owns — all before a byte of the file is read;
//! 2. the connection goes back to the pool, and the file streams to storage under a key made
//!    of ids (never the client's file name, which is kept as metadata only): its first bytes
//!    decide the type (PDF, JPEG, PNG, DOC, DOCX, else 415 with nothing written), more than
//!    `MAX_UPLOAD_MB` is 413 with nothing left behind, the SHA-256 is computed on the way;
//! 3. PDFs small enough are read back for their text: pages, sections, type, references;
//! 4. one transaction inserts the document (`uploaded`) and its sections, registers its
//!    references, reports the same file already on the shipment, notifies the reviewers and
//!    writes the audit row. If anything fails after the file was stored, the file is
//!    deleted again.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::Json;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use uuid::Uuid;

use super::analysis::{self, DetectedContent, PdfReading};
use super::output::DocumentResponse;
use super::{audit, owned, readable, DELETED};
use crate::db::documents::{self as db, NewContent, NewDocument};
use crate::db::notifications::{self, NewNotification};
use crate::db::tenant::TenantTx;
use crate::domain::document::sniff::{sniff, FileKind};
use crate::domain::document::{DocumentStatus, DocumentType};
use crate::domain::{text, Permission};
use crate::http::auth::CurrentUser;
use crate::http::error::ApiError;
use crate::http::extract::{Fields, PathIds, RequestId};
use crate::http::AppState;
use crate::storage::{ByteRange, GetError, PutError, Storage, StorageKey};

/// The upload route: its body is read here, streaming, under its own limit.
pub fn upload_route() -> MethodRouter<AppState> {
    post(upload).layer(DefaultBodyLimit::disable())
}

/// Refusal codes of this module.
pub const FILE_TOO_LARGE: &str = "FILE_TOO_LARGE";
pub const UNSUPPORTED_FILE_TYPE: &str = "UNSUPPORTED_FILE_TYPE";
pub const BAD_MULTIPART: &str = "BAD_MULTIPART";
pub const FILE_NOT_STORED: &str = "FILE_NOT_STORED";

/// What a multipart body may add to the file itself (boundaries, headers, the text fields).
const FORM_OVERHEAD_BYTES: u64 = 64 * 1024;
/// The longest text field of the form.
const MAX_TEXT_FIELD_BYTES: usize = 1024;
/// How long the client may pause between two pieces of its body.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest original file name kept (the column's size).
const MAX_FILE_NAME_CHARS: usize = 255;

// ---------------------------------------------------------------------------------------
// Upload

/// The form's text fields, as read.
#[derive(Debug, Default)]
struct UploadForm {
    shipment_id: Option<String>,
    document_type: Option<String>,
    reference_number: Option<String>,
    auto_detect: Option<String>,
    issue_date: Option<String>,
    expiry_date: Option<String>,
    issuing_authority: Option<String>,
}

impl UploadForm {
    fn set(&mut self, name: &str, value: String) {
        let slot = match name {
            "shipment_id" => &mut self.shipment_id,
            "document_type" => &mut self.document_type,
            "reference_number" => &mut self.reference_number,
            "auto_detect" => &mut self.auto_detect,
            "issue_date" => &mut self.issue_date,
            "expiry_date" => &mut self.expiry_date,
            "issuing_authority" => &mut self.issuing_authority,
            // Unknown fields are ignored, like unknown JSON properties.
            _ => return,
        };
        *slot = Some(value);
    }

    fn shipment_id(&self) -> Result<Uuid, ApiError> {
        let mut fields = Fields::new();
        let id = match self.shipment_id.as_deref().map(str::trim) {
            None | Some("") => {
                fields.add("shipment_id", "is required, before the file");
                None
            }
            Some(text) => match Uuid::try_parse(text) {
                Ok(id) => Some(id),
                Err(_) => {
                    fields.add("shipment_id", "must be a UUID");
                    None
                }
            },
        };
        fields.finish()?;
        Ok(id.expect("checked"))
    }
}

/// The checked descriptive fields of an upload.
struct UploadFields {
    document_type: DocumentType,
    reference_number: Option<String>,
    auto_detect: bool,
    issue_date: Option<chrono::NaiveDate>,
    expiry_date: Option<chrono::NaiveDate>,
    issuing_authority: Option<String>,
}

impl UploadForm {
    fn check(self) -> Result<UploadFields, ApiError> {
        let mut fields = Fields::new();
        let document_type = match self.document_type.as_deref().map(str::trim) {
            None | Some("") => Some(DocumentType::Other),
            Some(text) => fields.check("document_type", DocumentType::parse(text)),
        };
        let auto_detect = match self.auto_detect.as_deref().map(str::trim) {
            None | Some("") => false,
            Some(text) if text.eq_ignore_ascii_case("true") || text == "1" => true,
            Some(text) if text.eq_ignore_ascii_case("false") || text == "0" => false,
            Some(_) => {
                fields.add("auto_detect", "must be true or false");
                false
            }
        };
        let reference_number = fields
            .check(
                "reference_number",
                text::optional(self.reference_number.as_deref(), 100),
            )
            .flatten();
        let issuing_authority = fields
            .check(
                "issuing_authority",
                text::optional(self.issuing_authority.as_deref(), 255),
            )
            .flatten();
        let issue_date =
            super::date_field(&mut fields, "issue_date", Some(self.issue_date)).flatten();
        let expiry_date =
            super::date_field(&mut fields, "expiry_date", Some(self.expiry_date)).flatten();
        fields.finish()?;
        Ok(UploadFields {
            document_type: document_type.expect("checked"),
            reference_number,
            auto_detect,
            issue_date,
            expiry_date,
            issuing_authority,
        })
    }
}

/// The client's file name as metadata: its last path component, without control
/// characters, bounded; "document" when nothing is left. It is never part of a storage key.
pub fn clean_file_name(name: Option<&str>) -> String {
    let last = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "document".to_string()
    } else {
        cleaned.to_string()
    }
}

/// A stored file that is deleted again unless [`StoredFile::keep`] is called: every error
/// path after the upload leaves nothing behind.
struct StoredFile {
    storage: Storage,
    key: Option<StorageKey>,
}

impl StoredFile {
    fn keep(mut self) {
        self.key = None;
    }
}

impl Drop for StoredFile {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let storage = self.storage.clone();
            tokio::spawn(async move {
                if let Err(error) = storage.delete(&key).await {
                    tracing::warn!(%key, %error, "could not delete the file of a failed upload");
                }
            });
        }
    }
}

/// A multipart stream that fails when the client pauses longer than [`IDLE_TIMEOUT`].
fn with_idle_timeout<S, E>(stream: S) -> impl Stream<Item = Result<bytes::Bytes, String>> + Unpin
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    Box::pin(futures_util::stream::unfold(
        stream,
        |mut stream| async move {
            match tokio::time::timeout(IDLE_TIMEOUT, stream.next()).await {
                Ok(Some(Ok(bytes))) => Some((Ok(bytes), stream)),
                Ok(Some(Err(error))) => Some((Err(error.to_string()), stream)),
                Ok(None) => None,
                Err(_) => Some((Err("the upload stalled".to_string()), stream)),
            }
        },
    ))
}

fn bad_multipart(detail: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(
        BAD_MULTIPART,
        format!("The multipart body could not be read: {detail}"),
    )
}

fn too_large(limit: u64) -> ApiError {
    ApiError::Rule {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: FILE_TOO_LARGE,
        detail: format!(
            "The file is larger than the limit of {} MB",
            limit / (1024 * 1024)
        ),
    }
}

/// The answer to an upload, in the predecessor's shape plus what we know more.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadResponse {
    id: Uuid,
    name: String,
    /// The document type (lower case).
    #[serde(rename = "type")]
    document_type: &'static str,
    status: &'static str,
    message: String,
    page_count: Option<i32>,
    is_combined: bool,
    content_count: i32,
    file_size_bytes: i64,
    mime_type: &'static str,
    sha256: String,
    /// Documents of the same shipment with exactly the same content.
    duplicate_of: Vec<DuplicateFile>,
    /// What the text of a PDF showed (absent for images and Word files).
    detection: Option<Detection>,
    document: DocumentResponse,
}

/// What was found in an uploaded PDF (the predecessor's `detection`; no AI here).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Detection {
    detected_contents: Vec<DetectedContent>,
    /// References already registered on the shipment for the same type.
    duplicates_found: Vec<DuplicateReference>,
    ai_available: bool,
    ai_reclassified: bool,
    /// The stored type differs from the one chosen (`other` recognised as something).
    reclassified: bool,
    original_type: &'static str,
    detected_type: &'static str,
    /// Why the text was not read, when it was not.
    skipped: Option<String>,
}

/// A reference number seen before on the shipment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicateReference {
    reference_number: String,
    document_type: &'static str,
    first_seen_document_id: Option<Uuid>,
    first_seen_at: Option<String>,
}

impl DuplicateReference {
    fn new(reference: &str, kind: DocumentType, earlier: db::RegisteredReference) -> Self {
        Self {
            reference_number: reference.to_string(),
            document_type: kind.as_str(),
            first_seen_document_id: earlier.document_id,
            first_seen_at: earlier.first_seen_at.map(crate::http::time::rfc3339_auto),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicateFile {
    id: Uuid,
    name: String,
}

/// The multipart form of an upload (documentation only: the handler reads it as a stream).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadFormSchema {
    /// The shipment (must come before `file`).
    shipment_id: Uuid,
    /// Default `other`.
    document_type: Option<DocumentType>,
    /// PDF, JPEG, PNG, DOC or DOCX, decided by content; at most `MAX_UPLOAD_MB` (default
    /// 50 MiB, the bound stated here).
    #[schema(value_type = String, format = Binary, max_length = 52428800)]
    file: Vec<u8>,
    #[schema(max_length = 100)]
    reference_number: Option<String>,
    /// `true`: let the PDF's text choose the type when it is `other`.
    auto_detect: Option<bool>,
    #[schema(value_type = Option<String>, format = Date, max_length = 64)]
    issue_date: Option<String>,
    #[schema(value_type = Option<String>, format = Date, max_length = 64)]
    expiry_date: Option<String>,
    #[schema(max_length = 255)]
    issuing_authority: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/documents/upload", tag = "documents", security(("bearer" = [])),
    summary = "Upload a document to a shipment (multipart, streamed; type decided by content)",
    request_body(content = UploadFormSchema, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadResponse), (status = 400, description = "BAD_MULTIPART: the body is not a readable multipart form"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:upload (viewers, buyers)"),
        (status = 404, description = "No such shipment owned by the caller's organization"),
        (status = 413, description = "FILE_TOO_LARGE: over MAX_UPLOAD_MB; nothing is stored"),
        (status = 415, description = "UNSUPPORTED_FILE_TYPE: not a PDF, JPEG, PNG, DOC or DOCX by content"),
        (status = 422, description = "A bad field (named); shipment_id must come before file")))]
pub async fn upload(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    request_id: RequestId,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<UploadResponse>), ApiError> {
    caller.require(Permission::DocumentsUpload)?;
    // No pooled connection waits on the client while it sends the form.
    caller.release();
    let limit = state.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit + FORM_OVERHEAD_BYTES) {
        return Err(too_large(limit));
    }

    let document_id = Uuid::new_v4();
    let mut form = UploadForm::default();
    let mut file = None;
    loop {
        let field = match tokio::time::timeout(IDLE_TIMEOUT, multipart.next_field()).await {
            Ok(Ok(Some(field))) => field,
            Ok(Ok(None)) => break,
            Ok(Err(error)) => return Err(bad_multipart(error)),
            Err(_) => return Err(bad_multipart("the upload stalled")),
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if file.is_some() {
                return Err(Fields::one("file", "only one file per upload"));
            }
            let shipment_id = form.shipment_id()?;
            let organization_id = {
                let mut tx = caller.begin().await?;
                let organization_id = owned_shipment(&mut tx, &caller, shipment_id).await?;
                tx.commit().await?;
                organization_id
            };
            let key = StorageKey::new(organization_id, shipment_id, document_id);
            let file_name = clean_file_name(field.file_name());
            let stored = state
                .storage
                .put_stream(&key, with_idle_timeout(field), limit, |head| {
                    sniff(head).ok_or(())
                })
                .await
                .map_err(|error| match error {
                    PutError::Empty => Fields::one("file", "is empty"),
                    PutError::TooLarge { limit } => too_large(limit),
                    PutError::Refused(()) => ApiError::Rule {
                        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                        code: UNSUPPORTED_FILE_TYPE,
                        detail: "Only PDF, JPEG, PNG, DOC and DOCX files are accepted (decided by content, not by name)".into(),
                    },
                    PutError::Body(detail) => bad_multipart(detail),
                    PutError::Store(error) => ApiError::Internal(error.into()),
                })?;
            let guard = StoredFile {
                storage: state.storage.clone(),
                key: Some(key),
            };
            file = Some((shipment_id, key, file_name, stored, guard));
        } else {
            let text = read_text_field(field).await?;
            form.set(&name, text);
        }
    }
    let Some((shipment_id, key, file_name, stored, guard)) = file else {
        return Err(Fields::one("file", "is required"));
    };
    let input = form.check()?;
    let kind: FileKind = stored.head_result;
    let sha256 = stored.sha256_hex();

    // The text of a PDF: sections, types, references (no database connection is held).
    let reading = match kind {
        FileKind::Pdf => Some(analysis::read_stored_pdf(&state.storage, &key, stored.size).await),
        _ => None,
    };
    let (page_count, parsed) = match &reading {
        Some(PdfReading::Read {
            page_count,
            analysis,
        }) => (Some(*page_count), Some(analysis)),
        _ => (None, None),
    };
    let document_type = analysis::final_type(input.document_type, input.auto_detect, parsed);
    let types = analysis::types_found(document_type, parsed);
    let sections = parsed.map_or(&[][..], |a| a.sections.as_slice());
    // A reference the client did not give, read from the section of the stored type.
    let reference_number = input.reference_number.clone().or_else(|| {
        sections
            .iter()
            .find(|s| s.classification.document_type == document_type)
            .and_then(|s| s.classification.reference_number.clone())
    });

    let mut tx = caller.begin().await?;
    owned_shipment(&mut tx, &caller, shipment_id).await?;
    let key_text = key.to_string();
    let new = NewDocument {
        id: document_id,
        shipment_id,
        document_type,
        document_types: &types,
        name: &file_name,
        file_name: &file_name,
        file_size_bytes: i32::try_from(stored.size).map_err(|_| too_large(limit))?,
        mime_type: kind.mime_type(),
        status: DocumentStatus::Uploaded,
        page_count: page_count.and_then(|n| i32::try_from(n).ok()),
        content_count: i32::try_from(sections.len().max(1)).unwrap_or(i32::MAX),
        reference_number: reference_number.as_deref(),
        issue_date: input.issue_date,
        expiry_date: input.expiry_date,
        issuing_authority: input.issuing_authority.as_deref(),
        storage_key: &key_text,
        content_sha256: &sha256,
        extra_data: serde_json::json!({}),
    };
    let row = db::insert_document(&mut tx, &new).await?;
    let mut duplicates_found = Vec::new();
    if let Some(reference) = reference_number.as_deref() {
        if let Some(earlier) = db::register_reference(
            &mut tx,
            shipment_id,
            reference,
            document_type,
            document_id,
            None,
        )
        .await?
        {
            duplicates_found.push(DuplicateReference::new(reference, document_type, earlier));
        }
    }
    for section in sections {
        let found = &section.classification;
        let content = NewContent {
            document_type: found.document_type,
            page_start: i32::try_from(section.page_start).unwrap_or(i32::MAX),
            page_end: i32::try_from(section.page_end).unwrap_or(i32::MAX),
            reference_number: found.reference_number.as_deref(),
            detected_fields: serde_json::json!({
                "fields": found.fields,
                "alternatives": found.alternatives,
                "matched_keywords": found.matched_keywords,
                "page_count": section.page_count,
                "char_count": section.char_count,
            }),
            confidence: found.confidence,
            detection_method: found.detection_method,
        };
        let content_id =
            db::insert_content(&mut tx, document_id, DocumentStatus::Uploaded, &content).await?;
        if let Some(reference) = found.reference_number.as_deref() {
            let same_as_document = reference_number.as_deref() == Some(reference)
                && found.document_type == document_type;
            if !same_as_document {
                if let Some(earlier) = db::register_reference(
                    &mut tx,
                    shipment_id,
                    reference,
                    found.document_type,
                    document_id,
                    Some(content_id),
                )
                .await?
                {
                    duplicates_found.push(DuplicateReference::new(
                        reference,
                        found.document_type,
                        earlier,
                    ));
                }
            }
        }
    }
    let duplicates: Vec<DuplicateFile> =
        db::same_content(&mut tx, shipment_id, &sha256, document_id)
            .await?
            .into_iter()
            .map(|(id, name)| DuplicateFile { id, name })
            .collect();
    let details = serde_json::json!({
        "shipment_id": shipment_id,
        "document_type": document_type.as_str(),
        "chosen_type": input.document_type.as_str(),
        "file_name": file_name,
        "size": stored.size,
        "sha256": sha256,
        "mime_type": kind.mime_type(),
        "sections": sections.len(),
        "duplicate_of": duplicates.iter().map(|d| d.id).collect::<Vec<_>>(),
    });
    audit(
        &mut tx,
        &request_id,
        "document.upload",
        document_id,
        details,
    )
    .await?;
    notify_reviewers(&mut tx, &caller, &row).await?;
    tx.commit().await?;
    guard.keep();

    let detection = reading.as_ref().map(|reading| Detection {
        detected_contents: sections
            .iter()
            .map(|s| DetectedContent {
                document_type: s.classification.document_type.as_str(),
                confidence: s.classification.confidence,
                page_start: s.page_start,
                page_end: s.page_end,
                reference_number: s.classification.reference_number.clone(),
                detection_method: s.classification.detection_method,
            })
            .collect(),
        duplicates_found,
        ai_available: false,
        ai_reclassified: false,
        reclassified: document_type != input.document_type,
        original_type: input.document_type.as_str(),
        detected_type: document_type.as_str(),
        skipped: match reading {
            PdfReading::Skipped(reason) => Some(reason.clone()),
            PdfReading::Read { .. } => None,
        },
    });
    let message = if duplicates.is_empty() {
        "Document uploaded".to_string()
    } else {
        format!(
            "Document uploaded; the same file is already on this shipment ({} document{})",
            duplicates.len(),
            if duplicates.len() == 1 { "" } else { "s" }
        )
    };
    let document = DocumentResponse::new(row)?;
    Ok((
        StatusCode::CREATED,
        Json(UploadResponse {
            id: document_id,
            name: file_name,
            document_type: document_type.as_str(),
            status: DocumentStatus::Uploaded.as_str(),
            message,
            page_count: document.page_count,
            is_combined: document.is_combined,
            content_count: document.content_count,
            file_size_bytes: stored.size as i64,
            mime_type: kind.mime_type(),
            sha256,
            duplicate_of: duplicates,
            detection,
            document,
        }),
    ))
}

/// Reads a text field of the form, bounded.
async fn read_text_field(
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<String, ApiError> {
    let name = field.name().unwrap_or_default().to_string();
    let mut bytes = Vec::new();
    while let Some(chunk) = tokio::time::timeout(IDLE_TIMEOUT, field.chunk())
        .await
        .map_err(|_| bad_multipart("the upload stalled"))?
        .map_err(bad_multipart)?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_FIELD_BYTES {
            return Err(Fields::one(&name, "is too long"));
        }
    }
    String::from_utf8(bytes).map_err(|_| Fields::one(&name, "must be UTF-8 text"))
}

/// The organization owning a shipment the caller's organization owns; 404 otherwise.
async fn owned_shipment(
    tx: &mut TenantTx,
    caller: &CurrentUser,
    id: Uuid,
) -> Result<Uuid, ApiError> {
    let shipment = crate::db::shipments::find_shipment(tx, id)
        .await?
        .filter(|shipment| shipment.organization_id == caller.organization_id)
        .ok_or(ApiError::NotFound)?;
    Ok(shipment.organization_id)
}

/// Tells the organization's reviewers (whoever may approve documents there, the uploader
/// aside) that a document waits for them.
async fn notify_reviewers(
    tx: &mut TenantTx,
    caller: &CurrentUser,
    document: &db::DocumentRow,
) -> Result<(), ApiError> {
    let members = crate::db::members::active(tx, caller.organization_id).await?;
    let reviewers = crate::db::members::document_reviewers(&members, Some(caller.user_id));
    let kind = document.document_type()?;
    let message = format!(
        "{} \"{}\" was uploaded and waits for review",
        kind.as_str(),
        document.name
    );
    notifications::notify(
        tx,
        &reviewers,
        &NewNotification {
            kind: "document_uploaded",
            title: "Document uploaded for review",
            message: &message,
            data: serde_json::json!({
                "document_id": document.id,
                "shipment_id": document.shipment_id,
                "document_type": kind.as_str(),
            }),
        },
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Download

/// `Content-Disposition` for a download (RFC 6266): an ASCII `filename` for old clients and
/// the exact name, percent-encoded UTF-8, as `filename*`.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, ATTR_CHAR).to_string();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Everything but RFC 5987's `attr-char` is percent-encoded.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

#[utoipa::path(get, path = "/api/v1/documents/{id}/download", tag = "documents", security(("bearer" = [])),
    summary = "The stored file, streamed (single byte ranges supported)",
    params(("id" = Uuid, Path, description = "Document id"),
        ("Range" = Option<String>, Header, description = "bytes=start-end, start- or -suffix")),
    responses((status = 200, description = "The whole file", content_type = "application/octet-stream"),
        (status = 206, description = "The requested range", content_type = "application/octet-stream"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "No such document visible to the caller, or FILE_NOT_STORED"),
        (status = 416, description = "The range lies outside the file")))]
pub async fn download(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let range = headers
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok())
        .and_then(ByteRange::parse_header);
    let mut tx = caller.begin().await?;
    let row = readable(&mut tx, id).await?;
    let key = stored_key(&row)?;
    let fetched = match state.storage.get(&key, range).await {
        Ok(fetched) => fetched,
        Err(GetError::NotFound) => return Err(not_stored()),
        Err(GetError::RangeNotSatisfiable { size }) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{size}"))],
            )
                .into_response())
        }
        Err(GetError::Store(error)) => return Err(ApiError::Internal(error.into())),
    };
    let details = serde_json::json!({
        "shipment_id": row.shipment_id,
        "range": fetched.is_partial().then(|| format!("{}-{}", fetched.range.start, fetched.range.end - 1)),
    });
    audit(&mut tx, &request_id, "document.download", id, details).await?;
    tx.commit().await?;

    let partial = fetched.is_partial();
    let (served, size) = (fetched.range.clone(), fetched.size);
    let status = if partial {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = Response::new(Body::from_stream(fetched.body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mime = row
        .mime_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(served.end - served.start),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let name = row.file_name.as_deref().unwrap_or(&row.name);
    if let Ok(value) = HeaderValue::from_str(&content_disposition(name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(sha) = &row.content_sha256 {
        if let Ok(value) = HeaderValue::from_str(&format!("\"{sha}\"")) {
            headers.insert(header::ETAG, value);
        }
    }
    if partial {
        let value = format!("bytes {}-{}/{size}", served.start, served.end - 1);
        headers.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&value).expect("ascii"),
        );
    }
    Ok(response)
}

fn not_stored() -> ApiError {
    ApiError::Rule {
        status: StatusCode::NOT_FOUND,
        code: FILE_NOT_STORED,
        detail: "The document has no stored file".into(),
    }
}

/// Where a document's file is; a document without one (the predecessor's, whose files were
/// not migrated) has nothing to download.
fn stored_key(row: &db::DocumentRow) -> Result<StorageKey, ApiError> {
    let text = row.storage_key.as_deref().ok_or_else(not_stored)?;
    StorageKey::parse(text).map_err(|error| ApiError::Internal(anyhow::anyhow!("{error}")))
}

// ---------------------------------------------------------------------------------------
// Delete

#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "documents", security(("bearer" = [])),
    summary = "Delete a document and its stored file",
    params(("id" = Uuid, Path, description = "Document id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:delete"),
        (status = 404, description = "No such document owned by the caller's organization")))]
pub async fn remove(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::DocumentsDelete)?;
    let mut tx = caller.begin().await?;
    let row = owned(&mut tx, &caller, id).await?;
    if !db::delete_document(&mut tx, id).await? {
        return Err(ApiError::NotFound);
    }
    // What was deleted stays on record.
    let details = serde_json::json!({
        "shipment_id": row.shipment_id,
        "document_type": row.document_type()?.as_str(),
        "status": row.status()?.as_str(),
        "name": row.name,
        "file_name": row.file_name,
        "sha256": row.content_sha256,
        "reference_number": row.reference_number,
    });
    audit(&mut tx, &request_id, "document.delete", id, details).await?;
    tx.commit().await?;
    // The row is gone; its file follows. A failure here leaves an orphan file (logged), never
    // a row without its file.
    if let Some(key) = row
        .storage_key
        .as_deref()
        .and_then(|k| StorageKey::parse(k).ok())
    {
        if let Err(error) = state.storage.delete(&key).await {
            tracing::warn!(%key, %error, "could not delete the file of a deleted document");
        }
    }
    Ok(DELETED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_keeps_its_last_component_without_control_characters() {
        for (given, kept) in [
            (Some("../../etc/passwd"), "passwd"),
            (Some("C:\\Windows\\win.ini"), "win.ini"),
            (Some("a\u{0}b\u{7}c.pdf"), "abc.pdf"),
            (Some("report.pdf"), "report.pdf"),
            (Some(" spaced .pdf "), "spaced .pdf"),
            (Some("/"), "document"),
            (Some(".."), "document"),
            (Some(""), "document"),
            (None, "document"),
        ] {
            assert_eq!(clean_file_name(given), kept, "{given:?}");
        }
        let long = "é".repeat(300);
        assert_eq!(
            clean_file_name(Some(&long)).chars().count(),
            MAX_FILE_NAME_CHARS
        );
    }

    #[test]
    fn content_disposition_has_an_ascii_name_and_the_exact_one_encoded() {
        assert_eq!(
            content_disposition("Bill \"1\" – ü.pdf"),
            "attachment; filename=\"Bill _1_ _ _.pdf\"; filename*=UTF-8''Bill%20%221%22%20%E2%80%93%20%C3%BC.pdf"
        );
        assert_eq!(
            content_disposition("a;b\\c.pdf"),
            "attachment; filename=\"a;b_c.pdf\"; filename*=UTF-8''a%3Bb%5Cc.pdf"
        );
    }
}
