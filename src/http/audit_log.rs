//! The audit log, read (reference §1.8): `GET /audit-log`, `/audit-log/recent`,
//! `/audit-log/summary`.
//!
//! Who reads it: an organization's owners, admins and managers, their organization's rows
//! (revision 017's policy says the same, so a query can never show more);
//! platform admins every organization's rows, or one organization's with
//! `?organization_id=` (the access itself is audited). The predecessor let every signed-in
//! user read everyone's log, and its `total` ignored half the filters; here `total` counts
//! exactly what the filters select.

use axum::routing::get;
use axum::{Json, Router};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::{CurrentUser, INSUFFICIENT_PERMISSIONS};
use super::error::ApiError;
use super::extract::{Fields, QueryParams};
use super::reach::{Opened, Reach};
use super::time::rfc3339;
use super::AppState;
use crate::db::audit::{self as db, AuditFilter, AuditRow, TextMatch};
use crate::db::tenant::TenantTx;
use crate::domain::{text, ListCursor};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit-log", get(list))
        .route("/audit-log/recent", get(recent))
        .route("/audit-log/summary", get(summary))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, recent, summary))]
pub struct ApiDoc;

/// Reads of the feed that say nothing new (the predecessor's exclusions).
const NOT_ACTIVITY: [&str; 2] = ["shipment.list", "analytics.view"];
const MAX_OFFSET: u32 = 10_000;
/// The longest filter text (the columns are `varchar(100)`).
const MAX_FILTER_CHARS: usize = 100;

/// 403 unless the caller may read the audit log in its current organization.
fn require_reader(caller: &CurrentUser) -> Result<(), ApiError> {
    if caller.access().may_read_audit_log() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            INSUFFICIENT_PERMISSIONS,
            "Reading the audit log needs an owner, admin or manager of the organization",
        ))
    }
}

/// Opens the transaction: one organization (`organization_id`, or the caller's), or every
/// organization for a platform admin who names none.
async fn open(
    caller: &mut CurrentUser,
    organization_id: Option<Uuid>,
) -> Result<(TenantTx, Option<Uuid>), ApiError> {
    let reach = organization_id.map_or(Reach::Everywhere, Reach::Organization);
    let (tx, opened) = caller.open(reach, "read the audit log").await?;
    Ok(match opened {
        Opened::Platform => (tx, None),
        Opened::One(id) => (tx, Some(id)),
    })
}

/// One audit row, in the predecessor's shape (plus the organization and request id).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditItem {
    id: Uuid,
    organization_id: Option<Uuid>,
    user_id: Option<String>,
    username: Option<String>,
    action: String,
    resource_type: Option<String>,
    resource_id: Option<String>,
    method: Option<String>,
    path: Option<String>,
    status_code: Option<String>,
    /// `"true"` or `"false"` (the predecessor's strings).
    success: Option<String>,
    #[schema(value_type = Object)]
    details: Option<serde_json::Value>,
    error_message: Option<String>,
    request_id: Option<String>,
    #[schema(format = DateTime)]
    timestamp: String,
}

impl From<AuditRow> for AuditItem {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            organization_id: row.organization_id,
            user_id: row.user_id,
            username: row.username,
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            method: row.method,
            path: row.path,
            status_code: row.status_code,
            success: row.success,
            details: row.details,
            error_message: row.error_message,
            request_id: row.request_id,
            timestamp: rfc3339(row.timestamp),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Platform admins: one organization (default: all). Others: their own only.
    organization_id: Option<Uuid>,
    /// Exact user name (e-mail), or a prefix ending in `*`.
    #[param(max_length = 100)]
    username: Option<String>,
    /// Exact action, or a prefix ending in `*` (e.g. `document.*`).
    #[param(max_length = 100)]
    action: Option<String>,
    #[param(max_length = 100)]
    resource_type: Option<String>,
    #[param(max_length = 100)]
    resource_id: Option<String>,
    /// The window, 1–90 days back (default 7).
    #[param(minimum = 1, maximum = 90)]
    days: Option<u32>,
    /// Only successful actions.
    success_only: Option<bool>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The predecessor's paging (at most 10 000); prefer `cursor`.
    #[param(minimum = 0, maximum = 10000)]
    offset: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 48, pattern = "^([0-9a-fA-F]{48})?$")]
    cursor: Option<String>,
}

/// A bounded filter text; empty means no filter.
fn filter_text(fields: &mut Fields, name: &str, value: Option<String>) -> Option<String> {
    fields
        .check(name, text::optional(value.as_deref(), MAX_FILTER_CHARS))
        .flatten()
}

fn bounded(fields: &mut Fields, name: &str, value: Option<u32>, default: u32, max: u32) -> u32 {
    let value = value.unwrap_or(default);
    if !(1..=max).contains(&value) {
        fields.add(name, format!("must be between 1 and {max}"));
    }
    value
}

impl ListQuery {
    fn filter(self) -> Result<(AuditFilter, Option<Uuid>), ApiError> {
        let mut fields = Fields::new();
        let days = bounded(&mut fields, "days", self.days, 7, 90);
        let limit = bounded(&mut fields, "limit", self.limit, 50, 500);
        let offset = self.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            fields.add(
                "offset",
                format!("must be at most {MAX_OFFSET}; page with cursor"),
            );
        }
        let after = match self.cursor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => fields.check("cursor", ListCursor::decode(text)),
        };
        if after.is_some() && offset > 0 {
            fields.add("offset", "cannot be combined with cursor");
        }
        let username = filter_text(&mut fields, "username", self.username);
        let action = filter_text(&mut fields, "action", self.action);
        let resource_type = filter_text(&mut fields, "resource_type", self.resource_type);
        let resource_id = filter_text(&mut fields, "resource_id", self.resource_id);
        fields.finish()?;
        let filter = AuditFilter {
            organization_id: None,
            username: username.as_deref().map(TextMatch::parse),
            action: action.as_deref().map(TextMatch::parse),
            resource_type,
            resource_id,
            since: Some(Utc::now() - Duration::days(i64::from(days))),
            success_only: self.success_only.unwrap_or(false),
            exclude_actions: Vec::new(),
            after,
            offset: i64::from(offset),
            limit: i64::from(limit),
        };
        Ok((filter, self.organization_id))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    items: Vec<AuditItem>,
    /// Rows matching every filter (paging aside).
    total: i64,
    limit: i64,
    offset: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit", security(("bearer" = [])),
    summary = "Audit rows of the organization (platform admins: all, or one), newest first",
    params(ListQuery),
    responses((status = 200, body = AuditPage), (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner, admin or manager of the organization"),
        (status = 404, description = "organization_id names an organization the caller may not read")))]
async fn list(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    require_reader(&caller)?;
    let (mut filter, organization_id) = query.filter()?;
    let (mut tx, scope) = open(&mut caller, organization_id).await?;
    filter.organization_id = scope;
    let total = db::count(&mut tx, &filter).await?;
    let limit = filter.limit;
    filter.limit += 1;
    let mut rows = db::list(&mut tx, &filter).await?;
    tx.commit().await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|row| row.cursor().encode())
    } else {
        None
    };
    Ok(Json(AuditPage {
        items: rows.into_iter().map(AuditItem::from).collect(),
        total,
        limit,
        offset: filter.offset,
        next_cursor,
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecentQuery {
    /// Platform admins: one organization (default: all).
    organization_id: Option<Uuid>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Activity {
    id: Uuid,
    action: String,
    username: Option<String>,
    resource_type: Option<String>,
    resource_id: Option<String>,
    #[schema(format = DateTime)]
    timestamp: String,
    #[schema(value_type = Object)]
    details: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecentActivity {
    activities: Vec<Activity>,
}

#[utoipa::path(get, path = "/api/v1/audit-log/recent", tag = "audit", security(("bearer" = [])),
    summary = "The latest activity (list and analytics reads left out)",
    params(RecentQuery),
    responses((status = 200, body = RecentActivity), (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner, admin or manager of the organization"),
        (status = 404, description = "organization_id names an organization the caller may not read")))]
async fn recent(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<RecentQuery>,
) -> Result<Json<RecentActivity>, ApiError> {
    require_reader(&caller)?;
    let mut fields = Fields::new();
    let limit = bounded(&mut fields, "limit", query.limit, 20, 100);
    fields.finish()?;
    let (mut tx, scope) = open(&mut caller, query.organization_id).await?;
    let filter = AuditFilter {
        organization_id: scope,
        exclude_actions: NOT_ACTIVITY.map(String::from).to_vec(),
        limit: i64::from(limit),
        ..AuditFilter::default()
    };
    let rows = db::list(&mut tx, &filter).await?;
    tx.commit().await?;
    let activities = rows
        .into_iter()
        .map(|row| Activity {
            id: row.id,
            action: row.action,
            username: row.username,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            timestamp: rfc3339(row.timestamp),
            details: row.details,
        })
        .collect();
    Ok(Json(RecentActivity { activities }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Platform admins: one organization (default: all).
    organization_id: Option<Uuid>,
    /// 1–30 days back, default 7.
    #[param(minimum = 1, maximum = 30)]
    days: Option<u32>,
}

/// The counters of the summary and the action each counts.
const COUNTERS: [(&str, &str); 7] = [
    ("logins", "auth.login"),
    ("failed_logins", "auth.login_failed"),
    ("shipment_views", "shipment.view"),
    ("document_uploads", "document.upload"),
    ("document_downloads", "document.download"),
    ("tracking_refreshes", "tracking.refresh"),
    ("audit_pack_downloads", "auditpack.download"),
];

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditSummary {
    period_days: u32,
    #[schema(format = DateTime)]
    start_date: String,
    #[schema(format = DateTime)]
    end_date: String,
    /// `logins`, `failed_logins`, `shipment_views`, `document_uploads`,
    /// `document_downloads`, `tracking_refreshes`, `audit_pack_downloads`.
    #[schema(value_type = Object)]
    counts: serde_json::Map<String, serde_json::Value>,
}

#[utoipa::path(get, path = "/api/v1/audit-log/summary", tag = "audit", security(("bearer" = [])),
    summary = "Counts of sign-ins, uploads, downloads and other actions over a window",
    params(SummaryQuery),
    responses((status = 200, body = AuditSummary), (status = 401, description = "No valid token"),
        (status = 403, description = "Not an owner, admin or manager of the organization"),
        (status = 404, description = "organization_id names an organization the caller may not read")))]
async fn summary(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<SummaryQuery>,
) -> Result<Json<AuditSummary>, ApiError> {
    require_reader(&caller)?;
    let mut fields = Fields::new();
    let days = bounded(&mut fields, "days", query.days, 7, 30);
    fields.finish()?;
    let (mut tx, scope) = open(&mut caller, query.organization_id).await?;
    let end = Utc::now();
    let start = end - Duration::days(i64::from(days));
    let actions = COUNTERS.map(|(_, action)| action);
    let counted = db::counts_by_action(&mut tx, scope, start, &actions).await?;
    tx.commit().await?;
    let counts = COUNTERS
        .iter()
        .map(|(name, action)| {
            let n = counted
                .iter()
                .find(|(a, _)| a == action)
                .map_or(0, |(_, n)| *n);
            (name.to_string(), serde_json::Value::from(n))
        })
        .collect();
    Ok(Json(AuditSummary {
        period_days: days,
        start_date: rfc3339(start),
        end_date: rfc3339(end),
        counts,
    }))
}
