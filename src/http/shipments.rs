//! Shipments, their products, and trade parties (issue 3, reference §1.4).
//!
//! * `GET /shipments` — own shipments and those assigned to the caller's buyer organization,
//!   newest first, filtered by `status`, `buyer`, `search`; keyset pages under `/api/v1`
//!   (`{items, next_cursor}`), the predecessor's bare array (with `limit`/`offset`) under
//!   `/api`. `GET /organizations/{id}/shipments` — the shipments one organization owns.
//! * `POST /shipments`, `GET|PATCH|DELETE /shipments/{id}`, products and parties: see
//!   [`products`] and [`parties`].
//!
//! Every query runs in the caller's [`TenantTx`], so another organization's id is simply not
//! found. A buyer organization reads what is assigned to it and changes nothing: its
//! members lack the write permissions ([`crate::domain::access`]), and the update and
//! delete policies would not match its rows anyway. Every change writes an audit row in the
//! same transaction.

pub(crate) mod input;
pub(crate) mod output;
pub(crate) mod parties;
pub(crate) mod products;

use axum::extract::MatchedPath;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::extract::{Fields, JsonBody, PathIds, QueryParams, RequestId};
use super::AppState;
use crate::db::documents;
use crate::db::shipments::{self as db, ListFilter, ListScope, ShipmentRow, ShipmentValues};
use crate::db::tenant::{AuditEntry, TenantTx};
use crate::domain::shipment::may_carry_products;
use crate::domain::{may_delete, text, ListCursor, Permission, ShipmentStatus};
use crate::http::documents::output::DocumentResponse;
use input::{ShipmentCreate, ShipmentInput};
use output::{document_summary, LatestEvent, ShipmentDetail, ShipmentList, ShipmentResponse};

/// Nested under `/api/v1` and `/api` by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/shipments", get(list).post(create))
        .route("/shipments/{id}", get(detail).patch(update).delete(remove))
        .route(
            "/shipments/{id}/products",
            get(products::list).post(products::create),
        )
        .route(
            "/shipments/{id}/products/{product_id}",
            patch(products::update).delete(products::remove),
        )
        .route("/parties", get(parties::list).post(parties::create))
        .route(
            "/parties/{id}",
            get(parties::get_one).patch(parties::update),
        )
        .route("/organizations/{id}/shipments", get(organization_list))
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    create,
    detail,
    update,
    remove,
    organization_list,
    products::list,
    products::create,
    products::update,
    products::remove,
    parties::list,
    parties::create,
    parties::get_one,
    parties::update
))]
pub struct ApiDoc;

/// A shipment reference already used in this organization.
/// A delete refused because documents are attached (with or without other dependents):
/// the predecessor's clients know this refusal by this code, so it stays.
pub const SHIPMENT_HAS_DOCUMENTS: &str = "SHIPMENT_HAS_DOCUMENTS";
/// A delete refused because tracking events or EUDR origins depend on the shipment.
pub const SHIPMENT_HAS_DEPENDENTS: &str = "SHIPMENT_HAS_DEPENDENTS";

// ---------------------------------------------------------------------------------------
// Helpers shared by the handlers of this slice

/// Writes the audit row of a change of this slice.
async fn audit(
    tx: &mut TenantTx,
    request_id: &RequestId,
    action: &str,
    resource_type: &str,
    id: Uuid,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    tx.audit(AuditEntry {
        action,
        resource_type,
        resource_id: Some(id.to_string()),
        actor: None,
        request_id: request_id.as_deref(),
        details,
    })
    .await?;
    Ok(())
}

/// A shipment the caller's organization owns, locked for a change; 404 otherwise (also
/// for one merely assigned to it as buyer: it may read that one, never change it).
async fn owned_shipment(
    tx: &mut TenantTx,
    caller: &CurrentUser,
    id: Uuid,
) -> Result<ShipmentRow, ApiError> {
    db::find_own_shipment_for_update(tx, caller.organization_id, id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Checks the rows a shipment points at, where they changed: the buyer organization must be
/// an active buyer organization, the parties must be this organization's.
async fn check_links(
    tx: &mut TenantTx,
    values: &ShipmentValues,
    previous: Option<&ShipmentValues>,
) -> Result<(), ApiError> {
    let mut fields = Fields::new();
    let changed = |new: Option<Uuid>, old: fn(&ShipmentValues) -> Option<Uuid>| {
        new.filter(|id| previous.map(old) != Some(Some(*id)))
    };
    if let Some(id) = changed(values.buyer_organization_id, |v| v.buyer_organization_id) {
        if !db::buyer_organization_exists(tx, id).await? {
            fields.add(
                "buyer_organization_id",
                "is not an active buyer organization related to yours (derived from one of \
                 your buyer parties, or joined through an invitation your organization sent)",
            );
        }
    }
    for (name, id) in [
        ("buyer_id", changed(values.buyer_id, |v| v.buyer_id)),
        (
            "supplier_id",
            changed(values.supplier_id, |v| v.supplier_id),
        ),
    ] {
        if let Some(id) = id {
            if db::find_party(tx, id, false).await?.is_none() {
                fields.add(name, "is not a party of this organization");
            }
        }
    }
    fields.finish()
}

/// One shipment with its products, as answered by create, detail and update.
async fn shipment_response(tx: &mut TenantTx, id: Uuid) -> Result<ShipmentResponse, ApiError> {
    let row = db::find_shipment(tx, id).await?.ok_or(ApiError::NotFound)?;
    let products = db::products_of(tx, &[id]).await?;
    ShipmentResponse::new(row, &products)
}

// ---------------------------------------------------------------------------------------
// Lists

/// The query of the shipment lists.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<ShipmentStatus>)]
    pub status: Option<String>,
    /// Only shipments assigned to this buyer organization.
    pub buyer: Option<Uuid>,
    /// Part of the reference, container number, B/L number or vessel name (no wildcards).
    #[param(max_length = 100)]
    pub search: Option<String>,
    /// 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 48, pattern = "^([0-9a-fA-F]{48})?$")]
    pub cursor: Option<String>,
    /// The predecessor's paging, only under `/api`: documented in the operations (deprecated).
    #[param(ignore)]
    pub offset: Option<u32>,
}

const DEFAULT_LIST_LIMIT: u32 = 50;
const MAX_LIST_LIMIT: u32 = 100;
/// The predecessor's offset paging gets slow with depth; beyond this, use the cursor.
const MAX_OFFSET: u32 = 10_000;

impl ListQuery {
    pub(crate) fn filter(self, legacy: bool) -> Result<ListFilter, ApiError> {
        let mut fields = Fields::new();
        let limit = self.limit.unwrap_or(DEFAULT_LIST_LIMIT);
        if !(1..=MAX_LIST_LIMIT).contains(&limit) {
            fields.add("limit", format!("must be between 1 and {MAX_LIST_LIMIT}"));
        }
        let offset = self.offset.unwrap_or(0);
        if !legacy && self.offset.is_some() {
            fields.add("offset", "is not supported here; page with cursor");
        } else if offset > MAX_OFFSET {
            fields.add(
                "offset",
                format!("must be at most {MAX_OFFSET}; page with cursor"),
            );
        }
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => fields.check("status", ShipmentStatus::parse(text)),
        };
        let after = match self.cursor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => fields.check("cursor", ListCursor::decode(text)),
        };
        let search = fields
            .check("search", text::search_term(self.search.as_deref()))
            .flatten();
        fields.finish()?;
        Ok(ListFilter {
            status,
            buyer_organization_id: self.buyer,
            search,
            after,
            offset: i64::from(offset),
            limit: i64::from(limit),
        })
    }
}

/// Under `/api` the predecessor's clients expect a bare array.
/// (The route template includes the prefix it was mounted under.)
fn is_legacy(route: &MatchedPath) -> bool {
    !route.as_str().starts_with("/api/v1/")
}

/// Reads one page (one row more than asked, to know whether another follows) and answers
/// in the shape of the prefix.
async fn list_page(
    tx: TenantTx,
    scope: ListScope,
    query: ListQuery,
    route: &MatchedPath,
) -> Result<Response, ApiError> {
    let legacy = is_legacy(route);
    let filter = query.filter(legacy)?;
    let page = read_page(tx, scope, filter).await?;
    Ok(answer(page, legacy))
}

/// A page in the shape of the prefix: a bare array under `/api`.
fn answer(page: ShipmentList, legacy: bool) -> Response {
    if legacy {
        Json(page.items).into_response()
    } else {
        Json(page).into_response()
    }
}

/// One page of shipments with their products and document summaries, committed.
pub(crate) async fn read_page(
    mut tx: TenantTx,
    scope: ListScope,
    mut filter: ListFilter,
) -> Result<ShipmentList, ApiError> {
    let limit = filter.limit as usize;
    filter.limit += 1;
    let mut rows = db::list_shipments(&mut tx, scope, &filter).await?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|row| row.cursor().encode())
    } else {
        None
    };
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let products = db::products_of(&mut tx, &ids).await?;
    tx.commit().await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let documents = row.page_documents()?;
            let mut item = ShipmentResponse::new(row, &products)?;
            item.document_summary = Some(document_summary(&item, documents).into());
            Ok(item)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(ShipmentList { items, next_cursor })
}

#[utoipa::path(get, path = "/api/v1/shipments", tag = "shipments", security(("bearer" = [])),
    summary = "Shipments the caller's organization owns or buys, newest first (under /api: a bare array)",
    params(ListQuery, ("offset" = Option<u32>, Query, deprecated, minimum = 0, maximum = 10000,
        description = "The predecessor's paging: only under /api (bare array answers); /api/v1 refuses it (page with cursor)")),
    responses((status = 200, body = ShipmentList), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:list"),
        (status = 422, description = "A bad filter, limit or cursor (field named)")))]
async fn list(
    route: MatchedPath,
    caller: CurrentUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let legacy = is_legacy(&route);
    let page = visible_page(caller, query, legacy).await?;
    Ok(answer(page, legacy))
}

/// One page of the shipments the caller's organization owns or buys (the list route's
/// work; the web dashboard's too).
pub(crate) async fn visible_page(
    mut caller: CurrentUser,
    query: ListQuery,
    legacy: bool,
) -> Result<ShipmentList, ApiError> {
    caller.require(Permission::ShipmentsList)?;
    let filter = query.filter(legacy)?;
    let tx = caller.begin().await?;
    read_page(tx, ListScope::VisibleTo(caller.organization_id), filter).await
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/shipments", tag = "shipments", security(("bearer" = [])),
    summary = "The shipments one organization owns: the caller's own, or any for a platform admin",
    params(("id" = Uuid, Path, description = "Organization id"), ListQuery, ("offset" = Option<u32>, Query, deprecated,
        minimum = 0, maximum = 10000, description = "The predecessor's paging: only under /api; /api/v1 refuses it")),
    responses((status = 200, body = ShipmentList), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:list"),
        (status = 404, description = "Not the caller's organization (and not a platform admin)"),
        (status = 422, description = "A bad filter, limit or cursor (field named)")))]
async fn organization_list(
    route: MatchedPath,
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ShipmentsList)?;
    let tx = caller
        .open_in(id, "list the shipments of an organization")
        .await?;
    list_page(tx, ListScope::OwnedBy(id), query, &route).await
}

// ---------------------------------------------------------------------------------------
// One shipment

#[utoipa::path(post, path = "/api/v1/shipments", tag = "shipments", security(("bearer" = [])),
    summary = "Create a shipment (with products) owned by the caller's organization",
    request_body = ShipmentCreate,
    responses((status = 201, body = ShipmentResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:create"),
        (status = 409, description = "REFERENCE_EXISTS in this organization"),
        (status = 422, description = "Invalid field (named), e.g. container_number check digit")))]
pub(crate) async fn create(
    mut caller: CurrentUser,
    request_id: RequestId,
    JsonBody(mut body): JsonBody<ShipmentInput>,
) -> Result<(StatusCode, Json<ShipmentResponse>), ApiError> {
    caller.require(Permission::ShipmentsCreate)?;
    let products = body.products.take().unwrap_or_default();
    let mut fields = Fields::new();
    fields.check("products", may_carry_products(products.len()));
    let values = body.apply(None, &mut fields);
    let products: Vec<_> = products
        .into_iter()
        .enumerate()
        .map(|(i, p)| p.apply(None, &format!("products[{i}]."), &mut fields))
        .collect();
    fields.finish()?;

    let mut tx = caller.begin().await?;
    check_links(&mut tx, &values, None).await?;
    let id = db::insert_shipment(&mut tx, &values).await?;
    for product in &products {
        db::insert_product(&mut tx, id, product).await?;
    }
    let details = serde_json::json!({
        "reference": values.reference,
        "container_number": values.container_number,
        "products": products.len(),
    });
    audit(
        &mut tx,
        &request_id,
        "shipment.create",
        "shipment",
        id,
        details,
    )
    .await?;
    let response = shipment_response(&mut tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(response)))
}

#[utoipa::path(get, path = "/api/v1/shipments/{id}", tag = "shipments", security(("bearer" = [])),
    summary = "A shipment with its latest tracking event, documents and document summary",
    params(("id" = Uuid, Path, description = "Shipment id")),
    responses((status = 200, body = ShipmentDetail), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:read"),
        (status = 404, description = "No such shipment visible to the caller")))]
pub(crate) async fn detail(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<ShipmentDetail>, ApiError> {
    caller.require(Permission::ShipmentsRead)?;
    let mut tx = caller.begin().await?;
    let shipment = shipment_response(&mut tx, id).await?;
    let latest_event = db::latest_event(&mut tx, id).await?.map(LatestEvent::from);
    let documents = documents::documents_of_shipment(&mut tx, id).await?;
    tx.commit().await?;
    let statuses = documents
        .iter()
        .map(|d| Ok((d.id, d.document_type()?, d.status()?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Json(ShipmentDetail {
        document_summary: document_summary(&shipment, statuses),
        shipment,
        latest_event,
        documents: DocumentResponse::all(documents)?,
    }))
}

#[utoipa::path(patch, path = "/api/v1/shipments/{id}", tag = "shipments", security(("bearer" = [])),
    summary = "Change a shipment (absent fields stay, null clears)",
    params(("id" = Uuid, Path, description = "Shipment id")),
    request_body = ShipmentInput,
    responses((status = 200, body = ShipmentResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:update (e.g. a buyer organization)"),
        (status = 404, description = "No such shipment owned by the caller's organization"),
        (status = 409, description = "REFERENCE_EXISTS in this organization"),
        (status = 422, description = "Invalid field (named)")))]
pub(crate) async fn update(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<ShipmentInput>,
) -> Result<Json<ShipmentResponse>, ApiError> {
    caller.require(Permission::ShipmentsUpdate)?;
    let mut tx = caller.begin().await?;
    let current = owned_shipment(&mut tx, &caller, id).await?;
    let previous = current.values()?;
    let mut fields = Fields::new();
    // PATCH does not change products (they have routes of their own), but the bound on
    // what a request may carry is the same.
    if let Some(products) = &body.products {
        fields.check("products", may_carry_products(products.len()));
    }
    let values = body.apply(Some(previous.clone()), &mut fields);
    fields.finish()?;
    check_links(&mut tx, &values, Some(&previous)).await?;
    if !db::update_shipment(&mut tx, current.id, &values).await? {
        return Err(ApiError::NotFound);
    }
    let details = serde_json::json!({
        "reference": values.reference,
        "status": values.status.as_str(),
        "previous_status": previous.status.as_str(),
    });
    audit(
        &mut tx,
        &request_id,
        "shipment.update",
        "shipment",
        current.id,
        details,
    )
    .await?;
    let response = shipment_response(&mut tx, current.id).await?;
    tx.commit().await?;
    Ok(Json(response))
}

#[utoipa::path(delete, path = "/api/v1/shipments/{id}", tag = "shipments", security(("bearer" = [])),
    summary = "Delete a shipment without documents, tracking events or origins (its products go with it)",
    params(("id" = Uuid, Path, description = "Shipment id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:delete"),
        (status = 404, description = "No such shipment owned by the caller's organization"),
        (status = 409, description = "SHIPMENT_HAS_DOCUMENTS (documents attached), else SHIPMENT_HAS_DEPENDENTS (tracking events or origins); the detail counts them")))]
pub(crate) async fn remove(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ShipmentsDelete)?;
    let mut tx = caller.begin().await?;
    let shipment = owned_shipment(&mut tx, &caller, id).await?;
    let dependents = db::dependents(&mut tx, shipment.id).await?;
    may_delete(dependents).map_err(|refusal| {
        let code = if refusal.has_documents() {
            SHIPMENT_HAS_DOCUMENTS
        } else {
            SHIPMENT_HAS_DEPENDENTS
        };
        ApiError::conflict(code, refusal.to_string())
    })?;
    let products = match db::delete_shipment(&mut tx, shipment.id).await {
        Ok(Some(products)) => products,
        Ok(None) => return Err(ApiError::NotFound),
        // A dependent row the counts did not see (another organization's row pointing at
        // this shipment): refused all the same, never a 500.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23503") => {
            return Err(ApiError::conflict(
                SHIPMENT_HAS_DEPENDENTS,
                "other records depend on the shipment; it cannot be deleted",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    // The products went with the shipment: what they were stays on record here.
    let details = serde_json::json!({
        "reference": shipment.reference,
        "container_number": shipment.container_number,
        "deleted_product_count": products.len(),
        "deleted_products": products,
    });
    audit(
        &mut tx,
        &request_id,
        "shipment.delete",
        "shipment",
        shipment.id,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
