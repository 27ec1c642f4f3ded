//! Invitations: an organization's own (under row-level security), and those reached by their
//! token or by the invitee through revision 013's SECURITY DEFINER functions.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

use super::tenant::{AppPool, TenantTx};
use super::undecodable;
use crate::domain::invitation::INVITATION_TTL_DAYS;
use crate::domain::{InvitationStatus, OrgRole, OrgType};

/// One invitation as the organization (or the invitee) reads it.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub organization_type: OrgType,
    pub email: String,
    pub role: OrgRole,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    /// Past its expiry by the database's clock.
    pub is_expired: bool,
    pub created_at: DateTime<Utc>,
    pub invited_by: Option<Uuid>,
    pub created_by_name: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub custom_message: Option<String>,
    pub redirect_url: Option<String>,
}

/// What a token tells before anyone is signed in (`app.invitation_by_token`).
#[derive(Debug, Clone)]
pub struct TokenFacts {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub role: OrgRole,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    pub is_expired: bool,
    pub organization_name: String,
    pub organization_slug: String,
    pub organization_type: OrgType,
    pub custom_message: Option<String>,
    /// An account with the invited e-mail exists.
    pub user_exists: bool,
}

/// A new invitation.
#[derive(Debug)]
pub struct NewInvitation<'a> {
    pub organization_id: Uuid,
    pub email: &'a str,
    pub role: OrgRole,
    pub token_hash: &'a str,
    pub invited_by: Uuid,
    pub custom_message: Option<&'a str>,
    pub redirect_url: Option<&'a str>,
}

/// The membership a claimed invitation made.
#[derive(Debug, Clone)]
pub struct ClaimedMembership {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub org_role: OrgRole,
    pub is_primary: bool,
    pub joined_at: DateTime<Utc>,
}

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

fn invitation(row: &PgRow) -> Result<InvitationRow, sqlx::Error> {
    Ok(InvitationRow {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        organization_name: row.try_get("organization_name")?,
        organization_type: OrgType::parse(row.try_get("organization_type")?)
            .map_err(undecodable)?,
        email: row.try_get("email")?,
        role: OrgRole::parse(row.try_get("role")?).map_err(undecodable)?,
        status: InvitationStatus::parse(row.try_get("status")?).map_err(undecodable)?,
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

/// An invitation visible in this transaction (row-level security decides which).
pub async fn find(tx: &mut TenantTx, id: Uuid) -> Result<Option<InvitationRow>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT_VIEW} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(invitation).transpose()
}

/// An invitation of another organization addressed to `user_id`'s e-mail.
pub async fn for_invitee(
    tx: &mut TenantTx,
    id: Uuid,
    user_id: Uuid,
) -> Result<Option<InvitationRow>, sqlx::Error> {
    let row = sqlx::query("SELECT * FROM app.invitation_for_invitee($1, $2)")
        .bind(id)
        .bind(user_id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(invitation).transpose()
}

/// A page of an organization's invitations, newest first, and the total.
pub async fn list(
    tx: &mut TenantTx,
    organization_id: Uuid,
    status: Option<InvitationStatus>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<InvitationRow>, i64), sqlx::Error> {
    let filter =
        format!("WHERE i.organization_id = $1 AND ($2::text IS NULL OR {EFFECTIVE_STATUS} = $2)");
    let status = status.map(InvitationStatus::as_str);
    let rows = sqlx::query(&format!(
        "{SELECT_VIEW} {filter} ORDER BY i.created_at DESC, i.id LIMIT $3 OFFSET $4"
    ))
    .bind(organization_id)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(tx.conn())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM invitations i {filter}"))
        .bind(organization_id)
        .bind(status)
        .fetch_one(tx.conn())
        .await?;
    let rows = rows.iter().map(invitation).collect::<Result<_, _>>()?;
    Ok((rows, total))
}

/// Whether the transaction's organization has a member with this e-mail.
pub async fn has_member(tx: &mut TenantTx, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT app.current_org_has_member($1)")
        .bind(email)
        .fetch_one(tx.conn())
        .await
}

/// Marks pending invitations of the address that are past expiry as expired (so the
/// one-open-invitation index lets a new one in), then inserts the new one. A pending one
/// still open ends in `uq_invitations_pending_email`.
pub async fn insert(tx: &mut TenantTx, new: &NewInvitation<'_>) -> Result<Uuid, sqlx::Error> {
    sqlx::query(
        "UPDATE invitations SET status = 'expired' \
          WHERE organization_id = $1 AND lower(email) = lower($2) \
            AND status = 'pending' AND expires_at <= now()",
    )
    .bind(new.organization_id)
    .bind(new.email)
    .execute(tx.conn())
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
    .fetch_one(tx.conn())
    .await
}

/// New token and expiry for a still-pending invitation; false if it no longer is.
pub async fn renew(tx: &mut TenantTx, id: Uuid, token_hash: &str) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE invitations SET token_hash = $2, expires_at = now() + make_interval(days => $3) \
          WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(token_hash)
    .bind(INVITATION_TTL_DAYS as i32)
    .execute(tx.conn())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Revokes a still-pending invitation; false if it no longer is.
pub async fn revoke(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE invitations SET status = 'revoked' WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// What the token tells, whoever asks (keyed on its hash: the token itself is never stored).
pub async fn by_token(pool: &AppPool, token_hash: &str) -> Result<Option<TokenFacts>, sqlx::Error> {
    let row = sqlx::query("SELECT * FROM app.invitation_by_token($1)")
        .bind(token_hash)
        .fetch_optional(pool.inner())
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(TokenFacts {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        email: row.try_get("email")?,
        role: OrgRole::parse(row.try_get("role")?).map_err(undecodable)?,
        status: InvitationStatus::parse(row.try_get("status")?).map_err(undecodable)?,
        expires_at: row.try_get("expires_at")?,
        is_expired: row.try_get("is_expired")?,
        organization_name: row.try_get("organization_name")?,
        organization_slug: row.try_get("organization_slug")?,
        organization_type: OrgType::parse(row.try_get("organization_type")?)
            .map_err(undecodable)?,
        custom_message: row.try_get("custom_message")?,
        user_exists: row.try_get("user_exists")?,
    }))
}

fn membership(row: &PgRow) -> Result<ClaimedMembership, sqlx::Error> {
    Ok(ClaimedMembership {
        id: row.try_get("membership_id")?,
        organization_id: row.try_get("organization_id")?,
        org_role: OrgRole::parse(row.try_get("role")?).map_err(undecodable)?,
        is_primary: row.try_get("is_primary")?,
        joined_at: row.try_get("joined_at")?,
    })
}

/// The single-use claim plus the membership; `None` when the token is not claimable. A
/// membership that exists already ends in `uq_org_user`.
pub async fn claim(
    tx: &mut TenantTx,
    token_hash: &str,
    user_id: Uuid,
) -> Result<Option<ClaimedMembership>, sqlx::Error> {
    let row = sqlx::query("SELECT * FROM app.claim_invitation($1, $2)")
        .bind(token_hash)
        .bind(user_id)
        .fetch_optional(tx.conn())
        .await?;
    row.as_ref().map(membership).transpose()
}

/// Claim, user and membership in one call; `None` when the token is not claimable. A taken
/// address ends in `ix_users_email`.
pub async fn register(
    tx: &mut TenantTx,
    token_hash: &str,
    email: &str,
    full_name: &str,
    password_hash: &str,
    role_label: &str,
) -> Result<Option<(Uuid, ClaimedMembership)>, sqlx::Error> {
    let row = sqlx::query("SELECT * FROM app.register_invited_user($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(email)
        .bind(full_name)
        .bind(password_hash)
        .bind(role_label)
        .fetch_optional(tx.conn())
        .await?;
    row.map(|row| Ok((row.try_get("user_id")?, membership(&row)?)))
        .transpose()
}
