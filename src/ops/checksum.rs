//! Row counts and content checksums per table: how backups, restores and migrations prove
//! that no row was lost or changed.
//!
//! A table's checksum is the sum of a hash of every row, so it needs no sort and no ordering
//! column, and two tables with the same rows (in any physical order) agree. The server
//! computes it in one sequential scan (in parallel where the planner chooses to).
//!
//! How a row is hashed is a [`RowHash`]; a backup manifest's `format_version` records which
//! one its checksums used, so older manifests keep verifying.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::db::connect::quote_ident;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableChecksum {
    pub table: String,
    pub rows: i64,
    pub checksum: String,
}

/// How a row becomes the number that is summed into its table's checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowHash {
    /// The first 60 bits of the MD5 of the row's text (`t::text`). Exact but slow: every
    /// value goes through its output function, every row through MD5. Backup manifests of
    /// format 1.
    Md5Text,
    /// PostgreSQL's 64-bit extended hash of each column's value, combined in the order of
    /// the column names (`hash_record_extended`, PostgreSQL 14 or later), so the columns'
    /// physical order does not matter. Values of types whose hash is exact on the stored
    /// value (integers, booleans, dates, timestamps, UUIDs, bytea, and text or varchar under
    /// the byte-wise "C" collation) are hashed as they are; every other type (numeric,
    /// floats, json/jsonb, enums, arrays, domains, …) through its text form, which keeps
    /// apart what the text keeps apart (`1.0` and `1.00`, enum labels, whose own hash
    /// would follow per-database OIDs). About three times cheaper than
    /// [`RowHash::Md5Text`] on the benchmark data. The hashes follow the server's byte order:
    /// checksums compare between little-endian servers (x86-64, ARM64). Backup manifests of
    /// format 2.
    ColumnHash,
}

impl RowHash {
    /// What new checksums use.
    pub const CURRENT: RowHash = RowHash::ColumnHash;
}

/// Column types whose extended hash is a function of the exact stored value (no two
/// distinct values of these types compare equal, so none share a hash by design).
const EXACT_HASH_TYPES: &str = "'int2'::regtype, 'int4'::regtype, 'int8'::regtype, \
     'bool'::regtype, 'date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype, \
     'uuid'::regtype, 'bytea'::regtype";

/// String types: hashed byte-wise once they carry the "C" collation (a nondeterministic
/// collation would hash strings it considers equal alike).
const STRING_TYPES: &str = "'text'::regtype, 'varchar'::regtype";

/// The ordinary tables of the `public` schema, by name.
pub async fn public_tables(conn: &mut PgConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname",
    )
    .fetch_all(conn)
    .await?)
}

/// Checksums of `tables` with the [current](RowHash::CURRENT) row hash; `ignored_columns`
/// are left out of every row (e.g. timestamps that a re-run sets anew).
pub async fn table_checksums(
    conn: &mut PgConnection,
    tables: &[String],
    ignored_columns: &[&str],
) -> Result<Vec<TableChecksum>> {
    table_checksums_using(conn, tables, ignored_columns, RowHash::CURRENT).await
}

/// Checksums of `tables` with the row hash `hash`.
pub async fn table_checksums_using(
    conn: &mut PgConnection,
    tables: &[String],
    ignored_columns: &[&str],
    hash: RowHash,
) -> Result<Vec<TableChecksum>> {
    if hash == RowHash::ColumnHash {
        require_record_hash(conn).await?;
    }
    let mut sums = Vec::with_capacity(tables.len());
    for table in tables {
        let row_hash = match hash {
            RowHash::Md5Text => md5_text_hash(ignored_columns),
            RowHash::ColumnHash => column_hash(conn, table, ignored_columns).await?,
        };
        let sql = format!(
            "SELECT count(*), coalesce(sum({row_hash}), 0)::text FROM {} t",
            quote_ident(table)
        );
        let (rows, checksum): (i64, String) = sqlx::query_as(&sql)
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("checksumming table {table}"))?;
        sums.push(TableChecksum {
            table: table.clone(),
            rows,
            checksum,
        });
    }
    Ok(sums)
}

/// [`RowHash::Md5Text`] of the row `t`.
fn md5_text_hash(ignored_columns: &[&str]) -> String {
    let row_text = if ignored_columns.is_empty() {
        "t::text".to_string()
    } else {
        let minus: String = ignored_columns
            .iter()
            .map(|c| format!(" - '{}'", c.replace('\'', "''")))
            .collect();
        format!("(to_jsonb(t){minus})::text")
    };
    format!("('x' || left(md5({row_text}), 15))::bit(60)::bigint")
}

/// [`RowHash::ColumnHash`] of the row `t` of `table`: every column but the ignored ones, by
/// name.
async fn column_hash(
    conn: &mut PgConnection,
    table: &str,
    ignored_columns: &[&str],
) -> Result<String> {
    let sql = format!(
        "SELECT a.attname::text, a.atttypid IN ({EXACT_HASH_TYPES}), \
         a.atttypid IN ({STRING_TYPES}) \
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 \
         AND NOT a.attisdropped ORDER BY a.attname"
    );
    let columns: Vec<(String, bool, bool)> = sqlx::query_as(&sql)
        .bind(quote_ident(table))
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("reading the columns of table {table}"))?;
    let values: Vec<String> = columns
        .iter()
        .filter(|(name, _, _)| !ignored_columns.contains(&name.as_str()))
        .map(|(name, exact, string)| {
            let column = format!("t.{}", quote_ident(name));
            if *exact {
                column
            } else if *string {
                format!("{column} COLLATE \"C\"")
            } else {
                format!("({column}::text) COLLATE \"C\"")
            }
        })
        .collect();
    Ok(format!(
        "hash_record_extended(ROW({}), 0)",
        values.join(", ")
    ))
}

/// `hash_record_extended` arrived in PostgreSQL 14.
async fn require_record_hash(conn: &mut PgConnection) -> Result<()> {
    let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
        .fetch_one(&mut *conn)
        .await
        .context("reading the server version")?;
    if version < 140000 {
        bail!("table checksums need PostgreSQL 14 or later (the server is {version})");
    }
    Ok(())
}
