//! Handlers of holds: place, release, list.

use super::*;

/// A hold request: on `records` or on a `subject`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HoldBody {
    #[serde(default)]
    records: Vec<String>,
    subject: Option<IdentifierBody>,
    reference: String,
    reason: String,
    /// `litigation` (default), `request`, `enforcement-link`, `declassification`.
    purpose: Option<String>,
    /// `governance` or `compliance`.
    kind: String,
    /// Retain until (a date or an RFC 3339 time).
    until: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

pub(crate) fn hold_json(hold: &vault::Hold, records: Option<u64>) -> serde_json::Value {
    json!({
        "id": hold.label(),
        "reference": hold.spec.reference,
        "reason": hold.spec.reason,
        "purpose": hold.spec.purpose.name(),
        "kind": hold.spec.mode.name(),
        "until": hold.spec.until.map(|until| until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "roles": hold.spec.roles,
        "subject_type": hold.subject_kind.map(|kind| kind.name()),
        "placed_by": hold.placed_by,
        "placed_at": hold.placed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "released": hold.released.as_ref().map(|release| json!({
            "by": release.by,
            "at": release.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "reason": release.reason,
        })),
        "records": records,
    })
}

pub(crate) async fn place_hold(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<HoldBody>,
) -> Result<Response, Problem> {
    let until = time_filter(body.until.as_deref(), "until")
        .map_err(Problem::from)?
        .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis);
    let subject = body
        .subject
        .as_ref()
        .map(search_key)
        .transpose()
        .map_err(Problem::from)?;
    let request = gate::HoldRequest {
        records: body.records,
        subject,
        reference: body.reference,
        reason: body.reason,
        purpose: body.purpose.unwrap_or_else(|| "litigation".into()),
        mode: body.kind,
        until,
        roles: body.roles,
    };
    let gate = Arc::clone(&state.gate);
    let placed = blocking(state.limits.operation, move || {
        gate.place_hold(&authed.caller, &authed.context, request)
    })
    .await?;
    let mut value = hold_json(&placed.hold, Some(placed.records));
    value["moved"] = json!(placed.moved);
    Ok(json_response(StatusCode::CREATED, value))
}

/// A release.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReleaseBody {
    reason: String,
}

pub(crate) async fn release_hold(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReleaseBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let (hold, released) = blocking(state.limits.operation, move || {
        gate.release_hold(&authed.caller, &authed.context, &id, &body.reason)
    })
    .await?;
    let mut value = hold_json(&hold, None);
    value["returned"] = json!(released.as_ref().map(|counts| counts.returned));
    value["still_held"] = json!(released.as_ref().map(|counts| counts.still_held));
    value["awaiting_destruction"] =
        json!(released.as_ref().map(|counts| counts.awaiting_destruction));
    Ok(json_response(StatusCode::OK, value))
}

pub(crate) async fn list_holds(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let holds = blocking(state.limits.operation, move || {
        gate.holds(&authed.caller, &authed.context)
    })
    .await?;
    let holds: Vec<_> = holds
        .iter()
        .map(|(hold, records)| hold_json(hold, *records))
        .collect();
    Ok(json_response(StatusCode::OK, json!({"holds": holds})))
}

pub(crate) async fn hold_records(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let (hold, records) = blocking(state.limits.operation, move || {
        gate.hold_records(&authed.caller, &authed.context, &id)
    })
    .await?;
    let records: Vec<String> = records.iter().map(ToString::to_string).collect();
    let mut value = hold_json(&hold, Some(records.len() as u64));
    value["record_ids"] = json!(records);
    Ok(json_response(StatusCode::OK, value))
}

/// A search of the holds' indexes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeldSearchBody {
    identifier: IdentifierBody,
}

pub(crate) async fn search_held(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<HeldSearchBody>,
) -> Result<Response, Problem> {
    let key = search_key(&body.identifier).map_err(Problem::from)?;
    let gate = Arc::clone(&state.gate);
    let found = blocking(state.limits.operation, move || {
        gate.search_held(&authed.caller, &authed.context, &key)
    })
    .await?;
    let found: Vec<_> = found
        .iter()
        .map(|(id, hold)| json!({"record": id.to_string(), "hold": hold}))
        .collect();
    Ok(json_response(StatusCode::OK, json!({"held": found})))
}
