//! Handlers of retention: plans, runs, approvals, certificates and the status.

use super::*;

/// What the retention schedules would destroy (approved, in force) or report (proposed) on a
/// day (`as_of`, default now); changes nothing (records officers).
#[utoipa::path(
    post,
    path = "/v1/retention/plan",
    tag = "retention",
    request_body = wire::PlanFor,
    responses(
        (status = 200, description = "the due cohorts and each system's phase", body = wire::Plan),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn retention_plan(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::PlanFor>,
) -> Result<Response, Problem> {
    let as_of = time_filter(body.as_of.as_deref(), "as_of")
        .map_err(Problem::from)?
        .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis);
    let gate = Arc::clone(&state.gate);
    let plan = blocking(state.limits.operation, move || {
        gate.retention_plan(&authed.caller, &authed.context, as_of)
    })
    .await?;
    Ok(typed_response(StatusCode::OK, &wire::Plan::of(&plan)))
}

/// Run the schedules now with the real clock (records officers); ends with a signed
/// disposition certificate.
///
/// Refused when the clock is behind the trusted time, or jumped without `confirm_clock`, or
/// when the volume needs a second officer's `approval` (an id from
/// `POST /v1/retention/approvals`).
#[utoipa::path(
    post,
    path = "/v1/retention/run",
    tag = "retention",
    request_body = wire::RunNow,
    responses(
        (status = 200, description = "what was destroyed and reported, and the certificate", body = wire::RunDone),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "the clock is behind the trusted time, or jumped without `confirm_clock`; or the volume needs a second officer's approval and the one given is missing, unknown, used, expired or the caller's own (logged)", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn retention_run(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::RunNow>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let report = blocking(state.limits.operation, move || {
        gate.retention_run(
            &authed.caller,
            &authed.context,
            body.confirm_clock,
            body.approval.as_deref(),
        )
    })
    .await?;
    Ok(typed_response(StatusCode::OK, &wire::RunDone::of(&report)))
}

/// The disposition certificates (records officers, auditors).
#[utoipa::path(
    get,
    path = "/v1/retention/certificates",
    tag = "retention",
    responses(
        (status = 200, description = "the certificates, oldest first", body = wire::CertificateList),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn retention_certificates(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let certificates = blocking(state.limits.operation, move || {
        gate.retention_certificates(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::CertificateList {
            certificates: certificates
                .iter()
                .map(wire::SignedCertificate::of)
                .collect(),
        },
    ))
}

/// The trusted time, whether an interrupted run awaits the next, and the background
/// compaction after a destruction with its progress (records officers).
#[utoipa::path(
    get,
    path = "/v1/retention/status",
    tag = "retention",
    responses(
        (status = 200, description = "the status", body = wire::Status),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn retention_status(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let status = blocking(state.limits.operation, move || {
        gate.retention_status(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(StatusCode::OK, &wire::Status::of(&status)))
}

/// A second records officer approves, from their own session, the run the plan shows now: a
/// single-use approval id bound to the plan's digest (the day, each due cohort and its
/// records' digest), valid for an hour, logged.
#[utoipa::path(
    post,
    path = "/v1/retention/approvals",
    tag = "retention",
    responses(
        (status = 201, description = "the approval", body = wire::RunApproval),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "the clock is behind the trusted time or jumped, or the plan cannot be made now", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn retention_approve(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let approval = blocking(state.limits.operation, move || {
        gate.approve_retention_run(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::RunApproval::of(&approval),
    ))
}
