//! In-app notifications: each user's own inbox (reference §1.11, shapes kept).
//!
//! Every query is limited to the caller's own notifications (`recipient_id`, the uuid that
//! revision 015 derives from the recipient's e-mail in `user_id`, which the predecessor
//! stored and the answers still show); revision 011 lets the recipient reach them in any
//! organization they act in. Another user's notification id is 404, like an unknown one.

use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::extract::{Fields, JsonBody, PathIds, QueryParams};
use super::time::rfc3339_seconds;
use super::AppState;
use crate::db::notifications;
use crate::domain::notification::NotificationKind;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/unread-count", get(unread_count))
        .route("/notifications/types", get(types))
        .route(
            "/notifications/stream",
            get(super::notification_stream::stream),
        )
        .route("/notifications/read-all", post(read_all))
        .route(
            "/notifications/preferences",
            get(preferences).put(set_preferences),
        )
        .route("/notifications/{id}/read", patch(mark_read))
        .route("/notifications/{id}", delete(remove))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    unread_count,
    types,
    read_all,
    mark_read,
    remove,
    preferences,
    set_preferences
))]
pub struct ApiDoc;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only unread notifications (default false).
    pub unread_only: Option<bool>,
    /// 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// 0–10000 (default 0).
    #[param(minimum = 0, maximum = 10000)]
    pub offset: Option<i64>,
}

/// The deepest offset of the list (as the shipments list's under `/api`).
const MAX_OFFSET: i64 = 10_000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Notification {
    pub id: Uuid,
    pub user_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub message: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub read: bool,
    pub read_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NotificationList {
    pub notifications: Vec<Notification>,
    pub total: i64,
    pub unread_count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct UnreadCount {
    unread_count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Changed {
    pub message: &'static str,
    pub notification_id: Uuid,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct MarkedAll {
    pub message: &'static str,
    pub marked_count: u64,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    security(("bearer" = [])), params(ListQuery),
    summary = "The caller's notifications, newest first",
    responses((status = 200, body = NotificationList), (status = 401, description = "No valid token"),
        (status = 422, description = "A parameter is out of range")))]
pub(crate) async fn list(
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
    let inbox = notifications::page(&mut tx, unread_only, limit, offset.unsigned_abs()).await?;
    tx.commit().await?;
    let notifications = inbox
        .rows
        .into_iter()
        .map(|row| Notification {
            id: row.id,
            user_id: row.user_id,
            kind: row.kind,
            title: row.title,
            message: row.message,
            data: row.data,
            read: row.read,
            read_at: row.read_at.map(rfc3339_seconds),
            created_at: rfc3339_seconds(row.created_at),
        })
        .collect();
    Ok(Json(NotificationList {
        notifications,
        total: inbox.total,
        unread_count: inbox.unread,
    }))
}

#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    security(("bearer" = [])), summary = "How many of the caller's notifications are unread",
    responses((status = 200, body = UnreadCount), (status = 401, description = "No valid token")))]
async fn unread_count(mut caller: CurrentUser) -> Result<Json<UnreadCount>, ApiError> {
    let mut tx = caller.begin().await?;
    let unread_count = notifications::unread_count(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(UnreadCount { unread_count }))
}

#[utoipa::path(patch, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Notification id")),
    summary = "Mark one of the caller's notifications read",
    responses((status = 200, body = Changed), (status = 401, description = "No valid token"),
        (status = 404, description = "Not the caller's notification")))]
pub(crate) async fn mark_read(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<Changed>, ApiError> {
    let mut tx = caller.begin().await?;
    let changed = notifications::mark_read(&mut tx, id).await?;
    tx.commit().await?;
    if !changed {
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
pub(crate) async fn read_all(mut caller: CurrentUser) -> Result<Json<MarkedAll>, ApiError> {
    let mut tx = caller.begin().await?;
    let marked_count = notifications::mark_all_read(&mut tx).await?;
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
    let deleted = notifications::delete(&mut tx, id).await?;
    tx.commit().await?;
    if !deleted {
        return Err(ApiError::NotFound);
    }
    Ok(Json(Changed {
        message: "Notification deleted",
        notification_id: id,
    }))
}

#[utoipa::path(get, path = "/api/v1/notifications/types", tag = "notifications",
    security(("bearer" = [])), summary = "The notification types and how to show them",
    responses((status = 200, description = "{types: {<type>: {name, description, icon, color}}}"),
        (status = 401, description = "No valid token")))]
async fn types(_caller: CurrentUser) -> Json<serde_json::Value> {
    let types: serde_json::Map<String, serde_json::Value> = NotificationKind::ALL
        .iter()
        .map(|kind| {
            let display = serde_json::to_value(kind.display()).expect("plain strings");
            (kind.as_str().to_string(), display)
        })
        .collect();
    Json(serde_json::json!({ "types": types }))
}

/// Which kinds of notification the caller gets by e-mail (all, unless turned off).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Preferences {
    /// Every kind, `true` when it is e-mailed (when the platform sends e-mail at all).
    #[schema(value_type = Object)]
    email: std::collections::BTreeMap<&'static str, bool>,
}

/// Changes to the caller's e-mail preferences; kinds not named keep theirs.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PreferencesChange {
    /// `{kind: true|false}` for any of the ten kinds (`eta_changed`, `shipment_arrived`, …).
    #[schema(value_type = Object)]
    email: std::collections::BTreeMap<String, bool>,
}

async fn preferences_of(tx: &mut crate::db::tenant::TenantTx) -> Result<Preferences, ApiError> {
    let off = notifications::email_opt_outs(tx).await?;
    Ok(Preferences {
        email: NotificationKind::ALL
            .iter()
            .map(|kind| (kind.as_str(), !off.iter().any(|k| k == kind.as_str())))
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/notifications/preferences", tag = "notifications",
    security(("bearer" = [])), summary = "Which kinds the caller gets by e-mail",
    responses((status = 200, body = Preferences)))]
async fn preferences(mut caller: CurrentUser) -> Result<Json<Preferences>, ApiError> {
    let mut tx = caller.begin().await?;
    let answer = preferences_of(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(answer))
}

#[utoipa::path(put, path = "/api/v1/notifications/preferences", tag = "notifications",
    security(("bearer" = [])), summary = "Turn e-mail of some kinds on or off",
    request_body = PreferencesChange,
    responses((status = 200, body = Preferences),
        (status = 422, description = "An unknown kind (`fields` names it)")))]
async fn set_preferences(
    mut caller: CurrentUser,
    JsonBody(change): JsonBody<PreferencesChange>,
) -> Result<Json<Preferences>, ApiError> {
    let mut fields = Fields::new();
    let kinds: Vec<(NotificationKind, bool)> = change
        .email
        .iter()
        .filter_map(|(kind, on)| {
            fields
                .check(&format!("email.{kind}"), NotificationKind::parse(kind))
                .map(|kind| (kind, *on))
        })
        .collect();
    fields.finish()?;
    let mut tx = caller.begin().await?;
    for (kind, on) in kinds {
        notifications::set_email_preference(&mut tx, kind.as_str(), on).await?;
    }
    let answer = preferences_of(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(answer))
}
