//! `create_backup`: a pg_dump archive plus a manifest that describes exactly its contents.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use sqlx::{Connection, PgConnection};

use super::client::{self, ClientEnv};
use super::files::{self, FilesMode};
use super::manifest::{self, DumpFile, Manifest, ToolInfo, MANIFEST_FORMAT, MANIFEST_VERSION};
use super::server;
use super::{blocking, verify_backup, Backup};
use crate::db::tools::find_client_tool;
use crate::ops::checksum::{RowHash, TableChecksum};
use crate::storage::StorageConfig;

/// What the dump's snapshot showed, read in the same transaction as the dump.
struct SnapshotFacts {
    database: String,
    server_version: String,
    revision: Option<String>,
    tables: Vec<TableChecksum>,
    /// `documents.storage_key` and `content_sha256` of the rows with a stored file.
    stored: Vec<(String, Option<String>)>,
}

/// Where the stored document files are, and whether to copy them into the backup.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    pub storage: StorageConfig,
    pub files: FilesMode,
}

impl BackupOptions {
    /// The storage the environment configures (`UPLOAD_DIR`, `STORAGE_URL`, `AWS_*`), files
    /// copied.
    pub fn from_env() -> Result<Self> {
        Ok(Self {
            storage: crate::config::storage_from_env()?,
            files: FilesMode::Copy,
        })
    }
}

/// Writes `<dir>/tracehub_<label>_<YYYYMMDD_HHMMSS>.dump` and its manifest, then verifies the
/// pair by restoring it into a scratch database. A failed verification deletes nothing.
/// The stored document files come from the storage the environment configures, copied.
pub async fn create_backup(url: &str, dir: &Path, label: &str) -> Result<Backup> {
    create_backup_with(url, dir, label, &BackupOptions::from_env()?).await
}

/// [`create_backup`] with the stored files read from `options.storage` and copied into
/// `<stem>.files/<key>` beside the dump (or, `FilesMode::Reference`, only listed).
pub async fn create_backup_with(
    url: &str,
    dir: &Path,
    label: &str,
    options: &BackupOptions,
) -> Result<Backup> {
    check_label(label)?;
    let env = ClientEnv::from_url(url)?;
    let mut conn = server::connect(url, env.database()).await?;
    let major = server::server_major(&mut conn).await?;
    let pg_dump = find_client_tool("pg_dump", major)?;
    prepare_dir(dir)?;

    let started = Utc::now();
    let stem = format!("tracehub_{label}_{}", started.format("%Y%m%d_%H%M%S"));
    let dump_path = dir.join(format!("{stem}.dump"));
    let manifest_path = manifest::manifest_path_for(&dump_path);
    for path in [&dump_path, &manifest_path, &files::folder_for(&dump_path)] {
        if path.exists() {
            bail!(
                "{} already exists; wait a second or use another label",
                path.display()
            );
        }
    }

    let clock = Instant::now();
    let facts = dump_to_file(&mut conn, &pg_dump, &env, &dump_path).await?;
    conn.close().await.ok();
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        "backup: dump and source checksums"
    );
    let clock = Instant::now();
    let (bytes, sha256) = {
        let path = dump_path.clone();
        blocking(move || manifest::file_digest(&path)).await?
    };
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        bytes,
        "backup: SHA-256 of the dump"
    );
    let clock = Instant::now();
    let stored =
        match files::back_up(&facts.stored, &options.storage, options.files, &dump_path).await {
            Ok(stored) => stored,
            Err(e) => {
                let _ = fs::remove_file(&dump_path);
                return Err(e.context("the backup was not written"));
            }
        };
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        files = stored.count,
        bytes = stored.bytes,
        "backup: stored files"
    );
    for problem in stored.problems() {
        tracing::warn!("backup: {problem}");
    }
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_string(),
        format_version: MANIFEST_VERSION,
        tool: ToolInfo {
            name: "tracehub".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        created_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        database: facts.database,
        server_version: facts.server_version,
        schema_revision: facts.revision,
        pg_dump: client::version_line(&pg_dump).await?,
        dump: DumpFile {
            file: format!("{stem}.dump"),
            bytes,
            sha256,
        },
        tables: facts.tables,
        documents: blocking(manifest::documents_info).await?,
        stored_files: Some(stored),
    };
    manifest::write_manifest(&manifest_path, &manifest)?;

    verify_backup(url, &dump_path).await.with_context(|| {
        format!(
            "the backup {} was written but does not verify (nothing was deleted)",
            dump_path.display()
        )
    })?;
    Ok(Backup {
        dump_path,
        manifest_path,
        manifest,
    })
}

/// Labels become part of file names: keep them to letters, digits, `-` and `_`.
fn check_label(label: &str) -> Result<()> {
    let valid = !label.is_empty()
        && label.len() <= 64
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        bail!("backup label {label:?} must be 1-64 letters, digits, '-' or '_'");
    }
    Ok(())
}

/// Creates the backup folder (owner-only when we create it: it will hold password hashes).
fn prepare_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating backup folder {}", dir.display()))
}

/// Runs pg_dump into `<dump>.partial` inside an exported snapshot and renames the file when
/// complete; on failure the partial file is removed.
async fn dump_to_file(
    conn: &mut PgConnection,
    pg_dump: &Path,
    env: &ClientEnv,
    dump_path: &Path,
) -> Result<SnapshotFacts> {
    let partial = manifest::partial_path(dump_path);
    let result = async {
        manifest::create_private(&partial)?;
        let facts = dump_in_snapshot(conn, pg_dump, env, &partial).await?;
        manifest::finish_file(&partial, dump_path)?;
        Ok(facts)
    }
    .await;
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

/// The heart of consistency under live traffic: one REPEATABLE READ transaction exports its
/// snapshot, pg_dump imports it, and the checksums are computed in that same transaction
/// while it stays open, so the manifest describes exactly the rows the dump holds.
async fn dump_in_snapshot(
    conn: &mut PgConnection,
    pg_dump: &Path,
    env: &ClientEnv,
    file: &Path,
) -> Result<SnapshotFacts> {
    sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *conn)
        .await
        .context("starting the snapshot transaction")?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *conn)
        .await
        .context("exporting the snapshot")?;
    let snapshot_arg = format!("--snapshot={snapshot}");
    let mut file_arg = OsString::from("--file=");
    file_arg.push(file);
    let args: [&OsStr; 6] = [
        OsStr::new("--format=custom"),
        // gzip level 1: on the benchmark data half the time of the default level 6 for a
        // fifth more bytes; no compression would write six times as many (and hash and read
        // them twice more).
        OsStr::new("--compress=1"),
        OsStr::new("--no-password"),
        // Waiting behind a migration's exclusive lock forever helps nobody.
        OsStr::new("--lock-wait-timeout=120s"),
        OsStr::new(&snapshot_arg),
        &file_arg,
    ];
    let dump = client::run(client::command(pg_dump, &args, env), "pg_dump");
    let (_, facts) = tokio::try_join!(dump, snapshot_facts(conn))?;
    // The transaction only read; ending it releases the snapshot.
    sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
    Ok(facts)
}

async fn snapshot_facts(conn: &mut PgConnection) -> Result<SnapshotFacts> {
    let (database, server_version): (String, String) =
        sqlx::query_as("SELECT current_database()::text, current_setting('server_version')")
            .fetch_one(&mut *conn)
            .await?;
    let revision = server::schema_revision(conn).await?;
    let clock = Instant::now();
    let tables = server::all_checksums(conn, RowHash::CURRENT).await?;
    let stored = files::stored_keys(conn).await?;
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        "backup: source checksums"
    );
    Ok(SnapshotFacts {
        database,
        server_version,
        revision,
        tables,
        stored,
    })
}

#[cfg(test)]
mod tests {
    use super::check_label;

    #[test]
    fn labels_are_file_name_safe() {
        assert!(check_label("pre_sprint8").is_ok());
        assert!(check_label("nightly-2").is_ok());
        for bad in ["", "../x", "a b", "x/y", "é"] {
            assert!(check_label(bad).is_err(), "{bad}");
        }
    }
}
