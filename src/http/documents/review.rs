//! The review of a document: its field-rule report, the moves the caller may make, and the
//! moves themselves (`transition`, `approve`, `reject`, and the predecessor's
//! `PATCH /validate`, which here is a move into `validated` like any other).
//!
//! Every status change goes through [`workflow`]: the move must be in the table, the
//! caller's system role in its row, its permission allowed in the acting organization, a
//! rejection must say why, and entering `validated` needs the field rules to pass. The
//! predecessor had three ways around that (PATCH `/validate` from any state, and the
//! content-level validate and reject); there is none here.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::output::DocumentResponse;
use super::{audit, owned, readable};
use crate::db::documents::{self as db, DocumentRow};
use crate::db::notifications::{self, NewNotification, Recipient};
use crate::db::tenant::TenantTx;
use crate::domain::document::field_rules::{self, DocumentFacts, RequiredField, RuleReport};
use crate::domain::document::workflow::{self, Move, Refusal, StatusInfo};
use crate::domain::document::{DocumentStatus, DocumentType};
use crate::domain::{text, Permission};
use crate::http::auth::CurrentUser;
use crate::http::error::ApiError;
use crate::http::extract::{Fields, JsonBody, OptionalJsonBody, PathIds, QueryParams, RequestId};
use crate::http::time::rfc3339;

/// The facts the field rules judge, of a stored document.
fn facts(row: &DocumentRow) -> Result<DocumentFacts<'_>, ApiError> {
    Ok(DocumentFacts {
        document_type: row.document_type()?,
        has_file: row.has_file,
        name: Some(row.name.as_str()),
        reference_number: row.reference_number.as_deref(),
        issue_date: row.issue_date,
        expiry_date: row.expiry_date,
        issuing_authority: row.issuing_authority.as_deref(),
        extra_data: Some(&row.extra_data),
    })
}

fn rule_report(row: &DocumentRow) -> Result<RuleReport, ApiError> {
    Ok(field_rules::check(&facts(row)?, Utc::now().date_naive()))
}

/// A refused move as an answer: 403 for the caller, 400 for a move that does not exist,
/// 422 for what the request or the document lacks.
fn refused(refusal: Refusal) -> ApiError {
    let status = if refusal.is_forbidden() {
        StatusCode::FORBIDDEN
    } else {
        match refusal {
            Refusal::NoSuchTransition { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    };
    let detail = match &refusal {
        Refusal::FieldRulesFailed(report) => {
            let errors: Vec<String> = report
                .errors
                .iter()
                .map(|issue| format!("{}: {}", issue.field, issue.message))
                .collect();
            format!("{refusal}: {}", errors.join("; "))
        }
        _ => refusal.to_string(),
    };
    ApiError::Rule {
        status,
        code: refusal.code(),
        detail,
    }
}

// ---------------------------------------------------------------------------------------
// Reads

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValidationResponse {
    document_id: Uuid,
    document_type: &'static str,
    current_status: &'static str,
    /// `{is_valid, errors[], warnings[], info[], total_issues}`.
    #[schema(value_type = Object)]
    validation: RuleReport,
    /// `[{field, description, required, severity}]`.
    #[schema(value_type = Vec<Object>)]
    required_fields: Vec<RequiredField>,
    /// `{status, display, color, actions[]}`.
    #[schema(value_type = Object)]
    status_info: StatusInfo,
}

#[utoipa::path(get, path = "/api/v1/documents/{id}/validation", tag = "documents", security(("bearer" = [])),
    summary = "The document's field-rule report, its type's required fields and its status",
    params(("id" = Uuid, Path, description = "Document id")),
    responses((status = 200, body = ValidationResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "No such document visible to the caller")))]
pub async fn validation(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<ValidationResponse>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let mut tx = caller.begin().await?;
    let row = readable(&mut tx, id).await?;
    tx.commit().await?;
    let document_type = row.document_type()?;
    let status = row.status()?;
    Ok(Json(ValidationResponse {
        document_id: id,
        document_type: document_type.as_str(),
        current_status: status.as_str(),
        validation: rule_report(&row)?,
        required_fields: field_rules::required_fields(document_type),
        status_info: workflow::status_info(status),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AllowedTransition {
    status: &'static str,
    #[schema(value_type = Object)]
    info: StatusInfo,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransitionsResponse {
    document_id: Uuid,
    current_status: &'static str,
    #[schema(value_type = Object)]
    current_status_info: StatusInfo,
    /// The moves this caller may make (a rejection still needs notes, `validated` still
    /// needs the field rules).
    allowed_transitions: Vec<AllowedTransition>,
}

#[utoipa::path(get, path = "/api/v1/documents/{id}/transitions", tag = "documents", security(("bearer" = [])),
    summary = "The statuses the caller may move the document to",
    params(("id" = Uuid, Path, description = "Document id")),
    responses((status = 200, body = TransitionsResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 404, description = "No such document visible to the caller")))]
pub async fn transitions(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<TransitionsResponse>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let mut tx = caller.begin().await?;
    let row = readable(&mut tx, id).await?;
    tx.commit().await?;
    let status = row.status()?;
    // Another organization's document (a buyer's view) is never the caller's to move.
    let allowed = if row.organization_id == caller.organization_id {
        workflow::allowed_transitions(&caller.access(), status)
    } else {
        Vec::new()
    };
    Ok(Json(TransitionsResponse {
        document_id: id,
        current_status: status.as_str(),
        current_status_info: workflow::status_info(status),
        allowed_transitions: allowed
            .into_iter()
            .map(|to| AllowedTransition {
                status: to.as_str(),
                info: workflow::status_info(to),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TypeRequirements {
    document_type: &'static str,
    #[schema(value_type = Vec<Object>)]
    required_fields: Vec<RequiredField>,
}

#[utoipa::path(get, path = "/api/v1/documents/types/{document_type}/requirements", tag = "documents", security(("bearer" = [])),
    summary = "The fields a document type needs to pass review",
    params(("document_type" = DocumentType, Path, description = "A document type")),
    responses((status = 200, body = TypeRequirements), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing documents:read"),
        (status = 422, description = "Not a document type")))]
pub async fn type_requirements(
    caller: CurrentUser,
    Path(document_type): Path<String>,
) -> Result<Json<TypeRequirements>, ApiError> {
    caller.require(Permission::DocumentsRead)?;
    let mut fields = Fields::new();
    let parsed = fields.check("document_type", DocumentType::parse(&document_type));
    fields.finish()?;
    let document_type = parsed.expect("checked");
    Ok(Json(TypeRequirements {
        document_type: document_type.as_str(),
        required_fields: field_rules::required_fields(document_type),
    }))
}

// ---------------------------------------------------------------------------------------
// Moves

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TransitionInput {
    #[schema(value_type = DocumentStatus)]
    target_status: String,
    /// Required for a rejection (to draft, or to compliance_failed).
    #[schema(max_length = 1000)]
    notes: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct NotesInput {
    /// Required to reject; optional to approve.
    #[schema(max_length = 1000)]
    pub notes: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotesQuery {
    /// The reviewer's notes (the predecessor read them from the query).
    #[param(max_length = 1000)]
    notes: Option<String>,
}

/// The longest notes kept (the contents' column is `varchar(1000)`).
const MAX_NOTES_CHARS: usize = 1000;

fn checked_notes(notes: Option<String>) -> Result<Option<String>, ApiError> {
    let mut fields = Fields::new();
    let notes = fields
        .check("notes", text::optional(notes.as_deref(), MAX_NOTES_CHARS))
        .flatten();
    fields.finish()?;
    Ok(notes)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransitionResult {
    success: bool,
    previous_status: &'static str,
    new_status: &'static str,
    #[schema(format = DateTime)]
    transitioned_at: String,
    transitioned_by: Uuid,
    /// The field-rule report of a move into `validated` (it may carry warnings).
    #[schema(value_type = Option<Object>)]
    validation: Option<RuleReport>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransitionResponse {
    message: String,
    result: TransitionResult,
    document: DocumentResponse,
}

/// What a move request asks for.
enum Ask {
    Transition(DocumentStatus),
    Approve,
    Reject,
}

/// Reads the document, decides the move, applies it, tells the uploader and records it.
async fn apply(
    caller: &mut CurrentUser,
    request_id: &RequestId,
    id: Uuid,
    ask: Ask,
    notes: Option<String>,
) -> Result<Json<TransitionResponse>, ApiError> {
    let mut tx = caller.begin().await?;
    let visible = readable(&mut tx, id).await?;
    // The caller's own documents are locked for the change; another organization's (a
    // buyer's view) are decided as read, and the workflow refuses them.
    let row = if visible.organization_id == caller.organization_id {
        owned(&mut tx, caller, id).await?
    } else {
        visible
    };
    let from = row.status()?;
    let access = caller.access();
    let notes_ref = notes.as_deref();
    let facts = facts(&row)?;
    let today = Utc::now().date_naive();
    let rules = || field_rules::check(&facts, today);
    let decided = match ask {
        Ask::Transition(to) => workflow::transition(&access, from, to, notes_ref, rules),
        Ask::Approve => workflow::approve(&access, from, rules),
        Ask::Reject => workflow::reject(&access, from, notes_ref),
    };
    let Move {
        from,
        to,
        validation,
    } = decided.map_err(refused)?;
    if row.organization_id != caller.organization_id {
        return Err(ApiError::NotFound);
    }
    let updated = db::set_status(&mut tx, id, to, notes_ref).await?;
    let details = serde_json::json!({
        "shipment_id": row.shipment_id,
        "from": from.as_str(),
        "to": to.as_str(),
        "notes": notes_ref,
    });
    let action = match (from, to) {
        (_, DocumentStatus::Draft) | (_, DocumentStatus::ComplianceFailed) => "document.reject",
        (DocumentStatus::Uploaded, DocumentStatus::Validated) => "document.validate",
        _ => "document.transition",
    };
    audit(&mut tx, request_id, action, id, details).await?;
    tell_uploader(&mut tx, caller, &updated, to, notes_ref).await?;
    tx.commit().await?;
    Ok(Json(TransitionResponse {
        message: format!("Document moved from {from} to {to}"),
        result: TransitionResult {
            success: true,
            previous_status: from.as_str(),
            new_status: to.as_str(),
            transitioned_at: rfc3339(Utc::now()),
            transitioned_by: caller.user_id,
            validation,
        },
        document: DocumentResponse::new(updated)?,
    }))
}

/// Tells the uploader (unless it is the reviewer) that the document passed a step or was
/// sent back, and why.
async fn tell_uploader(
    tx: &mut TenantTx,
    caller: &CurrentUser,
    document: &DocumentRow,
    to: DocumentStatus,
    notes: Option<&str>,
) -> Result<(), ApiError> {
    let (Some(user_id), Some(email)) = (document.uploaded_by_id, document.uploaded_by.clone())
    else {
        return Ok(());
    };
    if user_id == caller.user_id {
        return Ok(());
    }
    let rejected = matches!(to, DocumentStatus::Draft | DocumentStatus::ComplianceFailed);
    let approved = matches!(
        to,
        DocumentStatus::Validated | DocumentStatus::ComplianceOk | DocumentStatus::Linked
    );
    // Only a review step is news for the uploader: a (re)submission or an archiving is not
    // an approval.
    if !rejected && !approved {
        return Ok(());
    }
    let (kind, title) = if rejected {
        ("document_rejected", "Document rejected")
    } else {
        ("document_validated", "Document approved")
    };
    let mut message = format!(
        "\"{}\" is now {}",
        document.name,
        workflow::status_info(to).display
    );
    if let Some(notes) = notes {
        message.push_str(&format!(": {notes}"));
    }
    notifications::notify(
        tx,
        &[Recipient { user_id, email }],
        &NewNotification {
            kind,
            title,
            message: &message,
            data: serde_json::json!({
                "document_id": document.id,
                "shipment_id": document.shipment_id,
                "status": to.as_str(),
                "notes": notes,
            }),
        },
    )
    .await?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/transition", tag = "documents", security(("bearer" = [])),
    summary = "Move a document to another status (the workflow's table, roles and rules)",
    params(("id" = Uuid, Path, description = "Document id")),
    request_body = TransitionInput,
    responses((status = 200, body = TransitionResponse), (status = 400, description = "INVALID_TRANSITION: no such move from the current status"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS: the caller's role may not make this move here"),
        (status = 404, description = "No such document visible to the caller"),
        (status = 422, description = "NOTES_REQUIRED for a rejection; VALIDATION_FAILED when entering validated fails the field rules")))]
pub async fn transition(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<TransitionInput>,
) -> Result<Json<TransitionResponse>, ApiError> {
    let mut fields = Fields::new();
    let to = fields.check("target_status", DocumentStatus::parse(&body.target_status));
    fields.finish()?;
    let notes = checked_notes(body.notes)?;
    let to = to.expect("checked");
    apply(&mut caller, &request_id, id, Ask::Transition(to), notes).await
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/approve", tag = "documents", security(("bearer" = [])),
    summary = "Take the review one step forward: uploaded → validated → compliance_ok → linked",
    params(("id" = Uuid, Path, description = "Document id")),
    request_body(content = Option<NotesInput>, description = "Optional notes"),
    responses((status = 200, body = TransitionResponse), (status = 400, description = "INVALID_TRANSITION: nothing to approve in this status"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS"),
        (status = 404, description = "No such document visible to the caller"),
        (status = 422, description = "VALIDATION_FAILED: the field rules block validated")))]
pub async fn approve(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    OptionalJsonBody(body): OptionalJsonBody<NotesInput>,
) -> Result<Json<TransitionResponse>, ApiError> {
    let notes = checked_notes(body.notes)?;
    apply(&mut caller, &request_id, id, Ask::Approve, notes).await
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/reject", tag = "documents", security(("bearer" = [])),
    summary = "Send a document back, saying why: uploaded → draft, validated → compliance_failed",
    params(("id" = Uuid, Path, description = "Document id")),
    request_body = NotesInput,
    responses((status = 200, body = TransitionResponse), (status = 400, description = "INVALID_TRANSITION: nothing to reject in this status"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS"),
        (status = 404, description = "No such document visible to the caller"),
        (status = 422, description = "NOTES_REQUIRED")))]
pub async fn reject(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<NotesInput>,
) -> Result<Json<TransitionResponse>, ApiError> {
    let notes = checked_notes(body.notes)?;
    apply(&mut caller, &request_id, id, Ask::Reject, notes).await
}

#[utoipa::path(patch, path = "/api/v1/documents/{id}/validate", tag = "documents", security(("bearer" = [])),
    summary = "The predecessor's validate: a move into validated, through the workflow like any other",
    params(("id" = Uuid, Path, description = "Document id"), NotesQuery),
    responses((status = 200, body = TransitionResponse), (status = 400, description = "INVALID_TRANSITION: only an uploaded document can be validated"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS"),
        (status = 404, description = "No such document visible to the caller"),
        (status = 422, description = "VALIDATION_FAILED: the field rules")))]
pub async fn validate(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    QueryParams(query): QueryParams<NotesQuery>,
) -> Result<Json<TransitionResponse>, ApiError> {
    let notes = checked_notes(query.notes)?;
    apply(
        &mut caller,
        &request_id,
        id,
        Ask::Transition(DocumentStatus::Validated),
        notes,
    )
    .await
}
