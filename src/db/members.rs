//! The memberships of one organization, as its administrators see and change them.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

use super::notifications::Recipient;
use super::tenant::TenantTx;
use super::undecodable;
use crate::domain::{
    contains_pattern, Access, MembershipStatus, OrgRole, OrgType, Permission, SystemRole,
};

/// One membership with its user and organization type.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub org_role: OrgRole,
    pub status: MembershipStatus,
    pub is_primary: bool,
    pub joined_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
    pub system_role: SystemRole,
    pub user_is_active: bool,
    pub org_type: OrgType,
}

impl MemberRow {
    /// What the member may do in the organization.
    pub fn access(&self) -> Access {
        Access::new(self.system_role, self.org_role, self.org_type, self.status)
    }

    /// The member as the recipient of a notification.
    pub fn recipient(&self) -> Recipient {
        Recipient {
            user_id: self.user_id,
            email: self.email.clone(),
        }
    }
}

/// The active members who review documents there (may approve them), `except` one (the
/// person who acted): whom an upload or an expiry concerns.
pub fn document_reviewers(members: &[MemberRow], except: Option<Uuid>) -> Vec<Recipient> {
    members
        .iter()
        .filter(|m| Some(m.user_id) != except)
        .filter(|m| m.access().allows(Permission::DocumentsApprove))
        .map(MemberRow::recipient)
        .collect()
}

/// The list's filter.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub role: Option<OrgRole>,
    pub status: Option<MembershipStatus>,
    /// Part of the e-mail or name, matched literally and case-insensitively.
    pub search: Option<String>,
}

const COLUMNS: &str = "m.id, m.user_id, u.email::text AS email, u.full_name::text AS full_name, \
     m.role::text AS org_role, m.status::text AS status, m.is_primary, m.joined_at, u.last_login, \
     u.role::text AS system_role, u.is_active, o.type::text AS org_type";
const FROM: &str = "FROM org_memberships m JOIN users u ON u.id = m.user_id \
     JOIN organizations o ON o.id = m.organization_id";

fn member(row: &PgRow) -> Result<MemberRow, sqlx::Error> {
    Ok(MemberRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        email: row.try_get("email")?,
        full_name: row.try_get("full_name")?,
        org_role: OrgRole::parse(row.try_get("org_role")?).map_err(undecodable)?,
        status: MembershipStatus::parse(row.try_get("status")?).map_err(undecodable)?,
        is_primary: row.try_get("is_primary")?,
        joined_at: row.try_get("joined_at")?,
        last_login: row.try_get("last_login")?,
        system_role: SystemRole::from_db_label(row.try_get("system_role")?).map_err(undecodable)?,
        user_is_active: row.try_get("is_active")?,
        org_type: OrgType::parse(row.try_get("org_type")?).map_err(undecodable)?,
    })
}

/// One membership *of this organization* (another organization's id finds nothing).
pub async fn find(
    tx: &mut TenantTx,
    organization_id: Uuid,
    member_id: Uuid,
) -> Result<Option<MemberRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE m.organization_id = $1 AND m.id = $2"
    ))
    .bind(organization_id)
    .bind(member_id)
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(member).transpose()
}

/// A page of the organization's members by name, and the total.
pub async fn list(
    tx: &mut TenantTx,
    organization_id: Uuid,
    filter: &MemberFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MemberRow>, i64), sqlx::Error> {
    const FILTER: &str = "WHERE m.organization_id = $1 \
          AND ($2::text IS NULL OR m.role::text = $2) \
          AND ($3::text IS NULL OR m.status::text = $3) \
          AND ($4::text IS NULL OR u.email ILIKE $4 ESCAPE '\\' OR u.full_name ILIKE $4 ESCAPE '\\')";
    let role = filter.role.map(OrgRole::as_str);
    let status = filter.status.map(MembershipStatus::as_str);
    let search = filter.search.as_deref().map(contains_pattern);
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) {FROM} {FILTER}"))
        .bind(organization_id)
        .bind(role)
        .bind(status)
        .bind(&search)
        .fetch_one(tx.conn())
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} {FILTER} ORDER BY u.full_name, u.email, m.id LIMIT $5 OFFSET $6"
    ))
    .bind(organization_id)
    .bind(role)
    .bind(status)
    .bind(&search)
    .bind(limit)
    .bind(offset)
    .fetch_all(tx.conn())
    .await?;
    let items = rows.iter().map(member).collect::<Result<_, _>>()?;
    Ok((items, total))
}

/// Serializes every member change of one organization until the transaction ends; whether
/// the organization is there. `FOR NO KEY UPDATE`, not `FOR UPDATE`: foreign-key checks hold
/// `KEY SHARE` on the row and would deadlock with it.
pub async fn lock_organization(
    tx: &mut TenantTx,
    organization_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let found = sqlx::query("SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE")
        .bind(organization_id)
        .fetch_optional(tx.conn())
        .await?;
    Ok(found.is_some())
}

/// Active owners and admins of the organization other than `member_id`.
pub async fn other_administrators(
    tx: &mut TenantTx,
    organization_id: Uuid,
    member_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM org_memberships \
          WHERE organization_id = $1 AND id <> $2 AND status = 'active' \
            AND role IN ('owner', 'admin')",
    )
    .bind(organization_id)
    .bind(member_id)
    .fetch_one(tx.conn())
    .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub async fn remove(
    tx: &mut TenantTx,
    organization_id: Uuid,
    member_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM org_memberships WHERE id = $1 AND organization_id = $2")
        .bind(member_id)
        .bind(organization_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Changes the role and/or status (`None`: keep).
pub async fn update(
    tx: &mut TenantTx,
    organization_id: Uuid,
    member_id: Uuid,
    role: Option<OrgRole>,
    status: Option<MembershipStatus>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE org_memberships \
            SET role = coalesce($3::org_role, role), \
                status = coalesce($4::membership_status, status), \
                updated_at = now() \
          WHERE id = $1 AND organization_id = $2",
    )
    .bind(member_id)
    .bind(organization_id)
    .bind(role.map(OrgRole::as_str))
    .bind(status.map(MembershipStatus::as_str))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Whether row-level security shows this user to the transaction: those of its organization
/// (or, on the platform path, every user).
pub async fn user_visible(tx: &mut TenantTx, user_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)")
        .bind(user_id)
        .fetch_one(tx.conn())
        .await
}

/// A new active membership; a second one of the same user ends in `uq_org_user`.
pub async fn add(
    tx: &mut TenantTx,
    organization_id: Uuid,
    user_id: Uuid,
    role: OrgRole,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO org_memberships (organization_id, user_id, role, status, is_primary) \
         VALUES ($1, $2, $3::org_role, 'active', false) RETURNING id",
    )
    .bind(organization_id)
    .bind(user_id)
    .bind(role.as_str())
    .fetch_one(tx.conn())
    .await
}

/// Every active member of the organization whose account is active (to choose whom to
/// notify; organizations have members by the dozen, not by the million).
pub async fn active(
    tx: &mut TenantTx,
    organization_id: Uuid,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE m.organization_id = $1 AND m.status = 'active' \
            AND u.is_active ORDER BY u.email"
    ))
    .bind(organization_id)
    .fetch_all(tx.conn())
    .await?;
    rows.iter().map(member).collect()
}
