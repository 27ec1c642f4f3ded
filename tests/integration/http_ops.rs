//! The server's operational surface: health, readiness under overload, request ids, metrics,
//! error bodies.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness_answer_and_every_response_has_a_request_id() {
    let app = TestApp::spawn(4, Duration::from_secs(2)).await;
    let response = app.get("/health").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let response = app.get("/health/ready").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");

    // A client's own request id is kept.
    let response = app
        .client
        .get(format!("{}/health", app.address))
        .header("X-Request-ID", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");

    // One that could forge log lines or bloat them is replaced by a fresh UUID.
    for unsafe_id in ["two words", "x\" level=error", &"a".repeat(129)] {
        let response = app
            .client
            .get(format!("{}/health", app.address))
            .header("X-Request-ID", unsafe_id)
            .send()
            .await
            .unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap();
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "{unsafe_id:?} became {id:?}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_get_a_json_404_with_the_request_id() {
    let app = TestApp::spawn(2, Duration::from_secs(2)).await;
    let response = app.get("/api/v1/nothing-here").await;
    assert_eq!(response.status(), 404);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "NOT_FOUND");
    assert_eq!(body["detail"], "Not found");
    assert_eq!(body["request_id"], id.as_str());
}

#[tokio::test]
async fn when_no_database_connection_is_free_the_server_answers_503_and_recovers() {
    let app = TestApp::spawn(2, Duration::from_millis(500)).await;
    // Occupy every connection of the server's pool.
    let held_a = app.pool.pool_for_isolation_tests().acquire().await.unwrap();
    let held_b = app.pool.pool_for_isolation_tests().acquire().await.unwrap();

    let started = Instant::now();
    let response = app.get("/health/ready").await;
    let waited = started.elapsed();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");

    // Liveness never depends on the database.
    let started = Instant::now();
    assert_eq!(app.get("/health").await.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(200));

    drop(held_a);
    drop(held_b);
    assert_eq!(app.get("/health/ready").await.status(), 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::spawn(2, Duration::from_secs(2)).await;
    app.get("/health").await;
    app.get("/health").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            "tracehub_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(text.contains("tracehub_db_pool_connections"), "{text}");
}

#[tokio::test]
async fn the_openapi_document_lists_the_routes_and_the_docs_page_needs_no_internet() {
    let app = TestApp::spawn(2, Duration::from_secs(5)).await;
    for prefix in ["/api/v1", "/api"] {
        let response = app.get(&format!("{prefix}/openapi.json")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let doc: serde_json::Value = response.json().await.expect("json");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/auth/login",
            "/api/v1/auth/me",
            "/api/v1/session/switch-org",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} documented");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

        let page = app.get(&format!("{prefix}/docs")).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("text");
        assert!(html.contains("openapi.json"));
        // Offline: nothing is loaded from another host.
        for external in ["src=\"http", "href=\"http", "@import", "cdn"] {
            assert!(!html.contains(external), "docs page references {external}");
        }
    }
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let app = TestApp::spawn(2, Duration::from_secs(5)).await;
    let base = app
        .spawn_replica_with(|state| {
            state.with_cors_origins(vec!["https://app.example.com".to_string()])
        })
        .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{base}/api/v1/auth/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("https://app.example.com")
        .await
        .expect("preflight");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );
    let refused = preflight("https://evil.example.net")
        .await
        .expect("preflight");
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    // Without configuration (the default app), no CORS headers at all.
    let response = app
        .client
        .get(format!("{}/health", app.address))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .expect("request");
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn a_body_over_two_mib_is_413_in_the_error_shape() {
    let app = TestApp::spawn(2, Duration::from_secs(2)).await;
    let token = app.token("admin@vibotaj.com").await;
    let response = app
        .client
        .post(format!("{}/api/v1/shipments", app.address))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(vec![b' '; tracehub::http::extract::MAX_BODY_BYTES + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
}

/// The token check holds a pooled connection until the handler ends; a client that is slow
/// to send its body must not hold one meanwhile (the body is read before the check).
#[tokio::test]
async fn a_slow_body_holds_no_database_connection() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn(1, Duration::from_millis(500)).await;
    let token = app.token("admin@vibotaj.com").await;
    let host = app.address.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&host).await.unwrap();
    slow.write_all(
        format!(
            "POST /api/v1/shipments HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"reference\":"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // With the pool's only connection held, this would wait 500 ms and answer 503.
    for _ in 0..3 {
        let response = app.get_with_token("/api/v1/shipments", &token).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    drop(slow);
}

/// Every route continues the transaction its token was checked in: with one connection in
/// the pool, authenticated requests of every kind still answer (two connections held by one
/// request would wait for the acquire timeout and fail).
#[tokio::test]
async fn one_pooled_connection_serves_authenticated_requests() {
    let app = TestApp::spawn(1, Duration::from_millis(500)).await;
    let token = app.token("admin@vibotaj.com").await;
    for path in [
        "/api/v1/auth/me",
        "/api/v1/auth/me/full",
        "/api/v1/shipments",
        "/api/v1/organizations",
        "/api/v1/users",
        "/api/v1/notifications",
        "/api/v1/session/context",
    ] {
        let response = app.get_with_token(path, &token).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let response = app.post_with_token("/api/v1/auth/logout", &token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app.get_with_token("/api/v1/auth/me", &token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// In production the API docs and `/metrics` are closed unless an operator opens them;
/// `METRICS_TOKEN` puts the metrics behind a bearer token.
#[tokio::test]
async fn production_closes_the_docs_and_puts_metrics_behind_a_token() {
    use tracehub::config::Exposure;
    let closed = Exposure::from_settings(true, None, None).unwrap();
    let app = TestApp::spawn_configured(|state| state.with_exposure(closed)).await;
    for path in [
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/api/openapi.json",
        "/metrics",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "NOT_FOUND", "{path}");
    }
    assert_eq!(app.get("/health/ready").await.status(), StatusCode::OK);

    let token = "scrape-me-0123456789";
    let guarded = Exposure::from_settings(true, Some("public"), Some(token)).unwrap();
    let app = TestApp::spawn_configured(|state| state.with_exposure(guarded)).await;
    assert_eq!(app.get("/api/v1/docs").await.status(), StatusCode::OK);
    assert_eq!(app.get("/metrics").await.status(), StatusCode::UNAUTHORIZED);
    let wrong = app.get_with_token("/metrics", "scrape-me-9876543210").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let scraped = app.get_with_token("/metrics", token).await;
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped.text().await.unwrap().contains("http_requests"));
}

/// A revision that changes the type of a column the server selects, run while it serves:
/// the server's prepared statements go stale. The request that meets one answers 503 (retry
/// it); the pool then clears its statements and recovers without a restart.
#[tokio::test]
async fn a_column_retyped_under_the_server_costs_one_retry_not_a_restart() {
    let app = TestApp::spawn(1, Duration::from_secs(2)).await;
    let token = app.token("admin@vibotaj.com").await;
    for _ in 0..3 {
        let response = app.get_with_token("/api/v1/shipments", &token).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    app.db()
        .exec("ALTER TABLE shipments ALTER COLUMN vessel_name TYPE text")
        .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let response = app.get_with_token("/api/v1/shipments", &token).await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses[0], 503, "{statuses:?}");
    assert_eq!(&statuses[1..], [200, 200, 200], "{statuses:?}");
}
