//! The runbook end to end, through the scripts operators run (MIGRATION_QUICKSTART.md).

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::helpers::{stderr, stdout, TestDb};
use tracehub::ops::checksum::{public_tables, table_checksums, TableChecksum};
use tracehub::ops::seed;

fn script(name: &str, db: &TestDb, backup_dir: &PathBuf, args: &[&str]) -> Output {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name);
    Command::new(path)
        .args(args)
        .env("DATABASE_URL", &db.url)
        .env("BACKUP_DIR", backup_dir)
        .env("TRACEHUB_BIN", env!("CARGO_BIN_EXE_tracehub"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running a runbook script")
}

async fn checksums(db: &TestDb) -> Vec<TableChecksum> {
    let mut conn = db.conn().await;
    let tables = public_tables(&mut conn).await.unwrap();
    table_checksums(&mut conn, &tables, &[]).await.unwrap()
}

#[tokio::test]
async fn backup_migrate_validate_rollback_and_restore_work_as_the_runbook_says() {
    let db = TestDb::at("002").await;
    seed::demo(&db.url, Some("002")).await.unwrap();
    let before = checksums(&db).await;
    let backup_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("runbook")
        .join(&db.name);

    // 1. Create backup.
    let output = script("backup_pre_migration.sh", &db, &backup_dir, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("✓ Backup created: "), "{text}");
    assert!(text.contains("✓ Backup verified successfully"), "{text}");
    let dump = PathBuf::from(text.lines().last().unwrap());
    assert!(dump.starts_with(&backup_dir) && dump.exists(), "{text}");
    assert!(dump
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("tracehub_pre_sprint8_"));

    // 2. Run migrations: without a terminal it needs --yes and changes nothing without it.
    let output = script("run_migration_sprint8.sh", &db, &backup_dir, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--yes"), "{}", stderr(&output));
    assert_eq!(db.revision().await, Some("002"));
    let output = script("run_migration_sprint8.sh", &db, &backup_dir, &["--yes"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}{}", stderr(&output));
    for expected in [
        "✓ Preflight",
        "✓ Backup verified successfully",
        "✓ Migration 003",
        "✓ Migration 006",
        "Summary",
        "all 12 checks passed",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }

    // 4. Verify: the runbook's own SQL, and our validation.
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT o.name::text, COUNT(s.id) AS shipments FROM organizations o \
         LEFT JOIN shipments s ON s.organization_id = o.id GROUP BY o.name ORDER BY o.name",
    )
    .fetch_all(&mut db.conn().await)
    .await
    .unwrap();
    assert!(rows.contains(&("VIBOTAJ GmbH".to_string(), 2)), "{rows:?}");
    let output = script("validate_migration.sh", &db, &backup_dir, &[]);
    assert!(output.status.success(), "{}", stdout(&output));

    // Quick rollback: back to 002 with every row as it was.
    let output = db.tracehub(&["db", "downgrade", "002"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(checksums(&db).await, before);

    // Full restore from the step-1 backup, after some damage.
    db.exec("DELETE FROM notifications; UPDATE parties SET phone = NULL;")
        .await;
    let output = script(
        "restore_from_backup.sh",
        &db,
        &backup_dir,
        &[dump.to_str().unwrap(), "--yes"],
    );
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert_eq!(checksums(&db).await, before);

    // The replaced database is kept; clean it up.
    let mut conn = db.conn().await;
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE $1")
            // Long names are shortened to fit PostgreSQL's 63 bytes; the prefix survives.
            .bind(format!("{}%_pre_restore_%", &db.name[..20]))
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    for name in kept {
        db.exec(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .await;
    }
}
