//! The benchmarks of PRODUCT.md §5, run on demand by `tracehub bench …` (not by the tests).
//!
//! * [`migration`]: M1/M2 — `tracehub migrate` while the old application runs against it.
//! * [`api`]: A1/A2/S1 — the shipments list under load, serve start-up and idle memory.
//! * [`upload`]: U1 — peak memory and throughput of document uploads and downloads through
//!   the HTTP route.

pub mod api;
pub mod migration;
pub mod upload;

/// A memory figure of a process (`self` or a pid) from `/proc/<process>/status`, in KiB
/// (`VmRSS` now, `VmHWM` the peak since the last reset).
pub(crate) fn status_kib(process: &str, field: &str) -> anyhow::Result<u64> {
    use anyhow::Context;
    let status = std::fs::read_to_string(format!("/proc/{process}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no {field} in /proc/{process}/status"))
}
