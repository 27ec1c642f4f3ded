//! The web UI's journeys in a real headless Chromium: each role signs in through the form,
//! works through its pages, and sees only the controls it may use; invitations are accepted
//! from the link the API hands out; forms without their token, other organizations' pages
//! and ended sessions are refused. Every page is checked with axe-core and photographed
//! (`target/screenshots/web-*.png`).

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::demo::{ADMIN, BUYER, COMPLIANCE, PASSWORD, VIEWER};
use crate::helpers::TestApp;

const SHIPMENT_001: &str = "30000000-0000-4000-8000-000000000001";

/// Signs in through the form (from wherever the browser is) and waits for the dashboard.
async fn sign_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&format!("{}/login", app.address)).await;
    browser.fill("#username", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("form[action='/login']").await;
    browser.wait_for_path("/dashboard").await;
}

async fn sign_out(browser: &Browser) {
    // From a page with the signed-in frame (error pages have none).
    browser.goto("/account").await;
    browser.submit("form[action='/logout'] button").await;
    browser.wait_for_path("/login").await;
}

/// Looks at the page: a screenshot under `target/screenshots/web-<name>.png` and the axe
/// check (no serious or critical violation).
async fn inspect(browser: &Browser, name: &str) {
    browser.screenshot(&format!("web-{name}")).await;
    browser.assert_accessible(name).await;
}

/// Runs a script in the page (e.g. to drop a form's token).
async fn script(browser: &Browser, js: &str) {
    tokio::time::timeout(
        Duration::from_secs(30),
        browser.client().execute(js, vec![]),
    )
    .await
    .expect("the script finished in time")
    .expect("the script ran");
}

/// Ids of the shipments an account's API list holds.
async fn listed_ids(app: &TestApp, email: &str) -> Vec<String> {
    let token = app.token(email).await;
    let list = app.get_ok("/api/v1/shipments?limit=100", &token).await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn an_admin_signs_in_and_works_through_every_page() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let browser = Browser::start().await;

    // A page asked for before signing in: the sign-in form first, then that page.
    browser
        .goto(&format!("{}/shipment/{SHIPMENT_001}", app.address))
        .await;
    assert!(
        browser.path().await.starts_with("/login?next="),
        "{}",
        browser.path().await
    );
    inspect(&browser, "sign-in").await;
    browser.fill("#username", ADMIN).await;
    browser.fill("#password", "not the password").await;
    browser.submit("form[action='/login']").await;
    assert!(
        browser
            .text("[role=alert]")
            .await
            .contains("Incorrect email or password"),
        "{}",
        browser.page_source().await
    );
    browser.fill("#password", PASSWORD).await;
    browser.submit("form[action='/login']").await;
    browser
        .wait_for_path(&format!("/shipment/{SHIPMENT_001}"))
        .await;
    assert!(browser.text("h1").await.contains("VIBO-2026-001"));
    assert!(browser.exists("#tracking").await, "the tracking timeline");
    assert!(browser.exists("#completeness").await, "the document status");
    inspect(&browser, "shipment").await;

    // The dashboard: every shipment of the API's list, filters, search.
    browser.goto(&format!("{}/dashboard", app.address)).await;
    assert_eq!(
        rows(&browser).await,
        listed_ids(&app, ADMIN).await.len(),
        "the dashboard lists what the API lists"
    );
    assert!(browser.exists("footer").await);
    assert!(browser.text("footer").await.contains(ADMIN));
    inspect(&browser, "dashboard").await;
    browser
        .goto(&format!("{}/dashboard?status=in_transit", app.address))
        .await;
    let page = browser.page_source().await;
    assert!(page.contains("s-in_transit"), "{page}");
    assert!(!page.contains("class=\"badge s-docs_pending\""), "{page}");
    browser.fill("#search", "VIBO-2026-001").await;
    browser.submit("form.filters").await;
    assert_eq!(rows(&browser).await, 1);

    // A shipment created, refused first with the API's own message.
    browser.goto(&format!("{}/dashboard", app.address)).await;
    browser.click("a[href='/shipments/new']").await;
    browser.wait_for_path("/shipments/new").await;
    browser.fill("#reference", "WEB-0001").await;
    browser.fill("#container_number", "MSCU1234567").await;
    browser.fill("#pod_code", "DEHAM").await;
    browser.submit("form[action='/shipments/new']").await;
    let refusal = browser.text("[role=alert]").await;
    assert!(refusal.contains("check digit"), "{refusal}");
    inspect(&browser, "shipment-form-refused").await;
    browser.fill("#container_number", "MSCU1234566").await;
    browser.submit("form[action='/shipments/new']").await;
    browser.wait_for("h1").await;
    assert!(
        browser.text("h1").await.contains("WEB-0001"),
        "{}",
        browser.page_source().await
    );
    let created = browser.path().await;
    assert!(created.starts_with("/shipment/"), "{created}");

    // Edited, then deleted.
    browser.click("a[href$='/edit']").await;
    browser.fill("#vessel_name", "WEB VESSEL").await;
    browser.submit("form[action$='/edit']").await;
    browser.wait_for_path(&created).await;
    assert!(browser.page_source().await.contains("WEB VESSEL"));
    browser.submit("form[action$='/delete'] button").await;
    browser.wait_for_path("/dashboard").await;
    assert!(!browser.page_source().await.contains("WEB-0001"));

    // Notifications: the list, all marked read, the bell's count gone.
    browser
        .goto(&format!("{}/notifications", app.address))
        .await;
    inspect(&browser, "notifications").await;
    if browser
        .exists("form[action='/notifications/read-all']")
        .await
    {
        browser
            .submit("form[action='/notifications/read-all'] button")
            .await;
        browser.wait_for_path("/notifications").await;
    }
    assert!(!browser.exists("header .count").await, "no unread count");
    assert!(browser.text(".lead").await.starts_with("0 unread"));

    // Users: a new account added.
    browser.goto(&format!("{}/users", app.address)).await;
    inspect(&browser, "users").await;
    browser.fill("#new-email", "web.added@vibotaj.com").await;
    browser.fill("#new-full-name", "Web Added").await;
    browser.fill("#new-password", "Added2026x").await;
    browser.submit("form[method='post'][action='/users']").await;
    browser.wait_for_path("/users").await;
    assert!(browser
        .page_source()
        .await
        .contains("web.added@vibotaj.com"));

    // The organization: an invitation sent, its link shown once.
    browser.goto(&format!("{}/organization", app.address)).await;
    inspect(&browser, "organization").await;
    browser.fill("#invite-email", "invited@example.test").await;
    browser
        .submit("form[action='/organization/invitations']")
        .await;
    browser.wait_for("[role=status]").await;
    assert!(browser
        .text("[role=status]")
        .await
        .contains("/accept-invitation?token="));
    assert!(browser.page_source().await.contains("invited@example.test"));

    // Every organization (the admin of VIBOTAJ, the platform owner, is a platform admin).
    browser
        .goto(&format!("{}/organizations", app.address))
        .await;
    inspect(&browser, "organizations").await;
    browser.fill("#org-name", "Web Buyer GmbH").await;
    browser.submit("form[action='/organizations']").await;
    browser.wait_for_path("/organizations").await;
    assert!(browser.page_source().await.contains("Web Buyer GmbH"));

    // The account page.
    browser.goto(&format!("{}/account", app.address)).await;
    inspect(&browser, "account").await;

    // Signing out ends the session: the old cookie opens nothing any more.
    let cookie = browser
        .cookie("tracehub_session")
        .await
        .expect("a session cookie");
    sign_out(&browser).await;
    browser.set_cookie("tracehub_session", &cookie).await;
    browser.goto(&format!("{}/dashboard", app.address)).await;
    assert!(
        browser.path().await.starts_with("/login"),
        "{}",
        browser.path().await
    );
}

/// The link of an invitation VIBOTAJ's admin sends through the API.
async fn invitation_link(app: &TestApp, email: &str, org_role: &str) -> String {
    let admin = app.token(ADMIN).await;
    let response = app
        .call(
            Method::POST,
            "/api/v1/invitations",
            Some(&admin),
            Some(&json!({"email": email, "org_role": org_role})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let issued: serde_json::Value = response.json().await.unwrap();
    issued["invitation_url"]
        .as_str()
        .expect("a link")
        .to_string()
}

/// Rows of the shipments table on the page.
async fn rows(browser: &Browser) -> usize {
    let page = browser.page_source().await;
    page.matches("<tr><td><a href=\"/shipment/").count()
}

#[tokio::test]
async fn each_role_sees_only_what_it_may_use() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let browser = Browser::start().await;

    // Compliance reviews documents but creates and changes no shipment.
    // (Its demo account is an administrator of its organization: it manages the users.)
    sign_in(&browser, &app, COMPLIANCE).await;
    assert!(!browser.exists("a[href='/shipments/new']").await);
    assert!(browser.exists("a[href='/users']").await);
    browser
        .goto(&format!("{}/shipment/{SHIPMENT_001}", app.address))
        .await;
    assert!(!browser.exists("a[href$='/edit']").await);
    assert!(!browser.exists("form[action$='/delete']").await);
    inspect(&browser, "shipment-compliance").await;
    // It reviews documents: the approve and reject forms are there, the upload is not.
    browser
        .goto(&format!("{}/shipment/{SHIPMENT_002}", app.address))
        .await;
    assert!(browser.exists("form[action$='/approve']").await);
    assert!(browser.exists("form[action$='/reject']").await);
    assert!(!browser.exists("form[enctype='multipart/form-data']").await);
    // The server refuses what the page does not offer.
    browser
        .goto(&format!("{}/shipments/new", app.address))
        .await;
    assert_eq!(browser.text("h1").await, "Not allowed");
    sign_out(&browser).await;

    // A buyer organization's member: only the shipments assigned to it, read-only.
    sign_in(&browser, &app, BUYER).await;
    let visible = listed_ids(&app, BUYER).await;
    assert!(!visible.is_empty());
    assert_eq!(rows(&browser).await, visible.len());
    assert!(!browser.exists("a[href='/shipments/new']").await);
    inspect(&browser, "dashboard-buyer").await;
    let foreign = listed_ids(&app, ADMIN)
        .await
        .into_iter()
        .find(|id| !visible.contains(id))
        .expect("a VIBOTAJ shipment not assigned to WITATRADE");
    browser
        .goto(&format!("{}/shipment/{foreign}", app.address))
        .await;
    assert_eq!(browser.text("h1").await, "Page not found");
    inspect(&browser, "not-found").await;
    browser
        .goto(&format!("{}/shipment/{}", app.address, visible[0]))
        .await;
    assert!(!browser.exists("a[href$='/edit']").await);
    assert!(!browser.exists("form[action$='/approve']").await);
    assert!(!browser.exists("form[enctype='multipart/form-data']").await);
    assert!(
        browser.exists("a[href$='/audit-pack']").await,
        "buyers download audit packs"
    );
    sign_out(&browser).await;

    // A viewer, at a phone's width.
    browser.set_window_size(375, 812).await;
    sign_in(&browser, &app, VIEWER).await;
    assert!(!browser.exists("a[href='/shipments/new']").await);
    assert!(!browser.exists("a[href='/users']").await);
    inspect(&browser, "dashboard-viewer-phone").await;
    browser
        .goto(&format!("{}/shipment/{SHIPMENT_001}", app.address))
        .await;
    inspect(&browser, "shipment-viewer-phone").await;
}

#[tokio::test]
async fn an_invitation_link_registers_a_new_person_and_signs_them_in() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let link = invitation_link(&app, "new.person@example.test", "member").await;

    let browser = Browser::start().await;
    browser.goto(&link).await;
    assert!(browser.text("h1").await.starts_with("Join "));
    inspect(&browser, "accept-invitation").await;
    browser.fill("#full_name", "New Person").await;
    browser.fill("#password", "short").await;
    browser
        .submit("form[action='/accept-invitation/register']")
        .await;
    // The browser's own check stops a too-short password; the server's rule is the
    // API's: a long one without a digit is refused with its message.
    browser.fill("#password", "longbutnodigits").await;
    browser
        .submit("form[action='/accept-invitation/register']")
        .await;
    let refusal = browser.text("[role=alert]").await;
    assert!(refusal.to_lowercase().contains("digit"), "{refusal}");
    browser.fill("#full_name", "New Person").await;
    browser.fill("#password", "Welcome2026x").await;
    browser
        .submit("form[action='/accept-invitation/register']")
        .await;
    browser.wait_for_path("/dashboard").await;
    assert!(browser
        .text("footer")
        .await
        .contains("new.person@example.test"));

    // The link is spent.
    browser.goto(&link).await;
    assert!(browser
        .page_source()
        .await
        .to_lowercase()
        .contains("already"));
}

#[tokio::test]
async fn forms_without_their_token_and_other_organizations_pages_are_refused() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    // Another tenant with a shipment of its own.
    let acme = app
        .create_organization("Acme Supplies", "acme", "supplier")
        .await;
    app.create_member("owner@acme.test", "ADMIN", &acme, "owner")
        .await;
    let acme_token = app.token("owner@acme.test").await;
    let response = app
        .call(
            Method::POST,
            "/api/v1/shipments",
            Some(&acme_token),
            Some(&json!({"reference": "ACME-1", "container_number": "MSCU1234566"})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let acme_shipment: serde_json::Value = response.json().await.unwrap();
    let acme_shipment = acme_shipment["id"].as_str().unwrap().to_string();

    let browser = Browser::start().await;
    // The sign-in form without its token.
    browser.goto(&format!("{}/login", app.address)).await;
    script(
        &browser,
        "document.querySelector('input[name=csrf]').remove();",
    )
    .await;
    browser.fill("#username", ADMIN).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("form[action='/login']").await;
    assert_eq!(browser.text("h1").await, "Not allowed");
    assert!(browser
        .page_source()
        .await
        .contains("did not come from TraceHub"));

    sign_in(&browser, &app, ADMIN).await;
    // Another organization's shipment by its URL: the same page as a shipment that does
    // not exist, nothing of it shown.
    browser
        .goto(&format!("{}/shipment/{acme_shipment}", app.address))
        .await;
    assert_eq!(browser.text("h1").await, "Page not found");
    assert!(!browser.page_source().await.contains("ACME-1"));
    browser
        .goto(&format!("{}/shipment/{acme_shipment}/edit", app.address))
        .await;
    assert_eq!(browser.text("h1").await, "Page not found");

    // A signed-in form with its token dropped (or forged): refused, nothing changed.
    browser
        .goto(&format!("{}/shipment/{SHIPMENT_001}", app.address))
        .await;
    script(
        &browser,
        "document.querySelector('form[action$=\"/delete\"] input[name=csrf]').value = 'ab'.repeat(32);",
    )
    .await;
    browser.submit("form[action$='/delete'] button").await;
    assert_eq!(browser.text("h1").await, "Not allowed");
    browser
        .goto(&format!("{}/shipment/{SHIPMENT_001}", app.address))
        .await;
    assert!(browser.text("h1").await.contains("VIBO-2026-001"));

    // Error pages are pages: an unknown path, a malformed id.
    browser.goto(&format!("{}/no/such/page", app.address)).await;
    assert_eq!(browser.text("h1").await, "Page not found");
    browser
        .goto(&format!("{}/shipment/not-an-id", app.address))
        .await;
    assert_eq!(browser.text("h1").await, "Page not found");
    // The API keeps its JSON.
    let api = app.get("/api/v1/no-such-route").await;
    assert_eq!(api.status(), 404);
    assert!(api.text().await.unwrap().contains("\"code\""));
}

#[tokio::test]
async fn the_bell_counts_new_notifications_while_the_page_stays_open() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, COMPLIANCE).await;
    let before = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id \
              WHERE u.email = '{COMPLIANCE}' AND NOT n.read"
        ))
        .await;
    for _ in 0..2 {
        app.db()
            .exec(&format!(
                "INSERT INTO notifications (id, user_id, type, title, message, read, created_at, organization_id) \
                 VALUES (gen_random_uuid(), '{COMPLIANCE}', 'system_alert', 'Hello', 'A test', false, now(), \
                         '00000000-0000-0000-0000-000000000001')"
            ))
            .await;
    }
    // No reload: the count arrives over the page's event stream.
    let expected = (before + 2).to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if browser.exists("header .count").await && browser.text("header .count").await == expected
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the bell did not show {expected}: {}",
            browser.page_source().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Picks `path` in the file field at `css` (typing the path into it, as WebDriver does).
async fn choose_file(browser: &Browser, css: &str, path: &std::path::Path) {
    let field = tokio::time::timeout(
        Duration::from_secs(30),
        browser.client().find(fantoccini::Locator::Css(css)),
    )
    .await
    .expect("in time")
    .expect("the file field");
    tokio::time::timeout(
        Duration::from_secs(30),
        field.send_keys(path.to_str().expect("a UTF-8 path")),
    )
    .await
    .expect("in time")
    .expect("the file chosen");
}

/// Sets a `<select>` to `value` (as a person picking it would).
async fn select(browser: &Browser, css: &str, value: &str) {
    script(
        browser,
        &format!("document.querySelector({css:?}).value = {value:?};"),
    )
    .await;
}

const SHIPMENT_002: &str = "30000000-0000-4000-8000-000000000002";

/// A document's stored status (`UPLOADED`, `VALIDATED`, …).
async fn document_status(app: &TestApp, id: &str) -> String {
    app.db()
        .scalar_string(&format!(
            "SELECT status::text FROM documents WHERE id = '{id}'"
        ))
        .await
        .expect("the document")
}

/// Presses a document's Approve button on the shipment page and waits for the page again.
async fn approve(browser: &Browser, document: &str, shipment: &str) {
    browser
        .submit(&format!(
            "form[action='/document/{document}/approve'] button"
        ))
        .await;
    browser
        .wait_for_path(&format!("/shipment/{shipment}"))
        .await;
}

#[tokio::test]
async fn documents_products_people_and_passwords_from_the_pages() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, ADMIN).await;
    let shipment = format!("{}/shipment/{SHIPMENT_002}", app.address);

    // A document uploaded through the form; a validated one approved, an uploaded one
    // rejected with a reason.
    let pdf = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("web-upload-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").unwrap();
    browser.goto(&shipment).await;
    let documents_before = browser.page_source().await.matches("/download\"").count();
    select(&browser, "#document_type", "packing_list").await;
    browser.fill("#reference_number", "PL-WEB-1").await;
    choose_file(&browser, "#file", &pdf).await;
    browser.submit("form[enctype='multipart/form-data']").await;
    browser
        .wait_for_path(&format!("/shipment/{SHIPMENT_002}"))
        .await;
    let page = browser.page_source().await;
    assert_eq!(
        page.matches("/download\"").count(),
        documents_before + 1,
        "{page}"
    );
    assert!(page.contains("PL-WEB-1"));
    std::fs::remove_file(&pdf).ok();
    let uploaded = app
        .db()
        .scalar_string("SELECT id::text FROM documents WHERE reference_number = 'PL-WEB-1'")
        .await
        .expect("the uploaded document");
    // Approving it is refused by the workflow (its required fields are not there): the
    // shipment page says why, and nothing moved.
    browser
        .submit(&format!(
            "form[action='/document/{uploaded}/approve'] button"
        ))
        .await;
    browser.wait_for("#not-done").await;
    assert!(browser.text("[role=alert]").await.len() > 30);
    inspect(&browser, "shipment-review-refused").await;
    assert_eq!(document_status(&app, &uploaded).await, "UPLOADED");
    // Its missing issue date entered on its details page; then the approval passes.
    browser
        .click(&format!("a[href^='/document/{uploaded}/edit']"))
        .await;
    browser.wait_for("#issue_date").await;
    inspect(&browser, "document-details").await;
    script(
        &browser,
        "document.querySelector('#issue_date').value = '2026-11-20';",
    )
    .await;
    browser
        .submit(&format!("form[action='/document/{uploaded}/edit']"))
        .await;
    browser
        .wait_for_path(&format!("/shipment/{SHIPMENT_002}"))
        .await;
    approve(&browser, &uploaded, SHIPMENT_002).await;
    assert_eq!(document_status(&app, &uploaded).await, "VALIDATED");
    // A validated one approved for compliance.
    browser.goto(&shipment).await;
    let validated = app
        .db()
        .scalar_string(&format!(
            "SELECT id::text FROM documents WHERE shipment_id = '{SHIPMENT_002}' \
              AND status = 'VALIDATED' LIMIT 1"
        ))
        .await
        .expect("a validated document");
    approve(&browser, &validated, SHIPMENT_002).await;
    assert_eq!(document_status(&app, &validated).await, "COMPLIANCE_OK");
    let other = app
        .db()
        .scalar_string(&format!(
            "SELECT id::text FROM documents WHERE shipment_id = '{SHIPMENT_002}' \
              AND status = 'UPLOADED' AND id <> '{uploaded}' LIMIT 1"
        ))
        .await
        .expect("another uploaded document");
    browser.goto(&shipment).await;
    browser
        .fill(&format!("#notes-{other}"), "Illegible scan")
        .await;
    browser
        .submit(&format!("form[action='/document/{other}/reject'] button"))
        .await;
    browser.wait_for("h1").await;
    assert_eq!(document_status(&app, &other).await, "DRAFT");

    // The rejected one deleted.
    browser.goto(&shipment).await;
    browser
        .submit(&format!("form[action='/document/{other}/delete'] button"))
        .await;
    browser
        .wait_for_path(&format!("/shipment/{SHIPMENT_002}"))
        .await;
    assert_eq!(
        app.db()
            .scalar_i64(&format!(
                "SELECT count(*) FROM documents WHERE id = '{other}'"
            ))
            .await,
        0
    );

    // A product added, edited, removed.
    browser.goto(&shipment).await;
    browser.click("details summary").await;
    browser.fill("#product-hs_code", "0506.90").await;
    browser
        .fill("#product-description", "Cattle hooves (web)")
        .await;
    browser.fill("#product-quantity_net_kg", "1200.5").await;
    browser
        .submit(&format!("form[action='/shipment/{SHIPMENT_002}/products']"))
        .await;
    browser.wait_for("#cargo").await;
    assert!(browser.page_source().await.contains("Cattle hooves (web)"));
    browser
        .click("a[aria-label='Edit Cattle hooves (web)']")
        .await;
    browser
        .fill("#product-description", "Cattle horns (web)")
        .await;
    browser.submit("form[action$='/edit']").await;
    browser.wait_for("#cargo").await;
    assert!(browser.page_source().await.contains("Cattle horns (web)"));
    browser
        .submit("button[aria-label='Remove Cattle horns (web)']")
        .await;
    browser.wait_for("#cargo").await;
    assert!(!browser.page_source().await.contains("Cattle horns (web)"));
    inspect(&browser, "shipment-after-changes").await;

    // People: an account deactivated and activated again; a member's role changed,
    // suspended and reactivated; an invitation sent, resent and revoked.
    browser.goto(&format!("{}/users", app.address)).await;
    browser
        .submit(&format!("button[aria-label='Deactivate {VIEWER}']"))
        .await;
    browser.wait_for_path("/users").await;
    browser
        .submit(&format!("button[aria-label='Activate {VIEWER}']"))
        .await;
    browser.wait_for_path("/users").await;
    assert!(
        browser
            .exists(&format!("button[aria-label='Deactivate {VIEWER}']"))
            .await
    );

    browser
        .click(&format!("a[aria-label='Edit {VIEWER}']"))
        .await;
    browser.fill("#edit-full-name", "Funmilayo A. Viewer").await;
    browser.submit("form[action$='/edit']").await;
    browser.wait_for_path("/users").await;
    assert!(browser.page_source().await.contains("Funmilayo A. Viewer"));

    browser.goto(&format!("{}/organization", app.address)).await;
    let viewer_membership = app
        .db()
        .scalar_string(&format!(
            "SELECT m.id::text FROM org_memberships m JOIN users u ON u.id = m.user_id \
              WHERE u.email = '{VIEWER}'"
        ))
        .await
        .unwrap();
    select(&browser, &format!("#role-{viewer_membership}"), "member").await;
    browser
        .submit(&format!(
            "form[action='/organization/members/{viewer_membership}/role'] button"
        ))
        .await;
    browser.wait_for_path("/organization").await;
    let role_sql = format!(
        "SELECT role::text || ' ' || status::text FROM org_memberships WHERE id = '{viewer_membership}'"
    );
    assert_eq!(
        app.db().scalar_string(&role_sql).await.unwrap(),
        "member active"
    );
    browser
        .submit(&format!("button[aria-label='Suspend {VIEWER}']"))
        .await;
    browser.wait_for_path("/organization").await;
    assert_eq!(
        app.db().scalar_string(&role_sql).await.unwrap(),
        "member suspended"
    );
    browser
        .submit(&format!("button[aria-label='Reactivate {VIEWER}']"))
        .await;
    browser.wait_for_path("/organization").await;
    assert_eq!(
        app.db().scalar_string(&role_sql).await.unwrap(),
        "member active"
    );
    browser.fill("#invite-email", "later@example.test").await;
    browser
        .submit("form[action='/organization/invitations']")
        .await;
    browser.wait_for("[role=status]").await;
    browser
        .submit("button[aria-label='Resend to later@example.test']")
        .await;
    browser.wait_for_path("/organization").await;
    browser
        .submit("button[aria-label='Revoke for later@example.test']")
        .await;
    browser.wait_for_path("/organization").await;
    assert_eq!(
        app.db()
            .scalar_string(
                "SELECT status::text FROM invitations WHERE email = 'later@example.test'"
            )
            .await
            .as_deref(),
        Some("revoked")
    );

    // The password changed from the account page: this browser stays signed in, the old
    // password opens nothing any more, the new one does.
    browser.goto(&format!("{}/account", app.address)).await;
    browser.fill("#current_password", PASSWORD).await;
    browser.fill("#new_password", "Changed2026x").await;
    browser.submit("form[action='/account/password']").await;
    browser.wait_for("[role=status]").await;
    assert!(browser.text("[role=status]").await.contains("changed"));
    browser.goto(&format!("{}/dashboard", app.address)).await;
    assert_eq!(browser.path().await, "/dashboard");
    sign_out(&browser).await;
    browser.fill("#username", ADMIN).await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("form[action='/login']").await;
    assert!(
        browser.exists("[role=alert]").await,
        "the old password still works"
    );
    browser.fill("#password", "Changed2026x").await;
    browser.submit("form[action='/login']").await;
    browser.wait_for_path("/dashboard").await;
}

#[tokio::test]
async fn an_invited_member_of_another_organization_joins_and_switches_between_them() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    // HAGES's buyer is invited into VIBOTAJ as a viewer.
    let link = invitation_link(&app, "buyer@hages.de", "viewer").await;

    let browser = Browser::start().await;
    // Not signed in: the page asks to sign in first, and comes back.
    browser.goto(&link).await;
    assert!(browser.exists("a[href^='/login?next=']").await);
    browser.click("a[href^='/login?next=']").await;
    browser.fill("#username", "buyer@hages.de").await;
    browser.fill("#password", PASSWORD).await;
    browser.submit("form[action='/login']").await;
    browser
        .wait_for("form[action='/accept-invitation/join']")
        .await;
    inspect(&browser, "accept-invitation-join").await;
    browser
        .submit("form[action='/accept-invitation/join'] button")
        .await;
    browser.wait_for_path("/dashboard").await;
    // Now in VIBOTAJ, with the switcher offering both organizations.
    assert!(browser.exists("#switch-organization").await);
    let vibotaj_rows = rows(&browser).await;
    inspect(&browser, "switcher").await;
    let hages = app
        .db()
        .scalar_string(
            "SELECT m.organization_id::text FROM org_memberships m JOIN users u ON u.id = m.user_id \
              WHERE u.email = 'buyer@hages.de' AND m.organization_id <> '00000000-0000-0000-0000-000000000001'",
        )
        .await
        .unwrap();
    select(&browser, "#switch-organization", &hages).await;
    browser.submit("form.switcher button").await;
    browser.wait_for_path("/dashboard").await;
    browser.goto(&format!("{}/account", app.address)).await;
    assert!(browser.text("dl.facts").await.contains("HAGES GMBH"));
    // And back: VIBOTAJ's list again.
    select(
        &browser,
        "#switch-organization",
        "00000000-0000-0000-0000-000000000001",
    )
    .await;
    browser.submit("form.switcher button").await;
    browser.wait_for_path("/dashboard").await;
    assert_eq!(rows(&browser).await, vibotaj_rows);
    browser.goto(&format!("{}/account", app.address)).await;
    assert!(browser.text("dl.facts").await.contains("VIBOTAJ"));
}
