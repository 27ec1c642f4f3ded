//! `tracehub bench refresh`: the scheduled tracking refresh of `--shipments` active
//! shipments through the job queue (the work PRODUCT.md §5 J1 runs on every instance).
//!
//! A scratch database gets the synthetic world (`tracehub seed synthetic`, at head); as the
//! owner, its delivered and closed shipments are reopened (delivered → arrived, closed →
//! docs complete, actual dates cleared), so every shipment is one the sweep follows, and
//! keeps `--followers` followers per organization ([`super::keep_followers`]). A fake
//! JSONCargo-style API ([`super::fake_provider`]) listens on loopback; `--instances` job
//! runners ([`crate::jobs::Runner`], each with its own application-role pool and
//! [`Tracker`] asking the fake through the real [`JsonCargoClient`], as separate
//! `tracehub serve` instances would) run the period's `tracking.sweep` job — enqueued
//! exactly as the schedule enqueues it — which enqueues one `tracking.refresh` job per
//! shipment, and then those.
//!
//! Measured: wall time from the runners' start to the last refresh job finished, refreshes
//! per second, the sweep's own time. Checked: the provider was called exactly once per
//! shipment (every refresh job ran once, none twice across the instances), every job is
//! done, and how many events were stored. The database is dropped at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::Utc;
use serde::Serialize;
use sqlx::{Connection, PgConnection};

use super::fake_provider::FakeProvider;
use super::migration::{drop_database, fresh_database};
use super::{keep_followers, Activity, ActivitySampler, Followers, Machine, Progress};
use crate::db::jobs as jobs_db;
use crate::db::tenant::AppPool;
use crate::jobs::{Runner, Timing};
use crate::tracking::refresh::{Tracker, REFRESH, SWEEP};
use crate::tracking::{JsonCargoClient, JsonCargoOptions};

const DATABASE: &str = "tracehub_bench_refresh";
/// A refresh job count that has not moved for this long stops the run.
const STALL: Duration = Duration::from_secs(180);

#[derive(Debug, Clone)]
pub struct RefreshBenchOptions {
    pub shipments: u32,
    /// Job runners (one per simulated `serve` instance).
    pub instances: u32,
    /// Jobs at once per runner ([`Timing::concurrency`]).
    pub concurrency: usize,
    /// How often each runner polls the queue ([`Timing::poll`]).
    pub poll: Duration,
    /// The provider budget per minute, shared by the instances.
    pub rate_per_minute: u32,
    /// Pool size of each instance (as `TRACEHUB_DB_POOL_SIZE`).
    pub pool_size: u32,
    /// Active followers kept per organization ([`super::keep_followers`]).
    pub followers: usize,
    pub json: bool,
}

/// What the run measured and checked.
#[derive(Debug, Clone, Serialize)]
pub struct RefreshReport {
    pub benchmark: &'static str,
    pub shipments: u32,
    pub instances: u32,
    pub concurrency_per_instance: usize,
    pub poll_ms: u64,
    pub rate_per_minute: u32,
    pub pool_size: u32,
    /// Members told of each status or ETA change (per organization, at most).
    pub followers: Followers,
    /// From the runners' start to the last refresh job seen finished.
    pub seconds: f64,
    pub refreshes_per_second: f64,
    /// The sweep job's own run (listing the shipments, enqueuing the refresh jobs).
    pub sweep_seconds: f64,
    pub refresh_jobs: i64,
    pub refresh_jobs_done: i64,
    pub refresh_jobs_failed: i64,
    /// Attempts beyond the first, over all refresh jobs.
    pub retries: i64,
    /// Jobs finished per runner (`locked_by`), over the instances.
    pub jobs_per_instance: Vec<i64>,
    /// Calls the fake provider answered.
    pub provider_calls: u64,
    pub containers_called: usize,
    pub containers_called_more_than_once: usize,
    /// Calls recorded in `tracking_provider_calls`.
    pub provider_calls_recorded: i64,
    pub events_stored: i64,
    pub eta_changes: i64,
    pub notifications: i64,
    /// Exactly one provider call per shipment, every refresh job done on its first attempt.
    pub exactly_once: bool,
    pub machine: Machine,
    /// What the database's sessions were doing during the run.
    pub activity: Activity,
}

/// Runs the refresh sweep on the server of `url` and prints the report.
pub async fn run(url: &str, options: &RefreshBenchOptions) -> Result<()> {
    let progress = Progress { json: options.json };
    let (mut admin, db_url) = fresh_database(url, DATABASE).await?;
    let result = measure(&db_url, options, progress).await;
    drop_database(&mut admin, DATABASE).await?;
    let report = result?;
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    if !report.exactly_once {
        bail!("refresh sweep: not exactly one provider call per shipment (see the report)");
    }
    Ok(())
}

fn print_text(r: &RefreshReport) {
    println!();
    println!(
        "refresh sweep of {} active shipments, {} instance(s) x {} jobs at once, poll {} ms: \
         {:.1} s, {:.1} refreshes/s (sweep job {:.1} s); provider budget {}/min",
        r.shipments,
        r.instances,
        r.concurrency_per_instance,
        r.poll_ms,
        r.seconds,
        r.refreshes_per_second,
        r.sweep_seconds,
        r.rate_per_minute
    );
    println!(
        "   provider calls {} for {} shipments ({} containers, {} called more than once; {} \
         recorded); refresh jobs {} done, {} failed, {} retries; jobs per instance {:?}",
        r.provider_calls,
        r.shipments,
        r.containers_called,
        r.containers_called_more_than_once,
        r.provider_calls_recorded,
        r.refresh_jobs_done,
        r.refresh_jobs_failed,
        r.retries,
        r.jobs_per_instance
    );
    println!(
        "   events stored {}, ETA changes {}, notifications {} ({} followers per shipment): {}",
        r.events_stored,
        r.eta_changes,
        r.notifications,
        r.followers.kept,
        if r.exactly_once {
            "exactly once OK"
        } else {
            "exactly once FAILED"
        }
    );
    println!("   machine: {}", r.machine.describe());
    r.activity.print();
}

/// Counts read as the owner before and after the run.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
struct Counts {
    events: i64,
    eta_changes: i64,
    notifications: i64,
}

async fn counts(owner: &mut PgConnection) -> Result<Counts> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM container_events WHERE source = 'jsoncargo') AS events, \
                (SELECT count(*) FROM shipment_eta_changes WHERE source = 'jsoncargo') AS eta_changes, \
                (SELECT count(*) FROM notifications) AS notifications",
    )
    .fetch_one(owner)
    .await?)
}

/// The queue's state, as the owner.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
struct Queue {
    sweep_done: i64,
    refresh: i64,
    done: i64,
    failed: i64,
}

async fn queue(owner: &mut PgConnection) -> Result<Queue> {
    Ok(sqlx::query_as(
        "SELECT count(*) FILTER (WHERE kind = $1 AND state = 'done') AS sweep_done, \
                count(*) FILTER (WHERE kind = $2) AS refresh, \
                count(*) FILTER (WHERE kind = $2 AND state = 'done') AS done, \
                count(*) FILTER (WHERE kind = $2 AND state = 'failed') AS failed \
           FROM jobs",
    )
    .bind(SWEEP)
    .bind(REFRESH)
    .fetch_one(owner)
    .await?)
}

async fn measure(
    db_url: &str,
    options: &RefreshBenchOptions,
    progress: Progress,
) -> Result<RefreshReport> {
    let started = Instant::now();
    crate::ops::seed::synthetic(db_url, options.shipments, Some("head"))
        .await
        .context("seeding the synthetic world")?;
    let mut owner = super::owner_connection(db_url).await?;
    // Every shipment one the sweep follows (not delivered or closed).
    sqlx::raw_sql(
        "UPDATE shipments SET \
                status = CASE status WHEN 'DELIVERED' THEN 'ARRIVED'::shipmentstatus \
                                     ELSE 'DOCS_COMPLETE'::shipmentstatus END, \
                atd = CASE WHEN status = 'CLOSED' THEN NULL ELSE atd END, \
                ata = CASE WHEN status = 'CLOSED' THEN NULL ELSE ata END \
          WHERE status IN ('DELIVERED', 'CLOSED')",
    )
    .execute(&mut owner)
    .await
    .context("reopening the delivered and closed shipments")?;
    let followers = keep_followers(db_url, &mut owner, options.followers).await?;
    sqlx::raw_sql("VACUUM ANALYZE").execute(&mut owner).await?;
    if let Err(e) = sqlx::raw_sql("CHECKPOINT").execute(&mut owner).await {
        progress.say(format!("(no CHECKPOINT before the run: {e})"));
    }
    let followed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM shipments \
          WHERE status NOT IN ('DELIVERED', 'CLOSED') AND container_number <> ''",
    )
    .fetch_one(&mut owner)
    .await?;
    if followed != i64::from(options.shipments) {
        bail!(
            "{followed} shipments are followed, not {}",
            options.shipments
        );
    }
    let before = counts(&mut owner).await?;
    progress.say(format!(
        "data set: {} synthetic shipments at head, all active, {} followers per shipment (of {} \
         seeded), built in {:.1} s",
        options.shipments,
        followers.kept,
        followers.seeded,
        started.elapsed().as_secs_f64()
    ));

    let fake = FakeProvider::start().await?;
    let timing = Timing {
        poll: options.poll,
        concurrency: options.concurrency.max(1),
        ..Timing::default()
    };
    let mut runners = Vec::new();
    let mut first_pool = None;
    for _ in 0..options.instances.max(1) {
        let pool = AppPool::connect(db_url, options.pool_size, Duration::from_secs(5)).await?;
        let client = JsonCargoClient::new(JsonCargoOptions {
            base_url: fake.base_url().to_string(),
            ..JsonCargoOptions::new("bench-key")
        })?;
        let tracker = Arc::new(Tracker::new(
            pool.clone(),
            Arc::new(client),
            options.rate_per_minute,
        ));
        let mut runner = Runner::new(pool.clone(), timing);
        for (kind, handler) in Tracker::handlers(tracker) {
            runner = runner.handle(kind, handler);
        }
        runners.push(runner);
        first_pool.get_or_insert(pool);
    }
    let pool = first_pool.context("no instance")?;
    // This period's sweep, as the runners' schedule enqueues it (once, whatever the number
    // of instances; the runners get no schedule of their own, so a period boundary during
    // the run cannot start a second sweep).
    let sweep = Tracker::schedule(chrono::Duration::minutes(60)).job(Utc::now());
    jobs_db::enqueue(&pool, &sweep)
        .await?
        .context("the sweep job was already enqueued")?;

    let mut machine = Machine::now();
    progress.say(format!(
        "sweeping {} shipments: {} instance(s), {} jobs at once each, poll {} ms ({})",
        options.shipments,
        options.instances.max(1),
        timing.concurrency,
        timing.poll.as_millis(),
        machine.describe()
    ));
    let sampler = ActivitySampler::start(db_url).await?;
    let run_started = Instant::now();
    let running: Vec<_> = runners
        .into_iter()
        .map(|runner| tokio::spawn(runner.run()))
        .collect();
    let result = wait_for_the_sweep(&mut owner, options.shipments, progress, run_started).await;
    let seconds = run_started.elapsed().as_secs_f64();
    machine.finish();
    for runner in &running {
        runner.abort();
    }
    let activity = sampler.finish().await?;
    let state = result?;

    let after = counts(&mut owner).await?;
    let (sweep_seconds,): (f64,) = sqlx::query_as(
        "SELECT coalesce(extract(epoch FROM max(finished_at) - min(started_at)), 0)::float8 \
           FROM jobs WHERE kind = $1",
    )
    .bind(SWEEP)
    .fetch_one(&mut owner)
    .await?;
    let (retries,): (i64,) =
        sqlx::query_as("SELECT coalesce(sum(attempts - 1), 0)::bigint FROM jobs WHERE kind = $1")
            .bind(REFRESH)
            .fetch_one(&mut owner)
            .await?;
    let jobs_per_instance: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE kind = $1 AND state = 'done' \
          GROUP BY locked_by ORDER BY 1 DESC",
    )
    .bind(REFRESH)
    .fetch_all(&mut owner)
    .await?;
    let provider_calls_recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tracking_provider_calls WHERE request = 'container'",
    )
    .fetch_one(&mut owner)
    .await?;
    if state.failed > 0 {
        let errors: Vec<(String, i64)> = sqlx::query_as(
            "SELECT coalesce(last_error, ''), count(*) FROM jobs \
              WHERE kind = $1 AND state = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 3",
        )
        .bind(REFRESH)
        .fetch_all(&mut owner)
        .await?;
        progress.say(format!("failed refresh jobs: {errors:?}"));
    }
    owner.close().await?;

    let calls = fake.calls();
    let provider_calls: u64 = calls.values().map(|n| u64::from(*n)).sum();
    let containers_called_more_than_once = calls.values().filter(|n| **n > 1).count();
    let exactly_once = provider_calls == u64::from(options.shipments)
        && calls.len() == options.shipments as usize
        && containers_called_more_than_once == 0
        && state.done == i64::from(options.shipments)
        && retries == 0;
    Ok(RefreshReport {
        benchmark: "refresh",
        shipments: options.shipments,
        instances: options.instances.max(1),
        concurrency_per_instance: timing.concurrency,
        poll_ms: timing.poll.as_millis() as u64,
        rate_per_minute: options.rate_per_minute,
        pool_size: options.pool_size,
        followers,
        seconds,
        refreshes_per_second: f64::from(options.shipments) / seconds.max(1e-9),
        sweep_seconds,
        refresh_jobs: state.refresh,
        refresh_jobs_done: state.done,
        refresh_jobs_failed: state.failed,
        retries,
        jobs_per_instance,
        provider_calls,
        containers_called: calls.len(),
        containers_called_more_than_once,
        provider_calls_recorded,
        events_stored: after.events - before.events,
        eta_changes: after.eta_changes - before.eta_changes,
        notifications: after.notifications - before.notifications,
        exactly_once,
        machine,
        activity,
    })
}

/// Polls the queue until the sweep is done and every refresh job it enqueued finished.
async fn wait_for_the_sweep(
    owner: &mut PgConnection,
    shipments: u32,
    progress: Progress,
    started: Instant,
) -> Result<Queue> {
    let mut last_change = Instant::now();
    let mut last_finished = -1;
    let mut next_report = Instant::now() + Duration::from_secs(10);
    loop {
        let state = queue(owner).await?;
        let finished = state.done + state.failed;
        if state.sweep_done == 1
            && state.refresh == i64::from(shipments)
            && finished == state.refresh
        {
            return Ok(state);
        }
        if state.refresh > i64::from(shipments) {
            bail!(
                "{} refresh jobs were enqueued for {shipments} shipments",
                state.refresh
            );
        }
        if finished != last_finished {
            last_finished = finished;
            last_change = Instant::now();
        } else if last_change.elapsed() > STALL {
            bail!(
                "no refresh job finished for {} s ({finished} of {} finished)",
                STALL.as_secs(),
                state.refresh
            );
        }
        if Instant::now() >= next_report {
            progress.say(format!(
                "  {:.0} s: {} refresh jobs enqueued, {} done, {} failed",
                started.elapsed().as_secs_f64(),
                state.refresh,
                state.done,
                state.failed
            ));
            next_report += Duration::from_secs(10);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
