//! Organizations: the profile, the list, the figures.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

use super::tenant::TenantTx;
use super::undecodable;
use crate::domain::organization::OrganizationStatus;
use crate::domain::{contains_pattern, OrgType, Slug};

/// One organization in full, with its counts.
#[derive(Debug, Clone)]
pub struct OrganizationRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub org_type: OrgType,
    pub status: OrganizationStatus,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_id: Option<String>,
    pub settings: Value,
    /// Active members.
    pub member_count: i64,
    /// Shipments it owns or, as a buyer, is assigned.
    pub shipment_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One organization in a list.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub org_type: OrgType,
    pub status: OrganizationStatus,
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
}

/// A nullable text column's change: `None` leaves it, `Some(None)` clears it.
pub type TextChange = Option<Option<String>>;

/// The checked values of a create or a partial update (`None`: leave as is).
#[derive(Debug, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub status: Option<OrganizationStatus>,
    pub contact_email: TextChange,
    pub contact_phone: TextChange,
    pub address: TextChange,
    pub country: TextChange,
    pub registration_number: TextChange,
    pub tax_id: TextChange,
    /// Merged key by key into the stored object.
    pub settings: Option<Value>,
}

impl OrganizationChanges {
    /// Whether any contact field changes (for the audit entry).
    pub fn changes_contact(&self) -> bool {
        [
            &self.contact_email,
            &self.contact_phone,
            &self.address,
            &self.country,
            &self.registration_number,
            &self.tax_id,
        ]
        .iter()
        .any(|change| change.is_some())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    CreatedAt,
    Name,
}

/// The list's filter.
#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub org_type: Option<OrgType>,
    pub status: Option<OrganizationStatus>,
    /// Part of the name or slug, matched literally and case-insensitively.
    pub search: Option<String>,
    pub sort: Sort,
    pub descending: bool,
    /// Only organizations where this user has an active membership (everyone but platform
    /// admins).
    pub member: Option<Uuid>,
}

/// Shipment and document counts of one organization.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub shipments: i64,
    pub in_transit: i64,
    pub delivered: i64,
    pub pending_docs: i64,
    pub documents: i64,
    pub pending_validation: i64,
    pub compliance_ok: i64,
    pub compliance_failed: i64,
}

fn org_type_of(row: &PgRow) -> Result<OrgType, sqlx::Error> {
    OrgType::parse(row.try_get("type")?).map_err(undecodable)
}

fn status_of(row: &PgRow) -> Result<OrganizationStatus, sqlx::Error> {
    OrganizationStatus::parse(row.try_get("status")?).map_err(undecodable)
}

/// The organization and its counts, if this transaction sees it.
pub async fn find(tx: &mut TenantTx, id: Uuid) -> Result<Option<OrganizationRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT o.id, o.name::text AS name, o.slug::text AS slug, o.type::text AS type, \
                o.status::text AS status, o.email::text AS email, o.phone::text AS phone, \
                o.address, o.country::text AS country, \
                o.registration_number::text AS registration_number, o.tax_id::text AS tax_id, \
                o.settings, o.created_at, o.updated_at, \
                (SELECT count(*) FROM org_memberships m \
                  WHERE m.organization_id = o.id AND m.status = 'active') AS member_count, \
                (SELECT count(*) FROM shipments s \
                  WHERE s.organization_id = o.id OR s.buyer_organization_id = o.id) AS shipment_count \
           FROM organizations o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(OrganizationRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        org_type: org_type_of(&row)?,
        status: status_of(&row)?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        address: row.try_get("address")?,
        country: row.try_get("country")?,
        registration_number: row.try_get("registration_number")?,
        tax_id: row.try_get("tax_id")?,
        settings: row.try_get("settings")?,
        member_count: row.try_get("member_count")?,
        shipment_count: row.try_get("shipment_count")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    }))
}

/// Whether the organization exists and this transaction sees it.
pub async fn exists(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1)")
        .bind(id)
        .fetch_one(tx.conn())
        .await
}

/// A new organization (a taken slug ends in the unique violation of its constraint).
pub async fn insert(
    tx: &mut TenantTx,
    org_type: OrgType,
    name: &str,
    slug: &Slug,
    changes: &OrganizationChanges,
) -> Result<Uuid, sqlx::Error> {
    let flat = |change: &TextChange| change.clone().flatten();
    sqlx::query_scalar(
        "INSERT INTO organizations (name, slug, type, status, email, phone, address, country, \
                                    registration_number, tax_id, settings) \
         VALUES ($1, $2, $3::organization_type, $4::organization_status, $5, $6, $7, $8, $9, $10, \
                 coalesce($11, '{}'::jsonb)) \
         RETURNING id",
    )
    .bind(name)
    .bind(slug.as_str())
    .bind(org_type.as_str())
    .bind(
        changes
            .status
            .unwrap_or(OrganizationStatus::Active)
            .as_str(),
    )
    .bind(flat(&changes.contact_email))
    .bind(flat(&changes.contact_phone))
    .bind(flat(&changes.address))
    .bind(flat(&changes.country))
    .bind(flat(&changes.registration_number))
    .bind(flat(&changes.tax_id))
    .bind(&changes.settings)
    .fetch_one(tx.conn())
    .await
}

/// Applies a partial update; whether the row was there (and writable here).
pub async fn update(
    tx: &mut TenantTx,
    id: Uuid,
    changes: &OrganizationChanges,
) -> Result<bool, sqlx::Error> {
    // For each nullable column: $n = whether to write it, $n+1 = the new value.
    let mut query = sqlx::query(
        "UPDATE organizations SET \
            name = coalesce($2, name), \
            slug = coalesce($3, slug), \
            status = coalesce($4::organization_status, status), \
            email = CASE WHEN $5 THEN $6 ELSE email END, \
            phone = CASE WHEN $7 THEN $8 ELSE phone END, \
            address = CASE WHEN $9 THEN $10 ELSE address END, \
            country = CASE WHEN $11 THEN $12 ELSE country END, \
            registration_number = CASE WHEN $13 THEN $14 ELSE registration_number END, \
            tax_id = CASE WHEN $15 THEN $16 ELSE tax_id END, \
            settings = settings || coalesce($17, '{}'::jsonb), \
            updated_at = now() \
          WHERE id = $1",
    )
    .bind(id)
    .bind(&changes.name)
    .bind(changes.slug.as_ref().map(Slug::as_str))
    .bind(changes.status.map(OrganizationStatus::as_str));
    for change in [
        &changes.contact_email,
        &changes.contact_phone,
        &changes.address,
        &changes.country,
        &changes.registration_number,
        &changes.tax_id,
    ] {
        query = query.bind(change.is_some()).bind(change.clone().flatten());
    }
    let result = query.bind(&changes.settings).execute(tx.conn()).await?;
    Ok(result.rows_affected() == 1)
}

/// A page of the organizations matching the filter, and the total. Restricted to a member's
/// organizations, their member counts come through `app.organization_member_count`
/// (revision 012): memberships of organizations other than the current one are not visible.
pub async fn list(
    tx: &mut TenantTx,
    filter: &OrganizationFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SummaryRow>, i64), sqlx::Error> {
    const FILTER: &str = "FROM organizations o \
        WHERE ($1::text IS NULL OR o.type::text = $1) \
          AND ($2::text IS NULL OR o.status::text = $2) \
          AND ($3::text IS NULL OR o.name ILIKE $3 ESCAPE '\\' OR o.slug ILIKE $3 ESCAPE '\\') \
          AND ($4::uuid IS NULL OR o.id IN (SELECT m.organization_id FROM org_memberships m \
                                            WHERE m.user_id = $4 AND m.status = 'active'))";
    let member_count = if filter.member.is_some() {
        "coalesce(app.organization_member_count(o.id), 0)"
    } else {
        "(SELECT count(*) FROM org_memberships m WHERE m.organization_id = o.id AND m.status = 'active')"
    };
    let sort = match filter.sort {
        Sort::CreatedAt => "o.created_at",
        Sort::Name => "o.name",
    };
    let order = if filter.descending { "DESC" } else { "ASC" };
    let search = filter.search.as_deref().map(contains_pattern);
    let org_type = filter.org_type.map(OrgType::as_str);
    let status = filter.status.map(OrganizationStatus::as_str);
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) {FILTER}"))
        .bind(org_type)
        .bind(status)
        .bind(&search)
        .bind(filter.member)
        .fetch_one(tx.conn())
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT o.id, o.name::text AS name, o.slug::text AS slug, o.type::text AS type, \
                o.status::text AS status, o.created_at, {member_count} AS member_count \
         {FILTER} ORDER BY {sort} {order}, o.id {order} LIMIT $5 OFFSET $6"
    ))
    .bind(org_type)
    .bind(status)
    .bind(&search)
    .bind(filter.member)
    .bind(limit)
    .bind(offset)
    .fetch_all(tx.conn())
    .await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(SummaryRow {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                slug: row.try_get("slug")?,
                org_type: org_type_of(row)?,
                status: status_of(row)?,
                member_count: row.try_get("member_count")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((items, total))
}

/// The organization's own shipments and, for a buyer, the ones assigned to it — the same
/// set row-level security shows the organization itself — and their documents.
pub async fn figures(tx: &mut TenantTx, id: Uuid) -> Result<Figures, sqlx::Error> {
    let shipments = sqlx::query(
        "SELECT count(*) AS total, \
                count(*) FILTER (WHERE status = 'IN_TRANSIT') AS in_transit, \
                count(*) FILTER (WHERE status IN ('DELIVERED', 'CLOSED')) AS delivered, \
                count(*) FILTER (WHERE status IN ('CREATED', 'DOCS_PENDING')) AS pending_docs \
           FROM shipments WHERE organization_id = $1 OR buyer_organization_id = $1",
    )
    .bind(id)
    .fetch_one(tx.conn())
    .await?;
    let documents = sqlx::query(
        "SELECT count(*) AS total, \
                count(*) FILTER (WHERE d.status IN ('DRAFT', 'UPLOADED')) AS pending_validation, \
                count(*) FILTER (WHERE d.status = 'COMPLIANCE_OK') AS compliance_ok, \
                count(*) FILTER (WHERE d.status = 'COMPLIANCE_FAILED') AS compliance_failed \
           FROM documents d JOIN shipments s ON s.id = d.shipment_id \
          WHERE s.organization_id = $1 OR s.buyer_organization_id = $1",
    )
    .bind(id)
    .fetch_one(tx.conn())
    .await?;
    Ok(Figures {
        shipments: shipments.try_get("total")?,
        in_transit: shipments.try_get("in_transit")?,
        delivered: shipments.try_get("delivered")?,
        pending_docs: shipments.try_get("pending_docs")?,
        documents: documents.try_get("total")?,
        pending_validation: documents.try_get("pending_validation")?,
        compliance_ok: documents.try_get("compliance_ok")?,
        compliance_failed: documents.try_get("compliance_failed")?,
    })
}
