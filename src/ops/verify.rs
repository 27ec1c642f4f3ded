//! `tracehub db verify`: every success criterion of the Sprint 8 runbook that the database
//! can show, one PASS/FAIL line each.
//!
//! Each check is one query that works at any revision: a missing table or column makes the
//! check FAIL with the database's own message instead of aborting the run, so an operator
//! sees the whole picture at once.

use serde::Serialize;
use sqlx::PgConnection;

use crate::db::revisions;

/// The fixed id of the VIBOTAJ organization (revision 005).
pub const VIBOTAJ_ID: &str = "00000000-0000-0000-0000-000000000001";

/// The application tables that carry `organization_id` from revision 004 on.
pub const TENANT_TABLES: [&str; 11] = [
    "users",
    "parties",
    "shipments",
    "products",
    "origins",
    "documents",
    "document_contents",
    "reference_registry",
    "container_events",
    "notifications",
    "audit_logs",
];

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub passed: bool,
    pub checks: Vec<Check>,
}

impl Report {
    /// One line per check, then a summary line.
    pub fn to_text(&self) -> String {
        let mut text: String = self
            .checks
            .iter()
            .map(|c| {
                format!(
                    "{} {:<34} {}\n",
                    if c.passed { "PASS" } else { "FAIL" },
                    c.name,
                    c.detail
                )
            })
            .collect();
        let failed = self.checks.iter().filter(|c| !c.passed).count();
        text.push_str(&format!(
            "{} of {} checks passed{}\n",
            self.checks.len() - failed,
            self.checks.len(),
            if failed == 0 {
                ""
            } else {
                " — see FAIL lines"
            }
        ));
        text
    }
}

/// A check's query: one row of (passed, detail).
struct Probe {
    name: &'static str,
    sql: String,
}

fn probes() -> Vec<Probe> {
    let tables_list = TENANT_TABLES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let per_table = |template: &str| -> String {
        TENANT_TABLES
            .iter()
            .map(|t| template.replace("{t}", t))
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    vec![
        Probe {
            name: "multi-tenancy tables exist",
            sql: "SELECT count(*) = 3, count(*) || ' of organizations, org_memberships, invitations' \
                  FROM pg_tables WHERE schemaname = 'public' \
                  AND tablename IN ('organizations', 'org_memberships', 'invitations')"
                .into(),
        },
        Probe {
            name: "all tables have organization_id",
            sql: format!(
                "WITH t(name) AS (SELECT unnest(ARRAY[{tables_list}])), \
                 missing AS (SELECT name FROM t WHERE NOT EXISTS (SELECT 1 FROM information_schema.columns c \
                   WHERE c.table_schema = 'public' AND c.table_name = t.name AND c.column_name = 'organization_id')) \
                 SELECT count(*) = 0, CASE WHEN count(*) = 0 THEN '{n} of {n} tables' \
                   ELSE 'missing on ' || string_agg(name, ', ') END FROM missing",
                n = TENANT_TABLES.len()
            ),
        },
        Probe {
            name: "VIBOTAJ organization exists",
            sql: format!(
                "SELECT count(*) = 1, coalesce(max(name || ' (' || slug || ', ' || type || ')'), 'not found') \
                 FROM organizations WHERE id = '{VIBOTAJ_ID}' AND slug = 'vibotaj'"
            ),
        },
        Probe {
            name: "every user has an organization",
            sql: "SELECT count(*) FILTER (WHERE NOT has_membership) = 0, \
                  count(*) FILTER (WHERE in_vibotaj) || ' in VIBOTAJ, ' || \
                  count(*) FILTER (WHERE has_membership AND NOT in_vibotaj) || ' only in other organizations, ' || \
                  count(*) FILTER (WHERE NOT has_membership) || ' without any' \
                  FROM (SELECT EXISTS (SELECT 1 FROM org_memberships m WHERE m.user_id = u.id AND m.status = 'active') AS has_membership, \
                               EXISTS (SELECT 1 FROM org_memberships m WHERE m.user_id = u.id AND m.status = 'active' \
                                       AND m.organization_id = '00000000-0000-0000-0000-000000000001') AS in_vibotaj \
                        FROM users u) x"
                .into(),
        },
        Probe {
            name: "no NULL organization_id",
            sql: format!(
                "WITH n(name, nulls) AS ({}) SELECT sum(nulls) = 0, \
                 CASE WHEN sum(nulls) = 0 THEN 'none' ELSE string_agg(name || ': ' || nulls, ', ') FILTER (WHERE nulls > 0) END FROM n",
                per_table("SELECT '{t}', count(*) FROM {t} WHERE organization_id IS NULL")
            ),
        },
        Probe {
            name: "organization_id is NOT NULL",
            sql: format!(
                "WITH t(name) AS (SELECT unnest(ARRAY[{tables_list}])), \
                 nullable AS (SELECT name FROM t WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a \
                   WHERE a.attrelid = to_regclass('public.' || t.name) AND a.attname = 'organization_id' AND a.attnotnull)) \
                 SELECT count(*) = 0, CASE WHEN count(*) = 0 THEN 'on all tables' \
                   ELSE 'nullable on ' || string_agg(name, ', ') END FROM nullable"
            ),
        },
        Probe {
            name: "foreign keys in place",
            sql: format!(
                "WITH t(name) AS (SELECT unnest(ARRAY[{tables_list}])), \
                 missing AS (SELECT name FROM t WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c \
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
                   WHERE c.conrelid = to_regclass('public.' || t.name) AND c.contype = 'f' AND c.convalidated \
                   AND a.attname = 'organization_id' AND c.confrelid = 'organizations'::regclass)) \
                 SELECT count(*) = 0, CASE WHEN count(*) = 0 THEN '{n} validated foreign keys to organizations' \
                   ELSE 'missing or not validated on ' || string_agg(name, ', ') END FROM missing",
                n = TENANT_TABLES.len()
            ),
        },
        Probe {
            name: "composite indexes present",
            sql: format!(
                "WITH t(name) AS (SELECT unnest(ARRAY[{tables_list}])), \
                 tenant_indexes AS (SELECT t.name, count(i.indexrelid) AS n FROM t LEFT JOIN pg_index i \
                   ON i.indrelid = to_regclass('public.' || t.name) AND i.indisvalid AND i.indnatts >= 2 \
                   AND (SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[0]) = 'organization_id' \
                   GROUP BY t.name) \
                 SELECT bool_and(n > 0), CASE WHEN bool_and(n > 0) THEN sum(n) || ' valid indexes leading with organization_id' \
                   ELSE 'none on ' || string_agg(name, ', ') FILTER (WHERE n = 0) END FROM tenant_indexes"
            ),
        },
        Probe {
            name: "shipment reference unique per org",
            sql: "SELECT count(*) = 1, CASE WHEN count(*) = 1 THEN 'uq_shipments_organization_reference' ELSE 'missing' END \
                  FROM pg_constraint WHERE conname = 'uq_shipments_organization_reference' AND contype = 'u'"
                .into(),
        },
        Probe {
            name: "no orphaned rows",
            sql: format!(
                "WITH n(name, orphans) AS ({}) SELECT sum(orphans) = 0, \
                 CASE WHEN sum(orphans) = 0 THEN 'none' ELSE string_agg(name || ': ' || orphans, ', ') FILTER (WHERE orphans > 0) END FROM n",
                per_table(
                    "SELECT '{t}', count(*) FROM {t} x WHERE x.organization_id IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = x.organization_id)"
                )
            ),
        },
        Probe {
            name: "shipments linked to buyer orgs",
            sql: "SELECT count(*) FILTER (WHERE s.buyer_organization_id IS NULL AND p.company_name IS NOT NULL \
                         AND btrim(p.company_name) <> '') = 0, \
                  count(*) FILTER (WHERE s.buyer_organization_id IS NOT NULL) || ' of ' || \
                  count(*) FILTER (WHERE p.id IS NOT NULL) || ' shipments with a buyer party linked' \
                  FROM shipments s LEFT JOIN parties p ON p.id = s.buyer_id"
                .into(),
        },
    ]
}

/// Runs every check against the connection's database.
pub async fn verify(conn: &mut PgConnection) -> Report {
    let mut checks = Vec::new();
    checks.push(match revisions::current(conn).await {
        Ok(Some(revision)) => {
            let head = revisions::head();
            let at_least_006 = revision.id >= "006";
            Check {
                name: "revision",
                passed: at_least_006,
                detail: if revision.id == head.id {
                    format!("{} (head)", revision.id)
                } else {
                    format!("{} (head is {}; 006 or later needed)", revision.id, head.id)
                },
            }
        }
        Ok(None) => Check {
            name: "revision",
            passed: false,
            detail: "empty database".into(),
        },
        Err(e) => Check {
            name: "revision",
            passed: false,
            detail: format!("{e:#}"),
        },
    });
    for probe in probes() {
        let result: Result<(Option<bool>, Option<String>), sqlx::Error> =
            sqlx::query_as(&probe.sql).fetch_one(&mut *conn).await;
        checks.push(match result {
            Ok((passed, detail)) => Check {
                name: probe.name,
                passed: passed.unwrap_or(false),
                detail: detail.unwrap_or_default(),
            },
            Err(e) => Check {
                name: probe.name,
                passed: false,
                detail: database_message(&e),
            },
        });
    }
    Report {
        passed: checks.iter().all(|c| c.passed),
        checks,
    }
}

fn database_message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(e) => e.message().to_string(),
        other => other.to_string(),
    }
}
