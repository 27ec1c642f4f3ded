//! Container events and the tracked facts of shipments (revision 020).
//!
//! Events are written in the shipment's organization and read by it and by the shipment's
//! buyer organization (revision 007's policies). A carrier's webhook has no organization:
//! [`targets`] is its one way from a container number to the shipments that follow it,
//! through the narrow `app.tracking_targets` function; everything after that runs in each
//! shipment's own tenant transaction.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::tenant::{AppPool, TenantTx};
use crate::domain::tracking::status::Tracked;
use crate::domain::tracking::EventType;
use crate::domain::ContainerNumber;

/// A shipment that follows a container, as [`targets`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Target {
    pub organization_id: Uuid,
    pub shipment_id: Uuid,
}

/// Per organization, the newest shipment carrying `container` that is not closed.
pub async fn targets(
    pool: &AppPool,
    container: &ContainerNumber,
) -> Result<Vec<Target>, sqlx::Error> {
    sqlx::query_as("SELECT organization_id, shipment_id FROM app.tracking_targets($1)")
        .bind(container.as_str())
        .fetch_all(pool.inner())
        .await
}

/// An event to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The provider's id of the event, or one made of container, type and time: unique per
    /// shipment, so the same event twice is stored once.
    pub external_id: String,
    pub event_type: EventType,
    pub timestamp: DateTime<Utc>,
    pub location_name: Option<String>,
    pub location_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
    /// Where it came from: `carrier_webhook`, `jsoncargo_webhook`, `jsoncargo`, `simulated`.
    pub source: &'static str,
    /// What the sender said, kept for support (never answered by the API).
    pub raw_payload: Option<serde_json::Value>,
}

/// Stores the event unless the shipment already has one with its external id; the new
/// row's id, or `None` for a repeat.
pub async fn insert_event(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    event: &NewEvent,
) -> Result<Option<Uuid>, sqlx::Error> {
    let organization_id = tx.context().organization_id;
    sqlx::query_scalar(
        "INSERT INTO container_events (id, shipment_id, organization_id, event_type, \
                                       event_timestamp, location_name, location_code, \
                                       location_lat, location_lng, vessel_name, voyage_number, \
                                       source, external_id, raw_payload, created_at) \
         VALUES (gen_random_uuid(), $1, $2, $3::eventtype, $4, $5, $6, $7::numeric(10,7), \
                 $8::numeric(10,7), $9, $10, $11, $12, $13, now()) \
         ON CONFLICT (organization_id, shipment_id, external_id) WHERE external_id IS NOT NULL \
         DO NOTHING RETURNING id",
    )
    .bind(shipment_id)
    .bind(organization_id)
    .bind(event.event_type.db_label())
    .bind(event.timestamp)
    .bind(&event.location_name)
    .bind(&event.location_code)
    .bind(event.latitude)
    .bind(event.longitude)
    .bind(&event.vessel_name)
    .bind(&event.voyage_number)
    .bind(event.source)
    .bind(&event.external_id)
    .bind(&event.raw_payload)
    .fetch_optional(tx.conn())
    .await
}

/// The id of the shipment's event with this external id (the one a repeat repeats).
pub async fn event_with_external_id(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    external_id: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM container_events \
          WHERE organization_id = $1 AND shipment_id = $2 AND external_id = $3",
    )
    .bind(tx.context().organization_id)
    .bind(shipment_id)
    .bind(external_id)
    .fetch_optional(tx.conn())
    .await
}

/// Writes the tracked facts of a shipment the transaction's organization owns (read and
/// locked by the caller, who decided them).
pub async fn update_tracked(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    tracked: &Tracked,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE shipments SET status = $2::shipmentstatus, atd = $3, ata = $4, eta = $5, \
                updated_at = now() \
          WHERE id = $1",
    )
    .bind(shipment_id)
    .bind(tracked.status.db_label())
    .bind(tracked.atd)
    .bind(tracked.ata)
    .bind(tracked.eta)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Keeps an ETA change in the shipment's history.
pub async fn record_eta_change(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    previous: Option<DateTime<Utc>>,
    new: DateTime<Utc>,
    source: &str,
    event_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO shipment_eta_changes (shipment_id, previous_eta, new_eta, source, event_id) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(shipment_id)
    .bind(previous)
    .bind(new)
    .bind(source)
    .bind(event_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// One event as the API shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub event_type: String,
    pub event_timestamp: DateTime<Utc>,
    pub location_name: Option<String>,
    pub location_code: Option<String>,
    pub location_lat: Option<f64>,
    pub location_lng: Option<f64>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
    pub delay_hours: Option<i32>,
    pub source: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// At most this many events are listed (the newest; a voyage has a few dozen).
pub const MAX_LISTED_EVENTS: i64 = 1000;

/// The shipment's events, oldest first (the newest [`MAX_LISTED_EVENTS`]).
pub async fn events(tx: &mut TenantTx, shipment_id: Uuid) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT * FROM ( \
            SELECT id, event_type::text AS event_type, event_timestamp, location_name, \
                   location_code, location_lat::float8 AS location_lat, \
                   location_lng::float8 AS location_lng, vessel_name, voyage_number, \
                   delay_hours, source::text AS source, created_at \
              FROM container_events WHERE shipment_id = $1 \
             ORDER BY event_timestamp DESC, created_at DESC NULLS LAST, id DESC LIMIT $2) e \
          ORDER BY event_timestamp, created_at NULLS FIRST, id",
    )
    .bind(shipment_id)
    .bind(MAX_LISTED_EVENTS)
    .fetch_all(tx.conn())
    .await
}

/// One change of a shipment's ETA.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EtaChangeRow {
    pub previous_eta: Option<DateTime<Utc>>,
    pub new_eta: DateTime<Utc>,
    pub source: String,
    pub changed_at: DateTime<Utc>,
}

/// The shipment's ETA history, oldest first.
pub async fn eta_history(
    tx: &mut TenantTx,
    shipment_id: Uuid,
) -> Result<Vec<EtaChangeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT previous_eta, new_eta, source, changed_at FROM shipment_eta_changes \
          WHERE shipment_id = $1 ORDER BY changed_at, id LIMIT 1000",
    )
    .bind(shipment_id)
    .fetch_all(tx.conn())
    .await
}

/// The newest shipment visible to the caller (its organization's, or its buyer
/// organization's) that carries `container`; `None` when there is none.
pub async fn visible_shipment_with_container(
    tx: &mut TenantTx,
    container: &ContainerNumber,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM shipments WHERE container_number = $1 \
          ORDER BY created_at DESC NULLS LAST, id DESC LIMIT 1",
    )
    .bind(container.as_str())
    .fetch_optional(tx.conn())
    .await
}

/// The newest shipment visible to the caller with this bill of lading.
pub async fn visible_shipment_with_bill_of_lading(
    tx: &mut TenantTx,
    bill_of_lading: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM shipments WHERE upper(bl_number) = upper($1) \
          ORDER BY created_at DESC NULLS LAST, id DESC LIMIT 1",
    )
    .bind(bill_of_lading)
    .fetch_optional(tx.conn())
    .await
}

/// Claims one call from the provider's per-minute budget shared by every instance: 0, or
/// the milliseconds until the next window.
pub async fn claim_provider_call(
    pool: &AppPool,
    provider: &str,
    per_minute: i32,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT app.claim_provider_call($1, $2)")
        .bind(provider)
        .bind(per_minute)
        .fetch_one(pool.inner())
        .await
}

/// Records one call to the provider.
pub async fn record_provider_call(
    pool: &AppPool,
    provider: &str,
    organization_id: Option<Uuid>,
    request: &str,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO tracking_provider_calls (provider, organization_id, request, outcome) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(provider)
    .bind(organization_id)
    .bind(request)
    .bind(outcome)
    .execute(pool.inner())
    .await?;
    Ok(())
}

/// Calls made to `provider` since `since`, by the organization when given.
pub async fn provider_calls_since(
    pool: &AppPool,
    provider: &str,
    organization_id: Option<Uuid>,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM tracking_provider_calls \
          WHERE provider = $1 AND called_at >= $3 AND ($2::uuid IS NULL OR organization_id = $2)",
    )
    .bind(provider)
    .bind(organization_id)
    .bind(since)
    .fetch_one(pool.inner())
    .await
}

/// A page of the shipments the scheduled refresh follows, after `after` (by id).
pub async fn shipments_to_track(
    pool: &AppPool,
    after: Option<Uuid>,
    limit: i32,
) -> Result<Vec<Target>, sqlx::Error> {
    sqlx::query_as("SELECT organization_id, shipment_id FROM app.shipments_to_track($1, $2)")
        .bind(after)
        .bind(limit)
        .fetch_all(pool.inner())
        .await
}
