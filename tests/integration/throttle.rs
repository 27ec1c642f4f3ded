//! Login throttling (revision 010): per account and address pair, per address, and a
//! per-account ceiling; failures only, shared by every server instance through PostgreSQL,
//! answered with 429 and `Retry-After`.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::demo::{ADMIN, PASSWORD, VIEWER};
use crate::helpers::{assert_error, TestApp};

async fn attempt(app: &TestApp, base: &str, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request")
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn five_failures_lock_the_account_from_that_address_on_every_instance_but_not_other_accounts()
{
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let replica = app.spawn_replica().await;
    // Failures spread over two instances count together.
    for i in 0..5 {
        let base = if i % 2 == 0 { &app.address } else { &replica };
        let response = attempt(&app, base, ADMIN, "wrong-Password1").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    for base in [&app.address, &replica] {
        // Even the right password is refused now, without being checked.
        let response = attempt(&app, base, ADMIN, PASSWORD).await;
        let wait = retry_after(&response);
        assert!((1..=900).contains(&wait), "Retry-After {wait}");
        assert_error(
            response,
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "locked account",
        )
        .await;
    }
    // The address is not locked (5 < 20): another account logs in.
    assert_eq!(
        attempt(&app, &app.address, VIEWER, PASSWORD).await.status(),
        StatusCode::OK
    );
    // The window ends (moved into the past as the owner): the account logs in again; the
    // success restarts the pair and gives its claim on the account's ceiling back.
    app.db()
        .exec("UPDATE app.login_throttle SET window_start = now() - interval '16 minutes'")
        .await;
    assert_eq!(
        attempt(&app, &replica, ADMIN, PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.db()
            .scalar_i64(
                "SELECT count(*) FROM app.login_throttle \
                  WHERE key = 'pair:ip:127.0.0.1|admin@vibotaj.com'"
            )
            .await,
        0
    );
    assert_eq!(
        app.db()
            .scalar_i64(
                "SELECT coalesce(sum(attempts), 0) FROM app.login_throttle \
                  WHERE key = 'account:admin@vibotaj.com'"
            )
            .await,
        0
    );
}

/// From `address` (as the trusted proxy in front of the server reports it).
async fn attempt_from(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("X-Forwarded-For", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request")
}

/// A stranger failing from one address locks out only that address for the account: the
/// owner signs in from another. Only a guess spread over many addresses reaches the
/// account's ceiling, which then refuses everyone until the window ends.
#[tokio::test]
async fn a_strangers_failures_do_not_lock_the_owner_out_but_the_account_ceiling_holds() {
    let app = TestApp::spawn_configured(|state| {
        state.with_trusted_proxies(vec!["127.0.0.1/32".parse().unwrap()])
    })
    .await;
    let (stranger, owner) = ("203.0.113.66", "198.51.100.7");
    for i in 0..5 {
        let response = attempt_from(&app, stranger, ADMIN, "wrong-Password1").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    assert_error(
        attempt_from(&app, stranger, ADMIN, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "the stranger's address, even with the right password",
    )
    .await;
    assert_eq!(
        attempt_from(&app, owner, ADMIN, PASSWORD).await.status(),
        StatusCode::OK,
        "the owner from elsewhere"
    );
    // The owner's success does not free the stranger.
    assert_error(
        attempt_from(&app, stranger, ADMIN, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "the stranger after the owner's success",
    )
    .await;
    // The stranger's five failures count against the account's ceiling of 100; bring it to
    // 99 as if 19 more addresses had failed 5 times each (as the owner: the application
    // cannot touch the counters).
    let account = "account:admin@vibotaj.com";
    assert_eq!(
        app.db()
            .scalar_i64(&format!(
                "SELECT attempts::bigint FROM app.login_throttle WHERE key = '{account}'"
            ))
            .await,
        5
    );
    app.db()
        .exec(&format!(
            "UPDATE app.login_throttle SET attempts = 99 WHERE key = '{account}'"
        ))
        .await;
    // The 100th failure is still checked, from a fresh address; then the ceiling holds for
    // every address, the owner's included.
    assert_eq!(
        attempt_from(&app, "192.0.2.100", ADMIN, "wrong-Password1")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    for address in ["192.0.2.101", owner] {
        let response = attempt_from(&app, address, ADMIN, PASSWORD).await;
        assert!((1..=900).contains(&retry_after(&response)));
        assert_error(
            response,
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            address,
        )
        .await;
    }
    // Other accounts are untouched.
    assert_eq!(
        attempt_from(&app, "192.0.2.101", VIEWER, PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn successes_do_not_count_and_an_address_guessing_many_accounts_is_stopped() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    for _ in 0..25 {
        assert_eq!(
            attempt(&app, &app.address, VIEWER, PASSWORD).await.status(),
            StatusCode::OK
        );
    }
    for i in 0..20 {
        let response = attempt(&app, &app.address, &format!("nobody{i}@example.com"), "x").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let response = attempt(&app, &app.address, VIEWER, PASSWORD).await;
    assert!(retry_after(&response) >= 1);
    assert_error(
        response,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "address over its limit",
    )
    .await;
    // The application role cannot read or reset the counters itself.
    let mut conn = app
        .pool
        .pool_for_isolation_tests()
        .acquire()
        .await
        .expect("connection");
    let denied = sqlx::query("DELETE FROM app.login_throttle")
        .execute(&mut *conn)
        .await;
    assert!(
        denied.is_err(),
        "tracehub_app must not touch app.login_throttle"
    );
}

#[tokio::test]
async fn concurrent_guesses_cannot_exceed_the_pair_limit() {
    let app = TestApp::spawn(16, Duration::from_secs(10)).await;
    let url = format!("{}/api/v1/auth/login", app.address);
    let handles: Vec<_> = (0..30)
        .map(|_| {
            let request = app
                .client
                .post(&url)
                .json(&json!({"email": ADMIN, "password": "wrong-Password1"}));
            tokio::spawn(async move { request.send().await.expect("request").status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.expect("task"));
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        checked, 5,
        "exactly the limit of guesses is checked: {statuses:?}"
    );
    assert_eq!(throttled, 25);
}

/// Checking the current password in a password change is a password guess: it is charged to
/// the same counters as a sign-in, so a stolen token cannot guess the password freely.
#[tokio::test]
async fn password_changes_share_the_sign_in_throttle() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let token = app.token(VIEWER).await;
    let id = app
        .db()
        .scalar_string(&format!(
            "SELECT id::text FROM users WHERE email = '{VIEWER}'"
        ))
        .await
        .unwrap();
    let path = format!("/api/v1/users/{id}/password");
    let change =
        |current: &str| json!({"current_password": current, "new_password": "N3wPassword!"});
    for attempt in 0..5 {
        let response = app
            .send_json(Method::PATCH, &path, &token, &change("wrong-guess"))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "guess {attempt}"
        );
    }
    let refused = app
        .send_json(Method::PATCH, &path, &token, &change(PASSWORD))
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&refused) >= 1);
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": VIEWER, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        login.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the same counters"
    );
}
