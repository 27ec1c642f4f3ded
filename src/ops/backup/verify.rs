//! `verify_backup`: proves a dump restores to exactly what its manifest promises.

use std::ffi::OsStr;
use std::future::Future;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sqlx::Connection;

use super::client::{self, ClientEnv};
use super::files;
use super::manifest::{self, Manifest};
use super::server;
use super::{blocking, VerifyReport};
use crate::db::tools::find_client_tool;
use crate::ops::checksum::TableChecksum;

/// Checks the file against its manifest, restores it into a scratch database
/// `tracehub_verify_<random>` on the server of `url`, and compares every table. The scratch
/// database is dropped whatever happens.
pub async fn verify_backup(url: &str, dump: &Path) -> Result<VerifyReport> {
    let (manifest, tables, (files_checked, files_bytes)) = verify_dump(url, dump).await?;
    let total_rows = tables.iter().map(|t| t.rows).sum();
    Ok(VerifyReport {
        dump_path: dump.to_path_buf(),
        manifest,
        tables,
        total_rows,
        files_checked,
        files_bytes,
    })
}

async fn verify_dump(url: &str, dump: &Path) -> Result<(Manifest, Vec<TableChecksum>, (u64, u64))> {
    if !dump.is_file() {
        bail!("backup file {} does not exist", dump.display());
    }
    let manifest = manifest::read_manifest(dump)?;
    let manifest = {
        let dump = dump.to_path_buf();
        blocking(move || manifest::check_dump_header(&dump, &manifest).map(|()| manifest)).await?
    };
    // The stored files' copies first: a missing or damaged one is named before any database
    // work (and, for a restore, before the database is touched).
    let files_checked = match manifest.stored_files.clone() {
        Some(stored) => {
            let path = dump.to_path_buf();
            blocking(move || files::check_copies(&path, &stored))
                .await
                .with_context(|| format!("verifying {}", dump.display()))?
        }
        None => (0, 0),
    };

    let env = ClientEnv::from_url(url)?;
    let mut admin = server::connect_maintenance(url).await?;
    let major = server::server_major(&mut admin).await?;
    let pg_restore = find_client_tool("pg_restore", major)?;
    let scratch = format!(
        "tracehub_verify_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    server::create_database_like(&mut admin, &scratch, env.database()).await?;

    // Hashing the file and restoring it overlap; the restore is only trusted (and a damaged
    // file only reported as damaged, whatever pg_restore made of it) once the hash matched.
    let digest = {
        let (dump, manifest) = (dump.to_path_buf(), manifest.clone());
        async move {
            let clock = Instant::now();
            blocking(move || manifest::check_dump_digest(&dump, &manifest)).await?;
            tracing::info!(
                seconds = clock.elapsed().as_secs_f64(),
                "verify: SHA-256 of the dump"
            );
            Ok::<(), anyhow::Error>(())
        }
    };
    let scratch_env = env.for_database(&scratch);
    let restored = restore_and_check(&pg_restore, url, &scratch_env, dump, &manifest);
    let outcome = first_the_digest(digest, restored)
        .await
        .map(|tables| (manifest, tables, files_checked));
    let clock = Instant::now();
    let dropped = server::drop_database(&mut admin, &scratch).await;
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        "verify: dropping the scratch database"
    );
    admin.close().await.ok();
    let result = outcome.with_context(|| format!("verifying {}", dump.display()))?;
    dropped.context("the backup verified, but the scratch database could not be dropped")?;
    Ok(result)
}

/// Runs both futures at once; a failed `digest` wins over whatever `work` gave (and stops
/// `work` if it is still running: its programs are killed when dropped).
async fn first_the_digest<T>(
    digest: impl Future<Output = Result<()>>,
    work: impl Future<Output = Result<T>>,
) -> Result<T> {
    tokio::pin!(digest, work);
    tokio::select! {
        checked = &mut digest => {
            checked?;
            work.await
        }
        done = &mut work => {
            digest.await?;
            done
        }
    }
}

/// Restores `dump` into the (empty) database of `env` and compares it with the manifest.
/// Returns the restored tables.
pub(crate) async fn restore_and_check(
    pg_restore: &Path,
    url: &str,
    env: &ClientEnv,
    dump: &Path,
    manifest: &Manifest,
) -> Result<Vec<TableChecksum>> {
    let clock = Instant::now();
    pg_restore_into(pg_restore, env, dump).await?;
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        "verify: pg_restore"
    );
    let clock = Instant::now();
    let database = env.database();
    let mut conn = server::connect(&server::url_for_database(url, database)?, database).await?;
    let tables = server::all_checksums(&mut conn, manifest.row_hash()).await?;
    conn.close().await.ok();
    tracing::info!(
        seconds = clock.elapsed().as_secs_f64(),
        "verify: checksums of the copy"
    );
    compare_tables(&manifest.tables, &tables)
        .context("the restored copy does not match the manifest")?;
    Ok(tables)
}

/// pg_restore, stopping at the first error; objects become the connecting user's, the
/// dump's GRANTs are kept. Table data and then indexes and constraints are loaded on
/// [`restore_jobs`] connections at once (the archive is a file, so pg_restore can seek).
pub(crate) async fn pg_restore_into(pg_restore: &Path, env: &ClientEnv, dump: &Path) -> Result<()> {
    let dbname = format!("--dbname={}", env.dbname_conninfo());
    let jobs = format!("--jobs={}", restore_jobs());
    let args: [&OsStr; 6] = [
        OsStr::new("--exit-on-error"),
        OsStr::new(&jobs),
        OsStr::new("--no-owner"),
        OsStr::new("--no-password"),
        OsStr::new(&dbname),
        dump.as_os_str(),
    ];
    client::run(client::command(pg_restore, &args, env), "pg_restore")
        .await
        .with_context(|| format!("restoring into database {}", env.database()))
}

/// Parallel pg_restore jobs: one per core of this machine, at least 2 (a server's work
/// overlaps its waits for the disk) and at most 4 (the server may be smaller than us).
fn restore_jobs() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4)
}

/// Every table with the same rows and checksum, no table missing or added.
pub(crate) fn compare_tables(expected: &[TableChecksum], actual: &[TableChecksum]) -> Result<()> {
    let mut differences = Vec::new();
    for want in expected {
        match actual.iter().find(|t| t.table == want.table) {
            None => differences.push(format!("table {} is missing", want.table)),
            Some(got) if got.rows != want.rows => differences.push(format!(
                "table {} has {} rows (manifest: {})",
                want.table, got.rows, want.rows
            )),
            Some(got) if got.checksum != want.checksum => differences.push(format!(
                "table {} has checksum {} (manifest: {})",
                want.table, got.checksum, want.checksum
            )),
            Some(_) => {}
        }
    }
    for got in actual {
        if !expected.iter().any(|t| t.table == got.table) {
            differences.push(format!("table {} is not in the manifest", got.table));
        }
    }
    if differences.is_empty() {
        return Ok(());
    }
    let shown = differences.len().min(5);
    let mut message = differences[..shown].join("; ");
    if differences.len() > shown {
        message += &format!("; and {} more", differences.len() - shown);
    }
    bail!("{message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(table: &str, rows: i64, checksum: &str) -> TableChecksum {
        TableChecksum {
            table: table.to_string(),
            rows,
            checksum: checksum.to_string(),
        }
    }

    #[tokio::test]
    async fn a_bad_digest_wins_over_the_work() {
        use std::time::Duration;
        let late = |ms| tokio::time::sleep(Duration::from_millis(ms));
        let bad = |ms| async move {
            late(ms).await;
            Err::<(), _>(anyhow::anyhow!("SHA-256 mismatch"))
        };
        let good = |ms| async move {
            late(ms).await;
            Ok(())
        };
        let failing_work = |ms| async move {
            late(ms).await;
            Err::<u8, _>(anyhow::anyhow!("pg_restore failed"))
        };
        // The work fails first (a damaged file confuses pg_restore): the digest still decides.
        let err = first_the_digest(bad(50), failing_work(0))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "SHA-256 mismatch");
        // A bad digest stops work that would otherwise run on.
        let err = first_the_digest(bad(0), async {
            late(60_000).await;
            Ok(1u8)
        })
        .await
        .unwrap_err();
        assert_eq!(err.to_string(), "SHA-256 mismatch");
        // A good digest: the work's own outcome, either way round.
        let err = first_the_digest(good(0), failing_work(20))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "pg_restore failed");
        assert_eq!(
            first_the_digest(good(20), async { Ok(7u8) }).await.unwrap(),
            7
        );
    }

    #[test]
    fn comparison_names_every_kind_of_difference() {
        let expected = [sum("a", 1, "1"), sum("b", 2, "2"), sum("c", 3, "3")];
        assert!(compare_tables(&expected, &expected).is_ok());
        let actual = [sum("a", 1, "9"), sum("b", 1, "2"), sum("d", 0, "0")];
        let err = compare_tables(&expected, &actual).unwrap_err().to_string();
        assert!(
            err.contains("table a has checksum 9 (manifest: 1)"),
            "{err}"
        );
        assert!(err.contains("table b has 1 rows (manifest: 2)"), "{err}");
        assert!(err.contains("table c is missing"), "{err}");
        assert!(err.contains("table d is not in the manifest"), "{err}");
    }
}
