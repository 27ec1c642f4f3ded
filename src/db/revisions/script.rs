//! Parsing a revision's SQL file into steps.
//!
//! A file is plain SQL. Lines of the form
//!
//! ```sql
//! -- tracehub:step <mode> [lock_timeout=0] [: label]
//! ```
//!
//! start a new step; text before the first marker forms a transactional step of its own.
//! Modes:
//! * `transaction` — run in one transaction with a short `lock_timeout`, retried on lock
//!   timeouts, so a waiting DDL lock never queues application queries for long.
//! * `no-transaction` — exactly one statement run outside a transaction block; needed for
//!   `CREATE / DROP INDEX CONCURRENTLY`. A `CREATE … INDEX CONCURRENTLY IF NOT EXISTS name`
//!   first drops an INVALID index of that name left by an interrupted build.
//! * `repeat` — one statement run in its own transaction again and again until it affects no
//!   row: a batched backfill that commits per batch and so resumes after a crash.
//!
//! `lock_timeout=0` lifts the lock timeout for a step whose lock does not block the
//! application (e.g. `VALIDATE CONSTRAINT`, which takes SHARE UPDATE EXCLUSIVE).
//!
//! `parallel` (no-transaction steps only): consecutive parallel steps run at the same time,
//! each on a connection of its own — independent backfills of different tables, which would
//! otherwise leave all but one core idle. Each must be idempotent like every other step.

use anyhow::{bail, Result};

const MARKER: &str = "-- tracehub:step";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMode {
    Transaction,
    NoTransaction,
    Repeat,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub mode: StepMode,
    pub label: String,
    pub sql: String,
    /// False when the step may wait for its locks as long as needed.
    pub lock_timeout: bool,
    /// Runs at the same time as the parallel steps next to it.
    pub parallel: bool,
}

impl Step {
    /// The name of the index a `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS` builds.
    pub fn concurrent_index_name(&self) -> Option<String> {
        let upper = self.sql.to_ascii_uppercase();
        let words: Vec<&str> = upper.split_whitespace().collect();
        let original: Vec<&str> = self.sql.split_whitespace().collect();
        let position = words
            .windows(5)
            .position(|w| w == ["INDEX", "CONCURRENTLY", "IF", "NOT", "EXISTS"])?;
        if words.first() != Some(&"CREATE") {
            return None;
        }
        original
            .get(position + 5)
            .map(|name| name.trim_matches('"').to_string())
    }
}

/// Splits `text` into steps.
pub fn parse(text: &str) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    let mut current = Step {
        mode: StepMode::Transaction,
        label: String::new(),
        sql: String::new(),
        lock_timeout: true,
        parallel: false,
    };
    for line in text.lines() {
        if let Some(rest) = line.trim_start().strip_prefix(MARKER) {
            push_step(&mut steps, current)?;
            current = parse_marker(rest)?;
        } else {
            current.sql.push_str(line);
            current.sql.push('\n');
        }
    }
    push_step(&mut steps, current)?;
    Ok(steps)
}

fn parse_marker(rest: &str) -> Result<Step> {
    let (settings, label) = match rest.split_once(':') {
        Some((settings, label)) => (settings, label.trim().to_string()),
        None => (rest, String::new()),
    };
    let mut words = settings.split_whitespace();
    let mode = match words.next() {
        Some("transaction") => StepMode::Transaction,
        Some("no-transaction") => StepMode::NoTransaction,
        Some("repeat") => StepMode::Repeat,
        other => bail!("unknown step mode {other:?} in `{MARKER}{rest}`"),
    };
    let mut lock_timeout = true;
    let mut parallel = false;
    for word in words {
        match word {
            "lock_timeout=0" => lock_timeout = false,
            "parallel" if mode == StepMode::NoTransaction => parallel = true,
            "parallel" => bail!("only no-transaction steps run in parallel: `{MARKER}{rest}`"),
            other => bail!("unknown step option {other:?} in `{MARKER}{rest}`"),
        }
    }
    Ok(Step {
        mode,
        label,
        sql: String::new(),
        lock_timeout,
        parallel,
    })
}

fn push_step(steps: &mut Vec<Step>, mut step: Step) -> Result<()> {
    if !has_sql(&step.sql) {
        return Ok(());
    }
    if step.mode != StepMode::Transaction && statement_count(&step.sql) != 1 {
        bail!(
            "a {:?} step must hold exactly one statement: {}",
            step.mode,
            step.sql.trim()
        );
    }
    if step.label.is_empty() {
        step.label = first_line(&step.sql);
    }
    steps.push(step);
    Ok(())
}

/// Whether the text holds anything but blank lines and `--` comments.
fn has_sql(sql: &str) -> bool {
    sql.lines().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with("--")
    })
}

fn first_line(sql: &str) -> String {
    sql.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("--"))
        .unwrap_or_default()
        .trim_end_matches(';')
        .chars()
        .take(70)
        .collect()
}

/// Counts statements by their terminating semicolons, outside quotes, comments and
/// dollar-quoted bodies. Good enough for our own files, which the tests parse in full.
fn statement_count(sql: &str) -> usize {
    let mut count = 0;
    let mut pending = false;
    let mut chars = sql.chars().peekable();
    let mut dollar_tag: Option<String> = None;
    while let Some(c) = chars.next() {
        if let Some(tag) = &dollar_tag {
            if c == '$' {
                let mut candidate = String::from("$");
                while let Some(&n) = chars.peek() {
                    candidate.push(n);
                    chars.next();
                    if n == '$' {
                        break;
                    }
                }
                if &candidate == tag {
                    dollar_tag = None;
                }
            }
            continue;
        }
        match c {
            '-' if chars.peek() == Some(&'-') => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '\'' => {
                pending = true;
                for n in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                }
            }
            '$' => {
                pending = true;
                let mut tag = String::from("$");
                while let Some(&n) = chars.peek() {
                    if n == '$' || n.is_alphanumeric() || n == '_' {
                        tag.push(n);
                        chars.next();
                        if n == '$' {
                            break;
                        }
                    } else {
                        break;
                    }
                }
                if tag.len() >= 2 && tag.ends_with('$') {
                    dollar_tag = Some(tag);
                }
            }
            ';' => {
                if pending {
                    count += 1;
                }
                pending = false;
            }
            c if c.is_whitespace() => {}
            _ => pending = true,
        }
    }
    count + usize::from(pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_markers_is_one_transactional_step() {
        let steps =
            parse("-- header\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n").unwrap();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].mode, StepMode::Transaction);
        assert!(steps[0].lock_timeout);
        assert_eq!(steps[0].label, "CREATE TABLE a (id int)");
    }

    #[test]
    fn markers_split_steps_with_modes_options_and_labels() {
        let text = "\
-- tracehub:step transaction: make room
ALTER TABLE a ADD COLUMN x int;
-- tracehub:step no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a_x ON a (x);
-- tracehub:step repeat: backfill
UPDATE a SET x = 1 WHERE id IN (SELECT id FROM a WHERE x IS NULL LIMIT 10);
-- tracehub:step transaction lock_timeout=0
ALTER TABLE a VALIDATE CONSTRAINT c;
";
        let steps = parse(text).unwrap();
        let modes: Vec<StepMode> = steps.iter().map(|s| s.mode).collect();
        assert_eq!(
            modes,
            [
                StepMode::Transaction,
                StepMode::NoTransaction,
                StepMode::Repeat,
                StepMode::Transaction
            ]
        );
        assert_eq!(steps[0].label, "make room");
        assert_eq!(steps[2].label, "backfill");
        assert!(!steps[3].lock_timeout);
        assert_eq!(steps[1].concurrent_index_name().as_deref(), Some("ix_a_x"));
        assert_eq!(steps[0].concurrent_index_name(), None);
    }

    #[test]
    fn parallel_marks_no_transaction_steps_only() {
        let text = "\
-- tracehub:step no-transaction parallel
CALL a();
-- tracehub:step no-transaction parallel: second
CALL b();
-- tracehub:step no-transaction
CALL c();
";
        let steps = parse(text).unwrap();
        let parallel: Vec<bool> = steps.iter().map(|s| s.parallel).collect();
        assert_eq!(parallel, [true, true, false]);
        assert_eq!(steps[1].label, "second");
        assert!(parse("-- tracehub:step transaction parallel\nSELECT 1;\n").is_err());
        assert!(parse("-- tracehub:step repeat parallel\nSELECT 1;\n").is_err());
    }

    #[test]
    fn non_transactional_steps_must_hold_one_statement() {
        let text = "-- tracehub:step no-transaction\nSELECT 1; SELECT 2;\n";
        assert!(parse(text).is_err());
        let text = "-- tracehub:step repeat\nSELECT ';'; -- one; really\n";
        assert_eq!(parse(text).unwrap().len(), 1);
    }

    #[test]
    fn dollar_quoted_bodies_do_not_count_as_statements() {
        let body = "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;";
        assert_eq!(statement_count(body), 1);
        assert_eq!(statement_count("DO $x$ BEGIN NULL; END $x$; SELECT 1;"), 2);
    }

    #[test]
    fn unknown_modes_and_options_are_errors() {
        assert!(parse("-- tracehub:step sometimes\nSELECT 1;").is_err());
        assert!(parse("-- tracehub:step transaction fast\nSELECT 1;").is_err());
    }

    #[test]
    fn empty_steps_are_dropped() {
        let steps = parse("-- only a comment\n-- tracehub:step transaction\nSELECT 1;\n").unwrap();
        assert_eq!(steps.len(), 1);
    }
}
