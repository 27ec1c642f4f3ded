//! Login throttling (revision 010): per account and per address, failures only, shared by
//! every server instance through PostgreSQL, answered with 429 and `Retry-After`.

use std::time::Duration;

use reqwest::StatusCode;
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
async fn five_failures_lock_the_account_on_every_instance_but_not_other_accounts() {
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
    // The window ends (moved into the past as the owner): the account logs in again, and
    // the success restarts its counter.
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
                "SELECT count(*) FROM app.login_throttle WHERE key = 'account:admin@vibotaj.com'"
            )
            .await,
        0
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
    let mut conn = app.pool.inner().acquire().await.expect("connection");
    let denied = sqlx::query("DELETE FROM app.login_throttle")
        .execute(&mut *conn)
        .await;
    assert!(
        denied.is_err(),
        "tracehub_app must not touch app.login_throttle"
    );
}

#[tokio::test]
async fn concurrent_guesses_cannot_exceed_the_account_limit() {
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
