//! The command line: clap definitions and the dispatch to library code.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::bench;
use crate::config::Config;
use crate::db::connect::Database;
use crate::db::revisions::{self, Migrator, Options};
use crate::db::tenant::AppPool;
use crate::ops::{backup, migrate, schema, seed, verify};
use sqlx::Connection;

#[derive(Debug, Parser)]
#[command(
    name = "tracehub",
    version,
    about = "Shipment tracking and trade-document compliance, multi-tenant on PostgreSQL",
    long_about = "Shipment tracking and trade-document compliance, multi-tenant on PostgreSQL.\n\n\
        Every command reads DATABASE_URL; without it, tracehub manages a private PostgreSQL \
        cluster under TRACEHUB_DATA_DIR (default .tracehub). With no command, tracehub \
        migrates that database to the newest revision and serves the web UI."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI and API (the database must be at the newest revision).
    Serve {
        /// Address to listen on (default: TRACEHUB_BIND or 127.0.0.1:8000).
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
    },
    /// Schema revisions.
    #[command(subcommand)]
    Db(DbCommand),
    /// Write a verified backup (pg_dump custom format + manifest); `backup verify FILE` checks one.
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        #[command(subcommand)]
        command: Option<BackupCommand>,
        /// Folder for the backup (default: BACKUP_DIR or ./backups).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Word in the file name: tracehub_<label>_<timestamp>.dump.
        #[arg(long, default_value = "backup")]
        label: String,
        /// The documents' stored files: `copy` them into <stem>.files/ beside the dump, or only
        /// `reference` them (keys, sizes, SHA-256; for a bucket with versioning of its own).
        #[arg(long, value_enum, default_value = "copy")]
        files: backup::FilesMode,
    },
    /// Replace the database with a verified backup (a safety backup is taken first).
    Restore {
        file: PathBuf,
        /// Do not ask for confirmation (required without a terminal).
        #[arg(long)]
        yes: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The orchestrated Sprint 8 migration: preflight, verified backup, 003 -> head, verify.
    Migrate {
        /// Do not ask for confirmation (required without a terminal).
        #[arg(long)]
        yes: bool,
        /// Folder for the pre-migration backup (default: BACKUP_DIR or ./backups).
        #[arg(long)]
        backup_dir: Option<PathBuf>,
        /// Migrate without taking a backup first (said loudly in the output).
        #[arg(long)]
        skip_backup: bool,
    },
    /// Benchmarks (PRODUCT.md §5).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Demo and synthetic data.
    #[command(subcommand)]
    Seed(SeedCommand),
    /// Document chores.
    #[command(subcommand)]
    Documents(DocumentsCommand),
    /// The managed local PostgreSQL cluster (used when DATABASE_URL is unset).
    #[command(subcommand)]
    Cluster(ClusterCommand),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Print the current revision (the last line is the revision id).
    Current,
    /// List every revision and which are applied.
    History,
    /// Upgrade to REV (default: head), one revision at a time.
    Upgrade {
        #[arg(default_value = "head")]
        revision: String,
    },
    /// Downgrade to REV (`base` empties the database).
    Downgrade {
        revision: String,
        /// Downgrade even when data of other organizations would be lost.
        #[arg(long)]
        allow_data_loss: bool,
    },
    /// Check every success criterion of the multi-tenancy migration (exit 0 only if all pass).
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Restore FILE into a scratch database and compare it with its manifest.
    Verify { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// M1/M2: migrate a synthetic predecessor database while the old application runs.
    Migration {
        /// Shipments in the data set (100000 is the M1 size).
        #[arg(long, default_value_t = 100_000)]
        shipments: u32,
        /// Concurrent clients of the old application.
        #[arg(long, default_value_t = 4)]
        clients: u32,
        /// Include the verified backup in the timed run.
        #[arg(long)]
        with_backup: bool,
    },
    /// A1/A2/S1: the shipments list under load at 1M and 10k shipments; serve start-up.
    Api {
        /// Shipments of the large data set (1000000 is the A1 size).
        #[arg(long, default_value_t = 1_000_000)]
        shipments: u32,
        /// Shipments of the small data set A2 compares with.
        #[arg(long, default_value_t = 10_000)]
        baseline_shipments: u32,
        #[arg(long, default_value_t = 100)]
        organizations: u32,
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        clients: u32,
        /// Measured seconds per load run.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// W1: the web dashboard and a shipment page at 1M shipments (time per page, page
    /// weight), signed in through the sign-in form.
    Web {
        #[arg(long, default_value_t = 1_000_000)]
        shipments: u32,
        #[arg(long, default_value_t = 100)]
        organizations: u32,
        /// Requests per page.
        #[arg(long, default_value_t = 500)]
        requests: u32,
    },
    /// U1: peak memory and throughput of a document upload and download through the HTTP
    /// route, and of concurrent uploads, into the configured document storage.
    Upload {
        /// Size of each upload in MB (10^6 bytes).
        #[arg(long, default_value_t = 50)]
        size_mb: u64,
        /// Uploads at once in the second run.
        #[arg(long, default_value_t = 20)]
        concurrency: u32,
    },
    /// T1: signed carrier webhook events through POST /api/v1/webhooks/carrier: events/s,
    /// p50/p99, each event stored once and repeats (one in twenty) answered `duplicate`.
    Webhooks {
        /// Distinct events sent.
        #[arg(long, default_value_t = 10_000)]
        events: u32,
        /// Concurrent senders.
        #[arg(long, default_value_t = 32)]
        clients: u32,
        /// Shipments of the synthetic world (the open ones' containers are addressed).
        #[arg(long, default_value_t = 10_000)]
        shipments: u32,
        /// Members told of each status or ETA change: the synthetic world's extra followers
        /// are deactivated (it puts ~480 into one organization at 10,000 shipments; a number
        /// above that keeps them all).
        #[arg(long, default_value_t = 10)]
        followers: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The tracking refresh sweep through the job queue (tracking.sweep, one tracking.refresh
    /// job per shipment) against a fake provider on loopback: wall time, refreshes/s,
    /// provider calls (exactly one per shipment), events stored.
    Refresh {
        /// Active shipments swept.
        #[arg(long, default_value_t = 10_000)]
        shipments: u32,
        /// Job runners, each with its own pool (as separate `tracehub serve` instances).
        #[arg(long, default_value_t = 2)]
        instances: u32,
        /// Jobs at once per runner (default: what `tracehub serve` runs).
        #[arg(long, default_value_t = crate::jobs::Timing::default().concurrency)]
        concurrency: usize,
        /// Queue poll interval of each runner in ms (default: what `tracehub serve` uses).
        #[arg(long, default_value_t = crate::jobs::Timing::default().poll.as_millis() as u64)]
        poll_ms: u64,
        /// The provider budget per minute shared by the runners (TRACKING_RATE_PER_MINUTE;
        /// the default never throttles, so the queue and the database are measured).
        #[arg(long, default_value_t = 1_000_000)]
        rate_per_minute: u32,
        /// Members told of each status or ETA change (as for `bench webhooks`).
        #[arg(long, default_value_t = 10)]
        followers: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// Tell the people who act on documents that expire soon (or have expired), once per
    /// urgency level: run daily (cron, or the job queue once it exists).
    ExpiryWarnings {
        /// The window, in days ahead.
        #[arg(long, default_value_t = crate::ops::expiry_warnings::DEFAULT_DAYS)]
        days: u32,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Bring the predecessor's stored files (documents with a `file_path`) into the
    /// configured storage, once after the migration (repeatable: imported ones are skipped).
    ImportFiles {
        /// The predecessor's upload folder (default: UPLOAD_DIR).
        #[arg(long)]
        from: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// The predecessor's demo world (users, parties, two shipments with documents and events).
    Demo {
        /// Leave the database at this revision (default: head).
        #[arg(long)]
        at_revision: Option<String>,
    },
    /// A synthetic predecessor database for benchmarks, generated inside PostgreSQL.
    Synthetic {
        /// Number of shipments (each with 10 documents, 20 events, 10 notifications, 20 audit logs).
        #[arg(long)]
        shipments: u32,
        /// Leave the database at this revision (default: 002, the predecessor's).
        #[arg(long)]
        at_revision: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Start the managed cluster (it stays up) and print its URL.
    Start,
    /// Stop the managed cluster.
    Stop,
    /// Say whether the managed cluster runs, and where it lives.
    Status,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let config = Config::from_env()?;
    match cli.command {
        None => run_default(&config).await,
        Some(Command::Serve { bind }) => {
            let database = Database::open(&config).await?;
            let result = serve(&database, &config, bind.unwrap_or(config.bind)).await;
            database.close().await?;
            result
        }
        Some(Command::Db(command)) => {
            let database = Database::open(&config).await?;
            let result = run_db(&database, command).await;
            database.close().await?;
            result
        }
        Some(Command::Backup {
            command,
            dir,
            label,
            files,
        }) => {
            let database = Database::open(&config).await?;
            let result = async {
                match command {
                    Some(BackupCommand::Verify { file }) => {
                        let report = backup::verify_backup(database.url(), &file).await?;
                        print!("{}", report.to_text());
                    }
                    None => {
                        let dir = dir.unwrap_or_else(|| config.backup_dir.clone());
                        let options = backup::BackupOptions {
                            storage: config.storage.clone(),
                            files,
                        };
                        let made =
                            backup::create_backup_with(database.url(), &dir, &label, &options)
                                .await?;
                        print!("{}", made.to_text());
                        println!("{}", made.dump_path.display());
                    }
                }
                Ok(())
            }
            .await;
            database.close().await?;
            result
        }
        Some(Command::Restore { file, yes, json }) => {
            let database = Database::open(&config).await?;
            let result = async {
                confirm(
                    "This replaces the database with the backup (the current one is kept under a new name).",
                    "restore",
                    yes,
                )?;
                let report = backup::restore_with(
                    database.url(),
                    &file,
                    &config.backup_dir,
                    &config.storage,
                )
                .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    print!("{}", report.to_text());
                }
                Ok(())
            }
            .await;
            database.close().await?;
            result
        }
        Some(Command::Migrate {
            yes,
            backup_dir,
            skip_backup,
        }) => {
            let database = Database::open(&config).await?;
            let options = migrate::MigrateOptions {
                backup_dir: backup_dir.unwrap_or_else(|| config.backup_dir.clone()),
                skip_backup,
            };
            let result = run_migrate(&database, &options, yes).await;
            database.close().await?;
            result
        }
        Some(Command::Bench(BenchCommand::Migration {
            shipments,
            clients,
            with_backup,
        })) => {
            let database = Database::open(&config).await?;
            let options = bench::migration::BenchOptions {
                shipments,
                clients,
                with_backup,
                backup_dir: config.backup_dir.clone(),
            };
            let result =
                bench::migration::run(database.url(), &options, &migrate::ConsoleNarrator::new())
                    .await;
            database.close().await?;
            result
        }
        Some(Command::Bench(BenchCommand::Api {
            shipments,
            baseline_shipments,
            organizations,
            clients,
            seconds,
        })) => {
            let database = Database::open(&config).await?;
            let options = bench::api::ApiBenchOptions {
                shipments,
                baseline_shipments,
                organizations: organizations.max(2),
                clients: clients.max(1),
                seconds: seconds.max(1),
                pool_size: config.db_pool_size,
            };
            let result = bench::api::run(database.url(), &options).await;
            database.close().await?;
            result
        }
        Some(Command::Bench(BenchCommand::Web {
            shipments,
            organizations,
            requests,
        })) => {
            let database = Database::open(&config).await?;
            let options = bench::web::WebBenchOptions {
                shipments,
                organizations: organizations.max(2),
                requests: requests.max(1),
                pool_size: config.db_pool_size,
            };
            let result = bench::web::run(database.url(), &options).await;
            database.close().await?;
            result
        }
        Some(Command::Bench(BenchCommand::Upload {
            size_mb,
            concurrency,
        })) => {
            let storage = crate::storage::Storage::open(&config.storage)?;
            let options = bench::upload::UploadBenchOptions {
                size_bytes: size_mb.max(1) * 1_000_000,
                concurrency,
            };
            let database = Database::open(&config).await?;
            let result = bench::upload::run(database.url(), storage, &options).await;
            database.close().await?;
            result
        }
        Some(Command::Bench(BenchCommand::Webhooks {
            events,
            clients,
            shipments,
            followers,
            json,
        })) => {
            let database = Database::open(&config).await?;
            let options = bench::webhooks::WebhookBenchOptions {
                events: events.max(1),
                clients: clients.max(1),
                shipments: shipments.max(1),
                pool_size: config.db_pool_size,
                followers,
                json,
            };
            let result = bench::webhooks::run(database.url(), &options).await;
            database.close().await?;
            result
        }
        Some(Command::Bench(BenchCommand::Refresh {
            shipments,
            instances,
            concurrency,
            poll_ms,
            rate_per_minute,
            followers,
            json,
        })) => {
            let database = Database::open(&config).await?;
            let options = bench::refresh::RefreshBenchOptions {
                shipments: shipments.max(1),
                instances: instances.max(1),
                concurrency: concurrency.max(1),
                poll: std::time::Duration::from_millis(poll_ms.max(1)),
                rate_per_minute: rate_per_minute.max(1),
                pool_size: config.db_pool_size,
                followers,
                json,
            };
            let result = bench::refresh::run(database.url(), &options).await;
            database.close().await?;
            result
        }
        Some(Command::Documents(DocumentsCommand::ExpiryWarnings { days, json })) => {
            let database = Database::open(&config).await?;
            let result = expiry_warnings(&config, &database, days, json).await;
            database.close().await?;
            result
        }
        Some(Command::Documents(DocumentsCommand::ImportFiles { from, json })) => {
            let database = Database::open(&config).await?;
            let storage = crate::storage::Storage::open(&config.storage)?;
            let folder = from.unwrap_or_else(|| config.upload_dir.clone());
            let result = async {
                let mut owner = sqlx::PgConnection::connect(database.url()).await?;
                let report =
                    crate::ops::import_files::import(&mut owner, &storage, &folder).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    println!("{}", report.to_text());
                }
                anyhow::Ok(())
            }
            .await;
            database.close().await?;
            result
        }
        Some(Command::Seed(command)) => {
            let database = Database::open(&config).await?;
            let result = run_seed(&database, command).await;
            database.close().await?;
            result
        }
        Some(Command::Cluster(command)) => run_cluster(&config, command).await,
    }
}

/// `tracehub` alone: the managed (or configured) database, upgraded to head, then serve.
async fn run_default(config: &Config) -> Result<()> {
    let database = Database::open(config).await?;
    let result = async {
        let mut conn = sqlx::PgConnection::connect(database.url()).await?;
        if revisions::current(&mut conn).await?.is_none() {
            // First start on an empty database: the demo world, migrated to head.
            seed::demo(database.url(), None).await?;
        } else {
            Migrator::new(database.url(), Options::default(), &revisions::Quiet)
                .upgrade(None)
                .await?;
        }
        print_demo_logins();
        serve(&database, config, config.bind).await
    }
    .await;
    database.close().await?;
    result
}

async fn run_migrate(
    database: &Database,
    options: &migrate::MigrateOptions,
    yes: bool,
) -> Result<()> {
    confirm(
        "This migrates the database to multi-tenancy (revision 003 and later).",
        "migrate",
        yes,
    )?;
    let narrator = migrate::ConsoleNarrator::new();
    let outcome = migrate::run(database.url(), options, &narrator).await?;
    print!("{}", migrate::summary(&outcome));
    Ok(())
}

/// Asks for a typed "yes" on a terminal; without one, `--yes` is required.
fn confirm(what: &str, command: &str, yes: bool) -> Result<()> {
    use std::io::{BufRead, IsTerminal, Write};
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("`tracehub {command}` changes the database and there is no terminal to ask on: re-run with --yes");
    }
    print!("{what} Type yes to continue: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        anyhow::bail!("cancelled: nothing was changed");
    }
    Ok(())
}

async fn run_seed(database: &Database, command: SeedCommand) -> Result<()> {
    match command {
        SeedCommand::Demo { at_revision } => {
            match seed::demo(database.url(), at_revision.as_deref()).await? {
                seed::Seeded::Created => println!("demo data created"),
                seed::Seeded::AlreadyThere => println!("demo data already present"),
            }
            print_demo_logins();
        }
        SeedCommand::Synthetic {
            shipments,
            at_revision,
        } => {
            let started = std::time::Instant::now();
            seed::synthetic(database.url(), shipments, at_revision.as_deref()).await?;
            println!(
                "synthetic data for {shipments} shipments created in {:.1?}",
                started.elapsed()
            );
        }
    }
    let mut conn = database.pool().await?.acquire().await?;
    println!("{}", schema::current_report(&mut conn).await?);
    Ok(())
}

fn print_demo_logins() {
    println!("demo logins (password: {}):", seed::DEMO_PASSWORD);
    for (email, role) in seed::DEMO_USERS {
        println!("  {email:<24} {role}");
    }
}

async fn serve(database: &Database, config: &Config, bind: std::net::SocketAddr) -> Result<()> {
    // Configuration a production server refuses to start without, before anything connects.
    let secret = config.server_jwt_secret()?;
    let public_url = config.server_public_url(bind)?;
    let pool = match &config.app_database_url {
        Some(app_url) => {
            AppPool::connect_as(app_url, config.db_pool_size, config.db_acquire_timeout).await
        }
        None => {
            AppPool::connect(
                database.url(),
                config.db_pool_size,
                config.db_acquire_timeout,
            )
            .await
        }
    }
    .context("logging in as the application role (is the database at revision 007 or later?)")?;
    let dummy_hashes = failed_login_padding(database).await?;
    let storage = crate::storage::Storage::open(&config.storage)?;
    tracing::info!(storage = storage.description(), "documents are stored in");
    let mailer = match &config.smtp_url {
        Some(url) => {
            let mailer =
                crate::mail::Mailer::new(url, config.smtp_from.as_deref(), public_url.as_str())?;
            tracing::info!("notifications are e-mailed (SMTP_URL)");
            Some(Arc::new(mailer))
        }
        None => None,
    };
    let pool = pool.with_email(mailer.is_some());
    let tracker = config.tracking.build()?.map(|provider| {
        tracing::info!(provider = provider.name(), "container tracking");
        Arc::new(crate::tracking::refresh::Tracker::new(
            pool.clone(),
            provider,
            config.tracking.rate_per_minute,
        ))
    });
    if tracker.is_none() {
        tracing::info!("container tracking is off (TRACKING_PROVIDER=off)");
    }
    tokio::spawn(
        crate::jobs::background(
            pool.clone(),
            tracker.clone(),
            chrono::Duration::minutes(config.tracking.refresh_minutes.into()),
            mailer,
            crate::jobs::Timing::default(),
        )
        .run(),
    );
    let mut state = crate::http::AppState::with_jwt_secret(pool, &secret)
        .with_storage(storage, config.max_upload_bytes)
        .with_public_url(public_url)
        .with_dummy_hashes(dummy_hashes)
        .with_cors_origins(config.cors_origins.clone())
        .with_exposure(config.exposure.clone())
        .with_trusted_proxies(config.trusted_proxies.clone())
        .with_webhooks(config.webhooks.clone())
        .with_secure_cookies(config.production);
    if let Some(tracker) = tracker {
        state = state.with_tracker(tracker);
    }
    if config.exposure.metrics == crate::config::MetricsAccess::Off {
        tracing::warn!("/metrics is not served: set METRICS_TOKEN to scrape it (production)");
    }
    crate::http::bind_and_serve(state, bind).await
}

/// The hashes failed logins are padded with, from the hashes stored now (as the owner: the
/// application role cannot read every account). A bcrypt hash written later (by the old
/// application during the rollout) is padded for after the next restart.
async fn failed_login_padding(database: &Database) -> Result<crate::auth::password::DummyHashes> {
    let owner = database.pool().await?;
    let cost = crate::db::sessions::legacy_bcrypt_cost(&owner).await;
    owner.close().await;
    let cost = cost.context("reading which password hashes are stored")?;
    if let Some(cost) = cost {
        tracing::info!(
            cost,
            "predecessor bcrypt hashes remain: failed logins also verify a bcrypt hash"
        );
    }
    crate::auth::password::run_limited(move || {
        crate::auth::password::DummyHashes::for_legacy_cost(cost)
    })
    .await?
}

async fn run_db(database: &Database, command: DbCommand) -> Result<()> {
    let pool = database.pool().await?;
    let mut conn = pool.acquire().await?;
    match command {
        DbCommand::Current => println!("{}", schema::current_report(&mut conn).await?),
        DbCommand::History => {
            let current = revisions::current(&mut conn).await?;
            print!("{}", schema::history_report(current));
        }
        DbCommand::Upgrade { revision } => {
            let target = revisions::find(&revision)?;
            let timings = Migrator::new(database.url(), Options::default(), &revisions::Quiet)
                .upgrade(Some(target.id))
                .await?;
            for t in &timings {
                println!("upgraded to {} in {:.2?}", t.revision.id, t.elapsed);
            }
            println!("{}", schema::current_report(&mut conn).await?);
        }
        DbCommand::Downgrade {
            revision,
            allow_data_loss,
        } => {
            let options = Options {
                allow_data_loss,
                ..Options::default()
            };
            let timings = Migrator::new(database.url(), options, &revisions::Quiet)
                .downgrade(&revision)
                .await?;
            for t in &timings {
                println!("undid {} in {:.2?}", t.revision.id, t.elapsed);
            }
            println!("{}", schema::current_report(&mut conn).await?);
        }
        DbCommand::Verify { json } => {
            let report = verify::verify(&mut conn).await;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.to_text());
            }
            if !report.passed {
                anyhow::bail!("verification failed");
            }
        }
    }
    Ok(())
}

async fn run_cluster(config: &Config, command: ClusterCommand) -> Result<()> {
    use crate::db::cluster::{ClusterOptions, ManagedCluster};
    let cluster = ManagedCluster::locate(&ClusterOptions {
        dir: config.data_dir.clone(),
        ephemeral: false,
    })?;
    let folder: PathBuf = cluster.root().to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<()> {
        match command {
            ClusterCommand::Start => {
                let running = cluster.ensure_running()?;
                println!(
                    "managed PostgreSQL cluster in {} listens on 127.0.0.1:{}",
                    folder.display(),
                    running.port
                );
            }
            ClusterCommand::Stop => {
                cluster.stop()?;
                println!(
                    "managed PostgreSQL cluster in {} is stopped",
                    folder.display()
                );
            }
            ClusterCommand::Status => match cluster.running_port()? {
                Some(port) => println!("running on 127.0.0.1:{port} ({})", folder.display()),
                None => println!("stopped ({})", folder.display()),
            },
        }
        Ok(())
    })
    .await?
}

/// `tracehub documents expiry-warnings`: as the application role, like the daily job.
async fn expiry_warnings(
    config: &Config,
    database: &Database,
    days: u32,
    json: bool,
) -> Result<()> {
    let pool = match &config.app_database_url {
        Some(app_url) => AppPool::connect_as(app_url, 2, config.db_acquire_timeout).await,
        None => AppPool::connect(database.url(), 2, config.db_acquire_timeout).await,
    }
    .context("logging in as the application role")?;
    let today = chrono::Utc::now().date_naive();
    let run = crate::ops::expiry_warnings::send(&pool, today, days).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&run)?);
    } else {
        println!("{}", run.to_text());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_operators_forms() {
        let cli = Cli::try_parse_from(["tracehub", "db", "upgrade"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Db(DbCommand::Upgrade { ref revision })) if revision == "head"
        ));
        let cli = Cli::try_parse_from(["tracehub", "db", "downgrade", "002", "--allow-data-loss"])
            .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Db(DbCommand::Downgrade {
                allow_data_loss: true,
                ..
            }))
        ));
        assert!(Cli::try_parse_from(["tracehub", "db", "downgrade"]).is_err());
        assert!(Cli::try_parse_from(["tracehub"]).unwrap().command.is_none());
    }
}
