//! One [`TestApp`] method per endpoint that several tests call for its success: each sends the
//! request, asserts the status a success answers with and returns the parsed JSON body. A
//! test that expects a refusal calls [`TestApp::call`] and [`crate::helpers::assert_error`].
//!
//! The methods take the API prefix first (`V1`, or one of [`PREFIXES`] in a test that proves
//! both answer alike), then the caller's token.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// The current prefix.
pub const V1: &str = "/api/v1";
/// The current prefix and the predecessor's alias, which must answer alike.
pub const PREFIXES: [&str; 2] = [V1, "/api"];

/// Asserts `response`'s status (showing the body when it differs) and returns its JSON body
/// (`null` when there is none).
pub async fn json_of(response: reqwest::Response, status: StatusCode, why: &str) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{why}: {body}");
    body
}

/// The field names of a 422 body's `fields`.
pub fn field_names(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The invitation token inside an invitation's link (`…/accept-invitation?token=…`).
pub fn invitation_secret(invitation: &Value) -> String {
    let url = invitation["invitation_url"]
        .as_str()
        .expect("invitation_url");
    url.split_once("/accept-invitation?token=")
        .expect("a token in the link")
        .1
        .to_string()
}

/// Runs the futures concurrently on this task (no extra dependency needed) and returns their
/// outputs in order.
pub async fn join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
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

impl TestApp {
    /// `method path` (`token` as bearer, `body` as JSON, when given), which must answer
    /// `status`; its body.
    async fn expect(
        &self,
        (method, path): (Method, String),
        token: Option<&str>,
        body: Option<&Value>,
        status: StatusCode,
    ) -> Value {
        let why = format!("{method} {path}");
        json_of(self.call(method, &path, token, body).await, status, &why).await
    }

    /// `POST path` as `token` with `body`, which must answer 201; the created body.
    async fn create(&self, path: String, token: &str, body: &Value) -> Value {
        let request = (Method::POST, path);
        self.expect(request, Some(token), Some(body), StatusCode::CREATED)
            .await
    }

    /// `POST path` as `token` with `body`, which must answer 200; the answer's body.
    async fn post_ok(&self, path: String, token: &str, body: Value) -> Value {
        let request = (Method::POST, path);
        self.expect(request, Some(token), Some(&body), StatusCode::OK)
            .await
    }

    /// `POST /auth/login` with `password`: 200.
    pub async fn login_with(&self, email: &str, password: &str) -> Value {
        let body = json!({"email": email, "password": password});
        let request = (Method::POST, format!("{V1}/auth/login"));
        self.expect(request, None, Some(&body), StatusCode::OK)
            .await
    }

    /// The access token of a successful login with `password`.
    pub async fn token_with(&self, email: &str, password: &str) -> String {
        self.login_with(email, password).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// `POST /organizations`: 201, the organization.
    pub async fn create_org(&self, prefix: &str, token: &str, body: &Value) -> Value {
        self.create(format!("{prefix}/organizations"), token, body)
            .await
    }

    /// `GET /organizations/{org}/members{query}` (`query` empty or `?…`): 200, the page.
    pub async fn members(&self, prefix: &str, token: &str, org: &str, query: &str) -> Value {
        self.get_ok(
            &format!("{prefix}/organizations/{org}/members{query}"),
            token,
        )
        .await
    }

    /// `POST /organizations/{org}/members`: 201, the membership.
    pub async fn add_member(&self, prefix: &str, token: &str, org: &str, body: &Value) -> Value {
        self.create(format!("{prefix}/organizations/{org}/members"), token, body)
            .await
    }

    /// `PATCH /organizations/{org}/members/{member}`: 200, the membership.
    pub async fn change_member(
        &self,
        prefix: &str,
        token: &str,
        org: &str,
        member: &str,
        body: &Value,
    ) -> Value {
        let path = format!("{prefix}/organizations/{org}/members/{member}");
        self.expect(
            (Method::PATCH, path),
            Some(token),
            Some(body),
            StatusCode::OK,
        )
        .await
    }

    /// `DELETE /organizations/{org}/members/{member}`: 200.
    pub async fn remove_member(&self, prefix: &str, token: &str, org: &str, member: &str) -> Value {
        let path = format!("{prefix}/organizations/{org}/members/{member}");
        self.expect((Method::DELETE, path), Some(token), None, StatusCode::OK)
            .await
    }

    /// `POST /invitations`: 201, the invitation (its link in `invitation_url`; see
    /// [`invitation_secret`]).
    pub async fn invite(&self, prefix: &str, token: &str, body: &Value) -> Value {
        self.create(format!("{prefix}/invitations"), token, body)
            .await
    }

    /// `POST /invitations/accept` of the invitation token `secret`: 200.
    pub async fn accept_invitation(&self, prefix: &str, token: &str, secret: &str) -> Value {
        let path = format!("{prefix}/invitations/accept");
        self.post_ok(path, token, json!({ "token": secret })).await
    }

    /// `POST /auth/register` (no token; `body` names the invitation token): 201.
    pub async fn register(&self, prefix: &str, body: &Value) -> Value {
        let request = (Method::POST, format!("{prefix}/auth/register"));
        self.expect(request, None, Some(body), StatusCode::CREATED)
            .await
    }

    /// `POST /session/switch-org` to `org`: 200, the new token and its organization.
    pub async fn switch_org(&self, prefix: &str, token: &str, org: &str) -> Value {
        let body = json!({ "organization_id": org });
        self.post_ok(format!("{prefix}/session/switch-org"), token, body)
            .await
    }

    /// `POST /shipments`: 201, the shipment.
    pub async fn create_shipment(&self, prefix: &str, token: &str, body: &Value) -> Value {
        self.create(format!("{prefix}/shipments"), token, body)
            .await
    }

    /// The id of the user `email` (as the database owner).
    pub async fn user_id(&self, email: &str) -> String {
        self.db()
            .scalar_string(&format!(
                "SELECT id::text FROM users WHERE email = '{email}'"
            ))
            .await
            .expect("user id")
    }

    /// The organization `email` is a member of (the demo users have one membership each).
    pub async fn organization_of(&self, email: &str) -> String {
        self.db()
            .scalar_string(&format!(
                "SELECT m.organization_id::text FROM org_memberships m \
                 JOIN users u ON u.id = m.user_id WHERE u.email = '{email}'"
            ))
            .await
            .expect("membership")
    }

    /// The id of `email`'s membership in `org` (as the database owner).
    pub async fn membership_id(&self, email: &str, org: &str) -> String {
        self.db()
            .scalar_string(&format!(
                "SELECT m.id::text FROM org_memberships m JOIN users u ON u.id = m.user_id \
                 WHERE u.email = '{email}' AND m.organization_id = '{org}'"
            ))
            .await
            .expect("membership")
    }

    /// The number of audit rows of `action`.
    pub async fn audit_count(&self, action: &str) -> i64 {
        self.db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM audit_logs WHERE action = '{action}'"
            ))
            .await
    }
}
