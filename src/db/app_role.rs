//! How the server logs in: as the application role itself.
//!
//! The server's pool logs in as `tracehub_app` (revision 007's role, NOBYPASSRLS, not the
//! owner), never as the owner or a superuser switched down with `SET ROLE`: a `SET ROLE` can
//! be undone by `RESET ROLE`, so SQL injected into a query of a switched-down session would be
//! the owner's. Migrations and backups keep their own connection with `DATABASE_URL`.
//!
//! The role's password is derived from the owner's credentials in `DATABASE_URL`, so every
//! server instance (and every database of a cluster: roles are cluster-wide) computes the same
//! one, and nothing has to be stored. When the role cannot log in with it yet, the owner
//! gives it (`ALTER ROLE … LOGIN PASSWORD`, which needs a superuser or CREATEROLE). Where the
//! owner may not, `TRACEHUB_APP_DATABASE_URL` names the login directly.

use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection};

use super::tenant::APP_ROLE;

/// The password of the application role for an owner URL: a digest of the owner's user and
/// password under a fixed label (hex, so it can be written into `ALTER ROLE` as it is).
pub fn derived_password(owner: &PgConnectOptions, owner_url: &str) -> String {
    let password = url::Url::parse(owner_url)
        .ok()
        .and_then(|url| url.password().map(str::to_string))
        .unwrap_or_default();
    let mut digest = Sha256::new();
    digest.update(b"tracehub application role login\0");
    digest.update(owner.get_username().as_bytes());
    digest.update(b"\0");
    digest.update(password.as_bytes());
    hex::encode(digest.finalize())
}

/// The options to log in as the application role, giving it its login first if needed.
pub async fn login_options(owner_url: &str) -> Result<PgConnectOptions, sqlx::Error> {
    let owner: PgConnectOptions = owner_url.parse()?;
    let password = derived_password(&owner, owner_url);
    let app = owner.clone().username(APP_ROLE).password(&password);
    if try_login(&app).await.is_ok() {
        return Ok(app);
    }
    let mut conn = PgConnection::connect_with(&owner).await?;
    // Concurrent starts alter the same catalog row; PostgreSQL then reports "tuple
    // concurrently updated" to one of them, which simply tries again (same value).
    let mut attempt = 0;
    loop {
        let result = conn
            .execute(format!("ALTER ROLE {APP_ROLE} WITH LOGIN PASSWORD '{password}'").as_str())
            .await;
        match result {
            Ok(_) => break,
            Err(_) if attempt < 5 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
            }
            Err(error) => return Err(error),
        }
    }
    conn.close().await?;
    try_login(&app).await?;
    Ok(app)
}

async fn try_login(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    PgConnection::connect_with(options).await?.close().await
}

/// Refuses a login that is not the application role itself, or that could bypass row-level
/// security.
pub async fn verify(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let (current, session, superuser, bypass): (String, String, bool, bool) = sqlx::query_as(
        "SELECT current_user::text, session_user::text, r.rolsuper, r.rolbypassrls \
           FROM pg_roles r WHERE r.rolname = current_user",
    )
    .fetch_one(conn)
    .await?;
    if current != APP_ROLE || session != APP_ROLE || superuser || bypass {
        return Err(sqlx::Error::Configuration(
            format!(
                "the server must log in as the role {APP_ROLE} itself (logged in as {session}, \
                 acting as {current}, superuser {superuser}, bypassrls {bypass})"
            )
            .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_depends_on_the_owner_credentials_only() {
        let url = "postgres://owner:secret@localhost:5432/one";
        let options: PgConnectOptions = url.parse().unwrap();
        let same = "postgres://owner:secret@otherhost:6543/two";
        let other = "postgres://owner:other@localhost:5432/one";
        let derived = derived_password(&options, url);
        assert_eq!(derived.len(), 64);
        assert!(derived.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(derived, derived_password(&same.parse().unwrap(), same));
        assert_ne!(derived, derived_password(&other.parse().unwrap(), other));
    }
}
