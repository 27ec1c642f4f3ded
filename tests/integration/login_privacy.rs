//! A failed login must not tell whether the account exists: not by its answer, not by the
//! password work it does, not by the statements it runs. Timing itself is not measured
//! (flaky); what decides it is: the computations the login reports, and the SQL it runs,
//! recorded from the server's own tracing events (the server runs on the test's thread, so
//! a thread-local subscriber sees exactly this test's requests).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::json;
use tracehub::auth::password::DummyHashes;
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::helpers::demo::{ADMIN, PASSWORD, VIBOTAJ, VIEWER};
use crate::helpers::{assert_error, TestApp};

/// One event: its target and its fields as text.
type Recorded = (String, BTreeMap<String, String>);

/// The events of this thread.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Recorded>>>);

#[derive(Default)]
struct FieldText(BTreeMap<String, String>);

impl tracing::field::Visit for FieldText {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Recorder {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = FieldText::default();
        event.record(&mut fields);
        let target = event.metadata().target().to_string();
        self.0.lock().unwrap().push((target, fields.0));
    }
}

impl Recorder {
    /// Takes the events recorded so far.
    fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// One failed login's SQL statements (full text, in order) and the password work it did.
async fn failed_login(app: &TestApp, recorder: &Recorder, email: &str) -> (Vec<String>, String) {
    recorder.take();
    assert_error(
        app.post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": "Wrong-Password-9"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        email,
    )
    .await;
    let events = recorder.take();
    let statements = events
        .iter()
        .filter(|(target, _)| target == "sqlx::query")
        .map(|(_, fields)| {
            let full = fields.get("db.statement").map_or("", |s| s.trim());
            if full.is_empty() {
                fields.get("summary").cloned().unwrap_or_default()
            } else {
                full.to_string()
            }
        })
        .collect();
    let computed = events
        .iter()
        .find(|(_, fields)| fields.get("message").is_some_and(|m| m == "login failed"))
        .and_then(|(_, fields)| fields.get("computed").cloned())
        .unwrap_or_else(|| panic!("no \"login failed\" event for {email}: {events:?}"));
    (statements, computed)
}

#[tokio::test]
async fn a_failed_login_does_the_same_work_and_statements_whether_or_not_the_account_exists() {
    // The demo accounts carry the predecessor's bcrypt hashes at cost 10, as the server
    // finds at start-up.
    let app = TestApp::spawn_configured(|state| {
        state.with_dummy_hashes(DummyHashes::for_legacy_cost(Some(10)).unwrap())
    })
    .await;
    // The admin signs in once: their hash becomes argon2id. The viewer keeps bcrypt.
    app.login(ADMIN).await;
    let recorder = Recorder::default();
    // With a single subscriber in the process, tracing caches each callsite's interest from
    // whichever thread hits it first — another test's thread, without a subscriber, would
    // switch sqlx's statement events off for ours too. A second, silent subscriber makes it
    // ask every subscriber instead.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(recorder.clone()));
    // Warm up: the pool's connections and prepared statements exist for every case alike.
    failed_login(&app, &recorder, "warm-up@example.com").await;

    let (unknown_sql, unknown_work) = failed_login(&app, &recorder, "nobody@example.com").await;
    let (argon2_sql, argon2_work) = failed_login(&app, &recorder, ADMIN).await;
    let (bcrypt_sql, bcrypt_work) = failed_login(&app, &recorder, VIEWER).await;

    // The same password work: one argon2id and one bcrypt verification at cost 10, real
    // or dummy.
    assert_eq!(unknown_work, "[Dummy(Argon2id), Dummy(Bcrypt(10))]");
    assert_eq!(argon2_work, "[Real(Argon2id), Dummy(Bcrypt(10))]");
    assert_eq!(bcrypt_work, "[Real(Bcrypt(10)), Dummy(Argon2id)]");
    // The same statements, in the same order: throttle, lookup, one audit transaction.
    assert!(
        unknown_sql
            .iter()
            .any(|s| s.starts_with("INSERT INTO audit_logs")),
        "{unknown_sql:#?}"
    );
    assert!(
        unknown_sql.iter().any(|s| s == "COMMIT"),
        "{unknown_sql:#?}"
    );
    assert_eq!(unknown_sql, argon2_sql);
    assert_eq!(unknown_sql, bcrypt_sql);
    drop(_guard);

    // Every failure left its row: the accounts' in their organization, the unknown
    // address's in the platform organization, each with the client address.
    type Row = (String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT username, resource_id, organization_id::text, details->>'client' \
           FROM audit_logs WHERE action = 'auth.login_failed' AND username <> 'warm-up@example.com' \
          ORDER BY \"timestamp\"",
    )
    .fetch_all(&mut app.db().conn().await)
    .await
    .unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(names, ["nobody@example.com", ADMIN, VIEWER]);
    assert_eq!(rows[0].1, None, "an unknown e-mail names no user");
    assert!(rows[1].1.is_some() && rows[2].1.is_some());
    for row in &rows {
        assert_eq!(row.2.as_deref(), Some(VIBOTAJ));
        assert_eq!(row.3.as_deref(), Some("127.0.0.1"));
    }
    // And the right password still works for both kinds of hash.
    for email in [ADMIN, VIEWER] {
        let response = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{email}");
    }
}

/// The server pads failed logins with bcrypt only while bcrypt hashes are stored: it asks
/// at start-up, as the owner.
#[tokio::test]
async fn the_legacy_bcrypt_cost_is_read_from_the_stored_hashes() {
    let app = TestApp::spawn_configured(|state| state).await;
    let mut owner = app.db().conn().await;
    assert_eq!(
        tracehub::db::sessions::legacy_bcrypt_cost(&mut owner)
            .await
            .unwrap(),
        Some(10),
        "the demo's bcrypt hashes"
    );
    let argon2 = tracehub::auth::password::hash(PASSWORD).unwrap();
    sqlx::query("UPDATE users SET hashed_password = $1")
        .bind(&argon2)
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(
        tracehub::db::sessions::legacy_bcrypt_cost(&mut owner)
            .await
            .unwrap(),
        None
    );
}
