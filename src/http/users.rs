//! The Users API (reference §1.3): the directory of the caller's organization, and the
//! administration of its accounts.
//!
//! Who may do what is [`crate::domain::user_admin`] — the caller's role in the acting
//! organization, never his system role; the queries are [`crate::db::users`]. Platform admins
//! reach every account through the audited [`TenantTx::begin_platform`]; everyone else works
//! in a plain [`TenantTx`] of the current organization, where row-level security confines
//! reads to its members and writes to accounts homed in it.
//!
//! Differences from the predecessor, on purpose: `/users/me` reads the database; the admin
//! reset applies the password rules and takes the password from a JSON body (a password in
//! the query string, which lands in access logs, is refused); e-mail uniqueness is
//! case-insensitive across all organizations.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::auth::{blocking, hash_password, CurrentUser, PasswordAttempt};
use super::error::ApiError;
use super::extract::{
    parse_json, ClientAddress, Fields, JsonBody, PathIds, QueryParams, RequestId,
};
use super::pagination::{Page, PageQuery, PageRequest};
use super::reach::{Opened, Reach};
use super::time::rfc3339;
use super::AppState;
use crate::auth::password;
use crate::db::tenant::{AuditEntry, TenantTx};
use crate::db::users::{self, AccountRow, Scope, UserChanges, UserFilter, UserRow};
use crate::domain::user_admin::{self, Account, Action, Answer, Refusal};
use crate::domain::{check_password_rules, text, Email, Permission, SystemRole};

/// An e-mail address already used by an account (of any organization).
pub const EMAIL_EXISTS: &str = "EMAIL_EXISTS";
/// The current password given to a password change is wrong.
pub const WRONG_PASSWORD: &str = "WRONG_PASSWORD";

const FULL_NAME_CHARS: std::ops::RangeInclusive<usize> = 2..=100;
/// The longest current password checked (login's limit): verifying costs a hash.
const MAX_CURRENT_PASSWORD_CHARS: usize = 1024;

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
        match refusal.answer() {
            Answer::NotFound => ApiError::NotFound,
            Answer::Forbidden => ApiError::forbidden(refusal.code(), refusal.to_string()),
            Answer::BadRequest => ApiError::bad_request(refusal.code(), refusal.to_string()),
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
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Part of the e-mail or name (case-insensitive; `%` and `_` match themselves).
    pub search: Option<String>,
    /// A system role, API spelling (e.g. `logistics_agent`).
    #[param(value_type = Option<SystemRole>)]
    pub role: Option<String>,
    pub is_active: Option<bool>,
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 2147483647)]
    pub page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// The body of `POST /users`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserCreate {
    /// Unique (case-insensitive) across all organizations.
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Email,
    /// 2–100 characters, surrounding whitespace ignored.
    #[schema(min_length = 2, max_length = 100)]
    pub full_name: String,
    /// `viewer` when left out.
    #[serde(default = "default_role")]
    pub role: SystemRole,
    /// 8–128 characters with an upper-case letter, a lower-case letter and a digit.
    #[schema(min_length = 8, max_length = 128, format = Password)]
    pub password: String,
}

fn default_role() -> SystemRole {
    SystemRole::Viewer
}

/// The body of `PATCH /users/{id}`: only the fields sent are changed.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    email: Option<Email>,
    /// 2–100 characters, surrounding whitespace ignored.
    #[schema(min_length = 2, max_length = 100)]
    full_name: Option<String>,
    role: Option<SystemRole>,
    is_active: Option<bool>,
}

/// The body of `PATCH /users/{id}/password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    #[schema(max_length = 1024, format = Password)]
    current_password: String,
    /// 8–128 characters with an upper-case letter, a lower-case letter and a digit.
    #[schema(min_length = 8, max_length = 128, format = Password)]
    new_password: String,
}

/// The body of `POST /users/{id}/reset-password`; also read from the query string, only to
/// refuse a password sent there by the predecessor's clients.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    /// 8–128 characters with an upper-case letter, a lower-case letter and a digit.
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128, format = Password)]
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
        (status = 403, description = "Not an owner or admin of the current organization"),
        (status = 422, description = "A query parameter is invalid")))]
pub(crate) async fn list_users(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Page<UserResponse>>, ApiError> {
    user_admin::require_admin(&caller.access())?;
    let (filter, page) = query.validate()?;
    let (mut tx, scope) = open(&mut caller, "list users").await?;
    let (rows, total) = users::list(&mut tx, scope, &filter, page.limit(), page.offset()).await?;
    tx.commit().await?;
    let items = rows.into_iter().map(UserResponse::from).collect();
    Ok(Json(Page::new(items, total, page)))
}

#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    summary = "The caller's own account",
    responses((status = 200, body = UserResponse), (status = 401, description = "No valid token"),
        (status = 404, description = "The account is gone")))]
async fn me(mut caller: CurrentUser) -> Result<Json<UserResponse>, ApiError> {
    let mut tx = caller.begin().await?;
    let user = users::own(&mut tx, caller.user_id).await?;
    tx.commit().await?;
    Ok(Json(user.ok_or(ApiError::NotFound)?.into()))
}

#[utoipa::path(get, path = "/api/v1/users/roles", tag = "users", security(("bearer" = [])),
    summary = "The system roles, and which of them the caller may give a new account",
    responses((status = 200, body = RolesAnswer), (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner or admin of the current organization")))]
async fn roles(caller: CurrentUser) -> Result<Json<RolesAnswer>, ApiError> {
    let access = caller.access();
    user_admin::require_admin(&access)?;
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
    caller.require(Permission::SystemAdmin)?;
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
    summary = "One account (one's own, or as an owner or admin of the current organization)",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, body = UserResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner or admin of the current organization"),
        (status = 404, description = "No such user in the current organization"),
        (status = 422, description = "The id is not a UUID")))]
pub(crate) async fn get_user(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<UserResponse>, ApiError> {
    let (tx, account) = load(&mut caller, id, Action::Read, "read a user").await?;
    tx.commit().await?;
    Ok(Json(account.user.into()))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    summary = "Create an account in the current organization, with an active membership",
    description = "Owners and admins of the current organization create accounts with a system \
        role their organization's type allows (platform admins: any); the membership's \
        organization role is the system role's usual one, capped at the caller's own.",
    request_body = UserCreate,
    responses((status = 201, body = UserResponse), (status = 400, description = "EMAIL_EXISTS"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner or admin, or a role the caller may not give"),
        (status = 422, description = "A field is invalid")))]
pub(crate) async fn create_user(
    mut caller: CurrentUser,
    request_id: RequestId,
    JsonBody(body): JsonBody<UserCreate>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    let org_role = user_admin::check_create(&caller.access(), body.role)?;
    let mut fields = Fields::new();
    let full_name = check_full_name(&mut fields, &body.full_name);
    check_password(&mut fields, "password", &body.password);
    fields.finish()?;
    // Present: `finish` found no error.
    let full_name = full_name.unwrap_or_default();
    caller.release();
    let hash = hash_password(body.password).await?;

    let (mut tx, _) = open(&mut caller, "create a user").await?;
    ensure_email_free(&mut tx, &body.email, None).await?;
    let user = users::insert(&mut tx, &body.email, &hash, full_name, body.role, org_role).await?;
    tx.audit(entry(
        "user.create",
        user.id,
        &request_id,
        json!({"email": user.email, "role": user.role.as_str(),
               "org_role": org_role.as_str(), "organization_id": caller.organization_id}),
    ))
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    summary = "Change an account; only the fields sent change",
    description = "Anyone renames himself. Owners and admins of the current organization change \
        the accounts of members ranked below them there that belong to no other organization. \
        Only platform admins change system roles and their own e-mail address.",
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = UserUpdate,
    responses((status = 200, body = UserResponse), (status = 400, description = "EMAIL_EXISTS"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner or admin, rank, own role or e-mail, or an account shared with another organization"),
        (status = 404, description = "No such user in the current organization"),
        (status = 422, description = "A field is invalid")))]
pub(crate) async fn update_user(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<UserUpdate>,
) -> Result<Json<UserResponse>, ApiError> {
    let mut fields = Fields::new();
    let full_name = body
        .full_name
        .as_deref()
        .and_then(|name| check_full_name(&mut fields, name));
    fields.finish()?;

    let (mut tx, account) = load(&mut caller, id, Action::Read, "update a user").await?;
    let stored = &account.user;
    // Sending a stored value back (as an edit form does) changes nothing and needs no right.
    let new_email = body
        .email
        .as_ref()
        .filter(|email| !email.as_str().eq_ignore_ascii_case(&stored.email));
    let changes = UserChanges {
        email: new_email.map(Email::as_str),
        full_name: full_name.filter(|name| *name != stored.full_name),
        role: body.role.filter(|role| *role != stored.role),
        is_active: body.is_active.filter(|active| *active != stored.is_active),
    };
    for action in requested_actions(&changes) {
        user_admin::decide(&caller.access(), action, &facts(&caller, &account))?;
    }
    if let Some(email) = new_email {
        ensure_email_free(&mut tx, email, Some(id)).await?;
    }
    let user = users::update(&mut tx, id, &changes)
        .await?
        .ok_or_else(managed_elsewhere)?;
    tx.audit(entry(
        "user.update",
        id,
        &request_id,
        json!({
            "email": changes.email,
            "full_name_changed": changes.full_name.is_some(),
            "role": changes.role.map(SystemRole::as_str),
            "is_active": changes.is_active,
        }),
    ))
    .await?;
    tx.commit().await?;
    Ok(Json(user.into()))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}/password", tag = "users", security(("bearer" = [])),
    summary = "Change one's own password",
    params(("id" = Uuid, Path, description = "The caller's own id")),
    request_body = PasswordChange,
    responses((status = 200, body = Message), (status = 400, description = "WRONG_PASSWORD"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not the caller's own account"),
        (status = 404, description = "The account is gone"),
        (status = 409, description = "The password changed meanwhile"),
        (status = 422, description = "A field is invalid, or the new password breaks a rule"),
        (status = 429, description = "Too many password attempts (the sign-in throttle); see Retry-After")))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    ClientAddress(address): ClientAddress,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<Json<Message>, ApiError> {
    user_admin::precheck(
        &caller.access(),
        Action::ChangePassword,
        id == caller.user_id,
    )?;
    let mut fields = Fields::new();
    if body.current_password.chars().count() > MAX_CURRENT_PASSWORD_CHARS {
        fields.add("current_password", "is too long");
    }
    check_password(&mut fields, "new_password", &body.new_password);
    fields.finish()?;

    // Read, verify and hash outside any transaction (argon2 takes a while), then store with a
    // compare-and-set, so a concurrent change is noticed rather than overwritten.
    let mut tx = caller.begin().await?;
    let (email, stored) = users::credentials(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    // Checking the current password is a password guess like a sign-in: same throttle.
    let throttled = PasswordAttempt::claim(&state.pool, &email, address).await?;
    let current = body.current_password;
    let check = stored.clone();
    if !blocking(move || password::verify(&current, &check)).await? {
        return Err(ApiError::bad_request(
            WRONG_PASSWORD,
            "Current password is incorrect",
        ));
    }
    throttled.succeeded(&state.pool).await?;
    let hash = hash_password(body.new_password).await?;

    let mut tx = caller.begin().await?;
    if !users::set_password(&mut tx, id, Some(&stored), &hash).await? {
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
    summary = "Set another account's password (owners and admins, over members ranked below them)",
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body(content = PasswordReset, description = "The new password (a `new_password` query parameter is refused: URLs end up in logs)"),
    responses((status = 200, body = Message), (status = 400, description = "CANNOT_TARGET_SELF"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner or admin, rank, or an account shared with another organization"),
        (status = 404, description = "No such user in the current organization"),
        (status = 422, description = "new_password is missing, breaks a rule, or was sent in the URL")))]
async fn reset_password(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    QueryParams(query): QueryParams<PasswordReset>,
    body: Bytes,
) -> Result<Json<Message>, ApiError> {
    user_admin::precheck(
        &caller.access(),
        Action::ResetPassword,
        id == caller.user_id,
    )?;
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
    caller.release();
    let hash = hash_password(new_password).await?;

    let (mut tx, _) = load(&mut caller, id, Action::ResetPassword, "reset a password").await?;
    if !users::set_password(&mut tx, id, None, &hash).await? {
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
    summary = "Deactivate an account (owners and admins, over members ranked below them); nothing is deleted",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, body = Message), (status = 400, description = "CANNOT_TARGET_SELF"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner or admin, rank, or an account shared with another organization"),
        (status = 404, description = "No such user in the current organization"),
        (status = 422, description = "The id is not a UUID")))]
pub(crate) async fn deactivate_user(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
) -> Result<Json<Message>, ApiError> {
    set_active(&mut caller, &request_id, id, false).await?;
    Ok(Json(Message {
        message: "User deactivated successfully",
    }))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/activate", tag = "users", security(("bearer" = [])),
    summary = "Reactivate a deactivated account (owners and admins, over members ranked below them)",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, body = Message), (status = 400, description = "ALREADY_ACTIVE"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner or admin, rank, or an account shared with another organization"),
        (status = 404, description = "No such user in the current organization"),
        (status = 422, description = "The id is not a UUID")))]
pub(crate) async fn activate_user(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
) -> Result<Json<Message>, ApiError> {
    set_active(&mut caller, &request_id, id, true).await?;
    Ok(Json(Message {
        message: "User activated successfully",
    }))
}

// ---------------------------------------------------------------------------------------
// Helpers of the handlers

/// Opens the caller's transaction: the audited platform path for platform admins (every
/// account), else the current organization (its members).
async fn open(caller: &mut CurrentUser, reason: &str) -> Result<(TenantTx, Scope), ApiError> {
    let (tx, opened) = caller.open(Reach::Everywhere, reason).await?;
    let scope = match opened {
        Opened::Platform => Scope::Platform,
        Opened::One(organization) => Scope::Members(organization),
    };
    Ok((tx, scope))
}

/// Checks what can be checked before the target is read, opens the caller's transaction,
/// reads the target and checks `action` against it: 404 when it is not in reach.
async fn load(
    caller: &mut CurrentUser,
    id: Uuid,
    action: Action,
    reason: &str,
) -> Result<(TenantTx, AccountRow), ApiError> {
    let access = caller.access();
    user_admin::precheck(&access, action, id == caller.user_id)?;
    let (mut tx, scope) = open(caller, reason).await?;
    let account = users::find(&mut tx, scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    user_admin::check_target(&access, action, &facts(caller, &account))?;
    Ok((tx, account))
}

/// The facts the authority rules look at.
fn facts(caller: &CurrentUser, account: &AccountRow) -> Account {
    Account {
        is_self: account.user.id == caller.user_id,
        org_role: account.org_role,
        belongs_elsewhere: account.belongs_elsewhere,
        is_active: account.user.is_active,
    }
}

/// The actions a PATCH performs, one per field that changes.
fn requested_actions(changes: &UserChanges<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    if changes.full_name.is_some() {
        actions.push(Action::Rename);
    }
    if changes.email.is_some() {
        actions.push(Action::ChangeEmail);
    }
    if changes.role.is_some() {
        actions.push(Action::ChangeRole);
    }
    match changes.is_active {
        Some(true) => actions.push(Action::Activate),
        Some(false) => actions.push(Action::Deactivate),
        None => {}
    }
    actions
}

/// The trimmed name when it has 2–100 characters; else a field error.
fn check_full_name<'a>(fields: &mut Fields, name: &'a str) -> Option<&'a str> {
    let name = name.trim();
    if !FULL_NAME_CHARS.contains(&name.chars().count()) {
        fields.add("full_name", "must be 2 to 100 characters long");
        None
    } else {
        fields.check_no_nul("full_name", name).then_some(name)
    }
}

fn check_password(fields: &mut Fields, field: &str, candidate: &str) {
    if let Err(broken) = check_password_rules(candidate) {
        for rule in broken {
            fields.add(field, rule.to_string());
        }
    }
}

async fn ensure_email_free(
    tx: &mut TenantTx,
    email: &Email,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    if users::email_in_use(tx, email, except).await? {
        Err(ApiError::bad_request(
            EMAIL_EXISTS,
            "Email already registered",
        ))
    } else {
        Ok(())
    }
}

fn managed_elsewhere() -> ApiError {
    Refusal::SharedAccount.into()
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

/// Deactivation and activation: the same steps with a different rule and value.
async fn set_active(
    caller: &mut CurrentUser,
    request_id: &RequestId,
    id: Uuid,
    active: bool,
) -> Result<(), ApiError> {
    let (action, verb) = if active {
        (Action::Activate, "user.activate")
    } else {
        (Action::Deactivate, "user.deactivate")
    };
    let (mut tx, _) = load(caller, id, action, verb).await?;
    let changes = UserChanges {
        is_active: Some(active),
        ..UserChanges::default()
    };
    users::update(&mut tx, id, &changes)
        .await?
        .ok_or_else(managed_elsewhere)?;
    tx.audit(entry(verb, id, request_id, json!({"is_active": active})))
        .await?;
    tx.commit().await?;
    Ok(())
}

impl ListQuery {
    fn validate(self) -> Result<(UserFilter, PageRequest), ApiError> {
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
        let search = fields.check("search", text::search_term(self.search.as_deref()));
        fields.finish()?;
        let filter = UserFilter {
            search: search.flatten(),
            role,
            is_active: self.is_active,
        };
        Ok((filter, page?))
    }
}

impl From<UserRow> for UserResponse {
    fn from(row: UserRow) -> Self {
        UserResponse {
            id: row.id,
            email: row.email,
            full_name: row.full_name,
            role: row.role.as_str(),
            is_active: row.is_active,
            created_at: rfc3339(row.created_at),
            updated_at: row.updated_at.map(rfc3339),
            last_login: row.last_login.map(rfc3339),
        }
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
        let (filter, page) =
            query("search=+a_b%25+&role=logistics_agent&is_active=true&page=2&limit=5")
                .unwrap()
                .validate()
                .unwrap();
        assert_eq!(filter.search.as_deref(), Some("a_b%"));
        assert_eq!(filter.role, Some(SystemRole::LogisticsAgent));
        assert_eq!(filter.is_active, Some(true));
        assert_eq!(page, PageRequest { page: 2, limit: 5 });
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
        let (empty, _) = query("search=++").unwrap().validate().unwrap();
        assert_eq!(empty.search, None);
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
