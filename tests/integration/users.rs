//! The Users API (`/users…`) over real HTTP against the demo world at head, and revision 009's
//! row-level security at the database level.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracehub::db::tenant::{TenantContext, TenantTx};
use uuid::Uuid;

use crate::api::PREFIXES;
use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, LOGISTICS, PASSWORD, VIEWER};
use crate::helpers::{assert_error, TestApp};

/// A password that satisfies the strength rules.
const STRONG: &str = "Str0ngPassword";

async fn app() -> TestApp {
    TestApp::spawn(4, Duration::from_secs(5)).await
}

async fn login(app: &TestApp, email: &str, password: &str) -> StatusCode {
    app.post_json(
        "/api/v1/auth/login",
        &json!({"email": email, "password": password}),
    )
    .await
    .status()
}

/// The e-mails of the users rows a transaction sees.
async fn visible_emails(tx: &mut TenantTx) -> Vec<String> {
    sqlx::query_scalar("SELECT email::text FROM users ORDER BY email")
        .fetch_all(tx.connection_for_isolation_tests())
        .await
        .unwrap()
}

/// A 422 naming `field` first.
async fn assert_field(response: reqwest::Response, field: &str, why: &str) {
    let body = assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        why,
    )
    .await;
    assert_eq!(body["fields"][0]["field"], field, "{why}: {body}");
}

fn emails(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["email"].as_str().expect("email").to_string())
        .collect()
}

/// Every route with a body it accepts, `{id}` standing for a user id.
fn routes() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/users", None),
        (
            Method::POST,
            "/users",
            Some(json!({"email": "new@vibotaj.com", "full_name": "New One", "password": STRONG})),
        ),
        (Method::GET, "/users/me", None),
        (Method::GET, "/users/roles", None),
        (Method::GET, "/users/permissions-matrix", None),
        (Method::GET, "/users/{id}", None),
        (
            Method::PATCH,
            "/users/{id}",
            Some(json!({"full_name": "Renamed"})),
        ),
        (
            Method::PATCH,
            "/users/{id}/password",
            Some(json!({"current_password": PASSWORD, "new_password": STRONG})),
        ),
        (
            Method::POST,
            "/users/{id}/reset-password",
            Some(json!({"new_password": STRONG})),
        ),
        (Method::DELETE, "/users/{id}", None),
        (Method::POST, "/users/{id}/activate", None),
    ]
}

#[tokio::test]
async fn every_route_answers_401_without_a_valid_token() {
    let app = app().await;
    let viewer = app.user_id(VIEWER).await;
    for prefix in PREFIXES {
        for (method, path, body) in routes() {
            let path = format!("{prefix}{}", path.replace("{id}", &viewer));
            for token in [None, Some("garbage")] {
                let response = app.call(method.clone(), &path, token, body.as_ref()).await;
                assert_error(
                    response,
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHORIZED",
                    &format!("{method} {path}"),
                )
                .await;
            }
        }
    }
}

#[tokio::test]
async fn members_below_admin_get_403() {
    let app = app().await;
    let admin = app.user_id(ADMIN).await;
    // Organization roles viewer, member (of the buyer organization) and manager.
    for (email, prefix) in [(VIEWER, "/api/v1"), (BUYER, "/api"), (LOGISTICS, "/api/v1")] {
        let token = app.token(email).await;
        for (method, path, body) in routes() {
            // Self-service routes on someone else's account are refused too; /users/me is
            // everyone's.
            if path == "/users/me" {
                continue;
            }
            let path = format!("{prefix}{}", path.replace("{id}", &admin));
            let response = app
                .call(method.clone(), &path, Some(&token), body.as_ref())
                .await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{email} {method} {path}"
            );
        }
    }
    // Before any lookup: an id that does not exist answers the same 403.
    let viewer = app.token(VIEWER).await;
    let missing = format!("/api/v1/users/{}", Uuid::new_v4());
    assert_error(
        app.get_with_token(&missing, &viewer).await,
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSIONS",
        "unknown id",
    )
    .await;
}

#[tokio::test]
async fn the_list_filters_paginates_and_validates() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    for prefix in PREFIXES {
        let all = app.get_ok(&format!("{prefix}/users"), &admin).await;
        assert_eq!(all["total"], 7, "{all}");
        assert_eq!(all["page"], 1);
        assert_eq!(all["limit"], 20);
        assert_eq!(all["pages"], 1);
        // Newest first: the HAGES buyer joined last.
        assert_eq!(all["items"][0]["email"], "buyer@hages.de");
        let first = &all["items"][0];
        for key in [
            "id",
            "email",
            "full_name",
            "role",
            "is_active",
            "created_at",
            "updated_at",
            "last_login",
        ] {
            assert!(first.get(key).is_some(), "{key} in {first}");
        }
        assert_eq!(first["role"], "buyer");
        assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
        assert!(first.get("hashed_password").is_none());

        let buyers = app
            .get_ok(&format!("{prefix}/users?role=buyer"), &admin)
            .await;
        assert_eq!(buyers["total"], 2);
        let agents = app
            .get_ok(&format!("{prefix}/users?role=logistics_agent"), &admin)
            .await;
        assert_eq!(emails(&agents), ["logistic@vibotaj.com"]);
        let team = app
            .get_ok(&format!("{prefix}/users?search=VIBOTAJ.com"), &admin)
            .await;
        assert_eq!(team["total"], 4);
        let by_name = app
            .get_ok(&format!("{prefix}/users?search=hans%20beck"), &admin)
            .await;
        assert_eq!(emails(&by_name), [BUYER]);
        // Wildcards match themselves.
        for search in ["%25", "_", "a%25b"] {
            let none = app
                .get_ok(&format!("{prefix}/users?search={search}"), &admin)
                .await;
            assert_eq!(none["total"], 0, "{search}");
        }
        let inactive = app
            .get_ok(&format!("{prefix}/users?is_active=false"), &admin)
            .await;
        assert_eq!(inactive["total"], 0);

        let page = app
            .get_ok(&format!("{prefix}/users?limit=3&page=3"), &admin)
            .await;
        assert_eq!(page["total"], 7);
        assert_eq!(page["pages"], 3);
        assert_eq!(page["page"], 3);
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
        let beyond = app
            .get_ok(&format!("{prefix}/users?limit=3&page=9"), &admin)
            .await;
        assert_eq!(beyond["items"].as_array().unwrap().len(), 0);
        assert_eq!(beyond["total"], 7);

        for (query, field) in [
            ("role=superuser", "role"),
            ("role=ADMIN", "role"),
            ("is_active=maybe", "is_active"),
            ("page=0", "page"),
            ("limit=101", "limit"),
            ("limit=x", "limit"),
        ] {
            let response = app
                .get_with_token(&format!("{prefix}/users?{query}"), &admin)
                .await;
            assert_field(response, field, query).await;
        }
    }
}

#[tokio::test]
async fn an_organization_admin_sees_and_manages_only_its_members() {
    let app = app().await;
    let acme = app
        .create_organization("Acme Supplies", "acme", "supplier")
        .await;
    let boss = app
        .create_member("boss@acme.test", "ADMIN", &acme, "owner")
        .await;
    let clerk = app
        .create_member("clerk@acme.test", "VIEWER", &acme, "viewer")
        .await;
    let token = app.token("boss@acme.test").await;
    let vibotaj_viewer = app.user_id(VIEWER).await;

    for prefix in PREFIXES {
        let list = app.get_ok(&format!("{prefix}/users"), &token).await;
        let mut seen = emails(&list);
        seen.sort();
        assert_eq!(seen, ["boss@acme.test", "clerk@acme.test"], "{list}");
        assert_eq!(list["total"], 2);
        // Filters never reach past the organization.
        let search = app
            .get_ok(&format!("{prefix}/users?search=vibotaj"), &token)
            .await;
        assert_eq!(search["total"], 0);

        let one = app.get_ok(&format!("{prefix}/users/{clerk}"), &token).await;
        assert_eq!(one["email"], "clerk@acme.test");
        assert_eq!(one["role"], "viewer");

        // Another organization's account: 404 on every route, never data.
        for (method, path, body) in routes() {
            if !path.contains("{id}") || path.ends_with("/password") {
                continue;
            }
            let path = format!("{prefix}{}", path.replace("{id}", &vibotaj_viewer));
            let response = app
                .call(method.clone(), &path, Some(&token), body.as_ref())
                .await;
            assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", &path).await;
        }
    }

    // The platform admin sees every organization's accounts.
    let admin = app.token(ADMIN).await;
    let seen = app.get_ok(&format!("/api/v1/users/{boss}"), &admin).await;
    assert_eq!(seen["email"], "boss@acme.test");
    assert_eq!(app.get_ok("/api/users", &admin).await["total"], 9);

    // Created accounts land in Acme with one active membership there.
    let response = app
        .send_json(
            Method::POST,
            "/api/v1/users",
            &token,
            &json!({"email": "Picker@Acme.test", "full_name": "  Pia Picker ", "role": "supplier", "password": STRONG}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["email"], "picker@acme.test");
    assert_eq!(created["full_name"], "Pia Picker");
    assert_eq!(created["role"], "supplier");
    assert_eq!(created["is_active"], true);
    assert_eq!(created["last_login"], Value::Null);
    let id = created["id"].as_str().unwrap();
    let memberships = app
        .db()
        .scalar_string(&format!(
            "SELECT string_agg(organization_id || ':' || role || ':' || status || ':' || is_primary, ',') \
             FROM org_memberships WHERE user_id = '{id}'"
        ))
        .await
        .unwrap();
    assert_eq!(memberships, format!("{acme}:member:active:true"));
    let home = app
        .db()
        .scalar_string(&format!(
            "SELECT organization_id::text FROM users WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(home.as_deref(), Some(acme.as_str()));
    assert_eq!(
        app.get_ok("/api/users", &token).await["total"],
        3,
        "the new account is listed"
    );
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "picker@acme.test", "password": STRONG}),
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);

    // A guest member whose account VIBOTAJ administers: readable, not changeable here.
    app.db()
        .exec(&format!(
            "INSERT INTO org_memberships (organization_id, user_id, role, status) \
             VALUES ('{acme}', '{vibotaj_viewer}', 'viewer', 'active')"
        ))
        .await;
    let guest = app
        .get_ok(&format!("/api/users/{vibotaj_viewer}"), &token)
        .await;
    assert_eq!(guest["email"], VIEWER);
    assert_error(
        app.send_json(
            Method::PATCH,
            &format!("/api/v1/users/{vibotaj_viewer}"),
            &token,
            &json!({"full_name": "Hijacked"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "HOME_ORGANIZATION_ONLY",
        "guest member",
    )
    .await;
}

#[tokio::test]
async fn a_buyer_organization_admin_runs_the_accounts_it_alone_holds() {
    let app = app().await;
    let witatrade = app.organization_of(BUYER).await;
    app.create_member("boss@witatrade.de", "ADMIN", &witatrade, "admin")
        .await;
    let token = app.token("boss@witatrade.de").await;
    let buyer = app.user_id(BUYER).await;

    let list = app.get_ok("/api/v1/users", &token).await;
    let mut seen = emails(&list);
    seen.sort();
    // The demo buyer's users row is homed in VIBOTAJ; the membership makes them WITATRADE's.
    assert_eq!(seen, ["boss@witatrade.de", BUYER], "{list}");
    assert_eq!(
        app.get_ok(&format!("/api/users/{buyer}"), &token).await["email"],
        BUYER
    );
    let roles = app.get_ok("/api/users/roles", &token).await;
    let assignable: Vec<&str> = roles["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["can_assign"] == true)
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(assignable, ["buyer", "viewer"], "{roles}");
    let admin = app.user_id(ADMIN).await;
    assert_error(
        app.get_with_token(&format!("/api/v1/users/{admin}"), &token)
            .await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "VIBOTAJ's admin",
    )
    .await;
    // The demo buyer's account is administered by VIBOTAJ, where it is homed.
    for (method, path, body) in routes() {
        if method == Method::GET || path.ends_with("/password") || !path.contains("{id}") {
            continue;
        }
        let path = format!("/api/v1{}", path.replace("{id}", &buyer));
        let response = app
            .call(method.clone(), &path, Some(&token), body.as_ref())
            .await;
        assert_error(
            response,
            StatusCode::FORBIDDEN,
            "HOME_ORGANIZATION_ONLY",
            &path,
        )
        .await;
    }
    // An account it creates is its own to run.
    let created = app
        .send_json(
            Method::POST,
            "/api/v1/users",
            &token,
            &json!({"email": "clerk@witatrade.de", "full_name": "Clerk", "role": "buyer",
                    "password": STRONG}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let clerk = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let role = app
        .db()
        .scalar_string(&format!(
            "SELECT role::text FROM org_memberships WHERE user_id = '{clerk}' \
             AND organization_id = '{witatrade}'"
        ))
        .await;
    assert_eq!(role.as_deref(), Some("member"));
    let renamed = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{clerk}"),
            &token,
            &json!({"full_name": "Chief Clerk"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let refused = app
        .send_json(
            Method::POST,
            "/api/v1/users",
            &token,
            &json!({"email": "c2@witatrade.de", "full_name": "Clerk", "role": "compliance",
                    "password": STRONG}),
        )
        .await;
    assert_error(
        refused,
        StatusCode::FORBIDDEN,
        "ROLE_NOT_MANAGEABLE",
        "compliance",
    )
    .await;
}

#[tokio::test]
async fn create_validates_and_refuses_taken_addresses() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let valid = json!({"email": "new@vibotaj.com", "full_name": "New One", "password": STRONG});
    for (prefix, (change, field)) in PREFIXES.iter().cycle().zip([
        (json!({"email": null}), "email"),
        (json!({"email": "not-an-address"}), "email"),
        (json!({"full_name": "N"}), "full_name"),
        (json!({"full_name": "x".repeat(101)}), "full_name"),
        (json!({"role": "superuser"}), "role"),
        (json!({"password": "alllowercase1"}), "password"),
        (json!({"password": 12345678}), "password"),
    ]) {
        let mut body = valid.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = app
            .send_json(Method::POST, &format!("{prefix}/users"), &admin, &body)
            .await;
        assert_field(response, field, &change.to_string()).await;
    }
    let response = app
        .call(Method::POST, "/api/v1/users", Some(&admin), None)
        .await;
    assert_field(response, "body", "no body").await;

    for email in ["VIEWER@vibotaj.com", " viewer@vibotaj.com"] {
        let mut body = valid.clone();
        body["email"] = json!(email);
        assert_error(
            app.send_json(Method::POST, "/api/users", &admin, &body)
                .await,
            StatusCode::BAD_REQUEST,
            "EMAIL_EXISTS",
            email,
        )
        .await;
    }
    // Taken in an organization the caller cannot see.
    let acme = app.create_organization("Acme", "acme", "supplier").await;
    app.create_member("boss@acme.test", "ADMIN", &acme, "owner")
        .await;
    let boss = app.token("boss@acme.test").await;
    let mut body = valid.clone();
    body["email"] = json!(BUYER);
    assert_error(
        app.send_json(Method::POST, "/api/v1/users", &boss, &body)
            .await,
        StatusCode::BAD_REQUEST,
        "EMAIL_EXISTS",
        "another organization's address",
    )
    .await;

    // The role defaults to viewer; the audit row names no password or hash.
    let response = app
        .send_json(Method::POST, "/api/v1/users", &admin, &valid)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["role"], "viewer");
    let audit = app
        .db()
        .scalar_string(&format!(
            "SELECT details::text FROM audit_logs WHERE action = 'user.create' AND resource_id = '{}'",
            created["id"].as_str().unwrap()
        ))
        .await
        .expect("audit row");
    assert!(audit.contains("new@vibotaj.com"), "{audit}");
    assert!(
        !audit.contains(STRONG) && !audit.contains("argon2"),
        "{audit}"
    );
}

#[tokio::test]
async fn updates_follow_the_self_service_and_rank_rules() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let viewer = app.token(VIEWER).await;
    let admin_id = app.user_id(ADMIN).await;
    let viewer_id = app.user_id(VIEWER).await;
    let path = |prefix: &str, id: &str| format!("{prefix}/users/{id}");

    for prefix in PREFIXES {
        // Self-service: the name, and role/activation sent back unchanged.
        let response = app
            .send_json(
                Method::PATCH,
                &path(prefix, &viewer_id),
                &viewer,
                &json!({"full_name": "Funmi A.", "role": "viewer", "is_active": true}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let me: Value = response.json().await.unwrap();
        assert_eq!(me["full_name"], "Funmi A.");
        assert!(me["updated_at"].as_str().is_some());
        for (body, status, code) in [
            (
                json!({"role": "admin"}),
                StatusCode::FORBIDDEN,
                "CANNOT_CHANGE_OWN_ROLE",
            ),
            (
                json!({"is_active": false}),
                StatusCode::BAD_REQUEST,
                "CANNOT_TARGET_SELF",
            ),
            (
                json!({"email": "funmi@vibotaj.com"}),
                StatusCode::FORBIDDEN,
                "EMAIL_CHANGE_NEEDS_CONFIRMATION",
            ),
        ] {
            assert_error(
                app.send_json(Method::PATCH, &path(prefix, &viewer_id), &viewer, &body)
                    .await,
                status,
                code,
                &body.to_string(),
            )
            .await;
        }
        assert_error(
            app.send_json(
                Method::PATCH,
                &path(prefix, &admin_id),
                &admin,
                &json!({"role": "viewer"}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "CANNOT_CHANGE_OWN_ROLE",
            "own role",
        )
        .await;
        assert_error(
            app.send_json(
                Method::PATCH,
                &path(prefix, &viewer_id),
                &admin,
                &json!({"email": "Compliance@Vibotaj.com"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "EMAIL_EXISTS",
            "taken e-mail",
        )
        .await;
        for (body, field) in [
            (json!({"is_active": "yes"}), "is_active"),
            (json!({"role": "boss"}), "role"),
            (json!({"email": "x"}), "email"),
            (json!({"full_name": " "}), "full_name"),
        ] {
            let response = app
                .send_json(Method::PATCH, &path(prefix, &viewer_id), &admin, &body)
                .await;
            assert_field(response, field, &body.to_string()).await;
        }
        let response = app
            .send_json(
                Method::PATCH,
                &path(prefix, "not-a-uuid"),
                &admin,
                &json!({}),
            )
            .await;
        assert_field(response, "id", "malformed id").await;
    }

    // The admin changes the viewer's role; fields not sent stay as they are.
    let response = app
        .send_json(
            Method::PATCH,
            &path("/api/v1", &viewer_id),
            &admin,
            &json!({"role": "logistics_agent", "email": "Funmi@Vibotaj.com"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["role"], "logistics_agent");
    assert_eq!(changed["email"], "funmi@vibotaj.com");
    assert_eq!(changed["full_name"], "Funmi A.");
    assert_eq!(changed["is_active"], true);
    let audit = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action = 'user.update' AND resource_id = '{viewer_id}'"
        ))
        .await;
    // Two self-service edits and the admin's.
    assert_eq!(audit, 3);
}

#[tokio::test]
async fn passwords_are_changed_by_their_owner_and_reset_by_an_admin() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let viewer = app.token(VIEWER).await;
    let admin_id = app.user_id(ADMIN).await;
    let viewer_id = app.user_id(VIEWER).await;
    let own = format!("/api/v1/users/{viewer_id}/password");
    assert_error(
        app.send_json(
            Method::PATCH,
            &own,
            &viewer,
            &json!({"current_password": "wrong", "new_password": STRONG}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "WRONG_PASSWORD",
        "wrong current",
    )
    .await;
    let response = app
        .send_json(
            Method::PATCH,
            &own,
            &viewer,
            &json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_field(response, "new_password", "weak").await;
    let response = app
        .send_json(
            Method::PATCH,
            &own,
            &viewer,
            &json!({"current_password": PASSWORD}),
        )
        .await;
    assert_field(response, "new_password", "missing").await;
    assert_error(
        app.send_json(
            Method::PATCH,
            &format!("/api/users/{viewer_id}/password"),
            &admin,
            &json!({"current_password": PASSWORD, "new_password": STRONG}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "NOT_OWN_ACCOUNT",
        "someone else's password",
    )
    .await;
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/api/users/{viewer_id}/password"),
            &viewer,
            &json!({"current_password": PASSWORD, "new_password": STRONG}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.unwrap()["message"].is_string());
    assert_eq!(login(&app, VIEWER, STRONG).await, StatusCode::OK);
    assert_eq!(
        login(&app, VIEWER, PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );

    // A buyer, homed in VIBOTAJ but acting in WITATRADE, changes their own password too.
    let buyer = app.token(BUYER).await;
    let buyer_id = app.user_id(BUYER).await;
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{buyer_id}/password"),
            &buyer,
            &json!({"current_password": PASSWORD, "new_password": STRONG}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // Admin reset: JSON body. The query string of old clients is refused (it ends up in
    // logs), whatever the body says, and changes nothing.
    for (prefix, new) in [("/api/v1", "Reset0neNow"), ("/api", "Reset7woNow")] {
        let path = format!("{prefix}/users/{viewer_id}/reset-password");
        let response = app
            .send_json(Method::POST, &path, &admin, &json!({"new_password": new}))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(login(&app, VIEWER, "Reset7woNow").await, StatusCode::OK);
    for body in [None, Some(json!({"new_password": "B0dyAndQuery"}))] {
        let response = app
            .call(
                Method::POST,
                &format!("/api/users/{viewer_id}/reset-password?new_password=Qu3ryString"),
                Some(&admin),
                body.as_ref(),
            )
            .await;
        assert_field(response, "new_password", "a password in the URL").await;
    }
    assert_eq!(login(&app, VIEWER, "Reset7woNow").await, StatusCode::OK);

    let reset = format!("/api/v1/users/{viewer_id}/reset-password");
    for body in [json!({"new_password": "weakpass"}), json!({})] {
        let response = app.send_json(Method::POST, &reset, &admin, &body).await;
        assert_field(response, "new_password", &body.to_string()).await;
    }
    let response = app
        .send_json(Method::POST, &reset, &admin, &json!({"new_password": 5}))
        .await;
    assert_field(response, "new_password", "a number").await;
    assert_error(
        app.send_json(
            Method::POST,
            &format!("/api/v1/users/{admin_id}/reset-password"),
            &admin,
            &json!({"new_password": STRONG}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "CANNOT_TARGET_SELF",
        "own reset",
    )
    .await;

    let audit = app
        .db()
        .scalar_string(
            "SELECT string_agg(details::text, ' ') FROM audit_logs \
             WHERE action IN ('user.password_change', 'user.password_reset')",
        )
        .await
        .expect("audit rows");
    for secret in [STRONG, "Reset0neNow", "Qu3ryString", "argon2"] {
        assert!(!audit.contains(secret), "{audit}");
    }
}

#[tokio::test]
async fn deactivation_and_activation() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let admin_id = app.user_id(ADMIN).await;
    let viewer_id = app.user_id(VIEWER).await;

    for prefix in PREFIXES {
        // Signed in before the deactivation (whole seconds: see revision 016).
        let viewer = app.aged_token(VIEWER, PASSWORD, 5).await;
        let response = app
            .call(
                Method::DELETE,
                &format!("{prefix}/users/{viewer_id}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.json::<Value>().await.unwrap()["message"].is_string());
        // The account's tokens stop working; nothing else is removed.
        assert_error(
            app.get_with_token("/api/v1/users/me", &viewer).await,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "deactivated",
        )
        .await;
        let memberships = app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM org_memberships WHERE user_id = '{viewer_id}' AND status = 'active'"
            ))
            .await;
        assert_eq!(memberships, 1);
        let listed = app
            .get_ok(&format!("{prefix}/users?is_active=false"), &admin)
            .await;
        assert_eq!(emails(&listed), [VIEWER]);

        let activate = format!("{prefix}/users/{viewer_id}/activate");
        let response = app.call(Method::POST, &activate, Some(&admin), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_error(
            app.call(Method::POST, &activate, Some(&admin), None).await,
            StatusCode::BAD_REQUEST,
            "ALREADY_ACTIVE",
            "twice",
        )
        .await;
        // Reactivation does not bring the old session back; signing in again works.
        assert_error(
            app.get_with_token("/api/users/me", &viewer).await,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "a session from before the deactivation",
        )
        .await;
        let fresh = app.token(VIEWER).await;
        assert_eq!(app.get_ok("/api/users/me", &fresh).await["email"], VIEWER);
    }
    assert_error(
        app.call(
            Method::DELETE,
            &format!("/api/v1/users/{admin_id}"),
            Some(&admin),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "CANNOT_TARGET_SELF",
        "own account",
    )
    .await;
    let unknown = Uuid::new_v4();
    assert_error(
        app.call(
            Method::DELETE,
            &format!("/api/users/{unknown}"),
            Some(&admin),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "unknown id",
    )
    .await;
    let audit = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action IN ('user.deactivate', 'user.activate') \
             AND resource_id = '{viewer_id}'"
        ))
        .await;
    assert_eq!(audit, 4);
}

#[tokio::test]
async fn me_roles_and_the_permissions_matrix() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let viewer = app.token(VIEWER).await;
    let compliance = app.token(COMPLIANCE).await;
    for prefix in PREFIXES {
        let me = app.get_ok(&format!("{prefix}/users/me"), &viewer).await;
        assert_eq!(me["email"], VIEWER);
        assert_eq!(me["role"], "viewer");
        // Read from the database, not made up.
        assert_eq!(me["created_at"], "2025-11-10T09:00:00.000000Z");
        let viewer_id = me["id"].as_str().unwrap();
        let same = app
            .get_ok(&format!("{prefix}/users/{viewer_id}"), &viewer)
            .await;
        assert_eq!(same, me);

        let roles = app.get_ok(&format!("{prefix}/users/roles"), &admin).await;
        let roles = roles["roles"].as_array().unwrap();
        let values: Vec<_> = roles.iter().map(|r| r["value"].as_str().unwrap()).collect();
        assert_eq!(
            values,
            [
                "admin",
                "compliance",
                "logistics_agent",
                "buyer",
                "supplier",
                "viewer"
            ]
        );
        assert!(roles.iter().all(|r| r["can_assign"] == true
            && r["name"].is_string()
            && r["description"].is_string()));

        let matrix = app
            .get_ok(&format!("{prefix}/users/permissions-matrix"), &admin)
            .await;
        assert_eq!(matrix["admin"].as_array().unwrap().len(), 23);
        assert_eq!(matrix["viewer"].as_array().unwrap().len(), 4);
        assert_error(
            app.get_with_token(&format!("{prefix}/users/permissions-matrix"), &compliance)
                .await,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            "compliance",
        )
        .await;
    }
}

#[tokio::test]
async fn revision_009_shows_an_organization_only_its_own_members() {
    let app = app().await;
    let a = app.create_organization("Org A", "org-a", "supplier").await;
    let b = app.create_organization("Org B", "org-b", "supplier").await;
    let alice = app
        .create_member("alice@a.test", "ADMIN", &a, "owner")
        .await;
    let bob = app.create_member("bob@b.test", "ADMIN", &b, "owner").await;
    // Carol is homed in A and a guest member of B.
    let carol = app
        .create_member("carol@a.test", "VIEWER", &a, "viewer")
        .await;
    app.db()
        .exec(&format!(
            "INSERT INTO org_memberships (organization_id, user_id, role) VALUES ('{b}', '{carol}', 'viewer')"
        ))
        .await;
    let context = |org: &str, user: &str| TenantContext {
        organization_id: Uuid::parse_str(org).unwrap(),
        user_id: Some(Uuid::parse_str(user).unwrap()),
    };
    let mut tx = TenantTx::begin(&app.pool, context(&a, &alice))
        .await
        .unwrap();
    let mut seen = visible_emails(&mut tx).await;
    seen.sort();
    assert_eq!(seen, ["alice@a.test", "carol@a.test"]);
    // Bob's row cannot be changed either.
    let changed = sqlx::query("UPDATE users SET full_name = 'x' WHERE id = $1::uuid")
        .bind(&bob)
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0);
    tx.rollback().await.unwrap();

    let mut tx = TenantTx::begin(&app.pool, context(&b, &bob)).await.unwrap();
    let seen = visible_emails(&mut tx).await;
    assert_eq!(seen, ["bob@b.test", "carol@a.test"]);
    // B reads its guest member but cannot change the account A administers.
    let changed = sqlx::query("UPDATE users SET full_name = 'x' WHERE id = $1::uuid")
        .bind(&carol)
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0);
    tx.rollback().await.unwrap();

    // The own row can be updated wherever one acts.
    let mut tx = TenantTx::begin(&app.pool, context(&b, &carol))
        .await
        .unwrap();
    let changed = sqlx::query("UPDATE users SET full_name = 'Carol C' WHERE id = $1::uuid")
        .bind(&carol)
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 1);
    tx.rollback().await.unwrap();

    // And the e-mail door answers a boolean, nothing else.
    let mut tx = TenantTx::begin(&app.pool, context(&a, &alice))
        .await
        .unwrap();
    let taken: bool = sqlx::query_scalar("SELECT app.email_in_use('BOB@b.test', NULL)")
        .fetch_one(tx.connection_for_isolation_tests())
        .await
        .unwrap();
    assert!(taken);
    let free: bool = sqlx::query_scalar("SELECT app.email_in_use('bob@b.test', $1::uuid)")
        .bind(&bob)
        .fetch_one(tx.connection_for_isolation_tests())
        .await
        .unwrap();
    assert!(!free);
    tx.rollback().await.unwrap();
    assert_eq!(
        app.db().revision().await,
        Some(tracehub::db::revisions::head().id)
    );
}
