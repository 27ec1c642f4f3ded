//! The organization and member API (`/organizations…`) over real HTTP against the demo world
//! at head: VIBOTAJ (admin = platform admin and owner, compliance = admin, logistics =
//! manager, viewer = viewer) and the buyer organization WITATRADE (its buyer = member).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::{field_names, join_all, json_of, PREFIXES, V1};
use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, LOGISTICS, VIBOTAJ, VIEWER};
use crate::helpers::{assert_error, TestApp};

const UNKNOWN: &str = "7b0c3b1e-0000-4000-8000-000000000099";

async fn app() -> TestApp {
    TestApp::spawn(8, Duration::from_secs(10)).await
}

/// The demo world and the platform admin's token.
async fn platform() -> (TestApp, String) {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    (app, admin)
}

/// The slug of the "Acme Supplies" created through `prefix`: `acme7` through `/api/v1`,
/// `acme4` through `/api`.
fn acme_slug(prefix: &str) -> String {
    format!("acme{}", prefix.len())
}

/// As the platform admin, creates "Acme Supplies" (a supplier in NG) through each prefix,
/// then a pending logistics agent whose slug is derived from its name; the created bodies, in
/// that order (acme7, acme4, the agent).
async fn platform_creates(app: &TestApp, admin: &str) -> Vec<Value> {
    let mut created = Vec::new();
    for prefix in PREFIXES {
        let body = json!({"name": "  Acme Supplies  ", "slug": acme_slug(prefix),
                          "type": "supplier", "contact_email": "ops@acme.example",
                          "country": "NG"});
        created.push(app.create_org(prefix, admin, &body).await);
    }
    let agent = json!({"name": "Société Générale d'Import", "type": "logistics_agent",
                       "status": "pending_setup"});
    created.push(app.create_org(V1, admin, &agent).await);
    created
}

/// [`platform`] after [`platform_creates`], and the id of acme7.
async fn platform_with_acme() -> (TestApp, String, String) {
    let (app, admin) = platform().await;
    let acme = id_in(&platform_creates(&app, &admin).await[0]);
    (app, admin, acme)
}

/// The id in a created body.
fn id_in(created: &Value) -> String {
    created["id"].as_str().expect("id").to_string()
}

/// `POST {prefix}/organizations` as `token`, whose refusal the caller checks.
async fn post_organization(
    app: &TestApp,
    prefix: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    app.send_json(
        Method::POST,
        &format!("{prefix}/organizations"),
        token,
        body,
    )
    .await
}

/// Active memberships of an organization, counted by its owner (the figure the API shows).
async fn active_members(app: &TestApp, organization: &str) -> i64 {
    app.db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM org_memberships WHERE organization_id = '{organization}' \
             AND status = 'active'"
        ))
        .await
}

/// All memberships of an organization, whatever their status, counted by its owner.
async fn all_members(app: &TestApp, organization: &str) -> i64 {
    app.db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM org_memberships WHERE organization_id = '{organization}'"
        ))
        .await
}

#[tokio::test]
async fn every_route_needs_a_token() {
    let app = app().await;
    let member = format!("/organizations/{VIBOTAJ}/members/{UNKNOWN}");
    let routes = [
        (Method::GET, "/organizations".to_string()),
        (Method::POST, "/organizations".to_string()),
        (Method::GET, format!("/organizations/{VIBOTAJ}")),
        (Method::PATCH, format!("/organizations/{VIBOTAJ}")),
        (Method::DELETE, format!("/organizations/{VIBOTAJ}")),
        (Method::GET, format!("/organizations/{VIBOTAJ}/stats")),
        (Method::GET, format!("/organizations/{VIBOTAJ}/members")),
        (Method::POST, format!("/organizations/{VIBOTAJ}/members")),
        (Method::GET, member.clone()),
        (Method::PATCH, member.clone()),
        (Method::DELETE, member.clone()),
        (Method::POST, format!("{member}/suspend")),
        (Method::POST, format!("{member}/reactivate")),
    ];
    for prefix in PREFIXES {
        for (method, path) in &routes {
            let path = format!("{prefix}{path}");
            let response = app
                .call(method.clone(), &path, None, Some(&json!({})))
                .await;
            assert_error(response, StatusCode::UNAUTHORIZED, "UNAUTHORIZED", &path).await;
        }
    }
    // Every route is in the OpenAPI document.
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for (method, path) in &routes {
        let documented = path
            .replace(VIBOTAJ, "{id}")
            .replace(UNKNOWN, "{member_id}");
        let operation =
            &doc["paths"][format!("/api/v1{documented}")][method.as_str().to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {documented} is not documented"
        );
    }
}

#[tokio::test]
async fn the_platform_admin_creates_organizations_with_unique_slugs() {
    let (app, admin) = platform().await;
    let created = platform_creates(&app, &admin).await;
    for (acme, prefix) in created.iter().zip(PREFIXES) {
        let slug = acme_slug(prefix);
        assert_eq!(acme["name"], "Acme Supplies", "the name is trimmed");
        assert_eq!(acme["slug"], slug.as_str());
        assert_eq!(acme["type"], "supplier");
        assert_eq!(acme["status"], "active");
        assert_eq!(acme["member_count"], 0);
        assert_eq!(acme["shipment_count"], 0);
        assert_eq!(acme["contact_email"], "ops@acme.example");

        // The same slug again.
        let again = json!({"name": "Other", "slug": slug, "type": "buyer"});
        let response = post_organization(&app, prefix, &admin, &again).await;
        assert_error(response, StatusCode::CONFLICT, "ORG_SLUG_EXISTS", "slug").await;
    }
    // The slug is derived from the name when absent.
    let derived = &created[2];
    assert_eq!(derived["slug"], "societe-generale-d-import");
    assert_eq!(derived["status"], "pending_setup");
    assert_eq!(app.audit_count("organization.create").await, 3);
}

#[tokio::test]
async fn creating_an_organization_names_the_invalid_type_or_fields() {
    let (app, admin) = platform().await;
    for prefix in PREFIXES {
        for kind in ["platform_owner", "vibotaj", "customer"] {
            let typed = json!({"name": "Typed", "type": kind});
            let response = post_organization(&app, prefix, &admin, &typed).await;
            let body = assert_error(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_ORG_TYPE",
                kind,
            )
            .await;
            assert!(body["detail"].as_str().unwrap().starts_with("type:"));
        }

        let bad = json!({"name": "x", "slug": "Bad Slug", "type": "buyer", "country": "Germany"});
        let response = post_organization(&app, prefix, &admin, &bad).await;
        let body = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            "fields",
        )
        .await;
        assert_eq!(field_names(&body), ["name", "slug", "country"]);
        let unknown = json!({"slug": "no-name", "type": "buyer", "colour": "red"});
        let response = post_organization(&app, prefix, &admin, &unknown).await;
        let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, "unknown field").await;
        assert_eq!(field_names(&body), ["colour"]);
    }
    assert_eq!(app.audit_count("organization.create").await, 0);
}

#[tokio::test]
async fn the_platform_admins_list_filters_sorts_and_pages_every_organization() {
    let (app, admin) = platform().await;
    platform_creates(&app, &admin).await;
    let buyer_org = app.organization_of(BUYER).await;
    let stored = app
        .db()
        .scalar_i64("SELECT count(*) FROM organizations")
        .await;
    for prefix in PREFIXES {
        let all = app
            .get_ok(&format!("{prefix}/organizations?limit=100"), &admin)
            .await;
        let total = all["total"].as_i64().unwrap();
        assert_eq!(total, stored, "{all}");
        assert_eq!(all["page"], 1);
        assert_eq!(all["limit"], 100);
        let items = all["items"].as_array().unwrap();
        assert_eq!(items.len() as i64, stored, "{all}");
        let ids: Vec<&str> = items.iter().map(|o| o["id"].as_str().unwrap()).collect();
        assert!(ids.contains(&VIBOTAJ) && ids.contains(&buyer_org.as_str()));
        let vibotaj = items.iter().find(|o| o["id"] == VIBOTAJ).unwrap();
        assert_eq!(vibotaj["type"], "platform_owner");
        assert_eq!(
            vibotaj["member_count"].as_i64().unwrap(),
            active_members(&app, VIBOTAJ).await
        );
        for key in [
            "id",
            "name",
            "slug",
            "type",
            "status",
            "member_count",
            "created_at",
        ] {
            assert!(vibotaj.get(key).is_some(), "{key}");
        }

        let suppliers = app
            .get_ok(
                &format!("{prefix}/organizations?type=supplier&sort=name&order=asc"),
                &admin,
            )
            .await;
        assert_eq!(suppliers["total"], 2);
        let mut slugs: Vec<&str> = suppliers["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["slug"].as_str().unwrap())
            .collect();
        slugs.sort_unstable();
        assert_eq!(slugs, ["acme4", "acme7"]);
        let by_name = app
            .get_ok(
                &format!("{prefix}/organizations?sort=name&order=asc&limit=100"),
                &admin,
            )
            .await;
        let names: Vec<String> = by_name["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_lowercase())
            .collect();
        assert_eq!(names.len() as i64, stored);
        assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
        let searched = app
            .get_ok(&format!("{prefix}/organizations?search=ACME7"), &admin)
            .await;
        assert_eq!(searched["total"], 1);
        let pending = app
            .get_ok(
                &format!("{prefix}/organizations?status=pending_setup"),
                &admin,
            )
            .await;
        assert_eq!(pending["total"], 1);
        let paged = app
            .get_ok(&format!("{prefix}/organizations?limit=2&page=2"), &admin)
            .await;
        assert_eq!(paged["items"].as_array().unwrap().len(), 2);
        assert_eq!(paged["pages"], (total + 1) / 2);
    }
}

#[tokio::test]
async fn a_malformed_list_query_names_its_parameter() {
    let (app, admin) = platform().await;
    for prefix in PREFIXES {
        for (query, field) in [
            ("limit=101", "limit"),
            ("page=0", "page"),
            ("type=vibotaj", "type"),
            ("sort=size", "sort"),
            ("order=up", "order"),
            ("status=gone", "status"),
        ] {
            let response = app
                .get_with_token(&format!("{prefix}/organizations?{query}"), &admin)
                .await;
            let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, query).await;
            assert_eq!(field_names(&body), [field], "{query}");
        }
    }
}

#[tokio::test]
async fn the_platform_admin_reads_another_organization_and_its_stats_audited() {
    let (app, admin) = platform().await;
    let buyer_org = app.organization_of(BUYER).await;
    let assigned = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM shipments WHERE buyer_organization_id = '{buyer_org}'"
        ))
        .await;
    assert!(assigned > 0, "the demo assigns shipments to WITATRADE");
    for prefix in PREFIXES {
        let detail = app
            .get_ok(&format!("{prefix}/organizations/{buyer_org}"), &admin)
            .await;
        assert_eq!(detail["type"], "buyer");
        assert_eq!(
            detail["shipment_count"].as_i64().unwrap(),
            assigned,
            "{detail}"
        );
        assert_eq!(
            detail["member_count"].as_i64().unwrap(),
            active_members(&app, &buyer_org).await
        );
        assert!(detail["settings"].is_object());
        let stats = app
            .get_ok(&format!("{prefix}/organizations/{buyer_org}/stats"), &admin)
            .await;
        assert_eq!(stats["organization_id"], buyer_org.as_str());
        assert_eq!(stats["shipments"]["total"], detail["shipment_count"]);
        assert!(stats["documents"]["total"].as_i64().is_some());
        assert_eq!(stats["compliance"]["eudr_compliant_shipments"], 0);
        for path in ["", "/stats", "/members"] {
            let response = app
                .get_with_token(&format!("{prefix}/organizations/{UNKNOWN}{path}"), &admin)
                .await;
            assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", path).await;
        }
    }
    // One platform access in WITATRADE per read of it: the detail and the stats, twice.
    let audited = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action = 'platform.access' \
             AND organization_id = '{buyer_org}'"
        ))
        .await;
    assert_eq!(audited, 4);
}

#[tokio::test]
async fn the_platform_admin_updates_an_organizations_profile() {
    let (app, admin, acme) = platform_with_acme().await;
    for prefix in PREFIXES {
        let path = format!("{prefix}/organizations/{acme}");
        let change = json!({"name": format!("Acme {prefix}"), "contact_email": null,
                            "settings": {"timezone": "Africa/Lagos"}, "status": "pending_setup"});
        let response = app.send_json(Method::PATCH, &path, &admin, &change).await;
        let patched = json_of(response, StatusCode::OK, "patch").await;
        assert_eq!(patched["name"], format!("Acme {prefix}"));
        assert_eq!(patched["contact_email"], Value::Null);
        assert_eq!(patched["country"], "NG", "untouched fields stay");
        assert_eq!(patched["settings"]["timezone"], "Africa/Lagos");
        assert_eq!(patched["status"], "pending_setup");
        let retype = json!({"type": "buyer", "name": ""});
        let response = app.send_json(Method::PATCH, &path, &admin, &retype).await;
        let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, "patch type").await;
        assert_eq!(field_names(&body), ["type", "name"]);
        let taken = json!({"slug": "acme4"});
        let response = app.send_json(Method::PATCH, &path, &admin, &taken).await;
        assert_error(
            response,
            StatusCode::CONFLICT,
            "ORG_SLUG_EXISTS",
            "patch slug",
        )
        .await;
    }
    assert_eq!(app.audit_count("organization.update").await, 2);
}

#[tokio::test]
async fn suspending_an_organization_is_soft_and_audited() {
    let (app, admin, acme) = platform_with_acme().await;
    for prefix in PREFIXES {
        let path = format!("{prefix}/organizations/{acme}");
        let response = app
            .call(
                Method::DELETE,
                &format!("{path}?hard_delete=true"),
                Some(&admin),
                None,
            )
            .await;
        assert_error(
            response,
            StatusCode::BAD_REQUEST,
            "HARD_DELETE_NOT_SUPPORTED",
            "hard",
        )
        .await;
        let response = app.call(Method::DELETE, &path, Some(&admin), None).await;
        let body = json_of(response, StatusCode::OK, "suspend").await;
        assert_eq!(body["id"], acme.as_str());
        assert_eq!(body["status"], "suspended");
        assert!(body["message"].as_str().is_some());
        let response = app
            .call(
                Method::DELETE,
                &format!("{prefix}/organizations/{UNKNOWN}"),
                Some(&admin),
                None,
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "unknown").await;
    }
    assert_eq!(
        app.db()
            .scalar_string(&format!(
                "SELECT status::text || ' ' || is_active::text FROM organizations WHERE id = '{acme}'"
            ))
            .await
            .unwrap(),
        "suspended false"
    );
    assert_eq!(app.audit_count("organization.suspend").await, 2);
}

#[tokio::test]
async fn vibotaj_is_suspended_neither_through_the_api_nor_in_the_database() {
    let (app, admin) = platform().await;
    for prefix in PREFIXES {
        let path = format!("{prefix}/organizations/{VIBOTAJ}");
        let suspend = json!({"status": "suspended"});
        for (method, body) in [(Method::DELETE, None), (Method::PATCH, Some(&suspend))] {
            let response = app.call(method, &path, Some(&admin), body).await;
            assert_error(
                response,
                StatusCode::FORBIDDEN,
                "PROTECTED_ORGANIZATION",
                "VIBOTAJ",
            )
            .await;
        }
    }
    // The database refuses too, whoever asks.
    let mut conn = app.db().conn().await;
    assert!(sqlx::raw_sql(&format!(
        "UPDATE organizations SET is_active = false WHERE id = '{VIBOTAJ}'"
    ))
    .execute(&mut conn)
    .await
    .is_err());
    assert!(
        sqlx::raw_sql(&format!("DELETE FROM organizations WHERE id = '{VIBOTAJ}'"))
            .execute(&mut conn)
            .await
            .is_err()
    );
    assert_eq!(app.audit_count("organization.suspend").await, 0);
}

#[tokio::test]
async fn other_roles_are_refused_or_see_only_their_own() {
    let app = app().await;
    let compliance = app.token(COMPLIANCE).await; // VIBOTAJ admin, not a platform admin
    let viewer = app.token(VIEWER).await;
    let buyer = app.token(BUYER).await;
    let buyer_org = app.organization_of(BUYER).await;

    for prefix in PREFIXES {
        for token in [&compliance, &viewer, &buyer] {
            let response = app
                .send_json(
                    Method::POST,
                    &format!("{prefix}/organizations"),
                    token,
                    &json!({"name": "Nope", "type": "buyer"}),
                )
                .await;
            assert_error(
                response,
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSIONS",
                "create",
            )
            .await;
        }
        // Only their own organizations.
        let mine = app
            .get_ok(&format!("{prefix}/organizations"), &compliance)
            .await;
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0]["id"], VIBOTAJ);
        assert_eq!(
            mine["items"][0]["member_count"].as_i64().unwrap(),
            active_members(&app, VIBOTAJ).await
        );
        let theirs = app.get_ok(&format!("{prefix}/organizations"), &buyer).await;
        assert_eq!(theirs["total"], 1);
        assert_eq!(theirs["items"][0]["id"], buyer_org.as_str());
        let filtered = app
            .get_ok(&format!("{prefix}/organizations?type=buyer"), &compliance)
            .await;
        assert_eq!(filtered["total"], 0, "a filter never reaches other tenants");

        // Their own organization reads; any other is 404, never data.
        let own = app
            .get_ok(&format!("{prefix}/organizations/{buyer_org}"), &buyer)
            .await;
        assert_eq!(own["type"], "buyer");
        app.get_ok(&format!("{prefix}/organizations/{buyer_org}/stats"), &buyer)
            .await;
        for (token, other) in [(&compliance, buyer_org.as_str()), (&buyer, VIBOTAJ)] {
            for path in ["", "/stats", "/members"] {
                let response = app
                    .get_with_token(&format!("{prefix}/organizations/{other}{path}"), token)
                    .await;
                assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", path).await;
            }
            for method in [Method::PATCH, Method::DELETE] {
                let response = app
                    .call(
                        method,
                        &format!("{prefix}/organizations/{other}"),
                        Some(token),
                        Some(&json!({"name": "Taken over"})),
                    )
                    .await;
                assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "other").await;
            }
        }

        // The organization's admin changes its profile, not its slug or status, and cannot
        // delete it; viewers and a buyer organization's member change nothing.
        let response = app
            .send_json(
                Method::PATCH,
                &format!("{prefix}/organizations/{VIBOTAJ}"),
                &compliance,
                &json!({"contact_phone": "+49 40 1234"}),
            )
            .await;
        let body = json_of(response, StatusCode::OK, "org admin patch").await;
        assert_eq!(body["contact_phone"], "+49 40 1234");
        for change in [json!({"slug": "vibo"}), json!({"status": "pending_setup"})] {
            let response = app
                .send_json(
                    Method::PATCH,
                    &format!("{prefix}/organizations/{VIBOTAJ}"),
                    &compliance,
                    &change,
                )
                .await;
            assert_error(
                response,
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSIONS",
                "slug/status",
            )
            .await;
        }
        let response = app
            .call(
                Method::DELETE,
                &format!("{prefix}/organizations/{VIBOTAJ}"),
                Some(&compliance),
                None,
            )
            .await;
        assert_error(
            response,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            "delete",
        )
        .await;
        for (token, org) in [(&viewer, VIBOTAJ), (&buyer, buyer_org.as_str())] {
            let response = app
                .send_json(
                    Method::PATCH,
                    &format!("{prefix}/organizations/{org}"),
                    token,
                    &json!({"name": "Renamed"}),
                )
                .await;
            assert_error(
                response,
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSIONS",
                "patch",
            )
            .await;
        }
    }
    assert_eq!(
        app.db()
            .scalar_string(&format!(
                "SELECT name::text FROM organizations WHERE id = '{buyer_org}'"
            ))
            .await
            .unwrap(),
        app.get_ok(&format!("/api/v1/organizations/{buyer_org}"), &buyer)
            .await["name"]
            .as_str()
            .unwrap()
    );
}

/// The demo world with the tokens the member tests act with.
struct Vibotaj {
    app: TestApp,
    /// VIBOTAJ's owner, a platform admin.
    admin: String,
    /// VIBOTAJ's admin.
    compliance: String,
    /// VIBOTAJ's manager.
    logistics: String,
    viewer: String,
    /// WITATRADE's member.
    buyer: String,
    buyer_org: String,
}

async fn vibotaj() -> Vibotaj {
    let app = app().await;
    let mut tokens = Vec::new();
    for email in [ADMIN, COMPLIANCE, LOGISTICS, VIEWER, BUYER] {
        tokens.push(app.token(email).await);
    }
    let [admin, compliance, logistics, viewer, buyer] = tokens.try_into().expect("5 tokens");
    let buyer_org = app.organization_of(BUYER).await;
    Vibotaj {
        app,
        admin,
        compliance,
        logistics,
        viewer,
        buyer,
        buyer_org,
    }
}

/// The route of VIBOTAJ's members, or of one of them (`member` empty for the list).
fn vibotaj_members(prefix: &str, member: &str) -> String {
    match member {
        "" => format!("{prefix}/organizations/{VIBOTAJ}/members"),
        _ => format!("{prefix}/organizations/{VIBOTAJ}/members/{member}"),
    }
}

impl Vibotaj {
    /// A new VIBOTAJ viewer account, newcomer@vibotaj.com, without a membership; its user id.
    async fn newcomer(&self) -> String {
        let user = self
            .app
            .create_member("newcomer@vibotaj.com", "VIEWER", VIBOTAJ, "viewer")
            .await;
        self.app
            .db()
            .exec(&format!(
                "DELETE FROM org_memberships WHERE user_id = '{user}'"
            ))
            .await;
        user
    }

    /// The newcomer, added to VIBOTAJ as a manager by its admin; the membership id.
    async fn newcomer_member(&self) -> String {
        let body = json!({"user_id": self.newcomer().await, "org_role": "manager"});
        let added = self
            .app
            .add_member(V1, &self.compliance, VIBOTAJ, &body)
            .await;
        id_in(&added)
    }

    /// The memberships VIBOTAJ's admin (compliance) aims changes at: the newcomer's (see
    /// [`Vibotaj::newcomer_member`]), the admin's own, and the owner's (a higher rank).
    async fn targets(&self) -> (String, String, String) {
        (
            self.newcomer_member().await,
            self.app.membership_id(COMPLIANCE, VIBOTAJ).await,
            self.app.membership_id(ADMIN, VIBOTAJ).await,
        )
    }

    /// `method` on one of VIBOTAJ's members (or on its list) as `token`, with `body`; the
    /// caller checks the answer.
    async fn on_member(
        &self,
        method: Method,
        path: String,
        token: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        self.app.call(method, &path, Some(token), body).await
    }
}

#[tokio::test]
async fn the_member_list_filters_searches_and_shows_only_its_organization() {
    let v = vibotaj().await;
    let stored = all_members(&v.app, VIBOTAJ).await;
    let theirs_stored = all_members(&v.app, &v.buyer_org).await;
    for prefix in PREFIXES {
        let list = v.app.members(prefix, &v.viewer, VIBOTAJ, "").await;
        assert_eq!(list["total"].as_i64().unwrap(), stored);
        let first = &list["items"][0];
        for key in [
            "id",
            "user_id",
            "email",
            "full_name",
            "org_role",
            "status",
            "is_primary",
            "joined_at",
            "last_active_at",
        ] {
            assert!(first.get(key).is_some(), "{key}: {first}");
        }
        let owners = v
            .app
            .members(prefix, &v.viewer, VIBOTAJ, "?role=owner")
            .await;
        assert_eq!(owners["total"], 1);
        assert_eq!(owners["items"][0]["email"], ADMIN);
        assert!(owners["items"][0]["last_active_at"].is_string());
        let query = "?search=LOGISTIC&status=active";
        let searched = v.app.members(prefix, &v.viewer, VIBOTAJ, query).await;
        assert_eq!(searched["total"], 1);
        let response = v
            .app
            .get_with_token(
                &format!("{}?role=boss", vibotaj_members(prefix, "")),
                &v.viewer,
            )
            .await;
        let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, "role").await;
        assert_eq!(field_names(&body), ["role"]);
        // The buyer lists its own organization's members, and only those.
        let theirs = v.app.members(prefix, &v.buyer, &v.buyer_org, "").await;
        assert_eq!(theirs["total"].as_i64().unwrap(), theirs_stored, "{theirs}");
        assert_eq!(theirs["items"][0]["email"], BUYER);
    }
}

#[tokio::test]
async fn a_members_detail_shows_the_role_the_account_and_the_permissions() {
    let v = vibotaj().await;
    let logistics_member = v.app.membership_id(LOGISTICS, VIBOTAJ).await;
    for prefix in PREFIXES {
        let detail = v
            .app
            .get_ok(&vibotaj_members(prefix, &logistics_member), &v.viewer)
            .await;
        assert_eq!(detail["org_role"], "manager");
        assert_eq!(detail["user"]["email"], LOGISTICS);
        assert_eq!(detail["user"]["role"], "logistics_agent");
        let permissions: Vec<&str> = detail["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(permissions.contains(&"members:invite"));
        assert!(!permissions.contains(&"members:manage"));
    }
}

/// A membership of another organization under VIBOTAJ's path, and the other way round.
#[tokio::test]
async fn another_organizations_member_ids_are_404_under_this_one() {
    let v = vibotaj().await;
    let logistics_member = v.app.membership_id(LOGISTICS, VIBOTAJ).await;
    let buyer_member = v.app.membership_id(BUYER, &v.buyer_org).await;
    let foreign = |prefix: &str| vibotaj_members(prefix, &buyer_member);
    for prefix in PREFIXES {
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let body = json!({"org_role": "viewer"});
            let response = v
                .on_member(method, foreign(prefix), &v.compliance, Some(&body))
                .await;
            assert_error(
                response,
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "foreign member",
            )
            .await;
        }
        for action in ["suspend", "reactivate"] {
            let path = format!("{}/{action}", foreign(prefix));
            let response = v
                .on_member(Method::POST, path, &v.compliance, Some(&json!({})))
                .await;
            assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", action).await;
        }
        let response = v
            .app
            .get_with_token(
                &format!(
                    "{prefix}/organizations/{}/members/{logistics_member}",
                    v.buyer_org
                ),
                &v.buyer,
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "reverse").await;
    }
}

/// Adding: a user of this organization without a membership, by an admin, at most at the
/// admin's rank; unknown users and users of other organizations are "not found"; twice is a
/// conflict.
#[tokio::test]
async fn adding_a_member_takes_a_user_of_this_organization_once() {
    let v = vibotaj().await;
    let newcomer = v.newcomer().await;
    let stranger = v
        .app
        .create_member("stranger@witatrade.de", "BUYER", &v.buyer_org, "member")
        .await;
    let list = vibotaj_members(V1, "");
    for (user, why) in [(UNKNOWN, "unknown"), (stranger.as_str(), "other tenant")] {
        let body = json!({"user_id": user, "org_role": "member"});
        let response = v
            .on_member(Method::POST, list.clone(), &v.compliance, Some(&body))
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", why).await;
    }
    for token in [&v.logistics, &v.viewer] {
        let body = json!({"user_id": newcomer});
        let response = v
            .on_member(Method::POST, list.clone(), token, Some(&body))
            .await;
        assert_error(
            response,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            "add",
        )
        .await;
    }
    let peer = json!({"user_id": newcomer, "org_role": "admin"});
    let response = v
        .on_member(Method::POST, list.clone(), &v.compliance, Some(&peer))
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "CANNOT_MODIFY_HIGHER_ROLE",
        "peer role",
    )
    .await;
    for (body, field) in [
        (json!({"org_role": "member"}), "user_id"),
        (json!({"user_id": "nope"}), "user_id"),
        (json!({"user_id": newcomer, "org_role": "boss"}), "org_role"),
    ] {
        let response = v
            .on_member(Method::POST, list.clone(), &v.compliance, Some(&body))
            .await;
        let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, field).await;
        assert_eq!(field_names(&body), [field]);
    }
    let manager = json!({"user_id": newcomer, "org_role": "manager"});
    let added = v
        .app
        .add_member("/api", &v.compliance, VIBOTAJ, &manager)
        .await;
    assert_eq!(added["org_role"], "manager");
    assert_eq!(added["email"], "newcomer@vibotaj.com");
    let twice = json!({"user_id": newcomer});
    let response = v
        .on_member(Method::POST, list, &v.compliance, Some(&twice))
        .await;
    assert_error(response, StatusCode::CONFLICT, "ALREADY_MEMBER", "twice").await;
    assert_eq!(v.app.audit_count("member.add").await, 1);
}

/// The platform admin adds anyone anywhere (here: the VIBOTAJ viewer to WITATRADE), and the
/// buyer organization then sees that member's name; its own member adds nobody.
#[tokio::test]
async fn the_platform_admin_adds_anyone_and_a_buyer_member_adds_nobody() {
    let v = vibotaj().await;
    let viewer = json!({"user_id": v.app.user_id(VIEWER).await, "org_role": "viewer"});
    v.app.add_member(V1, &v.admin, &v.buyer_org, &viewer).await;
    let listed = v
        .app
        .members("/api", &v.buyer, &v.buyer_org, "?search=viewer")
        .await;
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["items"][0]["email"], VIEWER);
    let buyer = json!({"user_id": v.app.user_id(BUYER).await});
    let response = v
        .app
        .send_json(
            Method::POST,
            &format!("{V1}/organizations/{}/members", v.buyer_org),
            &v.buyer,
            &buyer,
        )
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "buyer add",
    )
    .await;
    assert_eq!(v.app.audit_count("member.add").await, 1);
}

/// Changing roles: an admin changes lower ranks, never their own nor a higher one nor up to
/// one; a manager changes nobody; the body names one change.
#[tokio::test]
async fn a_members_role_change_follows_the_rank_and_self_rules() {
    let v = vibotaj().await;
    let (new_member, compliance_member, admin_member) = v.targets().await;
    for prefix in PREFIXES {
        let demote = json!({"org_role": "member"});
        let changed = v
            .app
            .change_member(prefix, &v.compliance, VIBOTAJ, &new_member, &demote)
            .await;
        assert_eq!(changed["org_role"], "member");
        assert!(changed["permissions"].is_array());
        for (target, body, code) in [
            (
                &compliance_member,
                json!({"org_role": "viewer"}),
                "CANNOT_MODIFY_SELF",
            ),
            (
                &admin_member,
                json!({"org_role": "viewer"}),
                "CANNOT_MODIFY_HIGHER_ROLE",
            ),
            (
                &new_member,
                json!({"org_role": "owner"}),
                "CANNOT_MODIFY_HIGHER_ROLE",
            ),
        ] {
            let path = vibotaj_members(prefix, target);
            let response = v
                .on_member(Method::PATCH, path, &v.compliance, Some(&body))
                .await;
            assert_error(response, StatusCode::FORBIDDEN, code, code).await;
        }
        let path = vibotaj_members(prefix, &new_member);
        let viewer = json!({"org_role": "viewer"});
        let response = v
            .on_member(Method::PATCH, path.clone(), &v.logistics, Some(&viewer))
            .await;
        assert_error(
            response,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            "manager",
        )
        .await;
        for (body, field) in [
            (json!({}), "body"),
            (json!({"status": "pending"}), "status"),
            (json!({"org_role": "viewer", "x": 1}), "x"),
        ] {
            let response = v
                .on_member(Method::PATCH, path.clone(), &v.compliance, Some(&body))
                .await;
            let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, field).await;
            assert_eq!(field_names(&body), [field]);
        }
    }
    assert_eq!(v.app.audit_count("member.update").await, 2);
}

/// Suspending stops the member's tokens; reactivating restores them. A viewer does neither.
#[tokio::test]
async fn a_suspended_members_tokens_stop_until_reactivated() {
    let v = vibotaj().await;
    let new_member = v.newcomer_member().await;
    let newcomer_token = v.app.token("newcomer@vibotaj.com").await;
    let suspend = |prefix: &str| format!("{}/suspend", vibotaj_members(prefix, &new_member));
    let long = json!({"reason": "x".repeat(501)});
    let response = v
        .on_member(Method::POST, suspend(V1), &v.compliance, Some(&long))
        .await;
    let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, "reason").await;
    assert_eq!(field_names(&body), ["reason"]);
    for prefix in PREFIXES {
        let reason = json!({"reason": "left the company"});
        let response = v
            .on_member(Method::POST, suspend(prefix), &v.compliance, Some(&reason))
            .await;
        let suspended = json_of(response, StatusCode::OK, "suspend").await;
        assert_eq!(suspended["status"], "suspended");
        assert_eq!(suspended["permissions"], json!([]));
        let response = v
            .app
            .get_with_token(&format!("{prefix}/organizations"), &newcomer_token)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let reactivate = format!("{}/reactivate", vibotaj_members(prefix, &new_member));
        let response = v
            .on_member(Method::POST, reactivate, &v.compliance, None)
            .await;
        let active = json_of(response, StatusCode::OK, "reactivate").await;
        assert_eq!(active["status"], "active");
        v.app
            .get_ok(&format!("{prefix}/organizations"), &newcomer_token)
            .await;
    }
    assert!(v
        .app
        .db()
        .scalar_string(
            "SELECT details::text FROM audit_logs WHERE action = 'member.suspend' LIMIT 1"
        )
        .await
        .unwrap()
        .contains("left the company"));
    let response = v
        .on_member(Method::POST, suspend(V1), &v.viewer, Some(&json!({})))
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "viewer suspend",
    )
    .await;
}

/// Removing: never oneself, never a higher role, never by a viewer; then the member is gone.
#[tokio::test]
async fn removing_a_member_refuses_oneself_higher_roles_and_viewers() {
    let v = vibotaj().await;
    let (new_member, compliance_member, admin_member) = v.targets().await;
    for (token, target, code) in [
        (&v.compliance, &compliance_member, "CANNOT_MODIFY_SELF"),
        (&v.compliance, &admin_member, "CANNOT_MODIFY_HIGHER_ROLE"),
        (&v.viewer, &new_member, "INSUFFICIENT_PERMISSIONS"),
    ] {
        let path = vibotaj_members(V1, target);
        let response = v.on_member(Method::DELETE, path, token, None).await;
        assert_error(response, StatusCode::FORBIDDEN, code, code).await;
    }
    let removed = v
        .app
        .remove_member(V1, &v.compliance, VIBOTAJ, &new_member)
        .await;
    assert_eq!(removed["id"], new_member.as_str());
    let path = vibotaj_members("/api", &new_member);
    let response = v.on_member(Method::DELETE, path, &v.compliance, None).await;
    assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "gone").await;
    assert_eq!(v.app.audit_count("member.remove").await, 1);
}

/// A supplier organization with `owners` owners (each a new user homed there).
async fn org_with_owners(app: &TestApp, slug: &str, owners: usize) -> (String, Vec<String>) {
    let org = app
        .create_organization(&format!("Org {slug}"), slug, "supplier")
        .await;
    let mut memberships = Vec::new();
    for n in 0..owners {
        let email = format!("owner{n}@{slug}.example");
        app.create_member(&email, "SUPPLIER", &org, "owner").await;
        memberships.push(app.membership_id(&email, &org).await);
    }
    (org, memberships)
}

#[tokio::test]
async fn the_last_admin_always_stays() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let (org, owners) = org_with_owners(&app, "lastadmin", 2).await;
    let path = |member: &str| format!("/api/v1/organizations/{org}/members/{member}");

    let demoted = json!({"org_role": "member"});
    app.change_member(V1, &admin, &org, &owners[0], &demoted)
        .await;
    // Now owners[1] is the only one left: no demotion, suspension or removal.
    let response = app
        .send_json(
            Method::PATCH,
            &path(&owners[1]),
            &admin,
            &json!({"org_role": "manager"}),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "LAST_ADMIN", "demote").await;
    let response = app
        .send_json(
            Method::PATCH,
            &path(&owners[1]),
            &admin,
            &json!({"status": "suspended"}),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "LAST_ADMIN", "patch status").await;
    for prefix in PREFIXES {
        let response = app
            .send_json(
                Method::POST,
                &format!("{prefix}/organizations/{org}/members/{}/suspend", owners[1]),
                &admin,
                &json!({}),
            )
            .await;
        assert_error(response, StatusCode::CONFLICT, "LAST_ADMIN", "suspend").await;
        let response = app
            .call(
                Method::DELETE,
                &format!("{prefix}/organizations/{org}/members/{}", owners[1]),
                Some(&admin),
                None,
            )
            .await;
        assert_error(response, StatusCode::CONFLICT, "LAST_ADMIN", "remove").await;
    }
    // Owner → admin keeps the organization administered.
    let admin_role = json!({"org_role": "admin"});
    let changed = app
        .change_member(V1, &admin, &org, &owners[1], &admin_role)
        .await;
    assert_eq!(changed["org_role"], "admin");
    // The remaining admin may not change themselves either.
    let own_token = app.token("owner1@lastadmin.example").await;
    let response = app
        .send_json(
            Method::PATCH,
            &path(&owners[1]),
            &own_token,
            &json!({"org_role": "viewer"}),
        )
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "CANNOT_MODIFY_SELF",
        "self",
    )
    .await;
}

/// Many concurrent demotions, suspensions and removals of the owners of one organization:
/// exactly one owner remains, every other request is refused with LAST_ADMIN.
#[tokio::test]
async fn concurrent_changes_never_remove_the_last_admin() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    for round in 0..3 {
        let (org, owners) = org_with_owners(&app, &format!("race{round}"), 6).await;
        let requests = owners.iter().enumerate().map(|(n, member)| {
            let path = format!("/api/v1/organizations/{org}/members/{member}");
            let (method, body) = match n % 3 {
                0 => (Method::PATCH, Some(json!({"org_role": "member"}))),
                1 => (Method::DELETE, None),
                _ => (Method::POST, Some(json!({"reason": "race"}))),
            };
            let path = if n % 3 == 2 {
                format!("{path}/suspend")
            } else {
                path
            };
            let app = &app;
            let admin = &admin;
            async move {
                app.call(method, &path, Some(admin), body.as_ref())
                    .await
                    .status()
            }
        });
        let statuses = join_all(requests).await;
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count();
        assert_eq!((ok, refused), (5, 1), "round {round}: {statuses:?}");
        let administrators = app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM org_memberships WHERE organization_id = '{org}' \
                 AND status = 'active' AND role IN ('owner', 'admin')"
            ))
            .await;
        assert_eq!(administrators, 1, "round {round}");
    }
}

#[tokio::test]
async fn member_routes_of_another_organization_are_not_found() {
    let app = app().await;
    let compliance = app.token(COMPLIANCE).await;
    let buyer_org = app.organization_of(BUYER).await;
    let buyer_member = app.membership_id(BUYER, &buyer_org).await;
    let base = format!("/organizations/{buyer_org}/members");
    let member = format!("{base}/{buyer_member}");
    let routes = [
        (Method::GET, base.clone()),
        (Method::POST, base.clone()),
        (Method::GET, member.clone()),
        (Method::PATCH, member.clone()),
        (Method::DELETE, member.clone()),
        (Method::POST, format!("{member}/suspend")),
        (Method::POST, format!("{member}/reactivate")),
    ];
    for prefix in PREFIXES {
        for (method, path) in &routes {
            // A body each route accepts, so only the organization decides the answer.
            let body = match (method.as_str(), path.ends_with("/members")) {
                ("POST", true) => json!({"user_id": UNKNOWN, "org_role": "viewer"}),
                ("PATCH", _) => json!({"org_role": "viewer"}),
                _ => json!({}),
            };
            let path = format!("{prefix}{path}");
            let response = app
                .call(method.clone(), &path, Some(&compliance), Some(&body))
                .await;
            assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", &path).await;
        }
    }
    // Nothing changed.
    assert_eq!(
        app.db()
            .scalar_string(&format!(
                "SELECT role::text || ' ' || status::text FROM org_memberships WHERE id = '{buyer_member}'"
            ))
            .await
            .unwrap(),
        "member active"
    );
}

#[tokio::test]
async fn suspending_an_organization_locks_its_members_out_until_reactivated() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let buyer = app.token(BUYER).await;
    let buyer_org = app.organization_of(BUYER).await;
    let path = format!("/api/v1/organizations/{buyer_org}");

    let response = app.call(Method::DELETE, &path, Some(&admin), None).await;
    json_of(response, StatusCode::OK, "suspend").await;
    let response = app.get_with_token(&path, &buyer).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let listed = app
        .get_ok("/api/v1/organizations?status=suspended", &admin)
        .await;
    assert_eq!(listed["items"][0]["id"], buyer_org.as_str());

    let response = app
        .send_json(Method::PATCH, &path, &admin, &json!({"status": "active"}))
        .await;
    let body = json_of(response, StatusCode::OK, "reactivate").await;
    assert_eq!(body["status"], "active");
    app.get_ok(&path, &buyer).await;
}
