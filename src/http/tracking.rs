//! Container tracking as the caller sees it (reference §1.6): `GET /shipments/{id}/events`
//! and the `/tracking` routes — `status/{container}`, `live/{container}`, `bol/{bl}`,
//! `refresh/{shipment_id}`, `usage`.
//!
//! * Every read runs in the caller's tenant transaction, so another organization's shipment
//!   — and a container or bill of lading only another organization carries — is simply not
//!   found (404). The provider is asked only about containers and bills the caller's
//!   organization follows: the predecessor let anyone spend its quota on any number.
//! * `refresh` needs `tracking:refresh` (viewers could refresh, and spend, before) and the
//!   caller's organization must own the shipment.
//! * A provider failure leaves the shipment unchanged and answers 502 (refused, unreadable,
//!   unreachable), 503 (unavailable, or tracking off) or 504 (timed out) with what happened;
//!   the shared per-minute budget spent → 429 with `Retry-After`.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::extract::{Fields, PathIds, QueryParams};
use super::AppState;
use crate::db::shipments as shipments_db;
use crate::db::tracking::{self as db, EtaChangeRow, EventRow};
use crate::domain::tracking::carrier::Carrier;
use crate::domain::tracking::{BillOfLading, EventType};
use crate::domain::{ContainerNumber, Permission};
use crate::tracking::refresh::{RefreshError, Tracker};
use crate::tracking::{ContainerQuery, LiveStatus, ProviderError};

/// How long an interactive call waits for the provider's shared budget before 429.
const BUDGET_PATIENCE: Duration = Duration::from_secs(5);

/// Nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/shipments/{id}/events", get(events))
        .route("/tracking/status/{container_number}", get(status))
        .route("/tracking/live/{container_number}", get(live))
        .route("/tracking/bol/{bl_number}", get(bill_of_lading))
        .route("/tracking/refresh/{shipment_id}", post(refresh))
        .route("/tracking/usage", get(usage))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(events, status, live, bill_of_lading, refresh, usage))]
pub struct ApiDoc;

/// The provider, or 503 when tracking is off.
fn tracker(state: &AppState) -> Result<&Tracker, ApiError> {
    state
        .tracker
        .as_deref()
        .ok_or_else(|| provider_error(&ProviderError::NotConfigured))
}

fn provider_error(error: &ProviderError) -> ApiError {
    ApiError::Rule {
        status: StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_GATEWAY),
        code: "TRACKING_PROVIDER_ERROR",
        detail: error.to_string(),
    }
}

fn refresh_error(error: RefreshError) -> ApiError {
    match error {
        RefreshError::Provider(error) => provider_error(&error),
        RefreshError::BadContainer(_) => ApiError::bad_request(
            "INVALID_CONTAINER",
            "The shipment's container number is not a valid ISO 6346 number",
        ),
        RefreshError::RateLimited(wait) => ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        },
        RefreshError::Database(error) => error.into(),
    }
}

fn container_param(text: &str) -> Result<ContainerNumber, ApiError> {
    ContainerNumber::parse(text).map_err(|e| Fields::one("container_number", &e.to_string()))
}

/// `shipping_line`: a line's code (its name is accepted too).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LineQuery {
    /// The shipping line; by default the container's owner prefix decides (required for a
    /// bill of lading).
    #[param(schema_with = shipping_line_schema)]
    shipping_line: Option<String>,
}

/// The shipping lines the provider knows, by code.
fn shipping_line_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(Carrier::ALL.map(Carrier::code)))
        .build()
}

impl LineQuery {
    fn carrier(&self) -> Result<Option<Carrier>, ApiError> {
        match self
            .shipping_line
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => Ok(None),
            Some(text) => Carrier::parse(text).map(Some).ok_or_else(|| {
                let known: Vec<&str> = Carrier::ALL.iter().map(|c| c.code()).collect();
                Fields::one(
                    "shipping_line",
                    &format!(
                        "unknown shipping line; expected one of: {}",
                        known.join(", ")
                    ),
                )
            }),
        }
    }
}

/// One container event (never the sender's raw payload).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventResponse {
    pub id: Uuid,
    /// One of the 13 event types (`gate_in`, `departed`, …).
    pub event_type: String,
    pub event_timestamp: DateTime<Utc>,
    pub location_name: Option<String>,
    pub location_code: Option<String>,
    pub location_lat: Option<f64>,
    pub location_lng: Option<f64>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
    /// One line for people: `Departed at Apapa (NGAPP) on RHINE MAERSK 550N`.
    pub description: String,
    pub delay_hours: Option<i32>,
    /// Where it came from: `carrier_webhook`, `jsoncargo_webhook`, `jsoncargo`, `simulated`.
    pub source: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

impl From<EventRow> for EventResponse {
    fn from(row: EventRow) -> Self {
        let event_type = EventType::from_db_label(&row.event_type).unwrap_or(EventType::Unknown);
        let description = event_type.describe(
            row.location_name.as_deref(),
            row.location_code.as_deref(),
            row.vessel_name.as_deref(),
            row.voyage_number.as_deref(),
        );
        Self {
            id: row.id,
            event_type: event_type.as_str().to_string(),
            event_timestamp: row.event_timestamp,
            location_name: row.location_name,
            location_code: row.location_code,
            location_lat: row.location_lat,
            location_lng: row.location_lng,
            vessel_name: row.vessel_name,
            voyage_number: row.voyage_number,
            description,
            delay_hours: row.delay_hours,
            source: row.source,
            created_at: row.created_at,
        }
    }
}

/// One change of the ETA.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EtaChangeResponse {
    pub previous_eta: Option<DateTime<Utc>>,
    pub new_eta: DateTime<Utc>,
    pub source: String,
    pub changed_at: DateTime<Utc>,
}

impl From<EtaChangeRow> for EtaChangeResponse {
    fn from(row: EtaChangeRow) -> Self {
        Self {
            previous_eta: row.previous_eta,
            new_eta: row.new_eta,
            source: row.source,
            changed_at: row.changed_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventList {
    /// Oldest first (at most the newest 1,000).
    pub events: Vec<EventResponse>,
    /// Every change of the ETA, oldest first.
    pub eta_history: Vec<EtaChangeResponse>,
}

#[utoipa::path(get, path = "/api/v1/shipments/{id}/events", tag = "tracking",
    security(("bearer" = [])), summary = "The shipment's container events and ETA history",
    params(("id" = Uuid, Path, description = "Shipment id")),
    responses((status = 200, body = EventList), (status = 403, description = "Missing tracking:read"),
        (status = 404, description = "No such shipment visible to the caller")))]
pub(crate) async fn events(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<EventList>, ApiError> {
    caller.require(Permission::TrackingRead)?;
    let mut tx = caller.begin().await?;
    crate::db::shipments::find_shipment(&mut tx, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let events = db::events(&mut tx, id).await?;
    let eta_history = db::eta_history(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(EventList {
        events: events.into_iter().map(EventResponse::from).collect(),
        eta_history: eta_history
            .into_iter()
            .map(EtaChangeResponse::from)
            .collect(),
    }))
}

/// The newest shipment of the caller's that carries `container` (404 otherwise), in the
/// caller's open transaction.
async fn followed_container(
    tx: &mut crate::db::tenant::TenantTx,
    container: &ContainerNumber,
) -> Result<shipments_db::ShipmentRow, ApiError> {
    let id = db::visible_shipment_with_container(tx, container)
        .await?
        .ok_or(ApiError::NotFound)?;
    shipments_db::find_shipment(tx, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Asks the provider about a container (budget, call recorded); 404 when it does not know it.
async fn ask_container(
    tracker: &Tracker,
    organization_id: Uuid,
    query: &ContainerQuery,
) -> Result<LiveStatus, ApiError> {
    tracker
        .budget(BUDGET_PATIENCE)
        .await
        .map_err(refresh_error)?;
    let answer = tracker.provider().container(query).await;
    tracker
        .record(Some(organization_id), "container", &answer)
        .await;
    answer
        .map_err(|e| provider_error(&e))?
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/tracking/status/{container_number}", tag = "tracking",
    security(("bearer" = [])), summary = "A followed container: its shipment, latest event and live status",
    params(("container_number" = String, Path, max_length = 11, pattern = "^[A-Za-z]{4}[0-9]{7}$",
        description = "ISO 6346 container number")),
    responses((status = 200, description = "{container_number, shipment_reference, shipment_status, vessel, voyage, etd, eta, pol, pod, latest_event, live_tracking, live_error}"),
        (status = 403, description = "Missing tracking:read"),
        (status = 404, description = "No shipment of the caller's carries this container")))]
async fn status(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    Path(container): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::TrackingRead)?;
    let container = container_param(&container)?;
    let mut tx = caller.begin().await?;
    let row = followed_container(&mut tx, &container).await?;
    let latest = shipments_db::latest_event(&mut tx, row.id).await?;
    tx.commit().await?;
    // The live part is best effort: the stored facts are answered whatever the provider does.
    let (live, live_error) = match state.tracker.as_deref() {
        None => (None, Some(ProviderError::NotConfigured.to_string())),
        Some(tracker) => match ask_container(
            tracker,
            caller.organization_id,
            &ContainerQuery::new(container.clone()),
        )
        .await
        {
            Ok(live) => (Some(live), None),
            Err(ApiError::NotFound) => (None, None),
            Err(error) => (None, Some(error.to_string())),
        },
    };
    Ok(Json(json!({
        "container_number": container.as_str(),
        "shipment_id": row.id,
        "shipment_reference": row.reference,
        "shipment_status": crate::domain::ShipmentStatus::from_db_label(&row.status)
            .map(|s| s.as_str()).unwrap_or("created"),
        "vessel": row.vessel_name,
        "voyage": row.voyage_number,
        "etd": row.etd,
        "eta": row.eta,
        "atd": row.atd,
        "ata": row.ata,
        "pol": {"code": row.pol_code, "name": row.pol_name},
        "pod": {"code": row.pod_code, "name": row.pod_name},
        "latest_event": latest.map(|event| json!({
            "type": EventType::from_db_label(&event.event_type).unwrap_or(EventType::Unknown),
            "timestamp": event.event_timestamp,
            "location": event.location_name,
        })),
        "live_tracking": live,
        "live_error": live_error,
    })))
}

#[utoipa::path(get, path = "/api/v1/tracking/live/{container_number}", tag = "tracking",
    security(("bearer" = [])), summary = "What the provider says about a followed container",
    params(("container_number" = String, Path, max_length = 11, pattern = "^[A-Za-z]{4}[0-9]{7}$",
        description = "ISO 6346 container number"), LineQuery),
    responses((status = 200, description = "The normalized live status"),
        (status = 403, description = "Missing tracking:read"),
        (status = 404, description = "No shipment of the caller's carries it, or the provider does not know it"),
        (status = 429, description = "The provider's per-minute budget is spent"),
        (status = 502, description = "The provider refused or sent nothing readable"),
        (status = 503, description = "The provider is unavailable, or tracking is off"),
        (status = 504, description = "The provider timed out")))]
async fn live(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    Path(container): Path<String>,
    QueryParams(line): QueryParams<LineQuery>,
) -> Result<Json<LiveStatus>, ApiError> {
    caller.require(Permission::TrackingRead)?;
    let container = container_param(&container)?;
    let carrier = line.carrier()?;
    let tracker = tracker(&state)?;
    let mut tx = caller.begin().await?;
    followed_container(&mut tx, &container).await?;
    tx.commit().await?;
    let mut query = ContainerQuery::new(container);
    query.carrier = carrier.or(query.carrier);
    Ok(Json(
        ask_container(tracker, caller.organization_id, &query).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/tracking/bol/{bl_number}", tag = "tracking",
    security(("bearer" = [])), summary = "What the provider says about a followed bill of lading",
    params(("bl_number" = String, Path, max_length = 35, pattern = "^[A-Za-z0-9]{4,35}$",
        description = "Bill of lading number"), LineQuery),
    responses((status = 200, description = "The normalized live status"),
        (status = 403, description = "Missing tracking:read"),
        (status = 404, description = "No shipment of the caller's has this bill, or the provider does not know it"),
        (status = 429, description = "The provider's per-minute budget is spent"),
        (status = 502, description = "The provider refused or sent nothing readable"),
        (status = 503, description = "The provider is unavailable, or tracking is off"),
        (status = 504, description = "The provider timed out")))]
async fn bill_of_lading(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    Path(number): Path<String>,
    QueryParams(line): QueryParams<LineQuery>,
) -> Result<Json<LiveStatus>, ApiError> {
    caller.require(Permission::TrackingRead)?;
    let bill =
        BillOfLading::parse(&number).map_err(|e| Fields::one("bl_number", &e.to_string()))?;
    let carrier = line
        .carrier()?
        .ok_or_else(|| Fields::one("shipping_line", "is required for a bill of lading"))?;
    let tracker = tracker(&state)?;
    let mut tx = caller.begin().await?;
    db::visible_shipment_with_bill_of_lading(&mut tx, bill.as_str())
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    tracker
        .budget(BUDGET_PATIENCE)
        .await
        .map_err(refresh_error)?;
    let answer = tracker.provider().bill_of_lading(&bill, carrier).await;
    tracker
        .record(Some(caller.organization_id), "bill_of_lading", &answer)
        .await;
    Ok(Json(
        answer
            .map_err(|e| provider_error(&e))?
            .ok_or(ApiError::NotFound)?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tracking/refresh/{shipment_id}", tag = "tracking",
    security(("bearer" = [])), summary = "Ask the provider now and apply what it says",
    params(("shipment_id" = Uuid, Path, description = "Shipment id")),
    responses((status = 200, description = "{message, shipment_id, container_number, events_added, status_changed, new_status, eta_changed, live_status}"),
        (status = 400, description = "The shipment's container number is not valid"),
        (status = 403, description = "Missing tracking:refresh"),
        (status = 404, description = "No such shipment of the caller's organization"),
        (status = 429, description = "The provider's per-minute budget is spent"),
        (status = 502, description = "The provider refused or sent nothing readable: nothing changed"),
        (status = 503, description = "The provider is unavailable, or tracking is off: nothing changed"),
        (status = 504, description = "The provider timed out: nothing changed")))]
pub(crate) async fn refresh(
    State(state): State<AppState>,
    mut caller: CurrentUser,
    PathIds([shipment_id]): PathIds<1>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::TrackingRefresh)?;
    caller.release();
    let tracker = tracker(&state)?;
    let refreshed = tracker
        .refresh(caller.organization_id, shipment_id, BUDGET_PATIENCE)
        .await
        .map_err(refresh_error)?
        .ok_or(ApiError::NotFound)?;
    let applied = refreshed.applied.unwrap_or_default();
    Ok(Json(json!({
        "message": if refreshed.live.is_some() { "Tracking refreshed" } else { "The provider does not know this container yet" },
        "shipment_id": shipment_id,
        "container_number": refreshed.container.as_str(),
        "events_added": applied.stored.len(),
        "status_changed": applied.status_changed(),
        "new_status": applied.new_status.map(|s| s.as_str()),
        "eta_changed": applied.eta_changed(),
        "live_status": refreshed.live,
    })))
}

#[utoipa::path(get, path = "/api/v1/tracking/usage", tag = "tracking",
    security(("bearer" = [])), summary = "Which provider answers, and the calls made",
    responses((status = 200, description = "{provider, organization_calls_today}; platform admins also see calls_today and provider_usage (or provider_error)"),
        (status = 403, description = "Missing tracking:read")))]
async fn usage(
    State(state): State<AppState>,
    mut caller: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::TrackingRead)?;
    caller.release();
    let Some(tracker) = state.tracker.as_deref() else {
        return Ok(Json(json!({"provider": "off"})));
    };
    let name = tracker.provider().name();
    let midnight = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let own_calls =
        db::provider_calls_since(&state.pool, name, Some(caller.organization_id), midnight).await?;
    let mut answer = json!({
        "provider": name,
        "organization_calls_today": own_calls,
    });
    // The platform's total (and the provider's account) is the platform's business.
    if !caller.access().is_platform_admin() {
        return Ok(Json(answer));
    }
    answer["calls_today"] =
        json!(db::provider_calls_since(&state.pool, name, None, midnight).await?);
    match tracker.provider().usage().await {
        Ok(usage) => answer["provider_usage"] = usage,
        Err(error) => answer["provider_error"] = json!(error.to_string()),
    }
    Ok(Json(answer))
}
