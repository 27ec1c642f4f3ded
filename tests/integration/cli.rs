//! The `tracehub` binary as operators run it.

use crate::helpers::{stderr, stdout, tracehub_with_env, TestDb};

#[tokio::test]
async fn db_current_prints_the_revision_on_its_last_line() {
    let db = TestDb::at("002").await;
    let output = db.tracehub(&["db", "current"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().last(), Some("002"));
}

#[tokio::test]
async fn db_upgrade_and_downgrade_round_trip_through_the_binary() {
    let db = TestDb::empty().await;
    let output = db.tracehub(&["db", "upgrade", "001"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().last(), Some("001"));
    let output = db.tracehub(&["db", "upgrade"]);
    let head = tracehub::db::revisions::head().id;
    assert_eq!(stdout(&output).lines().last(), Some(head));
    let output = db.tracehub(&["db", "history"]);
    assert!(stdout(&output).contains("002 document_types"));
    assert!(stdout(&output).contains("<- current"));
    let output = db.tracehub(&["db", "downgrade", "001"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(db.revision().await, Some("001"));
}

#[tokio::test]
async fn bad_input_gets_a_one_line_error_and_a_non_zero_exit() {
    let db = TestDb::at("002").await;
    for args in [
        &["db", "upgrade", "999"][..],
        &["db", "downgrade", "sprint8_001"][..],
    ] {
        let output = db.tracehub(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let err = stderr(&output);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("unknown revision"), "{err}");
    }
    assert_eq!(db.revision().await, Some("002"));

    let output = tracehub_with_env(
        &["db", "current"],
        &[("DATABASE_URL", "mysql://root@localhost/tracehub")],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("must be a PostgreSQL URL"));
}

#[tokio::test]
async fn a_database_at_an_unknown_revision_or_a_foreign_dump_is_a_one_line_error() {
    let db = TestDb::at("002").await;
    db.exec("UPDATE alembic_version SET version_num = 'sprint8_001'")
        .await;
    for args in [
        &["db", "current"][..],
        &["db", "upgrade"][..],
        &["migrate", "--yes"][..],
    ] {
        let output = db.tracehub(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let err = stderr(&output);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("'sprint8_001'"), "{err}");
    }

    let not_ours =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.dump", db.name));
    std::fs::write(&not_ours, b"PGDMP but not really a dump").unwrap();
    for args in [
        &["backup", "verify", not_ours.to_str().unwrap()][..],
        &["restore", not_ours.to_str().unwrap(), "--yes"][..],
    ] {
        let output = db.tracehub(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let err = stderr(&output);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("not a TraceHub backup"), "{err}");
    }
    std::fs::remove_file(&not_ours).unwrap();
    assert_eq!(
        db.scalar_string("SELECT version_num FROM alembic_version")
            .await
            .as_deref(),
        Some("sprint8_001")
    );
}

/// Production refuses to serve without `TRACEHUB_PUBLIC_URL` (links would have no trusted
/// base), and a malformed value is refused by every command at start-up.
#[tokio::test]
async fn production_serve_needs_a_valid_public_url() {
    let db = TestDb::at("002").await;
    let secret = "s".repeat(32);
    let base = [
        ("DATABASE_URL", db.url.as_str()),
        ("TRACEHUB_ENV", "production"),
        ("JWT_SECRET", secret.as_str()),
        ("TRACEHUB_BIND", "127.0.0.1:0"),
    ];
    let output = tracehub_with_env(&["serve"], &base);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("TRACEHUB_PUBLIC_URL is not set"),
        "{}",
        stderr(&output)
    );
    let mut env = base.to_vec();
    env.push(("TRACEHUB_PUBLIC_URL", "javascript:alert(1)"));
    let output = tracehub_with_env(&["db", "current"], &env);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("TRACEHUB_PUBLIC_URL"),
        "{}",
        stderr(&output)
    );
}
