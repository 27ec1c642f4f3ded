//! Login, logout, "who am I", and the [`CurrentUser`] extractor every protected route uses.
//!
//! The router is mounted twice, under `/api/v1/auth` (the platform's API) and `/api/auth`
//! (where the predecessor's clients post their login form), so both kinds of client work.
//!
//! Differences from the predecessor, on purpose (reference §2, §6): an inactive user gets no
//! token at all; unknown e-mail and wrong password answer identically, in about the same
//! time; tokens carry the organization they act in and a `jti` that logout revokes; the role
//! is never taken from the token but re-read on every request; there is no demo backdoor.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::error::{ApiError, FieldError};
use super::extract::{ClientAddress, RequestId};
use super::AppState;
use crate::auth::{password, store, Claims, TokenError};
use crate::db::tenant::{AppPool, AuditEntry, TenantContext, TenantTx};
use crate::domain::email::MAX_EMAIL_CHARS;
use crate::domain::{
    Access, MembershipStatus, OrgPermission, OrgRole, OrgType, Permission, SystemRole,
    ThrottlePolicy,
};

/// The one answer to a bad e-mail *or* a bad password, so neither reveals which accounts exist.
pub const BAD_LOGIN: &str = "Incorrect email or password";
/// The answer to an account that exists, whose password was right, but that is switched off.
pub const DEACTIVATED: &str = "User account is deactivated";
/// The code of every 403 for a permission the caller lacks.
pub const INSUFFICIENT_PERMISSIONS: &str = "INSUFFICIENT_PERMISSIONS";
/// The answer to any missing, malformed, expired, forged or revoked token.
pub const BAD_TOKEN: &str = "Could not validate credentials";

/// Longest password we will hash: argon2 accepts anything, but an attacker's megabyte
/// password should cost us nothing beyond reading it.
const MAX_PASSWORD_CHARS: usize = 1024;

/// `/login`, `/me`, `/logout`; nested under both API prefixes by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(login, me, logout))]
pub struct ApiDoc;

// ---------------------------------------------------------------------------------------
// Login

/// The OAuth2 password form. Other OAuth2 fields (`grant_type`, `scope`, `client_id`,
/// `client_secret`) are ignored.
// Documentation only: [`parse_credentials`] reads the body.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct LoginForm {
    /// The e-mail address (not blank).
    #[schema(min_length = 1, max_length = 255)]
    username: String,
    /// Not blank.
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    password: String,
}

/// The JSON login body (`username` is accepted instead of `email`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct LoginJson {
    /// The e-mail address (not blank).
    #[schema(min_length = 1, max_length = 255)]
    email: String,
    /// Not blank.
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    password: String,
}

/// The credentials of a login request, however they were sent.
#[derive(Debug, PartialEq, Eq)]
struct Credentials {
    email: String,
    password: String,
}

/// Reads the OAuth2 password form (`username`, `password`) or JSON (`{email|username,
/// password}`), decided by the content type. Every problem becomes a 422 naming the field.
fn parse_credentials(headers: &HeaderMap, body: &[u8]) -> Result<Credentials, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if media_type == "application/x-www-form-urlencoded" {
        return parse_form(body);
    }
    if media_type == "application/json" || media_type.ends_with("+json") {
        return parse_json(body);
    }
    Err(ApiError::Validation(vec![field(
        "body",
        "send application/x-www-form-urlencoded (username, password) or application/json (email, password)",
    )]))
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.to_string(),
        message: message.to_string(),
    }
}

fn parse_form(body: &[u8]) -> Result<Credentials, ApiError> {
    let mut username = None;
    let mut password = None;
    // OAuth2 clients may also send grant_type, scope, client_id and client_secret; none of
    // them changes anything here, so they are ignored like the predecessor did.
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "username" => username = Some(value.into_owned()),
            "password" => password = Some(value.into_owned()),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    let username = required_text("username", username, &mut errors);
    let password = required_text("password", password, &mut errors);
    finish(username, password, errors)
}

fn parse_json(body: &[u8]) -> Result<Credentials, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::Validation(vec![field("body", "is not valid JSON")]))?;
    let Value::Object(object) = value else {
        return Err(ApiError::Validation(vec![field(
            "body",
            "must be a JSON object with email and password",
        )]));
    };
    let mut errors = Vec::new();
    // `email` is the platform's name, `username` the OAuth2 one; either is fine.
    let (email_field, email_value) = match (object.get("email"), object.get("username")) {
        (Some(v), _) => ("email", Some(v)),
        (None, Some(v)) => ("username", Some(v)),
        (None, None) => ("email", None),
    };
    let email = json_text(email_field, email_value, &mut errors);
    let password = json_text("password", object.get("password"), &mut errors);
    finish(email, password, errors)
}

fn json_text(name: &str, value: Option<&Value>, errors: &mut Vec<FieldError>) -> Option<String> {
    match value {
        None | Some(Value::Null) => required_text(name, None, errors),
        Some(Value::String(text)) => required_text(name, Some(text.clone()), errors),
        Some(_) => {
            errors.push(field(name, "must be a string"));
            None
        }
    }
}

/// Missing and empty are the same mistake (the predecessor's form handling agreed).
fn required_text(
    name: &str,
    value: Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match value {
        None => {
            errors.push(field(name, "is required"));
            None
        }
        Some(text) if text.trim().is_empty() => {
            errors.push(field(name, "must not be empty"));
            None
        }
        // The e-mail is looked up and the throttle keyed on it; PostgreSQL stores no NUL.
        Some(text) if text.contains('\0') => {
            errors.push(field(name, "must not contain NUL characters"));
            None
        }
        Some(text) if name == "password" && text.chars().count() > MAX_PASSWORD_CHARS => {
            errors.push(field(name, "is too long"));
            None
        }
        // No account has a longer address; refused before it costs a throttle entry.
        Some(text) if name != "password" && text.chars().count() > MAX_EMAIL_CHARS => {
            errors.push(field(name, "is too long"));
            None
        }
        Some(text) => Some(text),
    }
}

fn finish(
    email: Option<String>,
    password: Option<String>,
    errors: Vec<FieldError>,
) -> Result<Credentials, ApiError> {
    match (email, password) {
        (Some(email), Some(password)) if errors.is_empty() => Ok(Credentials { email, password }),
        _ => Err(ApiError::Validation(errors)),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub user: LoginUser,
    pub organization: LoginOrganization,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginUser {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    /// API spelling, lower case (`logistics_agent`).
    pub role: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginOrganization {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    #[serde(rename = "type")]
    pub org_type: &'static str,
}

/// Runs a CPU-heavy password function off the async workers.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("password task failed: {e}")))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    summary = "Log in with e-mail and password (OAuth2 password form or JSON)",
    request_body(content((LoginForm = "application/x-www-form-urlencoded"), (LoginJson = "application/json"))),
    responses((status = 200, body = LoginResponse), (status = 401, description = "Wrong e-mail or password, or deactivated"),
        (status = 403, description = "No active organization membership"),
        (status = 422, description = "A field is missing or empty"),
        (status = 429, description = "Too many attempts; see Retry-After")))]
async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    request_id: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LoginResponse>, ApiError> {
    let Credentials { email, password } = parse_credentials(&headers, &body)?;
    // Every attempt is charged before the password is looked at; a success gives it back.
    let policy = ThrottlePolicy::DEFAULT;
    let keys = policy.keys(&email, address);
    if let Some(retry_after_secs) =
        store::throttle_claim(state.pool.inner(), &keys, policy.window_seconds).await?
    {
        tracing::warn!(account = %keys[0].0, "login throttled");
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    let Some(record) = store::login_lookup(&state.pool, &email).await? else {
        // Same work as a wrong password, so timing does not reveal unknown addresses.
        blocking(move || password::verify_dummy(&password)).await?;
        return Err(ApiError::Unauthorized(BAD_LOGIN));
    };
    let attempt = LoginAudit {
        user_id: record.user_id,
        email: &email,
        address,
        request_id: &request_id,
    };
    let stored = record.hashed_password.clone();
    let (matches, password) = blocking(move || {
        let ok = password::verify(&password, &stored);
        (ok, password)
    })
    .await?;
    if !matches {
        if let Some(organization_id) = record.organization_id {
            let tx = attempt
                .begin(&state, organization_id, "auth.login_failed")
                .await?;
            tx.commit().await?;
        }
        return Err(ApiError::Unauthorized(BAD_LOGIN));
    }
    let (account_key, other_keys) = keys.split_first().expect("the account key comes first");
    let other_keys: Vec<String> = other_keys.iter().map(|(key, _)| key.clone()).collect();
    store::throttle_release(&state.pool, &account_key.0, &other_keys).await?;
    // Checked before any token exists (the predecessor issued tokens to inactive users and
    // refused them only on the next request). After the password check, so this answer
    // tells nothing to someone who does not know the password.
    if !record.is_active {
        return Err(ApiError::Unauthorized(DEACTIVATED));
    }
    let role = SystemRole::from_db_label(&record.role)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("user {}: {e}", record.user_id)))?;
    let organization_id = record.organization_id.ok_or_else(|| {
        ApiError::Forbidden("The account has no active organization membership".to_string())
    })?;
    let membership = store::user_membership(state.pool.inner(), record.user_id, organization_id)
        .await?
        .ok_or_else(|| {
            ApiError::Forbidden("The account has no active organization membership".to_string())
        })?;
    let org_type = OrgType::parse(&membership.org_type)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;

    if password::needs_rehash(&record.hashed_password) {
        upgrade_hash(
            &state,
            record.user_id,
            record.hashed_password.clone(),
            password,
        )
        .await;
    }
    store::record_login(&state.pool, record.user_id).await?;

    let (token, claims) = state
        .tokens
        .issue(record.user_id, organization_id)
        .map_err(ApiError::Internal)?;
    let mut tx = attempt.begin(&state, organization_id, "auth.login").await?;
    let user = read_user(tx.conn(), record.user_id).await?;
    tx.commit().await?;
    tracing::info!(user = %record.user_id, organization = %organization_id, "login");
    Ok(Json(LoginResponse {
        access_token: token,
        token_type: "bearer",
        expires_in: claims.exp - claims.iat,
        user: LoginUser {
            id: record.user_id,
            email: user.email,
            full_name: user.full_name,
            role: role.as_str(),
        },
        organization: LoginOrganization {
            id: organization_id,
            name: membership.org_name,
            slug: membership.org_slug,
            org_type: org_type.as_str(),
        },
    }))
}

/// Replaces a bcrypt (or outdated argon2) hash with a fresh argon2id one. A failure is only
/// logged: the user is authenticated either way, and the next login tries again.
async fn upgrade_hash(state: &AppState, user_id: Uuid, old_hash: String, password: String) {
    let new_hash = match blocking(move || password::hash(&password)).await {
        Ok(Ok(hash)) => hash,
        Ok(Err(e)) => {
            tracing::warn!(user = %user_id, error = %e, "could not rehash the password");
            return;
        }
        Err(e) => {
            tracing::warn!(user = %user_id, error = %e, "could not rehash the password");
            return;
        }
    };
    match store::set_password_hash(&state.pool, user_id, &old_hash, &new_hash).await {
        Ok(true) => tracing::info!(user = %user_id, "password hash upgraded to argon2id"),
        // Someone changed the password meanwhile; theirs wins.
        Ok(false) => {}
        Err(e) => tracing::warn!(user = %user_id, error = %e, "could not store the new hash"),
    }
}

/// A sign-in attempt on a known account, for the audit log of the account's organization
/// (the predecessor audited no login at all). Unknown e-mails are not recorded: they belong
/// to no organization.
struct LoginAudit<'a> {
    user_id: Uuid,
    email: &'a str,
    address: Option<std::net::IpAddr>,
    request_id: &'a RequestId,
}

impl LoginAudit<'_> {
    /// A transaction in `organization_id` (the account's) with `action` (`auth.login`,
    /// `auth.login_failed`) already written in it.
    async fn begin(
        &self,
        state: &AppState,
        organization_id: Uuid,
        action: &str,
    ) -> Result<TenantTx, ApiError> {
        let context = TenantContext {
            organization_id,
            user_id: Some(self.user_id),
        };
        let mut tx = TenantTx::begin(&state.pool, context).await?;
        tx.audit(AuditEntry {
            action,
            resource_type: "user",
            resource_id: Some(self.user_id.to_string()),
            actor: Some(self.email),
            request_id: self.request_id.as_deref(),
            details: serde_json::json!({
                "client": self.address.map(|address| address.to_string()),
            }),
        })
        .await?;
        Ok(tx)
    }
}

// ---------------------------------------------------------------------------------------
// The authenticated caller

/// The caller of a protected route: a valid, unrevoked token of an active user with an
/// active membership in the token's (active) organization. Rejects with 401 otherwise.
///
/// The token is checked inside the caller's tenant transaction, which the handler then
/// continues with [`CurrentUser::begin`]: one pooled connection per request, and the check
/// costs one round trip. Handlers needing another context ([`CurrentUser::begin_in`],
/// [`CurrentUser::begin_platform`]) or none ([`CurrentUser::release`]) give it back first,
/// so a request never holds two connections (which, with the pool exhausted, would wait on
/// each other).
#[derive(Debug)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub role: SystemRole,
    pub organization_id: Uuid,
    pub org_role: OrgRole,
    pub org_type: OrgType,
    /// The context to open this caller's [`TenantTx`] with.
    pub tenant: TenantContext,
    /// The token's claims (logout needs `jti` and `exp`).
    pub claims: Claims,
    /// The transaction the token was checked in, until the handler takes it.
    checked: Option<TenantTx>,
    pool: AppPool,
}

impl CurrentUser {
    /// The caller's tenant transaction: the one the token was checked in, or (when that was
    /// taken already) a new one.
    pub async fn begin(&mut self) -> Result<TenantTx, sqlx::Error> {
        match self.checked.take() {
            Some(tx) => Ok(tx),
            None => TenantTx::begin(&self.pool, self.tenant).await,
        }
    }

    /// A transaction in another context (the checked one is rolled back first).
    pub async fn begin_in(&mut self, context: TenantContext) -> Result<TenantTx, sqlx::Error> {
        self.release();
        TenantTx::begin(&self.pool, context).await
    }

    /// The audited platform path (see [`TenantTx::begin_platform`]).
    pub async fn begin_platform(
        &mut self,
        context: TenantContext,
        actor: &str,
        reason: &str,
    ) -> Result<TenantTx, sqlx::Error> {
        self.release();
        TenantTx::begin_platform(&self.pool, context, actor, reason).await
    }

    /// Gives the checked transaction's connection back to the pool (rolled back): before
    /// slow work, or work on the pool itself.
    pub fn release(&mut self) {
        self.checked = None;
    }

    /// What this caller may do in the token's organization (the membership is active:
    /// the extractor refuses every other).
    pub fn access(&self) -> Access {
        Access::new(
            self.role,
            self.org_role,
            self.org_type,
            MembershipStatus::Active,
        )
    }

    /// 403 `INSUFFICIENT_PERMISSIONS` unless the caller holds `permission` here.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.access().allows(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                INSUFFICIENT_PERMISSIONS,
                format!("Missing permission {}", permission.as_str()),
            ))
        }
    }

    /// 403 `INSUFFICIENT_PERMISSIONS` unless the caller holds `permission` in the
    /// organization's own matrix (members, invitations, settings).
    pub fn require_org(&self, permission: OrgPermission) -> Result<(), ApiError> {
        if self.access().allows_org(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                INSUFFICIENT_PERMISSIONS,
                format!("Missing organization permission {}", permission.as_str()),
            ))
        }
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts).ok_or(ApiError::Unauthorized(BAD_TOKEN))?;
        let claims = state.tokens.decode(token).map_err(|e| {
            if e == TokenError::Expired {
                tracing::debug!("expired token");
            }
            ApiError::Unauthorized(BAD_TOKEN)
        })?;
        // This runs on every request: the tenant transaction the handler continues (one
        // round trip), then revocation and membership in one more.
        let tenant = TenantContext {
            organization_id: claims.org,
            user_id: Some(claims.sub),
        };
        let mut tx = TenantTx::begin(&state.pool, tenant).await?;
        let membership = store::token_session(tx.conn(), &claims)
            .await?
            .ok_or(ApiError::Unauthorized(BAD_TOKEN))?;
        if !membership.user_is_active {
            return Err(ApiError::Unauthorized(DEACTIVATED));
        }
        let status = MembershipStatus::parse(&membership.status)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
        if status != MembershipStatus::Active || !membership.org_is_active {
            return Err(ApiError::Unauthorized(BAD_TOKEN));
        }
        let internal = |e: crate::domain::UnknownLabel| ApiError::Internal(anyhow::anyhow!("{e}"));
        Ok(CurrentUser {
            user_id: claims.sub,
            role: SystemRole::from_db_label(&membership.user_role).map_err(internal)?,
            organization_id: claims.org,
            org_role: OrgRole::parse(&membership.org_role).map_err(internal)?,
            org_type: OrgType::parse(&membership.org_type).map_err(internal)?,
            tenant,
            claims,
            checked: Some(tx),
            pool: state.pool.clone(),
        })
    }
}

// ---------------------------------------------------------------------------------------
// /me and /logout

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: &'static str,
    pub is_active: bool,
    pub organization_id: Uuid,
}

/// The caller's own user row.
pub(super) struct UserRow {
    pub email: String,
    pub full_name: String,
    /// The database label (`ADMIN`, …).
    pub role: String,
    pub is_active: bool,
}

/// Reads the caller's own row inside their tenant transaction (revision 008 lets a user read
/// it whatever organization they act in); 401 when the account is gone since the token check.
pub(super) async fn read_user(conn: &mut PgConnection, user_id: Uuid) -> Result<UserRow, ApiError> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT email::text AS email, full_name::text AS full_name, role::text AS role, is_active \
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    // A token whose user vanished between the check and this read is simply no longer valid.
    let row = row.ok_or(ApiError::Unauthorized(BAD_TOKEN))?;
    Ok(UserRow {
        email: row.try_get("email")?,
        full_name: row.try_get("full_name")?,
        role: row.try_get("role")?,
        is_active: row.try_get("is_active")?,
    })
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    summary = "The caller",
    responses((status = 200, body = MeResponse), (status = 401, description = "No valid token")))]
async fn me(mut user: CurrentUser) -> Result<Json<MeResponse>, ApiError> {
    let mut tx = user.begin().await?;
    let row = read_user(tx.conn(), user.user_id).await?;
    tx.commit().await?;
    let role = SystemRole::from_db_label(&row.role)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(Json(MeResponse {
        id: user.user_id,
        email: row.email,
        full_name: row.full_name,
        role: role.as_str(),
        is_active: row.is_active,
        organization_id: user.organization_id,
    }))
}

/// Revokes the presented token; it answers 401 from then on. Other tokens of the same user
/// (other devices) stay valid.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    summary = "Revoke the presented token",
    responses((status = 204, description = "Revoked"), (status = 401, description = "No valid token")))]
async fn logout(mut user: CurrentUser) -> Result<StatusCode, ApiError> {
    let mut tx = user.begin().await?;
    store::revoke_token(tx.conn(), user.claims.jti, user.claims.expires_at()).await?;
    tx.commit().await?;
    tracing::info!(user = %user.user_id, "logout");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        headers
    }

    fn fields(result: Result<Credentials, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Validation(fields)) => fields.into_iter().map(|f| f.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_oauth2_form_and_both_json_spellings_are_read() {
        let expected = Credentials {
            email: "a@b.de".into(),
            password: "pw x".into(),
        };
        let form = parse_credentials(
            &headers("application/x-www-form-urlencoded; charset=UTF-8"),
            b"grant_type=password&username=a%40b.de&password=pw+x",
        );
        assert_eq!(form.unwrap(), expected);
        for body in [
            r#"{"email":"a@b.de","password":"pw x"}"#,
            r#"{"username":"a@b.de","password":"pw x"}"#,
        ] {
            let json = parse_credentials(&headers("application/json"), body.as_bytes());
            assert_eq!(json.unwrap(), expected);
        }
    }

    #[test]
    fn malformed_bodies_name_the_field() {
        let json = headers("application/json");
        let form = headers("application/x-www-form-urlencoded");
        assert_eq!(
            fields(parse_credentials(&json, br#"{"email":"a@b.de"}"#)),
            ["password"]
        );
        assert_eq!(
            fields(parse_credentials(&json, b"{}")),
            ["email", "password"]
        );
        assert_eq!(
            fields(parse_credentials(&json, br#"{"email":5,"password":true}"#)),
            ["email", "password"]
        );
        assert_eq!(fields(parse_credentials(&json, b"[1]")), ["body"]);
        assert_eq!(fields(parse_credentials(&json, b"{not json")), ["body"]);
        assert_eq!(
            fields(parse_credentials(&form, b"username=a%40b.de&password=")),
            ["password"]
        );
        assert_eq!(
            fields(parse_credentials(&form, b"")),
            ["username", "password"]
        );
        assert_eq!(
            fields(parse_credentials(&headers("text/plain"), b"x")),
            ["body"]
        );
    }
}
