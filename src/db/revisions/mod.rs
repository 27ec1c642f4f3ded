//! The revision engine: plain SQL revisions tracked in Alembic's `alembic_version` table.
//!
//! The predecessor used Alembic, so an adopted database already has `alembic_version` with
//! one row (`version_num = '002'`). We keep that table and the revision ids, so `alembic
//! current` and `tracehub db current` agree.
//!
//! Each revision is a folder `migrations/NNN_name/` with `up.sql`, `down.sql` and, where a
//! downgrade can destroy data, `down_guard.sql`: a query returning `(what, lost)` rows that
//! must all be zero unless the operator allows data loss. Files are split into steps (see
//! [`script`]); every step is idempotent, so a run killed at any moment and started again
//! converges. The revision is recorded in the same transaction as its last step.
//!
//! Only one migration runs at a time: a session-level advisory lock, held on a connection of
//! its own for the whole run, guards every upgrade and downgrade.

pub mod script;

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use sqlx::{Connection, Executor, PgConnection, Row};

use super::catalog;
use script::{Step, StepMode};

/// One schema revision, embedded in the binary.
#[derive(Debug)]
pub struct Revision {
    pub id: &'static str,
    pub name: &'static str,
    up: &'static str,
    down: &'static str,
    down_guard: Option<&'static str>,
}

macro_rules! revision {
    ($id:literal, $name:literal) => {
        revision!($id, $name, None)
    };
    ($id:literal, $name:literal, guarded) => {
        revision!(
            $id,
            $name,
            Some(include_str!(concat!(
                "../../../migrations/",
                $id,
                "_",
                $name,
                "/down_guard.sql"
            )))
        )
    };
    ($id:literal, $name:literal, $guard:expr) => {
        Revision {
            id: $id,
            name: $name,
            up: include_str!(concat!("../../../migrations/", $id, "_", $name, "/up.sql")),
            down: include_str!(concat!(
                "../../../migrations/",
                $id,
                "_",
                $name,
                "/down.sql"
            )),
            down_guard: $guard,
        }
    };
}

static REVISIONS: &[Revision] = &[
    revision!("001", "baseline", guarded),
    revision!("002", "document_types"),
    revision!("003", "multitenancy_tables", guarded),
    revision!("004", "organization_columns", guarded),
    revision!("005", "vibotaj_data", guarded),
    revision!("006", "multitenancy_constraints"),
    revision!("007", "row_level_security"),
    revision!("008", "auth"),
    revision!("009", "user_directory"),
    revision!("010", "login_throttle"),
    revision!("011", "own_notifications"),
    revision!("012", "organization_api"),
    revision!("013", "invitations", guarded),
    revision!("014", "shipment_constraints"),
    revision!("015", "timestamptz_user_refs"),
    revision!("016", "session_check"),
    revision!("017", "account_authority"),
    revision!("018", "documents", guarded),
    revision!("019", "expiry_warnings"),
    revision!("020", "tracking", guarded),
    revision!("021", "notification_delivery", guarded),
    revision!("022", "jobs", guarded),
    revision!("023", "web_sessions"),
];

/// Every revision, oldest first.
pub fn all() -> &'static [Revision] {
    REVISIONS
}

/// The newest revision.
pub fn head() -> &'static Revision {
    REVISIONS.last().expect("at least one revision")
}

/// Looks a revision up by id; `head` names the newest one.
pub fn find(id: &str) -> Result<&'static Revision> {
    if id == "head" {
        return Ok(head());
    }
    REVISIONS.iter().find(|r| r.id == id).ok_or_else(|| {
        anyhow!(
            "unknown revision '{id}' (known: {}, or head)",
            REVISIONS
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Where a revision stands in the chain (revisions are only ever the statics above).
fn position(revision: &Revision) -> usize {
    REVISIONS
        .iter()
        .position(|r| std::ptr::eq(r, revision))
        .expect("a revision of the chain")
}

impl Revision {
    pub fn up_steps(&self) -> Result<Vec<Step>> {
        script::parse(self.up).with_context(|| format!("revision {} up.sql", self.id))
    }

    pub fn down_steps(&self) -> Result<Vec<Step>> {
        script::parse(self.down).with_context(|| format!("revision {} down.sql", self.id))
    }

    /// The revision before this one, or `None` for the first.
    pub fn previous(&self) -> Option<&'static Revision> {
        position(self).checked_sub(1).map(|index| &REVISIONS[index])
    }
}

/// The predecessor's last revision: databases at it are adopted after a schema check.
pub const ADOPTION_REVISION: &str = "002";

/// Refuses to migrate a database at 002 whose schema is not exactly the predecessor's, before
/// anything changes (enum labels compared as sets: older databases appended some later).
pub async fn check_adoptable(conn: &mut PgConnection) -> Result<()> {
    let found = catalog::read_catalog(conn, "public").await?;
    let differences = found.differences(
        &catalog::expected_schema_002(),
        catalog::CompareOptions::adoption(),
    );
    if differences.is_empty() {
        return Ok(());
    }
    bail!(
        "the database is at revision 002 but its schema differs from the predecessor's; nothing was changed:\n  {}",
        differences.join("\n  ")
    )
}

/// The advisory lock key that marks "a migration is running" (the bytes of "trcehub1").
const MIGRATION_LOCK_KEY: i64 = 0x7472_6365_6875_6231;

/// Knobs of a migration run.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a DDL statement may wait for a lock before it gives up and retries.
    pub lock_timeout: Duration,
    /// How many times a step is retried after lock timeouts before the run fails.
    pub lock_attempts: u32,
    /// Let a downgrade destroy data that its guard reports.
    pub allow_data_loss: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            lock_timeout: Duration::from_millis(1000),
            lock_attempts: 120,
            allow_data_loss: false,
        }
    }
}

/// Progress reports; the CLI draws them, tests ignore them.
pub trait Observer: Send + Sync {
    fn revision_started(&self, _revision: &Revision, _direction: Direction, _steps: usize) {}
    fn step_finished(&self, _revision: &Revision, _step: &Step, _index: usize) {}
    fn revision_finished(&self, _revision: &Revision, _direction: Direction, _elapsed: Duration) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// The time one revision took, for the summary.
#[derive(Debug, Clone)]
pub struct Timing {
    pub revision: &'static Revision,
    pub direction: Direction,
    pub elapsed: Duration,
}

/// Reads the recorded revision. `None` means an empty database (no tables at all).
pub async fn current(conn: &mut PgConnection) -> Result<Option<&'static Revision>> {
    let has_version_table: bool =
        sqlx::query_scalar("SELECT to_regclass('public.alembic_version') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    if !has_version_table {
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')",
        )
        .fetch_one(&mut *conn)
        .await?;
        if tables > 0 {
            bail!(
                "this database has {tables} tables but no alembic_version table: it is not a \
                 TraceHub database (only an empty database or one at a known revision is used)"
            );
        }
        return Ok(None);
    }
    let versions: Vec<String> = sqlx::query_scalar("SELECT version_num FROM alembic_version")
        .fetch_all(&mut *conn)
        .await?;
    match versions.as_slice() {
        [] => Ok(None),
        [one] => find(one).map(Some).map_err(|_| {
            anyhow!(
                "the database is at revision '{one}', which this tracehub does not know \
                 (known: {}); nothing was changed",
                REVISIONS
                    .iter()
                    .map(|r| r.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
        many => bail!(
            "alembic_version holds {} rows ({}); expected exactly one",
            many.len(),
            many.join(", ")
        ),
    }
}

/// A connection that holds the migration lock for as long as it lives.
pub struct MigrationLock {
    conn: PgConnection,
}

impl MigrationLock {
    /// Takes the lock, or fails at once when another run holds it.
    pub async fn acquire(url: &str) -> Result<Self> {
        let mut conn = PgConnection::connect(url).await?;
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(MIGRATION_LOCK_KEY)
            .fetch_one(&mut conn)
            .await?;
        if !got {
            bail!("another migration is running on this database (its advisory lock is held); wait for it to finish");
        }
        Ok(Self { conn })
    }

    pub async fn release(mut self) -> Result<()> {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK_KEY)
            .execute(&mut self.conn)
            .await?;
        self.conn.close().await?;
        Ok(())
    }
}

/// Applies revisions to one database.
pub struct Migrator<'o> {
    url: String,
    options: Options,
    observer: &'o dyn Observer,
}

impl<'o> Migrator<'o> {
    pub fn new(url: &str, options: Options, observer: &'o dyn Observer) -> Self {
        Self {
            url: url.to_string(),
            options,
            observer,
        }
    }

    /// Upgrades to `target` (the newest revision when `None`), one revision at a time.
    pub async fn upgrade(&self, target: Option<&str>) -> Result<Vec<Timing>> {
        let target = find(target.unwrap_or("head"))?;
        let lock = MigrationLock::acquire(&self.url).await?;
        let result = self.upgrade_locked(target).await;
        lock.release().await?;
        result
    }

    /// Upgrades while the caller holds the [`MigrationLock`].
    pub async fn upgrade_locked(&self, target: &'static Revision) -> Result<Vec<Timing>> {
        let mut conn = self.connect().await?;
        let start = current(&mut conn).await?;
        let from = start.map(|r| position(r) + 1).unwrap_or(0);
        let to = position(target) + 1;
        if from > to {
            bail!(
                "the database is at revision {}, newer than {}: use `tracehub db downgrade {}`",
                start.map(|r| r.id).unwrap_or("base"),
                target.id,
                target.id
            );
        }
        if start.map(|r| r.id) == Some(ADOPTION_REVISION) && to > from {
            check_adoptable(&mut conn).await?;
        }
        let mut timings = Vec::new();
        for revision in &REVISIONS[from..to] {
            timings.push(self.apply(&mut conn, revision, Direction::Up).await?);
        }
        Ok(timings)
    }

    /// Runs an applied revision's up steps again without recording anything. Every step is
    /// idempotent, so this re-derives what the revision derives from data (e.g. 005 for rows
    /// inserted after it ran).
    pub async fn rerun(&self, id: &str) -> Result<()> {
        let revision = find(id)?;
        let lock = MigrationLock::acquire(&self.url).await?;
        let result = async {
            let mut conn = self.connect().await?;
            let steps = revision.up_steps()?;
            self.run_steps(&mut conn, revision, &steps, None).await
        }
        .await;
        lock.release().await?;
        result
    }

    /// Downgrades to `target` (`base` empties the database), one revision at a time.
    pub async fn downgrade(&self, target: &str) -> Result<Vec<Timing>> {
        let target_position = if target == "base" {
            0
        } else {
            position(find(target)?) + 1
        };
        let lock = MigrationLock::acquire(&self.url).await?;
        let result = self.downgrade_locked(target_position).await;
        lock.release().await?;
        result
    }

    async fn downgrade_locked(&self, target_position: usize) -> Result<Vec<Timing>> {
        let mut conn = self.connect().await?;
        let start = current(&mut conn)
            .await?
            .context("the database is empty: nothing to downgrade")?;
        let from = position(start) + 1;
        if target_position > from {
            bail!(
                "the database is at revision {}, older than the target: use `tracehub db upgrade`",
                start.id
            );
        }
        let to_undo: Vec<&'static Revision> =
            REVISIONS[target_position..from].iter().rev().collect();
        self.check_data_loss(&mut conn, &to_undo).await?;
        let mut timings = Vec::new();
        for revision in to_undo {
            timings.push(self.apply(&mut conn, revision, Direction::Down).await?);
        }
        Ok(timings)
    }

    /// Applies (up) or undoes (down) one revision and records the resulting revision.
    async fn apply(
        &self,
        conn: &mut PgConnection,
        revision: &'static Revision,
        direction: Direction,
    ) -> Result<Timing> {
        let started = Instant::now();
        let (steps, record) = match direction {
            Direction::Up => (revision.up_steps()?, Some(revision)),
            Direction::Down => (revision.down_steps()?, revision.previous()),
        };
        self.observer
            .revision_started(revision, direction, steps.len());
        let ran = async {
            self.run_steps(conn, revision, &steps, record).await?;
            if record.is_none() {
                sqlx::query("DELETE FROM alembic_version")
                    .execute(&mut *conn)
                    .await?;
            }
            Ok::<_, anyhow::Error>(())
        }
        .await;
        ran.map_err(|e| {
            let state = match direction {
                Direction::Up => format!(
                    "revision {} ({}) failed; the database is at revision {} (the last completed one)",
                    revision.id,
                    revision.name,
                    revision.previous().map(|r| r.id).unwrap_or("base (empty)")
                ),
                Direction::Down => format!(
                    "downgrade of revision {} ({}) failed; the database is still at revision {}",
                    revision.id, revision.name, revision.id
                ),
            };
            e.context(state)
        })?;
        let elapsed = started.elapsed();
        self.observer
            .revision_finished(revision, direction, elapsed);
        Ok(Timing {
            revision,
            direction,
            elapsed,
        })
    }

    /// Runs every guard of the revisions to undo, before anything changes.
    async fn check_data_loss(
        &self,
        conn: &mut PgConnection,
        revisions: &[&'static Revision],
    ) -> Result<()> {
        let mut losses = Vec::new();
        for revision in revisions {
            let Some(guard) = revision.down_guard else {
                continue;
            };
            let rows = sqlx::raw_sql(guard)
                .fetch_all(&mut *conn)
                .await
                .with_context(|| {
                    format!("running the data-loss check of revision {}", revision.id)
                })?;
            for row in rows {
                let what: String = row.try_get(0)?;
                let lost: i64 = row.try_get(1)?;
                if lost > 0 {
                    losses.push(format!("  revision {}: {what}: {lost}", revision.id));
                }
            }
        }
        if losses.is_empty() {
            return Ok(());
        }
        if self.options.allow_data_loss {
            tracing::warn!("downgrading with data loss allowed:\n{}", losses.join("\n"));
            return Ok(());
        }
        bail!(
            "refusing to downgrade: it would destroy data; nothing was changed. What would be lost:\n{}\n\
             Re-run with --allow-data-loss to downgrade anyway (take a backup first: `tracehub backup`).",
            losses.join("\n")
        )
    }

    async fn connect(&self) -> Result<PgConnection> {
        let mut conn = PgConnection::connect(&self.url).await?;
        // Named so that a running migration is easy to spot in pg_stat_activity.
        conn.execute("SET application_name = 'tracehub-migrate'")
            .await?;
        // Concurrent index builds sort in memory up to this much instead of spilling to disk
        // (the server's default, 64MB, is far below what a million-row index needs). A
        // session setting of this connection only; the application's are untouched.
        conn.execute("SET maintenance_work_mem = '512MB'").await?;
        Ok(conn)
    }

    /// Runs `steps` and, with the last one, records `record` as the current revision.
    async fn run_steps(
        &self,
        conn: &mut PgConnection,
        revision: &'static Revision,
        steps: &[Step],
        record: Option<&'static Revision>,
    ) -> Result<()> {
        let mut index = 0;
        while index < steps.len() {
            let step = &steps[index];
            let describe =
                |i: usize| format!("step {}/{} ({})", i + 1, steps.len(), steps[i].label);
            if step.parallel {
                let end = index + steps[index..].iter().take_while(|s| s.parallel).count();
                self.run_parallel(conn, &steps[index..end])
                    .await
                    .with_context(|| format!("{} to {}", describe(index), describe(end - 1)))?;
                for (i, step) in steps.iter().enumerate().take(end).skip(index) {
                    self.observer.step_finished(revision, step, i);
                }
                index = end;
                continue;
            }
            let is_last = index + 1 == steps.len();
            let record_here = if is_last && step.mode == StepMode::Transaction {
                record
            } else {
                None
            };
            self.run_step(conn, step, record_here)
                .await
                .with_context(|| describe(index))?;
            self.observer.step_finished(revision, step, index);
            index += 1;
        }
        let last_was_transactional = steps
            .last()
            .map(|s| s.mode == StepMode::Transaction)
            .unwrap_or(false);
        if !last_was_transactional {
            if let Some(revision) = record {
                let mut tx = conn.begin().await?;
                record_revision(&mut tx, revision).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Runs no-transaction `steps` at the same time: the first on `conn`, each other on a
    /// connection of its own (closed afterwards). Waits for all; the first failure is the
    /// error (the others have finished or failed by then, each idempotent).
    async fn run_parallel(&self, conn: &mut PgConnection, steps: &[Step]) -> Result<()> {
        let mut extra = Vec::with_capacity(steps.len().saturating_sub(1));
        for _ in 1..steps.len() {
            extra.push(self.connect().await?);
        }
        let connections = std::iter::once(conn).chain(extra.iter_mut());
        let runs = steps
            .iter()
            .zip(connections)
            .map(|(step, conn)| async move {
                self.run_step(conn, step, None)
                    .await
                    .with_context(|| step.label.clone())
            });
        let results = futures_util::future::join_all(runs).await;
        for connection in extra {
            connection.close().await.ok();
        }
        results.into_iter().collect::<Result<Vec<()>>>()?;
        Ok(())
    }

    async fn run_step(
        &self,
        conn: &mut PgConnection,
        step: &Step,
        record: Option<&'static Revision>,
    ) -> Result<()> {
        match step.mode {
            StepMode::Transaction => {
                self.run_transaction(conn, step, record).await?;
            }
            StepMode::Repeat => while self.run_transaction(conn, step, None).await? > 0 {},
            StepMode::NoTransaction => {
                if let Some(index) = step.concurrent_index_name() {
                    drop_invalid_index(conn, &index).await?;
                }
                // Concurrent builds wait for older transactions; that wait blocks nobody.
                sqlx::raw_sql("SET lock_timeout = 0")
                    .execute(&mut *conn)
                    .await?;
                sqlx::raw_sql(&step.sql).execute(&mut *conn).await?;
            }
        }
        Ok(())
    }

    /// Runs the step in one transaction with its lock timeout, retrying with backoff and
    /// jitter when it gives up waiting for a lock (55P03) or loses a deadlock (40P01).
    /// Returns the number of rows the step affected.
    async fn run_transaction(
        &self,
        conn: &mut PgConnection,
        step: &Step,
        record: Option<&'static Revision>,
    ) -> Result<u64> {
        let timeout_ms = if step.lock_timeout {
            self.options.lock_timeout.as_millis().max(1)
        } else {
            0
        };
        sqlx::raw_sql(&format!("SET lock_timeout = {timeout_ms}"))
            .execute(&mut *conn)
            .await?;
        let mut tries = 0;
        loop {
            tries += 1;
            match try_transaction(conn, &step.sql, record).await {
                Ok(affected) => return Ok(affected),
                Err(e) if is_lock_conflict(&e) && tries < self.options.lock_attempts => {
                    let backoff = 50u64 * u64::from(tries.min(20));
                    let jitter = rand::random_range(0..=backoff);
                    tracing::info!(step = %step.label, tries, "lock not available; retrying");
                    tokio::time::sleep(Duration::from_millis(backoff + jitter)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

async fn try_transaction(
    conn: &mut PgConnection,
    sql: &str,
    record: Option<&'static Revision>,
) -> Result<u64, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let affected = sqlx::raw_sql(sql).execute(&mut *tx).await?.rows_affected();
    if let Some(revision) = record {
        record_revision(&mut tx, revision).await?;
    }
    tx.commit().await?;
    Ok(affected)
}

fn is_lock_conflict(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(e) => matches!(e.code().as_deref(), Some("55P03" | "40P01")),
        _ => false,
    }
}

async fn record_revision(conn: &mut PgConnection, revision: &Revision) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS alembic_version (\
             version_num character varying(32) NOT NULL, \
             CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM alembic_version")
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO alembic_version (version_num) VALUES ($1)")
        .bind(revision.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Drops an index left INVALID by an interrupted concurrent build, so it is built again.
async fn drop_invalid_index(conn: &mut PgConnection, name: &str) -> Result<()> {
    let invalid: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relname = $1 AND NOT i.indisvalid)",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    if invalid {
        tracing::info!(
            index = name,
            "dropping an invalid index left by an interrupted build"
        );
        sqlx::raw_sql(&format!("DROP INDEX CONCURRENTLY IF EXISTS \"{name}\""))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_revision_parses_and_ids_are_consecutive() {
        for (index, revision) in all().iter().enumerate() {
            assert_eq!(revision.id, format!("{:03}", index + 1));
            revision.up_steps().unwrap();
            revision.down_steps().unwrap();
        }
    }

    #[test]
    fn finds_revisions_by_id_and_head() {
        assert_eq!(find("001").unwrap().id, "001");
        assert_eq!(find("head").unwrap().id, head().id);
        let err = find("sprint8_001").unwrap_err().to_string();
        assert!(err.contains("unknown revision 'sprint8_001'"), "{err}");
        assert!(find("").is_err());
    }

    #[test]
    fn previous_links_the_chain() {
        assert!(find("001").unwrap().previous().is_none());
        assert_eq!(find("002").unwrap().previous().unwrap().id, "001");
    }
}
