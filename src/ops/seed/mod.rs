//! `tracehub seed demo | synthetic`: the predecessor's demo world, and large synthetic
//! predecessor databases for benchmarks.
//!
//! Both are written in the predecessor's schema (revision 002), exactly as its application
//! would have left them, and then brought to the requested revision by the real migration —
//! so a seeded database at 006 is what the Sprint 8 migration makes of the demo world.

use anyhow::{bail, Context, Result};
use sqlx::{Connection, PgConnection};

use crate::db::revisions::{self, Migrator, Options, Quiet};

/// The password of every demo and synthetic user.
pub const DEMO_PASSWORD: &str = "tracehub2026";

/// The demo logins, for the README and the start-up banner.
pub const DEMO_USERS: [(&str, &str); 7] = [
    ("admin@vibotaj.com", "ADMIN"),
    ("compliance@vibotaj.com", "COMPLIANCE"),
    ("logistic@vibotaj.com", "LOGISTICS_AGENT"),
    ("viewer@vibotaj.com", "VIEWER"),
    ("buyer@witatrade.de", "BUYER"),
    ("buyer@hages.de", "BUYER"),
    ("supplier@temira.ng", "SUPPLIER"),
];

const DEMO_SQL: &str = include_str!("demo.sql");
const SYNTHETIC_SQL: &str = include_str!("synthetic.sql");

/// What a seeding run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seeded {
    Created,
    AlreadyThere,
}

/// A bcrypt hash of the demo password, as the predecessor stored passwords.
fn demo_password_hash() -> Result<String> {
    // Cost 10 keeps seeding quick; the application re-hashes with argon2id on first login.
    Ok(bcrypt::hash(DEMO_PASSWORD, 10)?)
}

/// Seeds the demo world and leaves the database at `at_revision` (default: head).
pub async fn demo(url: &str, at_revision: Option<&str>) -> Result<Seeded> {
    let target = revisions::find(at_revision.unwrap_or("head"))?;
    let migrator = Migrator::new(url, Options::default(), &Quiet);
    let mut conn = PgConnection::connect(url).await?;
    let current = revisions::current(&mut conn).await?;
    if current.is_some_and(|c| c.id > target.id) {
        bail!(
            "the database is at revision {}, past the requested {}; seed an empty database or pick a later revision",
            current.map(|c| c.id).unwrap_or_default(),
            target.id
        );
    }
    if current.is_none_or(|c| c.id < "002") {
        migrator.upgrade(Some("002")).await?;
    }
    let already: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = 'admin@vibotaj.com')")
            .fetch_one(&mut conn)
            .await?;
    if !already {
        let hash = demo_password_hash()?;
        let mut tx = conn.begin().await?;
        sqlx::query("SELECT set_config('tracehub.seed_password_hash', $1, true)")
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(DEMO_SQL)
            .execute(&mut *tx)
            .await
            .context("inserting the demo data")?;
        tx.commit().await?;
        // Past 005 the migration's data step has already run: derive organizations,
        // memberships and buyer links for the new rows the same way. Re-running 005 also
        // re-creates its membership trigger as 005 wrote it, so past 015 that revision runs
        // again too (its trigger function for timestamptz; every step is idempotent).
        if current.is_some_and(|c| c.id >= "005") {
            migrator.rerun("005").await?;
        }
        if current.is_some_and(|c| c.id >= "015") {
            migrator.rerun("015").await?;
        }
    }
    migrator.upgrade(Some(target.id)).await?;
    Ok(if already {
        Seeded::AlreadyThere
    } else {
        Seeded::Created
    })
}

/// Seeds the benchmark world of `shipments` shipments into an empty database (built at 002),
/// then upgrades it to `at_revision` (default 002).
pub async fn synthetic(url: &str, shipments: u32, at_revision: Option<&str>) -> Result<()> {
    if shipments == 0 {
        bail!("--shipments must be at least 1");
    }
    let target = revisions::find(at_revision.unwrap_or("002"))?;
    let migrator = Migrator::new(url, Options::default(), &Quiet);
    let mut conn = PgConnection::connect(url).await?;
    match revisions::current(&mut conn).await? {
        None => {
            migrator.upgrade(Some("002")).await?;
        }
        Some(c) if c.id == "002" => {}
        Some(c) => bail!(
            "synthetic data is generated into an empty database or one at revision 002 without data; this one is at {}",
            c.id
        ),
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut conn)
        .await?;
    if users > 0 {
        bail!("the database already holds data ({users} users); synthetic data needs an empty one");
    }
    sqlx::query("SELECT set_config('tracehub.seed_password_hash', $1, false), set_config('tracehub.seed_shipments', $2, false)")
        .bind(demo_password_hash()?)
        .bind(shipments.to_string())
        .execute(&mut conn)
        .await?;
    sqlx::raw_sql(SYNTHETIC_SQL)
        .execute(&mut conn)
        .await
        .context("generating the synthetic data")?;
    migrator.upgrade(Some(target.id)).await?;
    Ok(())
}
