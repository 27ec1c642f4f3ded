//! Configuration from the environment (and `.env` when present), read once and passed down.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

/// Where TraceHub keeps its managed PostgreSQL cluster when `DATABASE_URL` is unset.
pub const DEFAULT_DATA_DIR: &str = ".tracehub";
/// Where the web server listens unless told otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

#[derive(Debug, Clone)]
pub struct Config {
    /// The PostgreSQL server to use; `None` means the managed local cluster.
    pub database_url: Option<String>,
    /// Folder of the managed cluster (`TRACEHUB_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Address of the web server (`TRACEHUB_BIND`).
    pub bind: SocketAddr,
    /// Where backups go unless a command says otherwise (`BACKUP_DIR`, default `backups`).
    pub backup_dir: PathBuf,
    /// Database connections of the server (`TRACEHUB_DB_POOL_SIZE`, default 16).
    pub db_pool_size: u32,
    /// How long a request waits for a free connection before answering 503
    /// (`TRACEHUB_DB_ACQUIRE_TIMEOUT_MS`, default 2000).
    pub db_acquire_timeout: Duration,
}

impl Config {
    /// Reads `.env` (if any) and the process environment.
    pub fn from_env() -> Result<Self> {
        // A missing .env is normal; a malformed one is worth a warning, not a failure.
        if let Err(e) = dotenvy::dotenv() {
            if !e.not_found() {
                tracing::warn!("ignoring .env: {e}");
            }
        }
        let database_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty());
        let data_dir = std::env::var_os("TRACEHUB_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let bind = std::env::var("TRACEHUB_BIND")
            .unwrap_or_else(|_| DEFAULT_BIND.to_string())
            .parse()
            .context("TRACEHUB_BIND must be an address like 127.0.0.1:8000")?;
        let backup_dir = std::env::var_os("BACKUP_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("backups"));
        let db_pool_size = number_from_env("TRACEHUB_DB_POOL_SIZE", 16)?;
        let db_acquire_timeout =
            Duration::from_millis(number_from_env("TRACEHUB_DB_ACQUIRE_TIMEOUT_MS", 2000)?.into());
        Ok(Self {
            database_url,
            data_dir,
            bind,
            backup_dir,
            db_pool_size,
            db_acquire_timeout,
        })
    }
}

fn number_from_env(name: &str, default: u32) -> Result<u32> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("{name} must be a positive whole number, not {text:?}")),
        Err(_) => Ok(default),
    }
}
