//! Configuration from the environment (and `.env` when present), read once and passed down.

use crate::domain::tracking::signature::WebhookSecret;
use crate::http::webhooks::WebhookSecrets;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::storage::{StorageConfig, StorageSettings};

/// Where TraceHub keeps its managed PostgreSQL cluster when `DATABASE_URL` is unset.
pub const DEFAULT_DATA_DIR: &str = ".tracehub";
/// Where the web server listens unless told otherwise.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

#[derive(Debug, Clone)]
pub struct Config {
    /// `SMTP_URL` (e-mail of notifications; none = no e-mail) and `SMTP_FROM`.
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    /// `TRACKING_*`: the tracking provider and the scheduled refresh.
    pub tracking: crate::tracking::TrackingSettings,
    /// The carriers' webhooks' secrets (`CARRIER_WEBHOOK_SECRET`, `JSONCARGO_WEBHOOK_SECRET`)
    /// and the tolerance of signed timestamps (`WEBHOOK_TOLERANCE_SECONDS`, default 300).
    pub webhooks: WebhookSecrets,
    /// The PostgreSQL server to use; `None` means the managed local cluster.
    pub database_url: Option<String>,
    /// The server's own login as the application role (`TRACEHUB_APP_DATABASE_URL`); `None`
    /// derives it from `DATABASE_URL`'s owner (see `db::app_role`).
    pub app_database_url: Option<String>,
    /// Folder of the managed cluster (`TRACEHUB_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Address of the web server (`TRACEHUB_BIND`).
    pub bind: SocketAddr,
    /// Where backups go unless a command says otherwise (`BACKUP_DIR`, default `backups`).
    pub backup_dir: PathBuf,
    /// Database connections of the server (`TRACEHUB_DB_POOL_SIZE`, default 16).
    pub db_pool_size: u32,
    /// How long a request waits for a free connection before answering 503
    /// (`TRACEHUB_DB_ACQUIRE_TIMEOUT_MS`, default 2000).
    pub db_acquire_timeout: Duration,
    /// The key that signs access tokens (`JWT_SECRET`); `None` in development means a random
    /// key per process (see [`Config::server_jwt_secret`]).
    pub jwt_secret: Option<JwtSecret>,
    /// Browser origins allowed to call the API from another site (`CORS_ORIGINS`, comma
    /// separated, e.g. `https://app.example.com`). Empty: same-origin only, no CORS headers.
    pub cors_origins: Vec<String>,
    /// Where uploaded documents are stored (`UPLOAD_DIR`, default `uploads`, as the
    /// backup manifests record it).
    pub upload_dir: PathBuf,
    /// Where documents are kept: `upload_dir`, or the bucket of `STORAGE_URL=s3://bucket/prefix`
    /// (with `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`).
    pub storage: StorageConfig,
    /// The largest document accepted (`MAX_UPLOAD_MB`, default 50, in MiB), in bytes.
    pub max_upload_bytes: u64,
    /// `TRACEHUB_ENV=production`: configuration mistakes that are merely inconvenient in
    /// development (no JWT secret) refuse to start instead.
    pub production: bool,
    /// What the server shows besides the API (`TRACEHUB_API_DOCS`, `METRICS_TOKEN`).
    pub exposure: Exposure,
    /// Reverse proxies in front of the server (`TRUSTED_PROXIES`, comma-separated addresses
    /// or networks such as `10.0.0.0/8`): the client address (login throttling, audit) is
    /// then read from their `X-Forwarded-For`. Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where users reach TraceHub (`TRACEHUB_PUBLIC_URL`, e.g. `https://tracehub.example.com`
    /// or with a path prefix): links handed out (invitations) start with it. Required in
    /// production; see [`Config::server_public_url`].
    pub public_url: Option<PublicUrl>,
}

/// The variable that names the public address of the server.
pub const PUBLIC_URL_ENV: &str = "TRACEHUB_PUBLIC_URL";

/// The base of links the server hands out: an http(s) origin, optionally with a path prefix
/// (`https://example.com/tracehub`), without a trailing slash, query or credentials. Links
/// are never built from a request's `Host` or `X-Forwarded-*` headers: those are the
/// client's words, and a forged `Host` would make us mail out links to another site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Checks a configured value (`TRACEHUB_PUBLIC_URL`).
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let invalid = || {
            anyhow::anyhow!(
                "{PUBLIC_URL_ENV}: {text:?} is not an http(s) address like https://tracehub.example.com (optionally with a path)"
            )
        };
        let url = url::Url::parse(text).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(invalid());
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_string()))
    }

    /// The development default: the address the server listens on (a wildcard address as
    /// loopback, which is where a browser on the same machine reaches it).
    pub fn for_bind(bind: SocketAddr) -> Self {
        let ip = match bind.ip() {
            std::net::IpAddr::V4(v4) if v4.is_unspecified() => {
                std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
            }
            std::net::IpAddr::V6(v6) if v6.is_unspecified() => {
                std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
            }
            other => other,
        };
        Self(format!("http://{}", SocketAddr::new(ip, bind.port())))
    }

    /// `https://example.com/prefix` (no trailing slash).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The absolute link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// The public URL the server builds links with: the configured one; in development without
/// one, `http://<bind address>` (with a warning); in production without one, an error — a
/// server that cannot say where it lives would hand out links to wherever a client claims.
pub fn resolve_public_url(
    production: bool,
    configured: Option<&PublicUrl>,
    bind: SocketAddr,
) -> Result<PublicUrl> {
    match configured {
        Some(url) => Ok(url.clone()),
        None if production => anyhow::bail!(
            "{PUBLIC_URL_ENV} is not set; production (TRACEHUB_ENV=production) needs the address users reach TraceHub at, e.g. https://tracehub.example.com"
        ),
        None => {
            let url = PublicUrl::for_bind(bind);
            tracing::warn!(
                "{PUBLIC_URL_ENV} is not set: links (invitations) point at {}",
                url.as_str()
            );
            Ok(url)
        }
    }
}

/// `TRUSTED_PROXIES`: comma-separated addresses (`10.0.0.5`) or networks (`10.0.0.0/8`).
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<ipnet::IpNet>> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    anyhow::anyhow!("TRUSTED_PROXIES: {item:?} is not an address or network")
                })
        })
        .collect()
}

/// The server's operational pages: open in development, closed in production unless an
/// operator opens them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// The OpenAPI document and docs page (`TRACEHUB_API_DOCS=public|off`; default public
    /// in development, off in production).
    pub api_docs: bool,
    /// `/metrics`: open (development without `METRICS_TOKEN`), behind a bearer token
    /// (`METRICS_TOKEN`), or, in production without a token, not served.
    pub metrics: MetricsAccess,
}

#[derive(Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    Open,
    Token(String),
    Off,
}

/// Never prints the token.
impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MetricsAccess::Open => "Open",
            MetricsAccess::Token(_) => "Token(…)",
            MetricsAccess::Off => "Off",
        })
    }
}

impl Exposure {
    /// Everything open: development and tests.
    pub fn open() -> Self {
        Self {
            api_docs: true,
            metrics: MetricsAccess::Open,
        }
    }

    /// From `TRACEHUB_API_DOCS` and `METRICS_TOKEN` (each `None` when unset).
    pub fn from_settings(
        production: bool,
        api_docs: Option<&str>,
        metrics_token: Option<&str>,
    ) -> Result<Self> {
        let api_docs = match api_docs.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") => !production,
            Some("public") => true,
            Some("off") => false,
            Some(other) => anyhow::bail!("TRACEHUB_API_DOCS is {other:?}; use public or off"),
        };
        let metrics = match metrics_token.map(str::trim).filter(|t| !t.is_empty()) {
            Some(token) if token.len() < 16 => {
                anyhow::bail!("METRICS_TOKEN must be at least 16 characters long")
            }
            Some(token) => MetricsAccess::Token(token.to_string()),
            None if production => MetricsAccess::Off,
            None => MetricsAccess::Open,
        };
        Ok(Self { api_docs, metrics })
    }
}

/// The shortest `JWT_SECRET` accepted in production: 32 bytes, the HS256 key size.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// A signing secret. Its `Debug` never prints the bytes, so a logged `Config` leaks nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// 64 random bytes: a development secret that dies with the process.
    pub fn random() -> Self {
        let mut bytes = vec![0u8; 64];
        rand::fill(&mut bytes[..]);
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JwtSecret([redacted; {} bytes])", self.0.len())
    }
}

/// The secret the server signs with. Production refuses a missing or short secret (the
/// predecessor shipped a default secret that let anyone forge tokens); development without
/// one gets a random secret per process, with a warning, so tokens die with the process.
pub fn resolve_jwt_secret(production: bool, configured: Option<&JwtSecret>) -> Result<JwtSecret> {
    match configured {
        Some(secret) if secret.as_bytes().len() >= MIN_JWT_SECRET_BYTES => Ok(secret.clone()),
        Some(secret) if production => anyhow::bail!(
            "JWT_SECRET is {} bytes; production (TRACEHUB_ENV=production) needs at least {MIN_JWT_SECRET_BYTES}",
            secret.as_bytes().len()
        ),
        None if production => anyhow::bail!(
            "JWT_SECRET is not set; production (TRACEHUB_ENV=production) needs a secret of at least {MIN_JWT_SECRET_BYTES} bytes"
        ),
        Some(secret) => {
            tracing::warn!(
                "JWT_SECRET is only {} bytes; acceptable in development, refused in production",
                secret.as_bytes().len()
            );
            Ok(secret.clone())
        }
        None => {
            tracing::warn!(
                "JWT_SECRET is not set: using a random secret for this process (tokens end with it)"
            );
            Ok(JwtSecret::random())
        }
    }
}

impl Config {
    /// Reads `.env` (if any) and the process environment.
    pub fn from_env() -> Result<Self> {
        // A missing .env is normal; a malformed one is worth a warning, not a failure.
        if let Err(e) = dotenvy::dotenv() {
            if !e.not_found() {
                tracing::warn!("ignoring .env: {e}");
            }
        }
        let database_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty());
        let app_database_url = std::env::var("TRACEHUB_APP_DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty());
        let data_dir = std::env::var_os("TRACEHUB_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let bind = std::env::var("TRACEHUB_BIND")
            .unwrap_or_else(|_| DEFAULT_BIND.to_string())
            .parse()
            .context("TRACEHUB_BIND must be an address like 127.0.0.1:8000")?;
        let backup_dir = std::env::var_os("BACKUP_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("backups"));
        let db_pool_size = number_from_env("TRACEHUB_DB_POOL_SIZE", 16)?;
        let db_acquire_timeout =
            Duration::from_millis(number_from_env("TRACEHUB_DB_ACQUIRE_TIMEOUT_MS", 2000)?.into());
        let jwt_secret = std::env::var("JWT_SECRET")
            .ok()
            .filter(|s| !s.is_empty())
            .map(JwtSecret::new);
        let production = std::env::var("TRACEHUB_ENV")
            .map(|env| env.trim().eq_ignore_ascii_case("production"))
            .unwrap_or(false);
        let cors_origins = parse_cors_origins(&std::env::var("CORS_ORIGINS").unwrap_or_default())?;
        let upload_dir = std::env::var_os("UPLOAD_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("uploads"));
        let storage = storage_from_env()?;
        let max_upload_bytes = u64::from(number_from_env("MAX_UPLOAD_MB", 50)?) * 1024 * 1024;
        let exposure = Exposure::from_settings(
            production,
            std::env::var("TRACEHUB_API_DOCS").ok().as_deref(),
            std::env::var("METRICS_TOKEN").ok().as_deref(),
        )?;
        let trusted_proxies =
            parse_trusted_proxies(&std::env::var("TRUSTED_PROXIES").unwrap_or_default())?;
        let public_url = std::env::var(PUBLIC_URL_ENV)
            .ok()
            .filter(|url| !url.trim().is_empty())
            .map(|url| PublicUrl::parse(&url))
            .transpose()?;
        let webhook_secret = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|text| WebhookSecret::new(&text))
        };
        let webhooks = WebhookSecrets {
            carrier: webhook_secret("CARRIER_WEBHOOK_SECRET")
                // The predecessor's name for it.
                .or_else(|| webhook_secret("WEBHOOK_SECRET")),
            jsoncargo: webhook_secret("JSONCARGO_WEBHOOK_SECRET"),
            tolerance: chrono::Duration::seconds(
                number_from_env("WEBHOOK_TOLERANCE_SECONDS", 300)?.into(),
            ),
        };
        let tracking = crate::tracking::TrackingSettings::from_lookup(
            |name| std::env::var(name).ok(),
            production,
        )?;
        let smtp_url = std::env::var("SMTP_URL")
            .ok()
            .filter(|url| !url.trim().is_empty());
        let smtp_from = std::env::var("SMTP_FROM")
            .ok()
            .filter(|from| !from.trim().is_empty());
        Ok(Self {
            smtp_url,
            smtp_from,
            tracking,
            webhooks,
            public_url,
            trusted_proxies,
            exposure,
            cors_origins,
            upload_dir,
            storage,
            max_upload_bytes,
            database_url,
            app_database_url,
            data_dir,
            bind,
            backup_dir,
            db_pool_size,
            db_acquire_timeout,
            jwt_secret,
            production,
        })
    }

    /// The secret the web server signs tokens with; an error in production without a good one.
    pub fn server_jwt_secret(&self) -> Result<JwtSecret> {
        resolve_jwt_secret(self.production, self.jwt_secret.as_ref())
    }

    /// The base of the links a server listening on `bind` hands out; an error in production
    /// without `TRACEHUB_PUBLIC_URL` (see [`resolve_public_url`]).
    pub fn server_public_url(&self, bind: SocketAddr) -> Result<PublicUrl> {
        resolve_public_url(self.production, self.public_url.as_ref(), bind)
    }
}

/// The log line format (`LOG_FORMAT`): `text` for people, `json` for log collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// Reads `LOG_FORMAT` (after `.env`); unset means text.
    pub fn from_env() -> Result<Self> {
        match std::env::var("LOG_FORMAT") {
            Err(_) => Ok(LogFormat::Text),
            Ok(text) => Self::parse(&text),
        }
    }

    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => anyhow::bail!("LOG_FORMAT must be text or json, not {other:?}"),
        }
    }
}

/// Splits `CORS_ORIGINS`; each entry must be an origin (`scheme://host[:port]`, no path).
/// The document storage the environment configures: `STORAGE_URL` (and `AWS_*`) or the
/// folder `UPLOAD_DIR` (default `uploads`).
pub fn storage_from_env() -> Result<StorageConfig> {
    let upload_dir = std::env::var_os("UPLOAD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("uploads"));
    let env_text = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    Ok(StorageConfig::from_settings(StorageSettings {
        url: env_text("STORAGE_URL"),
        upload_dir,
        region: env_text("AWS_REGION").or_else(|| env_text("AWS_DEFAULT_REGION")),
        endpoint: env_text("AWS_ENDPOINT_URL").or_else(|| env_text("AWS_ENDPOINT")),
        access_key_id: env_text("AWS_ACCESS_KEY_ID"),
        secret_access_key: env_text("AWS_SECRET_ACCESS_KEY"),
        session_token: env_text("AWS_SESSION_TOKEN"),
    })?)
}

pub fn parse_cors_origins(text: &str) -> Result<Vec<String>> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|origin| {
            let url = url::Url::parse(origin)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .filter(|u| u.path() == "/" && u.query().is_none() && !origin.ends_with('/'))
                .with_context(|| {
                    format!(
                        "CORS_ORIGINS: {origin:?} is not an origin like https://app.example.com"
                    )
                })?;
            Ok(url.origin().ascii_serialization())
        })
        .collect()
}

fn number_from_env(name: &str, default: u32) -> Result<u32> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("{name} must be a positive whole number, not {text:?}")),
        Err(_) => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let proxies = parse_trusted_proxies(" 10.0.0.0/8, 127.0.0.1 ,::1,").unwrap();
        let shown: Vec<String> = proxies.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]);
        assert!(parse_trusted_proxies("").unwrap().is_empty());
        assert!(parse_trusted_proxies("10.0.0.0/33").is_err());
        assert!(parse_trusted_proxies("proxy.local").is_err());
    }

    #[test]
    fn exposure_is_open_in_development_and_closed_in_production() {
        let dev = Exposure::from_settings(false, None, None).unwrap();
        assert_eq!(dev, Exposure::open());
        let prod = Exposure::from_settings(true, None, None).unwrap();
        assert!(!prod.api_docs);
        assert_eq!(prod.metrics, MetricsAccess::Off);
        let opened =
            Exposure::from_settings(true, Some(" Public "), Some("0123456789abcdef")).unwrap();
        assert!(opened.api_docs);
        assert_eq!(
            opened.metrics,
            MetricsAccess::Token("0123456789abcdef".to_string())
        );
        assert!(
            !Exposure::from_settings(false, Some("off"), None)
                .unwrap()
                .api_docs
        );
        assert!(Exposure::from_settings(false, Some("yes"), None).is_err());
        assert!(Exposure::from_settings(true, None, Some("short")).is_err());
        // The token never shows in logs.
        assert!(!format!("{opened:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn production_refuses_a_missing_or_short_jwt_secret() {
        let err = resolve_jwt_secret(true, None).unwrap_err().to_string();
        assert!(err.contains("JWT_SECRET is not set"), "{err}");
        let short = JwtSecret::new(vec![b'x'; MIN_JWT_SECRET_BYTES - 1]);
        let err = resolve_jwt_secret(true, Some(&short))
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 32"), "{err}");
        let good = JwtSecret::new(vec![b'x'; MIN_JWT_SECRET_BYTES]);
        assert_eq!(resolve_jwt_secret(true, Some(&good)).unwrap(), good);
    }

    #[test]
    fn development_generates_a_random_secret_per_call_and_accepts_short_ones() {
        let a = resolve_jwt_secret(false, None).unwrap();
        let b = resolve_jwt_secret(false, None).unwrap();
        assert_ne!(a, b);
        assert!(a.as_bytes().len() >= MIN_JWT_SECRET_BYTES);
        let short = JwtSecret::new("dev");
        assert_eq!(resolve_jwt_secret(false, Some(&short)).unwrap(), short);
    }

    #[test]
    fn cors_origins_and_log_formats_are_checked() {
        assert_eq!(
            parse_cors_origins(" https://app.example.com, http://localhost:5173 ,").unwrap(),
            ["https://app.example.com", "http://localhost:5173"]
        );
        assert!(parse_cors_origins("").unwrap().is_empty());
        for bad in [
            "app.example.com",
            "https://x.com/path",
            "https://x.com/",
            "ftp://x.com",
        ] {
            assert!(parse_cors_origins(bad).is_err(), "{bad}");
        }
        assert_eq!(LogFormat::parse("JSON").unwrap(), LogFormat::Json);
        assert_eq!(LogFormat::parse("text").unwrap(), LogFormat::Text);
        assert!(LogFormat::parse("xml").is_err());
    }

    #[test]
    fn the_public_url_is_an_http_origin_with_an_optional_prefix() {
        for (text, expected) in [
            (
                "https://tracehub.example.com",
                "https://tracehub.example.com",
            ),
            (
                " https://TraceHub.Example.com/ ",
                "https://tracehub.example.com",
            ),
            ("http://10.0.0.5:8080/app/", "http://10.0.0.5:8080/app"),
            ("https://example.com/a/b", "https://example.com/a/b"),
        ] {
            assert_eq!(PublicUrl::parse(text).unwrap().as_str(), expected, "{text}");
        }
        for bad in [
            "tracehub.example.com",
            "ftp://example.com",
            "javascript:alert(1)",
            "https://user:pw@example.com",
            "https://example.com/?x=1",
            "https://example.com/#top",
            "",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
        let url = PublicUrl::parse("https://example.com/app/").unwrap();
        assert_eq!(
            url.link("/accept?x=1"),
            "https://example.com/app/accept?x=1"
        );
    }

    #[test]
    fn production_needs_a_public_url_and_development_uses_the_bind_address() {
        let bind: SocketAddr = "127.0.0.1:8000".parse().unwrap();
        let err = resolve_public_url(true, None, bind)
            .unwrap_err()
            .to_string();
        assert!(err.contains("TRACEHUB_PUBLIC_URL is not set"), "{err}");
        let configured = PublicUrl::parse("https://tracehub.example.com").unwrap();
        for production in [true, false] {
            assert_eq!(
                resolve_public_url(production, Some(&configured), bind).unwrap(),
                configured
            );
        }
        assert_eq!(
            resolve_public_url(false, None, bind).unwrap().as_str(),
            "http://127.0.0.1:8000"
        );
        for (bind, expected) in [
            ("0.0.0.0:8000", "http://127.0.0.1:8000"),
            ("[::]:9000", "http://[::1]:9000"),
            ("[2001:db8::1]:80", "http://[2001:db8::1]:80"),
        ] {
            assert_eq!(
                PublicUrl::for_bind(bind.parse().unwrap()).as_str(),
                expected
            );
        }
    }

    #[test]
    fn the_secret_is_not_printed_by_debug() {
        let printed = format!("{:?}", JwtSecret::new("super-secret-value"));
        assert!(!printed.contains("super-secret"), "{printed}");
    }
}
