//! User accounts as the acting organization sees them (the Users API's queries).
//!
//! "The users of an organization" are the users with a membership in it, whatever
//! organization their `users` row is homed in (revision 005 homed buyer-organization members in
//! VIBOTAJ). Revision 009 lets an organization read its members' rows; every query here also
//! filters on the membership, so users merely homed in the organization do not show. The
//! platform path ([`Scope::Platform`]) sees every account.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

use super::sessions;
use super::tenant::TenantTx;
use super::undecodable;
use crate::domain::{contains_pattern, Email, OrgRole, SystemRole};

/// Which accounts a query may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The members of this organization (the caller's current one).
    Members(Uuid),
    /// Every account (the audited platform path).
    Platform,
}

impl Scope {
    fn organization(self) -> Option<Uuid> {
        match self {
            Scope::Members(id) => Some(id),
            Scope::Platform => None,
        }
    }
}

/// One account as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: SystemRole,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub last_login: Option<DateTime<Utc>>,
}

/// An account with what the authority rules look at (see [`crate::domain::user_admin`]).
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub user: UserRow,
    /// Its membership role in the transaction's organization.
    pub org_role: Option<OrgRole>,
    /// A membership in another organization, or homed in another one (revision 017).
    pub belongs_elsewhere: bool,
}

/// The list's filter, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Part of the e-mail or name, matched literally and case-insensitively.
    pub search: Option<String>,
    pub role: Option<SystemRole>,
    pub is_active: Option<bool>,
}

/// What an update writes (`None`: keep).
#[derive(Debug, Default)]
pub struct UserChanges<'a> {
    pub email: Option<&'a str>,
    pub full_name: Option<&'a str>,
    pub role: Option<SystemRole>,
    pub is_active: Option<bool>,
}

const COLUMNS: &str = "u.id, u.email::text AS email, u.full_name::text AS full_name, \
     u.role::text AS role, u.is_active, u.created_at, u.updated_at, u.last_login";

/// `$1` is the scope: an organization whose members qualify, or NULL for all (the platform
/// path). Row-level security enforces the same independently.
const IN_SCOPE: &str = "($1::uuid IS NULL OR EXISTS (SELECT 1 FROM org_memberships m \
     WHERE m.user_id = u.id AND m.organization_id = $1))";

const FILTERS: &str = "($2::text IS NULL OR u.email ILIKE $2 ESCAPE '\\' \
                         OR u.full_name ILIKE $2 ESCAPE '\\') \
     AND ($3::text IS NULL OR u.role::text = $3) \
     AND ($4::boolean IS NULL OR u.is_active = $4)";

fn user(row: &PgRow) -> Result<UserRow, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(UserRow {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        full_name: row.try_get("full_name")?,
        role: SystemRole::from_db_label(&role).map_err(undecodable)?,
        is_active: row.try_get("is_active")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        last_login: row.try_get("last_login")?,
    })
}

/// One page of the scope's users matching the filter, newest first, and the total.
pub async fn list(
    tx: &mut TenantTx,
    scope: Scope,
    filter: &UserFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserRow>, i64), sqlx::Error> {
    let pattern = filter.search.as_deref().map(contains_pattern);
    let role = filter.role.map(SystemRole::db_label);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM users u WHERE {IN_SCOPE} AND {FILTERS}"
    ))
    .bind(scope.organization())
    .bind(pattern.as_deref())
    .bind(role)
    .bind(filter.is_active)
    .fetch_one(tx.conn())
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users u WHERE {IN_SCOPE} AND {FILTERS} \
         ORDER BY u.created_at DESC, u.id DESC LIMIT $5 OFFSET $6"
    ))
    .bind(scope.organization())
    .bind(pattern.as_deref())
    .bind(role)
    .bind(filter.is_active)
    .bind(limit)
    .bind(offset)
    .fetch_all(tx.conn())
    .await?;
    let items = rows.iter().map(user).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// The caller's own account (revision 008's `own_read` shows it in any organization).
pub async fn own(tx: &mut TenantTx, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(user).transpose()
}

/// One account of the scope, with its membership in the transaction's organization and
/// whether it belongs elsewhere.
pub async fn find(
    tx: &mut TenantTx,
    scope: Scope,
    id: Uuid,
) -> Result<Option<AccountRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, mine.role::text AS org_role, \
                coalesce(app.account_belongs_elsewhere(u.id), false) AS belongs_elsewhere \
           FROM users u \
           LEFT JOIN org_memberships mine \
                  ON mine.user_id = u.id AND mine.organization_id = app.current_org() \
          WHERE {IN_SCOPE} AND u.id = $2"
    ))
    .bind(scope.organization())
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let org_role = row
        .try_get::<Option<String>, _>("org_role")?
        .map(|label| OrgRole::parse(&label).map_err(undecodable))
        .transpose()?;
    Ok(Some(AccountRow {
        user: user(&row)?,
        org_role,
        belongs_elsewhere: row.try_get("belongs_elsewhere")?,
    }))
}

/// Whether an account (of any organization) uses this address.
pub async fn email_in_use(
    tx: &mut TenantTx,
    email: &Email,
    except: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT app.email_in_use($1, $2)")
        .bind(email.as_str())
        .bind(except)
        .fetch_one(tx.conn())
        .await
}

/// A new account, homed in the transaction's organization, with an active membership there
/// holding `org_role`. Revision 005's trigger already inserts a membership for a new users
/// row (with the role mapping); the upsert makes the result the same with or without it.
/// A taken address ends in the unique violation of `ix_users_email`.
pub async fn insert(
    tx: &mut TenantTx,
    email: &Email,
    hash: &str,
    full_name: &str,
    role: SystemRole,
    org_role: OrgRole,
) -> Result<UserRow, sqlx::Error> {
    let organization = tx.context().organization_id;
    let row = sqlx::query(&format!(
        "INSERT INTO users AS u (id, email, hashed_password, full_name, role, is_active, \
                                 created_at, updated_at, organization_id) \
         VALUES (gen_random_uuid(), $1, $2, $3, $4::userrole, true, now(), now(), $5) \
         RETURNING {COLUMNS}"
    ))
    .bind(email.as_str())
    .bind(hash)
    .bind(full_name)
    .bind(role.db_label())
    .bind(organization)
    .fetch_one(tx.conn())
    .await?;
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
    .bind(org_role.as_str())
    .execute(tx.conn())
    .await?;
    Ok(user)
}

/// Writes `changes`; `None` when the row may not be written here (an account homed in
/// another organization: row-level security hides it from writes). A deactivation also ends
/// the account's sessions.
///
/// Name and e-mail are plain column updates (revision 017 grants the application role no
/// more); the system role and activation go through `app.set_account_state`, which refuses
/// them on one's own row, the system role off the platform path, and activation to anyone
/// but the home organization's owners and admins.
pub async fn update(
    tx: &mut TenantTx,
    id: Uuid,
    changes: &UserChanges<'_>,
) -> Result<Option<UserRow>, sqlx::Error> {
    if changes.role.is_some() || changes.is_active.is_some() {
        let changed: bool = sqlx::query_scalar("SELECT app.set_account_state($1, $2, $3)")
            .bind(id)
            .bind(changes.role.map(SystemRole::db_label))
            .bind(changes.is_active)
            .fetch_one(tx.conn())
            .await?;
        if !changed {
            return Ok(None);
        }
    }
    let row = sqlx::query(&format!(
        "UPDATE users AS u SET email = coalesce($2, u.email), \
                full_name = coalesce($3, u.full_name), \
                updated_at = now() \
          WHERE u.id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(changes.email)
    .bind(changes.full_name)
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else { return Ok(None) };
    if changes.is_active == Some(false) {
        // A deactivated account's tokens stay dead after a later reactivation.
        sessions::revoke_user_tokens(tx, id).await?;
    }
    user(&row).map(Some)
}

/// The e-mail and stored password hash of an account the transaction can read.
pub async fn credentials(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT email::text, hashed_password::text FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(tx.conn())
        .await
}

/// Stores a new hash (only if the old one is still `expected`, when given); whether a row
/// changed. Whoever held the old password holds no session any more.
pub async fn set_password(
    tx: &mut TenantTx,
    id: Uuid,
    expected: Option<&str>,
    hash: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET hashed_password = $3, updated_at = now() \
          WHERE id = $1 AND ($2::text IS NULL OR hashed_password = $2)",
    )
    .bind(id)
    .bind(expected)
    .bind(hash)
    .execute(tx.conn())
    .await?;
    let changed = result.rows_affected() == 1;
    if changed {
        sessions::revoke_user_tokens(tx, id).await?;
    }
    Ok(changed)
}
