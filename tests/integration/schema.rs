//! Revisions 001 + 002 reproduce the predecessor's schema; predecessor databases are adopted.

use crate::helpers::TestDb;
use tracehub::db::catalog::{expected_schema_002, read_catalog, CompareOptions};
use tracehub::db::revisions::{Migrator, Options, Quiet};

#[tokio::test]
async fn revisions_001_and_002_build_exactly_the_spec_schema() {
    let db = TestDb::at("002").await;
    let found = read_catalog(&mut db.conn().await, "public").await.unwrap();
    let differences = found.differences(&expected_schema_002(), CompareOptions::exact());
    assert!(differences.is_empty(), "{differences:#?}");
    assert_eq!(found.tables.len(), 12);
    assert_eq!(found.indexes.len(), 24);
    assert_eq!(found.foreign_keys.len(), 11);
}

/// The predecessor's databases were built by its ORM and stamped, and older ones got some
/// documenttype labels appended by its revision 002: build one that way.
async fn predecessor_database() -> TestDb {
    let db = TestDb::empty().await;
    let baseline = include_str!("../../migrations/001_baseline/up.sql");
    let older_enum = "CREATE TYPE documenttype AS ENUM ('BILL_OF_LADING', 'COMMERCIAL_INVOICE', \
        'PACKING_LIST', 'CERTIFICATE_OF_ORIGIN', 'PHYTOSANITARY_CERTIFICATE', \
        'FUMIGATION_CERTIFICATE', 'INSURANCE_CERTIFICATE', 'CUSTOMS_DECLARATION', 'CONTRACT', 'OTHER');";
    let start = baseline
        .find("CREATE TYPE documenttype")
        .expect("documenttype");
    let end = start + baseline[start..].find(");").expect("end of enum") + 2;
    let older_baseline = format!("{}{}{}", &baseline[..start], older_enum, &baseline[end..]);
    db.exec(&older_baseline).await;
    db.exec(include_str!("../../migrations/002_document_types/up.sql"))
        .await;
    db.exec(
        "CREATE TABLE alembic_version (version_num character varying(32) NOT NULL, \
         CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)); \
         INSERT INTO alembic_version VALUES ('002');",
    )
    .await;
    db
}

#[tokio::test]
async fn a_predecessor_database_at_002_is_adopted_without_any_change() {
    let db = predecessor_database().await;
    let before = read_catalog(&mut db.conn().await, "public").await.unwrap();
    let labels = &before.enums["documenttype"];
    assert_eq!(
        labels.last().map(String::as_str),
        Some("EXPORT_DECLARATION")
    );
    assert!(before
        .differences(&expected_schema_002(), CompareOptions::adoption())
        .is_empty());

    let output = db.tracehub(&["db", "current"]);
    assert_eq!(crate::helpers::stdout(&output).lines().last(), Some("002"));
    let after = read_catalog(&mut db.conn().await, "public").await.unwrap();
    assert_eq!(before, after, "reading the revision changed the schema");

    Migrator::new(&db.url, Options::default(), &Quiet)
        .upgrade(None)
        .await
        .unwrap();
    assert_eq!(
        db.revision().await,
        Some(tracehub::db::revisions::head().id)
    );
}

#[tokio::test]
async fn a_database_at_002_with_a_different_schema_is_refused_before_any_change() {
    let db = TestDb::at("002").await;
    db.exec("DROP INDEX ix_audit_logs_request_id; ALTER TABLE parties ADD COLUMN nickname text;")
        .await;
    let err = db.upgrade_error().await;
    assert!(err.contains("differs from the predecessor's"), "{err}");
    assert!(err.contains("ix_audit_logs_request_id"), "{err}");
    assert!(err.contains("nickname"), "{err}");
    assert_eq!(db.revision().await, Some("002"));
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM pg_tables WHERE tablename = 'organizations'")
            .await,
        0
    );
}
