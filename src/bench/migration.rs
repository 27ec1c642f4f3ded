//! `tracehub bench migration`: PRODUCT.md §5 M1 and M2.
//!
//! Builds the synthetic predecessor database (revision 002) in a database of its own, starts a
//! load generator that plays the old application (reads and inserts that know nothing of
//! organizations), runs `tracehub migrate` to head while it runs, and reports the total and
//! per-step time (M1), the longest time any application request took and the longest lock
//! wait seen in pg_locks (M2), and failed requests.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use crate::db::connect::quote_ident;
use crate::ops::migrate::{self, MigrateOptions, Narrator};
use crate::ops::seed;

/// How the load generator names its sessions, so lock waits can be told apart.
const APP_NAME: &str = "tracehub-bench-old-app";

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub shipments: u32,
    pub clients: u32,
    pub with_backup: bool,
    pub backup_dir: std::path::PathBuf,
}

/// Figures of the load generator.
#[derive(Debug, Default)]
struct LoadStats {
    requests: AtomicU64,
    failures: AtomicU64,
    max_latency_us: AtomicU64,
    max_lock_wait_us: AtomicU64,
    first_failure: std::sync::Mutex<Option<String>>,
}

/// Runs the benchmark in a fresh database `tracehub_bench` on the server of `url`, printing
/// as it goes. The benchmark database is dropped at the end.
pub async fn run(url: &str, options: &BenchOptions, narrator: &dyn Narrator) -> Result<()> {
    let bench_db = "tracehub_bench";
    let (mut admin, bench_url) = fresh_database(url, bench_db).await?;

    narrator.say(&format!(
        "Building the M1 data set: {} shipments at revision 002 …",
        options.shipments
    ));
    let started = Instant::now();
    seed::synthetic(&bench_url, options.shipments, Some("002")).await?;
    let mut conn = PgConnection::connect(&bench_url).await?;
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT relname::text, n_live_tup FROM pg_stat_user_tables ORDER BY n_live_tup DESC",
    )
    .fetch_all(&mut conn)
    .await?;
    sqlx::raw_sql("ANALYZE").execute(&mut conn).await?;
    narrator.say(&format!(
        "  built in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let references: Vec<String> =
        sqlx::query_scalar("SELECT reference::text FROM shipments ORDER BY random() LIMIT 2000")
            .fetch_all(&mut conn)
            .await?;
    let shipment_ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM shipments ORDER BY random() LIMIT 2000")
            .fetch_all(&mut conn)
            .await?;
    let users: Vec<String> =
        sqlx::query_scalar("SELECT email::text FROM users ORDER BY random() LIMIT 500")
            .fetch_all(&mut conn)
            .await?;
    conn.close().await?;

    let pool = PgPoolOptions::new()
        .max_connections(options.clients + 1)
        .connect_with(
            // Like the old application's driver (psycopg2), prepare nothing across requests:
            // a cached `SELECT` plan would fail once when a migration adds a column.
            bench_url
                .parse::<PgConnectOptions>()?
                .application_name(APP_NAME)
                .statement_cache_capacity(0),
        )
        .await?;
    let stats = Arc::new(LoadStats::default());
    let stop = Arc::new(AtomicBool::new(false));
    let world = Arc::new((references, shipment_ids, users));
    let mut tasks = Vec::new();
    for client in 0..options.clients {
        tasks.push(tokio::spawn(old_application(
            client,
            pool.clone(),
            world.clone(),
            stats.clone(),
            stop.clone(),
        )));
    }
    tasks.push(tokio::spawn(lock_wait_sampler(
        bench_url.clone(),
        stats.clone(),
        stop.clone(),
    )));
    // Let the load settle so its own latency is visible before any DDL.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let baseline_us = stats.max_latency_us.swap(0, Ordering::Relaxed);

    narrator.say(&format!(
        "Running `tracehub migrate` with {} clients of the old application …",
        options.clients
    ));
    let result = migrate::run(
        &bench_url,
        &MigrateOptions {
            backup_dir: options.backup_dir.clone(),
            skip_backup: !options.with_backup,
        },
        narrator,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    pool.close().await;
    let outcome = result?;
    narrator.say(&migrate::summary(&outcome));

    let migration_only = outcome.total.saturating_sub(outcome.backup_time);
    narrator.say(&format!(
        "M1 migrate 002 -> {}: {:.1} s end to end{}",
        outcome.to,
        outcome.total.as_secs_f64(),
        if options.with_backup {
            format!(
                " ({:.1} s verified backup + {:.1} s migration)",
                outcome.backup_time.as_secs_f64(),
                migration_only.as_secs_f64()
            )
        } else {
            " (backup skipped; --with-backup includes it)".to_string()
        }
    ));
    narrator.say(&format!(
        "M2 longest application request during the migration: {:.0} ms (before it: {:.0} ms); \
         longest lock wait seen in pg_locks: {:.0} ms",
        stats.max_latency_us.load(Ordering::Relaxed) as f64 / 1000.0,
        baseline_us as f64 / 1000.0,
        stats.max_lock_wait_us.load(Ordering::Relaxed) as f64 / 1000.0
    ));
    narrator.say(&format!(
        "   requests: {}, failed: {}{}",
        stats.requests.load(Ordering::Relaxed),
        stats.failures.load(Ordering::Relaxed),
        stats
            .first_failure
            .lock()
            .expect("stats")
            .as_deref()
            .map(|f| format!(" (first: {f})"))
            .unwrap_or_default()
    ));
    drop_database(&mut admin, bench_db).await?;
    Ok(())
}

/// (Re)creates the empty database `name` on the server of `url`; returns a connection to the
/// server's `postgres` database (to drop it again) and the new database's URL.
pub(crate) async fn fresh_database(url: &str, name: &str) -> Result<(PgConnection, String)> {
    let server: PgConnectOptions = url.parse()?;
    let mut admin = server.clone().database("postgres").connect().await?;
    drop_database(&mut admin, name).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {}", quote_ident(name)))
        .execute(&mut admin)
        .await
        .context("creating the benchmark database (needs CREATEDB)")?;
    let bench_url = server.database(name).to_url_lossy().to_string();
    Ok((admin, with_password(&bench_url, url)?))
}

pub(crate) async fn drop_database(admin: &mut PgConnection, name: &str) -> Result<()> {
    sqlx::raw_sql(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(name)
    ))
    .execute(admin)
    .await?;
    Ok(())
}

/// `to_url_lossy` drops the password; put it back from the original URL.
fn with_password(bench_url: &str, original: &str) -> Result<String> {
    let original = url::Url::parse(original)?;
    let mut url = url::Url::parse(bench_url)?;
    if let Some(password) = original.password() {
        url.set_password(Some(password))
            .map_err(|_| anyhow::anyhow!("cannot set the password on the benchmark URL"))?;
    }
    Ok(url.to_string())
}

/// One client of the old application: the reads and writes of its hot paths, none of which
/// mention organizations.
async fn old_application(
    client: u32,
    pool: PgPool,
    world: Arc<(Vec<String>, Vec<uuid::Uuid>, Vec<String>)>,
    stats: Arc<LoadStats>,
    stop: Arc<AtomicBool>,
) {
    let (references, shipment_ids, users) = &*world;
    let mut n: usize = client as usize * 7919;
    while !stop.load(Ordering::Relaxed) {
        n = n.wrapping_add(1);
        let reference = &references[n % references.len().max(1)];
        let shipment = shipment_ids[n % shipment_ids.len().max(1)];
        let user = &users[n % users.len().max(1)];
        let started = Instant::now();
        // Unnamed statements, as the predecessor's driver (psycopg2) sends them: a statement
        // prepared before 015 retyped its columns would fail once with "cached plan must not
        // change result type", a failure of the load generator, not of the migration.
        let result = match n % 6 {
            0 => sqlx::query(
                "SELECT id, reference, container_number, status, eta, buyer_id FROM shipments WHERE reference = $1",
            )
                .bind(reference)
                .persistent(false)
                .fetch_optional(&pool)
                .await
                .map(|_| ()),
            1 => sqlx::query(
                "SELECT id, type, title, message, read, created_at FROM notifications \
                 WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20",
            )
            .bind(user)
            .persistent(false)
            .fetch_all(&pool)
            .await
            .map(|_| ()),
            2 => sqlx::query(
                "INSERT INTO notifications (id, user_id, type, title, message, data, read, created_at) \
                 VALUES ($1, $2, 'system_alert', 'Benchmark', 'old application write', '{}', false, now())",
            )
            .bind(uuid::Uuid::new_v4())
            .bind(user)
            .persistent(false)
            .execute(&pool)
            .await
            .map(|_| ()),
            3 => sqlx::query(
                "INSERT INTO container_events (id, shipment_id, event_type, event_timestamp, source, created_at) \
                 VALUES ($1, $2, 'GATE_IN', now(), 'jsoncargo', now())",
            )
            .bind(uuid::Uuid::new_v4())
            .bind(shipment)
            .persistent(false)
            .execute(&pool)
            .await
            .map(|_| ()),
            4 => sqlx::query(
                "INSERT INTO audit_logs (id, username, action, resource_type, resource_id, success, details, \"timestamp\") \
                 VALUES ($1, $2, 'shipment.view', 'shipment', $3, 'true', '{}', now())",
            )
            .bind(uuid::Uuid::new_v4())
            .bind(user)
            .bind(shipment.to_string())
            .persistent(false)
            .execute(&pool)
            .await
            .map(|_| ()),
            _ => sqlx::query("UPDATE shipments SET updated_at = now() WHERE id = $1")
                .bind(shipment)
                .persistent(false)
                .execute(&pool)
                .await
                .map(|_| ()),
        };
        let elapsed = started.elapsed().as_micros() as u64;
        stats.requests.fetch_add(1, Ordering::Relaxed);
        stats.max_latency_us.fetch_max(elapsed, Ordering::Relaxed);
        if let Err(e) = result {
            stats.failures.fetch_add(1, Ordering::Relaxed);
            stats
                .first_failure
                .lock()
                .expect("stats")
                .get_or_insert_with(|| e.to_string());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Samples how long the old application's sessions have been waiting for locks.
async fn lock_wait_sampler(url: String, stats: Arc<LoadStats>, stop: Arc<AtomicBool>) {
    let Ok(mut conn) = PgConnection::connect(&url).await else {
        return;
    };
    while !stop.load(Ordering::Relaxed) {
        let wait: Result<f64, _> = sqlx::query_scalar(
            "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - l.waitstart)), 0)::float8 \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE NOT l.granted AND a.application_name = $1",
        )
        .bind(APP_NAME)
        .fetch_one(&mut conn)
        .await;
        if let Ok(seconds) = wait {
            stats
                .max_lock_wait_us
                .fetch_max((seconds * 1e6) as u64, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
