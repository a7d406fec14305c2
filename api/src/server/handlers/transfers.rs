//! Handlers of transfers to a records center: make one, list them, download a package, read
//! one back.

use super::*;

/// Transfer a period cohort to a records center (records officers; 31 CFR 1.25(b)(3)).
///
/// Refused (409) unless every record of it is today in a phase its notice marks `transfer`
/// (TTAR's archive). Its package (records, annotations and a copy of their accounting, under a
/// transfer key wrapped by the cohort's key, with a manifest signed by the log's key) is
/// written to the server's transfer directory before its certificate is kept; the records'
/// phase becomes `transferred` (requests, holds, audits; not analysts).
#[utoipa::path(
    post,
    path = "/v1/transfers",
    tag = "transfers",
    request_body = wire::NewTransfer,
    responses(
        (status = 201, description = "the transfer, with its signed certificate", body = wire::Transfer),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such period cohort", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "not in a transferable phase, destroyed, already transferred, or no backup directory", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn make_transfer(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewTransfer>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let made = blocking(state.limits.operation, move || {
        gate.transfer_cohort(&authed.caller, &authed.context, body.cohort)
    })
    .await?;
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::Transfer::from(made),
    ))
}

/// Every transfer to a records center, with its signed certificate (records officers,
/// auditors).
#[utoipa::path(
    get,
    path = "/v1/transfers",
    tag = "transfers",
    responses(
        (status = 200, description = "the transfers", body = wire::TransferList),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_transfers(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let list = blocking(state.limits.operation, move || {
        gate.transfers(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::TransferList {
            transfers: list.into_iter().map(wire::Transfer::from).collect(),
        },
    ))
}

/// The package of a transfer, for the records center (records officers).
#[utoipa::path(
    get,
    path = "/v1/transfers/{id}/package",
    tag = "transfers",
    params(("id" = String, Path, pattern = r"^T-[0-9]{1,10}-[0-9]{1,16}$", description = "the transfer's id")),
    responses(
        (status = 200, description = "the package", content_type = "application/octet-stream", body = wire::Package),
        (status = 400, description = "an id that is no transfer's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no package", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "no backup directory", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn transfer_package(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let bytes = blocking(state.limits.operation, move || {
        gate.transfer_package(&authed.caller, &authed.context, &id)
    })
    .await?;
    let mut response = axum::response::IntoResponse::into_response((StatusCode::OK, bytes));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/octet-stream"),
    );
    Ok(response)
}

/// Read a transfer's package back with the vault's keys, for a request (privacy officers,
/// `privacy-act-request`), a hold (records officers, `hold`) or an audit (auditors, `audit`),
/// with the case: checked against the log's signature, every item opened; logged with the
/// records' ids.
#[utoipa::path(
    post,
    path = "/v1/transfers/{id}/recall",
    tag = "transfers",
    params(("id" = String, Path, pattern = r"^T-[0-9]{1,10}-[0-9]{1,16}$", description = "the transfer's id")),
    request_body = wire::Recall,
    responses(
        (status = 200, description = "what the package carries, each item opened", body = wire::Recalled),
        (status = 400, description = "a body that is not the schema's, or an id that is no transfer's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = "denied by the policy, or the case is not one the vault has for that purpose; `rule` names the rule", body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no package", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "the cohort was destroyed on schedule (the package opens with nothing that remains), or no backup directory", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn recall_transfer(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::Recall>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let recalled = blocking(state.limits.operation, move || {
        gate.recall_transfer(
            &authed.caller,
            &authed.context,
            &id,
            &body.purpose,
            &body.case,
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::Recalled::from(recalled),
    ))
}
