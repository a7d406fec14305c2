//! Errors as `application/problem+json` (RFC 9457): a status, a title, a specific detail and,
//! for denials, the rule. Internal details go to the server's log, never to the caller.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use gate::{Internal, Refusal};

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem document.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// A short name of the kind of problem; also the last part of its `type` URI.
    pub kind: &'static str,
    /// What went wrong with this request.
    pub detail: String,
    /// The rule that denied it, for denials.
    pub rule: Option<String>,
    /// For an internal error, what failed and why: never in the body; the response carries it
    /// to the request's span, which logs it ([`super::request_id`]).
    pub internal: Option<Internal>,
}

impl Problem {
    /// A problem of `kind` with `status` and `detail`.
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            kind,
            detail: detail.into(),
            rule: None,
            internal: None,
        }
    }

    /// A malformed request (400).
    pub fn invalid(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "invalid-request", detail)
    }

    /// An answer that could not be rendered (JSON, CSV): internal, with its cause.
    pub fn rendering(err: impl std::error::Error + 'static) -> Self {
        Problem::from(Refusal::internal_because("rendering the answer", &err))
    }

    /// The problem document.
    pub fn wire(&self) -> crate::wire::Problem {
        crate::wire::Problem {
            kind: format!("https://recvault.dev/problems/{}", self.kind),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            rule: self.rule.clone(),
        }
    }

    /// The problem as JSON.
    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(self.wire()).unwrap_or(serde_json::Value::Null)
    }
}

impl From<Refusal> for Problem {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Unauthenticated { rule, reason } => Problem {
                rule: Some(rule),
                ..Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", reason)
            },
            Refusal::Denied { rule, reason } => Problem {
                rule: Some(rule),
                ..Problem::new(StatusCode::FORBIDDEN, "denied", reason)
            },
            Refusal::Invalid(detail) => Problem::invalid(detail),
            Refusal::Unprocessable(detail) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                detail,
            ),
            Refusal::NotFound(detail) => Problem::new(StatusCode::NOT_FOUND, "not-found", detail),
            Refusal::Conflict(detail) => Problem::new(StatusCode::CONFLICT, "conflict", detail),
            // The vault's detail (why the log cannot be written) is logged like an internal
            // error's, under the request id; the caller gets the reason.
            Refusal::Unavailable { reason, cause } => Problem {
                internal: cause,
                ..Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", reason)
            },
            Refusal::InsufficientStorage(detail) => Problem::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient-storage",
                detail,
            ),
            // The detail may name files or engine errors: it travels with the response to the
            // request's span, which logs it under the request id; the caller gets a pointer.
            Refusal::Internal(internal) => Problem {
                internal: Some(internal),
                ..Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the request failed inside the vault; the server log has the detail under this request's id",
                )
            },
        }
    }
}

/// Logs an internal error's detail and its causes (the operator's log only): once per failure,
/// by whoever answers with it (the request-id middleware, or a streamed answer's last line).
pub(crate) fn log_internal(internal: &Internal) {
    tracing::error!(error = %internal.message, causes = ?internal.causes, "internal error");
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body().to_string()).into_response();
        if let Some(internal) = self.internal {
            response.extensions_mut().insert(internal);
        }
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"recvault\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests;
