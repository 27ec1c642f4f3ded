//! The managed local PostgreSQL cluster, used when `DATABASE_URL` is not set.
//!
//! `tracehub` creates a private cluster with the machine's own `initdb`, starts it with
//! `pg_ctl` on a free loopback port, and reuses it on the next run. The superuser password is
//! random and kept in `cluster.json` next to the data directory (mode 600).
//!
//! PostgreSQL refuses to run as root, so when we are root the server binaries run as the
//! `postgres` system user. That user must be able to reach the data directory; when the
//! requested folder sits below a directory it cannot enter (e.g. root's home, mode 700), the
//! cluster lives under `/var/tmp/tracehub-<hash>` instead and we say so.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::tools::{self, PgTools};

/// The superuser the managed cluster is initialised with.
const SUPERUSER: &str = "tracehub";
/// The database that serves TraceHub inside the managed cluster.
pub const DEFAULT_DATABASE: &str = "tracehub";

/// Options of a managed cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Folder that holds `pgdata/`, `cluster.json` and the server log.
    pub dir: PathBuf,
    /// Trade durability for speed (fsync off): for throw-away test clusters only.
    pub ephemeral: bool,
}

/// What we remember about a cluster between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ClusterState {
    port: u16,
    user: String,
    password: String,
}

/// A private PostgreSQL cluster under a folder of ours.
#[derive(Debug, Clone)]
pub struct ManagedCluster {
    root: PathBuf,
    tools: PgTools,
    ephemeral: bool,
    run_as: Option<RunAs>,
}

#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: nix::unistd::Uid,
    gid: nix::unistd::Gid,
}

/// The result of [`ManagedCluster::ensure_running`].
#[derive(Debug, Clone)]
pub struct RunningCluster {
    pub port: u16,
    user: String,
    password: String,
    /// True when this call started the server (so the caller may stop it when done).
    pub started_here: bool,
}

impl RunningCluster {
    /// A connection URL for `database` as the cluster's superuser.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{}:{}@127.0.0.1:{}/{}",
            self.user, self.password, self.port, database
        )
    }
}

impl ManagedCluster {
    /// Finds the PostgreSQL binaries and settles where the cluster lives.
    pub fn locate(options: &ClusterOptions) -> Result<Self> {
        let tools = tools::find_server_tools()?;
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = nix::unistd::User::from_name("postgres")
                .context("looking up the `postgres` system user")?
                .context(
                    "running as root, but there is no `postgres` system user to run the \
                     PostgreSQL server as (initdb and postgres refuse to run as root)",
                )?;
            Some(RunAs {
                uid: user.uid,
                gid: user.gid,
            })
        } else {
            None
        };
        let requested = absolute(&options.dir)?;
        let root = match run_as {
            Some(run_as) if !reachable_by(&requested, run_as) => {
                let digest = hex::encode(Sha256::digest(requested.to_string_lossy().as_bytes()));
                let fallback = PathBuf::from(format!("/var/tmp/tracehub-{}", &digest[..16]));
                tracing::info!(
                    requested = %requested.display(),
                    used = %fallback.display(),
                    "the postgres user cannot reach the requested cluster folder; using another"
                );
                fallback
            }
            _ => requested,
        };
        Ok(Self {
            root,
            tools,
            ephemeral: options.ephemeral,
            run_as,
        })
    }

    /// The folder that holds the cluster.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("pgdata")
    }

    fn state_file(&self) -> PathBuf {
        self.root.join("cluster.json")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("postgres.log")
    }

    /// Initialises the cluster if needed and starts it if it is not running.
    ///
    /// Safe to call from several processes at once: a file lock serialises them.
    pub fn ensure_running(&self) -> Result<RunningCluster> {
        fs::create_dir_all(&self.root)
            .with_context(|| format!("creating {}", self.root.display()))?;
        self.give_to_server_user(&self.root)?;
        let lock_file = File::create(self.root.join(".lock"))?;
        let _lock = Flock::lock(lock_file, FlockArg::LockExclusive)
            .map_err(|(_, e)| e)
            .context("locking the managed cluster folder")?;

        let mut state = match self.read_state()? {
            Some(state) if self.data_dir().join("PG_VERSION").exists() => state,
            _ => self.initialise()?,
        };
        if let Some(port) = self.running_port()? {
            return Ok(RunningCluster {
                port,
                user: state.user,
                password: state.password,
                started_here: false,
            });
        }
        if !port_is_free(state.port) {
            state.port = free_port()?;
            self.write_state(&state)?;
        }
        let options = format!("-p {}", state.port);
        let log = self.log_file();
        let output = self.run_server_tool(
            self.tools.pg_ctl(),
            &[
                "start".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-D".as_ref(),
                self.data_dir().as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
            ],
        )?;
        if !output.status.success() {
            let tail = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(10).collect();
            bail!(
                "the managed PostgreSQL cluster in {} did not start: {}{}",
                self.data_dir().display(),
                String::from_utf8_lossy(&output.stderr).trim(),
                tail.iter()
                    .rev()
                    .map(|l| format!("\n  {l}"))
                    .collect::<String>()
            );
        }
        Ok(RunningCluster {
            port: state.port,
            user: state.user,
            password: state.password,
            started_here: true,
        })
    }

    /// The port of the running server, or `None` when it is not running.
    pub fn running_port(&self) -> Result<Option<u16>> {
        if !self.data_dir().join("PG_VERSION").exists() {
            return Ok(None);
        }
        let output = self.run_server_tool(
            self.tools.pg_ctl(),
            &[
                "status".as_ref(),
                "-D".as_ref(),
                self.data_dir().as_os_str(),
            ],
        )?;
        if !output.status.success() {
            return Ok(None);
        }
        // Line 4 of postmaster.pid is the port the server listens on.
        let pid_file = fs::read_to_string(self.data_dir().join("postmaster.pid"))
            .context("reading postmaster.pid")?;
        let port = pid_file
            .lines()
            .nth(3)
            .and_then(|l| l.trim().parse().ok())
            .context("postmaster.pid has no port line")?;
        Ok(Some(port))
    }

    /// Stops the server (fast shutdown: open transactions are rolled back). No-op when stopped.
    pub fn stop(&self) -> Result<()> {
        if self.running_port()?.is_none() {
            return Ok(());
        }
        let output = self.run_server_tool(
            self.tools.pg_ctl(),
            &[
                "stop".as_ref(),
                "-w".as_ref(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-D".as_ref(),
                self.data_dir().as_os_str(),
            ],
        )?;
        if !output.status.success() {
            bail!(
                "could not stop the managed PostgreSQL cluster: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    fn initialise(&self) -> Result<ClusterState> {
        let data = self.data_dir();
        if data.exists() {
            // A half-made data directory from an interrupted initdb: start again.
            fs::remove_dir_all(&data).with_context(|| format!("removing {}", data.display()))?;
        }
        let state = ClusterState {
            port: free_port()?,
            user: SUPERUSER.to_string(),
            password: random_hex(24),
        };
        let pwfile = self.root.join(".initdb-password");
        fs::write(&pwfile, &state.password)?;
        self.give_to_server_user(&pwfile)?;
        let output = self.run_server_tool(
            self.tools.initdb(),
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                SUPERUSER.as_ref(),
                "--pwfile".as_ref(),
                pwfile.as_os_str(),
                "--auth".as_ref(),
                "scram-sha-256".as_ref(),
                "--encoding".as_ref(),
                "UTF8".as_ref(),
                "--locale".as_ref(),
                "C.UTF-8".as_ref(),
            ],
        );
        let _ = fs::remove_file(&pwfile);
        let output = output?;
        if !output.status.success() {
            bail!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let mut settings = String::from(
            "\n# Managed by tracehub: loopback only, no unix socket.\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = ''\n\
             max_connections = 200\n\
             log_lock_waits = on\n",
        );
        if self.ephemeral {
            settings.push_str(
                "# Throw-away test cluster: durability traded for speed.\n\
                 fsync = off\n\
                 synchronous_commit = off\n\
                 full_page_writes = off\n",
            );
        }
        OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))?
            .write_all(settings.as_bytes())?;
        self.write_state(&state)?;
        Ok(state)
    }

    fn read_state(&self) -> Result<Option<ClusterState>> {
        match fs::read_to_string(self.state_file()) {
            Ok(text) => Ok(Some(
                serde_json::from_str(&text).context("reading cluster.json")?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn write_state(&self, state: &ClusterState) -> Result<()> {
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .open(self.state_file())?;
        file.write_all(serde_json::to_string_pretty(state)?.as_bytes())?;
        Ok(())
    }

    /// Runs initdb / pg_ctl, as the `postgres` user when we are root.
    fn run_server_tool(&self, program: &Path, args: &[&std::ffi::OsStr]) -> Result<Output> {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(&self.root)
            .env("LC_ALL", "C.UTF-8");
        if let Some(run_as) = self.run_as {
            command.uid(run_as.uid.as_raw()).gid(run_as.gid.as_raw());
        }
        command
            .output()
            .with_context(|| format!("running {}", program.display()))
    }

    fn give_to_server_user(&self, path: &Path) -> Result<()> {
        if let Some(run_as) = self.run_as {
            nix::unistd::chown(path, Some(run_as.uid), Some(run_as.gid))
                .with_context(|| format!("handing {} to the postgres user", path.display()))?;
        }
        Ok(())
    }
}

/// Whether `run_as` can enter every ancestor of `dir` (the folder itself is created for it).
fn reachable_by(dir: &Path, run_as: RunAs) -> bool {
    let mut ancestor = dir.parent();
    while let Some(folder) = ancestor {
        if let Ok(meta) = fs::metadata(folder) {
            use std::os::unix::fs::MetadataExt;
            let mode = meta.permissions().mode();
            let can_enter = if meta.uid() == run_as.uid.as_raw() {
                mode & 0o100 != 0
            } else if meta.gid() == run_as.gid.as_raw() {
                mode & 0o010 != 0
            } else {
                mode & 0o001 != 0
            };
            if !can_enter {
                return false;
            }
        }
        ancestor = folder.parent();
    }
    true
}

fn absolute(path: &Path) -> Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(path))
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}
