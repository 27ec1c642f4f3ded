//! Every web route against the four refusals (over HTTP, no browser: fast and exhaustive):
//! no session, a form without its token, the wrong role, another organization's ids, and
//! malformed input. Refusals are pages (never JSON, never a 500) and change nothing.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::demo::{ADMIN, LOGISTICS, PASSWORD, VIEWER};
use crate::helpers::TestApp;

const SHIPMENT_001: &str = "30000000-0000-4000-8000-000000000001";
const NIL: &str = "00000000-0000-4000-8000-000000000000";

/// The pages a signed-in person reads (`{s}` a shipment id, `{p}` a product, `{d}` a
/// document, `{u}` a user).
const PAGES: [&str; 15] = [
    "/dashboard",
    "/notifications/live",
    "/shipments/new",
    "/shipment/{s}",
    "/shipment/{s}/edit",
    "/shipment/{s}/audit-pack",
    "/shipment/{s}/products/{p}/edit",
    "/document/{d}/download",
    "/document/{d}/edit",
    "/notifications",
    "/users",
    "/organization",
    "/account",
    "/dashboard?status=in_transit&search=VIBO",
    "/users/{v}/edit",
];

/// Forms acting on the caller's own things (their session, inbox, account, organization).
const OWN_FORMS: [&str; 8] = [
    "/logout",
    "/organizations",
    "/session/organization",
    "/notifications/read-all",
    "/account/password",
    "/shipments/new",
    "/users",
    "/organization/invitations",
];

/// Forms acting on a record named in the path (`{n}` a notification, `{v}` a user, `{m}` a
/// membership, `{i}` an invitation).
const TARGETED_FORMS: [&str; 16] = [
    "/shipment/{s}/edit",
    "/shipment/{s}/delete",
    "/shipment/{s}/refresh",
    "/shipment/{s}/products",
    "/shipment/{s}/products/{p}/edit",
    "/shipment/{s}/products/{p}/remove",
    "/document/{d}/approve",
    "/document/{d}/reject",
    "/document/{d}/edit",
    "/document/{d}/delete",
    "/notifications/{n}/read",
    "/users/{v}/edit",
    "/users/{v}/deactivate",
    "/organization/members/{m}/role",
    "/organization/members/{m}/remove",
    "/organization/invitations/{i}/revoke",
];

fn all_forms() -> impl Iterator<Item = &'static str> {
    OWN_FORMS.into_iter().chain(TARGETED_FORMS)
}

/// A browser without JavaScript: no redirects followed, cookies kept by hand.
struct WebClient {
    base: String,
    client: reqwest::Client,
    cookie: String,
    csrf: String,
}

impl WebClient {
    /// Signed in through the form as `email`.
    async fn sign_in(app: &TestApp, email: &str) -> Self {
        let client = no_redirects();
        let (pre, token) = sign_in_form(&client, app).await;
        let answer = client
            .post(format!("{}/login", app.address))
            .header(COOKIE, format!("tracehub_pre={pre}"))
            .form(&[
                ("csrf", token.as_str()),
                ("username", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let session = cookie_of(&answer, "tracehub_session").expect("a session cookie");
        let mut signed_in = Self {
            base: app.address.clone(),
            client,
            cookie: format!("tracehub_session={session}"),
            csrf: String::new(),
        };
        let page = signed_in.get("/account").await;
        signed_in.csrf = token_of(&page.text().await.unwrap());
        signed_in
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// A form post with the session's token and `fields`.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

/// A client that shows redirects instead of following them (as the tests check them).
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Opens the sign-in form: the pre-session cookie it sets and the form's token.
async fn sign_in_form(client: &reqwest::Client, app: &TestApp) -> (String, String) {
    let form = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let pre = cookie_of(&form, "tracehub_pre").expect("a pre-session cookie");
    (pre, token_of(&form.text().await.unwrap()))
}

fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|line| {
            let pair = line.split(';').next()?;
            let (key, value) = pair.split_once('=')?;
            (key == name && !value.is_empty()).then(|| value.to_string())
        })
}

fn token_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token on the page")
        .to_string()
}

fn fill(template: &str, ids: &Ids) -> String {
    template
        .replace("{s}", &ids.shipment)
        .replace("{p}", &ids.product)
        .replace("{d}", &ids.document)
        .replace("{n}", &ids.notification)
        .replace("{v}", &ids.user)
        .replace("{m}", &ids.membership)
        .replace("{i}", NIL)
}

struct Ids {
    shipment: String,
    product: String,
    document: String,
    /// Someone else's notification (not the viewer's).
    notification: String,
    /// The VIBOTAJ logistics agent's account and membership.
    user: String,
    membership: String,
}

/// Ids of VIBOTAJ's shipment 001: a product, a document, a member.
async fn vibotaj_ids(app: &TestApp) -> Ids {
    let db = app.db();
    Ids {
        shipment: SHIPMENT_001.to_string(),
        product: db
            .scalar_string(&format!("SELECT id::text FROM products WHERE shipment_id = '{SHIPMENT_001}' LIMIT 1"))
            .await
            .expect("a product"),
        document: db
            .scalar_string(&format!(
                "SELECT id::text FROM documents WHERE shipment_id = '{SHIPMENT_001}' AND status = 'UPLOADED' LIMIT 1"
            ))
            .await
            .expect("a document"),
        notification: db
            .scalar_string(&format!(
                "SELECT coalesce((SELECT n.id::text FROM notifications n JOIN users u ON u.id = n.recipient_id \
                  WHERE u.email <> '{VIEWER}' ORDER BY n.id LIMIT 1), '{NIL}')"
            ))
            .await
            .expect("a notification id"),
        user: db
            .scalar_string(&format!("SELECT id::text FROM users WHERE email = '{LOGISTICS}'"))
            .await
            .expect("a user"),
        membership: db
            .scalar_string(&format!("SELECT m.id::text FROM org_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = '{LOGISTICS}'"))
            .await
            .expect("a membership"),
    }
}

/// What VIBOTAJ's data looks like: changes show as a different answer.
async fn fingerprint(app: &TestApp) -> String {
    app.db()
        .scalar_string(
            "SELECT concat_ws('|', (SELECT count(*) FROM shipments), \
                    (SELECT string_agg(coalesce(vessel_name, '') || status::text, ',' ORDER BY id) FROM shipments), \
                    (SELECT count(*) FROM products), (SELECT string_agg(status::text, ',' ORDER BY id) FROM documents), \
                    (SELECT count(*) FROM users WHERE is_active), (SELECT count(*) FROM org_memberships), \
                    (SELECT string_agg(role::text || status::text, ',' ORDER BY id) FROM org_memberships), \
                    (SELECT count(*) FROM invitations), (SELECT count(*) FROM notifications WHERE read))",
        )
        .await
        .expect("a fingerprint")
}

fn is_page(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

#[tokio::test]
async fn without_a_session_pages_lead_to_sign_in_and_forms_are_refused() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let ids = vibotaj_ids(&app).await;
    let client = no_redirects();
    let before = fingerprint(&app).await;
    for template in PAGES {
        let path = fill(template, &ids);
        let response = client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "GET {path}");
        let location = response.headers()[LOCATION].to_str().unwrap().to_string();
        assert!(
            location.starts_with("/login?next=%2F"),
            "GET {path} → {location}"
        );
    }
    // A forged session cookie is no session either.
    let forged = client
        .get(format!("{}/dashboard", app.address))
        .header(COOKIE, format!("tracehub_session={}", "ab".repeat(32)))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);
    for template in all_forms().chain([
        "/login",
        "/accept-invitation/register",
        "/accept-invitation/join",
    ]) {
        let path = fill(template, &ids);
        let response = client
            .post(format!("{}{path}", app.address))
            .form(&[("reference", "X")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "POST {path}");
        assert!(is_page(&response), "POST {path}");
    }
    assert_eq!(fingerprint(&app).await, before, "nothing changed");
}

#[tokio::test]
async fn a_signed_in_form_needs_its_own_token() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let ids = vibotaj_ids(&app).await;
    let admin = WebClient::sign_in(&app, ADMIN).await;
    let other = WebClient::sign_in(&app, VIEWER).await;
    let before = fingerprint(&app).await;
    for template in all_forms() {
        let path = fill(template, &ids);
        for token in ["", "zz", other.csrf.as_str()] {
            let response = admin
                .client
                .post(format!("{}{path}", admin.base))
                .header(COOKIE, &admin.cookie)
                .form(&[("csrf", token), ("vessel_name", "FORGED")])
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "POST {path} with {token:?}"
            );
        }
    }
    assert_eq!(fingerprint(&app).await, before, "nothing changed");
    // The same session's token passes (and the session then ends).
    let out = admin.post("/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        admin.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_viewer_reads_but_every_change_is_refused_as_a_page() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let ids = vibotaj_ids(&app).await;
    let viewer = WebClient::sign_in(&app, VIEWER).await;
    for path in [
        "/dashboard",
        &format!("/shipment/{SHIPMENT_001}"),
        "/notifications",
        "/account",
    ] {
        assert_eq!(
            viewer.get(path).await.status(),
            StatusCode::OK,
            "GET {path}"
        );
    }
    for path in ["/shipments/new", "/users"] {
        let response = viewer.get(path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "GET {path}");
        assert!(is_page(&response));
    }
    let before = fingerprint(&app).await;
    let writes = TARGETED_FORMS
        .into_iter()
        .filter(|path| !path.starts_with("/notifications"))
        .chain([
            "/shipments/new",
            "/users",
            "/organization/invitations",
            "/organizations",
        ]);
    for template in writes {
        let path = fill(template, &ids);
        let response = viewer
            .post(
                &path,
                &[
                    ("reference", "V-1"),
                    ("container_number", "MSCU1234566"),
                    ("vessel_name", "VIEWED"),
                    ("email", "x@example.test"),
                    ("org_role", "admin"),
                    ("notes", "no"),
                    ("hs_code", "0506.90"),
                    ("description", "x"),
                    ("full_name", "Xavier Viewer"),
                    ("password", "Viewer2026x"),
                ],
            )
            .await;
        let status = response.status();
        assert!(is_page(&response), "POST {path}");
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "POST {path} as a viewer: {status} {}",
            response.text().await.unwrap()
        );
    }
    assert_eq!(fingerprint(&app).await, before, "nothing changed");
}

#[tokio::test]
async fn another_organizations_ids_are_pages_that_do_not_exist() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let ids = vibotaj_ids(&app).await;
    let acme = app
        .create_organization("Acme Supplies", "acme", "supplier")
        .await;
    app.create_member("owner@acme.test", "ADMIN", &acme, "owner")
        .await;
    let outsider = WebClient::sign_in(&app, "owner@acme.test").await;
    let before = fingerprint(&app).await;
    for template in &PAGES[3..9] {
        let path = fill(template, &ids);
        let response = outsider.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
        let html = response.text().await.unwrap();
        assert!(
            !html.contains("VIBO-2026-001"),
            "GET {path} shows VIBOTAJ's data"
        );
    }
    // (The refresh is left out: with tracking off, as here, it answers that first.)
    for template in TARGETED_FORMS
        .into_iter()
        .filter(|path| !path.ends_with("/refresh"))
    {
        let path = fill(template, &ids);
        let response = outsider
            .post(
                &path,
                &[
                    ("vessel_name", "TAKEN"),
                    ("hs_code", "0506.90"),
                    ("description", "x"),
                    ("org_role", "viewer"),
                    ("notes", "no"),
                ],
            )
            .await;
        let status = response.status();
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "POST {path} from another organization: {status}"
        );
    }
    // Switching into an organization one does not belong to.
    let response = outsider
        .post(
            "/session/organization",
            &[("organization_id", "00000000-0000-0000-0000-000000000001")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(fingerprint(&app).await, before, "nothing changed");
}

#[tokio::test]
async fn malformed_input_gets_a_page_never_a_crash() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let admin = WebClient::sign_in(&app, ADMIN).await;
    for path in [
        "/shipment/not-a-uuid",
        "/shipment/%00",
        &format!("/shipment/{NIL}"),
        "/document/xyz/download",
        "/shipment/1/products/2/edit",
        "/no/such/page",
    ] {
        let response = admin.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
        assert!(is_page(&response), "GET {path}");
    }
    // Odd query strings are ignored or refused on the page.
    for path in [
        "/dashboard?status=nonsense",
        "/dashboard?cursor=zz",
        "/notifications?page=-1",
        "/users?page=x",
    ] {
        let response = admin.get(path).await;
        assert!(
            response.status().as_u16() < 500,
            "GET {path}: {}",
            response.status()
        );
        assert!(is_page(&response), "GET {path}");
    }
    // Forms with junk: the form again with the API's messages.
    for (path, fields) in [
        (
            "/shipments/new",
            vec![("reference", ""), ("container_number", "X\u{0}Y")],
        ),
        (
            "/shipments/new",
            vec![
                ("reference", &"R".repeat(500)[..]),
                ("container_number", "MSCU1234566"),
                ("eta", "tomorrow"),
            ],
        ),
        (
            "/users",
            vec![
                ("email", "not-an-email"),
                ("full_name", ""),
                ("password", "x"),
                ("role", "emperor"),
            ],
        ),
        (
            "/organization/invitations",
            vec![("email", "@"), ("org_role", "king")],
        ),
        (
            "/organizations",
            vec![("name", "x"), ("type", "platform_owner")],
        ),
        (
            "/account/password",
            vec![("current_password", ""), ("new_password", "short")],
        ),
    ] {
        let response = admin.post(path, &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "POST {path}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("role=\"alert\""), "POST {path}: {html}");
    }
    // An oversized form is refused before any handler.
    let big = "x".repeat(100 * 1024);
    let response = admin.post("/shipments/new", &[("reference", &big)]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // The JSON API is untouched by the pages: same route family, JSON errors.
    let api = app
        .call(
            Method::GET,
            "/api/v1/shipments/not-a-uuid",
            Some(&app.token(ADMIN).await),
            None,
        )
        .await;
    assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["code"], json!("VALIDATION_ERROR"));
}

#[tokio::test]
async fn the_sign_in_form_is_throttled_like_the_api_login() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let client = no_redirects();
    let (pre, token) = sign_in_form(&client, &app).await;
    let attempt = |password: &'static str| {
        let request = client
            .post(format!("{}/login", app.address))
            .header(COOKIE, format!("tracehub_pre={pre}"))
            .form(&[
                ("csrf", token.as_str()),
                ("username", VIEWER),
                ("password", password),
            ]);
        async move { request.send().await.unwrap() }
    };
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(attempt("wrong-password").await.status());
    }
    assert_eq!(
        &statuses[..5],
        &[StatusCode::UNAUTHORIZED; 5],
        "{statuses:?}"
    );
    let throttled = attempt(PASSWORD).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled
        .text()
        .await
        .unwrap()
        .contains("Too many attempts"));
    // The API's login counts the same attempts.
    let api = app
        .post_form(
            "/api/v1/auth/login",
            &[("username", VIEWER), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_large_upload_streams_through_the_page_and_edits_keep_the_time_of_day() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let admin = WebClient::sign_in(&app, ADMIN).await;
    let shipment = "30000000-0000-4000-8000-000000000002";
    let count = format!("SELECT count(*) FROM documents WHERE shipment_id = '{shipment}'");
    let before = app.db().scalar_i64(&count).await;
    // 3 MB: more than the 2 MiB the other routes buffer.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(3_000_000, b' ');
    pdf.extend_from_slice(b"\n%%EOF\n");
    let form = reqwest::multipart::Form::new()
        .text("shipment_id", shipment)
        .text("document_type", "packing_list")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf)
                .file_name("big.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let response = admin
        .client
        .post(format!(
            "{}/shipment/{shipment}/documents?csrf={}",
            admin.base, admin.csrf
        ))
        .header(COOKIE, &admin.cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{}",
        response.text().await.unwrap()
    );
    assert_eq!(app.db().scalar_i64(&count).await, before + 1);

    // The edit form shows days; a day sent back unchanged keeps the stored time of day.
    app.db()
        .exec(&format!(
            "UPDATE shipments SET etd = '2026-03-14 22:15:00+00' WHERE id = '{shipment}'"
        ))
        .await;
    let page = admin
        .get(&format!("/shipment/{shipment}/edit"))
        .await
        .text()
        .await
        .unwrap();
    let kept = page
        .split("name=\"etd_was\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the stored ETD in the form")
        .to_string();
    let reference = app
        .db()
        .scalar_string(&format!(
            "SELECT reference FROM shipments WHERE id = '{shipment}'"
        ))
        .await
        .unwrap();
    let container = app
        .db()
        .scalar_string(&format!(
            "SELECT container_number FROM shipments WHERE id = '{shipment}'"
        ))
        .await
        .unwrap();
    // The form sent back with `etd` (and the hidden stored value), then the stored ETD.
    let save_with_etd = |day: &'static str| {
        let (admin, reference, container, kept) = (&admin, &reference, &container, &kept);
        let etd = format!(
            "SELECT to_char(etd AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM shipments WHERE id = '{shipment}'"
        );
        let app = &app;
        async move {
            let saved = admin
                .post(
                    &format!("/shipment/{shipment}/edit"),
                    &[
                        ("reference", reference.as_str()),
                        ("container_number", container.as_str()),
                        ("status", "docs_pending"),
                        ("etd", day),
                        ("etd_was", kept.as_str()),
                    ],
                )
                .await;
            assert_eq!(saved.status(), StatusCode::SEE_OTHER);
            app.db().scalar_string(&etd).await.unwrap()
        }
    };
    assert_eq!(save_with_etd("2026-03-14").await, "2026-03-14 22:15");
    // A new day is taken as that day.
    assert_eq!(save_with_etd("2026-03-16").await, "2026-03-16 00:00");
}

#[tokio::test]
async fn signing_in_again_ends_the_browsers_earlier_session() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let first = WebClient::sign_in(&app, ADMIN).await;
    // The same browser (its cookie) signs in again.
    let form = first.get("/login?next=/account").await;
    assert_eq!(
        form.status(),
        StatusCode::SEE_OTHER,
        "a live session skips the form"
    );
    // (With a session cookie, the form's token is the session's.)
    let again = first
        .client
        .post(format!("{}/login", app.address))
        .header(COOKIE, &first.cookie)
        .form(&[
            ("csrf", first.csrf.as_str()),
            ("username", ADMIN),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert!(cookie_of(&again, "tracehub_session").is_some());
    // The earlier cookie opens nothing any more.
    assert_eq!(
        first.get("/dashboard").await.status(),
        StatusCode::SEE_OTHER
    );
}
