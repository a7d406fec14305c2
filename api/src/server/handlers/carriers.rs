//! Handlers of the registry of carriers that push their PNR (seed 001 paragraph 13).

use super::*;

/// How a carrier's PNR comes, as posted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CarrierBody {
    system: String,
    carrier: String,
    /// `YYYY-MM-DD`, or null: CBP pulls from it.
    pushes_since: Option<String>,
    reason: String,
}

/// Which system's carriers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CarrierParams {
    system: String,
}

pub(crate) async fn record_carrier(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<CarrierBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let pushes_since = body
        .pushes_since
        .as_deref()
        .map(|text| date(text, "pushes_since"))
        .transpose()?;
    let entry = blocking(state.limits.operation, move || {
        gate.record_carrier_delivery(
            &authed.caller,
            &authed.context,
            &crate::gate::CarrierInput {
                system: &body.system,
                carrier: &body.carrier,
                pushes_since,
                reason: &body.reason,
            },
        )
    })
    .await?;
    // The reason is the caller's own text: kept, listed to the records officers, not echoed.
    Ok(json_response(
        StatusCode::OK,
        json!({"system": entry.system, "carrier": entry.carrier, "pushes_since": entry.pushes_since, "recorded_on": entry.recorded_on}),
    ))
}

pub(crate) async fn list_carriers(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(params): QueryParams<CarrierParams>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let list = blocking(state.limits.operation, move || {
        gate.carrier_deliveries(&authed.caller, &authed.context, &params.system)
    })
    .await?;
    Ok(json_response(StatusCode::OK, json!({"carriers": list})))
}
