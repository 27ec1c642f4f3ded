//! A shipment's documents and tracking from its page: upload, download, approve or reject,
//! the audit pack, and a tracking refresh with the live status. Each is the API's handler
//! (`http::documents`, `http::audit_pack`, `http::tracking`), called with the page's caller.

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};

use super::error::{form_refusal, WebError};
use super::page::{self, badge};
use super::session::Visitor;
use super::shipments::{form_id, render_detail};
use super::{FormData, PageAction, PageIds};
use crate::domain::document::{DocumentStatus, DocumentType};
use crate::domain::Permission;
use crate::http::documents::output::DocumentResponse;
use crate::http::documents::review::{self, NotesInput};
use crate::http::documents::{self as documents_api, files};
use crate::http::error::ApiError;
use crate::http::extract::{JsonBody, OptionalJsonBody, PathIds, RequestId};
use crate::http::AppState;

/// The upload form of a shipment page (the CSRF token rides in the action's query: a
/// multipart body is not read before the handler).
pub fn upload_form(shipment_id: uuid::Uuid, csrf: &str) -> Markup {
    html! {
        form.stack method="post" enctype="multipart/form-data"
            action=(format!("/shipment/{shipment_id}/documents?csrf={csrf}")) {
            // The API reads the shipment and type before the file: they come first.
            input type="hidden" name="shipment_id" value=(shipment_id);
            label for="document_type" { "Document type" }
            select #document_type name="document_type" {
                @for kind in DocumentType::ALL {
                    option value=(kind.as_str()) selected[kind == DocumentType::Other] { (page::humanize(kind.as_str())) }
                }
            }
            label for="reference_number" { "Reference number (optional)" }
            input #reference_number type="text" name="reference_number" maxlength="100";
            label for="file" { "File (PDF, JPEG, PNG, DOC or DOCX)" }
            input #file type="file" name="file" required accept=".pdf,.jpg,.jpeg,.png,.doc,.docx";
            button.primary type="submit" { "Upload document" }
        }
    }
}

/// One document of the list, with its download link and the review actions the role may
/// take in its status.
pub fn document_item(
    visitor: &Visitor,
    document: &DocumentResponse,
    shipment_id: uuid::Uuid,
) -> Markup {
    let access = visitor.header.access;
    let status = DocumentStatus::parse(document.status).ok();
    let approvable = matches!(
        status,
        Some(DocumentStatus::Uploaded | DocumentStatus::Validated | DocumentStatus::ComplianceOk)
    );
    let rejectable = matches!(
        status,
        Some(DocumentStatus::Uploaded | DocumentStatus::Validated)
    );
    let may_approve =
        access.allows(Permission::DocumentsApprove) || access.allows(Permission::DocumentsValidate);
    let may_reject = access.allows(Permission::DocumentsReject);
    let own = document.organization_id == visitor.header.organization_id;
    let deletable = own && access.allows(Permission::DocumentsDelete);
    let editable = own
        && access.allows(Permission::DocumentsUpdate)
        && status.is_some_and(documents_api::may_edit_metadata);
    let csrf = &visitor.header.csrf;
    html! {
        li {
            strong { (page::humanize(document.document_type)) } " " (badge(document.status))
            br;
            span.hint {
                (document.name)
                @if let Some(reference) = &document.reference_number { " · " (reference) }
                @if let Some(pages) = document.page_count { " · " (pages) " pages" }
            }
            div.actions {
                @if editable {
                    a href=(format!("/document/{}/edit?shipment={shipment_id}", document.id))
                        aria-label=(format!("Edit details of {}", document.name)) { "Edit details" }
                }
                @if document.has_file {
                    a href=(format!("/document/{}/download", document.id)) { "Download" span.hint { " " (document.name) } }
                }
                @if deletable {
                    form method="post" action=(format!("/document/{}/delete", document.id)) {
                        (page::csrf_field(csrf))
                        input type="hidden" name="shipment_id" value=(shipment_id);
                        button.danger type="submit" aria-label=(format!("Delete {}", document.name)) { "Delete" }
                    }
                }
                @if approvable && may_approve {
                    form method="post" action=(format!("/document/{}/approve", document.id)) {
                        (page::csrf_field(csrf))
                        input type="hidden" name="shipment_id" value=(shipment_id);
                        button type="submit" aria-label=(format!("Approve {}", document.name)) { "Approve" }
                    }
                }
                @if rejectable && may_reject {
                    form method="post" action=(format!("/document/{}/reject", document.id)) {
                        (page::csrf_field(csrf))
                        input type="hidden" name="shipment_id" value=(shipment_id);
                        label for=(format!("notes-{}", document.id)) { "Reason" }
                        " "
                        input id=(format!("notes-{}", document.id)) type="text" name="notes" required maxlength="1000";
                        " "
                        button.danger type="submit" aria-label=(format!("Reject {}", document.name)) { "Reject" }
                    }
                }
            }
        }
    }
}

/// `POST /shipment/{id}/documents`: the API's upload, streamed as it is.
pub async fn upload(
    State(state): State<AppState>,
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, WebError> {
    let multipart = axum::extract::Multipart::from_request(request, &state)
        .await
        .map_err(|e| {
            ApiError::Validation(vec![crate::http::error::FieldError {
                field: "file".to_string(),
                message: e.body_text(),
            }])
        })?;
    let _uploaded = files::upload(
        State(state),
        visitor.caller(),
        request_id,
        headers,
        multipart,
    )
    .await?;
    Ok(Redirect::to(&format!("/shipment/{id}#documents")).into_response())
}

/// `GET /document/{id}/download`.
pub async fn download(
    State(state): State<AppState>,
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    Ok(files::download(
        State(state),
        visitor.caller(),
        request_id,
        PathIds([id]),
        headers,
    )
    .await?)
}

/// `POST /document/{id}/approve` and `…/reject` (a reason is required to reject). A move
/// the workflow refuses (e.g. required fields missing) is shown on the shipment's page.
pub async fn review(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    PageAction(action): PageAction,
    form: FormData,
) -> Result<Response, WebError> {
    let shipment = form.get("shipment_id").map(form_id).transpose()?;
    let outcome = match form.read::<NotesInput>(&["notes"]) {
        Ok(body) => {
            let caller = visitor.caller();
            let ids = PathIds([id]);
            match action.as_str() {
                "approve" => review::approve(caller, request_id, ids, OptionalJsonBody(body))
                    .await
                    .map(|_| ()),
                "reject" => review::reject(caller, request_id, ids, JsonBody(body))
                    .await
                    .map(|_| ()),
                _ => Err(ApiError::NotFound),
            }
        }
        Err(e) => Err(e),
    };
    match (outcome, shipment) {
        (Ok(()), shipment) => Ok(back_to(shipment)),
        (Err(e), Some(shipment)) => {
            let (status, errors) = form_refusal(e, "document")?;
            let alert = html! {
                section.card aria-labelledby="not-done" {
                    h2 #not-done { "The document was not " (if action == "approve" { "approved" } else { "rejected" }) }
                    (page::form_errors(&errors))
                }
            };
            let page = render_detail(&visitor, shipment, Some(alert)).await?;
            Ok((status, page).into_response())
        }
        (Err(e), None) => Err(e.into()),
    }
}

/// `GET /shipment/{id}/audit-pack`: the ZIP, as the API streams it.
pub async fn audit_pack(
    State(state): State<AppState>,
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
) -> Result<Response, WebError> {
    Ok(
        crate::http::audit_pack::download(
            State(state),
            visitor.caller(),
            request_id,
            PathIds([id]),
        )
        .await?,
    )
}

/// `POST /shipment/{id}/refresh`: the API's tracking refresh; the shipment page follows,
/// with the live status the provider gave.
pub async fn refresh(
    State(state): State<AppState>,
    visitor: Visitor,
    PageIds([id]): PageIds<1>,
) -> Result<Markup, WebError> {
    let axum::Json(answer) =
        crate::http::tracking::refresh(State(state), visitor.caller(), PathIds([id])).await?;
    render_detail(&visitor, id, Some(live_card(&answer))).await
}

/// What a refresh answered: how many events came, and the provider's live status.
fn live_card(answer: &serde_json::Value) -> Markup {
    let live = &answer["live_status"];
    let text = |value: &serde_json::Value| value.as_str().map(str::to_string);
    let facts = [
        ("Status", text(&live["status"])),
        ("Carrier", text(&live["carrier"])),
        (
            "Vessel",
            text(&live["vessel"]["current_name"])
                .or_else(|| text(&live["vessel"]["original_name"])),
        ),
        ("Current port", text(&live["current_location"]["port"])),
        ("ETA", text(&live["eta"])),
        ("Last updated", text(&live["last_updated"])),
    ];
    html! {
        section.card aria-labelledby="live" role="status" {
            h2 #live { "Live status" }
            p { (answer["message"].as_str().unwrap_or("Tracking refreshed")) ": "
                (answer["events_added"].as_u64().unwrap_or(0)) " new events." }
            @if !live.is_null() {
                dl.facts {
                    @for (label, value) in &facts {
                        @if let Some(value) = value { dt { (label) } dd { (value) } }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// A document's details (before it passes review)

/// The details the review checks, as the API names them.
const DETAIL_FIELDS: [(&str, &str, &str); 4] = [
    ("reference_number", "Reference number", "text"),
    ("issue_date", "Issue date", "date"),
    ("expiry_date", "Expiry date", "date"),
    ("issuing_authority", "Issuing authority", "text"),
];

#[derive(Debug, Default, serde::Deserialize)]
pub struct ShipmentQuery {
    shipment: Option<String>,
}

/// `GET /document/{id}/edit`: reference, dates and issuing authority.
pub async fn edit_form(
    visitor: Visitor,
    PageIds([id]): PageIds<1>,
    axum::extract::Query(query): axum::extract::Query<ShipmentQuery>,
) -> Result<Response, WebError> {
    let axum::Json(document) = documents_api::get_one(visitor.caller(), PathIds([id])).await?;
    let values: Vec<(&str, String)> = DETAIL_FIELDS
        .iter()
        .map(|(name, _, _)| {
            let value = match *name {
                "reference_number" => document.reference_number.clone(),
                "issue_date" => document.issue_date.clone(),
                "expiry_date" => document.expiry_date.clone(),
                _ => document.issuing_authority.clone(),
            };
            (
                *name,
                value
                    .map(|v| v.get(0..10.min(v.len())).map(str::to_string).unwrap_or(v))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let shipment = query
        .shipment
        .as_deref()
        .map(form_id)
        .transpose()?
        .unwrap_or(document.shipment_id);
    Ok(details_page(
        &visitor,
        StatusCode::OK,
        id,
        shipment,
        &document.name,
        &values,
        &[],
    ))
}

fn details_page(
    visitor: &Visitor,
    status: StatusCode,
    id: uuid::Uuid,
    shipment: uuid::Uuid,
    name: &str,
    values: &[(&str, String)],
    errors: &[crate::http::error::FieldError],
) -> Response {
    let value = |field: &str| page::value_of(values, field);
    let main = html! {
        p { a href=(format!("/shipment/{shipment}#documents")) { "← Shipment" } }
        h1 { "Details of " (name) }
        (page::form_errors(errors))
        form method="post" action=(format!("/document/{id}/edit")) {
            (page::csrf_field(&visitor.header.csrf))
            input type="hidden" name="shipment_id" value=(shipment);
            div.fields {
                @for (field, label, kind) in DETAIL_FIELDS {
                    div {
                        label for=(field) { (label) }
                        input id=(field) name=(field) type=(kind) value=(value(field));
                    }
                }
            }
            div.actions { button.primary type="submit" { "Save details" } }
        }
    };
    (
        status,
        page::signed_in(
            &visitor.header,
            page::Section::Shipments,
            "Document details",
            main,
        ),
    )
        .into_response()
}

/// `POST /document/{id}/edit`: the API's metadata change (refused once the document passed
/// review).
pub async fn update(
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    form: FormData,
) -> Result<Response, WebError> {
    let shipment = form
        .get("shipment_id")
        .map(form_id)
        .transpose()?
        .ok_or(ApiError::NotFound)?;
    let names: Vec<&str> = DETAIL_FIELDS.iter().map(|(name, _, _)| *name).collect();
    let outcome = match form.read(&names) {
        Ok(body) => documents_api::update_metadata(
            visitor.caller(),
            request_id,
            PathIds([id]),
            JsonBody(body),
        )
        .await
        .map(|axum::Json(document)| document.name),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/shipment/{shipment}#documents")).into_response()),
        Err(e) => {
            let (status, errors) = form_refusal(e, "document")?;
            let values = form.values(&names);
            Ok(details_page(
                &visitor,
                status,
                id,
                shipment,
                "the document",
                &values,
                &errors,
            ))
        }
    }
}

/// `POST /document/{id}/delete`: the API's delete (the file goes with the row).
pub async fn delete(
    State(state): State<AppState>,
    visitor: Visitor,
    request_id: RequestId,
    PageIds([id]): PageIds<1>,
    form: FormData,
) -> Result<Response, WebError> {
    let shipment = form.get("shipment_id").map(form_id).transpose()?;
    files::remove(State(state), visitor.caller(), request_id, PathIds([id])).await?;
    Ok(back_to(shipment))
}

/// Back to the shipment's documents (or, without one, the dashboard).
fn back_to(shipment: Option<uuid::Uuid>) -> Response {
    match shipment {
        Some(shipment) => Redirect::to(&format!("/shipment/{shipment}#documents")),
        None => Redirect::to("/dashboard"),
    }
    .into_response()
}
