//! The caller's own memberships: the session endpoints (switch-org, set-primary, context).

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

use super::tenant::TenantTx;
use super::undecodable;
use crate::domain::{MembershipStatus, OrgRole, OrgType};

/// One of a user's memberships with its organization.
#[derive(Debug, Clone)]
pub struct OwnMembership {
    pub organization_id: Uuid,
    pub org_role: OrgRole,
    pub status: MembershipStatus,
    pub is_primary: bool,
    pub joined_at: DateTime<Utc>,
    pub org_name: String,
    pub org_slug: String,
    pub org_type: OrgType,
    pub org_is_active: bool,
}

/// Every membership of `user_id`, any status, in name order (revision 007's `own_read`
/// shows them from any organization). Row-level security would also show other users'
/// memberships of the current organization, hence the `user_id` filter.
pub async fn own(tx: &mut TenantTx, user_id: Uuid) -> Result<Vec<OwnMembership>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT m.organization_id, m.role::text AS org_role, m.status::text AS status, \
                m.is_primary, m.joined_at, o.name::text AS org_name, o.slug::text AS org_slug, \
                o.type::text AS org_type, o.is_active AS org_is_active \
           FROM org_memberships m JOIN organizations o ON o.id = m.organization_id \
          WHERE m.user_id = $1 \
          ORDER BY o.name, o.id",
    )
    .bind(user_id)
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OwnMembership {
                organization_id: row.try_get("organization_id")?,
                org_role: OrgRole::parse(row.try_get("org_role")?).map_err(undecodable)?,
                status: MembershipStatus::parse(row.try_get("status")?).map_err(undecodable)?,
                is_primary: row.try_get("is_primary")?,
                joined_at: row.try_get("joined_at")?,
                org_name: row.try_get("org_name")?,
                org_slug: row.try_get("org_slug")?,
                org_type: OrgType::parse(row.try_get("org_type")?).map_err(undecodable)?,
                org_is_active: row.try_get("org_is_active")?,
            })
        })
        .collect()
}

/// Serializes the primary-organization changes of one user until the transaction ends: two
/// concurrent calls would otherwise both clear the old flag and collide on the unique index.
pub async fn lock_primary_choice(tx: &mut TenantTx, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tracehub:set-primary:' || $1::text))")
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Sets `is_primary` on the user's membership in `organization_id`; the rows changed (1).
/// The `tenant_isolation` policy lets a membership change only in the context of its
/// organization, so the transaction acts there first ([`TenantTx::act_in`]): the policies
/// stay in force and both changes of a set-primary commit together.
pub async fn mark_primary(
    tx: &mut TenantTx,
    user_id: Uuid,
    organization_id: Uuid,
    primary: bool,
) -> Result<u64, sqlx::Error> {
    tx.act_in(organization_id).await?;
    let changed = sqlx::query(
        "UPDATE org_memberships SET is_primary = $3, updated_at = now() \
          WHERE user_id = $1 AND organization_id = $2",
    )
    .bind(user_id)
    .bind(organization_id)
    .bind(primary)
    .execute(tx.conn())
    .await?
    .rows_affected();
    Ok(changed)
}
