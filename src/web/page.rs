//! The frame every page shares (header, navigation, footer), the error page, and the small
//! pieces pages are built from. Markup only: what to show comes from the handlers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use uuid::Uuid;

use super::assets;
use crate::domain::Access;
use crate::http::error::FieldError;

/// What the header shows about the signed-in person (read once per page, see
/// [`super::session::Visitor`]).
#[derive(Debug, Clone)]
pub struct Header {
    pub full_name: String,
    pub email: String,
    /// The role in the current organization, as the API names it (`admin`, `buyer`, …).
    pub role: &'static str,
    pub organization_id: Uuid,
    pub organization_name: String,
    /// Organizations the person can switch to (active memberships), current one included.
    pub organizations: Vec<(Uuid, String)>,
    pub unread: i64,
    pub access: Access,
    /// The form token of this session (see [`super::csrf`]).
    pub csrf: String,
}

/// Which part of the site a page belongs to (the navigation marks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Shipments,
    Notifications,
    Users,
    Organization,
    Organizations,
    Account,
}

/// A page of a signed-in person: header with navigation, switcher and bell; `main`; footer.
pub fn signed_in(header: &Header, section: Section, title: &str, main: Markup) -> Markup {
    let nav = [
        (Section::Shipments, "/dashboard", "Shipments", true),
        (
            Section::Users,
            "/users",
            "Users",
            super::admin::shows_users(&header.access),
        ),
        (
            Section::Organization,
            "/organization",
            "Organization",
            super::admin::shows_organization(&header.access),
        ),
        (
            Section::Organizations,
            "/organizations",
            "All organizations",
            super::admin::shows_organizations(&header.access),
        ),
    ];
    document(
        title,
        html! {
            a.skip href="#main" { "Skip to content" }
            header.top {
                a.brand href="/dashboard" { "TraceHub" }
                nav aria-label="Main" {
                    ul {
                        @for (item, href, label, shown) in nav {
                            @if shown {
                                li { a href=(href) aria-current=[(item == section).then_some("page")] { (label) } }
                            }
                        }
                    }
                }
                div.tools {
                    a.bell href="/notifications" aria-current=[(section == Section::Notifications).then_some("page")] {
                        "Notifications"
                        @if header.unread > 0 {
                            " " span.count aria-label=(format!("{} unread", header.unread)) { (unread_label(header.unread)) }
                        }
                    }
                    @if header.organizations.len() > 1 {
                        form.switcher method="post" action="/session/organization" {
                            (csrf_field(&header.csrf))
                            label for="switch-organization" { "Organization" }
                            select #switch-organization name="organization_id" {
                                @for (id, name) in &header.organizations {
                                    option value=(id) selected[*id == header.organization_id] { (name) }
                                }
                            }
                            button type="submit" { "Switch" }
                        }
                    } @else {
                        span.org { (header.organization_name) }
                    }
                    a.me href="/account" aria-current=[(section == Section::Account).then_some("page")] {
                        (header.full_name) " " span.badge { (humanize(header.role)) }
                    }
                    form method="post" action="/logout" {
                        (csrf_field(&header.csrf))
                        button.link type="submit" { "Sign out" }
                    }
                }
            }
            main #main { (main) }
            footer {
                p { "TraceHub — Container Tracking & Compliance Platform" }
                p { "Logged in as " (header.email) }
            }
            script src=(assets::BELL_SCRIPT_PATH) defer {}
        },
    )
}

/// A page without the signed-in frame (sign-in, accept-invitation, errors).
pub fn public(title: &str, main: Markup) -> Markup {
    document(
        title,
        html! {
            header.top { a.brand href="/" { "TraceHub" } }
            main #main .narrow { (main) }
            footer { p { "TraceHub — Container Tracking & Compliance Platform" } }
        },
    )
}

fn document(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · TraceHub" }
                link rel="stylesheet" href=(assets::STYLESHEET_PATH);
            }
            body { (body) }
        }
    }
}

/// An error as a page (never JSON, never a stack trace): the status, a sentence, a way on.
pub fn error(status: StatusCode, detail: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        StatusCode::SERVICE_UNAVAILABLE => "Busy",
        s if s.is_server_error() => "Something went wrong",
        _ => "Request refused",
    };
    let page = public(
        title,
        html! {
            h1 { (title) }
            p { (detail) }
            p { a href="/dashboard" { "Back to the shipments" } }
        },
    );
    (status, page).into_response()
}

/// The hidden field every form posts back (see [`super::csrf`]).
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(super::csrf::FIELD) value=(token); }
}

/// The messages of a refused form, above it; the fields are named as the API names them.
pub fn form_errors(errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.errors role="alert" {
                p { "Please correct the following:" }
                ul {
                    @for error in errors {
                        li { strong { (field_label(&error.field)) } ": " (error.message) }
                    }
                }
            }
        }
    }
}

/// How a form names a field the API names (`pol_code` → "Port of loading"); the API's
/// name in words where the form says the same.
pub fn field_label(field: &str) -> String {
    let label = match field {
        "pol_code" => "Port of loading",
        "pod_code" => "Port of discharge",
        "pol_name" => "Port of loading name",
        "pod_name" => "Port of discharge name",
        "bl_number" => "B/L number",
        "etd" => "ETD",
        "eta" => "ETA",
        "atd" => "Departed",
        "ata" => "Arrived",
        "vessel_name" => "Vessel",
        "voyage_number" => "Voyage",
        "hs_code" => "HS code",
        "quantity_net_kg" => "Net weight (kg)",
        "quantity_gross_kg" => "Gross weight (kg)",
        "packaging_count" => "Packages",
        "packaging_type" => "Packaging",
        "batch_lot_number" => "Batch / lot",
        "org_role" => "Role",
        "email" => "E-mail",
        "contact_email" => "Contact e-mail",
        "invitation_token" => "Invitation",
        "type" => "Type",
        _ => return humanize(field),
    };
    label.to_string()
}

/// The value a form shows for `name` (empty when it has none).
pub fn value_of<'a>(values: &'a [(&str, String)], name: &str) -> &'a str {
    values
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// A status pill (`in_transit` → "In transit"), coloured by its value.
pub fn badge(value: &str) -> Markup {
    html! { span class=(format!("badge s-{value}")) { (humanize(value)) } }
}

/// `docs_pending` → "Docs pending": how codes read on a page.
pub fn humanize(code: &str) -> String {
    let mut text = code.replace(['_', '.'], " ");
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text
}

/// A date of an RFC 3339 timestamp ("2026-03-14"), or a dash.
pub fn date(value: Option<&str>) -> Markup {
    match value {
        Some(text) => html! { time datetime=(text) { (text.get(0..10).unwrap_or(text)) } },
        None => html! { span.none { "—" } },
    }
}

/// Optional text, or a dash.
pub fn or_dash(value: Option<&str>) -> Markup {
    match value {
        Some(text) if !text.is_empty() => html! { (text) },
        _ => html! { span.none { "—" } },
    }
}

fn unread_label(count: i64) -> String {
    if count > 99 {
        "99+".to_string()
    } else {
        count.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(humanize("docs_pending"), "Docs pending");
        assert_eq!(humanize("container_number"), "Container number");
        assert_eq!(humanize("products[0].hs_code"), "Products[0] hs code");
        assert_eq!(humanize(""), "");
    }

    #[test]
    fn form_messages_use_the_forms_words() {
        assert_eq!(field_label("pol_code"), "Port of loading");
        assert_eq!(field_label("container_number"), "Container number");
        assert_eq!(field_label("hs_code"), "HS code");
    }

    #[test]
    fn the_bell_caps_at_99() {
        assert_eq!(unread_label(5), "5");
        assert_eq!(unread_label(100), "99+");
    }

    #[test]
    fn text_is_escaped() {
        let markup = or_dash(Some("<script>alert(1)</script>")).into_string();
        assert!(!markup.contains("<script>"), "{markup}");
    }
}
