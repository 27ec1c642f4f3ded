//! One answer for a malformed id on every route: 422 naming the parameter (the one
//! `PathIds` extractor), whatever the route and method.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::demo::ADMIN;
use crate::helpers::{assert_error, TestApp};

#[tokio::test]
async fn a_malformed_id_is_a_422_naming_it_on_every_route() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let token = app.token(ADMIN).await;
    let document = app.get_ok("/api/v1/openapi.json", &token).await;
    let paths = document["paths"].as_object().expect("paths");
    let mut probed = 0;
    for (template, operations) in paths {
        let names: Vec<&str> = template
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, _) in operations.as_object().expect("operations") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            for malformed in &names {
                let path = names.iter().fold(template.clone(), |path, name| {
                    let value = if name == malformed {
                        "not-a-uuid".to_string()
                    } else {
                        uuid::Uuid::new_v4().to_string()
                    };
                    path.replace(&format!("{{{name}}}"), &value)
                });
                let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
                let response = app
                    .call(method.clone(), &path, Some(&token), body.as_ref())
                    .await;
                let answer: Value = assert_error(
                    response,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "VALIDATION_ERROR",
                    &format!("{method} {path}"),
                )
                .await;
                assert_eq!(
                    answer["fields"][0]["field"], *malformed,
                    "{method} {path}: {answer}"
                );
                probed += 1;
            }
        }
    }
    assert!(probed >= 30, "only {probed} routes with ids were probed");
}
