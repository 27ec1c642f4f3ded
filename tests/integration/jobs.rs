//! The job queue (revision 022): scheduled work runs exactly once however many instances
//! run — two `tracehub serve` processes on one database, counted at the fake provider —
//! and a job whose worker died is run again.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracehub::db::jobs::{self, NewJob};
use tracehub::jobs::{handler, Outcome, Runner, Schedule, Timing};

use crate::fake_provider::FakeProvider;
use crate::helpers::TestDb;

/// The demo world's followed containers (neither shipment is delivered or closed).
const CONTAINERS: [&str; 2] = ["MRSU3452572", "TCNU7654328"];

async fn app_pool(db: &TestDb) -> tracehub::db::tenant::AppPool {
    tracehub::db::tenant::AppPool::connect(&db.url, 8, Duration::from_secs(5))
        .await
        .unwrap()
}

/// Waits until `condition` holds (checked every 100 ms), at most `within`.
async fn eventually<F, Fut>(within: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !condition().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A `tracehub serve` process on `db`, asking `fake`; killed when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &TestDb, fake: &FakeProvider) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracehub"))
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("TRACEHUB_BIND", format!("127.0.0.1:{port}"))
        .env("TRACKING_PROVIDER", "jsoncargo")
        .env("TRACKING_API_URL", fake.base_url())
        .env("TRACKING_API_KEY", fake.key())
        .env("TRACKING_RATE_PER_MINUTE", "1000")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tracehub serve");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("serving on") {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("tracehub serve exited:\n{printed}");
        }
        printed.push_str(&line);
    }
    Server(child)
}

#[tokio::test]
async fn two_servers_on_one_database_run_each_scheduled_job_exactly_once() {
    let db = TestDb::demo().await;
    let fake = FakeProvider::start();
    for container in CONTAINERS {
        fake.set_container(
            container,
            serde_json::json!({"container_id": container, "container_status": "In Transit"}),
        );
    }
    let first = serve(&db, &fake);
    let second = serve(&db, &fake);
    let pool = app_pool(&db).await;
    eventually(Duration::from_secs(60), "both refreshes done", || async {
        jobs::count(&pool, "tracking.refresh", "done")
            .await
            .unwrap()
            == 2
    })
    .await;
    eventually(
        Duration::from_secs(60),
        "the expiry warnings done",
        || async {
            jobs::count(&pool, "documents.expiry_warnings", "done")
                .await
                .unwrap()
                == 1
        },
    )
    .await;
    // Both instances keep enqueueing their periods meanwhile; nothing runs twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for container in CONTAINERS {
        assert_eq!(
            fake.calls(&format!("/containers/{container}")),
            1,
            "{container}"
        );
    }
    for kind in [
        "tracking.sweep",
        "tracking.refresh",
        "documents.expiry_warnings",
        "jobs.purge",
    ] {
        let all = db
            .scalar_i64(&format!("SELECT count(*) FROM jobs WHERE kind = '{kind}'"))
            .await;
        let expected = if kind == "tracking.refresh" { 2 } else { 1 };
        assert_eq!(all, expected, "{kind}");
    }
    drop((first, second));
}

#[tokio::test]
async fn a_job_whose_worker_died_is_run_again_and_the_dead_worker_cannot_finish_it() {
    let db = TestDb::demo().await;
    let pool = app_pool(&db).await;
    let timing = Timing {
        lease: Duration::from_secs(1),
        poll: Duration::from_millis(100),
        schedule_every: Duration::from_secs(60),
        concurrency: 2,
    };
    let started = Arc::new(AtomicUsize::new(0));
    let counter = started.clone();
    let stuck = Runner::new(pool.clone(), timing).handle(
        "test.work",
        handler(move |_job| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                // The instance "dies" while this runs.
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Outcome::Done
            }
        }),
    );
    let id = jobs::enqueue(
        &pool,
        &NewJob::new("test.work", serde_json::json!({"n": 1})),
    )
    .await
    .unwrap()
    .unwrap();
    let dying = tokio::spawn(stuck.run());
    eventually(
        Duration::from_secs(10),
        "the first attempt started",
        || async { started.load(Ordering::SeqCst) == 1 },
    )
    .await;
    dying.abort();
    let finished = Arc::new(AtomicUsize::new(0));
    let done = finished.clone();
    let rescuer = Runner::new(pool.clone(), timing).handle(
        "test.work",
        handler(move |_job| {
            let done = done.clone();
            async move {
                done.fetch_add(1, Ordering::SeqCst);
                Outcome::Done
            }
        }),
    );
    let rescuing = tokio::spawn(rescuer.run());
    eventually(
        Duration::from_secs(15),
        "the job done by the other worker",
        || async { jobs::count(&pool, "test.work", "done").await.unwrap() == 1 },
    )
    .await;
    rescuing.abort();
    assert_eq!(finished.load(Ordering::SeqCst), 1);
    let attempts = db
        .scalar_i64(&format!(
            "SELECT attempts::bigint FROM jobs WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(attempts, 2);
}

#[tokio::test]
async fn failed_attempts_are_retried_until_none_are_left_and_periods_are_enqueued_once() {
    let db = TestDb::demo().await;
    let pool = app_pool(&db).await;
    let timing = Timing {
        lease: Duration::from_secs(5),
        poll: Duration::from_millis(100),
        schedule_every: Duration::from_millis(200),
        concurrency: 2,
    };
    let mut job = NewJob::new("test.flaky", serde_json::json!({}));
    job.max_attempts = 2;
    let id = jobs::enqueue(&pool, &job).await.unwrap().unwrap();
    // Retry at once (the backoff of a real failure is seconds).
    let retry_pool = pool.clone();
    let runner = |pool: tracehub::db::tenant::AppPool| {
        Runner::new(pool, timing)
            .handle(
                "test.flaky",
                handler(|_job| async { Outcome::Retry("not today".into()) }),
            )
            .handle("test.period", handler(|_job| async { Outcome::Done }))
            .every(Schedule {
                kind: "test.period",
                every: chrono::Duration::hours(1),
                payload: serde_json::json!({}),
            })
    };
    let a = tokio::spawn(runner(pool.clone()).run());
    let b = tokio::spawn(runner(pool.clone()).run());
    eventually(
        Duration::from_secs(10),
        "the first attempt failed",
        || async {
            db.scalar_i64(&format!(
                "SELECT count(*) FROM jobs WHERE id = '{id}' AND state = 'pending' AND attempts = 1"
            ))
            .await
                == 1
        },
    )
    .await;
    // Make the retry due now instead of in 5 s.
    db.exec(&format!("UPDATE jobs SET run_at = now() WHERE id = '{id}'"))
        .await;
    eventually(Duration::from_secs(10), "failed for good", || async {
        jobs::count(&retry_pool, "test.flaky", "failed")
            .await
            .unwrap()
            == 1
    })
    .await;
    let error = db
        .scalar_string(&format!("SELECT last_error FROM jobs WHERE id = '{id}'"))
        .await;
    assert_eq!(error.as_deref(), Some("not today"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    a.abort();
    b.abort();
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM jobs WHERE kind = 'test.period'")
            .await,
        1,
        "two runners, many ticks, one period"
    );
}

#[tokio::test]
async fn a_key_held_while_unfinished_allows_one_waiting_job_at_a_time() {
    let db = TestDb::demo().await;
    let pool = app_pool(&db).await;
    let job = || {
        NewJob::new("test.refresh", serde_json::json!({}))
            .dedupe_while_unfinished("test.refresh:one".into())
    };
    assert!(jobs::enqueue(&pool, &job()).await.unwrap().is_some());
    assert!(
        jobs::enqueue(&pool, &job()).await.unwrap().is_none(),
        "one is waiting"
    );
    let claimed = jobs::claim(&pool, "test", Duration::from_secs(30), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(
        jobs::enqueue(&pool, &job()).await.unwrap().is_none(),
        "one is running"
    );
    assert!(jobs::complete(&pool, &claimed[0]).await.unwrap());
    assert!(
        jobs::enqueue(&pool, &job()).await.unwrap().is_some(),
        "finished: the key is free"
    );
    // A key held forever (a period's) stays taken once its job is done.
    let period =
        || NewJob::new("test.period", serde_json::json!({})).dedupe("test.period:1".into());
    assert!(jobs::enqueue(&pool, &period()).await.unwrap().is_some());
    let claimed = jobs::claim(&pool, "test", Duration::from_secs(30), 10)
        .await
        .unwrap();
    for job in &claimed {
        assert!(jobs::complete(&pool, job).await.unwrap());
    }
    assert!(jobs::enqueue(&pool, &period()).await.unwrap().is_none());
    // A worker whose lease ran out cannot finish the job another worker took over.
    assert!(
        jobs::enqueue(&pool, &NewJob::new("test.slow", serde_json::json!({})))
            .await
            .unwrap()
            .is_some()
    );
    let first = jobs::claim(&pool, "stalled", Duration::ZERO, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = jobs::claim(&pool, "rescuer", Duration::from_secs(30), 10)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, first[0].id);
    assert!(!jobs::complete(&pool, &first[0]).await.unwrap());
    assert!(!jobs::extend(&pool, &first[0], Duration::from_secs(30))
        .await
        .unwrap());
    assert!(jobs::complete(&pool, &second[0]).await.unwrap());
}
