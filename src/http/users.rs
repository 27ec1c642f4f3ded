//! The Users API (reference §1.3): the directory of the caller's organization, and the
//! administration of its accounts.
//!
//! * "The users of an organization" are the users with a membership in it, whatever
//!   organization their `users` row is homed in (revision 005 homed buyer-organization members
//!   in VIBOTAJ). Revision 009 lets an organization read its members' rows; every query here
//!   also filters on the membership, so users merely homed in the organization do not show.
//! * Platform admins see and manage every account, through the audited
//!   [`TenantTx::begin_platform`]; everyone else works in a plain [`TenantTx`].
//! * Who may do what is [`crate::domain::user_admin`]: the permission and self rules are
//!   checked before the target is read (so a refusal says nothing about other organizations'
//!   ids, which answer 404), rank and state after.
//! * Changing another account needs its row to be homed in the current organization
//!   (revision 007's `tenant_isolation`): an organization does not rename, deactivate or reset
//!   the password of a guest member whose account another organization administers.
//! * Differences from the predecessor, on purpose: `/users/me` reads the database;
//!   the admin reset applies the password rules and takes the password from a JSON body (the
//!   query string, which lands in access logs, is still read for old clients); e-mail
//!   uniqueness is case-insensitive across all organizations.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::auth::{blocking, CurrentUser};
use super::error::ApiError;
use super::extract::{parse_json, Fields, JsonBody, QueryParams, RequestId};
use super::pagination::{Page, PageQuery, PageRequest};
use super::AppState;
use crate::auth::{password, store};
use crate::db::tenant::{AuditEntry, TenantTx};
use crate::domain::user_admin::{self, Action, Change, Refusal, Target};
use crate::domain::{check_password_rules, Email, Permission, SystemRole};

/// The refusal of a change to an account another organization administers.
pub const HOME_ORGANIZATION_ONLY: &str = "HOME_ORGANIZATION_ONLY";
/// An e-mail address already used by an account (of any organization).
pub const EMAIL_EXISTS: &str = "EMAIL_EXISTS";
/// The current password given to a password change is wrong.
pub const WRONG_PASSWORD: &str = "WRONG_PASSWORD";

const FULL_NAME_CHARS: std::ops::RangeInclusive<usize> = 2..=100;

/// The routes, nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/me", get(me))
        .route("/users/roles", get(roles))
        .route("/users/permissions-matrix", get(permissions_matrix))
        .route(
            "/users/{id}",
            get(get_user).patch(update_user).delete(deactivate_user),
        )
        .route("/users/{id}/password", patch(change_password))
        .route("/users/{id}/reset-password", post(reset_password))
        .route("/users/{id}/activate", post(activate_user))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_users,
    create_user,
    me,
    roles,
    permissions_matrix,
    get_user,
    update_user,
    deactivate_user,
    change_password,
    reset_password,
    activate_user
))]
pub struct ApiDoc;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        if refusal.is_forbidden() {
            ApiError::forbidden(refusal.code(), refusal.to_string())
        } else {
            ApiError::bad_request(refusal.code(), refusal.to_string())
        }
    }
}

// ---------------------------------------------------------------------------------------
// Shapes

/// One account (the predecessor's `UserResponse`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    /// API spelling, lower case (`logistics_agent`).
    pub role: &'static str,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub last_login: Option<String>,
}

/// `{items, total, page, limit, pages}` of [`UserResponse`]s (documentation of [`Page`]).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct UserPage {
    items: Vec<UserResponse>,
    total: i64,
    page: u32,
    limit: u32,
    pages: i64,
}

/// The list's query. `page` and `limit` are declared here rather than by flattening
/// [`PageQuery`]: serde's `flatten` hands every value to the inner struct as a string, which
/// then fails to parse as a number (or `is_active` as a boolean).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Part of the e-mail or name (case-insensitive; `%` and `_` match themselves).
    search: Option<String>,
    /// A system role, API spelling (e.g. `logistics_agent`).
    role: Option<String>,
    is_active: Option<bool>,
    /// 1-based page number (default 1).
    page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    limit: Option<u32>,
}

/// The body of `POST /users`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserCreate {
    #[schema(value_type = String)]
    email: Email,
    /// 2–100 characters.
    full_name: String,
    /// API spelling; `viewer` when left out.
    #[serde(default = "default_role")]
    #[schema(value_type = Option<String>)]
    role: SystemRole,
    /// At least 8 characters with an upper-case letter, a lower-case letter and a digit.
    password: String,
}

fn default_role() -> SystemRole {
    SystemRole::Viewer
}

/// The body of `PATCH /users/{id}`: only the fields sent are changed.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    #[schema(value_type = Option<String>)]
    email: Option<Email>,
    full_name: Option<String>,
    #[schema(value_type = Option<String>)]
    role: Option<SystemRole>,
    is_active: Option<bool>,
}

/// The body of `PATCH /users/{id}/password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// The body of `POST /users/{id}/reset-password`; also read from the query string, only to
/// refuse a password sent there by the predecessor's clients.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    new_password: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Message {
    pub message: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoleInfo {
    pub value: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Whether the caller may give this role to an account.
    pub can_assign: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RolesAnswer {
    pub roles: Vec<RoleInfo>,
}

// ---------------------------------------------------------------------------------------
// Handlers

#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    summary = "The users of the current organization (platform admins: all), newest first",
    params(ListQuery),
    responses((status = 200, body = UserPage), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing users:list"),
        (status = 422, description = "A query parameter is invalid")))]
async fn list_users(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Page<UserResponse>>, ApiError> {
    user_admin::require(&caller.access(), Permission::UsersList)?;
    let filter = query.validate()?;
    let (mut tx, scope) = open(&mut caller, "list users").await?;
    let (items, total) = queries::list(tx.conn(), scope, &filter).await?;
    tx.commit().await?;
    Ok(Json(Page::new(items, total, filter.page)))
}

#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    summary = "The caller's own account",
    responses((status = 200, body = UserResponse), (status = 401, description = "No valid token")))]
async fn me(mut caller: CurrentUser) -> Result<Json<UserResponse>, ApiError> {
    // Revision 008's own_read shows the caller's row in any organization.
    let mut tx = caller.begin().await?;
    let user = queries::find(tx.conn(), None, caller.user_id).await?;
    tx.commit().await?;
    Ok(Json(user.ok_or(ApiError::NotFound)?))
}

#[utoipa::path(get, path = "/api/v1/users/roles", tag = "users", security(("bearer" = [])),
    summary = "The system roles, and which of them the caller may assign",
    responses((status = 200, body = RolesAnswer), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing users:read")))]
async fn roles(caller: CurrentUser) -> Result<Json<RolesAnswer>, ApiError> {
    let access = caller.access();
    user_admin::require(&access, Permission::UsersRead)?;
    Ok(Json(RolesAnswer {
        roles: SystemRole::ALL
            .into_iter()
            .map(|role| RoleInfo {
                value: role.as_str(),
                name: role.display_name(),
                description: user_admin::role_description(role),
                can_assign: user_admin::can_assign(&access, role),
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/users/permissions-matrix", tag = "users", security(("bearer" = [])),
    summary = "Every system role's permissions (platform admins)",
    responses((status = 200, body = BTreeMap<String, Vec<String>>), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing system:admin")))]
async fn permissions_matrix(
    caller: CurrentUser,
) -> Result<Json<BTreeMap<&'static str, Vec<&'static str>>>, ApiError> {
    user_admin::require(&caller.access(), Permission::SystemAdmin)?;
    Ok(Json(
        SystemRole::ALL
            .into_iter()
            .map(|role| {
                let permissions = role.permissions().iter().map(|p| p.as_str()).collect();
                (role.as_str(), permissions)
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    summary = "One account (self, or users:read)",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, body = UserResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing users:read"),
        (status = 404, description = "No such user in the current organization"),
        (status = 422, description = "The id is not a UUID")))]
async fn get_user(
    mut caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<UserResponse>, ApiError> {
    let id = user_id(&id)?;
    user_admin::precheck(&caller.access(), Action::Read, id == caller.user_id)?;
    let (mut tx, scope) = open(&mut caller, "read a user").await?;
    let user = queries::find(tx.conn(), scope, id).await?;
    tx.commit().await?;
    Ok(Json(user.ok_or(ApiError::NotFound)?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    summary = "Create an account in the current organization, with an active membership",
    request_body = UserCreate,
    responses((status = 201, body = UserResponse), (status = 400, description = "EMAIL_EXISTS"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Missing users:create, or the role is above the caller's"),
        (status = 422, description = "A field is invalid")))]
async fn create_user(
    mut caller: CurrentUser,
    request_id: RequestId,
    JsonBody(body): JsonBody<UserCreate>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    let access = caller.access();
    user_admin::check_create(&access, body.role)?;
    let mut fields = Fields::new();
    let full_name = check_full_name(&mut fields, &body.full_name);
    check_password(&mut fields, "password", &body.password);
    fields.finish()?;
    // Present: `finish` found no error.
    let full_name = full_name.unwrap_or_default();
    let hash = hash_password(body.password).await?;

    let (mut tx, _) = open(&mut caller, "create a user").await?;
    ensure_email_free(tx.conn(), &body.email, None).await?;
    let user = queries::insert(
        tx.conn(),
        &body.email,
        &hash,
        full_name,
        body.role,
        caller.organization_id,
    )
    .await?;
    tx.audit(entry(
        "user.create",
        user.id,
        &request_id,
        json!({"email": user.email, "role": user.role, "organization_id": caller.organization_id}),
    ))
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    summary = "Change an account (self, or users:update); only the fields sent change",
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = UserUpdate,
    responses((status = 200, body = UserResponse), (status = 400, description = "EMAIL_EXISTS"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Missing users:update, own role, rank, or another organization's account"),
        (status = 404, description = "No such user in the current organization"),
        (status = 422, description = "A field is invalid")))]
async fn update_user(
    mut caller: CurrentUser,
    request_id: RequestId,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<UserUpdate>,
) -> Result<Json<UserResponse>, ApiError> {
    let id = user_id(&id)?;
    let access = caller.access();
    user_admin::precheck(&access, Action::Update, id == caller.user_id)?;
    let mut fields = Fields::new();
    let full_name = body
        .full_name
        .as_deref()
        .and_then(|name| check_full_name(&mut fields, name));
    fields.finish()?;

    let (mut tx, scope) = open(&mut caller, "update a user").await?;
    let target = load_target(tx.conn(), scope, id, &caller).await?;
    let change = Change {
        role: body.role,
        is_active: body.is_active,
    };
    user_admin::check_target(&access, Action::Update, &target.facts, &change)?;
    let email = body
        .email
        .as_ref()
        .filter(|email| !email.as_str().eq_ignore_ascii_case(&target.user.email));
    if let Some(email) = email {
        ensure_email_free(tx.conn(), email, Some(id)).await?;
    }
    let values = Values {
        email: email.map(Email::as_str),
        full_name,
        role: body.role,
        is_active: body.is_active,
    };
    let user = queries::update(tx.conn(), id, &values).await?;
    tx.audit(entry(
        "user.update",
        id,
        &request_id,
        json!({
            "email": values.email,
            "full_name_changed": values.full_name.is_some(),
            "role": values.role.map(SystemRole::as_str),
            "is_active": values.is_active,
        }),
    ))
    .await?;
    tx.commit().await?;
    Ok(Json(user))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}/password", tag = "users", security(("bearer" = [])),
    summary = "Change one's own password",
    params(("id" = Uuid, Path, description = "The caller's own id")),
    request_body = PasswordChange,
    responses((status = 200, body = Message), (status = 400, description = "WRONG_PASSWORD"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not the caller's own account"),
        (status = 409, description = "The password changed meanwhile"),
        (status = 422, description = "A field is invalid, or the new password breaks a rule")))]
async fn change_password(
    mut caller: CurrentUser,
    request_id: RequestId,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<Json<Message>, ApiError> {
    let id = user_id(&id)?;
    user_admin::precheck(
        &caller.access(),
        Action::ChangePassword,
        id == caller.user_id,
    )?;
    let mut fields = Fields::new();
    check_password(&mut fields, "new_password", &body.new_password);
    fields.finish()?;

    // Read, verify and hash outside any transaction (argon2 takes a while), then store with a
    // compare-and-set, so a concurrent change is noticed rather than overwritten.
    let mut tx = caller.begin().await?;
    let stored = queries::password_hash(tx.conn(), id).await?;
    tx.commit().await?;
    let stored = stored.ok_or(ApiError::NotFound)?;
    let current = body.current_password;
    let check = stored.clone();
    if !blocking(move || password::verify(&current, &check)).await? {
        return Err(ApiError::bad_request(
            WRONG_PASSWORD,
            "Current password is incorrect",
        ));
    }
    let hash = hash_password(body.new_password).await?;

    let mut tx = caller.begin().await?;
    if !queries::set_password(tx.conn(), id, Some(&stored), &hash).await? {
        return Err(ApiError::conflict(
            "PASSWORD_CHANGED",
            "The password was changed meanwhile; try again",
        ));
    }
    tx.audit(entry("user.password_change", id, &request_id, json!({})))
        .await?;
    tx.commit().await?;
    Ok(Json(Message {
        message: "Password changed successfully",
    }))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", security(("bearer" = [])),
    summary = "Set another account's password (users:update)",
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body(content = PasswordReset, description = "The new password (a `new_password` query parameter is refused: URLs end up in logs)"),
    responses((status = 200, body = Message), (status = 400, description = "CANNOT_TARGET_SELF"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Missing users:update, rank, or another organization's account"),
        (status = 404, description = "No such user in the current organization"),
        (status = 422, description = "new_password is missing, breaks a rule, or was sent in the URL")))]
async fn reset_password(
    mut caller: CurrentUser,
    request_id: RequestId,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<PasswordReset>,
    body: Bytes,
) -> Result<Json<Message>, ApiError> {
    let id = user_id(&id)?;
    let access = caller.access();
    user_admin::precheck(&access, Action::ResetPassword, id == caller.user_id)?;
    let from_body = if body.iter().all(u8::is_ascii_whitespace) {
        PasswordReset::default()
    } else {
        parse_json::<PasswordReset>(&body)?
    };
    // The predecessor's clients sent it in the query string, where proxies and access logs
    // keep it: refused, whatever the body says.
    if query.new_password.is_some() {
        return Err(Fields::one(
            "new_password",
            "must be sent in the JSON body, never in the URL (URLs end up in logs)",
        ));
    }
    let new_password = from_body
        .new_password
        .ok_or_else(|| Fields::one("new_password", "is required"))?;
    let mut fields = Fields::new();
    check_password(&mut fields, "new_password", &new_password);
    fields.finish()?;
    let hash = hash_password(new_password).await?;

    let (mut tx, scope) = open(&mut caller, "reset a password").await?;
    let target = load_target(tx.conn(), scope, id, &caller).await?;
    user_admin::check_target(
        &access,
        Action::ResetPassword,
        &target.facts,
        &Change::default(),
    )?;
    if !queries::set_password(tx.conn(), id, None, &hash).await? {
        return Err(managed_elsewhere());
    }
    tx.audit(entry("user.password_reset", id, &request_id, json!({})))
        .await?;
    tx.commit().await?;
    Ok(Json(Message {
        message: "Password reset successfully",
    }))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    summary = "Deactivate an account (users:delete); nothing is deleted",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, body = Message), (status = 400, description = "CANNOT_TARGET_SELF"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Missing users:delete, rank, or another organization's account"),
        (status = 404, description = "No such user in the current organization")))]
async fn deactivate_user(
    mut caller: CurrentUser,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<Json<Message>, ApiError> {
    set_active(&mut caller, &request_id, &id, false).await?;
    Ok(Json(Message {
        message: "User deactivated successfully",
    }))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/activate", tag = "users", security(("bearer" = [])),
    summary = "Reactivate a deactivated account (users:update)",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, body = Message), (status = 400, description = "ALREADY_ACTIVE"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Missing users:update, rank, or another organization's account"),
        (status = 404, description = "No such user in the current organization")))]
async fn activate_user(
    mut caller: CurrentUser,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<Json<Message>, ApiError> {
    set_active(&mut caller, &request_id, &id, true).await?;
    Ok(Json(Message {
        message: "User activated successfully",
    }))
}

// ---------------------------------------------------------------------------------------
// Helpers of the handlers

/// Opens the caller's transaction: the audited platform path for platform admins (scope
/// `None`, every organization), else the current organization (scope `Some(org)`).
async fn open(
    caller: &mut CurrentUser,
    reason: &str,
) -> Result<(TenantTx, Option<Uuid>), ApiError> {
    if caller.access().is_platform_admin() {
        let actor = caller.user_id.to_string();
        let tenant = caller.tenant;
        let tx = caller.begin_platform(tenant, &actor, reason).await?;
        Ok((tx, None))
    } else {
        let tx = caller.begin().await?;
        Ok((tx, Some(caller.organization_id)))
    }
}

/// A path id; anything but a UUID is a 422 naming `id`.
fn user_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| Fields::one("id", "must be a UUID"))
}

/// The trimmed name when it has 2–100 characters; else a field error.
fn check_full_name<'a>(fields: &mut Fields, name: &'a str) -> Option<&'a str> {
    let name = name.trim();
    if FULL_NAME_CHARS.contains(&name.chars().count()) {
        Some(name)
    } else {
        fields.add("full_name", "must be 2 to 100 characters long");
        None
    }
}

fn check_password(fields: &mut Fields, field: &str, candidate: &str) {
    if let Err(broken) = check_password_rules(candidate) {
        for rule in broken {
            fields.add(field, rule.to_string());
        }
    }
}

async fn hash_password(plain: String) -> Result<String, ApiError> {
    blocking(move || password::hash(&plain))
        .await?
        .map_err(ApiError::Internal)
}

async fn ensure_email_free(
    conn: &mut PgConnection,
    email: &Email,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    if queries::email_in_use(conn, email, except).await? {
        Err(email_exists())
    } else {
        Ok(())
    }
}

fn email_exists() -> ApiError {
    ApiError::bad_request(EMAIL_EXISTS, "Email already registered")
}

fn managed_elsewhere() -> ApiError {
    ApiError::forbidden(
        HOME_ORGANIZATION_ONLY,
        "This account is administered by another organization",
    )
}

fn entry<'a>(
    action: &'a str,
    id: Uuid,
    request_id: &'a RequestId,
    details: serde_json::Value,
) -> AuditEntry<'a> {
    AuditEntry {
        action,
        resource_type: "user",
        resource_id: Some(id.to_string()),
        actor: None,
        request_id: request_id.as_deref(),
        details,
    }
}

/// A target account as read, with the facts the rules look at.
struct Loaded {
    user: UserResponse,
    facts: Target,
}

/// Reads the target in the caller's scope: 404 when it is not there.
async fn load_target(
    conn: &mut PgConnection,
    scope: Option<Uuid>,
    id: Uuid,
    caller: &CurrentUser,
) -> Result<Loaded, ApiError> {
    let user = queries::find(conn, scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let role = SystemRole::parse(user.role).map_err(|e| ApiError::Internal(e.into()))?;
    let facts = Target {
        is_self: id == caller.user_id,
        role,
        is_active: user.is_active,
    };
    Ok(Loaded { user, facts })
}

/// Deactivation and activation: the same steps with a different rule and value.
async fn set_active(
    caller: &mut CurrentUser,
    request_id: &RequestId,
    id: &str,
    active: bool,
) -> Result<(), ApiError> {
    let id = user_id(id)?;
    let access = caller.access();
    let (action, verb) = if active {
        (Action::Activate, "user.activate")
    } else {
        (Action::Deactivate, "user.deactivate")
    };
    user_admin::precheck(&access, action, id == caller.user_id)?;
    let (mut tx, scope) = open(caller, verb).await?;
    let target = load_target(tx.conn(), scope, id, caller).await?;
    user_admin::check_target(&access, action, &target.facts, &Change::default())?;
    let values = Values {
        is_active: Some(active),
        ..Values::default()
    };
    queries::update(tx.conn(), id, &values).await?;
    tx.audit(entry(verb, id, request_id, json!({"is_active": active})))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The validated list request.
struct ListFilter {
    /// The ILIKE pattern, wildcards of the search text escaped.
    pattern: Option<String>,
    role: Option<SystemRole>,
    is_active: Option<bool>,
    page: PageRequest,
}

impl ListQuery {
    fn validate(self) -> Result<ListFilter, ApiError> {
        let mut fields = Fields::new();
        let role = self
            .role
            .as_deref()
            .and_then(|role| fields.check("role", SystemRole::parse(role)));
        let page = PageQuery {
            page: self.page,
            limit: self.limit,
        }
        .validate();
        fields.finish()?;
        Ok(ListFilter {
            pattern: self
                .search
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!("%{}%", escape_like(s))),
            role,
            is_active: self.is_active,
            page: page?,
        })
    }
}

/// Makes `%`, `_` and the escape character itself match literally in a LIKE pattern.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// What an update writes (`None`: keep).
#[derive(Debug, Default)]
struct Values<'a> {
    email: Option<&'a str>,
    full_name: Option<&'a str>,
    role: Option<SystemRole>,
    is_active: Option<bool>,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

// ---------------------------------------------------------------------------------------
// Queries

mod queries {
    use super::*;

    const COLUMNS: &str = "u.id, u.email::text AS email, u.full_name::text AS full_name, \
         u.role::text AS role, u.is_active, u.created_at, u.updated_at, u.last_login";

    /// `$1` is the scope: an organization whose members qualify, or NULL for all (the
    /// platform path). Row-level security enforces the same independently.
    const IN_SCOPE: &str = "($1::uuid IS NULL OR EXISTS (SELECT 1 FROM org_memberships m \
         WHERE m.user_id = u.id AND m.organization_id = $1))";

    const FILTERS: &str = "($2::text IS NULL OR u.email ILIKE $2 ESCAPE '\\' \
                             OR u.full_name ILIKE $2 ESCAPE '\\') \
         AND ($3::text IS NULL OR u.role::text = $3) \
         AND ($4::boolean IS NULL OR u.is_active = $4)";

    fn user(row: &PgRow) -> Result<UserResponse, ApiError> {
        let role: String = row.try_get("role")?;
        let role = SystemRole::from_db_label(&role).map_err(|e| ApiError::Internal(e.into()))?;
        Ok(UserResponse {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            full_name: row.try_get("full_name")?,
            role: role.as_str(),
            is_active: row.try_get("is_active")?,
            created_at: rfc3339(row.try_get("created_at")?),
            updated_at: row
                .try_get::<Option<DateTime<Utc>>, _>("updated_at")?
                .map(rfc3339),
            last_login: row
                .try_get::<Option<DateTime<Utc>>, _>("last_login")?
                .map(rfc3339),
        })
    }

    /// One page of the scope's users matching the filter, newest first, and the total.
    pub async fn list(
        conn: &mut PgConnection,
        scope: Option<Uuid>,
        filter: &ListFilter,
    ) -> Result<(Vec<UserResponse>, i64), ApiError> {
        let role = filter.role.map(SystemRole::db_label);
        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM users u WHERE {IN_SCOPE} AND {FILTERS}"
        ))
        .bind(scope)
        .bind(filter.pattern.as_deref())
        .bind(role)
        .bind(filter.is_active)
        .fetch_one(&mut *conn)
        .await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users u WHERE {IN_SCOPE} AND {FILTERS} \
             ORDER BY u.created_at DESC, u.id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(scope)
        .bind(filter.pattern.as_deref())
        .bind(role)
        .bind(filter.is_active)
        .bind(filter.page.limit())
        .bind(filter.page.offset())
        .fetch_all(&mut *conn)
        .await?;
        let items = rows.iter().map(user).collect::<Result<_, _>>()?;
        Ok((items, total))
    }

    /// One user of the scope (`None` scope: any user row-level security shows).
    pub async fn find(
        conn: &mut PgConnection,
        scope: Option<Uuid>,
        id: Uuid,
    ) -> Result<Option<UserResponse>, ApiError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users u WHERE {IN_SCOPE} AND u.id = $2"
        ))
        .bind(scope)
        .bind(id)
        .fetch_optional(conn)
        .await?;
        row.as_ref().map(user).transpose()
    }

    pub async fn email_in_use(
        conn: &mut PgConnection,
        email: &Email,
        except: Option<Uuid>,
    ) -> Result<bool, ApiError> {
        Ok(sqlx::query_scalar("SELECT app.email_in_use($1, $2)")
            .bind(email.as_str())
            .bind(except)
            .fetch_one(conn)
            .await?)
    }

    /// The unique index on e-mail may hold an address of an organization we cannot see; a
    /// race past [`email_in_use`] ends here.
    fn email_conflict(error: sqlx::Error) -> ApiError {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                if db.constraint() == Some("ix_users_email") {
                    email_exists()
                } else {
                    ApiError::Internal(error.into())
                }
            }
            _ => error.into(),
        }
    }

    /// The account, homed in `organization`, and its active membership there. Revision 005's
    /// trigger already inserts a membership for a new users row (in its home organization,
    /// with the same role mapping); the upsert makes the result the same with or without it.
    pub async fn insert(
        conn: &mut PgConnection,
        email: &Email,
        hash: &str,
        full_name: &str,
        role: SystemRole,
        organization: Uuid,
    ) -> Result<UserResponse, ApiError> {
        let row = sqlx::query(&format!(
            "INSERT INTO users AS u (id, email, hashed_password, full_name, role, is_active, \
                                     created_at, updated_at, organization_id) \
             VALUES (gen_random_uuid(), $1, $2, $3, $4::userrole, true, \
                     now(), now(), $5) \
             RETURNING {COLUMNS}"
        ))
        .bind(email.as_str())
        .bind(hash)
        .bind(full_name)
        .bind(role.db_label())
        .bind(organization)
        .fetch_one(&mut *conn)
        .await
        .map_err(email_conflict)?;
        let user = user(&row)?;
        sqlx::query(
            "INSERT INTO org_memberships (organization_id, user_id, role, status, is_primary) \
             VALUES ($1, $2, $3::org_role, 'active', \
                     NOT EXISTS (SELECT 1 FROM org_memberships p WHERE p.user_id = $2 AND p.is_primary)) \
             ON CONFLICT (organization_id, user_id) \
             DO UPDATE SET role = EXCLUDED.role, status = 'active', updated_at = now()",
        )
        .bind(organization)
        .bind(user.id)
        .bind(role.default_org_role().as_str())
        .execute(conn)
        .await?;
        Ok(user)
    }

    /// Writes `values`; 403 when row-level security hides the row from writes (an account
    /// homed in another organization).
    pub async fn update(
        conn: &mut PgConnection,
        id: Uuid,
        values: &Values<'_>,
    ) -> Result<UserResponse, ApiError> {
        let row = sqlx::query(&format!(
            "UPDATE users AS u SET email = coalesce($2, u.email), \
                    full_name = coalesce($3, u.full_name), \
                    role = coalesce($4::userrole, u.role), \
                    is_active = coalesce($5, u.is_active), \
                    updated_at = now() \
              WHERE u.id = $1 RETURNING {COLUMNS}"
        ))
        .bind(id)
        .bind(values.email)
        .bind(values.full_name)
        .bind(values.role.map(SystemRole::db_label))
        .bind(values.is_active)
        .fetch_optional(&mut *conn)
        .await
        .map_err(email_conflict)?;
        let user = row
            .as_ref()
            .map(user)
            .transpose()?
            .ok_or_else(managed_elsewhere)?;
        if values.is_active == Some(false) {
            // A deactivated account's tokens stay dead after a later reactivation.
            store::revoke_user_tokens(conn, id).await?;
        }
        Ok(user)
    }

    pub async fn password_hash(
        conn: &mut PgConnection,
        id: Uuid,
    ) -> Result<Option<String>, ApiError> {
        Ok(
            sqlx::query_scalar("SELECT hashed_password::text FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(conn)
                .await?,
        )
    }

    /// Stores a new hash (only if the old one is still `expected`, when given); whether a
    /// row changed.
    pub async fn set_password(
        conn: &mut PgConnection,
        id: Uuid,
        expected: Option<&str>,
        hash: &str,
    ) -> Result<bool, ApiError> {
        let result = sqlx::query(
            "UPDATE users SET hashed_password = $3, updated_at = now() \
              WHERE id = $1 AND ($2::text IS NULL OR hashed_password = $2)",
        )
        .bind(id)
        .bind(expected)
        .bind(hash)
        .execute(&mut *conn)
        .await?;
        let changed = result.rows_affected() == 1;
        if changed {
            // Whoever held the old password holds no session any more.
            store::revoke_user_tokens(conn, id).await?;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Result<ListQuery, String> {
        let deserializer =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(text.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map_err(|e| e.path().to_string())
    }

    #[test]
    fn the_list_query_reads_numbers_and_booleans() {
        let parsed = query("search=a_b%25&role=logistics_agent&is_active=true&page=2&limit=5")
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(parsed.pattern.as_deref(), Some("%a\\_b\\%%"));
        assert_eq!(parsed.role, Some(SystemRole::LogisticsAgent));
        assert_eq!(parsed.is_active, Some(true));
        assert_eq!(parsed.page, PageRequest { page: 2, limit: 5 });
        assert_eq!(query("is_active=maybe").err().as_deref(), Some("is_active"));
        assert_eq!(query("page=x").err().as_deref(), Some("page"));
    }

    #[test]
    fn unknown_roles_and_bad_pages_name_the_field() {
        for (text, field) in [("role=LOGISTICS_AGENT", "role"), ("limit=0", "limit")] {
            match query(text).unwrap().validate() {
                Err(ApiError::Validation(fields)) => assert_eq!(fields[0].field, field),
                _ => panic!("{text}"),
            }
        }
        let empty = query("search=++").unwrap().validate().unwrap();
        assert_eq!(empty.pattern, None);
    }

    #[test]
    fn like_wildcards_match_themselves() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(escape_like("plain"), "plain");
    }

    #[test]
    fn full_names_are_trimmed_and_bounded() {
        let mut fields = Fields::new();
        assert_eq!(check_full_name(&mut fields, "  Jo "), Some("Jo"));
        assert_eq!(check_full_name(&mut fields, " J "), None);
        assert_eq!(check_full_name(&mut fields, &"x".repeat(101)), None);
        assert!(check_full_name(&mut fields, &"ä".repeat(100)).is_some());
        assert!(fields.finish().is_err());
    }
}
