//! `verify_backup`: proves a dump restores to exactly what its manifest promises.

use std::ffi::OsStr;
use std::path::Path;

use anyhow::{bail, Context, Result};
use sqlx::Connection;

use super::client::{self, ClientEnv};
use super::manifest::{self, Manifest};
use super::server;
use super::{blocking, VerifyReport};
use crate::db::tools::find_client_tool;
use crate::ops::checksum::TableChecksum;

/// Checks the file against its manifest, restores it into a scratch database
/// `tracehub_verify_<random>` on the server of `url`, and compares every table. The scratch
/// database is dropped whatever happens.
pub async fn verify_backup(url: &str, dump: &Path) -> Result<VerifyReport> {
    let (manifest, tables) = verify_dump(url, dump).await?;
    let total_rows = tables.iter().map(|t| t.rows).sum();
    Ok(VerifyReport {
        dump_path: dump.to_path_buf(),
        manifest,
        tables,
        total_rows,
    })
}

async fn verify_dump(url: &str, dump: &Path) -> Result<(Manifest, Vec<TableChecksum>)> {
    if !dump.is_file() {
        bail!("backup file {} does not exist", dump.display());
    }
    let manifest = manifest::read_manifest(dump)?;
    let manifest = {
        let dump = dump.to_path_buf();
        blocking(move || manifest::check_dump_file(&dump, &manifest).map(|()| manifest)).await?
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

    let outcome = restore_and_check(
        &pg_restore,
        url,
        &env.for_database(&scratch),
        dump,
        &manifest,
    )
    .await
    .map(|tables| (manifest, tables));
    let dropped = server::drop_database(&mut admin, &scratch).await;
    admin.close().await.ok();
    let result = outcome.with_context(|| format!("verifying {}", dump.display()))?;
    dropped.context("the backup verified, but the scratch database could not be dropped")?;
    Ok(result)
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
    pg_restore_into(pg_restore, env, dump).await?;
    let database = env.database();
    let mut conn = server::connect(&server::url_for_database(url, database)?, database).await?;
    let tables = server::all_checksums(&mut conn).await?;
    conn.close().await.ok();
    compare_tables(&manifest.tables, &tables)
        .context("the restored copy does not match the manifest")?;
    Ok(tables)
}

/// pg_restore, stopping at the first error; objects become the connecting user's, the
/// dump's GRANTs are kept.
pub(crate) async fn pg_restore_into(pg_restore: &Path, env: &ClientEnv, dump: &Path) -> Result<()> {
    let dbname = format!("--dbname={}", env.dbname_conninfo());
    let args: [&OsStr; 5] = [
        OsStr::new("--exit-on-error"),
        OsStr::new("--no-owner"),
        OsStr::new("--no-password"),
        OsStr::new(&dbname),
        dump.as_os_str(),
    ];
    client::run(client::command(pg_restore, &args, env), "pg_restore")
        .await
        .with_context(|| format!("restoring into database {}", env.database()))
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
