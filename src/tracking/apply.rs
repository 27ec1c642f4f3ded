//! Applying what a carrier or the tracking provider reports to one shipment, in that
//! shipment's tenant transaction: the events are stored once each, the status and actual
//! dates follow the rules of [`crate::domain::tracking::status`], a moved ETA is kept as
//! history, the change is audited, and the people who follow the shipment are told.
//!
//! The shipment row is locked first, so two reports about one shipment (two webhooks at
//! once, a webhook during a refresh) apply one after the other and never both move the
//! status from the same starting point.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::db::members::{self, MemberRow};
use crate::db::notifications::{self, NewNotification, Recipient};
use crate::db::shipments::{self, ShipmentRow};
use crate::db::tenant::{AuditEntry, TenantTx};
use crate::db::tracking::{self as db, NewEvent};
use crate::domain::document::requirements::{required_documents, Completeness};
use crate::domain::document::DocumentType;
use crate::domain::notification::{follows_shipment, NotificationKind};
use crate::domain::tracking::status::{effect_of, status_notification, EtaChange, Tracked};
use crate::domain::ShipmentStatus;

/// What one report did to one shipment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applied {
    pub shipment_id: Uuid,
    /// Ids of the events stored now (repeats are not).
    pub stored: Vec<Uuid>,
    /// Ids of the events the shipment already had (reported again).
    pub repeated: Vec<Uuid>,
    /// The status it moved to, when it moved.
    pub new_status: Option<ShipmentStatus>,
    pub eta_change: Option<EtaChange>,
}

impl Applied {
    pub fn status_changed(&self) -> bool {
        self.new_status.is_some()
    }

    /// Whether the ETA moved (a first ETA is recorded, not a change).
    pub fn eta_changed(&self) -> bool {
        self.eta_change.is_some_and(EtaChange::is_announced)
    }
}

/// A report about one container: its events (any order) and the ETA it gives, if any.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub events: Vec<NewEvent>,
    pub eta: Option<DateTime<Utc>>,
    /// Who reported, as the ETA history and the audit log name it.
    pub source: &'static str,
}

/// Applies `report` to the shipment (of the transaction's organization); `None` when the
/// organization has no such shipment.
pub async fn apply(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    report: &Report,
) -> Result<Option<Applied>, sqlx::Error> {
    let organization_id = tx.context().organization_id;
    let Some(shipment) =
        shipments::find_own_shipment_for_update(tx, organization_id, shipment_id).await?
    else {
        return Ok(None);
    };
    let status = ShipmentStatus::from_db_label(&shipment.status)
        .map_err(|error| sqlx::Error::Decode(error.into()))?;
    let before = Tracked {
        status,
        atd: shipment.atd,
        ata: shipment.ata,
        eta: shipment.eta,
    };
    let mut now = before;
    let mut applied = Applied {
        shipment_id,
        ..Applied::default()
    };
    let mut reached = Vec::new();
    let mut events: Vec<&NewEvent> = report.events.iter().collect();
    events.sort_by_key(|event| event.timestamp);
    for event in events {
        let Some(id) = db::insert_event(tx, shipment_id, event).await? else {
            applied
                .repeated
                .extend(db::event_with_external_id(tx, shipment_id, &event.external_id).await?);
            continue;
        };
        applied.stored.push(id);
        let effect = effect_of(&now, event.event_type, event.timestamp);
        if let Some(status) = effect.status {
            now.status = status;
            reached.push(status);
        }
        now.atd = effect.atd.or(now.atd);
        now.ata = effect.ata.or(now.ata);
    }
    applied.new_status = (now.status != before.status).then_some(now.status);
    if let Some(eta) = report.eta {
        applied.eta_change = EtaChange::between(before.eta, eta);
        if applied.eta_change.is_some() {
            now.eta = Some(eta);
            let event_id = applied.stored.last().copied();
            db::record_eta_change(tx, shipment_id, before.eta, eta, report.source, event_id)
                .await?;
        }
    }
    if now == before {
        return Ok(Some(applied));
    }
    db::update_tracked(tx, shipment_id, &now).await?;
    tx.audit(AuditEntry {
        action: "shipment.tracking",
        resource_type: "shipment",
        resource_id: Some(shipment_id.to_string()),
        actor: Some(report.source),
        request_id: None,
        details: json!({
            "source": report.source,
            "events_stored": applied.stored.len(),
            "status": {"from": before.status.as_str(), "to": now.status.as_str()},
            "eta": {"from": before.eta, "to": now.eta},
            "atd": now.atd,
            "ata": now.ata,
        }),
    })
    .await?;
    tell_followers(tx, &shipment, &reached, &applied, before.eta, now.eta).await?;
    if reached.contains(&ShipmentStatus::InTransit) {
        alert_if_incomplete(tx, &shipment).await?;
    }
    Ok(Some(applied))
}

/// Writes each message to `recipients`, with its kind's data.
async fn notify_each(
    tx: &mut TenantTx,
    recipients: &[Recipient],
    messages: &[(NotificationKind, String, String)],
    data: &impl Fn(NotificationKind) -> serde_json::Value,
) -> Result<(), sqlx::Error> {
    for (kind, title, message) in messages {
        notifications::notify(
            tx,
            recipients,
            &NewNotification {
                kind: kind.as_str(),
                title,
                message,
                data: data(*kind),
            },
        )
        .await?;
    }
    Ok(())
}

/// A shipment that left port without its required documents complete: its document
/// reviewers get a compliance alert naming what is missing or rejected (the predecessor
/// defined this alert and never sent it).
async fn alert_if_incomplete(tx: &mut TenantTx, shipment: &ShipmentRow) -> Result<(), sqlx::Error> {
    let hs_codes: Vec<String> = shipments::products_of(tx, &[shipment.id])
        .await?
        .into_iter()
        .map(|product| product.hs_code)
        .collect();
    let required = required_documents(
        hs_codes.iter().map(|code| Some(code.as_str())),
        shipment.pod_code.as_deref(),
    );
    let documents = crate::db::documents::documents_of_shipment(tx, shipment.id)
        .await?
        .iter()
        .map(|d| Ok((d.id, d.document_type()?, d.status()?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let completeness = Completeness::of(&required, documents);
    if completeness.is_complete {
        return Ok(());
    }
    let names = |types: &[DocumentType]| types.iter().map(|t| t.as_str()).collect::<Vec<_>>();
    let mut problems = Vec::new();
    if !completeness.missing.is_empty() {
        problems.push(format!(
            "missing: {}",
            names(&completeness.missing).join(", ")
        ));
    }
    if !completeness.failed.is_empty() {
        problems.push(format!(
            "failed: {}",
            names(&completeness.failed).join(", ")
        ));
    }
    if !completeness.pending.is_empty() {
        problems.push(format!(
            "awaiting review: {}",
            names(&completeness.pending).join(", ")
        ));
    }
    let organization_id = tx.context().organization_id;
    let members = members::active(tx, organization_id).await?;
    let reviewers = members::document_reviewers(&members, None);
    let message = format!(
        "Shipment {} departed with its documents incomplete ({}).",
        shipment.reference,
        problems.join("; ")
    );
    notifications::notify(
        tx,
        &reviewers,
        &NewNotification {
            kind: NotificationKind::ComplianceAlert.as_str(),
            title: "Compliance alert: departed with documents incomplete",
            message: &message,
            data: json!({
                "shipment_id": shipment.id,
                "shipment_reference": shipment.reference,
                "missing": names(&completeness.missing),
                "failed": names(&completeness.failed),
                "pending": names(&completeness.pending),
            }),
        },
    )
    .await
}

/// Tells the shipment's followers of each status it reached and of a moved ETA.
async fn tell_followers(
    tx: &mut TenantTx,
    shipment: &ShipmentRow,
    reached: &[ShipmentStatus],
    applied: &Applied,
    previous_eta: Option<DateTime<Utc>>,
    eta: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    let mut messages: Vec<(NotificationKind, String, String)> = Vec::new();
    for status in reached {
        if let Some((kind, title)) = status_notification(*status) {
            let message = match status {
                ShipmentStatus::InTransit => format!(
                    "Shipment {} (container {}) has departed.",
                    shipment.reference, shipment.container_number
                ),
                ShipmentStatus::Arrived => format!(
                    "Shipment {} (container {}) has arrived.",
                    shipment.reference, shipment.container_number
                ),
                _ => format!(
                    "Shipment {} (container {}) has been delivered.",
                    shipment.reference, shipment.container_number
                ),
            };
            messages.push((kind, title.to_string(), message));
        }
    }
    if let (Some(change), Some(eta)) = (applied.eta_change.filter(|c| c.is_announced()), eta) {
        let previous = previous_eta.map_or_else(
            || "none".to_string(),
            |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
        );
        messages.push((
            NotificationKind::EtaChanged,
            change.title().to_string(),
            format!(
                "The ETA of shipment {} moved from {} to {}.",
                shipment.reference,
                previous,
                eta.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    if messages.is_empty() {
        return Ok(());
    }
    let own_organization = tx.context().organization_id;
    let own: Vec<Recipient> = members::active(tx, own_organization)
        .await?
        .iter()
        .filter(|member| follows_shipment(&member.access()))
        .map(MemberRow::recipient)
        .collect();
    let data = |kind: NotificationKind| {
        json!({
            "shipment_id": shipment.id,
            "shipment_reference": shipment.reference,
            "container_number": shipment.container_number,
            "status": applied.new_status.map(ShipmentStatus::as_str),
            "eta": eta,
            "previous_eta": previous_eta,
            "kind": kind.as_str(),
        })
    };
    notify_each(tx, &own, &messages, &data).await?;
    // The buyer organization is told in its own name: its members read what is theirs.
    if let Some(buyer) = shipment
        .buyer_organization_id
        .filter(|b| *b != own_organization)
    {
        tx.act_in(buyer).await?;
        let buyers: Vec<Recipient> = members::active(tx, buyer)
            .await?
            .iter()
            .map(MemberRow::recipient)
            .collect();
        notify_each(tx, &buyers, &messages, &data).await?;
        tx.act_in(own_organization).await?;
    }
    Ok(())
}
