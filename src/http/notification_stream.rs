//! `GET /notifications/stream`: the caller's unread count, pushed as server-sent events
//! whenever their inbox changes — the predecessor's web client polled every 30 s.
//!
//! * Revision 021 announces every change to a user's notifications on a PostgreSQL channel,
//!   whichever server instance made it. Each instance has one [`NotificationHub`]: one
//!   listening connection (opened on the first stream) fanning the announcements out to
//!   its open streams, each of which re-reads its own user's count — in that user's tenant
//!   transaction, as every read — and sends it when it changed.
//! * A stream holds no database connection while it waits. It ends when the token expires,
//!   and when a re-check of the token (every [`RECHECK_EVERY`], and on each announcement)
//!   finds it revoked or its account or membership no longer active: logout, password
//!   change and deactivation end streams as they end tokens.
//! * At most [`MAX_STREAMS_PER_USER`] streams per user and instance (tabs); beyond, 429.
//! * A lost listening connection is re-opened; every stream then re-reads its count, since
//!   announcements made meanwhile are gone.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::auth::CurrentUser;
use super::error::ApiError;
use super::AppState;
use crate::auth::Claims;
use crate::db::notifications;
use crate::db::tenant::{AppPool, TenantContext, TenantTx};

/// Open streams one user may hold on one instance.
pub const MAX_STREAMS_PER_USER: usize = 5;
/// How often an open stream re-checks its token.
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);
/// Announcements buffered per instance before slow streams skip ahead (they then re-read).
const BUFFER: usize = 1024;

/// What the listening connection passes on: a user whose inbox changed, or "everyone"
/// after a reconnection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Changed {
    User(Uuid),
    Everyone,
}

/// One instance's fan-out of inbox announcements. Cheap to clone.
#[derive(Clone)]
pub struct NotificationHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    sender: broadcast::Sender<Changed>,
    listening: Once,
    open: Mutex<HashMap<Uuid, usize>>,
}

impl Default for NotificationHub {
    fn default() -> Self {
        Self {
            inner: Arc::new(HubInner {
                sender: broadcast::channel(BUFFER).0,
                listening: Once::new(),
                open: Mutex::new(HashMap::new()),
            }),
        }
    }
}

/// A user's place among the open streams, given back when the stream ends.
struct Seat {
    hub: NotificationHub,
    user_id: Uuid,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut open = self.hub.inner.open.lock().expect("stream counts");
        if let Some(count) = open.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

impl NotificationHub {
    /// A seat for one more stream of `user_id`, or `None` when they hold the maximum.
    fn seat(&self, user_id: Uuid) -> Option<Seat> {
        let mut open = self.inner.open.lock().expect("stream counts");
        let count = open.entry(user_id).or_insert(0);
        if *count >= MAX_STREAMS_PER_USER {
            return None;
        }
        *count += 1;
        Some(Seat {
            hub: self.clone(),
            user_id,
        })
    }

    /// Starts listening (once per hub) and subscribes.
    fn subscribe(&self, pool: &AppPool) -> broadcast::Receiver<Changed> {
        let receiver = self.inner.sender.subscribe();
        self.inner.listening.call_once(|| {
            tokio::spawn(listen(pool.clone(), self.inner.sender.clone()));
        });
        receiver
    }
}

/// Passes the channel's announcements on, re-opening the connection when it is lost.
async fn listen(pool: AppPool, sender: broadcast::Sender<Changed>) {
    loop {
        match notifications::listen(&pool).await {
            Ok(mut listener) => {
                // Anything announced before this connection listened is unknown.
                let _ = sender.send(Changed::Everyone);
                loop {
                    match listener.try_recv().await {
                        Ok(Some(notification)) => {
                            if let Ok(user) = notification.payload().parse() {
                                let _ = sender.send(Changed::User(user));
                            }
                        }
                        // The connection was lost; `try_recv` reconnects on the next call.
                        Ok(None) => {
                            let _ = sender.send(Changed::Everyone);
                        }
                        Err(error) => {
                            tracing::warn!(%error, "notification channel lost");
                            break;
                        }
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "cannot listen for notifications"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(stream))]
pub struct ApiDoc;

/// What one stream needs between events.
struct Live {
    state: AppState,
    claims: Claims,
    tenant: TenantContext,
    changes: broadcast::Receiver<Changed>,
    last_sent: Option<i64>,
    next_check: tokio::time::Instant,
    expires: tokio::time::Instant,
    _seat: Seat,
}

async fn unread(pool: &AppPool, tenant: TenantContext) -> Result<i64, ApiError> {
    let mut tx = TenantTx::begin(pool, tenant).await?;
    let count = notifications::unread_count(&mut tx).await?;
    tx.commit().await?;
    Ok(count)
}

fn unread_event(count: i64) -> Event {
    Event::default()
        .event("unread")
        .data(serde_json::json!({ "unread_count": count }).to_string())
}

impl Live {
    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            let recheck = tokio::select! {
                change = self.changes.recv() => match change {
                    Ok(Changed::User(user)) if user != self.tenant.user_id? => continue,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep_until(self.next_check) => true,
                _ = tokio::time::sleep_until(self.expires) => return None,
            };
            if recheck {
                self.next_check = tokio::time::Instant::now() + RECHECK_EVERY;
                let mut caller = CurrentUser::check(&self.state, self.claims.clone())
                    .await
                    .ok()?;
                caller.release();
            }
            let count = unread(&self.state.pool, self.tenant).await.ok()?;
            if self.last_sent != Some(count) {
                self.last_sent = Some(count);
                return Some(unread_event(count));
            }
        }
    }
}

#[utoipa::path(get, path = "/api/v1/notifications/stream", tag = "notifications",
    security(("bearer" = [])), summary = "The unread count, live (server-sent events)",
    description = "A `text/event-stream` of `unread` events, `{\"unread_count\": n}`: the \
        count at once, then each time it changes. Ends when the token expires or is revoked.",
    responses((status = 200, description = "text/event-stream of `unread` events"),
        (status = 429, description = "Too many open streams for this user")))]
pub(crate) async fn stream(
    State(state): State<AppState>,
    mut caller: CurrentUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let mut tx = caller.begin().await?;
    let count = notifications::unread_count(&mut tx).await?;
    tx.commit().await?;
    let seat = state
        .notification_hub
        .seat(caller.user_id)
        .ok_or(ApiError::TooManyRequests {
            retry_after_secs: RECHECK_EVERY.as_secs(),
        })?;
    let changes = state.notification_hub.subscribe(&state.pool);
    let seconds_left = (caller.claims.exp - chrono::Utc::now().timestamp()).max(0) as u64;
    let now = tokio::time::Instant::now();
    let live = Live {
        changes,
        claims: caller.claims.clone(),
        tenant: caller.tenant,
        last_sent: Some(count),
        next_check: now + RECHECK_EVERY,
        expires: now + Duration::from_secs(seconds_left),
        state,
        _seat: seat,
    };
    let first = futures_util::stream::once(async move { Ok(unread_event(count)) });
    let rest = futures_util::stream::unfold(live, |mut live| async move {
        live.next().await.map(|event| (Ok(event), live))
    });
    Ok(Sse::new(futures_util::StreamExt::chain(first, rest)).keep_alive(KeepAlive::default()))
}
