//! A minimal JSONCargo-style API for `tracehub bench refresh`, on 127.0.0.1 and a free port
//! (the tests' scripted fake lives in `tests/`, outside the library).
//!
//! `GET /api/v1/containers/{number}` answers `{"data": {…}}` for any container: a voyage from
//! Apapa to Hamburg that left 12 days before the run, was last seen at Tanger Med and left
//! it, with an ETA a few days ahead (varying per container). Every call is counted per
//! container. Anything else is a 404 `{"error": {"title": "Not found"}}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// Where the API lives under the server's root, as on the real one.
const BASE_PATH: &str = "/api/v1";

struct Shared {
    /// The time the voyage's dates are counted from (fixed for the run).
    now: DateTime<Utc>,
    calls: Mutex<HashMap<String, u32>>,
}

/// A running fake; stops when dropped.
pub(crate) struct FakeProvider {
    base_url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeProvider {
    pub(crate) async fn start() -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}{BASE_PATH}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            now: Utc::now(),
            calls: Mutex::new(HashMap::new()),
        });
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the benchmark's fake provider stopped");
            }
        });
        Ok(Self {
            base_url,
            shared,
            server,
        })
    }

    /// `http://127.0.0.1:<port>/api/v1`.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Calls so far, per container number.
    pub(crate) fn calls(&self) -> HashMap<String, u32> {
        self.shared
            .calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let container = uri
        .path()
        .strip_prefix(BASE_PATH)
        .and_then(|rest| rest.strip_prefix("/containers/"))
        .filter(|number| !number.is_empty() && !number.contains('/'));
    let Some(container) = container else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"title": "Not found"}})),
        )
            .into_response();
    };
    *shared
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(container.to_string())
        .or_default() += 1;
    let now = shared.now;
    let at = |offset: Duration| (now + offset).format("%Y-%m-%d %H:%M:%S").to_string();
    // A per-container ETA (0–47 h apart), so the answers are not all alike.
    let spread = container.bytes().map(i64::from).sum::<i64>() % 48;
    Json(json!({
        "data": {
            "container_id": container,
            "container_type": "40' High Cube",
            "container_status": "In Transit",
            "shipping_line_name": "Maersk",
            "shipped_from": "APAPA, NG",
            "loading_port": "NGAPP",
            "shipped_to": "HAMBURG, DE",
            "discharging_port": "DEHAM",
            "atd_origin": at(-Duration::days(12)),
            "last_location": "TANGER MED, MA",
            "timestamp_of_last_location": at(-Duration::days(3)),
            "atd_last_location": at(-Duration::days(2)),
            "next_location": "HAMBURG, DE",
            "eta_next_destination": at(Duration::days(6) + Duration::hours(spread)),
            "eta_final_destination": at(Duration::days(6) + Duration::hours(spread)),
            "last_vessel_name": "MAERSK CAIRO",
            "last_voyage_number": "551N",
            "current_vessel_name": "MAERSK KOLKATA",
            "current_voyage_number": "604N",
            "last_updated": at(-Duration::hours(1)),
        }
    }))
    .into_response()
}
