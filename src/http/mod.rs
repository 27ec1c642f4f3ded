//! The HTTP server: health, readiness, metrics and (as the platform grows) the API and UI.
//!
//! Layers, outermost first: a request id is set (or the client's `X-Request-ID` kept) and
//! echoed on the response; error bodies get their JSON shape with that id; every request is
//! counted and timed. Database work waits a bounded time for a pooled connection and then
//! answers 503 with `Retry-After`, while `/health` touches no database and always answers.

pub mod audit_log;
pub mod audit_pack;
pub mod auth;
pub mod documents;
pub mod error;
pub mod extract;
pub mod invitations;
pub mod metrics;
pub mod notification_stream;
pub mod notifications;
pub mod openapi;
pub mod organizations;
pub mod pagination;
pub mod reach;
pub mod session;
pub mod shipments;
pub mod time;
pub mod tracking;
pub mod users;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::auth::password::DummyHashes;
use crate::auth::TokenKeys;
use crate::config::{resolve_jwt_secret, Exposure, JwtSecret, PublicUrl, DEFAULT_BIND};
use crate::db::tenant::AppPool;
use crate::storage::Storage;
use error::ApiError;
use metrics::Metrics;

/// The header that carries the request id in both directions.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The upload limit of a state nobody configured: `MAX_UPLOAD_MB`'s default, 50 MiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: AppPool,
    pub metrics: Arc<Metrics>,
    /// Signs and checks access tokens.
    pub tokens: Arc<TokenKeys>,
    /// Origins allowed to call the API cross-site (`CORS_ORIGINS`); empty = none.
    pub cors_origins: Arc<Vec<String>>,
    /// Who sees the API docs and `/metrics`.
    pub exposure: Arc<Exposure>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// The base of links handed out (`TRACEHUB_PUBLIC_URL`, resolved once at start-up).
    pub public_url: Arc<PublicUrl>,
    /// What a failed login verifies against besides (or instead of) a real hash.
    pub dummy_hashes: Arc<DummyHashes>,
    /// Where documents' files are kept (`UPLOAD_DIR` or `STORAGE_URL`).
    pub storage: Storage,
    /// The largest document accepted (`MAX_UPLOAD_MB`).
    pub max_upload_bytes: u64,
    /// The carriers' webhooks' secrets (a webhook without one is off).
    pub webhooks: Arc<webhooks::WebhookSecrets>,
    /// Pushes changed unread counts to this instance's open notification streams.
    pub notification_hub: notification_stream::NotificationHub,
    /// The tracking provider with its shared budget; `None` when tracking is off.
    pub tracker: Option<Arc<crate::tracking::refresh::Tracker>>,
    /// The web pages' form-token key and cookie settings.
    pub web: Arc<crate::web::WebSettings>,
}

impl AppState {
    /// A state with a random per-process token secret (development and tests; a warning is
    /// logged). The server uses [`AppState::with_jwt_secret`] with the configured one.
    pub fn new(pool: AppPool) -> Self {
        let secret = resolve_jwt_secret(false, None).unwrap_or_else(|_| JwtSecret::random());
        Self::with_jwt_secret(pool, &secret)
    }

    pub fn with_jwt_secret(pool: AppPool, secret: &JwtSecret) -> Self {
        Self {
            pool,
            metrics: Metrics::new(),
            tokens: Arc::new(TokenKeys::new(secret)),
            cors_origins: Arc::new(Vec::new()),
            exposure: Arc::new(Exposure::open()),
            trusted_proxies: Arc::new(Vec::new()),
            // The development default of the default address; the server sets its own.
            public_url: Arc::new(PublicUrl::for_bind(
                DEFAULT_BIND
                    .parse()
                    .expect("the default bind address parses"),
            )),
            dummy_hashes: Arc::new(DummyHashes::argon2_only()),
            storage: Storage::in_memory(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            webhooks: Arc::new(webhooks::WebhookSecrets::default()),
            notification_hub: notification_stream::NotificationHub::default(),
            tracker: None,
            web: Arc::new(crate::web::WebSettings::new(secret.as_bytes())),
        }
    }

    /// Marks the web UI's cookies `Secure` (production, served over HTTPS).
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        let mut web = (*self.web).clone();
        web.secure_cookies = secure;
        self.web = Arc::new(web);
        self
    }

    /// Asks `tracker` about containers (manual refresh, live status).
    pub fn with_tracker(mut self, tracker: Arc<crate::tracking::refresh::Tracker>) -> Self {
        self.tracker = Some(tracker);
        self
    }

    /// Turns on the webhooks that have a secret.
    pub fn with_webhooks(mut self, secrets: webhooks::WebhookSecrets) -> Self {
        self.webhooks = Arc::new(secrets);
        self
    }

    /// Keeps documents' files in `storage`, accepting files up to `max_upload_bytes`.
    pub fn with_storage(mut self, storage: Storage, max_upload_bytes: u64) -> Self {
        self.storage = storage;
        self.max_upload_bytes = max_upload_bytes;
        self
    }

    /// Pads failed logins with these hashes (the server builds them from the stored hashes
    /// at start-up; see [`DummyHashes`]).
    pub fn with_dummy_hashes(mut self, dummies: DummyHashes) -> Self {
        self.dummy_hashes = Arc::new(dummies);
        self
    }

    /// Builds links (invitations) on this base (see [`crate::config::resolve_public_url`]).
    pub fn with_public_url(mut self, url: PublicUrl) -> Self {
        self.public_url = Arc::new(url);
        self
    }

    /// Believes `X-Forwarded-For` from these proxies (see [`extract::client_address`]).
    pub fn with_trusted_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// Opens or closes the API docs and `/metrics` (see [`Exposure`]).
    pub fn with_exposure(mut self, exposure: Exposure) -> Self {
        self.exposure = Arc::new(exposure);
        self
    }

    /// Allows these browser origins to call the API (see [`crate::config::parse_cors_origins`]).
    pub fn with_cors_origins(mut self, origins: Vec<String>) -> Self {
        self.cors_origins = Arc::new(origins);
        self
    }
}

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    Router::new()
        .merge(crate::web::router(&state))
        .route("/health", get(health))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics::render))
        .nest("/api/v1", api_routes())
        .nest("/api", api_routes())
        .merge(openapi::router())
        .fallback(not_found)
        .layer(middleware::from_fn(extract::buffer_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(middleware::from_fn(error::render_errors))
        .layer(cors(&state.cors_origins))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(middleware::from_fn(extract::drop_unsafe_request_id))
        .with_state(state)
}

/// Cross-origin access for the configured origins only (never `*`: the API takes bearer
/// tokens and, for the web UI, cookies). Without origins the layer adds nothing, and
/// browsers keep other sites out.
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    if origins.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        .expose_headers([
            HeaderName::from_static(REQUEST_ID_HEADER),
            header::RETRY_AFTER,
        ])
        .allow_credentials(true)
        .max_age(std::time::Duration::from_secs(600))
}

/// The API, mounted under `/api/v1` (the platform's) and `/api` (where the predecessor's
/// clients call it): one definition, two prefixes, so they cannot drift apart. Every module
/// owns its paths below the prefix.
fn api_routes() -> Router<AppState> {
    Router::new()
        .nest(
            "/auth",
            auth::router()
                .merge(session::auth_router())
                .merge(invitations::auth_router()),
        )
        .nest("/session", session::router())
        .merge(users::router())
        .merge(organizations::router())
        .merge(invitations::router())
        .merge(shipments::router())
        .merge(notifications::router())
        .merge(audit_log::router())
        .merge(documents::router())
        .merge(audit_pack::router())
        .merge(webhooks::router())
        .merge(tracking::router())
}

/// Serves on `listener` until Ctrl-C or SIGTERM, then lets open requests finish.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> Result<()> {
    serve_until(state, listener, shutdown_signal()).await
}

/// Serves on `listener` until `shutdown` resolves, then lets open requests finish.
async fn serve_until(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

/// Binds `bind` and serves, printing the URL.
pub async fn bind_and_serve(state: AppState, bind: SocketAddr) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("listening on {bind}"))?;
    // Listening for signals before saying so: a SIGTERM right after the line is honoured.
    let shutdown = shutdown_signal();
    println!("TraceHub is serving on http://{}", listener.local_addr()?);
    serve_until(state, listener, shutdown).await
}

/// Resolves on Ctrl-C or SIGTERM. The listeners are installed when this is *called*, not
/// when the future is first polled: a SIGTERM that arrives right after start-up (as soon as
/// "serving on" is printed) is never missed.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .expect("installing the SIGINT handler");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = term.recv() => {}
        }
    }
}

/// Liveness: the process answers. Touches nothing else, so it answers under any load.
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: a database connection is available within the pool's wait limit.
async fn ready(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.pool.ping().await?;
    Ok(Json(
        serde_json::json!({ "status": "ready", "database": "ok" }),
    ))
}

/// A path no route serves: JSON under the API, a page elsewhere (a person's browser).
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        ApiError::NotFound.into_response()
    } else {
        crate::web::not_found_page()
    }
}
