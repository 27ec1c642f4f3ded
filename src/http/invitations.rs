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

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::{
    hash_password, CurrentUser, LoginOrganization, LoginUser, INSUFFICIENT_PERMISSIONS,
};
use super::error::ApiError;
use super::extract::{ClientAddress, Fields, JsonBody, PathIds, QueryParams, RequestId};
use super::pagination::{Page, PageQuery};
use super::reach::Reach;
use super::time::rfc3339;
use super::AppState;
use crate::config::PublicUrl;
use crate::db::invitations::{self, ClaimedMembership, InvitationRow, NewInvitation, TokenFacts};
use crate::db::organizations;
use crate::db::sessions;
use crate::db::tenant::{AuditEntry, TenantContext, TenantTx};
use crate::db::users;
use crate::db::violation::{violation, Violation};
use crate::domain::invitation::{
    self, check_redirect_url, check_usable, same_email, system_role_for, InvitationToken, Unusable,
    MAX_CUSTOM_MESSAGE_CHARS, MAX_TOKEN_CHARS,
};
use crate::domain::throttle::{invitation_sends_key, invitation_tokens_key, ActionLimit};
use crate::domain::{check_password_rules, text, Email, InvitationStatus, OrgRole};

/// Refusal codes (reference §3.2, plus `INVITATION_REVOKED` and `EMAIL_ALREADY_REGISTERED`).
pub const EMAIL_ALREADY_MEMBER: &str = "EMAIL_ALREADY_MEMBER";
pub const INVITATION_EXISTS: &str = "INVITATION_EXISTS";
pub const CANNOT_INVITE_HIGHER_ROLE: &str = "CANNOT_INVITE_HIGHER_ROLE";
pub const INVITATION_NOT_FOUND: &str = "INVITATION_NOT_FOUND";
pub const EMAIL_MISMATCH: &str = "EMAIL_MISMATCH";
pub const EMAIL_ALREADY_REGISTERED: &str = "EMAIL_ALREADY_REGISTERED";

/// The front-end page that reads `?token=`.
const ACCEPT_PATH: &str = "/accept-invitation";
/// The longest `full_name` (`users.full_name` is varchar(100)).
const MAX_FULL_NAME_CHARS: usize = 100;

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
pub(crate) struct CreateInvitation {
    /// Defaults to the caller's current organization; only platform admins name another.
    pub organization_id: Option<Uuid>,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// `member` when left out.
    #[serde(default = "default_role")]
    pub org_role: OrgRole,
    #[schema(max_length = 1000)]
    pub custom_message: Option<String>,
    /// Where the front end sends the invitee after accepting: a path (`/dashboard`, not
    /// `//…`) or an absolute URL of an origin in `CORS_ORIGINS`; at most 500 characters.
    #[schema(max_length = 500, pattern = "^(/([^/\\\\].*)?|https?://.+)$")]
    pub redirect_url: Option<String>,
}

fn default_role() -> OrgRole {
    OrgRole::Member
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct TokenBody {
    #[schema(min_length = 1, max_length = 128)]
    pub token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct RegisterBody {
    /// The address the invitation was sent to.
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// 8–128 characters with an upper-case letter, a lower-case letter and a digit.
    #[schema(min_length = 8, max_length = 128, format = Password)]
    pub password: String,
    /// Not blank; surrounding whitespace ignored.
    #[schema(min_length = 1, max_length = 100)]
    pub full_name: String,
    #[schema(min_length = 1, max_length = 128)]
    pub invitation_token: String,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Defaults to the caller's current organization.
    pub organization_id: Option<Uuid>,
    /// pending, accepted, expired or revoked (pending past its expiry counts as expired).
    pub status: Option<InvitationStatus>,
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 2147483647)]
    pub page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct InvitationView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub organization_type: &'static str,
    pub email: String,
    pub org_role: &'static str,
    /// As users must see it: a pending invitation past its expiry is `expired`.
    pub status: &'static str,
    /// RFC 3339, UTC.
    pub expires_at: String,
    pub created_at: String,
    pub created_by: Option<Uuid>,
    pub created_by_name: Option<String>,
    pub accepted_at: Option<String>,
    pub custom_message: Option<String>,
    pub redirect_url: Option<String>,
}

/// The answer of create and resend: the invitation and the link holding the new token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct IssuedInvitation {
    #[serde(flatten)]
    pub invitation: InvitationView,
    /// `<public URL>/accept-invitation?token=…` — the only place the token ever appears.
    pub invitation_url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ValidateAnswer {
    pub valid: bool,
    pub invitation_id: Uuid,
    pub organization_name: String,
    pub organization_type: &'static str,
    pub email: String,
    pub org_role: &'static str,
    pub expires_at: String,
    /// No account with the invited e-mail exists yet: register instead of accepting.
    pub requires_registration: bool,
    pub custom_message: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MembershipView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub org_role: &'static str,
    pub status: &'static str,
    pub is_primary: bool,
    pub joined_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AcceptAnswer {
    pub message: &'static str,
    pub membership: MembershipView,
    /// An access token acting in the organization just joined.
    pub new_token: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RegisterAnswer {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub user: LoginUser,
    pub organization: LoginOrganization,
    pub membership: MembershipView,
}

// ---------------------------------------------------------------------------------------
// Small helpers

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

/// A required text field: missing is serde's 422; blank is ours.
fn required(fields: &mut Fields, name: &str, value: &str) {
    if value.trim().is_empty() {
        fields.add(name, "must not be empty");
    }
}

/// A token field: required, and no longer than a token can be ([`MAX_TOKEN_CHARS`]).
fn token_field(fields: &mut Fields, name: &str, value: &str) {
    required(fields, name, value);
    if value.chars().nth(MAX_TOKEN_CHARS).is_some() {
        fields.add(
            name,
            format!("must be at most {MAX_TOKEN_CHARS} characters long"),
        );
    }
}

/// The link handed to the invitee, on the configured public URL (`TRACEHUB_PUBLIC_URL`,
/// read once at start-up): never on the request's `Host` or `X-Forwarded-Proto`, which a
/// client can forge to have us hand out a link to its own site, token included.
fn invitation_url(public_url: &PublicUrl, token: &InvitationToken) -> String {
    public_url.link(&format!("{ACCEPT_PATH}?token={}", token.as_str()))
}

/// 429 `RATE_LIMITED` with `Retry-After` when a claim found the window's budget spent.
fn within_limit(claimed: Option<u64>) -> Result<(), ApiError> {
    match claimed {
        Some(retry_after_secs) => Err(ApiError::TooManyRequests { retry_after_secs }),
        None => Ok(()),
    }
}

/// Counts one invitation sent by `organization_id` in the request's transaction (so one that
/// is not created costs nothing): [`ActionLimit::INVITATION_SENDS`].
async fn charge_send(tx: &mut TenantTx, organization_id: Uuid) -> Result<(), ApiError> {
    let limit = ActionLimit::INVITATION_SENDS;
    let key = invitation_sends_key(organization_id);
    within_limit(
        sessions::throttle_claim_in(tx, &[(key, limit.attempts)], limit.window_seconds).await?,
    )
}

/// [`ActionLimit::INVITATION_TOKENS`] for a request presenting an invitation token.
async fn charge_token(state: &AppState, address: Option<std::net::IpAddr>) -> Result<(), ApiError> {
    match address {
        Some(address) => {
            let limit = ActionLimit::INVITATION_TOKENS;
            let key = invitation_tokens_key(address);
            within_limit(
                sessions::throttle_claim(
                    &state.pool,
                    &[(key, limit.attempts)],
                    limit.window_seconds,
                )
                .await?,
            )
        }
        None => Ok(()),
    }
}

/// The invitation `id` for resend and revoke, after the permission check.
async fn managed_invitation(
    tx: &mut TenantTx,
    caller: &CurrentUser,
    id: Uuid,
) -> Result<InvitationRow, ApiError> {
    let row = invitations::find(tx, id).await?.ok_or(ApiError::NotFound)?;
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
    match invitations::by_token(&state.pool, token_hash).await {
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
    let found = invitations::by_token(&state.pool, token_hash)
        .await?
        .ok_or_else(not_found)?;
    check_usable(found.status, found.is_expired).map_err(unusable)?;
    Ok(found)
}

fn is_violation(error: &sqlx::Error, expected: Violation) -> bool {
    violation(error) == Some(expected)
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
pub(crate) async fn create(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    request_id: RequestId,
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
    if let Some(message) = &custom_message {
        fields.check(
            "custom_message",
            text::bounded(message, MAX_CUSTOM_MESSAGE_CHARS),
        );
    }
    let redirect_url = body
        .redirect_url
        .filter(|u| !u.trim().is_empty())
        .and_then(|url| {
            fields.check(
                "redirect_url",
                check_redirect_url(&url, &state.cors_origins),
            )
        });
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

    let mut tx = caller
        .open_in(organization_id, "invite into organization")
        .await?;
    if !organizations::exists(&mut tx, organization_id).await? {
        return Err(ApiError::NotFound);
    }
    charge_send(&mut tx, organization_id).await?;
    if invitations::has_member(&mut tx, email.as_str()).await? {
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
    // A pending invitation of the address answers INVITATION_EXISTS (db::violation).
    let id = invitations::insert(&mut tx, &new).await?;
    tx.audit(audit(
        "invitation.create",
        id,
        &request_id,
        serde_json::json!({"email": email.as_str(), "org_role": body.org_role.as_str(),
                           "organization_id": organization_id}),
    ))
    .await?;
    let row = invitations::find(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    tracing::info!(invitation = %id, organization = %organization_id, "invitation created");
    Ok((
        StatusCode::CREATED,
        Json(IssuedInvitation {
            invitation: (&row).into(),
            invitation_url: invitation_url(&state.public_url, &token),
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
        (status = 404, description = "organization_id names no organization, or another one than the caller's (platform admins excepted)"),
        (status = 422, description = "A parameter is invalid (organization_id not a UUID)")))]
pub(crate) async fn list(
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
    // Another organization: platform admins read it (audited; an unknown one is a 404); for
    // anyone else it is a 404, as on every route about another organization.
    if organization_id != caller.organization_id && !caller.access().is_platform_admin() {
        return Err(ApiError::NotFound);
    }
    let mut tx = caller.open_in(organization_id, "list invitations").await?;
    let (rows, total) = invitations::list(
        &mut tx,
        organization_id,
        query.status,
        request.limit(),
        request.offset(),
    )
    .await?;
    tx.commit().await?;
    let items = rows.iter().map(InvitationView::from).collect();
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
    PathIds([id]): PathIds<1>,
) -> Result<Json<InvitationView>, ApiError> {
    let (mut tx, _) = caller.open(Reach::Everywhere, "read invitation").await?;
    let found = match invitations::find(&mut tx, id).await? {
        Some(row) => Some(row),
        // Not in the caller's organization: it may still be addressed to them.
        None => invitations::for_invitee(&mut tx, id, caller.user_id).await?,
    };
    let row = found.ok_or(ApiError::NotFound)?;
    let own_email = users::own(&mut tx, caller.user_id)
        .await?
        .map(|user| user.email);
    tx.commit().await?;
    let is_invitee = own_email.is_some_and(|email| same_email(&email, &row.email));
    let is_inviter = row.invited_by == Some(caller.user_id);
    if !invitation::may_view(&caller.access(), is_inviter, is_invitee) {
        return Err(forbidden(
            "Only the inviter, the invitee and organization admins or managers may read an invitation",
        ));
    }
    Ok(Json((&row).into()))
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
pub(crate) async fn resend(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
) -> Result<Json<IssuedInvitation>, ApiError> {
    let (mut tx, _) = caller.open(Reach::Everywhere, "resend invitation").await?;
    let organization_id = managed_invitation(&mut tx, &caller, id)
        .await?
        .organization_id;
    charge_send(&mut tx, organization_id).await?;
    let token = InvitationToken::generate();
    if !invitations::renew(&mut tx, id, &token.hash()).await? {
        return Err(unusable(Unusable::AlreadyUsed));
    }
    tx.audit(audit(
        "invitation.resend",
        id,
        &request_id,
        serde_json::json!({}),
    ))
    .await?;
    let row = invitations::find(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(Json(IssuedInvitation {
        invitation: (&row).into(),
        invitation_url: invitation_url(&state.public_url, &token),
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
pub(crate) async fn revoke(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
) -> Result<StatusCode, ApiError> {
    let (mut tx, _) = caller.open(Reach::Everywhere, "revoke invitation").await?;
    let row = managed_invitation(&mut tx, &caller, id).await?;
    if !invitations::revoke(&mut tx, id).await? {
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
    match check_token(&state, address, &body.token).await {
        Ok(answer) => Ok(Json(answer).into_response()),
        Err(error @ ApiError::Validation(_)) => Err(error),
        Err(error) => Ok(validation_refusal(error, &request_id)),
    }
}

/// What an invitation token stands for, while it can be used: the public check's work,
/// and the web UI's accept-invitation page's.
pub(crate) async fn check_token(
    state: &AppState,
    address: Option<std::net::IpAddr>,
    token: &str,
) -> Result<ValidateAnswer, ApiError> {
    let mut fields = Fields::new();
    token_field(&mut fields, "token", token);
    fields.finish()?;
    charge_token(state, address).await?;
    let found = usable_invitation(state, &invitation::token_hash(token)).await?;
    Ok(ValidateAnswer {
        valid: true,
        invitation_id: found.id,
        organization_name: found.organization_name,
        organization_type: found.organization_type.as_str(),
        email: found.email,
        org_role: found.role.as_str(),
        expires_at: rfc3339(found.expires_at),
        requires_registration: !found.user_exists,
        custom_message: found.custom_message,
    })
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
pub(crate) async fn accept(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    ClientAddress(address): ClientAddress,
    request_id: RequestId,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Json<AcceptAnswer>, ApiError> {
    let mut fields = Fields::new();
    token_field(&mut fields, "token", &body.token);
    fields.finish()?;
    let mut own = caller.begin().await?;
    let own_email = users::own(&mut own, caller.user_id)
        .await?
        .map(|user| user.email);
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
    let claimed = match invitations::claim(&mut tx, &token_hash, caller.user_id).await {
        Err(error) if is_violation(&error, Violation::AlreadyMember) => {
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
        membership: membership.into(),
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
pub(crate) async fn register(
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
    fields.check("full_name", text::bounded(&full_name, MAX_FULL_NAME_CHARS));
    token_field(&mut fields, "invitation_token", &body.invitation_token);
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
    let registered = invitations::register(
        &mut tx,
        &token_hash,
        email.as_str(),
        &full_name,
        &password_hash,
        role.db_label(),
    )
    .await;
    let (user_id, membership) = match registered {
        Err(error) if is_violation(&error, Violation::EmailTaken) => {
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
            membership: membership.into(),
        }),
    ))
}

// ---------------------------------------------------------------------------------------
// From rows to answers

impl From<&InvitationRow> for InvitationView {
    fn from(row: &InvitationRow) -> Self {
        InvitationView {
            id: row.id,
            organization_id: row.organization_id,
            organization_name: row.organization_name.clone(),
            organization_type: row.organization_type.as_str(),
            email: row.email.clone(),
            org_role: row.role.as_str(),
            status: row.status.effective(row.is_expired).as_str(),
            expires_at: rfc3339(row.expires_at),
            created_at: rfc3339(row.created_at),
            created_by: row.invited_by,
            created_by_name: row.created_by_name.clone(),
            accepted_at: row.accepted_at.map(rfc3339),
            custom_message: row.custom_message.clone(),
            redirect_url: row.redirect_url.clone(),
        }
    }
}

impl From<ClaimedMembership> for MembershipView {
    fn from(claimed: ClaimedMembership) -> Self {
        MembershipView {
            id: claimed.id,
            organization_id: claimed.organization_id,
            org_role: claimed.org_role.as_str(),
            status: "active",
            is_primary: claimed.is_primary,
            joined_at: rfc3339(claimed.joined_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_use_the_public_url_and_its_prefix() {
        let token = InvitationToken::from_bytes([7; 32]);
        let base = PublicUrl::parse("https://tracehub.example.com/app/").unwrap();
        assert_eq!(
            invitation_url(&base, &token),
            format!(
                "https://tracehub.example.com/app/accept-invitation?token={}",
                token.as_str()
            )
        );
    }
}
