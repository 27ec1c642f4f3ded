//! A fake JSONCargo-style tracking API for the tests, on 127.0.0.1 and a free port.
//!
//! Each test starts its own and scripts it: answers per container or bill of lading, raw
//! bodies, failures (always, or the next few with a `Retry-After`), a delay. It counts the
//! calls per path and records the key and query of every request. It runs on a thread and
//! runtime of its own (like `s3.rs`), so it answers while a test blocks or a `tracehub`
//! child process calls it, and lives as long as the returned [`FakeProvider`].
//!
//! ```ignore
//! let fake = FakeProvider::start();
//! fake.set_container("MSKU9070323", json!({"container_status": "In Transit"}));
//! // TRACKING_API_URL = fake.base_url(), TRACKING_API_KEY = fake.key()
//! assert_eq!(fake.calls("/containers/MSKU9070323"), 1);
//! ```
//!
//! Unknown containers are 404 `{"error": {"title": "Container not found"}}`; a wrong or
//! missing `x-api-key` is 401, and its message echoes the key it got (as careless APIs
//! do), so tests can check that our errors never repeat it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

/// Where the API lives under the server's root, as on the real one.
const BASE_PATH: &str = "/api/v1";

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Relative to the base URL, still percent-encoded: `/containers/MSKU9070323`.
    pub path: String,
    pub query: Option<String>,
    pub api_key: Option<String>,
}

#[derive(Default)]
struct Script {
    key: String,
    containers: HashMap<String, Value>,
    bills: HashMap<String, Value>,
    raw: HashMap<String, (u16, String)>,
    stats: Option<Value>,
    fail_always: Option<u16>,
    fail_next: VecDeque<(u16, Option<u64>)>,
    delay: Option<Duration>,
    requests: Vec<Recorded>,
}

type Shared = Arc<Mutex<Script>>;

/// A running fake API; stops when dropped.
pub struct FakeProvider {
    base_url: String,
    script: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeProvider {
    /// Starts a fake on a free loopback port, with a fresh random key.
    pub fn start() -> FakeProvider {
        let key = format!("fake-key-{}", uuid::Uuid::new_v4().simple());
        let script: Shared = Arc::new(Mutex::new(Script {
            key,
            ..Script::default()
        }));
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("binding the fake provider");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let base_url = format!("http://{}{BASE_PATH}", listener.local_addr().unwrap());
        let app = Router::new().fallback(answer).with_state(script.clone());
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-tracking-provider".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the fake provider's runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stop => {}
                    }
                });
                // Dropping the runtime here cancels answers still waiting out a delay.
            })
            .expect("starting the fake provider thread");
        FakeProvider {
            base_url,
            script,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>/api/v1`: what `TRACKING_API_URL` should say.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The key the fake accepts.
    pub fn key(&self) -> String {
        self.lock().key.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().unwrap()
    }

    /// Answers `{"data": data}` for the container (any letter case asked).
    pub fn set_container(&self, number: &str, data: Value) {
        self.lock().containers.insert(number.to_uppercase(), data);
    }

    /// Answers `{"data": data}` for the bill of lading.
    pub fn set_bill_of_lading(&self, bl: &str, data: Value) {
        self.lock().bills.insert(bl.to_uppercase(), data);
    }

    /// Answers `body` as the whole usage-stats body.
    pub fn set_stats(&self, body: Value) {
        self.lock().stats = Some(body);
    }

    /// Answers `status` with exactly `body` for `path` (relative to the base URL).
    pub fn set_raw(&self, path: &str, status: u16, body: &str) {
        self.lock().raw.insert(path.into(), (status, body.into()));
    }

    /// Every request from now on answers `status`.
    pub fn fail_with(&self, status: u16) {
        self.lock().fail_always = Some(status);
    }

    /// The next `times` requests answer `status` (with `Retry-After: <seconds>` if given);
    /// then the script as before.
    pub fn fail_next(&self, status: u16, times: usize, retry_after: Option<u64>) {
        let mut script = self.lock();
        script
            .fail_next
            .extend(std::iter::repeat_n((status, retry_after), times));
    }

    /// Every answer waits `delay` first.
    pub fn delay(&self, delay: Duration) {
        self.lock().delay = Some(delay);
    }

    /// Requests received for `path` (relative to the base URL, e.g. `/containers/MSKU9070323`).
    pub fn calls(&self, path: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

async fn answer(State(script): State<Shared>, request: Request) -> Response {
    let full_path = request.uri().path().to_string();
    let path = full_path
        .strip_prefix(BASE_PATH)
        .unwrap_or(&full_path)
        .to_string();
    let api_key = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let delay = {
        let mut script = script.lock().unwrap();
        script.requests.push(Recorded {
            path: path.clone(),
            query: request.uri().query().map(str::to_string),
            api_key: api_key.clone(),
        });
        script.delay
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }

    let mut script = script.lock().unwrap();
    if api_key.as_deref() != Some(script.key.as_str()) {
        let got = api_key.unwrap_or_default();
        return json_response(
            401,
            json!({"error": {"title": format!("Invalid API key: {got}")}}),
        );
    }
    if let Some(status) = script.fail_always {
        return json_response(status, json!({"error": {"title": "scripted failure"}}));
    }
    if let Some((status, retry_after)) = script.fail_next.pop_front() {
        let mut response = json_response(status, json!({"error": {"title": "scripted failure"}}));
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        return response;
    }
    if let Some((status, body)) = script.raw.get(&path) {
        return Response::builder()
            .status(*status)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.clone()))
            .unwrap();
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let found = match segments.as_slice() {
        ["containers", "bol", bl] => script.bills.get(&bl.to_uppercase()).cloned(),
        ["containers", number] => script.containers.get(&number.to_uppercase()).cloned(),
        ["api_key", "stats"] => {
            return json_response(
                200,
                script.stats.clone().unwrap_or_else(
                    || json!({"data": {"plan": "TEST", "requests_total": 100, "requests_made": 1, "requests_available": 99}}),
                ),
            )
        }
        _ => None,
    };
    match found {
        Some(data) => json_response(200, json!({"data": data})),
        None => json_response(404, json!({"error": {"title": "Container not found"}})),
    }
}
