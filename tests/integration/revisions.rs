//! The revision engine on a real database.

use crate::helpers::TestDb;
use tracehub::db::revisions::{Migrator, Options, Quiet};

#[tokio::test]
async fn upgrades_an_empty_database_to_head_and_records_each_revision() {
    let db = TestDb::empty().await;
    assert_eq!(db.revision().await, None);
    let timings = Migrator::new(&db.url, Options::default(), &Quiet)
        .upgrade(None)
        .await
        .unwrap();
    let applied: Vec<&str> = timings.iter().map(|t| t.revision.id).collect();
    let all: Vec<&str> = tracehub::db::revisions::all()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(applied, all);
    assert_eq!(
        db.revision().await,
        Some(tracehub::db::revisions::head().id)
    );
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM alembic_version").await,
        1
    );
}

#[tokio::test]
async fn downgrade_to_base_refuses_while_rows_exist_and_changes_nothing() {
    let db = TestDb::at("002").await;
    db.exec(
        "INSERT INTO parties (id, type, company_name) VALUES (gen_random_uuid(), 'BUYER', 'HAGES')",
    )
    .await;
    let err = Migrator::new(&db.url, Options::default(), &Quiet)
        .downgrade("base")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("refusing to downgrade"), "{err}");
    assert!(err.contains("parties rows: 1"), "{err}");
    assert_eq!(db.revision().await, Some("002"));
    assert_eq!(db.scalar_i64("SELECT count(*) FROM parties").await, 1);

    let options = Options {
        allow_data_loss: true,
        ..Options::default()
    };
    Migrator::new(&db.url, options, &Quiet)
        .downgrade("base")
        .await
        .unwrap();
    assert_eq!(db.revision().await, None);
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_second_migration_run_is_refused_while_one_holds_the_lock() {
    let db = TestDb::at("002").await;
    let lock = tracehub::db::revisions::MigrationLock::acquire(&db.url)
        .await
        .unwrap();
    let err = db.upgrade_error().await;
    assert!(err.contains("another migration is running"), "{err}");
    lock.release().await.unwrap();
}

#[tokio::test]
async fn an_unknown_recorded_revision_is_reported_and_left_alone() {
    let db = TestDb::at("002").await;
    db.exec("UPDATE alembic_version SET version_num = 'sprint8_001'")
        .await;
    let err = db.upgrade_error().await;
    assert!(err.contains("revision 'sprint8_001'"), "{err}");
    assert_eq!(
        db.scalar_string("SELECT version_num FROM alembic_version")
            .await
            .as_deref(),
        Some("sprint8_001")
    );
}

#[tokio::test]
async fn tables_without_alembic_version_are_not_adopted() {
    let db = TestDb::empty().await;
    db.exec("CREATE TABLE something_else (id int)").await;
    let err = db.upgrade_error().await;
    assert!(err.contains("not a TraceHub database"), "{err}");
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_failing_revision_leaves_the_last_completed_one_recorded_and_says_so() {
    let db = TestDb::at("005").await;
    // A row that breaks 006's NOT NULL check (inserted with an explicit NULL after 005).
    db.exec(
        "INSERT INTO parties (id, type, company_name, organization_id) \
         VALUES (gen_random_uuid(), 'BUYER', 'Nobody', NULL)",
    )
    .await;
    let output = db.tracehub(&["db", "upgrade"]);
    assert_eq!(output.status.code(), Some(1));
    let err = crate::helpers::stderr(&output);
    assert!(err.contains("revision 006"), "{err}");
    assert!(
        err.contains("the database is at revision 005 (the last completed one)"),
        "{err}"
    );
    assert_eq!(db.revision().await, Some("005"));

    // Fixed, a re-run completes from where it stopped.
    db.exec("UPDATE parties SET organization_id = '00000000-0000-0000-0000-000000000001' WHERE organization_id IS NULL")
        .await;
    let output = db.tracehub(&["db", "upgrade"]);
    assert!(
        output.status.success(),
        "{}",
        crate::helpers::stderr(&output)
    );
    assert_eq!(
        db.revision().await,
        Some(tracehub::db::revisions::head().id)
    );
}
