//! Administration pages: the users directory, and the current organization's members and
//! invitations. Every list and change is the API's operation for it (`http::users`,
//! `http::organizations::members`, `http::invitations`): who may do what is decided there,
//! and the pages only leave out the controls a role may not use.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::error::{form_refusal, WebError};
use super::page::{self, badge, or_dash, Section};
use super::session::Visitor;
use super::{FormData, PageAction, PageIds};
use crate::domain::invitation::may_invite;
use crate::domain::roles::OrgPermission;
use crate::domain::user_admin::{administers_accounts, can_assign};
use crate::domain::{OrgRole, OrgType, SystemRole};
use crate::http::error::{ApiError, FieldError};
use crate::http::extract::{JsonBody, PathIds, QueryParams, RequestId};
use crate::http::invitations as api_invitations;
use crate::http::organizations as api_organizations;
use crate::http::organizations::members as api_members;
use crate::http::users as api_users;
use crate::http::AppState;

// ---------------------------------------------------------------------------------------
// Users

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    search: Option<String>,
    role: Option<String>,
    page: Option<u32>,
}

/// `GET /users`: the accounts the caller administers, filtered, with activate/deactivate
/// and the form to add one.
pub async fn users(
    visitor: Visitor,
    Query(query): Query<UsersQuery>,
) -> Result<Response, WebError> {
    users_page(&visitor, query, StatusCode::OK, None, &[], None).await
}

async fn users_page(
    visitor: &Visitor,
    query: UsersQuery,
    status: StatusCode,
    notice: Option<&str>,
    errors: &[FieldError],
    sent: Option<&FormData>,
) -> Result<Response, WebError> {
    let api_query = api_users::ListQuery {
        search: query.search.clone().filter(|s| !s.trim().is_empty()),
        role: query.role.clone().filter(|s| !s.is_empty()),
        page: query.page,
        limit: Some(50),
        ..api_users::ListQuery::default()
    };
    let axum::Json(list) = api_users::list_users(visitor.caller(), QueryParams(api_query)).await?;
    let header = &visitor.header;
    let access = header.access;
    let csrf = &header.csrf;
    let role_filter = query.role.as_deref().unwrap_or_default();
    let sent_value = |name: &str| {
        sent.and_then(|f| f.get(name))
            .unwrap_or_default()
            .to_string()
    };
    // The least powerful role unless another was chosen.
    let new_role = match sent_value("role") {
        role if role.is_empty() => SystemRole::Viewer.as_str().to_string(),
        role => role,
    };
    let main = html! {
        h1 { "Users" }
        @if let Some(notice) = notice { div.notice role="status" { (notice) } }
        form.filters method="get" action="/users" role="search" {
            div {
                label for="user-search" { "Search" }
                input #user-search type="search" name="search" maxlength="100"
                    value=(query.search.as_deref().unwrap_or_default());
            }
            div {
                label for="user-role" { "Role" }
                select #user-role name="role" {
                    option value="" { "All" }
                    @for role in SystemRole::ALL {
                        option value=(role.as_str()) selected[role.as_str() == role_filter] { (page::humanize(role.as_str())) }
                    }
                }
            }
            button type="submit" { "Filter" }
        }
        div.table-wrap { table {
            caption.hint { (list.total) " users" }
            thead { tr {
                th scope="col" { "User" } th scope="col" { "Role" } th scope="col" { "Status" }
                th.wide scope="col" { "Last login" } th scope="col" { "Action" }
            } }
            tbody { @for user in &list.items { tr {
                td { (user.full_name) br; span.hint { (user.email) } }
                td { (badge(user.role)) }
                td { @if user.is_active { "Active" } @else { "Inactive" } }
                td.wide { (user.last_login.as_deref().map(|t| t.get(0..10).unwrap_or(t)).unwrap_or("Never")) }
                td { div.actions {
                    a href=(format!("/users/{}/edit", user.id)) aria-label=(format!("Edit {}", user.email)) { "Edit" }
                    @if user.id != visitor.user_id() {
                        @let (action, label) = if user.is_active { ("deactivate", "Deactivate") } else { ("activate", "Activate") };
                        form method="post" action=(format!("/users/{}/{action}", user.id)) {
                            (page::csrf_field(csrf))
                            button type="submit" aria-label=(format!("{label} {}", user.email)) { (label) }
                        }
                    }
                } }
            } } }
        } }
        section.card aria-labelledby="add-user" {
            h2 #add-user { "Add user" }
            (page::form_errors(errors))
            form method="post" action="/users" {
                (page::csrf_field(csrf))
                div.fields {
                    div { label for="new-email" { "E-mail" }
                        input #new-email type="email" name="email" required maxlength="254" value=(sent_value("email")); }
                    div { label for="new-full-name" { "Full name" }
                        input #new-full-name type="text" name="full_name" required maxlength="100" value=(sent_value("full_name")); }
                    div { label for="new-password" { "Password" }
                        input #new-password type="password" name="password" required minlength="8" maxlength="128" autocomplete="new-password"; }
                    div { label for="new-role" { "Role" }
                        select #new-role name="role" {
                            @for role in SystemRole::ALL {
                                @if can_assign(&access, role) {
                                    option value=(role.as_str()) selected[role.as_str() == new_role] { (page::humanize(role.as_str())) }
                                }
                            }
                        }
                    }
                }
                div.actions { button.primary type="submit" { "Add user" } }
            }
        }
    };
    Ok((
        status,
        page::signed_in(header, Section::Users, "Users", main),
    )
        .into_response())
}

/// `POST /users`: the API's create.
pub async fn create_user(
    visitor: Visitor,
    request_id: RequestId,
    form: FormData,
) -> Result<Response, WebError> {
    let outcome = match form.read(&["email", "full_name", "password", "role"]) {
        Ok(body) => api_users::create_user(visitor.caller(), request_id, JsonBody(body))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/users").into_response()),
        Err(e) => {
            let (status, errors) = form_refusal(e, "email")?;
            users_page(
                &visitor,
                UsersQuery::default(),
                status,
                None,
                &errors,
                Some(&form),
            )
            .await
        }
    }
}

/// `GET /users/{id}/edit`: name, e-mail and role of an account.
pub async fn edit_user_form(
    visitor: Visitor,
    PageIds([id]): PageIds<1>,
) -> Result<Response, WebError> {
    let axum::Json(user) = api_users::get_user(visitor.caller(), PathIds([id])).await?;
    let values = vec![
        ("full_name", user.full_name.clone()),
        ("email", user.email.clone()),
        ("role", user.role.to_string()),
    ];
    Ok(user_form(&visitor, StatusCode::OK, id, &values, &[]))
}

fn user_form(
    visitor: &Visitor,
    status: StatusCode,
    id: uuid::Uuid,
    values: &[(&str, String)],
    errors: &[FieldError],
) -> Response {
    let access = visitor.header.access;
    let current_role = page::value_of(values, "role");
    let main = html! {
        p { a href="/users" { "← Users" } }
        h1 { "Edit " (page::value_of(values, "email")) }
        (page::form_errors(errors))
        form method="post" action=(format!("/users/{id}/edit")) {
            (page::csrf_field(&visitor.header.csrf))
            div.fields {
                div { label for="edit-full-name" { "Full name" }
                    input #edit-full-name type="text" name="full_name" required minlength="2" maxlength="100"
                        value=(page::value_of(values, "full_name")); }
                div { label for="edit-email" { "E-mail" }
                    input #edit-email type="email" name="email" required maxlength="254"
                        value=(page::value_of(values, "email")); }
                div { label for="edit-role" { "Role" }
                    select #edit-role name="role" {
                        @for role in SystemRole::ALL {
                            @if can_assign(&access, role) || role.as_str() == current_role {
                                option value=(role.as_str()) selected[role.as_str() == current_role] { (page::humanize(role.as_str())) }
                            }
                        }
                    }
                }
            }
            div.actions { button.primary type="submit" { "Save" } }
        }
    };
    (
        status,
        page::signed_in(&visitor.header, Section::Users, "Edit user", main),
    )
        .into_response()
}

/// `POST /users/{id}/edit`: the API's change of an account (its rules decide who may
/// change whom, and to which role).
pub async fn update_user(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    form: FormData,
) -> Result<Response, WebError> {
    let outcome = match form.read(&["full_name", "email", "role"]) {
        Ok(body) => {
            api_users::update_user(visitor.caller(), request_id, PathIds([id]), JsonBody(body))
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/users").into_response()),
        Err(e) => {
            let (status, errors) = form_refusal(e, "role")?;
            let values = form.values(&["full_name", "email", "role"]);
            Ok(user_form(&visitor, status, id, &values, &errors))
        }
    }
}

/// `POST /users/{id}/activate` and `…/deactivate`.
pub async fn set_user_active(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    PageAction(action): PageAction,
) -> Result<Response, WebError> {
    let _message = match action.as_str() {
        "activate" => api_users::activate_user(visitor.caller(), request_id, PathIds([id])).await?,
        "deactivate" => {
            api_users::deactivate_user(visitor.caller(), request_id, PathIds([id])).await?
        }
        _ => return Err(ApiError::NotFound.into()),
    };
    Ok(Redirect::to("/users").into_response())
}

// ---------------------------------------------------------------------------------------
// The organization: members and invitations

/// `GET /organization`: members with their roles and statuses, invitations, and the forms
/// to change them.
pub async fn organization(visitor: Visitor) -> Result<Response, WebError> {
    organization_page(&visitor, StatusCode::OK, None, &[]).await
}

async fn organization_page(
    visitor: &Visitor,
    status: StatusCode,
    sent_link: Option<&str>,
    errors: &[FieldError],
) -> Result<Response, WebError> {
    let header = &visitor.header;
    let access = header.access;
    let organization_id = header.organization_id;
    let members_query = api_members::MemberListQuery {
        limit: Some(100),
        ..api_members::MemberListQuery::default()
    };
    let axum::Json(members) = api_members::list_members(
        visitor.caller(),
        PathIds([organization_id]),
        QueryParams(members_query),
    )
    .await?;
    let invites = may_invite(&access);
    let invitations = if invites {
        let query = api_invitations::ListQuery {
            limit: Some(100),
            ..api_invitations::ListQuery::default()
        };
        Some(
            api_invitations::list(visitor.caller(), QueryParams(query))
                .await?
                .0,
        )
    } else {
        None
    };
    let manages = access.is_platform_admin() || access.allows_org(OrgPermission::MembersManage);
    let removes = access.is_platform_admin() || access.allows_org(OrgPermission::MembersRemove);
    let csrf = &header.csrf;
    let main = html! {
        h1 { (header.organization_name) }
        @if let Some(link) = sent_link {
            div.notice role="status" {
                p { "Invitation sent. Its link, if you want to pass it on yourself:" }
                p.mono { (link) }
            }
        }
        (page::form_errors(errors))
        section.card aria-labelledby="members" {
            h2 #members { "Members (" (members.total) ")" }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "Member" } th scope="col" { "Role" } th scope="col" { "Status" }
                    @if manages || removes { th scope="col" { "Actions" } }
                } }
                tbody { @for m in &members.items { tr {
                    td { (m.full_name) br; span.hint { (m.email) } }
                    td {
                        @if manages && m.user_id != visitor.user_id() {
                            form method="post" action=(format!("/organization/members/{}/role", m.id)) {
                                (page::csrf_field(csrf))
                                label.sr-only for=(format!("role-{}", m.id)) { "Role of " (m.email) }
                                select id=(format!("role-{}", m.id)) name="org_role" {
                                    @for role in OrgRole::ALL {
                                        option value=(role.as_str()) selected[role.as_str() == m.org_role] { (page::humanize(role.as_str())) }
                                    }
                                }
                                " " button type="submit" { "Save" }
                            }
                        } @else {
                            (page::humanize(m.org_role))
                        }
                    }
                    td { (badge(m.status)) }
                    @if manages || removes {
                        td { @if m.user_id != visitor.user_id() { div.actions {
                            @if manages {
                                @let (action, label) = if m.status == "suspended" { ("reactivate", "Reactivate") } else { ("suspend", "Suspend") };
                                form method="post" action=(format!("/organization/members/{}/{action}", m.id)) {
                                    (page::csrf_field(csrf))
                                    button type="submit" aria-label=(format!("{label} {}", m.email)) { (label) }
                                }
                            }
                            @if removes {
                                form method="post" action=(format!("/organization/members/{}/remove", m.id)) {
                                    (page::csrf_field(csrf))
                                    button.danger type="submit" aria-label=(format!("Remove {}", m.email)) { "Remove" }
                                }
                            }
                        } } }
                    }
                } } }
            } }
        }
        @if let Some(invitations) = &invitations {
            section.card aria-labelledby="invitations" {
                h2 #invitations { "Invitations" }
                @if invitations.items.is_empty() {
                    p.none { "No invitations." }
                } @else {
                    div.table-wrap { table {
                        thead { tr {
                            th scope="col" { "E-mail" } th scope="col" { "Role" } th scope="col" { "Status" }
                            th.wide scope="col" { "Expires" } th scope="col" { "Actions" }
                        } }
                        tbody { @for i in &invitations.items { tr {
                            td { (i.email) }
                            td { (page::humanize(i.org_role)) }
                            td { (badge(i.status)) }
                            td.wide { (or_dash(i.expires_at.get(0..10))) }
                            td { @if i.status == "pending" { div.actions {
                                form method="post" action=(format!("/organization/invitations/{}/resend", i.id)) {
                                    (page::csrf_field(csrf))
                                    button type="submit" aria-label=(format!("Resend to {}", i.email)) { "Resend" }
                                }
                                form method="post" action=(format!("/organization/invitations/{}/revoke", i.id)) {
                                    (page::csrf_field(csrf))
                                    button.danger type="submit" aria-label=(format!("Revoke for {}", i.email)) { "Revoke" }
                                }
                            } } }
                        } } }
                    } }
                }
                h3 { "Invite someone" }
                form method="post" action="/organization/invitations" {
                    (page::csrf_field(csrf))
                    div.fields {
                        div { label for="invite-email" { "E-mail" }
                            input #invite-email type="email" name="email" required maxlength="254"; }
                        div { label for="invite-role" { "Role" }
                            select #invite-role name="org_role" {
                                @for role in OrgRole::ALL {
                                    option value=(role.as_str()) selected[role == OrgRole::Member] { (page::humanize(role.as_str())) }
                                }
                            }
                        }
                    }
                    div.actions { button.primary type="submit" { "Send invitation" } }
                }
            }
        }
    };
    Ok((
        status,
        page::signed_in(header, Section::Organization, "Organization", main),
    )
        .into_response())
}

/// `POST /organization/members/{id}/{role|suspend|reactivate|remove}`.
pub async fn change_member(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([member]): PageIds<1>,
    PageAction(action): PageAction,
    form: FormData,
) -> Result<Response, WebError> {
    let ids = PathIds([visitor.header.organization_id, member]);
    let caller = visitor.caller();
    let outcome = match action.as_str() {
        "role" => match form.read(&["org_role"]) {
            Ok(body) => api_members::update_member(caller, request_id, ids, JsonBody(body))
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        "suspend" => {
            api_members::suspend_member(caller, request_id, ids, JsonBody(Default::default()))
                .await
                .map(|_| ())
        }
        "reactivate" => api_members::reactivate_member(caller, request_id, ids)
            .await
            .map(|_| ()),
        "remove" => api_members::remove_member(caller, request_id, ids)
            .await
            .map(|_| ()),
        _ => Err(ApiError::NotFound),
    };
    after_change(&visitor, outcome, "org_role").await
}

/// Back to the organization page, or the page again with the refusal above it.
async fn after_change(
    visitor: &Visitor,
    outcome: Result<(), ApiError>,
    field: &str,
) -> Result<Response, WebError> {
    match outcome {
        Ok(()) => Ok(Redirect::to("/organization").into_response()),
        Err(ApiError::NotFound) => Err(ApiError::NotFound.into()),
        Err(e) => {
            let (status, errors) = form_refusal(e, field)?;
            organization_page(visitor, status, None, &errors).await
        }
    }
}

/// `POST /organization/invitations`: the API's invitation (e-mailed when SMTP is set up);
/// the page shows its link once.
pub async fn invite(
    State(state): State<AppState>,
    visitor: Visitor,
    request_id: RequestId,
    form: FormData,
) -> Result<Response, WebError> {
    let outcome = match form.read(&["email", "org_role"]) {
        Ok(body) => {
            api_invitations::create(State(state), visitor.caller(), request_id, JsonBody(body))
                .await
                .map(|(_, axum::Json(issued))| issued.invitation_url)
        }
        Err(e) => Err(e),
    };
    match outcome {
        // The page itself, not a redirect: the link holds the invitation's token, which
        // must not travel in a URL (history, logs, Referer).
        Ok(link) => organization_page(&visitor, StatusCode::OK, Some(&link), &[]).await,
        Err(e) => after_change(&visitor, Err(e), "email").await,
    }
}

/// `POST /organization/invitations/{id}/{resend|revoke}`.
pub async fn change_invitation(
    State(state): State<AppState>,
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    PageAction(action): PageAction,
) -> Result<Response, WebError> {
    let id = PathIds([id]);
    let outcome = match action.as_str() {
        "resend" => api_invitations::resend(State(state), visitor.caller(), request_id, id)
            .await
            .map(|_| ()),
        "revoke" => api_invitations::revoke(visitor.caller(), request_id, id)
            .await
            .map(|_| ()),
        _ => Err(ApiError::NotFound),
    };
    after_change(&visitor, outcome, "email").await
}

/// Whether the navigation shows the users directory.
pub fn shows_users(access: &crate::domain::Access) -> bool {
    administers_accounts(access)
}

/// Whether the navigation shows the organization's members page.
pub fn shows_organization(access: &crate::domain::Access) -> bool {
    access.is_platform_admin() || access.allows_org(OrgPermission::MembersView)
}

// ---------------------------------------------------------------------------------------
// Every organization (platform admins)

/// `GET /organizations`: the tenants, for platform admins (others see their own).
pub async fn organizations(visitor: Visitor) -> Result<Response, WebError> {
    organizations_page(&visitor, StatusCode::OK, &[]).await
}

async fn organizations_page(
    visitor: &Visitor,
    status: StatusCode,
    errors: &[FieldError],
) -> Result<Response, WebError> {
    let query = api_organizations::OrganizationListQuery {
        limit: Some(100),
        ..Default::default()
    };
    let axum::Json(list) =
        api_organizations::list_organizations(visitor.caller(), QueryParams(query)).await?;
    let header = &visitor.header;
    let main = html! {
        h1 { "Organizations" }
        div.table-wrap { table {
            caption.hint { (list.total) " organizations" }
            thead { tr {
                th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Status" }
                th scope="col" { "Members" }
            } }
            tbody { @for o in &list.items { tr {
                td { (o.name) br; span.hint.mono { (o.slug) } }
                td { (page::humanize(o.org_type)) }
                td { (badge(o.status)) }
                td { (o.member_count) }
            } } }
        } }
        @if header.access.is_platform_admin() {
            section.card aria-labelledby="new-organization" {
                h2 #new-organization { "New organization" }
                (page::form_errors(errors))
                form method="post" action="/organizations" {
                    (page::csrf_field(&header.csrf))
                    div.fields {
                        div { label for="org-name" { "Name" }
                            input #org-name type="text" name="name" required minlength="2" maxlength="255"; }
                        div { label for="org-type" { "Type" }
                            select #org-type name="type" {
                                @for kind in OrgType::ALL {
                                    @if kind != OrgType::PlatformOwner {
                                        option value=(kind.as_str()) { (page::humanize(kind.as_str())) }
                                    }
                                }
                            }
                        }
                        div { label for="org-email" { "Contact e-mail" }
                            input #org-email type="email" name="contact_email" maxlength="254"; }
                    }
                    div.actions { button.primary type="submit" { "Create organization" } }
                }
            }
        }
    };
    Ok((
        status,
        page::signed_in(header, Section::Organizations, "Organizations", main),
    )
        .into_response())
}

/// `POST /organizations`: the API's create (platform admins).
pub async fn create_organization(
    visitor: Visitor,
    request_id: RequestId,
    form: FormData,
) -> Result<Response, WebError> {
    let outcome = match form.read(&["name", "type", "contact_email"]) {
        Ok(body) => {
            api_organizations::create_organization(visitor.caller(), request_id, JsonBody(body))
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/organizations").into_response()),
        Err(e) => {
            let (status, errors) = form_refusal(e, "name")?;
            organizations_page(&visitor, status, &errors).await
        }
    }
}

/// Whether the navigation shows every organization.
pub fn shows_organizations(access: &crate::domain::Access) -> bool {
    access.is_platform_admin()
}
