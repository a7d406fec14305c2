//! An internal error at the HTTP boundary: its detail and every cause behind it reach the
//! server's log, under the request's id, and none of them the answer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail the test with the reason"
)]

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;

/// A failure two causes deep, as the engine gives one: a store error over an I/O error.
#[derive(Debug)]
struct Failed(std::io::Error);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the store refused the batch at /srv/vault/data/000123.log")
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_internal_errors_causes_reach_the_log_under_the_request_id_and_never_the_answer() {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = Arc::clone(&buffer);
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || Captured(Arc::clone(&writer)))
        .finish();
    // This test's thread only (the test runtime runs the request on it).
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = Router::new()
        .route(
            "/fails",
            get(|| async {
                let err = Failed(std::io::Error::other(
                    "No space left on device (os error 28)",
                ));
                Problem::from(Refusal::internal_error(&err))
            }),
        )
        .layer(axum::middleware::from_fn(super::super::request_id));
    let response = app
        .oneshot(Request::get("/fails").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        response.extensions().get::<Internal>().is_none(),
        "the detail stops at the request's span"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8(body.to_vec()).unwrap();
    let log = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    for detail in ["000123.log", "No space left on device"] {
        assert!(!body.contains(detail), "`{detail}` in the answer: {body}");
        let line = log
            .lines()
            .find(|line| line.contains("internal error"))
            .unwrap_or_else(|| panic!("no internal error in the log: {log}"));
        assert!(
            line.contains(detail),
            "`{detail}` not in the log line: {line}"
        );
        assert!(
            line.contains(&id),
            "the request id not in the log line: {line}"
        );
    }
    assert_eq!(
        log.matches("internal error").count(),
        1,
        "logged once, by the request's span: {log}"
    );
}
