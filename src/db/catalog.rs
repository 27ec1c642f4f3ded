//! The schema catalog: what a PostgreSQL schema contains, read from `pg_catalog`, and a
//! comparison that lists every difference from an expected catalog in plain words.
//!
//! Two uses:
//! * tests build a database with our revisions and compare it with the specification
//!   (`migrations/002_document_types/schema.json`, written by hand from `schema-002.md`), exactly;
//! * before adopting a predecessor database at revision 002, the tool checks that its schema is
//!   the expected one. Per spec §7 that check compares enum labels as **sets**, because older
//!   databases may hold the `documenttype` labels in another order.
//!
//! Every object is keyed by its name, as PostgreSQL stores it (unquoted). Column types are as
//! `format_type()` prints them; a type that lives in the inspected schema is written without
//! its schema prefix (for example `userrole`), whatever the connection's `search_path` is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

/// Everything we check about one schema.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Ordinary and partitioned tables, by name.
    pub tables: BTreeMap<String, Table>,
    /// Enum types, by name, with their labels in sort order (`enumsortorder`).
    pub enums: BTreeMap<String, Vec<String>>,
    /// Every index in the schema (as in `pg_indexes`), by index name.
    pub indexes: BTreeMap<String, Index>,
    /// PRIMARY KEY, UNIQUE and EXCLUDE constraints, by constraint name.
    pub constraints: BTreeMap<String, Constraint>,
    /// Foreign keys, by constraint name.
    pub foreign_keys: BTreeMap<String, ForeignKey>,
    /// Counts of objects that are only checked by number.
    pub extras: Extras,
}

/// A table: its columns in ordinal (physical) order, dropped columns left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    /// As `format_type(atttypid, atttypmod)` prints it, e.g. `character varying(255)`.
    #[serde(rename = "type")]
    pub data_type: String,
    pub not_null: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub table: String,
    /// Key columns in key order. An expression is written as PostgreSQL prints it; a
    /// non-default ordering adds a suffix such as ` DESC`.
    pub columns: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    /// Access method, e.g. `btree`.
    pub method: String,
    /// INCLUDE columns.
    pub include: Vec<String>,
    /// The WHERE clause of a partial index.
    pub predicate: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConstraintKind {
    #[serde(rename = "PRIMARY KEY")]
    PrimaryKey,
    #[serde(rename = "UNIQUE")]
    Unique,
    #[serde(rename = "EXCLUDE")]
    Exclude,
}

impl fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConstraintKind::PrimaryKey => "PRIMARY KEY",
            ConstraintKind::Unique => "UNIQUE",
            ConstraintKind::Exclude => "EXCLUDE",
        })
    }
}

/// A PRIMARY KEY, UNIQUE or EXCLUDE constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    pub table: String,
    pub kind: ConstraintKind,
    pub columns: Vec<String>,
    /// Name of the index that enforces it.
    pub index: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    pub table: String,
    pub columns: Vec<String>,
    /// The referenced table; `schema.table` when it is in another schema.
    pub references_table: String,
    pub references_columns: Vec<String>,
    /// `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL` or `SET DEFAULT`.
    pub on_delete: String,
    pub on_update: String,
    /// `SIMPLE`, `FULL` or `PARTIAL`.
    pub match_type: String,
    pub deferrable: bool,
}

/// Objects in the schema that are only counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extras {
    /// Rows of `pg_attrdef` (server defaults, including generated columns).
    pub column_defaults: i64,
    /// Sequences, including those behind serial and identity columns.
    pub sequences: i64,
    /// CHECK constraints on tables and domains.
    pub check_constraints: i64,
    /// User triggers (`pg_trigger` rows that are not internal).
    pub triggers: i64,
    /// Views and materialized views.
    pub views: i64,
    /// Functions, procedures and aggregates.
    pub functions: i64,
    /// Types other than enums, arrays and table row types: domains, composite, range types.
    pub other_types: i64,
    /// Extensions installed into the schema.
    pub extensions: i64,
    /// Table columns whose collation is not their type's default.
    pub non_default_collations: i64,
    /// Comments on relations, columns, types, constraints, functions and triggers.
    pub comments: i64,
}

impl Extras {
    fn counts(&self) -> [(&'static str, i64); 10] {
        [
            ("column defaults", self.column_defaults),
            ("sequences", self.sequences),
            ("CHECK constraints", self.check_constraints),
            ("triggers", self.triggers),
            ("views", self.views),
            ("functions", self.functions),
            ("other types (domains, composite, range)", self.other_types),
            ("extensions", self.extensions),
            (
                "columns with a non-default collation",
                self.non_default_collations,
            ),
            ("comments", self.comments),
        ]
    }
}

/// How [`Catalog::differences`] compares.
///
/// The default is an exact comparison: enum label order matters and extra objects are
/// reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompareOptions {
    /// Compare enum labels as sets, ignoring their sort order (spec §7, adoption).
    pub enum_labels_as_sets: bool,
    /// Only check the objects present in the expected catalog: extra tables, columns, enums,
    /// enum labels, indexes and constraints are not reported, and the extra counts only when
    /// they are lower than expected. Useful to check that a later revision kept an older schema.
    pub ignore_extra_objects: bool,
}

impl CompareOptions {
    /// Everything must match, including enum label order (our own build).
    pub fn exact() -> Self {
        Self::default()
    }

    /// The check before adopting a predecessor database: exact, except that enum labels are
    /// compared as sets.
    pub fn adoption() -> Self {
        Self {
            enum_labels_as_sets: true,
            ignore_extra_objects: false,
        }
    }
}

/// The catalog of revision 002, from `migrations/002_document_types/schema.json`.
pub fn expected_schema_002() -> Catalog {
    serde_json::from_str(include_str!(
        "../../migrations/002_document_types/schema.json"
    ))
    .expect("migrations/002_document_types/schema.json is a valid catalog")
}

const COLUMNS_SQL: &str = r#"
SELECT c.relname::text,
       a.attname::text,
       CASE WHEN tn.nspname = $1
             AND starts_with(format_type(a.atttypid, a.atttypmod), quote_ident(tn.nspname) || '.')
            THEN substr(format_type(a.atttypid, a.atttypmod), length(quote_ident(tn.nspname)) + 2)
            ELSE format_type(a.atttypid, a.atttypmod)
       END,
       a.attnotnull
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_namespace tn ON tn.oid = t.typnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"#;

const ENUMS_SQL: &str = r#"
SELECT t.typname::text,
       array(SELECT e.enumlabel::text FROM pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = $1 AND t.typtype = 'e'
"#;

// indkey and indoption are int2vectors, subscripted from 0. Key columns come first
// (1..indnkeyatts), then INCLUDE columns. Bit 1 of indoption is DESC, bit 2 NULLS FIRST.
const INDEXES_SQL: &str = r#"
SELECT ic.relname::text,
       tc.relname::text,
       am.amname::text,
       i.indisunique,
       i.indisprimary,
       array(SELECT CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.ord::int, true)
                         ELSE (SELECT a.attname::text FROM pg_attribute a
                               WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)
                    END
                    || CASE i.indoption[k.ord - 1] & 3
                         WHEN 0 THEN '' WHEN 1 THEN ' DESC NULLS LAST'
                         WHEN 2 THEN ' NULLS FIRST' ELSE ' DESC' END
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             WHERE k.ord <= i.indnkeyatts ORDER BY k.ord),
       array(SELECT CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.ord::int, true)
                         ELSE (SELECT a.attname::text FROM pg_attribute a
                               WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)
                    END
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             WHERE k.ord > i.indnkeyatts ORDER BY k.ord),
       pg_get_expr(i.indpred, i.indrelid, true)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class tc ON tc.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = $1
"#;

const CONSTRAINTS_SQL: &str = r#"
SELECT con.conname::text,
       con.contype::text,
       c.relname::text,
       array(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord),
       coalesce(ic.relname::text, '')
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class ic ON ic.oid = con.conindid
WHERE n.nspname = $1 AND con.contype IN ('p', 'u', 'x')
ORDER BY con.conname, c.relname
"#;

const FOREIGN_KEYS_SQL: &str = r#"
SELECT con.conname::text,
       c.relname::text,
       array(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord),
       CASE WHEN rn.nspname = n.nspname THEN rc.relname::text
            ELSE rn.nspname::text || '.' || rc.relname::text END,
       array(SELECT a.attname::text
             FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord),
       con.confdeltype::text,
       con.confupdtype::text,
       con.confmatchtype::text,
       con.condeferrable
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class rc ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE n.nspname = $1 AND con.contype = 'f'
ORDER BY con.conname, c.relname
"#;

const EXTRAS_SQL: &str = r#"
SELECT
  (SELECT count(*) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
    WHERE c.relnamespace = n.oid),
  (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind = 'S'),
  (SELECT count(*) FROM pg_constraint con WHERE con.connamespace = n.oid AND con.contype = 'c'),
  (SELECT count(*) FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
    WHERE c.relnamespace = n.oid AND NOT tg.tgisinternal),
  (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('v', 'm')),
  (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid),
  (SELECT count(*) FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE t.typnamespace = n.oid AND t.typtype <> 'e' AND t.typcategory <> 'A'
      AND (t.typtype <> 'c' OR c.relkind = 'c')),
  (SELECT count(*) FROM pg_extension e WHERE e.extnamespace = n.oid),
  (SELECT count(*) FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_type t ON t.oid = a.atttypid
    WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p') AND a.attnum > 0
      AND NOT a.attisdropped AND a.attcollation <> t.typcollation),
  (SELECT count(*) FROM pg_description d WHERE
       (d.classoid = 'pg_class'::regclass
        AND d.objoid IN (SELECT oid FROM pg_class WHERE relnamespace = n.oid))
    OR (d.classoid = 'pg_type'::regclass
        AND d.objoid IN (SELECT oid FROM pg_type WHERE typnamespace = n.oid))
    OR (d.classoid = 'pg_constraint'::regclass
        AND d.objoid IN (SELECT oid FROM pg_constraint WHERE connamespace = n.oid))
    OR (d.classoid = 'pg_proc'::regclass
        AND d.objoid IN (SELECT oid FROM pg_proc WHERE pronamespace = n.oid))
    OR (d.classoid = 'pg_trigger'::regclass
        AND d.objoid IN (SELECT tg.oid FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
                         WHERE c.relnamespace = n.oid)))
FROM pg_namespace n
WHERE n.nspname = $1
"#;

type ColumnRow = (String, Option<String>, Option<String>, Option<bool>);
type IndexRow = (
    String,
    String,
    String,
    bool,
    bool,
    Vec<String>,
    Vec<String>,
    Option<String>,
);
type ForeignKeyRow = (
    String,
    String,
    Vec<String>,
    String,
    Vec<String>,
    String,
    String,
    String,
    bool,
);
type ExtrasRow = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

/// Reads the catalog of `schema` (for example `public`).
///
/// Runs a few read-only queries on `conn` and changes no session state. They are not run in
/// one snapshot: read a schema that no migration is changing at the same time.
pub async fn read_catalog(conn: &mut PgConnection, schema: &str) -> Result<Catalog> {
    let extras: Option<ExtrasRow> = sqlx::query_as(EXTRAS_SQL)
        .bind(schema)
        .fetch_optional(&mut *conn)
        .await
        .context("reading the counts of defaults, sequences, triggers, views, functions")?;
    let Some(extras) = extras else {
        bail!("schema {schema:?} does not exist");
    };
    let mut catalog = Catalog {
        extras: Extras {
            column_defaults: extras.0,
            sequences: extras.1,
            check_constraints: extras.2,
            triggers: extras.3,
            views: extras.4,
            functions: extras.5,
            other_types: extras.6,
            extensions: extras.7,
            non_default_collations: extras.8,
            comments: extras.9,
        },
        ..Catalog::default()
    };

    let columns: Vec<ColumnRow> = sqlx::query_as(COLUMNS_SQL)
        .bind(schema)
        .fetch_all(&mut *conn)
        .await
        .context("reading tables and columns")?;
    for (table, name, data_type, not_null) in columns {
        let entry = catalog.tables.entry(table).or_default();
        // A table without columns has one row with NULLs (LEFT JOIN).
        if let (Some(name), Some(data_type), Some(not_null)) = (name, data_type, not_null) {
            entry.columns.push(Column {
                name,
                data_type,
                not_null,
            });
        }
    }

    let enums: Vec<(String, Vec<String>)> = sqlx::query_as(ENUMS_SQL)
        .bind(schema)
        .fetch_all(&mut *conn)
        .await
        .context("reading enum types")?;
    catalog.enums = enums.into_iter().collect();

    let indexes: Vec<IndexRow> = sqlx::query_as(INDEXES_SQL)
        .bind(schema)
        .fetch_all(&mut *conn)
        .await
        .context("reading indexes")?;
    for (name, table, method, unique, primary, columns, include, predicate) in indexes {
        let index = Index {
            table,
            columns,
            unique,
            primary,
            method,
            include,
            predicate,
        };
        catalog.indexes.insert(name, index);
    }

    let constraints: Vec<(String, String, String, Vec<String>, String)> =
        sqlx::query_as(CONSTRAINTS_SQL)
            .bind(schema)
            .fetch_all(&mut *conn)
            .await
            .context("reading primary key, unique and exclusion constraints")?;
    for (name, code, table, columns, index) in constraints {
        let kind = match code.as_str() {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "x" => ConstraintKind::Exclude,
            other => bail!("unexpected constraint type {other:?} for {name}"),
        };
        let key = unique_key(&catalog.constraints, &name, &table);
        let constraint = Constraint {
            table,
            kind,
            columns,
            index,
        };
        catalog.constraints.insert(key, constraint);
    }

    let foreign_keys: Vec<ForeignKeyRow> = sqlx::query_as(FOREIGN_KEYS_SQL)
        .bind(schema)
        .fetch_all(&mut *conn)
        .await
        .context("reading foreign keys")?;
    for (name, table, columns, ref_table, ref_columns, on_del, on_upd, matching, deferrable) in
        foreign_keys
    {
        let key = unique_key(&catalog.foreign_keys, &name, &table);
        let fk = ForeignKey {
            table,
            columns,
            references_table: ref_table,
            references_columns: ref_columns,
            on_delete: fk_action(&on_del),
            on_update: fk_action(&on_upd),
            match_type: fk_match(&matching),
            deferrable,
        };
        catalog.foreign_keys.insert(key, fk);
    }

    Ok(catalog)
}

/// Constraint names are only unique per table. Should two tables use the same name, the
/// second one is keyed `name (on table)` so that neither is lost.
fn unique_key<T>(map: &BTreeMap<String, T>, name: &str, table: &str) -> String {
    if map.contains_key(name) {
        format!("{name} (on {table})")
    } else {
        name.to_string()
    }
}

/// Decodes `pg_constraint.confdeltype` / `confupdtype`.
fn fk_action(code: &str) -> String {
    match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        other => return format!("unknown action {other:?}"),
    }
    .to_string()
}

/// Decodes `pg_constraint.confmatchtype`.
fn fk_match(code: &str) -> String {
    match code {
        "s" => "SIMPLE",
        "f" => "FULL",
        "p" => "PARTIAL",
        other => return format!("unknown match type {other:?}"),
    }
    .to_string()
}

impl Catalog {
    /// Lists the differences between `self` (the catalog found) and `expected`, one
    /// human-readable line each, naming the object. Empty when they match.
    pub fn differences(&self, expected: &Catalog, options: CompareOptions) -> Vec<String> {
        let mut out = Vec::new();
        self.table_differences(expected, options, &mut out);
        self.enum_differences(expected, options, &mut out);
        object_differences(&self.indexes, &expected.indexes, options, &mut out);
        object_differences(&self.constraints, &expected.constraints, options, &mut out);
        object_differences(
            &self.foreign_keys,
            &expected.foreign_keys,
            options,
            &mut out,
        );
        let found = self.extras.counts();
        for (i, (what, want)) in expected.extras.counts().into_iter().enumerate() {
            let have = found[i].1;
            if have < want || (have > want && !options.ignore_extra_objects) {
                out.push(format!("schema has {have} {what}, expected {want}"));
            }
        }
        out
    }

    fn table_differences(
        &self,
        expected: &Catalog,
        options: CompareOptions,
        out: &mut Vec<String>,
    ) {
        for (name, want) in &expected.tables {
            let Some(have) = self.tables.get(name) else {
                out.push(format!("missing table {name}"));
                continue;
            };
            let found: BTreeMap<&str, &Column> =
                have.columns.iter().map(|c| (c.name.as_str(), c)).collect();
            let wanted: BTreeMap<&str, &Column> =
                want.columns.iter().map(|c| (c.name.as_str(), c)).collect();
            for column in &want.columns {
                let Some(actual) = found.get(column.name.as_str()) else {
                    out.push(format!(
                        "table {name}: missing column {} {}",
                        column.name, column.data_type
                    ));
                    continue;
                };
                if actual.data_type != column.data_type {
                    out.push(format!(
                        "table {name}, column {}: type is {}, expected {}",
                        column.name, actual.data_type, column.data_type
                    ));
                }
                if actual.not_null != column.not_null {
                    out.push(format!(
                        "table {name}, column {}: is {}, expected {}",
                        column.name,
                        nullability(actual.not_null),
                        nullability(column.not_null)
                    ));
                }
            }
            if !options.ignore_extra_objects {
                for column in &have.columns {
                    if !wanted.contains_key(column.name.as_str()) {
                        out.push(format!(
                            "table {name}: unexpected column {} {}",
                            column.name, column.data_type
                        ));
                    }
                }
            }
            let have_names: Vec<&str> = have.columns.iter().map(|c| c.name.as_str()).collect();
            let want_names: Vec<&str> = want.columns.iter().map(|c| c.name.as_str()).collect();
            if let Some(line) = order_difference(&have_names, &want_names) {
                out.push(format!("table {name}: column order {line}"));
            }
        }
        if !options.ignore_extra_objects {
            for name in self.tables.keys() {
                if !expected.tables.contains_key(name) {
                    out.push(format!("unexpected table {name}"));
                }
            }
        }
    }

    fn enum_differences(&self, expected: &Catalog, options: CompareOptions, out: &mut Vec<String>) {
        for (name, want) in &expected.enums {
            let Some(have) = self.enums.get(name) else {
                out.push(format!("missing enum {name} [{}]", want.join(", ")));
                continue;
            };
            let have_set: BTreeSet<&str> = have.iter().map(String::as_str).collect();
            let want_set: BTreeSet<&str> = want.iter().map(String::as_str).collect();
            let missing: Vec<&str> = want
                .iter()
                .map(String::as_str)
                .filter(|l| !have_set.contains(l))
                .collect();
            if !missing.is_empty() {
                out.push(format!(
                    "enum {name}: missing labels [{}]",
                    missing.join(", ")
                ));
            }
            let extra: Vec<&str> = have
                .iter()
                .map(String::as_str)
                .filter(|l| !want_set.contains(l))
                .collect();
            if !extra.is_empty() && !options.ignore_extra_objects {
                out.push(format!(
                    "enum {name}: unexpected labels [{}]",
                    extra.join(", ")
                ));
            }
            if !options.enum_labels_as_sets {
                let have: Vec<&str> = have.iter().map(String::as_str).collect();
                let want: Vec<&str> = want.iter().map(String::as_str).collect();
                if let Some(line) = order_difference(&have, &want) {
                    out.push(format!("enum {name}: label order {line}"));
                }
            }
        }
        if !options.ignore_extra_objects {
            for (name, labels) in &self.enums {
                if !expected.enums.contains_key(name) {
                    out.push(format!("unexpected enum {name} [{}]", labels.join(", ")));
                }
            }
        }
    }
}

fn nullability(not_null: bool) -> &'static str {
    if not_null {
        "NOT NULL"
    } else {
        "nullable"
    }
}

/// Compares the relative order of the names present in both lists (missing and extra names
/// are reported elsewhere). Returns `is [..], expected [..]` when it differs.
fn order_difference(have: &[&str], want: &[&str]) -> Option<String> {
    let have_common: Vec<&str> = have.iter().copied().filter(|n| want.contains(n)).collect();
    let want_common: Vec<&str> = want.iter().copied().filter(|n| have.contains(n)).collect();
    (have_common != want_common).then(|| {
        format!(
            "is [{}], expected [{}]",
            have_common.join(", "),
            want_common.join(", ")
        )
    })
}

/// An index, constraint or foreign key: an object that belongs to a table and is compared
/// field by field.
trait TableObject {
    const KIND: &'static str;
    fn table(&self) -> &str;
    /// One `field is X, expected Y` entry per differing field.
    fn field_differences(&self, expected: &Self) -> Vec<String>;
}

fn field<T: PartialEq + fmt::Debug>(out: &mut Vec<String>, name: &str, have: &T, want: &T) {
    if have != want {
        out.push(format!("{name} is {have:?}, expected {want:?}"));
    }
}

impl TableObject for Index {
    const KIND: &'static str = "index";
    fn table(&self) -> &str {
        &self.table
    }
    fn field_differences(&self, want: &Self) -> Vec<String> {
        let mut out = Vec::new();
        field(&mut out, "table", &self.table, &want.table);
        field(&mut out, "columns", &self.columns, &want.columns);
        field(&mut out, "unique", &self.unique, &want.unique);
        field(&mut out, "primary", &self.primary, &want.primary);
        field(&mut out, "method", &self.method, &want.method);
        field(&mut out, "include", &self.include, &want.include);
        field(&mut out, "predicate", &self.predicate, &want.predicate);
        out
    }
}

impl TableObject for Constraint {
    const KIND: &'static str = "constraint";
    fn table(&self) -> &str {
        &self.table
    }
    fn field_differences(&self, want: &Self) -> Vec<String> {
        let mut out = Vec::new();
        field(&mut out, "table", &self.table, &want.table);
        field(&mut out, "kind", &self.kind, &want.kind);
        field(&mut out, "columns", &self.columns, &want.columns);
        field(&mut out, "index", &self.index, &want.index);
        out
    }
}

impl TableObject for ForeignKey {
    const KIND: &'static str = "foreign key";
    fn table(&self) -> &str {
        &self.table
    }
    fn field_differences(&self, want: &Self) -> Vec<String> {
        let mut out = Vec::new();
        field(&mut out, "table", &self.table, &want.table);
        field(&mut out, "columns", &self.columns, &want.columns);
        field(
            &mut out,
            "references_table",
            &self.references_table,
            &want.references_table,
        );
        field(
            &mut out,
            "references_columns",
            &self.references_columns,
            &want.references_columns,
        );
        field(&mut out, "on_delete", &self.on_delete, &want.on_delete);
        field(&mut out, "on_update", &self.on_update, &want.on_update);
        field(&mut out, "match_type", &self.match_type, &want.match_type);
        field(&mut out, "deferrable", &self.deferrable, &want.deferrable);
        out
    }
}

fn object_differences<T: TableObject>(
    have: &BTreeMap<String, T>,
    want: &BTreeMap<String, T>,
    options: CompareOptions,
    out: &mut Vec<String>,
) {
    let kind = T::KIND;
    for (name, expected) in want {
        match have.get(name) {
            None => out.push(format!("missing {kind} {name} on {}", expected.table())),
            Some(found) => {
                for line in found.field_differences(expected) {
                    out.push(format!("{kind} {name} on {}: {line}", expected.table()));
                }
            }
        }
    }
    if !options.ignore_extra_objects {
        for (name, found) in have {
            if !want.contains_key(name) {
                out.push(format!("unexpected {kind} {name} on {}", found.table()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str, not_null: bool) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            not_null,
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn btree(table: &str, columns: &[&str], unique: bool, primary: bool) -> Index {
        Index {
            table: table.into(),
            columns: strings(columns),
            unique,
            primary,
            method: "btree".into(),
            include: vec![],
            predicate: None,
        }
    }

    /// Two tables, one enum, three indexes, one primary key per table and one foreign key.
    fn sample() -> Catalog {
        let mut c = Catalog::default();
        c.tables.insert(
            "parent".into(),
            Table {
                columns: vec![
                    column("id", "uuid", true),
                    column("kind", "kind", true),
                    column("name", "character varying(100)", false),
                ],
            },
        );
        c.tables.insert(
            "child".into(),
            Table {
                columns: vec![
                    column("id", "uuid", true),
                    column("parent_id", "uuid", false),
                ],
            },
        );
        c.enums.insert("kind".into(), strings(&["A", "B", "C"]));
        c.indexes
            .insert("parent_pkey".into(), btree("parent", &["id"], true, true));
        c.indexes
            .insert("child_pkey".into(), btree("child", &["id"], true, true));
        c.indexes.insert(
            "ix_parent_kind_name".into(),
            btree("parent", &["kind", "name"], false, false),
        );
        for table in ["parent", "child"] {
            c.constraints.insert(
                format!("{table}_pkey"),
                Constraint {
                    table: table.into(),
                    kind: ConstraintKind::PrimaryKey,
                    columns: strings(&["id"]),
                    index: format!("{table}_pkey"),
                },
            );
        }
        c.foreign_keys.insert(
            "child_parent_id_fkey".into(),
            ForeignKey {
                table: "child".into(),
                columns: strings(&["parent_id"]),
                references_table: "parent".into(),
                references_columns: strings(&["id"]),
                on_delete: "NO ACTION".into(),
                on_update: "NO ACTION".into(),
                match_type: "SIMPLE".into(),
                deferrable: false,
            },
        );
        c
    }

    fn only_line(lines: Vec<String>) -> String {
        assert_eq!(
            lines.len(),
            1,
            "expected exactly one difference: {lines:#?}"
        );
        lines.into_iter().next().unwrap()
    }

    #[test]
    fn identical_catalogs_have_no_differences() {
        let c = sample();
        assert!(c.differences(&sample(), CompareOptions::exact()).is_empty());
        assert!(c
            .differences(&sample(), CompareOptions::adoption())
            .is_empty());
    }

    #[test]
    fn changed_column_type_is_reported() {
        let mut c = sample();
        c.tables.get_mut("parent").unwrap().columns[2].data_type = "text".into();
        let line = only_line(c.differences(&sample(), CompareOptions::exact()));
        assert!(line.contains("parent") && line.contains("name"), "{line}");
        assert!(
            line.contains("text") && line.contains("character varying(100)"),
            "{line}"
        );
    }

    #[test]
    fn nullability_and_column_order_are_reported() {
        let mut c = sample();
        c.tables.get_mut("child").unwrap().columns[1].not_null = true;
        let lines = c.differences(&sample(), CompareOptions::exact());
        let line = only_line(lines);
        assert!(
            line.contains("child") && line.contains("parent_id"),
            "{line}"
        );

        let mut c = sample();
        c.tables.get_mut("parent").unwrap().columns.swap(1, 2);
        let line = only_line(c.differences(&sample(), CompareOptions::adoption()));
        assert!(line.contains("table parent: column order"), "{line}");
    }

    #[test]
    fn missing_and_extra_tables_and_columns_are_reported() {
        let mut c = sample();
        c.tables.remove("child");
        c.tables.insert("stray".into(), Table::default());
        c.tables
            .get_mut("parent")
            .unwrap()
            .columns
            .push(column("extra", "integer", false));
        let lines = c.differences(&sample(), CompareOptions::exact());
        assert!(
            lines.contains(&"missing table child".to_string()),
            "{lines:#?}"
        );
        assert!(
            lines.contains(&"unexpected table stray".to_string()),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("parent") && l.contains("unexpected column extra")),
            "{lines:#?}"
        );
    }

    #[test]
    fn missing_index_is_reported() {
        let mut c = sample();
        c.indexes.remove("ix_parent_kind_name");
        let line = only_line(c.differences(&sample(), CompareOptions::exact()));
        assert!(line.contains("missing index ix_parent_kind_name"), "{line}");
    }

    #[test]
    fn different_index_columns_are_reported() {
        let mut c = sample();
        c.indexes.get_mut("ix_parent_kind_name").unwrap().columns = strings(&["name", "kind"]);
        let line = only_line(c.differences(&sample(), CompareOptions::exact()));
        assert!(
            line.contains("ix_parent_kind_name") && line.contains("columns"),
            "{line}"
        );
    }

    #[test]
    fn different_foreign_key_action_is_reported() {
        let mut c = sample();
        c.foreign_keys
            .get_mut("child_parent_id_fkey")
            .unwrap()
            .on_delete = "CASCADE".into();
        let line = only_line(c.differences(&sample(), CompareOptions::adoption()));
        assert!(line.contains("child_parent_id_fkey"), "{line}");
        assert!(
            line.contains("on_delete") && line.contains("CASCADE"),
            "{line}"
        );
        assert!(line.contains("NO ACTION"), "{line}");
    }

    #[test]
    fn different_constraint_kind_is_reported() {
        let mut c = sample();
        c.constraints.get_mut("child_pkey").unwrap().kind = ConstraintKind::Unique;
        let line = only_line(c.differences(&sample(), CompareOptions::exact()));
        assert!(
            line.contains("constraint child_pkey") && line.contains("kind"),
            "{line}"
        );
    }

    #[test]
    fn enum_order_matters_only_when_not_comparing_sets() {
        let mut c = sample();
        c.enums.insert("kind".into(), strings(&["A", "C", "B"]));
        let line = only_line(c.differences(&sample(), CompareOptions::exact()));
        assert!(
            line.contains("enum kind") && line.contains("order"),
            "{line}"
        );
        assert!(c
            .differences(&sample(), CompareOptions::adoption())
            .is_empty());
    }

    #[test]
    fn enum_label_sets_are_still_compared() {
        let mut c = sample();
        c.enums.insert("kind".into(), strings(&["A", "B", "D"]));
        let lines = c.differences(&sample(), CompareOptions::adoption());
        assert_eq!(
            lines,
            vec![
                "enum kind: missing labels [C]".to_string(),
                "enum kind: unexpected labels [D]".to_string()
            ]
        );
    }

    #[test]
    fn extras_are_reported() {
        let mut c = sample();
        c.extras.column_defaults = 2;
        c.extras.triggers = 1;
        let lines = c.differences(&sample(), CompareOptions::exact());
        assert_eq!(
            lines,
            vec![
                "schema has 2 column defaults, expected 0".to_string(),
                "schema has 1 triggers, expected 0".to_string()
            ]
        );
    }

    #[test]
    fn ignore_extra_objects_reports_only_what_is_missing_or_different() {
        let mut c = sample();
        c.tables.insert("stray".into(), Table::default());
        let parent = c.tables.get_mut("parent").unwrap();
        parent
            .columns
            .insert(1, column("organization_id", "uuid", true));
        c.enums.get_mut("kind").unwrap().push("D".into());
        c.enums.insert("other".into(), strings(&["X"]));
        c.indexes
            .insert("ix_extra".into(), btree("parent", &["name"], false, false));
        c.extras.views = 1;
        let options = CompareOptions {
            ignore_extra_objects: true,
            ..CompareOptions::exact()
        };
        assert_eq!(c.differences(&sample(), options), Vec::<String>::new());
        assert!(!c.differences(&sample(), CompareOptions::exact()).is_empty());

        c.indexes.remove("parent_pkey");
        let line = only_line(c.differences(&sample(), options));
        assert!(line.contains("missing index parent_pkey"), "{line}");
    }

    #[test]
    fn catalog_round_trips_through_json() {
        let c = sample();
        let json = serde_json::to_string(&c).unwrap();
        let back: Catalog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }

    /// The fixture agrees with the inventory of spec §1 and with itself.
    #[test]
    fn fixture_matches_the_spec_inventory() {
        let c = expected_schema_002();
        assert!(c.differences(&c, CompareOptions::exact()).is_empty());
        assert_eq!(c.tables.len(), 12);
        assert_eq!(c.enums.len(), 8);
        assert_eq!(c.indexes.len(), 24);
        assert_eq!(c.constraints.len(), 14);
        assert_eq!(c.foreign_keys.len(), 11);
        assert_eq!(c.extras, Extras::default());

        let column_counts = [
            ("users", 9),
            ("parties", 13),
            ("shipments", 22),
            ("products", 15),
            ("origins", 32),
            ("documents", 26),
            ("document_contents", 15),
            ("reference_registry", 7),
            ("container_events", 15),
            ("notifications", 9),
            ("audit_logs", 17),
            ("alembic_version", 1),
        ];
        for (table, count) in column_counts {
            assert_eq!(c.tables[table].columns.len(), count, "{table}");
        }
        let label_counts = [
            ("userrole", 6),
            ("partytype", 5),
            ("shipmentstatus", 7),
            ("documenttype", 16),
            ("documentstatus", 7),
            ("eventtype", 13),
            ("risklevel", 4),
            ("verificationmethod", 6),
        ];
        for (name, count) in label_counts {
            assert_eq!(c.enums[name].len(), count, "{name}");
        }

        let has_column = |table: &str, col: &str| {
            c.tables
                .get(table)
                .is_some_and(|t| t.columns.iter().any(|x| x.name == col))
        };
        for (name, index) in &c.indexes {
            for col in &index.columns {
                assert!(has_column(&index.table, col), "index {name}: {col}");
            }
            assert_eq!(index.method, "btree", "{name}");
        }
        let primary = c.indexes.values().filter(|i| i.primary).count();
        let unique = c.indexes.values().filter(|i| i.unique).count();
        assert_eq!((primary, unique), (12, 15));
        for (name, con) in &c.constraints {
            assert_eq!(con.index, *name);
            let index = &c.indexes[&con.index];
            assert_eq!((&index.table, &index.columns), (&con.table, &con.columns));
            assert_eq!(
                index.primary,
                con.kind == ConstraintKind::PrimaryKey,
                "{name}"
            );
        }
        for (name, fk) in &c.foreign_keys {
            assert_eq!(*name, format!("{}_{}_fkey", fk.table, fk.columns[0]));
            assert!(has_column(&fk.table, &fk.columns[0]), "{name}");
            assert!(has_column(&fk.references_table, "id"), "{name}");
        }
        // Every column whose type is not a built-in one names one of the enums, and every
        // enum is used.
        let builtin = |t: &str| {
            [
                "uuid",
                "boolean",
                "integer",
                "text",
                "jsonb",
                "date",
                "double precision",
            ]
            .contains(&t)
                || t.starts_with("character varying(")
                || t.starts_with("numeric(")
                || t == "timestamp without time zone"
        };
        let mut used = BTreeSet::new();
        for (table, t) in &c.tables {
            for col in &t.columns {
                if !builtin(&col.data_type) {
                    assert!(c.enums.contains_key(&col.data_type), "{table}.{}", col.name);
                    used.insert(col.data_type.as_str());
                }
            }
        }
        assert_eq!(used.len(), c.enums.len());
    }
}
