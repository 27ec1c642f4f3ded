//! Revision 015: timestamptz without a table rewrite, uuid user references next to the
//! predecessor's free text, and an index for every foreign key.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tracehub::db::revisions::{Migrator, Options, Quiet};

use crate::helpers::demo::{ADMIN, BUYER, SUPPLIER};
use crate::helpers::{TestApp, TestDb};

/// The predecessor's tables (revision 002), whose timestamps 015 converts.
const PREDECESSOR_TABLES: [&str; 11] = [
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

/// The uuid columns 015 adds, as (table, column).
const USER_REFS: [(&str, &str); 6] = [
    ("documents", "uploaded_by_id"),
    ("documents", "validated_by_id"),
    ("document_contents", "validated_by_id"),
    ("origins", "verified_by_id"),
    ("notifications", "recipient_id"),
    ("audit_logs", "actor_id"),
];

fn table_list() -> String {
    PREDECESSOR_TABLES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(table, column, type)` of every timestamp column of the predecessor tables.
async fn timestamp_columns(db: &TestDb) -> Vec<(String, String, String)> {
    let mut conn = db.conn().await;
    sqlx::query_as(&format!(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) \
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname IN ({}) \
            AND a.attnum > 0 AND NOT a.attisdropped \
            AND a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype) \
          ORDER BY 1, 2",
        table_list()
    ))
    .fetch_all(&mut conn)
    .await
    .expect("timestamp columns")
}

/// Every value of every timestamp column as seconds since the epoch (UTC), per row id.
async fn epochs(db: &TestDb, columns: &[(String, String, String)]) -> Vec<String> {
    let mut values = Vec::new();
    for (table, column, _) in columns {
        let sql = format!(
            "SELECT '{table}.{column}: ' || coalesce(string_agg(id::text || '=' || \
                    coalesce(extract(epoch FROM \"{column}\")::text, 'null'), ',' ORDER BY id), '') \
               FROM {table}"
        );
        values.push(db.scalar_string(&sql).await.expect("epochs"));
    }
    values
}

/// Every value of the uuid user references, per row id.
async fn user_refs(db: &TestDb) -> Vec<String> {
    let mut values = Vec::new();
    for (table, column) in USER_REFS {
        let sql = format!(
            "SELECT coalesce(string_agg(id::text || '=' || coalesce({column}::text, 'null'), ',' ORDER BY id), '') \
               FROM {table}"
        );
        values.push(db.scalar_string(&sql).await.expect("user refs"));
    }
    values
}

/// The file node of every predecessor table: a rewrite would give it a new one.
async fn file_nodes(db: &TestDb) -> Vec<(String, i64)> {
    let mut conn = db.conn().await;
    sqlx::query_as(&format!(
        "SELECT relname::text, relfilenode::int8 FROM pg_class \
          WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname IN ({}) \
          ORDER BY 1",
        table_list()
    ))
    .fetch_all(&mut conn)
    .await
    .expect("file nodes")
}

fn types_of(columns: &[(String, String, String)]) -> Vec<&str> {
    let mut types: Vec<&str> = columns.iter().map(|(_, _, t)| t.as_str()).collect();
    types.dedup();
    types
}

/// Upgrade 014 → 015 → 014 → 015 on the demo data: no table is rewritten, no timestamp
/// changes its instant, the uuid references come back the same, and the schema at 014 is
/// what it was (types, default, recipient policies).
#[tokio::test]
async fn revision_015_round_trips_without_rewriting_tables_or_changing_values() {
    let db = TestDb::at("002").await;
    tracehub::ops::seed::demo(&db.url, Some("014"))
        .await
        .expect("demo at 014");
    let columns = timestamp_columns(&db).await;
    assert_eq!(columns.len(), 31, "{columns:?}");
    assert_eq!(types_of(&columns), ["timestamp without time zone"]);
    let before = epochs(&db, &columns).await;
    let nodes = file_nodes(&db).await;
    assert_eq!(nodes.len(), PREDECESSOR_TABLES.len());

    let migrator = Migrator::new(&db.url, Options::default(), &Quiet);
    migrator.upgrade(Some("015")).await.expect("upgrade to 015");
    assert_eq!(db.revision().await, Some("015"));
    let converted = timestamp_columns(&db).await;
    assert_eq!(converted.len(), 31);
    assert_eq!(types_of(&converted), ["timestamp with time zone"]);
    assert_eq!(epochs(&db, &columns).await, before);
    assert_eq!(file_nodes(&db).await, nodes, "a table was rewritten");
    // The indexes dropped for the conversion are back, valid, under their old names.
    let rebuilt = "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indisvalid AND c.relname IN ('ix_shipments_organization_id_created_at_id', \
         'ix_shipments_buyer_organization_id_created_at_id', 'ix_container_events_organization_id_event_timestamp', \
         'ix_notifications_user_created', 'ix_notifications_organization_id_user_id_created_at', \
         'ix_audit_logs_timestamp', 'ix_audit_logs_user_timestamp', 'ix_audit_logs_action_timestamp', \
         'ix_audit_logs_organization_id_timestamp')";
    assert_eq!(db.scalar_i64(rebuilt).await, 9);
    let default = "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d \
         JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
         WHERE d.adrelid = 'shipments'::regclass AND a.attname = 'created_at'";
    assert_eq!(db.scalar_string(default).await.as_deref(), Some("now()"));
    let refs = user_refs(&db).await;
    let no_helper = "SELECT count(*) FROM pg_proc WHERE proname = 'retype_timestamps_015'";
    assert_eq!(db.scalar_i64(no_helper).await, 0);

    migrator.downgrade("014").await.expect("downgrade to 014");
    assert_eq!(db.revision().await, Some("014"));
    let back = timestamp_columns(&db).await;
    assert_eq!(types_of(&back), ["timestamp without time zone"]);
    assert_eq!(epochs(&db, &columns).await, before);
    assert_eq!(file_nodes(&db).await, nodes, "a table was rewritten");
    assert_eq!(db.scalar_i64(rebuilt).await, 9);
    assert!(db
        .scalar_string(default)
        .await
        .is_some_and(|d| d.contains("AT TIME ZONE")));
    let uuid_columns = "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' \
         AND column_name IN ('uploaded_by_id', 'validated_by_id', 'verified_by_id', 'recipient_id', 'actor_id')";
    assert_eq!(db.scalar_i64(uuid_columns).await, 0);
    let email_policies = "SELECT count(*) FROM pg_policies WHERE tablename = 'notifications' \
         AND policyname LIKE 'own_notifications_%' AND qual LIKE '%email%'";
    assert_eq!(db.scalar_i64(email_policies).await, 3);

    migrator.upgrade(None).await.expect("upgrade again");
    assert_eq!(epochs(&db, &columns).await, before);
    assert_eq!(user_refs(&db).await, refs);
    assert_eq!(file_nodes(&db).await, nodes, "a table was rewritten");
    assert_eq!(db.scalar_i64(email_policies).await, 0);
}

/// Every foreign key of the public schema leads some index with its columns, so deleting a
/// referenced row (and the key check) never scans the referencing table.
#[tokio::test]
async fn every_foreign_key_has_an_index_at_head() {
    let db = TestDb::at(tracehub::db::revisions::head().id).await;
    let mut conn = db.conn().await;
    let unindexed: Vec<String> = sqlx::query_scalar(
        "SELECT c.conrelid::regclass::text || '.' || c.conname FROM pg_constraint c \
          WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace \
            AND NOT EXISTS ( \
                SELECT 1 FROM pg_index i \
                 WHERE i.indrelid = c.conrelid AND i.indisvalid \
                   AND i.indnkeyatts >= array_length(c.conkey, 1) \
                   AND (SELECT array_agg(k ORDER BY k) FROM unnest((i.indkey::int2[])[0:array_length(c.conkey, 1) - 1]) k) \
                     = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) k)) \
          ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("foreign keys");
    assert!(
        unindexed.is_empty(),
        "foreign keys without an index: {unindexed:?}"
    );
    // The check itself sees foreign keys (the predecessor's eleven and more).
    let foreign_keys = db
        .scalar_i64("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace")
        .await;
    assert!(foreign_keys > 11, "{foreign_keys}");
}

/// The user with this e-mail, as a SQL expression.
fn user_id(email: &str) -> String {
    format!("(SELECT id FROM users WHERE email = '{email}')")
}

/// The demo users' documents, contents, origins, notifications and audit rows get their
/// uuid; rows written later with only the text get it from the triggers; deleting a user
/// clears (documents) or deletes (notifications) what pointed at them, never audit rows.
#[tokio::test]
async fn demo_users_references_are_backfilled_and_derived_for_new_rows() {
    let app = TestApp::spawn(2, Duration::from_secs(5)).await;
    let db = app.db();
    // Every text that names a user now has that user's uuid; the demo data has some of each.
    for (table, text, id) in [
        ("documents", "uploaded_by", "uploaded_by_id"),
        ("documents", "validated_by", "validated_by_id"),
        ("document_contents", "validated_by", "validated_by_id"),
        ("origins", "verified_by", "verified_by_id"),
        ("notifications", "user_id", "recipient_id"),
    ] {
        let wrong = format!(
            "SELECT count(*) FROM {table} t WHERE t.{id} IS DISTINCT FROM \
             (SELECT u.id FROM users u WHERE lower(u.email) = lower(t.{text}))"
        );
        assert_eq!(db.scalar_i64(&wrong).await, 0, "{table}.{id}");
        let filled = format!("SELECT count(*) FROM {table} WHERE {id} IS NOT NULL");
        assert!(db.scalar_i64(&filled).await > 0, "{table}.{id}");
    }
    let supplier_uploads = format!(
        "SELECT count(*) FROM documents WHERE uploaded_by = '{SUPPLIER}' AND uploaded_by_id = {}",
        user_id(SUPPLIER)
    );
    assert!(db.scalar_i64(&supplier_uploads).await > 0);
    let buyer_inbox = format!(
        "SELECT count(*) FROM notifications WHERE recipient_id = {}",
        user_id(BUYER)
    );
    assert!(db.scalar_i64(&buyer_inbox).await > 0);
    let actors =
        "SELECT count(*) FROM audit_logs WHERE user_id IS NOT NULL AND actor_id <> user_id::uuid";
    assert_eq!(db.scalar_i64(actors).await, 0);
    // The append-only audit history is not rewritten: older rows keep actor_id NULL, and
    // app.audit_actor_id derives their actor when read.
    assert_eq!(
        db.scalar_i64(
            "SELECT count(*) FROM audit_logs WHERE username IS NOT NULL \
               AND coalesce(actor_id, app.audit_actor_id(user_id, username)) IS NULL"
        )
        .await,
        0
    );

    // A throwaway user, written to the way the old application writes: text only.
    db.exec(
        "INSERT INTO users (id, email, hashed_password, full_name, role, is_active, created_at) \
         VALUES ('00000000-0000-4000-8000-0000000001f5', 'Temp@Example.test', 'x', 'Temp', 'VIEWER', true, now()); \
         INSERT INTO notifications (id, user_id, type, title, message, read, created_at) VALUES \
             ('00000000-0000-4000-8000-0000000002f5', 'temp@example.test', 'system_alert', 't', 'm', false, now()), \
             ('00000000-0000-4000-8000-0000000003f5', 'nobody@example.test', 'system_alert', 't', 'm', false, now()); \
         INSERT INTO audit_logs (id, username, action, success, \"timestamp\") \
         VALUES ('00000000-0000-4000-8000-0000000004f5', 'TEMP@example.test', 'test.action', 'true', now())",
    )
    .await;
    let temp = "'00000000-0000-4000-8000-0000000001f5'";
    assert_eq!(
        db.scalar_string("SELECT recipient_id::text FROM notifications WHERE id = '00000000-0000-4000-8000-0000000002f5'")
            .await
            .as_deref(),
        Some("00000000-0000-4000-8000-0000000001f5")
    );
    assert_eq!(
        db.scalar_string("SELECT recipient_id::text FROM notifications WHERE id = '00000000-0000-4000-8000-0000000003f5'")
            .await,
        None
    );
    // A changed text re-derives the uuid; an explicit uuid in the same statement wins.
    let document = "(SELECT id FROM documents ORDER BY id LIMIT 1)";
    db.exec(&format!(
        "UPDATE documents SET uploaded_by = 'temp@example.test' WHERE id = {document}"
    ))
    .await;
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM documents WHERE id = {document} AND uploaded_by_id = {temp}"
        ))
        .await,
        1
    );
    db.exec(&format!(
        "UPDATE documents SET validated_by = 'temp@example.test', validated_by_id = {} WHERE id = {document}",
        user_id(ADMIN)
    ))
    .await;
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM documents WHERE id = {document} AND validated_by_id = {}",
            user_id(ADMIN)
        ))
        .await,
        1
    );
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE id = '00000000-0000-4000-8000-0000000004f5' AND actor_id = {temp}"
        ))
        .await,
        1
    );

    // Deleting the user: documents keep their text and lose the uuid, the inbox goes, the
    // audit row keeps its actor.
    db.exec(&format!("DELETE FROM users WHERE id = {temp}"))
        .await;
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM documents WHERE id = {document} AND uploaded_by = 'temp@example.test' AND uploaded_by_id IS NULL"
        ))
        .await,
        1
    );
    assert_eq!(
        db.scalar_i64(
            "SELECT count(*) FROM notifications WHERE id = '00000000-0000-4000-8000-0000000002f5'"
        )
        .await,
        0
    );
    assert_eq!(
        db.scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE actor_id = {temp}"
        ))
        .await,
        1
    );
}

/// The inbox follows the recipient's uuid: it survives a change of e-mail address. The audit
/// rows the API writes carry the actor's uuid.
#[tokio::test]
async fn notifications_follow_the_recipient_and_audit_rows_name_the_actor() {
    let app = TestApp::spawn(2, Duration::from_secs(5)).await;
    let token = app.token(BUYER).await;
    let before = app.get_ok("/api/v1/notifications", &token).await;
    let inbox = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.recipient_id \
             WHERE u.email = '{BUYER}'"
        ))
        .await;
    assert!(inbox > 0, "the demo buyer has notifications");
    assert_eq!(before["total"].as_i64().unwrap(), inbox, "{before}");
    app.db()
        .exec(&format!(
            "UPDATE users SET email = 'renamed@witatrade.de' WHERE email = '{BUYER}'"
        ))
        .await;
    for prefix in ["/api/v1", "/api"] {
        let after = app.get_ok(&format!("{prefix}/notifications"), &token).await;
        assert_eq!(after, before, "{prefix}");
    }

    let admin = app.token(ADMIN).await;
    let response = app
        .send_json(
            Method::POST,
            "/api/v1/users",
            &admin,
            &json!({"email": "audited@vibotaj.com", "full_name": "Audited", "password": "Str0ngPassword"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let rows = app
        .db()
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE action = 'user.create' AND actor_id = {} \
             AND user_id = actor_id::text",
            user_id(ADMIN)
        ))
        .await;
    assert_eq!(rows, 1);
}
