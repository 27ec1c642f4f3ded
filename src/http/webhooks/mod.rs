//! Carriers' webhooks (reference §1.10, its defects fixed): `POST /webhooks/carrier` and
//! `POST /webhooks/jsoncargo`.
//!
//! * Nothing unsigned is accepted: each webhook has its own secret (`CARRIER_WEBHOOK_SECRET`,
//!   `JSONCARGO_WEBHOOK_SECRET`) and every call must carry its HMAC-SHA256 signature
//!   ([`crate::domain::tracking::signature`]); missing or wrong → 401 and nothing stored.
//!   A webhook whose secret is not configured does not exist (404).
//! * The payload is read whole before anything is written ([`payload`]): a malformed one is
//!   a 422 naming each bad field.
//! * The container number leads to the shipments that follow it (per organization, the
//!   newest one not closed); each is updated in its own organization's transaction
//!   ([`crate::tracking::apply`]), so an event for one organization's container never
//!   touches another's shipments. The same event twice is stored once per shipment.
//! * The predecessor's `/webhooks/test`, which echoed headers to anyone, is not served.

pub mod payload;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{Duration, Utc};
use serde_json::{json, Value};

use super::error::ApiError;
use super::AppState;
use crate::db::tenant::{TenantContext, TenantTx};
use crate::db::tracking as db;
use crate::domain::tracking::signature::{self, WebhookSecret, DEFAULT_TOLERANCE};
use crate::tracking::apply::{self, Applied};
use payload::Parsed;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-webhook-signature";
/// The header carrying the signed Unix time, when the sender signs one.
pub const TIMESTAMP_HEADER: &str = "x-webhook-timestamp";

/// The webhooks' secrets; a webhook without one is off.
#[derive(Debug, Clone)]
pub struct WebhookSecrets {
    pub carrier: Option<WebhookSecret>,
    pub jsoncargo: Option<WebhookSecret>,
    /// How far a signed timestamp may be from the server's clock.
    pub tolerance: Duration,
}

impl Default for WebhookSecrets {
    fn default() -> Self {
        Self {
            carrier: None,
            jsoncargo: None,
            tolerance: DEFAULT_TOLERANCE,
        }
    }
}

/// Nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/carrier", post(carrier))
        .route("/webhooks/jsoncargo", post(jsoncargo))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(carrier, jsoncargo))]
pub struct ApiDoc;

/// Checks the call's signature with `secret` (404 when the webhook has none).
fn authenticate(
    secret: Option<&WebhookSecret>,
    tolerance: Duration,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ApiError> {
    let secret = secret.ok_or(ApiError::NotFound)?;
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    signature::verify(
        secret,
        body,
        header(SIGNATURE_HEADER),
        header(TIMESTAMP_HEADER),
        Utc::now(),
        tolerance,
    )
    .map_err(|error| {
        tracing::warn!(%error, "webhook call refused");
        ApiError::Unauthorized("Missing or invalid webhook signature")
    })
}

/// Applies the call to every shipment that follows its container, each in its own
/// organization's transaction.
async fn ingest(state: &AppState, parsed: &Parsed) -> Result<Vec<Applied>, ApiError> {
    let mut results = Vec::new();
    for target in db::targets(&state.pool, &parsed.container).await? {
        let context = TenantContext {
            organization_id: target.organization_id,
            user_id: None,
        };
        let mut tx = TenantTx::begin(&state.pool, context).await?;
        if let Some(applied) = apply::apply(&mut tx, target.shipment_id, &parsed.report).await? {
            results.push(applied);
        }
        tx.commit().await?;
    }
    Ok(results)
}

fn ignored(parsed: &Parsed) -> Json<Value> {
    Json(json!({
        "status": "ignored",
        "container_number": parsed.container.as_str(),
        "reason": "No open shipment carries this container",
    }))
}

#[utoipa::path(post, path = "/api/v1/webhooks/carrier", tag = "webhooks",
    summary = "One container event from a carrier (signed)",
    description = "Body: {container_number, event_type, timestamp, location (a name, or \
        {name, code, lat, lng}), vessel (a name, or {name, voyage}), voyage_number?, eta?, id?}. \
        Signed with HMAC-SHA256 of the raw body (or of `<X-Webhook-Timestamp>.<body>`) under \
        CARRIER_WEBHOOK_SECRET, in `X-Webhook-Signature: sha256=<hex>`.",
    responses(
        (status = 200, description = "{status: processed|duplicate|ignored, container_number, event_type, event_id, status_changed, eta_changed, new_status, shipments}"),
        (status = 401, description = "Missing, wrong or stale signature: nothing stored"),
        (status = 404, description = "The webhook is not configured (no secret)"),
        (status = 422, description = "A malformed payload (`fields` names each part)")))]
async fn carrier(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let secrets = &state.webhooks;
    authenticate(secrets.carrier.as_ref(), secrets.tolerance, &headers, &body)?;
    let parsed = payload::carrier(&body)?;
    let results = ingest(&state, &parsed).await?;
    let Some(first) = results.first() else {
        return Ok(ignored(&parsed));
    };
    let event_type = parsed.report.events[0].event_type;
    if first.stored.is_empty() {
        return Ok(Json(json!({
            "status": "duplicate",
            "message": "This event is already recorded",
            "container_number": parsed.container.as_str(),
            "event_id": first.repeated.first(),
        })));
    }
    Ok(Json(json!({
        "status": "processed",
        "container_number": parsed.container.as_str(),
        "event_type": event_type,
        "event_id": first.stored.first(),
        "status_changed": first.status_changed(),
        "eta_changed": first.eta_changed(),
        "new_status": first.new_status.map(|status| status.as_str()),
        "shipments": results.len(),
    })))
}

#[utoipa::path(post, path = "/api/v1/webhooks/jsoncargo", tag = "webhooks",
    summary = "Container events from JSONCargo (signed)",
    description = "Body: {container_number | container_id, events: [{event_type | type, \
        timestamp, location, vessel, id?}], eta?}, or the payload itself as one event; event \
        types outside JSONCargo's words are skipped. Signed like the carrier webhook, under \
        JSONCARGO_WEBHOOK_SECRET.",
    responses(
        (status = 200, description = "{status: processed|ignored, container_number, events_processed, events_skipped, duplicates, status_changed, eta_changed, shipments}"),
        (status = 401, description = "Missing, wrong or stale signature: nothing stored"),
        (status = 404, description = "The webhook is not configured (no secret)"),
        (status = 422, description = "A malformed payload (`fields` names each part)")))]
async fn jsoncargo(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let secrets = &state.webhooks;
    authenticate(
        secrets.jsoncargo.as_ref(),
        secrets.tolerance,
        &headers,
        &body,
    )?;
    let parsed = payload::jsoncargo(&body)?;
    let results = ingest(&state, &parsed).await?;
    if results.is_empty() {
        return Ok(ignored(&parsed));
    }
    Ok(Json(json!({
        "status": "processed",
        "container_number": parsed.container.as_str(),
        "events_processed": results.iter().map(|r| r.stored.len()).sum::<usize>(),
        "events_skipped": parsed.skipped,
        "duplicates": results.iter().map(|r| r.repeated.len()).sum::<usize>(),
        "status_changed": results.iter().any(Applied::status_changed),
        "eta_changed": results.iter().any(Applied::eta_changed),
        "shipments": results.len(),
    })))
}
