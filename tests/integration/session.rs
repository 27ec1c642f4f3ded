//! The session endpoints (`/auth/me/full`, `/auth/permissions`, `/session/*`) over real HTTP
//! against the demo world at head.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::V1;
use crate::helpers::demo::{ADMIN, BUYER, VIBOTAJ};
use crate::helpers::{assert_error, TestApp};

/// Every GET route of this slice, under both prefixes.
const GET_ROUTES: [&str; 8] = [
    "/api/v1/auth/me/full",
    "/api/auth/me/full",
    "/api/v1/auth/permissions",
    "/api/auth/permissions",
    "/api/v1/session/organizations",
    "/api/session/organizations",
    "/api/v1/session/context",
    "/api/session/context",
];

const POST_ROUTES: [&str; 4] = [
    "/api/v1/session/switch-org",
    "/api/session/switch-org",
    "/api/v1/session/set-primary",
    "/api/session/set-primary",
];

async fn app() -> TestApp {
    TestApp::spawn(4, Duration::from_secs(5)).await
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

/// Adds a membership of `email` in `organization` as the database owner.
async fn add_membership(app: &TestApp, email: &str, organization: &str, status: &str) {
    app.db()
        .exec(&format!(
            "INSERT INTO org_memberships (organization_id, user_id, role, status, is_primary) \
             SELECT '{organization}', id, 'admin', '{status}', false FROM users WHERE email = '{email}'"
        ))
        .await;
}

#[tokio::test]
async fn every_route_refuses_missing_and_garbage_tokens() {
    let app = app().await;
    for path in GET_ROUTES {
        assert_error(
            app.get(path).await,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            path,
        )
        .await;
        assert_error(
            app.get_with_token(path, "garbage").await,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            path,
        )
        .await;
    }
    let body = json!({"organization_id": VIBOTAJ});
    for path in POST_ROUTES {
        assert_error(
            app.post_json(path, &body).await,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            path,
        )
        .await;
        assert_error(
            app.send_json(Method::POST, path, "garbage", &body).await,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            path,
        )
        .await;
    }
}

#[tokio::test]
async fn the_admin_sees_vibotaj_with_every_permission() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let every: Vec<String> = tracehub::domain::Permission::ALL
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();

    let me = app.get_ok("/api/auth/me/full", &admin).await;
    assert_eq!(me["email"], ADMIN);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["is_active"], true);
    assert_eq!(me["org_role"], "owner");
    assert_eq!(me["organization_id"], VIBOTAJ);
    assert_eq!(me["organization"]["id"], VIBOTAJ);
    assert_eq!(me["organization"]["type"], "platform_owner");
    assert!(me["organization"]["name"].as_str().is_some());
    assert!(me["organization"]["slug"].as_str().is_some());
    assert_eq!(strings(&me["permissions"]), every);
    assert!(strings(&me["org_permissions"]).contains(&"members:manage".to_string()));

    let permissions = app.get_ok("/api/v1/auth/permissions", &admin).await;
    assert_eq!(permissions["role"], "admin");
    assert_eq!(permissions["user_id"], me["id"]);
    assert_eq!(strings(&permissions["permissions"]), every);

    let orgs = app.get_ok("/api/v1/session/organizations", &admin).await;
    assert_eq!(orgs["user_id"], me["id"]);
    assert_eq!(orgs["current_organization_id"], VIBOTAJ);
    let list = orgs["organizations"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{orgs}");
    assert_eq!(list[0]["id"], VIBOTAJ);
    assert_eq!(list[0]["type"], "platform_owner");
    assert_eq!(list[0]["org_role"], "owner");
    assert_eq!(list[0]["is_primary"], true);
    assert_eq!(list[0]["is_current"], true);

    let context = app.get_ok("/api/session/context", &admin).await;
    assert_eq!(context["user"]["id"], me["id"]);
    assert_eq!(context["user"]["email"], ADMIN);
    assert_eq!(context["user"]["system_role"], "admin");
    assert!(context["user"]["full_name"].as_str().is_some());
    assert_eq!(context["organization"]["id"], VIBOTAJ);
    assert_eq!(context["membership"]["org_role"], "owner");
    assert_eq!(context["membership"]["is_primary"], true);
    assert!(context["membership"]["joined_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(strings(&context["permissions"]), every);
    assert_eq!(context["organization_count"], 1);
    assert_eq!(context["can_switch_organizations"], false);
}

#[tokio::test]
async fn the_buyer_sees_only_witatrade_and_reads_only() {
    let app = app().await;
    let witatrade = app.organization_of(BUYER).await;
    let buyer = app.token(BUYER).await;

    let me = app.get_ok("/api/v1/auth/me/full", &buyer).await;
    assert_eq!(me["email"], BUYER);
    assert_eq!(me["role"], "buyer");
    assert_eq!(me["organization"]["id"], witatrade.as_str());
    assert_eq!(me["organization"]["type"], "buyer");
    let permissions = strings(&me["permissions"]);
    assert!(permissions.contains(&"shipments:read".to_string()), "{me}");
    assert!(!permissions.contains(&"shipments:create".to_string()));
    for permission in &permissions {
        assert!(
            permission.ends_with(":read")
                || permission.ends_with(":list")
                || permission == "audit_pack:download",
            "{permission} is not a read"
        );
    }
    let answer = app.get_ok("/api/auth/permissions", &buyer).await;
    assert_eq!(answer["role"], "buyer");
    assert_eq!(strings(&answer["permissions"]), permissions);

    let orgs = app.get_ok("/api/session/organizations", &buyer).await;
    let list = orgs["organizations"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{orgs}");
    assert_eq!(list[0]["id"], witatrade.as_str());
    assert_eq!(list[0]["type"], "buyer");
    assert_eq!(orgs["current_organization_id"], witatrade.as_str());
    assert!(!orgs.to_string().contains(VIBOTAJ));

    let context = app.get_ok("/api/v1/session/context", &buyer).await;
    assert_eq!(context["organization"]["id"], witatrade.as_str());
    assert_eq!(context["user"]["system_role"], "buyer");
    assert_eq!(strings(&context["permissions"]), permissions);
    assert_eq!(context["organization_count"], 1);
}

#[tokio::test]
async fn switch_org_needs_a_membership_and_issues_a_token_for_the_new_org() {
    let app = app().await;
    let witatrade = app.organization_of(BUYER).await;
    let hages = app.organization_of("buyer@hages.de").await;
    let buyer = app.token(BUYER).await;
    let admin = app.token(ADMIN).await;

    // Not a member (VIBOTAJ exists) and an organization that does not exist: the same 404.
    let mut bodies = Vec::new();
    for organization in [VIBOTAJ.to_string(), uuid::Uuid::new_v4().to_string()] {
        let response = app
            .send_json(
                Method::POST,
                "/api/v1/session/switch-org",
                &buyer,
                &json!({"organization_id": organization}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body: Value = response.json().await.unwrap();
        assert!(body.get("access_token").is_none());
        bodies.push((body["detail"].clone(), body["code"].clone()));
    }
    assert_eq!(bodies[0], bodies[1]);

    // A suspended membership is refused with its own code.
    add_membership(&app, ADMIN, &hages, "suspended").await;
    assert_error(
        app.send_json(
            Method::POST,
            "/api/session/switch-org",
            &admin,
            &json!({"organization_id": hages}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "MEMBERSHIP_SUSPENDED",
        "suspended",
    )
    .await;
    // And it is not listed among the organizations to switch to.
    let orgs = app.get_ok("/api/v1/session/organizations", &admin).await;
    assert_eq!(orgs["organizations"].as_array().unwrap().len(), 1);

    // A real second membership: the admin joins WITATRADE.
    add_membership(&app, ADMIN, &witatrade, "active").await;
    let context = app.get_ok("/api/v1/session/context", &admin).await;
    assert_eq!(context["organization_count"], 2);
    assert_eq!(context["can_switch_organizations"], true);

    let switched = app.switch_org(V1, &admin, &witatrade).await;
    assert_eq!(switched["token_type"], "bearer");
    assert_eq!(switched["expires_in"], 8 * 3600);
    assert_eq!(switched["organization"]["id"], witatrade.as_str());
    assert_eq!(switched["organization"]["type"], "buyer");
    assert_eq!(switched["org_role"], "admin");
    // An admin acting in a buyer organization only reads there.
    assert!(!strings(&switched["permissions"]).contains(&"shipments:create".to_string()));
    let new_token = switched["access_token"].as_str().unwrap();

    let me = app.get_ok("/api/v1/auth/me", new_token).await;
    assert_eq!(me["organization_id"], witatrade.as_str());
    let orgs = app.get_ok("/api/session/organizations", new_token).await;
    assert_eq!(orgs["current_organization_id"], witatrade.as_str());
    let current: Vec<&Value> = orgs["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["is_current"] == true)
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], witatrade.as_str());
    let me_full = app.get_ok("/api/auth/me/full", new_token).await;
    assert_eq!(me_full["organization"]["id"], witatrade.as_str());
    assert_eq!(
        strings(&me_full["permissions"]),
        strings(&switched["permissions"])
    );

    // The old token still acts in VIBOTAJ.
    let me = app.get_ok("/api/v1/auth/me", &admin).await;
    assert_eq!(me["organization_id"], VIBOTAJ);
}

#[tokio::test]
async fn set_primary_moves_the_one_primary_flag_and_the_next_login_follows_it() {
    let app = app().await;
    let witatrade = app.organization_of(BUYER).await;
    let hages = app.organization_of("buyer@hages.de").await;
    add_membership(&app, ADMIN, &witatrade, "active").await;
    add_membership(&app, ADMIN, &hages, "suspended").await;
    let admin = app.token(ADMIN).await;
    let primaries = |org: &str| {
        format!(
            "SELECT count(*) FROM org_memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.email = '{ADMIN}' AND m.is_primary {org}"
        )
    };

    let response = app
        .send_json(
            Method::POST,
            "/api/v1/session/set-primary",
            &admin,
            &json!({"organization_id": witatrade}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.db().scalar_i64(&primaries("")).await, 1);
    assert_eq!(
        app.db()
            .scalar_i64(&primaries(&format!(
                "AND m.organization_id = '{witatrade}'"
            )))
            .await,
        1
    );
    // Login now lands in WITATRADE; the list shows the flag there.
    let body = app.login(ADMIN).await;
    assert_eq!(body["organization"]["id"], witatrade.as_str());
    let orgs = app.get_ok("/api/session/organizations", &admin).await;
    for org in orgs["organizations"].as_array().unwrap() {
        assert_eq!(org["is_primary"], org["id"] == witatrade.as_str(), "{org}");
    }
    // Setting it again is harmless.
    let response = app
        .send_json(
            Method::POST,
            "/api/session/set-primary",
            &admin,
            &json!({"organization_id": witatrade}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    // And back, from a token acting in WITATRADE.
    let token_there = body["access_token"].as_str().unwrap();
    let response = app
        .send_json(
            Method::POST,
            "/api/session/set-primary",
            token_there,
            &json!({"organization_id": VIBOTAJ}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.db().scalar_i64(&primaries("")).await, 1);
    let context = app.get_ok("/api/v1/session/context", &admin).await;
    assert_eq!(context["membership"]["is_primary"], true);
    assert_eq!(app.login(ADMIN).await["organization"]["id"], VIBOTAJ);

    // Suspended and foreign organizations change nothing.
    assert_error(
        app.send_json(
            Method::POST,
            "/api/v1/session/set-primary",
            &admin,
            &json!({"organization_id": hages}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "MEMBERSHIP_SUSPENDED",
        "suspended",
    )
    .await;
    let buyer = app.token(BUYER).await;
    assert_error(
        app.send_json(
            Method::POST,
            "/api/v1/session/set-primary",
            &buyer,
            &json!({"organization_id": VIBOTAJ}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "not a member",
    )
    .await;
    assert_eq!(
        app.db()
            .scalar_i64(&primaries(&format!("AND m.organization_id = '{VIBOTAJ}'")))
            .await,
        1
    );
}

#[tokio::test]
async fn malformed_session_bodies_are_422_and_name_the_field() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "organization_id"),
        (json!({"organization_id": null}), "organization_id"),
        (json!({"organization_id": "not-a-uuid"}), "organization_id"),
        (json!({"organization_id": 7}), "organization_id"),
        (json!(["x"]), "body"),
    ];
    for path in POST_ROUTES {
        for (body, expected) in &cases {
            let response = app.send_json(Method::POST, path, &admin, body).await;
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {body}"
            );
            let answer: Value = response.json().await.unwrap();
            assert_eq!(answer["code"], "VALIDATION_ERROR");
            assert_eq!(answer["fields"][0]["field"], *expected, "{path} {body}");
        }
        let response = app
            .client
            .post(format!("{}{path}", app.address))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["fields"][0]["field"], "body");
    }
}
