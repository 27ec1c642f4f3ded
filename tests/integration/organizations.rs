//! The organization and member API (`/organizations…`) over real HTTP against the demo world
//! at head: VIBOTAJ (admin = platform admin and owner, compliance = admin, logistics =
//! manager, viewer = viewer) and the buyer organization WITATRADE (its buyer = member).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, LOGISTICS, VIBOTAJ, VIEWER};
use crate::helpers::{assert_error, TestApp};

const PREFIXES: [&str; 2] = ["/api/v1", "/api"];
const UNKNOWN: &str = "7b0c3b1e-0000-4000-8000-000000000099";

async fn app() -> TestApp {
    TestApp::spawn(8, Duration::from_secs(10)).await
}

/// The organization id of the demo buyer (WITATRADE).
async fn witatrade(app: &TestApp) -> String {
    app.db()
        .scalar_string(&format!(
            "SELECT m.organization_id::text FROM org_memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.email = '{BUYER}'"
        ))
        .await
        .expect("membership")
}

/// The membership id of `email` in `organization`.
async fn membership(app: &TestApp, email: &str, organization: &str) -> String {
    app.db()
        .scalar_string(&format!(
            "SELECT m.id::text FROM org_memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.email = '{email}' AND m.organization_id = '{organization}'"
        ))
        .await
        .expect("membership")
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    app.db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action = '{action}'"
        ))
        .await
}

async fn json_of(response: reqwest::Response, status: StatusCode, why: &str) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{why}: {body}");
    body
}

fn field_names(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
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
async fn platform_admin_creates_lists_reads_updates_and_suspends() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let buyer_org = witatrade(&app).await;

    for prefix in PREFIXES {
        let slug = format!("acme{}", prefix.len());
        let response = app
            .send_json(
                Method::POST,
                &format!("{prefix}/organizations"),
                &admin,
                &json!({"name": "  Acme Supplies  ", "slug": slug, "type": "supplier",
                        "contact_email": "ops@acme.example", "country": "NG"}),
            )
            .await;
        let created = json_of(response, StatusCode::CREATED, "create").await;
        assert_eq!(created["name"], "Acme Supplies");
        assert_eq!(created["slug"], slug.as_str());
        assert_eq!(created["type"], "supplier");
        assert_eq!(created["status"], "active");
        assert_eq!(created["member_count"], 0);
        assert_eq!(created["shipment_count"], 0);
        assert_eq!(created["contact_email"], "ops@acme.example");

        // The same slug again.
        let response = app
            .send_json(
                Method::POST,
                &format!("{prefix}/organizations"),
                &admin,
                &json!({"name": "Other", "slug": slug, "type": "buyer"}),
            )
            .await;
        assert_error(response, StatusCode::CONFLICT, "ORG_SLUG_EXISTS", "slug").await;

        for kind in ["platform_owner", "vibotaj", "customer"] {
            let response = app
                .send_json(
                    Method::POST,
                    &format!("{prefix}/organizations"),
                    &admin,
                    &json!({"name": "Typed", "type": kind}),
                )
                .await;
            let body = assert_error(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_ORG_TYPE",
                kind,
            )
            .await;
            assert!(body["detail"].as_str().unwrap().starts_with("type:"));
        }

        let response = app
            .send_json(
                Method::POST,
                &format!("{prefix}/organizations"),
                &admin,
                &json!({"name": "x", "slug": "Bad Slug", "type": "buyer", "country": "Germany"}),
            )
            .await;
        let body = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            "fields",
        )
        .await;
        assert_eq!(field_names(&body), ["name", "slug", "country"]);
        let response = app
            .send_json(
                Method::POST,
                &format!("{prefix}/organizations"),
                &admin,
                &json!({"slug": "no-name", "type": "buyer", "colour": "red"}),
            )
            .await;
        let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, "unknown field").await;
        assert_eq!(field_names(&body), ["colour"]);
    }
    // The slug is derived from the name when absent.
    let response = app
        .send_json(
            Method::POST,
            "/api/v1/organizations",
            &admin,
            &json!({"name": "Société Générale d'Import", "type": "logistics_agent", "status": "pending_setup"}),
        )
        .await;
    let derived = json_of(response, StatusCode::CREATED, "derived slug").await;
    assert_eq!(derived["slug"], "societe-generale-d-import");
    assert_eq!(derived["status"], "pending_setup");
    assert_eq!(audit_count(&app, "organization.create").await, 3);

    // The list: everything for the platform admin, with filters, sorting and paging.
    for prefix in PREFIXES {
        let all = app
            .get_ok(&format!("{prefix}/organizations?limit=100"), &admin)
            .await;
        let total = all["total"].as_i64().unwrap();
        let stored = app
            .db()
            .scalar_i64("SELECT count(*) FROM organizations")
            .await;
        assert_eq!(total, stored, "{all}");
        assert_eq!(all["page"], 1);
        assert_eq!(all["limit"], 100);
        let ids: Vec<&str> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&VIBOTAJ) && ids.contains(&buyer_org.as_str()));
        let vibotaj = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == VIBOTAJ)
            .unwrap();
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
        assert!(
            names.windows(2).all(|w| w[0] <= w[1]) || names.len() < 2,
            "{names:?}"
        );
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

    // Another organization by id: the audited platform path.
    let acme = created_id(&app, "acme7").await;
    for prefix in PREFIXES {
        let detail = app
            .get_ok(&format!("{prefix}/organizations/{buyer_org}"), &admin)
            .await;
        assert_eq!(detail["type"], "buyer");
        let assigned = app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM shipments WHERE buyer_organization_id = '{buyer_org}'"
            ))
            .await;
        assert!(assigned > 0, "the demo assigns shipments to WITATRADE");
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

        let response = app
            .send_json(
                Method::PATCH,
                &format!("{prefix}/organizations/{acme}"),
                &admin,
                &json!({"name": format!("Acme {prefix}"), "contact_email": null,
                        "settings": {"timezone": "Africa/Lagos"}, "status": "pending_setup"}),
            )
            .await;
        let patched = json_of(response, StatusCode::OK, "patch").await;
        assert_eq!(patched["name"], format!("Acme {prefix}"));
        assert_eq!(patched["contact_email"], Value::Null);
        assert_eq!(patched["country"], "NG", "untouched fields stay");
        assert_eq!(patched["settings"]["timezone"], "Africa/Lagos");
        assert_eq!(patched["status"], "pending_setup");
        let response = app
            .send_json(
                Method::PATCH,
                &format!("{prefix}/organizations/{acme}"),
                &admin,
                &json!({"type": "buyer", "name": ""}),
            )
            .await;
        let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, "patch type").await;
        assert_eq!(field_names(&body), ["type", "name"]);
        let response = app
            .send_json(
                Method::PATCH,
                &format!("{prefix}/organizations/{acme}"),
                &admin,
                &json!({"slug": "acme4"}),
            )
            .await;
        assert_error(
            response,
            StatusCode::CONFLICT,
            "ORG_SLUG_EXISTS",
            "patch slug",
        )
        .await;
    }
    assert!(
        app.db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM audit_logs WHERE action = 'platform.access' \
                 AND organization_id = '{buyer_org}'"
            ))
            .await
            >= 2
    );
    assert_eq!(audit_count(&app, "organization.update").await, 2);

    // Suspending: soft only; never VIBOTAJ.
    for prefix in PREFIXES {
        let response = app
            .call(
                Method::DELETE,
                &format!("{prefix}/organizations/{VIBOTAJ}"),
                Some(&admin),
                None,
            )
            .await;
        assert_error(
            response,
            StatusCode::FORBIDDEN,
            "PROTECTED_ORGANIZATION",
            "VIBOTAJ",
        )
        .await;
        let response = app
            .send_json(
                Method::PATCH,
                &format!("{prefix}/organizations/{VIBOTAJ}"),
                &admin,
                &json!({"status": "suspended"}),
            )
            .await;
        assert_error(
            response,
            StatusCode::FORBIDDEN,
            "PROTECTED_ORGANIZATION",
            "VIBOTAJ",
        )
        .await;
        let response = app
            .call(
                Method::DELETE,
                &format!("{prefix}/organizations/{acme}?hard_delete=true"),
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
        let response = app
            .call(
                Method::DELETE,
                &format!("{prefix}/organizations/{acme}"),
                Some(&admin),
                None,
            )
            .await;
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
    assert_eq!(audit_count(&app, "organization.suspend").await, 2);
}

async fn created_id(app: &TestApp, slug: &str) -> String {
    app.db()
        .scalar_string(&format!(
            "SELECT id::text FROM organizations WHERE slug = '{slug}'"
        ))
        .await
        .expect("organization")
}

#[tokio::test]
async fn other_roles_are_refused_or_see_only_their_own() {
    let app = app().await;
    let compliance = app.token(COMPLIANCE).await; // VIBOTAJ admin, not a platform admin
    let viewer = app.token(VIEWER).await;
    let buyer = app.token(BUYER).await;
    let buyer_org = witatrade(&app).await;

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

#[tokio::test]
async fn members_are_listed_added_changed_and_removed() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let compliance = app.token(COMPLIANCE).await;
    let logistics = app.token(LOGISTICS).await;
    let viewer = app.token(VIEWER).await;
    let buyer = app.token(BUYER).await;
    let buyer_org = witatrade(&app).await;
    let members = format!("/organizations/{VIBOTAJ}/members");

    for prefix in PREFIXES {
        let list = app.get_ok(&format!("{prefix}{members}"), &viewer).await;
        let stored = app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM org_memberships WHERE organization_id = '{VIBOTAJ}'"
            ))
            .await;
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
        let owners = app
            .get_ok(&format!("{prefix}{members}?role=owner"), &viewer)
            .await;
        assert_eq!(owners["total"], 1);
        assert_eq!(owners["items"][0]["email"], ADMIN);
        assert!(owners["items"][0]["last_active_at"].is_string());
        let searched = app
            .get_ok(
                &format!("{prefix}{members}?search=LOGISTIC&status=active"),
                &viewer,
            )
            .await;
        assert_eq!(searched["total"], 1);
        let response = app
            .get_with_token(&format!("{prefix}{members}?role=boss"), &viewer)
            .await;
        let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, "role").await;
        assert_eq!(field_names(&body), ["role"]);
        // The buyer lists its own organization's members.
        let theirs = app
            .get_ok(
                &format!("{prefix}/organizations/{buyer_org}/members"),
                &buyer,
            )
            .await;
        assert_eq!(theirs["items"][0]["email"], BUYER);
    }

    // One member in detail.
    let logistics_member = membership(&app, LOGISTICS, VIBOTAJ).await;
    for prefix in PREFIXES {
        let detail = app
            .get_ok(&format!("{prefix}{members}/{logistics_member}"), &viewer)
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
    // A membership of another organization under VIBOTAJ's path, and the other way round.
    let buyer_member = membership(&app, BUYER, &buyer_org).await;
    for prefix in PREFIXES {
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let response = app
                .call(
                    method,
                    &format!("{prefix}{members}/{buyer_member}"),
                    Some(&compliance),
                    Some(&json!({"org_role": "viewer"})),
                )
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
            let response = app
                .send_json(
                    Method::POST,
                    &format!("{prefix}{members}/{buyer_member}/{action}"),
                    &compliance,
                    &json!({}),
                )
                .await;
            assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", action).await;
        }
        let response = app
            .get_with_token(
                &format!("{prefix}/organizations/{buyer_org}/members/{logistics_member}"),
                &buyer,
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "reverse").await;
    }

    // Adding: a user of this organization without a membership; unknown users and users of
    // other organizations are "not found"; twice is a conflict.
    let newcomer = app
        .create_member("newcomer@vibotaj.com", "VIEWER", VIBOTAJ, "viewer")
        .await;
    app.db()
        .exec(&format!(
            "DELETE FROM org_memberships WHERE user_id = '{newcomer}'"
        ))
        .await;
    let buyer_user = app
        .db()
        .scalar_string(&format!(
            "SELECT id::text FROM users WHERE email = '{BUYER}'"
        ))
        .await
        .unwrap();
    let stranger = app
        .create_member("stranger@witatrade.de", "BUYER", &buyer_org, "member")
        .await;
    for (user, why) in [(UNKNOWN, "unknown"), (stranger.as_str(), "other tenant")] {
        let response = app
            .send_json(
                Method::POST,
                &format!("/api/v1{members}"),
                &compliance,
                &json!({"user_id": user, "org_role": "member"}),
            )
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", why).await;
    }
    for (token, code) in [
        (&logistics, "INSUFFICIENT_PERMISSIONS"),
        (&viewer, "INSUFFICIENT_PERMISSIONS"),
    ] {
        let response = app
            .send_json(
                Method::POST,
                &format!("/api/v1{members}"),
                token,
                &json!({"user_id": newcomer}),
            )
            .await;
        assert_error(response, StatusCode::FORBIDDEN, code, "add").await;
    }
    let response = app
        .send_json(
            Method::POST,
            &format!("/api/v1{members}"),
            &compliance,
            &json!({"user_id": newcomer, "org_role": "admin"}),
        )
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
        let response = app
            .send_json(
                Method::POST,
                &format!("/api/v1{members}"),
                &compliance,
                &body,
            )
            .await;
        let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, field).await;
        assert_eq!(field_names(&body), [field]);
    }
    let response = app
        .send_json(
            Method::POST,
            &format!("/api{members}"),
            &compliance,
            &json!({"user_id": newcomer, "org_role": "manager"}),
        )
        .await;
    let added = json_of(response, StatusCode::CREATED, "add").await;
    assert_eq!(added["org_role"], "manager");
    assert_eq!(added["email"], "newcomer@vibotaj.com");
    let new_member = added["id"].as_str().unwrap().to_string();
    let response = app
        .send_json(
            Method::POST,
            &format!("/api/v1{members}"),
            &compliance,
            &json!({"user_id": newcomer}),
        )
        .await;
    assert_error(response, StatusCode::CONFLICT, "ALREADY_MEMBER", "twice").await;
    // The platform admin adds anyone anywhere (here: the VIBOTAJ viewer to WITATRADE), and
    // the buyer organization then sees that member's name.
    let viewer_user = app
        .db()
        .scalar_string(&format!(
            "SELECT id::text FROM users WHERE email = '{VIEWER}'"
        ))
        .await
        .unwrap();
    let response = app
        .send_json(
            Method::POST,
            &format!("/api/v1/organizations/{buyer_org}/members"),
            &admin,
            &json!({"user_id": viewer_user, "org_role": "viewer"}),
        )
        .await;
    json_of(response, StatusCode::CREATED, "platform add").await;
    let listed = app
        .get_ok(
            &format!("/api/organizations/{buyer_org}/members?search=viewer"),
            &buyer,
        )
        .await;
    assert_eq!(listed["items"][0]["email"], VIEWER);
    // A buyer organization's member adds nobody.
    let response = app
        .send_json(
            Method::POST,
            &format!("/api/v1/organizations/{buyer_org}/members"),
            &buyer,
            &json!({"user_id": buyer_user}),
        )
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "buyer add",
    )
    .await;
    assert_eq!(audit_count(&app, "member.add").await, 2);

    // Changing roles: the rank rules and the self rule.
    let compliance_member = membership(&app, COMPLIANCE, VIBOTAJ).await;
    let admin_member = membership(&app, ADMIN, VIBOTAJ).await;
    for prefix in PREFIXES {
        let response = app
            .send_json(
                Method::PATCH,
                &format!("{prefix}{members}/{new_member}"),
                &compliance,
                &json!({"org_role": "member"}),
            )
            .await;
        let changed = json_of(response, StatusCode::OK, "demote").await;
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
            let response = app
                .send_json(
                    Method::PATCH,
                    &format!("{prefix}{members}/{target}"),
                    &compliance,
                    &body,
                )
                .await;
            assert_error(response, StatusCode::FORBIDDEN, code, code).await;
        }
        let response = app
            .send_json(
                Method::PATCH,
                &format!("{prefix}{members}/{new_member}"),
                &logistics,
                &json!({"org_role": "viewer"}),
            )
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
            let response = app
                .send_json(
                    Method::PATCH,
                    &format!("{prefix}{members}/{new_member}"),
                    &compliance,
                    &body,
                )
                .await;
            let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, field).await;
            assert_eq!(field_names(&body), [field]);
        }
    }

    // Suspending stops the member's tokens; reactivating restores them.
    let newcomer_token = app.token("newcomer@vibotaj.com").await;
    let response = app
        .send_json(
            Method::POST,
            &format!("/api/v1{members}/{new_member}/suspend"),
            &compliance,
            &json!({"reason": "x".repeat(501)}),
        )
        .await;
    let body = json_of(response, StatusCode::UNPROCESSABLE_ENTITY, "reason").await;
    assert_eq!(field_names(&body), ["reason"]);
    for prefix in PREFIXES {
        let response = app
            .send_json(
                Method::POST,
                &format!("{prefix}{members}/{new_member}/suspend"),
                &compliance,
                &json!({"reason": "left the company"}),
            )
            .await;
        let suspended = json_of(response, StatusCode::OK, "suspend").await;
        assert_eq!(suspended["status"], "suspended");
        assert_eq!(suspended["permissions"], json!([]));
        let response = app
            .get_with_token(&format!("{prefix}/organizations"), &newcomer_token)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let response = app
            .call(
                Method::POST,
                &format!("{prefix}{members}/{new_member}/reactivate"),
                Some(&compliance),
                None,
            )
            .await;
        let active = json_of(response, StatusCode::OK, "reactivate").await;
        assert_eq!(active["status"], "active");
        app.get_ok(&format!("{prefix}/organizations"), &newcomer_token)
            .await;
    }
    assert!(app
        .db()
        .scalar_string(
            "SELECT details::text FROM audit_logs WHERE action = 'member.suspend' LIMIT 1"
        )
        .await
        .unwrap()
        .contains("left the company"));
    let response = app
        .call(
            Method::POST,
            &format!("/api/v1{members}/{new_member}/suspend"),
            Some(&viewer),
            Some(&json!({})),
        )
        .await;
    assert_error(
        response,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "viewer suspend",
    )
    .await;

    // Removing: never oneself, never a higher role; then the member is gone.
    for (token, target, code) in [
        (&compliance, &compliance_member, "CANNOT_MODIFY_SELF"),
        (&compliance, &admin_member, "CANNOT_MODIFY_HIGHER_ROLE"),
        (&viewer, &new_member, "INSUFFICIENT_PERMISSIONS"),
    ] {
        let response = app
            .call(
                Method::DELETE,
                &format!("/api/v1{members}/{target}"),
                Some(token),
                None,
            )
            .await;
        assert_error(response, StatusCode::FORBIDDEN, code, code).await;
    }
    for prefix in PREFIXES {
        let response = app
            .call(
                Method::DELETE,
                &format!("{prefix}{members}/{new_member}"),
                Some(&compliance),
                None,
            )
            .await;
        if prefix == "/api/v1" {
            let body = json_of(response, StatusCode::OK, "remove").await;
            assert_eq!(body["id"], new_member.as_str());
        } else {
            assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", "gone").await;
        }
    }
    assert_eq!(audit_count(&app, "member.remove").await, 1);
    assert_eq!(audit_count(&app, "member.update").await, 2);
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
        memberships.push(membership(app, &email, &org).await);
    }
    (org, memberships)
}

#[tokio::test]
async fn the_last_admin_always_stays() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let (org, owners) = org_with_owners(&app, "lastadmin", 2).await;
    let path = |member: &str| format!("/api/v1/organizations/{org}/members/{member}");

    let response = app
        .send_json(
            Method::PATCH,
            &path(&owners[0]),
            &admin,
            &json!({"org_role": "member"}),
        )
        .await;
    json_of(response, StatusCode::OK, "first demotion").await;
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
    let response = app
        .send_json(
            Method::PATCH,
            &path(&owners[1]),
            &admin,
            &json!({"org_role": "admin"}),
        )
        .await;
    json_of(response, StatusCode::OK, "owner to admin").await;
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
        let statuses = futures_join_all(requests).await;
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

/// Runs the futures concurrently on this task (no extra dependency needed).
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for future in futures {
        set.push(Box::pin(future));
    }
    let mut outputs: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, future) in outputs.iter_mut().zip(set.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *slot = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("finished")).collect()
}

#[tokio::test]
async fn member_routes_of_another_organization_are_not_found() {
    let app = app().await;
    let compliance = app.token(COMPLIANCE).await;
    let buyer_org = witatrade(&app).await;
    let buyer_member = membership(&app, BUYER, &buyer_org).await;
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
    let buyer_org = witatrade(&app).await;
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

/// Active memberships of an organization, counted by its owner (the figure the API shows).
async fn active_members(app: &TestApp, organization: &str) -> i64 {
    app.db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM org_memberships WHERE organization_id = '{organization}' \
             AND status = 'active'"
        ))
        .await
}
