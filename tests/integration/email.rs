//! Notifications by e-mail: enqueued with the notification, sent by the job queue to an
//! SMTP sink on loopback, skipped for those who opted out, retried when SMTP is down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tracehub::db::notifications::EMAIL_JOB;
use tracehub::domain::tracking::signature::{sign, WebhookSecret};
use tracehub::http::webhooks::WebhookSecrets;
use tracehub::jobs::{Runner, Timing};
use tracehub::mail::{notification_handler, Mailer};

use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, LOGISTICS, VIEWER};
use crate::helpers::{assert_error, TestApp};
use crate::smtp_sink::SmtpSink;

const SECRET: &str = "mail-test-secret";

/// The demo world, its notifications e-mailed (as `tracehub serve` with `SMTP_URL`).
async fn app() -> TestApp {
    TestApp::spawn_configured(|mut state| {
        state.pool = state.pool.clone().with_email(true);
        state.with_webhooks(WebhookSecrets {
            carrier: WebhookSecret::new(SECRET),
            ..WebhookSecrets::default()
        })
    })
    .await
}

/// A runner of the e-mail jobs sending through `smtp_url`.
fn mail_runner(app: &TestApp, smtp_url: &str) -> tokio::task::JoinHandle<()> {
    let mailer = Mailer::new(
        smtp_url,
        Some("TraceHub <tracehub@example.com>"),
        "http://tracehub.test",
    )
    .unwrap();
    let timing = Timing {
        poll: Duration::from_millis(100),
        ..Timing::default()
    };
    let pool = app.pool.clone();
    tokio::spawn(
        Runner::new(pool.clone(), timing)
            .handle(EMAIL_JOB, notification_handler(pool, Arc::new(mailer)))
            .run(),
    )
}

async fn arrival(app: &TestApp) {
    let body = json!({"container_number": "MRSU3452572", "event_type": "ARRIVED",
                      "timestamp": "2026-01-03T07:30:00Z"})
    .to_string();
    let response = app
        .client
        .post(format!("{}/api/v1/webhooks/carrier", app.address))
        .header(
            "x-webhook-signature",
            sign(&WebhookSecret::new(SECRET).unwrap(), body.as_bytes(), None),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn jobs_in(app: &TestApp, state: &str) -> i64 {
    app.db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM jobs WHERE kind = '{EMAIL_JOB}' AND state = '{state}'"
        ))
        .await
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn each_follower_gets_the_arrival_by_mail_unless_they_opted_out() {
    let app = app().await;
    let sink = SmtpSink::start().await;
    // Logistics turns arrival e-mails off (in-app stays).
    let logistics = app.token(LOGISTICS).await;
    let answer: Value = app
        .send_json(
            Method::PUT,
            "/api/v1/notifications/preferences",
            &logistics,
            &json!({"email": {"shipment_arrived": false}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["email"]["shipment_arrived"], false, "{answer}");
    assert_eq!(answer["email"]["eta_changed"], true);
    assert_eq!(answer["email"].as_object().unwrap().len(), 10);
    let runner = mail_runner(&app, &sink.url);
    arrival(&app).await;
    wait_until("the e-mail jobs done", || sink.received().len() >= 3).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while jobs_in(&app, "done").await < 4 {
        assert!(Instant::now() < deadline, "four jobs done");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    runner.abort();
    for email in [ADMIN, COMPLIANCE, BUYER] {
        let mails = sink.to(email);
        assert_eq!(mails.len(), 1, "{email}");
        assert_eq!(mails[0].subject(), Some("Shipment arrived"));
        assert!(mails[0].data.contains("VIBO-2026-001"), "{}", mails[0].data);
        assert!(mails[0].data.contains("http://tracehub.test"));
    }
    assert!(sink.to(LOGISTICS).is_empty(), "opted out");
    assert!(sink.to(VIEWER).is_empty(), "not a follower");
    assert_eq!(sink.received().len(), 3);
    // The opted-out user still has it in the inbox.
    let inbox = app
        .get_ok("/api/v1/notifications?unread_only=true", &logistics)
        .await;
    assert!(inbox["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["type"] == "shipment_arrived"));
}

#[tokio::test]
async fn without_smtp_nothing_is_enqueued_and_when_smtp_is_down_the_mail_is_retried() {
    // No SMTP configured: notifications only.
    let plain = TestApp::spawn_configured(|state| {
        state.with_webhooks(WebhookSecrets {
            carrier: WebhookSecret::new(SECRET),
            ..WebhookSecrets::default()
        })
    })
    .await;
    arrival(&plain).await;
    assert_eq!(
        plain
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM jobs WHERE kind = '{EMAIL_JOB}'"
            ))
            .await,
        0
    );
    // SMTP down (nothing listens): each attempt fails and is rescheduled.
    let app = app().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let runner = mail_runner(&app, &format!("smtp://{closed}"));
    arrival(&app).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let retried = app
            .db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM jobs WHERE kind = '{EMAIL_JOB}' AND state = 'pending' \
                   AND attempts = 1 AND last_error LIKE 'SMTP:%' AND run_at > now()"
            ))
            .await;
        if retried == 4 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "four e-mails waiting to be retried"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    runner.abort();
}

#[tokio::test]
async fn preferences_are_the_callers_own_and_checked() {
    let app = app().await;
    let admin = app.token(ADMIN).await;
    let viewer = app.token(VIEWER).await;
    app.send_json(
        Method::PUT,
        "/api/v1/notifications/preferences",
        &admin,
        &json!({"email": {"eta_changed": false, "DOCUMENT_UPLOADED": false}}),
    )
    .await;
    let mine = app
        .get_ok("/api/v1/notifications/preferences", &admin)
        .await;
    assert_eq!(mine["email"]["eta_changed"], false);
    assert_eq!(mine["email"]["document_uploaded"], false);
    let theirs = app
        .get_ok("/api/v1/notifications/preferences", &viewer)
        .await;
    assert_eq!(
        theirs["email"]["eta_changed"], true,
        "another user's choice is not theirs"
    );
    for body in [
        json!({"email": {"not_a_kind": false}}),
        json!({"email": {"eta_changed": "no"}}),
        json!({"email": []}),
        json!({"sms": {}}),
    ] {
        let response = app
            .send_json(
                Method::PUT,
                "/api/v1/notifications/preferences",
                &admin,
                &body,
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            &body.to_string(),
        )
        .await;
    }
    for method in [Method::GET, Method::PUT] {
        let response = app
            .call(
                method,
                "/api/v1/notifications/preferences",
                None,
                Some(&json!({"email": {}})),
            )
            .await;
        assert_error(
            response,
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "no token",
        )
        .await;
    }
}
