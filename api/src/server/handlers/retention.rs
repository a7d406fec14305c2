//! Handlers of retention: plans, runs, certificates.

use super::*;

/// A retention plan request.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanBody {
    /// A date (YYYY-MM-DD) or RFC 3339 time to plan for (default: now).
    as_of: Option<String>,
}

fn due_json(due: &::retention::plan::Due) -> serde_json::Value {
    json!({
        "cohort": due.cohort.id,
        "system": due.cohort.system,
        "category": due.cohort.category,
        "collected_from": crate::render::rfc3339(due.cohort.start_ms),
        "collected_to": crate::render::rfc3339(due.cohort.end_ms),
        "schedule": due.schedule,
        "status": due.status,
        "authority": due.authority,
        "life_ended": due.life_ended.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "destroy": due.destroy,
        "defer_to": due.defer_to,
    })
}

fn kept_json(kept: &[(String, Option<u64>)]) -> serde_json::Value {
    kept.iter()
        .map(|(keeper, records)| json!({"keeper": keeper, "records": records}))
        .collect()
}

pub(crate) async fn retention_plan(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<PlanBody>,
) -> Result<Response, Problem> {
    let as_of = time_filter(body.as_of.as_deref(), "as_of")
        .map_err(Problem::from)?
        .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis);
    let gate = Arc::clone(&state.gate);
    let plan = blocking(state.limits.operation, move || {
        gate.retention_plan(&authed.caller, &authed.context, as_of)
    })
    .await?;
    let due: Vec<_> = plan
        .due
        .iter()
        .map(|(item, kept)| {
            let mut value = due_json(item);
            value["kept_by"] = kept_json(kept);
            value
        })
        .collect();
    let phases: Vec<_> = plan
        .phases
        .iter()
        .map(|(system, phase, cohorts)| json!({"system": system, "phase": phase, "cohorts": cohorts}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"due": due, "phases": phases}),
    ))
}

/// A retention run request.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunBody {
    #[serde(default)]
    confirm_clock: bool,
    /// A second records officer's approval of this plan (`POST /v1/retention/approvals`), for
    /// a run larger than one officer may make alone.
    approval: Option<String>,
}

pub(crate) async fn retention_run(
    State(state): State<AppState>,
    authed: Authed,
    JsonBody(body): JsonBody<RunBody>,
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
    let destroyed: Vec<_> = report
        .destroyed
        .iter()
        .map(|item| {
            let mut value = due_json(&item.due);
            value["records"] = json!(item.records);
            value["held"] = json!(item.held);
            value["ids_sha256"] = json!(hex::encode(item.ids_digest));
            value["deferred"] = json!(item.deferred);
            value["kept_by"] = kept_json(&item.kept_by);
            value["index_keys_destroyed"] = json!(item.index_keys_destroyed);
            value
        })
        .collect();
    let reported: Vec<_> = report.reported.iter().map(due_json).collect();
    Ok(json_response(
        StatusCode::OK,
        json!({
            "destroyed": destroyed,
            "reported": reported,
            "preservation": report.preservation,
            "certificate": report.certificate.map(|c| json!({"name": c.name, "text": c.text, "signature": c.signature})),
        }),
    ))
}

pub(crate) async fn retention_certificates(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let certificates = blocking(state.limits.operation, move || {
        gate.retention_certificates(&authed.caller, &authed.context)
    })
    .await?;
    let certificates: Vec<_> = certificates
        .iter()
        .map(|c| json!({"name": c.name, "text": c.text, "signature": c.signature}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        json!({"certificates": certificates}),
    ))
}

pub(crate) async fn retention_status(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let status = blocking(state.limits.operation, move || {
        gate.retention_status(&authed.caller, &authed.context)
    })
    .await?;
    let time = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    Ok(json_response(
        StatusCode::OK,
        json!({
            "trusted_time": time(status.trusted_time),
            "interrupted_run": status.interrupted_run,
            "compaction": {
                "state": status.compaction.state,
                "columns_done": status.compaction.columns_done,
                "columns": status.compaction.columns,
                "last_column": status.compaction.last_column,
                "started": time(status.compaction.started),
                "finished": time(status.compaction.finished),
                "error": status.compaction.error,
            },
        }),
    ))
}

/// A second records officer approves the run the plan shows now.
pub(crate) async fn retention_approve(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, Problem> {
    let gate = Arc::clone(&state.gate);
    let approval = blocking(state.limits.operation, move || {
        gate.approve_retention_run(&authed.caller, &authed.context)
    })
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        json!({
            "id": approval.id,
            "approver": approval.approver,
            "records": approval.records,
            "cohorts": approval.cohorts,
            "plan_sha256": hex::encode(approval.plan_digest),
            "expires": approval.expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }),
    ))
}
