//! Notifications by e-mail, over SMTP (`SMTP_URL`), sent by the job queue.
//!
//! * When SMTP is configured, every notification written enqueues an `email.notification`
//!   job in the same statement ([`crate::db::notifications::notify`]); without it, none.
//! * The job reads the notification in its recipient's own tenant transaction (only the
//!   recipient may), skips it when the recipient opted out of its kind by e-mail, and sends
//!   its title and message with a link to the platform. A failure to reach the server is
//!   retried with backoff (eight attempts); a recipient the server refuses for good fails
//!   the job at once. A notification deleted before its e-mail left is not sent.
//! * `SMTP_URL`: `smtp://[user:password@]host[:port]` (STARTTLS when the server offers it
//!   is not assumed: add `?tls=required`), or `smtps://…` (TLS from the start). `SMTP_FROM`:
//!   the sender (default `TraceHub <no-reply@localhost>`).

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

use crate::db::notifications::{self, EMAIL_JOB};
use crate::db::tenant::{AppPool, TenantContext, TenantTx};
use crate::jobs::{handler, Handler, Outcome};

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// The sender used when `SMTP_FROM` is not set.
pub const DEFAULT_FROM: &str = "TraceHub <no-reply@localhost>";

/// The configured SMTP server and sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The platform's address, for the link in each message.
    link: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never printed.
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

/// Why the SMTP settings cannot work; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MailConfigError(pub String);

impl Mailer {
    /// A mailer for `SMTP_URL` and `SMTP_FROM`; `link` is where messages point to.
    pub fn new(url: &str, from: Option<&str>, link: &str) -> Result<Self, MailConfigError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
            .map_err(|_| {
                MailConfigError(
                    "SMTP_URL must look like smtp://[user:password@]host[:port] or smtps://…"
                        .into(),
                )
            })?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .unwrap_or(DEFAULT_FROM)
            .parse::<Mailbox>()
            .map_err(|_| {
                MailConfigError(
                    "SMTP_FROM must be an address like TraceHub <no-reply@example.com>".into(),
                )
            })?;
        Ok(Self {
            transport,
            from,
            link: link.trim_end_matches('/').to_string(),
        })
    }

    /// Sends one plain-text message. `Err(true)` when worth retrying.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), (bool, String)> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| (false, format!("{to:?} is not an e-mail address")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|error| (false, format!("cannot build the message: {error}")))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|error| {
                // A permanent refusal (5xx) will not change; anything else may.
                (!error.is_permanent(), format!("SMTP: {error}"))
            })
    }
}

/// The `email.notification` jobs' handler.
pub fn notification_handler(pool: AppPool, mailer: Arc<Mailer>) -> Handler {
    handler(move |job| {
        let (pool, mailer) = (pool.clone(), mailer.clone());
        async move {
            let id = |name: &str| {
                job.payload[name]
                    .as_str()
                    .and_then(|t| t.parse::<Uuid>().ok())
            };
            let (Some(notification_id), Some(recipient), Some(organization_id)) = (
                id("notification_id"),
                id("recipient_id"),
                id("organization_id"),
            ) else {
                return Outcome::Fail(format!("malformed payload {}", job.payload));
            };
            match send_notification(&pool, &mailer, notification_id, recipient, organization_id)
                .await
            {
                Ok(()) => Outcome::Done,
                Err((true, error)) => Outcome::Retry(error),
                Err((false, error)) => Outcome::Fail(error),
            }
        }
    })
}

async fn send_notification(
    pool: &AppPool,
    mailer: &Mailer,
    notification_id: Uuid,
    recipient: Uuid,
    organization_id: Uuid,
) -> Result<(), (bool, String)> {
    let database = |error: sqlx::Error| (true, format!("database: {error}"));
    let context = TenantContext {
        organization_id,
        user_id: Some(recipient),
    };
    let mut tx = TenantTx::begin(pool, context).await.map_err(database)?;
    let notification = notifications::own(&mut tx, notification_id)
        .await
        .map_err(database)?;
    let opted_out = notifications::email_opt_outs(&mut tx)
        .await
        .map_err(database)?;
    tx.commit().await.map_err(database)?;
    let Some(notification) = notification else {
        return Ok(()); // deleted meanwhile
    };
    if opted_out.contains(&notification.kind) {
        tracing::debug!(notification = %notification_id, kind = notification.kind, "opted out of e-mail");
        return Ok(());
    }
    let body = format!(
        "{}\n\n{}\n\n— TraceHub\n",
        notification.message, mailer.link
    );
    mailer
        .send(&notification.user_id, &notification.title, &body)
        .await
}

/// Registers the handler on `runner` (only when SMTP is configured: without it, no e-mail
/// job is ever enqueued).
pub fn register(
    runner: crate::jobs::Runner,
    pool: AppPool,
    mailer: Arc<Mailer>,
) -> crate::jobs::Runner {
    runner.handle(EMAIL_JOB, notification_handler(pool, mailer))
}
