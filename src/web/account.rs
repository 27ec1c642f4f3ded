//! The signed-in person's own page: who they are, their organizations, their password.

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::error::{form_refusal, WebError};
use super::page::{self, Section};
use super::session::{open_session, Visitor};
use super::FormData;
use crate::http::error::FieldError;
use crate::http::extract::{ClientAddress, JsonBody, PathIds, RequestId};
use crate::http::users as api_users;
use crate::http::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    changed: Option<String>,
}

/// `GET /account`.
pub async fn show(visitor: Visitor, Query(query): Query<AccountQuery>) -> Response {
    let notice = query
        .changed
        .is_some()
        .then_some("Your password was changed.");
    account_page(&visitor, StatusCode::OK, notice, &[])
}

fn account_page(
    visitor: &Visitor,
    status: StatusCode,
    notice: Option<&str>,
    errors: &[FieldError],
) -> Response {
    let header = &visitor.header;
    let main = html! {
        h1 { "Your account" }
        @if let Some(notice) = notice { div.notice role="status" { (notice) } }
        section.card aria-labelledby="profile" {
            h2 #profile { "Profile" }
            dl.facts {
                dt { "Name" } dd { (header.full_name) }
                dt { "E-mail" } dd { (header.email) }
                dt { "Role" } dd { (page::humanize(header.role)) }
                dt { "Organization" } dd { (header.organization_name) }
            }
            @if header.organizations.len() > 1 {
                p.hint { "You belong to " (header.organizations.len()) " organizations; switch with the selector at the top." }
            }
        }
        section.card aria-labelledby="password" {
            h2 #password { "Change password" }
            (page::form_errors(errors))
            form.stack method="post" action="/account/password" {
                (page::csrf_field(&header.csrf))
                label for="current_password" { "Current password" }
                input #current_password type="password" name="current_password" autocomplete="current-password" required;
                label for="new_password" { "New password" }
                input #new_password type="password" name="new_password" autocomplete="new-password" required
                    minlength="8" maxlength="128" aria-describedby="new-password-hint";
                span.hint #new-password-hint { "8–128 characters with an upper-case letter, a lower-case letter and a digit. Other browsers signed in to your account are signed out." }
                button.primary type="submit" { "Change password" }
            }
        }
    };
    (
        status,
        page::signed_in(header, Section::Account, "Your account", main),
    )
        .into_response()
}

/// `POST /account/password`: the API's password change (same rules and throttle). It ends
/// every session of the account, this one included; this browser gets a new one.
pub async fn change_password(
    State(state): State<AppState>,
    visitor: Visitor,
    address: ClientAddress,
    request_id: RequestId,
    form: FormData,
) -> Result<Response, WebError> {
    let user_id = visitor.user_id();
    let outcome = match form.read(&["current_password", "new_password"]) {
        Ok(body) => {
            api_users::change_password(
                State(state.clone()),
                visitor.caller(),
                address,
                request_id,
                PathIds([user_id]),
                JsonBody(body),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => {
            let cookie = open_session(&state, user_id, visitor.header.organization_id).await?;
            let mut response = Redirect::to("/account?changed=1").into_response();
            response.headers_mut().append(SET_COOKIE, cookie);
            Ok(response)
        }
        Err(e) => {
            let (status, errors) = form_refusal(e, "current_password")?;
            Ok(account_page(&visitor, status, None, &errors))
        }
    }
}
