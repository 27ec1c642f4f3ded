//! `restore`: replaces a database with a verified backup, keeping the old one.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::Utc;
use sqlx::Connection;

use super::client::ClientEnv;
use super::files::{self, FilesMode, FilesRestored};
use super::manifest::Manifest;
use super::server;
use super::verify::restore_and_check;
use super::{create_backup_with, verify_backup, BackupOptions, RestoreReport};
use crate::db::tools::find_client_tool;
use crate::ops::checksum::TableChecksum;
use crate::storage::StorageConfig;

/// What the fresh database holds once loaded and checked.
struct Loaded {
    revision: Option<String>,
    tables: Vec<TableChecksum>,
}

/// Verifies `dump`, takes a safety backup of the current database into `safety_dir`,
/// restores into a fresh database, checks it against the manifest, and only then swaps it in.
/// Nothing is dropped: the previous database stays under `<db>_pre_restore_<ts>`.
/// The stored files go back into the storage the environment configures.
pub async fn restore(url: &str, dump: &Path, safety_dir: &Path) -> Result<RestoreReport> {
    let storage = crate::config::storage_from_env()?;
    restore_with(url, dump, safety_dir, &storage).await
}

/// [`restore`] with the stored files put back into `storage` (which need not be the one
/// backed up: a local folder's files can go to a bucket). The safety backup copies the
/// current stored files of `storage`. Files are put back before the swap: a failure there
/// leaves the database untouched.
pub async fn restore_with(
    url: &str,
    dump: &Path,
    safety_dir: &Path,
    storage: &StorageConfig,
) -> Result<RestoreReport> {
    let verified = verify_backup(url, dump)
        .await
        .context("refusing to restore: the backup does not verify (the database is untouched)")?;
    let env = ClientEnv::from_url(url)?;
    let target = env.database().to_string();
    let mut admin = server::connect_maintenance(url).await?;
    let major = server::server_major(&mut admin).await?;
    let pg_restore = find_client_tool("pg_restore", major)?;

    let exists = server::database_exists(&mut admin, &target).await?;
    let mut notes = Vec::new();
    let safety_backup = if !exists {
        notes.push(format!(
            "database {target} did not exist: no safety backup, nothing to keep"
        ));
        None
    } else if current_is_empty(url, &target).await? {
        notes.push(format!(
            "no safety backup: database {target} had no tables at all"
        ));
        None
    } else {
        let options = BackupOptions {
            storage: storage.clone(),
            files: FilesMode::Copy,
        };
        let backup = create_backup_with(url, safety_dir, "pre_restore", &options)
            .await
            .context("taking the safety backup before restoring (the database is untouched)")?;
        Some(backup.dump_path)
    };

    let files = match &verified.manifest.stored_files {
        Some(stored) => files::put_back(dump, stored, storage)
            .await
            .context("putting back the stored files (the database is untouched)")?,
        None => FilesRestored::default(),
    };

    let stamp = Utc::now().format("%Y%m%d_%H%M%S").to_string();
    let fresh = server::derived_name(&target, &format!("_restore_{stamp}"));
    let old = server::derived_name(&target, &format!("_pre_restore_{stamp}"));
    server::ensure_absent(&mut admin, &fresh).await?;
    server::ensure_absent(&mut admin, &old).await?;
    server::create_database_like(&mut admin, &fresh, &target).await?;

    let loaded = load_fresh(
        &pg_restore,
        url,
        &env.for_database(&fresh),
        dump,
        &verified.manifest,
    )
    .await;
    let swapped = match loaded {
        Ok(loaded) => swap_in(
            &mut admin,
            major,
            &target,
            &fresh,
            exists.then_some(old.as_str()),
        )
        .await
        .map(|()| loaded),
        Err(e) => Err(e),
    };
    let loaded = match swapped {
        Ok(loaded) => loaded,
        Err(e) => {
            // Nothing was renamed: drop the half-done copy, the current database is untouched.
            let dropped = server::drop_database(&mut admin, &fresh).await;
            let e = e.context(format!(
                "restore failed before the swap; {target} is untouched"
            ));
            return Err(match dropped {
                Ok(()) => e,
                Err(drop_error) => e.context(format!(
                    "also, the partial database {fresh} could not be dropped ({drop_error:#})"
                )),
            });
        }
    };
    admin.close().await.ok();

    Ok(RestoreReport {
        dump_path: dump.to_path_buf(),
        database: target,
        safety_backup,
        restored_revision: loaded.revision,
        old_database: exists.then_some(old),
        tables: loaded.tables.len(),
        total_rows: loaded.tables.iter().map(|t| t.rows).sum(),
        files,
        notes,
    })
}

async fn current_is_empty(url: &str, database: &str) -> Result<bool> {
    let mut conn = server::connect(url, database).await?;
    let count = server::user_table_count(&mut conn).await?;
    conn.close().await.ok();
    Ok(count == 0)
}

/// pg_restore into the fresh database, the manifest check once more, and statistics.
async fn load_fresh(
    pg_restore: &Path,
    url: &str,
    env: &ClientEnv,
    dump: &Path,
    manifest: &Manifest,
) -> Result<Loaded> {
    let tables = restore_and_check(pg_restore, url, env, dump, manifest).await?;
    let database = env.database();
    let mut conn = server::connect(&server::url_for_database(url, database)?, database).await?;
    // pg_restore leaves no planner statistics; without them the first queries after the
    // swap would run blind until autovacuum gets round to it.
    sqlx::raw_sql("ANALYZE")
        .execute(&mut conn)
        .await
        .with_context(|| format!("analyzing {database}"))?;
    let revision = server::schema_revision(&mut conn).await?;
    conn.close().await.ok();
    Ok(Loaded { revision, tables })
}

async fn swap_in(
    admin: &mut sqlx::PgConnection,
    major: u32,
    target: &str,
    fresh: &str,
    old: Option<&str>,
) -> Result<()> {
    match old {
        Some(old) => server::swap_databases(admin, major, target, fresh, old).await,
        None => server::rename_database(admin, fresh, target).await,
    }
}
