//! The database side of sign-in and sessions: calls of the SECURITY DEFINER functions of
//! revisions 008, 010 and 016.
//!
//! Most run on the application pool *without* a tenant context — that is their point: at
//! login and when a token is checked the organization is not known (or not trusted) yet, and
//! row-level security would hide `users` and `org_memberships`. Those that belong to a
//! request's own work take its [`TenantTx`], so a request never holds two connections. Each
//! function returns only what its caller needs.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Row};
use uuid::Uuid;

use super::tenant::{AppPool, TenantTx};

/// What a login needs to know about the account behind an e-mail address.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub user_id: Uuid,
    pub hashed_password: String,
    pub is_active: bool,
    /// The database label (`ADMIN`, …).
    pub role: String,
    /// The organization the user lands in; `None` without an active membership.
    pub organization_id: Option<Uuid>,
}

pub async fn login_lookup(pool: &AppPool, email: &str) -> Result<Option<LoginRecord>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT user_id, hashed_password, is_active, role, organization_id FROM app.login_lookup($1)",
    )
    .bind(email)
    .fetch_optional(pool.inner())
    .await?;
    row.map(|row| {
        Ok(LoginRecord {
            user_id: row.try_get("user_id")?,
            hashed_password: row.try_get("hashed_password")?,
            is_active: row.try_get("is_active")?,
            role: row.try_get("role")?,
            organization_id: row.try_get("organization_id")?,
        })
    })
    .transpose()
}

/// The bcrypt cost of the predecessor's hashes still stored (the highest, if they differ),
/// or `None` once every account has moved to argon2id (see
/// [`crate::auth::password::DummyHashes`]). Read at start-up by the server's owner
/// connection: the application role cannot see every account.
pub async fn legacy_bcrypt_cost<'e>(
    executor: impl PgExecutor<'e>,
) -> Result<Option<u32>, sqlx::Error> {
    let cost: Option<i32> = sqlx::query_scalar(
        "SELECT max(substring(hashed_password from 5 for 2)::int) FROM users \
          WHERE hashed_password ~ '^\\$2[aby]\\$[0-9]{2}\\$'",
    )
    .fetch_one(executor)
    .await?;
    Ok(cost.and_then(|cost| u32::try_from(cost).ok()))
}

/// Replaces the hash only if it is still `expected_old`; false when someone changed it first.
pub async fn set_password_hash(
    pool: &AppPool,
    user_id: Uuid,
    expected_old: &str,
    new_hash: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT app.set_password_hash($1, $2, $3)")
        .bind(user_id)
        .bind(expected_old)
        .bind(new_hash)
        .fetch_one(pool.inner())
        .await
}

pub async fn record_login(pool: &AppPool, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT app.record_login($1)")
        .bind(user_id)
        .execute(pool.inner())
        .await?;
    Ok(())
}

/// A user's membership in one organization, with the facts a request is authorized on.
#[derive(Debug, Clone)]
pub struct Membership {
    pub org_role: String,
    pub status: String,
    pub org_type: String,
    pub org_name: String,
    pub org_slug: String,
    pub org_is_active: bool,
    pub user_is_active: bool,
    /// The user's system role, database label.
    pub user_role: String,
}

pub async fn user_membership(
    pool: &AppPool,
    user_id: Uuid,
    organization_id: Uuid,
) -> Result<Option<Membership>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM app.user_membership($1, $2)"
    ))
    .bind(user_id)
    .bind(organization_id)
    .fetch_optional(pool.inner())
    .await?;
    row.map(|row| membership_of(&row)).transpose()
}

/// What a bearer token is checked against on every request, in one round trip on the
/// request's own transaction: the membership its claims name, unless the token (`jti`) is
/// revoked. `None` for a revoked token and for a membership that does not exist alike.
/// Also `None` for a token issued before the account's sessions were ended
/// ([`revoke_user_tokens`]). (Revision 016's PL/pgSQL function, whose plans stay cached per
/// connection.)
pub async fn token_session(
    tx: &mut TenantTx,
    claims: &crate::auth::Claims,
) -> Result<Option<Membership>, sqlx::Error> {
    let issued_at = DateTime::from_timestamp(claims.iat, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let row = sqlx::query(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM app.token_session($1, $2, $3, $4)"
    ))
    .bind(claims.sub)
    .bind(claims.org)
    .bind(claims.jti)
    .bind(issued_at)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|row| membership_of(&row)).transpose()
}

const MEMBERSHIP_COLUMNS: &str =
    "org_role, status, org_type, org_name, org_slug, org_is_active, user_is_active, user_role";

fn membership_of(row: &sqlx::postgres::PgRow) -> Result<Membership, sqlx::Error> {
    Ok(Membership {
        org_role: row.try_get("org_role")?,
        status: row.try_get("status")?,
        org_type: row.try_get("org_type")?,
        org_name: row.try_get("org_name")?,
        org_slug: row.try_get("org_slug")?,
        org_is_active: row.try_get("org_is_active")?,
        user_is_active: row.try_get("user_is_active")?,
        user_role: row.try_get("user_role")?,
    })
}

/// Ends every session of the account: tokens issued before this second are refused from
/// now on (password change, admin reset, deactivation). In the caller's transaction, so it
/// takes effect exactly when the change commits.
pub async fn revoke_user_tokens(tx: &mut TenantTx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT app.revoke_user_tokens($1)")
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Revokes one token (logout), in the request's transaction.
pub async fn revoke_token(
    tx: &mut TenantTx,
    jti: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT app.revoke_token($1, $2)")
        .bind(jti)
        .bind(expires_at)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Claims one attempt on each `(key, limit)` (revision 010), on a pool connection of its
/// own (the caller holds none). `Some(seconds)` to wait when any key is over its limit (the
/// attempt is then not counted), else `None`.
pub async fn throttle_claim(
    pool: &AppPool,
    keys: &[(String, u32)],
    window_seconds: u32,
) -> Result<Option<u64>, sqlx::Error> {
    claim_on(pool.inner(), keys, window_seconds).await
}

/// [`throttle_claim`] inside the request's transaction: counted only if it commits (an
/// invitation that is not created costs nothing), and no second connection.
pub async fn throttle_claim_in(
    tx: &mut TenantTx,
    keys: &[(String, u32)],
    window_seconds: u32,
) -> Result<Option<u64>, sqlx::Error> {
    claim_on(tx.conn(), keys, window_seconds).await
}

async fn claim_on<'e>(
    executor: impl PgExecutor<'e>,
    keys: &[(String, u32)],
    window_seconds: u32,
) -> Result<Option<u64>, sqlx::Error> {
    let names: Vec<&str> = keys.iter().map(|(key, _)| key.as_str()).collect();
    let limits: Vec<i32> = keys
        .iter()
        .map(|(_, limit)| i32::try_from(*limit).unwrap_or(i32::MAX))
        .collect();
    let wait: i32 = sqlx::query_scalar("SELECT app.login_throttle_claim($1, $2, $3)")
        .bind(&names)
        .bind(&limits)
        .bind(i32::try_from(window_seconds).unwrap_or(i32::MAX))
        .fetch_one(executor)
        .await?;
    Ok((wait > 0).then(|| u64::try_from(wait).unwrap_or(1)))
}

/// Gives a successful login's claims back: `reset` restarts, `give_back` return one each.
pub async fn throttle_release(
    pool: &AppPool,
    reset: &str,
    give_back: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT app.login_throttle_release($1, $2)")
        .bind(reset)
        .bind(give_back)
        .execute(pool.inner())
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Browser sessions (revision 023)

/// A browser session as stored: the cookie holds a secret whose SHA-256 names the row.
#[derive(Debug, Clone)]
pub struct WebSession {
    /// Checked as the `jti` of a token (logout of that one session).
    pub id: Uuid,
    pub user_id: Uuid,
    /// The organization the session acts in now (the switcher moves it).
    pub organization_id: Uuid,
    /// Whole seconds: checked as the `iat` of a token (sessions ended by a password change).
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Opens a session of `user_id` in `organization_id` for `lifetime`; the expiry it got.
pub async fn open_web_session(
    pool: &AppPool,
    id: Uuid,
    secret_hash: &[u8],
    user_id: Uuid,
    organization_id: Uuid,
    lifetime: chrono::Duration,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar("SELECT app.web_session_open($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(secret_hash)
        .bind(user_id)
        .bind(organization_id)
        .bind(sqlx::postgres::types::PgInterval::try_from(lifetime).map_err(sqlx::Error::Encode)?)
        .fetch_one(pool.inner())
        .await
}

/// The unexpired session whose secret hashes to `secret_hash`.
pub async fn web_session(
    pool: &AppPool,
    secret_hash: &[u8],
) -> Result<Option<WebSession>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, user_id, organization_id, created_at, expires_at FROM app.web_session($1)",
    )
    .bind(secret_hash)
    .fetch_optional(pool.inner())
    .await?;
    row.map(|row| {
        Ok(WebSession {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            organization_id: row.try_get("organization_id")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Moves the session to another organization; false when it ended meanwhile.
pub async fn switch_web_session(
    tx: &mut TenantTx,
    secret_hash: &[u8],
    organization_id: Uuid,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT app.web_session_switch($1, $2)")
        .bind(secret_hash)
        .bind(organization_id)
        .fetch_one(tx.conn())
        .await
}

/// Ends the session (sign-out).
pub async fn end_web_session(pool: &AppPool, secret_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT app.web_session_end($1)")
        .bind(secret_hash)
        .execute(pool.inner())
        .await?;
    Ok(())
}

/// What the web pages' header shows of the signed-in person, read in one statement.
#[derive(Debug, Clone)]
pub struct PageHeader {
    pub full_name: String,
    pub email: String,
    pub unread: i64,
    /// Organizations the person can act in (active membership, active organization), in
    /// name order: the switcher's choices.
    pub organizations: Vec<(Uuid, String)>,
}

/// The header of `user_id`'s pages: the account, the unread count of its inbox (the same
/// rule as [`super::notifications::unread_count`]) and its usable organizations (as
/// [`super::memberships::own`] reads them). `None` when the account is not visible.
pub async fn page_header(
    tx: &mut TenantTx,
    user_id: Uuid,
) -> Result<Option<PageHeader>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT u.full_name::text AS full_name, u.email::text AS email, \
                (SELECT count(*) FROM notifications WHERE {mine} AND NOT read) AS unread, \
                coalesce(array_agg(o.id ORDER BY o.name, o.id) FILTER (WHERE o.id IS NOT NULL), '{{}}') AS org_ids, \
                coalesce(array_agg(o.name::text ORDER BY o.name, o.id) FILTER (WHERE o.id IS NOT NULL), '{{}}') AS org_names \
           FROM users u \
           LEFT JOIN org_memberships m ON m.user_id = u.id AND m.status = 'active' \
           LEFT JOIN organizations o ON o.id = m.organization_id AND o.is_active \
          WHERE u.id = $1 \
          GROUP BY u.id",
        mine = super::notifications::MINE
    ))
    .bind(user_id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|row| {
        let ids: Vec<Uuid> = row.try_get("org_ids")?;
        let names: Vec<String> = row.try_get("org_names")?;
        Ok(PageHeader {
            full_name: row.try_get("full_name")?,
            email: row.try_get("email")?,
            unread: row.try_get("unread")?,
            organizations: ids.into_iter().zip(names).collect(),
        })
    })
    .transpose()
}
