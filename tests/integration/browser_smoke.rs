//! The browser harness itself, checked: a real Chromium loads the app's home page, the
//! helpers work on it, a screenshot lands on disk, and the accessibility check passes there
//! and fails where it should.

use std::time::Duration;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::browser::Browser;
use crate::helpers::TestApp;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

#[tokio::test]
async fn chromium_renders_the_home_page_and_it_passes_axe() {
    let app = TestApp::spawn(2, Duration::from_secs(5)).await;
    let browser = Browser::start().await;
    eprintln!("browser started in {:?}", browser.started_in);

    // The home page sends a browser without a session to the sign-in form.
    browser.goto(&app.address).await;
    assert_eq!(browser.text("h1").await, "Sign in");
    assert_eq!(browser.path().await, "/login?next=%2Fdashboard");
    assert!(browser.exists("h1").await);
    assert!(!browser.exists("#no-such-thing").await);
    assert!(browser.page_source().await.contains("TraceHub"));

    let shot = browser.screenshot("smoke-home").await;
    let png = std::fs::read(&shot).expect("the screenshot file");
    assert!(
        png.len() > PNG_SIGNATURE.len() && png.starts_with(PNG_SIGNATURE),
        "{} is not a PNG ({} bytes)",
        shot.display(),
        png.len()
    );

    browser.assert_accessible("home").await;

    // At a phone's width too.
    browser.set_window_size(375, 812).await;
    browser.assert_accessible("home (phone)").await;
    browser.screenshot("smoke-home-phone").await;

    // Cookies of the site.
    browser.set_cookie("probe", "1").await;
    assert_eq!(browser.cookie("probe").await.as_deref(), Some("1"));
    browser.delete_all_cookies().await;
    assert_eq!(browser.cookie("probe").await, None);

    // A form (added to the page: the app has none yet) filled and submitted, by the form
    // and then by its button: each lands on the next page.
    add_search_form(&browser).await;
    browser.fill("#q", "first try").await;
    browser.fill("#q", "hello world").await;
    browser.submit("#probe").await;
    assert_eq!(browser.path().await, "/login?q=hello+world");
    browser.wait_for("h1").await;

    add_search_form(&browser).await;
    browser.fill("#q", "again").await;
    browser.submit("#probe button").await;
    browser.wait_for_path("/login?q=again").await;

    browser.click("a.brand").await;
    browser.wait_for_path("/login?next=%2Fdashboard").await;
    browser.close().await;
}

/// A GET form to `/login` with one labelled field, added to the current page.
async fn add_search_form(browser: &Browser) {
    browser
        .client()
        .execute(
            "document.body.insertAdjacentHTML('beforeend', \
             '<form id=\"probe\" action=\"/login\" method=\"get\"><label for=\"q\">Search</label>\
             <input id=\"q\" name=\"q\"><button>Go</button></form>'); return null;",
            vec![],
        )
        .await
        .expect("add a form to the page");
}

#[tokio::test]
async fn axe_finds_an_image_without_alt_and_an_unlabelled_field() {
    let page = "<!doctype html><html lang=\"en\"><head><title>Broken</title></head><body><main>\
                <h1>Broken</h1><img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">\
                <input type=\"text\" name=\"who\"></main></body></html>";
    let browser = Browser::start().await;
    browser
        .goto(&format!(
            "data:text/html;charset=utf-8,{}",
            utf8_percent_encode(page, NON_ALPHANUMERIC)
        ))
        .await;
    assert_eq!(browser.text("h1").await, "Broken");

    let violations = browser.violations().await;
    let ids: Vec<&str> = violations.iter().map(|v| v.id.as_str()).collect();
    for rule in ["image-alt", "label"] {
        let found = violations.iter().find(|v| v.id == rule);
        let found = found.unwrap_or_else(|| panic!("axe missed {rule}; it found {ids:?}"));
        assert!(found.is_serious(), "{rule} should be serious: {found}");
        assert!(!found.targets.is_empty(), "{rule} names no element");
    }

    // And so assert_accessible fails, naming both.
    let failed = tokio::spawn(async move { browser.assert_accessible("broken").await })
        .await
        .expect_err("assert_accessible passed a page with serious violations");
    let message = failed.into_panic();
    let message = message
        .downcast_ref::<String>()
        .expect("a panic message")
        .clone();
    assert!(
        message.contains("image-alt") && message.contains("label"),
        "{message}"
    );
}
