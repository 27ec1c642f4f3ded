//! Finding the PostgreSQL programs installed on the machine.
//!
//! Server programs (`initdb`, `pg_ctl`) come from `TRACEHUB_PG_BIN`, then `PATH`, then the
//! newest `/usr/lib/postgresql/*/bin`. Dump programs (`pg_dump`, `pg_restore`) must match the
//! server's major version, so they are looked up for a given major.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Result};

/// Where the server programs live.
#[derive(Debug, Clone)]
pub struct PgTools {
    initdb: PathBuf,
    pg_ctl: PathBuf,
}

impl PgTools {
    pub fn initdb(&self) -> &Path {
        &self.initdb
    }
    pub fn pg_ctl(&self) -> &Path {
        &self.pg_ctl
    }
}

const INSTALL_HINT: &str =
    "install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql`; \
     Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql@15`), \
     or set DATABASE_URL to an existing PostgreSQL server";

/// Finds `initdb` and `pg_ctl`, or says exactly what to install.
pub fn find_server_tools() -> Result<PgTools> {
    for dir in candidate_dirs(None) {
        let initdb = dir.join("initdb");
        let pg_ctl = dir.join("pg_ctl");
        if is_executable(&initdb) && is_executable(&pg_ctl) {
            return Ok(PgTools { initdb, pg_ctl });
        }
    }
    bail!("no PostgreSQL server programs (initdb, pg_ctl) found in TRACEHUB_PG_BIN, PATH or /usr/lib/postgresql/*/bin: {INSTALL_HINT}")
}

/// Finds `program` (e.g. `pg_dump`) of PostgreSQL major version `major`.
pub fn find_client_tool(program: &str, major: u32) -> Result<PathBuf> {
    for dir in candidate_dirs(Some(major)) {
        let path = dir.join(program);
        if is_executable(&path) && tool_major(&path) == Some(major) {
            return Ok(path);
        }
    }
    bail!(
        "no {program} of PostgreSQL {major} found (the server runs major version {major}); \
         install it (Debian/Ubuntu: `apt-get install postgresql-client-{major}`) or put it in PATH"
    )
}

/// Directories to look in, best first. With `major`, that version's folder comes first.
fn candidate_dirs(major: Option<u32>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(major) = major {
        dirs.push(PathBuf::from(format!("/usr/lib/postgresql/{major}/bin")));
    }
    if let Some(dir) = std::env::var_os("TRACEHUB_PG_BIN") {
        dirs.push(PathBuf::from(dir));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versioned.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    dirs.extend(versioned.into_iter().map(|(_, dir)| dir));
    dirs
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The major version a PostgreSQL program reports with `--version` ("pg_dump (PostgreSQL) 15.4").
fn tool_major(path: &Path) -> Option<u32> {
    let output = Command::new(path).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_major(&text)
}

fn parse_major(version_line: &str) -> Option<u32> {
    let version = version_line
        .split_whitespace()
        .find(|token| token.starts_with(|c: char| c.is_ascii_digit()))?;
    version.split(['.', 'b', 'r']).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_major;

    #[test]
    fn parses_the_major_version_of_a_tool() {
        assert_eq!(parse_major("pg_dump (PostgreSQL) 15.20\n"), Some(15));
        assert_eq!(parse_major("pg_restore (PostgreSQL) 16.1"), Some(16));
        assert_eq!(
            parse_major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(parse_major("psql (PostgreSQL) 17beta2"), Some(17));
        assert_eq!(parse_major("nonsense"), None);
    }
}
