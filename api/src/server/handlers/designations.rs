//! Handlers of high-risk designations (PNR, seed 001 paragraph 5): designate a subject,
//! confirm or withdraw a designation, list a subject's designations.

use super::*;

/// What an officer states to designate a subject or confirm a designation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DesignationBody {
    system: String,
    /// Only to designate: the subject's identifier.
    subject: Option<wire::Identifier>,
    purpose: String,
    case: String,
    reason: String,
    /// YYYY-MM-DD.
    review_on: String,
}

/// A withdrawal, or a listing: the system, purpose and case it is decided on.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DesignationScope {
    system: String,
    /// Only to list: the subject's identifier.
    subject: Option<wire::Identifier>,
    purpose: String,
    case: String,
}

fn designation_input(body: &DesignationBody) -> Result<gate::DesignationInput, Refusal> {
    let review_on = date(&body.review_on, "review_on")?;
    Ok(gate::DesignationInput {
        system: body.system.clone(),
        purpose: body.purpose.clone(),
        case_id: body.case.clone(),
        reason: body.reason.clone(),
        review_on,
    })
}

/// A designation as its officers see it: the reason included, the subject's identifiers not
/// (the caller named them).
pub(crate) fn designation_json(designation: &gate::Designation) -> serde_json::Value {
    json!({
        "id": designation.id,
        "system": designation.system,
        "status": designation.status,
        "purpose": designation.purpose,
        "reason": designation.reason,
        "case": designation.case,
        "review_on": designation.review_on.map(|day| day.to_string()),
        "migrated_from": designation.migrated_from,
        "history": designation.history.iter().map(|event| json!({"what": event.what, "by": event.by, "at": event.at})).collect::<Vec<_>>(),
    })
}

pub(crate) async fn designate(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<DesignationBody>,
) -> Result<Response, Problem> {
    let input = designation_input(&body)?;
    let subject = body
        .subject
        .as_ref()
        .ok_or_else(|| Refusal::Invalid("a designation names its `subject`".into()))
        .and_then(search_key)?;
    let gate = Arc::clone(&state.gate);
    let id = blocking(state.limits.operation, move || {
        gate.designate(&authed.caller, &authed.context, &subject, &input)
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, json!({"id": id})))
}

pub(crate) async fn confirm_designation(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DesignationBody>,
) -> Result<Response, Problem> {
    if body.subject.is_some() {
        return Err(Refusal::Invalid(
            "a confirmation names no subject: the designation does".into(),
        )
        .into());
    }
    let input = designation_input(&body)?;
    let gate = Arc::clone(&state.gate);
    let designation = blocking(state.limits.operation, move || {
        gate.confirm_designation(&authed.caller, &authed.context, &id, &input)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        designation_json(&designation),
    ))
}

pub(crate) async fn withdraw_designation(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DesignationScope>,
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
    Ok(json_response(
        StatusCode::OK,
        designation_json(&designation),
    ))
}

pub(crate) async fn search_designations(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<DesignationScope>,
) -> Result<Response, Problem> {
    let subject = body
        .subject
        .as_ref()
        .ok_or_else(|| Refusal::Invalid("a listing names its `subject`".into()))
        .and_then(search_key)?;
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
    let designations: Vec<_> = found.iter().map(designation_json).collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"designations": designations}),
    ))
}
