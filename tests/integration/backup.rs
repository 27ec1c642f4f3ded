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

// ---- Stored document files (issue 12) ----

use tracehub::ops::backup::{create_backup_with, restore_with, BackupOptions, FilesMode};
use tracehub::storage::{Storage, StorageConfig, StorageKey};

/// A document row of the demo shipment `shipment` with a stored file key (not yet stored).
async fn insert_document(db: &TestDb, shipment: &str, sha256: &str) -> StorageKey {
    let mut conn = db.conn().await;
    let id = uuid::Uuid::new_v4();
    let (shipment_id, organization_id): (uuid::Uuid, uuid::Uuid) =
        sqlx::query_as("SELECT id, organization_id FROM shipments WHERE id = $1::uuid")
            .bind(shipment)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let key = StorageKey::new(organization_id, shipment_id, id);
    sqlx::query(
        "INSERT INTO documents (id, shipment_id, organization_id, document_type, name, status, \
             storage_key, content_sha256, created_at, updated_at) \
         VALUES ($1, $2, $3, (enum_range(NULL::documenttype))[1], 'backup test', \
             (enum_range(NULL::documentstatus))[1], $4, $5, now(), now())",
    )
    .bind(id)
    .bind(shipment_id)
    .bind(organization_id)
    .bind(key.to_string())
    .bind(sha256)
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    key
}

fn content(tag: &str, size: usize) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.4 {tag}\n").into_bytes();
    let mut x: u32 = 2166136261;
    while bytes.len() < size {
        x = x.wrapping_mul(16777619) ^ 0x5bd1_e995;
        bytes.push((x >> 13) as u8);
    }
    bytes
}

async fn stored_bytes(storage: &Storage, key: &StorageKey) -> Option<Vec<u8>> {
    use futures_util::StreamExt;
    let mut fetched = match storage.get(key, None).await {
        Ok(fetched) => fetched,
        Err(tracehub::storage::GetError::NotFound) => return None,
        Err(e) => panic!("{e:#}"),
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = fetched.body.next().await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    Some(bytes)
}

const SHIPMENT_1: &str = "30000000-0000-4000-8000-000000000001";
const SHIPMENT_2: &str = "30000000-0000-4000-8000-000000000002";

#[tokio::test]
async fn backup_copies_stored_files_and_restore_puts_them_back_locally_and_into_s3() {
    let db = demo_at_head().await;
    let dir = backup_dir();
    let upload_dir = dir.join("uploads");
    let local = StorageConfig::Local {
        dir: upload_dir.clone(),
    };
    let storage = Storage::open(&local).unwrap();
    let mut docs = Vec::new();
    for (shipment, tag, size) in [
        (SHIPMENT_1, "bl", 1_300_000),
        (SHIPMENT_1, "coo", 10),
        (SHIPMENT_2, "invoice", 70_000),
    ] {
        let bytes = content(tag, size);
        let key = insert_document(&db, shipment, &hex::encode(Sha256::digest(&bytes))).await;
        storage.put_bytes(&key, bytes.clone().into()).await.unwrap();
        docs.push((key, bytes));
    }
    // A row whose file is gone from storage, and one whose file is not what the row says.
    let missing = insert_document(&db, SHIPMENT_2, &"0".repeat(64)).await;
    let odd_bytes = content("odd", 500);
    let odd = insert_document(&db, SHIPMENT_2, &"1".repeat(64)).await;
    storage
        .put_bytes(&odd, odd_bytes.clone().into())
        .await
        .unwrap();
    docs.push((odd, odd_bytes));

    let options = BackupOptions {
        storage: local.clone(),
        files: FilesMode::Copy,
    };
    let made = create_backup_with(&db.url, &dir.join("b"), "files", &options)
        .await
        .unwrap();
    let m = &made.manifest;
    assert_eq!(m.format_version, 3);
    let stored = m.stored_files.as_ref().expect("stored files listed");
    assert_eq!(stored.mode, FilesMode::Copy);
    assert_eq!(stored.count, 4);
    assert_eq!(
        stored.bytes,
        docs.iter().map(|(_, b)| b.len() as u64).sum::<u64>()
    );
    assert_eq!(stored.missing, [missing.to_string()]);
    assert_eq!(stored.mismatched.len(), 1);
    assert_eq!(stored.mismatched[0].key, odd.to_string());
    let folder = made
        .dump_path
        .with_file_name(stored.folder.as_deref().unwrap());
    assert_eq!(folder, made.dump_path.with_extension("files"));
    for (key, bytes) in &docs {
        let entry = stored
            .files
            .iter()
            .find(|f| f.key == key.to_string())
            .unwrap();
        assert_eq!(entry.bytes, bytes.len() as u64);
        assert_eq!(entry.sha256, hex::encode(Sha256::digest(bytes)));
        assert_eq!(&std::fs::read(folder.join(key.to_string())).unwrap(), bytes);
    }
    let text = made.to_text();
    assert!(text.contains("stored files: 4 files"), "{text}");
    assert!(
        text.contains(&format!("! stored file {missing} is missing from storage")),
        "{text}"
    );
    assert!(
        text.contains(&format!("! stored file {odd} has SHA-256")),
        "{text}"
    );
    let on_disk: Manifest =
        serde_json::from_str(&std::fs::read_to_string(&made.manifest_path).unwrap()).unwrap();
    assert_eq!(&on_disk, m);

    let verified = verify_backup(&db.url, &made.dump_path).await.unwrap();
    assert_eq!(
        (verified.files_checked, verified.files_bytes),
        (4, stored.bytes)
    );
    assert!(verified.to_text().contains("4 stored files"));

    // Files lost from storage: the restore puts them back, byte for byte.
    for (key, _) in &docs[..3] {
        storage.delete(key).await.unwrap();
    }
    let report = restore_with(&db.url, &made.dump_path, &dir.join("safety1"), &local)
        .await
        .unwrap();
    let _cleanup = cleanup(&db, &[report.old_database.as_deref().unwrap()]);
    assert_eq!(
        (
            report.files.listed,
            report.files.restored,
            report.files.skipped
        ),
        (4, 3, 1)
    );
    for (key, bytes) in &docs {
        assert_eq!(stored_bytes(&storage, key).await.as_ref(), Some(bytes));
    }
    assert!(
        report.to_text().contains("4 listed, 3 put back"),
        "{}",
        report.to_text()
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["files"]["restored"], 3);

    // Into another home: a bucket (local → S3).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let s3 = crate::s3::start().await;
    let bucket = StorageConfig::S3(s3.config(Some("restored")));
    let report = restore_with(&db.url, &made.dump_path, &dir.join("safety2"), &bucket)
        .await
        .unwrap();
    let _cleanup2 = cleanup(&db, &[report.old_database.as_deref().unwrap()]);
    assert_eq!((report.files.restored, report.files.skipped), (4, 0));
    let in_bucket = Storage::open(&bucket).unwrap();
    for (key, bytes) in &docs {
        assert_eq!(stored_bytes(&in_bucket, key).await.as_ref(), Some(bytes));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_damaged_or_missing_stored_file_copy_is_named_and_nothing_is_restored() {
    let db = demo_at_head().await;
    let dir = backup_dir();
    let local = StorageConfig::Local {
        dir: dir.join("uploads"),
    };
    let storage = Storage::open(&local).unwrap();
    let bytes = content("cert", 4000);
    let key = insert_document(&db, SHIPMENT_1, &hex::encode(Sha256::digest(&bytes))).await;
    storage.put_bytes(&key, bytes.clone().into()).await.unwrap();
    let options = BackupOptions {
        storage: local.clone(),
        files: FilesMode::Copy,
    };
    let made = create_backup_with(&db.url, &dir.join("b"), "tamper", &options)
        .await
        .unwrap();
    let copy = made.dump_path.with_extension("files").join(key.to_string());

    // Same size, one byte changed.
    let mut tampered = bytes.clone();
    tampered[100] ^= 1;
    std::fs::write(&copy, &tampered).unwrap();
    let err = one_line(verify_backup(&db.url, &made.dump_path).await.unwrap_err());
    assert!(
        err.contains(&format!("stored file {key} is damaged: SHA-256")),
        "{err}"
    );

    // Gone from the backup: the restore names it and changes nothing.
    std::fs::remove_file(&copy).unwrap();
    storage.delete(&key).await.unwrap();
    let before = checksums(&db).await;
    let err = one_line(
        restore_with(&db.url, &made.dump_path, &dir.join("safety"), &local)
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains(&format!("stored file {key} is missing from the backup")),
        "{err}"
    );
    assert_untouched(&db, &before).await;
    assert_eq!(stored_bytes(&storage, &key).await, None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn cli_backup_can_reference_files_and_restore_reports_json() {
    let db = demo_at_head().await;
    let dir = backup_dir();
    let upload_dir = dir.join("uploads");
    let storage = Storage::local(&upload_dir).unwrap();
    let bytes = content("ref", 3000);
    let key = insert_document(&db, SHIPMENT_1, &hex::encode(Sha256::digest(&bytes))).await;
    storage.put_bytes(&key, bytes.clone().into()).await.unwrap();
    let backups = dir.join("b");
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("UPLOAD_DIR", upload_dir.to_str().unwrap()),
        ("BACKUP_DIR", backups.to_str().unwrap()),
    ];
    let out = crate::helpers::tracehub_with_env(
        &["backup", "--label", "ref", "--files", "reference"],
        &env,
    );
    assert!(out.status.success(), "{}", crate::helpers::stderr(&out));
    let text = crate::helpers::stdout(&out);
    assert!(text.contains("referenced only (not copied)"), "{text}");
    let dump = PathBuf::from(text.lines().last().unwrap());
    assert!(!dump.with_extension("files").exists());
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(manifest_path_for(&dump)).unwrap()).unwrap();
    let stored = manifest.stored_files.unwrap();
    assert_eq!(stored.mode, FilesMode::Reference);
    assert_eq!(stored.count, 1);
    assert_eq!(stored.files[0].sha256, hex::encode(Sha256::digest(&bytes)));

    let out = crate::helpers::tracehub_with_env(
        &["restore", dump.to_str().unwrap(), "--yes", "--json"],
        &env,
    );
    assert!(out.status.success(), "{}", crate::helpers::stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let _cleanup = cleanup(&db, &[report["old_database"].as_str().unwrap()]);
    assert_eq!(report["files"]["listed"], 1);
    assert_eq!(report["files"]["restored"], 0);
    assert_eq!(report["files"]["not_in_storage"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}
