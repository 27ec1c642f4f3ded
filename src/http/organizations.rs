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

pub(crate) mod members;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::OpenApi;
use uuid::Uuid;

use super::auth::{CurrentUser, INSUFFICIENT_PERMISSIONS};
use super::error::ApiError;
use super::extract::{nullable, Fields, JsonBody, PathIds, QueryParams, RequestId};
use super::pagination::{Page, PageQuery};
use super::reach::{Opened, Reach};
use super::time::rfc3339;
use super::AppState;
use crate::db::organizations::{
    self, Figures, OrganizationChanges, OrganizationFilter, OrganizationRow, Sort, SummaryRow,
    TextChange,
};
use crate::db::tenant::{AuditEntry, TenantTx};
use crate::domain::organization::{self, OrganizationStatus};
use crate::domain::{slugify, text, Email, OrgPermission, OrgType, Slug};

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
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
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
    #[schema(format = Email, max_length = 254)]
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

/// Checks an optional free-text field: trimmed, empty means null, at most `max` characters
/// and no NUL.
fn text_change(fields: &mut Fields, name: &str, value: TextChange, max: usize) -> TextChange {
    value.map(|inner| {
        let text = inner
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        if let Some(t) = &text {
            fields.check(name, text::bounded(t, max));
        }
        text
    })
}

impl OrganizationFields {
    /// Field checks shared by create and update; every problem is collected into one 422.
    fn check(self, fields: &mut Fields) -> OrganizationChanges {
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
        OrganizationChanges {
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
            settings: self.settings.map(Value::Object).inspect(|settings| {
                fields.check("settings", organization::check_settings(settings));
            }),
        }
    }
}

/// One organization in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrganizationSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    #[serde(rename = "type")]
    pub org_type: &'static str,
    pub status: &'static str,
    pub member_count: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
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
// From rows to answers

impl From<OrganizationRow> for OrganizationDetail {
    fn from(row: OrganizationRow) -> Self {
        OrganizationDetail {
            id: row.id,
            name: row.name,
            slug: row.slug,
            org_type: row.org_type.as_str(),
            status: row.status.as_str(),
            contact_email: row.email,
            contact_phone: row.phone,
            address: row.address,
            country: row.country,
            registration_number: row.registration_number,
            tax_id: row.tax_id,
            settings: row.settings,
            member_count: row.member_count,
            shipment_count: row.shipment_count,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

impl From<SummaryRow> for OrganizationSummary {
    fn from(row: SummaryRow) -> Self {
        OrganizationSummary {
            id: row.id,
            name: row.name,
            slug: row.slug,
            org_type: row.org_type.as_str(),
            status: row.status.as_str(),
            member_count: row.member_count,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// The organization and its counts, or 404.
async fn read_organization(tx: &mut TenantTx, id: Uuid) -> Result<OrganizationDetail, ApiError> {
    let row = organizations::find(tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(row.into())
}

/// 404 unless the organization exists (and is visible in this transaction): for routes
/// whose own query would answer an empty result instead.
pub(super) async fn require_organization(tx: &mut TenantTx, id: Uuid) -> Result<(), ApiError> {
    if organizations::exists(tx, id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
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

// ---------------------------------------------------------------------------------------
// Handlers

#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", security(("bearer" = [])),
    summary = "Create an organization (platform admins)",
    request_body = OrganizationCreate,
    responses((status = 201, body = OrganizationDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "INSUFFICIENT_PERMISSIONS"),
        (status = 409, description = "ORG_SLUG_EXISTS"),
        (status = 422, description = "A field is invalid; INVALID_ORG_TYPE for an unknown or reserved type")))]
pub(crate) async fn create_organization(
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

    let (mut tx, _) = caller
        .open(Reach::Everywhere, "create organization")
        .await?;
    let id = organizations::insert(&mut tx, org_type, &name, &slug, &checked).await?;
    tx.audit(audit_entry(
        "organization.create",
        "organization",
        id,
        &request_id,
        json!({"name": name, "slug": slug.as_str(), "type": org_type.as_str()}),
    ))
    .await?;
    let detail = read_organization(&mut tx, id).await?;
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
    pub page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// Organization type.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub org_type: Option<OrgType>,
    pub status: Option<OrganizationStatus>,
    /// Part of the name or slug (case-insensitive).
    pub search: Option<String>,
    /// `created_at` (default) or `name`.
    pub sort: Option<OrganizationSort>,
    /// `asc` or `desc` (default).
    pub order: Option<SortOrder>,
}

#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", security(("bearer" = [])),
    summary = "Organizations: all for platform admins, otherwise the caller's",
    params(OrganizationListQuery),
    responses((status = 200, body = Page<OrganizationSummary>), (status = 401, description = "No valid token"),
        (status = 422, description = "A query parameter is invalid")))]
pub(crate) async fn list_organizations(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<OrganizationListQuery>,
) -> Result<Json<Page<OrganizationSummary>>, ApiError> {
    let page = PageQuery {
        page: query.page,
        limit: query.limit,
    }
    .validate()?;
    let search = text::search_term(query.search.as_deref())
        .map_err(|e| Fields::one("search", &e.to_string()))?;
    let (mut tx, opened) = caller.open(Reach::Everywhere, "list organizations").await?;
    let filter = OrganizationFilter {
        org_type: query.org_type,
        status: query.status,
        search,
        sort: match query.sort.unwrap_or_default() {
            OrganizationSort::CreatedAt => Sort::CreatedAt,
            OrganizationSort::Name => Sort::Name,
        },
        descending: matches!(query.order.unwrap_or_default(), SortOrder::Desc),
        member: (opened != Opened::Platform).then_some(caller.user_id),
    };
    let (rows, total) = organizations::list(&mut tx, &filter, page.limit(), page.offset()).await?;
    tx.commit().await?;
    let items = rows.into_iter().map(OrganizationSummary::from).collect();
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
    let mut tx = caller.open_in(id, "read organization").await?;
    let detail = read_organization(&mut tx, id).await?;
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
    let mut tx = caller.open_in(id, "update organization").await?;
    caller.require_org(OrgPermission::SettingsManage)?;
    if changes.slug.is_some() || changes.status.is_some() {
        require_platform_admin(&caller)?;
    }
    if let Some(status) = changes.status {
        organization::check_status_change(id, status)
            .map_err(|e| ApiError::forbidden(PROTECTED_ORGANIZATION, e.to_string()))?;
    }
    if !organizations::update(&mut tx, id, &changes).await? {
        return Err(ApiError::NotFound);
    }
    let detail = read_organization(&mut tx, id).await?;
    if changes.settings.is_some() {
        // Merged key by key, the stored object may outgrow what one request could send;
        // refused here, the transaction (and the update) is rolled back.
        organization::check_merged_settings(&detail.settings)
            .map_err(|e| Fields::one("settings", &e.to_string()))?;
    }
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
            "contact_changed": changes.changes_contact(),
        }),
    ))
    .await?;
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
    let mut tx = caller.open_in(id, "suspend organization").await?;
    require_platform_admin(&caller)?;
    if query.hard_delete == Some(true) {
        return Err(ApiError::bad_request(
            HARD_DELETE_NOT_SUPPORTED,
            "Organizations are suspended, never erased",
        ));
    }
    organization::check_status_change(id, OrganizationStatus::Suspended)
        .map_err(|e| ApiError::forbidden(PROTECTED_ORGANIZATION, e.to_string()))?;
    let changes = OrganizationChanges {
        status: Some(OrganizationStatus::Suspended),
        ..OrganizationChanges::default()
    };
    if !organizations::update(&mut tx, id, &changes).await? {
        return Err(ApiError::NotFound);
    }
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

impl OrganizationStats {
    fn new(organization_id: Uuid, figures: Figures) -> Self {
        OrganizationStats {
            organization_id,
            period: "all_time",
            shipments: ShipmentStats {
                total: figures.shipments,
                in_transit: figures.in_transit,
                delivered: figures.delivered,
                pending_docs: figures.pending_docs,
            },
            documents: DocumentStats {
                total: figures.documents,
                pending_validation: figures.pending_validation,
                compliance_ok: figures.compliance_ok,
                compliance_failed: figures.compliance_failed,
            },
            compliance: ComplianceStats {
                eudr_compliant_shipments: 0,
                eudr_pending_shipments: 0,
                avg_document_completion: 0.0,
            },
        }
    }
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
    let mut tx = caller.open_in(id, "read organization stats").await?;
    require_organization(&mut tx, id).await?;
    let figures = organizations::figures(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(OrganizationStats::new(id, figures)))
}

#[cfg(test)]
mod tests {
    use super::*;

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
