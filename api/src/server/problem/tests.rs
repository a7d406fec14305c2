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
    // This test's thread only (the test runtime runs the request on it).
    let (buffer, _guard) = capture();
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

/// Everything logged on this thread while the guard lives, in a buffer.
fn capture() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = Arc::clone(&buffer);
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || Captured(Arc::clone(&writer)))
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

/// Nothing logs inside a conversion: a refusal made a problem, and the problem an answer, log
/// nothing (the middleware does, once), and the answer's headers carry none of the detail.
#[test]
fn converting_an_internal_error_logs_nothing_and_its_headers_hold_no_detail() {
    let (buffer, _guard) = capture();
    let err = vault::Error::Io {
        context: "creating `/srv/vault/backup-7`".into(),
        source: std::io::Error::other("Permission denied (os error 13)"),
    };
    let refusal = Refusal::from(err);
    let Refusal::Internal(internal) = &refusal else {
        panic!("{refusal:?}")
    };
    // The message already ends with its cause: said once.
    assert_eq!(
        internal.message,
        "creating `/srv/vault/backup-7`: Permission denied (os error 13)"
    );
    assert!(internal.causes.is_empty(), "{internal:?}");
    let response = Problem::from(refusal).into_response();
    for (name, value) in response.headers() {
        let value = value.to_str().unwrap_or_default();
        assert!(!value.contains("backup-7"), "{name}: {value}");
    }
    assert!(
        buffer.lock().unwrap().is_empty(),
        "a conversion logged: {}",
        String::from_utf8_lossy(&buffer.lock().unwrap())
    );
}

/// An ingest stopped by an internal error answers with a stream whose head passed the
/// middleware before the error: its detail is logged where the ingest ends, in the request's
/// span (carried onto the ingest's thread).
#[test]
fn an_internal_error_that_stops_an_ingest_is_logged_under_its_request() {
    let (buffer, _guard) = capture();
    let span = tracing::info_span!("request", id = "req-42");
    let _in_request = span.enter();
    let summary = gate::IngestSummary {
        stopped: Some(Refusal::internal("the store refused batch 3")),
        ..Default::default()
    };
    super::super::ingest::log_stopped(&summary);
    let log = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|line| line.contains("internal error"))
        .unwrap_or_else(|| panic!("not logged: {log}"));
    assert!(
        line.contains("the store refused batch 3") && line.contains("req-42"),
        "{line}"
    );
}

/// The vault's reason the access log cannot be written (or why a write is in doubt) reaches
/// the server's log with the 503, like an internal error's causes, and not the answer.
#[test]
fn why_the_log_cannot_be_written_is_kept_for_the_log_and_kept_from_the_answer() {
    for err in [
        vault::Error::LogUnavailable("the log writer stopped: fsync failed (os error 5)".into()),
        vault::Error::LogInDoubt("no answer from fsync in 30 s (os error 5)".into()),
    ] {
        let problem = Problem::from(Refusal::from(err));
        assert_eq!(problem.status, StatusCode::SERVICE_UNAVAILABLE);
        let internal = problem
            .internal
            .as_ref()
            .expect("the vault's detail is kept");
        assert!(internal.to_string().contains("os error 5"), "{internal}");
        assert!(
            !problem.body().to_string().contains("os error"),
            "{}",
            problem.body()
        );
    }
}

/// An operation that outlives its time limit is answered 503 at once; when it later fails
/// inside, the failure is logged then, in the request's span: it has no answer left to ride.
#[tokio::test]
async fn an_operation_past_its_time_limit_logs_its_later_failure_under_the_request() {
    let (buffer, _guard) = capture();
    let span = tracing::info_span!("request", id = "req-late-7");
    let answer = tracing::Instrument::instrument(
        super::super::blocking(std::time::Duration::from_millis(20), || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            Err::<(), _>(Refusal::internal_because(
                "committing the batch",
                &std::io::Error::other("Input/output error (os error 5)"),
            ))
        }),
        span,
    )
    .await;
    let problem = answer.expect_err("the limit answers first");
    assert_eq!(
        (problem.status, problem.kind),
        (StatusCode::SERVICE_UNAVAILABLE, "timeout")
    );
    assert!(problem.internal.is_none());
    let logged =
        |buffer: &Arc<Mutex<Vec<u8>>>| String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    for _ in 0..200 {
        if logged(&buffer).contains("internal error") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let log = logged(&buffer);
    let line = log
        .lines()
        .find(|line| line.contains("internal error"))
        .unwrap_or_else(|| panic!("the late failure was not logged: {log}"));
    assert!(
        line.contains("committing the batch")
            && line.contains("os error 5")
            && line.contains("req-late-7"),
        "{line}"
    );
}
