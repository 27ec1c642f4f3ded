//! Background work shared by every `tracehub serve` instance, on the job queue of revision
//! 022 (see `docs/decisions.md`, "Job queue", for why it is our own).
//!
//! * Each instance runs one [`Runner`]: it claims due jobs (`FOR UPDATE SKIP LOCKED`: no
//!   two instances claim one job), runs each under a lease it extends while the job runs,
//!   and records the outcome — done, retried with backoff, or failed after its last
//!   attempt. A job whose instance died is claimed again when its lease runs out; a worker
//!   that lost its lease stops the job and can no longer finish it.
//! * Periodic work ([`Schedule`]) is enqueued by every instance's runner under a key naming
//!   the period (`tracking.sweep:2026-12-03T16:00:00Z`), so each period's job exists — and
//!   runs — exactly once, whichever instances are up, and a period whose instances were all
//!   down is run when the first comes back within it.
//! * What a job does is a [`Handler`] registered under its kind.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::db::jobs::{self as db, ClaimedJob, NewJob};
use crate::db::tenant::AppPool;

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Try again later (with backoff), while attempts are left.
    Retry(String),
    /// Do not try again.
    Fail(String),
}

/// What a job of one kind does.
pub type Handler =
    Arc<dyn Fn(ClaimedJob) -> Pin<Box<dyn Future<Output = Outcome> + Send>> + Send + Sync>;

/// Wraps an async function as a [`Handler`].
pub fn handler<F, Fut>(f: F) -> Handler
where
    F: Fn(ClaimedJob) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    Arc::new(move |job| Box::pin(f(job)))
}

/// Work enqueued once per period.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub kind: &'static str,
    pub every: chrono::Duration,
    pub payload: serde_json::Value,
}

impl Schedule {
    /// The start of the period `now` falls in (periods are counted from the Unix epoch, so
    /// every instance computes the same ones).
    pub fn period_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let every = self.every.num_seconds().max(1);
        let start = now.timestamp().div_euclid(every) * every;
        DateTime::from_timestamp(start, 0).unwrap_or(now)
    }

    /// The job of the period `now` falls in.
    pub fn job(&self, now: DateTime<Utc>) -> NewJob {
        let start = self.period_start(now);
        let mut payload = self.payload.clone();
        if let Some(object) = payload.as_object_mut() {
            object.insert("period_start".into(), serde_json::json!(start));
        }
        NewJob::new(self.kind, payload).dedupe(format!(
            "{}:{}",
            self.kind,
            start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
    }
}

/// The runner's timing.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How long a claim holds a job without being extended.
    pub lease: Duration,
    /// How often the queue is polled for due jobs.
    pub poll: Duration,
    /// How often the schedules' current periods are enqueued.
    pub schedule_every: Duration,
    /// Jobs run at once by this instance.
    pub concurrency: usize,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            schedule_every: Duration::from_secs(15),
            concurrency: 8,
        }
    }
}

/// Backoff after attempt `attempts` failed: 5 s, 10 s, 20 s, … at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    chrono::Duration::seconds((5_i64 << exponent.min(10)).min(3600))
}

/// One instance's worker: its handlers, schedules and timing.
pub struct Runner {
    pool: AppPool,
    worker: String,
    handlers: HashMap<&'static str, Handler>,
    schedules: Vec<Schedule>,
    timing: Timing,
}

impl Runner {
    pub fn new(pool: AppPool, timing: Timing) -> Self {
        let worker = format!(
            "{}:{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into()),
            std::process::id(),
            &uuid::Uuid::new_v4().to_string()[..8]
        );
        Self {
            pool,
            worker,
            handlers: HashMap::new(),
            schedules: Vec::new(),
            timing,
        }
    }

    /// Runs jobs of `kind` with `handler`.
    pub fn handle(mut self, kind: &'static str, handler: Handler) -> Self {
        self.handlers.insert(kind, handler);
        self
    }

    /// Enqueues `schedule`'s job once per period.
    pub fn every(mut self, schedule: Schedule) -> Self {
        self.schedules.push(schedule);
        self
    }

    /// Runs until the task is dropped or aborted (the instance stops; its jobs' leases run
    /// out and other instances take them over).
    pub async fn run(self) {
        let runner = Arc::new(self);
        let slots = Arc::new(Semaphore::new(runner.timing.concurrency));
        let mut running = JoinSet::new();
        let mut next_schedule = tokio::time::Instant::now();
        loop {
            while running.try_join_next().is_some() {}
            if tokio::time::Instant::now() >= next_schedule {
                runner.enqueue_periods().await;
                next_schedule = tokio::time::Instant::now() + runner.timing.schedule_every;
            }
            let free = slots.available_permits();
            let mut claimed = 0;
            if free > 0 {
                match db::claim(
                    &runner.pool,
                    &runner.worker,
                    runner.timing.lease,
                    free as i64,
                )
                .await
                {
                    Ok(jobs) => {
                        claimed = jobs.len();
                        for job in jobs {
                            let permit = slots.clone().acquire_owned().await.expect("open");
                            let runner = runner.clone();
                            running.spawn(async move {
                                runner.execute(job).await;
                                drop(permit);
                            });
                        }
                    }
                    Err(error) => tracing::warn!(%error, "cannot claim jobs"),
                }
            }
            if claimed == free && !running.is_empty() {
                // Every slot taken, and maybe more due: claim again as soon as one frees.
                tokio::select! {
                    _ = running.join_next() => {}
                    _ = tokio::time::sleep(runner.timing.poll) => {}
                }
            } else {
                // Nothing (more) due now.
                tokio::time::sleep(runner.timing.poll).await;
            }
        }
    }

    async fn enqueue_periods(&self) {
        let now = Utc::now();
        for schedule in &self.schedules {
            if let Err(error) = db::enqueue(&self.pool, &schedule.job(now)).await {
                tracing::warn!(%error, kind = schedule.kind, "cannot enqueue a period's job");
            }
        }
    }

    /// Runs one claimed job, extending its lease meanwhile, and records the outcome.
    async fn execute(&self, job: ClaimedJob) {
        let kind = job.kind.clone();
        let outcome = if job.attempts > job.max_attempts {
            // Claimed again after its last attempt's instance died.
            Outcome::Fail(format!("gave up after {} attempts", job.max_attempts))
        } else if let Some(handler) = self.handlers.get(kind.as_str()) {
            let work = handler(job.clone());
            tokio::pin!(work);
            let mut renew = tokio::time::interval(self.timing.lease / 3);
            renew.tick().await;
            loop {
                tokio::select! {
                    outcome = &mut work => break outcome,
                    _ = renew.tick() => match db::extend(&self.pool, &job, self.timing.lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(job = %job.id, kind, "lease lost: the job is stopped here");
                            return;
                        }
                        Err(error) => tracing::warn!(%error, job = %job.id, "cannot extend a lease"),
                    },
                }
            }
        } else {
            Outcome::Fail(format!("no handler for jobs of kind {kind}"))
        };
        let recorded = match &outcome {
            Outcome::Done => db::complete(&self.pool, &job).await,
            Outcome::Retry(error) => {
                tracing::warn!(job = %job.id, kind, attempt = job.attempts, %error, "job failed; will retry");
                db::fail(
                    &self.pool,
                    &job,
                    error,
                    Some(Utc::now() + backoff(job.attempts)),
                )
                .await
            }
            Outcome::Fail(error) => {
                tracing::error!(job = %job.id, kind, %error, "job failed for good");
                db::fail(&self.pool, &job, error, None).await
            }
        };
        match recorded {
            Ok(true) => tracing::debug!(job = %job.id, kind, ?outcome, "job finished"),
            Ok(false) => {
                tracing::warn!(job = %job.id, kind, "lease lost before the outcome was recorded")
            }
            Err(error) => tracing::warn!(%error, job = %job.id, "cannot record a job's outcome"),
        }
    }
}

/// The kind of the daily clean-up of finished jobs.
pub const PURGE: &str = "jobs.purge";
/// Finished jobs are kept this long (for operators' questions), then deleted.
pub const KEEP_FINISHED_DAYS: i64 = 14;

/// The runner of `tracehub serve`: the daily expiry warnings, the clean-up of finished
/// jobs and, when configured, the tracking refresh every `refresh_every` and the e-mail of
/// notifications.
pub fn background(
    pool: AppPool,
    tracker: Option<Arc<crate::tracking::refresh::Tracker>>,
    refresh_every: chrono::Duration,
    mailer: Option<Arc<crate::mail::Mailer>>,
    timing: Timing,
) -> Runner {
    use crate::ops::expiry_warnings;
    let purge_pool = pool.clone();
    let mut runner = Runner::new(pool.clone(), timing)
        .handle(expiry_warnings::JOB, expiry_warnings::handler(pool.clone()))
        .every(expiry_warnings::schedule())
        .handle(
            PURGE,
            handler(move |_job| {
                let pool = purge_pool.clone();
                async move {
                    let before = Utc::now() - chrono::Duration::days(KEEP_FINISHED_DAYS);
                    match db::purge_finished(&pool, before).await {
                        Ok(_) => Outcome::Done,
                        Err(error) => Outcome::Retry(error.to_string()),
                    }
                }
            }),
        )
        .every(Schedule {
            kind: PURGE,
            every: chrono::Duration::days(1),
            payload: serde_json::json!({}),
        });
    if let Some(mailer) = mailer {
        runner = crate::mail::register(runner, pool, mailer);
    }
    if let Some(tracker) = tracker {
        for (kind, handler) in crate::tracking::refresh::Tracker::handlers(tracker) {
            runner = runner.handle(kind, handler);
        }
        runner = runner.every(crate::tracking::refresh::Tracker::schedule(refresh_every));
    }
    runner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_the_same_on_every_instance_and_keyed_by_their_start() {
        let schedule = Schedule {
            kind: "tracking.sweep",
            every: chrono::Duration::minutes(60),
            payload: serde_json::json!({}),
        };
        let at = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc)
        };
        let a = schedule.job(at("2026-12-03T16:00:00Z"));
        let b = schedule.job(at("2026-12-03T16:59:59Z"));
        let c = schedule.job(at("2026-12-03T17:00:00Z"));
        assert_eq!(
            a.dedupe_key.as_deref(),
            Some("tracking.sweep:2026-12-03T16:00:00Z")
        );
        assert_eq!(a.dedupe_key, b.dedupe_key);
        assert_eq!(
            c.dedupe_key.as_deref(),
            Some("tracking.sweep:2026-12-03T17:00:00Z")
        );
        assert_eq!(a.payload["period_start"], "2026-12-03T16:00:00Z");
        let daily = Schedule {
            every: chrono::Duration::days(1),
            ..schedule
        };
        assert_eq!(
            daily.job(at("2026-12-03T23:59:00Z")).dedupe_key.as_deref(),
            Some("tracking.sweep:2026-12-03T00:00:00Z")
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=12).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(seconds[..5], [5, 10, 20, 40, 80]);
        assert_eq!(*seconds.last().unwrap(), 3600);
        assert_eq!(backoff(0).num_seconds(), 5);
        assert_eq!(backoff(i32::MAX).num_seconds(), 3600);
    }
}
