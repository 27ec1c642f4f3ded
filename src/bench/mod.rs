//! The benchmarks of PRODUCT.md §5, run on demand by `tracehub bench …` (not by the tests).
//!
//! * [`migration`]: M1/M2 — `tracehub migrate` while the old application runs against it.
//! * [`api`]: A1/A2/S1 — the shipments list under load, serve start-up and idle memory.
//! * [`upload`]: U1 — peak memory of streamed document uploads (the storage layer).

pub mod api;
pub mod migration;
pub mod upload;
