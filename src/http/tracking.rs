//! Container tracking as the caller sees it (reference §1.6): `GET /shipments/{id}/events`.
//!
//! Every read runs in the caller's tenant transaction, so another organization's shipment
//! (and a container only another organization carries) is simply not found.

use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::extract::PathIds;
use super::AppState;
use crate::db::tracking::{self as db, EtaChangeRow, EventRow};
use crate::domain::tracking::EventType;
use crate::domain::Permission;

/// Nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new().route("/shipments/{id}/events", get(events))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(events))]
pub struct ApiDoc;

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
async fn events(
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
