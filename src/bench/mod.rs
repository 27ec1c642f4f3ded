//! The benchmarks of PRODUCT.md §5, run on demand by `tracehub bench …` (not by the tests).
//!
//! * [`migration`]: M1/M2 — `tracehub migrate` while the old application runs against it.
//! * [`api`]: A1/A2/S1 — the shipments list under load, serve start-up and idle memory.
//! * [`upload`]: U1 — peak memory and throughput of document uploads and downloads through
//!   the HTTP route.
//! * [`webhooks`]: T1 — signed carrier webhook events through `POST /webhooks/carrier`:
//!   events/s, p50/p99, each event stored once, repeats answered `duplicate`.
//! * [`refresh`]: the scheduled tracking refresh (J1's jobs) — a `tracking.sweep` over N
//!   active shipments run by job-queue runners against a fake provider on loopback: wall
//!   time, refreshes/s, exactly one provider call per shipment, events stored.
//! * [`web`]: W1 — the web dashboard and a shipment page at 1M shipments: time per page
//!   and page weight.

pub mod api;
mod fake_provider;
pub mod migration;
pub mod refresh;
pub mod upload;
pub mod web;
pub mod webhooks;

use std::time::Duration;

/// A memory figure of a process (`self` or a pid) from `/proc/<process>/status`, in KiB
/// (`VmRSS` now, `VmHWM` the peak since the last reset).
pub(crate) fn status_kib(process: &str, field: &str) -> anyhow::Result<u64> {
    use anyhow::Context;
    let status = std::fs::read_to_string(format!("/proc/{process}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no {field} in /proc/{process}/status"))
}

/// Latency figures of a run, in milliseconds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Latencies {
    pub samples: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latencies {
    pub(crate) fn of(mut samples: Vec<Duration>) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        let at = |q: f64| {
            let index = ((samples.len() as f64 * q) as usize).min(samples.len() - 1);
            samples[index].as_secs_f64() * 1000.0
        };
        Self {
            samples: samples.len(),
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            max_ms: samples[samples.len() - 1].as_secs_f64() * 1000.0,
        }
    }
}

/// The machine a run had: cores and the load averages (1, 5, 15 min) from `/proc/loadavg`
/// (other work on the machine shows here).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Machine {
    pub cores: usize,
    pub load_before: [f64; 3],
    pub load_after: [f64; 3],
}

impl Machine {
    pub(crate) fn now() -> Self {
        Self {
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            load_before: load_average(),
            load_after: [0.0; 3],
        }
    }

    pub(crate) fn finish(&mut self) {
        self.load_after = load_average();
    }

    /// Cores and load before (and after, once [`Machine::finish`] has read it).
    pub(crate) fn describe(&self) -> String {
        let [a, b, c] = self.load_before;
        let mut text = format!(
            "{} cores; load average {a:.2} {b:.2} {c:.2} before",
            self.cores
        );
        if self.load_after != [0.0; 3] {
            let [x, y, z] = self.load_after;
            text.push_str(&format!(", {x:.2} {y:.2} {z:.2} after"));
        }
        text
    }
}

fn load_average() -> [f64; 3] {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut fields = text.split_whitespace().map(|f| f.parse().unwrap_or(0.0));
    [(); 3].map(|_| fields.next().unwrap_or(0.0))
}

/// Progress lines: on stdout, or on stderr when stdout carries the JSON report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress {
    pub json: bool,
}

impl Progress {
    pub(crate) fn say(&self, line: impl std::fmt::Display) {
        if self.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

/// What the database's sessions were doing during a run: `pg_stat_activity` of the
/// benchmark database sampled every 50 ms on a connection of its own (the owner's; the
/// benchmark's own connections are left out), each
/// active session tallied under its wait event (or `CPU` when it waits for nothing) and the
/// start of its statement. The shares show where the time goes without extensions.
pub(crate) struct ActivitySampler {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<Activity>>,
}

/// The sampled activity: per wait and per statement, the share of session samples.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Activity {
    pub samples: u64,
    /// Sessions active or idle in a transaction, on average per sample.
    pub busy_sessions: f64,
    /// `state/wait_event_type:wait_event` → share of busy session samples (top 12).
    pub waits: Vec<(String, f64)>,
    /// Statement (first 70 characters) → share of busy session samples (top 12).
    pub statements: Vec<(String, f64)>,
}

/// The `application_name` of the benchmarks' own owner connections, left out of the
/// [`ActivitySampler`]'s tallies.
const BENCH_APPLICATION: &str = "tracehub-bench";

/// An owner connection of the benchmark itself (seeding checks, progress polls), named so
/// the [`ActivitySampler`] does not count it as the server's work.
pub(crate) async fn owner_connection(db_url: &str) -> anyhow::Result<sqlx::PgConnection> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(db_url).await?;
    sqlx::query("SELECT set_config('application_name', $1, false)")
        .bind(BENCH_APPLICATION)
        .execute(&mut conn)
        .await?;
    Ok(conn)
}

impl ActivitySampler {
    pub(crate) async fn start(db_url: &str) -> anyhow::Result<Self> {
        let mut conn = owner_connection(db_url).await?;
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut waits = std::collections::HashMap::<String, u64>::new();
            let mut statements = std::collections::HashMap::<String, u64>::new();
            let (mut samples, mut busy) = (0u64, 0u64);
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let rows: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU'), \
                            left(regexp_replace(query, '\\s+', ' ', 'g'), 70) \
                       FROM pg_stat_activity \
                      WHERE datname = current_database() AND pid <> pg_backend_pid() \
                        AND application_name <> $1 \
                        AND state IN ('active', 'idle in transaction')",
                )
                .bind(BENCH_APPLICATION)
                .fetch_all(&mut conn)
                .await?;
                samples += 1;
                for (state, wait, query) in rows {
                    busy += 1;
                    let state = if state == "active" {
                        "active"
                    } else {
                        "idle in tx"
                    };
                    *waits.entry(format!("{state} / {wait}")).or_default() += 1;
                    *statements.entry(query).or_default() += 1;
                }
            }
            let top = |map: std::collections::HashMap<String, u64>| {
                let mut pairs: Vec<(String, u64)> = map.into_iter().collect();
                pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                pairs
                    .into_iter()
                    .take(12)
                    .map(|(k, n)| (k, n as f64 / busy.max(1) as f64))
                    .collect()
            };
            Ok(Activity {
                samples,
                busy_sessions: busy as f64 / samples.max(1) as f64,
                waits: top(waits),
                statements: top(statements),
            })
        });
        Ok(Self { stop, task })
    }

    pub(crate) async fn finish(self) -> anyhow::Result<Activity> {
        let _ = self.stop.send(true);
        self.task.await?
    }
}

impl Activity {
    pub(crate) fn print(&self) {
        println!(
            "   database activity ({} samples, {:.1} busy sessions on average):",
            self.samples, self.busy_sessions
        );
        for (wait, share) in &self.waits {
            println!("     {:5.1} %  {wait}", share * 100.0);
        }
        println!("   busiest statements:");
        for (statement, share) in &self.statements {
            println!("     {:5.1} %  {statement}", share * 100.0);
        }
    }
}

/// Followers of the shipments, per organization, before and after [`keep_followers`].
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Followers {
    /// The most followers an organization with shipments had as seeded.
    pub seeded: usize,
    /// The most it has for the run.
    pub kept: usize,
}

/// Leaves at most `keep` active followers (members told of a shipment's departure, arrival
/// or moved ETA: [`crate::domain::notification::follows_shipment`]) in each organization
/// that owns shipments; the others' accounts are deactivated, as the owner.
///
/// The synthetic world puts every generated user (one per ten shipments) into the one
/// exporter organization: at 10,000 shipments, ~480 of them follow every shipment, and each
/// status or ETA change writes ~480 notifications. A real exporter's team is a handful of
/// people; the benchmarks keep 10 unless told otherwise.
pub(crate) async fn keep_followers(
    db_url: &str,
    owner: &mut sqlx::PgConnection,
    keep: usize,
) -> anyhow::Result<Followers> {
    use crate::db::tenant::{AppPool, TenantContext, TenantTx};
    let organizations: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT DISTINCT organization_id FROM shipments")
            .fetch_all(&mut *owner)
            .await?;
    let pool = AppPool::connect(db_url, 1, Duration::from_secs(5)).await?;
    let mut followers = Followers::default();
    for organization_id in organizations {
        let context = TenantContext {
            organization_id,
            user_id: None,
        };
        let mut tx = TenantTx::begin(&pool, context).await?;
        let following: Vec<uuid::Uuid> = crate::db::members::active(&mut tx, organization_id)
            .await?
            .iter()
            .filter(|m| crate::domain::notification::follows_shipment(&m.access()))
            .map(|m| m.user_id)
            .collect();
        tx.commit().await?;
        followers.seeded = followers.seeded.max(following.len());
        followers.kept = followers.kept.max(following.len().min(keep));
        if following.len() > keep {
            sqlx::query("UPDATE users SET is_active = false WHERE id = ANY($1)")
                .bind(&following[keep..])
                .execute(&mut *owner)
                .await?;
        }
    }
    drop(pool);
    Ok(followers)
}
