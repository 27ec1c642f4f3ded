//! Running `pg_dump` / `pg_restore` against the database a URL names.
//!
//! The connection goes to the programs through libpq's environment variables (PGHOST,
//! PGPASSWORD, …), never through arguments: arguments are visible to every user in `ps`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;

use anyhow::{bail, Context, Result};
use tokio::process::Command;

/// The libpq environment for one database of one server.
#[derive(Debug, Clone)]
pub(crate) struct ClientEnv {
    vars: BTreeMap<&'static str, String>,
}

impl ClientEnv {
    /// Parses a `postgres://` URL the way sqlx does, so the programs reach the same server
    /// as our own connections. Parts the URL leaves out fall back to the inherited
    /// environment, as they do for sqlx.
    pub(crate) fn from_url(url: &str) -> Result<Self> {
        let parsed = url::Url::parse(url).context("the database URL is not a valid URL")?;
        let mut vars = BTreeMap::new();
        if let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) {
            // IPv6 hosts come bracketed in URLs; libpq wants the bare address.
            let host = host.trim_start_matches('[').trim_end_matches(']');
            vars.insert("PGHOST", percent_decode(host)?);
        }
        if let Some(port) = parsed.port() {
            vars.insert("PGPORT", port.to_string());
        }
        if !parsed.username().is_empty() {
            vars.insert("PGUSER", percent_decode(parsed.username())?);
        }
        if let Some(password) = parsed.password() {
            vars.insert("PGPASSWORD", percent_decode(password)?);
        }
        let path = parsed.path().trim_start_matches('/');
        if !path.is_empty() {
            vars.insert("PGDATABASE", percent_decode(path)?);
        }
        for (key, value) in parsed.query_pairs() {
            if let Some(var) = query_var(&key) {
                vars.insert(var, value.into_owned());
            }
        }
        if !vars.contains_key("PGDATABASE") {
            bail!("the database URL names no database");
        }
        Ok(Self { vars })
    }

    /// The database the URL names.
    pub(crate) fn database(&self) -> &str {
        &self.vars["PGDATABASE"]
    }

    /// The same server and credentials, another database.
    pub(crate) fn for_database(&self, database: &str) -> Self {
        let mut other = self.clone();
        other.vars.insert("PGDATABASE", database.to_string());
        other
    }

    fn apply(&self, command: &mut Command) {
        // sqlx knows no service files, and an inherited PGHOSTADDR would beat the URL's host
        // in libpq: either could send the programs to another server than our connections.
        command.env_remove("PGSERVICE");
        if self.vars.contains_key("PGHOST") && !self.vars.contains_key("PGHOSTADDR") {
            command.env_remove("PGHOSTADDR");
        }
        command.envs(self.vars.iter().map(|(k, v)| (*k, v.as_str())));
    }

    /// A libpq connection string naming only the database (pg_restore needs `--dbname`;
    /// everything else, the password included, still comes from the environment).
    pub(crate) fn dbname_conninfo(&self) -> String {
        let escaped = self.database().replace('\\', "\\\\").replace('\'', "\\'");
        format!("dbname='{escaped}'")
    }
}

/// The libpq variable for a URL query parameter that sqlx understands.
fn query_var(key: &str) -> Option<&'static str> {
    Some(match key {
        "sslmode" | "ssl-mode" => "PGSSLMODE",
        "sslrootcert" | "ssl-root-cert" | "ssl-ca" => "PGSSLROOTCERT",
        "sslcert" | "ssl-cert" => "PGSSLCERT",
        "sslkey" | "ssl-key" => "PGSSLKEY",
        "host" => "PGHOST",
        "hostaddr" => "PGHOSTADDR",
        "port" => "PGPORT",
        "dbname" => "PGDATABASE",
        "user" => "PGUSER",
        "password" => "PGPASSWORD",
        "application_name" => "PGAPPNAME",
        "options" => "PGOPTIONS",
        _ => return None,
    })
}

/// Decodes `%XX` escapes (userinfo and path use them; `+` stays a plus sign there).
fn percent_decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).context("the database URL has a percent-escape that is not UTF-8")
}

/// A `pg_dump` / `pg_restore` invocation: no stdin, stdout discarded, stderr kept for the
/// error message, killed if the caller gives up on it.
pub(crate) fn command(program: &Path, args: &[&OsStr], env: &ClientEnv) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    env.apply(&mut command);
    command
}

/// Runs a prepared command to the end; a failure becomes one line built from its errors.
pub(crate) async fn run(mut command: Command, what: &str) -> Result<()> {
    let output = command
        .spawn()
        .with_context(|| format!("starting {what}"))?
        .wait_with_output()
        .await
        .with_context(|| format!("waiting for {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            error_summary(&String::from_utf8_lossy(&output.stderr))
        );
    }
    Ok(())
}

/// The program's stderr folded into one line, errors first and bounded in length.
fn error_summary(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("error:") || l.contains("ERROR:"))
        .collect();
    let chosen = if errors.is_empty() { lines } else { errors };
    let mut summary = chosen.join("; ");
    if summary.is_empty() {
        summary = "no error message".to_string();
    }
    if summary.chars().count() > 500 {
        summary = summary.chars().take(500).collect::<String>() + "…";
    }
    summary
}

/// The first line of `program --version`, e.g. "pg_dump (PostgreSQL) 15.12".
pub(crate) async fn version_line(program: &Path) -> Result<String> {
    let output = Command::new(program)
        .arg("--version")
        .output()
        .await
        .with_context(|| format!("running {} --version", program.display()))?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts_become_libpq_variables() {
        let env = ClientEnv::from_url(
            "postgres://ops%40corp:p%40ss+w%2Fd@db.example:6543/trace%20hub?sslmode=require",
        )
        .unwrap();
        assert_eq!(env.vars["PGHOST"], "db.example");
        assert_eq!(env.vars["PGPORT"], "6543");
        assert_eq!(env.vars["PGUSER"], "ops@corp");
        assert_eq!(env.vars["PGPASSWORD"], "p@ss+w/d");
        assert_eq!(env.database(), "trace hub");
        assert_eq!(env.vars["PGSSLMODE"], "require");
    }

    #[test]
    fn query_parameters_and_sockets() {
        let env = ClientEnv::from_url("postgres:///app?host=/var/run/postgresql&user=me").unwrap();
        assert_eq!(env.vars["PGHOST"], "/var/run/postgresql");
        assert_eq!(env.vars["PGUSER"], "me");
        assert!(!env.vars.contains_key("PGPASSWORD"));
        let v6 = ClientEnv::from_url("postgres://u@[::1]:5432/db").unwrap();
        assert_eq!(v6.vars["PGHOST"], "::1");
        assert!(ClientEnv::from_url("postgres://localhost").is_err());
    }

    #[test]
    fn other_database_and_conninfo() {
        let env = ClientEnv::from_url("postgres://u:p@h/db").unwrap();
        let other = env.for_database("it's");
        assert_eq!(other.database(), "it's");
        assert_eq!(other.dbname_conninfo(), "dbname='it\\'s'");
        assert_eq!(other.vars["PGPASSWORD"], "p");
    }

    #[test]
    fn the_password_travels_in_the_environment_only() {
        let env = ClientEnv::from_url("postgres://u:s3cret@h:5432/db").unwrap();
        let args = [OsStr::new("--format=custom")];
        let command = command(Path::new("pg_dump"), &args, &env);
        let std = command.as_std();
        assert!(std
            .get_args()
            .all(|a| !a.to_string_lossy().contains("s3cret")));
        let password = std
            .get_envs()
            .find(|(k, _)| *k == "PGPASSWORD")
            .and_then(|(_, v)| v);
        assert_eq!(password, Some(OsStr::new("s3cret")));
    }

    #[test]
    fn error_summary_is_one_bounded_line() {
        let stderr = "pg_restore: connecting\npg_restore: error: input file does not appear to be a valid archive\n";
        assert_eq!(
            error_summary(stderr),
            "pg_restore: error: input file does not appear to be a valid archive"
        );
        assert!(!error_summary(&"x".repeat(2000)).contains('\n'));
    }
}
