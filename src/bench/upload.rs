//! U1 for the storage layer: peak memory of streamed uploads into the configured store
//! (`UPLOAD_DIR` or `STORAGE_URL`), one upload and then several at once. Generated bodies,
//! never held whole in memory; the objects are deleted afterwards.

use std::time::Instant;

use anyhow::{Context, Result};
use bytes::Bytes;
use futures_util::stream;
use uuid::Uuid;

use crate::storage::{Storage, StorageKey};

pub struct UploadBenchOptions {
    pub size_bytes: u64,
    pub concurrency: u32,
}

const CHUNK: u64 = 64 * 1024;

pub async fn run(storage: &Storage, options: &UploadBenchOptions) -> Result<()> {
    println!("storage: {}", storage.description());
    // Warm up connections and the allocator, outside the measurement.
    upload(storage, 8 * 1024 * 1024).await?;
    for concurrency in [1, options.concurrency.max(1)] {
        let before = rss_kib("VmRSS")?;
        // Peak RSS from here on (Linux: writing 5 to clear_refs resets VmHWM).
        std::fs::write("/proc/self/clear_refs", "5").context("resetting the peak RSS")?;
        let started = Instant::now();
        let uploads = (0..concurrency).map(|_| {
            let storage = storage.clone();
            let size = options.size_bytes;
            tokio::spawn(async move { upload(&storage, size).await })
        });
        for task in futures_util::future::join_all(uploads).await {
            task??;
        }
        let elapsed = started.elapsed();
        let growth_mb = rss_kib("VmHWM")?.saturating_sub(before) as f64 / 1024.0;
        let target = if concurrency == 1 { 16 } else { 64 };
        println!(
            "U1 {concurrency} x {:.0} MB upload(s): peak RSS growth {growth_mb:.1} MB in {:.2} s \
             (target <= {target} MB through the HTTP route; this is the storage layer alone)",
            options.size_bytes as f64 / 1e6,
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}

/// One generated upload of `size` bytes, deleted again once stored.
async fn upload(storage: &Storage, size: u64) -> Result<()> {
    let key = StorageKey::new(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let body = stream::iter((0..size).step_by(CHUNK as usize).map(move |start| {
        let len = CHUNK.min(size - start) as usize;
        Ok::<_, std::io::Error>(Bytes::from(vec![(start / CHUNK) as u8; len]))
    }));
    let stored = storage
        .put_stream(&key, body, size, |_| Ok::<_, ()>(()))
        .await
        .map_err(|e| anyhow::anyhow!("upload failed: {e:?}"))?;
    anyhow::ensure!(
        stored.size == size,
        "stored {} of {size} bytes",
        stored.size
    );
    storage.delete(&key).await?;
    Ok(())
}

/// A `/proc/self/status` figure in KiB.
fn rss_kib(field: &str) -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/self/status"))
}
