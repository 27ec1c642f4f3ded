//! The job queue's table (revision 022): enqueue, claim under a lease, extend, finish.
//!
//! Every change to a claimed job names its `lease_token`: a worker whose lease ran out
//! (its instance stalled or died, and another took the job over) can no longer finish or
//! extend it.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::tenant::AppPool;

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    /// A job with the same key is enqueued only once, ever (periods, per-period work).
    pub dedupe_key: Option<String>,
    pub run_at: Option<DateTime<Utc>>,
    pub max_attempts: i32,
    /// The dedupe key holds only until the job finishes (one unfinished job per key),
    /// instead of forever (one job per key).
    pub key_released_when_finished: bool,
}

impl NewJob {
    pub fn new(kind: &'static str, payload: serde_json::Value) -> Self {
        Self {
            kind,
            payload,
            dedupe_key: None,
            run_at: None,
            max_attempts: 5,
            key_released_when_finished: false,
        }
    }

    /// At most one job with `key`, ever.
    pub fn dedupe(mut self, key: String) -> Self {
        self.dedupe_key = Some(key);
        self
    }

    /// At most one unfinished job with `key` at a time.
    pub fn dedupe_while_unfinished(mut self, key: String) -> Self {
        self.dedupe_key = Some(key);
        self.key_released_when_finished = true;
        self
    }
}

const INSERT: &str = "INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts, \
                       key_released_when_finished) \
     VALUES ($1, $2, $3, coalesce($4, now()), $5, $6) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id";

/// Enqueues `job`; its id, or `None` when a job with its dedupe key exists.
pub async fn enqueue(pool: &AppPool, job: &NewJob) -> Result<Option<Uuid>, sqlx::Error> {
    enqueue_on(pool.inner(), job).await
}

/// Enqueues `job` on `executor` (a connection or transaction of the caller's, so the job
/// exists exactly when the caller's change commits).
pub(in crate::db) async fn enqueue_on<'e>(
    executor: impl PgExecutor<'e>,
    job: &NewJob,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(INSERT)
        .bind(job.kind)
        .bind(&job.payload)
        .bind(&job.dedupe_key)
        .bind(job.run_at)
        .bind(job.max_attempts)
        .bind(job.key_released_when_finished)
        .fetch_optional(executor)
        .await
}

/// A job a worker holds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    /// This attempt's number (1 for the first).
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease_token: Uuid,
}

/// Claims up to `limit` jobs that are due — pending ones whose time has come, and running
/// ones whose lease has run out (their worker is gone) — for `lease` from now.
pub async fn claim(
    pool: &AppPool,
    worker: &str,
    lease: std::time::Duration,
    limit: i64,
) -> Result<Vec<ClaimedJob>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
                lease_token = gen_random_uuid(), locked_by = $1, \
                locked_until = now() + make_interval(secs => $2), started_at = now() \
          WHERE id IN (SELECT id FROM jobs \
                        WHERE (state = 'pending' AND run_at <= now()) \
                           OR (state = 'running' AND locked_until < now()) \
                        ORDER BY run_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING id, kind, payload, attempts, max_attempts, lease_token",
    )
    .bind(worker)
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(pool.inner())
    .await
}

/// Extends the lease; false when it is no longer this worker's.
pub async fn extend(
    pool: &AppPool,
    job: &ClaimedJob,
    lease: std::time::Duration,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE jobs SET locked_until = now() + make_interval(secs => $3) \
          WHERE id = $1 AND lease_token = $2 AND state = 'running'",
    )
    .bind(job.id)
    .bind(job.lease_token)
    .bind(lease.as_secs_f64())
    .execute(pool.inner())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Marks the job done; false when the lease was lost meanwhile.
pub async fn complete(pool: &AppPool, job: &ClaimedJob) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = now(), lease_token = NULL, \
                locked_until = NULL, last_error = NULL, \
                dedupe_key = CASE WHEN key_released_when_finished THEN NULL ELSE dedupe_key END \
          WHERE id = $1 AND lease_token = $2 AND state = 'running'",
    )
    .bind(job.id)
    .bind(job.lease_token)
    .execute(pool.inner())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Records a failed attempt: the job runs again at `retry_at`, or — with `retry_at` `None`
/// or no attempts left — it is failed for good. False when the lease was lost meanwhile.
pub async fn fail(
    pool: &AppPool,
    job: &ClaimedJob,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE jobs SET state = CASE WHEN $4::timestamptz IS NOT NULL AND attempts < max_attempts \
                                      THEN 'pending' ELSE 'failed' END, \
                run_at = coalesce($4, run_at), last_error = left($3, 2000), \
                lease_token = NULL, locked_until = NULL, \
                finished_at = CASE WHEN $4::timestamptz IS NOT NULL AND attempts < max_attempts \
                                   THEN NULL ELSE now() END, \
                dedupe_key = CASE WHEN key_released_when_finished \
                                   AND NOT ($4::timestamptz IS NOT NULL AND attempts < max_attempts) \
                                  THEN NULL ELSE dedupe_key END \
          WHERE id = $1 AND lease_token = $2 AND state = 'running'",
    )
    .bind(job.id)
    .bind(job.lease_token)
    .bind(error)
    .bind(retry_at)
    .execute(pool.inner())
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Deletes finished jobs older than `before` (their periods' keys go with them, which is
/// harmless: a period long past is never enqueued again).
pub async fn purge_finished(pool: &AppPool, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < $1")
            .bind(before)
            .execute(pool.inner())
            .await?
            .rows_affected(),
    )
}

/// How many jobs of `kind` are in `state` (operations and tests).
pub async fn count(pool: &AppPool, kind: &str, state: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = $1 AND state = $2")
        .bind(kind)
        .bind(state)
        .fetch_one(pool.inner())
        .await
}
