//! Handlers of the registry of carriers (seed 001 paragraph 13).

use super::*;

/// Record from which day (UTC) a carrier pushes its PNR or is pulled, appended to its history
/// (records officers of the system's owner). A push from a carrier not recorded as pushing at
/// the receipt time is refused, and so is a pull from one that pushes (unless on advance
/// information about persons of specific concern); a flight named by an ICAO designator
/// nobody recorded is refused.
#[utoipa::path(
    post,
    path = "/v1/pnr-carriers",
    tag = "carriers",
    request_body = wire::CarrierChange,
    responses(
        (status = 200, description = "the carrier, with every change recorded (the reasons are not echoed)", body = wire::CarrierRecorded),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "the ICAO designator is another carrier's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a system without receipts by flight; a day before 2000-01-01 or more than a year from today", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn record_carrier(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::CarrierChange>,
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
    Ok(typed_response(
        StatusCode::OK,
        &wire::CarrierRecorded::of(&entry),
    ))
}

/// Which system's carriers.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct CarrierParams {
    /// A system with receipts by flight (`cbp-pnr`); another is 422.
    system: String,
}

/// The carriers recorded for a system with receipts by flight: designators and every recorded
/// change of whether each pushes its PNR (records officers of the system's owner; the listing
/// is logged).
#[utoipa::path(
    get,
    path = "/v1/pnr-carriers",
    tag = "carriers",
    params(CarrierParams),
    responses(
        (status = 200, description = "the registry", body = wire::Carriers),
        (status = 400, description = "a parameter that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a system without receipts by flight", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
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
    Ok(typed_response(
        StatusCode::OK,
        &wire::Carriers {
            carriers: list.iter().map(wire::CarrierView::of).collect(),
        },
    ))
}
