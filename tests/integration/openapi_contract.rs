//! The OpenAPI document against the rules of the extractors that read requests.
//!
//! `CurrentUser` answers 401 to a missing or bad token; `PathIds`, `QueryParams` and
//! `JsonBody` answer 422 naming the field; the body buffer answers 413 over 2 MiB; a pool
//! wait answers 503; every error is `error::render_errors`' body. The document must say so
//! for every operation, bound every string a request body carries, bound every number a
//! query carries, and give every path id the uuid format — so that a client generated from
//! it sends nothing the server refuses for its shape (`fuzz.rs` checks the server side).

use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(tracehub::http::openapi::document()).expect("the document serializes")
}

/// `(method, path, operation)` of every operation.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "patch" | "options" | "head" | "trace"
            ) {
                all.push((method.to_uppercase(), path.clone(), operation.clone()));
            }
        }
    }
    all
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("a reference outside the schemas: {reference}"));
            let target = &doc["components"]["schemas"][name];
            assert!(target.is_object(), "{reference} does not resolve");
            resolve(doc, target)
        }
        None => schema,
    }
}

fn has_type(schema: &Value, wanted: &str) -> bool {
    match &schema["type"] {
        Value::String(t) => t == wanted,
        Value::Array(types) => types.iter().any(|t| t == wanted),
        _ => false,
    }
}

fn is_authenticated(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|s| !s.is_empty())
}

#[test]
fn every_error_answer_is_the_error_body() {
    let doc = document();
    let error_body = &doc["components"]["schemas"]["ErrorBody"];
    for field in ["detail", "code", "request_id"] {
        assert!(
            error_body["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|f| f == field)),
            "ErrorBody requires {field}: {error_body}"
        );
    }
    assert!(error_body["properties"]["fields"].is_object());
    let mut problems = Vec::new();
    for (method, path, operation) in operations(&doc) {
        for (status, response) in operation["responses"].as_object().expect("responses") {
            if response["description"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{method} {path} {status} has no description"));
            }
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            if schema != "#/components/schemas/ErrorBody" {
                problems.push(format!("{method} {path} {status}: {response}"));
            }
            if (status == "429" || status == "503") && response["headers"]["Retry-After"].is_null()
            {
                problems.push(format!("{method} {path} {status} names no Retry-After"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_operation_documents_the_answers_of_its_extractors() {
    let doc = document();
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http", "{scheme}");
    assert_eq!(scheme["scheme"], "bearer", "{scheme}");
    assert_eq!(scheme["bearerFormat"], "JWT", "{scheme}");
    let mut problems = Vec::new();
    let mut public = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let responses = &operation["responses"];
        let documents = |status: &str| responses.get(status).is_some();
        let name = format!("{method} {path}");
        if is_authenticated(&operation) {
            for requirement in operation["security"].as_array().expect("security") {
                for scheme in requirement.as_object().expect("requirement").keys() {
                    if doc["components"]["securitySchemes"][scheme].is_null() {
                        problems.push(format!("{name}: unknown security scheme {scheme}"));
                    }
                }
            }
            if !documents("401") {
                problems.push(format!("{name}: no 401 (CurrentUser)"));
            }
        } else {
            public.push(name.clone());
        }
        let takes_input = operation["parameters"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
            || operation["requestBody"].is_object();
        if takes_input && !documents("422") {
            problems.push(format!("{name}: no 422 (PathIds, QueryParams, JsonBody)"));
        }
        if operation["requestBody"].is_object() && !documents("413") {
            problems.push(format!("{name}: no 413 (bodies over 2 MiB)"));
        }
        if !documents("503") {
            problems.push(format!("{name}: no 503 (no database connection in time)"));
        }
        if !responses
            .as_object()
            .expect("responses")
            .keys()
            .any(|s| s.starts_with('2'))
        {
            problems.push(format!("{name}: no success answer"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // What anyone may call without a token, and nothing else (the webhooks take a
    // signature instead: `tracking::unsigned_forged_and_stale_calls_are_401_…`).
    public.sort();
    assert_eq!(
        public,
        [
            "POST /api/v1/auth/login",
            "POST /api/v1/auth/register",
            "POST /api/v1/invitations/validate",
            "POST /api/v1/webhooks/carrier",
            "POST /api/v1/webhooks/jsoncargo"
        ]
    );
}

#[test]
fn every_path_parameter_is_required_and_constrained() {
    let doc = document();
    let mut problems = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let in_template: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .collect();
        let in_path: Vec<&Value> = parameters.iter().filter(|p| p["in"] == "path").collect();
        if in_path.len() != in_template.len() {
            problems.push(format!(
                "{method} {path}: {} path parameters for {in_template:?}",
                in_path.len()
            ));
        }
        for parameter in in_path {
            let name = parameter["name"].as_str().unwrap_or_default();
            let schema = resolve(&doc, &parameter["schema"]);
            if !in_template.contains(&name)
                || parameter["required"] != true
                || !has_type(schema, "string")
                // Ids are uuids; the one vocabulary in a path (a document type) is an enum;
                // the numbers of the trade (container, bill of lading) have a pattern and
                // a bounded length.
                || !(schema["format"] == "uuid"
                    || schema["enum"].is_array()
                    || (schema["pattern"].is_string() && schema["maxLength"].is_u64()))
            {
                problems.push(format!("{method} {path}: path parameter {parameter}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Walks a schema and reports every string without a bound, and contradictory bounds.
fn unbounded_strings(
    doc: &Value,
    schema: &Value,
    at: &str,
    seen: &mut Vec<String>,
    out: &mut Vec<String>,
) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if seen.iter().any(|r| r == reference) {
            return;
        }
        seen.push(reference.to_string());
        unbounded_strings(doc, resolve(doc, schema), at, seen, out);
        seen.pop();
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            unbounded_strings(doc, part, at, seen, out);
        }
    }
    if has_type(schema, "string") {
        let bounded =
            schema["maxLength"].is_u64() || schema["enum"].is_array() || schema["format"] == "uuid";
        if !bounded {
            out.push(format!("{at}: an unbounded string {schema}"));
        }
        if let (Some(min), Some(max)) = (schema["minLength"].as_u64(), schema["maxLength"].as_u64())
        {
            if min > max {
                out.push(format!("{at}: minLength {min} > maxLength {max}"));
            }
        }
    }
    if has_type(schema, "integer") || has_type(schema, "number") {
        if let (Some(min), Some(max)) = (schema["minimum"].as_f64(), schema["maximum"].as_f64()) {
            if min > max {
                out.push(format!("{at}: minimum {min} > maximum {max}"));
            }
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            unbounded_strings(doc, property, &format!("{at}.{name}"), seen, out);
        }
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !properties.contains_key(name) {
                out.push(format!("{at}: requires {name}, which it does not describe"));
            }
        }
    }
    if schema["items"].is_object() {
        unbounded_strings(doc, &schema["items"], &format!("{at}[]"), seen, out);
    }
}

#[test]
fn every_string_of_every_request_body_is_bounded() {
    let doc = document();
    let mut problems = Vec::new();
    let mut bodies = 0;
    for (method, path, operation) in operations(&doc) {
        let Some(content) = operation["requestBody"]["content"].as_object() else {
            continue;
        };
        for (media, content) in content {
            bodies += 1;
            let at = format!("{method} {path} ({media})");
            unbounded_strings(
                &doc,
                &content["schema"],
                &at,
                &mut Vec::new(),
                &mut problems,
            );
        }
    }
    assert!(bodies >= 20, "{bodies} request bodies");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_number_of_every_query_is_bounded_as_the_server_bounds_it() {
    use tracehub::http::pagination::{MAX_LIMIT, MAX_PAGE};
    let doc = document();
    let mut problems = Vec::new();
    for (method, path, operation) in operations(&doc) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] != "query" {
                continue;
            }
            let name = parameter["name"].as_str().unwrap_or_default();
            let schema = resolve(&doc, &parameter["schema"]);
            let at = format!("{method} {path} ?{name}");
            if has_type(schema, "integer") || has_type(schema, "number") {
                let (min, max) = (schema["minimum"].as_f64(), schema["maximum"].as_f64());
                let expected = match name {
                    "page" => Some((1.0, f64::from(MAX_PAGE))),
                    // The predecessor's audit-log pages hold up to 500 rows.
                    "limit" if path.ends_with("/audit-log") => Some((1.0, 500.0)),
                    "limit" => Some((1.0, f64::from(MAX_LIMIT))),
                    "offset" => Some((0.0, 10_000.0)),
                    _ => None,
                };
                match (min, max, expected) {
                    (Some(min), Some(max), Some(expected)) if (min, max) != expected => {
                        problems.push(format!("{at}: {min}–{max}, the server takes {expected:?}"))
                    }
                    (Some(_), Some(_), _) => {}
                    _ => problems.push(format!("{at}: an unbounded number {schema}")),
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_reference_resolves() {
    fn walk(doc: &Value, value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                    let name = reference.trim_start_matches("#/components/schemas/");
                    if doc["components"]["schemas"][name].is_null() {
                        out.push(reference.to_string());
                    }
                }
                for inner in object.values() {
                    walk(doc, inner, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|inner| walk(doc, inner, out)),
            _ => {}
        }
    }
    let doc = document();
    let mut dangling = Vec::new();
    walk(&doc, &doc, &mut dangling);
    assert!(dangling.is_empty(), "{dangling:?}");
}
