//! Handlers of the registry of carriers (seed 001 paragraph 13).

use super::*;

/// A change of how a carrier's PNR comes, as posted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CarrierBody {
    system: String,
    carrier: String,
    icao: Option<String>,
    pushes: bool,
    /// `YYYY-MM-DD`: the day (UTC) from which it holds.
    from: String,
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
    let from = date(&body.from, "from")?;
    let entry = blocking(state.limits.operation, move || {
        gate.record_carrier_delivery(
            &authed.caller,
            &authed.context,
            &gate::CarrierInput {
                system: &body.system,
                carrier: &body.carrier,
                icao: body.icao.as_deref(),
                pushes: body.pushes,
                from,
                reason: &body.reason,
            },
        )
    })
    .await?;
    // The reasons are the callers' own text: kept, listed to the records officers, not echoed.
    let changes: Vec<_> = entry
        .changes
        .iter()
        .map(|change| json!({"from": change.from, "pushes": change.pushes, "recorded_on": change.recorded_on}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"system": entry.system, "carrier": entry.iata, "icao": entry.icao, "changes": changes}),
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
