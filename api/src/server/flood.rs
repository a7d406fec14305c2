//! Per-client limits that keep a flood from closing the vault: requests to the endpoints that
//! need no token, and failed authentications, are rate-limited per client address (GCRA, the
//! `governor` crate), answered 429 past the limit. Successful authentications never count,
//! so a vetted caller is not slowed by a flood from another address (or from their own).
//! Failed authentications are logged by the gate one entry per address and interval.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::server::Problem;
use gate::RequestContext;

/// How many requests a client address may make, per second and in a burst.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    /// Sustained requests per second.
    pub per_second: u32,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
}

impl Rate {
    fn quota(self) -> Quota {
        let per_second = NonZeroU32::new(self.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(self.burst).unwrap_or(per_second);
        Quota::per_second(per_second).allow_burst(burst)
    }
}

/// The rates of the two limits.
#[derive(Clone, Copy, Debug)]
pub struct FloodLimits {
    /// Requests to endpoints that need no token (`/healthz`, `/readyz`, `/openapi.json`,
    /// unknown paths).
    pub unauthenticated: Rate,
    /// Failed authentications.
    pub auth_failures: Rate,
}

impl Default for FloodLimits {
    fn default() -> Self {
        // Ours: a monitor polls health every few seconds and a client retries a bad token a
        // few times; well above both, well below what could fill the disk or the CPU.
        FloodLimits {
            unauthenticated: Rate {
                per_second: 20,
                burst: 50,
            },
            auth_failures: Rate {
                per_second: 2,
                burst: 10,
            },
        }
    }
}

/// The limiters, keyed by client address.
pub struct Limiters {
    unauthenticated: DefaultKeyedRateLimiter<IpAddr>,
    auth_failures: DefaultKeyedRateLimiter<IpAddr>,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiters").finish_non_exhaustive()
    }
}

impl Limiters {
    /// Limiters at `limits`.
    pub fn new(limits: FloodLimits) -> Self {
        Limiters {
            unauthenticated: RateLimiter::keyed(limits.unauthenticated.quota()),
            auth_failures: RateLimiter::keyed(limits.auth_failures.quota()),
        }
    }

    /// Whether another failed authentication from `client` is within its limit.
    pub fn allow_auth_failure(&self, client: Option<IpAddr>) -> bool {
        let Some(ip) = client else {
            return true;
        };
        let allowed = self.auth_failures.check_key(&ip).is_ok();
        forget_recovered(&self.auth_failures);
        allowed
    }

    /// Whether another request without a token from `client` is within its limit.
    fn allow_unauthenticated(&self, client: Option<IpAddr>) -> bool {
        let Some(ip) = client else {
            return true;
        };
        let allowed = self.unauthenticated.check_key(&ip).is_ok();
        forget_recovered(&self.unauthenticated);
        allowed
    }
}

/// Addresses tracked before those whose limits have recovered are forgotten: the tables stay
/// bounded however many addresses a flood comes from.
const MAX_TRACKED: usize = 10_000;

fn forget_recovered(limiter: &DefaultKeyedRateLimiter<IpAddr>) {
    if limiter.len() > MAX_TRACKED {
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }
}

/// The client address of a request (the listener's; in process, none).
pub fn client_ip(context: &RequestContext) -> Option<IpAddr> {
    context
        .client
        .parse::<std::net::SocketAddr>()
        .map(|addr| addr.ip())
        .ok()
}

/// The answer past a limit.
pub fn too_many(what: &str) -> Response {
    let mut response = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        format!("too many {what} from this address; retry in a second"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Rate-limits the endpoints that need no token, per client address.
pub async fn limit_unauthenticated(
    State(limiters): State<Arc<Limiters>>,
    request: Request,
    next: Next,
) -> Response {
    let client = request
        .extensions()
        .get::<RequestContext>()
        .and_then(client_ip);
    if !limiters.allow_unauthenticated(client) {
        return too_many("requests without a token");
    }
    next.run(request).await
}
