//! The web pages' one error type: a refusal becomes a page (or, for a missing session, the
//! way to the sign-in form), never JSON and never a stack trace.

use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::page;
use crate::http::error::{ApiError, FieldError};

#[derive(Debug)]
pub enum WebError {
    /// No live session: to the sign-in form, then back to `next`.
    SignIn { next: Option<String> },
    /// What the API would have answered, shown as a page.
    Api(ApiError),
}

impl From<ApiError> for WebError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Unauthorized(_) => WebError::SignIn { next: None },
            other => WebError::Api(other),
        }
    }
}

impl From<sqlx::Error> for WebError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::from(error).into()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::SignIn { next } => {
                let target = match next.as_deref() {
                    Some(next) if next != "/" => {
                        let query: String = url::form_urlencoded::Serializer::new(String::new())
                            .append_pair("next", next)
                            .finish();
                        format!("/login?{query}")
                    }
                    _ => "/login".to_string(),
                };
                let mut response = Redirect::to(&target).into_response();
                // A cookie that names no live session is dropped (secure or not: the
                // browser matches the removal by name and path).
                response
                    .headers_mut()
                    .append(SET_COOKIE, super::session::clear_session_cookie(false));
                response
            }
            WebError::Api(error) => {
                if let ApiError::Internal(cause) = &error {
                    tracing::error!(error = %format!("{cause:#}"), "internal error on a page");
                }
                page::error(error.status(), &explanation(&error))
            }
        }
    }
}

/// What a person reads for a refusal: the API's own sentence where it is meant for people,
/// a plain one where it would say too much (a server error's cause stays in the log).
fn explanation(error: &ApiError) -> String {
    match error {
        ApiError::NotFound => {
            "There is no such page, or it is not shared with your organization.".to_string()
        }
        ApiError::Unauthorized(_) => "Please sign in.".to_string(),
        ApiError::Forbidden(why) => format!("Your role does not allow this. ({why})"),
        ApiError::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", page::field_label(&f.field), f.message))
            .collect::<Vec<_>>()
            .join("; "),
        ApiError::Conflict { detail, .. } | ApiError::Rule { detail, .. } => detail.clone(),
        ApiError::TooManyRequests { retry_after_secs } => {
            format!("Too many requests. Try again in {retry_after_secs} seconds.")
        }
        ApiError::Unavailable => {
            "TraceHub is busy or its database cannot be reached. Try again in a moment.".to_string()
        }
        ApiError::Internal(_) => {
            "Something went wrong on our side; it has been logged.".to_string()
        }
    }
}

/// A status without a page of its own (a bad path, a method not allowed) as a page.
pub fn bare(status: StatusCode) -> Response {
    let detail = match status {
        StatusCode::NOT_FOUND => "There is no such page.",
        StatusCode::METHOD_NOT_ALLOWED => "This page cannot be used that way.",
        StatusCode::PAYLOAD_TOO_LARGE => "What was sent is too large.",
        _ => "The request could not be understood.",
    };
    page::error(status, detail)
}

/// A refusal a form shows above itself, with the status to answer it with: the API's field
/// list (422), a conflict (a reference or e-mail taken, 409), a rule broken by what was
/// entered (the API's status), too many attempts (429). Messages that name no field go
/// under `field`. A refusal of the person (403), of the record (404) or a failure is an
/// error page instead.
pub fn form_refusal(
    error: ApiError,
    field: &str,
) -> Result<(StatusCode, Vec<FieldError>), WebError> {
    let one = |message: String| {
        vec![FieldError {
            field: field.to_string(),
            message,
        }]
    };
    match error {
        ApiError::Validation(fields) => Ok((StatusCode::UNPROCESSABLE_ENTITY, fields)),
        ApiError::Conflict { detail, .. } => Ok((StatusCode::CONFLICT, one(detail))),
        ApiError::Rule { status, detail, .. }
            if status != StatusCode::FORBIDDEN
                && status != StatusCode::NOT_FOUND
                && status.is_client_error() =>
        {
            Ok((status, one(detail)))
        }
        ApiError::TooManyRequests { retry_after_secs } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            one(format!(
                "too many attempts; try again in {retry_after_secs} seconds"
            )),
        )),
        other => Err(other.into()),
    }
}
