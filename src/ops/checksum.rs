//! Row counts and content checksums per table: how backups, restores and migrations prove
//! that no row was lost or changed.
//!
//! A table's checksum is the sum of a 60-bit hash of every row's text, so it needs no sort
//! and no ordering column, and two tables with the same rows (in any physical order) agree.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::db::connect::quote_ident;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableChecksum {
    pub table: String,
    pub rows: i64,
    pub checksum: String,
}

/// The ordinary tables of the `public` schema, by name.
pub async fn public_tables(conn: &mut PgConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname",
    )
    .fetch_all(conn)
    .await?)
}

/// Checksums of `tables`; `ignored_columns` are left out of every row (e.g. timestamps that
/// a re-run sets anew).
pub async fn table_checksums(
    conn: &mut PgConnection,
    tables: &[String],
    ignored_columns: &[&str],
) -> Result<Vec<TableChecksum>> {
    let mut sums = Vec::with_capacity(tables.len());
    for table in tables {
        let row_text = if ignored_columns.is_empty() {
            "t::text".to_string()
        } else {
            let minus: String = ignored_columns
                .iter()
                .map(|c| format!(" - '{}'", c.replace('\'', "''")))
                .collect();
            format!("(to_jsonb(t){minus})::text")
        };
        let sql = format!(
            "SELECT count(*), coalesce(sum(('x' || left(md5({row_text}), 15))::bit(60)::bigint), 0)::text \
             FROM {} t",
            quote_ident(table)
        );
        let (rows, checksum): (i64, String) = sqlx::query_as(&sql).fetch_one(&mut *conn).await?;
        sums.push(TableChecksum {
            table: table.clone(),
            rows,
            checksum,
        });
    }
    Ok(sums)
}
