//! The only door to tenant tables: a transaction of the application role with the tenant
//! context set for exactly that transaction.
//!
//! Revision 007 puts every tenant table under row-level security keyed on transaction-local
//! settings. [`AppPool`] connections run as the non-owner role `tracehub_app`, and
//! [`TenantTx::begin`] sets the context with `set_config(…, true)` right after `BEGIN`, so it
//! vanishes at COMMIT or ROLLBACK and a pooled connection never carries one request's tenant
//! into the next. Without a context every tenant table reads as empty.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The role the server's queries run as (created by revision 007).
pub const APP_ROLE: &str = "tracehub_app";

/// A pool whose connections all run as [`APP_ROLE`].
#[derive(Clone, Debug)]
pub struct AppPool {
    pool: PgPool,
    /// Whether notifications written through this pool are also e-mailed (SMTP is
    /// configured): each then enqueues its e-mail job in the same transaction.
    email: bool,
}

impl AppPool {
    /// Connects as the application role, with the login derived from the owner's `url`
    /// ([`super::app_role`]: no `SET ROLE`, so nothing can `RESET` it).
    pub async fn connect(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, sqlx::Error> {
        let options = super::app_role::login_options(url).await?;
        Self::connect_with(options, max_connections, acquire_timeout).await
    }

    /// Connects with an explicit login of the application role (`TRACEHUB_APP_DATABASE_URL`).
    pub async fn connect_as(
        app_url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, sqlx::Error> {
        Self::connect_with(app_url.parse()?, max_connections, acquire_timeout).await
    }

    async fn connect_with(
        options: PgConnectOptions,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(acquire_timeout)
            // sqlx pings every connection when it is returned to the pool; a second ping on
            // each acquire would add a round trip to every request for nothing. A connection
            // that died while idle (server restart) fails its next query and is discarded.
            .test_before_acquire(false)
            .before_acquire(|conn, _meta| {
                Box::pin(async move {
                    if stale_statement_window_open() {
                        conn.clear_cached_statements().await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        super::app_role::verify(&mut *pool.acquire().await?).await?;
        Ok(Self { pool, email: false })
    }

    /// Notifications written through this pool are also e-mailed (see [`TenantTx::emails`]).
    pub fn with_email(mut self, on: bool) -> Self {
        self.email = on;
        self
    }

    /// The raw pool, for the queries of `db/` that touch no tenant table.
    pub(in crate::db) fn inner(&self) -> &PgPool {
        &self.pool
    }

    /// The raw pool, for the tests that check isolation and pool behaviour as the
    /// application role. Nothing under `src/` calls it (see `connection_for_isolation_tests`).
    #[doc(hidden)]
    pub fn pool_for_isolation_tests(&self) -> &PgPool {
        &self.pool
    }

    /// Connections open, and of those idle (for `/metrics`).
    pub fn usage(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// Readiness: a connection answers within the pool's wait limit.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    /// The revision the database is at (`alembic_version`, readable by the application role).
    pub async fn revision(&self) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT version_num FROM alembic_version")
            .fetch_optional(&self.pool)
            .await
    }
}

/// Until when (milliseconds since the epoch) connections drop their prepared statements as
/// they are handed out; see [`statements_went_stale`].
static STALE_STATEMENTS_UNTIL_MS: AtomicU64 = AtomicU64::new(0);

/// How long after a stale statement was seen every acquired connection clears its cache: long
/// enough for each pooled connection to be handed out at least once under load.
const STALE_STATEMENT_WINDOW: Duration = Duration::from_secs(60);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn stale_statement_window_open() -> bool {
    now_ms() < STALE_STATEMENTS_UNTIL_MS.load(Ordering::Relaxed)
}

/// Whether PostgreSQL refused a prepared statement because the columns it returns changed
/// type under it — a revision ran while this server was serving. sqlx keeps its prepared
/// statements per connection, so each would keep failing until cleared.
pub fn is_stale_statement(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e)
        if e.code().as_deref() == Some("0A000")
            && e.message().contains("cached plan must not change result type"))
}

/// Called when [`is_stale_statement`] was seen: for the next [`STALE_STATEMENT_WINDOW`],
/// every connection drops its prepared statements as it is handed out, so the pool recovers
/// without a restart (the request that met it answers 503 and may be retried).
pub fn statements_went_stale() {
    let until = now_ms() + STALE_STATEMENT_WINDOW.as_millis() as u64;
    STALE_STATEMENTS_UNTIL_MS.fetch_max(until, Ordering::Relaxed);
    tracing::warn!("prepared statements went stale (a column changed type); clearing them");
}

/// Whose data a transaction may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantContext {
    pub organization_id: Uuid,
    pub user_id: Option<Uuid>,
}

/// One audit-log row: who did what to which resource (see [`TenantTx::audit`]).
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// Dotted verb, e.g. `user.create`, `member.suspend`, `shipment.delete`.
    pub action: &'a str,
    /// e.g. `user`, `organization`, `membership`, `invitation`, `shipment`.
    pub resource_type: &'a str,
    pub resource_id: Option<String>,
    /// The acting user's e-mail (or another readable name), when known.
    pub actor: Option<&'a str>,
    /// The request's `X-Request-ID`, when known.
    pub request_id: Option<&'a str>,
    /// What changed (never secrets or password hashes).
    pub details: serde_json::Value,
}

/// A transaction bound to one organization.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    context: TenantContext,
    email: bool,
}

impl std::fmt::Debug for TenantTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantTx")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

impl TenantTx {
    /// Begins a transaction and sets the tenant context for it alone.
    pub async fn begin(pool: &AppPool, context: TenantContext) -> Result<Self, sqlx::Error> {
        let tx = pool
            .pool
            .begin_with(begin_statement(&context, false))
            .await?;
        Ok(Self {
            tx,
            context,
            email: pool.email,
        })
    }

    /// The explicit cross-organization path of platform administrators. The access is
    /// written to the audit log in the same transaction, so it cannot happen unrecorded.
    pub async fn begin_platform(
        pool: &AppPool,
        context: TenantContext,
        actor: &str,
        reason: &str,
    ) -> Result<Self, sqlx::Error> {
        let mut tx = pool
            .pool
            .begin_with(begin_statement(&context, true))
            .await?;
        sqlx::query(
            "INSERT INTO audit_logs (id, user_id, actor_id, username, action, resource_type, success, details, \"timestamp\", organization_id) \
             VALUES (gen_random_uuid(), $1::uuid::text, $1::uuid, $2, 'platform.access', 'organization', 'true', \
                     jsonb_build_object('reason', $3::text), now(), $4)",
        )
        .bind(context.user_id)
        .bind(actor)
        .bind(reason)
        .bind(context.organization_id)
        .execute(&mut *tx)
        .await?;
        Ok(Self {
            tx,
            context,
            email: pool.email,
        })
    }

    /// Records a mutation in the audit log, in this transaction (so it is written exactly
    /// when the change commits), under this transaction's organization. The acting user is
    /// `actor_id` (revision 015: a uuid without a foreign key, so the row outlives the user)
    /// and, as the predecessor wrote it, the text `user_id`.
    pub async fn audit(&mut self, entry: AuditEntry<'_>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_logs (id, user_id, actor_id, username, action, resource_type, \
                                     resource_id, request_id, success, details, \"timestamp\", \
                                     organization_id) \
             VALUES (gen_random_uuid(), $1::uuid::text, $1::uuid, $2, $3, $4, $5, $6, 'true', $7, \
                     now(), $8)",
        )
        .bind(self.context.user_id)
        .bind(entry.actor.map(audit_column))
        .bind(entry.action)
        .bind(entry.resource_type)
        .bind(entry.resource_id)
        .bind(entry.request_id)
        .bind(entry.details)
        .bind(self.context.organization_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub fn context(&self) -> TenantContext {
        self.context
    }

    /// Whether the notifications this transaction writes are e-mailed too.
    pub fn emails(&self) -> bool {
        self.email
    }

    /// Moves this transaction's tenant context to `organization_id` (transaction-local, like
    /// [`TenantTx::begin`] sets it), keeping the context this value reports in step with the
    /// one the policies see. For a change that must touch rows of two organizations the
    /// caller belongs to atomically (set-primary) with the policies in force.
    pub async fn act_in(&mut self, organization_id: Uuid) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT set_config('app.current_org', $1, true)")
            .bind(organization_id.to_string())
            .execute(&mut *self.tx)
            .await?;
        self.context.organization_id = organization_id;
        Ok(())
    }

    /// The connection to run this tenant's queries on: for the queries of `db/` only, so
    /// every tenant query is one of theirs.
    pub(in crate::db) fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// The same connection, for the tests that check isolation by running arbitrary SQL as
    /// the application role. Nothing under `src/` calls it (the test
    /// `hygiene::only_db_queries_tenant_tables` holds that).
    #[doc(hidden)]
    pub fn connection_for_isolation_tests(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// The longest text of `audit_logs.username` (`varchar(100)`, the predecessor's column).
const AUDIT_TEXT_CHARS: usize = 100;

/// `text` cut to [`AUDIT_TEXT_CHARS`]: an actor's e-mail may have up to 254 characters, and a
/// longer value must not fail the change it records (`actor_id` names the user exactly).
fn audit_column(text: &str) -> &str {
    match text.char_indices().nth(AUDIT_TEXT_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// `BEGIN` and the tenant context as one simple-protocol string: one round trip instead of
/// two, on every request. The values are UUIDs (formatted by `Uuid`, hex and hyphens only) and
/// fixed words, so nothing from a request can reach the SQL text.
fn begin_statement(context: &TenantContext, platform: bool) -> String {
    let user = context.user_id.map(|u| u.to_string()).unwrap_or_default();
    format!(
        "BEGIN; SELECT set_config('app.current_org', '{}', true), \
                set_config('app.current_user', '{user}', true), \
                set_config('app.platform_access', '{}', true)",
        context.organization_id,
        if platform { "on" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_texts_are_cut_to_the_column() {
        assert_eq!(audit_column("a@b.de"), "a@b.de");
        let long = format!("{}@example.com", "ä".repeat(120));
        assert_eq!(audit_column(&long).chars().count(), AUDIT_TEXT_CHARS);
        assert!(long.starts_with(audit_column(&long)));
    }

    #[test]
    fn the_begin_statement_holds_only_uuids_and_fixed_words() {
        let context = TenantContext {
            organization_id: Uuid::nil(),
            user_id: Some(Uuid::max()),
        };
        let sql = begin_statement(&context, true);
        assert!(sql.starts_with("BEGIN; SELECT set_config('app.current_org', '00000000-0000-0000-0000-000000000000', true)"));
        assert!(sql.contains("'ffffffff-ffff-ffff-ffff-ffffffffffff'"));
        assert!(sql.contains("'on'"));
        let anonymous = begin_statement(
            &TenantContext {
                organization_id: Uuid::nil(),
                user_id: None,
            },
            false,
        );
        assert!(anonymous.contains("set_config('app.current_user', '', true)"));
        assert!(anonymous.contains("set_config('app.platform_access', '', true)"));
    }
}
