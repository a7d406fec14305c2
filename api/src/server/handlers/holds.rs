//! Handlers of holds: place, release, list.

use super::*;

/// Place a hold (records officers) on records or on a subject's records, stored now or later.
#[utoipa::path(
    post,
    path = "/v1/holds",
    tag = "holds",
    request_body = wire::NewHold,
    responses(
        (status = 201, description = "placed: the hold, the records it holds and how many moved into its cohort", body = wire::PlacedHold),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "a record named is not in the vault", body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "both `records` and a `subject`, or neither; a compliance hold without `until`; `until` not in the future; a passport without its country, or a country for another kind", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn place_hold(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::NewHold>,
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
    Ok(typed_response(
        StatusCode::CREATED,
        &wire::PlacedHold {
            hold: wire::HoldView::of(&placed.hold, Some(placed.records)),
            moved: placed.moved,
        },
    ))
}

/// Release a hold with a reason (records officers); a compliance hold only from its
/// retain-until date, whoever asks. Its records go back to their cohorts, on to another hold,
/// or to destruction at the next run once their lives have ended.
#[utoipa::path(
    post,
    path = "/v1/holds/{id}/release",
    tag = "holds",
    params(("id" = String, Path, pattern = r"^[Hh]-[0-9]{1,6}$", description = "the hold's id, `H-<n>`")),
    request_body = wire::HoldRelease,
    responses(
        (status = 200, description = "released, and where its records went", body = wire::ReleasedHold),
        (status = 400, description = "a body that is not the schema's, or an id that is no hold's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such hold", body = wire::Problem, content_type = "application/problem+json"),
        (status = 409, description = "already released, or a compliance hold before its date", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn release_hold(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<wire::HoldRelease>,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let (hold, released) = blocking(state.limits.operation, move || {
        gate.release_hold(&authed.caller, &authed.context, &id, &body.reason)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::ReleasedHold {
            hold: wire::HoldView::of(&hold, None),
            returned: released.as_ref().map(|counts| counts.returned),
            still_held: released.as_ref().map(|counts| counts.still_held),
            awaiting_destruction: released.as_ref().map(|counts| counts.awaiting_destruction),
        },
    ))
}

/// Every hold, active or released, with how many records it holds (records officers,
/// auditors).
#[utoipa::path(
    get,
    path = "/v1/holds",
    tag = "holds",
    responses(
        (status = 200, description = "the holds", body = wire::HoldList),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_holds(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let holds = blocking(state.limits.operation, move || {
        gate.holds(&authed.caller, &authed.context)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::HoldList {
            holds: holds
                .iter()
                .map(|(hold, records)| wire::HoldView::of(hold, *records))
                .collect(),
        },
    ))
}

/// The ids of the records a hold holds, nothing decrypted (records officers, auditors).
#[utoipa::path(
    get,
    path = "/v1/holds/{id}/records",
    tag = "holds",
    params(("id" = String, Path, pattern = r"^[Hh]-[0-9]{1,6}$", description = "the hold's id, `H-<n>`")),
    responses(
        (status = 200, description = "the hold and its records' ids", body = wire::HeldRecords),
        (status = 400, description = "an id that is no hold's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such hold", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
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
    let record_ids: Vec<String> = records.iter().map(ToString::to_string).collect();
    Ok(typed_response(
        StatusCode::OK,
        &wire::HeldRecords {
            hold: wire::HoldView::of(&hold, Some(record_ids.len() as u64)),
            record_ids,
        },
    ))
}

/// The held records with an identifier, found through the indexes of the holds that name the
/// caller's role (records officers: every hold); ids and holds only, logged.
#[utoipa::path(
    post,
    path = "/v1/holds/search",
    tag = "holds",
    request_body = wire::HeldSearch,
    responses(
        (status = 200, description = "the records found, each with its hold", body = wire::HeldFound),
        (status = 400, description = "a body that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = PASSPORT_RULE, body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn search_held(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<wire::HeldSearch>,
) -> Result<Response, Problem> {
    let key = search_key(&body.identifier).map_err(Problem::from)?;
    let gate = Arc::clone(&state.gate);
    let found = blocking(state.limits.operation, move || {
        gate.search_held(&authed.caller, &authed.context, &key)
    })
    .await?;
    Ok(typed_response(
        StatusCode::OK,
        &wire::HeldFound {
            held: found
                .into_iter()
                .map(|(id, hold)| wire::HeldRecord {
                    record: id.to_string(),
                    hold,
                })
                .collect(),
        },
    ))
}
