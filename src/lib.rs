//! TraceHub: shipment tracking and trade-document compliance, multi-tenant on PostgreSQL.
//!
//! The binary (`src/main.rs`) only parses the command line and calls into this library, so
//! tests exercise exactly the code that operators run.

pub mod auth;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod ops;
pub mod pdf;
pub mod storage;
pub mod tracking;
pub mod web;
