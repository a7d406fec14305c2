//! Handlers of high-risk designations (PNR, seed 001 paragraph 5): designate a subject,
//! confirm or withdraw a designation, list a subject's designations.

use super::*;

/// What the officer states, as the gate takes it.
fn designation_input(
    system: &str,
    purpose: &str,
    case: &str,
    reason: &str,
    review_on: &str,
) -> Result<gate::DesignationInput, Refusal> {
    Ok(gate::DesignationInput {
        system: system.to_owned(),
        purpose: purpose.to_owned(),
        case_id: case.to_owned(),
        reason: reason.to_owned(),
        review_on: date(review_on, "review_on")?,
    })
}

/// Designate a subject high risk (roles with the SORN's `designate` grant): the subject's
/// passport, a paragraph 3 purpose, the case, a reason and a review date within a year.
/// Sealed, indexed by the subject, logged by id; reads open the subject's free text while it
/// is in force.
#[utoipa::path(
    post,
    path = "/v1/designations",
    tag = "designations",
    request_body = wire::NewDesignation,
    responses(
        (status = 201, description = "designated", body = wire::Designated),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a passport without its country; a system whose free text needs no designation; a review date not after today or more than a year away", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn designate(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewDesignation>,
) -> Result<Response, Problem> {
    let input = designation_input(
        &body.system,
        &body.purpose,
        &body.case,
        &body.reason,
        &body.review_on,
    )?;
    let subject = search_key(&body.subject)?;
    let gate = Arc::clone(&state.gate);
    let id = blocking(state.limits.operation, move || {
        gate.designate(&authed.caller, &authed.context, &subject, &input)
    })
    .await?;
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::Designated { id },
    ))
}

/// Confirm a designation (one carried over from a record's old `high_risk` field is pending
/// and unlocks nothing until confirmed; one past its review date is renewed), with purpose,
/// case, reason and a new review date.
#[utoipa::path(
    post,
    path = "/v1/designations/{id}/confirm",
    tag = "designations",
    params(("id" = String, Path, pattern = "^HR-[0-9]{4}-[0-9]{6}$", description = "the designation's id, `HR-<year>-<number>`")),
    request_body = wire::DesignationConfirmation,
    responses(
        (status = 200, description = "the designation", body = wire::DesignationView),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such designation in the system", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "withdrawn: a withdrawn designation is not confirmed again", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a system whose free text needs no designation; a review date not after today or more than a year away", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn confirm_designation(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::DesignationConfirmation>,
) -> Result<Response, Problem> {
    let input = designation_input(
        &body.system,
        &body.purpose,
        &body.case,
        &body.reason,
        &body.review_on,
    )?;
    let gate = Arc::clone(&state.gate);
    let designation = blocking(state.limits.operation, move || {
        gate.confirm_designation(&authed.caller, &authed.context, &id, &input)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::DesignationView::of(&designation),
    ))
}

/// Withdraw a designation: from now on it unlocks nothing.
#[utoipa::path(
    post,
    path = "/v1/designations/{id}/withdraw",
    tag = "designations",
    params(("id" = String, Path, pattern = "^HR-[0-9]{4}-[0-9]{6}$", description = "the designation's id, `HR-<year>-<number>`")),
    request_body = wire::DesignationScope,
    responses(
        (status = 200, description = "the designation", body = wire::DesignationView),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such designation in the system", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn withdraw_designation(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::DesignationScope>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let designation = blocking(state.limits.operation, move || {
        gate.withdraw_designation(
            &authed.caller,
            &authed.context,
            &id,
            &body.system,
            &body.purpose,
            &body.case,
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::DesignationView::of(&designation),
    ))
}

/// A subject's designations in a system, in force or not (roles with the `designate`
/// grant), decided for a purpose and case.
#[utoipa::path(
    post,
    path = "/v1/designations/search",
    tag = "designations",
    request_body = wire::DesignationSearch,
    responses(
        (status = 200, description = "the designations", body = wire::DesignationList),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = PASSPORT_RULE, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn search_designations(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::DesignationSearch>,
) -> Result<Response, Problem> {
    // A designation's subject is an identifier, never a name (the schema's enum).
    if body.subject.kind == "name" {
        return Err(Refusal::Invalid(
            "a designation's subject is an identifier, never a name".into(),
        )
        .into());
    }
    let subject = search_key(&body.subject)?;
    let gate = Arc::clone(&state.gate);
    let found = blocking(state.limits.operation, move || {
        gate.designations(
            &authed.caller,
            &authed.context,
            &body.system,
            &subject,
            &body.purpose,
            &body.case,
        )
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::DesignationList {
            designations: found.iter().map(wire::DesignationView::of).collect(),
        },
    ))
}
