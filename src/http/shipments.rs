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

mod input;
mod output;
mod parties;
mod products;

use axum::extract::{MatchedPath, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::extract::{Fields, JsonBody, QueryParams, RequestId};
use super::AppState;
use crate::db::shipments::{self as db, ListFilter, ListScope, ShipmentRow, ShipmentValues};
use crate::db::tenant::{AuditEntry, TenantContext, TenantTx};
use crate::domain::{may_delete, ListCursor, Permission, ShipmentStatus};
use input::{ShipmentCreate, ShipmentInput};
use output::{
    DocumentItem, DocumentSummary, LatestEvent, ShipmentDetail, ShipmentList, ShipmentResponse,
};

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
pub const REFERENCE_EXISTS: &str = "REFERENCE_EXISTS";
/// A delete refused because documents are attached.
pub const SHIPMENT_HAS_DOCUMENTS: &str = "SHIPMENT_HAS_DOCUMENTS";

// ---------------------------------------------------------------------------------------
// Helpers shared by the handlers of this slice

/// A path id; one that is not even a UUID names nothing, so it is a 404 like any other.
fn path_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(text).map_err(|_| ApiError::NotFound)
}

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
    id: &str,
) -> Result<ShipmentRow, ApiError> {
    let id = path_id(id)?;
    db::find_own_shipment_for_update(tx.conn(), caller.organization_id, id)
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
        if !db::buyer_organization_exists(tx.conn(), id).await? {
            fields.add(
                "buyer_organization_id",
                "is not an active buyer organization",
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
            if db::find_party(tx.conn(), id, false).await?.is_none() {
                fields.add(name, "is not a party of this organization");
            }
        }
    }
    fields.finish()
}

/// Maps the per-organization unique reference to its 409; other errors pass.
fn reference_conflict(error: sqlx::Error) -> ApiError {
    if db::violates(&error, db::REFERENCE_UNIQUE) {
        ApiError::conflict(
            REFERENCE_EXISTS,
            "A shipment with this reference already exists in this organization",
        )
    } else {
        error.into()
    }
}

/// One shipment with its products, as answered by create, detail and update.
async fn shipment_response(tx: &mut TenantTx, id: Uuid) -> Result<ShipmentResponse, ApiError> {
    let row = db::find_shipment(tx.conn(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let products = db::products_of(tx.conn(), &[id]).await?;
    ShipmentResponse::new(row, &products)
}

// ---------------------------------------------------------------------------------------
// Lists

/// The query of the shipment lists.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<ShipmentStatus>)]
    status: Option<String>,
    /// Only shipments assigned to this buyer organization.
    buyer: Option<Uuid>,
    /// Part of the reference, container number, B/L number or vessel name (no wildcards).
    #[param(max_length = 100)]
    search: Option<String>,
    /// 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 48, pattern = "^([0-9a-fA-F]{48})?$")]
    cursor: Option<String>,
    /// The predecessor's paging, only under `/api`: documented in the operations (deprecated).
    #[param(ignore)]
    offset: Option<u32>,
}

const DEFAULT_LIST_LIMIT: u32 = 50;
const MAX_LIST_LIMIT: u32 = 100;
/// The predecessor's offset paging gets slow with depth; beyond this, use the cursor.
const MAX_OFFSET: u32 = 10_000;

impl ListQuery {
    fn filter(self, legacy: bool) -> Result<ListFilter, ApiError> {
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
        let search = self
            .search
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if search.as_ref().is_some_and(|s| s.chars().count() > 100) {
            fields.add("search", "must be at most 100 characters");
        } else if search.as_ref().is_some_and(|s| s.contains('\0')) {
            fields.add("search", "must not contain NUL characters");
        }
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
    mut tx: TenantTx,
    scope: ListScope,
    query: ListQuery,
    route: &MatchedPath,
) -> Result<Response, ApiError> {
    let legacy = is_legacy(route);
    let mut filter = query.filter(legacy)?;
    let limit = filter.limit as usize;
    filter.limit += 1;
    let mut rows = db::list_shipments(tx.conn(), scope, &filter).await?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|row| row.cursor().encode())
    } else {
        None
    };
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let products = db::products_of(tx.conn(), &ids).await?;
    tx.commit().await?;
    let items = rows
        .into_iter()
        .map(|row| ShipmentResponse::new(row, &products))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if legacy {
        Json(items).into_response()
    } else {
        Json(ShipmentList { items, next_cursor }).into_response()
    })
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
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ShipmentsList)?;
    let tx = caller.begin().await?;
    list_page(
        tx,
        ListScope::VisibleTo(caller.organization_id),
        query,
        &route,
    )
    .await
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
    Path(id): Path<String>,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ShipmentsList)?;
    let id = path_id(&id)?;
    let tx = if id == caller.organization_id {
        caller.begin().await?
    } else if caller.access().is_platform_admin() {
        // The audited cross-organization path; its audit row stays in the admin's own
        // organization, which exists (the target may not).
        let context = TenantContext {
            organization_id: caller.organization_id,
            user_id: Some(caller.user_id),
        };
        let actor = caller.user_id.to_string();
        let reason = format!("list shipments of organization {id}");
        let mut tx = caller.begin_platform(context, &actor, &reason).await?;
        if !db::organization_exists(tx.conn(), id).await? {
            return Err(ApiError::NotFound);
        }
        tx
    } else {
        return Err(ApiError::NotFound);
    };
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
async fn create(
    mut caller: CurrentUser,
    request_id: RequestId,
    JsonBody(mut body): JsonBody<ShipmentInput>,
) -> Result<(StatusCode, Json<ShipmentResponse>), ApiError> {
    caller.require(Permission::ShipmentsCreate)?;
    let products = body.products.take().unwrap_or_default();
    let mut fields = Fields::new();
    let values = body.apply(None, &mut fields);
    let products: Vec<_> = products
        .into_iter()
        .enumerate()
        .map(|(i, p)| p.apply(None, &format!("products[{i}]."), &mut fields))
        .collect();
    fields.finish()?;

    let mut tx = caller.begin().await?;
    check_links(&mut tx, &values, None).await?;
    let id = db::insert_shipment(tx.conn(), &values)
        .await
        .map_err(reference_conflict)?;
    for product in &products {
        db::insert_product(tx.conn(), id, product).await?;
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
async fn detail(
    mut caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ShipmentDetail>, ApiError> {
    caller.require(Permission::ShipmentsRead)?;
    let id = path_id(&id)?;
    let mut tx = caller.begin().await?;
    let shipment = shipment_response(&mut tx, id).await?;
    let latest_event = db::latest_event(tx.conn(), id)
        .await?
        .map(LatestEvent::from);
    let documents = db::documents_of(tx.conn(), id).await?;
    tx.commit().await?;
    Ok(Json(ShipmentDetail {
        shipment,
        latest_event,
        document_summary: DocumentSummary::of(&documents),
        documents: documents.into_iter().map(DocumentItem::from).collect(),
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
async fn update(
    mut caller: CurrentUser,
    request_id: RequestId,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ShipmentInput>,
) -> Result<Json<ShipmentResponse>, ApiError> {
    caller.require(Permission::ShipmentsUpdate)?;
    let mut tx = caller.begin().await?;
    let current = owned_shipment(&mut tx, &caller, &id).await?;
    let previous = current.values()?;
    let mut fields = Fields::new();
    let values = body.apply(Some(previous.clone()), &mut fields);
    fields.finish()?;
    check_links(&mut tx, &values, Some(&previous)).await?;
    if !db::update_shipment(tx.conn(), current.id, &values)
        .await
        .map_err(reference_conflict)?
    {
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
    summary = "Delete a shipment without documents (with its products and tracking events)",
    params(("id" = Uuid, Path, description = "Shipment id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:delete"),
        (status = 404, description = "No such shipment owned by the caller's organization"),
        (status = 409, description = "SHIPMENT_HAS_DOCUMENTS")))]
async fn remove(
    mut caller: CurrentUser,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ShipmentsDelete)?;
    let mut tx = caller.begin().await?;
    let shipment = owned_shipment(&mut tx, &caller, &id).await?;
    let documents = db::document_count(tx.conn(), shipment.id).await?;
    may_delete(documents)
        .map_err(|refusal| ApiError::conflict(SHIPMENT_HAS_DOCUMENTS, refusal.to_string()))?;
    if !db::delete_shipment(tx.conn(), shipment.id).await? {
        return Err(ApiError::NotFound);
    }
    let details = serde_json::json!({
        "reference": shipment.reference,
        "container_number": shipment.container_number,
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
