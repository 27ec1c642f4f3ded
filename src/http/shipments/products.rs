//! `/shipments/{id}/products`: the goods a shipment carries, with their HS codes.
//!
//! Reading needs `shipments:read` (a buyer organization reads the products of shipments
//! assigned to it); changing needs `shipments:update` on a shipment the caller's
//! organization owns.

use axum::http::StatusCode;
use axum::Json;
use uuid::Uuid;

use super::input::{ProductCreate, ProductInput};
use super::output::ProductResponse;
use super::{audit, owned_shipment};
use crate::db::shipments as db;
use crate::db::tenant::TenantTx;
use crate::domain::Permission;
use crate::http::auth::CurrentUser;
use crate::http::error::ApiError;
use crate::http::extract::{Fields, JsonBody, PathIds, RequestId};

/// A product deleted while EUDR origins still point at it would lose its traceability.
pub const PRODUCT_HAS_ORIGINS: &str = "PRODUCT_HAS_ORIGINS";

/// The product `product_id` of a shipment the caller owns, locked; 404 otherwise.
async fn owned_product(
    tx: &mut TenantTx,
    caller: &CurrentUser,
    shipment_id: Uuid,
    product_id: Uuid,
) -> Result<db::ProductRow, ApiError> {
    let shipment = owned_shipment(tx, caller, shipment_id).await?;
    db::find_product(tx, shipment.id, product_id)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn product_response(
    tx: &mut TenantTx,
    shipment_id: Uuid,
    id: Uuid,
) -> Result<ProductResponse, ApiError> {
    db::find_product(tx, shipment_id, id)
        .await?
        .map(ProductResponse::from)
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/shipments/{id}/products", tag = "shipments", security(("bearer" = [])),
    summary = "The products of a shipment",
    params(("id" = Uuid, Path, description = "Shipment id")),
    responses((status = 200, body = [ProductResponse]), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:read"),
        (status = 404, description = "No such shipment visible to the caller")))]
pub(super) async fn list(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<Vec<ProductResponse>>, ApiError> {
    caller.require(Permission::ShipmentsRead)?;
    let mut tx = caller.begin().await?;
    if db::find_shipment(&mut tx, id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let products = db::products_of(&mut tx, &[id]).await?;
    tx.commit().await?;
    Ok(Json(
        products.into_iter().map(ProductResponse::from).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/shipments/{id}/products", tag = "shipments", security(("bearer" = [])),
    summary = "Add a product to a shipment",
    params(("id" = Uuid, Path, description = "Shipment id")),
    request_body = ProductCreate,
    responses((status = 201, body = ProductResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:update"),
        (status = 404, description = "No such shipment owned by the caller's organization"),
        (status = 422, description = "Invalid field (named), e.g. hs_code")))]
pub(crate) async fn create(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<ProductInput>,
) -> Result<(StatusCode, Json<ProductResponse>), ApiError> {
    caller.require(Permission::ShipmentsUpdate)?;
    let mut fields = Fields::new();
    let values = body.apply(None, "", &mut fields);
    fields.finish()?;
    let mut tx = caller.begin().await?;
    let shipment = owned_shipment(&mut tx, &caller, id).await?;
    let product_id = db::insert_product(&mut tx, shipment.id, &values).await?;
    let details = serde_json::json!({"shipment_id": shipment.id, "hs_code": values.hs_code});
    audit(
        &mut tx,
        &request_id,
        "product.create",
        "product",
        product_id,
        details,
    )
    .await?;
    let response = product_response(&mut tx, shipment.id, product_id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(response)))
}

#[utoipa::path(patch, path = "/api/v1/shipments/{id}/products/{product_id}", tag = "shipments", security(("bearer" = [])),
    summary = "Change a product (absent fields stay, null clears)",
    params(("id" = Uuid, Path, description = "Shipment id"), ("product_id" = Uuid, Path, description = "Product id")),
    request_body = ProductInput,
    responses((status = 200, body = ProductResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:update"),
        (status = 404, description = "No such product of a shipment the caller's organization owns"),
        (status = 422, description = "Invalid field (named)")))]
pub(crate) async fn update(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id, product_id]): PathIds<2>,
    JsonBody(body): JsonBody<ProductInput>,
) -> Result<Json<ProductResponse>, ApiError> {
    caller.require(Permission::ShipmentsUpdate)?;
    let mut tx = caller.begin().await?;
    let product = owned_product(&mut tx, &caller, id, product_id).await?;
    let mut fields = Fields::new();
    let values = body.apply(Some(product.values()), "", &mut fields);
    fields.finish()?;
    db::update_product(&mut tx, product.id, &values).await?;
    let details =
        serde_json::json!({"shipment_id": product.shipment_id, "hs_code": values.hs_code});
    audit(
        &mut tx,
        &request_id,
        "product.update",
        "product",
        product.id,
        details,
    )
    .await?;
    let response = product_response(&mut tx, product.shipment_id, product.id).await?;
    tx.commit().await?;
    Ok(Json(response))
}

#[utoipa::path(delete, path = "/api/v1/shipments/{id}/products/{product_id}", tag = "shipments", security(("bearer" = [])),
    summary = "Remove a product that has no EUDR origins",
    params(("id" = Uuid, Path, description = "Shipment id"), ("product_id" = Uuid, Path, description = "Product id")),
    responses((status = 204, description = "Deleted"), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:update"),
        (status = 404, description = "No such product of a shipment the caller's organization owns"),
        (status = 409, description = "PRODUCT_HAS_ORIGINS")))]
pub(crate) async fn remove(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id, product_id]): PathIds<2>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ShipmentsUpdate)?;
    let mut tx = caller.begin().await?;
    let product = owned_product(&mut tx, &caller, id, product_id).await?;
    let origins = db::origin_count(&mut tx, product.id).await?;
    if origins > 0 {
        return Err(ApiError::conflict(
            PRODUCT_HAS_ORIGINS,
            format!("the product has {origins} EUDR origin record(s); remove them first"),
        ));
    }
    db::delete_product(&mut tx, product.id).await?;
    let details =
        serde_json::json!({"shipment_id": product.shipment_id, "hs_code": product.hs_code});
    audit(
        &mut tx,
        &request_id,
        "product.delete",
        "product",
        product.id,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
