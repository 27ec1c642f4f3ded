//! U1: a 50 MB document through the HTTP route — upload and download — and 20 uploads at
//! once, into the configured store (`UPLOAD_DIR` or `STORAGE_URL`): peak RSS growth of this
//! process (server and client both live in it, so the figure is an upper bound for the
//! server) and throughput. Bodies are generated as streams and read as streams: never held
//! whole in memory. A scratch database with the demo world is made and dropped; the
//! uploaded documents are deleted through the API afterwards.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use futures_util::{stream, StreamExt};

use crate::bench::migration::{drop_database, fresh_database};
use crate::bench::status_kib;
use crate::db::tenant::AppPool;
use crate::storage::Storage;

pub struct UploadBenchOptions {
    pub size_bytes: u64,
    pub concurrency: u32,
}

const CHUNK: u64 = 64 * 1024;
const DATABASE: &str = "tracehub_bench_upload";
/// The demo world's first shipment and its owner (the exporter's admin).
const SHIPMENT: &str = "30000000-0000-4000-8000-000000000001";
const ADMIN: &str = "admin@vibotaj.com";
const PASSWORD: &str = "tracehub2026";

pub async fn run(url: &str, storage: Storage, options: &UploadBenchOptions) -> Result<()> {
    println!("storage: {}", storage.description());
    let (mut admin, db_url) = fresh_database(url, DATABASE).await?;
    crate::ops::seed::demo(&db_url, None).await?;
    let result = measure(&db_url, storage, options).await;
    drop_database(&mut admin, DATABASE).await?;
    result
}

async fn measure(db_url: &str, storage: Storage, options: &UploadBenchOptions) -> Result<()> {
    let pool = AppPool::connect(db_url, 8, Duration::from_secs(5)).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = crate::http::AppState::with_jwt_secret(pool, &crate::config::JwtSecret::random())
        .with_storage(
            storage,
            options
                .size_bytes
                .max(crate::http::DEFAULT_MAX_UPLOAD_BYTES),
        );
    let server = tokio::spawn(crate::http::serve(state, listener));
    let client = reqwest::Client::new();
    let token = login(&client, &base).await?;

    // Warm up connections and the allocator, outside the measurement.
    let mut uploaded = vec![upload(&client, &base, &token, 8_000_000).await?];
    for concurrency in [1, options.concurrency.max(1)] {
        let (growth_mb, elapsed, ids) = peak_growth(|| async {
            let uploads = (0..concurrency).map(|_| {
                let (client, base, token) = (client.clone(), base.clone(), token.clone());
                let size = options.size_bytes;
                tokio::spawn(async move { upload(&client, &base, &token, size).await })
            });
            let mut ids = Vec::new();
            for task in futures_util::future::join_all(uploads).await {
                ids.push(task??);
            }
            Ok(ids)
        })
        .await?;
        uploaded.extend(ids);
        let target = if concurrency == 1 { 16 } else { 64 };
        let total_mb = options.size_bytes as f64 * f64::from(concurrency) / 1e6;
        println!(
            "U1 {concurrency} x {:.0} MB upload(s) through POST /documents/upload: peak RSS growth \
             {growth_mb:.1} MB (target <= {target} MB), {:.2} s, {:.0} MB/s",
            options.size_bytes as f64 / 1e6,
            elapsed.as_secs_f64(),
            total_mb / elapsed.as_secs_f64().max(1e-9)
        );
    }
    let id = uploaded[1].clone();
    let (growth_mb, elapsed, bytes) =
        peak_growth(|| async { download(&client, &base, &token, &id).await }).await?;
    if bytes != options.size_bytes {
        bail!("downloaded {bytes} of {} bytes", options.size_bytes);
    }
    println!(
        "U1 1 x {:.0} MB download through GET /documents/{{id}}/download: peak RSS growth \
         {growth_mb:.1} MB (target <= 16 MB), {:.2} s, {:.0} MB/s",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        bytes as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9)
    );
    for id in uploaded {
        let response = client
            .delete(format!("{base}/api/v1/documents/{id}"))
            .bearer_auth(&token)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!(
                "deleting a benchmark document answered {}",
                response.status()
            );
        }
    }
    server.abort();
    Ok(())
}

/// Runs `work`, measuring this process's peak RSS growth (Linux: writing 5 to
/// `clear_refs` resets the peak) and the time it took.
async fn peak_growth<T, F, Fut>(work: F) -> Result<(f64, Duration, T)>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let before = status_kib("self", "VmRSS")?;
    std::fs::write("/proc/self/clear_refs", "5").context("resetting the peak RSS")?;
    let started = Instant::now();
    let value = work().await?;
    let elapsed = started.elapsed();
    let growth_mb = status_kib("self", "VmHWM")?.saturating_sub(before) as f64 / 1024.0;
    Ok((growth_mb, elapsed, value))
}

async fn login(client: &reqwest::Client, base: &str) -> Result<String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": ADMIN, "password": PASSWORD}))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("login answered {}", response.status());
    }
    let body: serde_json::Value = response.json().await?;
    body["access_token"]
        .as_str()
        .map(str::to_string)
        .context("login answer without access_token")
}

/// One generated PDF-typed upload of `size` bytes, streamed; the new document's id.
async fn upload(client: &reqwest::Client, base: &str, token: &str, size: u64) -> Result<String> {
    let header = b"%PDF-1.7\n% TraceHub upload benchmark\n".to_vec();
    let head_len = header.len() as u64;
    let chunks = stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(header)) }).chain(
        stream::iter((head_len..size).step_by(CHUNK as usize).map(move |start| {
            let len = CHUNK.min(size - start) as usize;
            Ok(Bytes::from(vec![b' '; len]))
        })),
    );
    let file =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(chunks), size)
            .file_name("benchmark.pdf")
            .mime_str("application/pdf")?;
    let form = reqwest::multipart::Form::new()
        .text("shipment_id", SHIPMENT)
        .part("file", file)
        .text("document_type", "other");
    let response = client
        .post(format!("{base}/api/v1/documents/upload"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::CREATED {
        bail!(
            "upload answered {}: {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
    }
    let body: serde_json::Value = response.json().await?;
    body["id"]
        .as_str()
        .map(str::to_string)
        .context("upload answer without id")
}

/// Downloads a document as a stream; the number of bytes received.
async fn download(client: &reqwest::Client, base: &str, token: &str, id: &str) -> Result<u64> {
    let response = client
        .get(format!("{base}/api/v1/documents/{id}/download"))
        .bearer_auth(token)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("download answered {}", response.status());
    }
    let mut body = response.bytes_stream();
    let mut received = 0u64;
    while let Some(chunk) = body.next().await {
        received += chunk?.len() as u64;
    }
    Ok(received)
}
