//! The public accept-invitation page: the link an invitation carries
//! (`/accept-invitation?token=…`) opens it. A new person registers there; someone with an
//! account joins while signed in (or signs in first and comes back).
//!
//! The token checks, the rate limit, the e-mail match and the single use are the API's
//! (`check_token`, `register`, `accept`); on success the browser gets a session in the
//! organization just joined.

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::error::WebError;
use super::page;
use super::session::{form_token, open_session, sign_in_link, switch_to, Visitor};
use super::FormData;
use crate::http::error::{ApiError, FieldError};
use crate::http::extract::{ClientAddress, JsonBody, RequestId};
use crate::http::invitations::{self as api, RegisterBody, TokenBody, ValidateAnswer};
use crate::http::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// `GET /accept-invitation?token=…`.
pub async fn show(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    visitor: Option<Visitor>,
) -> Result<Response, WebError> {
    let token = query.token.unwrap_or_default();
    if let Some(visitor) = &visitor {
        visitor.release();
    }
    let invitation = match api::check_token(&state, address, &token).await {
        Ok(invitation) => invitation,
        Err(e) => return Ok(unusable(e)),
    };
    Ok(invitation_page(
        &state,
        &headers,
        visitor.as_ref(),
        &token,
        &invitation,
        StatusCode::OK,
        &[],
    ))
}

/// A token that cannot be used, as a page saying why (expired, used, revoked, unknown).
fn unusable(error: ApiError) -> Response {
    match error {
        ApiError::Rule { status, detail, .. } => page::error(status, &detail),
        ApiError::Validation(_) => page::error(
            StatusCode::NOT_FOUND,
            "This invitation link is incomplete. Open the link from the invitation again.",
        ),
        other => WebError::from(other).into_response(),
    }
}

fn invitation_page(
    state: &AppState,
    headers: &HeaderMap,
    visitor: Option<&Visitor>,
    token: &str,
    invitation: &ValidateAnswer,
    status: StatusCode,
    errors: &[FieldError],
) -> Response {
    let here = format!(
        "/accept-invitation?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .finish()
    );
    let (csrf, new_cookie) = match visitor {
        Some(visitor) => (visitor.header.csrf.clone(), None),
        None => form_token(state, headers),
    };
    let body: Markup = html! {
        h1 { "Join " (invitation.organization_name) }
        p { "You are invited to join " strong { (invitation.organization_name) } " as "
            (page::humanize(invitation.org_role)) "." }
        @if let Some(message) = &invitation.custom_message { blockquote.card { (message) } }
        p.hint { "Invitation for " (invitation.email) ", valid until " (invitation.expires_at.get(0..10).unwrap_or_default()) "." }
        (page::form_errors(errors))
        @match visitor {
            Some(visitor) if crate::domain::invitation::same_email(&visitor.header.email, &invitation.email) => {
                form method="post" action="/accept-invitation/join" {
                    (page::csrf_field(&csrf))
                    input type="hidden" name="token" value=(token);
                    button.primary type="submit" { "Join " (invitation.organization_name) }
                }
            }
            Some(visitor) => {
                p { "You are signed in as " (visitor.header.email) ". This invitation is for another address: sign out, then open the link again." }
            }
            None if invitation.requires_registration => {
                h2 { "Create your account" }
                form.stack method="post" action="/accept-invitation/register" {
                    (page::csrf_field(&csrf))
                    input type="hidden" name="invitation_token" value=(token);
                    label for="email" { "E-mail" }
                    input #email type="email" name="email" value=(invitation.email) readonly autocomplete="username";
                    label for="full_name" { "Full name" }
                    input #full_name type="text" name="full_name" required maxlength="100" autocomplete="name";
                    label for="password" { "Password" }
                    input #password type="password" name="password" required minlength="8" maxlength="128"
                        autocomplete="new-password" aria-describedby="password-hint";
                    span.hint #password-hint { "8–128 characters with an upper-case letter, a lower-case letter and a digit." }
                    button.primary type="submit" { "Create account and join" }
                }
            }
            None => {
                p { "You already have an account. " (sign_in_link(&here)) " to accept the invitation." }
            }
        }
    };
    let mut response = (status, page::public("Invitation", body)).into_response();
    if let Some(cookie) = new_cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// `POST /accept-invitation/register`: the API's registration, then a session.
pub async fn register(
    State(state): State<AppState>,
    address: ClientAddress,
    request_id: RequestId,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, WebError> {
    let token = form.get("invitation_token").unwrap_or_default().to_string();
    let outcome =
        match form.read::<RegisterBody>(&["email", "password", "full_name", "invitation_token"]) {
            Ok(body) => api::register(State(state.clone()), address, request_id, JsonBody(body))
                .await
                .map(|(_, axum::Json(answer))| answer),
            Err(e) => Err(e),
        };
    match outcome {
        Ok(answer) => {
            let cookie =
                open_session(&state, answer.user.id, answer.membership.organization_id).await?;
            let mut response = Redirect::to("/dashboard").into_response();
            response.headers_mut().append(SET_COOKIE, cookie);
            Ok(response)
        }
        Err(ApiError::Validation(errors)) => {
            let ClientAddress(ip) = address;
            let invitation = match api::check_token(&state, ip, &token).await {
                Ok(invitation) => invitation,
                Err(e) => return Ok(unusable(e)),
            };
            Ok(invitation_page(
                &state,
                &headers,
                None,
                &token,
                &invitation,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
            ))
        }
        Err(e) => Ok(unusable(e)),
    }
}

/// `POST /accept-invitation/join`: the API's accept for the signed-in account; the session
/// moves to the organization joined.
pub async fn join(
    State(state): State<AppState>,
    visitor: Visitor,
    address: ClientAddress,
    request_id: RequestId,
    form: FormData,
) -> Result<Response, WebError> {
    let body: TokenBody = form.read(&["token"])?;
    let answer = match api::accept(
        State(state.clone()),
        visitor.caller(),
        address,
        request_id,
        JsonBody(body),
    )
    .await
    {
        Ok(axum::Json(answer)) => answer,
        Err(e) => return Ok(unusable(e)),
    };
    switch_to(&visitor, answer.membership.organization_id).await?;
    Ok(Redirect::to("/dashboard").into_response())
}
