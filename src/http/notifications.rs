//! In-app notifications: each user's own inbox (reference §1.11, shapes kept).
//!
//! Every query is limited to the caller's own notifications (`recipient_id`, the uuid that
//! revision 015 derives from the recipient's e-mail in `user_id`, which the predecessor
//! stored and the answers still show); revision 011 lets the recipient reach them in any
//! organization they act in. Another user's notification id is 404, like an unknown one.

use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::extract::{Fields, PathIds, QueryParams};
use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/unread-count", get(unread_count))
        .route("/notifications/types", get(types))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", patch(mark_read))
        .route("/notifications/{id}", delete(remove))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, unread_count, types, read_all, mark_read, remove))]
pub struct ApiDoc;

/// The caller's own notifications: `recipient_id` (revision 015) is the recipient's uuid,
/// derived from the e-mail in `user_id`; it survives a change of e-mail address.
const MINE: &str = "recipient_id = app.current_user_id()";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only unread notifications (default false).
    unread_only: Option<bool>,
    /// 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// 0–10000 (default 0).
    #[param(minimum = 0, maximum = 10000)]
    offset: Option<i64>,
}

/// The deepest offset of the list (as the shipments list's under `/api`).
const MAX_OFFSET: i64 = 10_000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Notification {
    id: Uuid,
    user_id: String,
    #[serde(rename = "type")]
    kind: String,
    title: String,
    message: String,
    #[schema(value_type = Object)]
    data: serde_json::Value,
    read: bool,
    read_at: Option<String>,
    created_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct NotificationList {
    notifications: Vec<Notification>,
    total: i64,
    unread_count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct UnreadCount {
    unread_count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Changed {
    message: &'static str,
    notification_id: Uuid,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MarkedAll {
    message: &'static str,
    marked_count: u64,
}

fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    security(("bearer" = [])), params(ListQuery),
    summary = "The caller's notifications, newest first",
    responses((status = 200, body = NotificationList), (status = 401, description = "No valid token"),
        (status = 422, description = "A parameter is out of range")))]
async fn list(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<NotificationList>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    let offset = query.offset.unwrap_or(0);
    let mut fields = Fields::new();
    if !(1..=100).contains(&limit) {
        fields.add("limit", "must be between 1 and 100");
    }
    if !(0..=MAX_OFFSET).contains(&offset) {
        fields.add("offset", format!("must be between 0 and {MAX_OFFSET}"));
    }
    fields.finish()?;
    let unread_only = query.unread_only.unwrap_or(false);

    let mut tx = caller.begin().await?;
    // The offset (a validated integer) is in the text: bound, it makes PostgreSQL re-plan
    // every call on a large table (see db::shipments::list_shipments).
    let rows = sqlx::query(&format!(
        "SELECT id, user_id::text, type::text, title::text, message, coalesce(data, '{{}}') AS data, \
                read, read_at, created_at \
           FROM notifications WHERE {MINE} AND (NOT $1 OR NOT read) \
          ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET {offset}"
    ))
    .bind(unread_only)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    let counts = sqlx::query(&format!(
        "SELECT count(*) FILTER (WHERE NOT $1 OR NOT read) AS total, \
                count(*) FILTER (WHERE NOT read) AS unread \
           FROM notifications WHERE {MINE}"
    ))
    .bind(unread_only)
    .fetch_one(tx.conn())
    .await?;
    tx.commit().await?;
    let notifications = rows
        .into_iter()
        .map(|row| {
            Ok(Notification {
                id: row.try_get("id")?,
                user_id: row.try_get("user_id")?,
                kind: row.try_get("type")?,
                title: row.try_get("title")?,
                message: row.try_get("message")?,
                data: row.try_get("data")?,
                read: row.try_get("read")?,
                read_at: row.try_get::<Option<DateTime<Utc>>, _>("read_at")?.map(iso),
                created_at: iso(row.try_get("created_at")?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Json(NotificationList {
        notifications,
        total: counts.try_get("total")?,
        unread_count: counts.try_get("unread")?,
    }))
}

#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    security(("bearer" = [])), summary = "How many of the caller's notifications are unread",
    responses((status = 200, body = UnreadCount), (status = 401, description = "No valid token")))]
async fn unread_count(mut caller: CurrentUser) -> Result<Json<UnreadCount>, ApiError> {
    let mut tx = caller.begin().await?;
    let unread_count: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM notifications WHERE {MINE} AND NOT read"
    ))
    .fetch_one(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(Json(UnreadCount { unread_count }))
}

#[utoipa::path(patch, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Notification id")),
    summary = "Mark one of the caller's notifications read",
    responses((status = 200, body = Changed), (status = 401, description = "No valid token"),
        (status = 404, description = "Not the caller's notification")))]
async fn mark_read(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<Changed>, ApiError> {
    let mut tx = caller.begin().await?;
    // read_at keeps the first time it was read.
    let changed = sqlx::query(&format!(
        "UPDATE notifications SET read = true, read_at = coalesce(read_at, now()) \
          WHERE id = $1 AND {MINE}"
    ))
    .bind(id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    tx.commit().await?;
    if changed == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(Json(Changed {
        message: "Notification marked as read",
        notification_id: id,
    }))
}

#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    security(("bearer" = [])), summary = "Mark all of the caller's notifications read",
    responses((status = 200, body = MarkedAll), (status = 401, description = "No valid token")))]
async fn read_all(mut caller: CurrentUser) -> Result<Json<MarkedAll>, ApiError> {
    let mut tx = caller.begin().await?;
    let marked_count = sqlx::query(&format!(
        "UPDATE notifications SET read = true, read_at = now() \
          WHERE {MINE} AND NOT read"
    ))
    .execute(tx.conn())
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Json(MarkedAll {
        message: "All notifications marked as read",
        marked_count,
    }))
}

#[utoipa::path(delete, path = "/api/v1/notifications/{id}", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Notification id")),
    summary = "Delete one of the caller's notifications",
    responses((status = 200, body = Changed), (status = 401, description = "No valid token"),
        (status = 404, description = "Not the caller's notification")))]
async fn remove(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<Changed>, ApiError> {
    let mut tx = caller.begin().await?;
    let deleted = sqlx::query(&format!(
        "DELETE FROM notifications WHERE id = $1 AND {MINE}"
    ))
    .bind(id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    tx.commit().await?;
    if deleted == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(Json(Changed {
        message: "Notification deleted",
        notification_id: id,
    }))
}

/// The notification types with their display facts (the predecessor's ten).
const TYPES: [(&str, &str, &str, &str, &str); 10] = [
    (
        "document_uploaded",
        "Document uploaded",
        "A document was uploaded to a shipment",
        "upload",
        "blue",
    ),
    (
        "document_validated",
        "Document validated",
        "A document passed validation",
        "check",
        "green",
    ),
    (
        "document_rejected",
        "Document rejected",
        "A document was rejected",
        "x",
        "red",
    ),
    (
        "eta_changed",
        "ETA changed",
        "A shipment's estimated arrival moved",
        "clock",
        "orange",
    ),
    (
        "shipment_arrived",
        "Shipment arrived",
        "A shipment arrived at its port of discharge",
        "anchor",
        "green",
    ),
    (
        "shipment_departed",
        "Shipment departed",
        "A shipment left its port of loading",
        "ship",
        "blue",
    ),
    (
        "shipment_delivered",
        "Shipment delivered",
        "A shipment was delivered",
        "package",
        "green",
    ),
    (
        "compliance_alert",
        "Compliance alert",
        "A compliance check needs attention",
        "alert-triangle",
        "red",
    ),
    (
        "expiry_warning",
        "Expiry warning",
        "A document expires soon",
        "calendar",
        "orange",
    ),
    (
        "system_alert",
        "System alert",
        "A message from the platform",
        "info",
        "gray",
    ),
];

#[utoipa::path(get, path = "/api/v1/notifications/types", tag = "notifications",
    security(("bearer" = [])), summary = "The notification types and how to show them",
    responses((status = 200, description = "{types: {<type>: {name, description, icon, color}}}"),
        (status = 401, description = "No valid token")))]
async fn types(_caller: CurrentUser) -> Json<serde_json::Value> {
    let types: serde_json::Map<String, serde_json::Value> = TYPES
        .iter()
        .map(|(key, name, description, icon, color)| {
            (
                key.to_string(),
                serde_json::json!({"name": name, "description": description, "icon": icon, "color": color}),
            )
        })
        .collect();
    Json(serde_json::json!({ "types": types }))
}
