//! Handlers of the privacy office's yearly reports: JSON, or CSV with `format=csv`.

use policy::reports::{ComplaintReport, SystemYear};

use super::*;

/// Which year, in which form.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportParams {
    /// The calendar year, from 1970; a year after this one is 422.
    #[param(minimum = 1970, maximum = 9999)]
    #[serde(deserialize_with = "super::whole")]
    year: i32,
    /// `json` (the default) or `csv`.
    #[param(inline)]
    format: Option<ReportFormat>,
}

/// The form of a report.
#[derive(Deserialize, utoipa::ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ReportFormat {
    /// JSON.
    Json,
    /// CSV.
    Csv,
}

fn wants_csv(params: &ReportParams) -> bool {
    params.format == Some(ReportFormat::Csv)
}

fn csv_response(body: Vec<u8>) -> Response {
    let mut response = axum::response::IntoResponse::into_response((StatusCode::OK, body));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    response
}

/// Each system's requests of a year, one CSV row per system (exemptions as `code=count`
/// joined by `;`).
pub(crate) fn statistics_csv(rows: &[SystemYear]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "system",
        "year",
        "received",
        "processed",
        "granted",
        "partly_granted",
        "denied",
        "exemptions",
        "median_days",
        "longest_days",
        "pending",
        "backlog",
        "fees_cents",
    ])?;
    let optional = |value: Option<u32>| value.map(|n| n.to_string()).unwrap_or_default();
    for row in rows {
        let exemptions: Vec<String> = row
            .exemptions
            .iter()
            .map(|(code, n)| format!("{code}={n}"))
            .collect();
        out.write_record([
            row.system.clone(),
            row.year.to_string(),
            row.received.to_string(),
            row.processed.to_string(),
            row.granted.to_string(),
            row.partly_granted.to_string(),
            row.denied.to_string(),
            exemptions.join(";"),
            optional(row.median_days),
            optional(row.longest_days),
            row.pending.to_string(),
            row.backlog.to_string(),
            row.fees_cents.to_string(),
        ])?;
    }
    out.into_inner().map_err(|err| err.into_error().into())
}

/// The complaint report as CSV, one measure per row (`substance.accuracy`,
/// `resolution.open`...).
pub(crate) fn complaints_csv(report: &ComplaintReport) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["year", "measure", "count"])?;
    let year = report.year.to_string();
    let mut measures = vec![
        ("received".to_owned(), report.received),
        ("through_authority".to_owned(), report.through_authority),
    ];
    measures.extend(
        report
            .by_substance
            .iter()
            .map(|(substance, n)| (format!("substance.{substance}"), *n)),
    );
    measures.extend(
        report
            .by_resolution
            .iter()
            .map(|(resolution, n)| (format!("resolution.{resolution}"), *n)),
    );
    measures.push(("authority_referrals".into(), report.authority_referrals));
    measures.push((
        "referrals_concluded_late".into(),
        report.referrals_concluded_late,
    ));
    for (measure, n) in measures {
        out.write_record([year.as_str(), measure.as_str(), &n.to_string()])?;
    }
    out.into_inner().map_err(|err| err.into_error().into())
}

/// Each system's Privacy Act and FOIA requests in a calendar year (privacy officers,
/// auditors): received, processed, granted, partly granted, denied, requests by exemption
/// applied, median and longest working days from receipt to processing, pending at the year's
/// end and overdue among them (backlog), fees paid. Computed from the case files, each read
/// logged.
#[utoipa::path(
    get,
    path = "/v1/reports/requests",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "one row per system, as JSON or (`format=csv`) CSV", content(
            (wire::RequestStatistics = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "a parameter that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a year after this one", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn request_statistics(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<Response, Problem> {
    let csv = wants_csv(&params);
    let gate = Arc::clone(&state.gate);
    let year = params.year;
    let rows = blocking(state.limits.operation, move || {
        gate.request_statistics(&authed.caller, &authed.context, year)
    })
    .await?;
    if csv {
        return Ok(csv_response(
            statistics_csv(&rows).map_err(Problem::rendering)?,
        ));
    }
    Ok(typed_response(
        StatusCode::OK,
        &wire::RequestStatistics {
            year,
            systems: rows.iter().map(wire::SystemYearView::of).collect(),
        },
    ))
}

/// The complaints received in a calendar year, for the DHS Chief Privacy Officer's report to
/// Congress (seed 001 paragraph 42; privacy officers, auditors): their number, how many came
/// through a data protection authority, by substance, by resolution at the year's end,
/// referrals by an authority and how many were concluded late.
#[utoipa::path(
    get,
    path = "/v1/reports/complaints",
    tag = "reports",
    params(ReportParams),
    responses(
        (status = 200, description = "the report, as JSON or (`format=csv`) CSV, one measure a row", content(
            (wire::ComplaintReportView = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "a parameter that is not the schema's", body = wire::Problem, content_type = "application/problem+json"),
        (status = 403, description = DENIED, body = wire::Problem, content_type = "application/problem+json"),
        (status = 422, description = "a year after this one", body = wire::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn complaint_report(
    State(state): State<AppState>,
    authed: Authed,
    QueryParams(params): QueryParams<ReportParams>,
) -> Result<Response, Problem> {
    let csv = wants_csv(&params);
    let gate = Arc::clone(&state.gate);
    let year = params.year;
    let report = blocking(state.limits.operation, move || {
        gate.complaint_report(&authed.caller, &authed.context, year)
    })
    .await?;
    if csv {
        return Ok(csv_response(
            complaints_csv(&report).map_err(Problem::rendering)?,
        ));
    }
    Ok(typed_response(
        StatusCode::OK,
        &wire::ComplaintReportView::of(&report),
    ))
}
