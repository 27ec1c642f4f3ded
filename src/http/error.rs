//! The one error type of the HTTP layer and its single mapping to responses.
//!
//! Every error body is `{"detail": "...", "code": "...", "request_id": "..."}` (plus `fields`
//! for validation errors). Handlers return [`ApiError`]; its `IntoResponse` stores the body as
//! a response extension, and [`render_errors`] — the outermost middleware — writes it out with
//! the request id, so no handler has to thread the id through. 5xx bodies never say anything
//! internal: the cause is logged with the request id instead.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::db::violation::{violation, Violation};

/// One invalid field of a request body or query.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// A refusal under a named business rule, with its own status and machine code (the
    /// Sprint 8 codes: `LAST_ADMIN`, `EMAIL_MISMATCH`, `MEMBERSHIP_SUSPENDED`, …).
    #[error("{detail}")]
    Rule {
        status: StatusCode,
        code: &'static str,
        detail: String,
    },
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database could not be reached or no connection was free in time.
    #[error("service unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ApiError::Unavailable
            }
            sqlx::Error::RowNotFound => ApiError::NotFound,
            other if crate::db::tenant::is_stale_statement(&other) => {
                crate::db::tenant::statements_went_stale();
                ApiError::Unavailable
            }
            other => match violation(&other) {
                Some(violation) => violation.into(),
                None => ApiError::Internal(other.into()),
            },
        }
    }
}

/// What an error response says, before the request id is added.
/// The one mapping of a constraint's meaning to its answer.
impl From<Violation> for ApiError {
    fn from(violation: Violation) -> Self {
        match violation {
            Violation::EmailTaken => {
                ApiError::bad_request("EMAIL_EXISTS", "Email already registered")
            }
            Violation::AlreadyMember => {
                ApiError::conflict("ALREADY_MEMBER", "The user is already a member")
            }
            Violation::SlugTaken => ApiError::conflict(
                "ORG_SLUG_EXISTS",
                "An organization with this slug already exists",
            ),
            Violation::ReferenceTaken => ApiError::conflict(
                "REFERENCE_EXISTS",
                "A shipment with this reference already exists in this organization",
            ),
            Violation::PendingInvitationExists => ApiError::conflict(
                "INVITATION_EXISTS",
                "A pending invitation for this e-mail address exists; resend it instead",
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    pub detail: String,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
}

impl ApiError {
    /// A 403 under a named rule.
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Rule {
            status: StatusCode::FORBIDDEN,
            code,
            detail: detail.into(),
        }
    }

    /// A 400 under a named rule (a request that is well-formed but cannot be carried out).
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Rule {
            status: StatusCode::BAD_REQUEST,
            code,
            detail: detail.into(),
        }
    }

    /// A 409 with a code.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Rule { status, .. } => *status,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> ErrorBody {
        let (detail, code, fields) = match self {
            ApiError::NotFound => ("Not found".to_string(), "NOT_FOUND", None),
            ApiError::Unauthorized(why) => (why.to_string(), "UNAUTHORIZED", None),
            ApiError::Forbidden(why) => (why.clone(), "FORBIDDEN", None),
            ApiError::Validation(fields) => (
                format!(
                    "Invalid request: {}",
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                "VALIDATION_ERROR",
                Some(fields.clone()),
            ),
            ApiError::Conflict { code, detail } | ApiError::Rule { code, detail, .. } => {
                (detail.clone(), *code, None)
            }
            ApiError::TooManyRequests { .. } => (
                "Too many requests; retry later".to_string(),
                "RATE_LIMITED",
                None,
            ),
            ApiError::Unavailable => (
                "The service is busy or its database is unreachable; retry shortly".to_string(),
                "SERVICE_UNAVAILABLE",
                None,
            ),
            ApiError::Internal(_) => (
                "An internal error occurred".to_string(),
                "INTERNAL_ERROR",
                None,
            ),
        };
        ErrorBody {
            detail,
            code,
            fields,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %format!("{cause:#}"), "internal error");
        }
        let mut response = self.status().into_response();
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            ApiError::Unavailable => Some(1),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if matches!(self, ApiError::Unauthorized(_)) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(self.body());
        response
    }
}

/// Writes [`ErrorBody`] extensions out as JSON with the request id, and gives bare error
/// statuses produced outside handlers (unknown routes, rejected extractors) the same shape.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get(super::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut response = next.run(request).await;
    let body = match response.extensions_mut().remove::<ErrorBody>() {
        Some(body) => body,
        None if response.status() == StatusCode::NOT_FOUND
            && response.headers().get(header::CONTENT_TYPE).is_none() =>
        {
            ApiError::NotFound.body()
        }
        // A plain-text client error of an axum extractor (a path id that is no UUID, a
        // method not allowed, …): same JSON shape, its text as the detail.
        None if response.status().is_client_error() && is_plain_text(&response) => {
            let status = response.status();
            let (parts, body) = response.into_parts();
            let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            response = Response::from_parts(parts, axum::body::Body::empty());
            ErrorBody {
                detail: String::from_utf8_lossy(&text).trim().to_string(),
                code: code_of_status(status),
                fields: None,
            }
        }
        None => return response,
    };
    let mut json = serde_json::to_value(&body).unwrap_or_default();
    json["request_id"] = serde_json::Value::String(request_id);
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(json.to_string()))
}

fn is_plain_text(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"))
}

/// The code of a client error that no handler named.
fn code_of_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "BAD_REQUEST",
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::REQUEST_TIMEOUT => "REQUEST_TIMEOUT",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        StatusCode::UNPROCESSABLE_ENTITY => "VALIDATION_ERROR",
        _ => "CLIENT_ERROR",
    }
}
