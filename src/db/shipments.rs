//! Queries of the shipment slice: shipments, their products, parties, and the detail page's
//! latest event.
//!
//! Every function runs on a [`crate::db::tenant::TenantTx`] connection: row-level security
//! decides what exists. The explicit `organization_id` conditions below are not a security
//! boundary but what lets PostgreSQL walk the keyset indexes of revision 014 (a policy's OR
//! of "own" and "assigned to my buyer organization" cannot use one ordered index scan, so
//! the list asks for each half with its own index and merges them).
//!
//! Enums travel as text (`status::text`, `$n::shipmentstatus`), numerics as `float8`, since
//! the crate is built without a decimal type; the numeric precision of the columns is
//! checked by the HTTP layer before a value reaches them.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::tenant::TenantTx;
use super::undecodable;

use crate::domain::document::{DocumentStatus, DocumentType};
use crate::domain::{contains_pattern, Dependents, ListCursor, PartyType, ShipmentStatus};

// ---------------------------------------------------------------------------------------
// Shipments

/// The writable columns of a shipment, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ShipmentValues {
    pub reference: String,
    pub container_number: String,
    pub bl_number: Option<String>,
    pub booking_reference: Option<String>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
    pub etd: Option<DateTime<Utc>>,
    pub eta: Option<DateTime<Utc>>,
    pub atd: Option<DateTime<Utc>>,
    pub ata: Option<DateTime<Utc>>,
    pub pol_code: Option<String>,
    pub pol_name: Option<String>,
    pub pod_code: Option<String>,
    pub pod_name: Option<String>,
    pub final_destination: Option<String>,
    pub incoterms: Option<String>,
    pub status: ShipmentStatus,
    pub buyer_organization_id: Option<Uuid>,
    pub buyer_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
}

/// One shipment as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShipmentRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub buyer_organization_id: Option<Uuid>,
    pub reference: String,
    pub container_number: String,
    pub bl_number: Option<String>,
    pub booking_reference: Option<String>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
    pub etd: Option<DateTime<Utc>>,
    pub eta: Option<DateTime<Utc>>,
    pub atd: Option<DateTime<Utc>>,
    pub ata: Option<DateTime<Utc>>,
    pub pol_code: Option<String>,
    pub pol_name: Option<String>,
    pub pod_code: Option<String>,
    pub pod_name: Option<String>,
    pub final_destination: Option<String>,
    pub incoterms: Option<String>,
    pub status: String,
    pub buyer_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    /// On list pages only: the shipment's documents as `[id, type label, status label]`.
    #[sqlx(default)]
    page_documents: Option<sqlx::types::Json<Vec<(Uuid, String, String)>>>,
}

impl ShipmentRow {
    /// The documents a list page read with the shipment (id, type, status); empty when
    /// the row came from elsewhere or the shipment has none.
    pub fn page_documents(&self) -> Result<Vec<(Uuid, DocumentType, DocumentStatus)>, sqlx::Error> {
        self.page_documents
            .iter()
            .flat_map(|json| json.0.iter())
            .map(|(id, kind, status)| {
                Ok((
                    *id,
                    DocumentType::from_db_label(kind).map_err(undecodable)?,
                    DocumentStatus::from_db_label(status).map_err(undecodable)?,
                ))
            })
            .collect()
    }

    /// The stored status; a label this program does not know is a broken database.
    pub fn status(&self) -> Result<ShipmentStatus, sqlx::Error> {
        ShipmentStatus::from_db_label(&self.status).map_err(undecodable)
    }

    pub fn values(&self) -> Result<ShipmentValues, sqlx::Error> {
        Ok(ShipmentValues {
            reference: self.reference.clone(),
            container_number: self.container_number.clone(),
            bl_number: self.bl_number.clone(),
            booking_reference: self.booking_reference.clone(),
            vessel_name: self.vessel_name.clone(),
            voyage_number: self.voyage_number.clone(),
            etd: self.etd,
            eta: self.eta,
            atd: self.atd,
            ata: self.ata,
            pol_code: self.pol_code.clone(),
            pol_name: self.pol_name.clone(),
            pod_code: self.pod_code.clone(),
            pod_name: self.pod_name.clone(),
            final_destination: self.final_destination.clone(),
            incoterms: self.incoterms.clone(),
            status: self.status()?,
            buyer_organization_id: self.buyer_organization_id,
            buyer_id: self.buyer_id,
            supplier_id: self.supplier_id,
        })
    }

    pub fn cursor(&self) -> ListCursor {
        ListCursor {
            created_at: self.created_at,
            id: self.id,
        }
    }
}

const SHIPMENT_COLUMNS: &str = "s.id, s.organization_id, s.buyer_organization_id, s.reference, \
    s.container_number, s.bl_number, s.booking_reference, s.vessel_name, s.voyage_number, \
    s.etd, s.eta, s.atd, s.ata, s.pol_code, s.pol_name, s.pod_code, s.pod_name, \
    s.final_destination, s.incoterms, s.status::text AS status, s.buyer_id, s.supplier_id, \
    s.created_at, s.updated_at";

/// `$1` = id, `$2`…`$21` = the writable columns in [`bind_values`]'s order.
const INSERT_SHIPMENT: &str =
    "INSERT INTO shipments (id, reference, container_number, bl_number, booking_reference, \
             vessel_name, voyage_number, etd, eta, atd, ata, pol_code, pol_name, pod_code, \
             pod_name, final_destination, incoterms, status, buyer_organization_id, buyer_id, \
             supplier_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18::shipmentstatus, $19, $20, $21, clock_timestamp(), \
                 clock_timestamp())";

/// Parameters as [`INSERT_SHIPMENT`]'s.
const UPDATE_SHIPMENT: &str =
    "UPDATE shipments SET reference = $2, container_number = $3, bl_number = $4, \
             booking_reference = $5, vessel_name = $6, voyage_number = $7, etd = $8, eta = $9, \
             atd = $10, ata = $11, pol_code = $12, pol_name = $13, pod_code = $14, \
             pod_name = $15, final_destination = $16, incoterms = $17, \
             status = $18::shipmentstatus, buyer_organization_id = $19, buyer_id = $20, \
             supplier_id = $21, updated_at = clock_timestamp() \
         WHERE id = $1";

/// Inserts a shipment owned by the transaction's organization (the column's default).
pub async fn insert_shipment(
    tx: &mut TenantTx,
    values: &ShipmentValues,
) -> Result<Uuid, sqlx::Error> {
    let conn = tx.conn();
    let id = Uuid::new_v4();
    bind_values(sqlx::query(INSERT_SHIPMENT), id, values)
        .execute(conn)
        .await?;
    Ok(id)
}

/// Rewrites a shipment's writable columns; false when no such shipment may be changed here
/// (a buyer organization reads assigned shipments but the update policy hides them).
pub async fn update_shipment(
    tx: &mut TenantTx,
    id: Uuid,
    values: &ShipmentValues,
) -> Result<bool, sqlx::Error> {
    let conn = tx.conn();
    let result = bind_values(sqlx::query(UPDATE_SHIPMENT), id, values)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Binds `$1` = `id` and `$2`…`$21` = the writable columns, in the order the insert and the
/// update of a shipment both use.
fn bind_values<'q>(
    query: Query<'q, Postgres, PgArguments>,
    id: Uuid,
    values: &'q ShipmentValues,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(id)
        .bind(&values.reference)
        .bind(&values.container_number)
        .bind(&values.bl_number)
        .bind(&values.booking_reference)
        .bind(&values.vessel_name)
        .bind(&values.voyage_number)
        .bind(values.etd)
        .bind(values.eta)
        .bind(values.atd)
        .bind(values.ata)
        .bind(&values.pol_code)
        .bind(&values.pol_name)
        .bind(&values.pod_code)
        .bind(&values.pod_name)
        .bind(&values.final_destination)
        .bind(&values.incoterms)
        .bind(values.status.db_label())
        .bind(values.buyer_organization_id)
        .bind(values.buyer_id)
        .bind(values.supplier_id)
}

/// One shipment visible to the transaction (own, or assigned to its buyer organization).
pub async fn find_shipment(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<ShipmentRow>, sqlx::Error> {
    let conn = tx.conn();
    sqlx::query_as(&format!(
        "SELECT {SHIPMENT_COLUMNS} FROM shipments s WHERE s.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Like [`find_shipment`], limited to shipments the transaction's organization owns (the
/// ones it may change), and locked against concurrent changes until the transaction ends.
pub async fn find_own_shipment_for_update(
    tx: &mut TenantTx,
    organization_id: Uuid,
    id: Uuid,
) -> Result<Option<ShipmentRow>, sqlx::Error> {
    let conn = tx.conn();
    sqlx::query_as(&format!(
        "SELECT {SHIPMENT_COLUMNS} FROM shipments s \
          WHERE s.id = $1 AND s.organization_id = $2 FOR UPDATE"
    ))
    .bind(id)
    .bind(organization_id)
    .fetch_optional(conn)
    .await
}

/// What depends on a shipment (see [`crate::domain::may_delete`]), counted in one round
/// trip. Under the caller's lock on the shipment row (`FOR UPDATE`), a concurrent insert of
/// a document, event or product waits for the delete to finish, so the counts stay true.
pub async fn dependents(tx: &mut TenantTx, shipment_id: Uuid) -> Result<Dependents, sqlx::Error> {
    let conn = tx.conn();
    let (documents, events, origins): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM documents WHERE shipment_id = $1), \
                (SELECT count(*) FROM container_events WHERE shipment_id = $1), \
                (SELECT count(*) FROM origins o JOIN products p ON p.id = o.product_id \
                  WHERE p.shipment_id = $1)",
    )
    .bind(shipment_id)
    .fetch_one(conn)
    .await?;
    Ok(Dependents {
        documents,
        events,
        origins,
    })
}

/// A product deleted with its shipment, as the audit row keeps it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct DeletedProduct {
    pub id: Uuid,
    pub hs_code: String,
    pub description: String,
}

/// Deletes a shipment and its products; returns the products deleted, or `None` when the
/// shipment was not there. The caller has checked [`dependents`]: documents,
/// tracking events and origins are never deleted with it (their foreign keys refuse the
/// delete if one appeared anyway). Reference-registry rows cascade.
pub async fn delete_shipment(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<Vec<DeletedProduct>>, sqlx::Error> {
    let conn = tx.conn();
    let products: Vec<DeletedProduct> = sqlx::query_as(
        "DELETE FROM products WHERE shipment_id = $1 \
         RETURNING id, hs_code::text AS hs_code, description::text AS description",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let result = sqlx::query("DELETE FROM shipments WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok((result.rows_affected() == 1).then_some(products))
}

/// Whether `id` is an active buyer organization related to the current one — derived from
/// one of its buyer parties, or joined through an invitation one of its members sent (a
/// SECURITY DEFINER door of revision 017: row-level security hides other organizations).
pub async fn buyer_organization_exists(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let conn = tx.conn();
    sqlx::query_scalar("SELECT app.buyer_organization_related($1)")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// Whose shipments a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListScope {
    /// The organization's own shipments and those assigned to it as buyer.
    VisibleTo(Uuid),
    /// Only the shipments the organization owns.
    OwnedBy(Uuid),
}

/// The filters and page of a shipment list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<ShipmentStatus>,
    pub buyer_organization_id: Option<Uuid>,
    pub search: Option<String>,
    pub after: Option<ListCursor>,
    /// The predecessor's offset paging (only under `/api`).
    pub offset: i64,
    pub limit: i64,
}

/// A page of shipments, newest first (`created_at`, then `id`, descending). Reads
/// `offset + limit` rows per half at most, each from its own keyset index.
pub async fn list_shipments(
    tx: &mut TenantTx,
    scope: ListScope,
    filter: &ListFilter,
) -> Result<Vec<ShipmentRow>, sqlx::Error> {
    let conn = tx.conn();
    // The page's documents (type and status, for completeness) come in the same round trip:
    // one index probe per row of the page, after the limit.
    let mut query = QueryBuilder::<Postgres>::new(
        "SELECT page.*, (SELECT json_agg(json_build_array(d.id, d.document_type, d.status)) \
                           FROM documents d WHERE d.shipment_id = page.id) AS page_documents \
           FROM (SELECT * FROM (",
    );
    let (organization_id, with_assigned) = match scope {
        ListScope::VisibleTo(org) => (org, true),
        ListScope::OwnedBy(org) => (org, false),
    };
    push_half(
        &mut query,
        "organization_id",
        organization_id,
        false,
        filter,
    );
    if with_assigned {
        query.push(" UNION ALL ");
        push_half(
            &mut query,
            "buyer_organization_id",
            organization_id,
            true,
            filter,
        );
    }
    // The offset is written into the text (an integer we parsed), not bound: with an OFFSET
    // parameter PostgreSQL estimates the generic plan so badly that it re-plans every call
    // (RLS policies included) at a million shipments. Keyset pages have none at all.
    query.push(") x ORDER BY x.created_at DESC, x.id DESC");
    if filter.offset > 0 {
        query.push(format!(" OFFSET {}", filter.offset));
    }
    query.push(" LIMIT ");
    query.push_bind(filter.limit);
    query.push(") page ORDER BY page.created_at DESC, page.id DESC");
    query.build_query_as().fetch_all(conn).await
}

/// `(SELECT … WHERE s.<column> = org AND filters ORDER BY … LIMIT offset+limit)`.
fn push_half(
    query: &mut QueryBuilder<'_, Postgres>,
    column: &str,
    organization_id: Uuid,
    exclude_own: bool,
    filter: &ListFilter,
) {
    query.push(format!(
        "(SELECT {SHIPMENT_COLUMNS} FROM shipments s WHERE s.{column} = "
    ));
    query.push_bind(organization_id);
    if exclude_own {
        // A shipment an organization both owns and buys is listed once, by the first half.
        query.push(" AND s.organization_id <> ");
        query.push_bind(organization_id);
    }
    if let Some(status) = filter.status {
        query.push(" AND s.status = ");
        query.push_bind(status.db_label());
        query.push("::shipmentstatus");
    }
    if let Some(buyer) = filter.buyer_organization_id {
        query.push(" AND s.buyer_organization_id = ");
        query.push_bind(buyer);
    }
    if let Some(search) = &filter.search {
        let pattern = contains_pattern(search);
        query.push(" AND (");
        for (index, column) in ["reference", "container_number", "bl_number", "vessel_name"]
            .into_iter()
            .enumerate()
        {
            if index > 0 {
                query.push(" OR ");
            }
            query.push(format!("s.{column} ILIKE "));
            query.push_bind(pattern.clone());
            query.push(" ESCAPE '\\'");
        }
        query.push(")");
    }
    if let Some(after) = filter.after {
        // Spelled out instead of a row comparison: `created_at <= $t` can be an index
        // condition under row-level security (the operators are leakproof; record_lt is not).
        query.push(" AND s.created_at <= ");
        query.push_bind(after.created_at);
        query.push(" AND (s.created_at < ");
        query.push_bind(after.created_at);
        query.push(" OR s.id < ");
        query.push_bind(after.id);
        query.push(")");
    }
    query.push(" ORDER BY s.created_at DESC, s.id DESC LIMIT ");
    query.push_bind(filter.offset + filter.limit);
    query.push(")");
}

// ---------------------------------------------------------------------------------------
// Products

/// The writable columns of a product, already validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductValues {
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
    pub production_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductRow {
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
    pub production_date: Option<NaiveDate>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl ProductRow {
    pub fn values(&self) -> ProductValues {
        ProductValues {
            hs_code: self.hs_code.clone(),
            description: self.description.clone(),
            quantity_net_kg: self.quantity_net_kg,
            quantity_gross_kg: self.quantity_gross_kg,
            unit_of_measure: self.unit_of_measure.clone(),
            packaging_type: self.packaging_type.clone(),
            packaging_count: self.packaging_count,
            batch_lot_number: self.batch_lot_number.clone(),
            quality_grade: self.quality_grade.clone(),
            moisture_percentage: self.moisture_percentage,
            production_date: self.production_date,
        }
    }
}

const PRODUCT_COLUMNS: &str = "p.id, p.shipment_id, p.hs_code, p.description, \
    p.quantity_net_kg::float8 AS quantity_net_kg, p.quantity_gross_kg::float8 AS quantity_gross_kg, \
    p.unit_of_measure, p.packaging_type, p.packaging_count, p.batch_lot_number, p.quality_grade, \
    p.moisture_percentage::float8 AS moisture_percentage, p.production_date, p.created_at, p.updated_at";

/// The products of the given shipments, oldest first.
pub async fn products_of(
    tx: &mut TenantTx,
    shipment_ids: &[Uuid],
) -> Result<Vec<ProductRow>, sqlx::Error> {
    let conn = tx.conn();
    sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.shipment_id = ANY($1) \
          ORDER BY p.created_at, p.id"
    ))
    .bind(shipment_ids)
    .fetch_all(conn)
    .await
}

pub async fn find_product(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    product_id: Uuid,
) -> Result<Option<ProductRow>, sqlx::Error> {
    let conn = tx.conn();
    sqlx::query_as(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.id = $1 AND p.shipment_id = $2 FOR UPDATE"
    ))
    .bind(product_id)
    .bind(shipment_id)
    .fetch_optional(conn)
    .await
}

pub async fn insert_product(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    values: &ProductValues,
) -> Result<Uuid, sqlx::Error> {
    let conn = tx.conn();
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO products (id, shipment_id, hs_code, description, quantity_net_kg, \
             quantity_gross_kg, unit_of_measure, packaging_type, packaging_count, \
             batch_lot_number, quality_grade, moisture_percentage, production_date, created_at, \
             updated_at) \
         VALUES ($1, $2, $3, $4, $5::float8::numeric, $6::float8::numeric, $7, $8, $9, $10, $11, \
                 $12::float8::numeric, $13, clock_timestamp(), \
                 clock_timestamp())",
    )
    .bind(id)
    .bind(shipment_id)
    .bind(&values.hs_code)
    .bind(&values.description)
    .bind(values.quantity_net_kg)
    .bind(values.quantity_gross_kg)
    .bind(&values.unit_of_measure)
    .bind(&values.packaging_type)
    .bind(values.packaging_count)
    .bind(&values.batch_lot_number)
    .bind(&values.quality_grade)
    .bind(values.moisture_percentage)
    .bind(values.production_date)
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn update_product(
    tx: &mut TenantTx,
    product_id: Uuid,
    values: &ProductValues,
) -> Result<(), sqlx::Error> {
    let conn = tx.conn();
    sqlx::query(
        "UPDATE products SET hs_code = $2, description = $3, quantity_net_kg = $4::float8::numeric, \
             quantity_gross_kg = $5::float8::numeric, unit_of_measure = $6, packaging_type = $7, \
             packaging_count = $8, batch_lot_number = $9, quality_grade = $10, \
             moisture_percentage = $11::float8::numeric, production_date = $12, \
             updated_at = clock_timestamp() \
         WHERE id = $1",
    )
    .bind(product_id)
    .bind(&values.hs_code)
    .bind(&values.description)
    .bind(values.quantity_net_kg)
    .bind(values.quantity_gross_kg)
    .bind(&values.unit_of_measure)
    .bind(&values.packaging_type)
    .bind(values.packaging_count)
    .bind(&values.batch_lot_number)
    .bind(&values.quality_grade)
    .bind(values.moisture_percentage)
    .bind(values.production_date)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many EUDR origins record where a product came from.
pub async fn origin_count(tx: &mut TenantTx, product_id: Uuid) -> Result<i64, sqlx::Error> {
    let conn = tx.conn();
    sqlx::query_scalar("SELECT count(*) FROM origins WHERE product_id = $1")
        .bind(product_id)
        .fetch_one(conn)
        .await
}

pub async fn delete_product(tx: &mut TenantTx, product_id: Uuid) -> Result<(), sqlx::Error> {
    let conn = tx.conn();
    sqlx::query("DELETE FROM products WHERE id = $1")
        .bind(product_id)
        .execute(conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Detail: latest event

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub event_type: String,
    pub event_timestamp: DateTime<Utc>,
    pub location_code: Option<String>,
    pub location_name: Option<String>,
    pub vessel_name: Option<String>,
    pub voyage_number: Option<String>,
}

pub async fn latest_event(
    tx: &mut TenantTx,
    shipment_id: Uuid,
) -> Result<Option<EventRow>, sqlx::Error> {
    let conn = tx.conn();
    sqlx::query_as(
        "SELECT id, event_type::text AS event_type, event_timestamp, location_code, \
                location_name, vessel_name, voyage_number \
           FROM container_events WHERE shipment_id = $1 \
          ORDER BY event_timestamp DESC, created_at DESC NULLS LAST, id DESC LIMIT 1",
    )
    .bind(shipment_id)
    .fetch_optional(conn)
    .await
}

// ---------------------------------------------------------------------------------------
// Parties

#[derive(Debug, Clone, PartialEq)]
pub struct PartyValues {
    pub party_type: PartyType,
    pub company_name: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_id: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartyRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub party_type: String,
    pub company_name: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub registration_number: Option<String>,
    pub tax_id: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl PartyRow {
    pub fn party_type(&self) -> Result<PartyType, sqlx::Error> {
        PartyType::from_db_label(&self.party_type).map_err(undecodable)
    }

    pub fn values(&self) -> Result<PartyValues, sqlx::Error> {
        Ok(PartyValues {
            party_type: self.party_type()?,
            company_name: self.company_name.clone(),
            contact_name: self.contact_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            registration_number: self.registration_number.clone(),
            tax_id: self.tax_id.clone(),
        })
    }
}

const PARTY_COLUMNS: &str = "id, organization_id, type::text AS party_type, company_name, \
    contact_name, email, phone, address, city, country, registration_number, tax_id, \
    created_at, updated_at";

/// A page of the organization's parties in name order, optionally of one type; and the total.
pub async fn list_parties(
    tx: &mut TenantTx,
    organization_id: Uuid,
    party_type: Option<PartyType>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<PartyRow>, i64), sqlx::Error> {
    let conn = tx.conn();
    let label = party_type.map(PartyType::db_label);
    let rows = sqlx::query_as(&format!(
        "SELECT {PARTY_COLUMNS} FROM parties \
          WHERE organization_id = $1 AND ($2::partytype IS NULL OR type = $2::partytype) \
          ORDER BY company_name, id OFFSET $3 LIMIT $4"
    ))
    .bind(organization_id)
    .bind(label)
    .bind(offset)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar(
        "SELECT count(*) FROM parties \
          WHERE organization_id = $1 AND ($2::partytype IS NULL OR type = $2::partytype)",
    )
    .bind(organization_id)
    .bind(label)
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// A party of the transaction's organization; `lock` for a change that follows.
pub async fn find_party(
    tx: &mut TenantTx,
    id: Uuid,
    lock: bool,
) -> Result<Option<PartyRow>, sqlx::Error> {
    let conn = tx.conn();
    let lock = if lock { " FOR UPDATE" } else { "" };
    sqlx::query_as(&format!(
        "SELECT {PARTY_COLUMNS} FROM parties WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn insert_party(tx: &mut TenantTx, values: &PartyValues) -> Result<Uuid, sqlx::Error> {
    let conn = tx.conn();
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO parties (id, type, company_name, contact_name, email, phone, address, city, \
             country, registration_number, tax_id, created_at, updated_at) \
         VALUES ($1, $2::partytype, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 clock_timestamp(), clock_timestamp())",
    )
    .bind(id)
    .bind(values.party_type.db_label())
    .bind(&values.company_name)
    .bind(&values.contact_name)
    .bind(&values.email)
    .bind(&values.phone)
    .bind(&values.address)
    .bind(&values.city)
    .bind(&values.country)
    .bind(&values.registration_number)
    .bind(&values.tax_id)
    .execute(conn)
    .await?;
    Ok(id)
}

pub async fn update_party(
    tx: &mut TenantTx,
    id: Uuid,
    values: &PartyValues,
) -> Result<(), sqlx::Error> {
    let conn = tx.conn();
    sqlx::query(
        "UPDATE parties SET type = $2::partytype, company_name = $3, contact_name = $4, \
             email = $5, phone = $6, address = $7, city = $8, country = $9, \
             registration_number = $10, tax_id = $11, \
             updated_at = clock_timestamp() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(values.party_type.db_label())
    .bind(&values.company_name)
    .bind(&values.contact_name)
    .bind(&values.email)
    .bind(&values.phone)
    .bind(&values.address)
    .bind(&values.city)
    .bind(&values.country)
    .bind(&values.registration_number)
    .bind(&values.tax_id)
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Audit pack: the whole tracking history

/// Every container event of a shipment, oldest first (the audit pack's tracking history).
pub async fn events_of(tx: &mut TenantTx, shipment_id: Uuid) -> Result<Vec<EventRow>, sqlx::Error> {
    let conn = tx.conn();
    sqlx::query_as(
        "SELECT id, event_type::text AS event_type, event_timestamp, location_code, \
                location_name, vessel_name, voyage_number \
           FROM container_events WHERE shipment_id = $1 \
          ORDER BY event_timestamp, created_at NULLS FIRST, id",
    )
    .bind(shipment_id)
    .fetch_all(conn)
    .await
}
