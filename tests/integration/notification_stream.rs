//! `GET /notifications/stream`: the unread count pushed live (revision 021's channel).

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::demo::{ADMIN, COMPLIANCE};
use crate::helpers::{assert_error, TestApp};

/// An open event stream, read event by event.
struct EventStream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl EventStream {
    async fn open(app: &TestApp, token: &str) -> Self {
        let response = app
            .client
            .get(format!("{}/api/v1/notifications/stream", app.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Self {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event's data (keep-alive comments skipped); `None` when the stream ended.
    async fn next(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(str::trim)
                    .collect();
                if data.is_empty() {
                    continue;
                }
                assert!(
                    block.contains("event: unread") || block.contains("event:unread"),
                    "{block}"
                );
                return Some(serde_json::from_str(&data.join("\n")).unwrap());
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(bytes))) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                Ok(Some(Err(_))) | Ok(None) => return None,
                Err(_) => panic!("no event within {within:?}"),
            }
        }
    }
}

async fn notify(app: &TestApp, email: &str) {
    app.db()
        .exec(&format!(
            "INSERT INTO notifications (id, user_id, type, title, message, read, created_at, organization_id) \
             VALUES (gen_random_uuid(), '{email}', 'system_alert', 'Hello', 'A test', false, now(), \
                     '00000000-0000-0000-0000-000000000001')"
        ))
        .await;
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn the_unread_count_arrives_at_once_and_after_each_change_of_the_callers_inbox_only() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let token = app.token(COMPLIANCE).await;
    let mut stream = EventStream::open(&app, &token).await;
    let first = stream.next(WAIT).await.expect("the count at once");
    let unread = first["unread_count"].as_i64().unwrap();
    assert!(unread >= 1, "{first}");
    // Someone else's inbox changes: nothing for this stream; then its own.
    notify(&app, ADMIN).await;
    notify(&app, COMPLIANCE).await;
    let next = stream.next(WAIT).await.expect("a new notification");
    assert_eq!(next["unread_count"], unread + 1);
    // Read through the API (any instance): the count follows.
    let response = app
        .post_with_token("/api/v1/notifications/read-all", &token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        stream.next(WAIT).await.expect("all read")["unread_count"],
        0
    );
    // A second stream of the same user sees the same.
    let mut second = EventStream::open(&app, &token).await;
    assert_eq!(second.next(WAIT).await.unwrap()["unread_count"], 0);
    notify(&app, COMPLIANCE).await;
    assert_eq!(stream.next(WAIT).await.unwrap()["unread_count"], 1);
    assert_eq!(second.next(WAIT).await.unwrap()["unread_count"], 1);
}

#[tokio::test]
async fn logging_out_ends_the_stream_and_a_stream_needs_a_valid_token() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let token = app.token(COMPLIANCE).await;
    let mut stream = EventStream::open(&app, &token).await;
    stream.next(WAIT).await.expect("the count");
    let response = app.post_with_token("/api/v1/auth/logout", &token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // The next announcement re-checks the token: the stream ends without another event.
    notify(&app, COMPLIANCE).await;
    assert_eq!(stream.next(WAIT).await, None);
    for token in [None, Some("garbage"), Some(token.as_str())] {
        let response = app
            .call(
                reqwest::Method::GET,
                "/api/v1/notifications/stream",
                token,
                None,
            )
            .await;
        assert_error(response, StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "stream").await;
    }
}

#[tokio::test]
async fn a_user_holds_a_bounded_number_of_streams() {
    let app = TestApp::spawn(4, Duration::from_secs(5)).await;
    let token = app.token(ADMIN).await;
    let mut open = Vec::new();
    for _ in 0..tracehub::http::notification_stream::MAX_STREAMS_PER_USER {
        let mut stream = EventStream::open(&app, &token).await;
        stream.next(WAIT).await.expect("the count");
        open.push(stream);
    }
    let response = app
        .get_with_token("/api/v1/notifications/stream", &token)
        .await;
    assert_error(
        response,
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        "one too many",
    )
    .await;
    // Closing one frees its seat (once the server notices: at the latest at its next
    // keep-alive).
    drop(open.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let response = app
            .get_with_token("/api/v1/notifications/stream", &token)
            .await;
        if response.status() == StatusCode::OK {
            break;
        }
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the seat was never freed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
