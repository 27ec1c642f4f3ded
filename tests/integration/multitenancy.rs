//! Revisions 003–006: the Sprint 8 migration of the predecessor's data to multi-tenancy.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::helpers::{stderr, stdout, TestDb};
use tracehub::db::revisions::{Migrator, Options, Quiet};
use tracehub::ops::checksum::{public_tables, table_checksums, TableChecksum};
use tracehub::ops::seed;
use tracehub::ops::verify::{TENANT_TABLES, VIBOTAJ_ID};

async fn demo_at(revision: &str) -> TestDb {
    let db = TestDb::at("002").await;
    seed::demo(&db.url, Some(revision)).await.unwrap();
    db
}

async fn upgrade(db: &TestDb, target: &str) {
    Migrator::new(&db.url, Options::default(), &Quiet)
        .upgrade(Some(target))
        .await
        .unwrap();
}

async fn downgrade(db: &TestDb, target: &str) {
    Migrator::new(&db.url, Options::default(), &Quiet)
        .downgrade(target)
        .await
        .unwrap();
}

/// Checksums of every table, leaving out the timestamps a migration run sets anew.
async fn fingerprint(db: &TestDb) -> Vec<TableChecksum> {
    let mut conn = db.conn().await;
    let tables = public_tables(&mut conn).await.unwrap();
    let mut sums = Vec::new();
    for table in tables {
        let ignored: &[&str] = match table.as_str() {
            "organizations" | "org_memberships" => &["created_at", "updated_at"],
            _ => &[],
        };
        sums.extend(table_checksums(&mut conn, &[table], ignored).await.unwrap());
    }
    sums
}

async fn application_checksums(db: &TestDb) -> Vec<TableChecksum> {
    let tables: Vec<String> = TENANT_TABLES.iter().map(|t| t.to_string()).collect();
    table_checksums(
        &mut db.conn().await,
        &tables,
        &["organization_id", "buyer_organization_id"],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn demo_data_at_002_migrates_to_head_and_every_verify_check_passes() {
    let db = demo_at("002").await;
    let output = db.tracehub(&["db", "verify"]);
    assert_eq!(output.status.code(), Some(1), "verify must fail at 002");

    let output = db.tracehub(&["db", "upgrade"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = db.tracehub(&["db", "verify"]);
    let report = stdout(&output);
    assert!(output.status.success(), "{report}{}", stderr(&output));
    assert!(!report.contains("FAIL"), "{report}");
    assert!(
        report.contains("PASS VIBOTAJ organization exists"),
        "{report}"
    );

    let output = db.tracehub(&["db", "verify", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["passed"], true);
    assert!(json["checks"].as_array().unwrap().len() >= 10);
}

#[tokio::test]
async fn memberships_follow_the_role_mapping_and_buyers_join_their_organizations() {
    let db = demo_at("006").await;
    let mut conn = db.conn().await;
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.email::text, o.slug::text, m.role::text FROM org_memberships m \
         JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.organization_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let placement: BTreeMap<String, (String, String)> = rows
        .into_iter()
        .map(|(email, slug, role)| (email, (slug, role)))
        .collect();
    let expect = |email: &str, slug: &str, role: &str| {
        assert_eq!(
            placement.get(email),
            Some(&(slug.to_string(), role.to_string())),
            "{email}: {placement:#?}"
        );
    };
    expect("admin@vibotaj.com", "vibotaj", "owner");
    expect("compliance@vibotaj.com", "vibotaj", "admin");
    expect("logistic@vibotaj.com", "vibotaj", "manager");
    expect("viewer@vibotaj.com", "vibotaj", "viewer");
    expect("supplier@temira.ng", "vibotaj", "member");
    expect("buyer@witatrade.de", "witatrade-gmbh", "member");
    expect("buyer@hages.de", "hages-gmbh", "member");
    assert_eq!(placement.len(), 7, "one membership per user");

    let links: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT s.reference::text, o.slug::text, owner.slug::text FROM shipments s \
         JOIN organizations o ON o.id = s.buyer_organization_id \
         JOIN organizations owner ON owner.id = s.organization_id ORDER BY s.reference",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        links,
        [
            (
                "VIBO-2026-001".into(),
                "witatrade-gmbh".into(),
                "vibotaj".into()
            ),
            (
                "VIBO-2026-002".into(),
                "hages-gmbh".into(),
                "vibotaj".into()
            ),
        ]
    );
    let buyer_types: Vec<String> = sqlx::query_scalar(
        "SELECT type::text FROM organizations WHERE slug IN ('witatrade-gmbh', 'hages-gmbh')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(buyer_types, ["buyer", "buyer"]);
}

#[tokio::test]
async fn up_down_up_keeps_every_row_when_only_vibotaj_data_exists() {
    let db = demo_at("002").await;
    let at_002 = fingerprint(&db).await;
    upgrade(&db, "head").await;
    let at_head = fingerprint(&db).await;
    downgrade(&db, "002").await;
    assert_eq!(
        fingerprint(&db).await,
        at_002,
        "002 -> head -> 002 changed data"
    );
    upgrade(&db, "head").await;
    assert_eq!(fingerprint(&db).await, at_head, "a second upgrade differs");
}

#[tokio::test]
async fn downgrade_refuses_while_another_organization_owns_data() {
    let db = demo_at("head").await;
    db.exec(
        "INSERT INTO organizations (id, name, slug, type) \
           VALUES ('00000000-0000-0000-0000-00000000ac1e', 'ACME Logistics', 'acme', 'logistics_agent'); \
         INSERT INTO parties (id, type, company_name, organization_id) \
           VALUES (gen_random_uuid(), 'SHIPPER', 'ACME shipper', '00000000-0000-0000-0000-00000000ac1e');",
    )
    .await;
    let before = fingerprint(&db).await;
    for target in ["003", "002"] {
        let output = db.tracehub(&["db", "downgrade", target]);
        assert_eq!(output.status.code(), Some(1));
        let err = stderr(&output);
        assert!(err.contains("refusing to downgrade"), "{err}");
        assert!(
            err.contains("parties rows of other organizations: 1"),
            "{err}"
        );
    }
    let output = db.tracehub(&["db", "downgrade", "002"]);
    assert!(stderr(&output).contains("organizations created after the migration: 1"));
    assert_eq!(
        db.revision().await,
        Some(tracehub::db::revisions::head().id)
    );
    assert_eq!(
        fingerprint(&db).await,
        before,
        "a refused downgrade changed data"
    );

    // Down to 004 loses nothing (organizations and columns stay), so it goes through.
    let output = db.tracehub(&["db", "downgrade", "004"]);
    assert!(output.status.success(), "{}", stderr(&output));

    let output = db.tracehub(&["db", "downgrade", "002", "--allow-data-loss"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(db.revision().await, Some("002"));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM parties").await, 4);
}

#[tokio::test]
async fn rows_the_old_application_inserts_during_the_migration_land_in_vibotaj() {
    let db = demo_at("002").await;
    let url = db.url.clone();
    // The old application: inserts without organization_id, as fast as it can.
    let writer = tokio::spawn(async move {
        let pool = tracehub::db::connect::pool(&url, 2).await.unwrap();
        let mut inserted = 0u32;
        let mut failures = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while tokio::time::Instant::now() < deadline {
            let result = sqlx::query(
                "INSERT INTO notifications (id, user_id, type, title, message, read, created_at) \
                 VALUES (gen_random_uuid(), 'admin@vibotaj.com', 'system_alert', 'ping', 'during the migration', false, now())",
            )
            .execute(&pool)
            .await;
            match result {
                Ok(_) => inserted += 1,
                Err(e) => failures.push(e.to_string()),
            }
            let done: Option<String> =
                sqlx::query_scalar("SELECT max(version_num) FROM alembic_version")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            if done.as_deref() == Some(tracehub::db::revisions::head().id) {
                break;
            }
        }
        (inserted, failures)
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    upgrade(&db, "head").await;
    let (inserted, failures) = writer.await.unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(inserted > 0);
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM notifications WHERE title = 'ping' AND organization_id = '{VIBOTAJ_ID}'"
        ))
        .await,
        i64::from(inserted)
    );
    // A user the old application creates after the migration still gets a membership.
    db.exec(
        "INSERT INTO users (id, email, hashed_password, full_name, role, is_active, created_at) \
         VALUES (gen_random_uuid(), 'late@vibotaj.com', 'x', 'Late Comer', 'COMPLIANCE', true, now())",
    )
    .await;
    assert_eq!(
        db.scalar_string(
            "SELECT m.role::text FROM org_memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.email = 'late@vibotaj.com' AND m.organization_id = '00000000-0000-0000-0000-000000000001'"
        )
        .await
        .as_deref(),
        Some("admin")
    );
    let output = db.tracehub(&["db", "verify"]);
    assert!(output.status.success(), "{}", stdout(&output));
}

#[tokio::test]
async fn a_migration_killed_at_random_points_always_converges_to_the_same_data() {
    // The reference is this database's own uninterrupted upgrade (seeding again would draw
    // new password salts).
    let db = demo_at("head").await;
    let expected = fingerprint(&db).await;
    let expected_app = application_checksums(&db).await;
    let binary = env!("CARGO_BIN_EXE_tracehub");
    // How long an uninterrupted run takes, process start included: kills spread over it.
    let _ = db.tracehub(&["db", "downgrade", "002"]);
    let started = std::time::Instant::now();
    assert!(db.tracehub(&["db", "upgrade"]).status.success());
    let mut span_ms = started.elapsed().as_millis().max(20) as u64;
    let mut kills = 0;
    for run in 0..60u64 {
        if kills >= 24 {
            break;
        }
        let _ = db.tracehub(&["db", "downgrade", "002"]);
        let mut child = std::process::Command::new(binary)
            .args(["db", "upgrade"])
            .env("DATABASE_URL", &db.url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the whole run (start-up, each revision, the index builds).
        let delay = 1 + (span_ms * run / 24 + rand_jitter(run)) % span_ms;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        } else {
            // The machine is faster now than when measured: aim earlier.
            span_ms = (span_ms * 4 / 5).max(10);
        }
        let _ = child.kill();
        let _ = child.wait();
        let output = db.tracehub(&["db", "upgrade"]);
        assert!(
            output.status.success(),
            "run {run} (killed after {delay} ms): re-run failed: {}",
            stderr(&output)
        );
        assert_eq!(
            fingerprint(&db).await,
            expected,
            "run {run}, killed after {delay} ms"
        );
        assert_eq!(application_checksums(&db).await, expected_app);
    }
    assert!(kills >= 20, "only {kills} runs were killed mid-way");
}

fn rand_jitter(run: u64) -> u64 {
    (run.wrapping_mul(2_654_435_761) >> 7) % 41
}
