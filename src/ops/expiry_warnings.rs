//! The daily expiry warnings (issue 12; issue 13 puts the run on the job queue): every
//! document that expires within the window — or has expired — is announced to the people
//! who act on it, in its own organization: its uploader (still an active member) and the
//! members who review documents there. Once per urgency level it reaches (info, warning,
//! critical, expired) and expiry date (revision 019 records what was sent), so the run can
//! repeat, and a renewed certificate with a new date starts again. Archived documents are
//! left alone; a buyer organization is never told (it reads, it does not act).
//!
//! The organizations with work are found through `app.organizations_with_expiring_documents`
//! (ids only); everything else runs in each organization's own tenant transaction as the
//! application role. `tracehub serve` runs it daily on the job queue ([`schedule`]); the
//! command `tracehub documents expiry-warnings` runs it by hand.

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

use crate::db::documents as db;
use crate::db::members;
use crate::db::notifications::{self, NewNotification};
use crate::db::tenant::{AppPool, TenantContext, TenantTx};
use crate::domain::document::expiry::{ExpiryItem, Urgency};

/// The window of the predecessor's expiry notifications.
pub const DEFAULT_DAYS: u32 = 30;
/// At most this many documents per organization and run (the most urgent ones).
const MAX_PER_ORGANIZATION: i64 = 1000;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExpiryRun {
    pub organizations: usize,
    /// Documents announced at a new urgency level.
    pub documents: usize,
    /// Notifications written.
    pub notifications: usize,
}

impl ExpiryRun {
    pub fn to_text(&self) -> String {
        format!(
            "expiry warnings: {} document(s) in {} organization(s), {} notification(s)",
            self.documents, self.organizations, self.notifications
        )
    }
}

/// Sends the warnings due on `today` for documents expiring within `days`.
pub async fn send(pool: &AppPool, today: NaiveDate, days: u32) -> Result<ExpiryRun> {
    let until = today + chrono::Duration::days(i64::from(days));
    let mut run = ExpiryRun::default();
    for organization_id in db::organizations_with_expiring(pool, until).await? {
        let context = TenantContext {
            organization_id,
            user_id: None,
        };
        let mut tx = TenantTx::begin(pool, context).await?;
        let (documents, sent) = warn_organization(&mut tx, organization_id, today, until).await?;
        tx.commit().await?;
        run.organizations += 1;
        run.documents += documents;
        run.notifications += sent;
    }
    Ok(run)
}

async fn warn_organization(
    tx: &mut TenantTx,
    organization_id: uuid::Uuid,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<(usize, usize)> {
    let members = members::active(tx, organization_id).await?;
    let (mut documents, mut sent) = (0, 0);
    for document in db::expiring(tx, until, None, MAX_PER_ORGANIZATION).await? {
        // Row-level security also shows a buyer organization the documents of its shipments:
        // those are the owner's to renew.
        let Some(expiry_date) = document.expiry_date else {
            continue;
        };
        if document.organization_id != organization_id {
            continue;
        }
        let item = ExpiryItem::of(expiry_date, today);
        if !db::record_expiry_warning(tx, document.id, expiry_date, item.urgency.as_str()).await? {
            continue;
        }
        let mut recipients = members::document_reviewers(&members, None);
        if let Some(uploader) = members
            .iter()
            .find(|m| Some(m.user_id) == document.uploaded_by_id)
        {
            if !recipients.iter().any(|r| r.user_id == uploader.user_id) {
                recipients.push(uploader.recipient());
            }
        }
        let kind = document.document_type()?.as_str();
        let (title, message) = wording(item, kind, &document.name, expiry_date);
        notifications::notify(
            tx,
            &recipients,
            &NewNotification {
                kind: "expiry_warning",
                title: &title,
                message: &message,
                data: serde_json::json!({
                    "document_id": document.id,
                    "shipment_id": document.shipment_id,
                    "document_type": kind,
                    "expiry_date": expiry_date.to_string(),
                    "days_until_expiry": item.days_until_expiry,
                    "urgency": item.urgency.as_str(),
                }),
            },
        )
        .await?;
        documents += 1;
        sent += recipients.len();
    }
    Ok((documents, sent))
}

/// Title and message of a warning; "URGENT:" within a week, as the predecessor said it.
fn wording(item: ExpiryItem, kind: &str, name: &str, expiry_date: NaiveDate) -> (String, String) {
    match item.urgency {
        Urgency::Expired => (
            format!("Document expired: {kind}"),
            format!("\"{name}\" expired on {expiry_date}; replace it"),
        ),
        Urgency::Critical => (
            format!(
                "URGENT: {kind} expires in {} day(s)",
                item.days_until_expiry
            ),
            format!("\"{name}\" expires on {expiry_date}"),
        ),
        Urgency::Warning | Urgency::Info => (
            format!("{kind} expires in {} days", item.days_until_expiry),
            format!("\"{name}\" expires on {expiry_date}"),
        ),
    }
}

/// The kind of the daily job.
pub const JOB: &str = "documents.expiry_warnings";

/// Once a day (UTC).
pub fn schedule() -> crate::jobs::Schedule {
    crate::jobs::Schedule {
        kind: JOB,
        every: chrono::Duration::days(1),
        payload: serde_json::json!({ "days": DEFAULT_DAYS }),
    }
}

/// The daily job's handler.
pub fn handler(pool: AppPool) -> crate::jobs::Handler {
    crate::jobs::handler(move |job| {
        let pool = pool.clone();
        async move {
            let days = job.payload["days"]
                .as_u64()
                .map_or(DEFAULT_DAYS, |d| d.min(365) as u32);
            let today = chrono::Utc::now().date_naive();
            match send(&pool, today, days).await {
                Ok(run) => {
                    tracing::info!("{}", run.to_text());
                    crate::jobs::Outcome::Done
                }
                Err(error) => crate::jobs::Outcome::Retry(format!("{error:#}")),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_a_week_the_warning_is_urgent_and_past_it_says_expired() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let day = |d| today + chrono::Duration::days(d);
        let (title, _) = wording(
            ExpiryItem::of(day(3), today),
            "insurance_certificate",
            "x",
            day(3),
        );
        assert!(
            title.starts_with("URGENT:") && title.contains("3 day"),
            "{title}"
        );
        let (title, message) =
            wording(ExpiryItem::of(day(-1), today), "contract", "c.pdf", day(-1));
        assert!(title.starts_with("Document expired"), "{title}");
        assert!(message.contains("2026-12-02"), "{message}");
        let (title, _) = wording(ExpiryItem::of(day(20), today), "contract", "c", day(20));
        assert!(
            !title.starts_with("URGENT") && title.contains("20 days"),
            "{title}"
        );
    }
}
