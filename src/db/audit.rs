//! Reading the audit log (writing is [`TenantTx::audit`]: every mutation, in its own
//! transaction).
//!
//! Row-level security (revision 017) shows an organization's rows to its active owners,
//! admins and managers, and every row on the platform path; the application role can
//! insert rows but never update or delete them. Pages are keyset pages, newest first, on
//! `(timestamp, id)`; the `(organization_id, timestamp)` index of revision 006/015 serves an
//! organization's window.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::tenant::TenantTx;
use crate::domain::ListCursor;

/// One audit row as the API shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub status_code: Option<String>,
    pub success: Option<String>,
    pub details: Option<serde_json::Value>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
    pub timestamp: DateTime<Utc>,
}

impl AuditRow {
    pub fn cursor(&self) -> ListCursor {
        ListCursor {
            created_at: self.timestamp,
            id: self.id,
        }
    }
}

/// A text filter: exact, or a prefix (the predecessor's trailing `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    Exact(String),
    Prefix(String),
}

impl TextMatch {
    /// `abc*` is a prefix, anything else exact.
    pub fn parse(text: &str) -> Self {
        match text.strip_suffix('*') {
            Some(prefix) => TextMatch::Prefix(prefix.to_string()),
            None => TextMatch::Exact(text.to_string()),
        }
    }
}

/// The filters of `GET /audit-log`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// One organization; `None` on the platform path means every organization.
    pub organization_id: Option<Uuid>,
    pub username: Option<TextMatch>,
    pub action: Option<TextMatch>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub success_only: bool,
    /// Actions left out (the recent-activity feed skips reads).
    pub exclude_actions: Vec<String>,
    pub after: Option<ListCursor>,
    pub offset: i64,
    pub limit: i64,
}

fn push_text(builder: &mut QueryBuilder<'_, Postgres>, column: &str, filter: &TextMatch) {
    match filter {
        TextMatch::Exact(text) => {
            builder
                .push(format!(" AND {column} = "))
                .push_bind(text.clone());
        }
        TextMatch::Prefix(prefix) => {
            // starts_with, not LIKE: the prefix is the client's text, wildcards and all.
            builder
                .push(format!(" AND starts_with({column}, "))
                .push_bind(prefix.clone())
                .push(")");
        }
    }
}

fn push_conditions(builder: &mut QueryBuilder<'_, Postgres>, filter: &AuditFilter) {
    builder.push(" WHERE true");
    if let Some(id) = filter.organization_id {
        builder.push(" AND organization_id = ").push_bind(id);
    }
    if let Some(username) = &filter.username {
        push_text(builder, "username", username);
    }
    if let Some(action) = &filter.action {
        push_text(builder, "action", action);
    }
    if let Some(kind) = &filter.resource_type {
        builder
            .push(" AND resource_type = ")
            .push_bind(kind.clone());
    }
    if let Some(id) = &filter.resource_id {
        builder.push(" AND resource_id = ").push_bind(id.clone());
    }
    if let Some(since) = filter.since {
        builder.push(" AND \"timestamp\" >= ").push_bind(since);
    }
    if filter.success_only {
        builder.push(" AND success = 'true'");
    }
    if !filter.exclude_actions.is_empty() {
        builder
            .push(" AND action <> ALL(")
            .push_bind(filter.exclude_actions.clone())
            .push(")");
    }
}

/// One page of audit rows, newest first.
pub async fn list(tx: &mut TenantTx, filter: &AuditFilter) -> Result<Vec<AuditRow>, sqlx::Error> {
    let mut builder = QueryBuilder::new(
        "SELECT id, organization_id, user_id, username, action, resource_type, resource_id, \
                method, path, status_code, success, details, error_message, request_id, \
                \"timestamp\" FROM audit_logs",
    );
    push_conditions(&mut builder, filter);
    if let Some(after) = filter.after {
        // Spelled out rather than as a row comparison, so it can be an index condition.
        builder
            .push(" AND \"timestamp\" <= ")
            .push_bind(after.created_at)
            .push(" AND (\"timestamp\" < ")
            .push_bind(after.created_at)
            .push(" OR id < ")
            .push_bind(after.id)
            .push(")");
    }
    builder
        .push(" ORDER BY \"timestamp\" DESC, id DESC LIMIT ")
        .push_bind(filter.limit)
        .push(" OFFSET ")
        .push_bind(filter.offset);
    builder.build_query_as().fetch_all(tx.conn()).await
}

/// How many rows match the filter (cursor and paging aside).
pub async fn count(tx: &mut TenantTx, filter: &AuditFilter) -> Result<i64, sqlx::Error> {
    let mut builder = QueryBuilder::new("SELECT count(*) FROM audit_logs");
    push_conditions(&mut builder, filter);
    builder.build_query_scalar().fetch_one(tx.conn()).await
}

/// Rows per action since `since`, for the actions named (the summary's counters).
pub async fn counts_by_action(
    tx: &mut TenantTx,
    organization_id: Option<Uuid>,
    since: DateTime<Utc>,
    actions: &[&str],
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT action, count(*) FROM audit_logs \
          WHERE \"timestamp\" >= $1 AND action = ANY($2) \
            AND ($3::uuid IS NULL OR organization_id = $3) \
          GROUP BY action",
    )
    .bind(since)
    .bind(actions)
    .bind(organization_id)
    .fetch_all(tx.conn())
    .await
}
