//! Authority follows the caller's role in the acting organization: the takeover the hardening
//! review reproduced over HTTP, replayed step by step on the demo world.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::{invitation_secret, json_of, V1};
use crate::helpers::demo::{ADMIN, COMPLIANCE, VIBOTAJ};
use crate::helpers::{assert_error, TestApp};

const STRONG: &str = "Str0ngPassword";

struct Scenario {
    app: TestApp,
    /// The platform admin's token.
    platform: String,
    acme: String,
    boss_id: String,
}

impl Scenario {
    /// Step 1: the platform admin creates Acme and invites its owner, who registers.
    async fn new() -> Self {
        let app = TestApp::spawn(8, Duration::from_secs(10)).await;
        let platform = app.token(ADMIN).await;
        let acme = app.create_organization("Acme", "acme", "supplier").await;
        let owner =
            json!({"email": "boss@acme.test", "org_role": "owner", "organization_id": acme});
        let invited = app.invite(V1, &platform, &owner).await;
        let secret = invitation_secret(&invited);
        let register = json!({"email": "boss@acme.test", "password": STRONG,
                              "full_name": "The Boss", "invitation_token": secret});
        let registered = app.register(V1, &register).await;
        let boss_id = registered["user"]["id"].as_str().expect("id").to_string();
        Scenario {
            app,
            platform,
            acme,
            boss_id,
        }
    }

    async fn boss_token(&self) -> String {
        self.app.token_with("boss@acme.test", STRONG).await
    }

    /// VIBOTAJ's platform admin invites the boss as a plain member, and he accepts; his token.
    async fn boss_joins_vibotaj(&self) -> String {
        let member = json!({"email": "boss@acme.test", "org_role": "member"});
        let invited = self.app.invite(V1, &self.platform, &member).await;
        let boss = self.boss_token().await;
        self.app
            .accept_invitation(V1, &boss, &invitation_secret(&invited))
            .await;
        boss
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> reqwest::Response {
        self.app.send_json(method, path, token, &body).await
    }
}

#[tokio::test]
async fn an_owner_runs_his_organizations_accounts_without_a_system_role() {
    let s = Scenario::new().await;
    let boss = s.boss_token().await;
    let me = s.app.get_ok("/api/v1/users/me", &boss).await;
    assert_eq!(
        me["role"], "supplier",
        "registered through a supplier's link"
    );

    let created = json_of(
        s.call(
            Method::POST,
            "/api/v1/users",
            &boss,
            json!({"email": "clerk@acme.test", "full_name": "Clerk", "role": "supplier",
                   "password": STRONG}),
        )
        .await,
        StatusCode::CREATED,
        "the owner creates an account",
    )
    .await;
    let clerk = created["id"].as_str().unwrap().to_string();
    let membership = s
        .app
        .db()
        .scalar_string(&format!(
            "SELECT role::text || '@' || organization_id FROM org_memberships WHERE user_id = '{clerk}'"
        ))
        .await;
    assert_eq!(membership, Some(format!("member@{}", s.acme)));
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/users/{clerk}"),
            json!({"full_name": "Head Clerk"}),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{clerk}/reset-password"),
            json!({"new_password": "An0therPassword"}),
        ),
        (Method::DELETE, format!("/api/v1/users/{clerk}"), json!({})),
        (
            Method::POST,
            format!("/api/v1/users/{clerk}/activate"),
            json!({}),
        ),
    ] {
        json_of(
            s.call(method, &path, &boss, body).await,
            StatusCode::OK,
            &path,
        )
        .await;
    }
    let page = s.app.get_ok("/api/v1/users", &boss).await;
    assert_eq!(page["total"], 2, "the boss and his clerk: {page}");

    // The system role stays the platform's to give.
    assert_error(
        s.call(
            Method::PATCH,
            &format!("/api/v1/users/{clerk}"),
            &boss,
            json!({"role": "viewer"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "PLATFORM_ADMIN_ONLY",
        "system role by an organization owner",
    )
    .await;
    assert_error(
        s.call(
            Method::POST,
            "/api/v1/users",
            &boss,
            json!({"email": "root@acme.test", "full_name": "Root", "role": "admin",
                   "password": STRONG}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "ROLE_NOT_MANAGEABLE",
        "an admin account by an organization owner",
    )
    .await;
}

#[tokio::test]
async fn a_system_admin_who_is_a_plain_member_takes_nothing_over() {
    let s = Scenario::new().await;
    // Step 2: the platform admin makes the boss a system admin.
    json_of(
        s.call(
            Method::PATCH,
            &format!("/api/v1/users/{}", s.boss_id),
            &s.platform,
            json!({"role": "admin"}),
        )
        .await,
        StatusCode::OK,
        "the platform admin changes a system role",
    )
    .await;
    // Step 3: VIBOTAJ invites him as a plain member; he accepts and acts in VIBOTAJ.
    let boss = s.boss_joins_vibotaj().await;
    let switched = s.app.switch_org(V1, &boss, VIBOTAJ).await;
    let member = switched["access_token"].as_str().unwrap().to_string();
    assert_eq!(switched["org_role"], "member");

    // Step 4: every move of the takeover is refused.
    let owner_id = s.app.user_id(ADMIN).await;
    let users_before = s.app.db().scalar_i64("SELECT count(*) FROM users").await;
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/users".to_string(),
            json!({"email": "mole@vibotaj.com", "full_name": "Mole", "role": "admin",
                   "password": STRONG}),
        ),
        (
            Method::POST,
            format!("/api/v1/users/{owner_id}/reset-password"),
            json!({"new_password": STRONG}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{owner_id}"),
            json!({"is_active": false}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/users/{owner_id}"),
            json!({"email": "mole@vibotaj.com"}),
        ),
        (Method::GET, "/api/v1/users".to_string(), json!({})),
    ] {
        assert_error(
            s.call(method, &path, &member, body).await,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            &path,
        )
        .await;
    }
    assert_eq!(
        s.app.db().scalar_i64("SELECT count(*) FROM users").await,
        users_before
    );
    assert_eq!(
        s.app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM users WHERE id = '{owner_id}' AND is_active"
            ))
            .await,
        1
    );
    // Not a platform admin: he lists his own two organizations, not every one.
    let organizations = s.app.get_ok("/api/v1/organizations", &member).await;
    let total = organizations["total"]
        .as_i64()
        .or_else(|| organizations.as_array().map(|a| a.len() as i64));
    assert_eq!(total, Some(2), "{organizations}");

    // Members, invitations and organization settings follow the same role.
    let compliance_membership = s
        .app
        .db()
        .scalar_string(&format!(
            "SELECT m.id::text FROM org_memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.email = '{COMPLIANCE}' AND m.organization_id = '{VIBOTAJ}'"
        ))
        .await
        .expect("membership");
    for (method, path, body) in [
        (
            Method::PATCH,
            format!("/api/v1/organizations/{VIBOTAJ}/members/{compliance_membership}"),
            json!({"org_role": "viewer"}),
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{VIBOTAJ}/members/{compliance_membership}/suspend"),
            json!({}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/organizations/{VIBOTAJ}/members/{compliance_membership}"),
            json!({}),
        ),
        (
            Method::POST,
            "/api/v1/invitations".to_string(),
            json!({"email": "ally@example.com", "org_role": "admin"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/organizations/{VIBOTAJ}"),
            json!({"name": "Taken Over"}),
        ),
    ] {
        let response = s.call(method, &path, &member, body).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let name = s
        .app
        .db()
        .scalar_string(&format!(
            "SELECT name FROM organizations WHERE id = '{VIBOTAJ}'"
        ))
        .await;
    assert_eq!(name.as_deref(), Some("VIBOTAJ GmbH"));
}

#[tokio::test]
async fn an_account_shared_with_another_organization_is_changed_only_by_its_holder_or_the_platform()
{
    let s = Scenario::new().await;
    // The boss also joins VIBOTAJ as a member.
    let boss = s.boss_joins_vibotaj().await;
    // VIBOTAJ's compliance officer is an organization admin there: he reads the boss's
    // account but changes nothing of it.
    let compliance = s.app.token(COMPLIANCE).await;
    let path = format!("/api/v1/users/{}", s.boss_id);
    assert_eq!(
        s.app.get_ok(&path, &compliance).await["email"],
        "boss@acme.test"
    );
    for (method, path, body) in [
        (Method::PATCH, path.clone(), json!({"full_name": "Renamed"})),
        (
            Method::POST,
            format!("{path}/reset-password"),
            json!({"new_password": STRONG}),
        ),
        (Method::DELETE, path.clone(), json!({})),
    ] {
        assert_error(
            s.call(method, &path, &compliance, body).await,
            StatusCode::FORBIDDEN,
            "HOME_ORGANIZATION_ONLY",
            &path,
        )
        .await;
    }
    // He may remove him from VIBOTAJ.
    let membership = s
        .app
        .db()
        .scalar_string(&format!(
            "SELECT id::text FROM org_memberships WHERE user_id = '{}' AND organization_id = '{VIBOTAJ}'",
            s.boss_id
        ))
        .await
        .expect("membership");
    let removed = s
        .call(
            Method::DELETE,
            &format!("/api/v1/organizations/{VIBOTAJ}/members/{membership}"),
            &compliance,
            json!({}),
        )
        .await;
    assert!(removed.status().is_success(), "{}", removed.status());
    // The holder renames himself; the platform admin resets his password.
    json_of(
        s.call(
            Method::PATCH,
            &path,
            &boss,
            json!({"full_name": "Big Boss"}),
        )
        .await,
        StatusCode::OK,
        "self rename",
    )
    .await;
    json_of(
        s.call(
            Method::POST,
            &format!("{path}/reset-password"),
            &s.platform,
            json!({"new_password": "An0therPassword"}),
        )
        .await,
        StatusCode::OK,
        "platform reset",
    )
    .await;
}

/// A shipment is assigned only to a buyer organization related to its owner: derived from one
/// of its buyer parties (the demo's), or joined through an invitation its members sent.
#[tokio::test]
async fn a_shipment_goes_only_to_a_related_buyer_organization() {
    let app = TestApp::spawn(6, Duration::from_secs(10)).await;
    let platform = app.token(ADMIN).await;
    let fresh = app
        .create_organization("Fresh Buyer", "fresh-buyer", "buyer")
        .await;
    let shipment = |reference: &str| {
        json!({"reference": reference, "buyer_organization_id": fresh,
               "container_number": "MSCU1234566",
               "products": [{"hs_code": "0506.90", "description": "Horn and hoof"}]})
    };
    let refused = app
        .send_json(
            Method::POST,
            "/api/v1/shipments",
            &platform,
            &shipment("REL-1"),
        )
        .await;
    let body = assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        "an unrelated buyer organization",
    )
    .await;
    assert_eq!(
        body["fields"][0]["field"], "buyer_organization_id",
        "{body}"
    );

    // VIBOTAJ's platform admin brings the buyer aboard: an invitation, accepted.
    let owner = json!({"email": "owner@fresh.test", "org_role": "owner", "organization_id": fresh});
    let invited = app.invite(V1, &platform, &owner).await;
    let secret = invitation_secret(&invited);
    let register = json!({"email": "owner@fresh.test", "password": STRONG,
                          "full_name": "Fresh Owner", "invitation_token": secret});
    app.register(V1, &register).await;
    let created = app.create_shipment(V1, &platform, &shipment("REL-2")).await;
    assert_eq!(created["buyer_organization_id"], fresh.as_str());
}
