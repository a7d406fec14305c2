//! Handlers of transfers to a records center: make one, list them, download a package, read
//! one back.

use super::*;

/// A cohort to transfer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferBody {
    cohort: u32,
}

/// Why a package is read back.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecallBody {
    purpose: String,
    case: String,
}

pub(crate) async fn make_transfer(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<TransferBody>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let made = blocking(state.limits.operation, move || {
        gate.transfer_cohort(&authed.caller, &authed.context, body.cohort)
    })
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        serde_json::to_value(&made).map_err(Problem::rendering)?,
    ))
}

pub(crate) async fn list_transfers(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let list = blocking(state.limits.operation, move || {
        gate.transfers(&authed.caller, &authed.context)
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"transfers": serde_json::to_value(&list).map_err(Problem::rendering)?}),
    ))
}

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

pub(crate) async fn recall_transfer(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RecallBody>,
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
    Ok(json_response(
        StatusCode::OK,
        serde_json::to_value(&recalled).map_err(Problem::rendering)?,
    ))
}
