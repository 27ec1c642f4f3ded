//! `tracehub bench api`: PRODUCT.md §5 A1, A2 and S1.
//!
//! * A1 — `GET /api/v1/shipments?limit=50` with row-level security on, 1M shipments across 100
//!   organizations, 64 concurrent clients (each signed in to one organization): throughput and
//!   p99 latency.
//! * A2 — the same list on 10k shipments; the p50 at 1M must stay within 1.5× of it.
//! * S1 — `tracehub serve` as its own process: time from start to `/health/ready` answering,
//!   and resident memory once idle.
//!
//! The data sets are generated inside PostgreSQL at head (the owner role bypasses RLS for the
//! generation only); the server under test runs in this process on the application role,
//! exactly as `tracehub serve` does. Each data set lives in a database of its own, dropped at
//! the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use sqlx::{Connection, PgConnection};

use super::migration::{drop_database, fresh_database};
use crate::db::revisions::{self, Migrator, Options, Quiet};
use crate::db::tenant::AppPool;

/// The demo password every benchmark user has.
pub(super) const PASSWORD: &str = "Bench-2026-pw";

#[derive(Debug, Clone)]
pub struct ApiBenchOptions {
    /// Shipments of the large data set (A1).
    pub shipments: u32,
    /// Shipments of the small data set (A2's baseline).
    pub baseline_shipments: u32,
    pub organizations: u32,
    pub clients: u32,
    /// Measured seconds per run (after a warm-up of a tenth of it).
    pub seconds: u64,
    /// Server pool size (as `TRACEHUB_DB_POOL_SIZE`).
    pub pool_size: u32,
}

/// What one load run measured.
#[derive(Debug, Clone)]
pub struct LoadFigures {
    pub requests: u64,
    pub failures: u64,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// Runs A1, A2 and S1 on the server of `url`, printing each figure.
pub async fn run(url: &str, options: &ApiBenchOptions) -> Result<()> {
    let mut big = dataset(url, "tracehub_bench_api_big", options.shipments, options).await?;
    let s1 = startup(&big.url).await;
    let a1 = load(&big.url, options).await;
    drop_database(&mut big.admin, "tracehub_bench_api_big").await?;
    let (s1, a1) = (s1?, a1?);

    let mut small = dataset(
        url,
        "tracehub_bench_api_small",
        options.baseline_shipments,
        options,
    )
    .await?;
    let a2 = load(&small.url, options).await;
    drop_database(&mut small.admin, "tracehub_bench_api_small").await?;
    let a2 = a2?;

    println!();
    println!(
        "A1 GET /api/v1/shipments?limit=50, {} shipments / {} organizations, {} clients: \
         {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {} requests, {} failed \
         (target >= 5000 req/s, p99 <= 25 ms)",
        options.shipments,
        options.organizations,
        options.clients,
        a1.per_second,
        ms(a1.p50),
        ms(a1.p99),
        a1.requests,
        a1.failures
    );
    let ratio = a1.p50.as_secs_f64() / a2.p50.as_secs_f64().max(1e-9);
    println!(
        "A2 p50 at {} shipments {:.2} ms vs {:.2} ms at {}: {ratio:.2}x (target <= 1.5x); \
         {:.0} req/s there",
        options.shipments,
        ms(a1.p50),
        ms(a2.p50),
        options.baseline_shipments,
        a2.per_second
    );
    println!(
        "S1 tracehub serve: ready {:.0} ms after start, idle RSS {:.1} MB (target <= 1000 ms, <= 50 MB)",
        s1.ready.as_secs_f64() * 1000.0,
        s1.rss_bytes as f64 / 1_048_576.0
    );
    Ok(())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

pub(super) struct Dataset {
    pub(super) url: String,
    /// A connection to the server's `postgres` database, to drop the data set at the end.
    pub(super) admin: PgConnection,
}

/// A database at head with `organizations` organizations (VIBOTAJ plus suppliers and
/// buyers), one admin user each, and `shipments` shipments spread evenly over them.
pub(super) async fn dataset(
    url: &str,
    name: &str,
    shipments: u32,
    options: &ApiBenchOptions,
) -> Result<Dataset> {
    let started = Instant::now();
    let (admin, db_url) = fresh_database(url, name).await?;
    Migrator::new(&db_url, Options::default(), &Quiet)
        .upgrade(None)
        .await
        .context("upgrading the benchmark database to head")?;
    let hash = crate::auth::password::hash(PASSWORD)?;
    let mut conn = PgConnection::connect(&db_url).await?;
    sqlx::raw_sql(include_str!("api.sql"))
        .execute(&mut conn)
        .await
        .context("creating the generator")?;
    sqlx::query("SELECT bench_generate($1, $2, $3)")
        .bind(i32::try_from(options.organizations)?)
        .bind(i32::try_from(shipments)?)
        .bind(&hash)
        .execute(&mut conn)
        .await
        .context("generating the data set")?;
    sqlx::raw_sql("DROP FUNCTION bench_generate(integer, integer, text)")
        .execute(&mut conn)
        .await?;
    // A database as it would be after autovacuum caught up (visibility map set, statistics).
    sqlx::raw_sql("VACUUM ANALYZE").execute(&mut conn).await?;
    // Write the generation's dirty pages out now, not during the measured run. Needs a
    // superuser or pg_checkpoint; without, the run may share the disk with a checkpoint.
    if let Err(e) = sqlx::raw_sql("CHECKPOINT").execute(&mut conn).await {
        println!("(no CHECKPOINT before the run: {e})");
    }
    conn.close().await?;
    println!(
        "data set {name}: {shipments} shipments over {} organizations at revision {}, built in {:.1} s",
        options.organizations,
        revisions::head().id,
        started.elapsed().as_secs_f64()
    );
    Ok(Dataset { url: db_url, admin })
}

/// Serves `db_url` in this process and runs the list load against it.
async fn load(db_url: &str, options: &ApiBenchOptions) -> Result<LoadFigures> {
    let pool = AppPool::connect(db_url, options.pool_size, Duration::from_secs(2)).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = crate::http::AppState::with_jwt_secret(pool, &crate::config::JwtSecret::random());
    let server = tokio::spawn(crate::http::serve(state, listener));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.clients as usize)
        .build()?;
    let mut tokens = Vec::new();
    for org in 0..options.organizations {
        tokens.push(login(&client, &base, &bench_email(org)).await?);
    }
    let url = format!("{base}/api/v1/shipments?limit=50");
    // Every answer must be a page of the caller's own shipments: check one per organization.
    let probe = client.get(&url).bearer_auth(&tokens[1]).send().await?;
    if !probe.status().is_success() {
        bail!(
            "the shipments list answered {}: {}",
            probe.status(),
            probe.text().await.unwrap_or_default()
        );
    }

    let warmup = Duration::from_secs((options.seconds / 10).max(1));
    let measured = Duration::from_secs(options.seconds);
    let start = Instant::now();
    let measure_from = start + warmup;
    let stop_at = measure_from + measured;
    let tokens = Arc::new(tokens);
    let mut tasks = Vec::new();
    for worker in 0..options.clients {
        let client = client.clone();
        let url = url.clone();
        let tokens = tokens.clone();
        tasks.push(tokio::spawn(async move {
            let token = &tokens[worker as usize % tokens.len()];
            let mut latencies = Vec::new();
            let mut failures = 0u64;
            while Instant::now() < stop_at {
                let sent = Instant::now();
                let ok = match client.get(&url).bearer_auth(token).send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        ok && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                if sent >= measure_from {
                    if ok {
                        latencies.push(sent.elapsed());
                    } else {
                        failures += 1;
                    }
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (mine, failed) = task.await?;
        latencies.extend(mine);
        failures += failed;
    }
    server.abort();
    latencies.sort_unstable();
    if latencies.is_empty() {
        bail!("no request succeeded ({failures} failed)");
    }
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Ok(LoadFigures {
        requests: latencies.len() as u64 + failures,
        failures,
        per_second: latencies.len() as f64 / measured.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    })
}

pub(super) fn bench_email(org: u32) -> String {
    format!("bench-admin-{org}@bench.test")
}

async fn login(client: &reqwest::Client, base: &str, email: &str) -> Result<String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("login of {email} answered {}", response.status());
    }
    let body: serde_json::Value = response.json().await?;
    body["access_token"]
        .as_str()
        .map(str::to_string)
        .context("login answer without access_token")
}

struct Startup {
    ready: Duration,
    rss_bytes: u64,
}

/// S1: starts this binary's `serve` on `db_url`, times readiness, reads the idle RSS.
async fn startup(db_url: &str) -> Result<Startup> {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?.port()
    };
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(exe)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", db_url)
        .env_remove("TRACEHUB_ENV")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting tracehub serve")?;
    let client = reqwest::Client::new();
    let ready_url = format!("http://127.0.0.1:{port}/health/ready");
    let ready = loop {
        if let Ok(response) = client.get(&ready_url).send().await {
            if response.status().is_success() {
                break started.elapsed();
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("tracehub serve was not ready within 30 s");
        }
        if let Some(status) = child.try_wait()? {
            bail!("tracehub serve exited early: {status}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    // Idle: a few requests have been served (the readiness probes); let it settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = child.id().context("serve has no pid")?;
    let rss_kb = super::status_kib(&pid.to_string(), "VmRSS")?;
    child.kill().await.ok();
    Ok(Startup {
        ready,
        rss_bytes: rss_kb * 1024,
    })
}
