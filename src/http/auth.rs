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

use uuid::Uuid;

use super::error::{ApiError, FieldError};
use super::extract::{ClientAddress, RequestId};
use super::AppState;
use crate::auth::{password, Claims, TokenError};
use crate::db::sessions;
use crate::db::tenant::{AppPool, AuditEntry, TenantContext, TenantTx};
use crate::db::users::{self, UserRow};
use crate::domain::email::MAX_EMAIL_CHARS;
use crate::domain::organization::PLATFORM_ORGANIZATION_ID;
use crate::domain::text::{self, TextError};
use crate::domain::throttle::account_key;
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

/// Longest password a login reads: far above the 128 characters a password can be chosen
/// with (and the predecessor's limit), so every stored password still signs in, while an
/// attacker's megabyte password costs nothing beyond reading it.
pub const MAX_LOGIN_PASSWORD_CHARS: usize = 1024;

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
    #[schema(min_length = 1, max_length = 254)]
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
    #[schema(min_length = 1, max_length = 254)]
    email: String,
    /// Not blank.
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    password: String,
}

/// The credentials of a login request, however they were sent.
#[derive(Debug, PartialEq, Eq)]
pub struct Credentials {
    pub email: String,
    pub password: String,
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

pub(crate) fn parse_form(body: &[u8]) -> Result<Credentials, ApiError> {
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

/// Missing and empty are the same mistake (the predecessor's form handling agreed). Both
/// fields are bounded before anything looks them up or hashes them: the e-mail like every
/// address ([`MAX_EMAIL_CHARS`], no NUL: it becomes a lookup parameter and a throttle key),
/// the password by [`MAX_LOGIN_PASSWORD_CHARS`] (it only ever reaches the hash).
fn required_text(
    name: &str,
    value: Option<String>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let Some(text) = value else {
        errors.push(field(name, "is required"));
        return None;
    };
    if text.trim().is_empty() {
        errors.push(field(name, "must not be empty"));
        return None;
    }
    let checked = if name == "password" {
        match text.chars().nth(MAX_LOGIN_PASSWORD_CHARS) {
            Some(_) => Err(TextError::TooLong {
                max: MAX_LOGIN_PASSWORD_CHARS,
            }),
            None => Ok(()),
        }
    } else {
        text::bounded(text.trim(), MAX_EMAIL_CHARS).map(|_| ())
    };
    match checked {
        Ok(()) => Some(text),
        Err(error) => {
            errors.push(field(name, &error.to_string()));
            None
        }
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

/// Runs a CPU-heavy password function off the async workers, at most one per core at a
/// time ([`password::run_limited`]). Never await it while holding a database connection
/// (a checked [`CurrentUser`] transaction included: `release` it first).
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    password::run_limited(work)
        .await
        .map_err(ApiError::Internal)
}

/// A password check charged to the login throttle (sign-in and password change share the
/// counters: guessing a password through either is the same attack). Every attempt is charged
/// before the password is looked at; a success gives it back.
pub(super) struct PasswordAttempt {
    keys: Vec<(String, u32)>,
}

impl PasswordAttempt {
    /// Charges the attempt, or 429 with `Retry-After` when a counter is spent. Uses a pool
    /// connection of its own: the caller holds none meanwhile.
    pub(super) async fn claim(
        pool: &AppPool,
        email: &str,
        address: Option<std::net::IpAddr>,
    ) -> Result<Self, ApiError> {
        let policy = ThrottlePolicy::DEFAULT;
        let keys = policy.keys(email, address);
        if let Some(retry_after_secs) =
            sessions::throttle_claim(pool, &keys, policy.window_seconds).await?
        {
            tracing::warn!(account = %account_key(email), client = ?address, "password attempts throttled");
            return Err(ApiError::TooManyRequests { retry_after_secs });
        }
        Ok(Self { keys })
    }

    /// The right password: the pair restarts; the account's ceiling and the address get
    /// this attempt back (a success must not wipe out the failures of someone guessing from
    /// elsewhere).
    pub(super) async fn succeeded(self, pool: &AppPool) -> Result<(), ApiError> {
        let (pair_key, other_keys) = self.keys.split_first().expect("the pair key comes first");
        let other_keys: Vec<String> = other_keys.iter().map(|(key, _)| key.clone()).collect();
        sessions::throttle_release(pool, &pair_key.0, &other_keys).await?;
        Ok(())
    }
}

/// Hashes a new password (argon2id) behind the per-core limit. Callers hold no database
/// connection meanwhile (`CurrentUser::release` first).
pub(super) async fn hash_password(plain: String) -> Result<String, ApiError> {
    blocking(move || password::hash(&plain))
        .await?
        .map_err(ApiError::Internal)
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    summary = "Log in with e-mail and password (OAuth2 password form or JSON)",
    request_body(content((LoginForm = "application/x-www-form-urlencoded"), (LoginJson = "application/json"))),
    responses((status = 200, body = LoginResponse), (status = 401, description = "Wrong e-mail or password, or deactivated"),
        (status = 403, description = "No active organization membership"),
        (status = 422, description = "A field is missing, empty or too long (e-mail 254, password 1024 characters)"),
        (status = 429, description = "Too many attempts; see Retry-After")))]
async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    request_id: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LoginResponse>, ApiError> {
    let credentials = parse_credentials(&headers, &body)?;
    let signed_in = sign_in(&state, credentials, address, &request_id).await?;
    let (token, claims) = state
        .tokens
        .issue(signed_in.user.id, signed_in.organization.id)
        .map_err(ApiError::Internal)?;
    Ok(Json(LoginResponse {
        access_token: token,
        token_type: "bearer",
        expires_in: claims.exp - claims.iat,
        user: signed_in.user,
        organization: signed_in.organization,
    }))
}

/// Who signed in, and the organization they act in.
pub struct SignedIn {
    pub user: LoginUser,
    pub organization: LoginOrganization,
}

/// A sign-in, whatever carries it (the API's login route, the web UI's sign-in form): the
/// throttle, the password check that costs the same for unknown accounts, the audit rows,
/// the hash upgrade. The caller then issues a token or opens a browser session.
pub async fn sign_in(
    state: &AppState,
    Credentials { email, password }: Credentials,
    address: Option<std::net::IpAddr>,
    request_id: &RequestId,
) -> Result<SignedIn, ApiError> {
    let throttled = PasswordAttempt::claim(&state.pool, &email, address).await?;
    // From here a failure must look the same whether or not the account exists: the same
    // password work (see `password::verify_login`) and the same audit statements.
    let record = sessions::login_lookup(&state.pool, &email).await?;
    let stored = record.as_ref().map(|r| r.hashed_password.clone());
    let dummies = state.dummy_hashes.clone();
    let (check, password) = blocking(move || {
        let check = password::verify_login(&password, stored.as_deref(), &dummies);
        (check, password)
    })
    .await?;
    let attempt = LoginAudit {
        user_id: record.as_ref().map(|r| r.user_id),
        email: &email,
        address,
        request_id,
    };
    let record = match record {
        Some(record) if check.matches => record,
        other => {
            tracing::debug!(computed = ?check.computed, "login failed");
            // Unknown e-mails and accounts without an organization are recorded in the
            // platform organization's log, in the same statements as any other failure.
            let organization_id = other
                .and_then(|r| r.organization_id)
                .unwrap_or(PLATFORM_ORGANIZATION_ID);
            let tx = attempt
                .begin(state, organization_id, "auth.login_failed")
                .await?;
            tx.commit().await?;
            return Err(ApiError::Unauthorized(BAD_LOGIN));
        }
    };
    throttled.succeeded(&state.pool).await?;
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
    let membership = sessions::user_membership(&state.pool, record.user_id, organization_id)
        .await?
        .ok_or_else(|| {
            ApiError::Forbidden("The account has no active organization membership".to_string())
        })?;
    let org_type = OrgType::parse(&membership.org_type)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;

    if password::needs_rehash(&record.hashed_password) {
        upgrade_hash(
            state,
            record.user_id,
            record.hashed_password.clone(),
            password,
        )
        .await;
    }
    sessions::record_login(&state.pool, record.user_id).await?;

    let mut tx = attempt.begin(state, organization_id, "auth.login").await?;
    let user = read_user(&mut tx, record.user_id).await?;
    tx.commit().await?;
    tracing::info!(user = %record.user_id, organization = %organization_id, "login");
    Ok(SignedIn {
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
    })
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
    match sessions::set_password_hash(&state.pool, user_id, &old_hash, &new_hash).await {
        Ok(true) => tracing::info!(user = %user_id, "password hash upgraded to argon2id"),
        // Someone changed the password meanwhile; theirs wins.
        Ok(false) => {}
        Err(e) => tracing::warn!(user = %user_id, error = %e, "could not store the new hash"),
    }
}

/// A sign-in attempt, for the audit log of the account's organization (the predecessor
/// audited no login at all); an unknown e-mail's failure goes to the platform organization.
struct LoginAudit<'a> {
    /// `None` for an e-mail that belongs to no account.
    user_id: Option<Uuid>,
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
            user_id: self.user_id,
        };
        let mut tx = TenantTx::begin(&state.pool, context).await?;
        tx.audit(AuditEntry {
            action,
            resource_type: "user",
            resource_id: self.user_id.map(|id| id.to_string()),
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

    /// Hands back a transaction of this caller's own context, for the next
    /// [`CurrentUser::begin`] to continue (a web page reads its header in the transaction
    /// the session was checked in, and the page's first operation goes on in it).
    pub fn continue_in(mut self, tx: TenantTx) -> CurrentUser {
        debug_assert_eq!(tx.context(), self.tenant);
        self.checked = Some(tx);
        self
    }

    /// The same checked caller for one more operation of this request (a web page shows
    /// several API answers: each runs as its own handler, in a transaction of its own).
    pub fn fork(&self) -> CurrentUser {
        CurrentUser {
            user_id: self.user_id,
            role: self.role,
            organization_id: self.organization_id,
            org_role: self.org_role,
            org_type: self.org_type,
            tenant: self.tenant,
            claims: self.claims.clone(),
            checked: None,
            pool: self.pool.clone(),
        }
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
        CurrentUser::check(state, claims).await
    }
}

impl CurrentUser {
    /// Checks decoded `claims` against the database (revocation, account, membership and
    /// organization all still active): the extractor's work after the signature, and a
    /// long-lived stream's periodic re-check.
    pub async fn check(state: &AppState, claims: Claims) -> Result<Self, ApiError> {
        // This runs on every request: the tenant transaction the handler continues (one
        // round trip), then revocation and membership in one more.
        let tenant = TenantContext {
            organization_id: claims.org,
            user_id: Some(claims.sub),
        };
        let mut tx = TenantTx::begin(&state.pool, tenant).await?;
        let membership = sessions::token_session(&mut tx, &claims)
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

/// Reads the caller's own row inside their tenant transaction (revision 008 lets a user read
/// it whatever organization they act in); 401 when the account is gone since the token check.
pub(crate) async fn read_user(tx: &mut TenantTx, user_id: Uuid) -> Result<UserRow, ApiError> {
    users::own(tx, user_id)
        .await?
        .ok_or(ApiError::Unauthorized(BAD_TOKEN))
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    summary = "The caller",
    responses((status = 200, body = MeResponse), (status = 401, description = "No valid token")))]
async fn me(mut user: CurrentUser) -> Result<Json<MeResponse>, ApiError> {
    let mut tx = user.begin().await?;
    let row = read_user(&mut tx, user.user_id).await?;
    tx.commit().await?;
    let role = row.role;
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
    sessions::revoke_token(&mut tx, user.claims.jti, user.claims.expires_at()).await?;
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
    fn e_mail_and_password_lengths_are_bounded_inclusively() {
        let json = headers("application/json");
        let body = |email: &str, password: &str| {
            serde_json::json!({"email": email, "password": password}).to_string()
        };
        let email_at = format!("{}@b.de", "a".repeat(MAX_EMAIL_CHARS - 5));
        let password_at = "p".repeat(MAX_LOGIN_PASSWORD_CHARS);
        assert!(parse_credentials(&json, body(&email_at, &password_at).as_bytes()).is_ok());
        // Surrounding spaces are not part of the address.
        assert!(parse_credentials(&json, body(&format!(" {email_at} "), "x").as_bytes()).is_ok());
        assert_eq!(
            fields(parse_credentials(
                &json,
                body(&format!("a{email_at}"), &format!("{password_at}p")).as_bytes()
            )),
            ["email", "password"]
        );
        assert_eq!(
            fields(parse_credentials(&json, body("a\0@b.de", "x").as_bytes())),
            ["email"]
        );
        let form = headers("application/x-www-form-urlencoded");
        let huge = format!("username={}&password=x", "a".repeat(1_500_000));
        assert_eq!(
            fields(parse_credentials(&form, huge.as_bytes())),
            ["username"]
        );
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
