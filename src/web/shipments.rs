//! The shipments dashboard, one shipment's page, and the shipment forms.
//!
//! Each handler calls the API's operation for the same thing (`http::shipments::detail`,
//! `visible_page`, `create`, `update`, `remove`, `http::tracking::events`): a page shows
//! exactly what the API answers the same person, and a form is checked by the API's rules.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use uuid::Uuid;

use super::documents;
use super::error::{form_refusal, WebError};
use super::page::{self, badge, date, or_dash, Section};
use super::products;
use super::session::Visitor;
use super::{FormData, PageIds};
use crate::domain::{Permission, ShipmentStatus};
use crate::http::error::{ApiError, FieldError};
use crate::http::extract::{JsonBody, PathIds, RequestId};
use crate::http::shipments::output::{PartyResponse, ShipmentDetail, ShipmentResponse};
use crate::http::shipments::{self as api, ListQuery};
use crate::http::tracking::{self as api_tracking, EventList};

/// Rows per dashboard page.
const PAGE_ROWS: u32 = 25;

/// An id sent in a form's hidden field; anything else is a page that does not exist.
pub fn form_id(text: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(text).map_err(|_| WebError::Api(ApiError::NotFound))
}

// ---------------------------------------------------------------------------------------
// The dashboard

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    status: Option<String>,
    search: Option<String>,
    cursor: Option<String>,
}

/// `GET /dashboard`: the shipments the organization owns or buys, filtered, in pages.
pub async fn dashboard(
    visitor: Visitor,
    Query(query): Query<DashboardQuery>,
) -> Result<Markup, WebError> {
    let list_query = ListQuery {
        status: query.status.clone(),
        search: query.search.clone(),
        cursor: query.cursor.clone(),
        limit: Some(PAGE_ROWS),
        ..ListQuery::default()
    };
    let (page, errors) = match api::visible_page(visitor.caller(), list_query, false).await {
        Ok(page) => (Some(page), Vec::new()),
        Err(ApiError::Validation(errors)) => (None, errors),
        Err(e) => return Err(e.into()),
    };
    let header = &visitor.header;
    let status = query.status.as_deref().unwrap_or_default();
    let search = query.search.as_deref().unwrap_or_default();
    let main = html! {
        h1 { "Shipments" }
        p.lead { "Track your container shipments and documentation" }
        div.actions {
            @if header.access.allows(Permission::ShipmentsCreate) {
                a.button.primary href="/shipments/new" { "New shipment" }
            }
        }
        form.filters method="get" action="/dashboard" role="search" {
            div {
                label for="status" { "Status" }
                select #status name="status" {
                    option value="" { "All" }
                    @for s in ShipmentStatus::ALL {
                        option value=(s.as_str()) selected[s.as_str() == status] { (page::humanize(s.as_str())) }
                    }
                }
            }
            div {
                label for="search" { "Search" }
                input #search type="search" name="search" value=(search) maxlength="100"
                    placeholder="Reference, container, B/L, vessel";
            }
            button type="submit" { "Filter" }
        }
        (page::form_errors(&errors))
        @if let Some(page) = &page {
            @if page.items.is_empty() {
                p.card { "No shipments found." }
            } @else {
                (shipment_table(&page.items))
            }
            nav.pager aria-label="Pages" {
                @if query.cursor.is_some() {
                    a href=(dashboard_link(status, search, None)) { "First page" }
                }
                @if let Some(next) = &page.next_cursor {
                    a href=(dashboard_link(status, search, Some(next))) { "Next page" }
                }
            }
        }
    };
    Ok(page::signed_in(
        header,
        Section::Shipments,
        "Shipments",
        main,
    ))
}

fn dashboard_link(status: &str, search: &str, cursor: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !status.is_empty() {
        query.append_pair("status", status);
    }
    if !search.is_empty() {
        query.append_pair("search", search);
    }
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    format!("/dashboard?{}", query.finish())
}

fn shipment_table(items: &[ShipmentResponse]) -> Markup {
    html! {
        div.table-wrap {
            table {
                caption.hint { (items.len()) " shipments on this page" }
                thead { tr {
                    th scope="col" { "Reference" }
                    th scope="col" { "Status" }
                    th scope="col" { "Container" }
                    th.wide scope="col" { "Vessel / voyage" }
                    th.wide scope="col" { "Route" }
                    th scope="col" { "ETA" }
                    th scope="col" { "Documents" }
                } }
                tbody {
                    @for s in items {
                        tr {
                            td { a href=(format!("/shipment/{}", s.id)) { (s.reference) } }
                            td { (badge(s.status)) }
                            td.mono { (s.container_number) }
                            td.wide { (vessel(s)) }
                            td.wide { (route(s)) }
                            td { (date(s.eta.as_deref())) }
                            td {
                                @if let Some(summary) = &s.document_summary {
                                    (summary.complete) " of " (summary.total_required)
                                    @if summary.is_complete { " " span.badge.s-docs_complete { "complete" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn vessel(s: &ShipmentResponse) -> Markup {
    match (&s.vessel_name, &s.voyage_number) {
        (None, None) => html! { span.none { "TBD" } },
        (vessel, voyage) => html! {
            (vessel.as_deref().unwrap_or("TBD"))
            @if let Some(voyage) = voyage { " / " (voyage) }
        },
    }
}

fn route(s: &ShipmentResponse) -> Markup {
    let port = |name: &Option<String>, code: &Option<String>| {
        name.clone()
            .or_else(|| code.clone())
            .unwrap_or_else(|| "—".to_string())
    };
    html! { (port(&s.pol_name, &s.pol_code)) " → " (port(&s.pod_name, &s.pod_code)) }
}

// ---------------------------------------------------------------------------------------
// One shipment

/// `GET /shipment/{id}`: header, details, parties, products, documents and completeness,
/// the tracking timeline.
pub async fn detail(visitor: Visitor, PageIds([id]): PageIds<1>) -> Result<Markup, WebError> {
    render_detail(&visitor, id, None).await
}

/// The shipment page, with `extra` (a refresh's live status) on top of its side column.
pub async fn render_detail(
    visitor: &Visitor,
    id: Uuid,
    extra: Option<Markup>,
) -> Result<Markup, WebError> {
    let axum::Json(detail) = api::detail(visitor.caller(), PathIds([id])).await?;
    let access = visitor.header.access;
    let events = if access.allows(Permission::TrackingRead) {
        Some(
            api_tracking::events(visitor.caller(), PathIds([id]))
                .await?
                .0,
        )
    } else {
        None
    };
    let mut parties = Vec::new();
    for (role, party) in [
        ("Shipper", detail.shipment.supplier_id),
        ("Consignee", detail.shipment.buyer_id),
    ] {
        if let Some(party_id) = party {
            // A buyer organization does not see the owner's address book: then no card.
            match api::parties::get_one(visitor.caller(), PathIds([party_id])).await {
                Ok(axum::Json(party)) => parties.push((role, party)),
                Err(ApiError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let title = detail.shipment.reference.clone();
    let main = shipment_page(visitor, &detail, events.as_ref(), &parties, extra);
    Ok(page::signed_in(
        &visitor.header,
        Section::Shipments,
        &title,
        main,
    ))
}

/// Whether the visitor's organization owns the shipment (only the owner changes it).
fn owns(visitor: &Visitor, shipment: &ShipmentResponse) -> bool {
    shipment.organization_id == visitor.header.organization_id
}

fn shipment_page(
    visitor: &Visitor,
    detail: &ShipmentDetail,
    events: Option<&EventList>,
    parties: &[(&str, PartyResponse)],
    extra: Option<Markup>,
) -> Markup {
    let s = &detail.shipment;
    let access = visitor.header.access;
    let own = owns(visitor, s);
    let summary = &detail.document_summary;
    let percent = (summary.complete * 100)
        .checked_div(summary.total_required)
        .unwrap_or(100);
    html! {
        p { a href="/dashboard" { "← Shipments" } }
        h1 { (s.reference) " " (badge(s.status)) }
        p.lead { "Container " span.mono { (s.container_number) } }
        div.actions {
            @if own && access.allows(Permission::ShipmentsUpdate) {
                a.button href=(format!("/shipment/{}/edit", s.id)) { "Edit shipment" }
            }
            @if access.allows(Permission::TrackingRefresh) {
                form method="post" action=(format!("/shipment/{}/refresh", s.id)) {
                    (page::csrf_field(&visitor.header.csrf))
                    button type="submit" { "Refresh tracking" }
                }
            }
            @if access.allows(Permission::AuditPackDownload) {
                a.button href=(format!("/shipment/{}/audit-pack", s.id)) { "Download audit pack" }
            }
            @if own && access.allows(Permission::ShipmentsDelete) {
                form method="post" action=(format!("/shipment/{}/delete", s.id)) {
                    (page::csrf_field(&visitor.header.csrf))
                    button.danger type="submit" { "Delete shipment" }
                }
            }
        }
        div.grid {
            div {
                section.card aria-labelledby="details" {
                    h2 #details { "Shipment details" }
                    dl.facts {
                        dt { "Vessel / voyage" } dd { (vessel(s)) }
                        dt { "B/L number" } dd { (or_dash(s.bl_number.as_deref())) }
                        dt { "Booking" } dd { (or_dash(s.booking_reference.as_deref())) }
                        dt { "Route" } dd { (route(s)) }
                        dt { "ETD" } dd { (date(s.etd.as_deref())) }
                        dt { "ETA" } dd { (date(s.eta.as_deref())) }
                        dt { "Departed" } dd { (date(s.atd.as_deref())) }
                        dt { "Arrived" } dd { (date(s.ata.as_deref())) }
                        dt { "Incoterms" } dd { (or_dash(s.incoterms.as_deref())) }
                        dt { "Final destination" } dd { (or_dash(s.final_destination.as_deref())) }
                    }
                }
                @if !parties.is_empty() {
                    section.card aria-labelledby="parties" {
                        h2 #parties { "Parties" }
                        dl.facts {
                            @for (role, party) in parties {
                                dt { (role) }
                                dd {
                                    (party.company_name)
                                    @if let Some(city) = &party.city { ", " (city) }
                                    @if let Some(country) = &party.country { ", " (country) }
                                }
                            }
                        }
                    }
                }
                (products::cargo_card(visitor, s, own && access.allows(Permission::ShipmentsUpdate)))
                section.card aria-labelledby="documents" {
                    h2 #documents { "Documents (" (detail.documents.len()) ")" }
                    @if detail.documents.is_empty() {
                        p.none { "No documents uploaded yet." }
                    } @else {
                        ul.plain {
                            @for d in &detail.documents { (documents::document_item(visitor, d, s.id)) }
                        }
                    }
                    @for missing in &summary.missing {
                        p.missing { "Required document missing: " (page::humanize(missing.as_str())) }
                    }
                    @if own && access.allows(Permission::DocumentsUpload) {
                        h3 { "Upload a document" }
                        (documents::upload_form(s.id, &visitor.header.csrf))
                    }
                }
                @if let Some(events) = events {
                    section.card aria-labelledby="tracking" {
                        h2 #tracking { "Tracking (" (events.events.len()) " events)" }
                        (timeline(events))
                    }
                }
            }
            div {
                @if let Some(extra) = extra { (extra) }
                section.card aria-labelledby="completeness" {
                    h2 #completeness {
                        "Documentation " @if summary.is_complete { "complete" } @else { "incomplete" }
                    }
                    p { (summary.complete) " of " (summary.total_required) " required documents present" }
                    // A native progress bar: no inline style (the pages' policy forbids it).
                    progress.meter max=(summary.total_required.max(1)) value=(summary.complete)
                        aria-label="Required documents present" { (percent) "%" }
                    @if !summary.missing.is_empty() {
                        p { "Missing:" }
                        ul { @for missing in &summary.missing { li { (page::humanize(missing.as_str())) } } }
                    }
                }
            }
        }
    }
}

/// The container's events, newest first, the latest marked; then how the ETA moved.
fn timeline(events: &EventList) -> Markup {
    html! {
        @if !events.eta_history.is_empty() {
            h3 { "ETA changes" }
            ul.plain {
                @for change in events.eta_history.iter().rev() {
                    li {
                        (change.previous_eta.map(|eta| eta.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".to_string()))
                        " → " (change.new_eta.format("%Y-%m-%d"))
                        span.hint { " (" (change.source) ", " (change.changed_at.format("%Y-%m-%d %H:%M UTC")) ")" }
                    }
                }
            }
            h3 { "Events" }
        }
        @if events.events.is_empty() {
            p.none { "No tracking events yet." }
        } @else {
            ol.timeline {
                @for (i, e) in events.events.iter().rev().enumerate() {
                    li.latest[i == 0] {
                        strong { (page::humanize(&e.event_type)) }
                        @if i == 0 { " " span.badge { "Latest" } }
                        br;
                        (e.description)
                        br;
                        span.hint {
                            time datetime=(e.event_timestamp.to_rfc3339()) {
                                (e.event_timestamp.format("%Y-%m-%d %H:%M UTC"))
                            }
                            @if let Some(place) = e.location_name.as_ref().or(e.location_code.as_ref()) {
                                " · " (place)
                            }
                            @if let Some(vessel) = &e.vessel_name { " · " (vessel) }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The shipment form

/// The fields of the shipment form, as the API names them.
const SHIPMENT_FIELDS: [&str; 15] = [
    "reference",
    "container_number",
    "bl_number",
    "booking_reference",
    "vessel_name",
    "voyage_number",
    "etd",
    "eta",
    "pol_code",
    "pol_name",
    "pod_code",
    "pod_name",
    "final_destination",
    "incoterms",
    "status",
];

/// What the form shows: the stored shipment's values, or what was just sent.
fn shipment_values(
    s: Option<&ShipmentResponse>,
    sent: Option<&FormData>,
) -> Vec<(&'static str, String)> {
    SHIPMENT_FIELDS
        .iter()
        .chain(&KEPT_TIMES)
        .map(|&name| {
            let value = match (sent, s) {
                (Some(form), _) => form.get(name).unwrap_or_default().to_string(),
                (None, Some(s)) => stored_value(s, name),
                (None, None) => String::new(),
            };
            (name, value)
        })
        .collect()
}

/// The stored ETD and ETA in full, carried in hidden fields: the form shows days, and a day
/// sent back unchanged must not reset the time of day to midnight.
const KEPT_TIMES: [&str; 2] = ["etd_was", "eta_was"];

/// The form read as the API's body, with an unchanged ETD/ETA day replaced by the stored
/// date-time it came from.
fn shipment_input(
    form: &FormData,
) -> Result<crate::http::shipments::input::ShipmentInput, ApiError> {
    let mut json = form.to_json(&SHIPMENT_FIELDS);
    for (field, kept) in [("etd", "etd_was"), ("eta", "eta_was")] {
        if let (Some(day), Some(full)) = (json[field].as_str(), form.get(kept)) {
            if !day.is_empty() && full.starts_with(day) {
                json[field] = full.into();
            }
        }
    }
    crate::http::extract::parse_json(json.to_string().as_bytes())
}

fn stored_value(s: &ShipmentResponse, name: &str) -> String {
    let day = |value: &Option<String>| {
        value
            .as_deref()
            .map(|text| text.get(0..10).unwrap_or(text).to_string())
    };
    let value = match name {
        "reference" => Some(s.reference.clone()),
        "container_number" => Some(s.container_number.clone()),
        "bl_number" => s.bl_number.clone(),
        "booking_reference" => s.booking_reference.clone(),
        "vessel_name" => s.vessel_name.clone(),
        "voyage_number" => s.voyage_number.clone(),
        "etd" => day(&s.etd),
        "etd_was" => s.etd.clone(),
        "eta_was" => s.eta.clone(),
        "eta" => day(&s.eta),
        "pol_code" => s.pol_code.clone(),
        "pol_name" => s.pol_name.clone(),
        "pod_code" => s.pod_code.clone(),
        "pod_name" => s.pod_name.clone(),
        "final_destination" => s.final_destination.clone(),
        "incoterms" => s.incoterms.clone(),
        "status" => Some(s.status.to_string()),
        _ => None,
    };
    value.unwrap_or_default()
}

fn shipment_form(
    visitor: &Visitor,
    action: &str,
    submit: &str,
    values: &[(&'static str, String)],
    errors: &[FieldError],
) -> Markup {
    let value = |name: &str| page::value_of(values, name);
    let text = |name: &'static str, label: &str, required: bool, hint: &str, max: u32| {
        html! {
            div {
                label for=(name) { (label) @if required { " (required)" } }
                input id=(name) name=(name) type="text" value=(value(name)) required[required]
                    maxlength=(max) aria-describedby=[(!hint.is_empty()).then(|| format!("{name}-hint"))];
                @if !hint.is_empty() { span.hint id=(format!("{name}-hint")) { (hint) } }
            }
        }
    };
    let day = |name: &'static str, label: &str| {
        html! {
            div {
                label for=(name) { (label) }
                input id=(name) name=(name) type="date" value=(value(name));
            }
        }
    };
    html! {
        (page::form_errors(errors))
        form method="post" action=(action) {
            (page::csrf_field(&visitor.header.csrf))
            @for kept in KEPT_TIMES {
                @if !value(kept).is_empty() { input type="hidden" name=(kept) value=(value(kept)); }
            }
            div.fields {
                (text("reference", "Reference", true, "", 50))
                (text("container_number", "Container number", true, "ISO 6346, e.g. MSCU1234566", 11))
                (text("bl_number", "B/L number", false, "", 50))
                (text("booking_reference", "Booking reference", false, "", 50))
                (text("vessel_name", "Vessel", false, "", 100))
                (text("voyage_number", "Voyage", false, "", 50))
                (day("etd", "ETD"))
                (day("eta", "ETA"))
                (text("pol_code", "Port of loading (UN/LOCODE)", false, "e.g. NGAPP", 6))
                (text("pol_name", "Port of loading name", false, "", 100))
                (text("pod_code", "Port of discharge (UN/LOCODE)", false, "e.g. DEHAM", 6))
                (text("pod_name", "Port of discharge name", false, "", 100))
                (text("final_destination", "Final destination", false, "", 100))
                (text("incoterms", "Incoterms", false, "e.g. FOB", 10))
                div {
                    label for="status" { "Status" }
                    select #status name="status" {
                        @for s in ShipmentStatus::ALL {
                            option value=(s.as_str()) selected[s.as_str() == value("status")] { (page::humanize(s.as_str())) }
                        }
                    }
                }
            }
            div.actions { button.primary type="submit" { (submit) } }
        }
    }
}

fn form_page(visitor: &Visitor, status: StatusCode, title: &str, form: Markup) -> Response {
    let main = html! {
        p { a href="/dashboard" { "← Shipments" } }
        h1 { (title) }
        (form)
    };
    (
        status,
        page::signed_in(&visitor.header, Section::Shipments, title, main),
    )
        .into_response()
}

/// `GET /shipments/new`.
pub async fn new_form(visitor: Visitor) -> Result<Response, WebError> {
    visitor.require(Permission::ShipmentsCreate)?;
    let values = shipment_values(None, None);
    let form = shipment_form(&visitor, "/shipments/new", "Create shipment", &values, &[]);
    Ok(form_page(&visitor, StatusCode::OK, "New shipment", form))
}

/// `POST /shipments/new`: the API's create; its refusals shown on the form.
pub async fn create(
    visitor: Visitor,
    request_id: RequestId,
    form: FormData,
) -> Result<Response, WebError> {
    let outcome = match form.read(&SHIPMENT_FIELDS) {
        Ok(input) => api::create(visitor.caller(), request_id, JsonBody(input))
            .await
            .map(|(_, axum::Json(created))| created.id),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/shipment/{id}")).into_response()),
        Err(e) => {
            let (status, errors) = form_refusal(e, "reference")?;
            let values = shipment_values(None, Some(&form));
            let form = shipment_form(
                &visitor,
                "/shipments/new",
                "Create shipment",
                &values,
                &errors,
            );
            Ok(form_page(&visitor, status, "New shipment", form))
        }
    }
}

/// `GET /shipment/{id}/edit`.
pub async fn edit_form(visitor: Visitor, PageIds([id]): PageIds<1>) -> Result<Response, WebError> {
    visitor.require(Permission::ShipmentsUpdate)?;
    let axum::Json(detail) = api::detail(visitor.caller(), PathIds([id])).await?;
    if !owns(&visitor, &detail.shipment) {
        return Err(ApiError::NotFound.into());
    }
    let values = shipment_values(Some(&detail.shipment), None);
    let action = format!("/shipment/{id}/edit");
    let form = shipment_form(&visitor, &action, "Save changes", &values, &[]);
    let title = format!("Edit {}", detail.shipment.reference);
    Ok(form_page(&visitor, StatusCode::OK, &title, form))
}

/// `POST /shipment/{id}/edit`: the API's PATCH with every field of the form.
pub async fn update(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    form: FormData,
) -> Result<Response, WebError> {
    let outcome = match shipment_input(&form) {
        Ok(input) => api::update(visitor.caller(), request_id, PathIds([id]), JsonBody(input))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/shipment/{id}")).into_response()),
        Err(e) => {
            let (status, errors) = form_refusal(e, "reference")?;
            let values = shipment_values(None, Some(&form));
            let action = format!("/shipment/{id}/edit");
            let form = shipment_form(&visitor, &action, "Save changes", &values, &errors);
            Ok(form_page(&visitor, status, "Edit shipment", form))
        }
    }
}

/// `POST /shipment/{id}/delete`: the API's delete (refused while documents or events
/// depend on the shipment: the page says why).
pub async fn delete(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
) -> Result<Response, WebError> {
    api::remove(visitor.caller(), request_id, PathIds([id])).await?;
    Ok(Redirect::to("/dashboard").into_response())
}
