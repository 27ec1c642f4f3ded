//! Getting a database: the one in `DATABASE_URL`, or the managed local cluster.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use super::cluster::{self, ClusterOptions, ManagedCluster};
use crate::config::Config;

/// The database a command works on. When this process started the managed cluster, [`close`]
/// stops it again, so a one-off command leaves nothing running.
///
/// [`close`]: Database::close
pub struct Database {
    url: String,
    started_cluster: Option<ManagedCluster>,
}

impl Database {
    /// Resolves the database from the configuration, starting the managed cluster if needed.
    pub async fn open(config: &Config) -> Result<Self> {
        if let Some(url) = &config.database_url {
            check_url(url)?;
            return Ok(Self {
                url: url.clone(),
                started_cluster: None,
            });
        }
        let managed = ManagedCluster::locate(&ClusterOptions {
            dir: config.data_dir.clone(),
            ephemeral: false,
        })?;
        let running = {
            let managed = managed.clone();
            tokio::task::spawn_blocking(move || managed.ensure_running()).await??
        };
        create_database_if_missing(&running.url("postgres"), cluster::DEFAULT_DATABASE).await?;
        tracing::info!(
            folder = %managed.root().display(),
            port = running.port,
            "using the managed PostgreSQL cluster"
        );
        Ok(Self {
            url: running.url(cluster::DEFAULT_DATABASE),
            started_cluster: running.started_here.then_some(managed),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A small pool for command-line work.
    pub async fn pool(&self) -> Result<PgPool> {
        pool(&self.url, 4).await
    }

    /// Stops the managed cluster if this process started it.
    pub async fn close(self) -> Result<()> {
        if let Some(cluster) = self.started_cluster {
            tokio::task::spawn_blocking(move || cluster.stop()).await??;
        }
        Ok(())
    }
}

/// Rejects anything but a PostgreSQL URL, without echoing credentials.
pub fn check_url(url: &str) -> Result<()> {
    let parsed = url::Url::parse(url)
        .map_err(|e| anyhow::anyhow!("DATABASE_URL is not a valid URL ({e})"))?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        bail!(
            "DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:port/database), \
             not a '{}' URL",
            parsed.scheme()
        );
    }
    url.parse::<PgConnectOptions>()
        .context("DATABASE_URL is not a valid PostgreSQL URL")?;
    Ok(())
}

/// A pool that waits a bounded time for a connection.
pub async fn pool(url: &str, max_connections: u32) -> Result<PgPool> {
    let options: PgConnectOptions = url.parse().context("parsing the database URL")?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .context("connecting to PostgreSQL")
}

/// Creates `database` through the maintenance connection at `admin_url` unless it exists.
pub async fn create_database_if_missing(admin_url: &str, database: &str) -> Result<()> {
    let mut conn = PgConnection::connect(admin_url)
        .await
        .context("connecting to PostgreSQL")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        sqlx::raw_sql(&format!("CREATE DATABASE {}", quote_ident(database)))
            .execute(&mut conn)
            .await?;
    }
    conn.close().await?;
    Ok(())
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_postgres_urls_only() {
        assert!(check_url("postgres://u:p@localhost:5432/db").is_ok());
        assert!(check_url("postgresql://localhost/db").is_ok());
        let err = check_url("mysql://root:secret@localhost/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("'mysql'"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("plain"), "\"plain\"");
        assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
    }
}
