//! `tracehub` with no configuration: managed PostgreSQL, demo data, the web server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn tracehub_alone_starts_a_managed_cluster_seeds_the_demo_and_serves() {
    let data_dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serve-{}", uuid::Uuid::new_v4().simple()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_tracehub"))
            .env_remove("DATABASE_URL")
            .env("TRACEHUB_DATA_DIR", &data_dir)
            .env("TRACEHUB_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tracehub"),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !printed.contains("serving on") {
        assert!(
            Instant::now() < deadline,
            "not serving after 2 minutes:\n{printed}"
        );
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("tracehub exited:\n{printed}");
        }
        printed.push_str(&line);
    }
    assert!(printed.contains("admin@vibotaj.com"), "{printed}");
    assert!(printed.contains("tracehub2026"), "{printed}");

    // The web UI opens on the sign-in page.
    let home = get(port, "/");
    assert!(home.starts_with("HTTP/1.1 303"), "{home}");
    assert!(home.contains("location: /dashboard"), "{home}");
    let dashboard = get(port, "/dashboard");
    assert!(dashboard.contains("location: /login"), "{dashboard}");
    let login = get(port, "/login");
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(login.contains("<h1>Sign in</h1>"), "{login}");
    assert!(get(port, "/health/ready").contains("ready"));

    // SIGTERM: graceful shutdown, and the cluster it started is stopped again.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let status = Command::new(env!("CARGO_BIN_EXE_tracehub"))
        .args(["cluster", "status"])
        .env("TRACEHUB_DATA_DIR", &data_dir)
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.starts_with("stopped"), "{status}");
    // The folder actually used (it may have moved where the postgres user can reach it).
    let used_dir = status
        .trim()
        .rsplit_once('(')
        .map(|(_, dir)| dir.trim_end_matches(')').to_string())
        .unwrap();

    // The next run reuses the cluster and its data (no second seeding).
    let output = Command::new(env!("CARGO_BIN_EXE_tracehub"))
        .args(["db", "current"])
        .env_remove("DATABASE_URL")
        .env("TRACEHUB_DATA_DIR", &data_dir)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().last(),
        Some(tracehub::db::revisions::head().id)
    );
    let _ = std::fs::remove_dir_all(&used_dir);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Kills the server if the test fails half-way, so no process outlives the test.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
