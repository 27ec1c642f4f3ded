//! `tracehub migrate`: the orchestrated Sprint 8 run of the runbook.
//!
//! Preflight (connectivity, current revision, adoption check, free disk, no other migration),
//! a verified backup (skippable only by an explicit flag, and then said loudly), each revision
//! from the current one to head with its time, `db verify`, and a summary. On failure it stops
//! at the last completed revision and prints the exact commands to roll back or restore.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use sqlx::{Connection, PgConnection};

use crate::db::revisions::{self, Direction, MigrationLock, Migrator, Observer, Options, Timing};
use crate::ops::backup;
use crate::ops::verify::{self, Report};

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    pub backup_dir: PathBuf,
    pub skip_backup: bool,
}

/// What a successful run did.
#[derive(Debug)]
pub struct MigrateOutcome {
    pub from: Option<&'static str>,
    pub to: &'static str,
    pub backup: Option<PathBuf>,
    pub backup_time: Duration,
    pub timings: Vec<Timing>,
    pub verify: Report,
    pub total: Duration,
}

/// Facts gathered before anything changes.
#[derive(Debug)]
pub struct Preflight {
    pub server_version: String,
    pub database: String,
    pub database_bytes: i64,
    pub current: Option<&'static str>,
    pub free_bytes: Option<u64>,
}

/// Lines the orchestration prints as it goes (the CLI prints them; tests collect them).
pub trait Narrator: Observer {
    fn say(&self, line: &str);
}

pub async fn preflight(url: &str, backup_dir: &Path, skip_backup: bool) -> Result<Preflight> {
    let mut conn = PgConnection::connect(url)
        .await
        .context("preflight: cannot connect to the database")?;
    let (server_version, database, database_bytes): (String, String, i64) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_database()::text, \
         pg_database_size(current_database())",
    )
    .fetch_one(&mut conn)
    .await?;
    let current = revisions::current(&mut conn).await?.map(|r| r.id);
    if current == Some(revisions::ADOPTION_REVISION) {
        revisions::check_adoptable(&mut conn).await?;
    }
    let free_bytes = if skip_backup {
        None
    } else {
        std::fs::create_dir_all(backup_dir)
            .with_context(|| format!("creating the backup folder {}", backup_dir.display()))?;
        let stat = nix::sys::statvfs::statvfs(backup_dir)
            .with_context(|| format!("reading free space of {}", backup_dir.display()))?;
        let free = stat.blocks_available() as u64 * stat.fragment_size() as u64;
        // A custom-format dump is compressed; the database's own size is a safe upper bound.
        if free < database_bytes.max(0) as u64 {
            bail!(
                "preflight: {} has {} MiB free, less than the database's {} MiB; free space or pass --backup-dir",
                backup_dir.display(),
                free / (1 << 20),
                database_bytes / (1 << 20)
            );
        }
        Some(free)
    };
    conn.close().await?;
    Ok(Preflight {
        server_version,
        database,
        database_bytes,
        current,
        free_bytes,
    })
}

/// Runs the whole migration to head. `narrator` hears every step.
pub async fn run(
    url: &str,
    options: &MigrateOptions,
    narrator: &dyn Narrator,
) -> Result<MigrateOutcome> {
    let started = Instant::now();
    // One migration at a time, from preflight to verification.
    let lock = MigrationLock::acquire(url).await.context("preflight")?;
    let result = run_locked(url, options, narrator, started).await;
    lock.release().await?;
    result
}

async fn run_locked(
    url: &str,
    options: &MigrateOptions,
    narrator: &dyn Narrator,
    started: Instant,
) -> Result<MigrateOutcome> {
    let facts = preflight(url, &options.backup_dir, options.skip_backup).await?;
    narrator.say(&format!(
        "✓ Preflight: PostgreSQL {} reachable, database {} ({} MiB), revision {}, no other migration running",
        facts.server_version,
        facts.database,
        facts.database_bytes / (1 << 20),
        facts.current.unwrap_or("none (empty)")
    ));

    let backup_started = Instant::now();
    let backup = if options.skip_backup {
        narrator.say("! Backup SKIPPED (--skip-backup): this run leaves no backup to restore from");
        None
    } else {
        let made = backup::create_backup(url, &options.backup_dir, "pre_migrate").await?;
        narrator.say(&format!("✓ Backup created: {}", made.dump_path.display()));
        narrator.say("✓ Backup verified successfully");
        Some(made.dump_path)
    };
    let backup_time = backup_started.elapsed();

    let head = revisions::head();
    let timings = Migrator::new(url, Options::default(), narrator)
        .upgrade_locked(head)
        .await
        .map_err(|e| e.context(recovery_advice(backup.as_deref())))?;

    let mut conn = PgConnection::connect(url).await?;
    let report = verify::verify(&mut conn).await;
    conn.close().await?;
    for line in report.to_text().lines() {
        narrator.say(line);
    }
    if !report.passed {
        bail!(
            "the migration reached revision {} but verification failed (see FAIL lines). {}",
            head.id,
            recovery_advice(backup.as_deref())
        );
    }
    Ok(MigrateOutcome {
        from: facts.current,
        to: head.id,
        backup,
        backup_time,
        timings,
        verify: report,
        total: started.elapsed(),
    })
}

/// The exact commands that undo a failed run.
pub fn recovery_advice(backup: Option<&Path>) -> String {
    let mut advice = String::from(
        "To roll back the schema: `tracehub db downgrade 002` (or re-run `tracehub migrate` after fixing the cause: every step is safe to repeat)",
    );
    match backup {
        Some(path) => advice.push_str(&format!(
            "; to restore the backup: `tracehub restore {}` (scripts/restore_from_backup.sh {})",
            path.display(),
            path.display()
        )),
        None => advice.push_str("; no backup was taken by this run"),
    }
    advice
}

/// The closing summary: time per step and in total.
pub fn summary(outcome: &MigrateOutcome) -> String {
    let mut text = String::from("\nSummary\n");
    if let Some(path) = &outcome.backup {
        text.push_str(&format!(
            "  backup                         {:>9.2} s  {}\n",
            outcome.backup_time.as_secs_f64(),
            path.display()
        ));
    }
    for timing in &outcome.timings {
        text.push_str(&format!(
            "  {} {:<26} {:>9.2} s\n",
            timing.revision.id,
            timing.revision.name,
            timing.elapsed.as_secs_f64()
        ));
    }
    if outcome.timings.is_empty() {
        text.push_str("  (already at head: no revision to apply)\n");
    }
    text.push_str(&format!(
        "  total                          {:>9.2} s  {} -> {}, all {} checks passed\n",
        outcome.total.as_secs_f64(),
        outcome.from.unwrap_or("empty"),
        outcome.to,
        outcome.verify.checks.len()
    ));
    text.push_str(
        "Next: restart the application, then run the smoke tests (docs/runbook.md, \"Post-migration validation\").\n",
    );
    text
}

/// A narrator that prints lines and draws a progress bar per revision on a terminal.
pub struct ConsoleNarrator {
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl ConsoleNarrator {
    pub fn new() -> Self {
        Self {
            bar: std::sync::Mutex::new(None),
        }
    }
}

impl Default for ConsoleNarrator {
    fn default() -> Self {
        Self::new()
    }
}

impl Observer for ConsoleNarrator {
    fn revision_started(&self, revision: &revisions::Revision, direction: Direction, steps: usize) {
        let bar = indicatif::ProgressBar::new(steps as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("  {prefix} [{bar:30}] {pos}/{len} {wide_msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        let verb = if direction == Direction::Up {
            "upgrade"
        } else {
            "downgrade"
        };
        bar.set_prefix(format!("{verb} {} {}", revision.id, revision.name));
        *self.bar.lock().expect("bar") = Some(bar);
    }

    fn step_finished(
        &self,
        _revision: &revisions::Revision,
        step: &revisions::script::Step,
        _index: usize,
    ) {
        if let Some(bar) = self.bar.lock().expect("bar").as_ref() {
            bar.set_message(step.label.clone());
            bar.inc(1);
        }
    }

    fn revision_finished(
        &self,
        revision: &revisions::Revision,
        direction: Direction,
        elapsed: Duration,
    ) {
        if let Some(bar) = self.bar.lock().expect("bar").take() {
            bar.finish_and_clear();
        }
        let verb = if direction == Direction::Up {
            "Migration"
        } else {
            "Undid"
        };
        println!(
            "✓ {verb} {} ({}): {:.2} s",
            revision.id,
            revision.name,
            elapsed.as_secs_f64()
        );
    }
}

impl Narrator for ConsoleNarrator {
    fn say(&self, line: &str) {
        println!("{line}");
    }
}
