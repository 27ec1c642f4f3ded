//! A shipment's products (the cargo card) with their add, edit and remove forms, over the
//! API's product operations (`http::shipments::products`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use uuid::Uuid;

use super::error::{form_refusal, WebError};
use super::page::{self, or_dash, Section};
use super::session::Visitor;
use super::{FormData, PageIds};
use crate::http::error::{ApiError, FieldError};
use crate::http::extract::{JsonBody, PathIds, RequestId};
use crate::http::shipments::output::{ProductResponse, ShipmentResponse};
use crate::http::shipments::products as api;

/// The product form's fields, as the API names them.
const FIELDS: [&str; 7] = [
    "hs_code",
    "description",
    "quantity_net_kg",
    "quantity_gross_kg",
    "packaging_type",
    "packaging_count",
    "batch_lot_number",
];
/// Those the API reads as numbers.
const NUMBERS: [&str; 3] = ["quantity_net_kg", "quantity_gross_kg", "packaging_count"];

/// The cargo card: the products, and (for `editable`) their forms.
pub fn cargo_card(visitor: &Visitor, shipment: &ShipmentResponse, editable: bool) -> Markup {
    let csrf = &visitor.header.csrf;
    html! {
        section.card aria-labelledby="cargo" {
            h2 #cargo { "Cargo" }
            @if shipment.products.is_empty() {
                p.none { "No products recorded." }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "Description" } th scope="col" { "HS code" }
                        th scope="col" { "Net kg" } th.wide scope="col" { "Packaging" }
                        @if editable { th scope="col" { "Actions" } }
                    } }
                    tbody { @for p in &shipment.products { tr {
                        td { (p.description) }
                        td.mono { (p.hs_code) }
                        td { (p.quantity_net_kg.map(|kg| kg.to_string()).unwrap_or_default()) }
                        td.wide { (or_dash(p.packaging_type.as_deref())) }
                        @if editable { td { div.actions {
                            a href=(format!("/shipment/{}/products/{}/edit", shipment.id, p.id))
                                aria-label=(format!("Edit {}", p.description)) { "Edit" }
                            form method="post" action=(format!("/shipment/{}/products/{}/remove", shipment.id, p.id)) {
                                (page::csrf_field(csrf))
                                button.danger type="submit" aria-label=(format!("Remove {}", p.description)) { "Remove" }
                            }
                        } } }
                    } } }
                } }
            }
            @if editable {
                details {
                    summary { "Add a product" }
                    (product_form(visitor, &format!("/shipment/{}/products", shipment.id), "Add product", &values(None, None), &[]))
                }
            }
        }
    }
}

fn values(
    product: Option<&ProductResponse>,
    sent: Option<&FormData>,
) -> Vec<(&'static str, String)> {
    FIELDS
        .iter()
        .map(|&name| {
            let value = match (sent, product) {
                (Some(form), _) => form.get(name).unwrap_or_default().to_string(),
                (None, Some(p)) => match name {
                    "hs_code" => p.hs_code.clone(),
                    "description" => p.description.clone(),
                    "quantity_net_kg" => {
                        p.quantity_net_kg.map(|v| v.to_string()).unwrap_or_default()
                    }
                    "quantity_gross_kg" => p
                        .quantity_gross_kg
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                    "packaging_type" => p.packaging_type.clone().unwrap_or_default(),
                    "packaging_count" => {
                        p.packaging_count.map(|v| v.to_string()).unwrap_or_default()
                    }
                    "batch_lot_number" => p.batch_lot_number.clone().unwrap_or_default(),
                    _ => String::new(),
                },
                (None, None) => String::new(),
            };
            (name, value)
        })
        .collect()
}

fn product_form(
    visitor: &Visitor,
    action: &str,
    submit: &str,
    values: &[(&'static str, String)],
    errors: &[FieldError],
) -> Markup {
    let labels = [
        ("hs_code", "HS code (required)", "e.g. 0506.90"),
        ("description", "Description (required)", ""),
        ("quantity_net_kg", "Net weight (kg)", ""),
        ("quantity_gross_kg", "Gross weight (kg)", ""),
        ("packaging_type", "Packaging", "e.g. bags"),
        ("packaging_count", "Packages", ""),
        ("batch_lot_number", "Batch / lot", ""),
    ];
    html! {
        (page::form_errors(errors))
        form method="post" action=(action) {
            (page::csrf_field(&visitor.header.csrf))
            div.fields {
                @for (name, label, placeholder) in labels {
                    @let value = page::value_of(values, name);
                    @let numeric = NUMBERS.contains(&name);
                    div {
                        label for=(format!("product-{name}")) { (label) }
                        input id=(format!("product-{name}")) name=(name) type="text" value=(value)
                            inputmode=[numeric.then_some("decimal")]
                            placeholder=[(!placeholder.is_empty()).then_some(placeholder)]
                            required[name == "hs_code" || name == "description"];
                    }
                }
            }
            div.actions { button.primary type="submit" { (submit) } }
        }
    }
}

fn form_page(visitor: &Visitor, status: StatusCode, shipment: Uuid, form: Markup) -> Response {
    let main = html! {
        p { a href=(format!("/shipment/{shipment}")) { "← Shipment" } }
        h1 { "Product" }
        (form)
    };
    (
        status,
        page::signed_in(&visitor.header, Section::Shipments, "Product", main),
    )
        .into_response()
}

/// `POST /shipment/{id}/products`.
pub async fn create(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    form: FormData,
) -> Result<Response, WebError> {
    let outcome = match form.read_with_numbers(&FIELDS, &NUMBERS) {
        Ok(body) => api::create(visitor.caller(), request_id, PathIds([id]), JsonBody(body))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/shipment/{id}#cargo")).into_response()),
        Err(e) => {
            let (status, errors) = form_refusal(e, "hs_code")?;
            let form = product_form(
                &visitor,
                &format!("/shipment/{id}/products"),
                "Add product",
                &values(None, Some(&form)),
                &errors,
            );
            Ok(form_page(&visitor, status, id, form))
        }
    }
}

/// `GET /shipment/{id}/products/{product}/edit`.
pub async fn edit_form(
    visitor: Visitor,
    PageIds([id, product]): PageIds<2>,
) -> Result<Response, WebError> {
    let axum::Json(detail) =
        crate::http::shipments::detail(visitor.caller(), PathIds([id])).await?;
    let found = detail
        .shipment
        .products
        .iter()
        .find(|p| p.id == product)
        .filter(|_| detail.shipment.organization_id == visitor.header.organization_id)
        .ok_or(ApiError::NotFound)?;
    let action = format!("/shipment/{id}/products/{product}/edit");
    let form = product_form(
        &visitor,
        &action,
        "Save product",
        &values(Some(found), None),
        &[],
    );
    Ok(form_page(&visitor, StatusCode::OK, id, form))
}

/// `POST /shipment/{id}/products/{product}/edit`: the API's PATCH with the form's fields.
pub async fn update(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id, product]): PageIds<2>,
    form: FormData,
) -> Result<Response, WebError> {
    let outcome = match form.read_with_numbers(&FIELDS, &NUMBERS) {
        Ok(body) => api::update(
            visitor.caller(),
            request_id,
            PathIds([id, product]),
            JsonBody(body),
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/shipment/{id}#cargo")).into_response()),
        Err(e) => {
            let (status, errors) = form_refusal(e, "hs_code")?;
            let action = format!("/shipment/{id}/products/{product}/edit");
            let form = product_form(
                &visitor,
                &action,
                "Save product",
                &values(None, Some(&form)),
                &errors,
            );
            Ok(form_page(&visitor, status, id, form))
        }
    }
}

/// `POST /shipment/{id}/products/{product}/remove`.
pub async fn remove(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id, product]): PageIds<2>,
) -> Result<Response, WebError> {
    api::remove(visitor.caller(), request_id, PathIds([id, product])).await?;
    Ok(Redirect::to(&format!("/shipment/{id}#cargo")).into_response())
}
