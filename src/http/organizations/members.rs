//! `/organizations/{id}/members…`: list, add, read, change role or status, suspend,
//! reactivate, remove (reference §3.2).
//!
//! Every change runs the same sequence in one transaction: lock the organization's row
//! (`FOR NO KEY UPDATE`), read the target membership *of this organization* (a membership id of
//! another organization is 404), count the other active owners and admins, let
//! [`check_member_change`] decide, write, audit. The lock serializes all member changes of
//! one organization, and each statement after it reads a fresh snapshot (READ COMMITTED), so
//! two concurrent demotions cannot both see "another admin remains" — the last-admin rule
//! holds under concurrency.

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{audit_entry, require_organization};
use crate::db::members::{self, MemberFilter, MemberRow};
use crate::db::tenant::TenantTx;
use crate::domain::organization::{self, MemberChange, MemberRuleError, MemberTarget};
use crate::domain::{text, Access, MembershipStatus, OrgPermission, OrgRole};
use crate::http::auth::CurrentUser;
use crate::http::error::ApiError;
use crate::http::extract::{Fields, JsonBody, PathIds, QueryParams, RequestId};
use crate::http::pagination::{Page, PageQuery};
use crate::http::time::rfc3339;
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations/{id}/members",
            get(list_members).post(add_member),
        )
        .route(
            "/organizations/{id}/members/{member_id}",
            get(get_member).patch(update_member).delete(remove_member),
        )
        .route(
            "/organizations/{id}/members/{member_id}/suspend",
            post(suspend_member),
        )
        .route(
            "/organizations/{id}/members/{member_id}/reactivate",
            post(reactivate_member),
        )
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_members,
    add_member,
    get_member,
    update_member,
    remove_member,
    suspend_member,
    reactivate_member
))]
pub struct ApiDoc;

// ---------------------------------------------------------------------------------------
// Answers

/// One membership with its user's name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberItem {
    /// The membership id (`member_id` in paths).
    pub id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub org_role: &'static str,
    pub status: &'static str,
    pub is_primary: bool,
    /// RFC 3339, UTC.
    pub joined_at: String,
    /// The user's last login (RFC 3339, UTC), if any.
    pub last_active_at: Option<String>,
}

/// One membership with the user and what the membership allows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberDetail {
    #[serde(flatten)]
    member: MemberItem,
    user: MemberUser,
    /// Organization permissions of this membership (none while suspended).
    permissions: Vec<&'static str>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberUser {
    id: Uuid,
    email: String,
    full_name: String,
    /// System role, API spelling.
    role: &'static str,
    is_active: bool,
    last_login: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RemovedAnswer {
    message: &'static str,
    id: Uuid,
}

// ---------------------------------------------------------------------------------------
// From rows to answers

fn item(row: &MemberRow) -> MemberItem {
    MemberItem {
        id: row.id,
        user_id: row.user_id,
        email: row.email.clone(),
        full_name: row.full_name.clone(),
        org_role: row.org_role.as_str(),
        status: row.status.as_str(),
        is_primary: row.is_primary,
        joined_at: rfc3339(row.joined_at),
        last_active_at: row.last_login.map(rfc3339),
    }
}

fn detail(row: MemberRow) -> MemberDetail {
    let access = Access::new(row.system_role, row.org_role, row.org_type, row.status);
    MemberDetail {
        user: MemberUser {
            id: row.user_id,
            email: row.email.clone(),
            full_name: row.full_name.clone(),
            role: row.system_role.as_str(),
            is_active: row.user_is_active,
            last_login: row.last_login.map(rfc3339),
        },
        permissions: access
            .org_permissions()
            .into_iter()
            .map(OrgPermission::as_str)
            .collect(),
        member: item(&row),
    }
}

/// The membership of this organization, or 404.
async fn read_member(
    tx: &mut TenantTx,
    organization_id: Uuid,
    member_id: Uuid,
) -> Result<MemberRow, ApiError> {
    members::find(tx, organization_id, member_id)
        .await?
        .ok_or(ApiError::NotFound)
}

fn rule_error(error: MemberRuleError) -> ApiError {
    let status = match error {
        MemberRuleError::LastAdmin => StatusCode::CONFLICT,
        MemberRuleError::ModifySelf | MemberRuleError::HigherRole => StatusCode::FORBIDDEN,
    };
    ApiError::Rule {
        status,
        code: error.code(),
        detail: error.to_string(),
    }
}

/// Opens the organization's transaction and checks the caller holds `permission` there
/// (platform admins hold every one: they act as VIBOTAJ owners or admins).
async fn open_with(
    caller: &mut CurrentUser,
    organization_id: Uuid,
    permission: OrgPermission,
    reason: &str,
) -> Result<TenantTx, ApiError> {
    let tx = caller.open_in(organization_id, reason).await?;
    if !caller.access().is_platform_admin() {
        caller.require_org(permission)?;
    }
    Ok(tx)
}

/// The one path of every member change (see the module docs). Returns the membership after
/// the change, or `None` when it was removed.
async fn change_member(
    caller: &mut CurrentUser,
    request_id: &RequestId,
    [organization_id, member_id]: [Uuid; 2],
    change: MemberChange,
    action: &str,
    mut details: Value,
) -> Result<Option<MemberDetail>, ApiError> {
    let permission = match change {
        MemberChange::Remove => OrgPermission::MembersRemove,
        MemberChange::Update { .. } => OrgPermission::MembersManage,
    };
    let mut tx = open_with(caller, organization_id, permission, action).await?;
    if !members::lock_organization(&mut tx, organization_id).await? {
        return Err(ApiError::NotFound);
    }
    let current = read_member(&mut tx, organization_id, member_id).await?;
    let others = members::other_administrators(&mut tx, organization_id, member_id).await?;
    let target = MemberTarget {
        role: current.org_role,
        status: current.status,
        is_self: current.user_id == caller.user_id,
    };
    organization::check_member_change(&caller.access(), target, change, others)
        .map_err(rule_error)?;
    details["user_id"] = json!(current.user_id);
    details["previous_role"] = json!(current.org_role.as_str());
    details["previous_status"] = json!(current.status.as_str());
    match change {
        MemberChange::Remove => members::remove(&mut tx, organization_id, member_id).await?,
        MemberChange::Update { role, status } => {
            members::update(&mut tx, organization_id, member_id, role, status).await?
        }
    }
    tx.audit(audit_entry(
        action,
        "membership",
        member_id,
        request_id,
        details,
    ))
    .await?;
    let after = match change {
        MemberChange::Remove => None,
        MemberChange::Update { .. } => Some(detail(
            read_member(&mut tx, organization_id, member_id).await?,
        )),
    };
    tx.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------------------------------
// Handlers

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberListQuery {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 2147483647)]
    pub page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// Organization role.
    pub role: Option<OrgRole>,
    /// `active` or `suspended`.
    pub status: Option<MembershipStatus>,
    /// Part of the e-mail or name (case-insensitive).
    pub search: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/members", tag = "members", security(("bearer" = [])),
    summary = "Members of an organization",
    params(("id" = Uuid, Path, description = "Organization id"), MemberListQuery),
    responses((status = 200, body = Page<MemberItem>), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS (members:view)"),
        (status = 404, description = "Not the caller's current organization, or no such organization"),
        (status = 422, description = "A query parameter is invalid")))]
pub(crate) async fn list_members(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
    QueryParams(query): QueryParams<MemberListQuery>,
) -> Result<Json<Page<MemberItem>>, ApiError> {
    let page = PageQuery {
        page: query.page,
        limit: query.limit,
    }
    .validate()?;
    let search = text::search_term(query.search.as_deref())
        .map_err(|e| Fields::one("search", &e.to_string()))?;
    let mut tx = open_with(&mut caller, id, OrgPermission::MembersView, "list members").await?;
    // An organization that does not exist has no member list (404, not an empty page).
    require_organization(&mut tx, id).await?;
    let filter = MemberFilter {
        role: query.role,
        status: query.status,
        search,
    };
    let (rows, total) = members::list(&mut tx, id, &filter, page.limit(), page.offset()).await?;
    tx.commit().await?;
    let items = rows.iter().map(item).collect();
    Ok(Json(Page::new(items, total, page)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    user_id: Uuid,
    /// Default `member`.
    #[serde(default)]
    org_role: Option<OrgRole>,
}

#[utoipa::path(post, path = "/api/v1/organizations/{id}/members", tag = "members", security(("bearer" = [])),
    summary = "Add an existing user (platform admins, or the organization's owners and admins)",
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = AddMember,
    responses((status = 201, body = MemberDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS or CANNOT_MODIFY_HIGHER_ROLE"),
        (status = 404, description = "No such organization here, or no such user visible to the caller"),
        (status = 409, description = "ALREADY_MEMBER"),
        (status = 422, description = "A field is invalid")))]
async fn add_member(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<AddMember>,
) -> Result<(StatusCode, Json<MemberDetail>), ApiError> {
    let role = body.org_role.unwrap_or(OrgRole::Member);
    let mut tx = open_with(&mut caller, id, OrgPermission::MembersManage, "add member").await?;
    organization::check_member_add(&caller.access(), role).map_err(rule_error)?;
    require_organization(&mut tx, id).await?;
    // Row-level security decides which users the caller may see: those of this organization
    // (or, for platform admins, every user). Anyone else is "no such user".
    if !members::user_visible(&mut tx, body.user_id).await? {
        return Err(ApiError::NotFound);
    }
    let member_id = members::add(&mut tx, id, body.user_id, role).await?;
    tx.audit(audit_entry(
        "member.add",
        "membership",
        member_id,
        &request_id,
        json!({"user_id": body.user_id, "org_role": role.as_str()}),
    ))
    .await?;
    let added = detail(read_member(&mut tx, id, member_id).await?);
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(added)))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/members/{member_id}", tag = "members", security(("bearer" = [])),
    summary = "One membership with its user and permissions",
    params(("id" = Uuid, Path, description = "Organization id"), ("member_id" = Uuid, Path, description = "Membership id")),
    responses((status = 200, body = MemberDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS (members:view)"),
        (status = 404, description = "No such membership in this organization")))]
async fn get_member(
    mut caller: CurrentUser,
    PathIds([id, member_id]): PathIds<2>,
) -> Result<Json<MemberDetail>, ApiError> {
    let mut tx = open_with(&mut caller, id, OrgPermission::MembersView, "read member").await?;
    let member = read_member(&mut tx, id, member_id).await?;
    tx.commit().await?;
    Ok(Json(detail(member)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct UpdateMember {
    pub org_role: Option<OrgRole>,
    /// `active` or `suspended`.
    pub status: Option<MembershipStatus>,
}

#[utoipa::path(patch, path = "/api/v1/organizations/{id}/members/{member_id}", tag = "members", security(("bearer" = [])),
    summary = "Change a member's role or status",
    params(("id" = Uuid, Path, description = "Organization id"), ("member_id" = Uuid, Path, description = "Membership id")),
    request_body = UpdateMember,
    responses((status = 200, body = MemberDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS, CANNOT_MODIFY_SELF or CANNOT_MODIFY_HIGHER_ROLE"),
        (status = 404, description = "No such membership in this organization"),
        (status = 409, description = "LAST_ADMIN"),
        (status = 422, description = "A field is invalid, or nothing to change")))]
pub(crate) async fn update_member(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds(ids): PathIds<2>,
    JsonBody(body): JsonBody<UpdateMember>,
) -> Result<Json<MemberDetail>, ApiError> {
    if body.org_role.is_none() && body.status.is_none() {
        return Err(Fields::one("body", "give org_role and/or status"));
    }
    let change = MemberChange::Update {
        role: body.org_role,
        status: body.status,
    };
    let details = json!({
        "org_role": body.org_role.map(OrgRole::as_str),
        "status": body.status.map(MembershipStatus::as_str),
    });
    let detail = change_member(
        &mut caller,
        &request_id,
        ids,
        change,
        "member.update",
        details,
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(Json(detail))
}

#[utoipa::path(delete, path = "/api/v1/organizations/{id}/members/{member_id}", tag = "members", security(("bearer" = [])),
    summary = "Remove a member (not oneself, never the last owner or admin)",
    params(("id" = Uuid, Path, description = "Organization id"), ("member_id" = Uuid, Path, description = "Membership id")),
    responses((status = 200, body = RemovedAnswer), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS, CANNOT_MODIFY_SELF or CANNOT_MODIFY_HIGHER_ROLE"),
        (status = 404, description = "No such membership in this organization"),
        (status = 409, description = "LAST_ADMIN")))]
pub(crate) async fn remove_member(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds(ids): PathIds<2>,
) -> Result<Json<RemovedAnswer>, ApiError> {
    change_member(
        &mut caller,
        &request_id,
        ids,
        MemberChange::Remove,
        "member.remove",
        json!({}),
    )
    .await?;
    Ok(Json(RemovedAnswer {
        message: "Member removed",
        id: ids[1],
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendMember {
    /// Why (surrounding whitespace ignored); kept in the audit log.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/organizations/{id}/members/{member_id}/suspend", tag = "members", security(("bearer" = [])),
    summary = "Suspend a member (their tokens for this organization stop working)",
    params(("id" = Uuid, Path, description = "Organization id"), ("member_id" = Uuid, Path, description = "Membership id")),
    request_body = SuspendMember,
    responses((status = 200, body = MemberDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS, CANNOT_MODIFY_SELF or CANNOT_MODIFY_HIGHER_ROLE"),
        (status = 404, description = "No such membership in this organization"),
        (status = 409, description = "LAST_ADMIN"),
        (status = 422, description = "reason is too long")))]
pub(crate) async fn suspend_member(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds(ids): PathIds<2>,
    JsonBody(body): JsonBody<SuspendMember>,
) -> Result<Json<MemberDetail>, ApiError> {
    let reason = organization::suspension_reason(body.reason.as_deref())
        .map_err(|e| Fields::one("reason", &e.to_string()))?;
    let mut fields = Fields::new();
    fields.check_no_nul("reason", reason.as_deref().unwrap_or_default());
    fields.finish()?;
    set_status(
        &mut caller,
        &request_id,
        ids,
        MembershipStatus::Suspended,
        json!({ "reason": reason }),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/organizations/{id}/members/{member_id}/reactivate", tag = "members", security(("bearer" = [])),
    summary = "Reactivate a suspended member",
    params(("id" = Uuid, Path, description = "Organization id"), ("member_id" = Uuid, Path, description = "Membership id")),
    responses((status = 200, body = MemberDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS, CANNOT_MODIFY_SELF or CANNOT_MODIFY_HIGHER_ROLE"),
        (status = 404, description = "No such membership in this organization")))]
pub(crate) async fn reactivate_member(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds(ids): PathIds<2>,
) -> Result<Json<MemberDetail>, ApiError> {
    set_status(
        &mut caller,
        &request_id,
        ids,
        MembershipStatus::Active,
        json!({}),
    )
    .await
}

async fn set_status(
    caller: &mut CurrentUser,
    request_id: &RequestId,
    ids: [Uuid; 2],
    status: MembershipStatus,
    details: Value,
) -> Result<Json<MemberDetail>, ApiError> {
    let action = match status {
        MembershipStatus::Suspended => "member.suspend",
        MembershipStatus::Active => "member.reactivate",
    };
    let change = MemberChange::Update {
        role: None,
        status: Some(status),
    };
    change_member(caller, request_id, ids, change, action, details)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}
