//! The caller's own inbox. Every query is limited to the caller's notifications
//! (`recipient_id`, the uuid revision 015 derives from the recipient's e-mail in `user_id`,
//! which survives a change of address); revision 011 lets the recipient reach them in any
//! organization they act in.

use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

use sqlx::postgres::{PgListener, PgPoolOptions};

use super::tenant::{AppPool, TenantTx};

pub(crate) const MINE: &str = "recipient_id = app.current_user_id()";

/// One notification as stored.
#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: Uuid,
    /// The predecessor's recipient text (an e-mail).
    pub user_id: String,
    pub kind: String,
    pub title: String,
    pub message: String,
    pub data: serde_json::Value,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A page of the inbox, newest first, with the totals the list answer carries.
pub struct Inbox {
    pub rows: Vec<NotificationRow>,
    /// Matching the filter.
    pub total: i64,
    pub unread: i64,
}

/// One page; `offset` is a validated, non-negative integer.
pub async fn page(
    tx: &mut TenantTx,
    unread_only: bool,
    limit: i64,
    offset: u64,
) -> Result<Inbox, sqlx::Error> {
    // The offset is in the text: bound, it makes PostgreSQL re-plan every call on a large
    // table (see db::shipments::list_shipments).
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
    let rows = rows
        .iter()
        .map(notification_row)
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(Inbox {
        rows,
        total: counts.try_get("total")?,
        unread: counts.try_get("unread")?,
    })
}

pub async fn unread_count(tx: &mut TenantTx) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM notifications WHERE {MINE} AND NOT read"
    ))
    .fetch_one(tx.conn())
    .await
}

/// Marks one read (`read_at` keeps the first time); whether it was the caller's.
pub async fn mark_read(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(&format!(
        "UPDATE notifications SET read = true, read_at = coalesce(read_at, now()) \
          WHERE id = $1 AND {MINE}"
    ))
    .bind(id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Marks every unread one read; how many.
pub async fn mark_all_read(tx: &mut TenantTx) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(&format!(
        "UPDATE notifications SET read = true, read_at = now() WHERE {MINE} AND NOT read"
    ))
    .execute(tx.conn())
    .await?
    .rows_affected())
}

/// Deletes one; whether it was the caller's.
pub async fn delete(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query(&format!(
        "DELETE FROM notifications WHERE id = $1 AND {MINE}"
    ))
    .bind(id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    Ok(deleted == 1)
}

/// Someone to notify: the account and the e-mail the predecessor's `user_id` column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: Uuid,
    pub email: String,
}

/// What a notification says.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    /// The predecessor's type strings (`document_uploaded`, `document_validated`, …).
    pub kind: &'a str,
    pub title: &'a str,
    pub message: &'a str,
    pub data: serde_json::Value,
}

/// The kind of the job that e-mails one notification (see `crate::mail`).
pub const EMAIL_JOB: &str = "email.notification";
/// Attempts at e-mailing one notification (the backoff reaches minutes, then an hour).
const EMAIL_ATTEMPTS: i32 = 8;

/// Writes the notification once per recipient, in the transaction's organization (the
/// insert-only policy of revision 017: the organization notifies, only the recipient reads).
/// When the transaction e-mails ([`TenantTx::emails`]), each one's e-mail job is enqueued in
/// the same statement: it exists exactly when the notification does.
pub async fn notify(
    tx: &mut TenantTx,
    recipients: &[Recipient],
    notification: &NewNotification<'_>,
) -> Result<(), sqlx::Error> {
    if recipients.is_empty() {
        return Ok(());
    }
    // The ids are made here: the recipients' rows are theirs to read, so the insert cannot
    // hand them back (RETURNING is subject to the read policy).
    let ids: Vec<Uuid> = recipients.iter().map(|_| Uuid::new_v4()).collect();
    let users: Vec<Uuid> = recipients.iter().map(|r| r.user_id).collect();
    let emails: Vec<&str> = recipients.iter().map(|r| r.email.as_str()).collect();
    let email = tx.emails();
    sqlx::query(
        "WITH r AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS r(nid, uid, email)), \
              written AS (INSERT INTO notifications (id, user_id, recipient_id, type, title, message, \
                                                     data, read, created_at) \
                          SELECT nid, email, uid, $4, $5, $6, $7, false, now() FROM r) \
         INSERT INTO jobs (kind, payload, max_attempts) \
         SELECT $9, jsonb_build_object('notification_id', nid, 'recipient_id', uid, \
                                       'organization_id', app.current_org()), $10 \
           FROM r WHERE $8",
    )
    .bind(&ids)
    .bind(&users)
    .bind(&emails)
    .bind(notification.kind)
    .bind(notification.title)
    .bind(notification.message)
    .bind(&notification.data)
    .bind(email)
    .bind(EMAIL_JOB)
    .bind(EMAIL_ATTEMPTS)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One of the caller's own notifications.
pub async fn own(tx: &mut TenantTx, id: Uuid) -> Result<Option<NotificationRow>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT id, user_id::text, type::text, title::text, message, coalesce(data, '{{}}') AS data, \
                read, read_at, created_at \
           FROM notifications WHERE id = $1 AND {MINE}"
    ))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    row.as_ref().map(notification_row).transpose()
}

fn notification_row(row: &sqlx::postgres::PgRow) -> Result<NotificationRow, sqlx::Error> {
    Ok(NotificationRow {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        kind: row.try_get("type")?,
        title: row.try_get("title")?,
        message: row.try_get("message")?,
        data: row.try_get("data")?,
        read: row.try_get("read")?,
        read_at: row.try_get("read_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The kinds the caller does not want by e-mail (revision 021; everything else is sent).
pub async fn email_opt_outs(tx: &mut TenantTx) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT kind FROM notification_preferences \
          WHERE user_id = app.current_user_id() AND NOT email ORDER BY kind",
    )
    .fetch_all(tx.conn())
    .await
}

/// Sets whether the caller wants `kind` by e-mail.
pub async fn set_email_preference(
    tx: &mut TenantTx,
    kind: &str,
    email: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, kind, email) \
         VALUES (app.current_user_id(), $1, $2) \
         ON CONFLICT (user_id, kind) DO UPDATE SET email = EXCLUDED.email, updated_at = now()",
    )
    .bind(kind)
    .bind(email)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The channel revision 021 announces changed inboxes on (payload: the recipient's id).
pub const CHANNEL: &str = "tracehub_notifications";

/// Listens on [`CHANNEL`] on a connection of its own (a `LISTEN` holds its session for as
/// long as it lives, so it is not taken from the requests' pool), as the application role.
pub async fn listen(pool: &AppPool) -> Result<PgListener, sqlx::Error> {
    let options = (*pool.inner().connect_options()).clone();
    let own = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options);
    let mut listener = PgListener::connect_with(&own).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
