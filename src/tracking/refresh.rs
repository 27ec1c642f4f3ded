//! Asking the provider about a shipment's container and applying the answer: the manual
//! refresh (`POST /tracking/refresh/{id}`) and the scheduled one (a sweep job per period
//! that enqueues one refresh job per followed shipment).
//!
//! No transaction is open while the provider is asked: the shipment is read, the
//! transaction ends, the provider answers (or fails, leaving the shipment unchanged), and
//! the answer is applied in a new transaction ([`super::apply`]). Every call is recorded,
//! and every instance draws on one per-minute budget kept in PostgreSQL
//! (`app.claim_provider_call`), so the provider's rate limit holds however many instances
//! run.

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use super::apply::{self, Applied, Report};
use super::{ContainerQuery, LiveStatus, Port, ProviderError, TrackingProvider, VoyageHint};
use crate::db::jobs::{self as jobs_db, NewJob};
use crate::db::shipments;
use crate::db::tenant::{AppPool, TenantContext, TenantTx};
use crate::db::tracking::{self as db, NewEvent};
use crate::domain::ContainerNumber;
use crate::jobs::{handler, Handler, Outcome, Schedule};

/// The kind of the per-period sweep job.
pub const SWEEP: &str = "tracking.sweep";
/// The kind of a one-shipment refresh job.
pub const REFRESH: &str = "tracking.refresh";
/// Shipments listed per page of a sweep.
const SWEEP_PAGE: i32 = 1000;

/// Why a refresh did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("the shipment's container number {0:?} is not a valid ISO 6346 number")]
    BadContainer(String),
    /// The provider's per-minute budget is spent; retry after this long.
    #[error("the tracking provider's rate limit is reached; retry in {} s", .0.as_secs().max(1))]
    RateLimited(Duration),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A refresh's result.
#[derive(Debug)]
pub struct Refreshed {
    pub container: ContainerNumber,
    /// `None`: the provider does not know the container (yet).
    pub live: Option<LiveStatus>,
    pub applied: Option<Applied>,
}

/// The configured provider with the shared budget.
pub struct Tracker {
    pool: AppPool,
    provider: Arc<dyn TrackingProvider>,
    per_minute: i32,
}

impl Tracker {
    pub fn new(pool: AppPool, provider: Arc<dyn TrackingProvider>, per_minute: u32) -> Self {
        Self {
            pool,
            provider,
            per_minute: per_minute.min(i32::MAX as u32) as i32,
        }
    }

    pub fn provider(&self) -> &dyn TrackingProvider {
        self.provider.as_ref()
    }

    /// Claims one call from the shared budget, waiting at most `patience` for the next
    /// window.
    pub async fn budget(&self, patience: Duration) -> Result<(), RefreshError> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let wait =
                db::claim_provider_call(&self.pool, self.provider.name(), self.per_minute).await?;
            if wait == 0 {
                return Ok(());
            }
            let wait = Duration::from_millis(wait as u64);
            if tokio::time::Instant::now() + wait > deadline {
                return Err(RefreshError::RateLimited(wait));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Records a call's outcome (for the usage figures).
    pub async fn record(
        &self,
        organization_id: Option<Uuid>,
        request: &str,
        outcome: &Result<Option<LiveStatus>, ProviderError>,
    ) {
        let outcome = match outcome {
            Ok(Some(_)) => "found",
            Ok(None) => "not_found",
            Err(ProviderError::Timeout { .. }) => "timeout",
            Err(ProviderError::Unavailable { .. }) => "unavailable",
            Err(ProviderError::Rejected { .. }) => "rejected",
            Err(ProviderError::Malformed(_)) => "malformed",
            Err(ProviderError::Transport(_)) => "transport",
            Err(ProviderError::NotConfigured) => "off",
        };
        let recorded = db::record_provider_call(
            &self.pool,
            self.provider.name(),
            organization_id,
            request,
            outcome,
        )
        .await;
        if let Err(error) = recorded {
            tracing::warn!(%error, "cannot record a tracking provider call");
        }
    }

    /// Asks about the container of `shipment_id` (of `organization_id`, which must own it)
    /// and applies the answer. `None` when the organization has no such shipment.
    pub async fn refresh(
        &self,
        organization_id: Uuid,
        shipment_id: Uuid,
        patience: Duration,
    ) -> Result<Option<Refreshed>, RefreshError> {
        let context = TenantContext {
            organization_id,
            user_id: None,
        };
        let mut tx = TenantTx::begin(&self.pool, context).await?;
        let shipment = shipments::find_shipment(&mut tx, shipment_id).await?;
        tx.commit().await?;
        let Some(shipment) = shipment.filter(|s| s.organization_id == organization_id) else {
            return Ok(None);
        };
        let container = ContainerNumber::parse(&shipment.container_number)
            .map_err(|_| RefreshError::BadContainer(shipment.container_number.clone()))?;
        let mut query = ContainerQuery::new(container.clone());
        query.hint = VoyageHint {
            pol: Port::from_row(shipment.pol_code.as_deref(), shipment.pol_name.as_deref()),
            pod: Port::from_row(shipment.pod_code.as_deref(), shipment.pod_name.as_deref()),
            etd: shipment.etd,
            vessel: shipment.vessel_name.clone(),
            voyage: shipment.voyage_number.clone(),
        };
        self.budget(patience).await?;
        let answer = self.provider.container(&query).await;
        self.record(Some(organization_id), "container", &answer)
            .await;
        let Some(live) = answer? else {
            return Ok(Some(Refreshed {
                container,
                live: None,
                applied: None,
            }));
        };
        let source = self.provider.name();
        let report = Report {
            events: live
                .events
                .iter()
                .map(|event| NewEvent {
                    external_id: event.external_id.clone(),
                    event_type: event.event_type,
                    timestamp: event.timestamp,
                    location_name: event.location_name.clone(),
                    location_code: event.location_code.clone(),
                    latitude: None,
                    longitude: None,
                    vessel_name: event.vessel_name.clone(),
                    voyage_number: event.voyage_number.clone(),
                    source,
                    raw_payload: None,
                })
                .collect(),
            eta: live.eta,
            source,
        };
        let mut tx = TenantTx::begin(&self.pool, context).await?;
        let applied = apply::apply(&mut tx, shipment_id, &report).await?;
        tx.commit().await?;
        Ok(Some(Refreshed {
            container,
            live: Some(live),
            applied,
        }))
    }

    /// Enqueues a refresh of every followed shipment that has none waiting (when the
    /// provider's budget cannot keep up with the period, the backlog does not grow); how
    /// many were enqueued.
    pub async fn sweep(&self) -> Result<usize, sqlx::Error> {
        let mut after = None;
        let mut enqueued = 0;
        loop {
            let page = db::shipments_to_track(&self.pool, after, SWEEP_PAGE).await?;
            for target in &page {
                let job = NewJob::new(
                    REFRESH,
                    serde_json::json!({
                        "organization_id": target.organization_id,
                        "shipment_id": target.shipment_id,
                    }),
                )
                .dedupe_while_unfinished(format!("{REFRESH}:{}", target.shipment_id));
                if jobs_db::enqueue(&self.pool, &job).await?.is_some() {
                    enqueued += 1;
                }
            }
            match page.last() {
                Some(last) if page.len() == SWEEP_PAGE as usize => after = Some(last.shipment_id),
                _ => return Ok(enqueued),
            }
        }
    }

    /// The scheduled sweep, once per `every`.
    pub fn schedule(every: chrono::Duration) -> Schedule {
        Schedule {
            kind: SWEEP,
            every,
            payload: serde_json::json!({}),
        }
    }

    /// The handlers of the sweep and refresh jobs.
    pub fn handlers(tracker: Arc<Tracker>) -> [(&'static str, Handler); 2] {
        let sweeper = tracker.clone();
        let sweep = handler(move |job| {
            let tracker = sweeper.clone();
            async move {
                let period = job.payload["period_start"]
                    .as_str()
                    .unwrap_or("now")
                    .to_string();
                match tracker.sweep().await {
                    Ok(count) => {
                        tracing::info!(shipments = count, period, "tracking refresh enqueued");
                        Outcome::Done
                    }
                    Err(error) => Outcome::Retry(error.to_string()),
                }
            }
        });
        let refresh = handler(move |job| {
            let tracker = tracker.clone();
            async move {
                let ids = (
                    job.payload["organization_id"]
                        .as_str()
                        .and_then(|t| t.parse().ok()),
                    job.payload["shipment_id"]
                        .as_str()
                        .and_then(|t| t.parse().ok()),
                );
                let (Some(organization_id), Some(shipment_id)) = ids else {
                    return Outcome::Fail(format!("malformed payload {}", job.payload));
                };
                // A job may wait for the budget as long as its lease is extended.
                match tracker
                    .refresh(organization_id, shipment_id, Duration::from_secs(300))
                    .await
                {
                    Ok(_) => Outcome::Done,
                    Err(RefreshError::BadContainer(number)) => {
                        Outcome::Fail(format!("container number {number:?} is not valid"))
                    }
                    Err(error) => Outcome::Retry(error.to_string()),
                }
            }
        });
        [(SWEEP, sweep), (REFRESH, refresh)]
    }
}
