//! Backups, verification and restores against a real server: the runbook's "Create Backup"
//! and "Full Restore from Backup".

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};
use tracehub::db::connect::quote_ident;
use tracehub::db::revisions;
use tracehub::ops::backup::{
    self, create_backup, manifest_path_for, restore, verify_backup, Manifest,
};
use tracehub::ops::checksum::{public_tables, table_checksums, TableChecksum};

use crate::helpers::TestDb;

async fn demo_at_head() -> TestDb {
    TestDb::demo().await
}

/// A backup folder of this test's own (it does not exist yet: create_backup makes it).
fn backup_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("backups")
        .join(uuid::Uuid::new_v4().simple().to_string())
}

fn maintenance_url(db_url: &str) -> String {
    let mut url = url::Url::parse(db_url).unwrap();
    url.set_path("/postgres");
    url.to_string()
}

async fn checksums_at(url: &str) -> Vec<TableChecksum> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let tables = public_tables(&mut conn).await.unwrap();
    let sums = table_checksums(&mut conn, &tables, &[]).await.unwrap();
    conn.close().await.unwrap();
    sums
}

async fn checksums(db: &TestDb) -> Vec<TableChecksum> {
    checksums_at(&db.url).await
}

/// Databases whose name starts with `prefix`.
async fn databases_like(db: &TestDb, prefix: &str) -> Vec<String> {
    let mut admin = PgConnection::connect(&maintenance_url(&db.url))
        .await
        .unwrap();
    let names = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1",
    )
    .bind(prefix)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();
    names
}

/// Drops databases a test made (renamed-away originals), also when the test panics.
struct DropDatabases {
    admin_url: String,
    names: Vec<String>,
}

impl Drop for DropDatabases {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let names = std::mem::take(&mut self.names);
        // Like TestDb: a runtime of our own on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    for name in names {
                        let sql = format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            quote_ident(&name)
                        );
                        let _ = sqlx::raw_sql(&sql).execute(&mut admin).await;
                    }
                }
            });
        })
        .join();
    }
}

fn cleanup(db: &TestDb, names: &[&str]) -> DropDatabases {
    DropDatabases {
        admin_url: maintenance_url(&db.url),
        names: names.iter().map(|n| n.to_string()).collect(),
    }
}

fn sha256_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// An error as the binary prints it: the whole chain, which must be a single line.
fn one_line(error: anyhow::Error) -> String {
    let text = format!("{error:#}");
    assert!(!text.contains('\n'), "error spans several lines: {text}");
    text
}

/// The database is exactly as before and no restore left anything behind.
async fn assert_untouched(db: &TestDb, before: &[TableChecksum]) {
    assert_eq!(checksums(db).await, before, "the database changed");
    assert!(databases_like(db, &format!("{}_restore_", db.name))
        .await
        .is_empty());
    let prefix = &db.name[..db.name.len().min(20)];
    let renamed: Vec<String> = databases_like(db, prefix)
        .await
        .into_iter()
        .filter(|n| n.contains("_pre_restore_"))
        .collect();
    assert!(renamed.is_empty(), "renamed databases: {renamed:?}");
}

#[tokio::test]
async fn backup_of_demo_data_has_a_true_manifest_and_verifies() {
    let db = demo_at_head().await;
    let dir = backup_dir();
    let made = create_backup(&db.url, &dir, "pre_sprint8").await.unwrap();

    let name = made
        .dump_path
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        name.starts_with("tracehub_pre_sprint8_") && name.ends_with(".dump"),
        "{name}"
    );
    let stamp = &name["tracehub_pre_sprint8_".len()..name.len() - ".dump".len()];
    assert!(
        chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d_%H%M%S").is_ok(),
        "{stamp}"
    );
    assert_eq!(made.manifest_path, manifest_path_for(&made.dump_path));
    assert_eq!(
        files_in(&dir),
        [name.clone(), name.replace(".dump", ".manifest.json")],
        "no partial files may remain"
    );

    // The manifest on disk is the one returned, and it tells the truth.
    let on_disk: Manifest =
        serde_json::from_str(&std::fs::read_to_string(&made.manifest_path).unwrap()).unwrap();
    assert_eq!(on_disk, made.manifest);
    let m = &made.manifest;
    assert_eq!(m.format, "tracehub-backup");
    assert_eq!(m.tool.name, "tracehub");
    assert_eq!(m.database, db.name);
    assert_eq!(
        m.schema_revision.as_deref(),
        Some(revisions::find("head").unwrap().id)
    );
    assert!(
        m.pg_dump.starts_with("pg_dump (PostgreSQL) "),
        "{}",
        m.pg_dump
    );
    assert_eq!(m.dump.file, name);
    assert_eq!(
        m.dump.bytes,
        std::fs::metadata(&made.dump_path).unwrap().len()
    );
    assert_eq!(m.dump.sha256, sha256_of(&made.dump_path));
    assert_eq!(m.tables, checksums(&db).await);
    let users = db.scalar_i64("SELECT count(*) FROM users").await;
    let shipments = db.scalar_i64("SELECT count(*) FROM shipments").await;
    let table = |name: &str| m.tables.iter().find(|t| t.table == name).unwrap().rows;
    assert!(users > 0 && shipments > 0);
    assert_eq!(table("users"), users);
    assert_eq!(table("shipments"), shipments);
    assert_eq!(table("alembic_version"), 1);
    assert!(Path::new(&m.documents.path).is_absolute());
    assert_eq!(m.documents.present, Path::new(&m.documents.path).is_dir());
    if !m.documents.present {
        assert_eq!(m.documents.note, "not present");
    }
    chrono::DateTime::parse_from_rfc3339(&m.created_at).unwrap();

    use std::os::unix::fs::PermissionsExt;
    for path in [&made.dump_path, &made.manifest_path] {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }

    let report = verify_backup(&db.url, &made.dump_path).await.unwrap();
    assert_eq!(report.tables, m.tables);
    assert_eq!(report.total_rows, m.total_rows());
    assert!(report.to_text().contains("verified"));
    assert!(made.to_text().contains("Backup verified successfully"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn restore_brings_back_the_backup_and_keeps_the_old_database() {
    let db = demo_at_head().await;
    let dir = backup_dir();
    let before = checksums(&db).await;
    let made = create_backup(&db.url, &dir, "before_change").await.unwrap();

    db.exec(
        "DELETE FROM notifications WHERE id = (SELECT id FROM notifications ORDER BY id LIMIT 1);
         INSERT INTO audit_logs
           SELECT (jsonb_populate_record(a, jsonb_build_object('id', gen_random_uuid()))).*
           FROM audit_logs a ORDER BY id LIMIT 1;",
    )
    .await;
    let changed = checksums(&db).await;
    assert_ne!(changed, before);

    // An application session on the database: the swap must end it, not wait for it.
    let mut app_session = db.conn().await;
    let safety_dir = dir.join("safety");
    let report = restore(&db.url, &made.dump_path, &safety_dir)
        .await
        .unwrap();
    assert!(
        sqlx::query("SELECT 1")
            .execute(&mut app_session)
            .await
            .is_err(),
        "the old session was terminated"
    );
    let old = report
        .old_database
        .clone()
        .expect("the old database is kept");
    let _cleanup = cleanup(&db, &[&old]);

    assert_eq!(
        checksums(&db).await,
        before,
        "every table as it was backed up"
    );
    assert_eq!(report.database, db.name);
    assert_eq!(
        report.restored_revision.as_deref(),
        Some(revisions::find("head").unwrap().id)
    );
    assert_eq!(report.tables, before.len());
    assert_eq!(
        report.total_rows,
        before.iter().map(|t| t.rows).sum::<i64>()
    );
    assert!(
        old.starts_with(&db.name[..20]) && old.contains("_pre_restore_"),
        "{old}"
    );

    // The replaced database is still there, with the changed data.
    assert_eq!(checksums_at(&db.url.replace(&db.name, &old)).await, changed);
    // And the safety backup holds the changed data too.
    let safety = report.safety_backup.clone().expect("a safety backup");
    assert!(safety.is_file());
    let safety_name = safety.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        safety_name.starts_with("tracehub_pre_restore_"),
        "{safety_name}"
    );
    let safety_manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(manifest_path_for(&safety)).unwrap())
            .unwrap();
    assert_eq!(safety_manifest.tables, changed);

    assert!(databases_like(&db, &format!("{}_restore_", &db.name[..20]))
        .await
        .is_empty());
    let text = report.to_text();
    assert!(text.contains(&old) && text.contains(&safety_name), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn corrupted_and_truncated_dumps_are_refused() {
    let db = demo_at_head().await;
    let dir = backup_dir();
    let made = create_backup(&db.url, &dir, "damaged").await.unwrap();
    let original = std::fs::read(&made.dump_path).unwrap();
    db.exec("DELETE FROM notifications WHERE id = (SELECT id FROM notifications LIMIT 1)")
        .await;
    let before = checksums(&db).await;
    let safety_dir = dir.join("safety");

    let mut flipped = original.clone();
    flipped[original.len() / 2] ^= 0x01;
    std::fs::write(&made.dump_path, &flipped).unwrap();
    let err = one_line(verify_backup(&db.url, &made.dump_path).await.unwrap_err());
    assert!(err.contains("SHA-256 mismatch"), "{err}");
    let err = one_line(
        restore(&db.url, &made.dump_path, &safety_dir)
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains("SHA-256 mismatch") && err.contains("refusing to restore"),
        "{err}"
    );
    assert_untouched(&db, &before).await;

    std::fs::write(&made.dump_path, &original[..original.len() / 2]).unwrap();
    let err = one_line(verify_backup(&db.url, &made.dump_path).await.unwrap_err());
    assert!(err.contains("size mismatch"), "{err}");
    let err = one_line(
        restore(&db.url, &made.dump_path, &safety_dir)
            .await
            .unwrap_err(),
    );
    assert!(err.contains("size mismatch"), "{err}");
    assert_untouched(&db, &before).await;
    assert!(
        !safety_dir.exists(),
        "no safety backup is taken for a bad dump"
    );

    // The intact file still verifies: the checks above were about the damage, not the data.
    std::fs::write(&made.dump_path, &original).unwrap();
    verify_backup(&db.url, &made.dump_path).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn files_that_are_not_our_backups_are_refused() {
    let db = demo_at_head().await;
    let before = checksums(&db).await;
    let dir = backup_dir();
    let safety_dir = dir.join("safety");
    std::fs::create_dir_all(&dir).unwrap();

    // Random bytes, no manifest.
    let random = dir.join("random.dump");
    let bytes: Vec<u8> = (0..4096).map(|_| rand::random::<u8>()).collect();
    std::fs::write(&random, &bytes).unwrap();
    let err = one_line(verify_backup(&db.url, &random).await.unwrap_err());
    assert!(
        err.contains("is not a TraceHub backup (no manifest"),
        "{err}"
    );
    let err = one_line(restore(&db.url, &random, &safety_dir).await.unwrap_err());
    assert!(
        err.contains("is not a TraceHub backup (no manifest"),
        "{err}"
    );
    // An unparsable manifest is no better than none.
    std::fs::write(manifest_path_for(&random), "{ not json").unwrap();
    let err = one_line(verify_backup(&db.url, &random).await.unwrap_err());
    assert!(
        err.contains("is not a TraceHub backup (no manifest"),
        "{err}"
    );

    // A real backup of an unrelated database gives us a valid manifest to forge from.
    let other = TestDb::empty().await;
    other
        .exec("CREATE TABLE parcels (id int PRIMARY KEY, label text); INSERT INTO parcels VALUES (1, 'a'), (2, 'b');")
        .await;
    let foreign = create_backup(&other.url, &dir, "unrelated").await.unwrap();

    // Random bytes under a manifest that matches their size and hash: not an archive.
    let mut forged = foreign.manifest.clone();
    forged.dump.bytes = bytes.len() as u64;
    forged.dump.sha256 = sha256_of(&random);
    std::fs::write(
        manifest_path_for(&random),
        serde_json::to_string(&forged).unwrap(),
    )
    .unwrap();
    let err = one_line(verify_backup(&db.url, &random).await.unwrap_err());
    assert!(err.contains("not a pg_dump custom-format archive"), "{err}");

    // Archive magic followed by garbage: pg_restore itself refuses, in one line.
    let fake = dir.join("fake.dump");
    let mut fake_bytes = b"PGDMP".to_vec();
    fake_bytes.extend_from_slice(&bytes);
    std::fs::write(&fake, &fake_bytes).unwrap();
    forged.dump.bytes = fake_bytes.len() as u64;
    forged.dump.sha256 = sha256_of(&fake);
    std::fs::write(
        manifest_path_for(&fake),
        serde_json::to_string(&forged).unwrap(),
    )
    .unwrap();
    let err = one_line(verify_backup(&db.url, &fake).await.unwrap_err());
    assert!(err.contains("pg_restore failed"), "{err}");

    // A valid pg_dump of the unrelated database, with a manifest forged to claim our data:
    // size and hash match, so only the restored contents can give it away.
    let mut claims = foreign.manifest.clone();
    claims.database = db.name.clone();
    claims.tables = before.clone();
    std::fs::write(
        &foreign.manifest_path,
        serde_json::to_string(&claims).unwrap(),
    )
    .unwrap();
    let err = one_line(
        verify_backup(&db.url, &foreign.dump_path)
            .await
            .unwrap_err(),
    );
    assert!(err.contains("does not match the manifest"), "{err}");
    assert!(err.contains("table alembic_version is missing"), "{err}");
    let err = one_line(
        restore(&db.url, &foreign.dump_path, &safety_dir)
            .await
            .unwrap_err(),
    );
    assert!(err.contains("refusing to restore"), "{err}");

    assert_untouched(&db, &before).await;
    assert!(!safety_dir.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn backup_under_live_writes_matches_its_snapshot() {
    let db = demo_at_head().await;
    db.exec("CREATE TABLE ticks (id bigserial PRIMARY KEY, note text NOT NULL)")
        .await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let url = db.url.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut conn = PgConnection::connect(&url).await.unwrap();
            let mut writes = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // An insert and an update per round: both row counts and contents move.
                for sql in [
                    "INSERT INTO ticks (note) VALUES (md5(random()::text))",
                    "UPDATE notifications SET read = NOT read \
                     WHERE id = (SELECT id FROM notifications ORDER BY random() LIMIT 1)",
                ] {
                    sqlx::query(sql).execute(&mut conn).await.unwrap();
                }
                writes += 1;
            }
            writes
        })
    };
    while db.scalar_i64("SELECT count(*) FROM ticks").await < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let dir = backup_dir();
    let made = create_backup(&db.url, &dir, "live").await.unwrap();
    let in_backup = made
        .manifest
        .tables
        .iter()
        .find(|t| t.table == "ticks")
        .unwrap()
        .rows;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = writer.await.unwrap();

    let now = db.scalar_i64("SELECT count(*) FROM ticks").await;
    assert!(in_backup >= 20, "the backup saw {in_backup} ticks");
    assert!(
        now > in_backup,
        "writes went on around the backup ({in_backup} then {now}, {writes} rounds)"
    );
    // create_backup verified already; verifying again proves the pair stands on its own.
    let report = verify_backup(&db.url, &made.dump_path).await.unwrap();
    assert_eq!(report.tables, made.manifest.tables);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn restore_into_an_empty_database_skips_the_safety_backup_and_says_so() {
    let source = demo_at_head().await;
    let dir = backup_dir();
    let made = create_backup(&source.url, &dir, "source").await.unwrap();
    let expected = checksums(&source).await;

    let target = TestDb::empty().await;
    let safety_dir = backup_dir();
    let report = backup::restore(&target.url, &made.dump_path, &safety_dir)
        .await
        .unwrap();
    let old = report.old_database.clone().unwrap();
    let _cleanup = cleanup(&target, &[&old]);

    assert!(report.safety_backup.is_none());
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("had no tables at all")),
        "{:?}",
        report.notes
    );
    assert!(!safety_dir.exists());
    assert_eq!(checksums(&target).await, expected);
    assert!(report.to_text().contains("no tables at all"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn restore_stops_untouched_when_the_safety_backup_cannot_be_written() {
    let db = demo_at_head().await;
    let dir = backup_dir();
    let made = create_backup(&db.url, &dir, "good").await.unwrap();
    db.exec("DELETE FROM notifications WHERE id = (SELECT id FROM notifications LIMIT 1)")
        .await;
    let before = checksums(&db).await;

    // A regular file where the safety folder should go.
    let blocked = dir.join("not_a_folder");
    std::fs::write(&blocked, b"x").unwrap();
    let err = one_line(
        restore(&db.url, &made.dump_path, &blocked)
            .await
            .unwrap_err(),
    );
    assert!(err.contains("taking the safety backup"), "{err}");
    assert_untouched(&db, &before).await;
    let _ = std::fs::remove_dir_all(&dir);
}
