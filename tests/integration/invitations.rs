//! Invitations (`/invitations…`, `/auth/register`) over real HTTP against the demo world at
//! head: permissions, tenant isolation, token secrecy, expiry, revocation, resend, single use
//! under concurrent accepts, and registration.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::{invitation_secret, join_all, json_of, PREFIXES, V1};
use crate::helpers::demo::{ADMIN, VIBOTAJ};
use crate::helpers::{assert_error, TestApp};

const STRONG: &str = "Sunny-Day-42";

/// An organization of our own with an admin, a manager and a member (demo password), plus a
/// second organization with an admin, to try crossing over.
struct World {
    app: TestApp,
    org: String,
    admin: String,
    manager: String,
    member: String,
    other_org: String,
    other_admin: String,
}

async fn world() -> World {
    let app = TestApp::spawn(12, Duration::from_secs(20)).await;
    let org = app
        .create_organization("Acme Cocoa", "acme-cocoa", "supplier")
        .await;
    let other_org = app
        .create_organization("Bolt Freight", "bolt-freight", "logistics_agent")
        .await;
    app.create_member("admin@acme.test", "SUPPLIER", &org, "admin")
        .await;
    app.create_member("manager@acme.test", "SUPPLIER", &org, "manager")
        .await;
    app.create_member("member@acme.test", "SUPPLIER", &org, "member")
        .await;
    app.create_member("admin@bolt.test", "LOGISTICS_AGENT", &other_org, "admin")
        .await;
    World {
        admin: app.token("admin@acme.test").await,
        manager: app.token("manager@acme.test").await,
        member: app.token("member@acme.test").await,
        other_admin: app.token("admin@bolt.test").await,
        app,
        org,
        other_org,
    }
}

impl World {
    /// Creates an invitation as `token`; returns (id, invitation token, body).
    async fn invite(&self, prefix: &str, token: &str, body: Value) -> (String, String, Value) {
        let answer = self.app.invite(prefix, token, &body).await;
        let id = answer["id"].as_str().expect("id").to_string();
        (id, invitation_secret(&answer), answer)
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.app.call(Method::POST, path, token, Some(body)).await
    }

    /// The manager's invitation of guest@example.com into our organization; its id.
    async fn guest(&self) -> String {
        let body = json!({"organization_id": self.org, "email": "guest@example.com"});
        self.invite(V1, &self.manager, body).await.0
    }

    /// An invitation of late{n}@example.com by our admin, `n` the prefix's length; its
    /// e-mail address, id and token.
    async fn late(&self, prefix: &str) -> (String, String, String) {
        let email = format!("late{}@example.com", prefix.len());
        let body = json!({"email": email, "custom_message": "Hi"});
        let (id, secret, _) = self.invite(prefix, &self.admin, body).await;
        (email, id, secret)
    }

    /// Resends invitation `id` as our admin (200); the answer and the new token.
    async fn resend(&self, prefix: &str, id: &str) -> (Value, String) {
        let path = format!("{prefix}/invitations/{id}/resend");
        let response = self
            .app
            .call(Method::POST, &path, Some(&self.admin), None)
            .await;
        let resent = json_of(response, StatusCode::OK, "resend").await;
        let secret = invitation_secret(&resent);
        (resent, secret)
    }

    /// `validate` of the invitation token `secret`, without a caller's token: 200, the answer.
    async fn validate(&self, prefix: &str, secret: &str) -> Value {
        let path = format!("{prefix}/invitations/validate");
        let response = self.post(&path, None, &json!({ "token": secret })).await;
        json_of(response, StatusCode::OK, "validate").await
    }

    /// `validate` of `secret` refused with `code` (404 for an unknown token, else 400).
    async fn validate_refused(&self, prefix: &str, secret: &str, code: &str) -> Value {
        let path = format!("{prefix}/invitations/validate");
        let status = match code {
            "INVITATION_NOT_FOUND" => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        let response = self.post(&path, None, &json!({ "token": secret })).await;
        assert_error(response, status, code, "validate").await
    }

    /// Registers with invitation token `secret` for `email`, as "Late Comer", expecting the
    /// refusal `code`.
    async fn register_refused(&self, prefix: &str, email: &str, secret: &str, code: &str) {
        let register = json!({"email": email, "password": STRONG, "full_name": "Late Comer",
                              "invitation_token": secret});
        assert_error(
            self.post(&format!("{prefix}/auth/register"), None, &register)
                .await,
            StatusCode::BAD_REQUEST,
            code,
            "register",
        )
        .await;
    }

    /// Asserts that each of `routes`, called as `token` with a valid creation body, is
    /// refused with `status` and `code`.
    async fn assert_refused(
        &self,
        routes: &[(Method, String)],
        token: Option<&str>,
        (status, code): (StatusCode, &str),
    ) {
        let body = json!({"organization_id": self.org, "email": "x@example.com"});
        for (method, path) in routes {
            let response = self
                .app
                .call(method.clone(), path, token, Some(&body))
                .await;
            assert_error(response, status, code, path).await;
        }
    }

    /// The audit rows of `action` about invitation `id`.
    async fn audited(&self, action: &str, id: &str) -> i64 {
        self.app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM audit_logs WHERE action = '{action}' AND resource_id = '{id}'"
            ))
            .await
    }
}

/// The invitation routes that need a token, under `prefix`: the list's (create, list), then
/// invitation `id`'s (read, resend, revoke).
fn guarded_routes(prefix: &str, id: &str) -> [(Method, String); 5] {
    let list = format!("{prefix}/invitations");
    let one = format!("{list}/{id}");
    [
        (Method::POST, list.clone()),
        (Method::GET, list),
        (Method::GET, one.clone()),
        (Method::POST, format!("{one}/resend")),
        (Method::DELETE, one),
    ]
}

/// The demo world with the manager's invitation of guest@example.com; its id.
async fn guest_world() -> (World, String) {
    let w = world().await;
    let id = w.guest().await;
    (w, id)
}

#[tokio::test]
async fn create_list_read_and_the_token_only_in_the_link() {
    let w = world().await;
    for (n, prefix) in PREFIXES.iter().enumerate() {
        let email = format!("Newcomer{n}@Example.com");
        let (id, secret, created) = w
            .invite(
                prefix,
                &w.admin,
                json!({"organization_id": w.org, "email": email, "org_role": "manager",
                       "custom_message": "Welcome aboard", "redirect_url": "/shipments"}),
            )
            .await;
        assert_eq!(created["email"], format!("newcomer{n}@example.com"));
        assert_eq!(created["org_role"], "manager");
        assert_eq!(created["status"], "pending");
        assert_eq!(created["organization_type"], "supplier");
        assert_eq!(created["custom_message"], "Welcome aboard");
        let host = w.app.address.trim_start_matches("http://");
        assert!(
            created["invitation_url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("http://{host}/accept-invitation?token=")),
            "{created}"
        );
        assert_eq!(secret.len(), 43);

        // Never stored in clear: no column of any invitation holds the token; its hash is there.
        let clear = w
            .app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM invitations i WHERE position('{secret}' in to_jsonb(i)::text) > 0"
            ))
            .await;
        assert_eq!(clear, 0);
        let stored = w
            .app
            .db()
            .scalar_string(&format!(
                "SELECT token_hash FROM invitations WHERE id = '{id}'"
            ))
            .await;
        assert_eq!(
            stored.as_deref(),
            Some(tracehub::domain::invitation::token_hash(&secret).as_str())
        );
        let audited = w
            .app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM audit_logs WHERE action = 'invitation.create' AND resource_id = '{id}'"
            ))
            .await;
        assert_eq!(audited, 1);

        // Read by the admin, the manager (may list, so may read) — not by a plain member.
        let one = w
            .app
            .get_ok(&format!("{prefix}/invitations/{id}"), &w.manager)
            .await;
        assert_eq!(one["created_by_name"], "Test SUPPLIER");
        assert_eq!(one["organization_name"], "Acme Cocoa");
        assert_error(
            w.app
                .get_with_token(&format!("{prefix}/invitations/{id}"), &w.member)
                .await,
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            "member reads an invitation",
        )
        .await;

        let page = w
            .app
            .get_ok(
                &format!("{prefix}/invitations?status=pending&limit=10"),
                &w.admin,
            )
            .await;
        assert_eq!(page["total"], n as i64 + 1);
        assert_eq!(page["items"][0]["id"], id.as_str());
        let none = w
            .app
            .get_ok(&format!("{prefix}/invitations?status=accepted"), &w.admin)
            .await;
        assert_eq!(none["total"], 0);
    }
}

#[tokio::test]
async fn every_route_but_validate_needs_a_token() {
    let (w, id) = guest_world().await;
    let refusal = (StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    for prefix in PREFIXES {
        w.assert_refused(&guarded_routes(prefix, &id), None, refusal)
            .await;
        let accept = format!("{prefix}/invitations/accept");
        assert_error(
            w.post(&accept, None, &json!({"token": "x"})).await,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "accept without token",
        )
        .await;
    }
}

/// A member may neither invite nor list, resend nor revoke; a manager cannot invite above
/// their own rank.
#[tokio::test]
async fn a_member_manages_no_invitations_and_a_manager_invites_no_higher_rank() {
    let (w, id) = guest_world().await;
    for prefix in PREFIXES {
        let routes = guarded_routes(prefix, &id);
        let refusal = (StatusCode::FORBIDDEN, "INSUFFICIENT_PERMISSIONS");
        w.assert_refused(&routes, Some(&w.member), refusal).await;
        let boss =
            json!({"organization_id": w.org, "email": "boss@example.com", "org_role": "admin"});
        assert_error(
            w.post(&routes[0].1, Some(&w.manager), &boss).await,
            StatusCode::FORBIDDEN,
            "CANNOT_INVITE_HIGHER_ROLE",
            "manager invites an admin",
        )
        .await;
    }
}

/// Another organization's invitations: 404 on every id route and on its list, as on every
/// route about it; inviting into it is 404.
#[tokio::test]
async fn another_organizations_invitations_are_not_found() {
    let (w, id) = guest_world().await;
    let not_found = (StatusCode::NOT_FOUND, "NOT_FOUND");
    for prefix in PREFIXES {
        let [create, (_, list), by_id @ ..] = guarded_routes(prefix, &id);
        w.assert_refused(&by_id, Some(&w.other_admin), not_found)
            .await;
        let filtered = (Method::GET, format!("{list}?organization_id={}", w.org));
        w.assert_refused(&[filtered, create], Some(&w.other_admin), not_found)
            .await;
    }
    let stored = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM invitations WHERE organization_id = '{}'",
            w.org
        ))
        .await;
    assert_eq!(stored, 1, "only the guest's invitation");
}

#[tokio::test]
async fn inviting_a_member_or_an_address_already_invited_conflicts() {
    let (w, _) = guest_world().await;
    for prefix in PREFIXES {
        let list = format!("{prefix}/invitations");
        for (email, code) in [
            ("MEMBER@acme.test", "EMAIL_ALREADY_MEMBER"),
            ("Guest@example.com", "INVITATION_EXISTS"),
        ] {
            let body = json!({"organization_id": w.org, "email": email});
            let response = w.post(&list, Some(&w.admin), &body).await;
            assert_error(response, StatusCode::CONFLICT, code, email).await;
        }
    }
}

/// Malformed: 422 naming the field.
#[tokio::test]
async fn a_malformed_invitation_request_names_its_field() {
    let w = world().await;
    for prefix in PREFIXES {
        let list = format!("{prefix}/invitations");
        for (body, field) in [
            (json!({"organization_id": w.org}), "email"),
            (
                json!({"organization_id": w.org, "email": "no-at-sign"}),
                "email",
            ),
            (
                json!({"organization_id": w.org, "email": "a@b.co", "org_role": "boss"}),
                "org_role",
            ),
            (
                json!({"organization_id": "nope", "email": "a@b.co"}),
                "organization_id",
            ),
            (
                json!({"email": "a@b.co", "custom_message": "x".repeat(1001)}),
                "custom_message",
            ),
            (
                json!({"email": "a@b.co", "redirect_url": "x".repeat(501)}),
                "redirect_url",
            ),
        ] {
            let answer = assert_error(
                w.post(&list, Some(&w.admin), &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                field,
            )
            .await;
            assert_eq!(answer["fields"][0]["field"], field, "{answer}");
        }
        for (path, field) in [
            (format!("{list}?status=bogus"), "status"),
            (format!("{list}?limit=0"), "limit"),
            (format!("{prefix}/invitations/not-a-uuid"), "id"),
        ] {
            let answer = assert_error(
                w.app.get_with_token(&path, &w.admin).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                &path,
            )
            .await;
            assert_eq!(answer["fields"][0]["field"], field, "{answer}");
        }
        for path in ["validate", "accept"] {
            let answer = assert_error(
                w.post(
                    &format!("{prefix}/invitations/{path}"),
                    Some(&w.admin),
                    &json!({}),
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                path,
            )
            .await;
            assert_eq!(answer["fields"][0]["field"], "token", "{answer}");
        }
    }
}

/// A platform admin may invite into any organization, audited as a platform access there.
#[tokio::test]
async fn a_platform_admin_invites_into_any_organization() {
    let w = world().await;
    let platform = w.app.token(ADMIN).await;
    let (foreign_id, _, _) = w
        .invite(
            "/api",
            &platform,
            json!({"organization_id": w.other_org, "email": "driver@example.com", "org_role": "admin"}),
        )
        .await;
    let platform_audits = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action = 'platform.access' \
             AND organization_id = '{}'",
            w.other_org
        ))
        .await;
    assert_eq!(platform_audits, 1);
    assert_eq!(w.app.audit_count("platform.access").await, 1);
    let seen = w
        .app
        .get_ok(&format!("/api/v1/invitations/{foreign_id}"), &w.other_admin)
        .await;
    assert_eq!(seen["organization_id"], w.other_org.as_str());
    assert_ne!(w.other_org, VIBOTAJ);
}

#[tokio::test]
async fn resend_issues_a_new_token_and_the_old_one_stops_working() {
    let w = world().await;
    for prefix in PREFIXES {
        let (_, id, secret) = w.late(prefix).await;
        let (_, fresh) = w.resend(prefix, &id).await;
        assert_eq!(w.audited("invitation.resend", &id).await, 1);
        assert_ne!(fresh, secret);
        w.validate_refused(prefix, &secret, "INVITATION_NOT_FOUND")
            .await;
        assert_eq!(
            w.validate(prefix, &fresh).await["invitation_id"],
            id.as_str()
        );
    }
}

/// `validate` needs no token: a valid invitation shows what it invites to; an unknown token
/// is 404 in both the error's and the validation's shape.
#[tokio::test]
async fn validate_is_public_and_an_unknown_token_is_not_found() {
    let w = world().await;
    for prefix in PREFIXES {
        let (_, id, secret) = w.late(prefix).await;
        let answer = w.validate(prefix, &secret).await;
        assert_eq!(answer["valid"], true);
        assert_eq!(answer["invitation_id"], id.as_str());
        assert_eq!(answer["organization_name"], "Acme Cocoa");
        assert_eq!(answer["org_role"], "member");
        assert_eq!(answer["requires_registration"], true);
        assert_eq!(answer["custom_message"], "Hi");

        let answer = w
            .validate_refused(prefix, "not-a-token", "INVITATION_NOT_FOUND")
            .await;
        assert_eq!(answer["valid"], false);
        assert_eq!(answer["error"], "INVITATION_NOT_FOUND");
        assert!(answer["detail"].is_string() && answer["message"].is_string());
    }
}

/// Expiry by the database clock: validate and register refuse it, the invitation reads as
/// expired, and resend (what it is for) makes it pending again.
#[tokio::test]
async fn an_expired_invitation_is_refused_until_resent() {
    let w = world().await;
    for prefix in PREFIXES {
        let (email, id, secret) = w.late(prefix).await;
        w.app
            .db()
            .exec(&format!(
                "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = '{id}'"
            ))
            .await;
        let answer = w
            .validate_refused(prefix, &secret, "INVITATION_EXPIRED")
            .await;
        assert_eq!(answer["valid"], false);
        assert_eq!(answer["error"], "INVITATION_EXPIRED");
        w.register_refused(prefix, &email, &secret, "INVITATION_EXPIRED")
            .await;
        let listed = w
            .app
            .get_ok(&format!("{prefix}/invitations/{id}"), &w.admin)
            .await;
        assert_eq!(listed["status"], "expired");

        let (resent, renewed) = w.resend(prefix, &id).await;
        assert_eq!(w.audited("invitation.resend", &id).await, 1);
        assert_eq!(resent["status"], "pending");
        assert_eq!(w.validate(prefix, &renewed).await["valid"], true);
    }
}

/// Revoke: then refused everywhere, and not revocable twice.
#[tokio::test]
async fn a_revoked_invitation_is_refused_everywhere() {
    let w = world().await;
    for prefix in PREFIXES {
        let (email, id, secret) = w.late(prefix).await;
        let path = format!("{prefix}/invitations/{id}");
        let revoke = || w.app.call(Method::DELETE, &path, Some(&w.admin), None);
        assert_eq!(revoke().await.status(), StatusCode::NO_CONTENT);
        w.validate_refused(prefix, &secret, "INVITATION_REVOKED")
            .await;
        w.register_refused(prefix, &email, &secret, "INVITATION_REVOKED")
            .await;
        assert_error(
            revoke().await,
            StatusCode::BAD_REQUEST,
            "INVITATION_REVOKED",
            "revoke twice",
        )
        .await;
        assert_eq!(w.audited("invitation.revoke", &id).await, 1);
    }
}

#[tokio::test]
async fn accept_is_single_use_under_twenty_concurrent_calls() {
    let w = world().await;
    // An existing user of another organization, invited into ours.
    let guest_email = "Driver@Bolt.test";
    w.app
        .create_member(
            "driver@bolt.test",
            "LOGISTICS_AGENT",
            &w.other_org,
            "member",
        )
        .await;
    let guest = w.app.token("driver@bolt.test").await;
    let (id, secret, _) = w
        .invite(
            "/api",
            &w.admin,
            json!({"email": guest_email, "org_role": "manager"}),
        )
        .await;

    // The invitee may read it although not (yet) a member.
    let seen = w
        .app
        .get_ok(&format!("/api/invitations/{id}"), &guest)
        .await;
    assert_eq!(seen["email"], "driver@bolt.test");
    let validated = w
        .post("/api/invitations/validate", None, &json!({"token": secret}))
        .await;
    let validated: Value = validated.json().await.unwrap();
    assert_eq!(validated["requires_registration"], false);

    // Someone else's e-mail: refused.
    assert_error(
        w.post(
            "/api/v1/invitations/accept",
            Some(&w.other_admin),
            &json!({"token": secret}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "EMAIL_MISMATCH",
        "wrong e-mail",
    )
    .await;

    let body = json!({"token": secret});
    let (world, guest_token, body) = (&w, guest.as_str(), &body);
    let calls = (0..20).map(|i| async move {
        let path = format!("{}/invitations/accept", PREFIXES[i % 2]);
        world.post(&path, Some(guest_token), body).await
    });
    let responses = join_all(calls).await;
    let mut ok = Vec::new();
    for response in responses {
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        if status == StatusCode::OK {
            ok.push(body);
        } else {
            assert!(
                status == StatusCode::BAD_REQUEST || status == StatusCode::CONFLICT,
                "{status} {body}"
            );
            assert!(
                ["INVITATION_ALREADY_USED", "EMAIL_ALREADY_MEMBER"]
                    .contains(&body["code"].as_str().unwrap_or_default()),
                "{body}"
            );
        }
    }
    assert_eq!(ok.len(), 1, "exactly one accept succeeds");
    let answer = &ok[0];
    assert_eq!(answer["membership"]["organization_id"], w.org.as_str());
    assert_eq!(answer["membership"]["org_role"], "manager");
    let memberships = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM org_memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.email = 'driver@bolt.test' AND m.organization_id = '{}'",
            w.org
        ))
        .await;
    assert_eq!(memberships, 1);

    // The new token acts in the organization joined.
    let me = w
        .app
        .get_ok(
            "/api/v1/auth/me",
            answer["new_token"].as_str().expect("new_token"),
        )
        .await;
    assert_eq!(me["organization_id"], w.org.as_str());

    // Used: refused from now on.
    assert_error(
        w.post(
            "/api/v1/invitations/validate",
            None,
            &json!({"token": secret}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "INVITATION_ALREADY_USED",
        "used token",
    )
    .await;
    let audited = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action = 'invitation.accept' AND resource_id = '{id}'"
        ))
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn register_creates_exactly_the_invited_membership() {
    let w = world().await;
    for prefix in PREFIXES {
        let email = format!("fresh{}@example.com", prefix.len());
        let (id, secret, _) = w
            .invite(
                prefix,
                &w.admin,
                json!({"email": email, "org_role": "viewer"}),
            )
            .await;
        let register = format!("{prefix}/auth/register");

        // Malformed and weak: 422 naming the field.
        for (body, field) in [
            (
                json!({"email": email, "password": "weak", "full_name": "F", "invitation_token": secret}),
                "password",
            ),
            (
                json!({"email": "nope", "password": STRONG, "full_name": "F", "invitation_token": secret}),
                "email",
            ),
            (
                json!({"email": email, "password": STRONG, "full_name": " ", "invitation_token": secret}),
                "full_name",
            ),
            (
                json!({"email": email, "password": STRONG, "full_name": "F"}),
                "invitation_token",
            ),
        ] {
            let answer = assert_error(
                w.post(&register, None, &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                field,
            )
            .await;
            assert_eq!(answer["fields"][0]["field"], field, "{answer}");
        }
        // Another e-mail than the invitation's.
        assert_error(
            w.post(
                &register,
                None,
                &json!({"email": "someone@example.com", "password": STRONG,
                        "full_name": "Some One", "invitation_token": secret}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "EMAIL_MISMATCH",
            "register with another e-mail",
        )
        .await;

        let fresh = json!({"email": email.to_uppercase(), "password": STRONG,
                           "full_name": "Fresh Person", "invitation_token": secret});
        let answer = w.app.register(prefix, &fresh).await;
        assert_eq!(answer["token_type"], "bearer");
        assert_eq!(answer["user"]["email"], email.as_str());
        assert_eq!(answer["user"]["role"], "supplier");
        assert_eq!(answer["organization"]["id"], w.org.as_str());
        assert_eq!(answer["organization"]["type"], "supplier");
        assert_eq!(answer["membership"]["org_role"], "viewer");
        assert_eq!(answer["membership"]["is_primary"], true);

        // Exactly the invited membership (revision 005's trigger adds none elsewhere).
        let memberships = w
            .app
            .db()
            .scalar_string(&format!(
                "SELECT string_agg(m.organization_id::text || ':' || m.role::text, ',') \
                   FROM org_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = '{email}'"
            ))
            .await;
        assert_eq!(memberships, Some(format!("{}:viewer", w.org)));

        let me = w
            .app
            .get_ok(
                &format!("{prefix}/auth/me"),
                answer["access_token"].as_str().unwrap(),
            )
            .await;
        assert_eq!(me["email"], email.as_str());
        assert_eq!(me["organization_id"], w.org.as_str());
        // The password works for login too.
        let login = w.app.login_with(&email, STRONG).await;
        assert_eq!(login["user"]["email"], email.as_str());

        // Single use.
        assert_error(
            w.post(
                &register,
                None,
                &json!({"email": email, "password": STRONG, "full_name": "Again",
                        "invitation_token": secret}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "INVITATION_ALREADY_USED",
            "register twice",
        )
        .await;
        let audited = w
            .app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM audit_logs WHERE action = 'user.register' \
                   AND details->>'invitation_id' = '{id}'"
            ))
            .await;
        assert_eq!(audited, 1);
    }

    // An address that already has an account must sign in and accept instead.
    let (_, secret, _) = w
        .invite(
            "/api/v1",
            &w.other_admin,
            json!({"email": "member@acme.test"}),
        )
        .await;
    assert_error(
        w.post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "member@acme.test", "password": STRONG, "full_name": "Dup",
                    "invitation_token": secret}),
        )
        .await,
        StatusCode::CONFLICT,
        "EMAIL_ALREADY_REGISTERED",
        "existing e-mail",
    )
    .await;
}

/// The spec's rate limits: 20 invitations sent per organization an hour, 30 invitation
/// tokens presented per client address a minute (token enumeration). Refused calls are 429
/// `RATE_LIMITED` with `Retry-After`; a refused or failed creation is not counted.
#[tokio::test]
async fn invitation_sends_and_token_guesses_are_rate_limited() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let admin = app.token(ADMIN).await;
    let invite = |n: usize| json!({"email": format!("guest{n}@example.com")});
    // A refused one (malformed) and a conflicting one are not counted.
    let response = app
        .send_json(
            Method::POST,
            "/api/v1/invitations",
            &admin,
            &json!({"email": "x"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for n in 0..20 {
        let response = app
            .send_json(Method::POST, "/api/v1/invitations", &admin, &invite(n))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "invitation {n}");
    }
    let response = app
        .send_json(Method::POST, "/api/v1/invitations", &admin, &invite(20))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "RATE_LIMITED");
    let pending = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM invitations WHERE organization_id = '{VIBOTAJ}'"
        ))
        .await;
    assert_eq!(pending, 20);

    // Guessing tokens: 30 answers, then 429 — for validate, accept and register alike.
    for n in 0..30 {
        let response = app
            .post_json(
                "/api/v1/invitations/validate",
                &json!({"token": format!("guess-{n}")}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "guess {n}");
    }
    let guess = json!({"token": "guess-30"});
    let response = app.post_json("/api/v1/invitations/validate", &guess).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = app
        .send_json(Method::POST, "/api/v1/invitations/accept", &admin, &guess)
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let register = json!({"email": "guest0@example.com", "password": STRONG,
                          "full_name": "Guest", "invitation_token": "guess-31"});
    let response = app.post_json("/api/v1/auth/register", &register).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// `redirect_url` is a same-site path or a URL of a front end listed in `CORS_ORIGINS`;
/// anything else (script URLs, other sites, protocol-relative and backslash tricks) is a 422
/// on the field, so invitation links cannot be turned into an open redirect.
#[tokio::test]
async fn redirect_urls_are_paths_or_urls_of_allowed_origins() {
    let app = TestApp::spawn_configured(|state| {
        state.with_cors_origins(vec!["https://app.example.com".to_string()])
    })
    .await;
    let token = app.token(ADMIN).await;
    let invite = |n: usize, redirect: &str| json!({"email": format!("guest{n}@example.com"), "redirect_url": redirect});
    for (n, good) in [
        "/shipments?tab=documents",
        "https://app.example.com/welcome",
    ]
    .into_iter()
    .enumerate()
    {
        let response = app
            .send_json(
                Method::POST,
                "/api/v1/invitations",
                &token,
                &invite(n, good),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{good}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["redirect_url"], good);
    }
    for (n, bad) in [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "https://evil.example.com/phish",
        "http://app.example.com/",
        "//evil.example.com",
        "/\\evil.example.com",
        "/\t/evil.example.com",
        "welcome",
    ]
    .into_iter()
    .enumerate()
    {
        let body = assert_error(
            app.send_json(
                Method::POST,
                "/api/v1/invitations",
                &token,
                &invite(10 + n, bad),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            bad,
        )
        .await;
        assert_eq!(body["fields"][0]["field"], "redirect_url", "{bad}: {body}");
    }
    assert_eq!(
        app.db()
            .scalar_i64("SELECT count(*) FROM invitations WHERE email LIKE 'guest%'")
            .await,
        2
    );
}

/// Invitation links are built on the configured public URL, read once at start-up: a forged
/// `Host` (or `X-Forwarded-Proto`) never decides where the token is sent.
#[tokio::test]
async fn links_use_the_public_url_never_the_request_host() {
    let public = tracehub::config::PublicUrl::parse("https://tracehub.example.com/app/").unwrap();
    let app = TestApp::spawn_configured(|state| state.with_public_url(public)).await;
    let token = app.token(ADMIN).await;
    let forged = |request: reqwest::RequestBuilder| {
        request
            .bearer_auth(&token)
            .header("Host", "evil.example.com")
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", "evil.example.com")
    };
    let response = forged(
        app.client
            .post(format!("{}/api/v1/invitations", app.address)),
    )
    .json(&json!({"email": "guest@example.com"}))
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let url = created["invitation_url"].as_str().unwrap();
    assert!(
        url.starts_with("https://tracehub.example.com/app/accept-invitation?token="),
        "{url}"
    );
    let id = created["id"].as_str().unwrap();
    let response = forged(
        app.client
            .post(format!("{}/api/v1/invitations/{id}/resend", app.address)),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let resent: Value = response.json().await.unwrap();
    assert!(
        resent["invitation_url"]
            .as_str()
            .unwrap()
            .starts_with("https://tracehub.example.com/app/accept-invitation?token="),
        "{resent}"
    );

    // Unconfigured (development): the address the server listens on, whatever Host says.
    let app = TestApp::spawn(2, Duration::from_secs(5)).await;
    let token = app.token(ADMIN).await;
    let response = app
        .client
        .post(format!("{}/api/v1/invitations", app.address))
        .bearer_auth(&token)
        .header("Host", "evil.example.com")
        .json(&json!({"email": "guest@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let url = created["invitation_url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/accept-invitation?token=", app.address)),
        "{url}"
    );
}

/// `organization_id` of the invitation list: an organization that does not exist is a 404
/// (it was a 500 for platform admins: the audited platform path's foreign key refused it),
/// and a value that is no UUID a 422 naming the parameter.
#[tokio::test]
async fn listing_an_unknown_organization_is_a_404_and_a_non_uuid_a_422() {
    let w = world().await;
    let platform_admin = w.app.token(ADMIN).await;
    let unknown = uuid::Uuid::new_v4();
    for (token, who) in [(&platform_admin, "platform admin"), (&w.admin, "org admin")] {
        for prefix in PREFIXES {
            let path = format!("{prefix}/invitations?organization_id={unknown}");
            assert_error(
                w.app.get_with_token(&path, token).await,
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("{who}: {path}"),
            )
            .await;
            let path = format!("{prefix}/invitations?organization_id=not-a-uuid");
            let body = assert_error(
                w.app.get_with_token(&path, token).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                &format!("{who}: {path}"),
            )
            .await;
            assert_eq!(body["fields"][0]["field"], "organization_id", "{body}");
        }
    }
    // Inviting into an unknown organization is a 404 too, never a 500.
    assert_error(
        w.post(
            "/api/v1/invitations",
            Some(&platform_admin),
            &json!({"organization_id": unknown, "email": "x@example.com"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "invite into an unknown organization",
    )
    .await;
    // A platform admin still lists a real other organization.
    let listed = w
        .app
        .get_ok(
            &format!("/api/v1/invitations?organization_id={}", w.org),
            &platform_admin,
        )
        .await;
    assert_eq!(listed["items"], json!([]));
}
