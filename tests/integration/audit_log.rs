//! The audit log's read API (reference §1.8): who reads which organization's rows, the
//! filters, keyset pages, the recent-activity feed and the summary.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::api::{json_of, PREFIXES, V1};
use crate::helpers::demo::{ADMIN, LOGISTICS, SUPPLIER, VIBOTAJ, VIEWER};
use crate::helpers::{assert_error, TestApp};

const ACME_OWNER: &str = "owner@acme.test";

struct World {
    app: TestApp,
    acme: String,
    admin: String,
    manager: String,
    acme_owner: String,
}

/// The demo world plus a supplier organization "Acme" whose owner created one shipment.
async fn world() -> World {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let acme = app
        .create_organization("Acme Supplies", "acme", "supplier")
        .await;
    app.create_member(ACME_OWNER, "ADMIN", &acme, "owner").await;
    let acme_owner = app.token(ACME_OWNER).await;
    let body = json!({"reference": "ACME-1", "container_number": "MSCU1234566"});
    app.create_shipment(V1, &acme_owner, &body).await;
    World {
        admin: app.token(ADMIN).await,
        manager: app.token(LOGISTICS).await,
        acme_owner,
        acme,
        app,
    }
}

async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .call(
            Method::GET,
            &format!("{V1}/audit-log{query}"),
            Some(token),
            None,
        )
        .await;
    json_of(response, StatusCode::OK, query).await
}

fn organizations(page: &Value) -> HashSet<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["organization_id"].as_str().expect("org").to_string())
        .collect()
}

#[tokio::test]
async fn each_organization_reads_its_own_rows_and_platform_admins_choose() {
    let w = world().await;
    let vibotaj_rows = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE organization_id = '{VIBOTAJ}' \
               AND \"timestamp\" >= now() - interval '7 days'"
        ))
        .await;

    // A manager of VIBOTAJ: VIBOTAJ's rows only, all of them counted.
    let own = page(&w.app, &w.manager, "?limit=500").await;
    assert_eq!(organizations(&own), HashSet::from([VIBOTAJ.to_string()]));
    assert_eq!(own["total"], vibotaj_rows);
    // Acme's owner: Acme's rows (his shipment), nothing of VIBOTAJ.
    let acme = page(&w.app, &w.acme_owner, "").await;
    assert_eq!(organizations(&acme), HashSet::from([w.acme.clone()]));
    assert!(acme["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|item| item["action"] == "shipment.create"));
    // Naming another organization is 404 for him, never its rows.
    for prefix in PREFIXES {
        let path = format!("{prefix}/audit-log?organization_id={VIBOTAJ}");
        let response = w
            .app
            .call(Method::GET, &path, Some(&w.acme_owner), None)
            .await;
        assert_error(response, StatusCode::NOT_FOUND, "NOT_FOUND", &path).await;
    }
    // A platform admin: everyone's rows, or one organization's.
    let all = page(&w.app, &w.admin, "?limit=500").await;
    assert!(organizations(&all).is_superset(&HashSet::from([VIBOTAJ.to_string(), w.acme.clone()])));
    let one = page(&w.app, &w.admin, &format!("?organization_id={}", w.acme)).await;
    assert_eq!(organizations(&one), HashSet::from([w.acme.clone()]));
}

#[tokio::test]
async fn members_viewers_and_strangers_are_refused() {
    let w = world().await;
    for email in [VIEWER, SUPPLIER] {
        let token = w.app.token(email).await;
        for path in ["/audit-log", "/audit-log/recent", "/audit-log/summary"] {
            let response = w
                .app
                .call(Method::GET, &format!("{V1}{path}"), Some(&token), None)
                .await;
            assert_error(
                response,
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSIONS",
                email,
            )
            .await;
        }
    }
    for path in ["/audit-log", "/audit-log/recent", "/audit-log/summary"] {
        let response = w
            .app
            .call(Method::GET, &format!("{V1}{path}"), None, None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    for query in [
        "?days=0",
        "?days=91",
        "?limit=501",
        "?cursor=zz",
        "?offset=10001",
        "?organization_id=nope",
        "?success_only=maybe",
    ] {
        let response = w
            .app
            .call(
                Method::GET,
                &format!("{V1}/audit-log{query}"),
                Some(&w.manager),
                None,
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            query,
        )
        .await;
    }
    let long = "x".repeat(101);
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/audit-log?action={long}"),
            Some(&w.manager),
            None,
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        "long",
    )
    .await;
}

#[tokio::test]
async fn filters_and_keyset_pages_select_exactly() {
    let w = world().await;
    // Three rows of one action, one of another, in VIBOTAJ.
    w.app
        .db()
        .exec(&format!(
            "INSERT INTO audit_logs (id, username, action, resource_type, resource_id, success, \
                 \"timestamp\", organization_id) \
             SELECT gen_random_uuid(), 'x@vibotaj.com', 'document.upload', 'document', 'd' || n, \
                    CASE WHEN n = 3 THEN 'false' ELSE 'true' END, now() - n * interval '1 minute', \
                    '{VIBOTAJ}' FROM generate_series(1, 3) n; \
             INSERT INTO audit_logs (id, username, action, success, \"timestamp\", organization_id) \
             VALUES (gen_random_uuid(), 'x@vibotaj.com', 'documentation.read', 'true', now(), '{VIBOTAJ}'); \
             INSERT INTO audit_logs (id, username, action, success, \"timestamp\", organization_id) \
             VALUES (gen_random_uuid(), 'x@vibotaj.com', 'document.upload', 'true', \
                     now() - interval '10 days', '{VIBOTAJ}');"
        ))
        .await;
    let exact = page(&w.app, &w.manager, "?action=document.upload").await;
    assert_eq!(exact["total"], 3);
    let prefix = page(&w.app, &w.manager, "?action=document*").await;
    assert_eq!(prefix["total"], 4, "a prefix, not a pattern");
    let longer = page(&w.app, &w.manager, "?action=document.upload&days=30").await;
    assert_eq!(longer["total"], 4, "the window");
    let succeeded = page(
        &w.app,
        &w.manager,
        "?action=document.upload&success_only=true",
    )
    .await;
    assert_eq!(succeeded["total"], 2, "total follows every filter");
    let one = page(&w.app, &w.manager, "?resource_type=document&resource_id=d2").await;
    assert_eq!(one["total"], 1);
    let user = page(&w.app, &w.manager, "?username=x@*").await;
    assert_eq!(user["total"], 4);
    // `%` and `_` are text, not wildcards.
    let literal = page(&w.app, &w.manager, "?action=document_upload").await;
    assert_eq!(literal["total"], 0);

    // Keyset pages of one row: every row once, newest first.
    let mut seen = Vec::new();
    let mut query = "?action=document*&limit=1".to_string();
    loop {
        let body = page(&w.app, &w.manager, &query).await;
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        seen.push(items[0]["timestamp"].as_str().unwrap().to_string());
        match body["next_cursor"].as_str() {
            Some(cursor) => query = format!("?action=document*&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 4);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);
}

#[tokio::test]
async fn the_feed_skips_reads_and_the_summary_counts_actions() {
    let w = world().await;
    w.app
        .db()
        .exec(&format!(
            "INSERT INTO audit_logs (id, action, success, \"timestamp\", organization_id) \
             VALUES (gen_random_uuid(), 'shipment.list', 'true', now() + interval '1 minute', '{VIBOTAJ}'), \
                    (gen_random_uuid(), 'document.download', 'true', now(), '{VIBOTAJ}'), \
                    (gen_random_uuid(), 'document.download', 'true', now(), '{VIBOTAJ}')"
        ))
        .await;
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/audit-log/recent?limit=5"),
            Some(&w.manager),
            None,
        )
        .await;
    let recent = json_of(response, StatusCode::OK, "recent").await;
    let activities = recent["activities"].as_array().unwrap();
    assert!(!activities.is_empty() && activities.len() <= 5);
    assert!(activities.iter().all(|a| a["action"] != "shipment.list"));
    assert_eq!(activities[0]["action"], "document.download");

    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/audit-log/summary?days=1"),
            Some(&w.manager),
            None,
        )
        .await;
    let summary = json_of(response, StatusCode::OK, "summary").await;
    assert_eq!(summary["period_days"], 1);
    assert_eq!(summary["counts"]["document_downloads"], 2);
    let logins = w
        .app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action = 'auth.login' AND organization_id = '{VIBOTAJ}' \
               AND \"timestamp\" >= now() - interval '1 day'"
        ))
        .await;
    assert!(logins >= 2, "the world signed in twice in VIBOTAJ");
    assert_eq!(summary["counts"]["logins"], logins);
    // Acme's owner counts Acme's rows only.
    let response = w
        .app
        .call(
            Method::GET,
            &format!("{V1}/audit-log/summary"),
            Some(&w.acme_owner),
            None,
        )
        .await;
    let acme = json_of(response, StatusCode::OK, "acme summary").await;
    assert_eq!(acme["counts"]["document_downloads"], 0);
    assert_eq!(acme["counts"]["logins"], 1);
}
