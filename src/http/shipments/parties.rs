//! `/parties`: the trade parties (suppliers, buyers, shippers, consignees, notify parties)
//! an organization names on its shipments and documents. Each organization keeps its own.
//!
//! No party permission exists in the predecessor's matrix; parties are shipment data, so
//! reading needs `shipments:read`, creating `shipments:create`, changing `shipments:update`.

use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use super::audit;
use super::input::{PartyCreate, PartyInput};
use super::output::PartyResponse;
use crate::db::shipments as db;
use crate::db::tenant::TenantTx;
use crate::domain::{PartyType, Permission};
use crate::http::auth::CurrentUser;
use crate::http::error::ApiError;
use crate::http::extract::{Fields, JsonBody, PathIds, QueryParams, RequestId};
use crate::http::pagination::{Page, PageQuery};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartyQuery {
    /// Only parties of this type.
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<PartyType>)]
    party_type: Option<String>,
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 2147483647)]
    page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

async fn party_response(tx: &mut TenantTx, id: Uuid) -> Result<PartyResponse, ApiError> {
    let row = db::find_party(tx, id, false)
        .await?
        .ok_or(ApiError::NotFound)?;
    PartyResponse::new(row)
}

#[utoipa::path(get, path = "/api/v1/parties", tag = "parties", security(("bearer" = [])),
    summary = "The organization's trade parties, by name",
    params(PartyQuery),
    responses((status = 200, body = Page<PartyResponse>), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:read"),
        (status = 422, description = "Bad type, page or limit")))]
pub(super) async fn list(
    mut caller: CurrentUser,
    QueryParams(query): QueryParams<PartyQuery>,
) -> Result<Json<Page<PartyResponse>>, ApiError> {
    caller.require(Permission::ShipmentsRead)?;
    let party_type = match query.party_type.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            Some(PartyType::parse(text).map_err(|e| Fields::one("type", &e.to_string()))?)
        }
    };
    let page = PageQuery {
        page: query.page,
        limit: query.limit,
    }
    .validate()?;
    let mut tx = caller.begin().await?;
    let (rows, total) = db::list_parties(
        &mut tx,
        caller.organization_id,
        party_type,
        page.offset(),
        page.limit(),
    )
    .await?;
    tx.commit().await?;
    let items = rows
        .into_iter()
        .map(PartyResponse::new)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Page::new(items, total, page)))
}

#[utoipa::path(post, path = "/api/v1/parties", tag = "parties", security(("bearer" = [])),
    summary = "Create a trade party of the caller's organization",
    request_body = PartyCreate,
    responses((status = 201, body = PartyResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:create"),
        (status = 422, description = "Invalid field (named)")))]
pub(super) async fn create(
    mut caller: CurrentUser,
    request_id: RequestId,
    JsonBody(body): JsonBody<PartyInput>,
) -> Result<(StatusCode, Json<PartyResponse>), ApiError> {
    caller.require(Permission::ShipmentsCreate)?;
    let mut fields = Fields::new();
    let values = body.apply(None, &mut fields);
    fields.finish()?;
    let mut tx = caller.begin().await?;
    let id = db::insert_party(&mut tx, &values).await?;
    let details = serde_json::json!({"type": values.party_type.as_str(), "company_name": values.company_name});
    audit(&mut tx, &request_id, "party.create", "party", id, details).await?;
    let response = party_response(&mut tx, id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(response)))
}

#[utoipa::path(get, path = "/api/v1/parties/{id}", tag = "parties", security(("bearer" = [])),
    summary = "One trade party",
    params(("id" = Uuid, Path, description = "Party id")),
    responses((status = 200, body = PartyResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:read"),
        (status = 404, description = "No such party in the caller's organization")))]
pub(crate) async fn get_one(
    mut caller: CurrentUser,
    PathIds([id]): PathIds<1>,
) -> Result<Json<PartyResponse>, ApiError> {
    caller.require(Permission::ShipmentsRead)?;
    let mut tx = caller.begin().await?;
    let response = party_response(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(response))
}

#[utoipa::path(patch, path = "/api/v1/parties/{id}", tag = "parties", security(("bearer" = [])),
    summary = "Change a trade party (absent fields stay, null clears)",
    params(("id" = Uuid, Path, description = "Party id")),
    request_body = PartyInput,
    responses((status = 200, body = PartyResponse), (status = 401, description = "No valid token"),
        (status = 403, description = "Missing shipments:update"),
        (status = 404, description = "No such party in the caller's organization"),
        (status = 422, description = "Invalid field (named)")))]
pub(super) async fn update(
    mut caller: CurrentUser,
    request_id: RequestId,
    PathIds([id]): PathIds<1>,
    JsonBody(body): JsonBody<PartyInput>,
) -> Result<Json<PartyResponse>, ApiError> {
    caller.require(Permission::ShipmentsUpdate)?;
    let mut tx = caller.begin().await?;
    let current = db::find_party(&mut tx, id, true)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut fields = Fields::new();
    let values = body.apply(Some(current.values()?), &mut fields);
    fields.finish()?;
    db::update_party(&mut tx, id, &values).await?;
    let details = serde_json::json!({"type": values.party_type.as_str(), "company_name": values.company_name});
    audit(&mut tx, &request_id, "party.update", "party", id, details).await?;
    let response = party_response(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(response))
}
