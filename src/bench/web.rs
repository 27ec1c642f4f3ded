//! `tracehub bench web`: PRODUCT.md §5 W1 — the web dashboard and a shipment page at 1M
//! shipments: time per page (one browser's requests, one after another, on loopback: the
//! server's time plus a loopback round trip) and page weight (the HTML and its stylesheet,
//! as sent: no compression).
//!
//! The data set is `bench api`'s (1M shipments over 100 organizations, RLS on, the server
//! in this process on the application role). The benchmark signs in through the sign-in
//! form like a browser, keeps the session cookie, and then asks for the pages.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use super::api::{bench_email, dataset, ApiBenchOptions, PASSWORD};
use super::migration::drop_database;
use super::Latencies;
use crate::db::tenant::AppPool;

#[derive(Debug, Clone)]
pub struct WebBenchOptions {
    pub shipments: u32,
    pub organizations: u32,
    /// Requests per page.
    pub requests: u32,
    pub pool_size: u32,
}

const DATABASE: &str = "tracehub_bench_web";

/// Builds the data set, measures both pages, prints the figures.
pub async fn run(url: &str, options: &WebBenchOptions) -> Result<()> {
    let api_options = ApiBenchOptions {
        shipments: options.shipments,
        baseline_shipments: 0,
        organizations: options.organizations,
        clients: 1,
        seconds: 1,
        pool_size: options.pool_size,
    };
    let mut data = dataset(url, DATABASE, options.shipments, &api_options).await?;
    let measured = measure(&data.url, options).await;
    drop_database(&mut data.admin, DATABASE).await?;
    let figures = measured?;
    println!();
    for (name, page) in [
        ("dashboard", &figures.dashboard),
        ("shipment page", &figures.shipment),
    ] {
        println!(
            "W1 {name} at {} shipments: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms \
             over {} requests; {:.1} kB HTML (target p99 <= 20 ms)",
            options.shipments,
            page.latencies.p50_ms,
            page.latencies.p90_ms,
            page.latencies.p99_ms,
            page.latencies.max_ms,
            page.latencies.samples,
            page.bytes as f64 / 1000.0
        );
    }
    let total = figures.dashboard.bytes + figures.stylesheet + figures.script;
    println!(
        "W1 dashboard with its assets: {:.1} kB (HTML {:.1} kB + stylesheet {:.1} kB + \
         script {:.1} kB; no font or image) (target <= 100 kB)",
        total as f64 / 1000.0,
        figures.dashboard.bytes as f64 / 1000.0,
        figures.stylesheet as f64 / 1000.0,
        figures.script as f64 / 1000.0
    );
    Ok(())
}

struct PageFigures {
    latencies: Latencies,
    bytes: usize,
}

struct Figures {
    dashboard: PageFigures,
    shipment: PageFigures,
    stylesheet: usize,
    script: usize,
}

async fn measure(db_url: &str, options: &WebBenchOptions) -> Result<Figures> {
    let pool = AppPool::connect(db_url, options.pool_size, Duration::from_secs(2)).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = crate::http::AppState::with_jwt_secret(pool, &crate::config::JwtSecret::random());
    let server = tokio::spawn(crate::http::serve(state, listener));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    // Organization 1 (a supplier with ~10,000 of the shipments) signs in by the form.
    let cookie = sign_in(&client, &base, &bench_email(1)).await?;
    let get = |path: String| {
        let client = client.clone();
        let cookie = cookie.clone();
        let url = format!("{base}{path}");
        async move {
            let started = Instant::now();
            let response = client.get(&url).header(COOKIE, &cookie).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            if !status.is_success() {
                bail!("{url} answered {status}");
            }
            Ok::<_, anyhow::Error>((started.elapsed(), body))
        }
    };
    let (_, dashboard) = get("/dashboard".to_string()).await?;
    let dashboard_html = String::from_utf8_lossy(&dashboard).into_owned();
    let shipment = dashboard_html
        .split("href=\"/shipment/")
        .nth(1)
        .and_then(|rest| rest.get(..36))
        .context("the dashboard lists no shipment")?
        .to_string();
    let (_, stylesheet) = get(crate::web::assets::STYLESHEET_PATH.to_string()).await?;
    let (_, script) = get(crate::web::assets::BELL_SCRIPT_PATH.to_string()).await?;

    let mut pages = Vec::new();
    for path in ["/dashboard".to_string(), format!("/shipment/{shipment}")] {
        // Warm-up: plans cached, connections open.
        for _ in 0..10 {
            get(path.clone()).await?;
        }
        let mut samples = Vec::new();
        let mut bytes = 0;
        for _ in 0..options.requests {
            let (took, body) = get(path.clone()).await?;
            samples.push(took);
            bytes = body.len();
        }
        pages.push(PageFigures {
            latencies: Latencies::of(samples),
            bytes,
        });
    }
    server.abort();
    let shipment = pages.pop().expect("two pages");
    let dashboard = pages.pop().expect("two pages");
    Ok(Figures {
        dashboard,
        shipment,
        stylesheet: stylesheet.len(),
        script: script.len(),
    })
}

/// Signs in through the form (pre-session cookie, form token, credentials) and returns the
/// `Cookie` header of the session.
async fn sign_in(client: &reqwest::Client, base: &str, email: &str) -> Result<String> {
    let form = client.get(format!("{base}/login")).send().await?;
    let pre = cookie_of(&form, "tracehub_pre").context("no pre-session cookie")?;
    let html = form.text().await?;
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("no form token on the sign-in page")?
        .to_string();
    let answer = client
        .post(format!("{base}/login"))
        .header(COOKIE, format!("tracehub_pre={pre}"))
        .form(&[
            ("csrf", token.as_str()),
            ("username", email),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    if answer.headers().get(LOCATION).is_none() {
        bail!("signing in answered {}", answer.status());
    }
    let session = cookie_of(&answer, "tracehub_session").context("no session cookie")?;
    Ok(format!("tracehub_session={session}"))
}

fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|line| {
            let (pair, _) = line.split_once(';').unwrap_or((line, ""));
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_string())
        })
}
