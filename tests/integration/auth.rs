//! Login, logout and /auth/me over real HTTP against the demo world at head.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tracehub::auth::{Claims, TokenKeys};
use tracehub::config::JwtSecret;
use uuid::Uuid;

use crate::helpers::demo::{ADMIN, BUYER, PASSWORD, VIBOTAJ};
use crate::helpers::demo::{COMPLIANCE, LOGISTICS, SUPPLIER, VIEWER};
use crate::helpers::TestApp;

async fn app() -> TestApp {
    TestApp::spawn(4, Duration::from_secs(5)).await
}

/// Asserts the 401 of a refused token and its body.
async fn assert_refused(response: reqwest::Response, why: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap()),
        Some("Bearer"),
        "{why}"
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["detail"], "Could not validate credentials", "{why}");
    assert_eq!(body["code"], "UNAUTHORIZED", "{why}");
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
}

/// Base64url without padding, for hand-made tokens.
fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn claims_of(app: &TestApp, token: &str) -> Claims {
    TokenKeys::new(&app.jwt_secret)
        .decode(token)
        .expect("a token of this app")
}

#[tokio::test]
async fn form_and_json_logins_succeed_and_upgrade_the_bcrypt_hash() {
    let app = app().await;
    let stored = app
        .db()
        .scalar_string(&format!(
            "SELECT hashed_password FROM users WHERE email = '{ADMIN}'"
        ))
        .await
        .unwrap();
    assert!(
        stored.starts_with("$2"),
        "the demo seed stores bcrypt: {stored}"
    );

    // The predecessor's client: an OAuth2 password form on /api/auth/login.
    let response = app
        .post_form(
            "/api/auth/login",
            &[
                ("grant_type", "password"),
                ("username", ADMIN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 8 * 3600);
    assert_eq!(body["user"]["email"], ADMIN);
    assert_eq!(body["user"]["role"], "admin");
    assert!(body["user"]["full_name"].as_str().is_some());
    assert_eq!(body["organization"]["id"], VIBOTAJ);
    assert_eq!(body["organization"]["type"], "platform_owner");
    assert!(body["organization"]["slug"].as_str().is_some());
    assert!(body["organization"]["name"].as_str().is_some());
    let claims = claims_of(&app, body["access_token"].as_str().unwrap());
    assert_eq!(claims.sub.to_string(), body["user"]["id"].as_str().unwrap());
    assert_eq!(claims.org.to_string(), VIBOTAJ);

    let stored = app
        .db()
        .scalar_string(&format!(
            "SELECT hashed_password FROM users WHERE email = '{ADMIN}'"
        ))
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    let last_login = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM users WHERE email = '{ADMIN}' AND last_login IS NOT NULL"
        ))
        .await;
    assert_eq!(last_login, 1);

    // The platform's client: JSON on /api/v1, now against the argon2id hash; the e-mail
    // matches case-insensitively, and `username` is accepted as its name too.
    let body = app.login("Admin@VIBOTAJ.com").await;
    assert_eq!(body["user"]["email"], ADMIN);
    let response = app
        .post_json(
            "/api/auth/login",
            &json!({"username": ADMIN, "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = app().await;
    let mut bodies = Vec::new();
    for (email, password) in [(ADMIN, "tracehub2027"), ("nobody@vibotaj.com", PASSWORD)] {
        let response = app
            .post_form(
                "/api/v1/auth/login",
                &[("username", email), ("password", password)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{email}");
        let body: Value = response.json().await.unwrap();
        assert!(body.get("access_token").is_none());
        bodies.push((body["detail"].clone(), body["code"].clone()));
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0].0, "Incorrect email or password");
    // A failed login does not touch the stored hash.
    let stored = app
        .db()
        .scalar_string(&format!(
            "SELECT hashed_password FROM users WHERE email = '{ADMIN}'"
        ))
        .await
        .unwrap();
    assert!(stored.starts_with("$2"), "{stored}");
}

#[tokio::test]
async fn a_deactivated_user_gets_401_and_no_token_and_old_tokens_stop_working() {
    let app = app().await;
    let old_token = app.token("viewer@vibotaj.com").await;
    app.db()
        .exec("UPDATE users SET is_active = false WHERE email = 'viewer@vibotaj.com'")
        .await;
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "viewer@vibotaj.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "User account is deactivated");
    assert!(body.get("access_token").is_none());
    // The wrong password still gets the generic answer: the account's state is not revealed.
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "viewer@vibotaj.com", "password": "nope-nope"}),
        )
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "Incorrect email or password");

    let response = app.get_with_token("/api/v1/auth/me", &old_token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn me_refuses_missing_garbage_expired_tampered_unsigned_and_foreign_tokens() {
    let app = app().await;
    let good = app.token(ADMIN).await;
    let response = app.get_with_token("/api/v1/auth/me", &good).await;
    assert_eq!(response.status(), StatusCode::OK);

    assert_refused(app.get("/api/v1/auth/me").await, "no token").await;
    assert_refused(
        app.get_with_token("/api/v1/auth/me", "garbage").await,
        "garbage",
    )
    .await;
    let response = app
        .client
        .get(format!("{}/api/v1/auth/me", app.address))
        .header("authorization", format!("Basic {good}"))
        .send()
        .await
        .unwrap();
    assert_refused(response, "not a bearer scheme").await;

    let claims = claims_of(&app, &good);
    let keys = TokenKeys::new(&app.jwt_secret);
    let now = chrono::Utc::now().timestamp();
    let expired = keys
        .sign(&Claims {
            iat: now - 9 * 3600,
            exp: now - 3600,
            jti: Uuid::new_v4(),
            ..claims.clone()
        })
        .unwrap();
    assert_refused(
        app.get_with_token("/api/v1/auth/me", &expired).await,
        "expired",
    )
    .await;

    // Same signature, payload moved to another organization.
    let parts: Vec<&str> = good.split('.').collect();
    let forged = Claims {
        org: Uuid::new_v4(),
        ..claims.clone()
    };
    let forged_payload = b64(&serde_json::to_vec(&forged).unwrap());
    let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    assert_refused(
        app.get_with_token("/api/v1/auth/me", &tampered).await,
        "tampered",
    )
    .await;

    let none_header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(&serde_json::to_vec(&claims).unwrap());
    for token in [
        format!("{none_header}.{payload}."),
        format!("{none_header}.{payload}.{}", parts[2]),
    ] {
        assert_refused(
            app.get_with_token("/api/v1/auth/me", &token).await,
            "alg none",
        )
        .await;
    }

    let foreign = TokenKeys::new(&JwtSecret::new(vec![b'z'; 48]))
        .sign(&claims)
        .unwrap();
    assert_refused(
        app.get_with_token("/api/v1/auth/me", &foreign).await,
        "another secret",
    )
    .await;

    // A properly signed token for an organization the user is not a member of.
    let witatrade = app
        .db()
        .scalar_string(
            "SELECT id::text FROM organizations WHERE type = 'buyer' ORDER BY name LIMIT 1",
        )
        .await
        .unwrap();
    let elsewhere = keys
        .sign(&Claims {
            org: witatrade.parse().unwrap(),
            jti: Uuid::new_v4(),
            ..claims.clone()
        })
        .unwrap();
    assert_refused(
        app.get_with_token("/api/v1/auth/me", &elsewhere).await,
        "not a member",
    )
    .await;
}

#[tokio::test]
async fn logout_revokes_only_the_presented_token() {
    let app = app().await;
    let first = app.token(ADMIN).await;
    let second = app.token(ADMIN).await;
    let response = app.post_with_token("/api/auth/logout", &first).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for prefix in ["/api/auth", "/api/v1/auth"] {
        assert_refused(
            app.get_with_token(&format!("{prefix}/me"), &first).await,
            "revoked",
        )
        .await;
    }
    assert_refused(
        app.post_with_token("/api/v1/auth/logout", &first).await,
        "logout twice",
    )
    .await;
    let response = app.get_with_token("/api/auth/me", &second).await;
    assert_eq!(response.status(), StatusCode::OK);
    // The revocation list is not readable by the application role directly.
    let direct = sqlx::query("SELECT * FROM app.revoked_tokens")
        .execute(app.pool.pool_for_isolation_tests())
        .await;
    assert!(
        direct.is_err(),
        "tracehub_app must not read app.revoked_tokens"
    );
}

#[tokio::test]
async fn malformed_login_bodies_are_422_and_name_the_field() {
    let app = app().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"email": ADMIN}), vec!["password"]),
        (json!({}), vec!["email", "password"]),
        (
            json!({"email": 5, "password": true}),
            vec!["email", "password"],
        ),
        (json!({"email": ADMIN, "password": ""}), vec!["password"]),
        (json!(["not", "an", "object"]), vec!["body"]),
    ];
    for (body, expected) in cases {
        let response = app.post_json("/api/v1/auth/login", &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["code"], "VALIDATION_ERROR");
        let fields: Vec<&str> = answer["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, expected, "{body}");
    }
    let response = app
        .post_form("/api/auth/login", &[("username", ADMIN)])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["fields"][0]["field"], "password");
    let response = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn me_shows_the_user_and_the_organization_of_the_token() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let response = app.get_with_token("/api/v1/auth/me", &admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["email"], ADMIN);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["is_active"], true);
    assert_eq!(me["organization_id"], VIBOTAJ);
    assert!(me["full_name"].as_str().is_some());

    // The buyer lands in their buyer organization, not in VIBOTAJ (where users.organization_id
    // still points), and can read their own user row there.
    let witatrade = app
        .db()
        .scalar_string(
            "SELECT m.organization_id::text FROM org_memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.email = 'buyer@witatrade.de'",
        )
        .await
        .unwrap();
    assert_ne!(witatrade, VIBOTAJ);
    let body = app.login(BUYER).await;
    assert_eq!(body["organization"]["id"], witatrade.as_str());
    assert_eq!(body["organization"]["type"], "buyer");
    assert_eq!(body["user"]["role"], "buyer");
    let buyer = body["access_token"].as_str().unwrap();
    let response = app.get_with_token("/api/auth/me", buyer).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["email"], BUYER);
    assert_eq!(me["role"], "buyer");
    assert_eq!(me["organization_id"], witatrade.as_str());
}

#[tokio::test]
async fn every_demo_user_and_a_member_of_a_new_organization_log_in_with_their_role() {
    let app = app().await;
    for (email, role) in [
        (ADMIN, "admin"),
        (COMPLIANCE, "compliance"),
        (LOGISTICS, "logistics_agent"),
        (VIEWER, "viewer"),
        (BUYER, "buyer"),
        (SUPPLIER, "supplier"),
    ] {
        let login = app.login(email).await;
        assert_eq!(login["user"]["role"], role, "{email}");
    }
    let supplier_org = app
        .create_organization("Kano Hides Ltd", "kano-hides", "supplier")
        .await;
    let user_id = app
        .create_member("ops@kanohides.ng", "SUPPLIER", &supplier_org, "admin")
        .await;
    let login = app.login("ops@kanohides.ng").await;
    assert_eq!(login["user"]["id"], user_id.as_str());
    assert_eq!(login["organization"]["id"], supplier_org.as_str());
    assert_eq!(login["organization"]["type"], "supplier");
}

/// The predecessor's tokens survived password changes. Here a password change, an admin
/// reset and a deactivation each end every session of the account opened before it; the
/// sign-in that follows works at once.
#[tokio::test]
async fn password_change_reset_and_deactivation_end_earlier_sessions() {
    let app = app().await;
    let me = "/api/v1/auth/me";
    let old = app.aged_token(VIEWER, PASSWORD, 5).await;
    assert_eq!(app.get_with_token(me, &old).await.status(), StatusCode::OK);
    let viewer = claims_of(&app, &old).sub;

    // The account's own password change.
    let response = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/v1/users/{viewer}/password"),
            &old,
            &json!({"current_password": PASSWORD, "new_password": "Changed0nce"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_refused(
        app.get_with_token(me, &old).await,
        "after a password change",
    )
    .await;
    let fresh = app.aged_token(VIEWER, "Changed0nce", 0).await;
    assert_eq!(
        app.get_with_token(me, &fresh).await.status(),
        StatusCode::OK
    );
    let old = app.aged_token(VIEWER, "Changed0nce", 5).await;

    // An administrator's reset.
    let admin = app.token(ADMIN).await;
    let response = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/users/{viewer}/reset-password"),
            &admin,
            &json!({"new_password": "ResetBy4dmin"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_refused(app.get_with_token(me, &old).await, "after an admin reset").await;
    let old = app.aged_token(VIEWER, "ResetBy4dmin", 5).await;

    // Deactivation, then reactivation: the old session does not come back.
    for action in ["DELETE", "POST"] {
        let (method, path) = if action == "DELETE" {
            (reqwest::Method::DELETE, format!("/api/v1/users/{viewer}"))
        } else {
            (
                reqwest::Method::POST,
                format!("/api/v1/users/{viewer}/activate"),
            )
        };
        let response = app.call(method, &path, Some(&admin), None).await;
        assert!(response.status().is_success(), "{action} {path}");
    }
    assert_refused(app.get_with_token(me, &old).await, "after deactivation").await;
    let fresh = app.aged_token(VIEWER, "ResetBy4dmin", 0).await;
    assert_eq!(
        app.get_with_token(me, &fresh).await.status(),
        StatusCode::OK
    );

    // Other accounts' sessions are untouched.
    assert_eq!(
        app.get_with_token(me, &admin).await.status(),
        StatusCode::OK
    );
}

/// Sign-ins are audited in the account's organization (the predecessor audited none): a
/// success and a wrong password, with the client address (an unknown e-mail's failure goes
/// to the platform organization: see `login_privacy`).
#[tokio::test]
async fn logins_and_failed_logins_are_audited() {
    let app = app().await;
    let token = app.token(ADMIN).await;
    let admin = claims_of(&app, &token).sub;
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": ADMIN, "password": "not-the-password"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "nobody@example.com", "password": "whatever1A"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    /// action, resource_id, actor_id, details.client
    type AuditRow = (String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT action, resource_id, actor_id::text, details->>'client' FROM audit_logs \
          WHERE action LIKE 'auth.%' AND organization_id = $1 AND actor_id = $2 \
          ORDER BY \"timestamp\", action",
    )
    .bind(Uuid::parse_str(VIBOTAJ).unwrap())
    .bind(admin)
    .fetch_all(&mut app.db().conn().await)
    .await
    .unwrap();
    let admin = admin.to_string();
    let expected = |action: &str| {
        (
            action.to_string(),
            Some(admin.clone()),
            Some(admin.clone()),
            Some("127.0.0.1".to_string()),
        )
    };
    assert_eq!(
        rows,
        [expected("auth.login"), expected("auth.login_failed")]
    );
}

/// The client address of throttling and audit: the TCP peer, or — behind a trusted proxy —
/// the hop that proxy saw. From anyone else, `X-Forwarded-For` is ignored.
#[tokio::test]
async fn x_forwarded_for_counts_only_from_trusted_proxies() {
    for (trusted, expected) in [(false, "127.0.0.1"), (true, "203.0.113.7")] {
        let proxies = if trusted {
            vec!["127.0.0.1/32".parse().unwrap()]
        } else {
            Vec::new()
        };
        let app = TestApp::spawn_configured(|state| state.with_trusted_proxies(proxies)).await;
        let response = app
            .client
            .post(format!("{}/api/v1/auth/login", app.address))
            .header("X-Forwarded-For", "198.51.100.1, 203.0.113.7")
            .json(&json!({"email": ADMIN, "password": "not-the-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let client = app
            .db()
            .scalar_string(
                "SELECT details->>'client' FROM audit_logs WHERE action = 'auth.login_failed'",
            )
            .await;
        assert_eq!(client.as_deref(), Some(expected), "trusted: {trusted}");
        let throttled = app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM app.login_throttle WHERE key = 'ip:{expected}'"
            ))
            .await;
        assert_eq!(throttled, 1, "trusted: {trusted}");
    }
}
