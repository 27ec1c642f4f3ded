//! The daily expiry warnings (issue 12, revision 019): who is told, once per urgency level,
//! in the document's own organization only.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use serde_json::json;

use crate::api::V1;
use crate::documents::{pdf, Backend, SHIPMENT_001};
use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, LOGISTICS};
use crate::helpers::{stdout, tracehub_with_env, TestApp};
use tracehub::ops::expiry_warnings::{send, ExpiryRun};

const ACME_OWNER: &str = "owner@acme.test";

/// Who got an `expiry_warning` about `document`, and the titles.
async fn told(app: &TestApp, document: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut conn = app.db().conn().await;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT user_id::text, title::text FROM notifications \
          WHERE type = 'expiry_warning' AND data->>'document_id' = $1 ORDER BY created_at",
    )
    .bind(document)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    (
        rows.iter().map(|(user, _)| user.clone()).collect(),
        rows.into_iter().map(|(_, title)| title).collect(),
    )
}

async fn run(app: &TestApp) -> ExpiryRun {
    send(&app.pool, Utc::now().date_naive(), 30)
        .await
        .expect("expiry run")
}

async fn expire(app: &TestApp, document: &str, days: i64) {
    let day = Utc::now().date_naive() + Duration::days(days);
    app.db()
        .exec(&format!(
            "UPDATE documents SET expiry_date = '{day}' WHERE id = '{document}'"
        ))
        .await;
}

#[tokio::test]
async fn expiring_documents_are_announced_once_per_urgency_to_who_acts_on_them() {
    let app = TestApp::spawn_with_backend(Backend::Local).await;
    // Only this test's documents expire.
    app.db()
        .exec("UPDATE documents SET expiry_date = NULL")
        .await;
    let acme = app
        .create_organization("Acme Supplies", "acme", "supplier")
        .await;
    app.create_member(ACME_OWNER, "ADMIN", &acme, "owner").await;
    let acme_owner = app.token(ACME_OWNER).await;
    let acme_shipment = app
        .create_shipment(
            V1,
            &acme_owner,
            &json!({"reference": "ACME-1", "container_number": "MSCU1234566"}),
        )
        .await;
    let admin = app.token(ADMIN).await;
    let logistics = app.token(LOGISTICS).await;
    let upload = |token: String, shipment: String, tag: &'static str| {
        let app = &app;
        async move {
            app.upload_ok(
                &token,
                &shipment,
                "insurance_certificate",
                "c.pdf",
                pdf(tag),
            )
            .await["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let soon = upload(admin.clone(), SHIPMENT_001.into(), "soon").await;
    let later = upload(logistics.clone(), SHIPMENT_001.into(), "later").await;
    let archived = upload(admin.clone(), SHIPMENT_001.into(), "archived").await;
    let theirs = upload(
        acme_owner.clone(),
        acme_shipment["id"].as_str().unwrap().into(),
        "acme",
    )
    .await;
    let _far = upload(admin.clone(), SHIPMENT_001.into(), "far").await;
    expire(&app, &soon, 3).await;
    expire(&app, &later, 20).await;
    expire(&app, &archived, -5).await;
    app.db()
        .exec(&format!(
            "UPDATE documents SET status = 'ARCHIVED' WHERE id = '{archived}'"
        ))
        .await;
    expire(&app, &theirs, 1).await;

    let first = run(&app).await;
    assert_eq!(first.organizations, 2, "{first:?}");
    assert_eq!(first.documents, 3, "{first:?}");
    // VIBOTAJ's reviewers (admin, compliance) and each document's uploader; the buyer
    // organization that reads the shipment is never told; Acme's owner only of Acme's.
    let reviewers: BTreeSet<String> = [ADMIN, COMPLIANCE].map(String::from).into();
    let (to, titles) = told(&app, &soon).await;
    assert_eq!(to, reviewers);
    assert!(
        titles.iter().all(|t| t.starts_with("URGENT:")),
        "{titles:?}"
    );
    let (to, titles) = told(&app, &later).await;
    let mut with_uploader = reviewers.clone();
    with_uploader.insert(LOGISTICS.to_string());
    assert_eq!(to, with_uploader);
    assert!(
        titles.iter().all(|t| !t.starts_with("URGENT")),
        "{titles:?}"
    );
    assert!(told(&app, &archived).await.0.is_empty());
    assert_eq!(
        told(&app, &theirs).await.0,
        BTreeSet::from([ACME_OWNER.to_string()])
    );
    let buyer_told = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM notifications WHERE type = 'expiry_warning' AND user_id = '{BUYER}'"
        ))
        .await;
    assert_eq!(buyer_told, 0);
    assert_eq!(first.notifications, 2 + 3 + 1);

    // The same day again: nothing new. Past its date: told once more, as expired.
    let again = run(&app).await;
    assert_eq!((again.documents, again.notifications), (0, 0), "{again:?}");
    expire(&app, &soon, -1).await;
    let expired = run(&app).await;
    assert_eq!(expired.documents, 1, "{expired:?}");
    let (_, titles) = told(&app, &soon).await;
    assert_eq!(titles.len(), 4);
    assert!(
        titles.last().unwrap().starts_with("Document expired"),
        "{titles:?}"
    );

    // The command operators schedule: the same run, nothing new to say.
    let output = tracehub_with_env(
        &["documents", "expiry-warnings", "--json"],
        &[("DATABASE_URL", &app.db().url)],
    );
    assert!(output.status.success(), "{}", stdout(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(report["documents"], 0);
    assert_eq!(report["organizations"], 2);

    // The record of sent warnings is a tenant table like the others.
    let mut conn = app.pool.pool_for_isolation_tests().acquire().await.unwrap();
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM document_expiry_warnings")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(visible, 0, "no tenant context, no rows");
}
