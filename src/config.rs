//! Configuration from the environment (and `.env` when present), read once and passed down.

use std::net::SocketAddr;
use std::path::PathBuf;

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
        Ok(Self {
            database_url,
            data_dir,
            bind,
            backup_dir,
        })
    }
}
