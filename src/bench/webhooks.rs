//! `tracehub bench webhooks`: PRODUCT.md §5 T1 — signed carrier webhook events ingested
//! through the real route, `POST /api/v1/webhooks/carrier`.
//!
//! A scratch database gets the synthetic world (`tracehub seed synthetic`, at head); the
//! containers of its shipments that are not closed (the ones a webhook reaches) are read as
//! the owner; each organization keeps `--followers` active followers
//! ([`super::keep_followers`]). The server runs in this process on the application role, with the carrier
//! webhook's secret set; `--clients` concurrent senders (tokio tasks sharing a semaphore)
//! post `--events` events, each with its own `id`, signed with a timestamp
//! (`X-Webhook-Signature` over `<timestamp>.<body>`), round-robin over the containers in a
//! voyage-like mix of types (one in seven a departure, one in seven an arrival). One event
//! in twenty is sent again once its first answer is in, as a carrier retrying would.
//!
//! Measured: wall time of the whole run (repeats included), events/s (distinct events),
//! per-request latency (send to last byte of the answer). Checked: every first send is
//! answered `processed`, every repeat `duplicate`, and `container_events` holds exactly one
//! row per event id. Before the run, a warm-up of `gate_in` events (ids of their own, checked
//! the same way) opens the connections. The database is dropped at the end.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::Connection;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::migration::{drop_database, fresh_database};
use super::{keep_followers, Activity, ActivitySampler, Followers, Latencies, Machine, Progress};
use crate::db::tenant::AppPool;
use crate::domain::tracking::signature::{sign, WebhookSecret};
use crate::http::webhooks::{WebhookSecrets, SIGNATURE_HEADER, TIMESTAMP_HEADER};

const DATABASE: &str = "tracehub_bench_webhooks";
const SECRET: &str = "bench-secret";
/// Every `REPEAT_EVERY`-th event is sent twice.
const REPEAT_EVERY: u32 = 20;
/// The prefix of the benchmark's event ids.
const ID_PREFIX: &str = "BENCH-T1-";
/// T1's targets.
const TARGET_EVENTS_PER_SECOND: f64 = 2000.0;
const TARGET_P99_MS: f64 = 50.0;

/// The carrier words sent, in turn: a voyage's milestones, one in seven moving a status.
const EVENT_TYPES: [&str; 7] = [
    "GATE_IN",
    "LOADED",
    "VESSEL_DEPARTED",
    "TRANSSHIPMENT",
    "VESSEL_ARRIVED",
    "DISCHARGED",
    "GATE_OUT",
];

#[derive(Debug, Clone)]
pub struct WebhookBenchOptions {
    pub events: u32,
    pub clients: u32,
    /// Shipments of the synthetic world (those not closed are addressed).
    pub shipments: u32,
    /// Active followers kept per organization ([`super::keep_followers`]).
    pub followers: usize,
    /// Server pool size (as `TRACEHUB_DB_POOL_SIZE`).
    pub pool_size: u32,
    pub json: bool,
}

/// What the run measured and checked.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookReport {
    pub benchmark: &'static str,
    pub route: &'static str,
    pub events: u32,
    pub repeats_sent: u32,
    pub warmup_events: u32,
    pub clients: u32,
    pub pool_size: u32,
    pub shipments: u32,
    pub containers: usize,
    /// Members told of each status or ETA change (per organization, at most).
    pub followers: Followers,
    pub seconds: f64,
    /// Distinct events over the wall time of the run (repeats included in the time).
    pub events_per_second: f64,
    /// Every request (events and repeats) over the wall time.
    pub requests_per_second: f64,
    /// Every request of the run.
    pub latency: Latencies,
    /// The repeats alone.
    pub repeat_latency: Latencies,
    /// First sends that changed nothing but the events (no status, no ETA).
    pub quiet_latency: Latencies,
    /// First sends that moved a status or an ETA (audit row, followers notified).
    pub changing_latency: Latencies,
    /// Answers by `status` (`processed`, `duplicate`, `ignored`) or `http <code>`/`error`.
    pub answers: BTreeMap<String, u32>,
    pub status_changes: u32,
    pub eta_changes: u32,
    /// Rows in `container_events` with the run's ids (warm-up included).
    pub rows_stored: i64,
    pub ids_missing: usize,
    pub ids_stored_more_than_once: usize,
    pub first_sends_processed: u32,
    pub repeats_answered_duplicate: u32,
    /// Each event stored exactly once, every first send processed and every repeat a duplicate.
    pub exactly_once: bool,
    pub target_events_per_second: f64,
    pub target_p99_ms: f64,
    pub target_met: bool,
    pub machine: Machine,
    /// What the database's sessions were doing during the run.
    pub activity: Activity,
}

/// Runs T1 on the server of `url` and prints the report (text, or JSON with `json`).
pub async fn run(url: &str, options: &WebhookBenchOptions) -> Result<()> {
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
        bail!("T1: events were not each stored exactly once (see the report)");
    }
    Ok(())
}

fn print_text(r: &WebhookReport) {
    println!();
    println!(
        "T1 POST {}: {} signed events (+{} repeats, {} clients, pool {}) over {} containers \
         in {:.2} s: {:.0} events/s ({:.0} req/s), p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, \
         max {:.1} ms (target >= {:.0} events/s, p99 <= {:.0} ms: {})",
        r.route,
        r.events,
        r.repeats_sent,
        r.clients,
        r.pool_size,
        r.containers,
        r.seconds,
        r.events_per_second,
        r.requests_per_second,
        r.latency.p50_ms,
        r.latency.p90_ms,
        r.latency.p99_ms,
        r.latency.max_ms,
        r.target_events_per_second,
        r.target_p99_ms,
        if r.target_met { "met" } else { "NOT met" }
    );
    let answers: Vec<String> = r.answers.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "   answers: {}; {} status changes, {} ETA changes ({} followers told of each); repeats p50 {:.1} ms, p99 {:.1} ms",
        answers.join(", "),
        r.status_changes,
        r.eta_changes,
        r.followers.kept,
        r.repeat_latency.p50_ms,
        r.repeat_latency.p99_ms
    );
    println!(
        "   first sends that changed nothing p50 {:.1} ms, p99 {:.1} ms ({}); that moved a \
         status or ETA p50 {:.1} ms, p99 {:.1} ms ({})",
        r.quiet_latency.p50_ms,
        r.quiet_latency.p99_ms,
        r.quiet_latency.samples,
        r.changing_latency.p50_ms,
        r.changing_latency.p99_ms,
        r.changing_latency.samples
    );
    println!(
        "   stored once: {} rows for {} ids ({} warm-up), {} missing, {} stored more than once; \
         {}/{} first sends processed, {}/{} repeats answered duplicate: {}",
        r.rows_stored,
        r.events + r.warmup_events,
        r.warmup_events,
        r.ids_missing,
        r.ids_stored_more_than_once,
        r.first_sends_processed,
        r.events,
        r.repeats_answered_duplicate,
        r.repeats_sent,
        if r.exactly_once { "OK" } else { "FAILED" }
    );
    println!("   machine: {}", r.machine.describe());
    r.activity.print();
}

/// How one request was answered.
#[derive(Debug, Clone)]
enum Answer {
    Processed {
        status_changed: bool,
        eta_changed: bool,
    },
    Duplicate,
    Other(String),
}

impl Answer {
    fn label(&self) -> String {
        match self {
            Answer::Processed { .. } => "processed".into(),
            Answer::Duplicate => "duplicate".into(),
            Answer::Other(label) => label.clone(),
        }
    }
}

/// One request's outcome.
struct Sent {
    repeat: bool,
    latency: Duration,
    answer: Answer,
}

/// Everything a sender needs.
struct Sender {
    client: reqwest::Client,
    url: String,
    secret: WebhookSecret,
}

impl Sender {
    /// Posts `body` signed now; the time to the answer's last byte and what it said.
    async fn post(&self, body: &Bytes) -> (Duration, Answer) {
        let timestamp = Utc::now().timestamp();
        let signature = sign(&self.secret, body, Some(timestamp));
        let sent = Instant::now();
        let response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .body(body.clone())
            .send()
            .await;
        let answer = match response {
            Err(error) => Answer::Other(format!("error: {}", error.without_url())),
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Err(error) => Answer::Other(format!("error: {}", error.without_url())),
                    Ok(_) if !status.is_success() => Answer::Other(format!("http {status}")),
                    Ok(bytes) => read_answer(&bytes),
                }
            }
        };
        (sent.elapsed(), answer)
    }
}

fn read_answer(bytes: &[u8]) -> Answer {
    let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
        return Answer::Other("unreadable answer".into());
    };
    match body["status"].as_str() {
        Some("processed") => Answer::Processed {
            status_changed: body["status_changed"].as_bool().unwrap_or(false),
            eta_changed: body["eta_changed"].as_bool().unwrap_or(false),
        },
        Some("duplicate") => Answer::Duplicate,
        Some(other) => Answer::Other(other.to_string()),
        None => Answer::Other("answer without status".into()),
    }
}

/// The body of event `n` (its id `id`) for `container`.
fn event_body(id: &str, n: u32, container: &str, event_type: &str) -> Bytes {
    let base = Utc::now() - chrono::Duration::days(2);
    let at = base + chrono::Duration::seconds(i64::from(n));
    let mut event = json!({
        "id": id,
        "container_number": container,
        "event_type": event_type,
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "location": {"name": "Tanger Med", "code": "MAPTM", "lat": 35.8847, "lng": -5.5007},
        "vessel": {"name": "MAERSK CAIRO", "voyage": "551N"},
    });
    if event_type == "VESSEL_DEPARTED" {
        // Carriers announce the ETA with a departure.
        let eta =
            Utc::now() + chrono::Duration::days(14) + chrono::Duration::hours(i64::from(n % 48));
        event["eta"] = json!(eta.to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    Bytes::from(event.to_string())
}

async fn measure(
    db_url: &str,
    options: &WebhookBenchOptions,
    progress: Progress,
) -> Result<WebhookReport> {
    let started = Instant::now();
    crate::ops::seed::synthetic(db_url, options.shipments, Some("head"))
        .await
        .context("seeding the synthetic world")?;
    let mut owner = super::owner_connection(db_url).await?;
    let followers = keep_followers(db_url, &mut owner, options.followers).await?;
    // A database as it would be after autovacuum caught up; the seed's dirty pages written.
    sqlx::raw_sql("VACUUM ANALYZE").execute(&mut owner).await?;
    if let Err(e) = sqlx::raw_sql("CHECKPOINT").execute(&mut owner).await {
        progress.say(format!("(no CHECKPOINT before the run: {e})"));
    }
    let containers: Vec<String> = sqlx::query_scalar(
        "SELECT container_number FROM shipments WHERE status <> 'CLOSED' ORDER BY reference",
    )
    .fetch_all(&mut owner)
    .await?;
    if containers.is_empty() {
        bail!("the synthetic world has no open shipment to send events for");
    }
    progress.say(format!(
        "data set: {} synthetic shipments at head, {} open containers addressed, {} followers \
         per shipment (of {} seeded), built in {:.1} s",
        options.shipments,
        containers.len(),
        followers.kept,
        followers.seeded,
        started.elapsed().as_secs_f64()
    ));

    let pool = AppPool::connect(db_url, options.pool_size, Duration::from_secs(5)).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let secrets = WebhookSecrets {
        carrier: WebhookSecret::new(SECRET),
        ..WebhookSecrets::default()
    };
    let state = crate::http::AppState::with_jwt_secret(pool, &crate::config::JwtSecret::random())
        .with_webhooks(secrets);
    let server = tokio::spawn(crate::http::serve(state, listener));
    let sender = Arc::new(Sender {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(options.clients as usize)
            .build()?,
        url: format!("{base}/api/v1/webhooks/carrier"),
        secret: WebhookSecret::new(SECRET).context("the benchmark secret")?,
    });
    let containers = Arc::new(containers);

    // Warm-up: connections opened, statements prepared; gate-in events change no status.
    let warmup = options.clients.clamp(1, 64) * 4;
    let mut expected: Vec<String> = Vec::new();
    let mut warm = JoinSet::new();
    for n in 0..warmup {
        let id = format!("{ID_PREFIX}WARM-{n:05}");
        let container = &containers[(containers.len() - 1) - n as usize % containers.len()];
        let body = event_body(&id, n, container, "GATE_IN");
        expected.push(id);
        let sender = sender.clone();
        warm.spawn(async move { sender.post(&body).await.1 });
        if warm.len() >= options.clients as usize {
            check_warmup(warm.join_next().await)?;
        }
    }
    while let Some(done) = warm.join_next().await {
        check_warmup(Some(done))?;
    }

    let mut machine = Machine::now();
    progress.say(format!(
        "sending {} events with {} clients ({})",
        options.events,
        options.clients,
        machine.describe()
    ));
    let sampler = ActivitySampler::start(db_url).await?;
    let slots = Arc::new(Semaphore::new(options.clients as usize));
    let mut tasks = JoinSet::new();
    let run_started = Instant::now();
    for n in 0..options.events {
        let id = format!("{ID_PREFIX}{n:07}");
        let container = &containers[n as usize % containers.len()];
        let event_type = EVENT_TYPES[n as usize % EVENT_TYPES.len()];
        let body = event_body(&id, n, container, event_type);
        expected.push(id);
        let repeat = n % REPEAT_EVERY == 0;
        let permit = slots.clone().acquire_owned().await?;
        let sender = sender.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let (latency, answer) = sender.post(&body).await;
            let mut sent = vec![Sent {
                repeat: false,
                latency,
                answer,
            }];
            if repeat {
                let (latency, answer) = sender.post(&body).await;
                sent.push(Sent {
                    repeat: true,
                    latency,
                    answer,
                });
            }
            sent
        });
    }
    let mut results = Vec::with_capacity(options.events as usize * 21 / 20);
    while let Some(done) = tasks.join_next().await {
        results.extend(done?);
    }
    let seconds = run_started.elapsed().as_secs_f64();
    machine.finish();
    let activity = sampler.finish().await?;
    server.abort();

    // Stored exactly once: one row per id, as the owner (row-level security bypassed).
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT external_id, count(*) FROM container_events WHERE external_id LIKE $1 \
          GROUP BY external_id",
    )
    .bind(format!("{ID_PREFIX}%"))
    .fetch_all(&mut owner)
    .await?;
    owner.close().await?;
    let stored: HashMap<String, i64> = rows.into_iter().collect();
    let ids_missing = expected
        .iter()
        .filter(|id| !stored.contains_key(*id))
        .count();
    let ids_stored_more_than_once = stored.values().filter(|count| **count > 1).count();
    let rows_stored: i64 = stored.values().sum();

    let mut answers = BTreeMap::new();
    let (mut status_changes, mut eta_changes) = (0, 0);
    let (mut first_sends_processed, mut repeats_answered_duplicate, mut repeats_sent) = (0, 0, 0);
    let (mut all, mut repeated) = (Vec::new(), Vec::new());
    let (mut quiet, mut changing) = (Vec::new(), Vec::new());
    for sent in results {
        *answers.entry(sent.answer.label()).or_insert(0u32) += 1;
        match (&sent.answer, sent.repeat) {
            (
                Answer::Processed {
                    status_changed,
                    eta_changed,
                },
                false,
            ) => {
                first_sends_processed += 1;
                status_changes += u32::from(*status_changed);
                eta_changes += u32::from(*eta_changed);
                if *status_changed || *eta_changed {
                    changing.push(sent.latency);
                } else {
                    quiet.push(sent.latency);
                }
            }
            (Answer::Duplicate, true) => repeats_answered_duplicate += 1,
            _ => {}
        }
        if sent.repeat {
            repeats_sent += 1;
            repeated.push(sent.latency);
        }
        all.push(sent.latency);
    }
    let requests = all.len();
    let latency = Latencies::of(all);
    let events_per_second = f64::from(options.events) / seconds.max(1e-9);
    let exactly_once = ids_missing == 0
        && ids_stored_more_than_once == 0
        && rows_stored == expected.len() as i64
        && first_sends_processed == options.events
        && repeats_answered_duplicate == repeats_sent;
    Ok(WebhookReport {
        benchmark: "T1",
        route: "/api/v1/webhooks/carrier",
        events: options.events,
        repeats_sent,
        warmup_events: warmup,
        clients: options.clients,
        pool_size: options.pool_size,
        shipments: options.shipments,
        containers: containers.len(),
        followers,
        seconds,
        events_per_second,
        requests_per_second: requests as f64 / seconds.max(1e-9),
        latency,
        repeat_latency: Latencies::of(repeated),
        quiet_latency: Latencies::of(quiet),
        changing_latency: Latencies::of(changing),
        answers,
        status_changes,
        eta_changes,
        rows_stored,
        ids_missing,
        ids_stored_more_than_once,
        first_sends_processed,
        repeats_answered_duplicate,
        exactly_once,
        target_events_per_second: TARGET_EVENTS_PER_SECOND,
        target_p99_ms: TARGET_P99_MS,
        target_met: events_per_second >= TARGET_EVENTS_PER_SECOND
            && latency.p99_ms <= TARGET_P99_MS,
        machine,
        activity,
    })
}

fn check_warmup(done: Option<Result<Answer, tokio::task::JoinError>>) -> Result<()> {
    match done {
        None => Ok(()),
        Some(answer) => match answer? {
            Answer::Processed { .. } => Ok(()),
            other => bail!("a warm-up event was answered {}", other.label()),
        },
    }
}
