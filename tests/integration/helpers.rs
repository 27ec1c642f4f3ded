//! The test harness: every test gets a database of its own on a real PostgreSQL server.
//!
//! The server is the one in `TRACEHUB_TEST_DATABASE_URL` (a maintenance URL of a server where
//! we may create databases), or else a private cluster that the tests manage under Cargo's
//! target folder with the same code `tracehub` uses for its managed cluster. Databases at a
//! given revision are cloned from a template built once per revision and set of migration
//! files, which makes a fresh database cost one `CREATE DATABASE … TEMPLATE`.

use std::path::PathBuf;
use std::process::Output;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};
use tracehub::db::cluster::{ClusterOptions, ManagedCluster};
use tracehub::db::connect::quote_ident;
use tracehub::db::revisions::{self, Migrator, Options, Quiet};

/// Maintenance URL (database `postgres`) of the test server.
fn admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("TRACEHUB_TEST_DATABASE_URL") {
            return url;
        }
        let cluster = ManagedCluster::locate(&ClusterOptions {
            dir: test_cluster_dir(),
            ephemeral: true,
        })
        .expect("locating PostgreSQL for the tests");
        let running = cluster
            .ensure_running()
            .expect("starting the test PostgreSQL cluster");
        running.url("postgres")
    })
}

pub fn test_cluster_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tracehub-test-cluster")
}

fn url_for(database: &str) -> String {
    let mut url = url::Url::parse(admin_url()).expect("admin URL");
    url.set_path(database);
    url.to_string()
}

/// A database that belongs to one test; dropped when the value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// An empty database.
    pub async fn empty() -> Self {
        Self::create(None).await
    }

    /// A database at revision `revision`, cloned from a template.
    pub async fn at(revision: &str) -> Self {
        let template = template(Template::At(revision)).await;
        Self::create(Some(&template)).await
    }

    /// The demo world at head, cloned from a template built once (seeding and migrating
    /// cost seconds; a clone is one `CREATE DATABASE … TEMPLATE`).
    pub async fn demo() -> Self {
        let template = template(Template::DemoAtHead).await;
        Self::create(Some(&template)).await
    }

    async fn create(template: Option<&str>) -> Self {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(admin_url()).await.expect("connect");
        let sql = match template {
            Some(t) => format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quote_ident(&name),
                quote_ident(t)
            ),
            None => format!("CREATE DATABASE {}", quote_ident(&name)),
        };
        sqlx::raw_sql(&sql)
            .execute(&mut admin)
            .await
            .expect("create database");
        let url = url_for(&name);
        Self { name, url }
    }

    pub async fn conn(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect")
    }

    /// Runs SQL (several statements allowed) and panics on error.
    pub async fn exec(&self, sql: &str) {
        let mut conn = self.conn().await;
        sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
    }

    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        let mut conn = self.conn().await;
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect(sql)
    }

    pub async fn scalar_string(&self, sql: &str) -> Option<String> {
        let mut conn = self.conn().await;
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect(sql)
    }

    pub async fn revision(&self) -> Option<&'static str> {
        let mut conn = self.conn().await;
        revisions::current(&mut conn)
            .await
            .expect("current")
            .map(|r| r.id)
    }

    /// Upgrades to head through the library and returns the error it must fail with.
    pub async fn upgrade_error(&self) -> String {
        Migrator::new(&self.url, Options::default(), &Quiet)
            .upgrade(None)
            .await
            .expect_err("the upgrade must fail")
            .to_string()
    }

    /// Runs the `tracehub` binary against this database.
    pub fn tracehub(&self, args: &[&str]) -> Output {
        tracehub_with_env(args, &[("DATABASE_URL", self.url.as_str())])
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&self.name)
        );
        // Drop runs inside a test's runtime; a thread of its own avoids nesting runtimes.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(admin_url()).await {
                    let _ = sqlx::raw_sql(&sql).execute(&mut admin).await;
                }
            });
        })
        .join();
    }
}

/// Runs the `tracehub` binary with extra environment variables.
pub fn tracehub_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tracehub"));
    command.args(args).env_remove("DATABASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("running tracehub")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What a template database holds.
#[derive(Debug, Clone, Copy)]
enum Template<'a> {
    /// The schema at a revision, no data.
    At(&'a str),
    /// The demo world (`tracehub seed demo`) at head.
    DemoAtHead,
}

/// The name of a template, built on first use by any test process.
async fn template(kind: Template<'_>) -> String {
    let digest = migrations_digest();
    let name = match kind {
        Template::At(revision) => format!("tpl_{revision}_{}", &digest[..12]),
        Template::DemoAtHead => format!("tpl_demo_{}", &digest[..12]),
    };
    let mut admin = PgConnection::connect(admin_url()).await.expect("connect");
    // One builder at a time, across test threads and processes.
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
        .bind(&name)
        .execute(&mut admin)
        .await
        .expect("lock");
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)",
    )
    .bind(&name)
    .fetch_one(&mut admin)
    .await
    .expect("lookup");
    if !exists {
        let building = format!("{name}_building");
        for stale in [&building, &name] {
            sqlx::raw_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(stale)
            ))
            .execute(&mut admin)
            .await
            .expect("drop stale template");
        }
        sqlx::raw_sql(&format!("CREATE DATABASE {}", quote_ident(&building)))
            .execute(&mut admin)
            .await
            .expect("create template");
        let url = url_for(&building);
        match kind {
            Template::At(revision) => {
                Migrator::new(&url, Options::default(), &Quiet)
                    .upgrade(Some(revision))
                    .await
                    .expect("building the template");
            }
            Template::DemoAtHead => {
                tracehub::ops::seed::demo(&url, None)
                    .await
                    .expect("seeding the demo template");
            }
        }
        sqlx::raw_sql(&format!(
            "ALTER DATABASE {} RENAME TO {}; ALTER DATABASE {} WITH IS_TEMPLATE true;",
            quote_ident(&building),
            quote_ident(&name),
            quote_ident(&name)
        ))
        .execute(&mut admin)
        .await
        .expect("finish template");
    }
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(&name)
        .execute(&mut admin)
        .await
        .expect("unlock");
    name
}

/// A digest of every revision file and of the demo seed, so templates follow their edits.
fn migrations_digest() -> String {
    let mut hasher = Sha256::new();
    hasher.update(include_str!("../../src/ops/seed/demo.sql"));
    hasher.update(include_str!("../../src/ops/seed/mod.rs"));
    for revision in revisions::all() {
        hasher.update(revision.id.as_bytes());
        for step in revision.up_steps().expect("up").iter() {
            hasher.update(step.sql.as_bytes());
        }
        for step in revision.down_steps().expect("down").iter() {
            hasher.update(step.sql.as_bytes());
        }
    }
    hex::encode(hasher.finalize())
}

/// The server on a loopback port of its own, against a test database at head.
pub struct TestApp {
    /// Kept for the app's lifetime: dropping it drops the database.
    _db: TestDb,
    pub address: String,
    pub pool: tracehub::db::tenant::AppPool,
    pub client: reqwest::Client,
    /// The secret the app signs tokens with, so tests can forge (or properly sign) their own.
    pub jwt_secret: tracehub::config::JwtSecret,
    /// Where the app keeps documents' files (a folder of the test's own, unless a test
    /// chose another back end).
    pub storage: tracehub::storage::Storage,
    /// Kept for the app's lifetime: the S3 server, or the folder, behind `storage`.
    _store_owner: StoreOwner,
}

/// What keeps a test's store alive (and removes it afterwards).
enum StoreOwner {
    Folder(PathBuf),
    S3(Box<crate::s3::S3Server>),
}

impl Drop for StoreOwner {
    fn drop(&mut self) {
        if let StoreOwner::Folder(dir) = self {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A fresh folder for one test's documents, under `target/tmp`.
fn upload_folder() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("uploads")
        .join(uuid::Uuid::new_v4().to_string());
    std::fs::create_dir_all(&dir).expect("upload folder");
    dir
}

impl TestApp {
    /// Demo data at head, served with a pool of `pool_size` connections.
    pub async fn spawn(pool_size: u32, acquire_timeout: std::time::Duration) -> Self {
        Self::spawn_with_secret(
            pool_size,
            acquire_timeout,
            tracehub::config::JwtSecret::random(),
        )
        .await
    }

    /// Like [`TestApp::spawn`], signing tokens with `jwt_secret`.
    pub async fn spawn_with_secret(
        pool_size: u32,
        acquire_timeout: std::time::Duration,
        jwt_secret: tracehub::config::JwtSecret,
    ) -> Self {
        let db = TestDb::demo().await;
        Self::serve(db, pool_size, acquire_timeout, jwt_secret).await
    }

    /// Demo data at head, served by a state that `configure` adjusts (exposure, proxies).
    pub async fn spawn_configured(
        configure: impl FnOnce(tracehub::http::AppState) -> tracehub::http::AppState,
    ) -> Self {
        let db = TestDb::demo().await;
        Self::serve_with(
            db,
            2,
            std::time::Duration::from_secs(2),
            tracehub::config::JwtSecret::random(),
            configure,
        )
        .await
    }

    /// Demo data at head, its documents kept on `backend`.
    pub async fn spawn_with_backend(backend: crate::documents::Backend) -> Self {
        let owner = match backend {
            crate::documents::Backend::Local => StoreOwner::Folder(upload_folder()),
            crate::documents::Backend::S3 => StoreOwner::S3(Box::new(crate::s3::start().await)),
        };
        let db = TestDb::demo().await;
        Self::serve_on(
            db,
            4,
            std::time::Duration::from_secs(5),
            tracehub::config::JwtSecret::random(),
            |state| state,
            owner,
        )
        .await
    }

    /// Serves an existing database (at revision 007 or later).
    pub async fn serve(
        db: TestDb,
        pool_size: u32,
        acquire_timeout: std::time::Duration,
        jwt_secret: tracehub::config::JwtSecret,
    ) -> Self {
        Self::serve_with(db, pool_size, acquire_timeout, jwt_secret, |state| state).await
    }

    /// Serves an existing database with a state that `configure` adjusts.
    pub async fn serve_with(
        db: TestDb,
        pool_size: u32,
        acquire_timeout: std::time::Duration,
        jwt_secret: tracehub::config::JwtSecret,
        configure: impl FnOnce(tracehub::http::AppState) -> tracehub::http::AppState,
    ) -> Self {
        let owner = StoreOwner::Folder(upload_folder());
        Self::serve_on(db, pool_size, acquire_timeout, jwt_secret, configure, owner).await
    }

    async fn serve_on(
        db: TestDb,
        pool_size: u32,
        acquire_timeout: std::time::Duration,
        jwt_secret: tracehub::config::JwtSecret,
        configure: impl FnOnce(tracehub::http::AppState) -> tracehub::http::AppState,
        owner: StoreOwner,
    ) -> Self {
        let storage = match &owner {
            StoreOwner::Folder(dir) => tracehub::storage::Storage::local(dir).expect("local store"),
            StoreOwner::S3(server) => server.storage(),
        };
        let pool = tracehub::db::tenant::AppPool::connect(&db.url, pool_size, acquire_timeout)
            .await
            .expect("application pool");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let local = listener.local_addr().expect("address");
        let address = format!("http://{local}");
        // As `tracehub serve` in development: links on the address it listens on.
        let state = configure(
            tracehub::http::AppState::with_jwt_secret(pool.clone(), &jwt_secret)
                .with_public_url(tracehub::config::PublicUrl::for_bind(local))
                .with_storage(storage.clone(), tracehub::http::DEFAULT_MAX_UPLOAD_BYTES),
        );
        tokio::spawn(tracehub::http::serve(state, listener));
        Self {
            _db: db,
            address,
            pool,
            client: reqwest::Client::new(),
            jwt_secret,
            storage,
            _store_owner: owner,
        }
    }

    /// The app's database, for checks and changes as its owner (bypassing the API).
    pub fn db(&self) -> &TestDb {
        &self._db
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_with_token(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// Any request: `token` as bearer when given, `body` as JSON when given.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    /// A JSON request with a bearer token.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.call(method, path, Some(token), Some(body)).await
    }

    /// A successful JSON login's body (password [`demo::PASSWORD`]).
    pub async fn login(&self, email: &str) -> serde_json::Value {
        self.login_with(email, demo::PASSWORD).await
    }

    /// The access token of a successful login.
    pub async fn token(&self, email: &str) -> String {
        self.token_with(email, demo::PASSWORD).await
    }

    /// A valid token of `email` (signing in with `password`) re-signed as if it had been
    /// issued `age_secs` ago, with a fresh `jti`: for "sessions opened before …" checks, which
    /// work in whole seconds.
    pub async fn aged_token(&self, email: &str, password: &str, age_secs: i64) -> String {
        let body = self.login_with(email, password).await;
        let keys = tracehub::auth::TokenKeys::new(&self.jwt_secret);
        let mut claims = keys
            .decode(body["access_token"].as_str().expect("access_token"))
            .expect("a token of this app");
        claims.iat -= age_secs;
        claims.jti = uuid::Uuid::new_v4();
        keys.sign(&claims).expect("signed")
    }

    /// A GET with a token that must answer 200; its JSON body.
    pub async fn get_ok(&self, path: &str, token: &str) -> serde_json::Value {
        let response = self.get_with_token(path, token).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK, "GET {path}");
        response.json().await.expect("json")
    }

    /// Creates an organization of `org_type` as the database owner; returns its id.
    pub async fn create_organization(&self, name: &str, slug: &str, org_type: &str) -> String {
        self._db
            .scalar_string(&format!(
                "INSERT INTO organizations (name, slug, type) \
                 VALUES ('{name}', '{slug}', '{org_type}') RETURNING id::text"
            ))
            .await
            .expect("organization id")
    }

    /// Creates an active user with the demo password, system role `role` (UPPER-CASE label,
    /// e.g. `ADMIN`) and an active, primary membership with `org_role` in `organization`
    /// (as the database owner); returns the user's id.
    pub async fn create_member(
        &self,
        email: &str,
        role: &str,
        organization: &str,
        org_role: &str,
    ) -> String {
        let hash = tracehub::auth::password::hash(demo::PASSWORD).expect("hash");
        let user_id = self
            ._db
            .scalar_string(&format!(
                "INSERT INTO users (id, email, hashed_password, full_name, role, is_active, \
                 created_at, updated_at, organization_id) \
                 VALUES (gen_random_uuid(), '{email}', '{hash}', 'Test {role}', '{role}', true, \
                 now(), now(), '{organization}') RETURNING id::text"
            ))
            .await
            .expect("user id");
        // Revision 005's trigger may already have given the user a VIBOTAJ membership.
        self._db
            .exec(&format!(
                "DELETE FROM org_memberships WHERE user_id = '{user_id}'; \
                 INSERT INTO org_memberships (organization_id, user_id, role, status, is_primary) \
                 VALUES ('{organization}', '{user_id}', '{org_role}', 'active', true)"
            ))
            .await;
        user_id
    }
}

/// The demo world every [`TestApp`] starts with (`src/ops/seed/demo.sql`).
pub mod demo {
    /// Every demo user's password.
    pub const PASSWORD: &str = "tracehub2026";
    /// The VIBOTAJ organization's fixed id.
    pub const VIBOTAJ: &str = "00000000-0000-0000-0000-000000000001";
    pub const ADMIN: &str = "admin@vibotaj.com";
    pub const COMPLIANCE: &str = "compliance@vibotaj.com";
    pub const LOGISTICS: &str = "logistic@vibotaj.com";
    pub const VIEWER: &str = "viewer@vibotaj.com";
    /// A buyer whose organization (WITATRADE) revision 005 derived from the shipments.
    pub const BUYER: &str = "buyer@witatrade.de";
    pub const SUPPLIER: &str = "supplier@temira.ng";
}

/// Asserts an error response: its status, its `code`, and a request id in the body.
pub async fn assert_error(
    response: reqwest::Response,
    status: reqwest::StatusCode,
    code: &str,
    why: &str,
) -> serde_json::Value {
    assert_eq!(response.status(), status, "{why}");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], code, "{why}: {body}");
    assert!(
        body["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{why}: {body}"
    );
    body
}

impl TestApp {
    /// Starts another server instance on the same database (as a second replica would) and
    /// returns its base URL.
    pub async fn spawn_replica(&self) -> String {
        self.spawn_replica_with(|state| state).await
    }

    /// Like [`TestApp::spawn_replica`], with the state adjusted by `configure` (e.g. CORS).
    pub async fn spawn_replica_with(
        &self,
        configure: impl FnOnce(tracehub::http::AppState) -> tracehub::http::AppState,
    ) -> String {
        let pool = tracehub::db::tenant::AppPool::connect(
            &self._db.url,
            2,
            std::time::Duration::from_secs(5),
        )
        .await
        .expect("application pool");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let local = listener.local_addr().expect("address");
        let address = format!("http://{local}");
        let state = configure(
            tracehub::http::AppState::with_jwt_secret(pool, &self.jwt_secret)
                .with_public_url(tracehub::config::PublicUrl::for_bind(local)),
        );
        tokio::spawn(tracehub::http::serve(state, listener));
        address
    }
}
