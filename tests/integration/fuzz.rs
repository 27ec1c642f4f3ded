//! Schema-driven fuzzing: the server against its own OpenAPI document.
//!
//! The test reads `/api/v1/openapi.json` from the running server and, for every operation,
//! sends what the document forbids — no body, a body of the wrong JSON type, each required
//! property missing, each property of a wrong type or `null` where it is not nullable,
//! numbers below their minimum or above their maximum, strings one character over their
//! `maxLength` (or under their `minLength`) and about 100 KB long, values outside an enum or
//! a format, invalid query parameters and path ids, no token — and what it allows: the
//! smallest valid body, each enum value, each number and string length at its bounds, each
//! example. A forbidden input must be answered with a documented 4xx in the error shape
//! (`detail`, `code`, `request_id`); an allowed one must never be a 422 (it may be refused
//! for other reasons: 403, 404, 409, 429); nothing may be a 5xx or go unanswered.
//!
//! Path ids are those of real objects (the demo world plus a shipment, a product, a party
//! and an invitation created first), so input checks that follow the lookup are reached.
//! Requests are sequential: the order of the changes they make stays reproducible.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};

use crate::helpers::{demo, TestApp};

/// The longest a request may take before it counts as a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The "very long string" of every string property.
const LONG_STRING_BYTES: usize = 100 * 1024;
/// Query strings are kept below the URI limits of HTTP libraries.
const LONG_QUERY_BYTES: usize = 8 * 1024;

#[tokio::test]
async fn the_server_refuses_what_its_document_forbids_and_accepts_what_it_allows() {
    let started = Instant::now();
    // With the simulated provider: the tracking routes answer without a network.
    let app = TestApp::spawn_configured(|state| {
        let provider = std::sync::Arc::new(tracehub::tracking::SimulatedProvider::new(1.0));
        let tracker =
            tracehub::tracking::refresh::Tracker::new(state.pool.clone(), provider, 1_000_000);
        state.with_tracker(std::sync::Arc::new(tracker))
    })
    .await;
    let token = app.token(demo::ADMIN).await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.expect("the document is JSON");
    let ids = Ids::load(&app, &token).await;
    let mut fuzz = Fuzz {
        client: reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("client"),
        address: app.address.clone(),
        doc,
        token,
        ids,
        failures: Vec::new(),
        requests: 0,
    };
    let operations = fuzz.operations();
    assert!(operations.len() >= 50, "{} operations", operations.len());
    for operation in &operations {
        fuzz.operation(operation).await;
    }
    eprintln!(
        "fuzz: {} operations, {} requests, {:.1} s",
        operations.len(),
        fuzz.requests,
        started.elapsed().as_secs_f64()
    );
    assert!(
        fuzz.failures.is_empty(),
        "{} of {} requests were answered against the document:\n{}",
        fuzz.failures.len(),
        fuzz.requests,
        fuzz.failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// Real objects for path ids

struct Ids {
    admin: String,
    viewer: String,
    viewer_membership: String,
    shipment: String,
    product: String,
    party: String,
    invitation: String,
    notification: Option<String>,
}

impl Ids {
    async fn load(app: &TestApp, token: &str) -> Self {
        let db = app.db();
        let user = |email: &str| format!("SELECT id::text FROM users WHERE email = '{email}'");
        let admin = db.scalar_string(&user(demo::ADMIN)).await.expect("admin");
        let viewer = db.scalar_string(&user(demo::VIEWER)).await.expect("viewer");
        let viewer_membership = db
            .scalar_string(&format!(
                "SELECT id::text FROM org_memberships \
                  WHERE user_id = '{viewer}' AND organization_id = '{}'",
                demo::VIBOTAJ
            ))
            .await
            .expect("the viewer's membership");
        let notification = {
            let mut conn = db.conn().await;
            sqlx::query_scalar::<_, String>(&format!(
                "SELECT id::text FROM notifications WHERE recipient_id = '{admin}' LIMIT 1"
            ))
            .fetch_optional(&mut conn)
            .await
            .expect("notifications")
        };
        let created = |path: &'static str, body: Value| async move {
            let response = app.send_json(Method::POST, path, token, &body).await;
            assert_eq!(response.status(), StatusCode::CREATED, "{path}");
            response.json::<Value>().await.expect("json")
        };
        let shipment = created(
            "/api/v1/shipments",
            json!({"reference": "FUZZ-TARGET", "container_number": "MSCU1234566",
                   "products": [{"hs_code": "0506.90", "description": "Fuzzed goods"}]}),
        )
        .await;
        let party = created(
            "/api/v1/parties",
            json!({"type": "supplier", "company_name": "Fuzz Supplies"}),
        )
        .await;
        let invitation = created(
            "/api/v1/invitations",
            json!({"email": "fuzz-target@example.com"}),
        )
        .await;
        let id = |value: &Value| value.as_str().expect("id").to_string();
        Ids {
            admin,
            viewer,
            viewer_membership,
            product: id(&shipment["products"][0]["id"]),
            shipment: id(&shipment["id"]),
            party: id(&party["id"]),
            invitation: id(&invitation["id"]),
            notification,
        }
    }

    /// The id for path parameter `name` of `template`, after the segment naming the
    /// resource; a random one for resources without a real object.
    fn for_param(&self, template: &str, name: &str) -> String {
        let marker = format!("{{{name}}}");
        let before = template
            .split(&marker)
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        let resource = before.rsplit('/').next().unwrap_or_default();
        let random = || uuid::Uuid::new_v4().to_string();
        match resource {
            // Changing a password is for one's own account only; everything else about
            // users targets the viewer (the admin keeps his token working).
            "users" if template.ends_with("/password") => self.admin.clone(),
            "users" => self.viewer.clone(),
            "organizations" => demo::VIBOTAJ.to_string(),
            "members" => self.viewer_membership.clone(),
            "shipments" => self.shipment.clone(),
            "products" => self.product.clone(),
            "parties" => self.party.clone(),
            "invitations" => self.invitation.clone(),
            "notifications" => self.notification.clone().unwrap_or_else(random),
            // The demo's followed container and bill of lading.
            "status" | "live" => "MRSU3452572".to_string(),
            "bol" => "262495038".to_string(),
            _ => random(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The document

struct Operation {
    method: Method,
    template: String,
    spec: Value,
    authenticated: bool,
}

impl Operation {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    fn documents(&self, status: StatusCode) -> bool {
        self.spec["responses"].get(status.as_str()).is_some()
    }

    fn parameters(&self, location: &str) -> Vec<Value> {
        self.spec["parameters"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|p| p["in"] == location)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A schema with `$ref`s resolved, `allOf` merged and `null` alternatives taken out.
#[derive(Debug, Clone)]
struct Shape {
    schema: Value,
    nullable: bool,
}

impl Shape {
    fn kind(&self) -> &str {
        self.schema["type"].as_str().unwrap_or("")
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.schema.get(key).and_then(Value::as_str)
    }

    fn number(&self, key: &str) -> Option<f64> {
        self.schema.get(key).and_then(Value::as_f64)
    }

    fn length(&self, key: &str) -> Option<usize> {
        self.schema
            .get(key)
            .and_then(Value::as_u64)
            .map(|n| n as usize)
    }

    fn enumeration(&self) -> Option<Vec<String>> {
        self.schema["enum"].as_array().map(|values| {
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }

    /// Free text: no enum, format or pattern decides what a valid value looks like.
    fn is_free_text(&self) -> bool {
        self.kind() == "string"
            && self.schema.get("enum").is_none()
            && self.schema.get("format").is_none()
            && self.schema.get("pattern").is_none()
    }

    fn properties(&self) -> Vec<(String, Value)> {
        self.schema["properties"]
            .as_object()
            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    fn required(&self) -> BTreeSet<String> {
        self.schema["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn shape(doc: &Value, schema: &Value) -> Shape {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        let mut target = shape(doc, &doc["components"]["schemas"][name]);
        // Keywords beside a $ref (3.1) narrow it.
        if let (Some(extra), Some(target_object)) =
            (schema.as_object(), target.schema.as_object_mut())
        {
            for (key, value) in extra {
                if key != "$ref" {
                    target_object.insert(key.clone(), value.clone());
                }
            }
        }
        return target;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema[key].as_array() {
            let (nulls, others): (Vec<&Value>, Vec<&Value>) =
                alternatives.iter().partition(|a| a["type"] == "null");
            if others.len() == 1 {
                let mut inner = shape(doc, others[0]);
                inner.nullable |= !nulls.is_empty();
                return inner;
            }
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut properties = Map::new();
        let mut required = BTreeSet::new();
        let mut merged = Map::new();
        for part in parts {
            let part = shape(doc, part);
            for (name, property) in part.properties() {
                properties.insert(name, property);
            }
            required.extend(part.required());
            for key in ["additionalProperties", "minProperties"] {
                if let Some(value) = part.schema.get(key) {
                    merged.insert(key.into(), value.clone());
                }
            }
        }
        merged.insert("type".into(), json!("object"));
        merged.insert("properties".into(), Value::Object(properties));
        merged.insert("required".into(), json!(required));
        return Shape {
            schema: Value::Object(merged),
            nullable: false,
        };
    }
    let mut schema = schema.clone();
    let mut nullable = false;
    if let Some(types) = schema["type"].as_array().cloned() {
        nullable = types.iter().any(|t| t == "null");
        let others: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        if others.len() == 1 {
            schema["type"] = others[0].clone();
        }
    }
    Shape { schema, nullable }
}

// ---------------------------------------------------------------------------------------
// Values

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn next() -> usize {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// Text of exactly `length` characters that meets the password rules once it has three
/// (an upper- and a lower-case letter, a digit) and has no whitespace.
fn text(length: usize) -> String {
    "Aa1"
        .chars()
        .chain(std::iter::repeat('x'))
        .take(length)
        .collect()
}

/// A unique, valid e-mail address of exactly `length` characters (at least 12).
fn email_of_length(length: usize) -> String {
    let tag = format!("f{}", next());
    let local_length = 64.min(length - 1 - 6).max(tag.len());
    let local = format!("{tag}{}", "x".repeat(local_length - tag.len()));
    // The domain: labels of at most 60 characters, then ".com".
    let mut rest = length - local_length - 1 - 4;
    let mut labels = Vec::new();
    while rest > 0 {
        let take = if rest <= 60 {
            rest
        } else if rest == 61 {
            59
        } else {
            60
        };
        labels.push("d".repeat(take));
        rest -= take;
        rest = rest.saturating_sub(1);
    }
    format!("{local}@{}.com", labels.join("."))
}

fn unique_email() -> String {
    format!("fuzz{}@example.com", next())
}

/// Gives every generated address in `body` a new number, so that a body sent again is not
/// refused for an address taken by its previous sending (which would hide what follows).
fn fresh_emails(body: &mut Value) {
    match body {
        Value::String(text) if text.starts_with("fuzz") && text.ends_with("@example.com") => {
            *text = unique_email();
        }
        Value::Array(items) => items.iter_mut().for_each(fresh_emails),
        Value::Object(object) => object.values_mut().for_each(fresh_emails),
        _ => {}
    }
}

/// A value the schema allows, as small as possible (objects: their required properties).
fn valid(doc: &Value, shape: &Shape) -> Value {
    if let Some(example) = shape.schema.get("example") {
        return example.clone();
    }
    if let Some(values) = shape.enumeration() {
        return json!(values[0]);
    }
    match shape.kind() {
        "string" => match shape.str("format") {
            Some("uuid") => json!(uuid::Uuid::new_v4().to_string()),
            Some("email") => json!(unique_email()),
            Some("date-time") => json!("2026-01-03T06:00:00Z"),
            Some("date") => json!("2025-11-28"),
            _ => {
                let min = shape.length("minLength").unwrap_or(0);
                let max = shape.length("maxLength").unwrap_or(usize::MAX);
                json!(text(min.max(8).min(max)))
            }
        },
        "integer" | "number" => json!(shape.number("minimum").unwrap_or(0.0) as i64),
        "boolean" => json!(true),
        "array" => json!([]),
        "object" => {
            let mut object = Map::new();
            let required = shape.required();
            let wanted = shape.length("minProperties").unwrap_or(0);
            for (name, property) in shape.properties() {
                if required.contains(&name) || object.len() < wanted {
                    object.insert(name, valid(doc, &self::shape(doc, &property)));
                }
            }
            Value::Object(object)
        }
        _ => Value::Null,
    }
}

/// Values of a wrong JSON type for the schema.
fn wrong_types(shape: &Shape) -> Vec<Value> {
    match shape.kind() {
        "string" => vec![json!(12345), json!(true), json!({"a": 1})],
        "integer" => vec![json!("12"), json!(1.5), json!(true)],
        "number" => vec![json!("12"), json!(true), json!([1])],
        "boolean" => vec![json!("yes"), json!(1)],
        "array" => vec![json!("x"), json!({"a": 1})],
        "object" => vec![json!("x"), json!([1]), json!(3)],
        _ => vec![],
    }
}

// ---------------------------------------------------------------------------------------
// Probes

#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A documented 4xx in the error shape.
    Refused,
    /// Not a 422 (nor a 5xx): the document allows the input.
    Allowed,
    /// Anything but a 5xx (text with a NUL character: PostgreSQL cannot store it, so the
    /// server must refuse it before it gets there, or drop it).
    Answered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Admin,
    Missing,
    Forged,
}

struct Probe {
    what: String,
    legacy: bool,
    path_ids: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Body,
    token: Token,
    expect: Expect,
}

struct Fuzz {
    client: reqwest::Client,
    address: String,
    doc: Value,
    token: String,
    ids: Ids,
    failures: Vec<String>,
    requests: usize,
}

impl Fuzz {
    fn operations(&self) -> Vec<Operation> {
        let mut operations = Vec::new();
        for (template, item) in self.doc["paths"].as_object().expect("paths") {
            for (method, spec) in item.as_object().expect("path item") {
                let Ok(method) = method.to_uppercase().parse::<Method>() else {
                    continue;
                };
                let authenticated = spec["security"].as_array().is_some_and(|s| !s.is_empty());
                operations.push(Operation {
                    method,
                    template: template.clone(),
                    spec: spec.clone(),
                    authenticated,
                });
            }
        }
        operations
    }

    fn probe(&self, operation: &Operation, what: impl Into<String>, expect: Expect) -> Probe {
        let path_ids = operation
            .parameters("path")
            .iter()
            .map(|p| {
                let name = p["name"].as_str().expect("name").to_string();
                let id = self.ids.for_param(&operation.template, &name);
                (name, id)
            })
            .collect();
        Probe {
            what: what.into(),
            legacy: false,
            path_ids,
            query: Vec::new(),
            body: Body::None,
            token: if operation.authenticated {
                Token::Admin
            } else {
                Token::Missing
            },
            expect,
        }
    }

    async fn operation(&mut self, operation: &Operation) {
        if operation.authenticated {
            for token in [Token::Missing, Token::Forged] {
                let mut probe = self.probe(operation, format!("token {token:?}"), Expect::Refused);
                probe.token = token;
                probe.body = self.baseline_body(operation).unwrap_or(Body::None);
                self.send(operation, probe).await;
            }
        }
        self.path_parameters(operation).await;
        self.query_parameters(operation).await;
        self.request_body(operation).await;
    }

    async fn path_parameters(&mut self, operation: &Operation) {
        for parameter in operation.parameters("path") {
            let name = parameter["name"].as_str().expect("name").to_string();
            for (label, value) in [
                ("not a uuid", "not-a-uuid".to_string()),
                ("unknown id", uuid::Uuid::new_v4().to_string()),
                ("long", "9".repeat(300)),
            ] {
                let mut probe =
                    self.probe(operation, format!("path {name} = {label}"), Expect::Refused);
                for (param, id) in probe.path_ids.iter_mut() {
                    if *param == name {
                        *id = value.clone();
                    }
                }
                probe.body = self.baseline_body(operation).unwrap_or(Body::None);
                self.send(operation, probe).await;
            }
        }
    }

    async fn query_parameters(&mut self, operation: &Operation) {
        let body = self.baseline_body(operation).unwrap_or(Body::None);
        for parameter in operation.parameters("query") {
            let name = parameter["name"].as_str().expect("name").to_string();
            let shape = shape(&self.doc, &parameter["schema"]);
            let deprecated = parameter["deprecated"] == true;
            let mut refused: Vec<(String, String)> = Vec::new();
            let mut allowed: Vec<(String, String)> = Vec::new();
            let mut answered: Vec<(String, String)> = Vec::new();
            match shape.kind() {
                "integer" | "number" => {
                    refused.push(("not a number".into(), "abc".into()));
                    if shape.kind() == "integer" {
                        refused.push(("not an integer".into(), "1.5".into()));
                    }
                    if let Some(min) = shape.number("minimum") {
                        refused.push(("below minimum".into(), (min as i64 - 1).to_string()));
                        allowed.push(("minimum".into(), (min as i64).to_string()));
                    }
                    if let Some(max) = shape.number("maximum") {
                        refused.push(("above maximum".into(), (max as i64 + 1).to_string()));
                        allowed.push(("maximum".into(), (max as i64).to_string()));
                    }
                }
                "boolean" => {
                    refused.push(("not a boolean".into(), "maybe".into()));
                    allowed.push(("true".into(), "true".into()));
                }
                "string" => {
                    if let Some(values) = shape.enumeration() {
                        refused.push(("outside the enum".into(), "not-a-value".into()));
                        for value in values {
                            allowed.push((format!("enum {value}"), value));
                        }
                    }
                    if shape.str("format") == Some("uuid") {
                        refused.push(("not a uuid".into(), "not-a-uuid".into()));
                    }
                    answered.push(("with NUL".into(), "a\u{0}b".into()));
                    if let Some(max) = shape.length("maxLength") {
                        refused.push(("one over maxLength".into(), text(max + 1)));
                        refused.push(("very long".into(), text(LONG_QUERY_BYTES)));
                        if shape.is_free_text() {
                            allowed.push(("at maxLength".into(), text(max)));
                        }
                    }
                }
                _ => {}
            }
            for (label, value) in refused {
                // Refused under both prefixes.
                for legacy in [false, true] {
                    let mut probe = self.probe(
                        operation,
                        format!("query {name} {label}: {}", preview(&value)),
                        Expect::Refused,
                    );
                    probe.legacy = legacy;
                    probe.query = vec![(name.clone(), value.clone())];
                    probe.body = body.clone();
                    self.send(operation, probe).await;
                }
            }
            for (label, value) in answered {
                let mut probe =
                    self.probe(operation, format!("query {name} {label}"), Expect::Answered);
                probe.query = vec![(name.clone(), value)];
                probe.body = body.clone();
                self.send(operation, probe).await;
            }
            if operation.method == Method::DELETE {
                continue;
            }
            for (label, value) in allowed {
                let mut probe = self.probe(
                    operation,
                    format!("query {name} {label}: {}", preview(&value)),
                    Expect::Allowed,
                );
                // Deprecated parameters are the predecessor's, answered under /api.
                probe.legacy = deprecated;
                probe.query = vec![(name.clone(), value)];
                probe.body = body.clone();
                self.send(operation, probe).await;
            }
        }
    }

    /// The JSON (or form) schema of the operation's body.
    fn body_schemas(&self, operation: &Operation) -> Vec<(String, Shape)> {
        operation.spec["requestBody"]["content"]
            .as_object()
            .map(|content| {
                content
                    .iter()
                    .map(|(media, c)| (media.clone(), shape(&self.doc, &c["schema"])))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The smallest valid body, JSON when the operation takes JSON.
    fn baseline_body(&self, operation: &Operation) -> Option<Body> {
        let (media, shape) = self
            .body_schemas(operation)
            .into_iter()
            .min_by_key(|(media, _)| media != "application/json")?;
        Some(encode(&media, valid(&self.doc, &shape)))
    }

    async fn request_body(&mut self, operation: &Operation) {
        let schemas = self.body_schemas(operation);
        if schemas.is_empty() {
            return;
        }
        let required = operation.spec["requestBody"]["required"] == true;
        if required {
            let probe = self.probe(operation, "no body", Expect::Refused);
            self.send(operation, probe).await;
        }
        for (media, shape) in schemas {
            let baseline = valid(&self.doc, &shape);
            let mut probe = self.probe(
                operation,
                format!(
                    "{media} smallest valid body {}",
                    preview(&baseline.to_string())
                ),
                Expect::Allowed,
            );
            probe.body = encode(&media, baseline.clone());
            self.send(operation, probe).await;
            if media == "application/json" {
                for (label, raw) in [
                    ("an array", "[]"),
                    ("a number", "42"),
                    ("a string", "\"text\""),
                    ("null", "null"),
                    ("not JSON", "{\"a\":"),
                ] {
                    let mut probe = self.probe(operation, format!("body {label}"), Expect::Refused);
                    probe.body = Body::Raw("application/json", raw.as_bytes().to_vec());
                    self.send(operation, probe).await;
                }
            }
            self.object(operation, &media, &shape, &baseline, &[]).await;
        }
    }

    /// Fuzzes each property of the object at `at` (a path of keys into `baseline`).
    async fn object(
        &mut self,
        operation: &Operation,
        media: &str,
        shape: &Shape,
        baseline: &Value,
        at: &[Step],
    ) {
        let form = media != "application/json";
        let required = shape.required();
        if shape.schema["additionalProperties"] == false && !form {
            let mut body = baseline.clone();
            set(
                &mut body,
                at,
                &[Step::Key("fuzz_unknown".into())],
                Some(json!(1)),
            );
            self.body_probe(operation, media, body, "unknown property", Expect::Refused)
                .await;
        }
        for (name, property) in shape.properties() {
            let property = self::shape(&self.doc, &property);
            let field = field_path(at, &name);
            let key = [Step::Key(name.clone())];
            let mut refused: Vec<(String, Option<Value>)> = Vec::new();
            let mut allowed: Vec<(String, Value)> = Vec::new();
            let mut answered: Vec<(String, Value)> = Vec::new();
            if required.contains(&name) {
                refused.push(("missing".into(), None));
            }
            if !form {
                for value in wrong_types(&property) {
                    refused.push((format!("wrong type {value}"), Some(value)));
                }
                if !property.nullable {
                    refused.push(("null".into(), Some(Value::Null)));
                }
            }
            if let Some(example) = property.schema.get("example") {
                allowed.push(("the example".into(), example.clone()));
            }
            match property.kind() {
                "string" => {
                    if let Some(values) = property.enumeration() {
                        refused.push(("outside the enum".into(), Some(json!("not-a-value"))));
                        for value in values {
                            allowed.push((format!("enum {value}"), json!(value)));
                        }
                    }
                    match property.str("format") {
                        Some("uuid") => {
                            refused.push(("not a uuid".into(), Some(json!("not-a-uuid"))))
                        }
                        Some("email") => {
                            refused.push(("not an e-mail".into(), Some(json!("not-an-email"))));
                            allowed.push(("an e-mail".into(), json!(unique_email())));
                        }
                        Some("date-time") => {
                            refused.push(("not a date-time".into(), Some(json!("yesterday"))));
                            allowed
                                .push(("a date-time".into(), json!("2026-02-01T10:30:00+01:00")));
                        }
                        Some("date") => {
                            refused.push(("not a date".into(), Some(json!("2025-13-45"))));
                            allowed.push(("a date".into(), json!("2025-11-28")));
                        }
                        _ => {}
                    }
                    if let Some(max) = property.length("maxLength") {
                        refused.push(("one over maxLength".into(), Some(json!(text(max + 1)))));
                        if property.is_free_text() {
                            allowed.push(("at maxLength".into(), json!(text(max))));
                        }
                        if property.str("format") == Some("email") && max >= 12 {
                            allowed.push((
                                "an e-mail at maxLength".into(),
                                json!(email_of_length(max)),
                            ));
                        }
                    }
                    if let Some(min) = property.length("minLength").filter(|min| *min > 0) {
                        refused.push(("one under minLength".into(), Some(json!(text(min - 1)))));
                        if property.is_free_text() {
                            allowed.push(("at minLength".into(), json!(text(min))));
                        }
                    }
                    refused.push(("very long".into(), Some(json!(text(LONG_STRING_BYTES)))));
                    // A valid length, with a NUL in it.
                    let mut with_nul: Vec<char> = valid(&self.doc, &property)
                        .as_str()
                        .unwrap_or("ab")
                        .chars()
                        .collect();
                    if with_nul.len() >= 2 {
                        with_nul[1] = '\0';
                    }
                    let with_nul: String = with_nul.into_iter().collect();
                    answered.push(("with NUL".into(), json!(with_nul)));
                }
                "integer" | "number" => {
                    if let Some(min) = property.number("minimum") {
                        refused.push(("below minimum".into(), Some(json!(min - 1.0))));
                        allowed.push(("minimum".into(), number(&property, min)));
                    }
                    if let Some(max) = property.number("maximum") {
                        refused.push(("above maximum".into(), Some(json!(max + 1.0))));
                        allowed.push(("maximum".into(), number(&property, max)));
                    }
                }
                "object" if !form && property.schema.get("properties").is_none() => {
                    // A free-form object (settings): text inside it is stored too.
                    answered.push(("with NUL inside".into(), json!({"k\u{0}": ["a\u{0}b"]})));
                }
                "object" if !form => {
                    let mut nested = at.to_vec();
                    nested.push(Step::Key(name.clone()));
                    let mut body = baseline.clone();
                    let inner = valid(&self.doc, &property);
                    set(&mut body, at, &key, Some(inner));
                    Box::pin(self.object(operation, media, &property, &body, &nested)).await;
                }
                "array" if !form => {
                    let items = self::shape(&self.doc, &property.schema["items"]);
                    if items.kind() == "object" {
                        let mut nested = at.to_vec();
                        nested.push(Step::Key(name.clone()));
                        nested.push(Step::Index(0));
                        let mut body = baseline.clone();
                        set(&mut body, at, &key, Some(json!([valid(&self.doc, &items)])));
                        Box::pin(self.object(operation, media, &items, &body, &nested)).await;
                    }
                }
                _ => {}
            }
            for (label, value) in refused {
                let mut body = baseline.clone();
                let value = if form { value.map(form_text) } else { value };
                set(&mut body, at, &key, value);
                let what = format!("{field} {label}");
                self.body_probe(operation, media, body, &what, Expect::Refused)
                    .await;
            }
            for (label, value) in answered {
                let mut body = baseline.clone();
                set(
                    &mut body,
                    at,
                    &key,
                    Some(if form { form_text(value) } else { value }),
                );
                let what = format!("{field} {label}");
                self.body_probe(operation, media, body, &what, Expect::Answered)
                    .await;
            }
            if operation.method == Method::DELETE {
                continue;
            }
            for (label, value) in allowed {
                let mut body = baseline.clone();
                set(&mut body, at, &key, Some(value));
                let what = format!("{field} {label}");
                self.body_probe(operation, media, body, &what, Expect::Allowed)
                    .await;
            }
        }
    }

    async fn body_probe(
        &mut self,
        operation: &Operation,
        media: &str,
        body: Value,
        what: &str,
        expect: Expect,
    ) {
        let what = format!("{what}; body {}", preview(&body.to_string()));
        let mut body = body;
        fresh_emails(&mut body);
        let mut probe = self.probe(operation, what, expect);
        probe.body = encode(media, body);
        self.send(operation, probe).await;
    }

    async fn send(&mut self, operation: &Operation, probe: Probe) {
        self.requests += 1;
        let mut path = operation.template.clone();
        for (name, id) in &probe.path_ids {
            path = path.replace(&format!("{{{name}}}"), id);
        }
        if probe.legacy {
            path = path.replacen("/api/v1/", "/api/", 1);
        }
        let mut request = self
            .client
            .request(operation.method.clone(), format!("{}{path}", self.address));
        if !probe.query.is_empty() {
            request = request.query(&probe.query);
        }
        request = match probe.token {
            Token::Admin => request.bearer_auth(&self.token),
            Token::Forged => request.bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.forged"),
            Token::Missing => request,
        };
        request = match &probe.body {
            Body::None => request,
            Body::Json(value) => request.json(value),
            Body::Raw(media, bytes) => request.header("content-type", *media).body(bytes.clone()),
        };
        let context = format!(
            "{} [{}{}] {}",
            operation.name(),
            if probe.legacy { "/api " } else { "" },
            query_text(&probe.query),
            probe.what
        );
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                self.failures
                    .push(format!("{context}: no answer ({error})"));
                return;
            }
        };
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if let Some(problem) = judge(operation, &probe, status, &text) {
            self.failures.push(format!(
                "{context}: {problem} — {status} {}",
                preview(&text)
            ));
        }
    }
}

/// What is wrong with an answer, if anything.
fn judge(operation: &Operation, probe: &Probe, status: StatusCode, text: &str) -> Option<String> {
    if status.is_server_error() {
        return Some("a server error".into());
    }
    if probe.expect == Expect::Refused && !status.is_client_error() {
        return Some("accepted what the document forbids".into());
    }
    if probe.expect == Expect::Allowed && status == StatusCode::UNPROCESSABLE_ENTITY {
        return Some("refused what the document allows".into());
    }
    if !operation.documents(status) {
        return Some(format!("status {} is not documented", status.as_u16()));
    }
    if !status.is_client_error() {
        return None;
    }
    let body: Value = match serde_json::from_str(text) {
        Ok(body) => body,
        Err(_) => return Some("the error body is not JSON".into()),
    };
    let shaped = body["detail"].is_string()
        && body["code"].is_string()
        && body["request_id"].as_str().is_some_and(|id| !id.is_empty());
    if !shaped {
        return Some("the error body lacks detail, code or request_id".into());
    }
    if body["code"] == "VALIDATION_ERROR"
        && !body["fields"]
            .as_array()
            .is_some_and(|f| !f.is_empty() && f.iter().all(|f| f["field"].is_string()))
    {
        return Some("a VALIDATION_ERROR without fields".into());
    }
    None
}

// ---------------------------------------------------------------------------------------
// Small helpers

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Sets (or, with `None`, removes) the value at `at` + `key` inside `body`.
fn set(body: &mut Value, at: &[Step], key: &[Step], value: Option<Value>) {
    let mut target = body;
    for step in at {
        target = match step {
            Step::Key(name) => &mut target[name.as_str()],
            Step::Index(index) => &mut target[*index],
        };
    }
    if let [Step::Key(name)] = key {
        let object = target.as_object_mut().expect("an object");
        match value {
            Some(value) => {
                object.insert(name.clone(), value);
            }
            None => {
                object.remove(name);
            }
        }
    }
}

/// The field's name as the server's 422 writes it: `products[0].hs_code`.
fn field_path(at: &[Step], name: &str) -> String {
    let mut path = String::new();
    for step in at {
        match step {
            Step::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Step::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
    path
}

fn number(shape: &Shape, value: f64) -> Value {
    if shape.kind() == "integer" {
        json!(value as i64)
    } else {
        json!(value)
    }
}

fn encode(media: &str, body: Value) -> Body {
    if media == "application/json" {
        return Body::Json(body);
    }
    let pairs: Vec<(String, String)> = body
        .as_object()
        .map(|object| {
            object
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        form_text(v.clone()).as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    Body::Raw("application/x-www-form-urlencoded", encoded.into_bytes())
}

/// A form carries text only.
fn form_text(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(text),
        other => Value::String(other.to_string()),
    }
}

fn query_text(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("?{k}={}", preview(v)))
        .collect()
}

/// At most 160 characters of `text`, saying how long it was.
fn preview(text: &str) -> String {
    let count = text.chars().count();
    if count <= 160 {
        text.to_string()
    } else {
        let head: String = text.chars().take(120).collect();
        format!("{head}… ({count} characters)")
    }
}
