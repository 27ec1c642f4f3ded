//! The Sprint 8 organization API (reference §3.2): `/organizations` (create, list, get,
//! update, suspend), `/organizations/{id}/stats`, and — in [`members`] — the member routes.
//! Invitations, the session and `/organizations/{id}/shipments` live in their own modules.
//!
//! Tenancy: a token acts in one organization. A route about organization `{id}` works in a
//! [`TenantTx`] of that organization: the caller's own transaction when `{id}` is their
//! current organization, the audited platform path ([`TenantTx::begin_platform`]) when the
//! caller is a platform admin, and otherwise the answer is 404 — also for organizations the
//! caller belongs to but is not acting in (switch organization first), so an id never tells
//! whether it exists. Creating and listing all organizations are platform operations in the
//! platform admin's own organization. Row-level security (revisions 007, 012) stays the
//! backstop; queries still filter by organization explicitly because the platform path sees
//! every row.

mod members;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Map, Value};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use utoipa::OpenApi;
use uuid::Uuid;

use super::auth::{CurrentUser, INSUFFICIENT_PERMISSIONS};
use super::error::ApiError;
use super::extract::{Fields, JsonBody, PathIds, QueryParams, RequestId};
use super::pagination::{Page, PageQuery};
use super::AppState;
use crate::db::tenant::{AuditEntry, TenantContext, TenantTx};
use crate::domain::organization::{self, OrganizationStatus};
use crate::domain::{slugify, Email, OrgPermission, OrgType, Slug, UnknownLabel};

/// Refusal codes of this API (reference §3.2, plus the ones where it was silent).
pub const ORG_SLUG_EXISTS: &str = "ORG_SLUG_EXISTS";
pub const INVALID_ORG_TYPE: &str = "INVALID_ORG_TYPE";
pub const PROTECTED_ORGANIZATION: &str = "PROTECTED_ORGANIZATION";
pub const HARD_DELETE_NOT_SUPPORTED: &str = "HARD_DELETE_NOT_SUPPORTED";

/// `/organizations…`, nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations",
            get(list_organizations).post(create_organization),
        )
        .route(
            "/organizations/{id}",
            get(get_organization)
                .patch(update_organization)
                .delete(delete_organization),
        )
        .route("/organizations/{id}/stats", get(organization_stats))
        .merge(members::router())
}

#[derive(utoipa::OpenApi)]
#[openapi(
    components(schemas(OrganizationSort, SortOrder)),
    paths(
        list_organizations,
        create_organization,
        get_organization,
        update_organization,
        delete_organization,
        organization_stats
    )
)]
struct OrganizationsDoc;

/// This module's part of the OpenAPI document (organizations and members).
pub struct ApiDoc;

impl OpenApi for ApiDoc {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut doc = OrganizationsDoc::openapi();
        doc.merge(members::ApiDoc::openapi());
        doc
    }
}

// ---------------------------------------------------------------------------------------
// Shared helpers (also used by `members`)

fn internal(error: UnknownLabel) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("{error}"))
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An ILIKE pattern matching `text` anywhere, with the user's `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A non-empty search term, as an ILIKE pattern.
fn search_pattern(search: Option<&str>) -> Option<String> {
    search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(contains_pattern)
}

fn is_violation(error: &sqlx::Error, code: &str, constraint: Option<&str>) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some(code)
                && constraint.is_none_or(|name| db.constraint() == Some(name))
        }
        _ => false,
    }
}

/// The transaction for a request about organization `organization_id` (see the module
/// docs): 404 unless it is the caller's current organization or the caller is a platform
/// admin.
async fn open_organization(
    caller: &mut CurrentUser,
    organization_id: Uuid,
    reason: &str,
) -> Result<TenantTx, ApiError> {
    if organization_id == caller.organization_id {
        return Ok(caller.begin().await?);
    }
    if !caller.access().is_platform_admin() {
        return Err(ApiError::NotFound);
    }
    let context = TenantContext {
        organization_id,
        user_id: Some(caller.user_id),
    };
    caller
        .begin_platform(context, &caller.user_id.to_string(), reason)
        .await
        // The access is audited under the target organization; its foreign key fails for an
        // organization that does not exist.
        .map_err(|e| {
            if is_violation(&e, "23503", None) {
                ApiError::NotFound
            } else {
                e.into()
            }
        })
}

/// The platform path in the caller's own organization, for operations on no single
/// organization (create, list all). 403 for anyone but a platform admin.
async fn open_platform(caller: &mut CurrentUser, reason: &str) -> Result<TenantTx, ApiError> {
    require_platform_admin(caller)?;
    let (tenant, actor) = (caller.tenant, caller.user_id.to_string());
    Ok(caller.begin_platform(tenant, &actor, reason).await?)
}

fn require_platform_admin(caller: &CurrentUser) -> Result<(), ApiError> {
    if caller.access().is_platform_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            INSUFFICIENT_PERMISSIONS,
            "Only platform administrators may do this",
        ))
    }
}

/// The audit entry of a change by `caller`.
fn audit_entry<'a>(
    action: &'a str,
    resource_type: &'a str,
    resource_id: Uuid,
    request_id: &'a RequestId,
    details: Value,
) -> AuditEntry<'a> {
    AuditEntry {
        action,
        resource_type,
        resource_id: Some(resource_id.to_string()),
        actor: None,
        request_id: request_id.as_deref(),
        details,
    }
}

/// Deserializes a field that may be absent (outer `None`), `null` (`Some(None)`: clear it)
/// or a value.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

// ---------------------------------------------------------------------------------------
// Bodies and answers

/// The body of `PATCH /organizations/{id}`: only the fields sent change, `null` or empty
/// text clears a contact field, `settings` is merged key by key into the stored object, and
/// the type never changes.
// The handlers read `POST /organizations` into this struct too (`name` and `type` are then
// required); its schema is the update's, `OrganizationCreate` documents the create.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OrganizationUpdate)]
pub struct OrganizationFields {
    /// 2–255 characters (surrounding whitespace ignored), no control characters.
    #[schema(min_length = 2, max_length = 255)]
    name: Option<String>,
    /// Derived from the name when absent on create. Only platform admins change it.
    #[schema(min_length = 2, max_length = 100, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    slug: Option<String>,
    /// `buyer`, `supplier` or `logistics_agent` (`platform_owner` is VIBOTAJ's alone).
    #[serde(rename = "type")]
    #[schema(ignore)]
    org_type: Option<String>,
    /// `active` or `pending_setup` on create; any status on update (platform admins only).
    status: Option<OrganizationStatus>,
    /// Empty clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Email, max_length = 255)]
    contact_email: Option<Option<String>>,
    /// Empty clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 50)]
    contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    address: Option<Option<String>>,
    /// ISO 3166-1 alpha-2, upper case (`DE`); empty clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2, pattern = "^([A-Z]{2})?$")]
    country: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    registration_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    tax_id: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    settings: Option<Map<String, Value>>,
}

/// The body of `POST /organizations`.
// Documentation only: the handler reads [`OrganizationFields`], whose constraints these are.
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct OrganizationCreate {
    /// 2–255 characters (surrounding whitespace ignored), no control characters.
    #[schema(min_length = 2, max_length = 255)]
    name: String,
    /// Derived from the name when absent.
    #[schema(min_length = 2, max_length = 100, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    slug: Option<String>,
    #[serde(rename = "type")]
    org_type: CreatableType,
    /// `active` when left out.
    status: Option<InitialStatus>,
    #[schema(format = Email, max_length = 255)]
    contact_email: Option<String>,
    #[schema(max_length = 50)]
    contact_phone: Option<String>,
    #[schema(max_length = 2000)]
    address: Option<String>,
    /// ISO 3166-1 alpha-2, upper case (`DE`).
    #[schema(max_length = 2, pattern = "^([A-Z]{2})?$")]
    country: Option<String>,
    #[schema(max_length = 100)]
    registration_number: Option<String>,
    #[schema(max_length = 100)]
    tax_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    settings: Option<Map<String, Value>>,
}

/// The type of a new organization: any but `platform_owner`, VIBOTAJ's alone (another one
/// is 422 `INVALID_ORG_TYPE`).
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum CreatableType {
    Buyer,
    Supplier,
    LogisticsAgent,
}

/// The status of a new organization.
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum InitialStatus {
    Active,
    PendingSetup,
}

/// A nullable text column's change: `None` leaves it, `Some(None)` clears it.
type TextChange = Option<Option<String>>;

/// [`OrganizationFields`] checked.
#[derive(Debug, Default)]
struct Checked {
    name: Option<String>,
    slug: Option<Slug>,
    status: Option<OrganizationStatus>,
    contact_email: TextChange,
    contact_phone: TextChange,
    address: TextChange,
    country: TextChange,
    registration_number: TextChange,
    tax_id: TextChange,
    settings: Option<Value>,
}

/// Checks an optional free-text field: trimmed, empty means null, at most `max` characters.
fn text_change(fields: &mut Fields, name: &str, value: TextChange, max: usize) -> TextChange {
    value.map(|inner| {
        let text = inner
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if text.as_ref().is_some_and(|t| t.chars().count() > max) {
            fields.add(name, format!("must be at most {max} characters long"));
        }
        fields.check_no_nul(name, text.as_deref().unwrap_or_default());
        text
    })
}

/// Whether a JSON value holds a NUL character in a string or key (jsonb refuses it).
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(object) => object
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

impl OrganizationFields {
    /// Field checks shared by create and update; every problem is collected into one 422.
    fn check(self, fields: &mut Fields) -> Checked {
        let name = self
            .name
            .and_then(|n| fields.check("name", organization::organization_name(&n)));
        let slug = self
            .slug
            .and_then(|s| fields.check("slug", Slug::parse(&s)));
        let contact_email = self.contact_email.map(|email| {
            email
                .filter(|e| !e.trim().is_empty())
                .and_then(|e| fields.check("contact_email", Email::parse(&e)))
                .map(|e| e.as_str().to_string())
        });
        let country = text_change(fields, "country", self.country, 2);
        if let Some(Some(code)) = &country {
            // Longer codes already got "at most 2 characters".
            let count = code.chars().count();
            if count < 2 || (count == 2 && !code.chars().all(|c| c.is_ascii_uppercase())) {
                fields.add("country", "must be an ISO 3166-1 alpha-2 code such as DE");
            }
        }
        Checked {
            name,
            slug,
            status: self.status,
            contact_email,
            contact_phone: text_change(fields, "contact_phone", self.contact_phone, 50),
            address: text_change(fields, "address", self.address, 2000),
            country,
            registration_number: text_change(
                fields,
                "registration_number",
                self.registration_number,
                100,
            ),
            tax_id: text_change(fields, "tax_id", self.tax_id, 100),
            settings: self.settings.map(Value::Object).filter(|settings| {
                let clean = !holds_nul(settings);
                if !clean {
                    fields.add("settings", "must not contain NUL characters");
                }
                clean
            }),
        }
    }
}

/// One organization in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationSummary {
    id: Uuid,
    name: String,
    slug: String,
    #[serde(rename = "type")]
    org_type: &'static str,
    status: &'static str,
    member_count: i64,
    /// RFC 3339, UTC.
    created_at: String,
}

/// One organization in full.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationDetail {
    id: Uuid,
    name: String,
    slug: String,
    #[serde(rename = "type")]
    org_type: &'static str,
    status: &'static str,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    address: Option<String>,
    country: Option<String>,
    registration_number: Option<String>,
    tax_id: Option<String>,
    #[schema(value_type = Object)]
    settings: Value,
    /// Active members.
    member_count: i64,
    /// Shipments the organization owns or, as a buyer, is assigned.
    shipment_count: i64,
    created_at: String,
    updated_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuspendedAnswer {
    message: String,
    id: Uuid,
    status: &'static str,
}

// ---------------------------------------------------------------------------------------
// Queries

fn org_type_of(row: &PgRow) -> Result<&'static str, ApiError> {
    Ok(OrgType::parse(row.try_get("type")?)
        .map_err(internal)?
        .as_str())
}

fn status_of(row: &PgRow) -> Result<&'static str, ApiError> {
    Ok(OrganizationStatus::parse(row.try_get("status")?)
        .map_err(internal)?
        .as_str())
}

/// The organization and its counts, or 404.
async fn read_organization(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<OrganizationDetail, ApiError> {
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
    .fetch_optional(conn)
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(OrganizationDetail {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        slug: row.try_get("slug")?,
        org_type: org_type_of(&row)?,
        status: status_of(&row)?,
        contact_email: row.try_get("email")?,
        contact_phone: row.try_get("phone")?,
        address: row.try_get("address")?,
        country: row.try_get("country")?,
        registration_number: row.try_get("registration_number")?,
        tax_id: row.try_get("tax_id")?,
        settings: row.try_get("settings")?,
        member_count: row.try_get("member_count")?,
        shipment_count: row.try_get("shipment_count")?,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
    })
}

/// 404 unless the organization exists (and is visible in this transaction): for routes
/// whose own query would answer an empty result instead.
async fn require_organization(conn: &mut PgConnection, id: Uuid) -> Result<(), ApiError> {
    sqlx::query("SELECT 1 FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(())
}

/// Maps the slug's unique violation to 409 `ORG_SLUG_EXISTS`.
fn slug_conflict(error: sqlx::Error) -> ApiError {
    if is_violation(&error, "23505", Some("organizations_slug_key")) {
        ApiError::conflict(
            ORG_SLUG_EXISTS,
            "An organization with this slug already exists",
        )
    } else {
        error.into()
    }
}

async fn insert_organization(
    conn: &mut PgConnection,
    org_type: OrgType,
    slug: &Slug,
    changes: &Checked,
    name: &str,
) -> Result<Uuid, ApiError> {
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
    .fetch_one(conn)
    .await
    .map_err(slug_conflict)
}

/// Applies a partial update; 404 when the row is not there (or not writable here).
async fn update_organization_row(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &Checked,
) -> Result<(), ApiError> {
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
    let result = query
        .bind(&changes.settings)
        .execute(conn)
        .await
        .map_err(slug_conflict)?;
    if result.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationSort {
    #[default]
    CreatedAt,
    Name,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

impl SortOrder {
    fn sql(self) -> &'static str {
        match self {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        }
    }
}

/// Lists organizations matching the filters. `member` limits the list to organizations
/// where that user has an active membership (everyone but platform admins); their member
/// counts then come through `app.organization_member_count` (revision 012), because the
/// memberships of organizations other than the current one are not visible to them.
async fn list_organization_rows(
    conn: &mut PgConnection,
    query: &OrganizationListQuery,
    member: Option<Uuid>,
    page: super::pagination::PageRequest,
) -> Result<(Vec<OrganizationSummary>, i64), ApiError> {
    const FILTER: &str = "FROM organizations o \
        WHERE ($1::text IS NULL OR o.type::text = $1) \
          AND ($2::text IS NULL OR o.status::text = $2) \
          AND ($3::text IS NULL OR o.name ILIKE $3 OR o.slug ILIKE $3) \
          AND ($4::uuid IS NULL OR o.id IN (SELECT m.organization_id FROM org_memberships m \
                                            WHERE m.user_id = $4 AND m.status = 'active'))";
    let member_count = if member.is_some() {
        "coalesce(app.organization_member_count(o.id), 0)"
    } else {
        "(SELECT count(*) FROM org_memberships m WHERE m.organization_id = o.id AND m.status = 'active')"
    };
    let sort = match query.sort.unwrap_or_default() {
        OrganizationSort::CreatedAt => "o.created_at",
        OrganizationSort::Name => "o.name",
    };
    let order = query.order.unwrap_or_default().sql();
    let search = search_pattern(query.search.as_deref());
    let org_type = query.org_type.map(OrgType::as_str);
    let status = query.status.map(OrganizationStatus::as_str);
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) {FILTER}"))
        .bind(org_type)
        .bind(status)
        .bind(&search)
        .bind(member)
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT o.id, o.name::text AS name, o.slug::text AS slug, o.type::text AS type, \
                o.status::text AS status, o.created_at, {member_count} AS member_count \
         {FILTER} ORDER BY {sort} {order}, o.id {order} LIMIT $5 OFFSET $6"
    ))
    .bind(org_type)
    .bind(status)
    .bind(&search)
    .bind(member)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .iter()
        .map(|row| {
            Ok(OrganizationSummary {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                slug: row.try_get("slug")?,
                org_type: org_type_of(row)?,
                status: status_of(row)?,
                member_count: row.try_get("member_count")?,
                created_at: rfc3339(row.try_get("created_at")?),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok((items, total))
}

// ---------------------------------------------------------------------------------------
// Handlers

#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", security(("bearer" = [])),
    summary = "Create an organization (platform admins)",
    request_body = OrganizationCreate,
    responses((status = 201, body = OrganizationDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS"),
        (status = 409, description = "ORG_SLUG_EXISTS"),
        (status = 422, description = "A field is invalid; INVALID_ORG_TYPE for an unknown or reserved type")))]
async fn create_organization(
    mut caller: CurrentUser,
    request_id: RequestId,
    JsonBody(body): JsonBody<OrganizationFields>,
) -> Result<(StatusCode, Json<OrganizationDetail>), ApiError> {
    require_platform_admin(&caller)?;
    let mut fields = Fields::new();
    let org_type = body.org_type.clone();
    if body.name.is_none() {
        fields.add("name", "is required");
    }
    if body.status == Some(OrganizationStatus::Suspended) {
        fields.add("status", "a new organization is active or pending_setup");
    }
    let checked = body.check(&mut fields);
    let slug = match (&checked.slug, &checked.name) {
        (Some(slug), _) => Some(slug.clone()),
        (None, Some(name)) => fields.check("slug", slugify(name)),
        (None, None) => None,
    };
    fields.finish()?;
    let org_type = match org_type {
        None => return Err(Fields::one("type", "is required")),
        Some(text) => organization::creatable_type(&text).map_err(|e| ApiError::Rule {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: INVALID_ORG_TYPE,
            detail: format!("type: {e}"),
        })?,
    };
    let (Some(name), Some(slug)) = (checked.name.clone(), slug) else {
        return Err(Fields::one("name", "is required"));
    };

    let mut tx = open_platform(&mut caller, "create organization").await?;
    let id = insert_organization(tx.conn(), org_type, &slug, &checked, &name).await?;
    tx.audit(audit_entry(
        "organization.create",
        "organization",
        id,
        &request_id,
        json!({"name": name, "slug": slug.as_str(), "type": org_type.as_str()}),
    ))
    .await?;
    let detail = read_organization(tx.conn(), id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// `GET /organizations` query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListQuery {
    /// 1-based page number (default 1). (Not a flattened `PageQuery`: serde's flatten
    /// hands numbers from a query string over as text, which `u32` refuses.)
    #[param(minimum = 1, maximum = 2147483647)]
    page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Organization type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    org_type: Option<OrgType>,
    status: Option<OrganizationStatus>,
    /// Part of the name or slug (case-insensitive).
    search: Option<String>,
    /// `created_at` (default) or `name`.
    sort: Option<OrganizationSort>,
    /// `asc` or `desc` (default).
    order: Option<SortOrder>,
}

#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", security(("bearer" = [])),
    summary = "Organizations: all for platform admins, otherwise the caller's",
    params(OrganizationListQuery),
    responses((status = 200, body = Page<OrganizationSummary>), (status = 401, description = "No valid token"),
        (status = 422, description = "A query parameter is invalid")))]
async fn list_organizations(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<OrganizationListQuery>,
) -> Result<Json<Page<OrganizationSummary>>, ApiError> {
    let page = PageQuery {
        page: query.page,
        limit: query.limit,
    }
    .validate()?;
    let mut fields = Fields::new();
    fields.check_no_nul("search", query.search.as_deref().unwrap_or_default());
    fields.finish()?;
    let (mut tx, member) = if caller.access().is_platform_admin() {
        (
            open_platform(&mut caller, "list organizations").await?,
            None,
        )
    } else {
        (caller.begin().await?, Some(caller.user_id))
    };
    let (items, total) = list_organization_rows(tx.conn(), &query, member, page).await?;
    tx.commit().await?;
    Ok(Json(Page::new(items, total, page)))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", security(("bearer" = [])),
    summary = "One organization with member and shipment counts",
    params(("id" = Uuid, Path, description = "Organization id")),
    responses((status = 200, body = OrganizationDetail), (status = 401, description = "No valid token"),
        (status = 404, description = "Not the caller's current organization, or no such organization")))]
async fn get_organization(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<OrganizationDetail>, ApiError> {
    let mut tx = open_organization(&mut caller, id, "read organization").await?;
    let detail = read_organization(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

#[utoipa::path(patch, path = "/api/v1/organizations/{id}", tag = "organizations", security(("bearer" = [])),
    summary = "Change an organization (platform admins, or its owners and admins)",
    params(("id" = Uuid, Path, description = "Organization id")),
    request_body = OrganizationFields,
    responses((status = 200, body = OrganizationDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS (slug and status are for platform admins); PROTECTED_ORGANIZATION"),
        (status = 404, description = "Not the caller's current organization, or no such organization"),
        (status = 409, description = "ORG_SLUG_EXISTS"),
        (status = 422, description = "A field is invalid")))]
async fn update_organization(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<OrganizationFields>,
) -> Result<Json<OrganizationDetail>, ApiError> {
    let mut fields = Fields::new();
    if body.org_type.is_some() {
        fields.add("type", "cannot be changed");
    }
    let changes = body.check(&mut fields);
    fields.finish()?;
    let mut tx = open_organization(&mut caller, id, "update organization").await?;
    caller.require_org(OrgPermission::SettingsManage)?;
    if changes.slug.is_some() || changes.status.is_some() {
        require_platform_admin(&caller)?;
    }
    if let Some(status) = changes.status {
        organization::check_status_change(id, status)
            .map_err(|e| ApiError::forbidden(PROTECTED_ORGANIZATION, e.to_string()))?;
    }
    update_organization_row(tx.conn(), id, &changes).await?;
    tx.audit(audit_entry(
        "organization.update",
        "organization",
        id,
        &request_id,
        json!({
            "name": changes.name,
            "slug": changes.slug.as_ref().map(Slug::as_str),
            "status": changes.status.map(OrganizationStatus::as_str),
            "settings": changes.settings,
            "contact_changed": changes.contact_email.is_some() || changes.contact_phone.is_some()
                || changes.address.is_some() || changes.country.is_some()
                || changes.registration_number.is_some() || changes.tax_id.is_some(),
        }),
    ))
    .await?;
    let detail = read_organization(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(Json(detail))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Not supported: organizations are suspended, never erased (their audit trail and
    /// shipments must outlive them). `true` answers 400 `HARD_DELETE_NOT_SUPPORTED`.
    hard_delete: Option<bool>,
}

#[utoipa::path(delete, path = "/api/v1/organizations/{id}", tag = "organizations", security(("bearer" = [])),
    summary = "Suspend an organization (platform admins); VIBOTAJ never",
    params(("id" = Uuid, Path, description = "Organization id"), DeleteQuery),
    responses((status = 200, body = SuspendedAnswer), (status = 400, description = "HARD_DELETE_NOT_SUPPORTED"),
        (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS or PROTECTED_ORGANIZATION"),
        (status = 404, description = "No such organization")))]
async fn delete_organization(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    QueryParams(query): QueryParams<DeleteQuery>,
) -> Result<Json<SuspendedAnswer>, ApiError> {
    let mut tx = open_organization(&mut caller, id, "suspend organization").await?;
    require_platform_admin(&caller)?;
    if query.hard_delete == Some(true) {
        return Err(ApiError::bad_request(
            HARD_DELETE_NOT_SUPPORTED,
            "Organizations are suspended, never erased",
        ));
    }
    organization::check_status_change(id, OrganizationStatus::Suspended)
        .map_err(|e| ApiError::forbidden(PROTECTED_ORGANIZATION, e.to_string()))?;
    let changes = Checked {
        status: Some(OrganizationStatus::Suspended),
        ..Checked::default()
    };
    update_organization_row(tx.conn(), id, &changes).await?;
    tx.audit(audit_entry(
        "organization.suspend",
        "organization",
        id,
        &request_id,
        json!({"status": "suspended"}),
    ))
    .await?;
    tx.commit().await?;
    Ok(Json(SuspendedAnswer {
        message: "Organization suspended".to_string(),
        id,
        status: OrganizationStatus::Suspended.as_str(),
    }))
}

// ---------------------------------------------------------------------------------------
// Stats

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationStats {
    organization_id: Uuid,
    /// Always `all_time`: the figures are the current state, not a window (see decisions).
    period: &'static str,
    shipments: ShipmentStats,
    documents: DocumentStats,
    compliance: ComplianceStats,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShipmentStats {
    total: i64,
    in_transit: i64,
    /// Delivered or closed.
    delivered: i64,
    /// Created or waiting for documents.
    pending_docs: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentStats {
    total: i64,
    /// Draft or uploaded, not yet validated.
    pending_validation: i64,
    compliance_ok: i64,
    compliance_failed: i64,
}

/// Zeros until the compliance issue computes EUDR status and document completeness.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ComplianceStats {
    eudr_compliant_shipments: i64,
    eudr_pending_shipments: i64,
    avg_document_completion: f64,
}

async fn read_stats(conn: &mut PgConnection, id: Uuid) -> Result<OrganizationStats, ApiError> {
    // The organization's own shipments and, for a buyer, the ones assigned to it — the same
    // set row-level security shows the organization itself.
    let shipments = sqlx::query(
        "SELECT count(*) AS total, \
                count(*) FILTER (WHERE status = 'IN_TRANSIT') AS in_transit, \
                count(*) FILTER (WHERE status IN ('DELIVERED', 'CLOSED')) AS delivered, \
                count(*) FILTER (WHERE status IN ('CREATED', 'DOCS_PENDING')) AS pending_docs \
           FROM shipments WHERE organization_id = $1 OR buyer_organization_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
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
    .fetch_one(&mut *conn)
    .await?;
    Ok(OrganizationStats {
        organization_id: id,
        period: "all_time",
        shipments: ShipmentStats {
            total: shipments.try_get("total")?,
            in_transit: shipments.try_get("in_transit")?,
            delivered: shipments.try_get("delivered")?,
            pending_docs: shipments.try_get("pending_docs")?,
        },
        documents: DocumentStats {
            total: documents.try_get("total")?,
            pending_validation: documents.try_get("pending_validation")?,
            compliance_ok: documents.try_get("compliance_ok")?,
            compliance_failed: documents.try_get("compliance_failed")?,
        },
        compliance: ComplianceStats {
            eudr_compliant_shipments: 0,
            eudr_pending_shipments: 0,
            avg_document_completion: 0.0,
        },
    })
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/stats", tag = "organizations", security(("bearer" = [])),
    summary = "Shipment and document figures of an organization",
    params(("id" = Uuid, Path, description = "Organization id")),
    responses((status = 200, body = OrganizationStats), (status = 401, description = "No valid token"),
        (status = 404, description = "Not the caller's current organization, or no such organization")))]
async fn organization_stats(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<OrganizationStats>, ApiError> {
    let mut tx = open_organization(&mut caller, id, "read organization stats").await?;
    require_organization(tx.conn(), id).await?;
    let stats = read_stats(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(Json(stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
        assert_eq!(search_pattern(Some("  ")), None);
        assert_eq!(search_pattern(Some(" hages ")), Some("%hages%".into()));
    }

    #[test]
    fn fields_distinguish_absent_null_and_values() {
        let body: OrganizationFields = super::super::extract::parse_json(
            br#"{"contact_email": null, "tax_id": "DE1", "settings": {"a": 1}}"#,
        )
        .unwrap();
        assert_eq!(body.contact_email, Some(None));
        assert_eq!(body.tax_id, Some(Some("DE1".into())));
        assert_eq!(body.contact_phone, None);
        let mut fields = Fields::new();
        let checked = body.check(&mut fields);
        assert!(fields.is_empty());
        assert_eq!(checked.contact_email, Some(None));
        assert_eq!(checked.settings, Some(json!({"a": 1})));
    }

    #[test]
    fn invalid_fields_are_all_named() {
        let body: OrganizationFields = super::super::extract::parse_json(
            br#"{"name": "x", "slug": "Bad Slug", "contact_email": "nope", "country": "deu"}"#,
        )
        .unwrap();
        let mut fields = Fields::new();
        body.check(&mut fields);
        match fields.finish() {
            Err(ApiError::Validation(list)) => {
                let names: Vec<_> = list.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(names, ["name", "slug", "contact_email", "country"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
