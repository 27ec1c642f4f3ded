//! Response bodies of the shipment slice, in the predecessor's shapes (reference §1.4, UI
//! §1.5): enum values in lower case, timestamps RFC 3339 in UTC, dates `YYYY-MM-DD`.

use serde::Serialize;
use uuid::Uuid;

use crate::db::shipments::{EventRow, PartyRow, ProductRow, ShipmentRow};
use crate::domain::document::requirements::{required_documents, Completeness};
use crate::domain::document::{DocumentStatus, DocumentType};
use crate::domain::ShipmentStatus;
use crate::http::documents::output::DocumentResponse;
use crate::http::error::ApiError;
use crate::http::time::{date, rfc3339_auto as timestamp};

/// An UPPER-CASE database label in the API's lower case.
fn lower(label: &str) -> String {
    label.to_ascii_lowercase()
}

/// A shipment with all its columns and its products.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShipmentResponse {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub buyer_organization_id: Option<Uuid>,
    pub reference: String,
    pub container_number: String,
    pub bl_number: Option<String>,
    pub booking_reference: Option<String>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
    pub etd: Option<String>,
    pub eta: Option<String>,
    pub atd: Option<String>,
    pub ata: Option<String>,
    pub pol_code: Option<String>,
    pub pol_name: Option<String>,
    pub pod_code: Option<String>,
    pub pod_name: Option<String>,
    pub final_destination: Option<String>,
    pub incoterms: Option<String>,
    /// Lower case (`in_transit`).
    pub status: &'static str,
    pub buyer_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub created_at: String,
    pub updated_at: Option<String>,
    pub products: Vec<ProductResponse>,
    /// In lists: how far the shipment's documents cover what it requires (the detail's
    /// `document_summary` in brief).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_summary: Option<ListedCompleteness>,
}

impl ShipmentResponse {
    /// `row` with the products among `products` that belong to it.
    pub fn new(row: ShipmentRow, products: &[ProductRow]) -> Result<Self, ApiError> {
        let status: ShipmentStatus = row.status()?;
        let products = products
            .iter()
            .filter(|p| p.shipment_id == row.id)
            .cloned()
            .map(ProductResponse::from)
            .collect();
        Ok(Self {
            id: row.id,
            organization_id: row.organization_id,
            buyer_organization_id: row.buyer_organization_id,
            reference: row.reference,
            container_number: row.container_number,
            bl_number: row.bl_number,
            booking_reference: row.booking_reference,
            vessel_name: row.vessel_name,
            voyage_number: row.voyage_number,
            etd: row.etd.map(timestamp),
            eta: row.eta.map(timestamp),
            atd: row.atd.map(timestamp),
            ata: row.ata.map(timestamp),
            pol_code: row.pol_code,
            pol_name: row.pol_name,
            pod_code: row.pod_code,
            pod_name: row.pod_name,
            final_destination: row.final_destination,
            incoterms: row.incoterms,
            status: status.as_str(),
            buyer_id: row.buyer_id,
            supplier_id: row.supplier_id,
            created_at: timestamp(row.created_at),
            updated_at: row.updated_at.map(timestamp),
            products,
            document_summary: None,
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductResponse {
    pub id: Uuid,
    pub shipment_id: Uuid,
    pub hs_code: String,
    pub description: String,
    pub quantity_net_kg: Option<f64>,
    pub quantity_gross_kg: Option<f64>,
    pub unit_of_measure: Option<String>,
    pub packaging_type: Option<String>,
    pub packaging_count: Option<i32>,
    pub batch_lot_number: Option<String>,
    pub quality_grade: Option<String>,
    pub moisture_percentage: Option<f64>,
    pub production_date: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl From<ProductRow> for ProductResponse {
    fn from(row: ProductRow) -> Self {
        Self {
            id: row.id,
            shipment_id: row.shipment_id,
            hs_code: row.hs_code,
            description: row.description,
            quantity_net_kg: row.quantity_net_kg,
            quantity_gross_kg: row.quantity_gross_kg,
            unit_of_measure: row.unit_of_measure,
            packaging_type: row.packaging_type,
            packaging_count: row.packaging_count,
            batch_lot_number: row.batch_lot_number,
            quality_grade: row.quality_grade,
            moisture_percentage: row.moisture_percentage,
            production_date: row.production_date.map(date),
            created_at: row.created_at.map(timestamp),
            updated_at: row.updated_at.map(timestamp),
        }
    }
}

/// `/api/v1/shipments`: a page and the cursor of the next one (absent on the last page).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShipmentList {
    pub items: Vec<ShipmentResponse>,
    pub next_cursor: Option<String>,
}

/// `GET /shipments/{id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShipmentDetail {
    pub shipment: ShipmentResponse,
    pub latest_event: Option<LatestEvent>,
    pub documents: Vec<DocumentResponse>,
    /// `{total_required, total_uploaded, complete, missing[], pending_validation,
    /// is_complete, failed[], pending[], checklist[]}`.
    #[schema(value_type = Object)]
    pub document_summary: Completeness,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LatestEvent {
    pub id: Uuid,
    /// Lower case (`departed`).
    pub event_type: String,
    pub event_timestamp: String,
    pub location_code: Option<String>,
    pub location_name: Option<String>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
}

impl From<EventRow> for LatestEvent {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            event_type: lower(&row.event_type),
            event_timestamp: timestamp(row.event_timestamp),
            location_code: row.location_code,
            location_name: row.location_name,
            vessel_name: row.vessel_name,
            voyage_number: row.voyage_number,
        }
    }
}

/// How far a shipment's documents cover what it requires (by its products' HS codes and
/// its port of discharge): the predecessor's `document_summary` fields, plus the failed
/// and pending types and a per-type checklist.
pub fn document_summary(
    shipment: &ShipmentResponse,
    documents: impl IntoIterator<Item = (Uuid, DocumentType, DocumentStatus)>,
) -> Completeness {
    let required = required_documents(
        shipment.products.iter().map(|p| Some(p.hs_code.as_str())),
        shipment.pod_code.as_deref(),
    );
    Completeness::of(&required, documents)
}

/// A list item's completeness: the counts and the missing types, without the checklist (a
/// page of 50 stays small; the detail has the rest).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListedCompleteness {
    pub total_required: usize,
    pub complete: usize,
    pub pending_validation: usize,
    /// Required types whose best document failed review or was sent back.
    pub failed: usize,
    #[schema(value_type = Vec<DocumentType>)]
    pub missing: Vec<DocumentType>,
    pub is_complete: bool,
}

impl From<Completeness> for ListedCompleteness {
    fn from(full: Completeness) -> Self {
        Self {
            total_required: full.total_required,
            complete: full.complete,
            pending_validation: full.pending_validation,
            failed: full.failed.len(),
            missing: full.missing,
            is_complete: full.is_complete,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartyResponse {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Lower case (`notify_party`).
    #[serde(rename = "type")]
    pub party_type: &'static str,
    pub company_name: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl PartyResponse {
    pub fn new(row: PartyRow) -> Result<Self, ApiError> {
        Ok(Self {
            party_type: row.party_type()?.as_str(),
            id: row.id,
            organization_id: row.organization_id,
            company_name: row.company_name,
            contact_name: row.contact_name,
            email: row.email,
            phone: row.phone,
            address: row.address,
            city: row.city,
            country: row.country,
            registration_number: row.registration_number,
            tax_id: row.tax_id,
            created_at: row.created_at.map(timestamp),
            updated_at: row.updated_at.map(timestamp),
        })
    }
}
