//! Invitations (reference §3.2): an organization admin or manager invites an e-mail address
//! with an organization role; the invitee accepts with their account, or registers one.
//!
//! * `POST /invitations`, `GET /invitations`, `GET /invitations/{id}`,
//!   `POST /invitations/{id}/resend`, `DELETE /invitations/{id}` — inside the caller's
//!   [`TenantTx`]; platform admins act in other organizations through the audited platform
//!   path.
//! * `POST /invitations/validate` (public), `POST /invitations/accept`, `POST /auth/register`
//!   — these start from the token alone, so they go through revision 013's SECURITY DEFINER
//!   functions, keyed on the token's hash.
//!
//! The token is shown once, inside `invitation_url` (so an admin can pass it on when no
//! e-mail is sent); only its SHA-256 is stored. Single use holds under races because the
//! claim is one `UPDATE … WHERE status = 'pending' AND expires_at > now()` in the same
//! transaction as the membership insert. Rules live in [`crate::domain::invitation`].

use axum::extract::{Path, State};
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::auth::{CurrentUser, LoginOrganization, LoginUser, INSUFFICIENT_PERMISSIONS};
use super::error::ApiError;
use super::extract::{ClientAddress, Fields, JsonBody, QueryParams, RequestId};
use super::pagination::{Page, PageQuery, PageRequest};
use super::AppState;
use crate::auth::{password, store};
use crate::db::tenant::{AuditEntry, TenantContext, TenantTx};
use crate::domain::invitation::{
    self, check_usable, same_email, system_role_for, InvitationToken, Unusable,
    INVITATION_TTL_DAYS, MAX_CUSTOM_MESSAGE_CHARS, MAX_REDIRECT_URL_CHARS,
};
use crate::domain::throttle::{invitation_sends_key, invitation_tokens_key, ActionLimit};
use crate::domain::{
    check_password_rules, Email, InvitationStatus, OrgRole, OrgType, UnknownLabel,
};

/// Refusal codes (reference §3.2, plus `INVITATION_REVOKED` and `EMAIL_ALREADY_REGISTERED`).
pub const EMAIL_ALREADY_MEMBER: &str = "EMAIL_ALREADY_MEMBER";
pub const INVITATION_EXISTS: &str = "INVITATION_EXISTS";
pub const CANNOT_INVITE_HIGHER_ROLE: &str = "CANNOT_INVITE_HIGHER_ROLE";
pub const INVITATION_NOT_FOUND: &str = "INVITATION_NOT_FOUND";
pub const EMAIL_MISMATCH: &str = "EMAIL_MISMATCH";
pub const EMAIL_ALREADY_REGISTERED: &str = "EMAIL_ALREADY_REGISTERED";

/// Where invitation links point when set (e.g. `https://tracehub.example.com`); otherwise
/// the link is built from the request's `Host` (and `X-Forwarded-Proto`).
pub const PUBLIC_URL_ENV: &str = "TRACEHUB_PUBLIC_URL";
/// The front-end page that reads `?token=`.
const ACCEPT_PATH: &str = "/accept-invitation";
/// The longest `full_name` (`users.full_name` is varchar(100)).
const MAX_FULL_NAME_CHARS: usize = 100;
/// The longest invitation token looked up.
const MAX_TOKEN_CHARS: usize = 128;

/// Nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invitations", post(create).get(list))
        .route("/invitations/validate", post(validate))
        .route("/invitations/accept", post(accept))
        .route("/invitations/{id}", get(read).delete(revoke))
        .route("/invitations/{id}/resend", post(resend))
}

/// Routes under `/auth` (`/auth/register`), merged into the auth router.
pub fn auth_router() -> Router<AppState> {
    Router::new().route("/register", post(register))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, read, resend, revoke, validate, accept, register))]
pub struct ApiDoc;

// ---------------------------------------------------------------------------------------
// Bodies and answers

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct CreateInvitation {
    /// Defaults to the caller's current organization; only platform admins name another.
    organization_id: Option<Uuid>,
    #[schema(format = Email, max_length = 255)]
    email: String,
    /// `member` when left out.
    #[serde(default = "default_role")]
    org_role: OrgRole,
    #[schema(max_length = 1000)]
    custom_message: Option<String>,
    #[schema(max_length = 500)]
    redirect_url: Option<String>,
}

fn default_role() -> OrgRole {
    OrgRole::Member
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct TokenBody {
    #[schema(min_length = 1, max_length = 128)]
    token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct RegisterBody {
    /// The address the invitation was sent to.
    #[schema(format = Email, max_length = 255)]
    email: String,
    /// 8–128 characters with an upper-case letter, a lower-case letter and a digit.
    #[schema(min_length = 8, max_length = 128, format = Password)]
    password: String,
    /// Not blank; surrounding whitespace ignored.
    #[schema(min_length = 1, max_length = 100)]
    full_name: String,
    #[schema(min_length = 1, max_length = 128)]
    invitation_token: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Defaults to the caller's current organization.
    organization_id: Option<Uuid>,
    /// pending, accepted, expired or revoked (pending past its expiry counts as expired).
    status: Option<InvitationStatus>,
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 2147483647)]
    page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct InvitationView {
    id: Uuid,
    organization_id: Uuid,
    organization_name: String,
    organization_type: &'static str,
    email: String,
    org_role: &'static str,
    /// As users must see it: a pending invitation past its expiry is `expired`.
    status: &'static str,
    /// RFC 3339, UTC.
    expires_at: String,
    created_at: String,
    created_by: Option<Uuid>,
    created_by_name: Option<String>,
    accepted_at: Option<String>,
    custom_message: Option<String>,
    redirect_url: Option<String>,
}

/// The answer of create and resend: the invitation and the link holding the new token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct IssuedInvitation {
    #[serde(flatten)]
    invitation: InvitationView,
    /// `<public URL>/accept-invitation?token=…` — the only place the token ever appears.
    invitation_url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ValidateAnswer {
    valid: bool,
    invitation_id: Uuid,
    organization_name: String,
    organization_type: &'static str,
    email: String,
    org_role: &'static str,
    expires_at: String,
    /// No account with the invited e-mail exists yet: register instead of accepting.
    requires_registration: bool,
    custom_message: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MembershipView {
    id: Uuid,
    organization_id: Uuid,
    org_role: &'static str,
    status: &'static str,
    is_primary: bool,
    joined_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AcceptAnswer {
    message: &'static str,
    membership: MembershipView,
    /// An access token acting in the organization just joined.
    new_token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RegisterAnswer {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    user: LoginUser,
    organization: LoginOrganization,
    membership: MembershipView,
}

// ---------------------------------------------------------------------------------------
// Small helpers

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn internal(error: UnknownLabel) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("{error}"))
}

fn forbidden(detail: &str) -> ApiError {
    ApiError::forbidden(INSUFFICIENT_PERMISSIONS, detail)
}

fn not_found() -> ApiError {
    ApiError::Rule {
        status: StatusCode::NOT_FOUND,
        code: INVITATION_NOT_FOUND,
        detail: "No invitation matches this token".to_string(),
    }
}

fn unusable(reason: Unusable) -> ApiError {
    ApiError::bad_request(reason.code(), reason.message())
}

/// `{id}` path segments: anything but a UUID is a 422 naming `id`.
fn parse_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(text).map_err(|_| Fields::one("id", "must be a UUID"))
}

/// A required text field: missing is serde's 422; blank is ours.
fn required(fields: &mut Fields, name: &str, value: &str) {
    if value.trim().is_empty() {
        fields.add(name, "must not be empty");
    }
    fields.check_no_nul(name, value);
}

/// An invitation token (43 characters when genuine): required, and not hashed when huge.
fn token(fields: &mut Fields, name: &str, value: &str) {
    required(fields, name, value);
    if value.chars().count() > MAX_TOKEN_CHARS {
        let message = format!("must be at most {MAX_TOKEN_CHARS} characters long");
        fields.add(name, message);
    }
}

/// The link handed to the invitee. `TRACEHUB_PUBLIC_URL` wins (behind proxies that rewrite
/// `Host`, and so links never depend on what a client sent); otherwise the request's own
/// scheme and host, which is what the invitee's browser can reach when the admin could.
fn invitation_url(headers: &HeaderMap, token: &InvitationToken) -> String {
    let base = std::env::var(PUBLIC_URL_ENV)
        .ok()
        .map(|url| url.trim().trim_end_matches('/').to_string())
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.split(',').next().unwrap_or_default().trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            let scheme = header("x-forwarded-proto")
                .filter(|s| s == "https" || s == "http")
                .unwrap_or_else(|| "http".to_string());
            let host = header(HOST.as_str()).unwrap_or_else(|| "localhost".to_string());
            format!("{scheme}://{host}")
        });
    format!("{base}{ACCEPT_PATH}?token={}", token.as_str())
}

/// Runs a CPU-heavy password hash off the async workers.
async fn hash_password(secret: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("password task failed: {e}")))?
        .map_err(ApiError::Internal)
}

/// Counts one call against `limit` under `key`: 429 `RATE_LIMITED` with `Retry-After` once
/// the window's budget is spent. `executor`: the request's own connection when it holds one.
async fn charge(
    executor: impl sqlx::PgExecutor<'_>,
    key: String,
    limit: ActionLimit,
) -> Result<(), ApiError> {
    match store::throttle_claim(executor, &[(key, limit.attempts)], limit.window_seconds).await? {
        Some(retry_after_secs) => Err(ApiError::TooManyRequests { retry_after_secs }),
        None => Ok(()),
    }
}

/// [`ActionLimit::INVITATION_TOKENS`] for a request presenting an invitation token.
async fn charge_token(state: &AppState, address: Option<std::net::IpAddr>) -> Result<(), ApiError> {
    match address {
        Some(address) => {
            let key = invitation_tokens_key(address);
            charge(state.pool.inner(), key, ActionLimit::INVITATION_TOKENS).await
        }
        None => Ok(()),
    }
}

/// The transaction for work in `organization_id`: the caller's own tenant transaction, or —
/// for a platform admin acting elsewhere — the audited platform path.
async fn tx_in(
    caller: &mut CurrentUser,
    organization_id: Uuid,
    reason: &str,
) -> Result<TenantTx, ApiError> {
    if organization_id == caller.organization_id {
        return Ok(caller.begin().await?);
    }
    let context = TenantContext {
        organization_id,
        user_id: Some(caller.user_id),
    };
    Ok(caller
        .begin_platform(context, &caller.user_id.to_string(), reason)
        .await?)
}

/// The transaction for an invitation known only by id: platform admins see every
/// organization's (audited), everyone else their current organization's.
async fn tx_for_id(caller: &mut CurrentUser, reason: &str) -> Result<TenantTx, ApiError> {
    if caller.access().is_platform_admin() {
        let actor = caller.user_id.to_string();
        Ok(caller.begin_platform(caller.tenant, &actor, reason).await?)
    } else {
        Ok(caller.begin().await?)
    }
}

/// The invitation `id` for resend and revoke, after the permission check.
async fn managed_invitation(
    tx: &mut TenantTx,
    caller: &CurrentUser,
    id: Uuid,
) -> Result<InvitationRow, ApiError> {
    let row = db::find(tx.conn(), id).await?.ok_or(ApiError::NotFound)?;
    if !invitation::may_manage(&caller.access(), row.invited_by == Some(caller.user_id)) {
        return Err(forbidden(
            "Only organization admins and the inviter may change an invitation",
        ));
    }
    // Only an invitation still pending in the table can change (a pending one past its
    // expiry may be resent: that is what resending is for, or revoked).
    check_usable(row.status, false).map_err(unusable)?;
    Ok(row)
}

fn audit<'a>(
    action: &'a str,
    id: Uuid,
    request_id: &'a RequestId,
    details: serde_json::Value,
) -> AuditEntry<'a> {
    AuditEntry {
        action,
        resource_type: "invitation",
        resource_id: Some(id.to_string()),
        actor: None,
        request_id: request_id.as_deref(),
        details,
    }
}

/// Why a token that could not be claimed is unusable (it was claimable a moment earlier,
/// so usually someone else just used it).
async fn refusal(state: &AppState, token_hash: &str) -> ApiError {
    match db::by_token(state, token_hash).await {
        Ok(Some(found)) => match check_usable(found.status, found.is_expired) {
            Err(reason) => unusable(reason),
            Ok(()) => unusable(Unusable::AlreadyUsed),
        },
        Ok(None) => not_found(),
        Err(error) => error.into(),
    }
}

/// A usable invitation for `token`, or the reason why not.
async fn usable_invitation(state: &AppState, token_hash: &str) -> Result<TokenFacts, ApiError> {
    let found = db::by_token(state, token_hash)
        .await?
        .ok_or_else(not_found)?;
    check_usable(found.status, found.is_expired).map_err(unusable)?;
    Ok(found)
}

fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("23505") && db.constraint() == Some(constraint)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// POST /invitations

#[utoipa::path(post, path = "/api/v1/invitations", tag = "invitations", security(("bearer" = [])),
    summary = "Invite an e-mail address into an organization",
    request_body = CreateInvitation,
    responses((status = 201, body = IssuedInvitation), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS or CANNOT_INVITE_HIGHER_ROLE"),
        (status = 404, description = "Organization not found (or not the caller's)"),
        (status = 409, description = "EMAIL_ALREADY_MEMBER or INVITATION_EXISTS"),
        (status = 422, description = "A field is invalid"),
        (status = 429, description = "RATE_LIMITED (20 invitations an hour per organization); see Retry-After")))]
async fn create(
    mut caller: CurrentUser,
    request_id: RequestId,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CreateInvitation>,
) -> Result<(StatusCode, Json<IssuedInvitation>), ApiError> {
    let access = caller.access();
    if !invitation::may_invite(&access) {
        return Err(forbidden(
            "Only organization admins and managers may invite",
        ));
    }
    let mut fields = Fields::new();
    let email = fields.check("email", Email::parse(&body.email));
    let custom_message = body.custom_message.filter(|m| !m.trim().is_empty());
    if custom_message
        .as_ref()
        .is_some_and(|m| m.chars().count() > MAX_CUSTOM_MESSAGE_CHARS)
    {
        fields.add(
            "custom_message",
            format!("must be at most {MAX_CUSTOM_MESSAGE_CHARS} characters long"),
        );
    }
    let redirect_url = body.redirect_url.filter(|u| !u.trim().is_empty());
    for (name, text) in [
        ("custom_message", &custom_message),
        ("redirect_url", &redirect_url),
    ] {
        fields.check_no_nul(name, text.as_deref().unwrap_or_default());
    }
    if redirect_url
        .as_ref()
        .is_some_and(|u| u.chars().count() > MAX_REDIRECT_URL_CHARS)
    {
        fields.add(
            "redirect_url",
            format!("must be at most {MAX_REDIRECT_URL_CHARS} characters long"),
        );
    }
    fields.finish()?;
    let email = email.ok_or_else(|| Fields::one("email", "is invalid"))?;

    let organization_id = body.organization_id.unwrap_or(caller.organization_id);
    if organization_id != caller.organization_id && !access.is_platform_admin() {
        return Err(ApiError::NotFound);
    }
    if !invitation::may_grant(&access, body.org_role) {
        return Err(ApiError::forbidden(
            CANNOT_INVITE_HIGHER_ROLE,
            format!(
                "You cannot invite someone as {} (above your own role)",
                body.org_role.as_str()
            ),
        ));
    }

    let mut tx = tx_in(&mut caller, organization_id, "invite into organization").await?;
    if !db::organization_exists(tx.conn(), organization_id).await? {
        return Err(ApiError::NotFound);
    }
    // In the transaction: an invitation that is not created is not counted.
    let key = invitation_sends_key(organization_id);
    charge(tx.conn(), key, ActionLimit::INVITATION_SENDS).await?;
    if db::has_member(tx.conn(), email.as_str()).await? {
        return Err(ApiError::conflict(
            EMAIL_ALREADY_MEMBER,
            "This e-mail address already belongs to a member of the organization",
        ));
    }
    let token = InvitationToken::generate();
    let new = NewInvitation {
        organization_id,
        email: email.as_str(),
        role: body.org_role,
        token_hash: &token.hash(),
        invited_by: caller.user_id,
        custom_message: custom_message.as_deref(),
        redirect_url: redirect_url.as_deref(),
    };
    let id = match db::insert(tx.conn(), &new).await {
        Err(error) if is_unique_violation(&error, "uq_invitations_pending_email") => {
            return Err(ApiError::conflict(
                INVITATION_EXISTS,
                "A pending invitation for this e-mail address exists; resend it instead",
            ))
        }
        other => other?,
    };
    tx.audit(audit(
        "invitation.create",
        id,
        &request_id,
        serde_json::json!({"email": email.as_str(), "org_role": body.org_role.as_str(),
                           "organization_id": organization_id}),
    ))
    .await?;
    let row = db::find(tx.conn(), id).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    tracing::info!(invitation = %id, organization = %organization_id, "invitation created");
    Ok((
        StatusCode::CREATED,
        Json(IssuedInvitation {
            invitation: row.view(),
            invitation_url: invitation_url(&headers, &token),
        }),
    ))
}

// ---------------------------------------------------------------------------------------
// GET /invitations, GET /invitations/{id}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "invitations", security(("bearer" = [])),
    summary = "The invitations of an organization, newest first",
    params(ListQuery),
    responses((status = 200, body = Page<InvitationView>), (status = 401, description = "No valid token"),
        (status = 403, description = "Not an admin or manager"),
        (status = 422, description = "A parameter is invalid")))]
async fn list(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Page<InvitationView>>, ApiError> {
    if !invitation::may_invite(&caller.access()) {
        return Err(forbidden(
            "Only organization admins and managers may list invitations",
        ));
    }
    let request = PageQuery {
        page: query.page,
        limit: query.limit,
    }
    .validate()?;
    let organization_id = query.organization_id.unwrap_or(caller.organization_id);
    // Another organization's filter: platform admins read it (audited); for anyone else the
    // tenant transaction shows none of its rows, so the page is simply empty.
    let mut tx = if caller.access().is_platform_admin() {
        tx_in(&mut caller, organization_id, "list invitations").await?
    } else {
        caller.begin().await?
    };
    let (rows, total) = db::list(tx.conn(), organization_id, query.status, request).await?;
    tx.commit().await?;
    let items = rows.iter().map(InvitationRow::view).collect();
    Ok(Json(Page::new(items, total, request)))
}

#[utoipa::path(get, path = "/api/v1/invitations/{id}", tag = "invitations", security(("bearer" = [])),
    summary = "One invitation (its creator, the organization's admins and managers, or the invitee)",
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses((status = 200, body = InvitationView), (status = 401, description = "No valid token"),
        (status = 403, description = "Neither inviter, invitee, admin nor manager"),
        (status = 404, description = "No such invitation visible to the caller"),
        (status = 422, description = "id is not a UUID")))]
async fn read(
    mut caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<InvitationView>, ApiError> {
    let id = parse_id(&id)?;
    let mut tx = tx_for_id(&mut caller, "read invitation").await?;
    let found = match db::find(tx.conn(), id).await? {
        Some(row) => Some(row),
        // Not in the caller's organization: it may still be addressed to them.
        None => db::for_invitee(tx.conn(), id, caller.user_id).await?,
    };
    let row = found.ok_or(ApiError::NotFound)?;
    let own_email = db::own_email(tx.conn(), caller.user_id).await?;
    tx.commit().await?;
    let is_invitee = own_email.is_some_and(|email| same_email(&email, &row.email));
    let is_inviter = row.invited_by == Some(caller.user_id);
    if !invitation::may_view(&caller.access(), is_inviter, is_invitee) {
        return Err(forbidden(
            "Only the inviter, the invitee and organization admins or managers may read an invitation",
        ));
    }
    Ok(Json(row.view()))
}

// ---------------------------------------------------------------------------------------
// POST /invitations/{id}/resend, DELETE /invitations/{id}

#[utoipa::path(post, path = "/api/v1/invitations/{id}/resend", tag = "invitations", security(("bearer" = [])),
    summary = "A new token and a new 7-day expiry; the old token stops working",
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses((status = 200, body = IssuedInvitation), (status = 401, description = "No valid token"),
        (status = 400, description = "INVITATION_ALREADY_USED, INVITATION_REVOKED or INVITATION_EXPIRED"),
        (status = 403, description = "Neither an organization admin nor the inviter"),
        (status = 404, description = "No such invitation in the caller's organization"),
        (status = 422, description = "id is not a UUID"),
        (status = 429, description = "RATE_LIMITED (20 invitations an hour per organization); see Retry-After")))]
async fn resend(
    mut caller: CurrentUser,
    request_id: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<IssuedInvitation>, ApiError> {
    let id = parse_id(&id)?;
    let mut tx = tx_for_id(&mut caller, "resend invitation").await?;
    let organization_id = managed_invitation(&mut tx, &caller, id)
        .await?
        .organization_id;
    let key = invitation_sends_key(organization_id);
    charge(tx.conn(), key, ActionLimit::INVITATION_SENDS).await?;
    let token = InvitationToken::generate();
    if !db::renew(tx.conn(), id, &token.hash()).await? {
        return Err(unusable(Unusable::AlreadyUsed));
    }
    tx.audit(audit(
        "invitation.resend",
        id,
        &request_id,
        serde_json::json!({}),
    ))
    .await?;
    let row = db::find(tx.conn(), id).await?.ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(IssuedInvitation {
        invitation: row.view(),
        invitation_url: invitation_url(&headers, &token),
    }))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "invitations", security(("bearer" = [])),
    summary = "Revoke a pending invitation",
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked"), (status = 401, description = "No valid token"),
        (status = 400, description = "INVITATION_ALREADY_USED, INVITATION_REVOKED or INVITATION_EXPIRED"),
        (status = 403, description = "Neither an organization admin nor the inviter"),
        (status = 404, description = "No such invitation in the caller's organization"),
        (status = 422, description = "id is not a UUID")))]
async fn revoke(
    mut caller: CurrentUser,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    let mut tx = tx_for_id(&mut caller, "revoke invitation").await?;
    let row = managed_invitation(&mut tx, &caller, id).await?;
    if !db::revoke(tx.conn(), id).await? {
        return Err(unusable(Unusable::AlreadyUsed));
    }
    tx.audit(audit(
        "invitation.revoke",
        id,
        &request_id,
        serde_json::json!({"email": row.email, "organization_id": row.organization_id}),
    ))
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// POST /invitations/validate (public)

/// A refused validation keeps the predecessor's `{valid, error, message}` next to the usual
/// `{detail, code, request_id}`, so both kinds of client read it.
fn validation_refusal(error: ApiError, request_id: &RequestId) -> Response {
    let status = error.status();
    let (code, detail) = match &error {
        ApiError::Rule { code, detail, .. } => (*code, detail.clone()),
        _ => return error.into_response(),
    };
    let body = serde_json::json!({
        "valid": false,
        "error": code,
        "message": detail,
        "detail": detail,
        "code": code,
        "request_id": request_id.as_deref().unwrap_or_default(),
    });
    (status, Json(body)).into_response()
}

#[utoipa::path(post, path = "/api/v1/invitations/validate", tag = "invitations",
    summary = "Check an invitation token (public)",
    request_body = TokenBody,
    responses((status = 200, body = ValidateAnswer),
        (status = 400, description = "{valid:false, error, message}: INVITATION_EXPIRED, INVITATION_ALREADY_USED or INVITATION_REVOKED"),
        (status = 404, description = "INVITATION_NOT_FOUND"),
        (status = 422, description = "token missing"),
        (status = 429, description = "RATE_LIMITED (30 tokens a minute per client address); see Retry-After")))]
async fn validate(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    request_id: RequestId,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Response, ApiError> {
    let mut fields = Fields::new();
    token(&mut fields, "token", &body.token);
    fields.finish()?;
    charge_token(&state, address).await?;
    let found = match usable_invitation(&state, &invitation::token_hash(&body.token)).await {
        Ok(found) => found,
        Err(error) => return Ok(validation_refusal(error, &request_id)),
    };
    Ok(Json(ValidateAnswer {
        valid: true,
        invitation_id: found.id,
        organization_name: found.organization_name,
        organization_type: found.organization_type.as_str(),
        email: found.email,
        org_role: found.role.as_str(),
        expires_at: timestamp(found.expires_at),
        requires_registration: !found.user_exists,
        custom_message: found.custom_message,
    })
    .into_response())
}

// ---------------------------------------------------------------------------------------
// POST /invitations/accept

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "invitations", security(("bearer" = [])),
    summary = "Join the inviting organization with the signed-in account",
    request_body = TokenBody,
    responses((status = 200, body = AcceptAnswer), (status = 401, description = "No valid token"),
        (status = 400, description = "INVITATION_EXPIRED, INVITATION_ALREADY_USED or INVITATION_REVOKED"),
        (status = 403, description = "EMAIL_MISMATCH"),
        (status = 404, description = "INVITATION_NOT_FOUND"),
        (status = 409, description = "EMAIL_ALREADY_MEMBER"),
        (status = 422, description = "token missing"),
        (status = 429, description = "RATE_LIMITED (30 tokens a minute per client address); see Retry-After")))]
async fn accept(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    ClientAddress(address): ClientAddress,
    request_id: RequestId,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Json<AcceptAnswer>, ApiError> {
    let mut fields = Fields::new();
    token(&mut fields, "token", &body.token);
    fields.finish()?;
    let mut own = caller.begin().await?;
    let own_email = db::own_email(own.conn(), caller.user_id).await?;
    own.commit().await?;
    charge_token(&state, address).await?;
    let token_hash = invitation::token_hash(&body.token);
    let found = usable_invitation(&state, &token_hash).await?;
    if !own_email.is_some_and(|email| same_email(&email, &found.email)) {
        return Err(ApiError::forbidden(
            EMAIL_MISMATCH,
            "This invitation is addressed to another e-mail address",
        ));
    }

    // The claim and the audit row belong to the inviting organization.
    let context = TenantContext {
        organization_id: found.organization_id,
        user_id: Some(caller.user_id),
    };
    let mut tx = caller.begin_in(context).await?;
    let claimed = match db::claim(tx.conn(), &token_hash, caller.user_id).await {
        Err(error) if is_unique_violation(&error, "uq_org_user") => {
            return Err(ApiError::conflict(
                EMAIL_ALREADY_MEMBER,
                "You are already a member of this organization",
            ))
        }
        other => other?,
    };
    let Some(membership) = claimed else {
        drop(tx);
        return Err(refusal(&state, &token_hash).await);
    };
    tx.audit(audit(
        "invitation.accept",
        found.id,
        &request_id,
        serde_json::json!({"membership_id": membership.id, "org_role": membership.org_role}),
    ))
    .await?;
    tx.commit().await?;
    let (new_token, _) = state
        .tokens
        .issue(caller.user_id, found.organization_id)
        .map_err(ApiError::Internal)?;
    tracing::info!(invitation = %found.id, user = %caller.user_id, "invitation accepted");
    Ok(Json(AcceptAnswer {
        message: "Invitation accepted",
        membership,
        new_token,
    }))
}

// ---------------------------------------------------------------------------------------
// POST /auth/register

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth",
    summary = "Create an account with an invitation token",
    request_body = RegisterBody,
    responses((status = 201, body = RegisterAnswer),
        (status = 400, description = "INVITATION_EXPIRED, INVITATION_ALREADY_USED or INVITATION_REVOKED"),
        (status = 403, description = "EMAIL_MISMATCH"),
        (status = 404, description = "INVITATION_NOT_FOUND"),
        (status = 409, description = "EMAIL_ALREADY_REGISTERED"),
        (status = 422, description = "A field is invalid (password strength rules, e-mail)"),
        (status = 429, description = "RATE_LIMITED (30 tokens a minute per client address); see Retry-After")))]
async fn register(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    request_id: RequestId,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<(StatusCode, Json<RegisterAnswer>), ApiError> {
    let mut fields = Fields::new();
    let email = fields.check("email", Email::parse(&body.email));
    if let Err(rules) = check_password_rules(&body.password) {
        for rule in rules {
            fields.add("password", rule.to_string());
        }
    }
    let full_name = body.full_name.trim().to_string();
    required(&mut fields, "full_name", &full_name);
    if full_name.chars().count() > MAX_FULL_NAME_CHARS {
        fields.add(
            "full_name",
            format!("must be at most {MAX_FULL_NAME_CHARS} characters long"),
        );
    }
    token(&mut fields, "invitation_token", &body.invitation_token);
    fields.finish()?;
    let email = email.ok_or_else(|| Fields::one("email", "is invalid"))?;

    charge_token(&state, address).await?;
    let token_hash = invitation::token_hash(&body.invitation_token);
    let found = usable_invitation(&state, &token_hash).await?;
    if !same_email(email.as_str(), &found.email) {
        return Err(ApiError::forbidden(
            EMAIL_MISMATCH,
            "Register with the e-mail address the invitation was sent to",
        ));
    }
    let already_registered = || {
        ApiError::conflict(
            EMAIL_ALREADY_REGISTERED,
            "An account with this e-mail exists; sign in and accept the invitation instead",
        )
    };
    if found.user_exists {
        return Err(already_registered());
    }
    let password_hash = hash_password(body.password).await?;
    let role = system_role_for(found.organization_type);

    let context = TenantContext {
        organization_id: found.organization_id,
        user_id: None,
    };
    let mut tx = TenantTx::begin(&state.pool, context).await?;
    let registered = db::register(
        tx.conn(),
        &token_hash,
        email.as_str(),
        &full_name,
        &password_hash,
        role.db_label(),
    )
    .await;
    let (user_id, membership) = match registered {
        Err(error) if is_unique_violation(&error, "ix_users_email") => {
            return Err(already_registered())
        }
        Ok(Some(done)) => done,
        Ok(None) => {
            drop(tx);
            return Err(refusal(&state, &token_hash).await);
        }
        Err(error) => return Err(error.into()),
    };
    tx.audit(AuditEntry {
        action: "user.register",
        resource_type: "user",
        resource_id: Some(user_id.to_string()),
        actor: Some(email.as_str()),
        request_id: request_id.as_deref(),
        details: serde_json::json!({"invitation_id": found.id, "org_role": membership.org_role}),
    })
    .await?;
    tx.commit().await?;
    let (access_token, claims) = state
        .tokens
        .issue(user_id, found.organization_id)
        .map_err(ApiError::Internal)?;
    tracing::info!(invitation = %found.id, user = %user_id, "registered through invitation");
    Ok((
        StatusCode::CREATED,
        Json(RegisterAnswer {
            access_token,
            token_type: "bearer",
            expires_in: claims.exp - claims.iat,
            user: LoginUser {
                id: user_id,
                email: email.as_str().to_string(),
                full_name,
                role: role.as_str(),
            },
            organization: LoginOrganization {
                id: found.organization_id,
                name: found.organization_name,
                slug: found.organization_slug,
                org_type: found.organization_type.as_str(),
            },
            membership,
        }),
    ))
}

// ---------------------------------------------------------------------------------------
// Queries

/// One invitation as the organization (or the invitee) reads it.
#[derive(Debug)]
struct InvitationRow {
    id: Uuid,
    organization_id: Uuid,
    organization_name: String,
    organization_type: OrgType,
    email: String,
    role: OrgRole,
    status: InvitationStatus,
    expires_at: DateTime<Utc>,
    is_expired: bool,
    created_at: DateTime<Utc>,
    invited_by: Option<Uuid>,
    created_by_name: Option<String>,
    accepted_at: Option<DateTime<Utc>>,
    custom_message: Option<String>,
    redirect_url: Option<String>,
}

impl InvitationRow {
    fn from_row(row: &PgRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.try_get("id")?,
            organization_id: row.try_get("organization_id")?,
            organization_name: row.try_get("organization_name")?,
            organization_type: OrgType::parse(row.try_get("organization_type")?)
                .map_err(internal)?,
            email: row.try_get("email")?,
            role: OrgRole::parse(row.try_get("role")?).map_err(internal)?,
            status: InvitationStatus::parse(row.try_get("status")?).map_err(internal)?,
            expires_at: row.try_get("expires_at")?,
            is_expired: row.try_get("is_expired")?,
            created_at: row.try_get("created_at")?,
            invited_by: row.try_get("invited_by")?,
            created_by_name: row.try_get("created_by_name")?,
            accepted_at: row.try_get("accepted_at")?,
            custom_message: row.try_get("custom_message")?,
            redirect_url: row.try_get("redirect_url")?,
        })
    }

    fn view(&self) -> InvitationView {
        InvitationView {
            id: self.id,
            organization_id: self.organization_id,
            organization_name: self.organization_name.clone(),
            organization_type: self.organization_type.as_str(),
            email: self.email.clone(),
            org_role: self.role.as_str(),
            status: self.status.effective(self.is_expired).as_str(),
            expires_at: timestamp(self.expires_at),
            created_at: timestamp(self.created_at),
            created_by: self.invited_by,
            created_by_name: self.created_by_name.clone(),
            accepted_at: self.accepted_at.map(timestamp),
            custom_message: self.custom_message.clone(),
            redirect_url: self.redirect_url.clone(),
        }
    }
}

/// What a token holder learns (revision 013's `app.invitation_by_token`).
#[derive(Debug)]
struct TokenFacts {
    id: Uuid,
    organization_id: Uuid,
    email: String,
    role: OrgRole,
    status: InvitationStatus,
    expires_at: DateTime<Utc>,
    is_expired: bool,
    organization_name: String,
    organization_slug: String,
    organization_type: OrgType,
    custom_message: Option<String>,
    user_exists: bool,
}

struct NewInvitation<'a> {
    organization_id: Uuid,
    email: &'a str,
    role: OrgRole,
    token_hash: &'a str,
    invited_by: Uuid,
    custom_message: Option<&'a str>,
    redirect_url: Option<&'a str>,
}

mod db {
    use super::*;

    /// The columns of [`InvitationRow`]; `app.invitation_for_invitee` returns the same.
    const SELECT_VIEW: &str = "SELECT i.id, i.organization_id, o.name::text AS organization_name, \
            o.type::text AS organization_type, i.email::text AS email, i.role::text AS role, \
            i.status::text AS status, i.expires_at, i.expires_at <= now() AS is_expired, \
            i.created_at, i.invited_by, inviter.full_name::text AS created_by_name, \
            i.accepted_at, i.custom_message::text AS custom_message, \
            i.redirect_url::text AS redirect_url \
       FROM invitations i \
       JOIN organizations o ON o.id = i.organization_id \
       LEFT JOIN users inviter ON inviter.id = i.invited_by";

    /// The status users see, in SQL (the same rule as `InvitationStatus::effective`).
    const EFFECTIVE_STATUS: &str = "CASE WHEN i.status = 'pending' AND i.expires_at <= now() \
            THEN 'expired' ELSE i.status::text END";

    /// An invitation visible in this transaction (row-level security decides which).
    pub(super) async fn find(
        conn: &mut PgConnection,
        id: Uuid,
    ) -> Result<Option<InvitationRow>, ApiError> {
        let row = sqlx::query(&format!("{SELECT_VIEW} WHERE i.id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
        row.as_ref().map(InvitationRow::from_row).transpose()
    }

    /// An invitation of another organization addressed to `user_id`'s e-mail.
    pub(super) async fn for_invitee(
        conn: &mut PgConnection,
        id: Uuid,
        user_id: Uuid,
    ) -> Result<Option<InvitationRow>, ApiError> {
        let row = sqlx::query("SELECT * FROM app.invitation_for_invitee($1, $2)")
            .bind(id)
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
        row.as_ref().map(InvitationRow::from_row).transpose()
    }

    pub(super) async fn list(
        conn: &mut PgConnection,
        organization_id: Uuid,
        status: Option<InvitationStatus>,
        page: PageRequest,
    ) -> Result<(Vec<InvitationRow>, i64), ApiError> {
        let filter = format!(
            "WHERE i.organization_id = $1 AND ($2::text IS NULL OR {EFFECTIVE_STATUS} = $2)"
        );
        let status = status.map(InvitationStatus::as_str);
        let rows = sqlx::query(&format!(
            "{SELECT_VIEW} {filter} ORDER BY i.created_at DESC, i.id LIMIT $3 OFFSET $4"
        ))
        .bind(organization_id)
        .bind(status)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&mut *conn)
        .await?;
        let total: i64 =
            sqlx::query_scalar(&format!("SELECT count(*) FROM invitations i {filter}"))
                .bind(organization_id)
                .bind(status)
                .fetch_one(conn)
                .await?;
        let rows = rows
            .iter()
            .map(InvitationRow::from_row)
            .collect::<Result<_, _>>()?;
        Ok((rows, total))
    }

    /// Whether the organization exists and is visible in this transaction.
    pub(super) async fn organization_exists(
        conn: &mut PgConnection,
        organization_id: Uuid,
    ) -> Result<bool, ApiError> {
        Ok(
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1)")
                .bind(organization_id)
                .fetch_one(conn)
                .await?,
        )
    }

    /// Whether the transaction's organization has a member with this e-mail.
    pub(super) async fn has_member(conn: &mut PgConnection, email: &str) -> Result<bool, ApiError> {
        Ok(sqlx::query_scalar("SELECT app.current_org_has_member($1)")
            .bind(email)
            .fetch_one(conn)
            .await?)
    }

    /// The caller's own e-mail (their own `users` row is always readable).
    pub(super) async fn own_email(
        conn: &mut PgConnection,
        user_id: Uuid,
    ) -> Result<Option<String>, ApiError> {
        Ok(
            sqlx::query_scalar("SELECT email::text FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(conn)
                .await?,
        )
    }

    /// Marks pending invitations of the address that are past expiry as expired (so the
    /// one-open-invitation index lets a new one in), then inserts the new one.
    pub(super) async fn insert(
        conn: &mut PgConnection,
        new: &NewInvitation<'_>,
    ) -> Result<Uuid, sqlx::Error> {
        sqlx::query(
            "UPDATE invitations SET status = 'expired' \
              WHERE organization_id = $1 AND lower(email) = lower($2) \
                AND status = 'pending' AND expires_at <= now()",
        )
        .bind(new.organization_id)
        .bind(new.email)
        .execute(&mut *conn)
        .await?;
        sqlx::query_scalar(
            "INSERT INTO invitations (organization_id, email, role, token_hash, status, \
                                      invited_by, expires_at, custom_message, redirect_url) \
             VALUES ($1, $2, $3::org_role, $4, 'pending', $5, \
                     now() + make_interval(days => $6), $7, $8) \
             RETURNING id",
        )
        .bind(new.organization_id)
        .bind(new.email)
        .bind(new.role.as_str())
        .bind(new.token_hash)
        .bind(new.invited_by)
        .bind(INVITATION_TTL_DAYS as i32)
        .bind(new.custom_message)
        .bind(new.redirect_url)
        .fetch_one(conn)
        .await
    }

    /// New token and expiry for a still-pending invitation; false if it no longer is.
    pub(super) async fn renew(
        conn: &mut PgConnection,
        id: Uuid,
        token_hash: &str,
    ) -> Result<bool, ApiError> {
        let changed = sqlx::query(
            "UPDATE invitations SET token_hash = $2, expires_at = now() + make_interval(days => $3) \
              WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(token_hash)
        .bind(INVITATION_TTL_DAYS as i32)
        .execute(conn)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    pub(super) async fn revoke(conn: &mut PgConnection, id: Uuid) -> Result<bool, ApiError> {
        let changed = sqlx::query(
            "UPDATE invitations SET status = 'revoked' WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    pub(super) async fn by_token(
        state: &AppState,
        token_hash: &str,
    ) -> Result<Option<TokenFacts>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM app.invitation_by_token($1)")
            .bind(token_hash)
            .fetch_optional(state.pool.inner())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let label = |error: UnknownLabel| sqlx::Error::Decode(error.to_string().into());
        Ok(Some(TokenFacts {
            id: row.try_get("id")?,
            organization_id: row.try_get("organization_id")?,
            email: row.try_get("email")?,
            role: OrgRole::parse(row.try_get("role")?).map_err(label)?,
            status: InvitationStatus::parse(row.try_get("status")?).map_err(label)?,
            expires_at: row.try_get("expires_at")?,
            is_expired: row.try_get("is_expired")?,
            organization_name: row.try_get("organization_name")?,
            organization_slug: row.try_get("organization_slug")?,
            organization_type: OrgType::parse(row.try_get("organization_type")?).map_err(label)?,
            custom_message: row.try_get("custom_message")?,
            user_exists: row.try_get("user_exists")?,
        }))
    }

    fn membership(row: &PgRow) -> Result<MembershipView, sqlx::Error> {
        let role: String = row.try_get("role")?;
        let role =
            OrgRole::parse(&role).map_err(|error| sqlx::Error::Decode(error.to_string().into()))?;
        Ok(MembershipView {
            id: row.try_get("membership_id")?,
            organization_id: row.try_get("organization_id")?,
            org_role: role.as_str(),
            status: "active",
            is_primary: row.try_get("is_primary")?,
            joined_at: timestamp(row.try_get("joined_at")?),
        })
    }

    /// The single-use claim plus the membership; `None` when the token is not claimable.
    pub(super) async fn claim(
        conn: &mut PgConnection,
        token_hash: &str,
        user_id: Uuid,
    ) -> Result<Option<MembershipView>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM app.claim_invitation($1, $2)")
            .bind(token_hash)
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
        row.as_ref().map(membership).transpose()
    }

    /// Claim, user and membership in one call; `None` when the token is not claimable.
    pub(super) async fn register(
        conn: &mut PgConnection,
        token_hash: &str,
        email: &str,
        full_name: &str,
        password_hash: &str,
        role_label: &str,
    ) -> Result<Option<(Uuid, MembershipView)>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM app.register_invited_user($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(email)
            .bind(full_name)
            .bind(password_hash)
            .bind(role_label)
            .fetch_optional(conn)
            .await?;
        row.map(|row| Ok((row.try_get("user_id")?, membership(&row)?)))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn links_use_the_request_host_and_forwarded_scheme() {
        let token = InvitationToken::from_bytes([7; 32]);
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("app.example.com:8443"));
        // The environment variable is not set in unit tests.
        if std::env::var(PUBLIC_URL_ENV).is_err() {
            assert_eq!(
                invitation_url(&headers, &token),
                format!(
                    "http://app.example.com:8443/accept-invitation?token={}",
                    token.as_str()
                )
            );
            headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
            assert!(invitation_url(&headers, &token).starts_with("https://app.example.com:8443/"));
            headers.insert("x-forwarded-proto", HeaderValue::from_static("javascript"));
            assert!(invitation_url(&headers, &token).starts_with("http://"));
        }
    }

    #[test]
    fn path_ids_must_be_uuids() {
        assert!(parse_id("not-a-uuid").is_err());
        let id = Uuid::new_v4();
        assert_eq!(parse_id(&id.to_string()).unwrap(), id);
    }
}
