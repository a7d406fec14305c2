//! The API's handlers (all but ingest): each parses its request, calls one gate operation on
//! a blocking thread, and renders the result as JSON. This module holds the extractors that
//! turn bad requests into problem documents and the health endpoints; the rest are grouped by
//! concern in its submodules.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use model::{Identifier, IdentifierKind};
use serde::Deserialize;
use vault::audit::{parse_anchor, parse_public_key, LogQuery};
use vault::SearchKey;

use crate::server::{blocking, json_response, typed_response, AppState, Authed, Problem};
use crate::wire;
use gate::{NewAccount, Refusal};

mod admin;
mod carriers;
mod designations;
mod disclosure;
mod holds;
mod records;
mod reports;
mod requests;
mod retention;
mod transfers;

pub use admin::time_filter;
pub(crate) use admin::*;
pub(crate) use carriers::*;
pub(crate) use designations::*;
pub(crate) use disclosure::*;
pub(crate) use holds::*;
pub(crate) use records::*;
pub(crate) use reports::*;
pub(crate) use requests::*;
pub(crate) use retention::*;
pub(crate) use transfers::*;

/// What a route's 403 says in the document: the policy denied it, and `rule` names the rule.
pub(crate) const DENIED: &str = "denied by the policy; `rule` names the rule (logged)";

/// What a route that reads an identifier answers 422 for.
pub(crate) const PASSPORT_RULE: &str =
    "a passport without its country, or a country for another kind";

/// A date field of a request body (`YYYY-MM-DD`), named in the refusal.
pub(crate) fn date(text: &str, name: &str) -> Result<NaiveDate, Refusal> {
    // Exactly the documented form (`wire::DATE_PATTERN`): chrono alone also reads `2026-1-5`.
    let exact = text.len() == 10
        && text.bytes().enumerate().all(|(at, byte)| match at {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    exact
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| Refusal::Invalid(format!("`{name}` must be a date, YYYY-MM-DD")))
}

/// Whether `headers` say the body is JSON (`application/json`, or an `application/*+json`
/// type), as axum's own `Json` reads them.
fn says_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(Ok(value)) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .map(|value| value.to_str())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

/// The 415 of a body not sent as JSON.
fn not_json() -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid-request",
        "the body must be sent as `Content-Type: application/json`",
    )
}

/// A request's body, read whole: one past the server's limit is 413, as the document says of
/// every route that takes a body.
pub(crate) struct BodyBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for BodyBytes {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        axum::body::Bytes::from_request(request, state)
            .await
            .map(BodyBytes)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Problem::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload-too-large",
                        "the body is larger than the server takes",
                    )
                } else {
                    Problem::invalid("the body could not be read")
                }
            })
    }
}

/// An optional JSON body, read whole: none (empty) is `None`. A body declared of another
/// media type is 415 before it is read; one sent with no media type is read (within the
/// limit) only to see that it is empty, and is 415 if it is not.
pub(crate) struct OptionalJsonBytes(pub Option<axum::body::Bytes>);

impl<S: Send + Sync> FromRequest<S> for OptionalJsonBytes {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let declared = request
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE);
        let json = says_json(request.headers());
        if declared && !json {
            return Err(not_json());
        }
        let BodyBytes(bytes) = BodyBytes::from_request(request, state).await?;
        if bytes.is_empty() {
            Ok(OptionalJsonBytes(None))
        } else if json {
            Ok(OptionalJsonBytes(Some(bytes)))
        } else {
            Err(not_json())
        }
    }
}

/// A JSON body whose rejection is a problem document.
pub(crate) struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        // The media type first, before anything is read (415); then the body, within the
        // server's limit (413). Every body the API takes is a JSON object; serde would also
        // read a struct from an array of its fields (`[]` for one whose fields are all
        // optional), which the document does not allow. The bytes are read once and handed on.
        if !says_json(request.headers()) {
            return Err(not_json());
        }
        let (parts, body) = request.into_parts();
        let BodyBytes(bytes) =
            BodyBytes::from_request(Request::from_parts(parts.clone(), body), state).await?;
        let is_object = bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'{');
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let axum::Json(value) = axum::Json::<T>::from_request(request, state)
            .await
            .map_err(|rejection| json_problem(&rejection))?;
        if !is_object {
            return Err(Problem::invalid(
                "the body must be a JSON object (see /openapi.json)",
            ));
        }
        Ok(JsonBody(value))
    }
}

/// A JSON body's rejection as a problem document.
fn json_problem(rejection: &JsonRejection) -> Problem {
    // The media type is checked before (`says_json`), but axum's own parse of it is stricter
    // (`application/json ;charset=utf-8`): what it refuses is still 415.
    if let JsonRejection::MissingJsonContentType(_) = rejection {
        return not_json();
    }
    let detail = match rejection {
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".to_owned(),
        _ => shape_error(&rejection.body_text()),
    };
    // One status for every malformed body (axum says 422 for a wrong shape).
    Problem::new(StatusCode::BAD_REQUEST, "invalid-request", detail)
}

/// Query parameters whose rejection is a problem document.
pub(crate) struct QueryParams<T>(pub T);

/// A whole number of a query or a path, written in digits only and within `T`: Rust's parse
/// also reads `+5`, which the document's integer is not.
pub(crate) fn digits<T: std::str::FromStr>(text: &str) -> Option<T> {
    Some(text)
        .filter(|text| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|text| text.parse().ok())
}

/// [`digits`] as a query parameter's reader (`deserialize_with`), for serde's query reader.
pub(crate) fn whole<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    use serde::de::Error as _;
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
    digits(&text).ok_or_else(|| D::Error::custom("not a whole number in digits, within range"))
}

/// [`whole`], for an optional parameter (with `#[serde(default)]`).
pub(crate) fn whole_or_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    whole(deserializer).map(Some)
}

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| QueryParams(value))
            .map_err(|rejection: QueryRejection| {
                Problem::invalid(shape_error(&rejection.body_text()))
            })
    }
}

/// A deserialization error in words of our own: serde's messages quote what was sent (a value,
/// or the name of a field the endpoint does not take, either of which may be an identifier
/// typed in the wrong place), so they are replaced, not trimmed. What is kept comes from the
/// endpoint's schema, never from the input: the path to the field (request types hold no
/// maps, so every segment is a field name of ours or an index) and a missing field's name.
fn shape_error(text: &str) -> String {
    let rest = text
        .split_once("target type: ")
        .map_or(text, |(_, rest)| rest);
    let (path, message) = rest.split_once(": ").unwrap_or(("", rest));
    let unknown = message.starts_with("unknown field");
    // An unknown field's path ends with its name, which came from the input.
    let path = match path.rsplit_once('.') {
        Some((parent, _)) if unknown => parent,
        None if unknown => "",
        _ => path,
    };
    let schema_name = |name: &str| {
        name.parse::<usize>().is_ok() || model::display_token(name) == format!("`{name}`")
    };
    let path = Some(path)
        .filter(|path| !path.is_empty() && *path != ".")
        .filter(|path| {
            path.split(['.', '[', ']'])
                .filter(|segment| !segment.is_empty())
                .all(schema_name)
        });
    let at = path.map_or(String::new(), |path| format!(" at `{path}`"));
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
        .filter(|field| schema_name(field))
    {
        return format!("a required field is missing{at}: `{field}` (see /openapi.json)");
    }
    if unknown {
        return format!(
            "the request has a field this endpoint does not take{at} (see /openapi.json)"
        );
    }
    format!("a field has the wrong type or form{at} (see /openapi.json)")
}

/// The process is up (no token).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "up", body = wire::Health)),
)]
pub(crate) async fn healthz() -> Response {
    typed_response(
        StatusCode::OK,
        &wire::Health {
            status: "ok".into(),
        },
    )
}

/// Ready to serve: the access log can be written (no token). A vault that cannot log must not
/// serve.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "ready", body = wire::Health),
        (status = 503, description = "not ready: the access log cannot be written", body = wire::Problem, content_type = "application/problem+json"),
    ),
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    blocking(state.limits.operation, move || gate.ready())
        .await
        .map_err(|problem| Problem {
            kind: "not-ready",
            status: StatusCode::SERVICE_UNAVAILABLE,
            ..problem
        })?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Health {
            status: "ready".into(),
        },
    ))
}

/// This document (no token).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "health",
    responses((status = 200, description = "the OpenAPI document", body = Object)),
)]
pub(crate) async fn openapi() -> Result<Response, Problem> {
    let document = crate::server::openapi::document()
        .map_err(|clash| Problem::from(Refusal::internal(clash)))?;
    Ok(json_response(StatusCode::OK, document))
}

pub(crate) async fn not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "no such endpoint; the API is described at /openapi.json",
    )
}

pub(crate) async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "this endpoint does not take that method; see /openapi.json",
    )
}

#[cfg(test)]
mod tests;
