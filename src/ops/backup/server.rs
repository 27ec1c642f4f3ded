//! Database-level work on the server: the maintenance connection, creating, dropping and
//! renaming databases, and naming the databases a restore leaves behind.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use sqlx::{Connection, PgConnection};

use crate::db::connect::quote_ident;
use crate::ops::checksum::{public_tables, table_checksums_using, RowHash, TableChecksum};

/// PostgreSQL truncates longer identifiers, which would make our names lie.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// SQLSTATE 55006: the database is being accessed by other users.
const OBJECT_IN_USE: &str = "55006";

/// `url` with its database replaced by `database` (`postgres` gives the maintenance URL,
/// from which databases can be created, dropped and renamed).
pub(crate) fn url_for_database(url: &str, database: &str) -> Result<String> {
    let mut parsed = url::Url::parse(url).context("the database URL is not a valid URL")?;
    parsed.set_path(database);
    // A `dbname` parameter would override the path; drop it, keep the rest (sslmode, …).
    let rest: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "dbname")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed.set_query(None);
    if !rest.is_empty() {
        parsed.query_pairs_mut().extend_pairs(rest);
    }
    Ok(parsed.to_string())
}

pub(crate) async fn connect(url: &str, database: &str) -> Result<PgConnection> {
    PgConnection::connect(url)
        .await
        .with_context(|| format!("connecting to database {database}"))
}

/// The maintenance connection (database `postgres` of the same server).
pub(crate) async fn connect_maintenance(url: &str) -> Result<PgConnection> {
    connect(
        &url_for_database(url, "postgres")?,
        "postgres (maintenance)",
    )
    .await
}

/// The server's major version (`server_version_num` 150012 → 15).
pub(crate) async fn server_major(conn: &mut PgConnection) -> Result<u32> {
    let num: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(conn)
        .await
        .context("reading the server version")?;
    let num: u32 = num
        .trim()
        .parse()
        .with_context(|| format!("unexpected server_version_num {num:?}"))?;
    Ok(num / 10000)
}

pub(crate) async fn database_exists(admin: &mut PgConnection, name: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(admin)
            .await?,
    )
}

/// Creates an empty database from `template0` (so nothing from `template1` collides with the
/// dump), with the encoding and locale of `like` when that database exists.
pub(crate) async fn create_database_like(
    admin: &mut PgConnection,
    name: &str,
    like: &str,
) -> Result<()> {
    // to_jsonb reads the locale columns under their names in any server version.
    let row: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT to_jsonb(d) - 'datacl' FROM pg_database d WHERE datname = $1")
            .bind(like)
            .fetch_optional(&mut *admin)
            .await?;
    let options = row.map(|r| locale_options(&r)).unwrap_or_default();
    sqlx::raw_sql(&format!(
        "CREATE DATABASE {} TEMPLATE template0{options}",
        quote_ident(name)
    ))
    .execute(admin)
    .await
    .with_context(|| format!("creating database {name}"))?;
    Ok(())
}

/// `ENCODING … LC_COLLATE … LC_CTYPE … [LOCALE_PROVIDER …]` copied from a pg_database row.
fn locale_options(row: &serde_json::Value) -> String {
    let text = |key: &str| {
        row.get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let mut sql = String::new();
    if let Some(encoding) = row.get("encoding").and_then(|v| v.as_i64()) {
        // CREATE DATABASE takes the encoding's number as well as its name.
        sql += &format!(" ENCODING {encoding}");
    }
    for (column, option) in [("datcollate", "LC_COLLATE"), ("datctype", "LC_CTYPE")] {
        if let Some(value) = text(column) {
            sql += &format!(" {option} {}", quote_literal(value));
        }
    }
    // Servers before 15 have no provider column; the `libc` default needs no option.
    let locale = text("datlocale").or_else(|| text("daticulocale"));
    match (text("datlocprovider"), locale) {
        (Some("i"), Some(locale)) => {
            sql += &format!(" LOCALE_PROVIDER icu ICU_LOCALE {}", quote_literal(locale));
            if let Some(rules) = text("daticurules") {
                sql += &format!(" ICU_RULES {}", quote_literal(rules));
            }
        }
        (Some("b"), Some(locale)) => {
            sql += &format!(
                " LOCALE_PROVIDER builtin BUILTIN_LOCALE {}",
                quote_literal(locale)
            );
        }
        _ => {}
    }
    sql
}

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Drops a database we created, even with sessions still attached.
pub(crate) async fn drop_database(admin: &mut PgConnection, name: &str) -> Result<()> {
    sqlx::raw_sql(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        quote_ident(name)
    ))
    .execute(admin)
    .await
    .with_context(|| format!("dropping database {name}"))?;
    Ok(())
}

/// `base` + `suffix`, shortening `base` so the whole stays a valid, untruncated identifier.
pub(crate) fn derived_name(base: &str, suffix: &str) -> String {
    let room = MAX_IDENTIFIER_BYTES.saturating_sub(suffix.len());
    let mut end = base.len().min(room);
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &base[..end])
}

/// Tables in any schema but the system ones: "no tables at all" means nothing to lose.
pub(crate) async fn user_table_count(conn: &mut PgConnection) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg_toast%'",
    )
    .fetch_one(conn)
    .await?)
}

/// The revision in `alembic_version`, or None without that table (or rows).
pub(crate) async fn schema_revision(conn: &mut PgConnection) -> Result<Option<String>> {
    let has_table: bool =
        sqlx::query_scalar("SELECT to_regclass('public.alembic_version') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    if !has_table {
        return Ok(None);
    }
    Ok(sqlx::query_scalar(
        "SELECT string_agg(version_num::text, ',' ORDER BY version_num) FROM alembic_version",
    )
    .fetch_one(conn)
    .await?)
}

/// Row counts and checksums of every public table, rows hashed with `hash`.
pub(crate) async fn all_checksums(
    conn: &mut PgConnection,
    hash: RowHash,
) -> Result<Vec<TableChecksum>> {
    let tables = public_tables(&mut *conn).await?;
    table_checksums_using(conn, &tables, &[], hash)
        .await
        .context("computing table checksums")
}

/// Swaps `fresh` in under the name `target`; the current `target` becomes `old`.
///
/// Both renames run in one transaction, so the swap happens completely or not at all. Other
/// sessions of `target` are terminated first (renaming needs it); a client that reconnects
/// in between makes the rename fail, so it is retried a few times.
pub(crate) async fn swap_databases(
    admin: &mut PgConnection,
    major: u32,
    target: &str,
    fresh: &str,
    old: &str,
) -> Result<()> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_swap(admin, major, target, fresh, old).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 10 && is_object_in_use(&e) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("swapping {fresh} in for {target} (after {attempt} attempts)")
                })
            }
        }
    }
}

async fn try_swap(
    admin: &mut PgConnection,
    major: u32,
    target: &str,
    fresh: &str,
    old: &str,
) -> Result<()> {
    let mut tx = admin.begin().await?;
    // Since PostgreSQL 14 the call can wait until the session has really gone.
    let terminate = if major >= 14 {
        "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()"
    } else {
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()"
    };
    let _: i64 = sqlx::query_scalar(terminate)
        .bind(target)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::raw_sql(&format!(
        "ALTER DATABASE {} RENAME TO {}; ALTER DATABASE {} RENAME TO {};",
        quote_ident(target),
        quote_ident(old),
        quote_ident(fresh),
        quote_ident(target)
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Renames `fresh` to `target` when there is no current database to keep.
pub(crate) async fn rename_database(admin: &mut PgConnection, from: &str, to: &str) -> Result<()> {
    sqlx::raw_sql(&format!(
        "ALTER DATABASE {} RENAME TO {}",
        quote_ident(from),
        quote_ident(to)
    ))
    .execute(admin)
    .await
    .with_context(|| format!("renaming database {from} to {to}"))?;
    Ok(())
}

fn is_object_in_use(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<sqlx::Error>()
        .and_then(|e| e.as_database_error())
        .and_then(|e| e.code())
        .is_some_and(|code| code == OBJECT_IN_USE)
}

/// Refuses to go on when a database we are about to create already exists.
pub(crate) async fn ensure_absent(admin: &mut PgConnection, name: &str) -> Result<()> {
    if database_exists(admin, name).await? {
        bail!("database {name} already exists; wait a second and try again");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_fit_in_an_identifier() {
        assert_eq!(derived_name("tracehub", "_restore_x"), "tracehub_restore_x");
        let long = format!("test_{}", "a".repeat(32));
        let name = derived_name(&long, "_pre_restore_20260105_120000");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_pre_restore_20260105_120000"));
        let unicode = derived_name(&"é".repeat(40), "_x");
        assert!(unicode.len() <= 63 && unicode.ends_with("_x"));
    }

    #[test]
    fn maintenance_url_keeps_credentials_and_parameters() {
        assert_eq!(
            url_for_database(
                "postgres://u:p@h:5/app?sslmode=require&dbname=app",
                "postgres"
            )
            .unwrap(),
            "postgres://u:p@h:5/postgres?sslmode=require"
        );
    }

    #[test]
    fn locale_options_follow_the_row() {
        let row = serde_json::json!({
            "encoding": 6, "datcollate": "C.UTF-8", "datctype": "C.UTF-8",
            "datlocprovider": "c", "daticulocale": null
        });
        assert_eq!(
            locale_options(&row),
            " ENCODING 6 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        );
    }
}
