//! The served vault's HTTP API: axum routes over the [`Gate`], problem+json errors, a request
//! id on every response (shared with tracing and the access log), body and time limits, and
//! the listener (plain HTTP on loopback only, TLS with rustls elsewhere).
//!
//! Handlers never see a `Vault`: everything they do goes through the gate, on a blocking
//! thread, bounded in time. Endpoints are listed in `openapi.rs` (served at `/openapi.json`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tracing::Instrument;

use gate::{Caller, Gate, Internal, Refusal, RequestContext};

pub mod flood;
mod handlers;
mod ingest;
pub mod listener;
pub mod openapi;
pub mod problem;

pub use handlers::time_filter;
pub use problem::Problem;

/// The header carrying the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The default cap on an institution's file (MiB): a large bank's weekly MT file is tens of
/// MiB; the cap bounds what one caller can make the server hold.
pub const DEFAULT_UPLOAD_MIB: u64 = 256;

/// Limits on requests.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest JSON request body (bytes).
    pub json_body_bytes: usize,
    /// Largest ingest body (bytes): a weekly report streamed whole fits.
    pub ingest_body_bytes: u64,
    /// Longest a non-streaming operation may run before the caller is answered 503 (the
    /// operation itself finishes or fails atomically; its log entry tells which).
    pub operation: Duration,
    /// Longest an ingest waits for the next piece of its body.
    pub ingest_idle: Duration,
    /// Records per committed batch of an ingest, unless the request asks for fewer.
    pub ingest_batch: usize,
    /// Largest institution's file (`?format=`), which is read whole to be converted (bytes).
    pub converted_upload_bytes: u64,
    /// Per-client rate limits.
    pub flood: flood::FloodLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            json_body_bytes: 1 << 20,
            ingest_body_bytes: 64 << 30,
            operation: Duration::from_secs(30),
            ingest_idle: Duration::from_secs(60),
            ingest_batch: 1000,
            converted_upload_bytes: DEFAULT_UPLOAD_MIB << 20,
            flood: flood::FloodLimits::default(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    gate: Arc<Gate>,
    limits: Limits,
    limiters: Arc<flood::Limiters>,
    /// Institutions' files read and converted at once (each up to its cap).
    converting: Arc<tokio::sync::Semaphore>,
}

/// How many institutions' files are converted at once.
pub const CONVERTING_AT_ONCE: usize = 2;

/// The API's router over `gate`.
pub fn router(gate: Arc<Gate>, limits: Limits) -> Router {
    let json_limit = limits.json_body_bytes;
    let limiters = Arc::new(flood::Limiters::new(limits.flood));
    let state = AppState {
        gate,
        limits,
        limiters: Arc::clone(&limiters),
        converting: Arc::new(tokio::sync::Semaphore::new(CONVERTING_AT_ONCE)),
    };
    let limited = || {
        axum::middleware::from_fn_with_state(Arc::clone(&limiters), flood::limit_unauthenticated)
    };
    // The endpoints that need no token, each rate-limited per client address.
    let open = Router::new()
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/openapi.json", get(handlers::openapi))
        .route_layer(limited());
    let ingest = Router::new()
        .route("/v1/ingest", post(ingest::ingest))
        // The ingest body is streamed and bounded by its own byte count, not buffered.
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/v1/search", post(handlers::search))
        .route("/v1/partner/search", post(handlers::partner_search))
        .route("/v1/records/{id}", get(handlers::get_record))
        .route("/v1/records/{id}/raw", get(handlers::get_raw))
        .route("/v1/records/{id}/annotations", post(handlers::annotate))
        .route(
            "/v1/accounts",
            get(handlers::list_accounts).post(handlers::add_account),
        )
        .route(
            "/v1/accounts/{name}/disable",
            post(handlers::disable_account),
        )
        .route("/v1/accounts/{name}/vetting", post(handlers::vet_account))
        .route("/v1/audit/entries", get(handlers::audit_search))
        .route("/v1/audit/verify", post(handlers::audit_verify))
        .route("/v1/backup", post(handlers::backup))
        .route("/v1/disclosures", post(handlers::disclose))
        .route("/v1/designations", post(handlers::designate))
        .route(
            "/v1/designations/search",
            post(handlers::search_designations),
        )
        .route(
            "/v1/designations/{id}/confirm",
            post(handlers::confirm_designation),
        )
        .route(
            "/v1/designations/{id}/withdraw",
            post(handlers::withdraw_designation),
        )
        .route("/v1/accounting/search", post(handlers::accounting))
        .route("/v1/accounting/expire", post(handlers::expire_accounting))
        .route("/v1/notices", get(handlers::notices))
        .route("/v1/retention/plan", post(handlers::retention_plan))
        .route("/v1/retention/run", post(handlers::retention_run))
        .route("/v1/retention/approvals", post(handlers::retention_approve))
        .route(
            "/v1/retention/certificates",
            get(handlers::retention_certificates),
        )
        .route("/v1/retention/status", get(handlers::retention_status))
        .route(
            "/v1/holds",
            get(handlers::list_holds).post(handlers::place_hold),
        )
        .route("/v1/holds/{id}/release", post(handlers::release_hold))
        .route("/v1/holds/{id}/records", get(handlers::hold_records))
        .route("/v1/holds/search", post(handlers::search_held))
        .route("/v1/requests", post(handlers::open_request))
        .route("/v1/requests/due", get(handlers::requests_due))
        .route("/v1/reports/requests", get(handlers::request_statistics))
        .route(
            "/v1/transfers",
            get(handlers::list_transfers).post(handlers::make_transfer),
        )
        .route(
            "/v1/transfers/{id}/package",
            get(handlers::transfer_package),
        )
        .route("/v1/transfers/{id}/recall", post(handlers::recall_transfer))
        .route("/v1/reports/complaints", get(handlers::complaint_report))
        .route("/v1/requests/{id}", get(handlers::show_request))
        .route("/v1/requests/{id}/events", post(handlers::request_event))
        .route("/v1/requests/{id}/records", get(handlers::request_records))
        .route(
            "/v1/requests/{id}/annotations",
            post(handlers::request_annotation),
        )
        .route(
            "/v1/requests/{id}/response",
            post(handlers::request_response),
        )
        .route(
            "/v1/requests/{id}/letters",
            get(handlers::list_letters).post(handlers::make_letter),
        )
        .route("/v1/requests/{id}/letters/{n}", get(handlers::read_letter))
        .route("/v1/letters/templates", get(handlers::letter_templates))
        .route(
            "/v1/letters/templates/{kind}",
            post(handlers::set_letter_template),
        )
        .route(
            "/v1/consultations",
            get(handlers::list_consultations).post(handlers::open_consultation),
        )
        .route(
            "/v1/consultations/{id}/answer",
            post(handlers::answer_consultation),
        )
        .route(
            "/v1/designated-authorities",
            get(handlers::list_authorities).post(handlers::register_authority),
        )
        .route(
            "/v1/pnr-carriers",
            get(handlers::list_carriers).post(handlers::record_carrier),
        )
        .route("/v1/notices/{id}/sent", post(handlers::notice_sent))
        .route("/v1/notices/{id}/public", post(handlers::notice_public))
        .layer(DefaultBodyLimit::max(json_limit))
        .merge(ingest)
        .merge(open)
        .fallback(axum::handler::Handler::layer(
            handlers::not_found,
            limited(),
        ))
        .method_not_allowed_fallback(axum::handler::Handler::layer(
            handlers::method_not_allowed,
            limited(),
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(request_id))
}

/// The client's address, set by the listener on each connection.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// Gives every request a fresh id (a client's own id is not trusted into the log), runs it in
/// a tracing span carrying the id, and returns the id in the response's header.
pub(crate) async fn request_id(mut request: Request, next: Next) -> Response {
    let id = new_request_id();
    let client = request
        .extensions()
        .get::<ClientAddr>()
        .map(|addr| addr.0.to_string())
        .unwrap_or_else(|| "in-process".into());
    let context = RequestContext {
        request_id: id.clone(),
        client,
    };
    request.extensions_mut().insert(context);
    // The matched route's template only (`/v1/records/{id}`), never the path or query a
    // caller sent: an unknown path could be anything they typed.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %known_method(request.method()),
        route = %route
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    // An internal error's detail and causes, which its problem document left out, are logged
    // here, in the request's span (so under its id), and go no further.
    if let Some(internal) = response.extensions_mut().remove::<gate::Internal>() {
        span.in_scope(|| problem::log_internal(&internal));
    }
    span.in_scope(|| tracing::info!(status = response.status().as_u16(), "answered"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// The request's method if it is a standard one (a caller may send any token as a method).
fn known_method(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::PATCH,
    ]
    .iter()
    .find(|known| *known == method)
    .map_or("OTHER", |known| known.as_str())
}

fn new_request_id() -> String {
    let mut bytes = [0u8; 12];
    // A failed random source still gives a unique-enough id from the clock; ids are for
    // correlation, not security.
    if vault::crypto::fill_random(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        bytes.copy_from_slice(&nanos.to_be_bytes()[4..16]);
    }
    hex::encode(bytes)
}

/// An authenticated request: the caller and where the request came from. Authentication
/// failures are logged by the gate and answered 401.
pub struct Authed {
    /// The caller.
    pub caller: Caller,
    /// The request's id and client.
    pub context: RequestContext,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let context = parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_default();
        // Anything but `Bearer <token>` counts as no token: refused and logged like one.
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| token.trim().to_owned());
        let gate = Arc::clone(&state.gate);
        let for_gate = context.clone();
        let caller = blocking(state.limits.operation, move || {
            gate.authenticate(token.as_deref(), &for_gate)
        })
        .await;
        // Failed authentications are limited per address (successes never count).
        if let Err(problem) = &caller {
            if problem.status == StatusCode::UNAUTHORIZED
                && !state
                    .limiters
                    .allow_auth_failure(flood::client_ip(&context))
            {
                return Err(Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "too many failed authentications from this address; retry in a second",
                ));
            }
        }
        Ok(Authed {
            caller: caller?,
            context,
        })
    }
}

/// Runs a gate operation on a blocking thread, answering 503 if it outlives `limit`. The
/// operation is not cancelled: it completes (or fails) atomically, and its log entry says
/// which, so a time limit never leaves a batch half-committed. An internal failure it meets
/// after its answer has gone is logged when it comes, in the request's span (nobody else will).
pub(crate) async fn blocking<T: Send + 'static>(
    limit: Duration,
    operation: impl FnOnce() -> Result<T, Refusal> + Send + 'static,
) -> Result<T, Problem> {
    let mut task = tokio::task::spawn_blocking(operation);
    match tokio::time::timeout(limit, &mut task).await {
        Ok(Ok(result)) => result.map_err(Problem::from),
        Ok(Err(join)) => Err(Problem::from(Refusal::Internal(thread_failed(&join)))),
        Err(_) => {
            let span = tracing::Span::current();
            tokio::spawn(tracing::Instrument::instrument(
                async move {
                    let late = match task.await {
                        Ok(Err(refusal)) => Problem::from(refusal).internal,
                        Ok(Ok(_)) => None,
                        Err(join) => Some(thread_failed(&join)),
                    };
                    if let Some(internal) = late {
                        tracing::warn!(
                            "an operation answered 503 by its time limit has ended in an error"
                        );
                        problem::log_internal(&internal);
                    }
                },
                span,
            ));
            Err(timed_out(limit))
        }
    }
}

/// An operation's thread that did not return: whether it panicked, never the panic's message
/// (a slicing panic quotes the string it sliced, which may be a record's).
fn thread_failed(join: &tokio::task::JoinError) -> Internal {
    Internal::from(if join.is_panic() {
        "the operation's thread panicked"
    } else {
        "the operation's thread was cancelled"
    })
}

/// The answer to an operation that outlived its time limit.
fn timed_out(limit: Duration) -> Problem {
    Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the operation did not finish within {} s; it completes or fails as a whole, and the access log records which",
                limit.as_secs()
            ),
        )
}

/// A typed answer of the wire contract (`crate::wire`) as JSON, with a status.
pub(crate) fn typed_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    match serde_json::to_value(body) {
        Ok(value) => json_response(status, value),
        Err(err) => Problem::rendering(err).into_response(),
    }
}

/// A JSON response with a status.
pub(crate) fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
