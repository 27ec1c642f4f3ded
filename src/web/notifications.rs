//! The notifications page behind the header's bell: the list, mark one or all read.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::error::WebError;
use super::page::{self, Section};
use super::session::Visitor;
use super::PageIds;
use crate::http::extract::{PathIds, QueryParams};
use crate::http::notifications::{self as api, ListQuery, Notification};
use crate::http::AppState;

/// Notifications per page.
const PAGE_SIZE: i64 = 20;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

/// `GET /notifications`: newest first, unread ones marked, twenty a page.
pub async fn list(visitor: Visitor, Query(query): Query<PageQuery>) -> Result<Markup, WebError> {
    let page_number = query.page.unwrap_or(1).clamp(1, 500);
    let api_query = ListQuery {
        limit: Some(PAGE_SIZE),
        offset: Some(i64::from(page_number - 1) * PAGE_SIZE),
        ..ListQuery::default()
    };
    let axum::Json(inbox) = api::list(visitor.caller(), QueryParams(api_query)).await?;
    let csrf = &visitor.header.csrf;
    let more = i64::from(page_number) * PAGE_SIZE < inbox.total;
    let main = html! {
        h1 { "Notifications" }
        p.lead { (inbox.unread_count) " unread of " (inbox.total) }
        @if inbox.unread_count > 0 {
            form.actions method="post" action="/notifications/read-all" {
                (page::csrf_field(csrf))
                button type="submit" { "Mark all read" }
            }
        }
        @if inbox.notifications.is_empty() {
            p.card { "No notifications." }
        } @else {
            ul.plain.card {
                @for n in &inbox.notifications { (item(n, csrf)) }
            }
        }
        nav.pager aria-label="Pages" {
            @if page_number > 1 {
                a href=(format!("/notifications?page={}", page_number - 1)) { "Newer" }
            }
            @if more {
                a href=(format!("/notifications?page={}", page_number + 1)) { "Older" }
            }
        }
    };
    Ok(page::signed_in(
        &visitor.header,
        Section::Notifications,
        "Notifications",
        main,
    ))
}

fn item(n: &Notification, csrf: &str) -> Markup {
    let shipment = n
        .data
        .get("shipment_id")
        .and_then(|v| v.as_str())
        .map(|id| format!("/shipment/{id}"));
    let reference = n.data.get("shipment_reference").and_then(|v| v.as_str());
    html! {
        li.unread[!n.read] {
            @if !n.read { span.badge { "Unread" } " " }
            span { (n.title) }
            br;
            span { (n.message) }
            br;
            span.hint {
                span.badge { (page::humanize(&n.kind)) } " "
                time datetime=(n.created_at) { (n.created_at.get(0..16).unwrap_or(&n.created_at).replace('T', " ")) }
                @if let (Some(link), Some(reference)) = (&shipment, reference) {
                    " · " a href=(link) { (reference) }
                } @else if let Some(link) = &shipment {
                    " · " a href=(link) { "Shipment" }
                }
            }
            @if !n.read {
                form method="post" action=(format!("/notifications/{}/read", n.id)) {
                    (page::csrf_field(csrf))
                    button type="submit" aria-label=(format!("Mark “{}” read", n.title)) { "Mark read" }
                }
            }
        }
    }
}

/// `GET /notifications/live`: the API's stream of the unread count, for the header's bell
/// (`assets/bell.js`); it ends with the session.
pub async fn live(State(state): State<AppState>, visitor: Visitor) -> Result<Response, WebError> {
    Ok(
        crate::http::notification_stream::stream(State(state), visitor.caller())
            .await?
            .into_response(),
    )
}

/// `POST /notifications/{id}/read`.
pub async fn mark_read(visitor: Visitor, PageIds([id]): PageIds<1>) -> Result<Response, WebError> {
    let _changed = api::mark_read(visitor.caller(), PathIds([id])).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// `POST /notifications/read-all`.
pub async fn read_all(visitor: Visitor) -> Result<Response, WebError> {
    let _marked = api::read_all(visitor.caller()).await?;
    Ok(Redirect::to("/notifications").into_response())
}
