//! Row-level security (revision 007) as the server's role sees it.

use std::time::Duration;

use crate::helpers::TestDb;
use sqlx::Row;
use tracehub::db::tenant::{AppPool, TenantContext, TenantTx};
use tracehub::ops::verify::{TENANT_TABLES, VIBOTAJ_ID};
use uuid::Uuid;

const OTHER_ORG: &str = "00000000-0000-0000-0000-0000000000b2";

/// The demo world at head, plus a second organization with one shipment and one party.
async fn two_tenants() -> TestDb {
    let db = TestDb::demo().await;
    db.exec(&format!(
        "INSERT INTO organizations (id, name, slug, type) VALUES ('{OTHER_ORG}', 'Other Exporter', 'other', 'supplier'); \
         INSERT INTO parties (id, type, company_name, organization_id, created_at) \
           VALUES (gen_random_uuid(), 'SUPPLIER', 'Secret supplier', '{OTHER_ORG}', now()); \
         INSERT INTO shipments (id, reference, container_number, status, organization_id, created_at) \
           VALUES (gen_random_uuid(), 'OTHER-1', 'MSCU1234566', 'CREATED', '{OTHER_ORG}', now());"
    ))
    .await;
    db
}

/// The application role's pool on `db`, as the server opens it.
async fn app_pool(db: &TestDb, size: u32) -> AppPool {
    AppPool::connect(&db.url, size, Duration::from_secs(5))
        .await
        .expect("application pool")
}

fn context(org: &str) -> TenantContext {
    TenantContext {
        organization_id: org.parse().unwrap(),
        user_id: None,
    }
}

async fn count(conn: &mut sqlx::PgConnection, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn without_a_tenant_context_every_tenant_table_is_empty_and_rejects_writes() {
    let db = two_tenants().await;
    let pool = app_pool(&db, 1).await;
    let mut conn = pool.pool_for_isolation_tests().acquire().await.unwrap();
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(role, "tracehub_app");
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(!superuser && !bypass);

    for table in TENANT_TABLES
        .iter()
        .chain(&["organizations", "org_memberships", "invitations"])
    {
        assert_eq!(
            count(&mut conn, table).await,
            0,
            "{table} is visible without context"
        );
    }
    let err = sqlx::query(
        "INSERT INTO parties (id, type, company_name, created_at) VALUES (gen_random_uuid(), 'BUYER', 'x', now())",
    )
    .execute(&mut *conn)
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("row-level security"), "{err}");
    let updated = sqlx::query("UPDATE shipments SET vessel_name = 'hijacked'")
        .execute(&mut *conn)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0);
    // The owner still sees every row: nothing was changed.
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM shipments WHERE vessel_name = 'hijacked'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_tenant_sees_only_its_rows_and_a_reused_connection_forgets_the_previous_tenant() {
    let db = two_tenants().await;
    // One connection, so both transactions run on the same backend.
    let pool = app_pool(&db, 1).await;

    let mut a = TenantTx::begin(&pool, context(VIBOTAJ_ID)).await.unwrap();
    let pid_a: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(a.connection_for_isolation_tests())
        .await
        .unwrap();
    let refs: Vec<String> = sqlx::query_scalar("SELECT reference::text FROM shipments ORDER BY 1")
        .fetch_all(a.connection_for_isolation_tests())
        .await
        .unwrap();
    assert_eq!(refs, ["VIBO-2026-001", "VIBO-2026-002"]);
    let secret: i64 =
        sqlx::query_scalar("SELECT count(*) FROM parties WHERE company_name = 'Secret supplier'")
            .fetch_one(a.connection_for_isolation_tests())
            .await
            .unwrap();
    assert_eq!(secret, 0);
    a.commit().await.unwrap();

    let mut b = TenantTx::begin(&pool, context(OTHER_ORG)).await.unwrap();
    let pid_b: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(b.connection_for_isolation_tests())
        .await
        .unwrap();
    assert_eq!(pid_a, pid_b, "the test needs the same pooled connection");
    let refs: Vec<String> = sqlx::query_scalar("SELECT reference::text FROM shipments")
        .fetch_all(b.connection_for_isolation_tests())
        .await
        .unwrap();
    assert_eq!(refs, ["OTHER-1"]);
    for table in TENANT_TABLES {
        let foreign: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE organization_id <> '{OTHER_ORG}'"
        ))
        .fetch_one(b.connection_for_isolation_tests())
        .await
        .unwrap();
        assert_eq!(foreign, 0, "{table} shows another tenant's rows");
    }
    // Writing into another tenant is refused, also by naming its id.
    let err = sqlx::query(&format!(
        "INSERT INTO parties (id, type, company_name, organization_id, created_at) \
         VALUES (gen_random_uuid(), 'BUYER', 'x', '{VIBOTAJ_ID}', now())"
    ))
    .execute(b.connection_for_isolation_tests())
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("row-level security"), "{err}");
    b.rollback().await.unwrap();

    // After the transaction, the same connection has no tenant at all.
    let mut conn = pool.pool_for_isolation_tests().acquire().await.unwrap();
    assert_eq!(count(&mut conn, "shipments").await, 0);
}

#[tokio::test]
async fn new_rows_take_the_tenant_of_the_transaction() {
    let db = two_tenants().await;
    let pool = app_pool(&db, 2).await;
    let mut tx = TenantTx::begin(&pool, context(OTHER_ORG)).await.unwrap();
    sqlx::query(
        "INSERT INTO parties (id, type, company_name, created_at) VALUES (gen_random_uuid(), 'BUYER', 'Defaulted', now())",
    )
    .execute(tx.connection_for_isolation_tests())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        db.scalar_string(
            "SELECT organization_id::text FROM parties WHERE company_name = 'Defaulted'"
        )
        .await
        .as_deref(),
        Some(OTHER_ORG)
    );
}

#[tokio::test]
async fn a_buyer_organization_reads_its_assigned_shipments_but_cannot_change_them() {
    let db = two_tenants().await;
    let witatrade: Uuid = db
        .scalar_string("SELECT id::text FROM organizations WHERE slug = 'witatrade-gmbh'")
        .await
        .unwrap()
        .parse()
        .unwrap();
    let pool = app_pool(&db, 2).await;
    let mut tx = TenantTx::begin(
        &pool,
        TenantContext {
            organization_id: witatrade,
            user_id: None,
        },
    )
    .await
    .unwrap();
    let refs: Vec<String> = sqlx::query_scalar("SELECT reference::text FROM shipments")
        .fetch_all(tx.connection_for_isolation_tests())
        .await
        .unwrap();
    assert_eq!(refs, ["VIBO-2026-001"]);
    let documents: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM documents d JOIN shipments s ON s.id = d.shipment_id",
    )
    .fetch_one(tx.connection_for_isolation_tests())
    .await
    .unwrap();
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM container_events")
        .fetch_one(tx.connection_for_isolation_tests())
        .await
        .unwrap();
    // Exactly the assigned shipment's, as its owner counts them: no other tenant's rows.
    let of_assigned = |table: &str| {
        format!(
            "SELECT count(*) FROM {table} t JOIN shipments s ON s.id = t.shipment_id \
             WHERE s.reference = 'VIBO-2026-001'"
        )
    };
    let stored_documents = db.scalar_i64(&of_assigned("documents")).await;
    let stored_events = db.scalar_i64(&of_assigned("container_events")).await;
    assert!(
        stored_documents > 0 && stored_events > 0,
        "the demo has both"
    );
    assert_eq!((documents, events), (stored_documents, stored_events));
    // Not the exporter's other data.
    assert_eq!(
        count(tx.connection_for_isolation_tests(), "parties").await,
        0
    );
    assert_eq!(
        count(tx.connection_for_isolation_tests(), "audit_logs").await,
        0
    );

    let updated = sqlx::query("UPDATE shipments SET vessel_name = 'changed by buyer'")
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0);
    let deleted = sqlx::query("DELETE FROM container_events")
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(deleted, 0);
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn the_audit_log_is_append_only_and_platform_access_is_audited() {
    let db = two_tenants().await;
    let pool = app_pool(&db, 2).await;
    // Revision 017: the organization's owners, admins and managers read its audit log;
    // members, viewers and a context without a user read nothing.
    let total = db
        .scalar_i64(&format!(
            "SELECT count(*) FROM audit_logs WHERE organization_id = '{VIBOTAJ_ID}'"
        ))
        .await;
    assert!(total > 0);
    for (email, visible) in [
        ("admin@vibotaj.com", total),
        ("logistic@vibotaj.com", total),
        ("viewer@vibotaj.com", 0),
    ] {
        let user = db
            .scalar_string(&format!(
                "SELECT id::text FROM users WHERE email = '{email}'"
            ))
            .await
            .unwrap();
        let member = TenantContext {
            user_id: Some(user.parse().unwrap()),
            ..context(VIBOTAJ_ID)
        };
        let mut tx = TenantTx::begin(&pool, member).await.unwrap();
        assert_eq!(
            count(tx.connection_for_isolation_tests(), "audit_logs").await,
            visible,
            "{email}"
        );
        tx.rollback().await.unwrap();
    }
    let mut tx = TenantTx::begin(&pool, context(VIBOTAJ_ID)).await.unwrap();
    assert_eq!(
        count(tx.connection_for_isolation_tests(), "audit_logs").await,
        0,
        "no user, no audit rows"
    );
    let err = sqlx::query("DELETE FROM audit_logs")
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("permission denied"), "{err}");
    tx.rollback().await.unwrap();

    let mut tx = TenantTx::begin_platform(
        &pool,
        context(VIBOTAJ_ID),
        "admin@vibotaj.com",
        "support case 42",
    )
    .await
    .unwrap();
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM shipments")
        .fetch_one(tx.connection_for_isolation_tests())
        .await
        .unwrap();
    assert_eq!(all, 3, "platform access sees every organization");
    tx.commit().await.unwrap();
    let row = sqlx::query(
        "SELECT username, details->>'reason' AS reason FROM audit_logs WHERE action = 'platform.access'",
    )
    .fetch_one(&mut db.conn().await)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("username"), "admin@vibotaj.com");
    assert_eq!(row.get::<String, _>("reason"), "support case 42");
}

/// Revision 017 at the database level: what the application role may do even if injected SQL
/// ran in a member's transaction.
#[tokio::test]
async fn revision_017_confines_own_row_updates_state_changes_and_notifications() {
    let db = two_tenants().await;
    let pool = app_pool(&db, 2).await;
    let id_of = |email: &'static str| {
        let db = &db;
        async move {
            db.scalar_string(&format!(
                "SELECT id::text FROM users WHERE email = '{email}'"
            ))
            .await
            .unwrap()
        }
    };
    let viewer = id_of("viewer@vibotaj.com").await;
    let owner = id_of("admin@vibotaj.com").await;
    let as_user = |user: &str| TenantContext {
        user_id: Some(user.parse().unwrap()),
        ..context(VIBOTAJ_ID)
    };

    // A viewer renames himself, but neither promotes nor reactivates himself.
    let mut tx = TenantTx::begin(&pool, as_user(&viewer)).await.unwrap();
    let renamed = sqlx::query("UPDATE users SET full_name = 'Me' WHERE id = $1::uuid")
        .bind(&viewer)
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(renamed, 1);
    let err = sqlx::query("UPDATE users SET role = 'ADMIN' WHERE id = $1::uuid")
        .bind(&viewer)
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("permission denied"), "{err}");
    tx.rollback().await.unwrap();
    for (target, role, active) in [
        (&viewer, Some("ADMIN"), None),
        (&viewer, None, Some(false)),
        (&owner, None, Some(false)),
    ] {
        let mut tx = TenantTx::begin(&pool, as_user(&viewer)).await.unwrap();
        let changed: bool = sqlx::query_scalar("SELECT app.set_account_state($1::uuid, $2, $3)")
            .bind(target)
            .bind(role)
            .bind(active)
            .fetch_one(tx.connection_for_isolation_tests())
            .await
            .unwrap();
        assert!(!changed, "a viewer changed {target} {role:?} {active:?}");
        tx.rollback().await.unwrap();
    }
    // The owner deactivates the viewer; the system role only on the platform path.
    let mut tx = TenantTx::begin(&pool, as_user(&owner)).await.unwrap();
    let set = |role: Option<&'static str>, active: Option<bool>| {
        sqlx::query_scalar::<_, bool>("SELECT app.set_account_state($1::uuid, $2, $3)")
            .bind(viewer.clone())
            .bind(role)
            .bind(active)
    };
    assert!(set(None, Some(false))
        .fetch_one(tx.connection_for_isolation_tests())
        .await
        .unwrap());
    assert!(!set(Some("ADMIN"), None)
        .fetch_one(tx.connection_for_isolation_tests())
        .await
        .unwrap());
    tx.rollback().await.unwrap();
    let mut tx = TenantTx::begin_platform(&pool, as_user(&owner), "admin@vibotaj.com", "test")
        .await
        .unwrap();
    assert!(set(Some("COMPLIANCE"), None)
        .fetch_one(tx.connection_for_isolation_tests())
        .await
        .unwrap());
    tx.rollback().await.unwrap();

    // Notifications: each reads his own, never the organization's others.
    let own = db
        .scalar_i64(&format!(
            "SELECT count(*) FROM notifications WHERE recipient_id = '{viewer}'"
        ))
        .await;
    let others = db
        .scalar_i64(&format!(
            "SELECT count(*) FROM notifications WHERE organization_id = '{VIBOTAJ_ID}' \
             AND recipient_id IS DISTINCT FROM '{viewer}'"
        ))
        .await;
    assert!(others > 0, "the demo has other users' notifications");
    let mut tx = TenantTx::begin(&pool, as_user(&viewer)).await.unwrap();
    assert_eq!(
        count(tx.connection_for_isolation_tests(), "notifications").await,
        own
    );
    let touched = sqlx::query("UPDATE notifications SET read = true")
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(touched as i64, own);
    tx.rollback().await.unwrap();
}

/// The server logs in as the application role itself: there is no `SET ROLE` that injected
/// SQL could `RESET`.
#[tokio::test]
async fn the_pool_logs_in_as_the_application_role_itself() {
    let db = two_tenants().await;
    let pool = app_pool(&db, 1).await;
    let mut tx = TenantTx::begin(&pool, context(VIBOTAJ_ID)).await.unwrap();
    let (session, current): (String, String) =
        sqlx::query_as("SELECT session_user::text, current_user::text")
            .fetch_one(tx.connection_for_isolation_tests())
            .await
            .unwrap();
    assert_eq!(
        (session.as_str(), current.as_str()),
        ("tracehub_app", "tracehub_app")
    );
    sqlx::query("RESET ROLE")
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap();
    let after: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(tx.connection_for_isolation_tests())
        .await
        .unwrap();
    assert_eq!(after, "tracehub_app");
    let err = sqlx::query("UPDATE alembic_version SET version_num = version_num")
        .execute(tx.connection_for_isolation_tests())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("permission denied"), "{err}");
    tx.rollback().await.unwrap();
    // An explicit login that is not the application role is refused.
    let refused = AppPool::connect_as(&db.url, 1, Duration::from_secs(5)).await;
    assert!(refused.is_err(), "the owner's login must not serve");
}
