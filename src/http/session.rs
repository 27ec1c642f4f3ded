//! The session: who the caller is, what they may do, and which organizations they can act in.
//!
//! * `GET /auth/me/full`, `GET /auth/permissions` — what the predecessor's client loads after
//!   login (reference UI §1.5), now computed by [`Access`] for the token's organization.
//! * `GET /session/organizations`, `GET /session/context`, `POST /session/switch-org`,
//!   `POST /session/set-primary` — the Sprint 8 session endpoints (reference §3.2).
//!
//! Everything is read inside a [`TenantTx`] with the caller's context: revision 007's
//! `own_read` policy lets a user see their own memberships in every organization and
//! `member_read` the organizations they belong to, so no SECURITY DEFINER door is needed.
//! A membership the caller does not have is indistinguishable from an organization that does
//! not exist (both 404), so these endpoints never reveal other tenants.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::auth::{read_user, CurrentUser, LoginOrganization, BAD_TOKEN};
use super::error::{ApiError, FieldError};
use super::time::rfc3339;
use super::AppState;
use crate::db::memberships::{self, OwnMembership};
use crate::db::tenant::TenantTx;
use crate::db::users::UserRow;
use crate::domain::Access;

/// `/me/full` and `/permissions`, merged into the auth router under both API prefixes.
pub fn auth_router() -> Router<AppState> {
    Router::new()
        .route("/me/full", get(me_full))
        .route("/permissions", get(permissions))
}

/// The body of switch-org and set-primary (documentation only: the handlers read the
/// body themselves to name the field in a 422).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct OrganizationChoice {
    organization_id: Uuid,
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(me_full, permissions, organizations, context, switch_org, set_primary))]
pub struct ApiDoc;

/// The refusal codes clients branch on (reference §3.2).
pub const MEMBERSHIP_SUSPENDED: &str = "MEMBERSHIP_SUSPENDED";
pub const ORGANIZATION_INACTIVE: &str = "ORGANIZATION_INACTIVE";

/// `/organizations`, `/context`, `/switch-org`, `/set-primary`, nested under `…/session`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(organizations))
        .route("/context", get(context))
        .route("/switch-org", post(switch_org))
        .route("/set-primary", post(set_primary))
}

// ---------------------------------------------------------------------------------------
// Reading the caller's session

/// Whether the caller can act in this organization (what `CurrentUser` also demands).
fn is_usable(membership: &OwnMembership) -> bool {
    membership.status.is_active() && membership.org_is_active
}

fn organization_of(membership: &OwnMembership) -> LoginOrganization {
    LoginOrganization {
        id: membership.organization_id,
        name: membership.org_name.clone(),
        slug: membership.org_slug.clone(),
        org_type: membership.org_type.as_str(),
    }
}

/// The caller's user row and memberships, read in one tenant transaction so they agree.
struct Session {
    /// The system role shown is `CurrentUser`'s, checked on this very request.
    user: UserRow,
    memberships: Vec<OwnMembership>,
}

impl Session {
    async fn load(caller: &mut CurrentUser) -> Result<Self, ApiError> {
        let mut tx = caller.begin().await?;
        let user = read_user(&mut tx, caller.user_id).await?;
        let memberships = memberships::own(&mut tx, caller.user_id).await?;
        tx.commit().await?;
        Ok(Self { user, memberships })
    }

    /// The membership of the token's organization; gone since the token was checked means
    /// the token no longer stands for a session.
    fn current(&self, caller: &CurrentUser) -> Result<&OwnMembership, ApiError> {
        self.memberships
            .iter()
            .find(|m| m.organization_id == caller.organization_id)
            .ok_or(ApiError::Unauthorized(BAD_TOKEN))
    }

    /// Memberships the caller could switch to (or is in): active, in an active organization.
    fn usable(&self) -> impl Iterator<Item = &OwnMembership> {
        self.memberships.iter().filter(|m| is_usable(m))
    }
}

/// The caller's effective access in the token's organization. `CurrentUser` only exists
/// for an active membership, so the status is known.
fn permission_strings(access: &Access) -> Vec<&'static str> {
    access
        .permissions()
        .into_iter()
        .map(|p| p.as_str())
        .collect()
}

fn org_permission_strings(access: &Access) -> Vec<&'static str> {
    access
        .org_permissions()
        .into_iter()
        .map(|p| p.as_str())
        .collect()
}

// ---------------------------------------------------------------------------------------
// /auth/me/full and /auth/permissions

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MeFull {
    id: Uuid,
    email: String,
    full_name: String,
    role: &'static str,
    is_active: bool,
    organization_id: Uuid,
    org_role: &'static str,
    org_type: &'static str,
    /// System permissions effective in this organization (what the old client gates on).
    permissions: Vec<&'static str>,
    /// Organization permissions (members, invitations, settings) — the later predecessor
    /// client reads them from the same answer.
    org_permissions: Vec<&'static str>,
    organization: LoginOrganization,
}

#[utoipa::path(get, path = "/api/v1/auth/me/full", tag = "auth", security(("bearer" = [])),
    summary = "The caller with permissions, current organization and organization role",
    responses((status = 200, body = MeFull), (status = 401, description = "No valid token")))]
async fn me_full(mut caller: CurrentUser) -> Result<Json<MeFull>, ApiError> {
    let session = Session::load(&mut caller).await?;
    let organization = organization_of(session.current(&caller)?);
    let access = caller.access();
    Ok(Json(MeFull {
        id: caller.user_id,
        email: session.user.email,
        full_name: session.user.full_name,
        role: caller.role.as_str(),
        is_active: session.user.is_active,
        organization_id: caller.organization_id,
        org_role: caller.org_role.as_str(),
        org_type: caller.org_type.as_str(),
        permissions: permission_strings(&access),
        org_permissions: org_permission_strings(&access),
        organization,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PermissionsAnswer {
    user_id: Uuid,
    role: &'static str,
    organization_id: Uuid,
    org_role: &'static str,
    permissions: Vec<&'static str>,
}

/// Needs no query beyond the token check: the extractor already read role and membership.
#[utoipa::path(get, path = "/api/v1/auth/permissions", tag = "auth", security(("bearer" = [])),
    summary = "The caller's effective permissions",
    responses((status = 200, body = PermissionsAnswer), (status = 401, description = "No valid token")))]
async fn permissions(caller: CurrentUser) -> Json<PermissionsAnswer> {
    Json(PermissionsAnswer {
        user_id: caller.user_id,
        role: caller.role.as_str(),
        organization_id: caller.organization_id,
        org_role: caller.org_role.as_str(),
        permissions: permission_strings(&caller.access()),
    })
}

// ---------------------------------------------------------------------------------------
// /session/organizations and /session/context

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct OrganizationsAnswer {
    user_id: Uuid,
    current_organization_id: Uuid,
    organizations: Vec<OrganizationEntry>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct OrganizationEntry {
    id: Uuid,
    name: String,
    slug: String,
    #[serde(rename = "type")]
    org_type: &'static str,
    org_role: &'static str,
    is_primary: bool,
    is_current: bool,
}

#[utoipa::path(get, path = "/api/v1/session/organizations", tag = "session", security(("bearer" = [])),
    summary = "The organizations the caller can act in",
    responses((status = 200, body = OrganizationsAnswer), (status = 401, description = "No valid token")))]
async fn organizations(mut caller: CurrentUser) -> Result<Json<OrganizationsAnswer>, ApiError> {
    let session = Session::load(&mut caller).await?;
    let organizations = session
        .usable()
        .map(|m| OrganizationEntry {
            id: m.organization_id,
            name: m.org_name.clone(),
            slug: m.org_slug.clone(),
            org_type: m.org_type.as_str(),
            org_role: m.org_role.as_str(),
            is_primary: m.is_primary,
            is_current: m.organization_id == caller.organization_id,
        })
        .collect();
    Ok(Json(OrganizationsAnswer {
        user_id: caller.user_id,
        current_organization_id: caller.organization_id,
        organizations,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ContextAnswer {
    user: ContextUser,
    organization: LoginOrganization,
    membership: ContextMembership,
    permissions: Vec<&'static str>,
    can_switch_organizations: bool,
    organization_count: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ContextUser {
    id: Uuid,
    email: String,
    full_name: String,
    system_role: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ContextMembership {
    org_role: &'static str,
    is_primary: bool,
    /// RFC 3339, UTC.
    joined_at: String,
}

#[utoipa::path(get, path = "/api/v1/session/context", tag = "session", security(("bearer" = [])),
    summary = "User, organization, membership and permissions of this session",
    responses((status = 200, body = ContextAnswer), (status = 401, description = "No valid token")))]
async fn context(mut caller: CurrentUser) -> Result<Json<ContextAnswer>, ApiError> {
    let session = Session::load(&mut caller).await?;
    let current = session.current(&caller)?;
    // Counted like /session/organizations lists them, so the two never disagree.
    let organization_count = session.usable().count();
    Ok(Json(ContextAnswer {
        organization: organization_of(current),
        membership: ContextMembership {
            org_role: current.org_role.as_str(),
            is_primary: current.is_primary,
            joined_at: rfc3339(current.joined_at),
        },
        permissions: permission_strings(&caller.access()),
        can_switch_organizations: organization_count > 1,
        organization_count,
        user: ContextUser {
            id: caller.user_id,
            email: session.user.email,
            full_name: session.user.full_name,
            system_role: caller.role.as_str(),
        },
    }))
}

// ---------------------------------------------------------------------------------------
// Request bodies

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.to_string(),
        message: message.to_string(),
    }
}

/// Reads `{"organization_id": "<uuid>"}`. Every problem is a 422 naming the field (`body`
/// when it is not a JSON object at all). Other keys are ignored, like the login body's.
fn parse_organization_id(headers: &HeaderMap, body: &[u8]) -> Result<Uuid, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if media_type != "application/json" && !media_type.ends_with("+json") {
        return Err(ApiError::Validation(vec![field(
            "body",
            "send application/json with organization_id",
        )]));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::Validation(vec![field("body", "is not valid JSON")]))?;
    let Value::Object(object) = value else {
        return Err(ApiError::Validation(vec![field(
            "body",
            "must be a JSON object with organization_id",
        )]));
    };
    let problem = match object.get("organization_id") {
        None | Some(Value::Null) => "is required",
        Some(Value::String(text)) => match Uuid::try_parse(text.trim()) {
            Ok(id) => return Ok(id),
            Err(_) => "must be a UUID",
        },
        Some(_) => "must be a string holding a UUID",
    };
    Err(ApiError::Validation(vec![field(
        "organization_id",
        problem,
    )]))
}

// ---------------------------------------------------------------------------------------
// /session/switch-org

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SwitchAnswer {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    organization: LoginOrganization,
    org_role: &'static str,
    /// Effective in the new organization, so the client need not ask again.
    permissions: Vec<&'static str>,
}

/// The caller's membership in `organization_id`, checked the same way for switch-org and
/// set-primary: none → 404 (exactly like an organization that does not exist), suspended →
/// 403 `MEMBERSHIP_SUSPENDED`, organization switched off → 403 `ORGANIZATION_INACTIVE`.
fn usable_membership(
    memberships: &[OwnMembership],
    organization_id: Uuid,
) -> Result<&OwnMembership, ApiError> {
    let membership = memberships
        .iter()
        .find(|m| m.organization_id == organization_id)
        .ok_or(ApiError::NotFound)?;
    if !membership.status.is_active() {
        return Err(ApiError::forbidden(
            MEMBERSHIP_SUSPENDED,
            "Your membership in this organization is suspended",
        ));
    }
    if !membership.org_is_active {
        return Err(ApiError::forbidden(
            ORGANIZATION_INACTIVE,
            "This organization is deactivated",
        ));
    }
    Ok(membership)
}

/// Issues a token for another of the caller's organizations. The presented token stays
/// valid (other tabs may still use it); logout revokes each one separately.
#[utoipa::path(post, path = "/api/v1/session/switch-org", tag = "session", security(("bearer" = [])),
    summary = "A new token acting in another of the caller's organizations",
    request_body = OrganizationChoice,
    responses((status = 200, body = SwitchAnswer), (status = 401, description = "No valid token"),
        (status = 403, description = "MEMBERSHIP_SUSPENDED or ORGANIZATION_INACTIVE"),
        (status = 404, description = "Not a member of that organization"),
        (status = 422, description = "organization_id missing or not a UUID")))]
async fn switch_org(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SwitchAnswer>, ApiError> {
    let organization_id = parse_organization_id(&headers, &body)?;
    let mut tx = caller.begin().await?;
    let memberships = memberships::own(&mut tx, caller.user_id).await?;
    tx.commit().await?;
    let target = usable_membership(&memberships, organization_id)?;
    let (token, claims) = state
        .tokens
        .issue(caller.user_id, organization_id)
        .map_err(ApiError::Internal)?;
    let access = Access::new(caller.role, target.org_role, target.org_type, target.status);
    tracing::info!(user = %caller.user_id, from = %caller.organization_id,
                   to = %organization_id, "organization switch");
    Ok(Json(SwitchAnswer {
        access_token: token,
        token_type: "bearer",
        expires_in: claims.exp - claims.iat,
        organization: organization_of(target),
        org_role: target.org_role.as_str(),
        permissions: permission_strings(&access),
    }))
}

// ---------------------------------------------------------------------------------------
// /session/set-primary

/// Sets `is_primary` on one membership row of the caller, expecting exactly one row.
async fn mark_primary(
    tx: &mut TenantTx,
    user_id: Uuid,
    organization_id: Uuid,
    primary: bool,
) -> Result<(), ApiError> {
    let changed = memberships::mark_primary(tx, user_id, organization_id, primary).await?;
    if changed != 1 {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "set-primary changed {changed} membership rows of {user_id} in {organization_id}"
        )));
    }
    Ok(())
}

/// Makes one of the caller's organizations the one they land in after login. Exactly one
/// primary per user: the old flag is cleared before the new one is set, in one transaction.
#[utoipa::path(post, path = "/api/v1/session/set-primary", tag = "session", security(("bearer" = [])),
    summary = "Choose the organization the caller lands in after login",
    request_body = OrganizationChoice,
    responses((status = 204, description = "Done"), (status = 401, description = "No valid token"),
        (status = 403, description = "MEMBERSHIP_SUSPENDED or ORGANIZATION_INACTIVE"),
        (status = 404, description = "Not a member of that organization"),
        (status = 422, description = "organization_id missing or not a UUID")))]
async fn set_primary(
    mut caller: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let organization_id = parse_organization_id(&headers, &body)?;
    let mut tx = caller.begin().await?;
    memberships::lock_primary_choice(&mut tx, caller.user_id).await?;
    let memberships = memberships::own(&mut tx, caller.user_id).await?;
    let target = usable_membership(&memberships, organization_id)?;
    if !target.is_primary {
        let old = memberships.iter().find(|m| m.is_primary);
        if let Some(old) = old {
            mark_primary(&mut tx, caller.user_id, old.organization_id, false).await?;
        }
        mark_primary(&mut tx, caller.user_id, organization_id, true).await?;
        tracing::info!(user = %caller.user_id, organization = %organization_id, "primary organization set");
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MembershipStatus, OrgRole, OrgType};
    use axum::http::HeaderValue;
    use chrono::Utc;

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers
    }

    fn problem(result: Result<Uuid, ApiError>) -> (String, String) {
        match result {
            Err(ApiError::Validation(fields)) => {
                assert_eq!(fields.len(), 1);
                (fields[0].field.clone(), fields[0].message.clone())
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn organization_ids_are_read_from_json() {
        let id = Uuid::new_v4();
        let body = format!(r#"{{"organization_id":"{id}","extra":1}}"#);
        assert_eq!(
            parse_organization_id(&json_headers(), body.as_bytes()).unwrap(),
            id
        );
    }

    #[test]
    fn malformed_bodies_name_the_field() {
        let headers = json_headers();
        for (body, expected) in [
            (&b"{}"[..], "organization_id"),
            (br#"{"organization_id":null}"#, "organization_id"),
            (br#"{"organization_id":"not-a-uuid"}"#, "organization_id"),
            (br#"{"organization_id":42}"#, "organization_id"),
            (b"[1]", "body"),
            (b"{nope", "body"),
            (b"", "body"),
        ] {
            let (name, _) = problem(parse_organization_id(&headers, body));
            assert_eq!(name, expected, "{}", String::from_utf8_lossy(body));
        }
        let mut text = HeaderMap::new();
        text.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(problem(parse_organization_id(&text, b"{}")).0, "body");
    }

    #[test]
    fn suspended_and_inactive_memberships_are_refused_and_strangers_are_not_found() {
        let base = OwnMembership {
            organization_id: Uuid::new_v4(),
            org_role: OrgRole::Member,
            status: MembershipStatus::Active,
            is_primary: false,
            joined_at: Utc::now(),
            org_name: "A".into(),
            org_slug: "a".into(),
            org_type: OrgType::Buyer,
            org_is_active: true,
        };
        let suspended = OwnMembership {
            organization_id: Uuid::new_v4(),
            status: MembershipStatus::Suspended,
            ..base.clone()
        };
        let inactive = OwnMembership {
            organization_id: Uuid::new_v4(),
            org_is_active: false,
            ..base.clone()
        };
        let all = vec![base.clone(), suspended.clone(), inactive.clone()];
        assert!(usable_membership(&all, base.organization_id).is_ok());
        assert!(matches!(
            usable_membership(&all, suspended.organization_id),
            Err(ApiError::Rule {
                code: MEMBERSHIP_SUSPENDED,
                ..
            })
        ));
        assert!(matches!(
            usable_membership(&all, inactive.organization_id),
            Err(ApiError::Rule {
                code: ORGANIZATION_INACTIVE,
                ..
            })
        ));
        assert!(matches!(
            usable_membership(&all, Uuid::new_v4()),
            Err(ApiError::NotFound)
        ));
    }
}
