//! `tracehub db current | history`: what revision a database is at, in operators' words.

use anyhow::Result;
use sqlx::PgConnection;

use crate::db::revisions::{self, Revision};

/// The `db current` report: a description line, then the revision id alone on the last line
/// (scripts read the last line).
pub async fn current_report(conn: &mut PgConnection) -> Result<String> {
    let current = revisions::current(conn).await?;
    Ok(match current {
        None => "The database is empty (no revision applied).\nbase".to_string(),
        Some(revision) => {
            let head = revisions::head();
            let state = if revision.id == head.id {
                "(head)".to_string()
            } else {
                format!("(head is {})", head.id)
            };
            format!(
                "Revision {} {} {state}\n{}",
                revision.id, revision.name, revision.id
            )
        }
    })
}

/// The `db history` report: every revision, marking the applied ones and the current one.
pub fn history_report(current: Option<&Revision>) -> String {
    let applied_up_to = current
        .and_then(|c| revisions::all().iter().position(|r| r.id == c.id))
        .map(|p| p + 1)
        .unwrap_or(0);
    revisions::all()
        .iter()
        .enumerate()
        .map(|(index, revision)| {
            let mark = if index < applied_up_to {
                "applied"
            } else {
                "pending"
            };
            let here = if index + 1 == applied_up_to {
                "  <- current"
            } else {
                ""
            };
            format!("{} {:<32} {mark}{here}\n", revision.id, revision.name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_marks_applied_pending_and_current() {
        let report = history_report(Some(revisions::find("001").unwrap()));
        let lines: Vec<&str> = report.lines().collect();
        assert!(lines[0].starts_with("001 baseline"));
        assert!(lines[0].ends_with("applied  <- current"));
        assert!(lines[1].ends_with("pending"));
        assert!(history_report(None).lines().all(|l| l.ends_with("pending")));
    }
}
